#!/usr/bin/env python3
"""make bench: run the three benchmark groups and write build/bench/.

1. host: build/bench/host_bench (our aspace on the host vs this Linux host's
   syscalls, same pattern, same run) -> ns per operation.
2. image: the `bench` suite in QEMU TCG with bootmm.bench -> rdtsc cycles.
3. harness: wall time of `make run` on the built tree and of a bare GRUB boot
   of an empty multiboot2 kernel (the floor), in QEMU and in Bochs.

Writes results.json (raw), results.md (tables), vma-scaling.svg (gnuplot),
and BENCHMARKS.md at the top level (with a copy of the plot in bench/).
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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "build", "bench")
COUNTS = ["100", "1000", "10000", "65000"]
OPS = ["map_unmap", "split", "merge", "munmap_mid", "place"]
OP_TEXT = {
    "map_unmap": "mmap+munmap of one page",
    "split": "mprotect splitting one page out of a mapping",
    "merge": "mprotect merging it back",
    "munmap_mid": "munmap of one page in the middle",
    "place": "placement of a new one-page mapping",
}


def run(cmd, **kw):
    """Run a command in the project root; its stdout, or exit on failure."""
    p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True, **kw)
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
    """Median, min and max wall seconds of `reps` runs of cmd."""
    secs = []
    for _ in range(reps):
        t0 = time.monotonic()
        run(cmd)
        secs.append(time.monotonic() - t0)
    return [statistics.median(secs), min(secs), max(secs)]


def floor(emulator, reps):
    out = run([sys.executable, "ci/runner.py", "floor", "--emulator", emulator,
               "--repeat", str(reps)])
    secs = [float(x) for x in re.findall(r"total ([0-9.]+) s", out)]
    return [statistics.median(secs), min(secs), max(secs)]


def harness_group(reps_qemu, reps_bochs):
    return {
        "qemu": {"make_run": timed(["make", "-s", "run", "EMU=qemu"], reps_qemu),
                 "floor": floor("qemu", reps_qemu)},
        "bochs": {"make_run": timed(["make", "-s", "run", "EMU=bochs"], reps_bochs),
                  "floor": floor("bochs", reps_bochs)},
    }


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "%s, %d CPUs, Linux %s, %s" % (model, os.cpu_count() or 0,
                                          platform.release(), time.strftime("%Y-%m-%d"))


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


def md_image(image):
    lines = ["| operation | " + " | ".join("%s VMAs" % n for n in COUNTS) + " |",
             "| --- |" + " ---: |" * len(COUNTS)]
    for op in OPS:
        cells = []
        for n in COUNTS:
            v = image.get("as.%s.%s" % (n, op))
            cells.append("%d (%d..%d)" % tuple(v) if v else "-")
        lines.append("| %s | %s |" % (OP_TEXT[op], " | ".join(cells)))
    lines += ["", "| figure | cycles (or count) |", "| --- | ---: |"]
    for key in sorted(k for k in image if not k.startswith("as.")):
        v = image[key]
        lines.append("| %s | %s |" % (key, v[0] if isinstance(v, list) else v))
    return lines


def md_harness(h):
    lines = ["| emulator | `make run` (built tree) s | empty-kernel floor s | run - floor s |",
             "| --- | ---: | ---: | ---: |"]
    for emu in ("qemu", "bochs"):
        r, f = h[emu]["make_run"], h[emu]["floor"]
        lines.append("| %s | %.2f (%.2f..%.2f) | %.2f (%.2f..%.2f) | %.2f |"
                     % (emu, r[0], r[1], r[2], f[0], f[1], f[2], r[0] - f[0]))
    return lines


def plot(host, svg):
    data = os.path.join(OUT, "vma-scaling.dat")
    with open(data, "w") as f:
        f.write("# vmas " + " ".join("ours_%s linux_%s" % (op, op) for op in OPS) + "\n")
        for n in COUNTS:
            f.write(n + " " + " ".join("%d %d" % (host["ours"][n][op][0], host["linux"][n][op][0])
                                       for op in OPS) + "\n")
    cmds = ["set terminal svg size 900,540 dynamic background rgb 'white'",
            "set output '%s'" % svg, "set logscale x", "set logscale y",
            "set xlabel 'existing VMAs'", "set ylabel 'ns per operation (median)'",
            "set title 'bootmm aspace (host build) vs Linux syscalls, same run'",
            "set key outside right", "set grid"]
    series = []
    for i, op in enumerate(OPS):
        series.append("'%s' using 1:%d with linespoints title 'ours %s'" % (data, 2 + 2 * i, op))
        series.append("'%s' using 1:%d with linespoints dashtype 2 title 'Linux %s'"
                      % (data, 3 + 2 * i, op))
    cmds.append("plot " + ", ".join(series))
    subprocess.run(["gnuplot"], input="\n".join(cmds), text=True, check=True)


def main():
    host_bin, kernel = sys.argv[1], sys.argv[2]
    reps_qemu = int(os.environ.get("BENCH_REPS", "3"))
    reps_bochs = int(os.environ.get("BENCH_REPS_BOCHS", "1"))
    os.makedirs(OUT, exist_ok=True)
    res = {"machine": machine(), "command": "make bench",
           "host": host_group(host_bin), "image": image_group(kernel),
           "harness": harness_group(reps_qemu, reps_bochs)}
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
    svg = os.path.join(OUT, "vma-scaling.svg")
    plot(res["host"], svg)
    shutil.copy(svg, os.path.join(ROOT, "bench", "vma-scaling.svg"))
    body = ["Machine: " + res["machine"], "",
            "## Host build vs Linux (ns per operation)", ""] + md_host(res["host"]) + [
            "", "## In the image, QEMU TCG (rdtsc cycles)", ""] + md_image(res["image"]) + [
            "", "## The harness (wall seconds)", ""] + md_harness(res["harness"])
    with open(os.path.join(OUT, "results.md"), "w") as f:
        f.write("# bootmm benchmark results\n\n" + "\n".join(body) + "\n")
    with open(os.path.join(ROOT, "BENCHMARKS.md"), "w") as f:
        f.write("# Benchmarks\n\nMade by `make bench` (raw numbers in "
                "`build/bench/results.json`). Every figure is the median of repeated "
                "runs with the min..max spread; ratios compare numbers from the same run.\n\n"
                + "\n".join(body)
                + "\n\n## VMA scaling\n\n![cost per operation against VMAs](bench/vma-scaling.svg)\n")
    print("\n".join(body))
    print("\nbench: wrote %s/{results.json,results.md,vma-scaling.svg} and BENCHMARKS.md" % OUT)


if __name__ == "__main__":
    main()
