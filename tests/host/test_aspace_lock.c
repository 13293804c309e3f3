/*
 * Host unit tests of locking and sealing (src/mm/lock.c and the checks in
 * aspace.c): VMA flags, splits and merges, RLIMIT_MEMLOCK with and without
 * AS_CAP_IPC_LOCK, population, seals, the madvise additions, free frames.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "lib/errno.h"
#include "mm/aspace.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "support/as_testlib.h"
#include "support/host_mm.h"

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define LK AS_VMA_LOCKED
#define OF AS_VMA_LOCKONFAULT
#define X 0x100000000ULL /* a fixed, free place for the test mappings */

static struct aspace *as;
static size_t free0, tables0;

static void setup(void)
{
	host_mm_setup(MiB(256));
	free0 = pmm_free_frames();
	tables0 = pt_table_frames();
	as = as_create();
	cr_assert_not_null(as);
	as_set_memlock(as, AS_MEMLOCK_DEFAULT, AS_CAP_IPC_LOCK);
}

static void teardown(void)
{
	cr_assert_eq(as_check(as), 0);
	as_destroy(as);
	cr_assert_eq(pmm_free_frames(), free0, "leaked %zd frames",
		     (ssize_t)(free0 - pmm_free_frames()));
	cr_assert_eq(pt_table_frames(), tables0);
}

TestSuite(lock, .init = setup, .fini = teardown);

/* Map n pages at X + i pages, fixed. */
static void map_at(uint64_t i, uint64_t n, int prot)
{
	cr_assert_eq(as_mmap(as, X + i * PAGE_SIZE, n * PAGE_SIZE, prot, ANON | MAP_FIXED),
		     (long)(X + i * PAGE_SIZE));
}

/* The flags of the VMA holding page i of X (-1 when none), without the kind bits. */
static int flags_at(uint64_t i)
{
	struct as_vma_info vi;

	if (!as_vma_at(as, X + i * PAGE_SIZE, &vi))
		return -1;
	return vi.flags & ~(MAP_PRIVATE | MAP_SHARED | MAP_GROWSDOWN | MAP_NORESERVE);
}

/* Resident pages among n from page i of X. */
static long resident(uint64_t i, uint64_t n)
{
	uint8_t vec[256];
	long r = 0, got;

	while (n) {
		got = as_mincore(as, X + i * PAGE_SIZE, MIN(n, 256), vec);
		cr_assert_gt(got, 0);
		for (long k = 0; k < got; k++)
			r += vec[k];
		i += (uint64_t)got;
		n -= (uint64_t)got;
	}
	return r;
}

Test(lock, errnos_in_linux_order)
{
	map_at(0, 4, RW);
	cr_expect_eq(as_mlock(as, X, PAGE_SIZE, 2), -EINVAL);
	cr_expect_eq(as_mlock(as, X, PAGE_SIZE, -1), -EINVAL);
	cr_expect_eq(as_mlock(as, 1, 0, 0), -ENOMEM);
	cr_expect_eq(as_mlock(as, 0, PAGE_SIZE, 0), -ENOMEM);
	cr_expect_eq(as_mlock(as, -PAGE_SIZE, 2 * PAGE_SIZE, 0), -EINVAL);
	cr_expect_eq(as_mlock(as, X, -PAGE_SIZE, 0), -EINVAL);
	cr_expect_eq(as_munlock(as, X, -PAGE_SIZE), -EINVAL);
	cr_expect_eq(as_mlock(as, X, 0, 0), 0);
	cr_expect_eq(as_munlock(as, 0, PAGE_SIZE), -ENOMEM);
	cr_expect_eq(as_mlock(as, X + 1, PAGE_SIZE, 0), 0);
	cr_expect_eq(flags_at(0), LK);
	cr_expect_eq(flags_at(1), LK);
	cr_expect_eq(flags_at(2), 0);
	cr_expect_eq(as_vma_count(as), 2);
	cr_expect_eq(resident(0, 4), 2);
}

/* True when page i of X is locked: MADV_DONTNEED says EINVAL only then (it drops the page otherwise). */
static bool locked(uint64_t i)
{
	return as_madvise(as, X + i * PAGE_SIZE, PAGE_SIZE, MADV_DONTNEED) == -EINVAL;
}

Test(lock, populate_on_lock_not_onfault)
{
	map_at(0, 8, RW);
	map_at(16, 4, PROT_READ);
	map_at(32, 4, PROT_NONE);
	cr_expect_eq(as_mlock(as, X, 4 * PAGE_SIZE, 0), 0);
	cr_expect_eq(resident(0, 8), 4);
	cr_expect_eq(as_mlock(as, X + 4 * PAGE_SIZE, 4 * PAGE_SIZE, MLOCK_ONFAULT), 0);
	cr_expect_eq(resident(0, 8), 4);
	cr_expect_eq(flags_at(5), LK | OF);
	cr_expect_eq(as_vma_count(as), 4);
	cr_expect_eq(as_mlock(as, X + 4 * PAGE_SIZE, 4 * PAGE_SIZE, 0), 0);
	cr_expect_eq(resident(0, 8), 8);
	cr_expect_eq(as_vma_count(as), 3, "locked halves merge");
	cr_expect_eq(as_mlock(as, X + 16 * PAGE_SIZE, 4 * PAGE_SIZE, 0), 0);
	cr_expect_eq(resident(16, 4), 4);
	cr_expect_eq(as_mlock(as, X + 32 * PAGE_SIZE, 4 * PAGE_SIZE, 0), -ENOMEM);
	cr_expect_eq(resident(32, 4), 0);
	cr_expect_eq(flags_at(32), LK);
	cr_expect_eq(as_locked_pages(as), 16);
	cr_expect_eq(as_munlockall(as), 0);
	cr_expect_eq(as_locked_pages(as), 0);
	cr_expect_eq(as_mprotect(as, X + 32 * PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ), 0);
	cr_expect_eq(as_mlock(as, X + 32 * PAGE_SIZE, 4 * PAGE_SIZE, 0), -ENOMEM);
	cr_expect_eq(resident(32, 4), 2);
	cr_expect_eq(as_munlockall(as), 0);
}

