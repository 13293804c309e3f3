# make bench: included by GNUmakefile. Builds the host benchmark and the
# kernel, then bench/report.py runs the three groups (host vs Linux, the
# image's `bench` suite in QEMU, the harness against the empty-kernel floor)
# and writes $(BUILD)/bench/ and BENCHMARKS.md. BENCH_REPS (QEMU runs, 5) and
# BENCH_REPS_BOCHS (3) set the harness repetitions.
BENCH_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-Iinclude -Itests/host -Ibench -DBENCH_AS_BATCHES=31
BENCH_SRCS = bench/host_bench.c $(HOST_LIB_SRCS)
$(BUILD)/bench/host_bench: $(BENCH_SRCS) bench/bench_as.h bench/bench.mk $(wildcard include/*/*.h src/mm/*.h tests/host/support/*.h)
	@mkdir -p $(@D)
	$(HOSTCC) $(BENCH_CFLAGS) -o $@ $(BENCH_SRCS)

.PHONY: bench bench-render
bench: deps-check $(BUILD)/bench/host_bench $(KERNEL) $(PROG_BINS)
	BENCH_OUT=$(BUILD)/bench $(PYTHON) bench/report.py $(BUILD)/bench/host_bench $(KERNEL)

# Redo the tables, the plot and BENCHMARKS.md from $(BUILD)/bench/results.json.
bench-render:
	BENCH_OUT=$(BUILD)/bench $(PYTHON) bench/report.py --render
