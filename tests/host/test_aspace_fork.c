/*
 * Host tests of the memory manager under fork (issue 13 point 5): the users
 * count of a space (as_get/as_put, for vfork and CLONE_VM).
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "mm/aspace.h"
#include "mm/heap.h"
#include "mm/mmarch.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "support/as_testlib.h"
#include "support/host_mm.h"

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define WIN 0x40000000ULL /* where the tests map */

static size_t free0, tables0, heap0;

static void setup(void)
{
	host_mm_setup(MiB(512));
	free0 = pmm_free_frames();
	tables0 = pt_table_frames();
	heap0 = heap_bytes_in_use();
}

/* Every frame, table and heap byte back. */
static void teardown(void)
{
	cr_assert_eq(pmm_free_frames(), free0, "leaked %zd frames",
		     (ssize_t)(free0 - pmm_free_frames()));
	cr_assert_eq(pt_table_frames(), tables0);
	cr_assert_eq(heap_bytes_in_use(), heap0);
}

TestSuite(aspace_fork, .init = setup, .fini = teardown);

/* The byte at va as a user read sees it (-1 when the read faults). */
static int uread(struct aspace *as, vaddr_t va)
{
	unsigned char b;

	return as_test_read(as, va, &b, 1) == AS_FAULT_OK ? b : -1;
}

/* Write byte b at va as a user write would; true when it went through. */
static bool uwrite(struct aspace *as, vaddr_t va, unsigned char b)
{
	return as_test_write(as, va, &b, 1) == AS_FAULT_OK;
}

/* ---------------------------------------------------------------- users */

/* A borrowed space (vfork) lives until its last user puts it; then all is freed. */
Test(aspace_fork, get_put_keeps_space_until_last_user)
{
	struct aspace *as = as_create();
	size_t used;

	cr_assert_not_null(as);
	cr_assert_eq(as_mmap(as, WIN, MiB(4), RW, ANON | MAP_FIXED), (long)WIN);
	cr_assert(uwrite(as, WIN, 5) && uwrite(as, WIN + MiB(3), 6));
	used = free0 - pmm_free_frames();
	cr_assert_eq(as_get(as), as);
	cr_assert_eq(as_get(as), as);
	as_put(as);
	as_put(as);
	cr_expect_eq(free0 - pmm_free_frames(), used, "a put before the last freed frames");
	cr_expect_eq(as_check(as), 0);
	cr_expect_eq(uread(as, WIN), 5);
	cr_expect_eq(uread(as, WIN + MiB(3)), 6);
	as_put(as);
}

/* A clone starts with one user of its own: putting it leaves the parent whole. */
Test(aspace_fork, clone_has_its_own_user)
{
	struct aspace *as = as_create(), *child;

	cr_assert_not_null(as);
	cr_assert_eq(as_mmap(as, WIN, 0x2000, RW, ANON | MAP_FIXED), (long)WIN);
	cr_assert(uwrite(as, WIN, 1));
	as_get(as);
	child = as_clone(as);
	cr_assert_not_null(child);
	as_put(child);
	as_put(as);
	cr_expect_eq(uread(as, WIN), 1);
	cr_expect_eq(as_check(as), 0);
	as_destroy(as); /* one user left: destroy is a put */
}

/* Destroying a space another user still holds is a broken invariant. */
Test(aspace_fork, destroy_of_a_shared_space_panics, .signal = SIGABRT)
{
	struct aspace *as = as_create();

	cr_assert_not_null(as);
	as_get(as);
	as_destroy(as);
}
