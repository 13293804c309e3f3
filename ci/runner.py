#!/usr/bin/env python3
"""bootmm host runner: build a bootable ISO, boot it in QEMU or Bochs, read
the kernel's KTAP (COM1) and program output (COM2), and turn them into one
verdict, a summary, JUnit XML and per-program output files.

Subcommands: mkiso, run, debug, floor. `runner.py <cmd> -h` lists options.
Python 3 standard library only.
"""

import argparse
import difflib
import json
import os
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ktap import KtapParser, FrameParser, TestResult, write_outputs  # noqa: E402

CI_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(CI_DIR)
QEMU = "qemu-system-x86_64"
QEMU_CPU = "max,la57=off"  # the oracle's too (ci/oracle.py): same features, 4-level paging
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


# ---------------------------------------------------------------- initramfs
# The programs travel to the kernel as one initramfs: a cpio "newc" archive
# (the format Linux unpacks), passed to GRUB as the only multiboot2 module.
# Layout:
#   bootmm/manifest         one line per program: "<status> <name> <path>"
#   programs/<name>         a program given as a file
#   programs/<dir>/...      every file of a directory given in PROGRAMS=:
#                           executables are programs, the rest ships beside them
# <status> is the exit status the test expects (0 unless --expect or
# "// expect:" says otherwise), <name> the test name (programs.<name>), <path>
# the file in the archive. The kernel (src/harness/programs.c) registers one
# test per line.
MANIFEST = "bootmm/manifest"
NAME_MAX = 100
RESERVED_NAMES = {"initramfs"}  # programs.initramfs reports a broken archive
CPIO_TRAILER = "TRAILER!!!"


class Program:
    """One program of a run: its test name, host file, archive path, expected status."""

    def __init__(self, name, host_path, archive_path, expect=0):
        self.name = name
        self.host_path = host_path
        self.archive_path = archive_path
        self.expect = expect

    def __repr__(self):
        return "<Program %s %s>" % (self.name, self.archive_path)


class Initramfs:
    """What goes into the archive: directories, files (with their host
    paths), symlinks, and the programs among the files. Built by
    collect_programs(); written by write_initramfs()."""

    def __init__(self):
        self.dirs = []       # archive paths
        self.files = []      # (archive path, host path, mode)
        self.symlinks = []   # (archive path, target)
        self.programs = []   # Program, in the order given
        self.taken = set(RESERVED_NAMES)

    def unique(self, name):
        """name, or name_2, name_3... when it is taken."""
        base, k = name, 2
        while name in self.taken:
            name = "%s_%d" % (base, k)
            k += 1
        self.taken.add(name)
        return name

    def add_file(self, host_path):
        """A program given as a file: programs/<test name> in the archive,
        the test name from its file name (made unique)."""
        name = self.unique(check_name(os.path.basename(host_path), host_path))
        arc = "programs/" + name
        self.programs.append(Program(name, host_path, arc))
        self.files.append((arc, host_path, os.stat(host_path).st_mode))


def check_name(name, path):
    """A file name usable as a test name, or exit with a clear message."""
    if (not name or len(name.encode()) > NAME_MAX or
            not re.fullmatch(r"[!-~]+", name) or "#" in name):
        raise SystemExit("bootmm: program %r: its file name must be 1..%d printable "
                         "ASCII characters without spaces or '#' (it becomes the "
                         "test name programs.<name>); rename it" % (path, NAME_MAX))
    return name


def is_executable(st):
    """A regular file with an execute bit: a program."""
    return stat.S_ISREG(st.st_mode) and bool(st.st_mode & 0o111)


