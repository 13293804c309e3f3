/*
 * lock: mlock, munlock, mlockall, mseal and the VMA flag changes they and
 * madvise share (see include/mm/aspace.h). The state is VMA flags
 * (AS_VMA_LOCKED, AS_VMA_LOCKONFAULT, AS_VMA_SEALED, ...), split and merged
 * as Linux does; the locked page count is the sum over locked VMAs (Linux's
 * mm->locked_vm). Errnos and their order follow Linux 6.12's mm/mlock.c and
 * mm/mseal.c.
 */
#include "lib/errno.h"
#include "mm/aspace.h"
#include "aspace_internal.h"

void as_set_memlock(struct aspace *as, uint64_t limit, unsigned caps)
{
	as->lim.memlock_bytes = limit;
	as->caps = caps;
}

/* RLIMIT_MEMLOCK in pages (Linux shifts RLIM_INFINITY too: a huge number). */
static uint64_t as_lock_limit_pages(const struct aspace *as)
{
	return as->lim.memlock_bytes / PAGE_SIZE;
}

/* True when the process may lock past RLIMIT_MEMLOCK (CAP_IPC_LOCK). */
static bool as_lock_capable(const struct aspace *as)
{
	return as->caps & AS_CAP_IPC_LOCK;
}

/* Pages of every VMA (Linux's mm->total_vm). */
static uint64_t as_total_pages(const struct aspace *as)
{
	const struct vma *v;
	uint64_t n = 0;

	for (v = vma_of(btree_first(&as->vmas)); v; v = vma_next(v))
		n += (vma_end(v) - vma_start(v)) / PAGE_SIZE;
	return n;
}

bool as_can_lock(const struct aspace *as)
{
	return as->lim.memlock_bytes != 0 || as_lock_capable(as);
}

uint64_t as_locked_pages(const struct aspace *as)
{
	const struct vma *v;
	uint64_t n = 0;

	for (v = vma_of(btree_first(&as->vmas)); v; v = vma_next(v))
		if (v->flags & AS_VMA_LOCKED)
			n += (vma_end(v) - vma_start(v)) / PAGE_SIZE;
	return n;
}

bool as_lock_future_ok(const struct aspace *as, int flags, uint64_t bytes)
{
	if (!(flags & AS_VMA_LOCKED) || as_lock_capable(as))
		return true;
	return bytes / PAGE_SIZE + as_locked_pages(as) <= as_lock_limit_pages(as);
}

/* Pages of [start, end) in locked VMAs (Linux's count_mm_mlocked_page_nr). */
static uint64_t as_locked_in(const struct aspace *as, vaddr_t start, vaddr_t end)
{
	const struct vma *v;
	uint64_t n = 0;

	for (v = vma_lower_bound(&as->vmas, start); v && vma_start(v) < end; v = vma_next(v))
		if (v->flags & AS_VMA_LOCKED)
			n += (MIN(vma_end(v), end) - MAX(vma_start(v), start)) / PAGE_SIZE;
	return n;
}

vaddr_t as_sealed_from(const struct vma *v, vaddr_t start, vaddr_t end)
{
	for (; v && vma_start(v) < end; v = vma_next(v))
		if (v->flags & AS_VMA_SEALED)
			return MAX(vma_start(v), start);
	return end;
}

vaddr_t as_sealed_at(const struct aspace *as, vaddr_t start, vaddr_t end)
{
	return as_sealed_from(vma_lower_bound(&as->vmas, start), start, end);
}

/* ---------------------------------------------------------------- populate */

/* The access that populating VMA v faults pages in for (Linux's populate_vma_page_range). */
static enum as_populate_mode as_populate_mode_of(const struct vma *v)
{
	if (!(v->flags & MAP_SHARED) && (v->prot & PROT_WRITE))
		return AS_POPULATE_WRITE;
	return AS_POPULATE_READ;
}

int as_mm_populate(struct aspace *as, vaddr_t start, vaddr_t end, enum as_populate_errors errs)
{
	struct vma *v = vma_lower_bound(&as->vmas, start);
	vaddr_t s, e;
	int err;

	if (start >= end)
		return 0;
	while (v && vma_start(v) < end) {
		s = MAX(vma_start(v), start);
		e = MIN(vma_end(v), end);
		if (v->flags & AS_VMA_LOCKONFAULT)
			err = 0;
		else if (v->prot == PROT_NONE)
			err = -EFAULT;
		else
			err = as_populate(as, s, e, as_populate_mode_of(v));
		if (err && errs == AS_POPULATE_STOP)
			return err;
		/* Populating never splits or merges VMAs: v is still there. */
		v = vma_next(v);
	}
	return 0;
}

/* ---------------------------------------------------------------- flag changes */

