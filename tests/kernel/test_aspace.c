/*
 * In-image tests of the user address space on the real MMU: the tests load
 * the address space's root, serve faults with as_fault explicitly (as the
 * kernel's #PF path does for user addresses), then touch the pages through
 * their user addresses (with SMAP lifted when CR4.SMAP is on).
 */
#include "harness/ktest.h"
#include "lib/errno.h"
#include "mm/access.h"
#include "mm/aspace.h"
#include "mm/heap.h"
#include "mm/kmap.h"
#include "mm/mmarch.h"
#include "mm/pmm.h"
#include "mm/pt.h"

#define KA_RW (PROT_READ | PROT_WRITE)
#define KA_ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define KA_CR4_SMAP (1ull << 21)

/* True when supervisor accesses to user pages need stac. */
static bool ka_smap_on(void)
{
	uint64_t cr4;

	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	return cr4 & KA_CR4_SMAP;
}

/* Write a byte through the user address (the current root must be the space's). */
static void ka_poke(vaddr_t va, unsigned char c)
{
	bool smap = ka_smap_on();

	if (smap)
		__asm__ volatile("stac" ::: "memory");
	*(volatile unsigned char *)va = c;
	if (smap)
		__asm__ volatile("clac" ::: "memory");
}

/* Read a byte through the user address. */
static unsigned char ka_peek(vaddr_t va)
{
	bool smap = ka_smap_on();
	unsigned char c;

	if (smap)
		__asm__ volatile("stac" ::: "memory");
	c = *(volatile unsigned char *)va;
	if (smap)
		__asm__ volatile("clac" ::: "memory");
	return c;
}

/* The byte at va as it is now (nothing faulted in); -1 when unmapped. */
static int ka_phys_peek(struct aspace *as, vaddr_t va)
{
	unsigned char c;

	if (access_user(as, va, &c, 1, ACCESS_READ | ACCESS_PEEK) != AS_FAULT_OK)
		return -1;
	return c;
}

TEST(aspace, demand_paging_through_mmu)
{
	size_t before = pmm_free_frames();
	struct aspace *as = as_create();
	vaddr_t a = 0x40000000;

	ASSERT_TRUE(as != NULL);
	ASSERT_EQ(as_mmap(as, a, MiB(4), KA_RW, KA_ANON | MAP_FIXED), a);
	EXPECT_EQ(as_resident_frames(as), 0);
	mm_load_root(as_root(as));
	EXPECT_EQ(as_fault(as, a + 0x123, AS_PF_USER | AS_PF_WRITE), AS_FAULT_OK);
	EXPECT_EQ(ka_peek(a + 0x123), 0);
	ka_poke(a + 0x123, 0x5a);
	ka_poke(a + MiB(2) - 1, 0x77);
	EXPECT_EQ(ka_phys_peek(as, a + 0x123), 0x5a);
	EXPECT_EQ(as_resident_frames(as), 512);
	EXPECT_EQ(as_fault(as, a + MiB(3), AS_PF_USER), AS_FAULT_OK);
	EXPECT_EQ(ka_peek(a + MiB(3)), 0);
	expect_fault(VEC_PF, (void)ka_peek(a + MiB(5)));
	if (ka_smap_on())
		__asm__ volatile("clac" ::: "memory"); /* the fault skipped ka_peek's clac */
	EXPECT_EQ(ktest_last_fault()->cr2, a + MiB(5));
	EXPECT_EQ(as_check(as), 0);
	mm_load_root(kmap_root());
	as_destroy(as);
	EXPECT_EQ(pmm_free_frames(), before);
}

TEST(aspace, cow_after_clone_through_mmu)
{
	size_t before = pmm_free_frames();
	struct aspace *as = as_create(), *child;
	vaddr_t a = 0x40000000;
	struct pt_leaf p, c;

	ASSERT_TRUE(as != NULL);
	ASSERT_EQ(as_mmap(as, a, 0x2000, KA_RW, KA_ANON | MAP_FIXED), a);
	mm_load_root(as_root(as));
	ASSERT_EQ(as_fault(as, a, AS_PF_USER | AS_PF_WRITE), AS_FAULT_OK);
	ka_poke(a, 1);
	child = as_clone(as);
	ASSERT_TRUE(child != NULL);
	ASSERT_TRUE(pt_query(as_root(as), a, &p));
	ASSERT_TRUE(pt_query(as_root(child), a, &c));
	EXPECT_EQ(p.pa, c.pa);
	EXPECT_EQ(pmm_refcount(p.pa), 2);
	mm_load_root(as_root(child));
	EXPECT_EQ(ka_peek(a), 1);
	EXPECT_EQ(as_fault(child, a, AS_PF_USER | AS_PF_WRITE | AS_PF_PRESENT), AS_FAULT_OK);
	ka_poke(a, 2);
	EXPECT_EQ(ka_phys_peek(as, a), 1);
	EXPECT_EQ(ka_phys_peek(child, a), 2);
	EXPECT_EQ(pmm_refcount(p.pa), 1);
	EXPECT_EQ(as_check(as), 0);
	EXPECT_EQ(as_check(child), 0);
	mm_load_root(kmap_root());
	as_destroy(child);
	as_destroy(as);
	EXPECT_EQ(pmm_free_frames(), before);
}

