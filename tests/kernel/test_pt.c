/*
 * In-image tests of the page-table engine on the real MMU (suite `pt`): new
 * mappings reach memory, rights are enforced by the CPU (#PF error codes and
 * CR2), and table frames come and go as the leaf sizes say. All work happens
 * in the free kernel window at PT_TEST_VA of the kernel root.
 */
#include "harness/ktest.h"
#include "lib/errno.h"
#include "mm/kmap.h"
#include "mm/mmarch.h"
#include "mm/pmm.h"
#include "mm/pt.h"

#define PT_TEST_VA 0xffffe00000000000ULL
#define PF_P 0x1ull     /* #PF error code: page was present */
#define PF_W 0x2ull     /* write access */
#define PF_I 0x10ull    /* instruction fetch */

/* pt_walk callback: any leaf stops the walk. */
static int pt_test_any(void *ctx, const struct pt_leaf *leaf)
{
	(void)ctx;
	(void)leaf;
	return 1;
}

/* Skip the test unless [va, va+len) is unmapped in the kernel root. */
static void pt_test_need_free(vaddr_t va, uint64_t len)
{
	if (pt_walk(kmap_root(), va, len, pt_test_any, NULL))
		ktest_skip("test window already in use");
}

/* A fresh zeroed frame mapped at PT_TEST_VA with `flags`; returns the frame. */
static paddr_t pt_test_map_frame(unsigned flags)
{
	paddr_t pa;

	pt_test_need_free(PT_TEST_VA, PAGE_SIZE);
	pa = pmm_alloc(0);
	ASSERT_NE(pa, 0);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		((volatile uint8_t *)mm_phys_to_virt(pa))[i] = 0;
	ASSERT_EQ(pt_map(kmap_root(), PT_TEST_VA, pa, PAGE_SIZE, flags), 0);
	return pa;
}

/* Unmap PT_TEST_VA and free the frame. */
static void pt_test_unmap_frame(paddr_t pa)
{
	EXPECT_EQ(pt_unmap(kmap_root(), PT_TEST_VA, PAGE_SIZE), 0);
	pmm_free(pa, 0);
}

/* Writes through the new mapping show in the direct map and back. */
TEST(pt, map_write_read_both_ways)
{
	paddr_t pa = pt_test_map_frame(PT_WRITE | PT_NX);
	volatile uint64_t *mapped = (volatile uint64_t *)PT_TEST_VA;
	volatile uint64_t *direct = mm_phys_to_virt(pa);
	struct pt_leaf q;

	ASSERT_TRUE(pt_query(kmap_root(), PT_TEST_VA, &q));
	EXPECT_EQ(q.pa, pa);
	EXPECT_EQ(q.size, PAGE_SIZE);
	EXPECT_EQ(q.flags, PT_WRITE | PT_NX);
	mapped[3] = 0x1122334455667788ULL;
	EXPECT_EQ(direct[3], 0x1122334455667788ULL);
	direct[500] = 0xdeadbeefcafef00dULL;
	EXPECT_EQ(mapped[500], 0xdeadbeefcafef00dULL);
	pt_test_unmap_frame(pa);
}

/* A read-only page: the write faults with present+write and CR2 = address. */
TEST(pt, protect_read_only_write_faults)
{
	paddr_t pa = pt_test_map_frame(PT_WRITE | PT_NX);
	volatile uint8_t *p = (volatile uint8_t *)PT_TEST_VA + 0x123;

	*p = 7;
	ASSERT_EQ(pt_protect(kmap_root(), PT_TEST_VA, PAGE_SIZE, PT_NX), 0);
	EXPECT_EQ(*p, 7);
	expect_fault(VEC_PF, *p = 8);
	EXPECT_EQ(ktest_last_fault()->error_code & (PF_P | PF_W), PF_P | PF_W);
	EXPECT_EQ(ktest_last_fault()->cr2, PT_TEST_VA + 0x123);
	EXPECT_EQ(*(volatile uint8_t *)mm_phys_to_virt(pa + 0x123), 7);
	ASSERT_EQ(pt_protect(kmap_root(), PT_TEST_VA, PAGE_SIZE, PT_WRITE | PT_NX), 0);
	*p = 9;
	EXPECT_EQ(*(volatile uint8_t *)mm_phys_to_virt(pa + 0x123), 9);
	pt_test_unmap_frame(pa);
}

