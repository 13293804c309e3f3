/* Host unit tests of mm/access.h: copies to and from any address space's user memory. */
#include <criterion/criterion.h>
#include <string.h>

#include "lib/errno.h"
#include "mm/access.h"
#include "mm/aspace.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "support/host_mm.h"

#define VA 0x10000000ULL
#define RW (PROT_READ | PROT_WRITE)
#define ANON_FIXED (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)

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
	cr_expect_eq(as_check(as), 0);
	as_destroy(as);
	cr_assert_eq(pmm_free_frames(), free0, "leaked %zd frames",
		     (ssize_t)(free0 - pmm_free_frames()));
}

TestSuite(access, .init = setup, .fini = teardown);

/* Map `pages` pages at VA with `prot` (demand-zero, nothing present yet). */
static void map(size_t pages, int prot)
{
	cr_assert_eq(as_mmap(as, VA, pages * PAGE_SIZE, prot, ANON_FIXED), (long)VA);
}

/* The frame behind va now, or 0 when none is present. */
static paddr_t frame_of(struct aspace *a, vaddr_t va)
{
	struct pt_leaf leaf;

	return pt_query(as_root(a), va, &leaf) ? leaf.pa + (ALIGN_DOWN(va, PAGE_SIZE) - leaf.va) : 0;
}

Test(access, copy_round_trip_across_pages)
{
	static uint8_t out[3 * PAGE_SIZE], in[3 * PAGE_SIZE];

	map(4, RW);
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 7 + 1);
	cr_assert_eq(access_copy_to(as, VA + 0x123, out, sizeof(out)), 0);
	cr_expect_eq(as_resident_frames(as), 4); /* 0x123 + 3 pages touches all four */
	cr_assert_eq(access_copy_from(as, in, VA + 0x123, sizeof(in)), 0);
	cr_expect_eq(memcmp(in, out, sizeof(in)), 0);
	/* What the copy did not cover stays zero. */
	cr_assert_eq(access_copy_from(as, in, VA, 0x123), 0);
	for (size_t i = 0; i < 0x123; i++)
		cr_expect_eq(in[i], 0);
}

Test(access, null_source_writes_zeros)
{
	uint8_t b[64];

	map(1, RW);
	memset(b, 0xee, sizeof(b));
	cr_assert_eq(access_copy_to(as, VA, b, sizeof(b)), 0);
	cr_assert_eq(access_copy_to(as, VA + 8, NULL, 16), 0);
	cr_assert_eq(access_copy_from(as, b, VA, sizeof(b)), 0);
	for (size_t i = 0; i < sizeof(b); i++)
		cr_expect_eq(b[i], i >= 8 && i < 24 ? 0 : 0xee, "byte %zu", i);
}

Test(access, partial_copy_stops_at_the_hole)
{
	uint8_t b[2 * PAGE_SIZE], back[PAGE_SIZE];

	map(1, RW); /* VA + PAGE_SIZE is unmapped */
	memset(b, 0x5a, sizeof(b));
	cr_expect_eq(access_copy_to(as, VA + PAGE_SIZE / 2, b, PAGE_SIZE), -EFAULT);
	cr_expect_eq(access_user(as, VA + PAGE_SIZE / 2, b, PAGE_SIZE, ACCESS_WRITE),
		     AS_FAULT_MAPERR);
	/* The part before the hole was copied, as a user copy faulting half way. */
	cr_assert_eq(access_copy_from(as, back, VA, PAGE_SIZE), 0);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		cr_expect_eq(back[i], i >= PAGE_SIZE / 2 ? 0x5a : 0, "byte %zu", i);
	cr_expect_eq(access_copy_from(as, b, VA, sizeof(b)), -EFAULT);
	cr_expect_eq(as_resident_frames(as), 1);
}

