"""Tests of the pinned Linux oracle (ci/oracle.py): the initramfs it packs,
its cache key, a real boot of Linux 6.12 with two tiny static programs (their
.out/.err/.status byte for byte, then the cache answering without a boot),
its one-line failures (a hang, a kernel that does not boot), and
`runner.py run --compare linux`. Needs `make deps` (the kernel under
build/oracle/kernel), QEMU and musl-gcc or gcc."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

CI = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, CI)
import oracle  # noqa: E402
import test_runner  # noqa: E402  (fake_kernel, transcript, run_runner)

HAVE_QEMU = shutil.which(oracle.QEMU) is not None
CC = "musl-gcc" if shutil.which("musl-gcc") else "gcc"

# argv[0], AT_EXECFN, the environment, the cwd and the open fds as the bootmm
# image gives them.
HELLO = r"""
#include <fcntl.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <unistd.h>
extern char **environ;
int main(int argc, char **argv)
{
	char cwd[64];
	int fds = 0;
	for (int fd = 0; fd < 1024; fd++)
		fds += fcntl(fd, F_GETFD) >= 0;
	printf("hello from linux %d %s %s %d %s %d\n", argc, argv[0],
	       (char *)getauxval(AT_EXECFN), environ[0] == NULL, getcwd(cwd, 64), fds);
	fputs("E\n", stderr);
	return 3;
}
"""
HELLO_OUT = b"hello from linux 1 hello hello 1 / 3\n"
SEGV = r"""
#include <stdio.h>
int main(void) { puts("before"); fflush(stdout); *(volatile int *)8 = 1; return 0; }
"""
HANG = r"""
#include <unistd.h>
int main(void) { for (;;) pause(); }
"""


def compile_program(tmp, name, source):
    """A static binary tmp/name from C source."""
    src = os.path.join(tmp, name + ".c")
    with open(src, "w") as f:
        f.write(source)
    out = os.path.join(tmp, name)
    subprocess.run([CC, "-static", "-O2", "-o", out, src], check=True)
    return out


def read_newc(data):
    """Parse a newc archive: [(name, mode, rdevmajor, rdevminor, data)]."""
    out, pos = [], 0
    while True:
        head = data[pos:pos + 110]
        assert head[:6] == b"070701", head[:6]
        f = [int(head[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        namesize, filesize = f[11], f[6]
        name = data[pos + 110:pos + 110 + namesize - 1].decode()
        pos += 110 + namesize
        pos += -pos % 4
        body = data[pos:pos + filesize]
        pos += filesize + (-filesize % 4)
        if name == "TRAILER!!!":
            return out
        out.append((name, f[1], f[9], f[10], body))


class InitramfsTest(unittest.TestCase):
    def test_layout(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        init = os.path.join(tmp, "init")
        prog = os.path.join(tmp, "p1")
        for path, data in ((init, b"\x7fELFinit"), (prog, b"abc")):
            with open(path, "wb") as f:
                f.write(data)
        data = oracle.initramfs(init, [("p1", prog)], 7)
        self.assertEqual(len(data) % 512, 0)
        files = {e[0]: e for e in read_newc(data)}
        self.assertEqual(files["init"][1], 0o100755)
        self.assertEqual(files["init"][4], b"\x7fELFinit")
        self.assertEqual(files["dev/console"][1:4], (0o20600, 5, 1))
        self.assertEqual(files["oracle/bin/p1"][4], b"abc")
        self.assertEqual(files["oracle/list"][4], b"7 p1\n")

    def test_names(self):
        oracle.check_names(["a", "b.c", "x-1"])
        for bad in (["a", "a"], ["init"], ["proc"], ["a b"], [".x"], [""]):
            with self.assertRaises(oracle.OracleError, msg=bad):
                oracle.check_names(bad)

    def test_cache_key(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
        for path in (a, b):
            with open(path, "wb") as f:
                f.write(b"same bytes")
        k = oracle.cache_key("a", a, "pkg 1", "128M")
        self.assertEqual(k, oracle.cache_key("a", b, "pkg 1", "128M"))
        self.assertNotEqual(k, oracle.cache_key("b", b, "pkg 1", "128M"))
        self.assertNotEqual(k, oracle.cache_key("a", a, "pkg 2", "128M"))
        self.assertNotEqual(k, oracle.cache_key("a", a, "pkg 1", "4G"))
        with open(a, "ab") as f:
            f.write(b"!")
        self.assertNotEqual(k, oracle.cache_key("a", a, "pkg 1", "128M"))


def private_build(tmp):
    """A build dir sharing the real kernel and init, with its own cache."""
    build = os.path.join(tmp, "build")
    os.makedirs(build)
    os.symlink(os.path.join(oracle.BUILD, "oracle"),
               os.path.join(build, "oracle"))
    return build


@unittest.skipUnless(HAVE_QEMU, "qemu-system-x86_64 is not installed")
class BootTest(unittest.TestCase):
    """Real boots of the pinned Linux (a few seconds each in TCG)."""

    def setUp(self):
        oracle.kernel_info()  # fails with "run `make deps`" when missing
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)
        self.build = private_build(self.tmp)

    def test_outputs_then_cache(self):
        progs = [compile_program(self.tmp, "hello", HELLO),
                 compile_program(self.tmp, "segv", SEGV)]
        boots = []
        t0 = time.monotonic()
        res = oracle.results(progs, build=self.build, log=boots.append)
        sys.stderr.write("\n  %s (%.1f s with the test's overhead) " %
                         (boots[0], time.monotonic() - t0))
        self.assertEqual(len(boots), 1)
        out = os.path.join(self.tmp, "out")
        oracle.write_outputs(out, res)
        want = {"hello.out": HELLO_OUT, "hello.err": b"E\n",
                "hello.status": b"3\n", "segv.out": b"before\n",
                "segv.err": b"", "segv.status": b"139\n"}
        for name, data in want.items():
            with open(os.path.join(out, name), "rb") as f:
                self.assertEqual(f.read(), data, name)
        # The same binaries again: every result comes from the cache.
        saved = oracle.boot_programs
        oracle.boot_programs = None  # a boot would raise TypeError
        try:
            again = oracle.results(progs, build=self.build, log=boots.append)
        finally:
            oracle.boot_programs = saved
        self.assertEqual(len(boots), 1)
        self.assertEqual(again, res)
        self.assertEqual(oracle.expected(progs, build=self.build),
                         {"hello": (HELLO_OUT, 3),
                          "segv": (b"before\n", 139)})

    def test_no_cache_boots_every_time(self):
        """use_cache=False (oracle.py run --no-cache, the benchmarks') boots
        for every call, even over a cached result, and stores nothing."""
        hello = compile_program(self.tmp, "hello", HELLO)
        oracle.results([hello], build=self.build)  # now cached
        cache = os.path.join(self.build, "oracle-cache")
        before = sorted(os.listdir(cache))
        calls = []

        def fake_boot(programs, *args, **kw):
            calls.append([name for name, _ in programs])
            return {"hello": {"out": b"fresh\n", "err": b"", "status": 0,
                              "hung": False}}, 0.5
        saved = oracle.boot_programs
        oracle.boot_programs = fake_boot
        try:
            for _ in range(2):
                res = oracle.results([hello], build=self.build, use_cache=False)
                self.assertEqual(res["hello"]["out"], b"fresh\n")
        finally:
            oracle.boot_programs = saved
        self.assertEqual(calls, [["hello"], ["hello"]])
        self.assertEqual(sorted(os.listdir(cache)), before)
        self.assertEqual(oracle.results([hello], build=self.build)["hello"]["out"],
                         HELLO_OUT)

    def test_hang_is_one_line(self):
        """A hang fails in one line; the program after it still runs and
        is cached, the hung one is not."""
        hang = compile_program(self.tmp, "hang", HANG)
        hello = compile_program(self.tmp, "hello", HELLO)
        with self.assertRaises(oracle.OracleError) as cm:
            oracle.results([hang, hello], timeout=2, build=self.build)
        self.assertEqual(str(cm.exception),
                         "hang hangs: killed after 2 s in Linux")
        cache = os.path.join(self.build, "oracle-cache")
        self.assertEqual(len(os.listdir(cache)), 1)
        boots = []
        res = oracle.results([hang, hello], timeout=2, build=self.build,
                             log=boots.append, keep_going=True)
        self.assertEqual(len(boots), 1)  # hello came from the cache
        self.assertIn("with 1 program(s)", boots[0])
        self.assertEqual(res["hang"]["status"], None)
        self.assertEqual(res["hello"]["out"], HELLO_OUT)
        self.assertEqual(len(os.listdir(cache)), 1)

    def test_kernel_that_does_not_boot(self):
        build = os.path.join(self.tmp, "bad")
        boot = os.path.join(build, "oracle", "kernel", "boot")
        os.makedirs(boot)
        with open(os.path.join(boot, "vmlinuz-0"), "wb") as f:
            f.write(b"not a kernel" * 100)
        with open(os.path.join(build, "oracle", "kernel",
                               ".bootmm-package"), "w") as f:
            f.write("fake 0\n")
        prog = compile_program(self.tmp, "hello", HELLO)
        with self.assertRaises(oracle.OracleError) as cm:
            oracle.results([prog], build=build)
        text = str(cm.exception)
        self.assertNotIn("\n", text)
        self.assertTrue(text.startswith(
            "Linux stopped before the oracle's done line"), text)


    def test_kernel_panic_is_one_line(self):
        bad_init = os.path.join(self.tmp, "not-an-init")
        with open(bad_init, "w") as f:
            f.write("not an ELF\n")
        saved = oracle.build_init
        oracle.build_init = lambda build: bad_init
        try:
            with self.assertRaises(oracle.OracleError) as cm:
                oracle.boot_programs([], build=self.build)
        finally:
            oracle.build_init = saved
        text = str(cm.exception)
        self.assertNotIn("\n", text)
        self.assertTrue(text.startswith(
            "Linux stopped before the oracle's done line"), text)
        self.assertIn("Kernel panic", text)


@unittest.skipUnless(HAVE_QEMU, "qemu-system-x86_64 is not installed")
class CompareLinuxTest(unittest.TestCase):
    """runner.py run --compare linux against a scripted image: hello
    matches Linux, segv's image status differs."""

    def test_compare_linux(self):
        oracle.kernel_info()
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        hello = compile_program(tmp, "hello", HELLO)
        segv = compile_program(tmp, "segv", SEGV)
        text = test_runner.transcript([("programs", [
            ("hello", "pass", "", []), ("segv", "pass", "", [])])])
        com2 = (b"@@BOOTMM out %d hello\n%s" % (len(HELLO_OUT), HELLO_OUT) +
                b"@@BOOTMM status 1 hello\n3"
                b"@@BOOTMM out 7 segv\nbefore\n@@BOOTMM status 1 segv\n0")
        elf = test_runner.fake_kernel(tmp, text, com2)
        rc, out = test_runner.run_runner(
            "--kernel", elf, "--program", hello, "--program", segv,
            "--expect", "hello=3", "--compare", "linux")
        self.assertEqual(rc, 1, out)
        self.assertIn("differs from linux:", out)
        self.assertIn("exit status: image 0, linux 139", out)
        self.assertIn("bootmm: FAIL: 1 test(s) failed: programs.segv", out)
        self.assertEqual(out.splitlines()[-1], "1 passed, 1 failed, 0 skipped")


if __name__ == "__main__":
    unittest.main()