#define KA_MADV_POPULATE_WRITE 23 /* Linux uapi value */

/*
 * MADV_POPULATE_WRITE after as_clone breaks copy-on-write as a write fault
 * does: the caller gets a private writable copy (refcount 1), the other space
 * keeps the original frame read-only (refcount 1), contents preserved.
 */
TEST(aspace, populate_write_breaks_cow_after_clone)
{
	size_t before = pmm_free_frames();
	struct aspace *as = as_create(), *child;
	vaddr_t a = 0x40000000;
	struct pt_leaf p, c;

	ASSERT_TRUE(as != NULL);
	ASSERT_EQ(as_mmap(as, a, 0x2000, KA_RW, KA_ANON | MAP_FIXED), a);
	mm_load_root(as_root(as));
	ASSERT_EQ(as_fault(as, a, AS_PF_USER | AS_PF_WRITE), AS_FAULT_OK);
	ka_poke(a, 0x41);
	child = as_clone(as);
	ASSERT_TRUE(child != NULL);
	ASSERT_TRUE(pt_query(as_root(child), a, &c));
	EXPECT_EQ(pmm_refcount(c.pa), 2);
	EXPECT_EQ(as_madvise(as, a, 0x2000, KA_MADV_POPULATE_WRITE), 0);
	ASSERT_TRUE(pt_query(as_root(as), a, &p));
	ASSERT_TRUE(pt_query(as_root(child), a, &c));
	EXPECT_NE(p.pa, c.pa);
	EXPECT_EQ(pmm_refcount(p.pa), 1);
	EXPECT_EQ(pmm_refcount(c.pa), 1);
	ASSERT_TRUE(p.flags & PT_WRITE);
	EXPECT_FALSE(c.flags & PT_WRITE);
	ASSERT_TRUE(pt_query(as_root(as), a + 0x1000, &p));
	ASSERT_TRUE(p.flags & PT_WRITE);
	mm_load_root(as_root(as));
	EXPECT_EQ(ka_peek(a), 0x41);
	ka_poke(a, 0x42); /* no fault: the page is writable */
	EXPECT_EQ(ka_phys_peek(child, a), 0x41);
	EXPECT_EQ(ka_phys_peek(as, a), 0x42);
	EXPECT_EQ(as_check(as), 0);
	EXPECT_EQ(as_check(child), 0);
	mm_load_root(kmap_root());
	as_destroy(child);
	as_destroy(as);
	EXPECT_EQ(pmm_free_frames(), before);
}

TEST(aspace, stack_guard_gap)
{
	size_t before = pmm_free_frames();
	struct aspace *as = as_create();
	vaddr_t top = 0x7ff000000000ULL;

	ASSERT_TRUE(as != NULL);
	ASSERT_EQ(as_stack_init(as, top, 0x1000), 0);
	ASSERT_EQ(as_mmap(as, top - MiB(3), 0x1000, KA_RW, KA_ANON | MAP_FIXED), top - MiB(3));
	mm_load_root(as_root(as));
	EXPECT_EQ(as_fault(as, top - 0x8000, AS_PF_USER | AS_PF_WRITE), AS_FAULT_OK);
	ka_poke(top - 0x8000, 3);
	EXPECT_EQ(ka_peek(top - 0x8000), 3);
	EXPECT_EQ(as_fault(as, top - MiB(3) + MiB(1) - 0x1000, AS_PF_USER | AS_PF_WRITE),
		  AS_FAULT_MAPERR);
	/* Growing to top - 2 MiB would leave 1 MiB - 4 KiB above the mapping: refused. */
	EXPECT_EQ(as_fault(as, top - MiB(2), AS_PF_USER | AS_PF_WRITE), AS_FAULT_MAPERR);
	/* One page higher the gap is exactly AS_STACK_GUARD_GAP: allowed. */
	EXPECT_EQ(as_fault(as, top - MiB(2) + 0x1000, AS_PF_USER | AS_PF_WRITE), AS_FAULT_OK);
	EXPECT_EQ(as_check(as), 0);
	mm_load_root(kmap_root());
	as_destroy(as);
	EXPECT_EQ(pmm_free_frames(), before);
}

TEST(aspace, leak_free_destroy)
{
	size_t before = pmm_free_frames(), heap = heap_bytes_in_use();
	struct aspace *as = as_create();
	long a;

	ASSERT_TRUE(as != NULL);
	a = as_mmap(as, 0, MiB(8), KA_RW, KA_ANON | MAP_POPULATE);
	ASSERT_GT(a, 0);
	EXPECT_EQ(as_munmap(as, a + 0x3000, 0x1000), 0);
	EXPECT_EQ(as_mprotect(as, a + MiB(1), MiB(1), PROT_READ), 0);
	EXPECT_EQ(as_mremap(as, a, 0x3000, 0x5000, MREMAP_MAYMOVE, 0) > 0, 1);
	EXPECT_EQ(as_check(as), 0);
	as_destroy(as);
	EXPECT_EQ(pmm_free_frames(), before);
	EXPECT_EQ(heap_bytes_in_use(), heap);
}
