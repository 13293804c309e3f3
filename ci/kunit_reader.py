"""A small KTAP reader that follows the rules of Linux's own reader,
tools/testing/kunit/kunit_parser.py (reimplemented here, not copied), so
that the runner's tests can check what that tool makes of our logs.

The rules that matter:
- Reading starts at the first line that ends in "KTAP version N" or
  "TAP version N" (anywhere in the line: what comes before it is a prefix cut
  from every later line) and stops at a line containing "List of all
  partitions:", "Kernel panic - not syncing: VFS:" or "reboot: System
  halted". Leading blanks are stripped from every line.
- The top-level plan counts only when it is the line right after the
  version line; without it the reader takes every later result-looking line
  ("ok N name", "not ok N name") until the end of the text as a test.
- A subtest starts with "KTAP version N" and/or "# Subtest: name", then a
  plan; it ends with the result line carrying its name. Missing expected
  subtests count as crashed.
- Counts are over leaf tests; the status is CRASHED if any crashed, else
  FAILURE if any failed, else SUCCESS if any passed, else SKIPPED; no tests
  at all is NO_TESTS, no KTAP at all FAILURE_TO_PARSE_TESTS.
"""

import re

KTAP_START = re.compile(r"KTAP version ([0-9]+)$")
TAP_START = re.compile(r"TAP version ([0-9]+)$")
KTAP_END = re.compile(r"(List of all partitions:|Kernel panic - not syncing: VFS:"
                      r"|reboot: System halted)")
TEST_HEADER = re.compile(r"^# Subtest: (.*)$")
TEST_PLAN = re.compile(r"1\.\.([0-9]+)")
TEST_RESULT = re.compile(r"^(ok|not ok) ([0-9]+) (- )?([^#]*)( # .*)?$")
TEST_RESULT_SKIP = re.compile(r"^(ok|not ok) ([0-9]+) (- )?(.*) # SKIP(.*)$")

SUCCESS, FAILURE, SKIPPED = "SUCCESS", "FAILURE", "SKIPPED"
CRASHED, NO_TESTS, FAILURE_TO_PARSE = "TEST_CRASHED", "NO_TESTS", "FAILURE_TO_PARSE_TESTS"


class Counts:
    def __init__(self):
        self.passed = self.failed = self.crashed = self.skipped = self.errors = 0

    def total(self):
        return self.passed + self.failed + self.crashed + self.skipped

    def add(self, other):
        for k in ("passed", "failed", "crashed", "skipped", "errors"):
            setattr(self, k, getattr(self, k) + getattr(other, k))

    def add_status(self, status):
        if status == SUCCESS:
            self.passed += 1
        elif status == FAILURE:
            self.failed += 1
        elif status == SKIPPED:
            self.skipped += 1
        elif status != NO_TESTS:
            self.crashed += 1

    def status(self):
        if self.total() == 0:
            return NO_TESTS
        if self.crashed:
            return CRASHED
        if self.failed:
            return FAILURE
        return SUCCESS if self.passed else SKIPPED


class Test:
    def __init__(self):
        self.status = CRASHED
        self.name = ""
        self.expected_count = 0
        self.subtests = []
        self.counts = Counts()
        self.errors = []

    def error(self, msg):
        self.counts.errors += 1
        self.errors.append("%s: %s" % (self.name, msg))


class Lines:
    """The KTAP lines of a log, with peek/pop."""

    def __init__(self, text):
        self.lines = list(extract(text.splitlines()))
        self.i = 0

    def __bool__(self):
        return self.i < len(self.lines)

    def peek(self):
        return self.lines[self.i] if self else ""

    def pop(self):
        line = self.peek()
        self.i += 1
        return line


def extract(raw_lines):
    """The lines from the version line on, prefix cut, blanks stripped."""
    started, prefix = False, 0
    for line in raw_lines:
        line = line.rstrip()
        if not started:
            m = KTAP_START.search(line) or TAP_START.search(line)
            if m:
                started = True
                prefix = line.index(m.group(0))
                yield line[prefix:]
        elif KTAP_END.search(line):
            return
        else:
            yield line[prefix:].lstrip()


def diagnostics(lines):
    log = []
    while lines and not (TEST_RESULT.match(lines.peek()) or
                         TEST_HEADER.match(lines.peek()) or
                         KTAP_START.match(lines.peek())):
        log.append(lines.pop())
    return log


def name_matches(lines, test):
    m = TEST_RESULT.match(lines.peek())
    return bool(m) and m.group(4) == test.name


def parse_result(lines, test, expected_num):
    line = lines.peek()
    m, skip = TEST_RESULT.match(line), TEST_RESULT_SKIP.match(line)
    if not m:
        return False
    lines.pop()
    test.name = skip.group(4) if skip else m.group(4)
    if int(m.group(2)) != expected_num:
        test.error("expected test number %d but found %s" % (expected_num, m.group(2)))
    test.status = SKIPPED if skip else SUCCESS if m.group(1) == "ok" else FAILURE
    return True


def parse_header(lines, test):
    if KTAP_START.match(lines.peek()) or TAP_START.match(lines.peek()):
        lines.pop()
        return True
    return False


def parse_plan(lines, test):
    m = TEST_PLAN.match(lines.peek())
    if not m:
        test.expected_count = None
        return
    lines.pop()
    test.expected_count = int(m.group(1))


def parse_test(lines, expected_num, is_subtest):
    """One test and its subtests (the main test when not is_subtest)."""
    test = Test()
    if not is_subtest:
        test.name = "main"
        parse_header(lines, test)
        parse_plan(lines, test)
        parent = True
    else:
        parent = parse_header(lines, test)
        m = TEST_HEADER.match(lines.peek())
        if m:
            lines.pop()
            test.name = m.group(1)
            parent = True
        if parent:
            parse_plan(lines, test)
    num = 1
    while parent and (test.expected_count is None or num <= test.expected_count):
        diagnostics(lines)
        if not lines or (is_subtest and name_matches(lines, test)):
            if test.expected_count and num <= test.expected_count:
                test.error("missing expected subtest!")
                test.counts.add_status(CRASHED)
                test.subtests.append(Test())
                num += 1
                continue
            break
        test.subtests.append(parse_test(lines, num, True))
        num += 1
    if is_subtest:
        diagnostics(lines)
        if test.name and not name_matches(lines, test):
            test.error("missing subtest result line!")
        else:
            parse_result(lines, test, expected_num)
    if parent and not test.subtests and test.status in (CRASHED, SUCCESS):
        test.status = NO_TESTS
        test.error("0 tests run!")
    for t in test.subtests:
        test.counts.add(t.counts)
    if test.counts.total() == 0:
        test.counts.add_status(test.status)
    elif test.counts.status() == CRASHED:
        test.status = CRASHED
    return test


def read(text):
    """Parse a whole log: the main Test, its .status and .counts set as
    kunit_parser.parse_run_tests sets them."""
    lines = Lines(text)
    if not lines:
        test = Test()
        test.name = "<missing>"
        test.error("could not find any KTAP output!")
        test.status = FAILURE_TO_PARSE
        return test
    test = parse_test(lines, 0, False)
    if test.status != NO_TESTS:
        test.status = test.counts.status()
    return test
