#!/usr/bin/env python3
"""bootmm host runner: build a bootable ISO, boot it in QEMU or Bochs, read
the kernel's KTAP (COM1) and program output (COM2), and turn them into one
verdict, a summary, JUnit XML and per-program output files.

Subcommands: mkiso, run, debug, floor. `runner.py <cmd> -h` lists options.
Python 3 standard library only.
"""

import argparse
import difflib
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ktap import KtapParser, FrameParser, TestResult  # noqa: E402

CI_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(CI_DIR)
QEMU = "qemu-system-x86_64"
BOCHS = "bochs"
EXIT_PASS = 33   # (0x10 << 1) | 1 written by the kernel on pass
EXIT_FAIL = 35   # (0x11 << 1) | 1 on fail
DONE_GRACE = 10  # seconds an emulator may take to exit after the done line

# One fixed wording per cause; "{where}" becomes "during suite.test" or
# "before any test started".
CAUSES = {
    "crash": "emulator exited with code {code} (triple fault or reboot) {where}",
    "exit": "emulator exited with code {code} without a done line {where}",
    "bochs_exit": "emulator exited without a done line {where}",
    "hang": "hang: no serial output for {secs} s {where}",
    "total": "total timeout after {secs} s {where}",
    "truncated": "truncated plan: {missing} results missing {where}",
    "no_plan": "no KTAP plan {where}",
    "plan": "plan mismatch: {detail} {where}",
    "no_done": "no done line {where}",
    "build_id": "wrong build id {got} in done line (expected {want}) {where}",
    "counts": "done line says pass={dp} fail={df} skip={ds} but results say "
              "pass={rp} fail={rf} skip={rs} {where}",
    "exit_code": "exit code mismatch: emulator exited with code {code} but "
                 "the kernel reported {verdict} {where}",
    "failed": "{n} test(s) failed: {names}",
    "start": "could not start the emulator: {detail}",
    "frames": "bad program output frames on COM2: {detail}",
}


def fail_line(cause, **kw):
    """The one line that says why a run failed."""
    where = kw.get("where")
    kw["where"] = ("during %s" % where) if where else "before any test started"
    return "bootmm: FAIL: " + CAUSES[cause].format(**kw).rstrip()


# ---------------------------------------------------------------- ISO
def grub_word(word):
    """Quote one command-line word for grub.cfg (GRUB's sh-like syntax)."""
    if re.fullmatch(r"[A-Za-z0-9._,=/:+@%-]+", word):
        return word
    return "'" + word.replace("'", "'\\''") + "'"


def grub_cfg(cmdline_words, programs, expects):
    """grub.cfg text: boot the kernel with the words and one module per
    program, tagged with its expected exit status when there is one."""
    lines = ["set timeout=0", "set default=0", "terminal_output console",
             'menuentry "bootmm" {',
             "\tmultiboot2 /boot/bootmm.elf " +
             " ".join(grub_word(w) for w in cmdline_words)]
    for path in programs:
        name = os.path.basename(path)
        mod = "\tmodule2 /programs/%s %s" % (grub_word(name), grub_word(name))
        if name in expects:
            mod += " expect=%d" % expects[name]
        lines.append(mod)
    lines += ["\tboot", "}"]
    return "\n".join(lines) + "\n"


