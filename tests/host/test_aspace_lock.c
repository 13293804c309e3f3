/*
 * Host unit tests of locking and sealing (src/mm/lock.c and the checks in
 * aspace.c): VMA flags, splits and merges, RLIMIT_MEMLOCK with and without
 * AS_CAP_IPC_LOCK, population, seals, the madvise additions, free frames.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "lib/errno.h"
#include "mm/aspace.h"
#include "mm/heap.h"
#include "mm/mobj.h"
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

/* True when page i of X is locked: MADV_DONTNEED says EINVAL only then (else it drops the page). */
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

Test(lock, seals_refuse_and_split)
{
	struct as_snap before, after;

	map_at(0, 8, RW);
	cr_expect_eq(as_mseal(as, X + 2 * PAGE_SIZE, 2 * PAGE_SIZE, 1), -EINVAL);
	cr_expect_eq(as_mseal(as, X + 1, PAGE_SIZE, 0), -EINVAL);
	cr_expect_eq(as_mseal(as, X, -1ULL, 0), -EINVAL);
	cr_expect_eq(as_mseal(as, X, 0, 0), 0);
	cr_expect_eq(as_mseal(as, X + 6 * PAGE_SIZE, 4 * PAGE_SIZE, 0), -ENOMEM);
	cr_expect_eq(flags_at(6), 0, "all or nothing");
	cr_expect_eq(as_mseal(as, X + 2 * PAGE_SIZE, 2 * PAGE_SIZE, 0), 0);
	cr_expect_eq(as_vma_count(as), 3);
	cr_expect_eq(flags_at(2), AS_VMA_SEALED);
	cr_expect_eq(as_test_write(as, X + 2 * PAGE_SIZE, "s", 1), AS_FAULT_OK);
	as_snap_take(as, &before);
	cr_expect_eq(as_munmap(as, X, 8 * PAGE_SIZE), -EPERM);
	cr_expect_eq(as_munmap(as, X + 3 * PAGE_SIZE, PAGE_SIZE), -EPERM);
	cr_expect_eq(as_mremap(as, X + 2 * PAGE_SIZE, PAGE_SIZE, PAGE_SIZE, 0, 0), -EPERM);
	cr_expect_eq(as_mremap(as, X + 6 * PAGE_SIZE, PAGE_SIZE, PAGE_SIZE,
			       MREMAP_MAYMOVE | MREMAP_FIXED, X + 3 * PAGE_SIZE), -EPERM);
	cr_expect_eq(as_mremap(as, X, 4 * PAGE_SIZE, PAGE_SIZE, 0, 0), -EPERM, "sealed tail");
	cr_expect_eq(as_mmap(as, X + PAGE_SIZE, 2 * PAGE_SIZE, RW, ANON | MAP_FIXED), -EPERM);
	cr_expect_eq(as_mprotect(as, X + 2 * PAGE_SIZE, PAGE_SIZE, RW), -EPERM);
	cr_expect_eq(as_madvise(as, X + 2 * PAGE_SIZE, PAGE_SIZE, MADV_DONTNEED), 0,
		     "writable sealed memory may be discarded");
	as_snap_take(as, &after);
	cr_expect_eq(as_snap_compare(&before, &after, "refused"), -1, "only DONTNEED changed it");
	as_snap_free(&after);
	cr_expect_eq(as_mprotect(as, X, 4 * PAGE_SIZE, PROT_READ), -EPERM);
	cr_expect_eq(flags_at(0), 0);
	cr_expect_eq(as_vma_at(as, X, NULL), true);
	{
		struct as_vma_info vi;

		as_vma_at(as, X, &vi);
		cr_expect_eq(vi.prot, PROT_READ, "the VMA before the sealed one changes");
		as_vma_at(as, X + 2 * PAGE_SIZE, &vi);
		cr_expect_eq(vi.prot, RW);
	}
	cr_expect_eq(as_mprotect(as, X + 4 * PAGE_SIZE, 4 * PAGE_SIZE, PROT_READ), 0);
	cr_expect_eq(as_mprotect(as, X + 2 * PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ), -EPERM);
	as_snap_free(&before);
}