/*
 * Leaf state on the real MMU: a new leaf is young and clean, a write makes
 * it dirty; pt_clear_state(YOUNG | SOFT_DIRTY) flushes, so the next read
 * marks it young again and the next write faults (soft-dirty tracking).
 */
TEST(pt, mmu_sets_leaf_state)
{
	paddr_t pa = pt_test_map_frame(PT_WRITE | PT_NX);
	volatile uint8_t *p = (volatile uint8_t *)PT_TEST_VA + 0x40;
	struct pt_leaf q;

	ASSERT_TRUE(pt_query(kmap_root(), PT_TEST_VA, &q));
	EXPECT_EQ(q.state, PT_STATE_YOUNG);
	EXPECT_EQ(*p, 0);
	ASSERT_TRUE(pt_query(kmap_root(), PT_TEST_VA, &q));
	EXPECT_EQ(q.state & PT_STATE_DIRTY, 0);
	*p = 1;
	ASSERT_TRUE(pt_query(kmap_root(), PT_TEST_VA, &q));
	EXPECT_EQ(q.state, PT_STATE_YOUNG | PT_STATE_DIRTY);
	EXPECT_EQ(pt_clear_state(kmap_root(), PT_TEST_VA, PAGE_SIZE,
				 PT_CLEAR_YOUNG | PT_CLEAR_SOFT_DIRTY), 1);
	ASSERT_TRUE(pt_query(kmap_root(), PT_TEST_VA, &q));
	EXPECT_EQ(q.state, PT_STATE_DIRTY);
	EXPECT_EQ(q.flags, PT_NX);
	EXPECT_EQ(*p, 1);
	ASSERT_TRUE(pt_query(kmap_root(), PT_TEST_VA, &q));
	EXPECT_EQ(q.state, PT_STATE_YOUNG | PT_STATE_DIRTY);
	expect_fault(VEC_PF, *p = 2);
	EXPECT_EQ(ktest_last_fault()->error_code & (PF_P | PF_W), PF_P | PF_W);
	EXPECT_EQ(pt_add_state(kmap_root(), PT_TEST_VA, PAGE_SIZE, PT_STATE_SOFT_DIRTY), 1);
	ASSERT_TRUE(pt_query(kmap_root(), PT_TEST_VA, &q));
	EXPECT_EQ(q.state, PT_STATE_ALL);
	pt_test_unmap_frame(pa);
}

/* A `ret` runs from an executable page and faults (fetch) once NX is set. */
TEST(pt, nx_fetch_faults)
{
	paddr_t pa = pt_test_map_frame(0);
	void (*fn)(void) = (void (*)(void))PT_TEST_VA;

	*(volatile uint8_t *)mm_phys_to_virt(pa) = 0xC3; /* ret */
	fn();
	ASSERT_EQ(pt_protect(kmap_root(), PT_TEST_VA, PAGE_SIZE, PT_NX), 0);
	expect_fault(VEC_PF, fn());
	EXPECT_EQ(ktest_last_fault()->error_code & (PF_P | PF_I), PF_P | PF_I);
	EXPECT_EQ(ktest_last_fault()->cr2, PT_TEST_VA);
	EXPECT_EQ(ktest_last_fault()->rip, PT_TEST_VA);
	pt_test_unmap_frame(pa);
}

/* After unmap, a read faults with the present bit clear. */
TEST(pt, unmap_then_not_present_fault)
{
	paddr_t pa = pt_test_map_frame(PT_WRITE | PT_NX);
	struct pt_leaf q;

	EXPECT_EQ(*(volatile uint8_t *)(PT_TEST_VA + 40), 0);
	pt_test_unmap_frame(pa);
	EXPECT_FALSE(pt_query(kmap_root(), PT_TEST_VA, &q));
	expect_fault(VEC_PF, (void)*(volatile uint8_t *)(PT_TEST_VA + 40));
	EXPECT_EQ(ktest_last_fault()->error_code & PF_P, 0);
	EXPECT_EQ(ktest_last_fault()->cr2, PT_TEST_VA + 40);
}

