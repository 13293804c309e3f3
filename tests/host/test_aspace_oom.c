/*
 * Host tests of -ENOMEM rollbacks next to large leaves split before
 * (src/mm/aspace.c, page.c, pt.c): an operation that fails for lack of a
 * frame must leave the page tables exactly as they were, so a 2 MiB leaf a
 * partial mprotect split earlier (a PTE-mapped THP, as Linux leaves it)
 * stays 512 4 KiB leaves, and one the failed operation split is whole again.
 * Each case checks the leaf sizes, the VMAs and the free frames before and
 * after, and as_check.
 */
#include <criterion/criterion.h>

#include "lib/errno.h"
#include "mm/aspace.h"
#include "mm/mmarch.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "support/as_testlib.h"
#include "support/host_mm.h"

#define RX (PROT_READ | PROT_EXEC)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW_ (PROT_READ | PROT_WRITE)
#define MADV_DONTFORK_ 10 /* Linux's MADV_DONTFORK */
#define BASE 0x40400000ULL /* 2 MiB aligned */

static struct aspace *as;
static size_t free0;

static void setup(void)
{
	host_mm_setup(MiB(64));
	free0 = pmm_free_frames();
	as = as_create();
	cr_assert_not_null(as);
}

static void teardown(void)
{
	pmm_fail_nth(0);
	cr_assert_eq(as_check(as), 0, "as_check failed");
	as_destroy(as);
	cr_assert_eq(pmm_free_frames(), free0, "leaked %zd frames",
		     (ssize_t)(free0 - pmm_free_frames()));
}

TestSuite(oom, .init = setup, .fini = teardown);

/* Leaves of each size met by a walk. */
struct leaf_count {
	size_t n4k, n2m;
};

static int count_cb(void *ctx, const struct pt_leaf *leaf)
{
	struct leaf_count *lc = ctx;

	if (leaf->size == PAGE_SIZE)
		lc->n4k++;
	else if (leaf->size == PAGE_2M)
		lc->n2m++;
	return 0;
}

/* The leaves of [va, va + len) by size. */
static struct leaf_count leaves(vaddr_t va, uint64_t len)
{
	struct leaf_count lc = {0, 0};

	pt_walk(as_root(as), va, len, count_cb, &lc);
	return lc;
}

/* Expect [va, va + 2 MiB) mapped by n4k 4 KiB leaves, or by one 2 MiB leaf when n4k is 0. */
static void expect_block(vaddr_t va, size_t n4k)
{
	struct leaf_count lc = leaves(va, PAGE_2M);

	cr_expect_eq(lc.n4k, n4k, "%#llx: %zu 4 KiB leaves, expected %zu",
		     (unsigned long long)va, lc.n4k, n4k);
	cr_expect_eq(lc.n2m, n4k ? 0 : 1, "%#llx: %zu 2 MiB leaves",
		     (unsigned long long)va, lc.n2m);
}

/*
 * 4 MiB populated RX at BASE (two 2 MiB leaves), then PROT_EXEC on its first
 * 0x3d000 bytes: two VMAs, and the first 2 MiB leaf split into 512 4 KiB
 * leaves whose flags agree again (Linux's PTE-mapped THP: never folded back).
 */
static void map_split_block(void)
{
	cr_assert_eq(as_mmap(as, BASE, MiB(4), RX, ANON | MAP_FIXED | MAP_POPULATE), (long)BASE);
	expect_block(BASE, 0);
	expect_block(BASE + PAGE_2M, 0);
	cr_assert_eq(as_mprotect(as, BASE, 0x3d000, PROT_EXEC), 0);
	expect_block(BASE, 512);
	expect_block(BASE + PAGE_2M, 0);
}

/*
 * Run op with the first frame allocation failing: it must answer -ENOMEM
 * and leave the VMAs, every leaf (sizes, frames, flags, contents), the
 * page tables and the free frames as they were.
 */
static void expect_enomem_changes_nothing(long (*op)(void))
{
	struct as_snap before, after;
	size_t free1 = pmm_free_frames(), tables1 = pt_table_frames();

	as_snap_take(as, &before);
	pmm_fail_nth(1);
	cr_expect_eq(op(), -ENOMEM);
	pmm_fail_nth(0);
	as_snap_take(as, &after);
	cr_expect_eq(as_snap_compare(&before, &after, "ENOMEM left a change"), 0);
	as_snap_free(&before);
	as_snap_free(&after);
	cr_expect_eq(pmm_free_frames(), free1, "%zd frames more in use",
		     (ssize_t)(free1 - pmm_free_frames()));
	cr_expect_eq(pt_table_frames(), tables1);
	expect_block(BASE, 512);
	expect_block(BASE + PAGE_2M, 0);
}

/* Shrinking move of the split block's first VMA onto base + 0xff000 (fuzz seed finding). */
static long mremap_shrink_move(void)
{
	return as_mremap(as, BASE, 0x3d000, PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED,
			 BASE - 0x301000);
}