Test(lock, seal_on_read_only_refuses_discard)
{
	static const int discard[] = {MADV_DONTNEED, MADV_FREE, 24, 9, 10, 18};
	static const int allowed[] = {11, 19, 20, 21, MADV_WILLNEED, 22, MADV_RANDOM};

	map_at(0, 2, PROT_READ);
	cr_expect_eq(as_madvise(as, X, 2 * PAGE_SIZE, 22), 0);
	cr_expect_eq(as_mseal(as, X, PAGE_SIZE, 0), 0);
	for (size_t i = 0; i < sizeof(discard) / sizeof(discard[0]); i++)
		cr_expect_eq(as_madvise(as, X, PAGE_SIZE, discard[i]), -EPERM, "advice %d",
			     discard[i]);
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		cr_expect_eq(as_madvise(as, X, PAGE_SIZE, allowed[i]), 0, "advice %d", allowed[i]);
	cr_expect_eq(resident(0, 2), 2);
	cr_expect_eq(as_madvise(as, X + PAGE_SIZE, PAGE_SIZE, MADV_DONTNEED), 0);
	cr_expect_eq(as_madvise(as, X, 2 * PAGE_SIZE, MADV_DONTNEED), -EPERM);
	cr_expect_eq(resident(0, 2), 1);
}

/* Linux 6.12's is_ro_anon: a sealed read-only private window onto a file is no anonymous memory. */
Test(lock, seal_on_read_only_file_allows_discard)
{
	struct mobj *o = mobj_create(MOBJ_SHMEM);

	cr_assert_not_null(o);
	cr_assert_eq(mobj_allocate(o, 0, 4 * PAGE_SIZE, MOBJ_ALLOC_GROW), 0);
	cr_assert_eq(as_mmap_obj(as, X, 4 * PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, o, 0, 0),
		     (long)X);
	cr_expect_eq(as_mseal(as, X, 4 * PAGE_SIZE, 0), 0);
	cr_expect_eq(as_madvise(as, X, 4 * PAGE_SIZE, MADV_DONTNEED), 0);
	cr_expect_eq(as_madvise(as, X, 4 * PAGE_SIZE, MADV_FREE), -EINVAL, "anonymous only");
	cr_expect_eq(as_madvise(as, X, 4 * PAGE_SIZE, 18), -EINVAL, "WIPEONFORK: anonymous only");
	cr_expect_eq(as_munmap(as, X, 4 * PAGE_SIZE), -EPERM);
	cr_expect_eq(as_mprotect(as, X, 4 * PAGE_SIZE, RW), -EPERM);
	mobj_put(o);
}

