/* Host tests of the kernel virtual-area allocator (src/mm/vmarea.c). */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "lib/rtree.h"
#include "mm/heap.h"
#include "mm/mmarch.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "mm/vmarea.h"
#include "support/host_mm.h"

/* Test hook in vmarea.c. */
const struct rtree *vmarea_debug_tree(void);

static paddr_t root;
static size_t free0, tables0, heap0;

static void setup(void)
{
	host_mm_setup(MiB(256));
	cr_assert_eq(pt_create(&root), 0);
	vmarea_init(root);
	/*
	 * pt keeps the kernel half's second-level tables for good (every
	 * address space shares them): make that one table exist before the
	 * counts are taken.
	 */
	void *warm = vmarea_alloc(PAGE_SIZE, 0);
	cr_assert_not_null(warm);
	vmarea_free(warm);
	free0 = pmm_free_frames();
	tables0 = pt_table_frames();
	heap0 = heap_bytes_in_use();
}

static void expect_counts_restored(void)
{
	cr_expect_eq(pmm_free_frames(), free0);
	cr_expect_eq(pt_table_frames(), tables0);
	cr_expect_eq(heap_bytes_in_use(), heap0);
}

/* Frame behind va, which must be mapped with `flags`. */
static paddr_t frame_of(uint64_t va, unsigned flags)
{
	struct pt_leaf leaf;

	cr_assert(pt_query(root, va, &leaf), "0x%lx not mapped", (unsigned long)va);
	cr_assert_eq(leaf.flags, flags, "flags of 0x%lx", (unsigned long)va);
	return leaf.pa + (va - leaf.va);
}

static bool mapped(uint64_t va)
{
	struct pt_leaf leaf;

	return pt_query(root, va, &leaf);
}

#define RW_NX (PT_WRITE | PT_NX | PT_GLOBAL)

Test(vmarea, alloc_free_exact_addresses, .init = setup)
{
	uint64_t a = (uint64_t)vmarea_alloc(3 * PAGE_SIZE + 1, 0);
	uint64_t b = (uint64_t)vmarea_alloc(2 * PAGE_SIZE, VMAREA_ZERO);

	cr_assert_eq(a, VMAREA_BASE);
	cr_assert_eq(b, VMAREA_BASE + 4 * PAGE_SIZE + PAGE_SIZE);
	cr_expect_eq(vmarea_count(), 2);
	for (int i = 0; i < 4; i++)
		frame_of(a + i * PAGE_SIZE, RW_NX);
	cr_expect_not(mapped(a + 4 * PAGE_SIZE), "guard page after a is mapped");
	cr_expect(mapped(b));
	cr_expect_not(mapped(b + 2 * PAGE_SIZE), "guard page after b is mapped");
	cr_expect_neq(frame_of(a, RW_NX), frame_of(a + PAGE_SIZE, RW_NX));
	cr_assert_eq(rtree_check(vmarea_debug_tree()), 0);

	vmarea_free((void *)a);
	cr_expect_eq(vmarea_count(), 1);
	cr_expect_not(mapped(a));
	cr_expect_not(mapped(a + 3 * PAGE_SIZE));
	cr_expect(mapped(b));

	/* Reuse: the freed range is the lowest fit again. */
	uint64_t c = (uint64_t)vmarea_alloc(4 * PAGE_SIZE, 0);
	uint64_t d = (uint64_t)vmarea_alloc(PAGE_SIZE, VMAREA_EXEC);

	cr_expect_eq(c, VMAREA_BASE);
	cr_expect_eq(d, b + 3 * PAGE_SIZE);
	frame_of(d, PT_WRITE | PT_GLOBAL);
	vmarea_free((void *)c);
	/* Too big for the hole of 5 pages at the base: goes after d. */
	uint64_t e = (uint64_t)vmarea_alloc(5 * PAGE_SIZE, 0);
	cr_expect_eq(e, d + 2 * PAGE_SIZE);
	vmarea_free((void *)b);
	vmarea_free((void *)d);
	vmarea_free((void *)e);
	vmarea_free(NULL);
	cr_expect_eq(vmarea_count(), 0);
	cr_expect_eq(rtree_check(vmarea_debug_tree()), 0);
	expect_counts_restored();
}

