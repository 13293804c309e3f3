/*
 * Host tests of Memory-Deny-Write-Execute (as_set_mdwe, prctl PR_SET_MDWE):
 * the mmap and mprotect refusals of Linux's map_deny_write_exec, the
 * partial mprotect, and what a clone inherits. Each case checks the VMAs
 * left, as_check and that no frame leaked.
 */
#include <criterion/criterion.h>

#include "lib/errno.h"
#include "mm/aspace.h"
#include "mm/pmm.h"
#include "support/host_mm.h"

#define RW (PROT_READ | PROT_WRITE)
#define RX (PROT_READ | PROT_EXEC)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define BASE 0x10000000UL
#define PG 4096UL

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
	cr_assert_eq(as_check(as), 0, "as_check failed");
	as_destroy(as);
	cr_assert_eq(pmm_free_frames(), free0, "leaked frames");
}

TestSuite(mdwe, .init = setup, .fini = teardown);

/* The rights of the VMA at addr (-1 when none). */
static int prot_at(vaddr_t addr)
{
	struct as_vma_info vi;

	return as_vma_at(as, addr, &vi) ? vi.prot : -1;
}

Test(mdwe, off_allows_write_exec)
{
	cr_assert_eq(as_mmap(as, BASE, PG, RW | PROT_EXEC, ANON | MAP_FIXED), (long)BASE);
	cr_assert_eq(as_mdwe(as), 0);
}

Test(mdwe, mmap_write_exec_refused_nothing_replaced)
{
	as_set_mdwe(as, AS_MDWE_REFUSE_EXEC_GAIN);
	cr_assert_eq(as_mmap(as, BASE, PG, RW, ANON | MAP_FIXED), (long)BASE);
	cr_assert_eq(as_mmap(as, BASE, PG, RW | PROT_EXEC, ANON | MAP_FIXED), -EACCES);
	cr_assert_eq(prot_at(BASE), RW, "the old mapping stays");
	cr_assert_eq(as_mmap(as, BASE + PG, PG, RX, ANON | MAP_FIXED), (long)(BASE + PG));
	cr_assert_eq(as_mmap(as, BASE + 2 * PG, PG, PROT_EXEC, ANON | MAP_FIXED),
		     (long)(BASE + 2 * PG));
}

Test(mdwe, mprotect_exec_gain_refused)
{
	as_set_mdwe(as, AS_MDWE_REFUSE_EXEC_GAIN);
	cr_assert_eq(as_mmap(as, BASE, PG, PROT_READ, ANON | MAP_FIXED), (long)BASE);
	cr_assert_eq(as_mprotect(as, BASE, PG, RX), -EACCES);
	cr_assert_eq(prot_at(BASE), PROT_READ);
	cr_assert_eq(as_mmap(as, BASE + PG, PG, RX, ANON | MAP_FIXED), (long)(BASE + PG));
	cr_assert_eq(as_mprotect(as, BASE + PG, PG, RW | PROT_EXEC), -EACCES);
	cr_assert_eq(as_mprotect(as, BASE + PG, PG, PROT_EXEC), 0, "exec kept: no gain");
	cr_assert_eq(as_mprotect(as, BASE + PG, PG, PROT_READ), 0);
	cr_assert_eq(as_mprotect(as, BASE + PG, PG, RX), -EACCES, "exec dropped, then regained");
}

/* Linux changes the VMAs before the first refused one: here the executable one. */
Test(mdwe, mprotect_stops_at_the_first_refused_vma)
{
	as_set_mdwe(as, AS_MDWE_REFUSE_EXEC_GAIN);
	cr_assert_eq(as_mmap(as, BASE, PG, RX, ANON | MAP_FIXED), (long)BASE);
	cr_assert_eq(as_mmap(as, BASE + PG, PG, PROT_READ, ANON | MAP_FIXED), (long)(BASE + PG));
	cr_assert_eq(as_mprotect(as, BASE, 2 * PG, PROT_EXEC), -EACCES);
	cr_assert_eq(prot_at(BASE), PROT_EXEC, "the first VMA changed");
	cr_assert_eq(prot_at(BASE + PG), PROT_READ, "the refused one did not");
}

Test(mdwe, clone_inherits_unless_no_inherit)
{
	struct aspace *c;

	as_set_mdwe(as, AS_MDWE_REFUSE_EXEC_GAIN);
	c = as_clone(as);
	cr_assert_not_null(c);
	cr_assert_eq(as_mdwe(c), AS_MDWE_REFUSE_EXEC_GAIN);
	cr_assert_eq(as_mmap(c, BASE, PG, RW | PROT_EXEC, ANON | MAP_FIXED), -EACCES);
	as_destroy(c);
	as_set_mdwe(as, AS_MDWE_REFUSE_EXEC_GAIN | AS_MDWE_NO_INHERIT);
	cr_assert_eq(as_mdwe_inherited(as), 0);
	c = as_clone(as);
	cr_assert_not_null(c);
	cr_assert_eq(as_mdwe(c), 0);
	cr_assert_eq(as_mmap(c, BASE, PG, RW | PROT_EXEC, ANON | MAP_FIXED), (long)BASE);
	as_destroy(c);
}
