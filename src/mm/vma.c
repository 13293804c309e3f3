/* vma: the VMA set of an address space (see vma.h). */
#include "vma.h"

#include "lib/assert.h"
#include "lib/string.h"
#include "mm/heap.h"

/* The VMA trees' nodes come from the kernel heap (one size class: see lib/btree.c). */
static const struct btree_alloc vma_tree_nodes = {kmalloc, kfree};

void vma_tree_init(struct btree *t, vaddr_t lo, vaddr_t hi)
{
	btree_init(t, lo, hi, &vma_tree_nodes);
}

/* Free every VMA of t and t's nodes. */
void vma_tree_destroy(struct btree *t)
{
	struct vma *v = vma_of(btree_first(t)), *next;

	for (; v; v = next) {
		next = vma_next(v);
		vma_free(v);
	}
	btree_clear(t);
}

/* A new VMA for t, with t's nodes for its insert set aside, or NULL when out of memory. */
struct vma *vma_alloc(struct btree *t)
{
	struct vma *v = kzalloc(sizeof(struct vma));

	if (v && btree_reserve(t) != 0) {
		kfree(v);
		return NULL;
	}
	return v;
}

/* Free an unlinked VMA; NULL is ignored. Its object loses the mapping and a reference. */
void vma_free(struct vma *v)
{
	if (v && v->obj) {
		mobj_map_del(v->obj, &v->rmap);
		mobj_put(v->obj);
	}
	kfree(v);
}

/* Bring v's reverse-map entry in line with its window. */
static void vma_rmap_sync(struct vma *v)
{
	if (!v->obj)
		return;
	v->rmap.npages = (vma_end(v) - vma_start(v)) / PAGE_SIZE;
}

/*
 * Make v a window onto obj at pgoff, taking over the caller's reference (see
 * vma.h). A shared VMA that may be made writable counts as a writable shared
 * mapping of obj (Linux's i_mmap_writable: F_SEAL_WRITE is EBUSY).
 */
void vma_attach(struct vma *v, struct mobj *obj, uint64_t pgoff, void *owner, mobj_zap_fn zap)
{
	v->obj = obj;
	v->rmap.pgoff = pgoff;
	if (!obj)
		return;
	v->rmap.owner = owner;
	v->rmap.zap = zap;
	v->rmap.flags = (v->flags & (MAP_SHARED | AS_VMA_NOMAYWRITE)) == MAP_SHARED ?
				MOBJ_MAP_SHARED_WRITE : 0;
	vma_rmap_sync(v);
	mobj_map_add(obj, &v->rmap);
}

/* Give v [start, end), moving pgoff with the start (see vma.h). */
void vma_set_range(struct btree *t, struct vma *v, vaddr_t start, vaddr_t end)
{
	if (v->obj)
		v->rmap.pgoff = v->rmap.pgoff + (start - vma_start(v)) / PAGE_SIZE;
	btree_set_range(t, &v->node, start, end);
	vma_rmap_sync(v);
}

/* The VMA containing va, or NULL. */
struct vma *vma_find(const struct btree *t, vaddr_t va)
{
	return vma_of(btree_find(t, va));
}

/* The first VMA with end > va, or NULL. */
struct vma *vma_lower_bound(const struct btree *t, vaddr_t va)
{
	return vma_of(btree_lower_bound(t, va));
}

/* The VMA after v in address order, or NULL. */
struct vma *vma_next(const struct vma *v)
{
	return vma_of(btree_next(&v->node));
}

/* The VMA before v in address order, or NULL. */
struct vma *vma_prev(const struct vma *v)
{
	return vma_of(btree_prev(&v->node));
}

/* True when [start, end) meets no VMA. */
bool vma_range_free(const struct btree *t, vaddr_t start, vaddr_t end)
{
	return vma_clear_below(vma_lower_bound(t, start), end);
}

