"""Tests of ci/selftests.py's reading and comparing of kselftest output
(no build, no boot)."""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import selftests  # noqa: E402

KSFT = b"""TAP version 13
1..4
# [RUN] first case
ok 1 first case
not ok 2 second case
ok 3 # SKIP third case needs THP
ok 4 first case
# Totals: pass:2 fail:1 xfail:0 xpass:0 skip:1 error:0
"""


class TapTest(unittest.TestCase):
    def test_subtests_by_name(self):
        self.assertEqual(selftests.subtests(KSFT), [
            ("first case", "pass"), ("second case", "fail"),
            ("third case needs THP", "skip"), ("first case #2", "pass")])

    def test_tally_counts_subtests(self):
        subs = selftests.subtests(KSFT)
        self.assertEqual(selftests.tally(subs, 1), (2, 1, 1))

    def test_tally_without_tap_uses_status(self):
        self.assertEqual(selftests.tally([], 0), (1, 0, 0))
        self.assertEqual(selftests.tally([], 4), (0, 0, 1))
        self.assertEqual(selftests.tally([], 139), (0, 1, 0))

    def test_bail_out_is_one_failed_result(self):
        self.assertEqual(selftests.subtests(b"ok 1 a\nBail out! no VmFlags "
                                            b"for 0x7f00\n"),
                         [("a", "pass"), ("Bail out!", "fail")])

    def test_directive_after_name(self):
        self.assertEqual(selftests.subtests(b"not ok 7 - name # TODO later\n"
                                            b"ok 8 x # XFAIL known\n"),
                         [("name", "fail"), ("x", "xfail")])


def side(out, status):
    return selftests.side({"out": out, "status": status})


class DifferenceTest(unittest.TestCase):
    def test_identical(self):
        self.assertIsNone(selftests.first_difference(side(KSFT, 1),
                                                     side(KSFT, 1)))

    def test_first_differing_subtest(self):
        ours = KSFT.replace(b"not ok 2 second", b"ok 2 second")
        self.assertEqual(
            selftests.first_difference(side(KSFT, 1), side(ours, 1)),
            "second case: fail in Linux, pass here")

    def test_missing_and_extra(self):
        short = b"ok 1 first case\n"
        self.assertEqual(
            selftests.first_difference(side(KSFT, 1), side(short, 1)),
            "second case: fail in Linux, missing here")
        self.assertEqual(
            selftests.first_difference(side(short, 1), side(KSFT, 1)),
            "second case: fail here, not in Linux")

    def test_status(self):
        self.assertEqual(
            selftests.first_difference(side(KSFT, 1), side(KSFT, 139)),
            "exit status 1 in Linux, 139 here")

    def test_crash_is_a_difference(self):
        got = side(KSFT, None)
        got["crash"] = "bootmm crashed: kernel panic"
        self.assertEqual(selftests.first_difference(side(KSFT, 1), got),
                         "bootmm crashed: kernel panic")


class JudgeTest(unittest.TestCase):
    def test_build_failure_is_skipped(self):
        row = selftests.judge("cow", "musl", {"error": "x.c:1: error: y"},
                              {}, {})
        self.assertEqual((row["verdict"], row["detail"]),
                         ("skipped", "does not build: x.c:1: error: y"))

    def test_crash_fails_the_test(self):
        ours = {"out": b"", "status": None, "crash": "bootmm crashed: hang"}
        row = selftests.judge("cow", "glibc", {"binary": "b"},
                              {"out": KSFT, "status": 1}, ours)
        self.assertEqual((row["verdict"], row["detail"]),
                         ("failed", "bootmm crashed: hang"))

    def test_report_ends_with_summary(self):
        rows = [selftests.judge("a", "musl", {"binary": "b"},
                                {"out": KSFT, "status": 1},
                                {"out": KSFT, "status": 1}),
                selftests.judge("b", "musl", {"error": "e"}, {}, {})]
        meta = {"kernel": "k", "toolchains": ["musl"], "bootmm_boots": 1,
                "bootmm_secs": 1.0, "oracle_secs": 2.0}
        with tempfile.TemporaryDirectory() as d:
            lines = selftests.write_report(rows, d, meta)
            with open(os.path.join(d, "results.md")) as f:
                self.assertEqual(f.read().splitlines()[-1],
                                 "1 passed, 0 failed, 1 skipped")
        self.assertEqual(lines[-1], "1 passed, 0 failed, 1 skipped")
        self.assertEqual(rows[0]["same"], [4, 4])


