/*
 * The address-space operation benchmark, shared by the host build
 * (bench/host_bench.c: our aspace on the host arena and this Linux host's
 * own syscalls) and the image (tests/kernel/bench_mm.c: our aspace on the
 * real MMU). The operations come through a table so that every side runs
 * exactly the same access pattern; the clock is the side's own (ns on the
 * host, rdtsc cycles in the image). Integer arithmetic only (the kernel has
 * no FPU state).
 *
 * Layout at `base`: a run of `nvmas` one-page VMAs (alternate pages
 * read-only), then at base + 1 GiB a large read-write mapping that the
 * split/merge and munmap operations work inside.
 */
#ifndef BENCH_AS_H
#define BENCH_AS_H

#define BENCH_AS_BASE 0x100000000ULL
#define BENCH_AS_BIG_OFF 0x40000000ULL
#define BENCH_AS_BIG_PAGES 4096
#define BENCH_AS_OPS 64     /* operations per batch */
#ifndef BENCH_AS_BATCHES
#define BENCH_AS_BATCHES 15 /* batches; the median batch is reported (host: -D) */
#endif
#define BENCH_AS_PG 4096ULL
#define BENCH_AS_RW 3       /* PROT_READ | PROT_WRITE */
#define BENCH_AS_RO 1
#define BENCH_AS_ANON 0x22  /* MAP_PRIVATE | MAP_ANONYMOUS */
#define BENCH_AS_FIXED 0x10

struct bench_as_ops {
	void *ctx;
	long (*mmap)(void *ctx, unsigned long addr, unsigned long len, int prot, int flags);
	int (*munmap)(void *ctx, unsigned long addr, unsigned long len);
	int (*mprotect)(void *ctx, unsigned long addr, unsigned long len, int prot);
	unsigned long long (*clock)(void);
};

enum bench_as_op {
	BENCH_MAP_UNMAP, /* mmap (no hint) + munmap of one page */
	BENCH_SPLIT,     /* mprotect of one page inside the large mapping */
	BENCH_MERGE,     /* mprotect of that page back (merges three VMAs) */
	BENCH_MUNMAP_MID,/* munmap of one page in the middle of the large mapping */
	BENCH_PLACE,     /* mmap of one page with no hint (placement + insert) */
	BENCH_AS_NOPS
};

static const char *const bench_as_names[BENCH_AS_NOPS] = {
	"map_unmap", "split", "merge", "munmap_mid", "place",
};

struct bench_as_stat {
	unsigned long long median, min, max; /* clock units per operation */
};