Test(lock, limits_without_cap_ipc_lock)
{
	as_set_memlock(as, 4 * PAGE_SIZE, 0);
	map_at(0, 8, RW);
	cr_expect_eq(as_mlock(as, X, 5 * PAGE_SIZE, 0), -ENOMEM);
	cr_expect_eq(flags_at(0), 0);
	cr_expect_eq(as_mlock(as, X, 4 * PAGE_SIZE, 0), 0);
	cr_expect_eq(as_mlock(as, X, 4 * PAGE_SIZE, 0), 0, "locked pages are not counted twice");
	cr_expect_eq(as_mlock(as, X + 2 * PAGE_SIZE, 3 * PAGE_SIZE, 0), -ENOMEM);
	cr_expect_eq(as_mmap(as, X + 16 * PAGE_SIZE, PAGE_SIZE, RW, ANON | MAP_FIXED | MAP_LOCKED),
		     -EAGAIN);
	cr_expect_eq(as_mlock(as, X, -PAGE_SIZE, 0), -ENOMEM, "over the limit before it wraps");
	cr_expect_eq(as_mlockall(as, MCL_CURRENT), -ENOMEM);
	cr_expect_eq(as_mlockall(as, MCL_FUTURE), 0);
	cr_expect_eq(as_mmap(as, X + 16 * PAGE_SIZE, PAGE_SIZE, RW, ANON | MAP_FIXED), -EAGAIN);
	as_brk_init(as, X + 32 * PAGE_SIZE);
	cr_expect_eq(as_brk(as, X + 33 * PAGE_SIZE), X + 32 * PAGE_SIZE, "brk past the limit");
	cr_expect_eq(as_munlockall(as), 0);
	cr_expect_eq(as_brk(as, X + 33 * PAGE_SIZE), X + 33 * PAGE_SIZE);
	cr_expect_eq(as_locked_pages(as), 0);
	as_set_memlock(as, 0, 0);
	cr_expect_eq(as_mlock(as, X, PAGE_SIZE, 0), -EPERM);
	cr_expect_eq(as_mlock(as, X, PAGE_SIZE, 3), -EINVAL, "flags first");
	cr_expect_eq(as_mlockall(as, MCL_FUTURE), -EPERM);
	cr_expect_eq(as_mlockall(as, 0), -EINVAL);
	cr_expect_eq(as_mmap(as, X + 16 * PAGE_SIZE, PAGE_SIZE, RW, ANON | MAP_FIXED | MAP_LOCKED),
		     -EPERM);
	cr_expect_eq(as_munlock(as, X, PAGE_SIZE), 0);
	as_set_memlock(as, 0, AS_CAP_IPC_LOCK);
	cr_expect_eq(as_mlock(as, X, 8 * PAGE_SIZE, 0), 0, "CAP_IPC_LOCK is exempt");
	cr_expect_eq(as_mlock(as, X, -PAGE_SIZE, 0), -EINVAL);
	cr_expect_eq(as_munlockall(as), 0);
}

Test(lock, mlockall_future_populates_new_memory)
{
	vaddr_t p, q;

	cr_expect_eq(as_mlockall(as, MCL_FUTURE), 0);
	map_at(0, 4, RW);
	cr_expect_eq(resident(0, 4), 4);
	cr_expect_eq(flags_at(0), LK);
	p = (vaddr_t)as_mmap(as, 0, 4 * PAGE_SIZE, PROT_NONE, ANON);
	cr_expect_eq(as_mincore(as, p, 4, (uint8_t[4]){0}), 4);
	as_brk_init(as, X + 32 * PAGE_SIZE);
	cr_expect_eq(as_brk(as, X + 34 * PAGE_SIZE), X + 34 * PAGE_SIZE);
	cr_expect_eq(resident(32, 2), 2);
	cr_expect_eq(flags_at(33), LK);
	cr_expect_eq(as_mremap(as, X, 4 * PAGE_SIZE, 8 * PAGE_SIZE, 0, 0), (long)X);
	cr_expect_eq(resident(0, 8), 8, "growth populated");
	q = (vaddr_t)as_mmap(as, X + 16 * PAGE_SIZE, 2 * PAGE_SIZE, RW,
			     MAP_DROPPABLE | MAP_ANONYMOUS | MAP_FIXED);
	cr_expect_eq(q, X + 16 * PAGE_SIZE);
	cr_expect_eq(flags_at(16), AS_VMA_DROPPABLE | AS_VMA_WIPEONFORK | AS_VMA_DONTDUMP,
		     "never locked");
	cr_expect_eq(as_mlockall(as, MCL_FUTURE | MCL_ONFAULT), 0);
	map_at(40, 4, RW);
	cr_expect_eq(resident(40, 4), 0);
	cr_expect_eq(flags_at(40), LK | OF);
	cr_expect_eq(as_mlockall(as, MCL_CURRENT), 0, "MCL_FUTURE off, all populated");
	cr_expect_eq(resident(40, 4), 4);
	cr_expect_eq(flags_at(40), LK);
	map_at(48, 1, RW);
	cr_expect_eq(flags_at(48), 0);
	cr_expect_eq(as_munlockall(as), 0);
	cr_expect_eq(as_locked_pages(as), 0);
}

