/*
 * Host unit tests of RLIMIT_AS, RLIMIT_DATA and RLIMIT_STACK in the address
 * space (src/mm/limits.c and its checks in aspace.c, fault.c), against Linux
 * 6.12's rules: mmap, mremap, mprotect, brk and stack growth at and past
 * each limit, the exact errno, nothing changed on failure (a snapshot of
 * VMAs, leaves and contents), the defaults, as_clone, and the mmap_base of
 * arch/x86/mm/mmap.c.
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
#define SHARED (MAP_SHARED | MAP_ANONYMOUS)
#define X 0x100000000ULL /* a fixed, free place for the test mappings */
#define P(i) (X + (uint64_t)(i) * PAGE_SIZE)
#define INF AS_RLIM_INFINITY
#define TOP 0x7ffffffff000ULL

static struct aspace *as;
static size_t free0, tables0;
static struct as_snap before;

static void setup(void)
{
	host_mm_setup(MiB(256));
	free0 = pmm_free_frames();
	tables0 = pt_table_frames();
	as = as_create();
	cr_assert_not_null(as);
}

static void teardown(void)
{
	cr_assert_eq(as_check(as), 0);
	as_destroy(as);
	cr_assert_eq(pmm_free_frames(), free0, "leaked %zd frames",
		     (ssize_t)(free0 - pmm_free_frames()));
	cr_assert_eq(pt_table_frames(), tables0);
}

TestSuite(limits, .init = setup, .fini = teardown);

/* Set the limits in pages (INF stays infinite); memlock stays the default. */
static void limits(uint64_t as_pages, uint64_t data_pages, uint64_t data_max, uint64_t stack)
{
	struct as_limits l = {
		.as_bytes = as_pages == INF ? INF : as_pages * PAGE_SIZE,
		.data_bytes = data_pages == INF ? INF : data_pages * PAGE_SIZE,
		.data_max_bytes = data_max == INF ? INF : data_max * PAGE_SIZE,
		.stack_bytes = stack == INF ? INF : stack * PAGE_SIZE,
		.memlock_bytes = AS_MEMLOCK_DEFAULT,
	};

	as_set_limits(as, &l);
}

static void map_at(uint64_t i, uint64_t n, int prot, int flags)
{
	cr_assert_eq(as_mmap(as, P(i), n * PAGE_SIZE, prot, flags | MAP_FIXED), (long)P(i));
}

/* Write one byte into each of n pages from page i (so pages are present and compared). */
static void touch(uint64_t i, uint64_t n)
{
	for (uint64_t k = 0; k < n; k++) {
		uint8_t b = (uint8_t)(i + k + 1);

		cr_assert_eq(as_test_write(as, P(i + k), &b, 1), AS_FAULT_OK);
	}
}

/* Remember everything observable, to check a refused call changed nothing. */
static void snap(void)
{
	as_snap_take(as, &before);
}

static void unchanged(void)
{
	struct as_snap now;

	as_snap_take(as, &now);
	cr_assert_eq(as_snap_compare(&before, &now, "after a refused call"), 0);
	as_snap_free(&now);
	as_snap_free(&before);
}

/* ---------------------------------------------------------------- defaults, layout */

Test(limits, defaults_and_clone)
{
	struct as_limits l, c;
	struct aspace *child;

	as_get_limits(as, &l);
	cr_assert_eq(l.as_bytes, INF);
	cr_assert_eq(l.data_bytes, INF);
	cr_assert_eq(l.data_max_bytes, INF);
	cr_assert_eq(l.stack_bytes, MiB(8));
	cr_assert_eq(l.memlock_bytes, MiB(8));
	limits(40, 20, 30, 10);
	as_brk_init(as, P(0));
	as_brk_data(as, 3 * PAGE_SIZE);
	child = as_clone(as);
	cr_assert_not_null(child);
	as_get_limits(as, &l);
	as_get_limits(child, &c);
	cr_assert_eq(memcmp(&l, &c, sizeof(l)), 0);
	/* the child's brk counts the same data segment: 3 + 3 pages pass 5 */
	l.data_bytes = 5 * PAGE_SIZE;
	as_set_limits(child, &l);
	cr_assert_eq(as_brk(child, P(3)), P(0));
	cr_assert_eq(as_brk(child, P(2)), P(2));
	as_destroy(child);
}

