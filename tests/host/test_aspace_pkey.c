/*
 * Host tests of the protection keys and NUMA policy values mm keeps per
 * address space and VMA: the allocation map (lowest free key, 15 to give,
 * ENOSPC, EINVAL), the rights set in the thread's register (host_pkru),
 * pkey_mprotect splitting and merging VMAs by key with the key in PTE bits
 * 59-62, mprotect keeping keys, PKUERR faults, the execute-only key, clone,
 * and mbind's policy values (split, merge back, holes). Each case ends with
 * as_check and no frame leaked.
 */
#include <criterion/criterion.h>

#include "lib/errno.h"
#include "mm/aspace.h"
#include "mm/mmarch.h"
#include "mm/pmm.h"
#include "mm/pte.h"
#include "support/host_mm.h"

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define BASE 0x10000000UL
#define PG 4096UL

static struct aspace *as;
static size_t free0;

/* A space on a machine with 16 keys and PKRU as Linux starts a program (0x55555554). */
static void setup(void)
{
	host_mm_setup(MiB(64));
	host_pkey_count = 16;
	host_pkru = 0x55555554u;
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

TestSuite(pkey, .init = setup, .fini = teardown);

/* The raw leaf entry mapping va (0 when none), walked level by level. */
static pte_t raw_leaf(vaddr_t va)
{
	paddr_t table = as_root(as);

	for (int level = PT_LEVELS - 1; level >= 0; level--) {
		pte_t e = ((pte_t *)mm_phys_to_virt(table))[PT_INDEX(level, va)];

		if (!pte_present(e))
			return 0;
		if (pte_is_leaf(e, level))
			return e;
		table = pte_addr(e, level);
	}
	return 0;
}

/* Bits 59-62 of the leaf at va: the x86 protection key. */
static unsigned pte_key(vaddr_t va)
{
	return (unsigned)((raw_leaf(va) >> 59) & 0xf);
}

/* Key of the VMA at va (-1 when none). */
static int vma_key(vaddr_t va)
{
	struct as_vma_info vi;

	return as_vma_at(as, va, &vi) ? AS_VMA_PKEY(vi.flags) : -1;
}

/* Map n read-write pages at BASE and write each (present, private). */
static void map_touched(size_t n)
{
	cr_assert_eq(as_mmap(as, BASE, n * PG, RW, ANON | MAP_FIXED), (long)BASE);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(as_fault(as, BASE + i * PG, AS_PF_USER | AS_PF_WRITE), AS_FAULT_OK);
}

Test(pkey, alloc_lowest_free_fifteen_then_enospc)
{
	for (int k = 1; k <= 15; k++)
		cr_assert_eq(as_pkey_alloc(as, 0), k);
	cr_assert_eq(as_pkey_alloc(as, 0), -ENOSPC);
	cr_assert_eq(as_pkey_free(as, 5), 0);
	cr_assert_eq(as_pkey_free(as, 5), -EINVAL, "freed twice");
	cr_assert_not(as_pkey_allocated(as, 5));
	cr_assert_eq(as_pkey_alloc(as, MM_PKEY_DENY_WRITE), 5);
	cr_assert_eq((host_pkru >> 10) & 3, MM_PKEY_DENY_WRITE, "key 5's rights in PKRU");
	cr_assert_eq(host_pkru & 0x3ff, 0, "keys 0-4 allocated with all rights");
	cr_assert_eq(as_pkey_free(as, 16), -EINVAL);
	cr_assert_eq(as_pkey_free(as, -1), -EINVAL);
	cr_assert(as_pkey_allocated(as, 0));
}

Test(pkey, without_keys_nothing_is_allocated)
{
	struct aspace *none;

	host_pkey_count = 1;
	none = as_create();
	cr_assert_eq(as_pkey_alloc(none, 0), -ENOSPC);
	cr_assert_not(as_pkey_allocated(none, 0), "Linux sets the map only with OSPKE");
	cr_assert_eq(as_mmap(none, BASE, PG, PROT_EXEC, ANON | MAP_FIXED), (long)BASE);
	cr_assert_eq(as_mprotect_pkey(none, BASE, PG, RW, 0), -EINVAL);
	cr_assert_eq(as_mprotect_pkey(none, BASE, PG, RW, AS_PKEY_KEEP), 0);
	cr_assert_eq(as_check(none), 0);
	as_destroy(none);
}

Test(pkey, pkey_mprotect_splits_merges_and_sets_pte_bits)
{
	int k = as_pkey_alloc(as, 0);

	map_touched(4);
	cr_assert_eq(as_pkey_alloc(as, 0), 2);
	cr_assert_eq(as_pkey_alloc(as, 0), 3);
	cr_assert_eq(as_mprotect_pkey(as, BASE + PG, 2 * PG, RW, 3), 0);
	cr_assert_eq(as_vma_count(as), 3);
	cr_assert_eq(vma_key(BASE), 0);
	cr_assert_eq(vma_key(BASE + PG), 3);
	cr_assert_eq(vma_key(BASE + 3 * PG), 0);
	cr_assert_eq(pte_key(BASE), 0);
	cr_assert_eq(pte_key(BASE + PG), 3);
	cr_assert_eq(pte_key(BASE + 2 * PG), 3);
	cr_assert_eq(pte_key(BASE + 3 * PG), 0);
	cr_assert_eq(as_mprotect(as, BASE, 4 * PG, PROT_READ), 0);
	cr_assert_eq(as_vma_count(as), 3, "mprotect keeps each VMA's key");
	cr_assert_eq(pte_key(BASE + 2 * PG), 3);
	cr_assert_eq(raw_leaf(BASE + 2 * PG) & PTE_W, 0);
	cr_assert_eq(as_mprotect_pkey(as, BASE, 4 * PG, PROT_READ, k), 0);
	cr_assert_eq(as_vma_count(as), 1, "equal keys merge");
	for (int i = 0; i < 4; i++)
		cr_assert_eq(pte_key(BASE + i * PG), (unsigned)k);
	cr_assert_eq(as_mprotect_pkey(as, BASE, PG, PROT_READ, 9), -EINVAL, "key 9 not allocated");
	cr_assert_eq(as_pkey_free(as, k), 0);
	cr_assert_eq(vma_key(BASE), k, "a freed key stays on its VMAs");
}

Test(pkey, fault_refused_by_the_threads_rights)
{
	int k = as_pkey_alloc(as, MM_PKEY_DENY_ACCESS);

	cr_assert_eq(as_mmap(as, BASE, 2 * PG, RW, ANON | MAP_FIXED), (long)BASE);
	cr_assert_eq(as_mprotect_pkey(as, BASE, 2 * PG, RW, k), 0);
	cr_assert_eq(as_fault(as, BASE, AS_PF_USER), AS_FAULT_PKUERR, "a missing page too");
	cr_assert_eq(as_fault(as, BASE, AS_PF_USER | AS_PF_FORCE), AS_FAULT_OK, "foreign access");
	cr_assert_eq(pte_key(BASE), (unsigned)k);
	mm_pkey_set_rights((unsigned)k, MM_PKEY_DENY_WRITE);
	cr_assert_eq(as_fault(as, BASE + PG, AS_PF_USER), AS_FAULT_OK);
	cr_assert_eq(as_fault(as, BASE + PG, AS_PF_USER | AS_PF_WRITE), AS_FAULT_PKUERR);
	mm_pkey_set_rights((unsigned)k, 0);
	cr_assert_eq(as_fault(as, BASE + PG, AS_PF_USER | AS_PF_WRITE | AS_PF_PRESENT),
		     AS_FAULT_OK);
	cr_assert_eq(as_fault(as, BASE, AS_PF_USER | AS_PF_PRESENT | AS_PF_PK), AS_FAULT_PKUERR,
		     "the MMU's PK bit is final");
	cr_assert_eq(as_mprotect(as, BASE, 2 * PG, PROT_NONE), 0);
	mm_pkey_set_rights((unsigned)k, MM_PKEY_DENY_ACCESS);
	cr_assert_eq(as_fault(as, BASE, AS_PF_USER), AS_FAULT_PKUERR, "the key before the rights");
}

Test(pkey, execute_only_key)
{
	cr_assert_eq(as_mmap(as, BASE, PG, PROT_EXEC, ANON | MAP_FIXED), (long)BASE);
	cr_assert_eq(vma_key(BASE), 1);
	cr_assert_eq((host_pkru >> 2) & 3, MM_PKEY_DENY_ACCESS);
	cr_assert_not(as_pkey_allocated(as, 1), "not the user's");
	cr_assert_eq(as_pkey_free(as, 1), -EINVAL);
	cr_assert_eq(as_fault(as, BASE, AS_PF_USER), AS_FAULT_PKUERR);
	cr_assert_eq(as_fault(as, BASE, AS_PF_USER | AS_PF_EXEC), AS_FAULT_OK, "fetches pass");
	cr_assert_eq(pte_key(BASE), 1);
	cr_assert_eq(as_mprotect(as, BASE, PG, PROT_READ | PROT_EXEC), 0);
	cr_assert_eq(vma_key(BASE), 0, "no longer execute-only");
	cr_assert_eq(pte_key(BASE), 0);
	cr_assert_eq(as_mprotect(as, BASE, PG, PROT_EXEC), 0);
	cr_assert_eq(vma_key(BASE), 1);
	cr_assert_eq(as_pkey_alloc(as, 0), 2);
}

Test(pkey, clone_keeps_keys_and_map)
{
	struct aspace *c;
	struct as_vma_info vi;
	int k;

	map_touched(2);
	k = as_pkey_alloc(as, 0);
	cr_assert_eq(as_mprotect_pkey(as, BASE, PG, RW, k), 0);
	c = as_clone(as);
	cr_assert_not_null(c);
	cr_assert(as_pkey_allocated(c, k));
	cr_assert(as_vma_at(c, BASE, &vi));
	cr_assert_eq(AS_VMA_PKEY(vi.flags), k);
	cr_assert_eq(as_pkey_alloc(c, 0), k + 1);
	cr_assert_eq(as_check(c), 0);
	as_destroy(c);
}

Test(pkey, policy_values_split_merge_and_holes)
{
	unsigned pol = 99;

	map_touched(4);
	cr_assert_eq(as_set_policy(as, BASE + PG, BASE + 3 * PG, 2, AS_POLICY_NO_HOLES), 0);
	cr_assert_eq(as_vma_count(as), 3);
	cr_assert_eq(as_policy_at(as, BASE, &pol), 0);
	cr_assert_eq(pol, 0);
	cr_assert_eq(as_policy_at(as, BASE + 2 * PG, &pol), 0);
	cr_assert_eq(pol, 2);
	cr_assert_eq(as_set_policy(as, BASE, BASE + 4 * PG, 0, AS_POLICY_NO_HOLES), 0);
	cr_assert_eq(as_vma_count(as), 1, "equal policies merge");
	cr_assert_eq(as_munmap(as, BASE + 2 * PG, PG), 0);
	cr_assert_eq(as_set_policy(as, BASE, BASE + 4 * PG, 3, AS_POLICY_NO_HOLES), -EFAULT);
	cr_assert_eq(as_policy_at(as, BASE, &pol), 0);
	cr_assert_eq(pol, 0, "nothing changed");
	cr_assert_eq(as_set_policy(as, BASE, BASE + 4 * PG, 3, AS_POLICY_HOLES_OK), 0);
	cr_assert_eq(as_policy_at(as, BASE + 3 * PG, &pol), 0);
	cr_assert_eq(pol, 3);
	cr_assert_eq(as_set_policy(as, BASE + 2 * PG, BASE + 3 * PG, 3, AS_POLICY_HOLES_OK),
		     -EFAULT);
	cr_assert_eq(as_policy_at(as, BASE + 2 * PG, &pol), -EFAULT);
	cr_assert_eq(as_set_policy(as, BASE, BASE + PG, AS_POLICY_LIMIT, AS_POLICY_HOLES_OK),
		     -EINVAL);
}

Test(pkey, sealed_discard_refused_when_the_key_denies_writes)
{
	int k = as_pkey_alloc(as, 0);

	map_touched(4);
	cr_assert_eq(as_mprotect_pkey(as, BASE, 4 * PG, RW, k), 0);
	cr_assert_eq(as_mseal(as, BASE, 4 * PG, 0), 0);
	cr_assert_eq(as_madvise(as, BASE, 4 * PG, MADV_DONTNEED), 0, "writable through the key");
	mm_pkey_set_rights((unsigned)k, MM_PKEY_DENY_WRITE);
	cr_assert_eq(as_madvise(as, BASE, 4 * PG, MADV_DONTNEED), -EPERM,
		     "read-only anon (is_ro_anon)");
	mm_pkey_set_rights((unsigned)k, 0);
}
