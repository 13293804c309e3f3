/* Host unit tests of the user address space (src/mm/aspace.c, vma.c, fault.c). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "mm/aspace.h"
#include "mm/heap.h"
#include "mm/mmarch.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "mm/zpage.h"
#include "support/host_mm.h"

#define BASE 0x7ffff7fff000ULL /* mmap_base: TASK_SIZE - 128 MiB */
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static struct aspace *as;
static size_t free0, tables0;

static void setup(void)
{
	host_mm_setup(MiB(512));
	free0 = pmm_free_frames();
	tables0 = pt_table_frames();
	as = as_create();
	cr_assert_not_null(as);
}

static void teardown(void)
{
	as_destroy(as);
	cr_assert_eq(pmm_free_frames(), free0, "leaked %zd frames",
		     (ssize_t)(free0 - pmm_free_frames()));
	cr_assert_eq(pt_table_frames(), tables0);
}

TestSuite(aspace, .init = setup, .fini = teardown);

#define CHECK() cr_assert_eq(as_check(as), 0, "as_check failed")

/* Pointer to the byte at va as the CPU would reach it, faulting like the CPU on a miss. */
static unsigned char *uptr(struct aspace *a, vaddr_t va, bool write)
{
	struct pt_leaf leaf;
	int tries;

	for (tries = 0; tries < 3; tries++) {
		if (pt_query(as_root(a), va, &leaf) && (leaf.flags & PT_USER) &&
		    (!write || (leaf.flags & PT_WRITE)))
			return (unsigned char *)mm_phys_to_virt(leaf.pa) + (va - leaf.va);
		if (as_fault(a, va, AS_PF_USER | (write ? AS_PF_WRITE : 0) |
			     (pt_query(as_root(a), va, &leaf) ? AS_PF_PRESENT : 0)) != AS_FAULT_OK)
			return NULL;
	}
	return NULL;
}

static int uread(struct aspace *a, vaddr_t va)
{
	unsigned char *p = uptr(a, va, false);

	return p ? *p : -1;
}

static bool uwrite(struct aspace *a, vaddr_t va, unsigned char c)
{
	unsigned char *p = uptr(a, va, true);

	if (p)
		*p = c;
	return p != NULL;
}

/* An expected VMA: start, end, rights and flags (the object fields are not compared). */
#define VMA(s, e, p, f) {.start = (s), .end = (e), .prot = (p), .flags = (f)}

/* Assert the VMA list equals the n expected triples (start, end, prot). */
static void expect_vmas(const struct as_vma_info *want, size_t n)
{
	struct as_vma_info got[16];
	size_t i, total = as_vmas(as, got, 16);

	cr_assert_eq(total, n, "%zu VMAs, expected %zu", total, n);
	for (i = 0; i < n; i++) {
		cr_expect_eq(got[i].start, want[i].start, "vma %zu start %#lx", i, got[i].start);
		cr_expect_eq(got[i].end, want[i].end, "vma %zu end %#lx", i, got[i].end);
		cr_expect_eq(got[i].prot, want[i].prot, "vma %zu prot %d", i, got[i].prot);
	}
}

/* ---------------------------------------------------------------- create */

Test(aspace, create_is_empty)
{
	cr_expect_eq(as_vma_count(as), 0);
	cr_expect_eq(as_resident_frames(as), 0);
	cr_expect_neq(as_root(as), 0);
	CHECK();
}

/* ---------------------------------------------------------------- mmap */

Test(aspace, mmap_errors)
{
	cr_expect_eq(as_mmap(as, 0, 0, RW, ANON), -EINVAL);
	cr_expect_eq(as_mmap(as, 0, -4096ULL, RW, ANON), -ENOMEM);
	cr_expect_eq(as_mmap(as, 0, -8192ULL, RW, ANON), -ENOMEM);
	cr_expect_eq(as_mmap(as, 0, 4096, RW, MAP_ANONYMOUS), -EINVAL);
	cr_expect_eq(as_mmap(as, 0, 4096, RW, MAP_SHARED_VALIDATE | MAP_ANONYMOUS), -EINVAL);
	cr_expect_eq(as_mmap(as, 0, 4096, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN), -EINVAL);
	cr_expect_eq(as_mmap(as, 0x100001, 4096, RW, ANON | MAP_FIXED), -EINVAL);
	cr_expect_eq(as_mmap(as, 0x100001, 4096, RW, ANON | MAP_FIXED_NOREPLACE), -EINVAL);
	cr_expect_eq(as_mmap(as, AS_TASK_SIZE, 8192, RW, ANON | MAP_FIXED), -ENOMEM);
	cr_expect_eq(as_mmap(as, AS_TASK_SIZE - 4096, 8192, RW, ANON | MAP_FIXED), -ENOMEM);
	cr_expect_eq(as_mmap(as, 0x1000, 4096, RW, ANON | MAP_FIXED), -EPERM);
	cr_expect_eq(as_vma_count(as), 0);
	CHECK();
}

Test(aspace, mmap_topdown_and_merge)
{
	struct as_vma_info want[] = {VMA(BASE - 3 * 4096, BASE, RW, 0)};

	cr_assert_eq(as_mmap(as, 0, 4096, RW, ANON), (long)(BASE - 4096));
	CHECK();
	cr_assert_eq(as_mmap(as, 0, 100, RW, ANON), (long)(BASE - 2 * 4096));
	cr_assert_eq(as_mmap(as, 0, 4096, RW, ANON), (long)(BASE - 3 * 4096));
	CHECK();
	expect_vmas(want, 1);
	cr_assert_eq(as_mmap(as, 0, 4096, PROT_READ, ANON), (long)(BASE - 4 * 4096));
	cr_expect_eq(as_vma_count(as), 2);
	CHECK();
}

Test(aspace, mmap_hint)
{
	cr_expect_eq(as_mmap(as, 0x200000123, 4096, RW, ANON), 0x200000000);
	cr_expect_eq(as_mmap(as, 0x200000000, 4096, RW, ANON), (long)(BASE - 4096));
	cr_expect_eq(as_mmap(as, 0x1000, 4096, PROT_READ, ANON), (long)AS_MMAP_MIN_ADDR);
	CHECK();
}

