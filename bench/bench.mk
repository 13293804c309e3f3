# make bench: included by GNUmakefile. Builds the host benchmark and the
# kernel, then bench/report.py runs the four groups (host vs Linux, the
# image's `bench` suite in QEMU, bootmm vs the Linux oracle on the same
# static binary bench/vs_linux.c, the harness against the empty-kernel floor)
# and writes $(BUILD)/bench/ and BENCHMARKS.md. BENCH_REPS (QEMU runs, 5) and
# BENCH_REPS_BOCHS (3) set the harness repetitions, BENCH_VS_RUNS (3) the
# runs of the vs-Linux group on each kernel. `make bench-vs-linux` runs that
# group alone and prints its table (BENCHMARKS.md is left as it is).
BENCH_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-Iinclude -Itests/host -Ibench -DBENCH_AS_BATCHES=31
BENCH_SRCS = bench/host_bench.c $(HOST_LIB_SRCS)
$(BUILD)/bench/host_bench: $(BENCH_SRCS) bench/bench_as.h bench/bench.mk $(wildcard include/*/*.h src/mm/*.h tests/host/support/*.h)
	@mkdir -p $(@D)
	$(HOSTCC) $(BENCH_CFLAGS) -o $@ $(BENCH_SRCS)

# The vs-Linux program: static musl, as the scenario programs.
$(BUILD)/bench/vs_linux: bench/vs_linux.c bench/bench.mk
	@mkdir -p $(@D)
	$(MUSLCC) $(PCFLAGS) -o $@ $<

.PHONY: bench bench-render bench-vs-linux
bench: deps-check oracle-deps $(BUILD)/bench/host_bench $(BUILD)/bench/vs_linux $(KERNEL) $(PROG_BINS)
	BENCH_OUT=$(BUILD)/bench $(PYTHON) bench/report.py $(BUILD)/bench/host_bench $(KERNEL) \
		$(BUILD)/bench/vs_linux

bench-vs-linux: deps-check oracle-deps $(BUILD)/bench/vs_linux $(KERNEL)
	BENCH_OUT=$(BUILD)/bench $(PYTHON) bench/vs_linux.py $(KERNEL) $(BUILD)/bench/vs_linux

# Redo the tables, the plot and BENCHMARKS.md from $(BUILD)/bench/results.json.
bench-render:
	BENCH_OUT=$(BUILD)/bench $(PYTHON) bench/report.py --render
