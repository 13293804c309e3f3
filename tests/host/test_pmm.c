/* Host tests of the buddy frame allocator (src/mm/pmm.c). */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "mm/pmm.h"
#include "support/host_mm.h"

#define FRAME(pfn) ((paddr_t)(pfn) << PAGE_SHIFT)

/* ------------------------------------------------------------ the oracle */

/*
 * Independent model of an initial layout: a byte per frame (1 = usable), and
 * per order the number of aligned blocks that are fully usable while their
 * parent is not (the canonical buddy decomposition).
 */
struct layout {
	uint64_t nframes;
	unsigned char *usable;
	size_t total;
	size_t blocks[PMM_MAX_ORDER + 1];
};

/* Mark frames fully inside [start, end) with `val`. */
static void layout_mark(struct layout *l, paddr_t start, paddr_t end, unsigned char val)
{
	for (uint64_t pfn = (start + PAGE_SIZE - 1) / PAGE_SIZE;
	     pfn < l->nframes && FRAME(pfn + 1) <= end; pfn++)
		l->usable[pfn] = val;
}

/* Frames [start, end) widened outward to whole frames become unusable. */
static void layout_reserve(struct layout *l, paddr_t start, paddr_t end)
{
	for (uint64_t pfn = start / PAGE_SIZE; pfn < l->nframes && FRAME(pfn) < end; pfn++)
		l->usable[pfn] = 0;
}

/* True when all 2^k frames of the aligned block at pfn are usable. */
static bool layout_full(const struct layout *l, const uint64_t *prefix, uint64_t pfn, unsigned k)
{
	uint64_t end = pfn + (1ULL << k);

	return end <= l->nframes && prefix[end] - prefix[pfn] == (1ULL << k);
}

/* Count the canonical blocks of every order and the usable total. */
static void layout_count(struct layout *l)
{
	uint64_t *prefix = calloc(l->nframes + 1, sizeof(*prefix));

	cr_assert_not_null(prefix);
	for (uint64_t i = 0; i < l->nframes; i++)
		prefix[i + 1] = prefix[i] + l->usable[i];
	l->total = prefix[l->nframes];
	for (unsigned k = 0; k <= PMM_MAX_ORDER; k++) {
		l->blocks[k] = 0;
		for (uint64_t pfn = 0; pfn < l->nframes; pfn += 1ULL << k) {
			bool parent_full = k < PMM_MAX_ORDER &&
					   layout_full(l, prefix, pfn & ~((2ULL << k) - 1), k + 1);

			if (layout_full(l, prefix, pfn, k) && !parent_full)
				l->blocks[k]++;
		}
	}
	free(prefix);
}

/*
 * Build the model of `avail` minus `res`, minus frame 0, minus the metadata
 * expected at `meta` (one 16-byte record per frame up to the top of RAM).
 */
static void layout_build(struct layout *l, const struct pmm_range *avail, size_t navail,
			 const struct pmm_range *res, size_t nres, paddr_t meta)
{
	uint64_t top = 0;

	for (size_t i = 0; i < navail; i++)
		if (avail[i].end / PAGE_SIZE > top)
			top = avail[i].end / PAGE_SIZE;
	l->nframes = top;
	l->usable = calloc(top + 1, 1);
	cr_assert_not_null(l->usable);
	for (size_t i = 0; i < navail; i++)
		layout_mark(l, avail[i].start, avail[i].end, 1);
	for (size_t i = 0; i < nres; i++)
		layout_reserve(l, res[i].start, res[i].end);
	layout_reserve(l, meta, meta + ALIGN_UP(top * 16, PAGE_SIZE));
	l->usable[0] = 0;
	layout_count(l);
}

/* Check every counter of pmm against the model. */
static void expect_layout(const struct layout *l)
{
	cr_expect_eq(pmm_total_frames(), l->total, "total %zu, expected %zu",
		     pmm_total_frames(), l->total);
	cr_expect_eq(pmm_free_frames(), l->total);
	for (unsigned k = 0; k <= PMM_MAX_ORDER; k++)
		cr_expect_eq(pmm_free_blocks(k), l->blocks[k], "order %u: %zu blocks, expected %zu",
			     k, pmm_free_blocks(k), l->blocks[k]);
}