Test(limits, mmap_base_as_linux)
{
	cr_assert_eq(as_mmap_base_for(MiB(8)), 0x7ffff7fff000ULL);
	cr_assert_eq(as_mmap_base_for(0), 0x7ffff7fff000ULL);
	cr_assert_eq(as_mmap_base_for(MiB(127)), 0x7ffff7fff000ULL);
	cr_assert_eq(as_mmap_base_for(MiB(8) + 1), 0x7ffff7fff000ULL);
	cr_assert_eq(as_mmap_base_for(MiB(128)), 0x7ffff7eff000ULL);
	/* measured on Linux (setarch -R, ulimit -s 200000): the base is 0x7ffff3baf000 */
	cr_assert_eq(as_mmap_base_for(200000 * KiB(1)), 0x7ffff3baf000ULL);
	cr_assert_eq(as_mmap_base_for(MiB(128) + 1), 0x7ffff7eff000ULL); /* rounded up */
	cr_assert_eq(as_mmap_base_for(INF), 0x155555556000ULL);            /* (ulimit -s unlimited) */
	cr_assert_eq(as_mmap_base_for(INF - PAGE_SIZE), 0x155555556000ULL); /* no overflow */
}

Test(limits, layout_follows_exec_not_setrlimit)
{
	cr_assert_eq(as_mmap(as, 0, PAGE_SIZE, RW, ANON), (long)(0x7ffff7fff000ULL - PAGE_SIZE));
	limits(INF, INF, INF, INF); /* a later RLIMIT_STACK does not move mmap */
	cr_assert_eq(as_mmap(as, 0, PAGE_SIZE, RW, ANON), (long)(0x7ffff7fff000ULL - 2 * PAGE_SIZE));
	as_pick_layout(as, INF); /* what exec does with RLIMIT_STACK unlimited */
	cr_assert_eq(as_mmap(as, 0, PAGE_SIZE, RW, ANON), (long)(0x155555556000ULL - PAGE_SIZE));
}

/* ---------------------------------------------------------------- RLIMIT_AS */

Test(limits, as_mmap_at_and_over)
{
	limits(16, INF, INF, INF);
	snap();
	cr_assert_eq(as_mmap(as, 0, 17 * PAGE_SIZE, PROT_NONE, ANON), -ENOMEM);
	cr_assert_eq(as_mmap(as, P(0), 17 * PAGE_SIZE, RW, ANON | MAP_FIXED), -ENOMEM);
	unchanged();
	map_at(0, 12, RW, ANON);
	touch(0, 12);
	map_at(12, 4, PROT_READ, SHARED); /* exactly at the limit, shared memory counts too */
	snap();
	cr_assert_eq(as_mmap(as, 0, PAGE_SIZE, PROT_READ, ANON), -ENOMEM);
	/* MAP_FIXED over 4 mapped pages and 1 free one is 1 page more */
	cr_assert_eq(as_mmap(as, P(12), 5 * PAGE_SIZE, RW, ANON | MAP_FIXED), -ENOMEM);
	unchanged();
	map_at(4, 4, PROT_READ, ANON); /* over mapped pages: no more */
	cr_assert_eq(as_vma_count(as), 4);
	cr_assert_eq(as_munmap(as, P(0), PAGE_SIZE), 0);
	cr_assert_eq(as_mmap(as, 0, PAGE_SIZE, RW, ANON) > 0, true);
}

Test(limits, as_unaligned_limit_rounds_down)
{
	struct as_limits l;

	as_get_limits(as, &l);
	l.as_bytes = 4 * PAGE_SIZE + PAGE_SIZE - 1;
	as_set_limits(as, &l);
	cr_assert_eq(as_mmap(as, 0, 5 * PAGE_SIZE, RW, ANON), -ENOMEM);
	cr_assert_eq(as_mmap(as, P(0), 4 * PAGE_SIZE, RW, ANON | MAP_FIXED), (long)P(0));
}