Test(aspace, mmap_fixed_replaces_atomically)
{
	vaddr_t a = 0x40000000;
	struct as_vma_info want[] = {
		VMA(a, a + 0x1000, RW, 0),
		VMA(a + 0x1000, a + 0x2000, PROT_READ, 0),
		VMA(a + 0x2000, a + 0x4000, RW, 0),
	};

	cr_assert_eq(as_mmap(as, a, 0x4000, RW, ANON | MAP_FIXED), (long)a);
	cr_assert(uwrite(as, a, 1) && uwrite(as, a + 0x1000, 2) && uwrite(as, a + 0x3000, 3));
	cr_assert_eq(as_mmap(as, a + 0x1000, 0x1000, PROT_READ, ANON | MAP_FIXED), (long)(a + 0x1000));
	CHECK();
	expect_vmas(want, 3);
	cr_expect_eq(uread(as, a), 1);
	cr_expect_eq(uread(as, a + 0x1000), 0);
	cr_expect_eq(uread(as, a + 0x3000), 3);
	cr_expect_eq(as_mmap(as, a + 0x3000, 0x2000, RW, ANON | MAP_FIXED_NOREPLACE), -EEXIST);
	cr_expect_eq(as_mmap(as, a + 0x4000, 0x1000, RW, ANON | MAP_FIXED_NOREPLACE), (long)(a + 0x4000));
	CHECK();
}

Test(aspace, mmap_populate_and_demand)
{
	long a = as_mmap(as, 0, 0x3000, RW, ANON);
	long b = as_mmap(as, 0, 0x3000, PROT_READ, ANON | MAP_POPULATE);

	struct pt_leaf leaf;

	cr_assert_gt(a, 0);
	cr_assert_gt(b, 0);
	/* read-only MAP_POPULATE and a read map the zero page, resident in no count */
	cr_assert(pt_query(as_root(as), b + 0x2000, &leaf));
	cr_expect_eq(leaf.pa, zpage_frame(PAGE_SIZE));
	cr_expect_eq(as_resident_frames(as), 0);
	cr_expect_eq(uread(as, a + 0x1000), 0);
	cr_expect_eq(as_resident_frames(as), 0);
	cr_expect(uwrite(as, a + 0x1000, 1));
	cr_expect_eq(as_resident_frames(as), 1);
	CHECK();
}

Test(aspace, fault_uses_2m_leaves)
{
	vaddr_t a = 0x40000000;
	struct pt_leaf leaf;

	cr_assert_eq(as_mmap(as, a, MiB(4) + 0x1000, RW, ANON | MAP_FIXED), (long)a);
	cr_assert(uwrite(as, a + 0x1234, 7));
	cr_assert(pt_query(as_root(as), a, &leaf));
	cr_expect_eq(leaf.size, PAGE_2M);
	cr_expect_eq(leaf.flags, PT_USER | PT_NX | PT_WRITE);
	cr_assert(uwrite(as, a + MiB(4), 8));
	cr_assert(pt_query(as_root(as), a + MiB(4), &leaf));
	cr_expect_eq(leaf.size, PAGE_SIZE);
	CHECK();
	/* munmap of one page inside the 2 MiB leaf splits it and keeps the rest. */
	cr_assert_eq(as_munmap(as, a + 0x1000, 0x1000), 0);
	CHECK();
	cr_expect_eq(uread(as, a + 0x1234), -1);
	cr_expect_eq(as_resident_frames(as), 511 + 1);
	cr_expect_eq(uread(as, a + 0x2000), 0);
}

Test(aspace, fault_rights)
{
	long r = as_mmap(as, 0, 0x1000, PROT_READ, ANON);
	long n = as_mmap(as, 0, 0x1000, PROT_NONE, ANON);
	long x = as_mmap(as, 0, 0x1000, PROT_READ | PROT_EXEC, ANON);

	cr_expect_eq(as_fault(as, r, AS_PF_USER | AS_PF_WRITE), AS_FAULT_ACCERR);
	cr_expect_eq(as_fault(as, r, AS_PF_USER | AS_PF_EXEC), AS_FAULT_ACCERR);
	cr_expect_eq(as_fault(as, r, AS_PF_USER), AS_FAULT_OK);
	cr_expect_eq(as_fault(as, n, AS_PF_USER), AS_FAULT_ACCERR);
	cr_expect_eq(as_fault(as, x, AS_PF_USER | AS_PF_EXEC), AS_FAULT_OK);
	cr_expect_eq(as_fault(as, 0x20000, AS_PF_USER), AS_FAULT_MAPERR);
	cr_expect_eq(as_fault(as, AS_TASK_SIZE, AS_PF_USER), AS_FAULT_MAPERR);
	CHECK();
}

/* ---------------------------------------------------------------- munmap */

Test(aspace, munmap_cases)
{
	vaddr_t a = 0x40000000;
	struct as_vma_info want[] = {
		VMA(a, a + 0x1000, RW, 0),
		VMA(a + 0x3000, a + 0x4000, RW, 0),
		VMA(a + 0x8000, a + 0x9000, PROT_READ, 0),
	};

	cr_expect_eq(as_munmap(as, a + 1, 0x1000), -EINVAL);
	cr_expect_eq(as_munmap(as, a, 0), -EINVAL);
	cr_expect_eq(as_munmap(as, AS_TASK_SIZE - 0x1000, 0x2000), -EINVAL);
	cr_expect_eq(as_munmap(as, a, 0x1000), 0);
	cr_assert_eq(as_mmap(as, a, 0x5000, RW, ANON | MAP_FIXED), (long)a);
	cr_assert_eq(as_mmap(as, a + 0x7000, 0x3000, PROT_READ, ANON | MAP_FIXED), (long)(a + 0x7000));
	cr_assert(uwrite(as, a, 1) && uwrite(as, a + 0x1000, 2) && uwrite(as, a + 0x4000, 3));
	cr_expect_eq(as_munmap(as, a + 0x1000, 0x2000), 0);
	CHECK();
	cr_expect_eq(as_munmap(as, a + 0x4000, 0x4000), 0); /* tail, hole, head */
	CHECK();
	cr_expect_eq(as_munmap(as, a + 0x9000, 0x1000), 0);
	CHECK();
	expect_vmas(want, 3);
	cr_expect_eq(uread(as, a), 1);
	cr_expect_eq(as_fault(as, a + 0x1000, AS_PF_USER), AS_FAULT_MAPERR);
}

