/*
 * Host tests of the edges of the user half and of Linux's overcommit
 * heuristic (src/mm/aspace.c): hints at and past the top, range calls that
 * pass the top, single requests larger than RAM. Each case checks the
 * result, that nothing else changed, and as_check.
 */
#include <criterion/criterion.h>

#include "lib/errno.h"
#include "mm/aspace.h"
#include "mm/mmarch.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "support/as_testlib.h"
#include "support/host_mm.h"

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define TOP AS_TASK_SIZE
#define RAM MiB(64)

static struct aspace *as;
static size_t free0;

static void setup(void)
{
	host_mm_setup(RAM);
	free0 = pmm_free_frames();
	as = as_create();
	cr_assert_not_null(as);
}

static void teardown(void)
{
	cr_assert_eq(as_check(as), 0, "as_check failed");
	as_destroy(as);
	cr_assert_eq(pmm_free_frames(), free0, "leaked %zd frames",
		     (ssize_t)(free0 - pmm_free_frames()));
}

TestSuite(edges, .init = setup, .fini = teardown);

/* Where a hintless mapping of len would go now. */
static long place_without_hint(uint64_t len)
{
	long a = as_mmap(as, 0, len, RW, ANON | MAP_NORESERVE);

	cr_assert_geq(a, 0);
	cr_assert_eq(as_munmap(as, (vaddr_t)a, len), 0);
	return a;
}

/* (A length that is not a multiple of 2 MiB: a hintless one is not moved to a leaf boundary.) */
Test(edges, hint_at_or_past_the_top_is_no_hint)
{
	const vaddr_t hints[] = { TOP, 1ULL << 47, (1ULL << 47) + PAGE_SIZE,
				  0xffff800000000000ULL, ~0ULL & ~(PAGE_SIZE - 1) };
	long want = place_without_hint(GiB(1) - PAGE_SIZE);

	for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
		long a = as_mmap(as, hints[i], GiB(1) - PAGE_SIZE, RW, ANON | MAP_NORESERVE);

		cr_assert_eq(a, want, "hint %#lx: got %#lx, want %#lx", hints[i], a, want);
		cr_assert_eq(as_munmap(as, (vaddr_t)a, GiB(1) - PAGE_SIZE), 0);
	}
}

/*
 * Linux 6.12 (__get_unmapped_area with transparent huge pages): private
 * anonymous memory with no hint and a length that is a multiple of 2 MiB is
 * placed on a 2 MiB boundary, at the highest one below the top-down start
 * of len + 2 MiB; a hint, another length, or shared memory is not moved.
 */
Test(edges, hintless_anonymous_multiples_of_2m_start_on_a_2m_boundary)
{
	vaddr_t base = (vaddr_t)place_without_hint(PAGE_SIZE) + PAGE_SIZE; /* mmap_base */
	long a = as_mmap(as, 0, MiB(4), RW, ANON);
	long b = as_mmap(as, 0, MiB(2) + PAGE_SIZE, RW, ANON);
	long c = as_mmap(as, PAGE_SIZE << 20, MiB(2), RW, ANON);
	long d = as_mmap(as, 0, MiB(2), RW, MAP_SHARED | MAP_ANONYMOUS);

	cr_assert_eq(a, (long)ALIGN_UP(base - MiB(6), MiB(2)), "got %#lx", a);
	cr_assert_eq(b, (long)(a - MiB(2) - PAGE_SIZE), "got %#lx", b);
	cr_assert_eq(c, (long)(PAGE_SIZE << 20), "a free hint is kept: got %#lx", c);
	cr_assert_eq(d, (long)(b - MiB(2)), "shared memory is not aligned: got %#lx", d);
	cr_assert_eq(as_munmap(as, (vaddr_t)a, MiB(4)), 0);
	cr_assert_eq(as_munmap(as, (vaddr_t)b, MiB(2) + PAGE_SIZE), 0);
	cr_assert_eq(as_munmap(as, (vaddr_t)c, MiB(2)), 0);
	cr_assert_eq(as_munmap(as, (vaddr_t)d, MiB(2)), 0);
}

