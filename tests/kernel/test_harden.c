/*
 * In-image hardening checks (suite `harden`): W^X and supervisor-only over
 * the kernel half, CR0.WP/SMEP/SMAP on, the kernel cannot read or run user
 * pages outside the copy helpers, user pages are never global, a secret
 * object's pages (memfd_secret) are out of the direct map while it has them.
 */
#include "arch/x86_64/cpu.h"
#include "harness/ktest.h"
#include "lib/errno.h"
#include "mm/access.h"
#include "mm/aspace.h"
#include "mm/kmap.h"
#include "mm/mmarch.h"
#include "mm/mobj.h"
#include "mm/pmm.h"
#include "mm/pt.h"

#define HD_VA 0x10000000ULL

struct hd_count {
	size_t leaves, wx, user, global;
};

/* pt_walk callback: count leaves that are writable+executable, user, global. */
static int hd_count_leaf(void *ctx, const struct pt_leaf *leaf)
{
	struct hd_count *c = ctx;

	c->leaves++;
	c->wx += (leaf->flags & PT_WRITE) && !(leaf->flags & PT_NX);
	c->user += !!(leaf->flags & PT_USER);
	c->global += !!(leaf->flags & PT_GLOBAL);
	return 0;
}

/* Every kernel-half leaf: never writable and executable, never user. */
TEST(harden, kernel_half_wx_and_supervisor)
{
	struct hd_count c = {0};

	/* Up to the last page (a range may not wrap to 0). */
	ASSERT_EQ(pt_walk(kmap_root(), PT_KERNEL_BASE, 0 - PT_KERNEL_BASE - PAGE_SIZE,
			  hd_count_leaf, &c), 0);
	ktest_diag("%zu kernel-half leaves walked", c.leaves);
	EXPECT_GT(c.leaves, 3);
	EXPECT_EQ(c.wx, 0);
	EXPECT_EQ(c.user, 0);
}

/* CR0.WP always; SMEP and SMAP whenever the CPU has them. */
TEST(harden, control_register_bits)
{
	uint32_t ebx7 = cpuid_max(0) >= 7 ? cpuid(7, 0).ebx : 0;

	EXPECT_NE(read_cr0() & CR0_WP, 0);
	if (!(ebx7 & CPUID7_EBX_SMEP) || !(ebx7 & CPUID7_EBX_SMAP))
		ktest_skip("CPU without SMEP or SMAP");
	EXPECT_NE(read_cr4() & CR4_SMEP, 0);
	EXPECT_NE(read_cr4() & CR4_SMAP, 0);
}

/* A user address space with a populated page at HD_VA holding `ret`; NULL when out of memory. */
static struct aspace *hd_user_page(void)
{
	struct aspace *as = as_create();
	uint8_t ret = 0xc3;

	if (!as)
		return NULL;
	if (as_mmap(as, HD_VA, PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_POPULATE) != (long)HD_VA ||
	    access_copy_to(as, HD_VA, &ret, 1) != 0) {
		as_destroy(as);
		return NULL;
	}
	return as;
}

/* With SMAP, a plain kernel read of a user page faults (present, not user, not write). */
TEST(harden, smap_stops_kernel_reads_of_user_pages)
{
	struct aspace *as;

	if (!(read_cr4() & CR4_SMAP))
		ktest_skip("SMAP is off (CPU without it)");
	as = hd_user_page();
	ASSERT_NE(as, NULL);
	mm_load_root(as_root(as));
	expect_fault(VEC_PF, (void)*(volatile uint8_t *)HD_VA);
	mm_load_root(kmap_root());
	EXPECT_EQ(ktest_last_fault()->error_code & 0x7, 0x1);
	EXPECT_EQ(ktest_last_fault()->cr2, HD_VA);
	as_destroy(as);
}

/*
 * A process with CAP_SYS_RAWIO may map user page 0 (mseal_test does); a
 * kernel NULL dereference must still fault, not read that page: SMAP
 * stops it (present, not user mode, a read).
 */