/* ---------------------------------------------------------------- mprotect */

Test(aspace, mprotect_cases)
{
	vaddr_t a = 0x40000000;
	struct as_vma_info want[] = {
		VMA(a, a + 0x1000, RW, 0),
		VMA(a + 0x1000, a + 0x2000, PROT_READ, 0),
		VMA(a + 0x2000, a + 0x4000, RW, 0),
	};
	struct as_vma_info want2[] = {
		VMA(a, a + 0x4000, PROT_READ, 0),
		VMA(a + 0x5000, a + 0x6000, RW, 0),
	};

	cr_assert_eq(as_mmap(as, a, 0x4000, RW, ANON | MAP_FIXED), (long)a);
	cr_assert(uwrite(as, a + 0x1000, 5));
	cr_expect_eq(as_mprotect(as, a + 1, 0x1000, PROT_READ), -EINVAL);
	cr_expect_eq(as_mprotect(as, a, 0, 0x10), 0);
	cr_expect_eq(as_mprotect(as, a, 0x1000, 0x10), -EINVAL);
	cr_expect_eq(as_mprotect(as, a, 0x1000, RW | PROT_GROWSDOWN | PROT_GROWSUP), -EINVAL);
	cr_expect_eq(as_mprotect(as, a + 0x1000, 0x1000, PROT_READ), 0);
	CHECK();
	expect_vmas(want, 3);
	cr_expect_eq(as_fault(as, a + 0x1000, AS_PF_USER | AS_PF_WRITE | AS_PF_PRESENT),
		     AS_FAULT_ACCERR);
	cr_expect_eq(uread(as, a + 0x1000), 5);
	/* Back to RW: merged again, and writable after a fault. */
	cr_expect_eq(as_mprotect(as, a + 0x1000, 0x1000, RW), 0);
	cr_expect_eq(as_vma_count(as), 1);
	cr_expect(uwrite(as, a + 0x1000, 6));
	CHECK();
	/* Over a hole: the part before it changes, then ENOMEM. */
	cr_assert_eq(as_mmap(as, a + 0x5000, 0x1000, RW, ANON | MAP_FIXED), (long)(a + 0x5000));
	cr_expect_eq(as_mprotect(as, a, 0x6000, PROT_READ), -ENOMEM);
	CHECK();
	expect_vmas(want2, 2);
	cr_expect_eq(as_mprotect(as, a + 0x4000, 0x1000, PROT_READ), -ENOMEM);
	cr_expect_eq(as_mprotect(as, a + 0x6000, 0x1000, PROT_READ), -ENOMEM);
	cr_expect_eq(as_mprotect(as, a, 0x1000, PROT_READ | PROT_GROWSDOWN), -EINVAL);
	cr_expect_eq(as_mprotect(as, a, 0x1000, PROT_READ | 0x8), 0); /* PROT_SEM */
	CHECK();
}

Test(aspace, mprotect_growsdown)
{
	vaddr_t a = 0x40000000;
	struct as_vma_info want[] = {VMA(a, a + 0x4000, PROT_READ, 0)};

	cr_assert_eq(as_mmap(as, a, 0x4000, RW, ANON | MAP_FIXED | MAP_GROWSDOWN), (long)a);
	cr_expect_eq(as_mprotect(as, a + 0x2000, 0x2000, PROT_READ | PROT_GROWSDOWN), 0);
	expect_vmas(want, 1);
	CHECK();
}

/* ---------------------------------------------------------------- mremap */

Test(aspace, mremap_errors)
{
	vaddr_t a = 0x40000000;

	cr_assert_eq(as_mmap(as, a, 0x4000, RW, ANON | MAP_FIXED), (long)a);
	cr_expect_eq(as_mremap(as, a, 0x1000, 0x2000, 8, 0), -EINVAL);
	cr_expect_eq(as_mremap(as, a, 0x1000, 0x2000, MREMAP_FIXED, a + MiB(1)), -EINVAL);
	cr_expect_eq(as_mremap(as, a + 1, 0x1000, 0x2000, 0, 0), -EINVAL);
	cr_expect_eq(as_mremap(as, a, 0x1000, 0, 0, 0), -EINVAL);
	cr_expect_eq(as_mremap(as, a, 0x1000, 0x1000, MREMAP_MAYMOVE | MREMAP_FIXED, a + 1), -EINVAL);
	cr_expect_eq(as_mremap(as, a, 0x2000, 0x2000, MREMAP_MAYMOVE | MREMAP_FIXED, a + 0x1000), -EINVAL);
	cr_expect_eq(as_mremap(as, a, 0x1000, 0x2000, MREMAP_DONTUNMAP | MREMAP_MAYMOVE, 0), -EINVAL);
	cr_expect_eq(as_mremap(as, 0x80000000, 0x1000, 0x1000, 0, 0), -EFAULT);
	cr_expect_eq(as_mremap(as, a, 0x5000, 0x6000, MREMAP_MAYMOVE, 0), -EFAULT);
	cr_expect_eq(as_mremap(as, a, 0, 0x2000, MREMAP_MAYMOVE, 0), -EINVAL);
	cr_expect_eq(as_vma_count(as), 1);
	CHECK();
}