Test(vmarea, frame_accounting, .init = setup)
{
	void *a = vmarea_alloc(10 * PAGE_SIZE, 0);
	size_t tables = pt_table_frames() - tables0;

	cr_assert_not_null(a);
	cr_expect_gt(tables, 0);
	/* 10 data frames, the new tables, and at most one heap slab page. */
	cr_expect_geq(free0 - pmm_free_frames(), 10 + tables);
	cr_expect_leq(free0 - pmm_free_frames(), 10 + tables + 1);
	vmarea_free(a);
	expect_counts_restored();
}

Test(vmarea, bad_sizes_return_null, .init = setup)
{
	cr_expect_null(vmarea_alloc(0, 0));
	cr_expect_null(vmarea_alloc(VMAREA_SIZE, 0));
	cr_expect_null(vmarea_alloc((size_t)-1, 0));
	cr_expect_eq(vmarea_count(), 0);
	expect_counts_restored();
}

Test(vmarea, zero_flag_clears_reused_frames, .init = setup)
{
	uint64_t a = (uint64_t)vmarea_alloc(4 * PAGE_SIZE, 0);

	for (int i = 0; i < 4; i++)
		memset(mm_phys_to_virt(frame_of(a + i * PAGE_SIZE, RW_NX)), 0xa5,
		       PAGE_SIZE);
	vmarea_free((void *)a);
	a = (uint64_t)vmarea_alloc(4 * PAGE_SIZE, VMAREA_ZERO);
	cr_assert_eq(a, VMAREA_BASE);
	for (int i = 0; i < 4; i++) {
		const unsigned char *p =
			mm_phys_to_virt(frame_of(a + i * PAGE_SIZE, RW_NX));

		for (size_t j = 0; j < PAGE_SIZE; j++)
			cr_assert_eq(p[j], 0, "page %d byte %zu", i, j);
	}
	vmarea_free((void *)a);
	expect_counts_restored();
}

Test(vmarea, large_area_frees_every_frame, .init = setup)
{
	enum { N = 1100 };
	uint64_t a = (uint64_t)vmarea_alloc(N * PAGE_SIZE, VMAREA_ZERO);

	cr_assert_eq(a, VMAREA_BASE);
	for (int i = 0; i < N; i++)
		frame_of(a + i * PAGE_SIZE, RW_NX);
	cr_expect_not(mapped(a + N * PAGE_SIZE));
	uint64_t b = (uint64_t)vmarea_alloc(PAGE_SIZE, 0);
	cr_expect_eq(b, a + (N + 1) * PAGE_SIZE);
	vmarea_free((void *)a);
	cr_expect_not(mapped(a));
	cr_expect(mapped(b));
	vmarea_free((void *)b);
	expect_counts_restored();
}

/* Fail the k-th frame allocation for every k until the allocation succeeds. */
static void oom_every_frame(size_t size)
{
	void *keep = vmarea_alloc(PAGE_SIZE, 0);
	size_t f = pmm_free_frames(), t = pt_table_frames(), h = heap_bytes_in_use();
	unsigned long k;
	void *p = NULL;

	cr_assert_not_null(keep);
	for (k = 1; k < 100000; k++) {
		pmm_fail_nth(k);
		p = vmarea_alloc(size, 0);
		pmm_fail_nth(0);
		if (p)
			break;
		cr_assert_eq(pmm_free_frames(), f, "k=%lu", k);
		cr_assert_eq(pt_table_frames(), t, "k=%lu", k);
		cr_assert_eq(heap_bytes_in_use(), h, "k=%lu", k);
		cr_assert_eq(vmarea_count(), 1);
		cr_assert_eq(rtree_check(vmarea_debug_tree()), 0);
	}
	cr_assert_not_null(p);
	cr_expect_gt(k, size / PAGE_SIZE, "only %lu allocations were tried", k);
	cr_expect_eq((uint64_t)p, VMAREA_BASE + 2 * PAGE_SIZE);
	vmarea_free(p);
	vmarea_free(keep);
	expect_counts_restored();
}

