/*
 * policy: the NUMA memory policy value each VMA keeps (AS_VMA_MPOL bits of
 * its flags) for Linux's mbind and get_mempolicy(MPOL_F_ADDR). What the
 * value means is the kernel's (src/kernel/sys_mempolicy.c); mm splits,
 * merges and copies it with the VMA.
 */
#include "lib/errno.h"
#include "mm/aspace.h"
#include "aspace_internal.h"

/* The first address of [start, end) no VMA holds, or end when VMAs cover it all. */
static vaddr_t as_policy_hole(const struct aspace *as, vaddr_t start, vaddr_t end)
{
	const struct vma *v = vma_find(&as->vmas, start);

	return v ? as_covered_end(v, end) : start;
}

/* Set pol on each run of VMAs without a hole inside [start, end); 0 or -ENOMEM. */
static int as_policy_runs(struct aspace *as, vaddr_t start, vaddr_t end, unsigned pol)
{
	struct as_flag_change chg = {AS_VMA_MPOL_MASK, (int)(pol << AS_VMA_MPOL_SHIFT), 0};
	const struct vma *v = vma_lower_bound(&as->vmas, start);
	vaddr_t s, e;
	int err;

	while (v && vma_start(v) < end) {
		s = vma_start(v) > start ? vma_start(v) : start;
		e = as_covered_end(v, end);
		err = as_change_flags(as, s, e, chg);
		if (err)
			return err;
		v = vma_lower_bound(&as->vmas, e);
	}
	return 0;
}

int as_set_policy(struct aspace *as, vaddr_t start, vaddr_t end, unsigned pol,
		  enum as_policy_holes holes)
{
	const struct vma *first = vma_lower_bound(&as->vmas, start);

	if (pol >= AS_POLICY_LIMIT)
		return -EINVAL;
	if (!first || vma_start(first) >= end)
		return -EFAULT; /* the whole range in a hole */
	if (holes == AS_POLICY_NO_HOLES && as_policy_hole(as, start, end) < end)
		return -EFAULT;
	return as_policy_runs(as, start, end, pol);
}

int as_policy_at(const struct aspace *as, vaddr_t addr, unsigned *pol)
{
	const struct vma *v = vma_find(&as->vmas, addr);

	if (!v)
		return -EFAULT;
	*pol = (unsigned)AS_VMA_MPOL(v->flags);
	return 0;
}