Test(aspace, mremap_shrink_grow_move)
{
	vaddr_t a = 0x40000000;
	long r;

	cr_assert_eq(as_mmap(as, a, 0x4000, RW, ANON | MAP_FIXED), (long)a);
	cr_assert(uwrite(as, a, 1) && uwrite(as, a + 0x3000, 4));
	cr_expect_eq(as_mremap(as, a, 0x4000, 0x2000, 0, 0), (long)a);
	CHECK();
	cr_expect_eq(as_fault(as, a + 0x3000, AS_PF_USER), AS_FAULT_MAPERR);
	cr_expect_eq(as_mremap(as, a, 0x2000, 0x8000, 0, 0), (long)a); /* in place */
	CHECK();
	cr_expect_eq(uread(as, a + 0x3000), 0);
	cr_assert_eq(as_mmap(as, a + 0x8000, 0x1000, PROT_READ, ANON | MAP_FIXED), (long)(a + 0x8000));
	cr_expect_eq(as_mremap(as, a, 0x8000, 0x10000, 0, 0), -ENOMEM);
	r = as_mremap(as, a, 0x8000, 0x10000, MREMAP_MAYMOVE, 0);
	cr_assert_eq(r, (long)(BASE - 0x10000));
	CHECK();
	cr_expect_eq(uread(as, r), 1);
	cr_expect_eq(as_fault(as, a, AS_PF_USER), AS_FAULT_MAPERR);
	/* FIXED onto an existing mapping replaces it. */
	cr_expect_eq(as_mremap(as, r, 0x1000, 0x1000, MREMAP_MAYMOVE | MREMAP_FIXED, a + 0x8000),
		     (long)(a + 0x8000));
	CHECK();
	cr_expect_eq(uread(as, a + 0x8000), 1);
	cr_expect_eq(uread(as, r), -1);
}

Test(aspace, mremap_moves_frames)
{
	vaddr_t a = 0x40000000;
	struct pt_leaf before, after;

	cr_assert_eq(as_mmap(as, a, 0x2000, RW, ANON | MAP_FIXED), (long)a);
	cr_assert(uwrite(as, a + 0x1000, 9));
	cr_assert(pt_query(as_root(as), a + 0x1000, &before));
	cr_assert_eq(as_mremap(as, a, 0x2000, 0x2000, MREMAP_MAYMOVE | MREMAP_FIXED, 0x50000000),
		     0x50000000);
	cr_assert(pt_query(as_root(as), 0x50001000, &after));
	cr_expect_eq(before.pa, after.pa);
	cr_expect_eq(pmm_refcount(after.pa), 1);
	CHECK();
}

/* ---------------------------------------------------------------- brk */

Test(aspace, brk_cases)
{
	vaddr_t s = 0x600000;
	struct as_vma_info want[] = {VMA(s, s + 0x3000, RW, 0)};

	as_brk_init(as, s);
	cr_expect_eq(as_brk(as, 0), s);
	cr_expect_eq(as_brk(as, s - 1), s);
	cr_expect_eq(as_brk(as, s + 0x2100), s + 0x2100);
	CHECK();
	expect_vmas(want, 1);
	cr_assert(uwrite(as, s + 0x2000, 3));
	cr_expect_eq(as_brk(as, s + 0x1000), s + 0x1000);
	cr_expect_eq(as_brk(as, s + 0x3000), s + 0x3000);
	cr_expect_eq(uread(as, s + 0x2000), 0);
	CHECK();
	cr_assert_eq(as_mmap(as, s + 0x5000, 0x1000, PROT_READ, ANON | MAP_FIXED), (long)(s + 0x5000));
	cr_expect_eq(as_brk(as, s + 0x4000), s + 0x4000);
	cr_expect_eq(as_brk(as, s + 0x4001), s + 0x4000); /* would touch the mapping above */
	cr_expect_eq(as_brk(as, s + 0x6000), s + 0x4000);
	CHECK();
}

/*
 * The heap never grows a VMA below its start (Linux's do_brk_flags merges
 * only with a VMA from vma_prev_limit(start_brk)): after a bss of the same
 * rights the heap is a VMA of its own, which later growth extends.
 */
Test(aspace, brk_apart_from_the_bss)
{
	vaddr_t s = 0x600000;
	struct as_vma_info want[] = {VMA(s - 0x2000, s, RW, 0), VMA(s, s + 0x2000, RW, 0)};

	cr_assert_eq(as_mmap(as, s - 0x2000, 0x2000, RW, ANON | MAP_FIXED), (long)(s - 0x2000));
	as_brk_init(as, s);
	cr_expect_eq(as_brk(as, s + 0x1000), s + 0x1000);
	cr_expect_eq(as_brk(as, s + 0x2000), s + 0x2000);
	CHECK();
	expect_vmas(want, 2);
}

/*
 * That boundary stays until a change meets it, as in Linux: an mprotect
 * that changes nothing merges nothing (mprotect_fixup), an mremap growing the heap in place extends only it (vma_merge_extend);
 * an mprotect that changes the page below and changes it back merges it.
 */
Test(aspace, brk_boundary_kept_until_changed)
{
	vaddr_t s = 0x600000;
	struct as_vma_info two[] = {VMA(s - 0x2000, s, RW, 0), VMA(s, s + 0x3000, RW, 0)};
	struct as_vma_info one[] = {VMA(s - 0x2000, s + 0x3000, RW, 0)};

	cr_assert_eq(as_mmap(as, s - 0x2000, 0x2000, RW, ANON | MAP_FIXED), (long)(s - 0x2000));
	as_brk_init(as, s);
	cr_assert_eq(as_brk(as, s + 0x2000), s + 0x2000);
	cr_expect_eq(as_mprotect(as, s - 0x2000, 0x4000, RW), 0);
	cr_expect_eq(as_mremap(as, s, 0x2000, 0x3000, 0, 0), (long)s);
	CHECK();
	expect_vmas(two, 2);
	cr_expect_eq(as_mprotect(as, s - 0x1000, 0x1000, PROT_READ), 0);
	cr_expect_eq(as_mprotect(as, s - 0x1000, 0x1000, RW), 0);
	CHECK();
	expect_vmas(one, 1);
}

