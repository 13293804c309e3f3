/*
 * Host tests of the leaf state (mm/pte.h PT_STATE_*: young, dirty,
 * soft-dirty) and of /proc/<pid>/clear_refs 1..4 on an address space
 * (as_clear_refs): pages touched or not since a clear, a write after
 * clear_refs 4 faults and marks the page soft-dirty, copy-on-write still
 * copies, shared mappings stay shared, new VMAs are soft-dirty from birth.
 * User accesses are access_user's (as_testlib), which marks leaves as the
 * MMU would.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "lib/errno.h"
#include "mm/aspace.h"
#include "mm/heap.h"
#include "mm/mobj.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "support/as_testlib.h"
#include "support/host_mm.h"

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define WIN 0x40000000ULL

static size_t free0, tables0, heap0;

static void setup(void)
{
	host_mm_setup(MiB(512));
	mobj_shmem_set_limit(0);
	free0 = pmm_free_frames();
	tables0 = pt_table_frames();
	heap0 = heap_bytes_in_use();
}

static void teardown(void)
{
	cr_assert_eq(pmm_free_frames(), free0, "leaked %zd frames",
		     (ssize_t)(free0 - pmm_free_frames()));
	cr_assert_eq(pt_table_frames(), tables0);
	cr_assert_eq(heap_bytes_in_use(), heap0);
}

TestSuite(softdirty, .init = setup, .fini = teardown);

static bool uwrite(struct aspace *as, vaddr_t va, unsigned char b)
{
	return as_test_write(as, va, &b, 1) == AS_FAULT_OK;
}

static int uread(struct aspace *as, vaddr_t va)
{
	unsigned char b;

	return as_test_read(as, va, &b, 1) == AS_FAULT_OK ? b : -1;
}

/* The leaf state of the page at va; -1 when not mapped. */
static int state_at(struct aspace *as, vaddr_t va)
{
	struct as_page_info pg;

	return as_page_query(as, va, &pg) ? (int)pg.state : -1;
}

/* Leaf flags of the page at va (0 when not mapped). */
static unsigned flags_at(struct aspace *as, vaddr_t va)
{
	struct pt_leaf l;

	return pt_query(as_root(as), va, &l) ? l.flags : 0;
}

static uint64_t referenced(struct aspace *as, vaddr_t start, vaddr_t end)
{
	struct as_mem_stats st;

	as_mem_stats(as, start, end, &st);
	return st.referenced;
}

/* ---------------------------------------------------------------- PTE operations */

Test(softdirty, pte_state_operations)
{
	pte_t e = pte_make_leaf(0x123000, PT_WRITE | PT_USER, 0);

	cr_expect(pte_young(e), "a new leaf is young (accessed), as Linux's protections");
	cr_expect_not(pte_soft_dirty(e));
	cr_expect_eq(pte_state(e), PT_STATE_YOUNG);
	cr_expect_not(pte_young(pte_mkold(e)));
	cr_expect(pte_soft_dirty(pte_mksoft_dirty(e)));
	cr_expect_not(pte_soft_dirty(pte_clear_soft_dirty(pte_mksoft_dirty(e))));
	cr_expect_eq(pte_state(pte_with_state(e, PT_STATE_ALL)), PT_STATE_ALL);
	cr_expect_eq(pte_state(pte_with_state(e, 0)), 0);
	cr_expect(pte_same_leaf(e, pte_with_state(e, PT_STATE_ALL)), "state is not the mapping");
	cr_expect_eq(pte_leaf_flags(pte_wrprotect(e)), PT_USER);
	cr_expect_eq(pte_addr(pte_with_state(pte_wrprotect(e), PT_STATE_ALL), 0), 0x123000);
	cr_expect_eq(pte_leaf_flags(pte_with_state(e, PT_STATE_ALL)), PT_WRITE | PT_USER);
}

