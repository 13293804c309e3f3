/*
 * host_bench: group 1 of `make bench`. The aspace engine (src/mm built for
 * the host at -O2, no sanitizers) against this Linux host's own syscalls,
 * running the same access pattern (bench/bench_as.h) in the same process and
 * the same run, at 100, 1,000, 10,000 and 65,000 existing VMAs.
 *
 * Pages are never touched on either side, so both measure VMA and page-table
 * bookkeeping only. 65,000 VMAs fit Linux's vm.max_map_count (65530) with
 * this process's own few dozen mappings and the one-page changes on top.
 *
 * HB_ROUNDS sweeps; a cell is the median of the rounds' median batches with
 * the min..max over every batch.
 *
 * Output (stdout, JSON), read by bench/report.py:
 *   {"unit": "ns", "ops_per_batch": N, "batches": N,
 *    "ours":  {"<vmas>": {"<op>": [median, min, max], ...}, ...},
 *    "linux": {...}}
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "bench_as.h"
#include "mm/aspace.h"
#include "support/host_mm.h"

static const unsigned hb_counts[] = {100, 1000, 10000, 65000};
#define HB_NCOUNTS (sizeof(hb_counts) / sizeof(hb_counts[0]))
#define HB_ROUNDS 5 /* sweeps over all counts */

/* Nanoseconds of CLOCK_MONOTONIC: the host sides' clock. */
static unsigned long long hb_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

/* Our side: the aspace API; ctx is the struct aspace. */
static long hb_ours_mmap(void *ctx, unsigned long addr, unsigned long len, int prot, int flags)
{
	return as_mmap(ctx, addr, len, prot, flags);
}

static int hb_ours_munmap(void *ctx, unsigned long addr, unsigned long len)
{
	return as_munmap(ctx, addr, len);
}

static int hb_ours_mprotect(void *ctx, unsigned long addr, unsigned long len, int prot)
{
	return as_mprotect(ctx, addr, len, prot);
}

/* Linux side: the real syscalls of this process; -1 on failure like as_* errors. */
static long hb_linux_mmap(void *ctx, unsigned long addr, unsigned long len, int prot, int flags)
{
	void *p = mmap((void *)addr, len, prot, flags, -1, 0);

	return p == MAP_FAILED ? -1 : (long)p;
}

static int hb_linux_munmap(void *ctx, unsigned long addr, unsigned long len)
{
	return munmap((void *)addr, len);
}

static int hb_linux_mprotect(void *ctx, unsigned long addr, unsigned long len, int prot)
{
	return mprotect((void *)addr, len, prot);
}

/* Print one side's results as the JSON object body for key `name`. */
static void hb_print(const char *name, struct bench_as_stat st[][BENCH_AS_NOPS], bool last)
{
	printf("  \"%s\": {\n", name);
	for (size_t c = 0; c < HB_NCOUNTS; c++) {
		printf("    \"%u\": {", hb_counts[c]);
		for (int op = 0; op < BENCH_AS_NOPS; op++)
			printf("%s\"%s\": [%llu, %llu, %llu]", op ? ", " : "", bench_as_names[op],
			       st[c][op].median, st[c][op].min, st[c][op].max);
		printf("}%s\n", c + 1 < HB_NCOUNTS ? "," : "");
	}
	printf("  }%s\n", last ? "" : ",");
}

/* Fold round `r` of stat s into acc: min of mins, max of maxes, medians kept in med. */
static void hb_fold(struct bench_as_stat *acc, const struct bench_as_stat *s,
		   unsigned long long *med, int r)
{
	med[r] = s->median;
	if (r == 0 || s->min < acc->min)
		acc->min = s->min;
	if (r == 0 || s->max > acc->max)
		acc->max = s->max;
}

/* One round at count c on one side into st; 0 or -1 (after saying why). */
static int hb_side_round(struct bench_as_ops *o, bool ours, unsigned count,
			 struct bench_as_stat st[BENCH_AS_NOPS])
{
	int rc;

	if (ours) {
		host_mm_setup(MiB(512));
		o->ctx = as_create();
		if (!o->ctx) {
			fprintf(stderr, "host_bench: as_create failed\n");
			return -1;
		}
	}
	rc = bench_as_run(o, count, st);
	if (ours)
		as_destroy(o->ctx);
	if (rc)
		fprintf(stderr, "host_bench: %s side failed at %u VMAs\n",
			ours ? "our" : "the Linux", count);
	return rc;
}

/*
 * HB_ROUNDS sweeps over every count, each count on both sides back to back
 * (ours, then Linux), so that load on the machine from elsewhere touches both
 * sides alike and no count gets one unlucky moment. Each cell reports the
 * median of the rounds' median batches and the min..max over all batches.
 */
static int hb_run_all(struct bench_as_stat ours[][BENCH_AS_NOPS],
		      struct bench_as_stat lnx[][BENCH_AS_NOPS])
{
	static unsigned long long med[2][HB_NCOUNTS][BENCH_AS_NOPS][HB_ROUNDS];
	struct bench_as_ops o = {NULL, hb_ours_mmap, hb_ours_munmap, hb_ours_mprotect, hb_clock};
	struct bench_as_ops l = {NULL, hb_linux_mmap, hb_linux_munmap, hb_linux_mprotect, hb_clock};
	struct bench_as_stat st[BENCH_AS_NOPS];

	for (int r = 0; r < HB_ROUNDS; r++)
		for (size_t c = 0; c < HB_NCOUNTS; c++) {
			if (hb_side_round(&o, true, hb_counts[c], st))
				return -1;
			for (int op = 0; op < BENCH_AS_NOPS; op++)
				hb_fold(&ours[c][op], &st[op], med[0][c][op], r);
			if (hb_side_round(&l, false, hb_counts[c], st))
				return -1;
			for (int op = 0; op < BENCH_AS_NOPS; op++)
				hb_fold(&lnx[c][op], &st[op], med[1][c][op], r);
		}
	for (size_t c = 0; c < HB_NCOUNTS; c++)
		for (int op = 0; op < BENCH_AS_NOPS; op++) {
			ours[c][op].median = bench_as_stat_of(med[0][c][op], HB_ROUNDS).median;
			lnx[c][op].median = bench_as_stat_of(med[1][c][op], HB_ROUNDS).median;
		}
	return 0;
}

int main(void)
{
	static struct bench_as_stat ours[HB_NCOUNTS][BENCH_AS_NOPS];
	static struct bench_as_stat lnx[HB_NCOUNTS][BENCH_AS_NOPS];

	if (hb_run_all(ours, lnx) != 0)
		return 1;
	printf("{\n  \"unit\": \"ns\",\n  \"ops_per_batch\": %d,\n  \"batches\": %d,\n"
	       "  \"rounds\": %d,\n", BENCH_AS_OPS, BENCH_AS_BATCHES, HB_ROUNDS);
	hb_print("ours", ours, false);
	hb_print("linux", lnx, true);
	printf("}\n");
	return 0;
}