Test(lock, clone_drops_dontcopy_wipes_and_unlocks)
{
	struct aspace *c;
	struct as_vma_info vi;
	uint8_t b = 0;

	map_at(0, 6, RW);
	cr_assert_eq(as_test_write(as, X, "abcdef", 1), AS_FAULT_OK);
	cr_assert_eq(as_test_write(as, X + 2 * PAGE_SIZE, "w", 1), AS_FAULT_OK);
	cr_assert_eq(as_test_write(as, X + 4 * PAGE_SIZE, "l", 1), AS_FAULT_OK);
	cr_expect_eq(as_mlockall(as, MCL_FUTURE), 0, "not inherited by a clone");
	cr_expect_eq(as_madvise(as, X + PAGE_SIZE, PAGE_SIZE, 10), 0);
	cr_expect_eq(as_madvise(as, X + 2 * PAGE_SIZE, PAGE_SIZE, 18), 0);
	cr_expect_eq(as_mlock(as, X + 4 * PAGE_SIZE, 2 * PAGE_SIZE, 0), 0);
	cr_expect_eq(as_vma_count(as), 5);
	c = as_clone(as);
	cr_assert_not_null(c);
	cr_expect_eq(as_check(c), 0);
	cr_expect(!as_vma_at(c, X + PAGE_SIZE, NULL), "MADV_DONTFORK: absent");
	cr_expect(as_vma_at(c, X + 2 * PAGE_SIZE, &vi));
	cr_expect_eq(vi.flags & AS_VMA_WIPEONFORK, AS_VMA_WIPEONFORK);
	cr_expect_eq(as_test_read(c, X + 2 * PAGE_SIZE, &b, 1), AS_FAULT_OK);
	cr_expect_eq(b, 0, "MADV_WIPEONFORK: zero in the child");
	cr_expect(as_vma_at(c, X + 4 * PAGE_SIZE, &vi));
	cr_expect_eq(vi.flags & AS_VMA_LOCK_MASK, 0, "the child is not locked");
	cr_expect_eq(vi.start, X + 4 * PAGE_SIZE, "unlocked, yet apart from its neighbour (dup_mmap)");
	cr_expect_eq(as_test_read(c, X + 4 * PAGE_SIZE, &b, 1), AS_FAULT_OK);
	cr_expect_eq(b, 'l');
	cr_expect_eq(as_test_read(c, X, &b, 1), AS_FAULT_OK);
	cr_expect_eq(b, 'a');
	cr_expect_eq(as_test_read(as, X + 2 * PAGE_SIZE, &b, 1), AS_FAULT_OK);
	cr_expect_eq(b, 'w', "the parent keeps its page");
	cr_expect_eq(as_mmap(c, X + 32 * PAGE_SIZE, PAGE_SIZE, RW, ANON | MAP_FIXED),
		     (long)(X + 32 * PAGE_SIZE));
	cr_expect(as_vma_at(c, X + 32 * PAGE_SIZE, &vi));
	cr_expect_eq(vi.flags & AS_VMA_LOCK_MASK, 0, "no MCL_FUTURE in the child");
	as_set_memlock(as, 0, 0);
	cr_expect_eq(as_mlock(c, X, PAGE_SIZE, 0), 0, "the parent's credential (CAP_IPC_LOCK)");
	as_destroy(c);
	cr_expect_eq(as_munlockall(as), 0);
}

Test(lock, locked_stack_growth_under_the_limit)
{
	vaddr_t top = AS_TASK_SIZE;

	cr_assert_eq(as_stack_init(as, top, PAGE_SIZE), 0);
	as_set_memlock(as, 2 * PAGE_SIZE, 0);
	cr_expect_eq(as_mlock(as, top - PAGE_SIZE, PAGE_SIZE, 0), 0);
	cr_expect_eq(as_fault(as, top - 2 * PAGE_SIZE + 8, AS_PF_USER | AS_PF_WRITE), AS_FAULT_OK);
	cr_expect_eq(as_locked_pages(as), 2);
	cr_expect_eq(as_fault(as, top - 3 * PAGE_SIZE + 8, AS_PF_USER | AS_PF_WRITE),
		     AS_FAULT_MAPERR, "a locked stack grows only under RLIMIT_MEMLOCK");
	as_set_memlock(as, 2 * PAGE_SIZE, AS_CAP_IPC_LOCK);
	cr_expect_eq(as_fault(as, top - 3 * PAGE_SIZE + 8, AS_PF_USER | AS_PF_WRITE), AS_FAULT_OK);
	cr_expect_eq(as_locked_pages(as), 3);
}