/* pt keeps each page's state through protect, split and fold; pt_clear_state clears it. */
Test(softdirty, pt_state_kept_and_cleared)
{
	paddr_t root, pa = pmm_alloc(9);
	vaddr_t va = WIN;

	cr_assert(pa);
	cr_assert_eq(pt_create(&root), 0);
	cr_assert_eq(pt_map(root, va, pa, MiB(2), PT_WRITE | PT_USER), 0);
	cr_assert_eq(pt_add_state(root, va + PAGE_SIZE, PAGE_SIZE, PT_STATE_SOFT_DIRTY), 1);
	cr_expect_eq(pt_add_state(root, va + MiB(2), PAGE_SIZE, PT_STATE_SOFT_DIRTY), 0);
	cr_expect_eq(pt_add_state(root, va, PAGE_SIZE, PT_STATE_SOFT_DIRTY), 0, "already");
	/* one 2 MiB leaf: the whole leaf is soft-dirty */
	cr_assert_eq(pt_split_at(root, va + PAGE_SIZE), 0);
	{
		struct pt_leaf l;

		cr_assert(pt_query(root, va + 5 * PAGE_SIZE, &l));
		cr_expect_eq(l.size, PAGE_SIZE);
		cr_expect_eq(l.state, PT_STATE_YOUNG | PT_STATE_SOFT_DIRTY, "split keeps state");
	}
	cr_expect_eq(pt_clear_state(root, va, PAGE_SIZE, PT_CLEAR_SOFT_DIRTY), 1);
	cr_assert_eq(pt_protect(root, va, PAGE_SIZE, PT_USER | PT_NX), 0);
	{
		struct pt_leaf l;

		cr_assert(pt_query(root, va, &l));
		cr_expect_eq(l.state, PT_STATE_YOUNG, "protect keeps state");
		cr_assert(pt_query(root, va + PAGE_SIZE, &l));
		cr_expect_eq(l.state, PT_STATE_YOUNG | PT_STATE_SOFT_DIRTY);
		cr_expect_eq(l.flags, PT_WRITE | PT_USER);
	}
	cr_expect_eq(pt_clear_state(root, va, MiB(2), PT_CLEAR_YOUNG), 512);
	cr_expect_eq(pt_clear_state(root, va, MiB(2), PT_CLEAR_YOUNG), 0, "nothing left to clear");
	cr_expect_eq(pt_clear_state(root, va, MiB(2), PT_CLEAR_SOFT_DIRTY), 511,
		     "511 writable or soft-dirty pages write-protected");
	{
		struct pt_leaf l;

		cr_assert(pt_query(root, va + PAGE_SIZE, &l));
		cr_expect_eq(l.state, 0);
		cr_expect_eq(l.flags, PT_USER, "soft-dirty clear write-protects");
	}
	cr_assert_eq(pt_unmap(root, va, MiB(2)), 0);
	pt_destroy(root, PT_DESTROY_ALL);
	pmm_free(pa, 9);
}

/* ---------------------------------------------------------------- clear_refs 1..3 */

Test(softdirty, clear_refs_all_makes_pages_old_until_touched)
{
	struct aspace *as = as_create();

	cr_assert_not_null(as);
	cr_assert_eq(as_mmap(as, WIN, 4 * PAGE_SIZE, RW, ANON | MAP_FIXED), (long)WIN);
	for (int i = 0; i < 3; i++)
		cr_assert(uwrite(as, WIN + i * PAGE_SIZE, (unsigned char)(i + 1)));
	cr_expect_eq(referenced(as, WIN, WIN + 4 * PAGE_SIZE), 3 * PAGE_SIZE);
	cr_assert_eq(as_clear_refs(as, AS_CLEAR_REFS_ALL), 0);
	cr_expect_eq(referenced(as, WIN, WIN + 4 * PAGE_SIZE), 0);
	cr_expect_eq(uread(as, WIN + PAGE_SIZE), 2);
	cr_expect_eq(referenced(as, WIN, WIN + 4 * PAGE_SIZE), PAGE_SIZE, "only the page read");
	cr_expect(state_at(as, WIN + PAGE_SIZE) & PT_STATE_YOUNG);
	cr_expect_not(state_at(as, WIN) & PT_STATE_YOUNG);
	cr_expect_eq(uread(as, WIN + 3 * PAGE_SIZE), 0);
	cr_expect_eq(referenced(as, WIN, WIN + 4 * PAGE_SIZE), PAGE_SIZE, "the zero page counts not");
	cr_assert(uwrite(as, WIN + 3 * PAGE_SIZE, 4));
	cr_expect_eq(referenced(as, WIN, WIN + 4 * PAGE_SIZE), 2 * PAGE_SIZE, "a new page is young");
	cr_expect_eq(as_clear_refs(as, 5), -EINVAL);
	cr_expect_eq(as_clear_refs(as, 0), -EINVAL);
	cr_expect_eq(as_check(as), 0);
	as_destroy(as);
}