/* Init pmm with the layout and compare; the metadata is expected at `meta`. */
static void check_layout(const struct pmm_range *avail, size_t navail,
			 const struct pmm_range *res, size_t nres, paddr_t limit, paddr_t meta)
{
	struct layout l;

	host_pmm_setup(MiB(2));
	cr_assert_eq(pmm_init(avail, navail, res, nres, limit), 0);
	layout_build(&l, avail, navail, res, nres, meta);
	expect_layout(&l);
	cr_expect_not(pmm_is_allocated(meta), "metadata must not be handed out");
	cr_expect_eq(pmm_refcount(meta), 0);
	free(l.usable);
}

/* Snapshot of every per-order count. */
struct counts {
	size_t blocks[PMM_MAX_ORDER + 1];
	size_t free;
};

static void snap(struct counts *c)
{
	for (unsigned k = 0; k <= PMM_MAX_ORDER; k++)
		c->blocks[k] = pmm_free_blocks(k);
	c->free = pmm_free_frames();
}

static void expect_counts(const struct counts *c)
{
	cr_expect_eq(pmm_free_frames(), c->free, "free %zu, expected %zu", pmm_free_frames(),
		     c->free);
	for (unsigned k = 0; k <= PMM_MAX_ORDER; k++)
		cr_expect_eq(pmm_free_blocks(k), c->blocks[k], "order %u: %zu, expected %zu", k,
			     pmm_free_blocks(k), c->blocks[k]);
}

/* ------------------------------------------------------------ init layouts */

Test(pmm, init_exact_counts_simple)
{
	/* [1 MiB, 64 MiB): 16384 records = 64 frames of metadata at 1 MiB. */
	host_pmm_setup(MiB(64));
	cr_expect_eq(pmm_total_frames(), (64 - 1) * 256 - 64);
	cr_expect_eq(pmm_free_frames(), (64 - 1) * 256 - 64);
	/* Usable frames 320..16384: blocks of order 6, 7, 9, 10, 11, 12, 13. */
	for (unsigned k = 0; k <= PMM_MAX_ORDER; k++) {
		bool one = k == 6 || k == 7 || (k >= 9 && k <= 13);

		cr_expect_eq(pmm_free_blocks(k), one ? 1 : 0, "order %u", k);
	}
	cr_expect_eq(pmm_free_blocks(PMM_MAX_ORDER + 1), 0);
	cr_expect_eq(pmm_alloc_calls(), 0);
}

Test(pmm, init_holes_reserved_unaligned)
{
	struct pmm_range avail[] = {
		{MiB(40) + 123, MiB(64) - 5},
		{0, 0x9fc00},
		{MiB(1), MiB(32)},
	};
	struct pmm_range res[] = {
		{MiB(1), MiB(1) + 0x5123},
		{MiB(20), MiB(21)},
		{MiB(30) + 1, MiB(30) + 2},
	};

	/* 16383 frames -> 64 metadata frames, first fit at page 1. */
	check_layout(avail, 3, res, 3, MiB(64), PAGE_SIZE);
	cr_expect(pmm_free_frames() < (MiB(64) / PAGE_SIZE));
}

Test(pmm, init_overlapping_and_adjacent_ranges)
{
	struct pmm_range avail[] = {
		{MiB(1), MiB(1) + KiB(64)},
		{MiB(1) + KiB(64), MiB(30)},
		{MiB(2), MiB(3)},
		{MiB(29), MiB(31) + 7},
	};

	/* 120 KiB of metadata spans the two adjacent ranges at 1 MiB. */
	check_layout(avail, 4, NULL, 0, MiB(64), MiB(1));
}

Test(pmm, init_meta_skips_reserved_and_small_ranges)
{
	struct pmm_range avail[] = {
		{PAGE_SIZE, PAGE_SIZE * 8},
		{MiB(1), MiB(64)},
	};
	struct pmm_range res[] = {
		{MiB(1), MiB(2) - 1},
	};

	/* 256 KiB of metadata neither fits in 7 pages nor in the reserved MiB. */
	check_layout(avail, 2, res, 1, MiB(64), MiB(2));
}

