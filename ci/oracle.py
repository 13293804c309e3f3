#!/usr/bin/env python3
"""bootmm's pinned Linux oracle: run static x86_64 programs in Linux 6.12
(Debian's linux-image-6.12.*-cloud-amd64-unsigned, unpacked by `make deps`
under build/oracle/kernel) booted in the same QEMU as bootmm, and return each
program's stdout, stderr and exit status exactly as the bootmm runner records
them. Results are cached under build/oracle-cache/ by the binary's sha256,
its name, the kernel package, the memory size and the CPU flags, so a second
run with the same binaries boots nothing.

    oracle.py run --program a --program b [--out DIR] [--mem 128M]

Python 3 standard library only.
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ktap import FrameParser, write_outputs  # noqa: E402

CI_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(CI_DIR)
BUILD = os.environ.get("BOOTMM_BUILD") or os.path.join(ROOT, "build")
QEMU = "qemu-system-x86_64"
CPU = "max,la57=off"
# norandmaps: Linux without address-space randomization, as bootmm is (its
# brk starts right after the bss, its mmap base and stack are fixed). With
# randomization on, Linux's result for a layout-sensitive subtest is a draw:
# mremap_test's 40 MB preamble is mapped with MAP_FIXED_NOREPLACE at a low
# address without a check, and fails when the brk heap (randomized within
# 1 GiB of the bss on x86-64) happens to lie there, about one run in 25.
APPEND = "console=ttyS0 panic=-1 quiet norandmaps"
INIT_SRC = os.path.join(CI_DIR, "oracle_init.c")
FORMAT = "bootmm-oracle-1"   # bump when what the init does changes results
BOOT_TIMEOUT = 120           # seconds from QEMU start to the init's ready line


class OracleError(Exception):
    """The oracle could not give a result; str() is the one-line cause."""


# ---------------------------------------------------------------- kernel
def kernel_info(build=BUILD):
    """(vmlinuz path, "package version") of the unpacked oracle kernel."""
    root = os.path.join(build, "oracle", "kernel")
    try:
        with open(os.path.join(root, ".bootmm-package")) as f:
            package = f.read().strip()
        boot = os.path.join(root, "boot")
        names = sorted(n for n in os.listdir(boot) if n.startswith("vmlinuz-"))
    except OSError:
        names = []
    if not names:
        raise OracleError("no oracle kernel under %s: run `make deps`" % root)
    return os.path.join(boot, names[-1]), package


def build_init(build=BUILD):
    """Compile ci/oracle_init.c statically (musl-gcc, else gcc) into
    build/oracle/init-<sha of the source>; returns its path."""
    with open(INIT_SRC, "rb") as f:
        src_sha = hashlib.sha256(f.read()).hexdigest()[:16]
    out = os.path.join(build, "oracle", "init-" + src_sha)
    if os.path.exists(out):
        return out
    os.makedirs(os.path.dirname(out), exist_ok=True)
    cc = "musl-gcc" if shutil.which("musl-gcc") else "gcc"
    tmp = out + ".tmp%d" % os.getpid()
    proc = subprocess.run([cc, "-static", "-O2", "-Wall", "-Wextra", "-Werror",
                           "-o", tmp, INIT_SRC], stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        raise OracleError("building the oracle init failed: " +
                          proc.stdout.decode("utf-8", "replace").strip())
    os.replace(tmp, out)
    return out


# ---------------------------------------------------------------- initramfs
def cpio_entry(ino, name, mode, data=b"", rdev=(0, 0)):
    """One cpio "newc" record (header, name, data, each padded to 4)."""
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
              len(name) + 1, 0]
    head = b"070701" + b"".join(b"%08X" % v for v in fields)
    rec = head + name.encode() + b"\0"
    rec += b"\0" * (-len(rec) % 4)
    return rec + data + b"\0" * (-len(data) % 4)


def initramfs(init, programs, timeout):
    """A newc cpio archive: /init, /dev/console, /oracle/list and each
    program ((name, path) pairs) as /oracle/bin/<name>, with the
    "<timeout> <name>" list (timeout: seconds each program may run)."""
    with open(init, "rb") as f:
        init_data = f.read()
    entries = [("dev", 0o40755, b""), ("dev/console", 0o20600, b"", (5, 1)),
               ("proc", 0o40755, b""), ("sys", 0o40755, b""),
               ("tmp", 0o41777, b""), ("oracle", 0o40755, b""),
               ("oracle/bin", 0o40755, b""), ("init", 0o100755, init_data)]
    lines = []
    for name, path in programs:
        with open(path, "rb") as f:
            entries.append(("oracle/bin/" + name, 0o100755, f.read()))
        lines.append("%d %s\n" % (timeout, name))
    entries.append(("oracle/list", 0o100644, "".join(lines).encode()))
    out = b"".join(cpio_entry(i + 1, *e) for i, e in enumerate(entries))
    out += cpio_entry(0, "TRAILER!!!", 0)
    return out + b"\0" * (-len(out) % 512)


# ---------------------------------------------------------------- boot
def qemu_command(vmlinuz, initrd, mem, com1, com2, accel="tcg"):
    """bootmm's QEMU shape with Linux's -kernel/-initrd instead of the ISO."""
    return [QEMU, "-accel", accel, "-cpu", CPU, "-m", mem, "-no-reboot",
            "-display", "none", "-monitor", "none",
            "-kernel", vmlinuz, "-initrd", initrd, "-append", APPEND,
            "-serial", "file:" + com1, "-serial", "file:" + com2]


def read_file(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def last_line(data):
    """The console line that says most: a kernel panic's, else the last."""
    lines = [x.strip() for x in data.decode("utf-8", "replace").splitlines()
             if x.strip()]
    panic = [x for x in lines if "Kernel panic" in x]
    line = (panic or lines or ["(no console output)"])[-1]
    return line[:160]


