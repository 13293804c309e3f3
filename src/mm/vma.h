/*
 * vma: the VMA set of one address space (private to src/mm: aspace.c, fault.c).
 *
 * A VMA is a half-open range [start, end) of user addresses with one set of
 * rights (PROT_*), one kind (MAP_PRIVATE or MAP_SHARED, plus MAP_GROWSDOWN
 * and MAP_NORESERVE) and its state flags (AS_VMA_*: locked, sealed, ...).
 * The pages themselves live only in the page tables. The set is a B+tree
 * with wide nodes (lib/btree.h) ordered by start, so lookup, conflict search
 * and placement are O(log n) and read few pages.
 * Adjacent VMAs of equal rights, kind and flags, anonymous or onto one object
 * at contiguous offsets, are merged, with exceptions as in Linux: brk never
 * grows a VMA below start_brk, so the heap may begin beside an equal VMA;
 * mprotect, mlock and madvise merge only the VMAs they change, and leave
 * that boundary until a change or a new mapping meets it; fork copies the
 * VMAs one for one, so a child's neighbours that differed only in their
 * lock bits stay apart.
 */
#ifndef MM_VMA_H
#define MM_VMA_H

#include "lib/btree.h"
#include "mm/aspace.h"
#include "mm/mobj.h"
#include "mm/pt.h"
#include "lib/types.h"

/*
 * A VMA with an object (obj != NULL) is a window onto it: the page at
 * vma_start + i * PAGE_SIZE is the object's page rmap.pgoff + i (for a
 * private VMA, until a write copies it). Such a VMA is registered in the
 * object's reverse map through `rmap` (owner: the aspace; pgoff and npages
 * kept equal to the window by every split, trim and merge) and holds one
 * reference to the object. A VMA without an object is private anonymous
 * memory; its rmap means nothing.
 */
struct vma {
	struct brange node;
	int prot;
	int flags;
	struct mobj *obj;     /* NULL: anonymous */
	struct mobj_map rmap; /* rmap.pgoff: the object's page at vma_start */
};

/* One heap class: 20,000 VMAs (programs.vma_20000) must fit a 128 MiB guest. */
_Static_assert(sizeof(struct vma) <= 128, "struct vma outgrew its heap class");

/* The kind bits a VMA keeps from the mmap flags. */
#define VMA_KIND_MASK (MAP_PRIVATE | MAP_SHARED | MAP_GROWSDOWN | MAP_NORESERVE)

/* The state bits a VMA carries beside its kind (mm/aspace.h's AS_VMA_*). */
#define VMA_FLAG_MASK (AS_VMA_LOCK_MASK | AS_VMA_SEALED | AS_VMA_DONTCOPY | \
		       AS_VMA_WIPEONFORK | AS_VMA_DROPPABLE | AS_VMA_DONTDUMP | \
		       AS_VMA_NOMAYWRITE | AS_VMA_SDCLEAN | \
		       AS_VMA_HUGEPAGE | AS_VMA_NOHUGEPAGE | AS_VMA_SECRET | \
		       AS_VMA_PKEY_MASK | AS_VMA_MPOL_MASK)

static inline struct vma *vma_of(struct brange *n)
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

/* Start t, an empty VMA set over [lo, hi) whose nodes come from the kernel heap. */
void vma_tree_init(struct btree *t, vaddr_t lo, vaddr_t hi);

/* Free every VMA of t and all of t's nodes; t is empty afterwards. */
void vma_tree_destroy(struct btree *t);

/*
 * A new, unlinked VMA to be inserted into t, with the tree nodes that insert
 * may take set aside (btree_reserve), or NULL when out of memory.
 */
struct vma *vma_alloc(struct btree *t);

/*
 * Free a VMA that is not in any tree; NULL is ignored. One with an object
 * leaves the object's reverse map and drops its reference.
 */
void vma_free(struct vma *v);