Test(pmm, init_meta_after_reserved_inside_range)
{
	struct pmm_range avail[] = {{0, MiB(16)}};
	struct pmm_range res[] = {{0, MiB(1) + 17}, {MiB(1) + KiB(100), MiB(2)}};

	/* 64 KiB needed: [1 MiB + 4 KiB, 1 MiB + 100 KiB) fits, first fit. */
	check_layout(avail, 1, res, 2, MiB(16), MiB(1) + PAGE_SIZE);
}

Test(pmm, init_region_above_4g)
{
	struct pmm_range avail[] = {
		{MiB(1), GiB(3)},
		{0, 0x9fc00},
		{GiB(4), GiB(6)},
	};

	/* 6 GiB of frames -> 24 MiB of metadata: too big below 640 KiB. */
	check_layout(avail, 3, NULL, 0, GiB(1), MiB(1));
	cr_expect_eq(pmm_free_blocks(PMM_MAX_ORDER), 4); /* 1, 2 GiB and 4, 5 GiB */
	paddr_t hi = 0;
	for (int i = 0; i < 4; i++) {
		paddr_t pa = pmm_alloc(PMM_MAX_ORDER);

		cr_assert_neq(pa, 0);
		cr_expect(IS_ALIGNED(pa, GiB(1)));
		hi = MAX(hi, pa);
	}
	cr_expect_eq(pmm_alloc(PMM_MAX_ORDER), 0);
	cr_expect_eq(hi, GiB(5));
}

Test(pmm, init_no_room_for_metadata)
{
	struct pmm_range avail[] = {{MiB(1), GiB(6)}};

	host_pmm_setup(MiB(2));
	cr_expect_eq(pmm_init(avail, 1, NULL, 0, MiB(16)), -ENOMEM);
	cr_expect_eq(pmm_free_frames(), 0);
	cr_expect_eq(pmm_alloc(0), 0);
	cr_expect_eq(pmm_init(NULL, 0, NULL, 0, MiB(16)), 0);
	cr_expect_eq(pmm_total_frames(), 0);
}

Test(pmm, init_again_starts_over)
{
	host_pmm_setup(MiB(64));
	size_t total = pmm_total_frames();

	for (int i = 0; i < 10; i++)
		cr_assert_neq(pmm_alloc(3), 0);
	pmm_fail_nth(5);
	host_pmm_setup(MiB(64));
	cr_expect_eq(pmm_free_frames(), total);
	cr_expect_eq(pmm_alloc_calls(), 0);
	for (int i = 0; i < 6; i++)
		cr_expect_neq(pmm_alloc(0), 0, "injection must not survive pmm_init");
}

/* ------------------------------------------------------------ alloc/free */

Test(pmm, alloc_every_order_aligned)
{
	paddr_t got[PMM_MAX_ORDER + 1];
	struct counts c;

	host_pmm_setup(GiB(4));
	snap(&c);
	for (unsigned k = 0; k <= PMM_MAX_ORDER; k++) {
		size_t before = pmm_free_frames();

		got[k] = pmm_alloc(k);
		cr_assert_neq(got[k], 0, "order %u", k);
		cr_expect(IS_ALIGNED(got[k], PAGE_SIZE << k), "order %u at %#lx", k, got[k]);
		cr_expect_eq(pmm_free_frames(), before - (1ULL << k));
		cr_expect(pmm_is_allocated(got[k]));
		cr_expect(pmm_is_allocated(got[k] + (PAGE_SIZE << k) - PAGE_SIZE));
		cr_expect_eq(pmm_refcount(got[k] + (PAGE_SIZE << k) / 2), 1);
	}
	cr_expect_eq(pmm_alloc(PMM_MAX_ORDER + 1), 0);
	for (unsigned k = 0; k <= PMM_MAX_ORDER; k++)
		pmm_free(got[k], k);
	expect_counts(&c);
}

Test(pmm, frame_zero_and_meta_never_handed_out)
{
	struct pmm_range avail[] = {{0, MiB(1)}};
	size_t n = 0;

	host_pmm_setup(MiB(2));
	cr_assert_eq(pmm_init(avail, 1, NULL, 0, MiB(1)), 0);
	/* 256 records = 1 metadata frame at page 1; frames 2..255 usable. */
	cr_expect_eq(pmm_total_frames(), 254);
	for (paddr_t pa; (pa = pmm_alloc(0)) != 0; n++)
		cr_expect(pa >= 2 * PAGE_SIZE);
	cr_expect_eq(n, 254);
	cr_expect_not(pmm_is_allocated(0));
	cr_expect_not(pmm_is_allocated(PAGE_SIZE));
}

