"""Robustness runs of the real kernel (make test-runner): lack of memory
injected into every program run, a 32 MiB and a 6 GiB guest, malformed
program files, and a 1,000-run soak. Each boots QEMU (TCG)."""
import glob
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from test_runner import HAVE_QEMU, ROOT, build_kernel, run_runner

PROGRAMS = os.path.join(ROOT, "build", "programs")


def pending(path):
    """True for a program marked `// pending:` (the GNUmakefile's PENDING=1 runs it)."""
    with open(path) as f:
        return re.search(r"^// pending:", f.read(), re.M) is not None


def programs(*names):
    """Build the named in-tree programs (all when none); runner arguments for them."""
    if not names:  # the musl programs (<name>.c; other toolchains use <name>.<tc>.c)
        names = [os.path.basename(p)[:-2] for p in
                 sorted(glob.glob(os.path.join(ROOT, "tests", "programs", "*.c")))
                 if "." not in os.path.basename(p)[:-2] and not pending(p)]
    targets = ["build/programs/" + n for n in names]
    subprocess.run(["make", "-s", "-j2"] + targets, cwd=ROOT, check=True)
    args = []
    for n in names:
        args += ["--program", os.path.join(PROGRAMS, n)]
        with open(os.path.join(ROOT, "tests", "programs", n + ".c")) as f:
            m = re.search(r"^// expect: *(\d+)", f.read(), re.M)
        if m:
            args += ["--expect", "%s=%s" % (n, m.group(1))]
    return args


def failed_tests(text):
    m = re.search(r"^bootmm: FAIL: \d+ test\(s\) failed: (.*)$", text, re.M)
    return set(m.group(1).split(", ")) if m else set()