def add_directory(ramfs, top):
    """Every file under directory `top`: executables become programs, the
    rest (and subdirectories, symlinks) ship beside them."""
    base = ramfs.unique(os.path.basename(os.path.normpath(top)) or "dir")
    root = "programs/" + base
    ramfs.dirs.append(root)
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        rel = os.path.relpath(dirpath, top)
        arc_dir = root if rel == "." else root + "/" + rel.replace(os.sep, "/")
        if rel != ".":
            ramfs.dirs.append(arc_dir)
        for d in list(dirnames):
            if os.path.islink(os.path.join(dirpath, d)):
                dirnames.remove(d)
                filenames.append(d)
        for f in sorted(filenames):
            host = os.path.join(dirpath, f)
            st = os.lstat(host)
            arc = arc_dir + "/" + f
            if stat.S_ISLNK(st.st_mode):
                ramfs.symlinks.append((arc, os.readlink(host)))
            elif is_executable(st):
                check_name(f, host)
                name = ramfs.unique(f)
                ramfs.programs.append(Program(name, host, arc))
                ramfs.files.append((arc, host, st.st_mode))
            elif stat.S_ISREG(st.st_mode):
                ramfs.files.append((arc, host, st.st_mode))


def collect_programs(paths, expects=None):
    """An Initramfs holding the files and directories in `paths` (files are
    programs; directories are walked, see add_directory), with expected
    statuses from `expects` (test name -> status)."""
    ramfs = Initramfs()
    ramfs.dirs += ["bootmm", "programs"]
    for path in paths or []:
        if os.path.isdir(path):
            add_directory(ramfs, path)
        elif os.path.isfile(path):
            ramfs.add_file(path)
        else:
            raise SystemExit("bootmm: no such program file or directory: %s" % path)
    for prog in ramfs.programs:
        prog.expect = (expects or {}).get(prog.name, 0)
    return ramfs


def manifest_text(programs):
    """The manifest the kernel reads (see the layout above)."""
    lines = ["# bootmm programs: <expected status> <test name> <path>"]
    lines += ["%d %s /%s" % (p.expect, p.name, p.archive_path) for p in programs]
    return "\n".join(lines) + "\n"


def cpio_entry(out, ino, name, mode, data=b""):
    """Write one newc entry (magic 070701): header, name, data, 4-byte padding."""
    name_b = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 2 if stat.S_ISDIR(mode) else 1, 0, len(data),
              0, 0, 0, 0, len(name_b), 0]
    head = b"070701" + b"".join(b"%08X" % f for f in fields) + name_b
    out.write(head + b"\0" * (-len(head) % 4))
    out.write(data + b"\0" * (-len(data) % 4))


def write_initramfs(path, ramfs):
    """Write ramfs as a cpio newc archive at path (file bytes streamed)."""
    with open(path, "wb") as out:
        ino = 1
        cpio_entry(out, ino, ".", stat.S_IFDIR | 0o755)
        for d in ramfs.dirs:
            ino += 1
            cpio_entry(out, ino, d, stat.S_IFDIR | 0o755)
        ino += 1
        cpio_entry(out, ino, MANIFEST, stat.S_IFREG | 0o644,
                   manifest_text(ramfs.programs).encode())
        for arc, host, mode in ramfs.files:
            ino += 1
            with open(host, "rb") as f:
                cpio_entry(out, ino, arc, stat.S_IFREG | (mode & 0o7777), f.read())
        for arc, target in ramfs.symlinks:
            ino += 1
            cpio_entry(out, ino, arc, stat.S_IFLNK | 0o777, target.encode())
        cpio_entry(out, 0, CPIO_TRAILER, 0)


# ---------------------------------------------------------------- ISO
def grub_word(word):
    """Quote one command-line word for grub.cfg (GRUB's sh-like syntax)."""
    if re.fullmatch(r"[A-Za-z0-9._,=/:+@%-]+", word):
        return word
    return "'" + word.replace("'", "'\\''") + "'"


def grub_cfg(cmdline_words):
    """grub.cfg text: boot the kernel with the words and the initramfs as
    its one module."""
    lines = ["set timeout=0", "set default=0", "terminal_output console",
             'menuentry "bootmm" {',
             "\tmultiboot2 /boot/bootmm.elf " +
             " ".join(grub_word(w) for w in cmdline_words),
             "\tmodule2 /boot/initramfs.cpio initramfs",
             "\tboot", "}"]
    return "\n".join(lines) + "\n"