Test(access, unmapped_and_outside_user_half_are_efault)
{
	uint8_t b[16] = {0};

	cr_expect_eq(access_copy_from(as, b, VA, sizeof(b)), -EFAULT);
	cr_expect_eq(access_copy_to(as, VA, b, sizeof(b)), -EFAULT);
	cr_expect_eq(access_copy_to(as, AS_TASK_SIZE - 8, b, sizeof(b)), -EFAULT);
	cr_expect_eq(access_copy_from(as, b, ~0ULL - 4, sizeof(b)), -EFAULT); /* wraps */
	cr_expect_eq(access_fault_in(as, VA, PAGE_SIZE, ACCESS_WRITE), -EFAULT);
	cr_expect_eq(as_resident_frames(as), 0);
	cr_expect_eq(access_copy_to(as, VA, b, 0), 0); /* nothing to copy */
}

Test(access, rights_of_the_vma_apply)
{
	uint8_t b[8] = {1, 2, 3, 4, 5, 6, 7, 8};

	map(1, PROT_READ);
	cr_expect_eq(access_user(as, VA, b, sizeof(b), ACCESS_WRITE), AS_FAULT_ACCERR);
	cr_expect_eq(access_copy_to(as, VA, b, sizeof(b)), -EFAULT);
	cr_expect_eq(access_copy_from(as, b, VA, sizeof(b)), 0); /* demand zero */
	cr_expect_eq(b[0], 0);
	cr_assert_eq(as_mprotect(as, VA, PAGE_SIZE, PROT_NONE), 0);
	cr_expect_eq(access_user(as, VA, b, sizeof(b), ACCESS_READ), AS_FAULT_ACCERR);
	cr_expect_eq(access_copy_from(as, b, VA, sizeof(b)), -EFAULT);
}

Test(access, fault_in_populates_every_page)
{
	map(5, RW);
	cr_assert_eq(access_fault_in(as, VA + 0x10, 3 * PAGE_SIZE, ACCESS_WRITE), 0);
	cr_expect_eq(as_resident_frames(as), 4);
	cr_expect_neq(frame_of(as, VA), 0);
	cr_expect_neq(frame_of(as, VA + 3 * PAGE_SIZE), 0);
	cr_expect_eq(frame_of(as, VA + 4 * PAGE_SIZE), 0);
	cr_expect_eq(access_fault_in(as, VA, 0, ACCESS_READ), 0);
}

Test(access, write_to_a_clone_breaks_copy_on_write)
{
	struct aspace *child;
	uint8_t one = 1, two = 2, got = 0;

	map(1, RW);
	cr_assert_eq(access_copy_to(as, VA, &one, 1), 0);
	child = as_clone(as);
	cr_assert_not_null(child);
	cr_expect_eq(frame_of(child, VA), frame_of(as, VA)); /* shared until written */
	cr_assert_eq(access_copy_to(child, VA, &two, 1), 0);
	cr_expect_neq(frame_of(child, VA), frame_of(as, VA));
	cr_assert_eq(access_copy_from(as, &got, VA, 1), 0);
	cr_expect_eq(got, 1);
	cr_assert_eq(access_copy_from(child, &got, VA, 1), 0);
	cr_expect_eq(got, 2);
	cr_expect_eq(as_check(child), 0);
	as_destroy(child);
}

Test(access, force_reads_only_what_is_present)
{
	uint8_t b = 0x77, got = 0;

	map(2, RW);
	cr_expect_eq(access_user(as, VA, &got, 1, ACCESS_READ | ACCESS_PEEK), AS_FAULT_MAPERR);
	cr_expect_eq(as_resident_frames(as), 0); /* nothing faulted in */
	cr_assert_eq(access_copy_to(as, VA, &b, 1), 0);
	cr_assert_eq(as_mprotect(as, VA, 2 * PAGE_SIZE, PROT_NONE), 0);
	cr_expect_eq(access_user(as, VA, &got, 1, ACCESS_READ | ACCESS_PEEK), AS_FAULT_OK);
	cr_expect_eq(got, 0x77);
}

Test(access, out_of_memory_is_enomem_and_leaves_nothing)
{
	uint8_t b[PAGE_SIZE];

	map(1, RW);
	memset(b, 3, sizeof(b));
	pmm_fail_nth(1);
	cr_expect_eq(access_copy_to(as, VA, b, sizeof(b)), -ENOMEM);
	pmm_fail_nth(0);
	cr_expect_eq(as_resident_frames(as), 0);
	cr_expect_eq(access_copy_to(as, VA, b, sizeof(b)), 0);
}
