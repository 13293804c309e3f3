/* vma: the VMA set of an address space (see vma.h). */
#include "vma.h"

#include "lib/assert.h"
#include "lib/string.h"
#include "mm/heap.h"

/* A new, unlinked VMA, or NULL when out of memory. */
struct vma *vma_alloc(void)
{
	return kzalloc(sizeof(struct vma));
}

/* Free an unlinked VMA; NULL is ignored. */
void vma_free(struct vma *v)
{
	kfree(v);
}

/* The VMA containing va, or NULL. */
struct vma *vma_find(const struct rtree *t, vaddr_t va)
{
	return vma_of(rtree_find(t, va));
}

/* The first VMA with end > va, or NULL. */
struct vma *vma_lower_bound(const struct rtree *t, vaddr_t va)
{
	return vma_of(rtree_lower_bound(t, va));
}

/* The VMA after v in address order, or NULL. */
struct vma *vma_next(const struct vma *v)
{
	return vma_of(rtree_next(&v->node));
}

/* The VMA before v in address order, or NULL. */
struct vma *vma_prev(const struct vma *v)
{
	return vma_of(rtree_prev(&v->node));
}

/* True when [start, end) meets no VMA. */
bool vma_range_free(const struct rtree *t, vaddr_t start, vaddr_t end)
{
	struct vma *v = vma_lower_bound(t, start);

	return !v || vma_start(v) >= end;
}

/* True when a ends where b starts and both have equal rights and kind. */
bool vma_mergeable(const struct vma *a, const struct vma *b)
{
	return a && b && vma_end(a) == vma_start(b) && a->prot == b->prot &&
	       a->flags == b->flags;
}

/* Split v at addr into [start, addr) (v) and [addr, end) (spare, returned). */
struct vma *vma_split(struct rtree *t, struct vma *v, vaddr_t addr, struct vma *spare)
{
	vaddr_t end = vma_end(v);

	KASSERT(addr > vma_start(v) && addr < end && spare);
	v->node.end = addr;
	rtree_update(t, &v->node);
	spare->node.start = addr;
	spare->node.end = end;
	spare->prot = v->prot;
	spare->flags = v->flags;
	if (rtree_insert(t, &spare->node) != 0)
		panic("vma_split: overlap at %#llx", (unsigned long long)addr);
	return spare;
}

/* Absorb b (the VMA right after a) into a. */
static void vma_absorb(struct rtree *t, struct vma *a, struct vma *b)
{
	vaddr_t end = vma_end(b);

	rtree_remove(t, &b->node);
	vma_free(b);
	a->node.end = end;
	rtree_update(t, &a->node);
}

/* Merge v with mergeable neighbours; returns the VMA now holding v's range. */
struct vma *vma_merge(struct rtree *t, struct vma *v)
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

/* Number of VMAs carving [start, end) would add: 1 if one VMA strictly covers it. */
int vma_carve_growth(const struct rtree *t, vaddr_t start, vaddr_t end)
{
	struct vma *v = vma_find(t, start);

	return v && vma_start(v) < start && vma_end(v) > end;
}

/* Remove every VMA part inside [start, end) (see vma.h). */
void vma_carve(struct rtree *t, vaddr_t start, vaddr_t end, struct vma **spare)
{
	struct vma *v = vma_lower_bound(t, start), *next;

	while (v && vma_start(v) < end) {
		next = vma_next(v);
		if (vma_start(v) < start && vma_end(v) > end) {
			KASSERT(*spare);
			vma_split(t, v, end, *spare);
			*spare = NULL;
			v->node.end = start;
			rtree_update(t, &v->node);
			return;
		}
		if (vma_start(v) < start) {
			v->node.end = start;
			rtree_update(t, &v->node);
		} else if (vma_end(v) > end) {
			v->node.start = end;
			rtree_update(t, &v->node);
			return;
		} else {
			rtree_remove(t, &v->node);
			vma_free(v);
		}
		v = next;
	}
}
