/*
 * The shared zero frames (mm/zpage.h) under the address space: read faults
 * of private anonymous memory map them read-only and take no frame but page
 * tables, writes replace them (a 2 MiB zero leaf split as Linux 6.12 does),
 * fork copies them, munmap and exit drop them without a reference. Exact
 * leaves, reference counts and free-frame counts before and after.
 */
#include <criterion/criterion.h>
#include <sys/mman.h>

#include "lib/errno.h"
#include "mm/aspace.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "mm/zpage.h"
#include "support/as_testlib.h"
#include "support/host_mm.h"

#define WIN 0x40000000ULL
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define HUGE MiB(2)

static size_t free0, heap0;

static void setup(void)
{
	host_mm_setup(MiB(512));
	free0 = pmm_free_frames();
	heap0 = heap_bytes_in_use();
}

static void teardown(void)
{
	cr_assert_eq(pmm_free_frames(), free0, "leaked %zd frames",
		     (ssize_t)(free0 - pmm_free_frames()));
	cr_assert_eq(heap_bytes_in_use(), heap0);
}

TestSuite(zpage, .init = setup, .fini = teardown);

/* The leaf mapping va (fails the test when none). */
static struct pt_leaf leaf_at(struct aspace *as, vaddr_t va)
{
	struct pt_leaf l;

	cr_assert(pt_query(as_root(as), va, &l), "nothing mapped at %#llx", (unsigned long long)va);
	return l;
}

/* Read one byte at va as the user would; its value, or -1 when it faulted. */
static int uread(struct aspace *as, vaddr_t va)
{
	unsigned char b;

	return as_test_read(as, va, &b, 1) == AS_FAULT_OK ? b : -1;
}

/*
 * A space with [WIN, WIN + len) private anonymous read-write (MAP_NORESERVE:
 * 1 GiB passes the overcommit guess of a 512 MiB machine), and the advice if any.
 */
static struct aspace *zp_space(uint64_t len, int advice)
{
	struct aspace *as = as_create();

	cr_assert_not_null(as);
	cr_assert_eq(as_mmap(as, WIN, len, RW, ANON | MAP_FIXED | MAP_NORESERVE), (long)WIN);
	if (advice)
		cr_assert_eq(as_madvise(as, WIN, len, advice), 0);
	return as;
}

/* The frames exist once, zeroed; the 4 KiB one is no part of the huge one. */
Test(zpage, frames_exist_zeroed)
{
	paddr_t z = zpage_frame(PAGE_SIZE), h = zpage_frame(HUGE);
	const unsigned char *p = mm_phys_to_virt(h);

	cr_assert(z && h && IS_ALIGNED(h, HUGE));
	cr_expect(zpage_is(z) && zpage_is(h) && zpage_is(h + HUGE - PAGE_SIZE));
	cr_expect(!zpage_is(h + HUGE) && !zpage_is(z + PAGE_SIZE));
	for (size_t i = 0; i < HUGE; i++)
		cr_assert_eq(p[i], 0);
	cr_expect_eq(zpage_frame(GiB(1)), 0);
}

/* A read maps the 4 KiB zero frame read-only: tables only, no reference. */
Test(zpage, read_maps_small_zero_frame)
{
	struct aspace *as = zp_space(MiB(1), MADV_NOHUGEPAGE);
	paddr_t z = zpage_frame(PAGE_SIZE);
	size_t before = pmm_free_frames(), tables = pt_table_frames();
	struct pt_leaf l;

	for (vaddr_t va = WIN; va < WIN + MiB(1); va += PAGE_SIZE)
		cr_assert_eq(uread(as, va + 5), 0);
	l = leaf_at(as, WIN + 0x3000);
	cr_expect_eq(l.pa, z);
	cr_expect_eq(l.size, PAGE_SIZE);
	cr_expect_eq(l.flags, PT_USER | PT_NX);
	cr_expect_eq(pmm_refcount(z), 1);
	cr_expect_eq(before - pmm_free_frames(), pt_table_frames() - tables);
	cr_expect_eq(as_resident_frames(as), 0);
	as_destroy(as);
	cr_expect_eq(pmm_refcount(z), 1);
}

