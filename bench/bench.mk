# make bench: included by GNUmakefile. See bench/report.py.
BENCH_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-Iinclude -Itests/host -Ibench
BENCH_SRCS = bench/host_bench.c $(HOST_LIB_SRCS)
$(BUILD)/bench/host_bench: $(BENCH_SRCS) bench/bench_as.h $(wildcard include/*/*.h src/mm/*.h)
	@mkdir -p $(@D)
	$(HOSTCC) $(BENCH_CFLAGS) -o $@ $(BENCH_SRCS)

.PHONY: bench
bench: deps-check $(BUILD)/bench/host_bench $(KERNEL) $(PROG_BINS) $(ISO)
	$(PYTHON) bench/report.py $(BUILD)/bench/host_bench $(KERNEL)