class Boot:
    """One oracle boot: .console (COM1 bytes), .programs (name -> out/err/
    status), .elapsed seconds, .error (one line, or None)."""

    def __init__(self):
        self.console = b""
        self.programs = {}
        self.elapsed = 0.0
        self.error = None

    def run(self, tmp, vmlinuz, initrd, mem, total_timeout):
        """Boot, wait for QEMU to end (the init powers off) or kill it."""
        com1 = os.path.join(tmp, "com1.txt")
        com2 = os.path.join(tmp, "com2.bin")
        log = os.path.join(tmp, "qemu.log")
        start = time.monotonic()
        try:
            with open(log, "wb") as lf:
                proc = subprocess.Popen(
                    qemu_command(vmlinuz, initrd, mem, com1, com2),
                    stdin=subprocess.DEVNULL, stdout=lf, stderr=subprocess.STDOUT)
        except OSError as e:
            self.error = "could not start %s: %s" % (QEMU, e)
            return
        killed = self._watch(proc, com1, start, total_timeout)
        self.elapsed = time.monotonic() - start
        self.console = read_file(com1)
        frames = FrameParser()
        frames.feed(read_file(com2))
        self.programs = frames.programs
        self.error = killed or self._verdict(proc.returncode, frames, log)

    def _watch(self, proc, com1, start, total_timeout):
        """Wait for QEMU; kill it on a hang. Returns a fail line or None.
        The console must show the init's ready line within BOOT_TIMEOUT s
        and the whole boot end within total_timeout s (a program that hangs
        is the init's to kill, after its own timeout)."""
        while proc.poll() is None:
            now = time.monotonic() - start
            console = read_file(com1)
            ready = b"oracle: ready" in console
            cause = None
            if not ready and now > BOOT_TIMEOUT:
                cause = ("Linux did not reach the oracle's init within %d s "
                         "(console: %s)" % (BOOT_TIMEOUT,
                                                      last_line(console)))
            elif now > total_timeout:
                cause = ("total timeout after %g s (console: %s)"
                         % (total_timeout, last_line(console)))
            if cause:
                proc.kill()
                proc.wait()
                return cause
            time.sleep(0.05)
        return None

    def _verdict(self, code, frames, log):
        """The fail line for a boot that ended by itself, or None."""
        if frames.errors or frames.incomplete():
            return "bad program frames on COM2: %s" % (
                "; ".join(frames.errors) or "stream ends inside a frame")
        if b"oracle: done" not in self.console:
            text = read_file(log).decode("utf-8", "replace").strip()
            return ("Linux stopped before the oracle's done line (QEMU exit "
                    "code %s; console: %s)%s"
                    % (code, last_line(self.console),
                       ("; QEMU: " + text[-200:]) if text else ""))
        return None