/* Allocate 2^order blocks until none is left; returns how many. */
static size_t drain(unsigned order, paddr_t *out, size_t max)
{
	size_t n = 0;
	paddr_t pa;

	while ((pa = pmm_alloc(order)) != 0) {
		cr_assert_lt(n, max);
		out[n++] = pa;
	}
	return n;
}

Test(pmm, exhaustion_and_full_restore)
{
	static paddr_t blocks[8192], singles[37];
	struct counts c;
	size_t n[3];

	host_pmm_setup(MiB(16));
	snap(&c);
	for (int i = 0; i < 37; i++) {
		singles[i] = pmm_alloc(0);
		cr_assert_neq(singles[i], 0);
	}
	n[0] = drain(4, blocks, 8192);
	n[1] = drain(1, blocks + n[0], 8192 - n[0]);
	n[2] = drain(0, blocks + n[0] + n[1], 8192 - n[0] - n[1]);
	cr_expect_eq(pmm_free_frames(), 0);
	cr_expect_eq(37 + n[0] * 16 + n[1] * 2 + n[2], c.free);
	for (unsigned k = 0; k <= PMM_MAX_ORDER; k++)
		cr_expect_eq(pmm_free_blocks(k), 0);
	cr_expect_eq(pmm_alloc(0), 0);
	for (int i = 0; i < 37; i++)
		pmm_free(singles[i], 0);
	/* Free in an interleaved order so merges happen out of address order. */
	for (size_t i = 0; i < n[2]; i++)
		pmm_free(blocks[n[0] + n[1] + i], 0);
	for (size_t i = 0; i < n[0]; i += 2)
		pmm_free(blocks[i], 4);
	for (size_t i = 0; i < n[1]; i++)
		pmm_free(blocks[n[0] + i], 1);
	for (size_t i = 1; i < n[0]; i += 2)
		pmm_free(blocks[i], 4);
	expect_counts(&c);
}

Test(pmm, partial_free_of_2m_block)
{
	struct counts c;

	host_pmm_setup(MiB(64));
	snap(&c);
	paddr_t pa = pmm_alloc(9);

	cr_assert_neq(pa, 0);
	pmm_free(pa + 7 * PAGE_SIZE, 0);
	cr_expect_eq(pmm_free_frames(), c.free - 511);
	cr_expect_not(pmm_is_allocated(pa + 7 * PAGE_SIZE));
	cr_expect(pmm_is_allocated(pa + 6 * PAGE_SIZE));
	cr_expect(pmm_is_allocated(pa + 8 * PAGE_SIZE));
	cr_expect_eq(pmm_refcount(pa + 511 * PAGE_SIZE), 1);
	/* The freed frame is the only order-0 hole: it comes back first. */
	cr_expect_eq(pmm_free_blocks(0), c.blocks[0] + 1);
	cr_expect_eq(pmm_alloc(0), pa + 7 * PAGE_SIZE);
	pmm_free(pa + 7 * PAGE_SIZE, 0);
	/* Free the rest in pieces: 256 KiB, then single frames, then a half. */
	pmm_free(pa + MiB(1) + KiB(256), 6);
	for (unsigned i = 0; i < 256; i++)
		if (i != 7)
			pmm_free(pa + i * PAGE_SIZE, 0);
	pmm_free(pa + MiB(1) + KiB(512), 7);
	pmm_free(pa + MiB(1), 6);
	expect_counts(&c);
}

Test(pmm, partial_free_halves_of_4m_block)
{
	struct counts c;

	host_pmm_setup(MiB(64));
	snap(&c);
	paddr_t pa = pmm_alloc(10);

	cr_assert_neq(pa, 0);
	pmm_free(pa + MiB(2), 9);
	cr_expect_eq(pmm_free_frames(), c.free - 512);
	cr_expect(pmm_is_allocated(pa + MiB(2) - PAGE_SIZE));
	cr_expect_not(pmm_is_allocated(pa + MiB(2)));
	cr_expect_eq(pmm_alloc(9), pa + MiB(2));
	pmm_free(pa + MiB(2), 9);
	pmm_free(pa, 9);
	expect_counts(&c);
}

