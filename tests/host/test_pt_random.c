/*
 * Randomised tests of the page-table engine against a reference model: a
 * flat array with one entry per 4 KiB page of a 4 GiB user window holding the
 * expected pa and flags. Sizes and alignments are biased towards 4K/2M/1G
 * boundaries and pa is often congruent so large leaves appear, split and
 * fold. About one operation in ten runs with an injected allocation failure
 * and, when it fails, must have changed nothing.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "support/host_mm.h"

#define WIN_BASE GiB(4)
#define WIN_SIZE GiB(4)
#define WIN_PAGES (WIN_SIZE / PAGE_SIZE)
#define MODEL_MAPPED 0x800u /* in a model entry: page is mapped */
#define OPS 3000
#define FULL_CHECK_EVERY 500

/* Model entry: pa | flags | MODEL_MAPPED, or 0 when not mapped. */
static uint64_t *model;
static paddr_t root;
static uint64_t rng;

/* What a run went through, so a run that never reaches the hard cases fails. */
static struct {
	unsigned enomem, eexist;
	uint64_t leaves[3]; /* leaves seen by checks: 4K, 2M, 1G */
} stats;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

static uint64_t *model_at(vaddr_t va)
{
	return &model[(va - WIN_BASE) / PAGE_SIZE];
}

/* ------------------------------------------------------------ checking */

struct check {
	vaddr_t lo, hi;   /* region checked */
	uint64_t pages;   /* pages the tables map inside it */
};

/* pt_walk callback: every page of the leaf inside the region matches the model. */
static int check_leaf(void *ctx, const struct pt_leaf *leaf)
{
	struct check *c = ctx;
	vaddr_t lo = MAX(leaf->va, c->lo), hi = MIN(leaf->va + leaf->size, c->hi);

	cr_assert(IS_ALIGNED(leaf->va, leaf->size) && IS_ALIGNED(leaf->pa, leaf->size),
		  "leaf %#lx size %#lx misaligned", (unsigned long)leaf->va,
		  (unsigned long)leaf->size);
	for (vaddr_t va = lo; va < hi; va += PAGE_SIZE) {
		uint64_t want = (leaf->pa + (va - leaf->va)) | leaf->flags | MODEL_MAPPED;

		cr_assert(va >= WIN_BASE && va < WIN_BASE + WIN_SIZE,
			  "page %#lx outside the window", (unsigned long)va);
		cr_assert_eq(*model_at(va), want, "page %#lx: model %#lx, tables %#lx",
			     (unsigned long)va, (unsigned long)*model_at(va),
			     (unsigned long)want);
		c->pages++;
	}
	stats.leaves[leaf->size == PAGE_SIZE ? 0 : leaf->size == PAGE_2M ? 1 : 2]++;
	return 0;
}

/* The tables equal the model over [lo, hi) (clipped to the window). */
static void check_region(vaddr_t lo, vaddr_t hi)
{
	struct check c;
	uint64_t mapped = 0;

	lo = MAX(lo, WIN_BASE);
	hi = MIN(hi, WIN_BASE + WIN_SIZE);
	c = (struct check){lo, hi, 0};
	cr_assert_eq(pt_walk(root, lo, hi - lo, check_leaf, &c), 0);
	for (vaddr_t va = lo; va < hi; va += PAGE_SIZE)
		mapped += *model_at(va) != 0;
	cr_assert_eq(c.pages, mapped, "[%#lx, %#lx): tables map %lu pages, model %lu",
		     (unsigned long)lo, (unsigned long)hi, (unsigned long)c.pages,
		     (unsigned long)mapped);
}

/* Query random model pages (mapped or not) and compare. */
static void check_queries(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		vaddr_t va = WIN_BASE + rnd_below(WIN_PAGES) * PAGE_SIZE;
		struct pt_leaf q;
		bool found = pt_query(root, va, &q);

		cr_assert_eq(found, *model_at(va) != 0, "query %#lx", (unsigned long)va);
		if (found)
			cr_assert_eq((q.pa + (va - q.va)) | q.flags | MODEL_MAPPED,
				     *model_at(va), "query %#lx", (unsigned long)va);
	}
}

/* ------------------------------------------------------------ operations */

/* A random alignment, biased to the leaf sizes. */
static uint64_t rnd_align(void)
{
	static const uint64_t aligns[] = {PAGE_SIZE, PAGE_2M, PAGE_1G, PAGE_2M, PAGE_SIZE};

	return aligns[rnd_below(ARRAY_SIZE(aligns))];
}

/* A random length: a few pages, some 2 MiB, sometimes 1 GiB, maybe plus a tail. */
static uint64_t rnd_len(void)
{
	uint64_t len;

	switch (rnd_below(10)) {
	case 0:
		len = PAGE_1G;
		break;
	case 1: case 2: case 3:
		len = PAGE_2M * (1 + rnd_below(8));
		break;
	default:
		len = PAGE_SIZE * (1 + rnd_below(32));
	}
	if (rnd_below(4) == 0)
		len += PAGE_SIZE * (1 + rnd_below(600));
	return len;
}

/* A random range inside the window: *va, *len. */
static void rnd_range(vaddr_t *va, uint64_t *len)
{
	uint64_t align = rnd_align();

	*len = MIN(rnd_len(), WIN_SIZE);
	if (*len >= PAGE_1G && rnd_below(2))
		align = PAGE_1G;
	*va = WIN_BASE + ALIGN_DOWN(rnd_below(WIN_SIZE - *len + 1), align);
	if (rnd_below(6) == 0) /* off by a page from the boundary */
		*va += PAGE_SIZE;
	if (*va + *len > WIN_BASE + WIN_SIZE)
		*va = WIN_BASE + WIN_SIZE - *len;
}