/* A write on the 4 KiB zero page takes one zeroed frame of its own. */
Test(zpage, write_replaces_small_zero_page)
{
	struct aspace *as = zp_space(MiB(1), MADV_NOHUGEPAGE);
	unsigned char b = 0x5a;
	size_t before;
	struct pt_leaf l;

	cr_assert_eq(uread(as, WIN + 0x2000), 0);
	before = pmm_free_frames();
	cr_assert_eq(as_test_write(as, WIN + 0x2010, &b, 1), AS_FAULT_OK);
	l = leaf_at(as, WIN + 0x2000);
	cr_expect(!zpage_is(l.pa));
	cr_expect_eq(l.flags, PT_USER | PT_NX | PT_WRITE);
	cr_expect_eq(pmm_refcount(l.pa), 1);
	cr_expect_eq(before - pmm_free_frames(), 1);
	cr_expect_eq(uread(as, WIN + 0x2010), 0x5a);
	cr_expect_eq(uread(as, WIN + 0x2011), 0);
	cr_expect_eq(as_resident_frames(as), 1);
	as_destroy(as);
}

/* Reading 1 GiB costs page tables only: one huge zero leaf per 2 MiB block. */
Test(zpage, read_of_1g_costs_no_frames)
{
	struct aspace *as = zp_space(GiB(1), 0);
	paddr_t h = zpage_frame(HUGE);
	size_t before = pmm_free_frames();
	struct pt_leaf l;

	for (vaddr_t va = WIN; va < WIN + GiB(1); va += HUGE)
		cr_assert_eq(uread(as, va + 0x1234), 0);
	l = leaf_at(as, WIN + GiB(1) - 1);
	cr_expect_eq(l.pa, h);
	cr_expect_eq(l.size, HUGE);
	cr_expect_eq(l.flags, PT_USER | PT_NX);
	cr_expect_leq(before - pmm_free_frames(), 3, "%zu frames", before - pmm_free_frames());
	cr_expect_eq(as_resident_frames(as), 0);
	cr_expect_eq(as_check(as), 0);
	as_destroy(as);
}

/*
 * A write on the huge zero leaf: Linux 6.12 splits it into 4 KiB pages of
 * the zero page and gives the written page a frame (one data frame, one table).
 */
Test(zpage, write_splits_huge_zero_leaf)
{
	struct aspace *as = zp_space(HUGE, 0);
	paddr_t z = zpage_frame(PAGE_SIZE);
	unsigned char b = 7;
	size_t before;
	struct pt_leaf l;

	cr_assert_eq(uread(as, WIN), 0);
	cr_assert_eq(leaf_at(as, WIN).size, HUGE);
	before = pmm_free_frames();
	cr_assert_eq(as_test_write(as, WIN + 0x5000, &b, 1), AS_FAULT_OK);
	cr_expect_eq(before - pmm_free_frames(), 2);
	for (vaddr_t va = WIN; va < WIN + HUGE; va += PAGE_SIZE) {
		l = leaf_at(as, va);
		cr_assert_eq(l.size, PAGE_SIZE);
		if (va == WIN + 0x5000) {
			cr_expect(!zpage_is(l.pa) && (l.flags & PT_WRITE));
			continue;
		}
		cr_assert_eq(l.pa, z, "page %#llx", (unsigned long long)va);
		cr_assert_eq(l.flags, PT_USER | PT_NX);
	}
	cr_expect_eq(uread(as, WIN + 0x5000), 7);
	cr_expect_eq(as_resident_frames(as), 1);
	cr_expect_eq(as_check(as), 0);
	as_destroy(as);
}

/* Out of memory on that write: the huge zero leaf stays, nothing taken. */
Test(zpage, write_on_huge_zero_oom_changes_nothing)
{
	struct aspace *as = zp_space(HUGE, 0);
	unsigned char b = 7;
	size_t before;

	cr_assert_eq(uread(as, WIN), 0);
	before = pmm_free_frames();
	for (unsigned long n = 1; n <= 2; n++) {
		pmm_fail_nth(n);
		cr_expect_eq(as_test_write(as, WIN + 0x5000, &b, 1), AS_FAULT_OOM, "fail %lu", n);
		pmm_fail_nth(0);
		cr_expect_eq(pmm_free_frames(), before);
		cr_expect_eq(leaf_at(as, WIN + 0x5000).size, HUGE);
		cr_expect_eq(leaf_at(as, WIN).pa, zpage_frame(HUGE));
	}
	cr_expect_eq(as_check(as), 0);
	as_destroy(as);
}