/* Sort n values in place (insertion sort: n is tiny). */
static inline void bench_as_sort(unsigned long long *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			unsigned long long t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/* Median, min and max of the per-operation cost of each batch. */
static inline struct bench_as_stat bench_as_stat_of(unsigned long long *per_op, int n)
{
	bench_as_sort(per_op, n);
	return (struct bench_as_stat){per_op[n / 2], per_op[0], per_op[n - 1]};
}

/* Build the layout; 0 or -1. */
static inline int bench_as_setup(const struct bench_as_ops *o, unsigned nvmas)
{
	unsigned long big = BENCH_AS_BASE + BENCH_AS_BIG_OFF;

	if (o->mmap(o->ctx, BENCH_AS_BASE, nvmas * BENCH_AS_PG, BENCH_AS_RW,
		    BENCH_AS_ANON | BENCH_AS_FIXED) != (long)BENCH_AS_BASE)
		return -1;
	for (unsigned i = 1; i < nvmas; i += 2)
		if (o->mprotect(o->ctx, BENCH_AS_BASE + i * BENCH_AS_PG, BENCH_AS_PG, BENCH_AS_RO))
			return -1;
	if (o->mmap(o->ctx, big, BENCH_AS_BIG_PAGES * BENCH_AS_PG, BENCH_AS_RW,
		    BENCH_AS_ANON | BENCH_AS_FIXED) != (long)big)
		return -1;
	return 0;
}

/* Remove the layout. */
static inline void bench_as_teardown(const struct bench_as_ops *o, unsigned nvmas)
{
	o->munmap(o->ctx, BENCH_AS_BASE, nvmas * BENCH_AS_PG);
	o->munmap(o->ctx, BENCH_AS_BASE + BENCH_AS_BIG_OFF, BENCH_AS_BIG_PAGES * BENCH_AS_PG);
}

/* The i-th page of the large mapping used by a batch (spread, never adjacent). */
static inline unsigned long bench_as_page(int i)
{
	return BENCH_AS_BASE + BENCH_AS_BIG_OFF + (unsigned long)(16 + 8 * i) * BENCH_AS_PG;
}

/* One batch of `op`; returns the clock units it took (setup and undo untimed); 0 on error. */
static inline unsigned long long bench_as_batch(const struct bench_as_ops *o, enum bench_as_op op)
{
	static long placed[BENCH_AS_OPS];
	unsigned long long t = 0, t0;
	int err = 0;

	for (int i = 0; i < BENCH_AS_OPS; i++) {
		unsigned long pg = bench_as_page(i);

		if (op == BENCH_MERGE)
			err |= o->mprotect(o->ctx, pg, BENCH_AS_PG, BENCH_AS_RO);
		t0 = o->clock();
		switch (op) {
		case BENCH_MAP_UNMAP:
			placed[i] = o->mmap(o->ctx, 0, BENCH_AS_PG, BENCH_AS_RW, BENCH_AS_ANON);
			err |= placed[i] < 0 || o->munmap(o->ctx, placed[i], BENCH_AS_PG);
			break;
		case BENCH_SPLIT:
			err |= o->mprotect(o->ctx, pg, BENCH_AS_PG, BENCH_AS_RO);
			break;
		case BENCH_MERGE:
			err |= o->mprotect(o->ctx, pg, BENCH_AS_PG, BENCH_AS_RW);
			break;
		case BENCH_MUNMAP_MID:
			err |= o->munmap(o->ctx, pg, BENCH_AS_PG);
			break;
		default:
			placed[i] = o->mmap(o->ctx, 0, BENCH_AS_PG, BENCH_AS_RW, BENCH_AS_ANON);
			err |= placed[i] < 0;
			break;
		}
		t += o->clock() - t0;
		/* Undo, untimed, so that every batch starts from the same layout. */
		if (op == BENCH_SPLIT)
			err |= o->mprotect(o->ctx, pg, BENCH_AS_PG, BENCH_AS_RW);
		else if (op == BENCH_MUNMAP_MID)
			err |= o->mmap(o->ctx, pg, BENCH_AS_PG, BENCH_AS_RW,
				       BENCH_AS_ANON | BENCH_AS_FIXED) != (long)pg;
		else if (op == BENCH_PLACE)
			err |= o->munmap(o->ctx, placed[i], BENCH_AS_PG);
	}
	return err ? 0 : t;
}

/* Every operation at `nvmas` VMAs; 0 or -1 (out[] then incomplete). */
static inline int bench_as_run(const struct bench_as_ops *o, unsigned nvmas,
			       struct bench_as_stat out[BENCH_AS_NOPS])
{
	unsigned long long per_op[BENCH_AS_BATCHES];

	if (bench_as_setup(o, nvmas) != 0)
		return -1;
	for (int op = 0; op < BENCH_AS_NOPS; op++) {
		for (int b = 0; b < BENCH_AS_BATCHES; b++) {
			unsigned long long t = bench_as_batch(o, (enum bench_as_op)op);

			if (!t) {
				bench_as_teardown(o, nvmas);
				return -1;
			}
			per_op[b] = t / BENCH_AS_OPS;
		}
		out[op] = bench_as_stat_of(per_op, BENCH_AS_BATCHES);
	}
	bench_as_teardown(o, nvmas);
	return 0;
}

#endif