def make_iso(kernel, out, cmdline_words=(), programs=(), expects=None):
    """Stage the ISO tree in a temp dir and run grub-mkrescue on it.
    Raises RuntimeError with grub-mkrescue's output if it fails."""
    expects = expects or {}
    with tempfile.TemporaryDirectory(prefix="bootmm-iso-") as tmp:
        os.makedirs(os.path.join(tmp, "boot", "grub"))
        os.makedirs(os.path.join(tmp, "programs"))
        shutil.copy(kernel, os.path.join(tmp, "boot", "bootmm.elf"))
        for p in programs:
            shutil.copy(p, os.path.join(tmp, "programs", os.path.basename(p)))
        with open(os.path.join(tmp, "boot", "grub", "grub.cfg"), "w") as f:
            f.write(grub_cfg(list(cmdline_words), programs, expects))
        proc = subprocess.run(["grub-mkrescue", "-o", out, tmp],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise RuntimeError("grub-mkrescue failed:\n" +
                               proc.stdout.decode("utf-8", "replace"))


def parse_expects(items):
    """["name=3", ...] -> {"name": 3}."""
    out = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not value.lstrip("-").isdigit():
            raise SystemExit("bootmm: bad --expect %r (want NAME=STATUS)" % item)
        out[name] = int(value)
    return out


def cmdline_words(args, shard=None):
    """The kernel command line for a run, as a list of words."""
    words = []
    if args.filter:
        words.append("bootmm.filter=" + args.filter)
    if args.timeout:
        words.append("bootmm.timeout=%s" % args.timeout)
    if args.shuffle is not None:
        words.append("bootmm.shuffle=%s" % args.shuffle)
    if shard:
        words.append("bootmm.shard=%s" % shard)
    if args.cmdline:
        words += shlex.split(args.cmdline)
    return words


def mem_megs(mem):
    """"128M" / "1G" / "256" -> megabytes."""
    m = re.fullmatch(r"(\d+)([MmGg]?)[iI]?[Bb]?", str(mem))
    if not m:
        raise SystemExit("bootmm: bad --mem %r" % mem)
    return int(m.group(1)) * (1024 if m.group(2) in ("G", "g") else 1)


# ---------------------------------------------------------------- emulators
def qemu_command(iso, mem, accel, com1, com2):
    """QEMU's command line: headless, no reboot, isa-debug-exit."""
    cpu = "host" if accel == "kvm" else "max"
    return [QEMU, "-accel", accel, "-cpu", cpu, "-m", mem, "-no-reboot",
            "-display", "none", "-monitor", "none",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            "-cdrom", iso, "-boot", "d",
            "-serial", "file:" + com1, "-serial", "file:" + com2]


def bochs_files(tmp, iso, mem, com1, com2):
    """Write bochsrc and the debugger rc file; return the command."""
    with open(os.path.join(CI_DIR, "bochsrc.in")) as f:
        text = f.read()
    text = (text.replace("@MEGS@", str(mem_megs(mem))).replace("@ISO@", iso)
            .replace("@COM1@", com1).replace("@COM2@", com2)
            .replace("@LOG@", os.path.join(tmp, "bochs.log")))
    rc = os.path.join(tmp, "bochs.rc")
    conf = os.path.join(tmp, "bochsrc")
    with open(conf, "w") as f:
        f.write(text)
    with open(rc, "w") as f:
        f.write("c\n")
    return [BOCHS, "-q", "-f", conf, "-rc", rc]


def emulator_env():
    env = dict(os.environ)
    env["SDL_VIDEODRIVER"] = "dummy"
    env.setdefault("BXSHARE", "/usr/share/bochs")
    return env


def stop(proc):
    """Terminate an emulator we started, then kill it if it lingers."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(3)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Tail:
    """Reads what was appended to a file since the last read, reopening it
    by path each time (emulators create or recreate their output files)."""

    def __init__(self, path):
        self.path = path
        self.offset = 0

    def read(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return b""
        self.offset += len(data)
        return data


class Boot:
    """One emulator run: fills .parser (KTAP), .frames (COM2), .exit_code,
    .killed ("hang"/"total"/None), .elapsed, .start_error."""

    def __init__(self, emulator, echo=None):
        self.emulator = emulator
        self.echo = echo
        self.parser = KtapParser()
        self.frames = FrameParser()
        self.exit_code = None
        self.killed = None
        self.elapsed = 0.0
        self.start_error = None
        self.log_tail = ""

    def run(self, tmp, iso, mem, accel, hang_timeout, total_timeout):
        """Boot iso and stream COM1 until the emulator ends or is killed."""
        com1 = os.path.join(tmp, "com1.txt")
        com2 = os.path.join(tmp, "com2.bin")
        if self.emulator == "bochs":
            cmd = bochs_files(tmp, iso, mem, com1, com2)
        else:
            cmd = qemu_command(iso, mem, accel, com1, com2)
        log = open(os.path.join(tmp, "emulator.log"), "wb")
        start = time.monotonic()
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, env=emulator_env())
        except OSError as e:
            self.start_error = str(e)
            return
        self._watch(proc, Tail(com1), start, hang_timeout, total_timeout)
        self.elapsed = time.monotonic() - start
        log.close()
        self.frames.feed(Tail(com2).read())
        with open(os.path.join(tmp, "emulator.log"), "rb") as f:
            self.log_tail = f.read()[-2000:].decode("utf-8", "replace")

    def _watch(self, proc, f, start, hang_timeout, total_timeout):
        """Poll COM1 for new bytes; stop on exit, hang or total timeout."""
        last = time.monotonic()
        done_at = None
        while True:
            exited = proc.poll() is not None
            data = f.read()
            now = time.monotonic()
            if data:
                last = now
                self._consume(data)
                if self.parser.done is not None and done_at is None:
                    done_at = now
            if exited:
                self._consume(f.read())
                self.parser.finish()
                self.exit_code = proc.returncode
                return
            grace = 2.0 if self.emulator == "bochs" else DONE_GRACE
            if done_at is not None and now - done_at > grace:
                # The verdict is in but the emulator lingers: end it.
                stop(proc)
                continue
            if now - last > hang_timeout:
                self.killed = "hang"
            elif now - start > total_timeout:
                self.killed = "total"
            if self.killed:
                stop(proc)
                self._consume(f.read())
                self.parser.finish()
                self.exit_code = proc.returncode
                return
            time.sleep(0.05)

    def _consume(self, data):
        if not data:
            return
        self.parser.feed(data)
        if self.echo:
            self.echo(data)


# ---------------------------------------------------------------- verdict
class Outcome:
    """The judged result of one boot: results (list of TestResult, with a
    synthetic failed result for a test that crashed), causes (fail lines),
    passed (bool)."""

    def __init__(self):
        self.results = []
        self.causes = []
        self.passed = False
        self.programs = {}
        self.emulator_log = None  # emulator's own output, kept on failure


def judge(boot, want_id, emulator, hang_timeout=None, total_timeout=None):
    """Turn a finished Boot into an Outcome: passed only when the exit
    code, a complete plan and the done line (this build's id, matching
    counts, no failures) all agree."""
    p = boot.parser
    out = Outcome()
    out.results = p.results()
    out.programs = boot.frames.programs
    where = p.last_started
    cause = crash_cause(boot, emulator, where, hang_timeout, total_timeout)
    if cause is None:
        cause = report_cause(p, boot, want_id, emulator, where)
    if cause is not None:
        out.causes.append(cause)
        add_crashed_test(out, p, cause)
    if boot.frames.errors or boot.frames.incomplete():
        detail = "; ".join(boot.frames.errors) or "stream ends inside a frame"
        out.causes.append(fail_line("frames", detail=detail))
    out.passed = not out.causes and not any(
        t.status == "fail" for t in out.results)
    return out


def crash_cause(boot, emulator, where, hang_timeout, total_timeout):
    """The fail line for an emulator that did not finish on its own."""
    p = boot.parser
    if boot.start_error:
        return fail_line("start", detail=boot.start_error)
    if boot.killed == "hang":
        return fail_line("hang", secs=fmt_secs(hang_timeout), where=where)
    if boot.killed == "total":
        return fail_line("total", secs=fmt_secs(total_timeout), where=where)
    if p.done is not None:
        return None
    if emulator == "bochs":
        return fail_line("bochs_exit", where=where)
    if boot.exit_code in (0, 1):
        return fail_line("crash", code=boot.exit_code, where=where)
    if boot.exit_code not in (EXIT_PASS, EXIT_FAIL):
        return fail_line("exit", code=boot.exit_code, where=where)
    return None


def report_cause(p, boot, want_id, emulator, where):
    """The fail line for a run that ended but whose report is not whole."""
    if p.plan is None:
        return fail_line("no_plan", where=where)
    missing = p.missing_results()
    if missing:
        return fail_line("truncated", missing=missing, where=where)
    errs = p.plan_errors()
    if errs:
        return fail_line("plan", detail="; ".join(errs), where=where)
    if p.done is None:
        return fail_line("no_done", where=where)
    if p.done["build_id"] != want_id:
        return fail_line("build_id", got=p.done["build_id"], want=want_id,
                         where=where)
    rp, rf, rs = p.counts()
    d = p.done
    if (d["pass"], d["fail"], d["skip"]) != (rp, rf, rs):
        return fail_line("counts", dp=d["pass"], df=d["fail"], ds=d["skip"],
                         rp=rp, rf=rf, rs=rs, where=where)
    if emulator == "qemu":
        want = EXIT_FAIL if rf else EXIT_PASS
        if boot.exit_code != want:
            return fail_line("exit_code", code=boot.exit_code,
                             verdict="fail" if rf else "pass", where=where)
    return None


def add_crashed_test(out, p, cause):
    """Record the test that was running when the run broke as failed."""
    name = p.last_started
    if not name or any(t.full_name == name for t in out.results):
        return
    suite, _, test = name.partition(".")
    t = TestResult(suite, test, 0, "fail", "CRASH", "")
    t.diagnostics = p.pending_diagnostics() + [cause]
    out.results.append(t)


def fmt_secs(s):
    return ("%g" % s) if s is not None else "?"


# ---------------------------------------------------------------- programs
def host_limits():
    import resource
    resource.setrlimit(resource.RLIMIT_STACK, (8 << 20, 8 << 20))


def run_on_host(path):
    """Run a program natively like the image does: (stdout, status)."""
    try:
        proc = subprocess.run([os.path.abspath(path)], env={},
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=60,
                              preexec_fn=host_limits)
    except subprocess.TimeoutExpired as e:
        return (e.stdout or b""), None
    code = proc.returncode
    return proc.stdout, (128 - code if code < 0 else code)


def expected_results(programs, compare, mem):
    """name -> (stdout, status) each program must match: this machine's
    kernel (compare "host") or the pinned Linux oracle ("linux", ci/oracle.py,
    booted with the same memory). Raises oracle.OracleError."""
    if compare == "linux":
        import oracle
        return oracle.expected(programs, mem=mem)
    return {os.path.basename(p): run_on_host(p) for p in programs}


def compare_programs(outcome, programs, compare="host", mem="128M"):
    """Fail each program whose image stdout/status differ from the
    reference's (compare: "host" or "linux"); a reference that gives no
    result fails the run with its cause."""
    from oracle import OracleError  # ci/oracle.py
    try:
        want = expected_results(programs, compare, mem)
    except OracleError as e:
        outcome.causes.append("bootmm: FAIL: %s: %s" % (compare, e))
        outcome.passed = False
        return
    for path in programs:
        name = os.path.basename(path)
        ref_out, ref_status = want[name]
        img = outcome.programs.get(name, {"out": b"", "status": None})
        diags = []
        if img["status"] != ref_status:
            diags.append("exit status: image %s, %s %s"
                         % (img["status"], compare, ref_status))
        if img["out"] != ref_out:
            diags += unified(ref_out, img["out"], name, compare)
        if diags:
            mark_failed(outcome, name, ["differs from %s:" % compare] + diags)


def unified(host, image, name, ref="host"):
    a = host.decode("utf-8", "replace").splitlines(True)
    b = image.decode("utf-8", "replace").splitlines(True)
    return [line.rstrip("\n") for line in difflib.unified_diff(
        a, b, ref + "/" + name, "image/" + name)]


def mark_failed(outcome, name, diags):
    """Make programs.<name> a failed test carrying diags."""
    for t in outcome.results:
        if t.suite == "programs" and t.name == name:
            t.status = "fail"
            t.diagnostics = t.diagnostics + diags
            break
    else:
        t = TestResult("programs", name, 0, "fail", "", "")
        t.diagnostics = ["no result from the image"] + diags
        outcome.results.append(t)
    outcome.passed = False


def write_outputs(outdir, programs):
    """DIR/<name>.out, .err, .status for each program the image ran."""
    os.makedirs(outdir, exist_ok=True)
    for name, prog in programs.items():
        base = os.path.join(outdir, os.path.basename(name))
        with open(base + ".out", "wb") as f:
            f.write(prog["out"])
        with open(base + ".err", "wb") as f:
            f.write(prog["err"])
        if prog["status"] is not None:
            with open(base + ".status", "w") as f:
                f.write("%d\n" % prog["status"])


# ---------------------------------------------------------------- reports
def counts(results):
    return tuple(sum(1 for t in results if t.status == k)
                 for k in ("pass", "fail", "skip"))


def summary_lines(results, causes):
    """Failed tests with diagnostics, the causes, then the count line."""
    lines = []
    failed = [t for t in results if t.status == "fail"]
    if failed:
        lines.append("failed tests:")
    for t in failed:
        extra = (" # %s %s" % (t.directive, t.reason)).rstrip() \
            if t.directive else ""
        lines.append("  %s%s" % (t.full_name, extra))
        lines += ["      " + d for d in t.diagnostics]
    if failed and not causes:
        causes = [fail_line("failed", n=len(failed),
                            names=", ".join(t.full_name for t in failed))]
    lines += causes
    p, f, s = counts(results)
    lines.append("%d passed, %d failed, %d skipped" % (p, f, s))
    return lines


def junit_xml(results):
    """JUnit XML: one testsuite per suite, one testcase per test."""
    root = ET.Element("testsuites")
    suites = {}
    for t in results:
        if t.suite not in suites:
            suites[t.suite] = ET.SubElement(root, "testsuite", name=t.suite)
        el = suites[t.suite]
        secs = (t.duration_ms or 0) / 1000.0
        case = ET.SubElement(el, "testcase", classname=t.suite, name=t.name,
                             time="%.3f" % secs)
        text = "\n".join(t.diagnostics)
        if t.status == "fail":
            msg = (t.directive + " " + t.reason).strip() or "not ok"
            ET.SubElement(case, "failure", message=msg).text = text
        elif t.status == "skip":
            ET.SubElement(case, "skipped", message=t.reason)
    for name, el in suites.items():
        mine = [t for t in results if t.suite == name]
        _, f, s = counts(mine)
        el.set("tests", str(len(mine)))
        el.set("failures", str(f))
        el.set("skipped", str(s))
        el.set("errors", "0")
        el.set("time", "%.3f" % sum((t.duration_ms or 0) / 1000.0
                                     for t in mine))
    return ET.tostring(root, encoding="unicode")


# ---------------------------------------------------------------- commands
def read_build_id(kernel):
    path = os.path.join(os.path.dirname(os.path.abspath(kernel)), "build-id")
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        raise SystemExit("bootmm: cannot read the build id from %s" % path)


def boot_once(args, want_id, shard, echo):
    """Build this run's ISO, boot it, judge it: returns an Outcome."""
    with tempfile.TemporaryDirectory(prefix="bootmm-run-") as tmp:
        iso = os.path.join(tmp, "bootmm.iso")
        try:
            make_iso(args.kernel, iso, cmdline_words(args, shard),
                     args.program or [], parse_expects(args.expect))
        except (RuntimeError, OSError) as e:
            out = Outcome()
            out.causes.append(fail_line("start", detail=str(e).strip()))
            return out
        boot = Boot(args.emulator, echo)
        boot.run(tmp, iso, args.mem, args.accel, args.hang_timeout,
                 args.total_timeout)
        out = judge(boot, want_id, args.emulator, args.hang_timeout,
                    args.total_timeout)
        if out.causes and boot.log_tail.strip() and (boot.start_error or
                                                     not boot.parser.done):
            out.emulator_log = boot.log_tail
        return out


def make_echo(quiet, prefix, lock):
    """A function that copies serial bytes to stdout (line-prefixed for -j)."""
    if quiet:
        return None
    if not prefix:
        def echo(data):
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        return echo
    pending = [b""]

    def echo_prefixed(data):
        pending[0] += data
        *lines, pending[0] = pending[0].split(b"\n")
        with lock:
            for line in lines:
                sys.stdout.buffer.write(prefix + line + b"\n")
            sys.stdout.flush()
    return echo_prefixed


def cmd_run(args):
    if os.environ.get("ACCEL") == "kvm" and args.accel is None:
        args.accel = "kvm"
    args.accel = args.accel or "tcg"
    want_id = read_build_id(args.kernel)
    jobs = max(1, args.jobs)
    shards = [args.shard] if jobs == 1 else \
        ["%d/%d" % (i + 1, jobs) for i in range(jobs)]
    outcomes = [None] * len(shards)
    lock = threading.Lock()

    def work(i):
        prefix = ("[%s] " % shards[i]).encode() if jobs > 1 else b""
        outcomes[i] = boot_once(args, want_id, shards[i],
                                make_echo(args.quiet, prefix, lock))

    threads = [threading.Thread(target=work, args=(i,))
               for i in range(len(shards))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return finish_run(args, outcomes, shards)


def finish_run(args, outcomes, shards):
    """Merge shard outcomes, compare programs, write reports, print summary."""
    results, causes, programs = [], [], {}
    for shard, out in zip(shards, outcomes):
        results += out.results
        tag = ("[shard %s] " % shard) if len(shards) > 1 else ""
        causes += [c.replace("bootmm: FAIL: ", "bootmm: FAIL: " + tag, 1)
                   for c in out.causes]
        programs.update(out.programs)
        if out.emulator_log:
            sys.stdout.write("--- emulator output (tail) ---\n%s\n"
                             % out.emulator_log)
    merged = Outcome()
    merged.results, merged.causes, merged.programs = results, causes, programs
    merged.passed = all(o.passed for o in outcomes)
    if args.compare:
        compare_programs(merged, args.program or [], args.compare, args.mem)
    if args.out:
        write_outputs(args.out, programs)
    if args.junit:
        with open(args.junit, "w") as f:
            f.write(junit_xml(merged.results))
    sys.stdout.write("\n".join(summary_lines(merged.results, causes)) + "\n")
    sys.stdout.flush()
    return 0 if merged.passed else 1


def cmd_mkiso(args):
    try:
        make_iso(args.kernel, args.out, shlex.split(args.cmdline or ""),
                 args.program or [], parse_expects(args.expect))
    except RuntimeError as e:
        sys.stderr.write("bootmm: %s\n" % e)
        return 1
    return 0


def cmd_debug(args):
    """QEMU waits for gdb (-s -S) in the background with the serial console
    on stdout; gdb runs in the foreground; QEMU is ended when gdb quits."""
    with tempfile.TemporaryDirectory(prefix="bootmm-debug-") as tmp:
        iso = os.path.join(tmp, "bootmm.iso")
        make_iso(args.kernel, iso, shlex.split(args.cmdline or ""))
        cmd = [QEMU, "-accel", "tcg", "-cpu", "max", "-m", args.mem,
               "-no-reboot", "-display", "none", "-monitor", "none",
               "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
               "-cdrom", iso, "-boot", "d", "-serial", "stdio", "-s", "-S"]
        qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        gdb = [args.gdb, "-q", args.kernel,
               "-ex", "set architecture i386:x86-64",
               "-ex", "target remote :1234"] + \
            [w for c in args.gdb_ex or [] for w in ("-ex", c)]
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            return subprocess.call(gdb)
        finally:
            signal.signal(signal.SIGINT, old)
            stop(qemu)


def build_empty_kernel(tmp, defines=()):
    """Assemble tests/runner/empty_kernel.S into tmp/empty.elf, a multiboot2
    ELF; defines are extra -D words (see the source for the variants)."""
    src = os.path.join(ROOT, "tests", "runner", "empty_kernel.S")
    elf = os.path.join(tmp, "empty.elf")
    cmd = (["gcc", "-m32"] + ["-D" + d for d in defines] +
           ["-nostdlib", "-static", "-no-pie", "-Wl,-N", "-Wl,-Ttext=0x100000",
            "-Wl,--build-id=none", "-Wl,--no-warn-rwx-segments",
            "-Wl,-e,_start", "-o", elf, src])
    subprocess.run(cmd, check=True)
    return elf


def floor_seconds(emulator, mem="128M", accel="tcg"):
    """Boot the empty kernel once: (ISO seconds, boot seconds, passed)."""
    with tempfile.TemporaryDirectory(prefix="bootmm-floor-") as tmp:
        elf = build_empty_kernel(tmp)
        iso = os.path.join(tmp, "empty.iso")
        t0 = time.monotonic()
        make_iso(elf, iso)
        t1 = time.monotonic()
        boot = Boot(emulator)
        boot.run(tmp, iso, mem, accel, 60, 120)
        ok = boot.parser.done is not None and (
            emulator == "bochs" or boot.exit_code == EXIT_PASS)
        return t1 - t0, boot.elapsed, ok


def cmd_floor(args):
    total = 0.0
    for _ in range(args.repeat):
        iso_s, boot_s, ok = floor_seconds(args.emulator, args.mem)
        if not ok:
            sys.stderr.write("bootmm: floor: the empty kernel did not finish\n")
            return 1
        total += iso_s + boot_s
        print("floor %s: iso %.3f s, boot %.3f s, total %.3f s"
              % (args.emulator, iso_s, boot_s, iso_s + boot_s))
    print("%.3f" % (total / args.repeat))
    return 0


# ---------------------------------------------------------------- options
def add_image_options(p):
    p.add_argument("--kernel", required=True)
    p.add_argument("--cmdline", default="")
    p.add_argument("--mem", default="128M")


def parser():
    ap = argparse.ArgumentParser(prog="runner.py", description=__doc__.split(
        "\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("mkiso", help="build a bootable ISO")
    m.add_argument("--kernel", required=True)
    m.add_argument("--out", required=True)
    m.add_argument("--cmdline", default="")
    m.add_argument("--program", action="append")
    m.add_argument("--expect", action="append")
    r = sub.add_parser("run", help="boot and judge the image")
    add_image_options(r)
    r.add_argument("--emulator", choices=("qemu", "bochs"), default="qemu")
    r.add_argument("--accel", choices=("tcg", "kvm"), default=None)
    r.add_argument("--filter")
    r.add_argument("--timeout")
    r.add_argument("--shuffle")
    r.add_argument("--junit")
    r.add_argument("--out")
    r.add_argument("--program", action="append")
    r.add_argument("--expect", action="append")
    r.add_argument("--compare", choices=("host", "linux"),
                   help="compare each program's stdout and status with this "
                   "machine's kernel or the pinned Linux oracle")
    r.add_argument("--compare-host", dest="compare", action="store_const",
                   const="host", help="same as --compare host")
    r.add_argument("--shard")
    r.add_argument("-j", "--jobs", type=int, default=1)
    r.add_argument("--hang-timeout", type=float, default=120)
    r.add_argument("--total-timeout", type=float, default=1800)
    r.add_argument("-q", "--quiet", action="store_true")
    d = sub.add_parser("debug", help="QEMU waiting for gdb, then gdb")
    add_image_options(d)
    d.add_argument("--gdb", default="gdb")
    d.add_argument("--gdb-ex", action="append",
                   help="extra gdb command (repeatable), e.g. for scripts")
    f = sub.add_parser("floor", help="seconds to boot an empty kernel")
    f.add_argument("--emulator", choices=("qemu", "bochs"), default="qemu")
    f.add_argument("--mem", default="128M")
    f.add_argument("--repeat", type=int, default=1)
    return ap


def main(argv=None):
    args = parser().parse_args(argv)
    if args.cmd == "run" and args.shard and args.jobs > 1:
        raise SystemExit("bootmm: use either --shard or -j, not both")
    if args.cmd == "run" and args.shard and not re.fullmatch(
            r"[1-9]\d*/[1-9]\d*", args.shard):
        raise SystemExit("bootmm: bad --shard %r (want I/N)" % args.shard)
    handler = {"mkiso": cmd_mkiso, "run": cmd_run, "debug": cmd_debug,
               "floor": cmd_floor}[args.cmd]
    return handler(args)


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