/* From an aligned padded start the mapping moves up a whole 2 MiB: it ends at the gap's top. */
Test(edges, an_aligned_padded_start_moves_up_to_the_top_of_the_gap)
{
	vaddr_t base = (vaddr_t)place_without_hint(PAGE_SIZE) + PAGE_SIZE;
	vaddr_t top = ALIGN_DOWN(base, MiB(2));
	long pad = base == top ? 0 : as_mmap(as, top, base - top, RW, ANON | MAP_FIXED);
	long a = as_mmap(as, 0, MiB(2), RW, ANON);

	cr_assert_geq(pad, 0);
	cr_assert_eq(a, (long)(top - MiB(2)), "got %#lx, top %#lx", a, top);
	cr_assert_eq(as_munmap(as, (vaddr_t)a, MiB(2)), 0);
	if (base != top)
		cr_assert_eq(as_munmap(as, top, base - top), 0);
}

Test(edges, hint_that_would_pass_the_top_is_no_hint)
{
	long want = place_without_hint(2 * PAGE_SIZE);

	cr_assert_eq(as_mmap(as, TOP - PAGE_SIZE, 2 * PAGE_SIZE, RW, ANON), want);
	cr_assert_eq(as_munmap(as, (vaddr_t)want, 2 * PAGE_SIZE), 0);
	cr_assert_eq(as_mmap(as, TOP - PAGE_SIZE, PAGE_SIZE, RW, ANON), (long)(TOP - PAGE_SIZE));
}

Test(edges, fixed_at_or_past_the_top_is_enomem)
{
	cr_assert_eq(as_mmap(as, TOP, PAGE_SIZE, RW, ANON | MAP_FIXED), -ENOMEM);
	cr_assert_eq(as_mmap(as, TOP - PAGE_SIZE, 2 * PAGE_SIZE, RW, ANON | MAP_FIXED), -ENOMEM);
	cr_assert_eq(as_mmap(as, TOP, PAGE_SIZE, RW, ANON | MAP_FIXED_NOREPLACE), -ENOMEM);
	cr_assert_eq(as_mmap(as, 1ULL << 47, PAGE_SIZE, RW, ANON | MAP_FIXED_NOREPLACE), -ENOMEM);
	cr_assert_eq(as_vma_count(as), 0);
}

Test(edges, mremap_fixed_past_the_top_is_einval)
{
	long a = as_mmap(as, 0, PAGE_SIZE, RW, ANON);

	cr_assert_geq(a, 0);
	cr_assert_eq(as_mremap(as, (vaddr_t)a, PAGE_SIZE, PAGE_SIZE,
			       MREMAP_MAYMOVE | MREMAP_FIXED, TOP), -EINVAL);
	cr_assert_eq(as_mremap(as, (vaddr_t)a, PAGE_SIZE, 2 * PAGE_SIZE,
			       MREMAP_MAYMOVE | MREMAP_FIXED, TOP - PAGE_SIZE), -EINVAL);
	cr_assert_eq(as_mremap(as, (vaddr_t)a, PAGE_SIZE, 2 * PAGE_SIZE, MREMAP_MAYMOVE, 0) > 0, 1);
}

Test(edges, madvise_past_the_top_over_a_mapping_changes_nothing)
{
	long a = as_mmap(as, 0, 4 * PAGE_SIZE, RW, ANON);
	char byte = 0x5a, back = 0;

	cr_assert_geq(a, 0);
	cr_assert_eq(as_test_write(as, (vaddr_t)a, &byte, 1), AS_FAULT_OK);
	cr_assert_eq(as_madvise(as, (vaddr_t)a, TOP - (vaddr_t)a + PAGE_SIZE, MADV_DONTNEED),
		     -EINVAL);
	cr_assert_eq(as_madvise(as, (vaddr_t)a, (1ULL << 56), MADV_DONTNEED), -EINVAL);
	cr_assert_eq(as_test_read(as, (vaddr_t)a, &back, 1), AS_FAULT_OK);
	cr_assert_eq(back, 0x5a, "madvise past the top dropped a page");
	/* Up to the top exactly, the walk is Linux's: pages dropped, the hole is ENOMEM. */
	cr_assert_eq(as_madvise(as, (vaddr_t)a, TOP - (vaddr_t)a, MADV_DONTNEED), -ENOMEM);
	cr_assert_eq(as_test_read(as, (vaddr_t)a, &back, 1), AS_FAULT_OK);
	cr_assert_eq(back, 0);
}

