#!/usr/bin/env python3
"""The bootmm-vs-Linux group of make bench (issue 15).

One static musl program of our own (bench/vs_linux.c) runs under bootmm
(ci/runner.py, the ISO in QEMU TCG) and under the pinned Linux 6.12
(ci/oracle.py, never from its cache), the same QEMU shape (`-cpu
max,la57=off`, TCG) and the same guest memory, alternating, BENCH_VS_RUNS
runs each (3). Each run prints, per row, the median, min and max ns per
operation of its in-guest repetitions (CLOCK_MONOTONIC in the guest); a
row's figure is the median of the runs' medians with the min of their
mins and the max of their maxes. The program checks its own work and
prints FAIL on a wrong answer: that fails the group (a figure never does).

    vs_linux.py KERNEL PROGRAM     run the group, print the table, write
                                   $BENCH_OUT/vs-linux.json
"""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "ci"))
import oracle  # noqa: E402

MEM = "2G"
NAME = "vs_linux"
# Row key (as the program prints it) and what one operation is.
ROWS = [
    ("mmap_munmap_4k", "mmap+munmap 4 KiB, untouched"),
    ("page_fault1_128m", "write fault per page, 128 MiB (page_fault1: mmap, write, munmap)"),
    ("page_fault1_128m_nohugepage", "the same after MADV_NOHUGEPAGE"),
    ("mmap1_128m_untouched", "mmap+munmap 128 MiB untouched (mmap1)"),
    ("mprotect_split_10k_vmas", "mprotect split of one page, 10,000 VMAs"),
    ("mprotect_merge_10k_vmas", "mprotect merge back, 10,000 VMAs"),
    ("mmap_munmap_4k_10k_vmas", "mmap+munmap 4 KiB, 10,000 VMAs"),
    ("brk_64k", "brk +64 KiB / -64 KiB"),
    ("malloc_free_churn", "malloc/free churn (musl, 16 B..256 KiB)"),
    ("page_fault2_private_file_write",
     "write fault per page, private tmpfs file mapping, 32 MiB (page_fault2)"),
    ("page_fault3_shared_file_write",
     "write fault per page, shared tmpfs file mapping, 32 MiB (page_fault3)"),
    ("read_fault_tmpfs_file", "read fault per page, tmpfs file, 32 MiB"),
    ("munmap_1g_populated", "munmap of 1 GiB populated"),
    ("fork_exit_wait", "fork + _exit + waitpid"),
    ("fork_64m_child_writes_all", "fork with 64 MiB touched, the child writes all of it, wait"),
    ("mremap_move_1g_populated", "mremap move of 1 GiB populated"),
    ("mlock_64m", "mlock of 64 MiB untouched (populates)"),
    ("proc_self_maps_1000_vmas", "read /proc/self/maps with 1,000 VMAs"),
]
LINE = re.compile(r"^(\w+) (\d+) (\d+) (\d+)$")


class BenchFail(Exception):
    """The program did not finish or gave a wrong answer; one line."""


def parse(side, out, status):
    """row -> [median, min, max] and the "# key value" notes from one run's
    stdout; raises BenchFail on FAIL, a bad status or a missing row."""
    text = out.decode("utf-8", "replace")
    fail = [x for x in text.splitlines() if x.startswith("FAIL")]
    if fail or status != 0 or "\ndone" not in "\n" + text:
        raise BenchFail("%s: %s (status %s)" % (side, (fail or ["no 'done' line"])[0], status))
    rows, notes = {}, {}
    for line in text.splitlines():
        m = LINE.match(line)
        if m:
            rows[m.group(1)] = [int(m.group(i)) for i in (2, 3, 4)]
        elif line.startswith("# "):
            key, _, val = line[2:].partition(" ")
            notes[key] = val
    missing = [k for k, _ in ROWS if k not in rows]
    if missing:
        raise BenchFail("%s: rows missing: %s" % (side, " ".join(missing)))
    return rows, notes