Test(oom, failed_mremap_keeps_a_split_2m_leaf_split)
{
	map_split_block();
	expect_enomem_changes_nothing(mremap_shrink_move);
	cr_expect_eq(mremap_shrink_move(), (long)(BASE - 0x301000));
	cr_expect_eq(leaves(BASE - 0x301000, PAGE_SIZE).n4k, 1);
	cr_expect_eq(leaves(BASE, PAGE_2M).n4k, 512 - 0x3d);
}

/* munmap from inside the split block into the next one: only the second split needs a table. */
static long munmap_across(void)
{
	return as_munmap(as, BASE + 0x1000, PAGE_2M);
}

Test(oom, failed_munmap_keeps_a_split_2m_leaf_split)
{
	map_split_block();
	expect_enomem_changes_nothing(munmap_across);
	cr_expect_eq(munmap_across(), 0);
	cr_expect_eq(leaves(BASE, PAGE_2M).n4k, 1);
	cr_expect_eq(leaves(BASE + PAGE_2M, PAGE_2M).n4k, 511);
}

/* mprotect from inside the split block into the next one, over the VMA boundary. */
static long mprotect_across(void)
{
	return as_mprotect(as, BASE + 0x1000, PAGE_2M, PROT_READ);
}

Test(oom, failed_mprotect_keeps_a_split_2m_leaf_split)
{
	map_split_block();
	expect_enomem_changes_nothing(mprotect_across);
	cr_expect_eq(mprotect_across(), 0);
	expect_block(BASE + PAGE_2M, 512);
}

/*
 * 4 MiB populated RW at BASE whose first 2 MiB leaf an mprotect split and a
 * second put back (one VMA again, 512 4 KiB leaves, written again so that
 * all are alike: never folded back), and
 * a second 4 MiB RW region with an MADV_DONTFORK page inside, so a clone
 * must split the second region's leaves at the ends of its writable VMAs.
 */
static void map_split_writable(void)
{
	cr_assert_eq(as_mmap(as, BASE, MiB(4), RW_, ANON | MAP_FIXED | MAP_POPULATE), (long)BASE);
	cr_assert_eq(as_mprotect(as, BASE, 0x3d000, PROT_READ), 0);
	cr_assert_eq(as_mprotect(as, BASE, 0x3d000, RW_), 0);
	for (vaddr_t va = BASE; va < BASE + 0x3d000; va += PAGE_SIZE)
		cr_assert_eq(as_fault(as, va, AS_PF_USER | AS_PF_WRITE), AS_FAULT_OK);
	expect_block(BASE, 512);
	expect_block(BASE + PAGE_2M, 0);
	cr_assert_eq(as_mmap(as, BASE + MiB(6), MiB(4), RW_, ANON | MAP_FIXED | MAP_POPULATE),
		     (long)(BASE + MiB(6)));
	cr_assert_eq(as_madvise(as, BASE + MiB(6) + 0x5000, PAGE_SIZE, MADV_DONTFORK_), 0);
}

/*
 * A clone failing at each of its frame allocations in turn leaves the parent
 * as it was (leaves, VMAs, frames), its split leaf split, until one succeeds.
 */
Test(oom, failed_clone_keeps_the_parents_split_leaf_split)
{
	struct aspace *c = NULL;
	unsigned n;

	map_split_writable();
	for (n = 1; n < 2000 && !c; n++) {
		struct as_snap before, after;
		size_t free1 = pmm_free_frames();

		as_snap_take(as, &before);
		pmm_fail_nth(n);
		c = as_clone(as);
		pmm_fail_nth(0);
		if (!c) {
			as_snap_take(as, &after);
			cr_assert_eq(as_snap_compare(&before, &after, "failed clone"), 0,
				     "failure at allocation %u", n);
			as_snap_free(&after);
			cr_assert_eq(pmm_free_frames(), free1, "failure at allocation %u", n);
			expect_block(BASE, 512);
		}
		as_snap_free(&before);
	}
	cr_assert_not_null(c, "no clone in 2,000 tries");
	cr_expect_gt(n, 2, "the clone failed at least once");
	as_destroy(c);
}

/*
 * A copy-on-write fault on the first page of a whole 2 MiB leaf, next to the
 * split one, that fails for its copy's frame gives back the one split it
 * made and nothing else: the split leaf beside it stays split.
 */
Test(oom, failed_cow_fault_keeps_the_split_leaf_beside_split)
{
	struct aspace *c;
	struct as_snap before, after;

	map_split_writable();
	c = as_clone(as);
	cr_assert_not_null(c);
	as_snap_take(as, &before);
	pmm_fail_nth(2); /* the split's table, then the copy's frame */
	cr_expect_eq(as_fault(as, BASE + PAGE_2M, AS_PF_WRITE | AS_PF_USER | AS_PF_PRESENT),
		     AS_FAULT_OOM);
	pmm_fail_nth(0);
	as_snap_take(as, &after);
	cr_expect_eq(as_snap_compare(&before, &after, "failed COW fault"), 0);
	as_snap_free(&before);
	as_snap_free(&after);
	expect_block(BASE, 512);
	expect_block(BASE + PAGE_2M, 0);
	cr_expect_eq(as_fault(as, BASE + PAGE_2M, AS_PF_WRITE | AS_PF_USER | AS_PF_PRESENT),
		     AS_FAULT_OK);
	as_destroy(c);
}
