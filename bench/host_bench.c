/*
 * host_bench: the aspace engine (src/mm built for the host, -O2, no
 * sanitizers, BOOTMM_DEBUG=0) against this Linux kernel's own syscalls, with
 * the same layout and the same access pattern on both sides, in one run.
 *
 * Layout at size n: one mapping of n pages whose pages alternate between
 * PROT_READ and PROT_READ|PROT_WRITE (n VMAs that cannot merge), plus a work
 * mapping of WORK_PAGES read-write pages. Pages are never touched, so both
 * sides measure VMA and page-table bookkeeping only.
 *
 * Operations (each timed as a batch of BATCH ops, SAMPLES batches; the
 * median, p10 and p90 of ns/op are reported):
 *   mmap_munmap   mmap of one page with no hint, then munmap of it
 *   place         mmap of one page with no hint (placement), undone untimed
 *   split         mprotect of one page inside the work mapping (1 -> 3 VMAs)
 *   merge         mprotect of that page back (3 -> 1 VMA)
 *   munmap_mid    munmap of one page inside the work mapping (1 -> 2 VMAs)
 *   remap_mid     MAP_FIXED mmap of that page again (2 -> 1 VMA)
 *
 * Output: JSON on stdout. Usage: host_bench [samples]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "mm/aspace.h"
#include "mm/pmm.h"
#include "support/host_mm.h"

#define PAGE 4096UL
#define BATCH 128
#define WORK_PAGES (4 * BATCH)
#define MAX_SAMPLES 101
#define HB_RW (PROT_READ | PROT_WRITE)
#define HB_ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static const unsigned long hb_sizes[] = {100, 1000, 10000, 65000};
#define NSIZES (sizeof(hb_sizes) / sizeof(hb_sizes[0]))

enum hb_op { OP_MMAP_MUNMAP, OP_PLACE, OP_SPLIT, OP_MERGE, OP_MUNMAP_MID,
	     OP_REMAP_MID, NOPS };
static const char *const hb_op_names[NOPS] = {
	"mmap_munmap", "place", "split", "merge", "munmap_mid", "remap_mid",
};

/*
 * One side of the comparison: the four calls every operation is made of.
 * mmap returns an address or a negative errno / MAP_FAILED-like failure.
 */
struct hb_side {
	const char *name;
	long (*mmap)(unsigned long addr, unsigned long len, int prot, int flags);
	int (*munmap)(unsigned long addr, unsigned long len);
	int (*mprotect)(unsigned long addr, unsigned long len, int prot);
};

/* ---------------------------------------------------------------- sides */

static struct aspace *hb_as;

/* Our side: the aspace API on the host arena. */
static long ours_mmap(unsigned long addr, unsigned long len, int prot, int flags)
{
	return as_mmap(hb_as, addr, len, prot, flags);
}

static int ours_munmap(unsigned long addr, unsigned long len)
{
	return as_munmap(hb_as, addr, len);
}

static int ours_mprotect(unsigned long addr, unsigned long len, int prot)
{
	return as_mprotect(hb_as, addr, len, prot);
}

/* Linux side: the real syscalls of this process. */
static long linux_mmap(unsigned long addr, unsigned long len, int prot, int flags)
{
	void *p = mmap((void *)addr, len, prot, flags, -1, 0);

	return p == MAP_FAILED ? -1 : (long)p;
}

static int linux_munmap(unsigned long addr, unsigned long len)
{
	return munmap((void *)addr, len);
}

static int linux_mprotect(unsigned long addr, unsigned long len, int prot)
{
	return mprotect((void *)addr, len, prot);
}

static const struct hb_side hb_sides[2] = {
	{"ours", ours_mmap, ours_munmap, ours_mprotect},
	{"linux", linux_mmap, linux_munmap, linux_mprotect},
};

/* ---------------------------------------------------------------- timing */

/* Nanoseconds of CLOCK_MONOTONIC. */
static unsigned long long hb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Abort the run: a benchmark whose call failed measured nothing. */
static void hb_die(const char *side, const char *what, long rc)
{
	fprintf(stderr, "host_bench: %s: %s failed (%ld)\n", side, what, rc);
	exit(1);
}

static int hb_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sort v[0..n) and give the value at fraction q (nearest rank). */
static double hb_quantile(double *v, int n, double q)
{
	qsort(v, n, sizeof(*v), hb_cmp);
	return v[(int)(q * (n - 1) + 0.5)];
}

/* ---------------------------------------------------------------- layout */

/* Map the n alternating pages and the work mapping; returns the work mapping. */
static unsigned long hb_layout(const struct hb_side *s, unsigned long n)
{
	long base = s->mmap(0, n * PAGE, PROT_READ, HB_ANON), work;

	if (base < 0)
		hb_die(s->name, "layout mmap", base);
	for (unsigned long i = 1; i < n; i += 2) {
		int rc = s->mprotect(base + i * PAGE, PAGE, HB_RW);

		if (rc)
			hb_die(s->name, "layout mprotect", rc);
	}
	work = s->mmap(0, WORK_PAGES * PAGE, PROT_READ | PROT_EXEC, HB_ANON);
	if (work < 0)
		hb_die(s->name, "work mmap", work);
	return (unsigned long)work;
}

/* ---------------------------------------------------------------- ops */

/* ns/op of BATCH no-hint one-page mmap+munmap pairs. */
static double hb_op_mmap_munmap(const struct hb_side *s, unsigned long work)
{
	unsigned long long t0 = hb_now();

	for (int i = 0; i < BATCH; i++) {
		long a = s->mmap(0, PAGE, HB_RW, HB_ANON);

		if (a < 0 || s->munmap(a, PAGE))
			hb_die(s->name, "mmap_munmap", a);
	}
	return (double)(hb_now() - t0) / BATCH;
}

