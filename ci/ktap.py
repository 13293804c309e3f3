"""Incremental parsers for what a bootmm kernel sends to the host.

KtapParser reads COM1 (KTAP version 1 with bootmm's "# start" and done
lines) a chunk at a time; FrameParser reads COM2 (program output framed as
`@@BOOTMM <stream> <len> <name>\\n` + <len> raw bytes). Neither needs the
whole transcript at once, so the runner can feed them while the emulator is
still running.
"""

import os
import re

RESULT_RE = re.compile(r"^(not ok|ok)\s+(\d+)\s*(.*)$")
PLAN_RE = re.compile(r"^1\.\.(\d+)$")
DONE_RE = re.compile(r"bootmm: done (\S+) pass=(\d+) fail=(\d+) skip=(\d+)\s*$")
DURATION_RE = re.compile(r"^# (\S+): duration (\d+) ms$")
START_RE = re.compile(r"^# start (\S+)$")
SUBTEST_RE = re.compile(r"^# Subtest: (\S+)$")
BUILD_RE = re.compile(r"^# bootmm build (\S+)$")


class TestResult:
    """One test line: status is "pass", "fail" or "skip"."""

    def __init__(self, suite, name, number, status, directive="", reason=""):
        self.suite = suite
        self.name = name
        self.number = number
        self.status = status
        self.directive = directive  # "SKIP", "TIMEOUT", "" ...
        self.reason = reason
        self.diagnostics = []
        self.duration_ms = None

    @property
    def full_name(self):
        return "%s.%s" % (self.suite, self.name)

    def __repr__(self):
        return "<%s %s>" % (self.full_name, self.status)


class Suite:
    """One nested KTAP subtest: its plan, its tests and its own result."""

    def __init__(self, name):
        self.name = name
        self.plan = None
        self.tests = []
        self.result = None  # "pass" / "fail" / "skip" from the top-level line


def split_directive(rest):
    """Split "name # DIRECTIVE reason" into (name, directive, reason)."""
    if " # " in rest or rest.startswith("# "):
        name, _, directive = rest.partition("# ")
        words = directive.strip().split(None, 1)
        kind = words[0].upper() if words else ""
        return name.strip(), kind, words[1] if len(words) > 1 else ""
    return rest.strip(), "", ""


