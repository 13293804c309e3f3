"""Runner tests for the initramfs (any number of programs, directories,
compare-host with a filter) and for KTAP that Linux's reader reads: the
runner's own logs of passing, failing and panicking runs go through a reader
with kunit_parser.py's rules (ci/kunit_reader.py) and must give the kernel's
counts. The boot tests need QEMU (TCG)."""
import contextlib
import io
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unittest

from test_runner import (BID, GOOD, HAVE_QEMU, ROOT, FakeBoot, build_kernel,
                         run_runner, transcript)
from test_robustness import programs

import kunit_reader
import runner


def cc(out, src, *flags, compiler="gcc"):
    """Compile tests/runner/<src> into out; returns out."""
    subprocess.run([compiler, "-O2", "-static"] + list(flags) +
                   ["-o", out, os.path.join(ROOT, "tests", "runner", src)], check=True)
    return out


def tiny(out, code=0):
    """The smallest static program (tests/runner/tiny_exit.c): exit(code)."""
    return cc(out, "tiny_exit.c", "-nostdlib", "-no-pie", "-fno-pie", "-s",
              "-DEXIT_CODE=%d" % code, "-Wl,--build-id=none",
              "-Wl,-z,max-page-size=4096", "-Wl,-z,noexecstack")


def read_cpio(path):
    """{name: (mode, data)} of a newc archive (as the kernel reads it)."""
    with open(path, "rb") as f:
        buf = f.read()
    out, off = {}, 0
    while True:
        assert buf[off:off + 6] == b"070701", off
        fields = [int(buf[off + 6 + 8 * i:off + 14 + 8 * i], 16) for i in range(13)]
        nsize, fsize = fields[11], fields[6]
        name = buf[off + 110:off + 110 + nsize - 1].decode()
        data_off = (off + 110 + nsize + 3) & ~3
        if name == "TRAILER!!!":
            return out
        out[name] = (fields[1], buf[data_off:data_off + fsize])
        off = (data_off + fsize + 3) & ~3


def done_counts(text):
    m = re.search(r"bootmm: done \S+ pass=(\d+) fail=(\d+) skip=(\d+)", text)
    return tuple(int(x) for x in m.groups()) if m else None


def runner_counts(text):
    m = re.search(r"^(\d+) passed, (\d+) failed, (\d+) skipped$", text, re.M)
    return tuple(int(x) for x in m.groups())


class InitramfsUnitTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)

    def file(self, rel, data=b"x", mode=0o644):
        path = os.path.join(self.tmp, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, mode)
        return path

    def test_directory_and_files(self):
        """Executables of a directory become programs, the rest ships beside
        them; names stay unique; the manifest carries each expected status."""
        self.file("suite/hello", b"\x7fELF1", 0o755)
        self.file("suite/input.txt", b"data")
        self.file("suite/sub/crash", b"\x7fELF2", 0o700)
        os.symlink("input.txt", os.path.join(self.tmp, "suite", "link"))
        single = self.file("other/hello", b"\x7fELF3", 0o755)
        ramfs = runner.collect_programs([os.path.join(self.tmp, "suite"), single],
                                        {"crash": 139, "hello_2": 3})
        got = [(p.name, p.archive_path, p.expect) for p in ramfs.programs]
        self.assertEqual(got, [("hello", "programs/suite/hello", 0),
                               ("crash", "programs/suite/sub/crash", 139),
                               ("hello_2", "programs/hello_2", 3)])
        cpio = os.path.join(self.tmp, "i.cpio")
        runner.write_initramfs(cpio, ramfs)
        entries = read_cpio(cpio)
        self.assertEqual(entries["bootmm/manifest"][1].decode().splitlines()[1:], [
            "0 hello /programs/suite/hello", "139 crash /programs/suite/sub/crash",
            "3 hello_2 /programs/hello_2"])
        self.assertEqual(entries["programs/suite/input.txt"], (stat.S_IFREG | 0o644, b"data"))
        self.assertEqual(entries["programs/suite/sub/crash"], (stat.S_IFREG | 0o700, b"\x7fELF2"))
        self.assertEqual(entries["programs/suite/link"], (stat.S_IFLNK | 0o777, b"input.txt"))
        self.assertEqual(entries["programs/suite/sub"][0], stat.S_IFDIR | 0o755)
        self.assertEqual(entries["programs/hello_2"][1], b"\x7fELF3")

    def test_bad_names_and_paths(self):
        for bad in ("a b", "x#y", "n" * 101):
            path = self.file(bad, b"", 0o755)
            with self.assertRaises(SystemExit) as e:
                runner.collect_programs([path])
            self.assertIn("rename it", str(e.exception))
        with self.assertRaises(SystemExit) as e:
            runner.collect_programs([os.path.join(self.tmp, "missing")])
        self.assertIn("no such program file or directory", str(e.exception))
        self.assertEqual(runner.collect_programs([self.file("initramfs", b"", 0o755)])
                         .programs[0].name, "initramfs_2")

    def test_filter_limit_is_loud(self):
        runner.check_filter(",".join("s%d.*" % i for i in range(1000)))
        with self.assertRaises(SystemExit) as e:
            runner.check_filter("x" * (runner.FILTER_ROOM + 1))
        self.assertIn("use wider globs", str(e.exception))
        rc, out = run_runner("--kernel", "/nonexistent/bootmm.elf", "--filter",
                             ",".join("s%d" % i for i in range(20000)))
        self.assertNotEqual(rc, 0)
        self.assertIn("--filter has 20000 patterns", out)

    def test_glob_rule(self):
        self.assertTrue(runner.glob_selected("programs.mmap_basic", "pmm.*,programs.mm?p*"))
        self.assertFalse(runner.glob_selected("programs.mmap_basic", "programs.m[m]*"))
        self.assertTrue(runner.glob_selected("programs.x", ""))

    def host_program(self, name, script):
        return self.file(name, b"#!/bin/sh\n" + script, 0o755)

    def test_compare_host_only_what_ran(self):
        """With a filter, programs it left out are not compared (they have
        no result); a selected one without a result still fails."""
        hello = self.host_program("hello", b"echo hello\n")
        other = self.host_program("other", b"echo other\n")
        progs = runner.collect_programs([hello, other]).programs
        text = transcript([("programs", [("hello", "pass", "", [])])])
        com2 = b"@@BOOTMM out 6 hello\nhello\n@@BOOTMM status 2 hello\n0\n"
        out = runner.judge(FakeBoot(text, com2=com2), BID, "qemu")
        runner.compare_programs(out, progs, "programs.hello")
        self.assertTrue(out.passed, [t.diagnostics for t in out.results])
        self.assertEqual([t.full_name for t in out.results], ["programs.hello"])
        out = runner.judge(FakeBoot(text, com2=com2), BID, "qemu")
        runner.compare_programs(out, progs, "programs.*")
        self.assertFalse(out.passed)
        failed = [t for t in out.results if t.status == "fail"]
        self.assertEqual([t.full_name for t in failed], ["programs.other"])
        self.assertEqual(failed[0].diagnostics, ["no result from the image"])


SUMMARY_WITH_TAP = """\
failed tests:
  programs.tap
      | differs from host:
      | - "ok 1 - pid 4242\\n"
      | + "ok 1 - pid 1\\n"
      |   "1..2\\n"
      |   "TAP version 13"
bootmm: FAIL: 1 test(s) failed: programs.tap
0 passed, 1 failed, 0 skipped
"""