Test(limits, as_mremap_grow)
{
	map_at(0, 4, RW, ANON);
	touch(0, 4);
	map_at(20, 4, RW, ANON);
	limits(11, INF, INF, INF);
	snap();
	cr_assert_eq(as_mremap(as, P(0), 4 * PAGE_SIZE, 9 * PAGE_SIZE, 0, 0), -ENOMEM);
	cr_assert_eq(as_mremap(as, P(0), 4 * PAGE_SIZE, 9 * PAGE_SIZE, MREMAP_MAYMOVE, 0), -ENOMEM);
	cr_assert_eq(as_mremap(as, P(0), 2 * PAGE_SIZE, 7 * PAGE_SIZE,
			       MREMAP_MAYMOVE | MREMAP_FIXED, P(40)), -ENOMEM);
	cr_assert_eq(as_mremap(as, P(0), 4 * PAGE_SIZE, 4 * PAGE_SIZE,
			       MREMAP_MAYMOVE | MREMAP_DONTUNMAP, P(40)), -ENOMEM);
	unchanged();
	cr_assert_eq(as_mremap(as, P(0), 4 * PAGE_SIZE, 7 * PAGE_SIZE, 0, 0), (long)P(0));
	cr_assert_eq(as_mremap(as, P(0), 7 * PAGE_SIZE, 4 * PAGE_SIZE, 0, 0), (long)P(0));
	cr_assert_eq(as_mremap(as, P(0), 3 * PAGE_SIZE, 3 * PAGE_SIZE,
			       MREMAP_MAYMOVE | MREMAP_DONTUNMAP, P(40)), (long)P(40));
}

/*
 * Linux 6.12's mremap_to unmaps the MREMAP_FIXED target before it checks
 * RLIMIT_AS: the target's pages make room, and a refusal leaves it unmapped.
 */
Test(limits, as_mremap_fixed_counts_after_target_unmap)
{
	map_at(0, 4, RW, ANON);
	touch(0, 4);
	map_at(20, 4, RW, ANON);
	limits(8, INF, INF, INF);
	/* 4 + 4 pages now; growing 4 -> 8 over the 4-page target: 4 + 8 - 4 = 8 */
	cr_assert_eq(as_mremap(as, P(0), 4 * PAGE_SIZE, 8 * PAGE_SIZE,
			       MREMAP_MAYMOVE | MREMAP_FIXED, P(18)), (long)P(18));
	cr_assert_eq(as_vma_count(as), 1);
}

Test(limits, as_mremap_fixed_refused_leaves_target_unmapped)
{
	map_at(0, 4, RW, ANON);
	map_at(20, 2, RW, ANON);
	limits(7, INF, INF, INF);
	/* 6 pages now; 4 -> 8 over the 2-page target: 6 - 2 + 4 = 8 > 7 */
	cr_assert_eq(as_mremap(as, P(0), 4 * PAGE_SIZE, 8 * PAGE_SIZE,
			       MREMAP_MAYMOVE | MREMAP_FIXED, P(18)), -ENOMEM);
	cr_assert_eq(as_vma_at(as, P(20), NULL), false);
	cr_assert_eq(as_vma_at(as, P(0), NULL), true);
}

Test(limits, as_brk)
{
	as_brk_init(as, P(0));
	map_at(100, 4, PROT_READ, ANON);
	limits(10, INF, INF, INF);
	cr_assert_eq(as_brk(as, P(6) + 1), P(0)); /* 4 + 7 pages */
	cr_assert_eq(as_vma_count(as), 1);
	cr_assert_eq(as_brk(as, P(6)), P(6));
	cr_assert_eq(as_brk(as, P(6) + 1), P(6));
	cr_assert_eq(as_brk(as, P(3)), P(3));
}

Test(limits, as_stack_growth)
{
	struct as_vma_info vi;

	cr_assert_eq(as_stack_init(as, TOP, 4 * PAGE_SIZE), 0);
	map_at(0, 2, RW, ANON);
	limits(8, INF, INF, INF);
	cr_assert_eq(as_fault(as, TOP - 6 * PAGE_SIZE, AS_PF_USER | AS_PF_WRITE), AS_FAULT_OK);
	snap();
	cr_assert_eq(as_fault(as, TOP - 7 * PAGE_SIZE, AS_PF_USER | AS_PF_WRITE),
		     AS_FAULT_MAPERR);
	unchanged();
	cr_assert(as_vma_at(as, TOP - PAGE_SIZE, &vi));
	cr_assert_eq(vi.start, TOP - 6 * PAGE_SIZE);
	limits(INF, INF, INF, INF);
	cr_assert_eq(as_fault(as, TOP - 7 * PAGE_SIZE, AS_PF_USER | AS_PF_WRITE), AS_FAULT_OK);
}