/* The image's code and data ranges: 0 in a fresh space, kept, copied by a clone. */
Test(aspace, image_ranges_kept_and_cloned)
{
	const struct as_image img = { 0x401000, 0x40c45c, 0x40ffb0, 0x410210 };
	struct as_image got;
	struct aspace *c;

	as_get_image(as, &got);
	cr_expect_eq(got.start_code | got.end_code | got.start_data | got.end_data, 0);
	as_set_image(as, &img);
	c = as_clone(as);
	cr_assert_not_null(c);
	as_get_image(c, &got);
	cr_expect_eq(memcmp(&got, &img, sizeof(img)), 0);
	as_destroy(c);
}

/* ---------------------------------------------------------------- madvise */

Test(aspace, madvise_cases)
{
	vaddr_t a = 0x40000000;

	cr_assert_eq(as_mmap(as, a, 0x3000, RW, ANON | MAP_FIXED), (long)a);
	cr_assert(uwrite(as, a, 1) && uwrite(as, a + 0x1000, 2));
	cr_expect_eq(as_madvise(as, a + 1, 0x1000, MADV_DONTNEED), -EINVAL);
	cr_expect_eq(as_madvise(as, a, 0x1000, 77), -EINVAL);
	cr_expect_eq(as_madvise(as, a, 0, 77), -EINVAL);
	cr_expect_eq(as_madvise(as, a, 0, MADV_DONTNEED), 0);
	cr_expect_eq(as_madvise(as, a, 0x1000, MADV_WILLNEED), 0);
	cr_expect_eq(as_madvise(as, a, 0x1000, MADV_DONTNEED), 0);
	CHECK();
	cr_expect_eq(uread(as, a), 0);
	cr_expect_eq(uread(as, a + 0x1000), 2);
	cr_expect_eq(as_madvise(as, a, 0x5000, MADV_DONTNEED), -ENOMEM);
	cr_expect_eq(uread(as, a + 0x1000), 0);
	cr_expect_eq(as_madvise(as, a + 0x4000, 0x1000, MADV_NORMAL), -ENOMEM);
	CHECK();
}

/* ---------------------------------------------------------------- stack */

Test(aspace, stack_growth_and_guard)
{
	vaddr_t top = 0x7ff000000000ULL;
	struct as_vma_info info;

	cr_assert_eq(as_stack_init(as, top, 0x2000), 0);
	cr_expect_eq(as_resident_frames(as), 2);
	CHECK();
	cr_expect(uwrite(as, top - 0x10000, 1)); /* grows */
	cr_assert(as_vma_at(as, top - 1, &info));
	cr_expect_eq(info.start, top - 0x10000);
	cr_expect(info.flags & MAP_GROWSDOWN);
	cr_expect_eq(as_fault(as, top - AS_STACK_LIMIT - 0x1000, AS_PF_USER | AS_PF_WRITE),
		     AS_FAULT_MAPERR);
	CHECK();
	/* A mapping 1.5 MiB below the stack: growth into its guard gap fails. */
	cr_assert_eq(as_mmap(as, top - MiB(2) - 0x1000, 0x1000, RW, ANON | MAP_FIXED),
		     (long)(top - MiB(2) - 0x1000));
	cr_expect_eq(as_fault(as, top - MiB(2) + 0x1000, AS_PF_USER | AS_PF_WRITE),
		     AS_FAULT_MAPERR);
	cr_expect_eq(as_fault(as, top - MiB(1), AS_PF_USER | AS_PF_WRITE), AS_FAULT_OK);
	CHECK();
	/* Placement keeps out of the guard gap too. */
	cr_expect_eq(as_mmap(as, top - MiB(1) - 0x2000, 0x1000, RW, ANON), (long)(BASE - 0x1000));
}

/* ---------------------------------------------------------------- clone */

Test(aspace, clone_is_copy_on_write)
{
	vaddr_t a = 0x40000000;
	struct pt_leaf p, c;
	struct aspace *child;

	cr_assert_eq(as_mmap(as, a, 0x2000, RW, ANON | MAP_FIXED), (long)a);
	cr_assert(uwrite(as, a, 1) && uwrite(as, a + 0x1000, 2));
	as_brk_init(as, 0x600000);
	child = as_clone(as);
	cr_assert_not_null(child);
	cr_assert_eq(as_check(child), 0);
	CHECK();
	cr_assert(pt_query(as_root(as), a, &p) && pt_query(as_root(child), a, &c));
	cr_expect_eq(p.pa, c.pa);
	cr_expect_eq(pmm_refcount(p.pa), 2);
	cr_expect_eq(p.flags & PT_WRITE, 0);
	cr_expect_eq(uread(child, a), 1);
	cr_assert(uwrite(child, a, 7));
	cr_expect_eq(uread(as, a), 1);
	cr_expect_eq(uread(child, a), 7);
	cr_expect_eq(pmm_refcount(p.pa), 1);
	cr_assert(uwrite(as, a, 8)); /* now exclusive: made writable in place */
	cr_assert(pt_query(as_root(as), a, &c));
	cr_expect_eq(c.pa, p.pa);
	cr_expect_eq(uread(child, a + 0x1000), 2);
	cr_assert_eq(as_check(child), 0);
	CHECK();
	as_destroy(child);
	CHECK();
}

Test(aspace, clone_oom_all_or_nothing)
{
	vaddr_t a = 0x40000000;
	struct aspace *child = NULL;
	struct pt_leaf l;
	unsigned long k;

	cr_assert_eq(as_mmap(as, a, MiB(4), RW, ANON | MAP_FIXED), (long)a);
	cr_assert(uwrite(as, a, 1) && uwrite(as, a + MiB(3), 2) && uwrite(as, a + MiB(2) - 1, 3));
	for (k = 1; !child; k++) {
		size_t before = pmm_free_frames();

		pmm_fail_nth(k);
		child = as_clone(as);
		pmm_fail_nth(0);
		if (!child) {
			cr_assert_eq(pmm_free_frames(), before);
			cr_assert(pt_query(as_root(as), a, &l) && (l.flags & PT_WRITE));
			CHECK();
		}
	}
	cr_assert_eq(as_check(child), 0);
	as_destroy(child);
	CHECK();
}