def boot_programs(programs, mem="128M", timeout=60, total_timeout=None,
                  build=BUILD):
    """Boot the oracle once with programs ((name, path) pairs): (name ->
    {"out", "err", "status", "hung"}, seconds the boot took). A program the
    init killed after `timeout` s has status None and hung True. Raises
    OracleError with one line when the kernel does not boot, the boot takes
    longer than total_timeout or a result is missing."""
    vmlinuz, _ = kernel_info(build)
    init = build_init(build)
    if total_timeout is None:
        total_timeout = BOOT_TIMEOUT + (timeout + 10) * len(programs)
    with tempfile.TemporaryDirectory(prefix="bootmm-oracle-") as tmp:
        initrd = os.path.join(tmp, "initramfs.cpio")
        with open(initrd, "wb") as f:
            f.write(initramfs(init, programs, timeout))
        boot = Boot()
        boot.run(tmp, vmlinuz, initrd, mem, total_timeout)
    if boot.error:
        raise OracleError(boot.error)
    for name, _ in programs:
        prog = boot.programs.setdefault(name, {"out": b"", "err": b"",
                                               "status": None})
        prog["hung"] = b"oracle: timeout %s " % name.encode() in boot.console
        if prog["status"] is None and not prog["hung"]:
            raise OracleError("%s: no exit status from Linux" % name)
    return boot.programs, boot.elapsed