Test(edges, range_calls_past_the_top_without_mappings)
{
	cr_assert_eq(as_madvise(as, TOP - PAGE_SIZE, 2 * PAGE_SIZE, MADV_DONTNEED), -ENOMEM);
	cr_assert_eq(as_madvise(as, TOP - PAGE_SIZE, -(TOP - PAGE_SIZE), MADV_DONTNEED), -EINVAL);
	cr_assert_eq(as_madvise(as, 1ULL << 47, PAGE_SIZE, MADV_DONTNEED), -ENOMEM);
	cr_assert_eq(as_mprotect(as, TOP - PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ), -ENOMEM);
	cr_assert_eq(as_mprotect(as, TOP - PAGE_SIZE, -(TOP - PAGE_SIZE), PROT_READ), -ENOMEM);
	cr_assert_eq(as_munmap(as, TOP - PAGE_SIZE, 2 * PAGE_SIZE), -EINVAL);
	cr_assert_eq(as_munmap(as, TOP - PAGE_SIZE, PAGE_SIZE), 0);
	cr_assert_eq(as_munmap(as, -PAGE_SIZE, PAGE_SIZE), -EINVAL);
}

Test(edges, overcommit_refuses_one_request_larger_than_ram)
{
	uint64_t big = RAM + MiB(4);
	long ro, nr;

	cr_assert_eq(as_mmap(as, 0, big, RW, ANON), -ENOMEM);
	cr_assert_eq(as_mmap(as, 0, big, PROT_READ, MAP_SHARED | MAP_ANONYMOUS), -ENOMEM);
	ro = as_mmap(as, 0, big, PROT_READ, ANON);
	nr = as_mmap(as, 0, big, RW, ANON | MAP_NORESERVE);
	cr_assert_geq(ro, 0);
	cr_assert_geq(nr, 0);
	cr_assert_geq(as_mmap(as, 0, big, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE), 0);
	/* Many requests each below RAM all succeed: the heuristic is per request. */
	for (int i = 0; i < 4; i++)
		cr_assert_geq(as_mmap(as, 0, RAM / 2, RW, ANON), 0);
}

Test(edges, overcommit_refuses_mremap_and_brk_growth_larger_than_ram)
{
	long a = as_mmap(as, 0, PAGE_SIZE, RW, ANON);
	vaddr_t brk0;

	cr_assert_geq(a, 0);
	cr_assert_eq(as_mremap(as, (vaddr_t)a, PAGE_SIZE, RAM + 2 * PAGE_SIZE, MREMAP_MAYMOVE, 0),
		     -ENOMEM);
	cr_assert_geq(as_mremap(as, (vaddr_t)a, PAGE_SIZE, RAM / 2, MREMAP_MAYMOVE, 0), 0);
	as_brk_init(as, GiB(1));
	brk0 = as_brk(as, 0);
	cr_assert_eq(as_brk(as, brk0 + RAM + PAGE_SIZE), brk0);
	cr_assert_eq(as_brk(as, brk0 + MiB(1)), brk0 + MiB(1));
}