#define MADV_POPULATE_WRITE_ 23 /* Linux uapi value */

/*
 * Page va after MADV_POPULATE_WRITE in `writer` of pages shared with `other`
 * by as_clone: the writer holds a private, writable copy with `byte` in it,
 * the other side keeps the original frame, read-only, with the same byte;
 * each frame has one reference.
 */
static void expect_cow_broken(struct aspace *writer, struct aspace *other, vaddr_t va,
			      paddr_t orig, unsigned char byte)
{
	struct pt_leaf w, o;

	cr_assert(pt_query(as_root(writer), va, &w) && pt_query(as_root(other), va, &o));
	cr_expect_neq(w.pa + (va - w.va), o.pa + (va - o.va), "page %#lx still shared", va);
	cr_expect_eq(o.pa + (va - o.va), orig, "the other space's frame changed at %#lx", va);
	cr_expect_neq(w.flags & PT_WRITE, 0, "page %#lx not writable after populate", va);
	cr_expect_eq(o.flags & PT_WRITE, 0, "the other space's page %#lx became writable", va);
	cr_expect_eq(pmm_refcount(w.pa + (va - w.va)), 1);
	cr_expect_eq(pmm_refcount(orig), 1);
	cr_expect_eq(*((unsigned char *)mm_phys_to_virt(w.pa) + (va - w.va)), byte);
	cr_expect_eq(*((unsigned char *)mm_phys_to_virt(o.pa) + (va - o.va)), byte);
}

/* MADV_POPULATE_WRITE breaks copy-on-write as a write fault does (Linux). */
Test(aspace, populate_write_breaks_cow_after_clone)
{
	vaddr_t a = 0x40000000, big = 0x40200000;
	paddr_t pa[3];
	struct pt_leaf l;
	struct aspace *child;

	cr_assert_eq(as_mmap(as, a, 0x2000, RW, ANON | MAP_FIXED), (long)a);
	cr_assert_eq(as_mmap(as, big, MiB(2), RW | PROT_EXEC, ANON | MAP_FIXED), (long)big);
	cr_assert(uwrite(as, a, 1) && uwrite(as, a + 0x1000, 2) && uwrite(as, big + 0x5000, 3));
	cr_assert(pt_query(as_root(as), big, &l) && l.size == MiB(2));
	child = as_clone(as);
	cr_assert_not_null(child);
	cr_assert(pt_query(as_root(as), a, &l));
	pa[0] = l.pa;
	cr_assert(pt_query(as_root(as), a + 0x1000, &l));
	pa[1] = l.pa;
	cr_assert(pt_query(as_root(as), big + 0x5000, &l));
	pa[2] = l.pa + (big + 0x5000 - l.va);
	cr_assert_eq(pmm_refcount(pa[0]), 2);
	cr_assert_eq(as_madvise(as, a, 0x2000, MADV_POPULATE_WRITE_), 0);
	cr_assert_eq(as_madvise(child, big, MiB(2), MADV_POPULATE_WRITE_), 0);
	expect_cow_broken(as, child, a, pa[0], 1);
	expect_cow_broken(as, child, a + 0x1000, pa[1], 2);
	expect_cow_broken(child, as, big + 0x5000, pa[2], 3);
	cr_assert(pt_query(as_root(child), big + MiB(2) - 0x1000, &l));
	cr_expect_neq(l.flags & PT_WRITE, 0);
	cr_assert(uwrite(child, a, 9));
	cr_expect_eq(uread(as, a), 1);
	cr_expect_eq(uread(child, big + 0x5000), 3);
	cr_assert_eq(as_check(child), 0);
	CHECK();
	as_destroy(child);
	CHECK();
}

/* ---------------------------------------------------------------- large */

Test(aspace, noreserve_16g)
{
	long a = as_mmap(as, 0, GiB(16), RW, ANON | MAP_NORESERVE);
	int i;

	cr_assert_gt(a, 0);
	for (i = 0; i < 4; i++)
		cr_assert(uwrite(as, a + (uint64_t)i * GiB(4) + 0x1234, (unsigned char)(i + 1)));
	for (i = 0; i < 4; i++)
		cr_expect_eq(uread(as, a + (uint64_t)i * GiB(4) + 0x1234), i + 1);
	CHECK();
	cr_expect_eq(as_munmap(as, a, GiB(16)), 0);
	cr_expect_eq(as_resident_frames(as), 0);
	CHECK();
}

Test(aspace, max_map_count)
{
	vaddr_t a = 0x100000000ULL;
	int i;

	for (i = 0; i < AS_MAX_MAP_COUNT; i++)
		cr_assert_eq(as_mmap(as, a + (uint64_t)i * 0x2000, 0x2000,
				     (i & 1) ? PROT_READ : RW, ANON | MAP_FIXED),
			     (long)(a + (uint64_t)i * 0x2000));
	cr_assert_eq(as_vma_count(as), AS_MAX_MAP_COUNT);
	cr_expect_eq(as_munmap(as, a + 0x2000 * 10 + 0x1000, 0x1000), 0); /* tail: no new VMA */
	cr_expect_eq(as_mprotect(as, a + 0x2000 * 20, 0x1000, PROT_EXEC), -ENOMEM);
	cr_expect_eq(as_munmap(as, a + 0x2000 * 20, 0x1000), 0);
	cr_assert_eq(as_vma_count(as), AS_MAX_MAP_COUNT);
	/* As Linux, mmap checks the count before adding: it may reach max + 1. */
	cr_expect_eq(as_mmap(as, a + 0x2000 * 30 + 0x1000, 0x1000, PROT_EXEC, ANON | MAP_FIXED),
		     (long)(a + 0x2000 * 30 + 0x1000));
	cr_assert_eq(as_vma_count(as), AS_MAX_MAP_COUNT + 1);
	cr_expect_eq(as_mmap(as, 0, 0x1000, PROT_EXEC, ANON), -ENOMEM);
	CHECK();
}