Test(limits, as_stack_init_over_limit)
{
	map_at(0, 2, RW, ANON);
	limits(5, INF, INF, INF);
	cr_assert_eq(as_stack_init(as, TOP, 4 * PAGE_SIZE), -ENOMEM);
	cr_assert_eq(as_vma_count(as), 1);
	cr_assert_eq(as_stack_init(as, TOP, 3 * PAGE_SIZE), 0);
}

/* ---------------------------------------------------------------- RLIMIT_STACK */

Test(limits, stack_growth_to_the_limit)
{
	struct as_vma_info vi;

	cr_assert_eq(as_stack_init(as, TOP, 2 * PAGE_SIZE), 0);
	limits(INF, INF, INF, 8);
	cr_assert_eq(as_fault(as, TOP - 8 * PAGE_SIZE, AS_PF_USER | AS_PF_WRITE), AS_FAULT_OK);
	snap();
	cr_assert_eq(as_fault(as, TOP - 9 * PAGE_SIZE, AS_PF_USER), AS_FAULT_MAPERR);
	cr_assert_eq(as_fault(as, TOP - 9 * PAGE_SIZE + 100, AS_PF_USER), AS_FAULT_MAPERR);
	unchanged();
	cr_assert(as_vma_at(as, TOP - PAGE_SIZE, &vi));
	cr_assert_eq(vi.start, TOP - 8 * PAGE_SIZE);
	limits(INF, INF, INF, 9); /* raised: it grows on */
	cr_assert_eq(as_fault(as, TOP - 9 * PAGE_SIZE, AS_PF_USER), AS_FAULT_OK);
	/* a MAP_GROWSDOWN mapping follows the same limit */
	cr_assert_eq(as_mmap(as, P(10), 2 * PAGE_SIZE, RW, ANON | MAP_GROWSDOWN | MAP_FIXED),
		     (long)P(10));
	cr_assert_eq(as_fault(as, P(3), AS_PF_USER), AS_FAULT_OK);
	cr_assert_eq(as_fault(as, P(2), AS_PF_USER), AS_FAULT_MAPERR);
}

Test(limits, stack_init_clamped_to_limit)
{
	struct as_vma_info vi;

	limits(INF, INF, INF, 2);
	cr_assert_eq(as_stack_init(as, TOP, 4 * PAGE_SIZE), 0);
	cr_assert(as_vma_at(as, TOP - PAGE_SIZE, &vi));
	cr_assert_eq(vi.start, TOP - 2 * PAGE_SIZE);
	cr_assert_eq(as_resident_frames(as), 2);
}

/* ---------------------------------------------------------------- RLIMIT_DATA */

Test(limits, data_counts_private_writable_only)
{
	limits(INF, 8, INF, INF);
	snap();
	cr_assert_eq(as_mmap(as, 0, 9 * PAGE_SIZE, RW, ANON), -ENOMEM);
	cr_assert_eq(as_mmap(as, 0, 9 * PAGE_SIZE, RW | PROT_EXEC, ANON), -ENOMEM);
	unchanged();
	map_at(0, 9, PROT_READ, ANON);
	map_at(10, 9, RW, SHARED);
	map_at(20, 9, RW, ANON | MAP_GROWSDOWN);
	map_at(30, 9, PROT_NONE, ANON);
	map_at(40, 8, RW, ANON); /* exactly at the limit */
	snap();
	cr_assert_eq(as_mmap(as, 0, PAGE_SIZE, RW, ANON), -ENOMEM);
	cr_assert_eq(as_mmap(as, 0, PAGE_SIZE, RW, ANON | MAP_POPULATE), -ENOMEM);
	cr_assert_eq(as_mremap(as, P(40), 8 * PAGE_SIZE, 9 * PAGE_SIZE, MREMAP_MAYMOVE, 0),
		     -ENOMEM);
	unchanged();
	/* growing memory that is not data is fine; MAP_FIXED RW over RW is no more data */
	cr_assert_eq(as_mremap(as, P(0), 9 * PAGE_SIZE, 10 * PAGE_SIZE, 0, 0), (long)P(0));
	map_at(40, 8, RW, ANON);
	/* Linux takes the replaced pages off the request, whatever they were: 9 data pages */
	map_at(0, 1, RW, ANON);
	/* and once past the limit, even a mapping that adds no page is refused */
	cr_assert_eq(as_mmap(as, P(1), PAGE_SIZE, RW, ANON | MAP_FIXED), -ENOMEM);
	cr_assert_eq(as_mmap(as, P(50), PAGE_SIZE, RW, ANON | MAP_FIXED), -ENOMEM);
}