Test(softdirty, clear_refs_anon_and_mapped_pick_their_vmas)
{
	struct aspace *as = as_create();
	vaddr_t sh = WIN + MiB(1);

	cr_assert_not_null(as);
	cr_assert_eq(as_mmap(as, WIN, PAGE_SIZE, RW, ANON | MAP_FIXED), (long)WIN);
	cr_assert_eq(as_mmap(as, sh, PAGE_SIZE, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED),
		     (long)sh);
	cr_assert(uwrite(as, WIN, 1) && uwrite(as, sh, 2));
	cr_assert_eq(as_clear_refs(as, AS_CLEAR_REFS_ANON), 0);
	cr_expect_eq(referenced(as, WIN, WIN + PAGE_SIZE), 0);
	cr_expect_eq(referenced(as, sh, sh + PAGE_SIZE), PAGE_SIZE, "shmem is not anon");
	cr_assert(uwrite(as, WIN, 1));
	cr_assert_eq(as_clear_refs(as, AS_CLEAR_REFS_MAPPED), 0);
	cr_expect_eq(referenced(as, WIN, WIN + PAGE_SIZE), PAGE_SIZE);
	cr_expect_eq(referenced(as, sh, sh + PAGE_SIZE), 0);
	as_destroy(as);
}

/* ---------------------------------------------------------------- clear_refs 4 */

Test(softdirty, write_after_clear_marks_soft_dirty)
{
	struct aspace *as = as_create();

	cr_assert_not_null(as);
	cr_assert_eq(as_mmap(as, WIN, 4 * PAGE_SIZE, RW, ANON | MAP_FIXED), (long)WIN);
	cr_expect(as_vma_marks(as, WIN) & AS_MARK_SOFTDIRTY, "a new VMA is soft-dirty");
	cr_assert(uwrite(as, WIN, 1) && uwrite(as, WIN + PAGE_SIZE, 2));
	cr_expect(state_at(as, WIN) & PT_STATE_SOFT_DIRTY, "a written page is soft-dirty");
	cr_assert_eq(as_clear_refs(as, AS_CLEAR_REFS_SOFT_DIRTY), 0);
	cr_expect_not(as_vma_marks(as, WIN) & AS_MARK_SOFTDIRTY);
	cr_expect_not(state_at(as, WIN) & PT_STATE_SOFT_DIRTY);
	cr_expect_not(flags_at(as, WIN) & PT_WRITE, "write-protected");
	cr_assert(uwrite(as, WIN, 7));
	cr_expect(state_at(as, WIN) & PT_STATE_SOFT_DIRTY);
	cr_expect(flags_at(as, WIN) & PT_WRITE, "the fault gave the write right back");
	cr_expect_not(state_at(as, WIN + PAGE_SIZE) & PT_STATE_SOFT_DIRTY);
	cr_expect_eq(uread(as, WIN + PAGE_SIZE), 2);
	cr_expect_not(state_at(as, WIN + PAGE_SIZE) & PT_STATE_SOFT_DIRTY, "a read is not a write");
	/* a page first read under tracking is mapped read-only: its write faults */
	cr_expect_eq(uread(as, WIN + 2 * PAGE_SIZE), 0);
	cr_expect_not(flags_at(as, WIN + 2 * PAGE_SIZE) & PT_WRITE);
	cr_expect_not(state_at(as, WIN + 2 * PAGE_SIZE) & PT_STATE_SOFT_DIRTY);
	cr_assert(uwrite(as, WIN + 2 * PAGE_SIZE, 3));
	cr_expect(state_at(as, WIN + 2 * PAGE_SIZE) & PT_STATE_SOFT_DIRTY);
	cr_expect_eq(uread(as, WIN), 7);
	cr_expect_eq(as_check(as), 0);
	/* mprotect keeps the clean state and tracking */
	cr_assert_eq(as_clear_refs(as, AS_CLEAR_REFS_SOFT_DIRTY), 0);
	cr_assert_eq(as_mprotect(as, WIN, PAGE_SIZE, PROT_READ), 0);
	cr_assert_eq(as_mprotect(as, WIN, PAGE_SIZE, RW), 0);
	cr_expect_not(as_vma_marks(as, WIN) & AS_MARK_SOFTDIRTY, "re-merged VMA still clean");
	cr_expect_not(state_at(as, WIN) & PT_STATE_SOFT_DIRTY);
	cr_assert(uwrite(as, WIN, 8));
	cr_expect(state_at(as, WIN) & PT_STATE_SOFT_DIRTY);
	/* a new VMA next to a clean one: merged, soft-dirty as a whole */
	cr_assert_eq(as_mmap(as, WIN + 4 * PAGE_SIZE, PAGE_SIZE, RW, ANON | MAP_FIXED),
		     (long)(WIN + 4 * PAGE_SIZE));
	cr_expect(as_vma_marks(as, WIN) & AS_MARK_SOFTDIRTY);
	cr_expect_eq(as_check(as), 0);
	as_destroy(as);
}