def make_iso(kernel, out, cmdline_words=(), ramfs=None):
    """Stage the ISO tree (kernel, initramfs, grub.cfg) in a temp dir and run
    grub-mkrescue on it. Raises RuntimeError with grub-mkrescue's output if
    it fails."""
    ramfs = ramfs or Initramfs()
    with tempfile.TemporaryDirectory(prefix="bootmm-iso-") as tmp:
        os.makedirs(os.path.join(tmp, "boot", "grub"))
        shutil.copy(kernel, os.path.join(tmp, "boot", "bootmm.elf"))
        write_initramfs(os.path.join(tmp, "boot", "initramfs.cpio"), ramfs)
        with open(os.path.join(tmp, "boot", "grub", "grub.cfg"), "w") as f:
            f.write(grub_cfg(list(cmdline_words)))
        proc = subprocess.run(["grub-mkrescue", "-o", out, tmp],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise RuntimeError("grub-mkrescue failed:\n" +
                               proc.stdout.decode("utf-8", "replace"))


def parse_expects(items):
    """["name=3", ...] -> {"name": 3} (statuses 0..255)."""
    out = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not value.isdigit() or int(value) > 255:
            raise SystemExit("bootmm: bad --expect %r (want NAME=STATUS, "
                             "STATUS 0..255)" % item)
        out[name] = int(value)
    return out


# The kernel keeps 64 KiB of command line (BOOT_CMDLINE_MAX) and takes any
# number of globs, but a multiboot2 command line of 16 KB never reaches it
# through GRUB here (the boot hangs silently), while 8 KB does: the filter
# gets 8,000 bytes, and a longer one is refused.
FILTER_ROOM = 8000


def check_filter(text):
    """Exit with a clear message when the kernel command line could not
    carry the whole filter (rather than let it drop patterns). The kernel
    takes any number of globs."""
    globs = [g for g in (text or "").split(",") if g]
    if len(text or "") > FILTER_ROOM:
        raise SystemExit("bootmm: --filter has %d patterns (%d bytes); the kernel "
                         "command line holds at most %d bytes of them: use wider globs"
                         % (len(globs), len(text), FILTER_ROOM))


def glob_selected(name, filter_text):
    """The kernel's bootmm.filter rule: "suite.name" matches one of the
    comma-separated globs ('*' and '?'), or there is no filter."""
    globs = [g for g in (filter_text or "").split(",") if g]
    if not globs:
        return True
    for g in globs:
        rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                     for c in g)
        if re.fullmatch(rx, name, re.S):
            return True
    return False


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
    cpu = "host" if accel == "kvm" else QEMU_CPU
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
        return oracle.expected([(p.name, p.host_path) for p in programs],
                               mem=mem)
    return {p.name: run_on_host(p.host_path) for p in programs}


def compare_programs(outcome, programs, filter_text=None, every_shard=True,
                     compare="host", mem="128M"):
    """Fail each program whose image stdout/status differ from the
    reference's (compare: "host" or "linux"); a reference that gives no
    result fails the run with its cause. Only programs that ran are
    compared: one the filter left out is skipped; one it selected that left
    no result (with every shard run) fails as "no result from the image"."""
    from oracle import OracleError  # ci/oracle.py
    ran = {t.name for t in outcome.results if t.suite == "programs"}
    todo = []
    for prog in programs:
        name = prog.name
        if name not in ran and name not in outcome.programs:
            if every_shard and glob_selected("programs." + name, filter_text):
                mark_failed(outcome, name, [])
            continue
        todo.append(prog)
    try:
        want = expected_results(todo, compare, mem)
    except OracleError as e:
        outcome.causes.append("bootmm: FAIL: %s: %s" % (compare, e))
        outcome.passed = False
        return
    for prog in todo:
        name = prog.name
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
    """A unified diff of the program's stdout, reference (ref: host or
    linux) against image. Each line of output is quoted (a JSON string after
    the diff's sign), so that what a program prints never reads as a
    KTAP/TAP line in our logs."""
    a = host.decode("utf-8", "replace").splitlines(True)
    b = image.decode("utf-8", "replace").splitlines(True)
    out = []
    for line in difflib.unified_diff(a, b, ref + "/" + name, "image/" + name):
        if line.startswith(("---", "+++", "@@")):
            out.append(line.rstrip("\n"))
        else:
            out.append(line[0] + " " + json_quote(line[1:]))
    return out


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


