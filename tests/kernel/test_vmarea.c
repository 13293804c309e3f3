/* In-image tests of kernel virtual areas (suite `vmarea`). */
#include "harness/ktest.h"
#include "mm/heap.h"
#include "mm/kmap.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "mm/vmarea.h"

/* Fill n bytes at p with a pattern derived from the offset. */
static void vmarea_test_fill(volatile uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + (i >> 12));
}

/* Number of bytes in p[0..n) that differ from the pattern. */
static size_t vmarea_test_mismatches(const volatile uint8_t *p, size_t n)
{
	size_t bad = 0;

	for (size_t i = 0; i < n; i++)
		bad += p[i] != (uint8_t)(i * 7 + (i >> 12));
	return bad;
}

/* A zeroed area reads as zero, keeps what is written, and is mapped RW NX. */
TEST(vmarea, write_read_back)
{
	size_t size = 3 * PAGE_SIZE + 100;
	volatile uint8_t *p = vmarea_alloc(size, VMAREA_ZERO);
	struct pt_leaf leaf;
	size_t nonzero = 0;

	ASSERT_NE(p, NULL);
	EXPECT_GE((uint64_t)p, VMAREA_BASE);
	EXPECT_TRUE(IS_ALIGNED(p, PAGE_SIZE));
	for (size_t i = 0; i < 4 * PAGE_SIZE; i++)
		nonzero += p[i] != 0;
	EXPECT_EQ(nonzero, 0);
	vmarea_test_fill(p, 4 * PAGE_SIZE);
	EXPECT_EQ(vmarea_test_mismatches(p, 4 * PAGE_SIZE), 0);
	ASSERT_TRUE(pt_query(kmap_root(), (vaddr_t)p + PAGE_SIZE, &leaf));
	EXPECT_EQ(leaf.flags, PT_WRITE | PT_NX | PT_GLOBAL);
	vmarea_free((void *)p);
}

/* The page after an area is an unmapped guard: touching it faults. */
TEST(vmarea, guard_page_faults)
{
	size_t size = 2 * PAGE_SIZE;
	volatile uint8_t *p = vmarea_alloc(size, 0);

	ASSERT_NE(p, NULL);
	p[size - 1] = 0x5a;
	expect_fault(VEC_PF, (void)p[size]);
	EXPECT_EQ(ktest_last_fault()->cr2, (uint64_t)p + size);
	EXPECT_EQ(p[size - 1], 0x5a);
	vmarea_free((void *)p);
}

/* After vmarea_free the pages are gone (the TLB was flushed too). */
TEST(vmarea, freed_area_faults)
{
	volatile uint8_t *p = vmarea_alloc(PAGE_SIZE, 0);

	ASSERT_NE(p, NULL);
	p[0] = 1;
	vmarea_free((void *)p);
	expect_fault(VEC_PF, (void)p[0]);
	EXPECT_EQ(ktest_last_fault()->cr2, (uint64_t)p);
}

/* Freeing makes the range the lowest fit again; neighbours keep their data. */
TEST(vmarea, free_and_reuse)
{
	uint8_t *a = vmarea_alloc(4 * PAGE_SIZE, 0);
	uint8_t *b = vmarea_alloc(PAGE_SIZE, 0);
	uint8_t *c;

	ASSERT_NE(a, NULL);
	ASSERT_NE(b, NULL);
	EXPECT_NE(a, b);
	vmarea_test_fill(b, PAGE_SIZE);
	vmarea_free(a);
	c = vmarea_alloc(4 * PAGE_SIZE, VMAREA_ZERO);
	EXPECT_EQ(c, a);
	EXPECT_EQ(vmarea_test_mismatches(b, PAGE_SIZE), 0);
	vmarea_free(c);
	vmarea_free(b);
}

/* Executable areas are mapped without NX. */
TEST(vmarea, exec_flag_clears_nx)
{
	void *p = vmarea_alloc(PAGE_SIZE, VMAREA_EXEC);
	struct pt_leaf leaf;

	ASSERT_NE(p, NULL);
	ASSERT_TRUE(pt_query(kmap_root(), (vaddr_t)p, &leaf));
	EXPECT_EQ(leaf.flags, PT_WRITE | PT_GLOBAL);
	vmarea_free(p);
}

/* Frames, tables, heap and the area count all come back after freeing. */
TEST(vmarea, counts_restored)
{
	size_t frames = pmm_free_frames(), tables = pt_table_frames();
	size_t heap = heap_bytes_in_use(), count = vmarea_count();
	void *p[16];

	for (int i = 0; i < 16; i++) {
		p[i] = vmarea_alloc((size_t)(i + 1) * 3000, i & 1 ? VMAREA_ZERO : 0);
		ASSERT_NE(p[i], NULL);
	}
	EXPECT_EQ(vmarea_count(), count + 16);
	EXPECT_LT(pmm_free_frames(), frames);
	for (int i = 0; i < 16; i += 2)
		vmarea_free(p[i]);
	for (int i = 1; i < 16; i += 2)
		vmarea_free(p[i]);
	EXPECT_EQ(vmarea_count(), count);
	EXPECT_EQ(pmm_free_frames(), frames);
	EXPECT_EQ(pt_table_frames(), tables);
	EXPECT_EQ(heap_bytes_in_use(), heap);
}

/* Size 0 and out-of-window sizes give NULL and change nothing. */
TEST(vmarea, bad_sizes)
{
	size_t count = vmarea_count();

	EXPECT_EQ(vmarea_alloc(0, 0), NULL);
	EXPECT_EQ(vmarea_alloc(VMAREA_SIZE, 0), NULL);
	EXPECT_EQ(vmarea_count(), count);
	vmarea_free(NULL);
}
