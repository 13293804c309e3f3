#!/usr/bin/env python3
"""Linux's own mm selftests (tools/testing/selftests/mm of Debian's
linux-source-6.12, unpacked by `make deps` under build/linux-source), built
from the unmodified sources with musl-gcc -static and gcc -static, run in one
bootmm boot and in the pinned Linux oracle (ci/oracle.py), and compared per
subtest: each KTAP/TAP `ok` / `not ok` / `# SKIP` line by name, and the exit
status. Writes build/selftests/results.md and results.json.

    selftests.py [--kernel build/bootmm.elf] [--mem 4G] [--timeout 120]
                 [--only NAME,...] [--toolchain musl|glibc] [--strict]
                 [--known tests/selftests-known.txt]

A test that does not build with a toolchain is listed as such. A kernel
panic or hang in bootmm fails the test that was running; the tests after it
run in a further boot. With --known FILE (what `make test` runs), every
difference must be listed in FILE (see read_known) and every line of FILE
must still match one: exit 1 otherwise. Python 3 standard library only.
"""

import argparse
import fnmatch
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

CI_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(CI_DIR)
sys.path.insert(0, CI_DIR)
import oracle  # noqa: E402

BUILD = os.environ.get("BOOTMM_BUILD") or os.path.join(ROOT, "build")
SERIES = "6.12"
TESTS = ["map_fixed_noreplace", "mremap_test", "mremap_dontunmap",
         "madv_populate", "map_populate", "mlock2-tests", "mlock-random-test",
         "on-fault-limit", "mseal_test", "seal_elf", "mdwe_test", "cow",
         "mkdirty", "droppable", "virtual_address_range", "soft-dirty",
         "pkey_sighandler_tests", "protection_keys", "memfd_secret"]
TOOLCHAINS = {"musl": "musl-gcc", "glibc": "gcc"}
# Per-target flags of the mm Makefile (tools/testing/selftests/mm/Makefile):
# the x86_64 pkey binaries (<name>_64) and the -lcap programs.
PKEY_TESTS = {"protection_keys", "pkey_sighandler_tests"}
CAP_TESTS = {"mlock-random-test", "memfd_secret"}
# libcap (Debian's libcap-dev) exists for glibc only. With musl-gcc those two
# take its header through a directory holding just sys/capability.h and link
# its archive by path: the objects they pull (cap_alloc, cap_proc, cap_flag)
# call only plain libc functions and syscall wrappers, the same C ABI in musl.
# musl 1.2.3's sys/prctl.h defines struct prctl_mm_map, which mdwe_test also
# gets from linux/prctl.h (glibc's header does not). For musl it is built
# with sys/prctl.h's guard predefined and a header that declares just what
# it needs from there: musl's own prototype of prctl.
MUSL_PRCTL_TESTS = {"mdwe_test"}
MUSL_PRCTL_HEADER = ("/* musl's sys/prctl.h without its struct prctl_mm_map "
                     "(ci/selftests.py) */\nint prctl(int, ...);\n")
LIBCAP_HEADER = "/usr/include/sys/capability.h"
LIBCAP_ARCHIVE = "/usr/lib/x86_64-linux-gnu/libcap.a"
KSFT_SKIP = 4


class SelftestError(Exception):
    """Setup failed (sources, headers); str() is the one-line cause."""