/*
 * Make v (whose range is set) a window onto `obj` from page `pgoff`: v takes
 * over the caller's reference to obj and is registered in its reverse map
 * with `owner` and `zap`. obj NULL leaves v anonymous.
 */
void vma_attach(struct vma *v, struct mobj *obj, uint64_t pgoff, void *owner, mobj_zap_fn zap);

/* The object page at address va of v (inside it; meaningful when v->obj is set). */
static inline uint64_t vma_pgoff_at(const struct vma *v, vaddr_t va)
{
	return v->rmap.pgoff + (va - v->node.start) / PAGE_SIZE;
}

/*
 * Give v the range [start, end) (overlapping its old one), keeping the
 * object page at every address that stays: pgoff moves with the start.
 */
void vma_set_range(struct btree *t, struct vma *v, vaddr_t start, vaddr_t end);

/* The VMA containing va, or NULL. */
struct vma *vma_find(const struct btree *t, vaddr_t va);

/* The first VMA ending after va (containing va or above it), or NULL. */
struct vma *vma_lower_bound(const struct btree *t, vaddr_t va);

struct vma *vma_next(const struct vma *v);
struct vma *vma_prev(const struct vma *v);

/* True when [start, end) meets no VMA. */
bool vma_range_free(const struct btree *t, vaddr_t start, vaddr_t end);

/*
 * True when b follows a as a window: both anonymous, or onto the same object
 * with b's pgoff where a's window ends (Linux's rule for merging).
 */
bool vma_window_follows(const struct vma *a, const struct vma *b);

/*
 * True when a and b touch (a below b), have equal rights, kind and flags
 * (AS_VMA_SDCLEAN aside: the merged VMA is soft-dirty when one of them is,
 * as Linux merges ignoring VM_SOFTDIRTY), and b's window follows a's.
 */
bool vma_mergeable(const struct vma *a, const struct vma *b);

/*
 * Split v at addr (strictly inside it) using `spare`: v keeps [start, addr),
 * spare becomes [addr, end) with v's rights and is inserted. Returns spare.
 */
struct vma *vma_split(struct btree *t, struct vma *v, vaddr_t addr, struct vma *spare);

/* Merge v with mergeable neighbours; returns the VMA that now holds v's range. */
struct vma *vma_merge(struct btree *t, struct vma *v);

/*
 * Merge v into its previous VMA when mergeable and that one ends above
 * `floor` (Linux's brk grows only a VMA reaching into the heap: the one
 * vma_prev_limit(start_brk) finds); never with the next. Returns the VMA that
 * now holds v's range.
 */
struct vma *vma_merge_prev(struct btree *t, struct vma *v, vaddr_t floor);

/*
 * Merge the next VMA into v when mergeable, never v into its previous one
 * (Linux's vma_merge_extend for an mremap that grows v in place).
 */
void vma_merge_next(struct btree *t, struct vma *v);

/*
 * Remove every VMA part inside [start, end), splitting a VMA that covers the
 * range strictly inside it with `spare` (which is consumed then: *spare is
 * set to NULL). Fully covered VMAs are freed.
 */
void vma_carve(struct btree *t, vaddr_t start, vaddr_t end, struct vma **spare);

/* vma_carve from v, the first VMA ending after start (vma_lower_bound), or NULL. */
void vma_carve_from(struct btree *t, struct vma *v, vaddr_t start, vaddr_t end,
		    struct vma **spare);

/* Number of VMAs that carving [start, end) would add (0 or 1). */
int vma_carve_growth(const struct btree *t, vaddr_t start, vaddr_t end);

/*
 * The same from v, the first VMA ending after start (or NULL): 1 when v
 * covers [start, end) strictly inside it.
 */
static inline int vma_carve_growth_of(const struct vma *v, vaddr_t start, vaddr_t end)
{
	return v && vma_start(v) < start && vma_end(v) > end;
}

/* True when v, the first VMA ending after some start (or NULL), begins at or after end. */
static inline bool vma_clear_below(const struct vma *v, vaddr_t end)
{
	return !v || vma_start(v) >= end;
}

#endif