class KtapParser:
    """Feed COM1 text with feed(); read the state at any time.

    Attributes: build_id (from "# bootmm build"), plan (number of suites),
    suites (list of Suite), last_started ("suite.name" of the latest
    "# start" line), done (dict with build_id/pass/fail/skip or None),
    noise (lines that fit nowhere, outside any test).
    """

    def __init__(self):
        self.buf = ""
        self.build_id = None
        self.plan = None
        self.suites = []
        self.suite_results = 0
        self.last_started = None
        self.done = None
        self.noise = []
        self._current = None      # Suite being read
        self._diag = []           # diagnostics of the test in progress
        self._durations = {}

    def feed(self, text):
        """Parse every complete line in text (str or bytes); keep the rest."""
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        self.buf += text.replace("\r", "")
        while "\n" in self.buf:
            line, self.buf = self.buf.split("\n", 1)
            self._line(line)

    def finish(self):
        """Parse a trailing line that has no newline (end of transcript)."""
        if self.buf:
            line, self.buf = self.buf, ""
            self._line(line)

    def _line(self, raw):
        indented = raw[:1] in (" ", "\t")
        line = raw.strip()
        if not line:
            return
        m = DONE_RE.search(line)
        if m:
            self.done = {"build_id": m.group(1), "pass": int(m.group(2)),
                         "fail": int(m.group(3)), "skip": int(m.group(4))}
            return
        if indented:
            self._suite_line(line)
        else:
            self._top_line(line)

    def _top_line(self, line):
        m = PLAN_RE.match(line)
        if m and self.plan is None:
            self.plan = int(m.group(1))
            return
        m = BUILD_RE.match(line)
        if m:
            self.build_id = m.group(1)
            return
        m = RESULT_RE.match(line)
        if m and self._current is not None:
            name, kind, _ = split_directive(m.group(3))
            if m.group(1) == "not ok":
                self._current.result = "fail"
            else:
                self._current.result = "skip" if kind == "SKIP" else "pass"
            self.suite_results += 1
            self._current = None
            return
        if line.startswith("KTAP version") or line.startswith("#"):
            return
        self._other(line)

    def _suite_line(self, line):
        if line.startswith("KTAP version"):
            self._current = Suite("?")
            self.suites.append(self._current)
            return
        if self._current is None:
            self._other(line)
            return
        m = SUBTEST_RE.match(line)
        if m:
            self._current.name = m.group(1)
            return
        m = PLAN_RE.match(line)
        if m and self._current.plan is None:
            self._current.plan = int(m.group(1))
            return
        m = START_RE.match(line)
        if m:
            self.last_started = m.group(1)
            self._diag = []
            return
        m = DURATION_RE.match(line)
        if m:
            self._durations[m.group(1)] = int(m.group(2))
            return
        m = RESULT_RE.match(line)
        if m:
            self._result(m)
            return
        self._other(line)

    def _result(self, m):
        name, kind, reason = split_directive(m.group(3))
        if m.group(1) == "not ok":
            status = "fail"
        else:
            status = "skip" if kind == "SKIP" else "pass"
        t = TestResult(self._current.name, name, int(m.group(2)), status,
                       kind, reason)
        t.diagnostics = self._diag
        t.duration_ms = self._durations.pop(name, None)
        self._diag = []
        self._current.tests.append(t)

    def _other(self, line):
        """A diagnostic or console line: it belongs to the running test."""
        if self.last_started is not None and self._current is not None:
            self._diag.append(line[2:] if line.startswith("# ") else line)
        else:
            self.noise.append(line)

    # ------------------------------------------------------------ queries
    def results(self):
        """Every test result, in order."""
        return [t for s in self.suites for t in s.tests]

    def counts(self):
        """(pass, fail, skip) over the parsed results."""
        r = self.results()
        return tuple(sum(1 for t in r if t.status == k)
                     for k in ("pass", "fail", "skip"))

    def pending_diagnostics(self):
        """Diagnostics of a test that started but has no result line."""
        return list(self._diag)

    def missing_results(self):
        """How many announced suites/tests have no result line.

        Counts missing test lines in each announced suite, suites announced
        by the top plan that never appeared, and suites whose own result
        line is missing; None if no top plan was seen at all.
        """
        if self.plan is None:
            return None
        missing = 0
        for s in self.suites:
            if s.plan is None:
                missing += 1
            else:
                missing += max(0, s.plan - len(s.tests))
            if s.result is None:
                missing += 1
        missing += max(0, self.plan - len(self.suites))
        return missing

    def plan_errors(self):
        """Plan counts that do not match (more results than announced)."""
        errs = []
        if self.plan is not None and len(self.suites) > self.plan:
            errs.append("%d suites reported, plan says %d"
                        % (len(self.suites), self.plan))
        for s in self.suites:
            if s.plan is not None and len(s.tests) > s.plan:
                errs.append("suite %s: %d results, plan says %d"
                            % (s.name, len(s.tests), s.plan))
        return errs


class FrameParser:
    """Feed COM2 bytes with feed(); programs maps name -> dict of
    "out"/"err" (bytes) and "status" (int). errors lists bad headers."""

    HEADER = b"@@BOOTMM "

    def __init__(self):
        self.buf = b""
        self.programs = {}
        self.errors = []
        self._frame = None   # (stream, remaining, name) while reading a body

    def feed(self, data):
        """Consume data; frames may be split anywhere across calls."""
        self.buf += data
        while self._step():
            pass

    def _step(self):
        if self._frame is not None:
            return self._body()
        nl = self.buf.find(b"\n")
        if nl < 0:
            return False
        line, self.buf = self.buf[:nl], self.buf[nl + 1:]
        self._header(line)
        return True

    def _header(self, line):
        parts = line.split(b" ", 3)
        if (not line.startswith(self.HEADER) or len(parts) != 4
                or parts[1] not in (b"out", b"err", b"status")
                or not parts[2].isdigit()):
            self.errors.append("bad COM2 header %r" % line[:80])
            return
        name = parts[3].decode("utf-8", "replace")
        self._frame = [parts[1].decode(), int(parts[2]), name, b""]

    def _body(self):
        stream, remaining, name, got = self._frame
        if not self.buf:
            return False
        take = self.buf[:remaining]
        self.buf = self.buf[remaining:]
        got += take
        remaining -= len(take)
        if remaining:
            self._frame = [stream, remaining, name, got]
            return False
        self._frame = None
        self._store(stream, name, got)
        return True

    def _store(self, stream, name, payload):
        prog = self.programs.setdefault(name, {"out": b"", "err": b"",
                                               "status": None})
        if stream == "status":
            text = payload.decode("ascii", "replace").strip()
            try:
                prog["status"] = int(text)
            except ValueError:
                self.errors.append("bad status %r for %s" % (text, name))
        else:
            prog[stream] += payload

    def incomplete(self):
        """True if the stream ended inside a frame."""
        return self._frame is not None


def write_outputs(outdir, programs):
    """DIR/<name>.out, .err, .status for each program of a run (the image's
    or the oracle's): the bytes of fd 1 and fd 2 and the exit status
    (128 + the signal for a killed program; no file when there is none)."""
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
