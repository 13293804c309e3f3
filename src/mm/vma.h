/*
 * vma: the VMA set of one address space (private to src/mm/aspace.c).
 *
 * A VMA is a half-open range [start, end) of user addresses with one set of
 * rights (PROT_*) and one kind (MAP_PRIVATE or MAP_SHARED, plus MAP_GROWSDOWN
 * and MAP_NORESERVE). The pages themselves live only in the page tables. The
 * set is an rtree ordered by start, so lookup, conflict search and placement
 * are O(log n). Adjacent VMAs of equal rights and kind are always merged.
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

/* True when a and b touch (a below b) and have equal rights and kind. */
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

/* ---- shared between aspace.c and fault.c ---- */

struct aspace {
	paddr_t root;       /* top-level table */
	struct rtree vmas;  /* window [AS_MMAP_MIN_ADDR, AS_TASK_SIZE) */
	vaddr_t mmap_base;  /* top of the top-down placement area */
	vaddr_t brk_start;  /* page aligned; 0 until as_brk_init */
	vaddr_t brk;        /* current break (unaligned, as Linux keeps it) */
};

/* Leaf flags for a fresh page of a VMA with rights `prot` (PROT_NONE: supervisor only). */
unsigned as_pt_flags(int prot);

/* Leaf flags for pages already present when a VMA of `kind` gets `prot` (private: no write until a fault). */
unsigned as_pt_flags_existing(int prot, int kind);

/* The first leaf meeting [va, end) (whole, not clipped); false when none. */
bool as_next_leaf(paddr_t root, vaddr_t va, vaddr_t end, struct pt_leaf *out);

/* Drop one frame reference for every 4 KiB page mapped in [start, end). */
void as_unref_range(paddr_t root, vaddr_t start, vaddr_t end);

/* Make start and end leaf boundaries; 0 or -ENOMEM with nothing changed. */
int as_split_ends(paddr_t root, vaddr_t start, vaddr_t end);

/* Undo as_split_ends. */
void as_fold_ends(paddr_t root, vaddr_t start, vaddr_t end);

/* Unmap and unreference the pages of [start, end), whose ends are leaf boundaries. */
void as_zap(paddr_t root, vaddr_t start, vaddr_t end);

/* Fault in every missing page of [start, end) (inside VMAs); 0 or -ENOMEM/-EFAULT. */
int as_populate(struct aspace *as, vaddr_t start, vaddr_t end, bool write);

#endif