Test(pmm, free_spans_split_blocks)
{
	struct counts c;

	host_pmm_setup(MiB(64));
	snap(&c);
	paddr_t pa = pmm_alloc(5);

	cr_assert_neq(pa, 0);
	/* ref/unref split the block; freeing the whole range must still work. */
	cr_expect_eq(pmm_ref(pa + 9 * PAGE_SIZE), 2);
	cr_expect_eq(pmm_unref(pa + 9 * PAGE_SIZE), 1);
	pmm_free(pa, 5);
	expect_counts(&c);
}

Test(pmm, buddies_coalesce_to_top_order)
{
	struct pmm_range avail[] = {{GiB(1), GiB(2)}};
	static paddr_t frames[1024];

	host_pmm_setup(MiB(2));
	/* Metadata for 2 GiB of records (8 MiB) goes in a second range below. */
	struct pmm_range both[] = {avail[0], {MiB(1), MiB(10)}};

	cr_assert_eq(pmm_init(both, 2, NULL, 0, GiB(2)), 0);
	cr_assert_eq(pmm_free_blocks(PMM_MAX_ORDER), 1);
	/* Take the low MiB block away so the 1 GiB block is the only one left. */
	size_t low = pmm_free_frames() - (1ULL << PMM_MAX_ORDER);
	for (size_t i = 0; i < low; i++)
		cr_assert(pmm_alloc(0) < GiB(1));
	for (int i = 0; i < 1024; i++)
		frames[i] = pmm_alloc(0);
	cr_expect_eq(pmm_free_blocks(PMM_MAX_ORDER), 0);
	for (unsigned k = 10; k < PMM_MAX_ORDER; k++)
		cr_expect_eq(pmm_free_blocks(k), 1, "order %u", k);
	for (int i = 1023; i >= 0; i--) {
		cr_assert(frames[i] >= GiB(1) && frames[i] < GiB(1) + MiB(4));
		pmm_free(frames[i], 0);
	}
	cr_expect_eq(pmm_free_blocks(PMM_MAX_ORDER), 1);
	for (unsigned k = 0; k < PMM_MAX_ORDER; k++)
		cr_expect_eq(pmm_free_blocks(k), 0, "order %u", k);
	cr_expect_eq(pmm_alloc(PMM_MAX_ORDER), GiB(1));
}

/* ------------------------------------------------------------ references */

Test(pmm, refcount_behaviour)
{
	struct counts c;

	host_pmm_setup(MiB(64));
	snap(&c);
	paddr_t pa = pmm_alloc(0);
	paddr_t big = pmm_alloc(9);

	cr_assert(pa && big);
	cr_expect_eq(pmm_refcount(pa), 1);
	cr_expect_eq(pmm_ref(pa), 2);
	cr_expect_eq(pmm_ref(pa), 3);
	cr_expect_eq(pmm_refcount(pa), 3);
	cr_expect_eq(pmm_unref(pa), 2);
	cr_expect_eq(pmm_unref(pa), 1);
	cr_expect(pmm_is_allocated(pa));
	cr_expect_eq(pmm_unref(pa), 0);
	cr_expect_not(pmm_is_allocated(pa));
	cr_expect_eq(pmm_refcount(pa), 0);

	/* One frame of a 2 MiB block shared: only that frame's count changes. */
	cr_expect_eq(pmm_ref(big + 100 * PAGE_SIZE), 2);
	cr_expect_eq(pmm_refcount(big + 99 * PAGE_SIZE), 1);
	cr_expect_eq(pmm_refcount(big + 101 * PAGE_SIZE), 1);
	cr_expect_eq(pmm_refcount(big + 100 * PAGE_SIZE), 2);
	cr_expect_eq(pmm_unref(big + 100 * PAGE_SIZE), 1);
	/* Unref to zero of single frames frees them one by one, merging. */
	for (unsigned i = 0; i < 512; i++)
		cr_expect_eq(pmm_unref(big + i * PAGE_SIZE), 0);
	expect_counts(&c);
	cr_expect_eq(pmm_refcount(0), 0);
	cr_expect_eq(pmm_refcount(GiB(7)), 0);
}