def row(test, tc, linux_out, linux_st, ours_out, ours_st, crash=None):
    ours = {"out": ours_out, "status": ours_st}
    if crash:
        ours["crash"] = crash
    return selftests.judge(test, tc, {"binary": "b"},
                           {"out": linux_out, "status": linux_st}, ours)


KNOWN = """# a comment
cow | glibc | second case | why one
cow | * | exit status | why two
mkdirty | musl | * | why three
"""


class KnownTest(unittest.TestCase):
    def known(self, text=KNOWN):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "known.txt")
            with open(path, "w") as f:
                f.write(text)
            return selftests.read_known(path)

    def test_differences_name_subtests_and_status(self):
        ours = KSFT.replace(b"not ok 2 second", b"ok 2 second") + b"ok 5 new\n"
        self.assertEqual(selftests.differences(row("cow", "glibc", KSFT, 1,
                                                   ours, 0)),
                         ["second case", "new", "exit status"])
        self.assertEqual(selftests.differences(row("cow", "glibc", KSFT, 1,
                                                   b"", None, "hang")),
                         ["crash"])
        built = selftests.judge("cow", "musl", {"error": "e"}, {}, {})
        self.assertEqual(selftests.differences(built), ["build"])

    def test_listed_differences_pass(self):
        ours = KSFT.replace(b"not ok 2 second", b"ok 2 second")
        rows = [row("cow", "glibc", KSFT, 1, ours, 0),
                row("mkdirty", "musl", KSFT, 1, b"", 139)]
        self.assertEqual(selftests.check_known(rows, self.known()), ([], []))

    def test_new_difference_is_unlisted(self):
        ours = KSFT.replace(b"ok 1 first", b"not ok 1 first")
        unlisted, stale = selftests.check_known(
            [row("cow", "musl", KSFT, 1, ours, 1)], self.known())
        self.assertEqual(unlisted, ["cow (musl): first case "
                                    "[first case: pass in Linux, fail here]"])
        # cow's lines for musl: exit status matched nothing
        self.assertEqual([e["subtest"] for e in stale], ["exit status"])

    def test_disappeared_difference_is_stale(self):
        rows = [row("cow", "glibc", KSFT, 1, KSFT, 1),
                row("mkdirty", "musl", KSFT, 1, KSFT, 1)]
        unlisted, stale = selftests.check_known(rows, self.known())
        self.assertEqual(unlisted, [])
        self.assertEqual([e["line"] for e in stale],
                         ["known.txt:2", "known.txt:3", "known.txt:4"])

    def test_tests_not_run_are_not_stale(self):
        rows = [row("mkdirty", "musl", KSFT, 1, b"", 1)]
        self.assertEqual(selftests.check_known(rows, self.known()), ([], []))

    def test_malformed_lines_are_refused(self):
        for bad in ("cow | glibc | x\n", "cow | glibc | x | \n",
                    "nosuch | glibc | x | y\n", "cow | gcc | x | y\n"):
            with self.assertRaises(selftests.KnownError):
                self.known(bad)


class JunitTest(unittest.TestCase):
    def test_crash_and_timeout_lines(self):
        self.assertEqual(
            selftests.crash_line("CRASH", "x\nbootmm: FAIL: hang during y"),
            "bootmm crashed: hang during y")
        self.assertEqual(
            selftests.crash_line("CRASH", "a\nbootmm: panic: overlap at 0x0\n"
                                 "bootmm: FAIL: truncated plan"),
            "bootmm panic: overlap at 0x0")
        self.assertEqual(selftests.crash_line("# TIMEOUT after 120 s", ""),
                         "bootmm: # TIMEOUT after 120 s")
        self.assertIsNone(selftests.crash_line("not ok", "status 1"))


if __name__ == "__main__":
    unittest.main()
