/*
 * aspace_query: read-only questions about an address space, for /proc
 * (fs/procfs.c): VMAs in order, resident memory from the page tables and
 * frame reference counts, single pages, the break, table frames, the marks
 * of mlock, madvise and mseal, and 2 MiB eligibility. Nothing here changes
 * the address space. See the end of include/mm/aspace.h.
 */
#include "lib/errno.h"
#include "mm/aspace.h"
#include "mm/mobj.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "mm/thp.h"
#include "mm/zpage.h"
#include "aspace_internal.h"

void as_query_fill(const struct vma *v, struct as_vma_info *out)
{
	out->start = vma_start(v);
	out->end = vma_end(v);
	out->prot = v->prot;
	out->flags = v->flags;
	out->obj = v->obj;
	out->pgoff = v->obj ? v->rmap.pgoff : 0;
}

bool as_vma_object(const struct aspace *as, vaddr_t va, const struct mobj **obj,
		   uint64_t *pgoff)
{
	const struct vma *v = vma_find(&as->vmas, va);

	if (!v)
		return false;
	*obj = v->obj;
	*pgoff = v->obj ? v->rmap.pgoff : 0;
	return true;
}

bool as_vma_next(const struct aspace *as, vaddr_t va, struct as_vma_info *out)
{
	const struct vma *v = vma_lower_bound(&as->vmas, va);

	if (!v)
		return false;
	as_query_fill(v, out);
	return true;
}

size_t as_vmas_from(const struct aspace *as, vaddr_t va, struct as_vma_info *out, size_t max)
{
	const struct vma *v = vma_lower_bound(&as->vmas, va);
	size_t n = 0;

	for (; v && n < max; v = vma_next(v))
		as_query_fill(v, &out[n++]);
	return n;
}

/* pt_walk context of as_mem_stats: the range and the sums. */
struct as_stats_walk {
	vaddr_t start, end;
	struct as_mem_stats *st;
	const struct btree *vmas;
};

/*
 * True when the frame pa mapped at va is a page of the object the VMA there
 * is a window onto (a file's or shmem page, not a private copy of it).
 */
static bool as_obj_page(const struct btree *vmas, vaddr_t va, paddr_t pa)
{
	const struct vma *v = vma_find(vmas, va);
	paddr_t opa;

	return v && v->obj && mobj_page(v->obj, vma_pgoff_at(v, va), MOBJ_LOOKUP, &opa) == 0 &&
	       opa == pa;
}

/*
 * pt_walk callback: add the 4 KiB pages of the leaf part inside the range.
 * A page mapped once is private and counts whole in Pss; one mapped n times
 * is shared and counts (4 KiB << AS_PSS_SHIFT) / n, as Linux's smaps_account.
 * Mappings of the zero frames count nowhere (Linux's smaps_pte_entry finds
 * no normal page there; the huge zero page is not AnonHugePages either).
 */
static int as_stats_cb(void *ctx, const struct pt_leaf *leaf)
{
	struct as_stats_walk *w = ctx;
	vaddr_t s = MAX(leaf->va, w->start), e = MIN(leaf->va + leaf->size, w->end);
	paddr_t pa = leaf->pa + (s - leaf->va);

	if (zpage_is(leaf->pa))
		return 0;
	if (leaf->size >= PT_LEVEL_SIZE(1))
		w->st->huge += e - s;
	if (leaf->state & PT_STATE_YOUNG)
		w->st->referenced += e - s;
	for (; s < e; s += PAGE_SIZE, pa += PAGE_SIZE) {
		bool obj = as_obj_page(w->vmas, s, pa);
		uint32_t maps = pmm_refcount(pa) - obj; /* the object's own ref maps nothing */

		w->st->resident += PAGE_SIZE;
		if (!obj)
			w->st->anon += PAGE_SIZE;
		if (maps >= 2) {
			w->st->shared += PAGE_SIZE;
			w->st->pss += ((uint64_t)PAGE_SIZE << AS_PSS_SHIFT) / maps;
		} else {
			w->st->priv += PAGE_SIZE;
			w->st->pss += (uint64_t)PAGE_SIZE << AS_PSS_SHIFT;
		}
	}
	return 0;
}

void as_mem_stats(const struct aspace *as, vaddr_t start, vaddr_t end,
		  struct as_mem_stats *out)
{
	struct as_stats_walk w = {start, end, out, &as->vmas};

	*out = (struct as_mem_stats){0};
	if (start < end)
		pt_walk(as->root, start, end - start, as_stats_cb, &w);
}

bool as_page_query(const struct aspace *as, vaddr_t va, struct as_page_info *out)
{
	struct pt_leaf leaf;

	if (va >= AS_TASK_SIZE || !pt_query(as->root, va, &leaf))
		return false;
	out->pa = leaf.pa + (ALIGN_DOWN(va, PAGE_SIZE) - leaf.va);
	out->leaf_size = leaf.size;
	out->zero = zpage_is(out->pa);
	out->kind = !out->zero && as_obj_page(&as->vmas, va, out->pa) ? AS_PAGE_OBJ : AS_PAGE_ANON;
	out->mapcount = out->zero ? 0 : pmm_refcount(out->pa) - (out->kind == AS_PAGE_OBJ);
	out->state = leaf.state;
	return true;
}