Test(pmm, failure_injection)
{
	host_pmm_setup(MiB(16));
	unsigned long calls = pmm_alloc_calls();
	paddr_t a, b, c, d;

	pmm_fail_nth(3);
	a = pmm_alloc(0);
	b = pmm_alloc(0);
	c = pmm_alloc(0);
	d = pmm_alloc(0);
	cr_expect(a && b && d);
	cr_expect_eq(c, 0);
	cr_expect_eq(pmm_alloc_calls(), calls + 4);
	pmm_fail_nth(1);
	cr_expect_eq(pmm_alloc(0), 0);
	pmm_fail_nth(2);
	pmm_fail_nth(0);
	paddr_t e = pmm_alloc(0), f = pmm_alloc(0);
	cr_expect(e && f);
	pmm_free(a, 0);
	pmm_free(b, 0);
	pmm_free(d, 0);
	pmm_free(e, 0);
	pmm_free(f, 0);
	cr_expect_eq(pmm_alloc_calls(), calls + 7);
}

/* ------------------------------------------------------------ bad frees */

Test(pmm, double_free_panics, .signal = SIGABRT)
{
	host_pmm_setup(MiB(16));
	paddr_t pa = pmm_alloc(0);

	pmm_free(pa, 0);
	pmm_free(pa, 0);
}

Test(pmm, double_free_of_part_panics, .signal = SIGABRT)
{
	host_pmm_setup(MiB(16));
	paddr_t pa = pmm_alloc(4);

	pmm_free(pa + 3 * PAGE_SIZE, 0);
	pmm_free(pa, 4);
}

Test(pmm, free_never_allocated_panics, .signal = SIGABRT)
{
	host_pmm_setup(MiB(16));
	pmm_free(MiB(8), 0);
}

Test(pmm, free_not_ram_panics, .signal = SIGABRT)
{
	host_pmm_setup(MiB(16));
	pmm_free(0, 0);
}

Test(pmm, free_metadata_panics, .signal = SIGABRT)
{
	host_pmm_setup(MiB(16));
	pmm_free(MiB(1), 0);
}

Test(pmm, free_beyond_ram_panics, .signal = SIGABRT)
{
	host_pmm_setup(MiB(16));
	pmm_free(MiB(32), 0);
}

Test(pmm, free_misaligned_panics, .signal = SIGABRT)
{
	host_pmm_setup(MiB(16));
	paddr_t pa = pmm_alloc(2);

	pmm_free(pa + PAGE_SIZE, 1);
}

Test(pmm, free_shared_frame_panics, .signal = SIGABRT)
{
	host_pmm_setup(MiB(16));
	paddr_t pa = pmm_alloc(3);

	pmm_ref(pa + 2 * PAGE_SIZE);
	pmm_free(pa, 3);
}

Test(pmm, unref_free_frame_panics, .signal = SIGABRT)
{
	host_pmm_setup(MiB(16));
	paddr_t pa = pmm_alloc(0);

	pmm_unref(pa);
	pmm_unref(pa);
}

/* ------------------------------------------------------------ randomized */

struct live {
	paddr_t pa;
	unsigned order;
};

/* Claim the frames of [pa, pa + 2^order) in the owner map; none may be taken. */
static void model_take(unsigned char *owned, paddr_t pa, unsigned order, unsigned char val)
{
	for (uint64_t i = 0; i < (1ULL << order); i++) {
		uint64_t pfn = (pa >> PAGE_SHIFT) + i;

		cr_assert_neq(owned[pfn], val, "frame %#lx %s twice", FRAME(pfn),
			      val ? "handed out" : "freed");
		owned[pfn] = val;
	}
}

/* Free a live block, sometimes whole, sometimes as two halves or frame by frame. */
static void random_free(unsigned char *owned, struct live *b, unsigned r)
{
	model_take(owned, b->pa, b->order, 0);
	if (b->order > 0 && r % 3 == 0) {
		pmm_free(b->pa + (PAGE_SIZE << (b->order - 1)), b->order - 1);
		pmm_free(b->pa, b->order - 1);
	} else if (b->order > 0 && b->order <= 3 && r % 3 == 1) {
		for (uint64_t i = 0; i < (1ULL << b->order); i++)
			pmm_unref(b->pa + i * PAGE_SIZE);
	} else {
		pmm_free(b->pa, b->order);
	}
}