/* ---------------------------------------------------------------- OOM */

struct snap {
	struct as_vma_info vmas[16];
	size_t nvmas;
	struct pt_leaf leaves[64];
	size_t nleaves;
	uint32_t sum;
};

static int snap_leaf(void *ctx, const struct pt_leaf *leaf)
{
	struct snap *s = ctx;
	const unsigned char *p = mm_phys_to_virt(leaf->pa);
	uint64_t i;

	if (s->nleaves < 64)
		s->leaves[s->nleaves] = *leaf;
	s->nleaves++;
	for (i = 0; i < leaf->size; i += 64)
		s->sum = s->sum * 31 + p[i];
	return 0;
}

static void take_snap(struct snap *s)
{
	memset(s, 0, sizeof(*s));
	s->nvmas = as_vmas(as, s->vmas, 16);
	pt_walk(as_root(as), 0, PT_USER_TOP, snap_leaf, s);
}

static void expect_same(const struct snap *a, const struct snap *b)
{
	cr_assert_eq(a->nvmas, b->nvmas);
	cr_assert_eq(memcmp(a->vmas, b->vmas, a->nvmas * sizeof(a->vmas[0])), 0);
	cr_assert_eq(a->nleaves, b->nleaves);
	cr_assert_eq(memcmp(a->leaves, b->leaves, MIN(a->nleaves, 64) * sizeof(a->leaves[0])), 0);
	cr_assert_eq(a->sum, b->sum);
}

/* Build a populated layout of 2 MiB and 4 KiB leaves over three VMAs. */
static void oom_layout(vaddr_t a)
{
	int i;

	cr_assert_eq(as_mmap(as, a, MiB(6), RW, ANON | MAP_FIXED), (long)a);
	cr_assert_eq(as_mmap(as, a + MiB(6), MiB(1), PROT_READ, ANON | MAP_FIXED), (long)(a + MiB(6)));
	for (i = 0; i < 6; i++)
		cr_assert(uwrite(as, a + MiB(i) + 0x10, (unsigned char)(i + 1)));
	cr_assert_eq(uread(as, a + MiB(6)), 0);
}

enum oom_op { OP_FIXED, OP_MUNMAP, OP_MPROTECT, OP_MREMAP, OP_MREMAP_FIXED };

static long oom_run(enum oom_op op, vaddr_t a)
{
	switch (op) {
	case OP_FIXED:
		return as_mmap(as, a + MiB(1), MiB(1) + 0x3000, PROT_READ, ANON | MAP_FIXED);
	case OP_MUNMAP:
		return as_munmap(as, a + MiB(1) + 0x1000, MiB(2));
	case OP_MPROTECT:
		return as_mprotect(as, a + 0x5000, MiB(3), PROT_READ);
	case OP_MREMAP:
		return as_mremap(as, a + 0x1000, MiB(3), MiB(8), MREMAP_MAYMOVE, 0);
	default:
		return as_mremap(as, a + MiB(2), MiB(2) + 0x1000, MiB(2) + 0x1000,
				 MREMAP_MAYMOVE | MREMAP_FIXED, 0x80000000);
	}
}

/* Fail the k-th allocation (pmm or heap) for k = 1, 2, ... until the op succeeds. */
static void oom_loop(enum oom_op op, bool heap)
{
	vaddr_t a = 0x40000000;
	struct snap before, after;
	unsigned long k;
	long r = -ENOMEM;

	oom_layout(a);
	take_snap(&before);
	for (k = 1; r == -ENOMEM && k < 10000; k++) {
		if (heap)
			heap_fail_nth(k);
		else
			pmm_fail_nth(k);
		r = oom_run(op, a);
		heap_fail_nth(0);
		pmm_fail_nth(0);
		CHECK();
		if (r == -ENOMEM) {
			take_snap(&after);
			expect_same(&before, &after);
		}
	}
	cr_assert_geq(r, 0, "op %d ended with %ld", op, r);
}

Test(aspace, oom_fixed_pmm) { oom_loop(OP_FIXED, false); }
Test(aspace, oom_fixed_heap) { oom_loop(OP_FIXED, true); }
Test(aspace, oom_munmap_pmm) { oom_loop(OP_MUNMAP, false); }
Test(aspace, oom_munmap_heap) { oom_loop(OP_MUNMAP, true); }
Test(aspace, oom_mprotect_pmm) { oom_loop(OP_MPROTECT, false); }
Test(aspace, oom_mprotect_heap) { oom_loop(OP_MPROTECT, true); }
Test(aspace, oom_mremap_pmm) { oom_loop(OP_MREMAP, false); }
Test(aspace, oom_mremap_heap) { oom_loop(OP_MREMAP, true); }
Test(aspace, oom_mremap_fixed_pmm) { oom_loop(OP_MREMAP_FIXED, false); }
Test(aspace, oom_mremap_fixed_heap) { oom_loop(OP_MREMAP_FIXED, true); }

Test(aspace, oom_fault_changes_nothing)
{
	vaddr_t a = 0x40000000;
	struct snap before, after;

	cr_assert_eq(as_mmap(as, a, MiB(2), RW, ANON | MAP_FIXED), (long)a);
	take_snap(&before);
	pmm_fail_nth(1);
	cr_expect_eq(as_fault(as, a, AS_PF_USER | AS_PF_WRITE), AS_FAULT_OK); /* 4K fallback */
	pmm_fail_nth(0);
	CHECK();
	cr_assert_eq(as_munmap(as, a, MiB(2)), 0);
	cr_assert_eq(as_mmap(as, a, 0x1000, RW, ANON | MAP_FIXED), (long)a);
	take_snap(&before);
	pmm_fail_nth(1);
	cr_expect_eq(as_fault(as, a, AS_PF_USER | AS_PF_WRITE), AS_FAULT_OOM);
	pmm_fail_nth(0);
	take_snap(&after);
	expect_same(&before, &after);
	CHECK();
}

/* ---------------------------------------------------------------- shared, DONTUNMAP */

