/*
 * Lack of memory at every point of locking and sealing (suite `oom_lock`):
 * a scenario of mlock, mlock2, madvise flag changes, mseal, mlockall with
 * MCL_FUTURE over mmap, brk and mremap growth, munlockall and a clone is
 * repeated with the n-th frame or heap allocation failing, for every n.
 * Each step must succeed or fail as Linux does for lack of memory (ENOMEM,
 * or EAGAIN where Linux says it: populating a lock, splitting for madvise),
 * the invariants must hold, and every frame and heap byte must come back.
 */
#include "harness/ktest.h"
#include "lib/errno.h"
#include "mm/aspace.h"
#include "mm/heap.h"
#include "mm/pmm.h"

#define OL_BASE 0x40000000ULL
#define OL_RW (PROT_READ | PROT_WRITE)
#define OL_ANON (MAP_PRIVATE | MAP_ANONYMOUS)

/* True when r is a success (>= 0), -ENOMEM or -EAGAIN; names the call otherwise. */
static bool ol_clean_call(long r, const char *call)
{
	if (r >= 0 || r == -ENOMEM || r == -EAGAIN)
		return true;
	ktest_diag("%s: %ld", call, r);
	return false;
}

#define ol_clean(call) ol_clean_call((call), #call)

/* The steps after the first mapping; the number that ended unclean. */
static int ol_steps(struct aspace *as)
{
	int bad = 0;
	long p;

	bad += !ol_clean(as_mlock(as, OL_BASE + PAGE_SIZE, 2 * PAGE_SIZE, 0));
	bad += !ol_clean(as_mlock(as, OL_BASE + 4 * PAGE_SIZE, PAGE_SIZE, MLOCK_ONFAULT));
	bad += !ol_clean(as_madvise(as, OL_BASE + 6 * PAGE_SIZE, PAGE_SIZE, 10)); /* DONTFORK */
	bad += !ol_clean(as_madvise(as, OL_BASE + 8 * PAGE_SIZE, PAGE_SIZE, 18)); /* WIPEONFORK */
	bad += !ol_clean(as_mseal(as, OL_BASE + 10 * PAGE_SIZE, PAGE_SIZE, 0));
	bad += !ol_clean(as_mlockall(as, MCL_FUTURE));
	p = as_mmap(as, OL_BASE + 16 * PAGE_SIZE, 2 * PAGE_SIZE, OL_RW, OL_ANON | MAP_FIXED);
	bad += !ol_clean(p);
	if (p >= 0) /* the growth of a locked mapping: populated */
		bad += !ol_clean(as_mremap(as, (vaddr_t)p, 2 * PAGE_SIZE, 4 * PAGE_SIZE,
					   MREMAP_MAYMOVE, 0));
	as_brk_init(as, OL_BASE + 64 * PAGE_SIZE);
	as_brk(as, OL_BASE + 66 * PAGE_SIZE);
	bad += !ol_clean(as_mlockall(as, MCL_CURRENT));
	bad += !ol_clean(as_munlock(as, OL_BASE, 3 * PAGE_SIZE));
	bad += as_munlockall(as) != 0;
	return bad;
}

/* The scenario; the number of steps that ended unclean or left a broken space. */
static int ol_scenario(void)
{
	struct aspace *as = as_create(), *child;
	int bad = 0;
	long p;

	if (!as)
		return 0;
	as_set_memlock(as, AS_MEMLOCK_DEFAULT, AS_CAP_IPC_LOCK);
	p = as_mmap(as, OL_BASE, 12 * PAGE_SIZE, OL_RW, OL_ANON | MAP_FIXED | MAP_POPULATE);
	if (p < 0) {
		as_destroy(as);
		return p != -ENOMEM;
	}
	bad += ol_steps(as);
	bad += as_check(as) != 0;
	child = as_clone(as);
	if (child) {
		bad += as_check(child) != 0;
		as_destroy(child);
	}
	as_destroy(as);
	return bad;
}

/*
 * Run the scenario with every failure point of one allocator (`fail`,
 * counted by `calls`) in turn; checks that memory comes back each time.
 */
static void ol_every_failure(void (*fail)(unsigned long), unsigned long (*calls)(void),
			     const char *what)
{
	size_t free0 = pmm_free_frames(), heap0 = heap_bytes_in_use();
	unsigned long start = calls(), total;
	int bad = 0;

	EXPECT_EQ(ol_scenario(), 0);
	total = calls() - start;
	ASSERT_GT(total, 3);
	for (unsigned long n = 1; n <= total; n++) {
		fail(n);
		bad += ol_scenario();
		fail(0);
		if (pmm_free_frames() != free0 || heap_bytes_in_use() != heap0)
			ktest_fail("%s failure point %lu: %ld frames, %ld heap bytes not back", what,
				   n, (long)(free0 - pmm_free_frames()),
				   (long)(heap_bytes_in_use() - heap0));
	}
	ktest_diag("%lu %s failure points, each clean", total, what);
	EXPECT_EQ(bad, 0);
}

TEST(oom_lock, every_frame_failure)
{
	ol_every_failure(pmm_fail_nth, pmm_alloc_calls, "frame");
}

TEST(oom_lock, every_heap_failure)
{
	ol_every_failure(heap_fail_nth, heap_alloc_calls, "heap");
}