void as_set_image(struct aspace *as, const struct as_image *img)
{
	as->image = *img;
}

void as_get_image(const struct aspace *as, struct as_image *out)
{
	*out = as->image;
}

void as_brk_range(const struct aspace *as, vaddr_t *start, vaddr_t *brk)
{
	*start = as->brk_start;
	*brk = as->brk;
}

size_t as_table_frames(const struct aspace *as)
{
	return pt_count_tables(as->root, 0, PT_USER_TOP);
}

uint64_t as_hiwater_rss_pages(const struct aspace *as)
{
	return MAX(as->hiwater_rss, as->rss);
}

uint64_t as_hiwater_vm_pages(const struct aspace *as)
{
	return MAX(as->hiwater_vm, as_total_vm(as));
}

void as_reset_hiwater_rss(struct aspace *as)
{
	as->hiwater_rss = as->rss;
}

/* The marks from the VMA's flags (AS_VMA_*: lock.c, madvise, MAP_DROPPABLE, clear_refs). */
unsigned as_vma_marks(const struct aspace *as, vaddr_t va)
{
	static const struct { int flag; unsigned mark; } map[] = {
		{AS_VMA_LOCKED, AS_MARK_LOCKED}, {AS_VMA_LOCKONFAULT, AS_MARK_LOCKONFAULT},
		{AS_VMA_DONTCOPY, AS_MARK_DONTFORK}, {AS_VMA_WIPEONFORK, AS_MARK_WIPEONFORK},
		{AS_VMA_DONTDUMP, AS_MARK_DONTDUMP}, {AS_VMA_DROPPABLE, AS_MARK_DROPPABLE},
		{AS_VMA_SEALED, AS_MARK_SEALED}, {AS_VMA_HUGEPAGE, AS_MARK_HUGEPAGE},
		{AS_VMA_NOHUGEPAGE, AS_MARK_NOHUGEPAGE},
	};
	const struct vma *v = vma_find(&as->vmas, va);
	unsigned marks = 0;

	for (size_t i = 0; v && i < ARRAY_SIZE(map); i++)
		if (v->flags & map[i].flag)
			marks |= map[i].mark;
	if (v && !(v->flags & AS_VMA_SDCLEAN))
		marks |= AS_MARK_SOFTDIRTY;
	return marks;
}

uint32_t as_vma_thp_orders(const struct vma *v)
{
	enum thp_advice advice = THP_ADVICE_NONE;
	uint32_t orders;

	if (v->obj)
		return 0;
	if (v->flags & AS_VMA_NOHUGEPAGE)
		advice = THP_ADVICE_NOHUGEPAGE;
	else if (v->flags & AS_VMA_HUGEPAGE)
		advice = THP_ADVICE_HUGEPAGE;
	orders = thp_anon_orders(advice);
	if (!pte_leaf_supported(1))
		orders &= ~(1u << thp_pmd_order());
	return orders;
}

/* True when the VMA [start, end) holds a whole aligned block of 4 KiB << order. */
static bool as_range_holds_order(vaddr_t start, vaddr_t end, unsigned order)
{
	uint64_t size = PAGE_SIZE << order;
	vaddr_t block = ALIGN_UP(start, size);

	return block >= start && block < end && end - block >= size;
}

bool as_vma_thp_eligible(const struct aspace *as, vaddr_t va)
{
	const struct vma *v = vma_find(&as->vmas, va);
	uint32_t orders = v ? as_vma_thp_orders(v) : 0;

	for (unsigned o = 0; o < 32; o++)
		if ((orders & (1u << o)) && as_range_holds_order(vma_start(v), vma_end(v), o))
			return true;
	return false;
}

/* The PT_CLEAR_* that clear_refs `what` applies to VMA v; 0 when it skips v. */
static unsigned as_clear_refs_what(const struct vma *v, enum as_clear_refs what)
{
	switch (what) {
	case AS_CLEAR_REFS_ALL:
		return PT_CLEAR_YOUNG;
	case AS_CLEAR_REFS_ANON:
		return v->obj ? 0 : PT_CLEAR_YOUNG;
	case AS_CLEAR_REFS_MAPPED:
		return v->obj ? PT_CLEAR_YOUNG : 0;
	case AS_CLEAR_REFS_SOFT_DIRTY:
		return PT_CLEAR_SOFT_DIRTY;
	}
	return 0;
}

int as_clear_refs(struct aspace *as, enum as_clear_refs what)
{
	struct vma *v;

	if (what < AS_CLEAR_REFS_ALL || what > AS_CLEAR_REFS_SOFT_DIRTY)
		return -EINVAL;
	for (v = vma_lower_bound(&as->vmas, 0); v; v = vma_next(v)) {
		unsigned clear = as_clear_refs_what(v, what);

		if (what == AS_CLEAR_REFS_SOFT_DIRTY)
			v->flags |= AS_VMA_SDCLEAN;
		if (clear)
			pt_clear_state(as->root, vma_start(v), vma_end(v) - vma_start(v), clear);
	}
	return 0;
}