class KunitReaderTest(unittest.TestCase):
    """What the kunit_parser rules make of transcripts (no boot)."""

    def test_plan_right_after_version(self):
        t = kunit_reader.read(transcript(GOOD))
        self.assertEqual(t.expected_count, 2)
        self.assertEqual((t.status, t.counts.passed, t.counts.skipped, t.counts.failed),
                         ("SUCCESS", 3, 1, 0))

    def test_diagnostics_before_the_plan_hide_it(self):
        """The old header (diagnostics between version and plan): the reader
        misses the plan and reads on to the end of the log."""
        text = transcript(GOOD).replace("KTAP version 1\n1..2\n",
                                        "KTAP version 1\n# bootmm build x\n1..2\n")
        self.assertIsNone(kunit_reader.read(text).expected_count)

    def test_no_plan_is_not_a_pass(self):
        """A kernel that died before its plan, then the runner's summary
        quoting program output that looks like TAP: no test is counted."""
        text = ("KTAP version 1\nbootmm: panic: out of memory\n" + SUMMARY_WITH_TAP)
        t = kunit_reader.read(text)
        self.assertEqual(t.status, "NO_TESTS")
        self.assertEqual(t.counts.total(), 0)
        t = kunit_reader.read("bootmm: panic: early\n" + SUMMARY_WITH_TAP)
        self.assertEqual(t.status, "FAILURE_TO_PARSE_TESTS")

    def test_quoting(self):
        for line in ("ok 1 - x", "not ok 2", "1..3", "# Subtest: s", "TAP version 13",
                     "  KTAP version 1", "reboot: System halted"):
            q = runner.quote_diag(line)
            self.assertEqual(kunit_reader.read("KTAP version 1\n" + q + "\n").counts.total(),
                             0, q)
            self.assertIsNone(kunit_reader.KTAP_END.search(q), q)
            self.assertIsNone(kunit_reader.TAP_START.search(q), q)