/* True when b's window continues a's: both anonymous, or one object at contiguous pages. */
bool vma_window_follows(const struct vma *a, const struct vma *b)
{
	if (a->obj != b->obj)
		return false;
	return !a->obj || a->rmap.pgoff + (vma_end(a) - vma_start(a)) / PAGE_SIZE == b->rmap.pgoff;
}

/* True when a ends where b starts, both have equal rights and kind, and b's window follows. */
bool vma_mergeable(const struct vma *a, const struct vma *b)
{
	return a && b && vma_end(a) == vma_start(b) && a->prot == b->prot &&
	       ((a->flags ^ b->flags) & ~AS_VMA_SDCLEAN) == 0 && vma_window_follows(a, b);
}

/* Split v at addr into [start, addr) (v) and [addr, end) (spare, returned). */
struct vma *vma_split(struct btree *t, struct vma *v, vaddr_t addr, struct vma *spare)
{
	vaddr_t end = vma_end(v);

	KASSERT(addr > vma_start(v) && addr < end && spare);
	btree_split(t, &v->node, addr, &spare->node);
	vma_rmap_sync(v);
	spare->prot = v->prot;
	spare->flags = v->flags;
	if (v->obj)
		mobj_get(v->obj);
	vma_attach(spare, v->obj, vma_pgoff_at(v, addr), v->rmap.owner, v->rmap.zap);
	return spare;
}

/* Absorb b (the VMA right after a) into a. */
static void vma_absorb(struct btree *t, struct vma *a, struct vma *b)
{
	a->flags &= b->flags | ~AS_VMA_SDCLEAN;
	btree_join_next(t, &a->node);
	vma_free(b);
	vma_rmap_sync(a);
}

/* Merge v with mergeable neighbours; returns the VMA now holding v's range. */
struct vma *vma_merge(struct btree *t, struct vma *v)
{
	struct vma *prev = vma_prev(v), *next;

	if (vma_mergeable(prev, v)) {
		vma_absorb(t, prev, v);
		v = prev;
	}
	next = vma_next(v);
	if (vma_mergeable(v, next))
		vma_absorb(t, v, next);
	return v;
}

void vma_merge_next(struct btree *t, struct vma *v)
{
	struct vma *next = vma_next(v);

	if (vma_mergeable(v, next))
		vma_absorb(t, v, next);
}

struct vma *vma_merge_prev(struct btree *t, struct vma *v, vaddr_t floor)
{
	struct vma *prev = vma_prev(v);

	if (!prev || vma_end(prev) <= floor || !vma_mergeable(prev, v))
		return v;
	vma_absorb(t, prev, v);
	return prev;
}

/* Number of VMAs carving [start, end) would add: 1 if one VMA strictly covers it. */
int vma_carve_growth(const struct btree *t, vaddr_t start, vaddr_t end)
{
	return vma_carve_growth_of(vma_lower_bound(t, start), start, end);
}

/* Remove every VMA part inside [start, end) (see vma.h). */
void vma_carve(struct btree *t, vaddr_t start, vaddr_t end, struct vma **spare)
{
	vma_carve_from(t, vma_lower_bound(t, start), start, end, spare);
}

/* vma_carve from v, the first VMA ending after start. */
void vma_carve_from(struct btree *t, struct vma *v, vaddr_t start, vaddr_t end,
		    struct vma **spare)
{
	struct vma *next;

	while (v && vma_start(v) < end) {
		next = vma_next(v);
		if (vma_start(v) < start && vma_end(v) > end) {
			KASSERT(*spare);
			vma_split(t, v, end, *spare);
			*spare = NULL;
			vma_set_range(t, v, vma_start(v), start);
			return;
		}
		if (vma_start(v) < start) {
			vma_set_range(t, v, vma_start(v), start);
		} else if (vma_end(v) > end) {
			vma_set_range(t, v, end, vma_end(v));
			return;
		} else {
			btree_remove(t, &v->node);
			vma_free(v);
		}
		v = next;
	}
}