/* The flags of v after chg. */
static int as_flags_after(const struct vma *v, struct as_flag_change chg)
{
	if (v->flags & chg.skip)
		return v->flags;
	return (v->flags & ~chg.clear) | chg.set;
}

/* The spare VMAs a flag change takes for the VMAs it splits at its two ends. */
struct as_flag_spares {
	struct vma *head; /* split at start */
	struct vma *tail; /* split at end */
};

/* True when b, right after a, has a's rights and, after the change, the flags `flags`. */
static bool as_flags_join(const struct vma *a, const struct vma *b, int flags)
{
	return a && b && vma_end(a) == vma_start(b) && a->prot == b->prot && b->flags == flags &&
	       vma_window_follows(a, b);
}

/*
 * The VMAs the change of [start, end) adds, as Linux's vma_modify counts
 * them: a split at each end of the range inside a VMA that changes, except
 * where the changed part joins its neighbour instead (vma_merge_existing_range:
 * the head part of the first VMA with the next one as it is, the tail part
 * of the last VMA with the previous one as changed).
 */
static int as_flags_growth(const struct aspace *as, vaddr_t start, vaddr_t end,
			   struct as_flag_change chg)
{
	const struct vma *first = vma_find(&as->vmas, start);
	const struct vma *last = vma_find(&as->vmas, end - 1);
	const struct vma *prev = vma_prev(last);
	int nf_first = as_flags_after(first, chg), nf_last = as_flags_after(last, chg);
	int prev_flags = 0, growth = 0;

	if (prev) /* as Linux sees it when it reaches last: changed when inside the range */
		prev_flags = vma_end(prev) > start ? as_flags_after(prev, chg) : prev->flags;
	if (nf_first != first->flags && start > vma_start(first) &&
	    !(end >= vma_end(first) && as_flags_join(first, vma_next(first), nf_first)))
		growth++;
	if (nf_last != last->flags && end < vma_end(last) &&
	    !(start <= vma_start(last) && prev && vma_end(prev) == vma_start(last) &&
	      prev->prot == last->prot && prev_flags == nf_last && vma_window_follows(prev, last)))
		growth++;
	return growth;
}

/* Take a spare for each end of the covered range where chg splits a VMA; 0 or -ENOMEM. */
static int as_flags_take(struct aspace *as, vaddr_t start, vaddr_t end,
			 struct as_flag_change chg, struct as_flag_spares *sp)
{
	const struct vma *first = vma_find(&as->vmas, start);
	const struct vma *last = vma_find(&as->vmas, end - 1);
	bool head = as_flags_after(first, chg) != first->flags && start > vma_start(first);
	bool tail = as_flags_after(last, chg) != last->flags && end < vma_end(last);
	int growth = as_flags_growth(as, start, end, chg);

	if (growth && !as_map_count_room(as, growth)) /* merges need no room, even past the limit */
		return -ENOMEM;
	if ((head && !(sp->head = vma_alloc(&as->vmas))) ||
	    (tail && !(sp->tail = vma_alloc(&as->vmas)))) {
		vma_free(sp->head);
		return -ENOMEM;
	}
	return 0;
}

int as_change_flags(struct aspace *as, vaddr_t start, vaddr_t end, struct as_flag_change chg)
{
	struct as_flag_spares sp = {NULL, NULL};
	struct vma *v;
	int nf;

	if (as_flags_take(as, start, end, chg, &sp) != 0)
		return -ENOMEM;
	v = vma_find(&as->vmas, start);
	if (sp.head)
		v = vma_split(&as->vmas, v, start, sp.head);
	for (; v && vma_start(v) < end; v = vma_next(v)) {
		nf = as_flags_after(v, chg);
		if (nf == v->flags)
			continue;
		if (vma_end(v) > end)
			vma_split(&as->vmas, v, end, sp.tail);
		v->flags = nf;
		v = vma_merge(&as->vmas, v);
	}
	return 0;
}

/* ---------------------------------------------------------------- mlock */

/*
 * Linux's apply_vma_lock_flags: set the lock bits `lock` (0 unlocks) on the
 * VMAs of [start, end); droppable VMAs stay unlocked (vma_supports_mlock).
 * The VMAs before a hole keep the change. Returns 0, -EINVAL (wraps) or
 * -ENOMEM (start unmapped, a hole, no room or memory to split).
 */
static int as_apply_lock(struct aspace *as, vaddr_t start, vaddr_t end, int lock)
{
	struct as_flag_change chg = {AS_VMA_LOCK_MASK, lock, AS_VMA_DROPPABLE | AS_VMA_SECRET};
	const struct vma *v;
	vaddr_t cover;
	int err;

	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	v = vma_find(&as->vmas, start);
	if (!v)
		return -ENOMEM;
	cover = as_covered_end(v, end);
	err = as_change_flags(as, start, cover, chg);
	if (err)
		return err;
	return cover < end ? -ENOMEM : 0;
}