Test(lock, lack_of_memory_changes_nothing)
{
	struct as_snap before, after;

	map_at(0, 8, RW);
	as_snap_take(as, &before);
	heap_fail_nth(1);
	cr_expect_eq(as_mlock(as, X + PAGE_SIZE, PAGE_SIZE, MLOCK_ONFAULT), -ENOMEM);
	heap_fail_nth(1);
	cr_expect_eq(as_mseal(as, X + PAGE_SIZE, PAGE_SIZE, 0), -ENOMEM);
	heap_fail_nth(1);
	cr_expect_eq(as_madvise(as, X + PAGE_SIZE, PAGE_SIZE, 10), -EAGAIN);
	heap_fail_nth(2);
	cr_expect_eq(as_madvise(as, X + PAGE_SIZE, PAGE_SIZE, 18), -EAGAIN);
	heap_fail_nth(0);
	as_snap_take(as, &after);
	cr_expect_eq(as_snap_compare(&before, &after, "after ENOMEM"), 0);
	cr_expect_eq(as_vma_count(as), 1);
	as_snap_free(&before);
	as_snap_free(&after);
	pmm_fail_nth(1);
	cr_expect_eq(as_mlock(as, X, PAGE_SIZE, 0), -EAGAIN, "no frame to populate");
	pmm_fail_nth(0);
	cr_expect_eq(flags_at(0), LK, "locked, as Linux, before populating");
	cr_expect_eq(as_munlockall(as), 0);
}

