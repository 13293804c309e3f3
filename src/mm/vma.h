/*
 * vma: the VMA set of one address space (private to src/mm: aspace.c, fault.c).
 *
 * A VMA is a half-open range [start, end) of user addresses with one set of
 * rights (PROT_*), one kind (MAP_PRIVATE or MAP_SHARED, plus MAP_GROWSDOWN
 * and MAP_NORESERVE) and its state flags (AS_VMA_*: locked, sealed, ...).
 * The pages themselves live only in the page tables. The set is an rtree
 * ordered by start, so lookup, conflict search and placement are O(log n).
 * Adjacent VMAs of equal rights, kind and flags are always merged.
 */
#ifndef MM_VMA_H
#define MM_VMA_H

#include "lib/rtree.h"
#include "mm/aspace.h"
#include "mm/pt.h"
#include "lib/types.h"

struct vma {
	struct rnode node;
	int prot;
	int flags;
};

/* The kind bits a VMA keeps from the mmap flags. */
#define VMA_KIND_MASK (MAP_PRIVATE | MAP_SHARED | MAP_GROWSDOWN | MAP_NORESERVE)

/* The state bits a VMA carries beside its kind (mm/aspace.h's AS_VMA_*). */
#define VMA_FLAG_MASK (AS_VMA_LOCK_MASK | AS_VMA_SEALED | AS_VMA_DONTCOPY | \
		       AS_VMA_WIPEONFORK | AS_VMA_DROPPABLE | AS_VMA_DONTDUMP)

static inline struct vma *vma_of(struct rnode *n)
{
	return n ? container_of(n, struct vma, node) : NULL;
}

static inline vaddr_t vma_start(const struct vma *v)
{
	return v->node.start;
}

static inline vaddr_t vma_end(const struct vma *v)
{
	return v->node.end;
}

/* A new, unlinked VMA, or NULL when out of memory. */
struct vma *vma_alloc(void);

/* Free a VMA that is not in any tree; NULL is ignored. */
void vma_free(struct vma *v);

/* The VMA containing va, or NULL. */
struct vma *vma_find(const struct rtree *t, vaddr_t va);

/* The first VMA ending after va (containing va or above it), or NULL. */
struct vma *vma_lower_bound(const struct rtree *t, vaddr_t va);

struct vma *vma_next(const struct vma *v);
struct vma *vma_prev(const struct vma *v);

/* True when [start, end) meets no VMA. */
bool vma_range_free(const struct rtree *t, vaddr_t start, vaddr_t end);

/* True when a and b touch (a below b) and have equal rights, kind and flags. */
bool vma_mergeable(const struct vma *a, const struct vma *b);

/*
 * Split v at addr (strictly inside it) using `spare`: v keeps [start, addr),
 * spare becomes [addr, end) with v's rights and is inserted. Returns spare.
 */
struct vma *vma_split(struct rtree *t, struct vma *v, vaddr_t addr, struct vma *spare);

/* Merge v with mergeable neighbours; returns the VMA that now holds v's range. */
struct vma *vma_merge(struct rtree *t, struct vma *v);

/*
 * Remove every VMA part inside [start, end), splitting a VMA that covers the
 * range strictly inside it with `spare` (which is consumed then: *spare is
 * set to NULL). Fully covered VMAs are freed.
 */
void vma_carve(struct rtree *t, vaddr_t start, vaddr_t end, struct vma **spare);

/* Number of VMAs that carving [start, end) would add (0 or 1). */
int vma_carve_growth(const struct rtree *t, vaddr_t start, vaddr_t end);

#endif