def log(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# ---------------------------------------------------------------- sources
def source_dir(build):
    """build/linux-source with the one file of the kernel's own mm/ that the
    selftests include (mm/gup_test.h), taken from the same tarball."""
    src = os.path.join(build, "linux-source")
    if not os.path.isdir(os.path.join(src, "tools/testing/selftests/mm")):
        raise SelftestError("no %s/tools/testing/selftests/mm: run `make deps`"
                            % src)
    gup = os.path.join(src, "mm", "gup_test.h")
    if not os.path.exists(gup):
        tarball = "/usr/src/linux-source-%s.tar.xz" % SERIES
        member = "linux-source-%s/mm/gup_test.h" % SERIES
        os.makedirs(os.path.dirname(gup), exist_ok=True)
        p = subprocess.run(["tar", "-xJf", tarball, "-C", src,
                            "--strip-components=1", member],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if p.returncode != 0:
            raise SelftestError("cannot unpack %s from %s: %s" % (
                member, tarball, p.stdout.decode(errors="replace").strip()))
    return src


def headers(src, out):
    """`make headers_install` of the source (out of tree) into out/usr, once
    per source version; returns the include directory."""
    usr = os.path.join(out, "usr")
    stamp = os.path.join(usr, ".bootmm-version")
    with open(os.path.join(src, ".bootmm-version")) as f:
        version = f.read().strip()
    try:
        with open(stamp) as f:
            if f.read().strip() == version:
                return os.path.join(usr, "include")
    except OSError:
        pass
    log("selftests: make headers_install (linux-source %s)" % version)
    p = subprocess.run(["make", "-s", "-C", src, "ARCH=x86_64",
                        "O=" + os.path.join(out, "kobj"),
                        "INSTALL_HDR_PATH=" + usr, "headers_install"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        raise SelftestError("headers_install failed: " +
                            p.stdout.decode(errors="replace").strip()[-300:])
    with open(stamp, "w") as f:
        f.write(version + "\n")
    return os.path.join(usr, "include")


# ---------------------------------------------------------------- build
def compile_command(test, toolchain, src, include, gen, binary):
    """The mm Makefile's compile line for one test (CFLAGS of lib.mk and
    mm/Makefile, -static for a program bootmm can load; __FILE__ in assert
    messages without this checkout's path, so outputs do not name it)."""
    mm = os.path.join(src, "tools/testing/selftests/mm")
    cmd = [TOOLCHAINS[toolchain], "-static", "-Wall", "-O2", "-I", src,
           "-isystem", include, "-isystem",
           os.path.join(src, "tools/include/uapi"), "-U_FORTIFY_SOURCE",
           "-Wno-address-of-packed-member", "-D_GNU_SOURCE=", "-I", gen,
           "-no-pie", "-ffile-prefix-map=%s/=" % src]
    if test in PKEY_TESTS:
        cmd += ["-m64", "-mxsave"]
    if test in CAP_TESTS and toolchain == "musl":
        cmd += ["-isystem", os.path.join(gen, "musl-libcap")]
    if test in MUSL_PRCTL_TESTS and toolchain == "musl":
        cmd += ["-D_SYS_PRCTL_H", "-include", os.path.join(gen, "musl-prctl.h")]
    cmd += [os.path.join(mm, f) for f in (test + ".c", "vm_util.c",
                                          "thp_settings.c")]
    cmd += ["-lrt", "-lpthread", "-lm"]
    if test in PKEY_TESTS:
        cmd += ["-lrt", "-ldl", "-lm"]
    if test in CAP_TESTS:
        cmd += [LIBCAP_ARCHIVE] if toolchain == "musl" else ["-lcap"]
    return cmd + ["-o", binary]


def first_error(text):
    """The compiler's first error line (or its last line)."""
    lines = [x for x in text.splitlines() if x.strip()]
    errs = [x for x in lines if "error" in x]
    line = (errs or lines or ["no output"])[0]
    return line.replace(os.path.join(BUILD, ""), "")[:200]


def build_one(test, toolchain, src, include, out):
    """Build one test; returns {"binary": path} or {"error": line}. Rebuilt
    only when the command or a source changed (a stamp of both)."""
    name = "%s-%s" % (test, toolchain)
    binary = os.path.join(out, "bin", name)
    gen = os.path.join(out, "gen")
    cmd = compile_command(test, toolchain, src, include, gen, binary)
    mm = os.path.join(src, "tools/testing/selftests/mm")
    h = hashlib.sha256(" ".join(cmd).encode())
    for f in sorted(os.listdir(mm)):
        if f.endswith((".c", ".h")):
            with open(os.path.join(mm, f), "rb") as fh:
                h.update(fh.read())
    stamp = os.path.join(out, "logs", name + ".stamp")
    blog = os.path.join(out, "logs", name + ".build.log")
    try:
        with open(stamp) as f:
            old = f.read().split(" ", 1)
        if old[0] == h.hexdigest():
            if old[1].strip() == "ok" and os.path.exists(binary):
                return {"binary": binary}
            if old[1].strip() != "ok":
                with open(blog) as f:
                    return {"error": first_error(f.read())}
    except (OSError, IndexError):
        pass
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       stdin=subprocess.DEVNULL)
    text = p.stdout.decode(errors="replace")
    with open(blog, "w") as f:
        f.write("$ " + " ".join(shlex.quote(c) for c in cmd) + "\n" + text)
    ok = p.returncode == 0 and os.path.exists(binary)
    with open(stamp, "w") as f:
        f.write("%s %s\n" % (h.hexdigest(), "ok" if ok else "fail"))
    if ok:
        return {"binary": binary}
    if os.path.exists(binary):
        os.unlink(binary)
    return {"error": first_error(text)}


def build_all(tests, toolchains, build):
    """Build every (test, toolchain): {(test, toolchain): build_one()}."""
    out = os.path.join(build, "selftests")
    src = source_dir(build)
    include = headers(src, out)
    for d in ("bin", "logs", "gen"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
    # mm/check_config.sh's answer without liburing (cow's io_uring cases off)
    cfg = os.path.join(out, "gen", "local_config.h")
    with open(cfg, "w") as f:
        f.write("// No liburing support found\n")
    with open(os.path.join(out, "gen", "musl-prctl.h"), "w") as f:
        f.write(MUSL_PRCTL_HEADER)
    capdir = os.path.join(out, "gen", "musl-libcap", "sys")
    os.makedirs(capdir, exist_ok=True)
    cap = os.path.join(capdir, "capability.h")
    if not os.path.islink(cap):
        os.symlink(LIBCAP_HEADER, cap)
    built = {}
    for tc in toolchains:
        for t in tests:
            built[(t, tc)] = build_one(t, tc, src, include, out)
    return built


# ---------------------------------------------------------------- TAP
TAP_LINE = re.compile(r"^\s*(ok|not ok)\s+\d+\b\s*(?:-\s*)?(.*?)\s*$")
DIRECTIVE = re.compile(r"^(.*?)\s*#\s*(SKIP|XFAIL|TODO)\b\s*(.*)$", re.I)


def subtests(out):
    """[(name, "pass"|"fail"|"skip"|"xfail")] from the KTAP/TAP result lines
    of a program's stdout, in order; a repeated name gets " #2", " #3"; a
    "Bail out!" line is a failed result named "Bail out!"."""
    res, seen = [], {}
    for raw in out.decode("utf-8", "replace").splitlines():
        if raw.startswith("Bail out!"):
            # the rest of the plan is lost: one result, without the message
            # (it often names an address)
            res.append(("Bail out!", "fail"))
            continue
        m = TAP_LINE.match(raw)
        if not m:
            continue
        desc, kind = m.group(2), "pass" if m.group(1) == "ok" else "fail"
        d = DIRECTIVE.match(desc)
        if d:
            directive = d.group(2).upper()
            # kselftest writes "ok N # SKIP <name>": the name is the reason
            desc = d.group(1) or d.group(3)
            if directive == "SKIP":
                kind = "skip"
            elif directive == "XFAIL":
                kind = "xfail"
        desc = desc.strip()
        seen[desc] = seen.get(desc, 0) + 1
        if seen[desc] > 1:
            desc += " #%d" % seen[desc]
        res.append((desc, kind))
    return res


def tally(subs, status):
    """(pass, fail, skip) over subtests; a program without TAP lines counts
    as one result from its exit status (0 pass, 4 skip, else fail)."""
    if not subs:
        if status == 0:
            return (1, 0, 0)
        if status == KSFT_SKIP:
            return (0, 0, 1)
        return (0, 1, 0)
    p = sum(1 for _, k in subs if k in ("pass", "xfail"))
    f = sum(1 for _, k in subs if k == "fail")
    return (p, f, len(subs) - p - f)


def first_difference(want, got):
    """None when both sides agree (subtests in order, exit status), else one
    line naming the first difference."""
    if got.get("crash"):
        return got["crash"]
    wsubs, gsubs = want["subtests"], got["subtests"]
    gmap = dict(gsubs)
    for name, kind in wsubs:
        if name not in gmap:
            return "%s: %s in Linux, missing here" % (name, kind)
        if gmap[name] != kind:
            return "%s: %s in Linux, %s here" % (name, kind, gmap[name])
    wnames = set(n for n, _ in wsubs)
    for name, kind in gsubs:
        if name not in wnames:
            return "%s: %s here, not in Linux" % (name, kind)
    if [n for n, _ in wsubs] != [n for n, _ in gsubs]:
        return "same subtests in another order"
    if want["status"] != got["status"]:
        return "exit status %s in Linux, %s here" % (want["status"],
                                                    got["status"])
    return None


def side(prog):
    """The compared view of one program's result."""
    status = prog.get("status")
    subs = subtests(prog.get("out", b""))
    return {"status": status, "subtests": subs, "counts": tally(subs, status)}


# ---------------------------------------------------------------- bootmm
def junit_results(path):
    """programs.<name> -> (status, message) from the runner's JUnit XML."""
    res = {}
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return res
    for case in root.iter("testcase"):
        if case.get("classname") != "programs":
            continue
        fail = case.find("failure")
        if fail is not None:
            res[case.get("name")] = ("fail", fail.get("message", ""),
                                     (fail.text or "").strip())
        else:
            res[case.get("name")] = ("pass", "", "")
    return res


def crash_line(message, text):
    """One line for a test the runner reported broken (the panic line, else
    the runner's fail line; a watchdog timeout), or None for an ordinary
    result."""
    lines = text.splitlines()
    panics = [x for x in lines if x.startswith("bootmm: panic:")]
    fails = [x[len("bootmm: FAIL: "):] for x in lines
             if x.startswith("bootmm: FAIL:")]
    if message.startswith("CRASH"):
        if panics:
            return "bootmm " + panics[0][len("bootmm: "):]
        return "bootmm crashed: " + (fails or ["run ended during it"])[0]
    if "TIMEOUT" in message:
        return "bootmm: " + message.strip()
    return None


def read_outputs(outdir, name):
    def rd(ext):
        try:
            with open(os.path.join(outdir, name + "." + ext), "rb") as f:
                return f.read()
        except OSError:
            return None
    st = rd("status")
    return {"out": rd("out") or b"", "err": rd("err") or b"",
            "status": int(st) if st and st.strip().isdigit() else None}


def run_bootmm(programs, args, out):
    """Run the programs ((name, path)) in bootmm: one boot, and one more
    for the rest each time a boot breaks (the test it broke in fails).
    Returns (name -> result dict with "crash" for a broken test, seconds,
    boots)."""
    todo = list(programs)
    results, boots, start = {}, 0, time.monotonic()
    shutil.rmtree(os.path.join(out, "bootmm"), ignore_errors=True)
    while todo and boots < args.max_boots:
        boots += 1
        tag = "boot%d" % boots
        odir = os.path.join(out, "bootmm", tag)
        junit = os.path.join(out, "bootmm", tag + ".xml")
        console = os.path.join(out, "bootmm", tag + ".log")
        os.makedirs(odir, exist_ok=True)
        cmd = [sys.executable, os.path.join(CI_DIR, "runner.py"), "run",
               "--kernel", args.kernel, "--mem", args.mem, "--timeout",
               str(args.timeout), "--filter", "programs.*", "--out", odir,
               "--junit", junit, "--hang-timeout", str(args.timeout + 60),
               "--total-timeout", str(120 + (args.timeout + 30) * len(todo))]
        for name, path in todo:
            cmd += ["--program", "%s" % path]
        log("selftests: bootmm boot %d with %d program(s)" % (boots, len(todo)))
        with open(console, "wb") as f:
            subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL)
        jres = junit_results(junit)
        rest = []
        for name, path in todo:
            if name not in jres:
                rest.append((name, path))
                continue
            r = read_outputs(odir, name)
            _, message, text = jres[name]
            crash = crash_line(message, text)
            if crash:
                r["crash"] = crash
            results[name] = r
        if len(rest) == len(todo):   # nothing ran: give up on the rest
            with open(console, "rb") as f:
                tail = oracle.last_line(f.read())
            for name, _ in rest:
                results[name] = {"out": b"", "err": b"", "status": None,
                                 "crash": "bootmm ran nothing: " + tail}
            rest = []
        todo = rest
    for name, _ in todo:
        results[name] = {"out": b"", "err": b"", "status": None,
                         "crash": "not run: %d boots broke" % boots}
    return results, time.monotonic() - start, boots


def run_oracle(programs, args):
    """name -> result in Linux (cached); on an oracle failure every result
    carries "error"."""
    start = time.monotonic()
    try:
        res = oracle.results(programs, args.mem, args.timeout,
                             build=args.build, log=log, keep_going=True)
    except oracle.OracleError as e:
        return {name: {"error": "oracle: %s" % e} for name, _ in programs}, \
            time.monotonic() - start
    return res, time.monotonic() - start


# ---------------------------------------------------------------- known
def differences(row):
    """The names of everything in which a row differs from Linux: each
    subtest whose result differs (or that one side lacks), "exit status",
    "crash" for a broken run (its subtests are not listed then), "build" for
    a test that does not build, "linux" when the oracle gave no result."""
    if row["verdict"] == "skipped":
        return ["build"] if row["detail"].startswith("does not build") \
            else ["linux"]
    if row["bootmm"].get("crash"):
        return ["crash"]
    want, got = row["linux"], row["bootmm"]
    wmap, gmap = dict(want["subtests"]), dict(got["subtests"])
    diffs = [n for n, k in want["subtests"] if gmap.get(n) != k]
    diffs += [n for n, _ in got["subtests"] if n not in wmap]
    if want["status"] != got["status"]:
        diffs.append("exit status")
    return diffs


class KnownError(Exception):
    """A malformed line of the known-differences file."""


def read_known(path):
    """The known differences: one per line, `test | toolchain | subtest |
    why`, where toolchain is musl, glibc or * (both), subtest a name from
    differences() or an fnmatch pattern over them (* for the whole test),
    and why the reason, never empty. # starts a comment line. Returns a list
    of dicts (test, toolchain, subtest, why, line)."""
    known = []
    with open(path) as f:
        for no, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = [x.strip() for x in line.split(" | ")]
            if len(parts) != 4 or not all(parts):
                raise KnownError("%s:%d: not `test | toolchain | subtest | "
                                 "why`: %s" % (path, no, line))
            if parts[0] not in TESTS or \
                    parts[1] not in list(TOOLCHAINS) + ["*"]:
                raise KnownError("%s:%d: unknown test or toolchain: %s"
                                 % (path, no, line))
            known.append({"test": parts[0], "toolchain": parts[1],
                          "subtest": parts[2], "why": parts[3],
                          "line": "%s:%d" % (os.path.basename(path), no)})
    return known


def known_matches(entry, test, tc, name):
    return entry["test"] == test and entry["toolchain"] in (tc, "*") and \
        fnmatch.fnmatchcase(name, entry["subtest"])


def check_known(rows, known):
    """Judge rows against the known differences: (unlisted, stale) where
    unlisted are "test (toolchain): difference" lines with no entry, and
    stale the entries no difference matched (for the tests and toolchains
    that ran). Both empty means as expected."""
    unlisted, used = [], set()
    for r in rows:
        for name in differences(r):
            hits = [i for i, e in enumerate(known)
                    if known_matches(e, r["test"], r["toolchain"], name)]
            if not hits:
                unlisted.append("%s (%s): %s [%s]" % (
                    r["test"], r["toolchain"], name, r["detail"]))
            used.update(hits)
    ran = set((r["test"], r["toolchain"]) for r in rows)
    stale = [e for i, e in enumerate(known) if i not in used and
             any(t == e["test"] and e["toolchain"] in (tc, "*")
                 for t, tc in ran)]
    return unlisted, stale


def report_known(rows, path):
    """Print the verdict against the known-differences file; True when every
    difference is listed and every entry still matches."""
    try:
        known = read_known(path)
    except (OSError, KnownError) as e:
        log("selftests: FAIL: %s" % e)
        return False
    unlisted, stale = check_known(rows, known)
    for u in unlisted:
        log("selftests: FAIL: new difference from Linux: " + u)
    for e in stale:
        log("selftests: FAIL: %s no longer differs (%s | %s | %s): remove "
            "it from %s" % (e["line"], e["test"], e["toolchain"],
                            e["subtest"], path))
    log("selftests: %d difference(s) from Linux, all listed in %s" % (
        sum(len(differences(r)) for r in rows), path)
        if not unlisted and not stale else
        "selftests: %d new difference(s), %d stale line(s) in %s" % (
            len(unlisted), len(stale), path))
    return not unlisted and not stale


# ---------------------------------------------------------------- report
def judge(test, tc, built, linux, ours):
    """One table row."""
    row = {"test": test, "toolchain": tc, "linux": None, "bootmm": None,
           "same": None}
    if "error" in built:
        row.update(verdict="skipped", detail="does not build: " + built["error"])
        return row
    if "error" in linux:
        row.update(verdict="skipped", detail=linux["error"])
        return row
    if linux.get("status") is None:
        row.update(verdict="skipped", detail="hangs in Linux (killed)")
        return row
    want, got = side(linux), side(ours)
    got["crash"] = ours.get("crash")
    row["linux"] = {"status": want["status"], "counts": want["counts"],
                    "subtests": want["subtests"]}
    row["bootmm"] = {"status": got["status"], "counts": got["counts"],
                     "subtests": got["subtests"], "crash": ours.get("crash")}
    gmap = dict(got["subtests"])
    row["same"] = [sum(1 for n, k in want["subtests"] if gmap.get(n) == k),
                   len(want["subtests"])]
    diff = first_difference(want, got)
    row.update(verdict="passed" if diff is None else "failed",
               detail=diff or "identical")
    return row


def fmt_counts(side_):
    if side_ is None:
        return "-"
    p, f, s = side_["counts"]
    return "%d/%d/%d st %s" % (p, f, s, side_["status"])


def md_cell(text):
    return text.replace("|", "\\|").replace("\n", " ")


def write_report(rows, out, meta):
    """results.json and results.md; returns the closing line."""
    n = {k: sum(1 for r in rows if r["verdict"] == k)
         for k in ("passed", "failed", "skipped")}
    last = "%d passed, %d failed, %d skipped" % (n["passed"], n["failed"],
                                                 n["skipped"])
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"meta": meta, "rows": rows, "summary": n}, f, indent=1)
    lines = ["# Linux's mm selftests: bootmm against Linux %s" % meta["kernel"],
             "",
             "Counts are pass/fail/skip subtests and the exit status (st); "
             "passed = every subtest and the exit status identical to Linux; "
             "same subtests = Linux's subtests with the same result here.",
             "",
             "| test | toolchain | Linux | bootmm | same subtests | verdict | "
             "identical or first difference |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        same = "%d/%d" % tuple(r["same"]) if r["same"] else "-"
        lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            r["test"], r["toolchain"], fmt_counts(r["linux"]),
            fmt_counts(r["bootmm"]), same, r["verdict"],
            md_cell(r["detail"])))
    per = []
    for tc in meta["toolchains"]:
        mine = [r for r in rows if r["toolchain"] == tc]
        same = [r["same"] for r in mine if r["same"]]
        per.append("%s: %d identical, %d different, %d skipped; %d of "
                   "Linux's %d subtests alike" % (
                       tc, sum(r["verdict"] == "passed" for r in mine),
                       sum(r["verdict"] == "failed" for r in mine),
                       sum(r["verdict"] == "skipped" for r in mine),
                       sum(a for a, _ in same), sum(b for _, b in same)))
    lines += ["", "; ".join(per) + ".",
              "bootmm: %d boot(s), %.0f s; oracle %.0f s (cached results boot "
              "nothing)." % (meta["bootmm_boots"], meta["bootmm_secs"],
                             meta["oracle_secs"]), "", last]
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(prog="selftests.py",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--kernel", default=os.path.join(BUILD, "bootmm.elf"))
    ap.add_argument("--build", default=BUILD)
    ap.add_argument("--mem", default="4G")
    ap.add_argument("--timeout", type=int, default=120,
                    help="seconds one test may run on either side")
    ap.add_argument("--only", default="", help="comma-separated test names")
    ap.add_argument("--toolchain", action="append", choices=list(TOOLCHAINS))
    ap.add_argument("--max-boots", type=int, default=8)
    ap.add_argument("--build-only", action="store_true")
    ap.add_argument("--strict", action="store_true",
                    help="exit 1 unless every built test is identical")
    ap.add_argument("--known", metavar="FILE",
                    help="exit 1 on a difference FILE does not list, or a "
                    "line of FILE that no longer differs")
    args = ap.parse_args(argv)
    # make -C runs inside the source tree: every path handed on must be absolute.
    args.build = os.path.abspath(args.build)
    args.kernel = os.path.abspath(args.kernel)
    tests = [t for t in args.only.split(",") if t] or TESTS
    unknown = [t for t in tests if t not in TESTS]
    if unknown:
        ap.error("unknown test(s): %s" % " ".join(unknown))
    toolchains = args.toolchain or list(TOOLCHAINS)
    out = os.path.join(args.build, "selftests")
    try:
        built = build_all(tests, toolchains, args.build)
        _, package = oracle.kernel_info(args.build)
    except (SelftestError, oracle.OracleError, OSError) as e:
        sys.stderr.write("selftests: FAIL: %s\n" % e)
        return 1
    for (t, tc), b in built.items():
        if "error" in b:
            log("selftests: %s (%s) does not build: %s" % (t, tc, b["error"]))
    if args.build_only:
        return 0
    programs = [("%s-%s" % k, b["binary"]) for k, b in built.items()
                if "binary" in b]
    linux, osecs = run_oracle(programs, args)
    shutil.rmtree(os.path.join(out, "linux"), ignore_errors=True)
    oracle.write_outputs(os.path.join(out, "linux"),
                         {n: r for n, r in linux.items() if "error" not in r})
    ours, bsecs, boots = run_bootmm(programs, args, out)
    rows = []
    for (t, tc), b in built.items():
        name = "%s-%s" % (t, tc)
        rows.append(judge(t, tc, b, linux.get(name, {}), ours.get(name, {})))
    meta = {"kernel": package, "mem": args.mem, "timeout": args.timeout,
            "toolchains": toolchains, "bootmm_boots": boots,
            "bootmm_secs": round(bsecs, 1), "oracle_secs": round(osecs, 1)}
    lines = write_report(rows, out, meta)
    log("\n".join(lines))
    failed = any(r["verdict"] == "failed" for r in rows)
    if args.known and not report_known(rows, args.known):
        return 1
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
