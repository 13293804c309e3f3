/*
 * limits: RLIMIT_AS, RLIMIT_DATA and RLIMIT_STACK of an address space (see
 * as_limits in include/mm/aspace.h), the rules of Linux 6.12's
 * may_expand_vm, check_data_rlimit and mmap_base. The counters Linux keeps
 * (total_vm, data_vm) are added up from the VMAs when a check needs them,
 * and only while RLIMIT_AS or RLIMIT_DATA is finite: an unlimited space
 * pays nothing, a limited one a walk over its VMAs per growth.
 */
#include "lib/errno.h"
#include "mm/aspace.h"
#include "aspace_internal.h"

#define AS_GAP_MIN MiB(128) /* Linux's SIZE_128M: the least room left for the stack */

void as_set_limits(struct aspace *as, const struct as_limits *lim)
{
	as->lim = *lim;
}

void as_get_limits(const struct aspace *as, struct as_limits *out)
{
	*out = as->lim;
}

vaddr_t as_mmap_base_for(uint64_t stack_rlimit)
{
	uint64_t gap = stack_rlimit, pad = AS_STACK_GUARD_GAP;

	if (gap + pad > gap) /* values close to RLIM_INFINITY would overflow */
		gap += pad;
	gap = MAX(gap, AS_GAP_MIN);
	gap = MIN(gap, AS_TASK_SIZE / 6 * 5);
	return ALIGN_UP(AS_TASK_SIZE - gap, PAGE_SIZE);
}

void as_pick_layout(struct aspace *as, uint64_t stack_rlimit)
{
	as->mmap_base = as_mmap_base_for(stack_rlimit);
}

void as_brk_data(struct aspace *as, uint64_t bytes)
{
	as->data_span = bytes;
}

bool as_is_data(int prot, int kind)
{
	return (prot & PROT_WRITE) && !(kind & (MAP_SHARED | MAP_GROWSDOWN));
}

void as_vm_pages(const struct aspace *as, vaddr_t start, vaddr_t end, struct as_vm_pages *out)
{
	const struct vma *v;
	uint64_t n;

	*out = (struct as_vm_pages){0, 0};
	for (v = vma_lower_bound(&as->vmas, start); v && vma_start(v) < end; v = vma_next(v)) {
		n = (MIN(vma_end(v), end) - MAX(vma_start(v), start)) / PAGE_SIZE;
		out->total += n;
		if (as_is_data(v->prot, v->flags))
			out->data += n;
	}
}

/* True when neither RLIMIT_AS nor RLIMIT_DATA can refuse anything. */
static bool as_vm_unlimited(const struct aspace *as)
{
	return as->lim.as_bytes == AS_RLIM_INFINITY && as->lim.data_bytes == AS_RLIM_INFINITY;
}

bool as_may_expand_from(const struct aspace *as, const struct as_vm_pages *now, int prot,
			int kind, uint64_t npages)
{
	const struct as_limits *l = &as->lim;

	if (now->total + npages > l->as_bytes / PAGE_SIZE)
		return false;
	if (!as_is_data(prot, kind) || now->data + npages <= l->data_bytes / PAGE_SIZE)
		return true;
	/* Linux's workaround for Valgrind: a soft limit of 0 lets data up to the hard one */
	return l->data_bytes == 0 && now->data + npages <= l->data_max_bytes / PAGE_SIZE;
}

bool as_may_expand(const struct aspace *as, int prot, int kind, uint64_t npages)
{
	struct as_vm_pages now;

	if (as_vm_unlimited(as))
		return true;
	as_vm_pages(as, 0, AS_TASK_SIZE, &now);
	return as_may_expand_from(as, &now, prot, kind, npages);
}

bool as_may_map(const struct aspace *as, vaddr_t start, vaddr_t end, int prot, int kind)
{
	struct as_vm_pages now, gone;

	if (as_vm_unlimited(as))
		return true;
	as_vm_pages(as, 0, AS_TASK_SIZE, &now);
	as_vm_pages(as, start, end, &gone);
	return as_may_expand_from(as, &now, prot, kind, (end - start) / PAGE_SIZE - gone.total);
}

bool as_may_expand_after_unmap(const struct aspace *as, int prot, int kind, uint64_t npages,
			       vaddr_t start, vaddr_t end)
{
	struct as_vm_pages now, gone;

	if (as_vm_unlimited(as) || !npages)
		return true;
	as_vm_pages(as, 0, AS_TASK_SIZE, &now);
	as_vm_pages(as, start, end, &gone);
	now.total -= gone.total;
	now.data -= gone.data;
	return as_may_expand_from(as, &now, prot, kind, npages);
}

vaddr_t as_protect_data_stop(const struct aspace *as, const struct vma *v, vaddr_t start,
			     vaddr_t end, int prot)
{
	struct as_vm_pages now;
	vaddr_t s;
	uint64_t n;

	if (as_vm_unlimited(as) || !(prot & PROT_WRITE))
		return end;
	as_vm_pages(as, 0, AS_TASK_SIZE, &now);
	for (; v && vma_start(v) < end; v = vma_next(v)) {
		if (v->prot == prot)
			continue; /* mprotect_fixup: nothing changes, nothing checked */
		s = MAX(vma_start(v), start);
		n = (MIN(vma_end(v), end) - s) / PAGE_SIZE;
		if (!as_may_expand_from(as, &now, prot, v->flags, n) &&
		    as_may_expand_from(as, &now, v->prot, v->flags, n))
			return s;
		if (as_is_data(prot, v->flags) && !as_is_data(v->prot, v->flags))
			now.data += n; /* vm_stat_account of the change, before the next VMA */
	}
	return end;
}

bool as_brk_data_ok(const struct aspace *as, vaddr_t brk)
{
	uint64_t lim = as->lim.data_bytes;

	return lim == AS_RLIM_INFINITY || (brk - as->brk_start) + as->data_span <= lim;
}