Test(edges, msync_checks_and_walk)
{
	long a = as_mmap(as, 0, 4 * PAGE_SIZE, RW, ANON);

	cr_assert_geq(a, 0);
	cr_assert_eq(as_msync(as, (vaddr_t)a, 4 * PAGE_SIZE, MS_SYNC), 0);
	cr_assert_eq(as_msync(as, (vaddr_t)a, 4 * PAGE_SIZE, MS_SYNC | MS_ASYNC), -EINVAL);
	cr_assert_eq(as_msync(as, (vaddr_t)a + 1, PAGE_SIZE, MS_SYNC), -EINVAL);
	cr_assert_eq(as_msync(as, (vaddr_t)a, PAGE_SIZE, 8), -EINVAL);
	cr_assert_eq(as_msync(as, (vaddr_t)a, -(vaddr_t)a + PAGE_SIZE, MS_SYNC), -ENOMEM);
	cr_assert_eq(as_msync(as, (vaddr_t)a, 0, MS_SYNC), 0);
	cr_assert_eq(as_munmap(as, (vaddr_t)a + PAGE_SIZE, PAGE_SIZE), 0);
	/* A hole: plain MS_ASYNC stops at it, the others walk on and report it. */
	cr_assert_eq(as_msync(as, (vaddr_t)a, 4 * PAGE_SIZE, MS_ASYNC), -ENOMEM);
	cr_assert_eq(as_msync(as, (vaddr_t)a, 4 * PAGE_SIZE, MS_SYNC), -ENOMEM);
	cr_assert_eq(as_msync(as, (vaddr_t)a + 2 * PAGE_SIZE, 2 * PAGE_SIZE, MS_ASYNC), 0);
}

Test(edges, mincore_reports_resident_pages_of_one_vma)
{
	long a = as_mmap(as, 0, 4 * PAGE_SIZE, RW, ANON);
	uint8_t vec[8] = { 9, 9, 9, 9, 9, 9, 9, 9 };
	char byte = 1;

	cr_assert_geq(a, 0);
	cr_assert_eq(as_test_write(as, (vaddr_t)a + PAGE_SIZE, &byte, 1), AS_FAULT_OK);
	cr_assert_eq(as_test_write(as, (vaddr_t)a + 3 * PAGE_SIZE, &byte, 1), AS_FAULT_OK);
	cr_assert_eq(as_mincore(as, (vaddr_t)a, 8, vec), 4, "stops at the VMA's end");
	cr_assert_eq(vec[0], 0);
	cr_assert_eq(vec[1], 1);
	cr_assert_eq(vec[2], 0);
	cr_assert_eq(vec[3], 1);
	cr_assert_eq(vec[4], 9, "wrote past the pages it reported");
	cr_assert_eq(as_mincore(as, (vaddr_t)a + 4 * PAGE_SIZE, 1, vec), -ENOMEM);
}

Test(edges, fixed_in_the_last_page_is_read_as_an_errno)
{
	cr_assert_eq(as_mmap(as, -1UL, PAGE_SIZE, RW, ANON | MAP_FIXED), -EPERM);
	cr_assert_eq(as_mmap(as, -(vaddr_t)ENOMEM, 1, RW, ANON | MAP_FIXED_NOREPLACE), -ENOMEM);
	cr_assert_eq(as_mmap(as, -4095UL, 1, RW, ANON | MAP_FIXED), -4095);
	cr_assert_eq(as_mmap(as, -4096UL, 1, RW, ANON | MAP_FIXED), -ENOMEM);
	cr_assert_eq(as_mmap(as, -1UL, 1ULL << 47, RW, ANON | MAP_FIXED), -ENOMEM, "length first");
	cr_assert_eq(as_vma_count(as), 0);
}

Test(edges, mremap_fixed_with_a_tail_past_the_top_unmaps_the_target_then_fails)
{
	long a = as_mmap(as, 0, 2 * PAGE_SIZE, RW, ANON);
	long t = as_mmap(as, 0, 4 * PAGE_SIZE, RW, ANON);

	cr_assert_geq(a, 0);
	cr_assert_geq(t, 0);
	cr_assert_eq(as_mremap(as, (vaddr_t)a, -(vaddr_t)a, PAGE_SIZE,
			       MREMAP_MAYMOVE | MREMAP_FIXED, (vaddr_t)t), -EINVAL);
	cr_assert_eq(as_vma_at(as, (vaddr_t)t, NULL), false, "Linux unmaps the target first");
	cr_assert_eq(as_vma_at(as, (vaddr_t)t + PAGE_SIZE, NULL), true);
	cr_assert_eq(as_vma_at(as, (vaddr_t)a, NULL), true, "the source stays");
}

