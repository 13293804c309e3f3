/*
 * pkey: memory protection keys of an address space, as Linux's
 * arch/x86/include/asm/pkeys.h and arch/x86/mm/pkeys.c keep them: an
 * allocation map per space (key 0 always taken), an execute-only key taken
 * on first need, and the key of each VMA (AS_VMA_PKEY bits of its flags).
 * The rights of a key are the running thread's (mm_pkey_rights); the
 * machine checks them on present pages through the leaf's key (PT_PKEY),
 * as_fault on missing ones.
 */
#include "lib/errno.h"
#include "mm/aspace.h"
#include "mm/mmarch.h"
#include "aspace_internal.h"

/* The map with every key the machine has taken. */
static uint16_t as_pkey_full(void)
{
	return (uint16_t)((1u << mm_pkey_count()) - 1);
}

/* Take the lowest free key; -1 when none (Linux's mm_pkey_alloc). */
static int as_pkey_take(struct aspace *as)
{
	int k;

	if (mm_pkey_count() <= 1 || as->pkey_map == as_pkey_full())
		return -1;
	k = __builtin_ctz((unsigned)(uint16_t)~as->pkey_map);
	as->pkey_map |= (uint16_t)(1u << k);
	return k;
}

bool as_pkeys_enabled(void)
{
	return mm_pkey_count() > 1;
}

bool as_pkey_allocated(const struct aspace *as, int pkey)
{
	if (pkey < 0 || (unsigned)pkey >= mm_pkey_count() || pkey == as->xonly_pkey)
		return false;
	return as->pkey_map & (1u << pkey);
}

int as_pkey_alloc(struct aspace *as, unsigned rights)
{
	int k = as_pkey_take(as);

	if (k < 0)
		return -ENOSPC;
	mm_pkey_set_rights((unsigned)k, rights & MM_PKEY_RIGHTS_MASK);
	return k;
}

int as_pkey_free(struct aspace *as, int pkey)
{
	if (!as_pkey_allocated(as, pkey))
		return -EINVAL;
	as->pkey_map &= (uint16_t)~(1u << pkey);
	return 0;
}

/*
 * The execute-only key (Linux's __execute_only_pkey): taken on first use,
 * its data access denied to the running thread; -1 when no key is free.
 */
static int as_pkey_xonly(struct aspace *as)
{
	int k = as->xonly_pkey;

	if (mm_pkey_count() <= 1)
		return 0;
	if (k < 0) {
		k = as_pkey_take(as);
		if (k < 0)
			return -1;
		as->xonly_pkey = (int8_t)k;
	} else if (mm_pkey_rights((unsigned)k) & MM_PKEY_DENY_ACCESS) {
		return k;
	}
	mm_pkey_set_rights((unsigned)k, MM_PKEY_DENY_ACCESS);
	return k;
}

int as_pkey_mmap_flags(struct aspace *as, int prot)
{
	int k = prot == PROT_EXEC ? as_pkey_xonly(as) : 0;

	return k > 0 ? k << AS_VMA_PKEY_SHIFT : 0;
}

/* True when v is execute-only memory under the execute-only key. */
static bool as_pkey_xonly_vma(const struct aspace *as, const struct vma *v)
{
	return v->prot == PROT_EXEC && AS_VMA_PKEY(v->flags) == as->xonly_pkey;
}

int as_pkey_target(struct aspace *as, const struct vma *v, int prot, int pkey)
{
	int k;

	if (pkey != AS_PKEY_KEEP || mm_pkey_count() <= 1)
		return pkey != AS_PKEY_KEEP ? pkey : 0;
	if (prot == PROT_EXEC) {
		k = as_pkey_xonly(as);
		if (k > 0)
			return k;
	} else if (as_pkey_xonly_vma(as, v)) {
		return 0;
	}
	return AS_VMA_PKEY(v->flags);
}

bool as_pkey_denies(const struct vma *v, unsigned err)
{
	unsigned rights;

	if (err & (AS_PF_EXEC | AS_PF_FORCE))
		return false;
	rights = mm_pkey_rights((unsigned)AS_VMA_PKEY(v->flags));
	if (err & AS_PF_WRITE)
		return rights != 0;
	return rights & MM_PKEY_DENY_ACCESS;
}
