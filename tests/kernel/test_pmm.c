/* In-image tests of the frame allocator on real memory (suite `pmm`). */
#include "harness/ktest.h"
#include "mm/mmarch.h"
#include "mm/pmm.h"

#define PMM_TEST_BLOCKS 24

struct pmm_test_block {
	paddr_t pa;
	unsigned order;
};

/* Word written at offset `off` of the block at `pa`: unique per address. */
static uint64_t pmm_test_word(paddr_t pa, uint64_t off)
{
	return (pa + off) ^ 0x5a5a5a5a00000000ULL;
}

/* Write the pattern into every 8-byte word of the block. */
static void pmm_test_fill(const struct pmm_test_block *b)
{
	volatile uint64_t *p = mm_phys_to_virt(b->pa);
	uint64_t n = (PAGE_SIZE << b->order) / 8;

	for (uint64_t i = 0; i < n; i++)
		p[i] = pmm_test_word(b->pa, i * 8);
}

/* Number of words of the block that lost their pattern. */
static uint64_t pmm_test_damage(const struct pmm_test_block *b)
{
	volatile uint64_t *p = mm_phys_to_virt(b->pa);
	uint64_t n = (PAGE_SIZE << b->order) / 8, bad = 0;

	for (uint64_t i = 0; i < n; i++)
		bad += p[i] != pmm_test_word(b->pa, i * 8);
	return bad;
}

/* True when the two blocks share a frame. */
static bool pmm_test_overlap(const struct pmm_test_block *a, const struct pmm_test_block *b)
{
	return a->pa < b->pa + (PAGE_SIZE << b->order) && b->pa < a->pa + (PAGE_SIZE << a->order);
}

/* Free frames according to the per-order lists. */
static size_t pmm_test_listed_frames(void)
{
	size_t n = 0;

	for (unsigned k = 0; k <= PMM_MAX_ORDER; k++)
		n += pmm_free_blocks(k) << k;
	return n;
}