# ---------------------------------------------------------------- cache
def cache_key(name, path, package, mem, accel="tcg"):
    """The cache key of one program's result: sha256 over the binary's
    sha256, its name, the kernel package, memory, CPU flags and the
    oracle's own format (the init's source)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        binary = hashlib.sha256(f.read()).hexdigest()
    with open(INIT_SRC, "rb") as f:
        init = hashlib.sha256(f.read()).hexdigest()
    parts = [FORMAT, binary, name, package, str(mem),
             CPU, accel, APPEND, init]
    h.update("\0".join(parts).encode())
    return h.hexdigest()


def cache_dir(build=BUILD):
    return os.path.join(build, "oracle-cache")


def cache_get(key, build=BUILD):
    """The cached {"out", "err", "status"} for key, or None."""
    d = os.path.join(cache_dir(build), key)
    try:
        with open(os.path.join(d, "status")) as f:
            status = int(f.read())
        return {"out": read_strict(os.path.join(d, "out")),
                "err": read_strict(os.path.join(d, "err")), "status": status}
    except (OSError, ValueError):
        return None


def read_strict(path):
    with open(path, "rb") as f:
        return f.read()


def cache_put(key, prog, meta, build=BUILD):
    """Store one result atomically (a temp dir renamed into place)."""
    root = cache_dir(build)
    os.makedirs(root, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".new-", dir=root)
    for name in ("out", "err"):
        with open(os.path.join(tmp, name), "wb") as f:
            f.write(prog[name])
    with open(os.path.join(tmp, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    with open(os.path.join(tmp, "status"), "w") as f:
        f.write("%d\n" % prog["status"])
    final = os.path.join(root, key)
    try:
        os.rename(tmp, final)
    except OSError:   # another run stored it first
        shutil.rmtree(tmp, ignore_errors=True)


# Top-level names of the initramfs: a program runs as /<name> (see the init).
RESERVED = {"dev", "proc", "sys", "tmp", "oracle", "init"}


def check_names(names):
    """Raise OracleError unless every name is unique, not reserved and one
    word of at most 200 bytes."""
    if len(set(names)) != len(names):
        raise OracleError("two programs share a name: %s" % " ".join(names))
    for name in names:
        if (name in RESERVED or not name or len(name.encode()) > 200 or
                any(c.isspace() for c in name) or name.startswith(".")):
            raise OracleError("cannot run a program named %r in the oracle"
                              % name)


def named(programs):
    """[(name, path)] from paths (named by their file name) or pairs."""
    return [(os.path.basename(p), p) if isinstance(p, str) else tuple(p)
            for p in programs]


def results(programs, mem="128M", timeout=60, total_timeout=None,
            build=BUILD, log=None, keep_going=False, use_cache=True):
    """name -> {"out", "err", "status"} for each program (a path, or a
    (name, path) pair: the name the image gives it) in Linux, from the
    cache when every input is the same, else from one boot of the programs
    not cached. With use_cache=False every program runs in a fresh boot and
    nothing is read from or stored in the cache (a benchmark's figures
    must be measured, not remembered). log(line) hears about a boot. A program still running after
    `timeout` s is killed; the others' results are cached all the same, then
    OracleError names it ("X hangs: ..."), or with keep_going its result
    comes back with status None and is not cached. Raises OracleError."""
    _, package = kernel_info(build)
    programs = named(programs)
    check_names([name for name, _ in programs])
    keys = {name: cache_key(name, path, package, mem)
            for name, path in programs}
    out, todo = {}, []
    for name, path in programs:
        hit = cache_get(keys[name], build) if use_cache else None
        if hit is None:
            todo.append((name, path))
        else:
            out[name] = hit
    if todo:
        fresh, secs = boot_programs(todo, mem, timeout, total_timeout, build)
        if log:
            log("oracle: booted %s with %d program(s) in %.1f s"
                % (package.split()[0], len(todo), secs))
        hung = [name for name, _ in todo if fresh[name].pop("hung")]
        for name, _ in todo:
            out[name] = fresh[name]
            if name not in hung and use_cache:
                cache_put(keys[name], fresh[name],
                          {"name": name, "kernel": package, "mem": str(mem),
                           "cpu": CPU}, build)
        if hung and not keep_going:
            raise OracleError("%s hangs: killed after %d s in Linux%s"
                              % (hung[0], timeout, (" (and %d more)" % (
                                  len(hung) - 1)) if len(hung) > 1 else ""))
    return out


def expected(programs, mem="128M", build=BUILD):
    """name -> (stdout, status) in Linux, the shape of runner.run_on_host."""
    res = results(programs, mem, build=build,
                  log=lambda line: sys.stderr.write(line + "\n"))
    return {n: (r["out"], r["status"]) for n, r in res.items()}


# ---------------------------------------------------------------- command
def cmd_run(args):
    for p in args.program:
        if not os.path.isfile(p):
            sys.stderr.write("oracle: FAIL: %s: not a file (the oracle runs "
                             "program files; directories are not supported "
                             "yet)\n" % p)
            return 1
    try:
        res = results(args.program, args.mem, args.timeout,
                      args.total_timeout, args.build,
                      log=lambda line: print(line, flush=True),
                      use_cache=not args.no_cache)
    except OracleError as e:
        sys.stderr.write("oracle: FAIL: %s\n" % e)
        return 1
    if args.out:
        write_outputs(args.out, res)
    for p in args.program:
        name = os.path.basename(p)
        print("%s: status %d, %d bytes out, %d bytes err"
              % (name, res[name]["status"], len(res[name]["out"]),
                 len(res[name]["err"])))
    return 0


def parser():
    ap = argparse.ArgumentParser(prog="oracle.py",
                                 description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="results of programs in the pinned Linux")
    r.add_argument("--program", action="append", required=True,
                   help="static x86_64 binary (repeatable)")
    r.add_argument("--out", help="write <name>.out/.err/.status here")
    r.add_argument("--mem", default="128M", help="guest memory (QEMU -m)")
    r.add_argument("--timeout", type=int, default=60,
                   help="seconds one program may run (default 60)")
    r.add_argument("--total-timeout", type=float, default=None,
                   help="seconds for the whole boot (default: from --timeout)")
    r.add_argument("--build", default=BUILD, help="build directory")
    r.add_argument("--no-cache", action="store_true",
                   help="boot Linux even when the result is cached, and do "
                   "not cache it (for benchmarks)")
    return ap


def main(argv=None):
    args = parser().parse_args(argv)
    return {"run": cmd_run}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