TEST(harden, kernel_null_read_faults_with_page_zero_mapped)
{
	struct aspace *as;
	uintptr_t null = 0;
	uint8_t v = 0x5a;

	if (!(read_cr4() & CR4_SMAP))
		ktest_skip("SMAP is off (CPU without it)");
	as = as_create();
	ASSERT_NE(as, NULL);
	as_set_memlock(as, AS_MEMLOCK_DEFAULT, AS_CAP_SYS_RAWIO);
	ASSERT_EQ(as_mmap(as, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_POPULATE), 0);
	ASSERT_EQ(access_copy_to(as, 0, &v, 1), 0);
	__asm__ volatile("" : "+r"(null)); /* a pointer the compiler cannot see is NULL */
	mm_load_root(as_root(as));
	expect_fault(VEC_PF, (void)*(volatile uint8_t *)null);
	mm_load_root(kmap_root());
	EXPECT_EQ(ktest_last_fault()->error_code & 0x7, 0x1);
	EXPECT_EQ(ktest_last_fault()->cr2, 0);
	as_destroy(as);
}

/* With SMEP, the kernel cannot run code in a user page (instruction-fetch #PF). */
TEST(harden, smep_stops_kernel_running_user_code)
{
	struct aspace *as;

	if (!(read_cr4() & CR4_SMEP))
		ktest_skip("SMEP is off (CPU without it)");
	as = hd_user_page();
	ASSERT_NE(as, NULL);
	mm_load_root(as_root(as));
	expect_fault(VEC_PF, ((void (*)(void))HD_VA)());
	mm_load_root(kmap_root());
	EXPECT_NE(ktest_last_fault()->error_code & 0x10, 0);
	EXPECT_EQ(ktest_last_fault()->cr2, HD_VA);
	as_destroy(as);
}

/* User leaves are never global (they must go with every CR3 switch). */
TEST(harden, user_pages_never_global)
{
	struct hd_count c = {0};
	struct aspace *as = hd_user_page();

	ASSERT_NE(as, NULL);
	ASSERT_GT(as_mmap(as, 0, 8 * PAGE_2M, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE), 0);
	ASSERT_EQ(pt_walk(as_root(as), 0, PT_USER_TOP, hd_count_leaf, &c), 0);
	EXPECT_GT(c.leaves, 1);
	EXPECT_EQ(c.global, 0);
	EXPECT_EQ(c.user, c.leaves);
	as_destroy(as);
}

/*
 * memfd_secret's pages leave the direct map (Linux's
 * set_direct_map_invalid_noflush): a kernel read of one through it faults,
 * and a user mapping still reaches it. When the object lets the page go it
 * comes back, zeroed, and the split direct-map tables fold again: frames
 * and table counts as before.
 */
TEST(harden, secret_pages_leave_the_direct_map)
{
	size_t free0 = pmm_free_frames(), tables0 = pt_table_frames();
	struct mobj *o = mobj_create(MOBJ_SHMEM);
	struct pt_leaf leaf;
	paddr_t pa;

	ASSERT_NE(o, NULL);
	o->flags |= MOBJ_SECRET;
	ASSERT_EQ(mobj_truncate(o, PAGE_SIZE), 0);
	ASSERT_EQ(mobj_page(o, 0, MOBJ_ALLOC, &pa), 0);
	EXPECT_FALSE(pt_query(kmap_root(), KMAP_DIRECT_BASE + pa, &leaf));
	expect_fault(VEC_PF, (void)*(volatile uint8_t *)mm_phys_to_virt(pa));
	EXPECT_EQ(ktest_last_fault()->cr2, KMAP_DIRECT_BASE + pa);
	EXPECT_EQ(mobj_write(o, 0, "x", 1), -EPERM);
	EXPECT_EQ(mobj_read(o, 0, &leaf, 1), 0);
	mobj_put(o);
	ASSERT_TRUE(pt_query(kmap_root(), KMAP_DIRECT_BASE + pa, &leaf));
	EXPECT_NE(leaf.flags & PT_WRITE, 0);
	EXPECT_EQ(*(volatile uint8_t *)mm_phys_to_virt(pa), 0);
	EXPECT_EQ(pt_table_frames(), tables0);
	EXPECT_EQ(pmm_free_frames(), free0);
}