/* fork copies zero mappings as they are; a write in the child leaves the parent's. */
Test(zpage, fork_copies_zero_mappings)
{
	struct aspace *as = zp_space(MiB(4), 0), *child;
	unsigned char b = 3;

	cr_assert_eq(as_madvise(as, WIN + HUGE, HUGE, MADV_NOHUGEPAGE), 0);
	cr_assert_eq(uread(as, WIN), 0);
	cr_assert_eq(uread(as, WIN + HUGE + 0x1000), 0);
	child = as_clone(as);
	cr_assert_not_null(child);
	cr_expect_eq(leaf_at(child, WIN).pa, zpage_frame(HUGE));
	cr_expect_eq(leaf_at(child, WIN + HUGE + 0x1000).pa, zpage_frame(PAGE_SIZE));
	cr_expect_eq(pmm_refcount(zpage_frame(PAGE_SIZE)), 1);
	cr_assert_eq(as_test_write(child, WIN + HUGE + 0x1000, &b, 1), AS_FAULT_OK);
	cr_expect_eq(leaf_at(as, WIN + HUGE + 0x1000).pa, zpage_frame(PAGE_SIZE));
	cr_expect_eq(uread(as, WIN + HUGE + 0x1000), 0);
	cr_expect_eq(uread(child, WIN + HUGE + 0x1000), 3);
	as_destroy(child);
	as_destroy(as);
}

/* MADV_POPULATE_READ maps the zero page, MADV_POPULATE_WRITE frames of their own. */
Test(zpage, populate_read_maps_zero_page)
{
	struct aspace *as = zp_space(MiB(1), MADV_NOHUGEPAGE);
	size_t before = pmm_free_frames(), tables = pt_table_frames();

	cr_assert_eq(as_madvise(as, WIN, MiB(1), 22 /* MADV_POPULATE_READ */), 0);
	cr_expect_eq(leaf_at(as, WIN + 0x7000).pa, zpage_frame(PAGE_SIZE));
	cr_expect_eq(as_resident_frames(as), 0);
	cr_expect_eq(before - pmm_free_frames(), pt_table_frames() - tables);
	cr_assert_eq(as_madvise(as, WIN, MiB(1), 23 /* MADV_POPULATE_WRITE */), 0);
	cr_expect(!zpage_is(leaf_at(as, WIN + 0x7000).pa));
	cr_expect_eq(as_resident_frames(as), MiB(1) / PAGE_SIZE);
	as_destroy(as);
}

/* munmap of part of a huge zero leaf: the rest stays mapped, nothing freed or leaked. */
Test(zpage, munmap_part_of_huge_zero_leaf)
{
	struct aspace *as = zp_space(HUGE, 0);

	cr_assert_eq(uread(as, WIN), 0);
	cr_assert_eq(as_munmap(as, WIN + 0x10000, 0x3000), 0);
	cr_expect_eq(uread(as, WIN + 0x10000), -1);
	cr_expect_eq(uread(as, WIN + 0x13000), 0);
	cr_expect_eq(as_resident_frames(as), 0);
	cr_expect_eq(as_check(as), 0);
	as_destroy(as);
}

/* ---------------------------------------------------------------- MADV_COLLAPSE */

#define MADV_COLLAPSE_ 25

/* Fill [va, va + len) of as with 4 KiB pages holding their index (MADV_NOHUGEPAGE first). */
static void fill_small(struct aspace *as, vaddr_t va, uint64_t len)
{
	cr_assert_eq(as_madvise(as, va, len, MADV_NOHUGEPAGE), 0);
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		unsigned char b = (unsigned char)(off / PAGE_SIZE + 1);

		cr_assert_eq(as_test_write(as, va + off, &b, 1), AS_FAULT_OK);
	}
	cr_assert_eq(as_madvise(as, va, len, MADV_HUGEPAGE), 0);
}

/* Collapse copies the pages into one 2 MiB leaf, zeroes the holes, frees the old frames. */
Test(zpage, collapse_copies_and_frees)
{
	struct aspace *as = zp_space(2 * HUGE, 0);
	size_t before;
	struct pt_leaf l;

	fill_small(as, WIN, 2 * HUGE);
	cr_assert_eq(as_madvise(as, WIN + 0x3000, 0x2000, MADV_DONTNEED), 0);
	before = pmm_free_frames();
	cr_assert_eq(as_madvise(as, WIN, 2 * HUGE, MADV_COLLAPSE_), 0);
	l = leaf_at(as, WIN + 0x1000);
	cr_expect_eq(l.va, WIN);
	cr_expect_eq(l.size, HUGE);
	cr_expect_eq(l.flags, PT_USER | PT_NX | PT_WRITE);
	cr_expect_eq(leaf_at(as, WIN + HUGE).size, HUGE);
	/* 1022 pages and their 2 tables come back, 2 x 512 frames go out. */
	cr_expect_eq((long)pmm_free_frames() - (long)before, 0,
		     "%ld", (long)pmm_free_frames() - (long)before);
	cr_expect_eq(uread(as, WIN + 0x2000), 3);
	cr_expect_eq(uread(as, WIN + 0x3000), 0);
	cr_expect_eq(uread(as, WIN + 0x5000), 6);
	cr_expect_eq(uread(as, WIN + HUGE + 0x1000), 2);
	cr_expect_eq(as_resident_frames(as), 2 * HUGE / PAGE_SIZE);
	cr_expect_eq(as_check(as), 0);
	as_destroy(as);
}