@unittest.skipUnless(HAVE_QEMU, "qemu-system-x86_64 is not installed")
class InitramfsBootTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)

    def test_thousand_programs(self):
        """1,000 programs (copies of one tiny static program) and a data
        file in one directory: one boot runs all of them."""
        elf = build_kernel("robust")
        d = os.path.join(self.tmp, "many")
        os.makedirs(d)
        prog = tiny(os.path.join(self.tmp, "tiny"))
        for i in range(1000):
            shutil.copy(prog, os.path.join(d, "t%04d" % i))
        with open(os.path.join(d, "README"), "w") as f:
            f.write("not a program\n")
        t0 = time.monotonic()
        rc, text = run_runner("--kernel", elf, "--filter", "programs.*", "--program", d,
                              quiet=False)
        secs = time.monotonic() - t0
        sys.stderr.write("\n1,000 programs: %.2f s for the whole run\n" % secs)
        self.assertEqual(rc, 0, text[-3000:])
        self.assertIn("# initramfs: 1000 programs in /bootmm/manifest", text)
        self.assertEqual(text.splitlines()[-1], "1000 passed, 0 failed, 0 skipped")
        self.assertEqual(done_counts(text), (1000, 0, 0))

    def test_malformed_archive_never_panics(self):
        """A broken initramfs (truncated, a path with "..", not cpio at all)
        fails the unfiltered test programs.initramfs with the reason; the
        kernel finishes the run and the filtered tests still pass."""
        elf = build_kernel("robust")
        good = os.path.join(self.tmp, "good.cpio")
        runner.write_initramfs(good, runner.collect_programs(
            [os.path.join(ROOT, "build", "programs", "mmap_basic")]))
        with open(good, "rb") as f:
            data = f.read()
        evil = bytearray(data)
        i = evil.index(b"programs/mmap_basic\0")
        evil[i:i + 19] = b"../../../mmap_basic"
        cases = {"truncated": (data[:len(data) // 2], "truncated data"),
                 "dotdot": (bytes(evil), 'path with \"..\"'),
                 "garbage": (b"\x7fELF" + b"\0" * 200, "bad magic")}
        real_write = runner.write_initramfs
        self.addCleanup(setattr, runner, "write_initramfs", real_write)
        for name, (blob, why) in cases.items():
            def write(path, ramfs, blob=blob):
                with open(path, "wb") as f:
                    f.write(blob)
            runner.write_initramfs = write
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                rc = runner.main(["run", "-q", "--kernel", elf, "--filter", "pmm.*"])
            text = out.getvalue()
            self.assertEqual(rc, 1, name + "\n" + text)
            self.assertIn("bootmm: FAIL: 1 test(s) failed: programs.initramfs", text, name)
            self.assertIn("initramfs module 0: offset ", text, name)
            self.assertIn(why, text, name)
            self.assertRegex(text, r"\n[1-9]\d* passed, 1 failed", name)

    def test_many_filter_globs_none_dropped(self):
        """A filter of 300 globs (7 KB) reaches the kernel whole: the last
        one still selects its program, the ones before select theirs."""
        elf = build_kernel("robust")
        d = os.path.join(self.tmp, "few")
        os.makedirs(d)
        prog = tiny(os.path.join(self.tmp, "tiny"))
        for name in ("first", "middle", "last", "unselected"):
            shutil.copy(prog, os.path.join(d, name))
        globs = ["programs.nothing%d" % i for i in range(300)]
        globs[0], globs[150], globs[-1] = "programs.first", "programs.mid*", "programs.last"
        rc, text = run_runner("--kernel", elf, "--filter", ",".join(globs), "--program", d)
        self.assertEqual(rc, 0, text[-3000:])
        self.assertEqual(text.splitlines()[-1], "3 passed, 0 failed, 0 skipped")
        self.assertNotIn("unselected", text.split("failed tests:")[0].split("# bootmm cmdline")[0])

    def test_compare_host_with_filter(self):
        """COMPARE_HOST with a filter compares only the programs that ran."""
        elf = build_kernel("robust")
        rc, text = run_runner("--kernel", elf, "--filter", "programs.mmap_b*",
                              "--compare-host",
                              *programs("mmap_basic", "exit_status", "sigsegv_fatal"))
        self.assertEqual(rc, 0, text)
        self.assertEqual(text.splitlines()[-1], "1 passed, 0 failed, 0 skipped")
        self.assertNotIn("no result from the image", text)

    def test_kunit_reads_our_logs(self):
        """The runner's whole log (console echo and summary) of a passing, a
        failing and a panicking run, read with kunit_parser's rules, gives
        the kernel's own counts and never a pass for a broken run."""
        elf = build_kernel("robust")
        panic_elf = build_kernel("crash-panic", "CRASH=panic")
        tap = cc(os.path.join(self.tmp, "tap_printer"), "tap_printer.c", compiler="musl-gcc")
        rc, text = run_runner("--kernel", elf, "--filter", "pmm.*,programs.*",
                              *programs("mmap_basic"), quiet=False)
        self.assertEqual(rc, 0, text[-3000:])
        t = kunit_reader.read(text)
        p, f, s = done_counts(text)
        self.assertEqual(t.status, "SUCCESS", t.errors)
        self.assertEqual((t.counts.passed, t.counts.failed, t.counts.skipped,
                          t.counts.crashed), (p, f, s, 0))
        self.assertEqual(runner_counts(text), (p, f, s))
        # Failing: exit_status ends with 7 but no one said so; tap_printer
        # differs from the host in output that looks like TAP.
        rc, text = run_runner("--kernel", elf, "--filter", "programs.*", "--compare-host",
                              "--program", tap, *programs("mmap_basic", "exit_status")[:4],
                              quiet=False)
        self.assertEqual(rc, 1, text[-3000:])
        self.assertIn('"ok 1 - pid 1\\n"', text)
        t = kunit_reader.read(text)
        self.assertEqual(done_counts(text), (2, 1, 0))
        self.assertEqual(runner_counts(text), (1, 2, 0))
        self.assertEqual(t.status, "FAILURE")
        self.assertEqual((t.counts.passed, t.counts.failed, t.counts.crashed), (2, 1, 0))
        summary = text[text.index("failed tests:"):]
        t = kunit_reader.read("KTAP version 1\n" + summary)
        self.assertEqual((t.status, t.counts.total()), ("NO_TESTS", 0))
        # Panicking: the kernel panics in its first test.
        rc, text = run_runner("--kernel", panic_elf, "--filter", "pmm.*", quiet=False)
        self.assertEqual(rc, 1, text[-3000:])
        self.assertIn("bootmm: panic: crash build", text)
        t = kunit_reader.read(text)
        self.assertEqual(t.status, "TEST_CRASHED", text[-2000:])
        self.assertEqual(t.counts.passed, 0)
        self.assertGreater(t.counts.crashed, 0)


if __name__ == "__main__":
    unittest.main()