static unsigned rnd_flags(void)
{
	return (unsigned)rnd_below(PT_FLAGS_ALL + 1) & (PT_WRITE | PT_USER | PT_NX | PT_NOCACHE);
}

/* pa for va: congruent to 1 GiB (large leaves possible) or 4K-shifted. */
static paddr_t rnd_pa(vaddr_t va)
{
	paddr_t pa = GiB(16 + rnd_below(16)) + (va - WIN_BASE);

	if (rnd_below(3) == 0)
		pa += PAGE_SIZE * (1 + rnd_below(511));
	return pa;
}

/* True when any page of [va, va+len) is mapped in the model. */
static bool model_any(vaddr_t va, uint64_t len)
{
	for (vaddr_t p = va; p < va + len; p += PAGE_SIZE)
		if (*model_at(p))
			return true;
	return false;
}

enum op_kind { OP_MAP, OP_UNMAP, OP_PROTECT, OP_SPLIT };

/* Run one operation; returns its result and updates the model on success. */
static int run_op(enum op_kind kind, vaddr_t va, uint64_t len, paddr_t pa, unsigned flags)
{
	int ret;

	switch (kind) {
	case OP_MAP:
		ret = pt_map(root, va, pa, len, flags);
		for (uint64_t off = 0; ret == 0 && off < len; off += PAGE_SIZE)
			*model_at(va + off) = (pa + off) | flags | MODEL_MAPPED;
		return ret;
	case OP_UNMAP:
		ret = pt_unmap(root, va, len);
		if (ret == 0)
			memset(model_at(va), 0, len / PAGE_SIZE * sizeof(*model));
		return ret;
	case OP_PROTECT:
		ret = pt_protect(root, va, len, flags);
		for (uint64_t off = 0; ret == 0 && off < len; off += PAGE_SIZE)
			if (*model_at(va + off))
				*model_at(va + off) = (*model_at(va + off) & ~0xfffULL) |
						      flags | MODEL_MAPPED;
		return ret;
	default:
		return pt_split_at(root, va);
	}
}

/* One random step: pick, run (maybe with a failure injected), check. */
static void random_step(void)
{
	static const enum op_kind kinds[] = {OP_MAP, OP_MAP, OP_MAP, OP_UNMAP, OP_UNMAP,
					     OP_PROTECT, OP_PROTECT, OP_SPLIT};
	enum op_kind kind = kinds[rnd_below(ARRAY_SIZE(kinds))];
	bool inject = rnd_below(10) == 0;
	size_t frames = pt_table_frames();
	vaddr_t va;
	uint64_t len;
	paddr_t pa;
	unsigned flags = rnd_flags();
	int want, ret;

	rnd_range(&va, &len);
	pa = rnd_pa(va);
	want = kind == OP_MAP && model_any(va, len) ? -EEXIST : 0;
	if (inject)
		pmm_fail_nth(1 + rnd_below(4));
	ret = run_op(kind, va, len, pa, flags);
	pmm_fail_nth(0);
	stats.enomem += ret == -ENOMEM;
	stats.eexist += ret == -EEXIST;
	if (inject && ret == -ENOMEM)
		cr_assert_eq(pt_table_frames(), frames, "failed op %d changed table frames", kind);
	else
		cr_assert_eq(ret, want, "op %d [%#lx, +%#lx): %d", kind, (unsigned long)va,
			     (unsigned long)len, ret);
	check_region(ALIGN_DOWN(va, PAGE_1G) == va ? va - PAGE_2M : va - MiB(4),
		     va + len + MiB(4));
	check_queries(16);
}

/* Run OPS random steps from `seed`, then empty the window. */
static void random_run(uint64_t seed, bool has_1g)
{
	size_t free_frames;

	host_mm_setup(MiB(512));
	host_has_1g = has_1g;
	free_frames = pmm_free_frames();
	model = calloc(WIN_PAGES, sizeof(*model));
	cr_assert_not_null(model);
	rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	memset(&stats, 0, sizeof(stats));
	cr_assert_eq(pt_create(&root), 0);
	for (unsigned i = 0; i < OPS; i++) {
		random_step();
		if (i % FULL_CHECK_EVERY == FULL_CHECK_EVERY - 1)
			check_region(WIN_BASE, WIN_BASE + WIN_SIZE);
	}
	check_region(WIN_BASE, WIN_BASE + WIN_SIZE);
	cr_assert_eq(pt_unmap(root, WIN_BASE, WIN_SIZE), 0);
	cr_expect_eq(pt_table_frames(), 1);
	pt_destroy(root, PT_DESTROY_USER_HALF);
	cr_expect_eq(pt_table_frames(), 0);
	cr_expect_eq(pmm_free_frames(), free_frames);
	free(model);
	cr_log_info("enomem %u eexist %u leaves %lu %lu %lu", stats.enomem, stats.eexist, (unsigned long)stats.leaves[0], (unsigned long)stats.leaves[1], (unsigned long)stats.leaves[2]);
	cr_expect_gt(stats.enomem, 10);
	cr_expect_gt(stats.eexist, 50);
	cr_expect_gt(stats.leaves[0], 0);
	cr_expect_gt(stats.leaves[1], 0);
	if (has_1g)
		cr_expect_gt(stats.leaves[2], 0);
	else
		cr_expect_eq(stats.leaves[2], 0);
}

Test(pt_random, seed1_1g)
{
	random_run(1, true);
}

Test(pt_random, seed2_1g)
{
	random_run(2, true);
}

Test(pt_random, seed3_no_1g)
{
	random_run(3, false);
}

Test(pt_random, seed4_1g)
{
	random_run(4, true);
}
