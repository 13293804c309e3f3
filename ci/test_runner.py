"""Tests for ci/runner.py and ci/ktap.py.

Unit tests feed synthetic transcripts to the parsers and the verdict logic.
Integration tests build crash kernels and the self-test kernel with make,
boot them in QEMU and check the runner's verdict (skipped when QEMU is not
installed).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest
import xml.etree.ElementTree as ET

CI = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(CI)
sys.path.insert(0, CI)

import runner  # noqa: E402
from ktap import KtapParser, FrameParser  # noqa: E402

BID = "abc123def456-00042"


def suite_text(name, tests):
    """KTAP for one suite; tests are (name, status, directive, diags)."""
    lines = ["    KTAP version 1", "    # Subtest: %s" % name,
             "    1..%d" % len(tests)]
    for i, (test, status, directive, diags) in enumerate(tests, 1):
        lines.append("    # start %s.%s" % (name, test))
        lines += ["    # " + d for d in diags]
        lines.append("    # %s: duration %d ms" % (test, 10 * i))
        word = "not ok" if status == "fail" else "ok"
        tail = (" # " + directive) if directive else ""
        lines.append("    %s %d %s%s" % (word, i, test, tail))
    return lines


def transcript(suites, build_id=BID, done=True, counts=None):
    """A whole COM1 transcript; suites is [(name, tests)]."""
    lines = ["KTAP version 1", "1..%d" % len(suites), "# bootmm build %s" % build_id,
             "# bootmm cmdline: bootmm.timeout=2"]
    p = f = s = 0
    for i, (name, tests) in enumerate(suites, 1):
        lines += suite_text(name, tests)
        bad = any(t[1] == "fail" for t in tests)
        lines.append("%s %d %s" % ("not ok" if bad else "ok", i, name))
        p += sum(1 for t in tests if t[1] == "pass")
        f += sum(1 for t in tests if t[1] == "fail")
        s += sum(1 for t in tests if t[1] == "skip")
    if counts:
        p, f, s = counts
    if done:
        lines.append("bootmm: done %s pass=%d fail=%d skip=%d"
                     % (build_id, p, f, s))
    return "\n".join(lines) + "\n"


GOOD = [("pmm", [("alloc", "pass", "", []), ("free", "pass", "", [])]),
        ("pt", [("map", "pass", "", []),
                ("huge", "skip", "SKIP no 1G pages", [])])]
BAD = [("pmm", [("alloc", "pass", "", []),
                ("free", "fail", "", ["test_pmm.c:12: EXPECT_EQ(a, b) 1 != 2"]),
                ("slow", "fail", "TIMEOUT after 2 s", ["watchdog fired"])])]


class FakeBoot:
    """What runner.judge() reads from a Boot, built from a transcript."""

    def __init__(self, text, exit_code=33, killed=None, com2=b""):
        self.parser = KtapParser()
        self.parser.feed(text)
        self.parser.finish()
        self.frames = FrameParser()
        self.frames.feed(com2)
        self.exit_code = exit_code
        self.killed = killed
        self.start_error = None


def judge(text, exit_code=33, killed=None, emulator="qemu", want=BID):
    return runner.judge(FakeBoot(text, exit_code, killed), want, emulator,
                        hang_timeout=5, total_timeout=60)


class KtapParserTest(unittest.TestCase):
    def test_pass_transcript(self):
        p = KtapParser()
        p.feed(transcript(GOOD))
        self.assertEqual(p.build_id, BID)
        self.assertEqual(p.plan, 2)
        self.assertEqual([s.name for s in p.suites], ["pmm", "pt"])
        self.assertEqual(p.counts(), (3, 0, 1))
        self.assertEqual(p.missing_results(), 0)
        self.assertEqual(p.done, {"build_id": BID, "pass": 3, "fail": 0,
                                  "skip": 1})
        self.assertEqual(p.last_started, "pt.huge")

    def test_not_ok_timeout_and_diagnostics(self):
        p = KtapParser()
        p.feed(transcript(BAD))
        r = {t.full_name: t for t in p.results()}
        self.assertEqual(r["pmm.free"].status, "fail")
        self.assertEqual(r["pmm.free"].diagnostics,
                         ["test_pmm.c:12: EXPECT_EQ(a, b) 1 != 2"])
        self.assertEqual(r["pmm.slow"].directive, "TIMEOUT")
        self.assertEqual(r["pmm.slow"].reason, "after 2 s")
        self.assertEqual(r["pmm.free"].duration_ms, 20)

    def test_skip_reason(self):
        p = KtapParser()
        p.feed(transcript(GOOD))
        huge = p.results()[-1]
        self.assertEqual((huge.status, huge.directive, huge.reason),
                         ("skip", "SKIP", "no 1G pages"))

    def test_fed_byte_by_byte(self):
        p = KtapParser()
        for b in transcript(BAD).encode():
            p.feed(bytes([b]))
        self.assertEqual(p.counts(), (1, 2, 0))
        self.assertIsNotNone(p.done)

    def test_truncated_plan_counts_missing(self):
        text = transcript(GOOD, done=False)
        cut = text[:text.index("    ok 2 free")]
        p = KtapParser()
        p.feed(cut)
        # free has no line, pmm has no suite line, pt never appeared.
        self.assertEqual(p.missing_results(), 3)
        self.assertEqual(p.last_started, "pmm.free")

    def test_console_noise_goes_to_running_test(self):
        text = transcript(GOOD).replace(
            "    # start pmm.free\n",
            "    # start pmm.free\nPANIC: something odd\n")
        p = KtapParser()
        p.feed(text)
        self.assertEqual(p.results()[1].diagnostics, ["PANIC: something odd"])


class FrameParserTest(unittest.TestCase):
    def test_frames_binary_and_split(self):
        body = bytes(range(256)) + b"\n@@BOOTMM out 3 x\n"
        data = (b"@@BOOTMM out %d prog\n" % len(body) + body +
                b"@@BOOTMM err 4 prog\nerr\n" +
                b"@@BOOTMM out 2 prog\nhi" +
                b"@@BOOTMM status 3 prog\n42\n" +
                b"@@BOOTMM status 2 other one\n0\n")
        for step in (1, 7, len(data)):
            fp = FrameParser()
            for i in range(0, len(data), step):
                fp.feed(data[i:i + step])
            self.assertEqual(fp.errors, [])
            self.assertFalse(fp.incomplete())
            prog = fp.programs["prog"]
            self.assertEqual(prog["out"], body + b"hi")
            self.assertEqual(prog["err"], b"err\n")
            self.assertEqual(prog["status"], 42)
            self.assertEqual(fp.programs["other one"]["status"], 0)

    def test_bad_header_and_incomplete(self):
        fp = FrameParser()
        fp.feed(b"garbage\n@@BOOTMM out 10 p\nabc")
        self.assertEqual(len(fp.errors), 1)
        self.assertTrue(fp.incomplete())
        out = runner.judge(FakeBoot(transcript(GOOD), com2=b"@@BOOTMM out 9 p\nab"),
                           BID, "qemu")
        self.assertFalse(out.passed)
        self.assertIn("bad program output frames", out.causes[0])


class VerdictTest(unittest.TestCase):
    def test_pass(self):
        out = judge(transcript(GOOD))
        self.assertEqual(out.causes, [])
        self.assertTrue(out.passed)

    def test_not_ok_fails_with_names(self):
        out = judge(transcript(BAD), exit_code=35)
        self.assertFalse(out.passed)
        self.assertEqual(out.causes, [])
        lines = runner.summary_lines(out.results, out.causes)
        self.assertEqual(lines[-1], "1 passed, 2 failed, 0 skipped")
        self.assertIn("bootmm: FAIL: 2 test(s) failed: pmm.free, pmm.slow",
                      lines)
        self.assertIn("      | watchdog fired", lines)

    def test_pass_exit_code_with_failures_is_mismatch(self):
        out = judge(transcript(BAD), exit_code=33)
        self.assertEqual(out.causes, [
            "bootmm: FAIL: exit code mismatch: emulator exited with code 33 "
            "but the kernel reported fail during pmm.slow"])

    def test_fail_exit_code_with_passes_is_mismatch(self):
        out = judge(transcript(GOOD), exit_code=35)
        self.assertFalse(out.passed)
        self.assertIn("exit code mismatch", out.causes[0])

    def test_triple_fault(self):
        text = transcript(GOOD, done=False)
        text = text[:text.index("    # free: duration")]
        for code in (0, 1):
            out = judge(text, exit_code=code)
            self.assertEqual(out.causes, [
                "bootmm: FAIL: emulator exited with code %d (triple fault "
                "or reboot) during pmm.free" % code])
            crashed = out.results[-1]
            self.assertEqual((crashed.full_name, crashed.status),
                             ("pmm.free", "fail"))

    def test_other_exit_code(self):
        out = judge("KTAP version 1\n", exit_code=-9)
        self.assertEqual(out.causes, [
            "bootmm: FAIL: emulator exited with code -9 without a done line "
            "before any test started"])

    def test_hang_and_total(self):
        text = transcript(GOOD, done=False)[:200]
        out = judge(text, exit_code=-15, killed="hang")
        self.assertRegex(out.causes[0],
                         r"^bootmm: FAIL: hang: no serial output for 5 s "
                         r"during pmm\.\w+$")
        out = judge(text, exit_code=-15, killed="total")
        self.assertRegex(out.causes[0],
                         r"^bootmm: FAIL: total timeout after 60 s during")

    def test_truncated_plan(self):
        text = transcript(GOOD, done=False)
        text = text[:text.index("    KTAP version 1", 100)]
        out = judge(text, exit_code=33)
        self.assertEqual(out.causes, [
            "bootmm: FAIL: truncated plan: 1 results missing during pmm.free"])

    def test_missing_done_line(self):
        out = judge(transcript(GOOD, done=False), exit_code=33)
        self.assertEqual(out.causes, [
            "bootmm: FAIL: no done line during pt.huge"])

    def test_wrong_build_id(self):
        out = judge(transcript(GOOD, build_id="old-1"))
        self.assertEqual(out.causes, [
            "bootmm: FAIL: wrong build id old-1 in done line (expected %s) "
            "during pt.huge" % BID])

    def test_count_mismatch(self):
        out = judge(transcript(GOOD, counts=(4, 0, 1)))
        self.assertEqual(out.causes, [
            "bootmm: FAIL: done line says pass=4 fail=0 skip=1 but results "
            "say pass=3 fail=0 skip=1 during pt.huge"])

    def test_more_results_than_plan(self):
        text = transcript(GOOD).replace("    1..2\n", "    1..1\n", 1)
        out = judge(text)
        self.assertIn("plan mismatch: suite pmm: 2 results, plan says 1",
                      out.causes[0])

    def test_bochs_judged_by_output(self):
        self.assertTrue(judge(transcript(GOOD), exit_code=1,
                              emulator="bochs").passed)
        out = judge(transcript(GOOD, done=False)[:300], exit_code=1,
                    emulator="bochs")
        self.assertIn("emulator exited without a done line", out.causes[0])


class ReportTest(unittest.TestCase):
    def test_junit(self):
        out = judge(transcript(GOOD), exit_code=33)
        bad = judge(transcript(BAD), exit_code=35)
        root = ET.fromstring(runner.junit_xml(out.results + bad.results))
        suites = {s.get("name"): s for s in root.findall("testsuite")}
        self.assertEqual(set(suites), {"pmm", "pt"})
        self.assertEqual(suites["pmm"].get("tests"), "5")
        self.assertEqual(suites["pmm"].get("failures"), "2")
        self.assertEqual(suites["pt"].get("skipped"), "1")
        cases = {c.get("name"): c for c in root.iter("testcase")}
        self.assertEqual(cases["map"].get("classname"), "pt")
        self.assertEqual(cases["map"].get("time"), "0.010")
        self.assertEqual(cases["slow"].find("failure").get("message"),
                         "TIMEOUT after 2 s")
        self.assertIn("watchdog fired", cases["slow"].find("failure").text)
        self.assertIsNotNone(cases["huge"].find("skipped"))

    def test_grub_cfg(self):
        cfg = runner.grub_cfg(["bootmm.filter=pmm.*,pt.map*", "bootmm.list"])
        self.assertIn("multiboot2 /boot/bootmm.elf "
                      "'bootmm.filter=pmm.*,pt.map*' bootmm.list\n", cfg)
        self.assertIn("\tmodule2 /boot/initramfs.cpio initramfs\n", cfg)
        self.assertEqual(cfg.count("module2"), 1)
        self.assertTrue(cfg.startswith("set timeout=0\nset default=0\n"))

    def test_cmdline_words(self):
        args = runner.parser().parse_args([
            "run", "--kernel", "k", "--filter", "pmm.*", "--timeout", "3",
            "--shuffle", "7", "--cmdline", "a b=1"])
        self.assertEqual(runner.cmdline_words(args, "2/3"), [
            "bootmm.filter=pmm.*", "bootmm.timeout=3", "bootmm.shuffle=7",
            "bootmm.shard=2/3", "a", "b=1"])

    def test_compare_host(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        prog = os.path.join(tmp, "hello")
        with open(prog, "w") as f:
            f.write("#!/bin/sh\necho hello\nexit 3\n")
        os.chmod(prog, 0o755)
        text = transcript([("programs", [("hello", "pass", "", [])])])
        same = b"@@BOOTMM out 6 hello\nhello\n@@BOOTMM status 2 hello\n3\n"
        other = b"@@BOOTMM out 6 hello\nhallo\n@@BOOTMM status 2 hello\n3\n"
        progs = runner.collect_programs([prog]).programs
        out = runner.judge(FakeBoot(text, com2=same), BID, "qemu")
        runner.compare_programs(out, progs)
        self.assertTrue(out.passed)
        out = runner.judge(FakeBoot(text, com2=other), BID, "qemu")
        runner.compare_programs(out, progs)
        self.assertFalse(out.passed)
        self.assertEqual(out.results[0].status, "fail")
        self.assertIn('+ "hallo\\n"', out.results[0].diagnostics)
        self.assertIn('- "hello\\n"', out.results[0].diagnostics)
        runner.write_outputs(os.path.join(tmp, "out"), out.programs)
        with open(os.path.join(tmp, "out", "hello.status")) as f:
            self.assertEqual(f.read(), "3\n")
        with open(os.path.join(tmp, "out", "hello.out"), "rb") as f:
            self.assertEqual(f.read(), b"hallo\n")

    def test_host_signal_status(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        prog = os.path.join(tmp, "die")
        with open(prog, "w") as f:
            f.write("#!/bin/sh\nkill -SEGV $$\n")
        os.chmod(prog, 0o755)
        self.assertEqual(runner.run_on_host(prog), (b"", 128 + 11))


# ---------------------------------------------------------------- integration
HAVE_QEMU = shutil.which(runner.QEMU) is not None
_builds = {}
_build_lock = threading.Lock()


def build_kernel(name, *make_vars):
    """make -s kernel with make_vars into build/<name>; the ELF's path.
    Builds run one at a time (the tree is shared); results are cached."""
    with _build_lock:
        if name not in _builds:
            bdir = "build/" + name
            proc = subprocess.run(
                ["make", "-s", "-j2", "kernel", "BUILD=" + bdir] +
                list(make_vars), cwd=ROOT, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT)
            _builds[name] = (proc.returncode,
                             proc.stdout.decode("utf-8", "replace"),
                             os.path.join(ROOT, bdir, "bootmm.elf"))
    rc, log, elf = _builds[name]
    if rc != 0:
        raise AssertionError("make kernel %s failed:\n%s"
                             % (" ".join(make_vars), log[-3000:]))
    return elf


def run_runner(*argv, quiet=True):
    """runner.py run [-q] ...: (exit status, stdout text)."""
    proc = subprocess.run([sys.executable, os.path.join(CI, "runner.py"),
                           "run"] + (["-q"] if quiet else []) + list(argv),
                          cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=300)
    return proc.returncode, proc.stdout.decode("utf-8", "replace")


def first_started(text):
    """The first test named by a '# start' line in a transcript."""
    m = re.search(r"# start (\S+)", text)
    return m.group(1) if m else None


@unittest.skipUnless(HAVE_QEMU, "qemu-system-x86_64 is not installed")
class CrashKernelTest(unittest.TestCase):
    """Each crash kernel must fail the run with its own cause line."""

    @classmethod
    def setUpClass(cls):
        # Build every crash kernel first, then boot them all at once.
        cls.runs = {}
        kinds = {"triple": [], "hang": ["--hang-timeout", "5"],
                 "reboot": [], "truncate": []}
        for kind in kinds:
            build_kernel("crash-" + kind, "CRASH=" + kind)

        def boot(kind):
            elf = build_kernel("crash-" + kind, "CRASH=" + kind)
            junit = os.path.join(tempfile.mkdtemp(), "j.xml")
            rc, text = run_runner("--kernel", elf, "--junit", junit,
                                  "--total-timeout", "120", *kinds[kind],
                                  quiet=False)
            cls.runs[kind] = (rc, text, junit)

        threads = [threading.Thread(target=boot, args=(k,)) for k in kinds]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def check(self, kind, pattern):
        rc, text, _ = self.runs[kind]
        self.assertNotEqual(rc, 0, text)
        fails = [l for l in text.splitlines() if l.startswith("bootmm: FAIL")]
        self.assertEqual(len(fails), 1, text)
        self.assertRegex(fails[0], pattern, text)
        self.assertRegex(text.splitlines()[-1],
                         r"^\d+ passed, \d+ failed, \d+ skipped$")
        return fails[0]

    def test_triple_fault(self):
        self.check("triple", r"^bootmm: FAIL: emulator exited with code 0 "
                   r"\(triple fault or reboot\) during \S+\.\S+$")

    def test_reboot(self):
        self.check("reboot", r"^bootmm: FAIL: emulator exited with code 0 "
                   r"\(triple fault or reboot\) during \S+\.\S+$")

    def test_hang(self):
        self.check("hang", r"^bootmm: FAIL: hang: no serial output for 5 s "
                   r"during \S+\.\S+$")

    def test_truncate(self):
        """Stops after the first suite with the pass exit code: the plan
        is short if it announced more suites, else the done line is missing."""
        plan = re.search(r"(?m)^1\.\.(\d+)$", self.runs["truncate"][1])
        self.assertIsNotNone(plan, self.runs["truncate"][1])
        if int(plan.group(1)) > 1:
            self.check("truncate", r"^bootmm: FAIL: truncated plan: \d+ "
                       r"results missing during \S+\.\S+$")
        else:
            self.check("truncate", r"^bootmm: FAIL: no done line during "
                       r"\S+\.\S+$")

    def test_crash_names_first_test(self):
        """triple/hang/reboot crash right after the first "# start"."""
        for kind in ("triple", "hang", "reboot"):
            rc, text, junit = self.runs[kind]
            first = first_started(text)
            self.assertIsNotNone(first, text)
            self.assertIn("during %s" % first, text)
            failed = [c.get("classname") + "." + c.get("name")
                      for c in ET.parse(junit).iter("testcase")
                      if c.find("failure") is not None]
            self.assertEqual(failed, [first], kind)


def fake_kernel(tmp, text, com2=b"", build_id=BID, *defines):
    """Build tests/runner/empty_kernel.S as a kernel that sends text on
    COM1 and com2 on COM2; its build-id file says build_id."""
    paths = {"TRANSCRIPT": ("com1.txt", text.encode()),
             "COM2_DATA": ("com2.bin", com2)}
    words = list(defines)
    for define, (name, data) in paths.items():
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        words.append('%s="%s"' % (define, path))
    elf = runner.build_empty_kernel(tmp, words)
    with open(os.path.join(tmp, "build-id"), "w") as f:
        f.write(build_id + "\n")
    return elf


@unittest.skipUnless(HAVE_QEMU, "qemu-system-x86_64 is not installed")
class FakeKernelTest(unittest.TestCase):
    """The whole run command against a scripted kernel (no real kernel
    needed): the emulator, the serial files, the verdict and the reports."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)

    def host_program(self, name, script):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write("#!/bin/sh\n" + script)
        os.chmod(path, 0o755)
        return path

    def test_pass_with_programs(self):
        text = transcript(GOOD + [("programs", [("hello", "pass", "", [])])])
        com2 = (b"@@BOOTMM out 7 hello\nhello\n\x00@@BOOTMM err 2 hello\nE\n"
                b"@@BOOTMM status 2 hello\n3\n")
        elf = fake_kernel(self.tmp, text, com2)
        prog = self.host_program("hello", "printf 'hello\\n\\0'; exit 3\n")
        junit = os.path.join(self.tmp, "j.xml")
        outdir = os.path.join(self.tmp, "out")
        rc, out = run_runner("--kernel", elf, "--junit", junit, "--out", outdir,
                             "--program", prog, "--expect", "hello=3",
                             "--compare-host")
        self.assertEqual(rc, 0, out)
        self.assertEqual(out.splitlines()[-1], "4 passed, 0 failed, 1 skipped")
        self.assertNotIn("bootmm: FAIL", out)
        with open(os.path.join(outdir, "hello.out"), "rb") as f:
            self.assertEqual(f.read(), b"hello\n\x00")
        with open(os.path.join(outdir, "hello.err"), "rb") as f:
            self.assertEqual(f.read(), b"E\n")
        with open(os.path.join(outdir, "hello.status")) as f:
            self.assertEqual(f.read(), "3\n")
        self.assertEqual(len(list(ET.parse(junit).iter("testcase"))), 5)

    def test_compare_host_mismatch(self):
        text = transcript([("programs", [("hello", "pass", "", [])])])
        com2 = b"@@BOOTMM out 6 hello\nhallo\n@@BOOTMM status 2 hello\n0\n"
        elf = fake_kernel(self.tmp, text, com2)
        prog = self.host_program("hello", "echo hello\n")
        rc, out = run_runner("--kernel", elf, "--program", prog,
                             "--compare-host")
        self.assertEqual(rc, 1, out)
        self.assertIn('+ "hallo\\n"', out)
        self.assertIn("bootmm: FAIL: 1 test(s) failed: programs.hello", out)
        self.assertEqual(out.splitlines()[-1], "0 passed, 1 failed, 0 skipped")

    def test_echo_and_fail_exit(self):
        elf = fake_kernel(self.tmp, transcript(BAD), b"", BID,
                          "EXIT_VALUE=0x11")
        proc = subprocess.run([sys.executable, os.path.join(CI, "runner.py"),
                               "run", "--kernel", elf], stdout=subprocess.PIPE,
                              timeout=120)
        out = proc.stdout.decode()
        self.assertEqual(proc.returncode, 1, out)
        self.assertIn("    # start pmm.slow\n", out)
        self.assertIn("bootmm: FAIL: 2 test(s) failed: pmm.free, pmm.slow",
                      out)

    def test_wrong_build_id(self):
        elf = fake_kernel(self.tmp, transcript(GOOD), b"", "other-7")
        rc, out = run_runner("--kernel", elf)
        self.assertEqual(rc, 1, out)
        self.assertIn("bootmm: FAIL: wrong build id %s in done line "
                      "(expected other-7)" % BID, out)

    def test_hang(self):
        text = transcript(GOOD, done=False)
        text = text[:text.index("    # free: duration")]
        elf = fake_kernel(self.tmp, text, b"", BID, "HANG")
        # 5 s, not less: the clock runs from the start, and a loaded CI
        # machine can take seconds to boot GRUB before the first output.
        rc, out = run_runner("--kernel", elf, "--hang-timeout", "5")
        self.assertEqual(rc, 1, out)
        self.assertIn("bootmm: FAIL: hang: no serial output for 5 s during "
                      "pmm.free\n1 passed, 1 failed, 0 skipped\n", out)

    def test_jobs_merge_shards(self):
        elf = fake_kernel(self.tmp, transcript(GOOD))
        junit = os.path.join(self.tmp, "j.xml")
        rc, out = run_runner("--kernel", elf, "-j", "2", "--junit", junit)
        self.assertEqual(rc, 0, out)
        self.assertEqual(out.splitlines()[-1], "6 passed, 0 failed, 2 skipped")
        self.assertEqual(len(list(ET.parse(junit).iter("testcase"))), 8)

    @unittest.skipUnless(shutil.which("gdb"), "gdb is not installed")
    def test_debug_attaches_gdb(self):
        elf = fake_kernel(self.tmp, transcript(GOOD))
        proc = subprocess.run(
            [sys.executable, os.path.join(CI, "runner.py"), "debug",
             "--kernel", elf, "--gdb-ex", "break _start", "--gdb-ex", "c",
             "--gdb-ex", "c"], stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        out = proc.stdout.decode("utf-8", "replace")
        self.assertIn("Breakpoint 1, ", out)
        self.assertIn("bootmm: done %s pass=3" % BID, out)

    @unittest.skipUnless(shutil.which(runner.BOCHS), "bochs is not installed")
    def test_bochs(self):
        elf = fake_kernel(self.tmp, transcript(GOOD),
                          b"@@BOOTMM out 3 p\nab\n@@BOOTMM status 2 p\n0\n")
        outdir = os.path.join(self.tmp, "out")
        rc, out = run_runner("--kernel", elf, "--emulator", "bochs",
                             "--out", outdir)
        self.assertEqual(rc, 0, out)
        with open(os.path.join(outdir, "p.out"), "rb") as f:
            self.assertEqual(f.read(), b"ab\n")
        elf = fake_kernel(self.tmp, transcript(GOOD, done=False))
        rc, out = run_runner("--kernel", elf, "--emulator", "bochs")
        self.assertEqual(rc, 1, out)
        self.assertIn("bootmm: FAIL: emulator exited without a done line "
                      "during pt.huge", out)


SELFTEST_EXPECTED = {
    "selftest.pass": ("pass", ""),
    "selftest.fault_expected": ("pass", ""),
    "selftest.skip": ("skip", "SKIP"),
    "selftest.expect_fail": ("fail", ""),
    "selftest.assert_fail": ("fail", ""),
    "selftest.fault_missing": ("fail", ""),
    "selftest.fault_unexpected": ("fail", ""),
    "selftest.timeout": ("fail", "TIMEOUT"),
    "selftest.program_tree_timeout": ("fail", "TIMEOUT"),
}


@unittest.skipUnless(HAVE_QEMU, "qemu-system-x86_64 is not installed")
class SelftestKernelTest(unittest.TestCase):
    """The harness self-tests fail on purpose, each in its own way."""

    def test_selftest_results(self):
        elf = build_kernel("selftest", "SELFTEST=1")
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        junit = os.path.join(tmp, "j.xml")
        rc, text = run_runner("--kernel", elf, "--cmdline", "bootmm.timeout=2",
                              "--filter", "selftest.*", "--junit", junit,
                              "--total-timeout", "120")
        self.assertEqual(rc, 1, text)
        got = {}
        for c in ET.parse(junit).iter("testcase"):
            name = c.get("classname") + "." + c.get("name")
            fail = c.find("failure")
            if fail is not None:
                kind = fail.get("message").split()[0] \
                    if fail.get("message") != "not ok" else ""
                got[name] = ("fail", kind)
            elif c.find("skipped") is not None:
                got[name] = ("skip", "SKIP")
            else:
                got[name] = ("pass", "")
        # Every test named above ends as stated; the suite's other tests
        # (checks of the harness that must simply pass) pass.
        want = {n: SELFTEST_EXPECTED.get(n, ("pass", "")) for n in got}
        self.assertEqual(got, want, text)
        self.assertLessEqual(set(SELFTEST_EXPECTED), set(got), text)
        passed = sum(1 for r in got.values() if r[0] == "pass")
        # The only cause is the failed tests: so the done line was there,
        # with this build's id and counts matching, and QEMU exited with 35.
        fails = [l for l in text.splitlines() if l.startswith("bootmm: FAIL")]
        self.assertEqual(len(fails), 1, text)
        self.assertTrue(fails[0].startswith("bootmm: FAIL: 6 test(s) failed"),
                        text)
        self.assertEqual(text.splitlines()[-1],
                         "%d passed, 6 failed, 1 skipped" % passed)
        # The watchdog abandons a whole process tree: everything comes back.
        self.assertNotIn("leak:", text)


if __name__ == "__main__":
    unittest.main()