Test(lock, hole_locks_the_part_before)
{
	map_at(0, 8, RW);
	cr_assert_eq(as_munmap(as, X + 4 * PAGE_SIZE, PAGE_SIZE), 0);
	cr_expect_eq(as_mlock(as, X, 8 * PAGE_SIZE, 0), -ENOMEM);
	cr_expect_eq(flags_at(0), LK);
	cr_expect_eq(flags_at(3), LK);
	cr_expect_eq(flags_at(5), 0);
	cr_expect_eq(resident(0, 4), 0, "not populated after the error");
	cr_expect_eq(as_mlock(as, X + 4 * PAGE_SIZE, PAGE_SIZE, 0), -ENOMEM);
	cr_expect_eq(as_munlock(as, X, 8 * PAGE_SIZE), -ENOMEM);
	cr_expect_eq(flags_at(0), 0);
	cr_expect(!locked(3));
}

Test(lock, advice_on_locked)
{
	map_at(0, 4, RW);
	cr_expect_eq(as_mlock(as, X, 2 * PAGE_SIZE, 0), 0);
	cr_expect_eq(as_madvise(as, X, PAGE_SIZE, MADV_DONTNEED), -EINVAL);
	cr_expect_eq(as_madvise(as, X, PAGE_SIZE, MADV_FREE), -EINVAL);
	cr_expect_eq(as_madvise(as, X, PAGE_SIZE, 20), -EINVAL);
	cr_expect_eq(as_madvise(as, X, PAGE_SIZE, 21), -EINVAL);
	cr_expect_eq(as_madvise(as, X, PAGE_SIZE, 9), -EINVAL);
	cr_expect_eq(as_madvise(as, X + PAGE_SIZE, 2 * PAGE_SIZE, MADV_DONTNEED), -EINVAL);
	cr_expect_eq(as_madvise(as, X + 2 * PAGE_SIZE, 2 * PAGE_SIZE, 20), 0);
	cr_expect_eq(as_madvise(as, X + 2 * PAGE_SIZE, 2 * PAGE_SIZE, 21), 0);
	cr_expect_eq(as_madvise(as, X, 2 * PAGE_SIZE, 24), 0);
	cr_expect_eq(resident(0, 2), 0);
	cr_expect(locked(0));
}

Test(lock, mremap_keeps_lock)
{
	vaddr_t q;

	map_at(0, 2, RW);
	cr_expect_eq(as_mlock(as, X, 2 * PAGE_SIZE, 0), 0);
	q = (vaddr_t)as_mremap(as, X, 2 * PAGE_SIZE, 4 * PAGE_SIZE,
			       MREMAP_MAYMOVE | MREMAP_FIXED, X + 64 * PAGE_SIZE);
	cr_assert_eq(q, X + 64 * PAGE_SIZE);
	cr_expect_eq(resident(64, 4), 4);
	cr_expect_eq(flags_at(67), LK);
	cr_expect_eq(as_mremap(as, q, 4 * PAGE_SIZE, 2 * PAGE_SIZE, 0, 0), (long)q);
	q = (vaddr_t)as_mremap(as, X + 64 * PAGE_SIZE, 2 * PAGE_SIZE, 2 * PAGE_SIZE,
			       MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	cr_assert_lt((long)q, AS_TASK_SIZE);
	cr_expect_eq(flags_at(64), 0);
	cr_expect_eq(resident(64, 2), 0);
	cr_expect_eq(as_locked_pages(as), 2);
	cr_expect_eq(as_munlockall(as), 0);
}

Test(lock, topdown_like_a_program)
{
	vaddr_t p = (vaddr_t)as_mmap(as, 0, 4 * PAGE_SIZE, RW, ANON);
	uint8_t vec[4];

	cr_assert_lt(p, AS_TASK_SIZE);
	cr_expect_eq(as_mlock(as, p + 1, PAGE_SIZE, 0), 0);
	cr_expect_eq(as_mincore(as, p, 4, vec), 2);
	cr_expect_eq(as_madvise(as, p, PAGE_SIZE, MADV_DONTNEED), -EINVAL);
	cr_expect_eq(as_madvise(as, p + PAGE_SIZE, PAGE_SIZE, MADV_DONTNEED), -EINVAL);
	cr_expect_eq(as_madvise(as, p + 2 * PAGE_SIZE, PAGE_SIZE, MADV_DONTNEED), 0);
	cr_expect_eq(as_munlock(as, p, 4 * PAGE_SIZE), 0);
}