/* Linux 6.12's errnos: nothing mapped, nothing writable, NOHUGEPAGE, no whole block, holes. */
Test(zpage, collapse_errnos)
{
	struct aspace *as = zp_space(4 * HUGE, 0);
	struct aspace *child;

	cr_expect_eq(as_madvise(as, WIN, HUGE, MADV_COLLAPSE_), -EINVAL, "nothing mapped");
	cr_expect_eq(as_madvise(as, WIN + 0x1000, 0x1000, MADV_COLLAPSE_), -EINVAL);
	cr_expect_eq(as_madvise(as, WIN + HUGE, HUGE / 2, MADV_COLLAPSE_), 0, "no block: done");
	cr_assert_eq(uread(as, WIN), 0);
	cr_expect_eq(as_madvise(as, WIN, HUGE, MADV_COLLAPSE_), 0, "the huge zero leaf");
	cr_expect_eq(leaf_at(as, WIN).pa, zpage_frame(HUGE));
	fill_small(as, WIN + HUGE, HUGE);
	child = as_clone(as);
	cr_assert_not_null(child);
	cr_expect_eq(as_madvise(as, WIN + HUGE, HUGE, MADV_COLLAPSE_), -EINVAL, "all shared");
	cr_expect_eq(leaf_at(as, WIN + HUGE).size, PAGE_SIZE);
	as_destroy(child);
	cr_expect_eq(as_madvise(as, WIN + HUGE, HUGE, MADV_COLLAPSE_), -EINVAL, "still read-only");
	cr_assert_eq(as_test_write(as, WIN + HUGE, "x", 1), AS_FAULT_OK);
	cr_assert_eq(as_madvise(as, WIN + 2 * HUGE, HUGE, MADV_NOHUGEPAGE), 0);
	cr_expect_eq(as_madvise(as, WIN + 2 * HUGE, HUGE, MADV_COLLAPSE_), -EINVAL);
	cr_assert_eq(as_munmap(as, WIN + 3 * HUGE, HUGE), 0);
	cr_expect_eq(as_madvise(as, WIN, 4 * HUGE, MADV_COLLAPSE_), -EINVAL, "NOHUGEPAGE VMA");
	cr_expect_eq(leaf_at(as, WIN + HUGE).size, HUGE, "the VMA before it collapsed");
	cr_expect_eq(uread(as, WIN + HUGE), 'x');
	cr_expect_eq(uread(as, WIN + HUGE + 0x1000), 2);
	cr_expect_eq(as_check(as), 0);
	as_destroy(as);
}

/* After fork: half shared, half private; the collapse copies, the child keeps its bytes. */
Test(zpage, collapse_half_shared_after_fork)
{
	struct aspace *as = zp_space(HUGE, 0), *child;
	unsigned char b = 0xee;

	fill_small(as, WIN, HUGE);
	child = as_clone(as);
	cr_assert_not_null(child);
	cr_assert_eq(as_test_write(as, WIN + HUGE - PAGE_SIZE, &b, 1), AS_FAULT_OK);
	cr_assert_eq(as_madvise(as, WIN, HUGE, MADV_COLLAPSE_), 0);
	cr_expect_eq(leaf_at(as, WIN).size, HUGE);
	cr_expect_eq(uread(as, WIN + 0x1000), 2);
	cr_expect_eq(uread(as, WIN + HUGE - PAGE_SIZE), 0xee);
	cr_expect_eq(uread(child, WIN + HUGE - PAGE_SIZE), 0);
	for (vaddr_t va = WIN; va < WIN + HUGE - PAGE_SIZE; va += PAGE_SIZE)
		cr_assert_eq(pmm_refcount(leaf_at(child, va).pa), 1, "%#llx", (unsigned long long)va);
	as_destroy(child);
	as_destroy(as);
}

/* Out of memory: ENOMEM with the block as it was, nothing taken. */
Test(zpage, collapse_oom_all_or_nothing)
{
	struct aspace *as = zp_space(HUGE, 0);
	size_t before;

	fill_small(as, WIN, HUGE);
	before = pmm_free_frames();
	pmm_fail_nth(1);
	cr_expect_eq(as_madvise(as, WIN, HUGE, MADV_COLLAPSE_), -ENOMEM);
	pmm_fail_nth(0);
	cr_expect_eq(pmm_free_frames(), before);
	cr_expect_eq(leaf_at(as, WIN).size, PAGE_SIZE);
	cr_expect_eq(uread(as, WIN + 0x4000), 5);
	cr_expect_eq(as_check(as), 0);
	as_destroy(as);
}