Test(edges, mremap_fixed_below_mmap_min_addr_is_eperm_after_the_tail)
{
	long a = as_mmap(as, 0, 4 * PAGE_SIZE, RW, ANON);
	long s = as_mmap(as, 0, PAGE_SIZE, PROT_READ, MAP_SHARED | MAP_ANONYMOUS);

	cr_assert_geq(a, 0);
	/* Linux's mseal_test moves a mapping to 0 this way: EPERM without CAP_SYS_RAWIO. */
	cr_assert_eq(as_mremap(as, (vaddr_t)a, 4 * PAGE_SIZE, 2 * PAGE_SIZE,
			       MREMAP_MAYMOVE | MREMAP_FIXED, 0), -EPERM);
	cr_assert(as_vma_at(as, (vaddr_t)a + PAGE_SIZE, NULL), "the kept part stays");
	cr_assert(!as_vma_at(as, (vaddr_t)a + 2 * PAGE_SIZE, NULL), "the tail goes first");
	cr_assert_eq(as_mremap(as, (vaddr_t)a, 2 * PAGE_SIZE, 2 * PAGE_SIZE,
			       MREMAP_MAYMOVE | MREMAP_FIXED, PAGE_SIZE), -EPERM);
	cr_assert_eq(as_mremap(as, (vaddr_t)a, 2 * PAGE_SIZE, 2 * PAGE_SIZE,
			       MREMAP_MAYMOVE | MREMAP_FIXED, 0x10000 - PAGE_SIZE), -EPERM);
	cr_assert_geq(s, 0);
	cr_assert_eq(as_mremap(as, (vaddr_t)s, 0, PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, 0),
		     -EPERM);
	cr_assert_eq(as_vma_count(as), 2);
}

/*
 * With CAP_SYS_RAWIO (AS_CAP_SYS_RAWIO) Linux's cap_mmap_addr lets MAP_FIXED
 * and mremap's fixed target go below mmap_min_addr, down to 0 (mseal_test's
 * zero-address cases); a hint still places above it. Page 0 then faults in
 * like any page.
 */
Test(edges, rawio_maps_and_moves_to_address_zero)
{
	long a;

	as_set_memlock(as, AS_MEMLOCK_DEFAULT, AS_CAP_SYS_RAWIO);
	cr_assert_eq(as_mmap(as, 0, 4 * PAGE_SIZE, PROT_NONE, ANON | MAP_FIXED), 0);
	cr_assert(as_vma_at(as, 0, NULL));
	cr_assert_eq(as_mprotect(as, 0, PAGE_SIZE, RW), 0);
	cr_assert_eq(as_fault(as, 0, AS_PF_USER | AS_PF_WRITE), AS_FAULT_OK);
	cr_assert_eq(as_mmap(as, 0x1000, PAGE_SIZE, RW, ANON), (long)AS_MMAP_MIN_ADDR,
		     "a hint stays above mmap_min_addr");
	a = as_mmap(as, 0, 2 * PAGE_SIZE, RW, ANON);
	cr_assert_geq(a, (long)AS_MMAP_MIN_ADDR);
	cr_assert_eq(as_mremap(as, (vaddr_t)a, 2 * PAGE_SIZE, 2 * PAGE_SIZE,
			       MREMAP_MAYMOVE | MREMAP_FIXED, 0), 0);
	cr_assert(!as_vma_at(as, (vaddr_t)a, NULL), "moved away");
	cr_assert(as_vma_at(as, PAGE_SIZE, NULL));
	cr_assert_eq(as_munmap(as, 0, 4 * PAGE_SIZE), 0);
	cr_assert(!as_vma_at(as, 0, NULL));
	as_set_memlock(as, AS_MEMLOCK_DEFAULT, 0);
	cr_assert_eq(as_mmap(as, 0, PAGE_SIZE, RW, ANON | MAP_FIXED), -EPERM, "the cap is gone");
}
