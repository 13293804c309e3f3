#!/usr/bin/env python3
"""make bench: run the four benchmark groups and write build/bench/.

1. host: build/bench/host_bench (our aspace on the host vs this Linux host's
   syscalls, same pattern, same run) -> ns per operation.
2. image: the `bench` suite in QEMU TCG with bootmm.bench -> rdtsc cycles.
3. vs Linux: one static program (bench/vs_linux.c) under bootmm and under
   the pinned Linux oracle, same QEMU TCG shape and memory, alternating
   (bench/vs_linux.py) -> ns per operation and the ratio.
4. harness: wall time of `make run` on the built tree and of a bare GRUB boot
   of an empty multiboot2 kernel (the floor), in QEMU and in Bochs.

Writes results.json (raw), results.md (tables), vma-scaling.svg and
vs-linux.svg (gnuplot), and BENCHMARKS.md at the top level (with a copy of
the plots in bench/).
Figures are medians of repeated runs with their min..max spread; every
ratio compares numbers measured in this same run.
"""
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

import vs_linux

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.abspath(os.environ.get("BENCH_OUT") or os.path.join(ROOT, "build", "bench"))
COUNTS = ["100", "1000", "10000", "65000"]
OPS = ["map_unmap", "split", "merge", "munmap_mid", "place"]
OP_TEXT = {
    "map_unmap": "mmap+munmap of one page",
    "split": "mprotect splitting one page out of a mapping",
    "merge": "mprotect merging it back",
    "munmap_mid": "munmap of one page in the middle",
    "place": "placement of a new one-page mapping",
}


# Sub-makes run on their own (the parent's jobserver pipe is not inherited).
MAKE_ENV = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}


def run(cmd, **kw):
    """Run a command in the project root; its stdout, or exit on failure."""
    p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True, env=MAKE_ENV, **kw)
    if p.returncode != 0:
        sys.stderr.write(p.stdout)
        sys.exit("bench: %s failed (exit %d)" % (" ".join(cmd), p.returncode))
    return p.stdout


def host_group(binary):
    return json.loads(run([binary]))


def image_group(kernel):
    out = run([sys.executable, "ci/runner.py", "run", "--kernel", kernel,
               "--filter", "bench.*", "--cmdline", "bootmm.bench",
               "--mem", "2G", "--timeout", "600"])
    image = {}
    for m in re.finditer(r"# bench (\S+) (.+)", out):
        vals = m.group(2).split()
        image[m.group(1)] = [int(v) for v in vals] if vals[0].isdigit() else m.group(2)
    if not image:
        sys.exit("bench: the image printed no figures")
    return image


def timed(cmd, reps):
    """[median, min, max] wall seconds of `reps` runs of cmd, and how many passed.
    A failing run (a broken test) is still timed: the figure is a cost, not a verdict."""
    secs, passed = [], 0
    for _ in range(reps):
        t0 = time.monotonic()
        p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, env=MAKE_ENV)
        secs.append(time.monotonic() - t0)
        if p.returncode == 0:
            passed += 1
        else:
            tail = p.stdout.strip().splitlines()[-2:]
            sys.stderr.write("bench: %s failed (exit %d): %s\n"
                             % (" ".join(cmd), p.returncode, " / ".join(tail)))
    return [statistics.median(secs), min(secs), max(secs)], passed


def floor(emulator, reps):
    out = run([sys.executable, "ci/runner.py", "floor", "--emulator", emulator,
               "--repeat", str(reps)])
    secs = [float(x) for x in re.findall(r"total ([0-9.]+) s", out)]
    return [statistics.median(secs), min(secs), max(secs)]


def harness_group(reps_qemu, reps_bochs):
    res = {}
    for emu, reps in (("qemu", reps_qemu), ("bochs", reps_bochs)):
        run(["make", "-s", "kernel", "programs"])  # build first, time only the run
        secs, passed = timed(["make", "-s", "run", "EMU=" + emu], reps)
        res[emu] = {"make_run": secs, "passed": passed, "reps": reps,
                    "floor": floor(emu, reps)}
    return res