/* ns/op of BATCH no-hint placements; the pages are unmapped afterwards, untimed. */
static double hb_op_place(const struct hb_side *s, unsigned long work)
{
	static long got[BATCH];
	unsigned long long t0 = hb_now(), t1;

	for (int i = 0; i < BATCH; i++) {
		/* alternate rights so that the new pages stay separate VMAs */
		got[i] = s->mmap(0, PAGE, i & 1 ? HB_RW : PROT_READ, HB_ANON);
		if (got[i] < 0)
			hb_die(s->name, "place", got[i]);
	}
	t1 = hb_now();
	for (int i = 0; i < BATCH; i++)
		if (s->munmap(got[i], PAGE))
			hb_die(s->name, "place undo", 0);
	return (double)(t1 - t0) / BATCH;
}

/*
 * Split BATCH single pages out of the work mapping (page 2i+1 goes read-only,
 * or is unmapped), then merge them back; returns both ns/op through out[2].
 */
static void hb_op_split_merge(const struct hb_side *s, unsigned long work,
			      bool unmap, double out[2])
{
	unsigned long long t0 = hb_now(), t1, t2;
	int rc;

	for (int i = 0; i < BATCH; i++) {
		unsigned long a = work + (2 * i + 1) * PAGE;

		rc = unmap ? s->munmap(a, PAGE) : s->mprotect(a, PAGE, PROT_READ);
		if (rc)
			hb_die(s->name, unmap ? "munmap_mid" : "split", rc);
	}
	t1 = hb_now();
	for (int i = 0; i < BATCH; i++) {
		unsigned long a = work + (2 * i + 1) * PAGE;

		if (unmap)
			rc = s->mmap(a, PAGE, PROT_READ | PROT_EXEC, HB_ANON | MAP_FIXED) ==
			     (long)a ? 0 : -1;
		else
			rc = s->mprotect(a, PAGE, PROT_READ | PROT_EXEC);
		if (rc)
			hb_die(s->name, unmap ? "remap_mid" : "merge", rc);
	}
	t2 = hb_now();
	out[0] = (double)(t1 - t0) / BATCH;
	out[1] = (double)(t2 - t1) / BATCH;
}

/* One sample of every operation into v[op]. */
static void hb_sample(const struct hb_side *s, unsigned long work, double v[NOPS])
{
	double pair[2];

	v[OP_MMAP_MUNMAP] = hb_op_mmap_munmap(s, work);
	v[OP_PLACE] = hb_op_place(s, work);
	hb_op_split_merge(s, work, false, pair);
	v[OP_SPLIT] = pair[0];
	v[OP_MERGE] = pair[1];
	hb_op_split_merge(s, work, true, pair);
	v[OP_MUNMAP_MID] = pair[0];
	v[OP_REMAP_MID] = pair[1];
}

/* ---------------------------------------------------------------- driver */

/* Run `samples` samples on side s at size n and print its JSON object. */
static void hb_run(int side, unsigned long n, int samples, bool last)
{
	static double v[NOPS][MAX_SAMPLES];
	const struct hb_side *s = &hb_sides[side];
	unsigned long base_len = n * PAGE, work;
	double one[NOPS];
	long base;

	if (side == 0) {
		host_mm_setup(MiB(512));
		hb_as = as_create();
		if (!hb_as)
			hb_die(s->name, "as_create", 0);
	}
	work = hb_layout(s, n);
	base = (long)work + WORK_PAGES * PAGE; /* top-down: the layout sits just above */
	hb_sample(s, work, one); /* warm-up */
	for (int k = 0; k < samples; k++) {
		hb_sample(s, work, one);
		for (int op = 0; op < NOPS; op++)
			v[op][k] = one[op];
	}
	printf("    {\"side\": \"%s\", \"vmas\": %lu, \"batch\": %d, \"samples\": %d,",
	       s->name, n, BATCH, samples);
	if (side == 0)
		printf(" \"vma_count\": %zu,", as_vma_count(hb_as));
	printf(" \"ns_per_op\": {");
	for (int op = 0; op < NOPS; op++)
		printf("%s\"%s\": {\"p10\": %.1f, \"median\": %.1f, \"p90\": %.1f}",
		       op ? ", " : "", hb_op_names[op], hb_quantile(v[op], samples, 0.1),
		       hb_quantile(v[op], samples, 0.5), hb_quantile(v[op], samples, 0.9));
	printf("}}%s\n", last ? "" : ",");
	if (side == 0) {
		as_destroy(hb_as);
		hb_as = NULL;
	} else if (s->munmap(work, WORK_PAGES * PAGE) || s->munmap(base, base_len)) {
		hb_die(s->name, "teardown", 0);
	}
}

int main(int argc, char **argv)
{
	int samples = argc > 1 ? atoi(argv[1]) : 31;

	if (samples < 3 || samples > MAX_SAMPLES) {
		fprintf(stderr, "usage: host_bench [samples 3..%d]\n", MAX_SAMPLES);
		return 2;
	}
	printf("{\n  \"batch\": %d,\n  \"results\": [\n", BATCH);
	for (size_t i = 0; i < NSIZES; i++)
		for (int side = 0; side < 2; side++)
			hb_run(side, hb_sizes[i], samples, i + 1 == NSIZES && side == 1);
	printf("  ]\n}\n");
	return 0;
}