def run_bootmm(kernel, program):
    """One run under bootmm: (rows, notes)."""
    with tempfile.TemporaryDirectory(prefix="bootmm-vs-") as tmp:
        p = subprocess.run([sys.executable, "ci/runner.py", "run", "--kernel", kernel,
                            "--program", program, "--filter", "programs." + NAME,
                            "--mem", MEM, "--timeout", "300", "--out", tmp, "-q"],
                           cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            with open(os.path.join(tmp, NAME + ".out"), "rb") as f:
                out = f.read()
            with open(os.path.join(tmp, NAME + ".status")) as f:
                status = int(f.read())
        except (OSError, ValueError):
            tail = p.stdout.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise BenchFail("bootmm: no result (runner exit %d: %s)"
                            % (p.returncode, " / ".join(tail)))
    return parse("bootmm", out, status)


def run_linux(program):
    """One run under the pinned Linux, booted for it (never the cache)."""
    try:
        res = oracle.results([(NAME, program)], mem=MEM, timeout=300, use_cache=False)
    except oracle.OracleError as e:
        raise BenchFail("Linux: %s" % e)
    return parse("Linux", res[NAME]["out"], res[NAME]["status"])


def combine(runs):
    """[median of the medians, min of the mins, max of the maxes]."""
    return [int(statistics.median(r[0] for r in runs)),
            min(r[1] for r in runs), max(r[2] for r in runs)]


def group(kernel, program, nruns, log=print):
    """Run the group: {"runs", "mem", "kernel", "notes", "rows": {row:
    {"bootmm": [med, min, max], "linux": [...], "bootmm_runs": [...],
    "linux_runs": [...]}}}. Raises BenchFail."""
    raw = {"bootmm": [], "linux": []}
    notes = {}
    for i in range(nruns):
        for side, fn in (("bootmm", lambda: run_bootmm(kernel, program)),
                         ("linux", lambda: run_linux(program))):
            rows, n = fn()
            raw[side].append(rows)
            notes.setdefault(side, n)
            log("bench: vs Linux, run %d of %d under %s done" % (i + 1, nruns, side))
    res = {"runs": nruns, "mem": MEM, "cpu": oracle.CPU, "rows": {},
           "kernel": oracle.kernel_info()[1], "notes": notes}
    for key, _ in ROWS:
        row = {}
        for side in ("bootmm", "linux"):
            row[side + "_runs"] = [r[key] for r in raw[side]]
            row[side] = combine(row[side + "_runs"])
        res["rows"][key] = row
    return res


def ratio(row):
    return row["bootmm"][0] / max(row["linux"][0], 1)


def fmt(v):
    return "%d (%d..%d)" % tuple(v)


def md(res):
    """The markdown table (and its notes) of a group's result."""
    lines = ["| operation | bootmm ns/op (min..max) | Linux ns/op (min..max) | bootmm/Linux |",
             "| --- | ---: | ---: | ---: |"]
    for key, text in ROWS:
        row = res["rows"][key]
        mark = " **>0.5**" if ratio(row) > 0.5 else ""
        lines.append("| %s | %s | %s | %.2f%s |" % (text, fmt(row["bootmm"]), fmt(row["linux"]),
                                                   ratio(row), mark))
    above = [key for key, _ in ROWS if ratio(res["rows"][key]) > 0.5]
    lines += ["", "%d of %d rows above 0.5 of Linux's time (the goal of issue 15): %s."
              % (len(above), len(ROWS), ", ".join("`%s`" % k for k in above) or "none")]
    thp = res.get("notes", {}).get("linux", {}).get("thp")
    if thp:
        lines.append("Linux's transparent huge pages: `%s`." % thp)
    return lines


def plot(res, svg, out_dir):
    """An SVG bar chart of bootmm/Linux per row (gnuplot), lines at 0.5 and 1.
    Returns False when gnuplot is missing."""
    if not shutil.which("gnuplot"):
        return False
    data = os.path.join(out_dir, "vs-linux.dat")
    with open(data, "w") as f:
        f.write("# row ratio\n")
        for i, (key, _) in enumerate(ROWS):
            f.write("%d %s %.4f\n" % (i, key, ratio(res["rows"][key])))
    cmds = ["set terminal svg size 960,600 dynamic noenhanced background rgb 'white'",
            "set output '%s'" % svg, "set style fill solid 0.6 border -1",
            "set logscale x 2", "set xrange [0.03:*]", "set yrange [%d:-1]" % len(ROWS),
            "set xtics (0.0625, 0.125, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512)",
            "set ytics font ',9' nomirror", "set lmargin 34",
            "set xlabel 'bootmm / Linux, ns per operation (median; below 1: bootmm faster)'",
            "set title 'bootmm vs Linux 6.12, same static binary, QEMU TCG, %s guest "
            "(dashed: the 0.5 goal)'" % res["mem"], "set grid xtics", "unset key",
            "set arrow from 0.5, graph 0 to 0.5, graph 1 nohead front lw 2 dt 2 lc rgb '#228833'",
            "set arrow from 1, graph 0 to 1, graph 1 nohead front lw 1 lc rgb '#cc3311'",
            "plot '%s' using 3:1:(0.03):3:($1-0.35):($1+0.35):ytic(2) with boxxyerror "
            "lc rgb '#4477aa'" % data, ""]
    subprocess.run(["gnuplot"], input="\n".join(cmds), text=True, check=True)
    return True


def main():
    kernel, program = sys.argv[1], sys.argv[2]
    out_dir = os.path.abspath(os.environ.get("BENCH_OUT") or os.path.join(ROOT, "build", "bench"))
    os.makedirs(out_dir, exist_ok=True)
    try:
        res = group(kernel, program, int(os.environ.get("BENCH_VS_RUNS", "3")))
    except BenchFail as e:
        sys.exit("bench: vs Linux: FAIL: %s" % e)
    with open(os.path.join(out_dir, "vs-linux.json"), "w") as f:
        json.dump(res, f, indent=1)
    plot(res, os.path.join(out_dir, "vs-linux.svg"), out_dir)
    print("\n".join(md(res)))


if __name__ == "__main__":
    main()