@unittest.skipUnless(HAVE_QEMU, "qemu-system-x86_64 is not installed")
class RobustnessTest(unittest.TestCase):

    def test_failalloc_every_program(self):
        """bootmm.failalloc=n: the n-th frame allocation of every program
        fails; every run ends cleanly and gives every frame back (the
        harness fails a test that leaks), for a spread of n."""
        elf = build_kernel("robust")
        progs = programs("mmap_basic", "malloc_churn", "mremap_move", "stack_growth",
                         "sigsegv_handler", "brk_heap", "mmap_populate", "huge_split",
                         "thread_basic", "thread_exit")
        for n in (1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144):
            rc, text = run_runner("--kernel", elf, "--filter", "programs.*",
                                  "--cmdline", "bootmm.failalloc=%d" % n, *progs,
                                  quiet=False)
            self.assertEqual(rc, 0, "failalloc=%d\n%s" % (n, text[-3000:]))
            self.assertIn("failalloc=%d" % n, text)

    def test_32m_guest(self):
        """In 32 MiB, programs that want more memory than there is fail on
        their own; the kernel finishes the run and every other test passes."""
        elf = build_kernel("robust")
        rc, text = run_runner("--kernel", elf, "--mem", "32M", *programs(), quiet=False)
        self.assertEqual(rc, 1, text[-3000:])
        self.assertRegex(text, r"bootmm: done \S+ pass=\d+ fail=\d+ skip=\d+")
        # fork_bomb too: its processes (a kernel stack, tables and pages each) reach
        # the end of 32 MiB before the process cap now that the initramfs holds more
        # programs; it is killed as Linux's OOM killer would, and the run goes on.
        allowed = {"programs.vma_20000", "programs.malloc_churn", "programs.sparse_16g",
                   "programs.fork_bomb"}
        self.assertTrue(failed_tests(text) and failed_tests(text) <= allowed, text[-3000:])
        self.assertNotRegex(text, r"bootmm: FAIL: (triple fault|hang|reboot|panic)")

    def test_32m_out_of_memory(self):
        """In 32 MiB, a program that touches 64 MiB (in 8 MiB mappings, each
        within what Linux's overcommit heuristic allows) dies of SIGKILL (137)
        as Linux's OOM killer ends it; the diagnostic says "out of memory"
        with the free-frame count, the program beside it passes and the run
        ends with its done line."""
        elf = build_kernel("robust")
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        src, hog = os.path.join(tmp, "hog.c"), os.path.join(tmp, "hog")
        with open(src, "w") as f:
            f.write("#include <stdio.h>\n#include <sys/mman.h>\n"
                    "int main(void)\n{\n"
                    "\tfor (int k = 0; k < 8; k++) {\n"
                    "\t\tchar *p = mmap(0, 8 << 20, PROT_READ | PROT_WRITE,\n"
                    "\t\t\t       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
                    "\t\tif (p == MAP_FAILED)\n\t\t\treturn 2;\n"
                    "\t\tfor (long i = 0; i < 8 << 20; i += 4096)\n\t\t\tp[i] = 1;\n"
                    "\t}\n\tputs(\"fits\");\n\treturn 0;\n}\n")
        subprocess.run(["musl-gcc", "-static", "-O2", "-o", hog, src], check=True)
        out = os.path.join(tmp, "out")
        rc, text = run_runner("--kernel", elf, "--mem", "32M", "--filter", "programs.*",
                              "--program", hog, "--expect", "hog=137", "--out", out,
                              *programs("mmap_basic"), quiet=False)
        self.assertEqual(rc, 0, text[-3000:])
        self.assertRegex(text, r"programs\.hog: out of memory: killed by SIGKILL \(9\).*"
                         r"\d+ free frames")
        self.assertRegex(text, r"bootmm: done \S+ pass=2 fail=0 skip=0")
        with open(os.path.join(out, "hog.status")) as f:
            self.assertEqual(f.read().strip(), "137")
        with open(os.path.join(out, "hog.out"), "rb") as f:
            self.assertEqual(f.read(), b"")

    def test_6g_guest(self):
        """With -m 6G the memory map has a hole below 4 GiB and RAM above
        it; pmm uses it, and the whole suite passes."""
        elf = build_kernel("robust")
        rc, text = run_runner("--kernel", elf, "--mem", "6G", quiet=False)
        self.assertEqual(rc, 0, text[-3000:])
        self.assertRegex(text, r"MiB above 4 GiB")
        self.assertNotIn("ram_above_4g_used # SKIP", text)

    def test_malformed_program_files(self):
        """Bad ELF files each fail their own test with a reason; the run
        goes on and a good program beside them passes."""
        elf = build_kernel("robust")
        good = programs("mmap_basic")
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        with open(os.path.join(PROGRAMS, "mmap_basic"), "rb") as f:
            img = bytearray(f.read())
        bad = {
            "empty": b"",
            "text_file": b"#!/bin/sh\necho hi\n",
            "truncated": bytes(img[:100]),
            "class32": bytes(img[:4] + b"\x01" + img[5:]),
            "big_endian": bytes(img[:5] + b"\x02" + img[6:]),
            "machine_arm": bytes(img[:18] + b"\xb7\x00" + img[20:]),
            "type_rel": bytes(img[:16] + b"\x01\x00" + img[18:]),
            "phoff_beyond": bytes(img[:32] + (len(img) + 64).to_bytes(8, "little") + img[40:]),
            "phnum_absurd": bytes(img[:56] + b"\xff\xff" + img[58:]),
        }
        args = list(good)
        for name, data in bad.items():
            path = os.path.join(tmp, name)
            with open(path, "wb") as f:
                f.write(data)
            args += ["--program", path]
        rc, text = run_runner("--kernel", elf, "--filter", "programs.*", *args)
        self.assertEqual(rc, 1, text)
        self.assertEqual(failed_tests(text), {"programs." + n for n in bad}, text)
        self.assertIn("%d passed, %d failed" % (1, len(bad)), text)

    def test_dynamically_linked_fails_alone(self):
        """A dynamically linked binary (PT_INTERP), PIE or not, fails its own
        test with a line naming the interpreter it asks for; a static-pie
        and a static program beside them pass and the run goes on."""
        elf = build_kernel("robust")
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        src = os.path.join(tmp, "hello.c")
        with open(src, "w") as f:
            f.write("#include <stdio.h>\nint main(void)\n{\n\tputs(\"hello\");\n"
                    "\treturn 0;\n}\n")
        builds = {"dyn_pie": ["-pie", "-fpie"], "dyn_nopie": ["-no-pie", "-fno-pie"],
                  "static_pie": ["-static-pie", "-fpie"]}
        args = list(programs("mmap_basic"))
        for name, flags in builds.items():
            path = os.path.join(tmp, name)
            subprocess.run(["gcc", "-O2"] + flags + ["-o", path, src], check=True)
            args += ["--program", path]
        rc, text = run_runner("--kernel", elf, "--filter", "programs.*", *args)
        self.assertEqual(rc, 1, text)
        self.assertEqual(failed_tests(text), {"programs.dyn_pie", "programs.dyn_nopie"}, text)
        self.assertEqual(len(re.findall(r"elf: dynamically linked: PT_INTERP asks for "
                                        r"interpreter /lib64/ld-linux-x86-64\.so\.2", text)),
                         2, text)
        self.assertIn("2 passed, 2 failed", text)

    def test_soak_1000_runs(self):
        """bootmm.repeat=1000: one program 1,000 times in one boot, the same
        result each time, no frame or heap byte lost."""
        elf = build_kernel("robust")
        rc, text = run_runner("--kernel", elf, "--filter", "programs.*",
                              "--cmdline", "bootmm.repeat=1000",
                              *programs("mmap_basic"), quiet=False)
        self.assertEqual(rc, 0, text[-3000:])
        m = re.search(r"soak: 1000 runs alike; free frames (\d+) before, (\d+) after", text)
        self.assertIsNotNone(m, text[-3000:])
        self.assertEqual(m.group(1), m.group(2))


if __name__ == "__main__":
    unittest.main()