Test(pmm, randomized_against_model)
{
	static struct live live[4096];
	size_t nlive = 0, frames_live = 0;
	unsigned char *owned = calloc(MiB(64) / PAGE_SIZE, 1);
	struct counts c;

	srand(12345);
	host_pmm_setup(MiB(64));
	snap(&c);
	for (int step = 0; step < 40000; step++) {
		unsigned r = (unsigned)rand();

		if (nlive < 4096 && (r % 5 < 3 || nlive == 0)) {
			unsigned order = (r >> 8) % 100 < 80 ? (r >> 16) % 3 : (r >> 16) % 11;
			paddr_t pa = pmm_alloc(order);

			if (pa == 0) {
				for (unsigned k = order; k <= PMM_MAX_ORDER; k++)
					cr_assert_eq(pmm_free_blocks(k), 0, "alloc failed, order %u free", k);
				continue;
			}
			cr_assert(IS_ALIGNED(pa, PAGE_SIZE << order));
			model_take(owned, pa, order, 1);
			live[nlive++] = (struct live){pa, order};
			frames_live += 1ULL << order;
		} else {
			size_t i = (r >> 4) % nlive;

			random_free(owned, &live[i], r >> 12);
			frames_live -= 1ULL << live[i].order;
			live[i] = live[--nlive];
		}
		cr_assert_eq(pmm_free_frames(), c.free - frames_live);
	}
	while (nlive > 0) {
		nlive--;
		random_free(owned, &live[nlive], (unsigned)nlive);
	}
	expect_counts(&c);
	free(owned);
}

/* ------------------------------------------------------------ range unref */

/*
 * The state pmm_unref_range must reach: in a fresh 64 MiB pool, allocate
 * blocks of `orders` (nblocks of them, each at its address in pa[]), take an
 * extra reference to the frames listed in `shared` (offsets from pa[0]),
 * then drop one reference from `n` frames at pa[0] + off, frame by frame
 * with pmm_unref when `by_range` is false, with one pmm_unref_range when
 * true. The counts after it go to *c.
 */
static void unref_scenario(const unsigned *orders, size_t nblocks, const uint64_t *shared,
			   size_t nshared, uint64_t off, uint64_t n, bool by_range,
			   struct counts *c, paddr_t *pa)
{
	host_pmm_setup(MiB(64));
	for (size_t i = 0; i < nblocks; i++)
		cr_assert_neq(pa[i] = pmm_alloc(orders[i]), 0);
	for (size_t i = 0; i < nshared; i++)
		cr_assert_eq(pmm_ref(pa[0] + shared[i] * PAGE_SIZE), 2);
	if (by_range)
		pmm_unref_range(pa[0] + off * PAGE_SIZE, n);
	else
		for (uint64_t i = 0; i < n; i++)
			pmm_unref(pa[0] + (off + i) * PAGE_SIZE);
	snap(c);
}

/* Run the scenario both ways; the free frames, blocks and counts must agree. */
static void expect_unref_like_frames(const unsigned *orders, size_t nblocks,
				     const uint64_t *shared, size_t nshared, uint64_t off,
				     uint64_t n)
{
	struct counts frames, range;
	paddr_t pa[8], pa2[8];
	uint32_t counts[2048];

	cr_assert(nblocks <= 8 && off + n <= 2048);
	unref_scenario(orders, nblocks, shared, nshared, off, n, false, &frames, pa);
	for (uint64_t i = 0; i < off + n; i++)
		counts[i] = pmm_refcount(pa[0] + i * PAGE_SIZE);
	unref_scenario(orders, nblocks, shared, nshared, off, n, true, &range, pa2);
	for (size_t i = 0; i < nblocks; i++)
		cr_assert_eq(pa2[i], pa[i]);
	expect_counts(&frames);
	for (uint64_t i = 0; i < off + n; i++)
		cr_expect_eq(pmm_refcount(pa[0] + i * PAGE_SIZE), counts[i], "frame %lu", i);
}