# ---------------------------------------------------------------- reports
def counts(results):
    return tuple(sum(1 for t in results if t.status == k)
                 for k in ("pass", "fail", "skip"))


# What a KTAP/TAP reader (Linux's kunit_parser.py) takes for its own: a
# version line anywhere in a line, a result, plan or subtest line at the
# start of a line once leading blanks are gone, and its end-of-output marks.
KTAP_LOOKALIKE = re.compile(
    r"(K?TAP version \d+\s*$|^\s*(ok|not ok)\b|^\s*\d+\.\.\d+|^\s*#\s*Subtest:"
    r"|List of all partitions:|Kernel panic - not syncing: VFS:|reboot: System halted)")


def json_quote(text):
    """text as a JSON string literal; ':' is escaped too, so that not even
    kunit_parser's end-of-output marks ("reboot: System halted") match."""
    return json.dumps(text, ensure_ascii=False).replace(":", "\\u003a")


def quote_diag(text):
    """A diagnostic line for the summary: "| text", or a JSON string when
    the text could pass for KTAP (so that no reader takes it for a result,
    a plan or a version line)."""
    if KTAP_LOOKALIKE.search(text):
        return "| " + json_quote(text)
    return "| " + text


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
        lines += ["      " + quote_diag(d) for d in t.diagnostics]
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


