"""Runner tests for pending programs (make test-runner): an in-tree program
with a `// pending:` line is built with the others, but `make run`,
`make test-image` and `make oracle` give it to the runner only with
PENDING=1. No boot: `make -n` shows the runner's command line."""
import glob
import os
import re
import subprocess
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def marked():
    """Names of the in-tree programs whose source has a `// pending:` line."""
    names = set()
    for path in glob.glob(os.path.join(ROOT, "tests", "programs", "*.c")):
        with open(path) as f:
            if re.search(r"^// pending:", f.read(), re.M):
                names.add(os.path.basename(path).split(".")[0])
    return names


def make(*args):
    p = subprocess.run(["make", "-s", "--no-print-directory", "-n"] + list(args), cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return p.stdout


def given(text):
    """Test names the runner command line in `make -n` output passes as --program."""
    line = [x for x in text.splitlines() if "ci/runner.py run" in x][-1]
    return {os.path.basename(p) for p in re.findall(r"--program (\S+)", line)}


class PendingTest(unittest.TestCase):

    def test_make_pending_lists_the_marked(self):
        out = subprocess.run(["make", "-s", "--no-print-directory", "pending"], cwd=ROOT, check=True,
                             stdout=subprocess.PIPE, text=True).stdout
        self.assertEqual(set(out.split()), marked())

    def test_left_out_unless_pending(self):
        pending = marked()
        if not pending:
            self.skipTest("no program is pending")
        for target in ("test-image", "run"):
            plain, every = given(make(target)), given(make(target, "PENDING=1"))
            self.assertFalse(plain & pending, target)
            self.assertTrue(pending <= every, target)
            self.assertEqual(every - plain, pending, target)
        for n in pending:  # built all the same: `make programs` remakes a changed one
            self.assertIn("-o build/programs/" + n,
                          make("-W", "tests/programs/%s.c" % n, "programs"), n)


if __name__ == "__main__":
    unittest.main()