/* Copy-on-write after fork still copies a page write-protected by clear_refs 4. */
Test(softdirty, cow_still_copies_after_clear)
{
	struct aspace *as = as_create(), *child;
	struct as_page_info a, b;

	cr_assert_not_null(as);
	cr_assert_eq(as_mmap(as, WIN, PAGE_SIZE, RW, ANON | MAP_FIXED), (long)WIN);
	cr_assert(uwrite(as, WIN, 1));
	child = as_clone(as);
	cr_assert_not_null(child);
	cr_assert_eq(as_clear_refs(as, AS_CLEAR_REFS_SOFT_DIRTY), 0);
	cr_assert(uwrite(as, WIN, 2));
	cr_expect(state_at(as, WIN) & PT_STATE_SOFT_DIRTY);
	cr_assert(as_page_query(as, WIN, &a) && as_page_query(child, WIN, &b));
	cr_expect_neq(a.pa, b.pa, "the parent's write copied the page");
	cr_expect_eq(uread(child, WIN), 1);
	cr_expect_eq(uread(as, WIN), 2);
	cr_expect_eq(a.mapcount, 1);
	cr_expect_eq(as_check(as), 0);
	cr_expect_eq(as_check(child), 0);
	as_destroy(child);
	as_destroy(as);
}

/* A shared mapping stays shared: the write after clear_refs 4 writes the one frame. */
Test(softdirty, shared_stays_shared_after_clear)
{
	struct aspace *as = as_create(), *child;
	struct as_page_info a, b;

	cr_assert_not_null(as);
	cr_assert_eq(as_mmap(as, WIN, PAGE_SIZE, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED),
		     (long)WIN);
	cr_assert(uwrite(as, WIN, 1));
	child = as_clone(as);
	cr_assert_not_null(child);
	cr_assert_eq(as_clear_refs(as, AS_CLEAR_REFS_SOFT_DIRTY), 0);
	cr_expect_not(flags_at(as, WIN) & PT_WRITE);
	cr_assert(uwrite(as, WIN, 9));
	cr_expect(state_at(as, WIN) & PT_STATE_SOFT_DIRTY);
	cr_expect(flags_at(as, WIN) & PT_WRITE);
	cr_assert(as_page_query(as, WIN, &a) && as_page_query(child, WIN, &b));
	cr_expect_eq(a.pa, b.pa, "still one frame");
	cr_expect_eq(uread(child, WIN), 9);
	as_destroy(child);
	as_destroy(as);
}

/* ---------------------------------------------------------------- THP advice */