/* Linux's do_mlock after the flag check: the limit, the lock, then populate. */
static int as_do_mlock(struct aspace *as, vaddr_t start, uint64_t len, int lock)
{
	uint64_t locked, limit = as_lock_limit_pages(as);
	vaddr_t end;
	int err;

	if (!as_can_lock(as))
		return -EPERM;
	len = ALIGN_UP(len + (start & (PAGE_SIZE - 1)), PAGE_SIZE);
	start = ALIGN_DOWN(start, PAGE_SIZE);
	end = start + len < start ? ~(vaddr_t)0 : start + len; /* count_mm_mlocked_page_nr clamps */
	locked = len / PAGE_SIZE + as_locked_pages(as);
	if (locked > limit && !as_lock_capable(as))
		locked -= as_locked_in(as, start, end);
	if (locked > limit && !as_lock_capable(as))
		return -ENOMEM;
	err = as_apply_lock(as, start, start + len, lock);
	if (err)
		return err;
	err = as_mm_populate(as, start, start + len, AS_POPULATE_STOP);
	if (err == -EFAULT)
		return -ENOMEM;
	return err == -ENOMEM ? -EAGAIN : err;
}

int as_mlock(struct aspace *as, vaddr_t start, uint64_t len, int flags)
{
	if (flags & ~MLOCK_ONFAULT)
		return -EINVAL;
	return as_do_mlock(as, start, len,
			   AS_VMA_LOCKED | ((flags & MLOCK_ONFAULT) ? AS_VMA_LOCKONFAULT : 0));
}

int as_munlock(struct aspace *as, vaddr_t start, uint64_t len)
{
	len = ALIGN_UP(len + (start & (PAGE_SIZE - 1)), PAGE_SIZE);
	start = ALIGN_DOWN(start, PAGE_SIZE);
	return as_apply_lock(as, start, start + len, 0);
}

/*
 * Linux's apply_mlockall_flags: MCL_FUTURE sets the default lock bits of new
 * mappings; MCL_CURRENT (or 0, to unlock) rewrites every VMA's lock bits.
 * Whole VMAs change, so nothing splits and nothing can fail.
 */
static void as_apply_lockall(struct aspace *as, int flags)
{
	int onfault = (flags & MCL_ONFAULT) ? AS_VMA_LOCKONFAULT : 0;
	struct as_flag_change chg = {AS_VMA_LOCK_MASK, 0, AS_VMA_DROPPABLE | AS_VMA_SECRET};
	struct vma *v;

	as->def_flags = 0;
	if (flags & MCL_FUTURE) {
		as->def_flags = AS_VMA_LOCKED | onfault;
		if (!(flags & MCL_CURRENT))
			return;
	}
	if (flags & MCL_CURRENT)
		chg.set = AS_VMA_LOCKED | onfault;
	for (v = vma_of(btree_first(&as->vmas)); v; v = vma_next(v)) {
		int nf = as_flags_after(v, chg);

		if (nf == v->flags)
			continue;
		v->flags = nf;
		v = vma_merge(&as->vmas, v);
	}
}

int as_mlockall(struct aspace *as, int flags)
{
	if (!flags || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || flags == MCL_ONFAULT)
		return -EINVAL;
	if (!as_can_lock(as))
		return -EPERM;
	if ((flags & MCL_CURRENT) && !as_lock_capable(as) &&
	    as_total_pages(as) > as_lock_limit_pages(as))
		return -ENOMEM;
	as_apply_lockall(as, flags);
	if (flags & MCL_CURRENT)
		as_mm_populate(as, 0, AS_TASK_SIZE, AS_POPULATE_IGNORE);
	return 0;
}

int as_munlockall(struct aspace *as)
{
	as_apply_lockall(as, 0);
	return 0;
}

/* ---------------------------------------------------------------- mseal */

/* Linux's check_mm_seal: 0 when VMAs cover [start, end) without a hole, else -ENOMEM. */
static int as_seal_check(const struct aspace *as, vaddr_t start, vaddr_t end)
{
	const struct vma *v = vma_find(&as->vmas, start);

	if (!v || as_covered_end(v, end) < end)
		return -ENOMEM;
	return 0;
}

int as_mseal(struct aspace *as, vaddr_t start, uint64_t len, uint64_t flags)
{
	struct as_flag_change chg = {0, AS_VMA_SEALED, 0};
	uint64_t alen = ALIGN_UP(len, PAGE_SIZE);
	vaddr_t end = start + alen;
	int err;

	if (flags)
		return -EINVAL;
	if (!IS_ALIGNED(start, PAGE_SIZE) || (len && !alen) || end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	err = as_seal_check(as, start, end);
	return err ? err : as_change_flags(as, start, end, chg);
}