def tool_version(cmd):
    """First line of a tool's version output, or "?"."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=10)
        return (p.stdout.strip().splitlines() or ["?"])[0]
    except (OSError, subprocess.SubprocessError):
        return "?"


def machine():
    """The CPU (/proc/cpuinfo), uname, and the emulator and compiler versions."""
    model, mhz = "unknown CPU", ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and model == "unknown CPU":
                    model = line.split(":", 1)[1].strip()
                elif line.startswith("cpu MHz") and not mhz:
                    mhz = ", %.0f MHz" % float(line.split(":", 1)[1])
    except OSError:
        pass
    u = platform.uname()
    bochs = tool_version(["dpkg-query", "-W", "-f", "${Version}", "bochs"])
    return {"cpu": "%s, %d CPUs%s" % (model, os.cpu_count() or 0, mhz),
            "uname": " ".join([u.system, u.release, u.version, u.machine]),
            "qemu": tool_version(["qemu-system-x86_64", "--version"]),
            "bochs": "Bochs " + bochs, "cc": tool_version(["gcc", "--version"]),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def md_machine(m):
    return ["- CPU: " + m["cpu"], "- uname: `" + m["uname"] + "`",
            "- " + m["qemu"] + "; " + m["bochs"], "- " + m["cc"], "- date: " + m["date"]]


def growth(side, op):
    return side["65000"][op][0] / max(side["100"][op][0], 1)


def md_host(host):
    lines = ["| operation | VMAs | ours ns/op (min..max) | Linux ns/op (min..max) | ours/Linux |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for op in OPS:
        for n in COUNTS:
            o, l = host["ours"][n][op], host["linux"][n][op]
            lines.append("| %s | %s | %d (%d..%d) | %d (%d..%d) | %.2f |"
                         % (OP_TEXT[op], n, o[0], o[1], o[2], l[0], l[1], l[2],
                            o[0] / max(l[0], 1)))
    lines += ["", "| operation | ours 100 -> 65,000 | Linux 100 -> 65,000 |",
              "| --- | ---: | ---: |"]
    for op in OPS:
        lines.append("| %s | x%.2f | x%.2f |" % (OP_TEXT[op], growth(host["ours"], op),
                                                growth(host["linux"], op)))
    return lines


# In-image single figures: key, text, unit, how many 4 KiB pages one op covers.
FIGURES = [
    ("pt.map_gib.4k", "pt_map of 1 GiB, 4 KiB leaves", "cycles", 262144),
    ("pt.map_gib.2m", "pt_map of 1 GiB, 2 MiB leaves", "cycles", 262144),
    ("pt.map_gib.1g", "pt_map of 1 GiB, one 1 GiB leaf", "cycles", 262144),
    ("pt.unmap_gib.4k", "pt_unmap of 1 GiB, 4 KiB leaves", "cycles", 262144),
    ("pt.unmap_gib.2m", "pt_unmap of 1 GiB, 2 MiB leaves", "cycles", 262144),
    ("pt.unmap_gib.1g", "pt_unmap of 1 GiB, one 1 GiB leaf", "cycles", 262144),
    ("pt.gib_tables.4k", "page-table frames per mapped GiB, 4 KiB leaves", "frames", 0),
    ("pt.gib_tables.2m", "page-table frames per mapped GiB, 2 MiB leaves", "frames", 0),
    ("pt.gib_tables.1g", "page-table frames per mapped GiB, 1 GiB leaf", "frames", 0),
    ("pt.split_2m", "pt_protect of one page inside a 2 MiB leaf (split)", "cycles", 0),
    ("pt.fold_2m", "pt_protect of it back (fold into a 2 MiB leaf)", "cycles", 0),
    ("fault.zero_4k", "demand-zero fault, 4 KiB page", "cycles", 1),
    ("fault.zero_2m", "demand-zero fault, 2 MiB leaf", "cycles", 512),
    ("fault.zero_read_4k", "read fault of untouched memory (zero page), 4 KiB", "cycles", 1),
    ("fault.zero_read_2m", "read fault of untouched memory (huge zero page), 2 MiB", "cycles",
     512),
    ("fault.zero_write_after_read_4k", "write fault on the zero page (zeroed frame), 4 KiB",
     "cycles", 1),
    ("fault.cow_4k", "copy-on-write break after as_clone, 4 KiB page", "cycles", 1),
    ("fault.shared_anon_4k", "write fault, MAP_SHARED|MAP_ANONYMOUS, 4 KiB page", "cycles", 1),
    ("fault.file_read_4k", "read fault, shared file mapping, page cached", "cycles", 1),
    ("fault.file_private_write_4k", "write fault, private file mapping (copy)", "cycles", 1),
    ("fault.user_zero_4k", "demand-zero write fault from ring 3, 4 KiB page (trap to return)",
     "cycles", 1),
    ("page.zero_4k", "zeroing one 4 KiB page alone (rep stosq), the same page again", "cycles", 1),
    ("page.zero_4k_fresh", "zeroing a 4 KiB frame just taken, each once (as a fault does)",
     "cycles", 1),
    ("page.zero_2m", "zeroing one 2 MiB block alone (rep stosq)", "cycles", 512),
    ("page.copy_4k", "copying one 4 KiB page alone (rep movsq)", "cycles", 1),
    ("destroy.gib", "as_destroy of a space holding 1 GiB populated", "cycles", 262144),
    ("destroy.gib_frames", "frames that 1 GiB populated took (data + tables)", "frames", 0),
    ("fork.clone_64m_4k", "as_clone of 64 MiB touched, 4 KiB pages", "cycles", 16384),
    ("fork.clone_64m_2m", "as_clone of 64 MiB touched, 2 MiB leaves", "cycles", 16384),
    ("fork.cow_first_write_4k", "first write in the clone, 4 KiB page (copy)", "cycles", 1),
    ("fork.cow_first_write_2m", "first write in the clone, 2 MiB leaf (split, copy 4 KiB)",
     "cycles", 1),
    ("fork.alt_alloc_2m", "copy-2 MiB policy instead: taking a 2 MiB frame", "cycles", 0),
    ("fork.alt_copy_2m", "copy-2 MiB policy instead: copying 2 MiB (rep movsq)", "cycles", 512),
    ("fork.child_destroy_64m_4k", "as_destroy of the clone (exit), 4 KiB pages", "cycles", 16384),
    ("fork.child_destroy_64m_2m", "as_destroy of the clone (exit), 2 MiB leaves", "cycles", 16384),
    ("fork.reuse_write_4k", "parent's write after the clone exited: reuse, 4 KiB page",
     "cycles", 1),
    ("fork.reuse_write_2m", "parent's write after the clone exited: reuse of the 2 MiB leaf",
     "cycles", 512),
    ("procfs.maps_1000", "procfs_maps render of 1,000 VMAs (first read of /proc/self/maps)",
     "cycles", 0),
    ("proc.fork_exit_wait", "fork + exit + wait4 of a small process, in ring 3", "cycles", 0),
    ("proc.fork_exit_wait.64m", "fork + exit + wait4 of a process with 64 MiB touched",
     "cycles", 0),
]


def md_image(image):
    lines = ["| operation | " + " | ".join("%s VMAs" % n for n in COUNTS) + " |",
             "| --- |" + " ---: |" * len(COUNTS)]
    for op in OPS:
        cells = []
        for n in COUNTS:
            v = image.get("as.%s.%s" % (n, op))
            cells.append("%d (%d..%d)" % tuple(v) if v else "-")
        lines.append("| %s | %s |" % (OP_TEXT[op], " | ".join(cells)))
    lines += ["", "| figure | unit | median (min..max) | per 4 KiB page |",
              "| --- | --- | ---: | ---: |"]
    known = set()
    for key, text, unit, pages in FIGURES:
        known.add(key)
        v = image.get(key)
        if v is None or not isinstance(v, list):
            cell, per = (v or "-"), "-"
        else:
            cell = "%d (%d..%d)" % tuple(v) if len(v) == 3 else "%d" % v[0]
            per = "%.1f" % (v[0] / pages) if pages else "-"
        lines.append("| %s | %s | %s | %s |" % (text, unit, cell, per))
    for key in sorted(k for k in image if not k.startswith("as.") and k not in known):
        lines.append("| %s | | %s | - |" % (key, image[key]))
    return lines


def md_harness(h):
    lines = ["| emulator | runs (passed) | `make run` (built tree) s | empty-kernel floor s "
             "| run - floor s | run / floor |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for emu in ("qemu", "bochs"):
        r, f = h[emu]["make_run"], h[emu]["floor"]
        lines.append("| %s | %d (%d) | %.2f (%.2f..%.2f) | %.2f (%.2f..%.2f) | %.2f | x%.1f |"
                     % (emu, h[emu]["reps"], h[emu].get("passed", h[emu]["reps"]),
                        r[0], r[1], r[2], f[0], f[1], f[2],
                        r[0] - f[0], r[0] / max(f[0], 0.001)))
    return lines


def plot(host, svg):
    data = os.path.join(OUT, "vma-scaling.dat")
    with open(data, "w") as f:
        f.write("# vmas " + " ".join("ours_%s linux_%s" % (op, op) for op in OPS) + "\n")
        for n in COUNTS:
            f.write(n + " " + " ".join("%d %d" % (host["ours"][n][op][0], host["linux"][n][op][0])
                                       for op in OPS) + "\n")
    cmds = ["set terminal svg size 960,560 dynamic noenhanced background rgb 'white'",
            "set output '%s'" % svg, "set logscale x", "set logscale y",
            "set xrange [70:90000]", "set xtics (100, 1000, 10000, 65000)",
            "set xlabel 'existing VMAs'", "set ylabel 'ns per operation (median)'",
            "set title 'bootmm aspace (host build, thick, filled points) vs Linux syscalls (thin, open points), same run'",
            "set key outside right", "set grid"]
    series = []
    for i, op in enumerate(OPS):
        series.append("'%s' using 1:%d with linespoints lw 2 pt 7 lc %d title 'ours %s'"
                      % (data, 2 + 2 * i, i + 1, op))
        series.append("'%s' using 1:%d with linespoints lw 1 pt 6 ps 1.2 lc %d title 'Linux %s'"
                      % (data, 3 + 2 * i, i + 1, op))
    cmds.append("plot " + ", ".join(series))
    subprocess.run(["gnuplot"], input="\n".join(cmds), text=True, check=True)


def headline(res):
    """The three figures that matter most, computed from this run."""
    host, image, h = res["host"], res["image"], res["harness"]
    worst = max(OPS, key=lambda op: host["ours"]["65000"][op][0] /
                max(host["linux"]["65000"][op][0], 1))
    w_o, w_l = host["ours"]["65000"][worst][0], host["linux"]["65000"][worst][0]
    lines = ["1. **Host, 65,000 VMAs**: our slowest operation relative to Linux is %s "
             "at %d ns vs %d ns (ours/Linux %.2f); ours grows x%.2f from 100 to "
             "65,000 VMAs where Linux grows x%.2f." % (OP_TEXT[worst], w_o, w_l, w_o / max(w_l, 1),
                                                     growth(host["ours"], worst),
                                                     growth(host["linux"], worst))]
    m4, m2 = image.get("pt.map_gib.4k"), image.get("pt.map_gib.2m")
    t4, t2 = image.get("pt.gib_tables.4k"), image.get("pt.gib_tables.2m")
    if isinstance(m4, list) and isinstance(m2, list) and t4 and t2:
        lines.append("2. **Leaf size, in the image**: mapping 1 GiB with 4 KiB leaves costs "
                     "%d cycles and %d table frames; with 2 MiB leaves %d cycles and %d "
                     "frames (x%.0f faster, x%.0f fewer tables)."
                     % (m4[0], t4[0], m2[0], t2[0], m4[0] / max(m2[0], 1), t4[0] / max(t2[0], 1)))
    vs = res.get("vs_linux")
    if vs:
        rows = vs["rows"]
        worst = max(rows, key=lambda k: vs_linux.ratio(rows[k]))
        within = sum(1 for k in rows if vs_linux.ratio(rows[k]) <= 0.5)
        lines.append("%d. **bootmm vs Linux 6.12, same binary, QEMU TCG**: %d of %d rows take at "
                     "most half of Linux's time; the worst is `%s` at %.2f of Linux's."
                     % (len(lines) + 1, within, len(rows), worst, vs_linux.ratio(rows[worst])))
    q, b = h["qemu"], h["bochs"]
    lines.append("%d. **Harness**: `make run` of the built tree takes %.2f s in QEMU over a "
                 "%.2f s empty-kernel floor (x%.1f), and %.2f s in Bochs over %.2f s."
                 % (len(lines) + 1, q["make_run"][0], q["floor"][0],
                    q["make_run"][0] / max(q["floor"][0], 0.001),
                    b["make_run"][0], b["floor"][0]))
    failed = ["%s %d of %d" % (e, h[e]["reps"] - h[e]["passed"], h[e]["reps"])
              for e in ("qemu", "bochs") if h[e].get("passed", h[e]["reps"]) < h[e]["reps"]]
    if failed:
        lines[-1] += " (runs that failed a test, timed all the same: %s)" % ", ".join(failed)
    return lines


METHOD = [
    "- Host group: `build/bench/host_bench` links src/mm and src/lib (host "
    "build, -O2, no sanitizers, debug checks on as in the kernel: KASSERTs, heap poisoning) with the host arena; the Linux side "
    "is the same process's real mmap/munmap/mprotect. Both run bench/bench_as.h: "
    "the given number of one-page VMAs (alternate pages read-only so they cannot "
    "merge) plus a 16 MiB read-write mapping; each operation is timed one by one "
    "(CLOCK_MONOTONIC), %d per batch, %d batches, the median batch with its min..max. "
    "Pages are never touched, so both sides measure VMA and page-table bookkeeping. "
    "Linux's figures include the syscall entry and exit and real TLB flushes; the "
    "host build only counts its TLB operations (the image group performs them).",
    "- Image group: the `bench` suite (tests/kernel/bench_mm.c), booted by "
    "`ci/runner.py run --filter 'bench.*' --cmdline bootmm.bench --mem 2G` in QEMU "
    "TCG; rdtsc ticks of the emulated CPU (not host cycles). The aspace operations "
    "run with the space's root loaded; pt figures use a scratch root.",
    "- vs-Linux group: bench/vs_linux.c, one static musl binary (`make bench-vs-linux` runs "
    "this group alone), run %d times under bootmm (`ci/runner.py run --program ... --mem %s`) "
    "and %d times under the pinned Linux (%s, `ci/oracle.py`, never from its cache), "
    "alternating, both `qemu-system-x86_64 -accel tcg -cpu %s -m %s`. Inside a run each row "
    "repeats its batch (3 times; the 1 GiB rows once) timed with CLOCK_MONOTONIC in the "
    "guest; the figure is the median of the runs' medians with the min of their mins and the "
    "max of their maxes. Page-fault rows are per 4 KiB page and include the mmap and munmap "
    "(will-it-scale's page_fault1/2/3); the file is a 32 MiB file in /dev/shm (tmpfs on both "
    "kernels). The program checks its own work outside the timed part (every page it wrote "
    "reads back, file contents after private and shared writes, exit statuses, VMA counts in "
    "/proc/self/maps) and prints FAIL on a wrong answer, which fails `make bench`. Under "
    "TCG a store to a frame that still holds translated code (GRUB's, at the top of "
    "memory) takes QEMU's self-modifying-code path: a kernel stack in such a frame once made "
    "every bootmm row of this group ~20x slower (perf on QEMU: page_collection_lock; "
    "`-trace memory_notdirty_write_access` named the stack), hence zeroed kernel stacks.",
    "- Harness group: wall seconds of `make run` (every test and program) against "
    "`ci/runner.py floor` (ISO and boot of an empty multiboot2 kernel), same run.",
]


NOTES = os.path.join(ROOT, "bench", "notes.md")


def notes():
    """The hand-written reading of the figures (bench/notes.md, dated by its
    author) as a section, or nothing when there is no such file."""
    if not os.path.exists(NOTES):
        return []
    with open(NOTES) as f:
        text = f.read().strip()
    return ["", "## Notes on these figures (by hand, bench/notes.md)", "", text] if text else []


def render(res):
    """Write results.md, BENCHMARKS.md and the plot from the results."""
    svg = os.path.join(OUT, "vma-scaling.svg")
    plot(res["host"], svg)
    shutil.copy(svg, os.path.join(ROOT, "bench", "vma-scaling.svg"))
    method = [METHOD[0] % (res["host"].get("ops_per_batch", 0),
                           res["host"].get("batches", 0))] + METHOD[1:]
    vs = res.get("vs_linux")
    if vs:
        vs_svg = os.path.join(OUT, "vs-linux.svg")
        if vs_linux.plot(vs, vs_svg, OUT):
            shutil.copy(vs_svg, os.path.join(ROOT, "bench", "vs-linux.svg"))
        method[2] = method[2] % (vs["runs"], vs["mem"], vs["runs"], vs["kernel"], vs["cpu"],
                                 vs["mem"])
    else:
        del method[2]
    body = ["Command: `%s` (%.0f s)." % (res["command"], res.get("seconds", 0)), "",
            "Machine:", ""] + md_machine(res["machine"]) + [
            "", "## The headline numbers", ""] + headline(res) + [
            "", "## Host build vs Linux (ns per operation)", ""] + md_host(res["host"]) + [
            "", "## In the image, QEMU TCG (rdtsc cycles)", ""] + md_image(res["image"]) + [
            ] + ([
            "", "## bootmm vs Linux, the same static binary (QEMU TCG, ns per operation)", ""]
                 + vs_linux.md(vs) + ["", "![bootmm/Linux per row](bench/vs-linux.svg)"]
                 if vs else []) + [
            ] + notes() + [
            "", "## The harness (wall seconds)", ""] + md_harness(res["harness"]) + [
            "", "## How", ""] + method
    with open(os.path.join(OUT, "results.md"), "w") as f:
        f.write("# bootmm benchmark results\n\n" + "\n".join(body) + "\n")
    with open(os.path.join(ROOT, "BENCHMARKS.md"), "w") as f:
        f.write("# Benchmarks\n\nThe latest `make bench` (raw numbers in "
                "`build/bench/results.json`, tables in `build/bench/results.md`). "
                "Every figure is the median of repeated runs with the min..max spread; "
                "ratios compare numbers from the same run.\n\n"
                + "\n".join(body)
                + "\n\n## VMA scaling (host build vs Linux)\n\n"
                "![ns per operation against existing VMAs](bench/vma-scaling.svg)\n")
    return body


def main():
    """report.py HOST_BENCH KERNEL VS_LINUX: run all; report.py --render: redo the outputs."""
    if sys.argv[1:] == ["--render"]:
        with open(os.path.join(OUT, "results.json")) as f:
            res = json.load(f)
    else:
        host_bin, kernel, vs_prog = sys.argv[1], sys.argv[2], sys.argv[3]
        reps_qemu = int(os.environ.get("BENCH_REPS", "5"))
        reps_bochs = int(os.environ.get("BENCH_REPS_BOCHS", "3"))
        os.makedirs(OUT, exist_ok=True)
        t0 = time.monotonic()
        res = {"machine": machine(), "command": "make bench",
               "host": host_group(host_bin), "image": image_group(kernel)}
        try:
            res["vs_linux"] = vs_linux.group(kernel, vs_prog,
                                             int(os.environ.get("BENCH_VS_RUNS", "3")))
        except vs_linux.BenchFail as e:
            sys.exit("bench: vs Linux: FAIL: %s" % e)
        res["harness"] = harness_group(reps_qemu, reps_bochs)
        res["seconds"] = time.monotonic() - t0
        with open(os.path.join(OUT, "results.json"), "w") as f:
            json.dump(res, f, indent=1)
    body = render(res)
    print("\n".join(body))
    print("\nbench: wrote %s/{results.json,results.md,vma-scaling.svg,vs-linux.svg} and "
          "BENCHMARKS.md" % OUT)


if __name__ == "__main__":
    main()