/* MADV_HUGEPAGE/NOHUGEPAGE are VMA flags (hg, nh) that split the VMA; nh keeps 2 MiB leaves out. */
Test(softdirty, thp_advice_recorded_and_obeyed)
{
	struct aspace *as = as_create();
	struct as_page_info pg;
	struct as_vma_info vi;

	cr_assert_not_null(as);
	cr_assert_eq(as_mmap(as, WIN, MiB(6), RW, ANON | MAP_FIXED), (long)WIN);
	cr_assert_eq(as_madvise(as, WIN + MiB(2), MiB(2), 14 /* MADV_HUGEPAGE */), 0);
	cr_assert_eq(as_madvise(as, WIN + MiB(4), MiB(2), 15 /* MADV_NOHUGEPAGE */), 0);
	cr_assert(as_vma_at(as, WIN + MiB(2), &vi));
	cr_expect_eq(vi.start, WIN + MiB(2), "the advice splits the VMA");
	cr_expect_eq(vi.end, WIN + MiB(4));
	cr_expect(as_vma_marks(as, WIN + MiB(2)) & AS_MARK_HUGEPAGE);
	cr_expect(as_vma_marks(as, WIN + MiB(4)) & AS_MARK_NOHUGEPAGE);
	cr_expect_not(as_vma_marks(as, WIN) & (AS_MARK_HUGEPAGE | AS_MARK_NOHUGEPAGE));
	cr_assert(uwrite(as, WIN + MiB(2), 1) && uwrite(as, WIN + MiB(4), 1));
	cr_assert(as_page_query(as, WIN + MiB(2), &pg));
	cr_expect_eq(pg.leaf_size, MiB(2));
	cr_assert(as_page_query(as, WIN + MiB(4), &pg));
	cr_expect_eq(pg.leaf_size, PAGE_SIZE, "no huge leaf under MADV_NOHUGEPAGE");
	cr_assert_eq(as_madvise(as, WIN + MiB(4), MiB(2), 14), 0);
	cr_expect(as_vma_marks(as, WIN + MiB(4)) & AS_MARK_HUGEPAGE);
	cr_expect_not(as_vma_marks(as, WIN + MiB(4)) & AS_MARK_NOHUGEPAGE, "one clears the other");
	cr_assert(as_vma_at(as, WIN + MiB(2), &vi));
	cr_expect_eq(vi.end, WIN + MiB(6), "equal advice merges again");
	/* soft-dirty on a 2 MiB leaf: clear, write one byte, the whole leaf is soft-dirty */
	cr_assert_eq(as_clear_refs(as, AS_CLEAR_REFS_SOFT_DIRTY), 0);
	cr_expect_not(state_at(as, WIN + MiB(3)) & PT_STATE_SOFT_DIRTY);
	cr_assert(uwrite(as, WIN + MiB(2), 2));
	cr_assert(as_page_query(as, WIN + MiB(3), &pg));
	cr_expect(pg.state & PT_STATE_SOFT_DIRTY);
	cr_expect_eq(pg.leaf_size, MiB(2), "the leaf kept its size");
	cr_expect_eq(as_check(as), 0);
	as_destroy(as);
}

/* mremap moves pages soft-dirty (Linux's move_soft_dirty_pte), with their contents. */
Test(softdirty, mremap_move_marks_soft_dirty)
{
	struct aspace *as = as_create();
	vaddr_t to = WIN + MiB(8);

	cr_assert_not_null(as);
	cr_assert_eq(as_mmap(as, WIN, 2 * PAGE_SIZE, RW, ANON | MAP_FIXED), (long)WIN);
	cr_assert(uwrite(as, WIN, 5) && uwrite(as, WIN + PAGE_SIZE, 6));
	cr_assert_eq(as_clear_refs(as, AS_CLEAR_REFS_SOFT_DIRTY), 0);
	cr_assert_eq(as_mremap(as, WIN, 2 * PAGE_SIZE, 2 * PAGE_SIZE,
			       MREMAP_MAYMOVE | MREMAP_FIXED, to), (long)to);
	cr_expect(state_at(as, to) & PT_STATE_SOFT_DIRTY);
	cr_expect(state_at(as, to + PAGE_SIZE) & PT_STATE_SOFT_DIRTY);
	cr_expect_eq(uread(as, to + PAGE_SIZE), 6);
	cr_assert(uwrite(as, to, 7));
	cr_expect_eq(uread(as, to), 7);
	cr_expect_eq(as_check(as), 0);
	as_destroy(as);
}