def boot_once(args, want_id, shard, echo, ramfs):
    """Build this run's ISO, boot it, judge it: returns an Outcome."""
    with tempfile.TemporaryDirectory(prefix="bootmm-run-") as tmp:
        iso = os.path.join(tmp, "bootmm.iso")
        try:
            make_iso(args.kernel, iso, cmdline_words(args, shard), ramfs)
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
    check_filter(args.filter)
    ramfs = collect_programs(args.program, parse_expects(args.expect))
    want_id = read_build_id(args.kernel)
    jobs = max(1, args.jobs)
    shards = [args.shard] if jobs == 1 else \
        ["%d/%d" % (i + 1, jobs) for i in range(jobs)]
    outcomes = [None] * len(shards)
    lock = threading.Lock()

    def work(i):
        prefix = ("[%s] " % shards[i]).encode() if jobs > 1 else b""
        outcomes[i] = boot_once(args, want_id, shards[i],
                                make_echo(args.quiet, prefix, lock), ramfs)

    threads = [threading.Thread(target=work, args=(i,))
               for i in range(len(shards))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return finish_run(args, outcomes, shards, ramfs)


def finish_run(args, outcomes, shards, ramfs):
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
        compare_programs(merged, ramfs.programs, args.filter,
                         every_shard=not args.shard, compare=args.compare,
                         mem=args.mem)
    if args.out:
        write_outputs(args.out, programs)
    if args.junit:
        with open(args.junit, "w") as f:
            f.write(junit_xml(merged.results))
    sys.stdout.write("\n".join(summary_lines(merged.results, causes)) + "\n")
    sys.stdout.flush()
    return 0 if merged.passed else 1


def cmd_mkiso(args):
    ramfs = collect_programs(args.program, parse_expects(args.expect))
    try:
        make_iso(args.kernel, args.out, shlex.split(args.cmdline or ""), ramfs)
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
        cmd = [QEMU, "-accel", "tcg", "-cpu", QEMU_CPU, "-m", args.mem,
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
PROGRAM_HELP = ("a program to run in the image (repeatable): a static x86_64 "
                "Linux executable, or a directory whose executable files are "
                "programs and whose other files ship beside them; each becomes "
                "the test programs.<file name>")
EXPECT_HELP = ("NAME=STATUS (repeatable): programs.NAME passes when it ends "
               "with STATUS (0..255, e.g. 139 for SIGSEGV) instead of 0")


def add_image_options(p):
    p.add_argument("--kernel", required=True,
                   help="the kernel ELF (build/bootmm.elf); its build id is read "
                   "from build-id beside it")
    p.add_argument("--cmdline", default="",
                   help="extra kernel command-line words, e.g. 'bootmm.repeat=3'")
    p.add_argument("--mem", default="128M",
                   help="guest memory, e.g. 128M or 6G (default %(default)s)")


def parser():
    ap = argparse.ArgumentParser(
        prog="runner.py", description=__doc__.split("\n\n")[0],
        epilog="`runner.py COMMAND -h` explains the options of each command. "
        "Exit status: 0 when the run passed, 1 otherwise.")
    sub = ap.add_subparsers(dest="cmd", required=True, metavar="COMMAND")
    m = sub.add_parser("mkiso", help="build a bootable ISO (kernel + initramfs)",
                       description="Build a bootable ISO: the kernel and one "
                       "initramfs holding the programs.")
    m.add_argument("--kernel", required=True, help="the kernel ELF")
    m.add_argument("--out", required=True, help="where to write the ISO")
    m.add_argument("--cmdline", default="", help="kernel command-line words")
    m.add_argument("--program", action="append", help=PROGRAM_HELP)
    m.add_argument("--expect", action="append", help=EXPECT_HELP)
    r = sub.add_parser("run", help="boot and judge the image",
                       description="Boot the image, stream its KTAP, and pass "
                       "only when the exit code, a complete plan and the done "
                       "line with this build's id agree.")
    add_image_options(r)
    r.add_argument("--emulator", choices=("qemu", "bochs"), default="qemu",
                   help="the emulator (default %(default)s)")
    r.add_argument("--accel", choices=("tcg", "kvm"), default=None,
                   help="QEMU accelerator (default tcg, or kvm when ACCEL=kvm "
                   "is in the environment)")
    r.add_argument("--filter", metavar="GLOBS",
                   help="run only tests whose suite.name matches one of these "
                   "comma-separated globs ('*', '?'), any number of them "
                   "(up to %d bytes)" % FILTER_ROOM)
    r.add_argument("--timeout", metavar="SECONDS",
                   help="per-test watchdog in the kernel (default 30)")
    r.add_argument("--shuffle", metavar="SEED",
                   help="run suites and tests in an order shuffled by SEED")
    r.add_argument("--junit", metavar="FILE", help="write JUnit XML to FILE")
    r.add_argument("--out", metavar="DIR",
                   help="write each program's stdout, stderr and exit status "
                   "to DIR/<name>.out, .err, .status")
    r.add_argument("--program", action="append", help=PROGRAM_HELP)
    r.add_argument("--expect", action="append", help=EXPECT_HELP)
    r.add_argument("--compare", choices=("host", "linux"),
                   help="also run each program that ran in the image on this "
                   "host (host) or in the pinned Linux oracle (linux, "
                   "ci/oracle.py) and fail it when its stdout or exit status "
                   "differ")
    r.add_argument("--compare-host", dest="compare", action="store_const",
                   const="host", help="same as --compare host")
    r.add_argument("--shard", metavar="I/N",
                   help="run only shard I of N (tests dealt round robin)")
    r.add_argument("-j", "--jobs", type=int, default=1,
                   help="boot N emulators, one shard each, and merge the results")
    r.add_argument("--hang-timeout", type=float, default=120, metavar="SECONDS",
                   help="fail when the serial console is silent this long "
                   "(default %(default)s)")
    r.add_argument("--total-timeout", type=float, default=1800, metavar="SECONDS",
                   help="fail when the run takes longer (default %(default)s)")
    r.add_argument("-q", "--quiet", action="store_true",
                   help="do not echo the serial console; print the summary only")
    d = sub.add_parser("debug", help="QEMU waiting for gdb, then gdb",
                       description="Boot in QEMU stopped at the first "
                       "instruction, with gdb attached to the kernel ELF.")
    add_image_options(d)
    d.add_argument("--gdb", default="gdb", help="the gdb to run (default gdb)")
    d.add_argument("--gdb-ex", action="append",
                   help="extra gdb command (repeatable), e.g. for scripts")
    f = sub.add_parser("floor", help="seconds to boot an empty kernel",
                       description="Time the ISO build and boot of an empty "
                       "multiboot2 kernel: the floor under any run.")
    f.add_argument("--emulator", choices=("qemu", "bochs"), default="qemu",
                   help="the emulator (default %(default)s)")
    f.add_argument("--mem", default="128M", help="guest memory (default %(default)s)")
    f.add_argument("--repeat", type=int, default=1,
                   help="boots to average over (default %(default)s)")
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