Test(vmarea, oom_at_each_frame_small, .init = setup)
{
	oom_every_frame(5 * PAGE_SIZE);
}

Test(vmarea, oom_at_each_frame_across_tables, .init = setup)
{
	oom_every_frame(600 * PAGE_SIZE);
}

Test(vmarea, oom_in_heap, .init = setup)
{
	heap_fail_nth(1);
	cr_expect_null(vmarea_alloc(3 * PAGE_SIZE, 0));
	heap_fail_nth(0);
	cr_expect_eq(vmarea_count(), 0);
	expect_counts_restored();
	void *p = vmarea_alloc(3 * PAGE_SIZE, 0);
	cr_expect_eq((uint64_t)p, VMAREA_BASE);
	vmarea_free(p);
	expect_counts_restored();
}

Test(vmarea, free_of_a_non_start_panics, .init = setup, .signal = SIGABRT)
{
	uint64_t a = (uint64_t)vmarea_alloc(2 * PAGE_SIZE, 0);

	cr_assert_eq(a, VMAREA_BASE);
	vmarea_free((void *)(a + PAGE_SIZE));
}

/* ---- many areas, random order ---- */

struct slot {
	uint64_t va;
	uint64_t pages;
};

static uint64_t rng = 0x853c49e6748fea9bULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Allocate into s and tag each page's frame with its address. */
static void slot_alloc(struct slot *s)
{
	s->pages = 1 + rnd() % 4;
	s->va = (uint64_t)vmarea_alloc(s->pages * PAGE_SIZE, 0);
	cr_assert_neq(s->va, 0);
	cr_assert_geq(s->va, VMAREA_BASE);
	cr_assert_not(mapped(s->va + s->pages * PAGE_SIZE), "guard mapped");
	for (uint64_t i = 0; i < s->pages; i++) {
		uint64_t va = s->va + i * PAGE_SIZE;

		*(uint64_t *)mm_phys_to_virt(frame_of(va, RW_NX)) = va;
	}
}

/* Check the tags (no frame shared between areas), then free. */
static void slot_free(struct slot *s)
{
	for (uint64_t i = 0; i < s->pages; i++) {
		uint64_t va = s->va + i * PAGE_SIZE;

		cr_assert_eq(*(uint64_t *)mm_phys_to_virt(frame_of(va, RW_NX)), va);
	}
	vmarea_free((void *)s->va);
	cr_assert_not(mapped(s->va));
	s->va = 0;
}

Test(vmarea, ten_thousand_areas_random, .init = setup, .timeout = 60)
{
	enum { N = 10000 };
	struct slot *s = calloc(N, sizeof(*s));
	size_t live = 0;

	cr_assert_not_null(s);
	for (int i = 0; i < N; i++, live++)
		slot_alloc(&s[i]);
	cr_assert_eq(vmarea_count(), N);
	cr_assert_eq(rtree_check(vmarea_debug_tree()), 0);
	for (int op = 0; op < 30000; op++) {
		struct slot *x = &s[rnd() % N];

		if (x->va) {
			slot_free(x);
			live--;
		} else {
			slot_alloc(x);
			live++;
		}
		if (op % 5000 == 4999) {
			cr_assert_eq(vmarea_count(), live);
			cr_assert_eq(rtree_check(vmarea_debug_tree()), 0);
		}
	}
	for (int i = 0; i < N; i++)
		if (s[i].va)
			slot_free(&s[i]);
	cr_assert_eq(vmarea_count(), 0);
	cr_assert_eq(rtree_check(vmarea_debug_tree()), 0);
	/* Everything free again: the next area goes back to the base. */
	void *p = vmarea_alloc(PAGE_SIZE, 0);
	cr_expect_eq((uint64_t)p, VMAREA_BASE);
	vmarea_free(p);
	free(s);
	expect_counts_restored();
}
