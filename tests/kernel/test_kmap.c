/*
 * In-image tests of the kernel's own mappings (suite `kmap`): the rights of
 * the image sections, the direct and identity maps, page 0 and the boot
 * stack guard unmapped, identity mappings made and removed on request.
 */
#include "harness/ktest.h"
#include "kernel/sections.h"
#include "lib/errno.h"
#include "mm/kmap.h"
#include "mm/mmarch.h"
#include "mm/pt.h"

#define KMAP_TEST_MMIO 0xfebf0000ULL /* never touched, only mapped and queried */

/* The flags of the leaf holding `va` (the test fails if it is not mapped). */
static unsigned kmap_test_flags(vaddr_t va)
{
	struct pt_leaf q;

	ASSERT_TRUE(pt_query(kmap_root(), va, &q));
	return q.flags;
}

/* Text RX, rodata R+NX, data RW+NX, all global and supervisor-only. */
TEST(kmap, image_section_rights)
{
	EXPECT_EQ(kmap_test_flags((vaddr_t)__text_start), PT_GLOBAL);
	EXPECT_EQ(kmap_test_flags((vaddr_t)__text_end - 1), PT_GLOBAL);
	EXPECT_EQ(kmap_test_flags((vaddr_t)__rodata_start), PT_NX | PT_GLOBAL);
	EXPECT_EQ(kmap_test_flags((vaddr_t)__rodata_end - 1), PT_NX | PT_GLOBAL);
	EXPECT_EQ(kmap_test_flags((vaddr_t)__data_start), PT_WRITE | PT_NX | PT_GLOBAL);
	EXPECT_EQ(kmap_test_flags((vaddr_t)__data_end - 1), PT_WRITE | PT_NX | PT_GLOBAL);
}

/* Writing to text faults (present + write). */
TEST(kmap, text_is_read_only)
{
	volatile uint8_t *p = (volatile uint8_t *)__text_start;

	expect_fault(VEC_PF, *p = *p);
	EXPECT_EQ(ktest_last_fault()->error_code & 3, 3);
	EXPECT_EQ(ktest_last_fault()->cr2, (uint64_t)__text_start);
}

/* The direct map of RAM uses large leaves, RW NX global. */
TEST(kmap, direct_map_large_leaves)
{
	struct pt_leaf q;

	ASSERT_TRUE(pt_query(kmap_root(), (vaddr_t)mm_phys_to_virt(MiB(4)), &q));
	EXPECT_GE(q.size, PAGE_2M);
	EXPECT_EQ(q.pa + ((vaddr_t)mm_phys_to_virt(MiB(4)) - q.va), MiB(4));
	EXPECT_EQ(q.flags, PT_WRITE | PT_NX | PT_GLOBAL);
}

/* Low memory: the identity map and the direct map reach the same byte. */
TEST(kmap, identity_and_direct_same_byte)
{
	volatile uint8_t *id = (volatile uint8_t *)0x9000;
	volatile uint8_t *dm = mm_phys_to_virt(0x9000);
	uint8_t old = *dm;

	EXPECT_EQ(*id, old);
	*id = (uint8_t)~old;
	EXPECT_EQ(*dm, (uint8_t)~old);
	*dm = old;
	EXPECT_EQ(*id, old);
	EXPECT_EQ(kmap_test_flags(0x9000), PT_WRITE | PT_NX);
}

/* Page 0 is not mapped: a NULL read faults, not present. */
TEST(kmap, page_zero_unmapped)
{
	volatile uint8_t *volatile null = 0;
	struct pt_leaf q;

	EXPECT_FALSE(pt_query(kmap_root(), 0, &q));
	expect_fault(VEC_PF, (void)*null);
	EXPECT_EQ(ktest_last_fault()->error_code & 1, 0);
	EXPECT_EQ(ktest_last_fault()->cr2, 0);
}

/* The page below the boot stack is an unmapped guard. */
TEST(kmap, boot_stack_guard_unmapped)
{
	vaddr_t gva = (vaddr_t)boot_stack_bottom - PAGE_SIZE;
	volatile uint8_t *volatile guard = (volatile uint8_t *)gva;
	struct pt_leaf q;

	EXPECT_FALSE(pt_query(kmap_root(), gva, &q));
	EXPECT_TRUE(pt_query(kmap_root(), (vaddr_t)boot_stack_bottom, &q));
	expect_fault(VEC_PF, (void)*guard);
	EXPECT_EQ(ktest_last_fault()->cr2, gva);
}

/* An identity mapping of an MMIO-like page: flags as asked, then removed. */
TEST(kmap, identity_mmio_map_unmap)
{
	struct pt_leaf q;

	if (pt_query(kmap_root(), KMAP_TEST_MMIO, &q))
		ktest_skip("test page already identity-mapped");
	ASSERT_EQ(kmap_identity(KMAP_TEST_MMIO, PAGE_SIZE, PT_WRITE | PT_NX | PT_NOCACHE), 0);
	ASSERT_TRUE(pt_query(kmap_root(), KMAP_TEST_MMIO, &q));
	EXPECT_EQ(q.va, KMAP_TEST_MMIO);
	EXPECT_EQ(q.pa, KMAP_TEST_MMIO);
	EXPECT_EQ(q.size, PAGE_SIZE);
	EXPECT_EQ(q.flags, PT_WRITE | PT_NX | PT_NOCACHE);
	EXPECT_EQ(kmap_identity(KMAP_TEST_MMIO, PAGE_SIZE, PT_NX), -EEXIST);
	EXPECT_EQ(kmap_identity(KMAP_TEST_MMIO - PAGE_SIZE, KiB(8), PT_NX), -EEXIST);
	EXPECT_EQ(kmap_unmap_identity(KMAP_TEST_MMIO, KiB(8)), -EINVAL);
	EXPECT_EQ(kmap_unmap_identity(KMAP_TEST_MMIO, PAGE_SIZE), 0);
	EXPECT_FALSE(pt_query(kmap_root(), KMAP_TEST_MMIO, &q));
	EXPECT_EQ(kmap_unmap_identity(KMAP_TEST_MMIO, PAGE_SIZE), -EINVAL);
}

/* Identity requests that must be refused. */
TEST(kmap, identity_errors)
{
	EXPECT_EQ(kmap_identity(KMAP_TEST_MMIO, 0, PT_NX), -EINVAL);
	EXPECT_EQ(kmap_identity(KMAP_TEST_MMIO, PAGE_SIZE, PT_USER), -EINVAL);
	EXPECT_EQ(kmap_identity(KMAP_TEST_MMIO, PAGE_SIZE, PT_GLOBAL), -EINVAL);
	EXPECT_EQ(kmap_identity(PT_USER_TOP, PAGE_SIZE, PT_NX), -EINVAL);
	EXPECT_EQ(kmap_identity(0x9000, PAGE_SIZE, PT_NX), -EEXIST); /* low identity map */
	EXPECT_EQ(kmap_unmap_identity(0x1000, KMAP_IDENTITY_LOW - 0x1000), -EINVAL);
	EXPECT_EQ(kmap_unmap_identity(KMAP_TEST_MMIO, 0), -EINVAL);
}