Test(aspace, shared_stays_shared_after_clone)
{
	long a = as_mmap(as, 0, 0x2000, RW, MAP_SHARED | MAP_ANONYMOUS);
	struct aspace *child;

	cr_assert_gt(a, 0);
	cr_assert(uwrite(as, a, 1));
	child = as_clone(as);
	cr_assert_not_null(child);
	cr_assert(uwrite(child, a + 0x1000, 2));
	cr_assert(uwrite(as, a, 3));
	cr_expect_eq(uread(as, a + 0x1000), 2);
	cr_expect_eq(uread(child, a), 3);
	cr_assert_eq(as_check(child), 0);
	CHECK();
	as_destroy(child);
	CHECK();
}

Test(aspace, mremap_dontunmap_and_dup)
{
	vaddr_t a = 0x40000000;
	long r, s;

	cr_assert_eq(as_mmap(as, a, 0x2000, RW, ANON | MAP_FIXED), (long)a);
	cr_assert(uwrite(as, a, 5));
	r = as_mremap(as, a, 0x2000, 0x2000, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	cr_assert_gt(r, 0);
	CHECK();
	cr_expect_eq(uread(as, r), 5);
	cr_expect_eq(uread(as, a), 0);
	cr_expect_eq(as_vma_count(as), 2);
	/* old_len 0: private is EINVAL, shared gets a second mapping of the same pages. */
	cr_expect_eq(as_mremap(as, a, 0, 0x1000, MREMAP_MAYMOVE, 0), -EINVAL);
	s = as_mmap(as, 0, 0x2000, RW, MAP_SHARED | MAP_ANONYMOUS);
	cr_assert_gt(s, 0);
	cr_assert(uwrite(as, s + 0x1000, 6));
	r = as_mremap(as, s, 0, 0x2000, MREMAP_MAYMOVE, 0);
	cr_assert_gt(r, 0);
	CHECK();
	cr_expect_eq(uread(as, r + 0x1000), 6);
	cr_assert(uwrite(as, r, 7));
	cr_expect_eq(uread(as, s), 7);
	CHECK();
}

Test(aspace, mprotect_keeps_cow)
{
	vaddr_t a = 0x40000000;
	struct aspace *child;

	cr_assert_eq(as_mmap(as, a, MiB(2), RW, ANON | MAP_FIXED), (long)a);
	cr_assert(uwrite(as, a, 1));
	child = as_clone(as);
	cr_assert_not_null(child);
	cr_expect_eq(as_mprotect(as, a, 0x1000, PROT_READ), 0);
	cr_expect_eq(as_mprotect(as, a, MiB(2), RW | PROT_EXEC), 0);
	CHECK();
	cr_assert(uwrite(as, a + 0x5000, 9)); /* breaks COW of one 4 KiB page of the 2 MiB leaf */
	cr_expect_eq(uread(child, a + 0x5000), 0);
	cr_expect_eq(uread(child, a), 1);
	cr_assert_eq(as_check(child), 0);
	CHECK();
	as_destroy(child);
	CHECK();
}

Test(aspace, madvise_dontneed_in_2m_leaf)
{
	vaddr_t a = 0x40000000;

	cr_assert_eq(as_mmap(as, a, MiB(2), RW, ANON | MAP_FIXED), (long)a);
	cr_assert(uwrite(as, a + 0x3000, 4) && uwrite(as, a + 0x4000, 5));
	cr_expect_eq(as_madvise(as, a + 0x3000, 0x1000, MADV_DONTNEED), 0);
	CHECK();
	cr_expect_eq(uread(as, a + 0x3000), 0);
	cr_expect_eq(uread(as, a + 0x4000), 5);
	CHECK();
}

/*
 * Populate 4 MiB at 0x40000000 (two 2 MiB leaves), move it by mremap to
 * 0x50001000, 4 KiB off 2 MiB (so 4 KiB leaves of the same frames), take one
 * more reference to the frame of its page 5 (as a forked child sharing it
 * copy-on-write would), then munmap it. Returns that frame.
 */
static paddr_t populate_move_unmap(void)
{
	const vaddr_t a = 0x40000000, to = 0x50001000;
	struct pt_leaf leaf;

	cr_assert_eq(as_mmap(as, a, MiB(4), RW, ANON | MAP_FIXED | MAP_POPULATE), (long)a);
	cr_assert(pt_query(as_root(as), a, &leaf));
	cr_assert_eq(leaf.size, MiB(2));
	cr_assert_eq(as_mremap(as, a, MiB(4), MiB(4), MREMAP_MAYMOVE | MREMAP_FIXED, to),
		     (long)to);
	cr_assert(pt_query(as_root(as), to + 0x5000, &leaf));
	cr_assert_eq(leaf.size, PAGE_SIZE);
	cr_assert_eq(pmm_ref(leaf.pa), 2);
	cr_assert_eq(as_munmap(as, to, MiB(4)), 0);
	CHECK();
	return leaf.pa;
}

/*
 * munmap of 4 KiB leaves over 2 MiB blocks gives every frame nothing else
 * maps back, whole blocks again: after a first round (which leaves its page
 * tables), a second one ends with the very same free blocks of every order.
 */
Test(aspace, munmap_of_moved_2m_blocks_frees_whole_blocks)
{
	size_t before[PMM_MAX_ORDER + 1], free1;
	paddr_t shared;

	pmm_unref(populate_move_unmap());
	free1 = pmm_free_frames();
	for (unsigned k = 0; k <= PMM_MAX_ORDER; k++)
		before[k] = pmm_free_blocks(k);
	shared = populate_move_unmap();
	cr_expect_eq(pmm_refcount(shared), 1);
	cr_expect_eq(pmm_free_frames(), free1 - 1);
	pmm_unref(shared);
	cr_expect_eq(pmm_free_frames(), free1);
	for (unsigned k = 0; k <= PMM_MAX_ORDER; k++)
		cr_expect_eq(pmm_free_blocks(k), before[k], "order %u", k);
}