Test(pmm, unref_range_of_2m_block_frees_one_order9_block)
{
	struct counts c, mid;
	paddr_t pa;

	host_pmm_setup(MiB(64));
	snap(&c);
	pa = pmm_alloc(10);
	cr_assert_neq(pa, 0);
	snap(&mid);
	pmm_unref_range(pa, 512);
	/* Its buddy is still allocated: exactly one more order-9 block, nothing smaller. */
	cr_expect_eq(pmm_free_frames(), mid.free + 512);
	for (unsigned k = 0; k <= PMM_MAX_ORDER; k++)
		cr_expect_eq(pmm_free_blocks(k), mid.blocks[k] + (k == 9), "order %u", k);
	cr_expect_not(pmm_is_allocated(pa));
	cr_expect_not(pmm_is_allocated(pa + MiB(2) - PAGE_SIZE));
	cr_expect_eq(pmm_refcount(pa + MiB(2)), 1);
	cr_expect_eq(pmm_refcount(pa + MiB(4) - PAGE_SIZE), 1);
	pmm_unref_range(pa + MiB(2), 512);
	expect_counts(&c);
}

Test(pmm, unref_range_keeps_shared_frames_of_a_2m_block)
{
	/* Free blocks per order that 509 frames around holes at 0, 77 and 511 make. */
	static const size_t holes[] = {3, 3, 3, 3, 3, 3, 1, 2, 0, 0};
	struct counts c, mid;
	paddr_t pa;

	host_pmm_setup(MiB(64));
	snap(&c);
	pa = pmm_alloc(9);
	cr_assert_neq(pa, 0);
	snap(&mid);
	/* Frames 0, 77 and 511 are also mapped elsewhere (copy-on-write after fork). */
	cr_assert_eq(pmm_ref(pa), 2);
	cr_assert_eq(pmm_ref(pa + 77 * PAGE_SIZE), 2);
	cr_assert_eq(pmm_ref(pa + 511 * PAGE_SIZE), 2);
	pmm_unref_range(pa, 512);
	cr_expect_eq(pmm_free_frames(), mid.free + 509);
	for (unsigned i = 0; i < 512; i++)
		cr_expect_eq(pmm_refcount(pa + i * PAGE_SIZE), i == 0 || i == 77 || i == 511,
			     "frame %u", i);
	for (unsigned k = 0; k <= PMM_MAX_ORDER; k++)
		cr_expect_eq(pmm_free_blocks(k), mid.blocks[k] + (k < 10 ? holes[k] : 0),
			     "order %u: %zu", k, pmm_free_blocks(k));
	pmm_unref_range(pa + 77 * PAGE_SIZE, 1);
	pmm_unref_range(pa, 1);
	pmm_unref_range(pa + 511 * PAGE_SIZE, 1);
	expect_counts(&c);
}

Test(pmm, unref_range_matches_unref_frame_by_frame)
{
	static const unsigned big[] = {9}, four[] = {10};
	static const uint64_t none[] = {0}, some[] = {1, 2, 300, 511}, more[] = {5, 64, 700};

	expect_unref_like_frames(big, 1, none, 0, 0, 512);
	expect_unref_like_frames(big, 1, some, 4, 0, 512);
	expect_unref_like_frames(big, 1, none, 0, 5, 300);
	expect_unref_like_frames(big, 1, some, 4, 3, 509);
	expect_unref_like_frames(big, 1, none, 0, 256, 256);
	expect_unref_like_frames(four, 1, some, 4, 100, 700);
	expect_unref_like_frames(four, 1, none, 0, 0, 1024);
	/* References split a 4 MiB block into blocks of many orders; ranges across them. */
	expect_unref_like_frames(four, 1, more, 3, 3, 1000);
	expect_unref_like_frames(four, 1, more, 3, 0, 1024);
	expect_unref_like_frames(four, 1, more, 3, 64, 1);
}

Test(pmm, unref_range_of_free_frame_panics, .signal = SIGABRT)
{
	host_pmm_setup(MiB(16));
	paddr_t pa = pmm_alloc(9);

	pmm_unref_range(pa, 512);
	pmm_unref_range(pa + PAGE_SIZE, 1);
}