Test(limits, data_soft_zero_passes_to_hard)
{
	limits(INF, 0, 4, INF); /* Linux's Valgrind exception */
	cr_assert_eq(as_mmap(as, P(0), 3 * PAGE_SIZE, RW, ANON | MAP_FIXED), (long)P(0));
	cr_assert_eq(as_mmap(as, P(3), PAGE_SIZE, RW, ANON | MAP_FIXED), (long)P(3));
	cr_assert_eq(as_mmap(as, P(4), PAGE_SIZE, RW, ANON | MAP_FIXED), -ENOMEM);
	limits(INF, 1, 40, INF); /* not for a soft limit above 0 */
	cr_assert_eq(as_mmap(as, P(4), PAGE_SIZE, RW, ANON | MAP_FIXED), -ENOMEM);
}

Test(limits, data_mprotect_stops_at_the_vma_over)
{
	struct as_vma_info vi;

	map_at(0, 4, PROT_READ, ANON);
	map_at(4, 4, PROT_NONE, ANON);
	map_at(8, 4, PROT_READ, ANON);
	map_at(12, 2, RW, ANON);
	limits(INF, 10, INF, INF);
	/* 2 data pages: the first two VMAs turn data (2 + 4 + 4), the third would pass 10 */
	cr_assert_eq(as_mprotect(as, P(0), 14 * PAGE_SIZE, RW), -ENOMEM);
	cr_assert(as_vma_at(as, P(0), &vi));
	cr_assert_eq(vi.end, P(8));
	cr_assert_eq(vi.prot, RW);
	cr_assert(as_vma_at(as, P(8), &vi));
	cr_assert_eq(vi.prot, PROT_READ);
	/* already data, or not turning into data: not checked */
	cr_assert_eq(as_mprotect(as, P(0), 8 * PAGE_SIZE, RW | PROT_EXEC), 0);
	cr_assert_eq(as_mprotect(as, P(8), 4 * PAGE_SIZE, PROT_READ | PROT_EXEC), 0);
	cr_assert_eq(as_mprotect(as, P(0), 4 * PAGE_SIZE, PROT_READ), 0);
	cr_assert_eq(as_mprotect(as, P(8), 4 * PAGE_SIZE, RW), 0); /* 4 + 2 + 4 = 10 */
	cr_assert_eq(as_mprotect(as, P(0), PAGE_SIZE, RW), -ENOMEM);
	/* shared memory turning writable is no data */
	map_at(20, 4, PROT_READ, SHARED);
	cr_assert_eq(as_mprotect(as, P(20), 4 * PAGE_SIZE, RW), 0);
}

Test(limits, data_mprotect_over_as_is_allowed)
{
	/* mprotect_fixup refuses only when the old flags would pass: not when AS is short too */
	map_at(0, 4, PROT_READ, ANON);
	limits(5, 2, INF, INF);
	cr_assert_eq(as_mprotect(as, P(0), 4 * PAGE_SIZE, RW), 0);
}

Test(limits, data_brk)
{
	as_brk_init(as, P(0));
	as_brk_data(as, 2 * PAGE_SIZE);
	limits(INF, 6, INF, INF);
	cr_assert_eq(as_brk(as, P(4)), P(4));         /* 4 + 2 */
	cr_assert_eq(as_brk(as, P(4) + 1), P(4));     /* check_data_rlimit: unaligned break */
	cr_assert_eq(as_vma_count(as), 1);
	limits(INF, 3, INF, INF);
	cr_assert_eq(as_brk(as, P(2)), P(4));         /* even a shrink: 2 + 2 > 3 */
	cr_assert_eq(as_brk(as, P(1)), P(1));         /* 1 + 2 */
	/* and may_expand_vm: other data counts */
	as_brk_data(as, 0);
	limits(INF, 6, INF, INF);
	map_at(100, 4, RW, ANON);
	cr_assert_eq(as_brk(as, P(3)), P(1));         /* 4 + 1 mapped + 2 more */
	cr_assert_eq(as_brk(as, P(2)), P(2));
}