/* Map 1 GiB of (untouched) physical space: table frames by leaf size. */
static size_t pt_test_gib_tables(paddr_t pa)
{
	size_t before = pt_table_frames(), used;

	ASSERT_EQ(pt_map(kmap_root(), PT_TEST_VA, pa, PAGE_1G, PT_NX), 0);
	used = pt_table_frames() - before;
	EXPECT_EQ(pt_unmap(kmap_root(), PT_TEST_VA, PAGE_1G), 0);
	EXPECT_EQ(pt_table_frames(), before);
	return used;
}

/* 4K leaves need a PD and 512 PTs; 2M leaves one PD; a 1G leaf none. */
TEST(pt, gib_table_frames_by_leaf_size)
{
	size_t t4k, t2m, t1g;

	ktest_set_timeout(30);
	pt_test_need_free(PT_TEST_VA, PAGE_1G);
	t4k = pt_test_gib_tables(GiB(256) + PAGE_SIZE);
	t2m = pt_test_gib_tables(GiB(256) + PAGE_2M);
	t1g = pt_test_gib_tables(GiB(256));
	ktest_diag("table frames per GiB: 4K leaves %zu, 2M leaves %zu, 1G-aligned %zu (1g %d)",
		   t4k, t2m, t1g, mm_cpu_has_1g());
	EXPECT_EQ(t4k, 513);
	EXPECT_EQ(t2m, 1);
	EXPECT_EQ(t1g, mm_cpu_has_1g() ? 0 : 1);
}

/* A partial unmap inside the 1 GiB leaf splits; mapping it back folds. */
TEST(pt, split_and_fold_on_real_tables)
{
	paddr_t pa = GiB(256);
	vaddr_t hole = PT_TEST_VA + MiB(10) + PAGE_SIZE;
	size_t before;
	struct pt_leaf q;

	pt_test_need_free(PT_TEST_VA, PAGE_1G);
	before = pt_table_frames();
	ASSERT_EQ(pt_map(kmap_root(), PT_TEST_VA, pa, PAGE_1G, PT_NX), 0);
	ASSERT_EQ(pt_unmap(kmap_root(), hole, PAGE_SIZE), 0);
	EXPECT_FALSE(pt_query(kmap_root(), hole, &q));
	ASSERT_TRUE(pt_query(kmap_root(), hole + PAGE_SIZE, &q));
	EXPECT_EQ(q.pa, pa + (hole - PT_TEST_VA) + PAGE_SIZE);
	EXPECT_EQ(q.size, PAGE_SIZE);
	ASSERT_EQ(pt_map(kmap_root(), hole, pa + (hole - PT_TEST_VA), PAGE_SIZE, PT_NX), 0);
	ASSERT_TRUE(pt_query(kmap_root(), hole, &q));
	EXPECT_EQ(q.size, mm_cpu_has_1g() ? PAGE_1G : PAGE_2M);
	EXPECT_EQ(pt_table_frames() - before, mm_cpu_has_1g() ? 0u : 1u);
	EXPECT_EQ(pt_unmap(kmap_root(), PT_TEST_VA, PAGE_1G), 0);
	EXPECT_EQ(pt_table_frames(), before);
}

/* Errors on the kernel root: overlap and malformed requests change nothing. */
TEST(pt, errors_on_kernel_root)
{
	size_t before = pt_table_frames();

	EXPECT_EQ(pt_map(kmap_root(), KMAP_DIRECT_BASE + MiB(4), MiB(4), PAGE_SIZE, PT_NX),
		  -EEXIST);
	EXPECT_EQ(pt_map(kmap_root(), PT_TEST_VA + 1, 0, PAGE_SIZE, 0), -EINVAL);
	EXPECT_EQ(pt_map(kmap_root(), 0x0000900000000000ULL, 0, PAGE_SIZE, 0), -EINVAL);
	EXPECT_EQ(pt_map(kmap_root(), PT_TEST_VA, 0, PAGE_SIZE, 0x1000), -EINVAL);
	EXPECT_EQ(pt_unmap(kmap_root(), PT_TEST_VA, 0), -EINVAL);
	EXPECT_EQ(pt_table_frames(), before);
}