/* Blocks of several orders: aligned, disjoint, and each keeps what is written. */
TEST(pmm, orders_patterns_no_overlap)
{
	static const unsigned orders[] = {0, 1, 0, 3, 9, 2, 0, 5, 4, 10, 0, 1};
	struct pmm_test_block b[ARRAY_SIZE(orders)];
	size_t before = pmm_free_frames(), used = 0;

	for (size_t i = 0; i < ARRAY_SIZE(orders); i++) {
		b[i].order = orders[i];
		b[i].pa = pmm_alloc(orders[i]);
		ASSERT_NE(b[i].pa, 0);
		EXPECT_TRUE(IS_ALIGNED(b[i].pa, PAGE_SIZE << orders[i]));
		EXPECT_TRUE(pmm_is_allocated(b[i].pa));
		used += (size_t)1 << orders[i];
		EXPECT_EQ(pmm_free_frames(), before - used);
		pmm_test_fill(&b[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(orders); i++) {
		EXPECT_EQ(pmm_test_damage(&b[i]), 0);
		for (size_t j = i + 1; j < ARRAY_SIZE(orders); j++)
			EXPECT_FALSE(pmm_test_overlap(&b[i], &b[j]));
	}
	for (size_t i = 0; i < ARRAY_SIZE(orders); i++)
		pmm_free(b[i].pa, b[i].order);
	EXPECT_EQ(pmm_free_frames(), before);
}

/* 2 MiB frames are 2 MiB aligned and fully usable through the direct map. */
TEST(pmm, frames_2m_aligned_and_usable)
{
	struct pmm_test_block b[3];
	size_t before = pmm_free_frames();

	for (int i = 0; i < 3; i++) {
		b[i].order = 9;
		b[i].pa = pmm_alloc(9);
		ASSERT_NE(b[i].pa, 0);
		EXPECT_TRUE(IS_ALIGNED(b[i].pa, PAGE_2M));
		pmm_test_fill(&b[i]);
	}
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(pmm_test_damage(&b[i]), 0);
		pmm_free(b[i].pa, 9);
	}
	EXPECT_EQ(pmm_free_frames(), before);
}

/* The counters agree: lists sum to the free count, which is within the total. */
TEST(pmm, counters_consistent)
{
	size_t before = pmm_free_frames();

	EXPECT_EQ(pmm_test_listed_frames(), before);
	EXPECT_GT(pmm_total_frames(), 0);
	EXPECT_LE(before, pmm_total_frames());
	EXPECT_FALSE(pmm_is_allocated(0));
	EXPECT_EQ(pmm_refcount(0), 0);

	paddr_t pa = pmm_alloc(6);

	ASSERT_NE(pa, 0);
	EXPECT_EQ(pmm_free_frames(), before - 64);
	EXPECT_EQ(pmm_test_listed_frames(), before - 64);
	pmm_free(pa, 6);
	EXPECT_EQ(pmm_test_listed_frames(), before);
}

/* Free one 4 KiB frame out of a 2 MiB block, then the rest in pieces. */
TEST(pmm, partial_free_real_memory)
{
	size_t before = pmm_free_frames();
	struct pmm_test_block big = {pmm_alloc(9), 9};

	ASSERT_NE(big.pa, 0);
	pmm_test_fill(&big);
	pmm_free(big.pa + 100 * PAGE_SIZE, 0);
	EXPECT_EQ(pmm_free_frames(), before - 511);
	EXPECT_FALSE(pmm_is_allocated(big.pa + 100 * PAGE_SIZE));
	EXPECT_TRUE(pmm_is_allocated(big.pa + 101 * PAGE_SIZE));
	/* The rest of the block is untouched by pmm. */
	volatile uint64_t *w = mm_phys_to_virt(big.pa + 101 * PAGE_SIZE);
	EXPECT_EQ(w[0], pmm_test_word(big.pa, 101 * PAGE_SIZE));
	pmm_free(big.pa + MiB(1), 8);
	for (unsigned i = 0; i < 256; i++)
		if (i != 100)
			pmm_free(big.pa + i * PAGE_SIZE, 0);
	EXPECT_EQ(pmm_free_frames(), before);
}

/* Shared frames stay allocated until the last reference goes. */
TEST(pmm, refcount_real_memory)
{
	size_t before = pmm_free_frames();
	paddr_t pa = pmm_alloc(2);

	ASSERT_NE(pa, 0);
	EXPECT_EQ(pmm_ref(pa + PAGE_SIZE), 2);
	EXPECT_EQ(pmm_refcount(pa + PAGE_SIZE), 2);
	EXPECT_EQ(pmm_refcount(pa), 1);
	EXPECT_EQ(pmm_unref(pa + PAGE_SIZE), 1);
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(pmm_unref(pa + i * PAGE_SIZE), 0);
	EXPECT_FALSE(pmm_is_allocated(pa));
	EXPECT_EQ(pmm_free_frames(), before);
}

/* Failure injection fails exactly the n-th allocation. */
TEST(pmm, failure_injection)
{
	unsigned long calls = pmm_alloc_calls();
	paddr_t a, b, c;

	pmm_fail_nth(2);
	a = pmm_alloc(0);
	b = pmm_alloc(0);
	c = pmm_alloc(0);
	pmm_fail_nth(0);
	EXPECT_NE(a, 0);
	EXPECT_EQ(b, 0);
	EXPECT_NE(c, 0);
	EXPECT_EQ(pmm_alloc_calls(), calls + 3);
	if (a)
		pmm_free(a, 0);
	if (c)
		pmm_free(c, 0);
}

/* Many small blocks allocated and freed in a scrambled order. */
TEST(pmm, churn_small_orders)
{
	static struct pmm_test_block b[PMM_TEST_BLOCKS * 8];
	size_t before = pmm_free_frames();
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	size_t n = ARRAY_SIZE(b);

	for (size_t i = 0; i < n; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		b[i].order = (seed >> 60) % 4;
		b[i].pa = pmm_alloc(b[i].order);
		ASSERT_NE(b[i].pa, 0);
		*(volatile uint64_t *)mm_phys_to_virt(b[i].pa) = pmm_test_word(b[i].pa, 0);
	}
	for (size_t step = 0; step < n; step++) {
		size_t i = (step * 7919) % n;

		EXPECT_EQ(*(volatile uint64_t *)mm_phys_to_virt(b[i].pa),
			  pmm_test_word(b[i].pa, 0));
		pmm_free(b[i].pa, b[i].order);
	}
	EXPECT_EQ(pmm_free_frames(), before);
	EXPECT_EQ(pmm_test_listed_frames(), before);
}