Test(lock, mremap_of_locked_memory_under_the_limit)
{
	vaddr_t s;

	as_set_memlock(as, 4 * PAGE_SIZE, 0);
	map_at(0, 2, RW);
	cr_expect_eq(as_mlock(as, X, 2 * PAGE_SIZE, 0), 0);
	cr_expect_eq(as_mremap(as, X, 2 * PAGE_SIZE, 3 * PAGE_SIZE, 0, 0), (long)X);
	cr_expect_eq(resident(0, 3), 3);
	cr_expect_eq(as_mremap(as, X, 3 * PAGE_SIZE, 5 * PAGE_SIZE, MREMAP_MAYMOVE, 0), -EAGAIN);
	cr_expect_eq(as_mremap(as, X, 3 * PAGE_SIZE, 4 * PAGE_SIZE, MREMAP_MAYMOVE, 0), (long)X);
	s = (vaddr_t)as_mmap(as, X + 32 * PAGE_SIZE, PAGE_SIZE, RW,
			     MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
	cr_assert_eq(s, X + 32 * PAGE_SIZE);
	as_set_memlock(as, 6 * PAGE_SIZE, 0);
	cr_expect_eq(as_mlock(as, s, PAGE_SIZE, 0), 0);
	cr_expect_eq(as_mremap(as, s, 0, 2 * PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED,
			       X + 40 * PAGE_SIZE), -EAGAIN, "a duplicate counts whole");
	cr_expect_eq(as_mremap(as, s, 0, PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED,
			       X + 40 * PAGE_SIZE), (long)(X + 40 * PAGE_SIZE));
	cr_expect_eq(flags_at(40), LK);
	cr_expect_eq(resident(40, 1), 1);
	cr_expect_eq(as_munlockall(as), 0);
}

/* True when page i of X is mapped writable in `a`'s tables with a frame of its own. */
static bool page_private_writable(struct aspace *a, uint64_t i)
{
	struct pt_leaf leaf;
	vaddr_t va = X + i * PAGE_SIZE;

	return pt_query(as_root(a), va, &leaf) && (leaf.flags & PT_WRITE) &&
	       pmm_refcount(leaf.pa + (va - leaf.va)) == 1;
}

Test(lock, lock_breaks_copy_on_write)
{
	struct aspace *c;

	map_at(0, 4, RW);
	map_at(8, 2, PROT_READ);
	cr_assert_eq(as_madvise(as, X, 4 * PAGE_SIZE, 23), 0);
	cr_assert_eq(as_madvise(as, X + 8 * PAGE_SIZE, 2 * PAGE_SIZE, 22), 0);
	c = as_clone(as);
	cr_assert_not_null(c);
	cr_expect(!page_private_writable(as, 0), "shared with the clone");
	cr_expect_eq(as_mlock(as, X, 2 * PAGE_SIZE, 0), 0);
	cr_expect(page_private_writable(as, 0) && page_private_writable(as, 1),
		  "mlock write-faults a private writable VMA (FOLL_WRITE)");
	cr_expect(!page_private_writable(as, 2));
	cr_expect_eq(as_mlock(as, X + 2 * PAGE_SIZE, 2 * PAGE_SIZE, MLOCK_ONFAULT), 0);
	cr_expect(!page_private_writable(as, 2), "not with MLOCK_ONFAULT");
	cr_expect_eq(as_mlock(as, X + 8 * PAGE_SIZE, 2 * PAGE_SIZE, 0), 0);
	cr_expect_eq(as_mprotect(as, X + 8 * PAGE_SIZE, PAGE_SIZE, RW), 0);
	cr_expect(page_private_writable(as, 8), "locked, turned writable: COW broken at once");
	cr_expect(!page_private_writable(as, 9));
	cr_expect_eq(as_check(c), 0);
	as_destroy(c);
	cr_expect_eq(as_munlockall(as), 0);
}

/*
 * Fill the space with one-page VMAs far from X until mmap says ENOMEM: one
 * past max_map_count, as Linux's do_mmap checks map_count > max.
 */
static void fill_to_max(void)
{
	vaddr_t y = X + GiB(1);
	long r;

	while ((r = as_mmap(as, y, PAGE_SIZE, PROT_READ, ANON | MAP_FIXED)) == (long)y)
		y += 2 * PAGE_SIZE;
	cr_assert_eq(r, -ENOMEM);
	cr_assert_eq(as_vma_count(as), AS_MAX_MAP_COUNT + 1);
}

Test(lock, max_map_count_as_vma_modify_counts)
{
	map_at(0, 4, RW);
	map_at(4, 2, RW);
	cr_assert_eq(as_mlock(as, X + 4 * PAGE_SIZE, 2 * PAGE_SIZE, MLOCK_ONFAULT), 0);
	fill_to_max();
	cr_expect_eq(as_mlock(as, X + 2 * PAGE_SIZE, 2 * PAGE_SIZE, MLOCK_ONFAULT), 0,
		     "the tail joins the next VMA: no split");
	cr_expect_eq(flags_at(2), LK | OF);
	cr_expect_eq(as_vma_count(as), AS_MAX_MAP_COUNT + 1);
	cr_expect_eq(as_munlock(as, X + 3 * PAGE_SIZE, PAGE_SIZE), -ENOMEM, "two splits");
	cr_expect_eq(flags_at(3), LK | OF);
	cr_expect_eq(as_munlock(as, X + 2 * PAGE_SIZE, PAGE_SIZE), 0,
		     "the head joins the previous VMA");
	cr_expect_eq(flags_at(2), 0);
	cr_expect_eq(as_mlock(as, X, PAGE_SIZE, MLOCK_ONFAULT), -ENOMEM, "one split");
	cr_expect_eq(as_mseal(as, X + PAGE_SIZE, PAGE_SIZE, 0), -ENOMEM);
	cr_expect_eq(as_madvise(as, X, PAGE_SIZE, 10), -EAGAIN);
	cr_expect_eq(as_mlock(as, X, 3 * PAGE_SIZE, MLOCK_ONFAULT), 0,
		     "whole VMA then the head of the next: merges only");
	cr_expect_eq(as_vma_count(as), AS_MAX_MAP_COUNT);
	cr_expect_eq(as_munlockall(as), 0);
}
