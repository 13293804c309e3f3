/*
 * rtree: a red-black tree of disjoint half-open ranges [start, end) inside a
 * window [lo, hi), ordered by start. Each node also carries the largest free
 * gap found in its subtree (the gap before a node is node.start minus the end
 * of its predecessor, or lo for the first node), so free-range searches are
 * O(log n) as well as lookups. Each node also keeps its predecessor's end,
 * so its own gap is start - prev_end and refreshing a subtree's largest gap
 * reads only the node and its children: every update is O(log n) node
 * visits, not O(log^2 n) (each page a node sits in is a TLB miss under
 * emulation, so visits are what an operation costs). Used by the VMA set (mm/vma.c) and by the
 * kernel virtual-area allocator (mm/vmarea.c). Embed struct rnode in your
 * object and use container_of. No allocation happens inside rtree.
 */
#ifndef LIB_RTREE_H
#define LIB_RTREE_H

#include "lib/types.h"

struct rnode {
	struct rnode *left, *right;
	uintptr_t parent_red; /* the parent's address, bit 0 set when this node is red */
	uint64_t start, end;  /* [start, end) */
	uint64_t prev_end;    /* the predecessor's end (t->lo for the first node) */
	uint64_t subtree_gap; /* largest gap-before of any node in this subtree */
};

struct rtree {
	struct rnode *root;
	uint64_t lo, hi; /* the window */
	size_t count;
	uint64_t span; /* sum of end - start over the nodes (rtree_set_range keeps it) */
};

void rtree_init(struct rtree *t, uint64_t lo, uint64_t hi);

/* Insert `n` (start/end set, start < end, inside the window). -EEXIST on overlap (tree unchanged). */
int rtree_insert(struct rtree *t, struct rnode *n);

/* Remove `n`, which must be in `t`. */
void rtree_remove(struct rtree *t, struct rnode *n);

/*
 * After changing n->start and/or n->end in place (keeping it disjoint from its
 * neighbours and in the same order), recompute the gap fields. Call it for
 * each node so changed before any other call on the tree.
 */
void rtree_update(struct rtree *t, struct rnode *n);

/*
 * Give n, which is in t, the range [start, end) (disjoint from its neighbours,
 * in the same order) and keep t->span: what rtree_update does after a change
 * in place, and the one way to resize a node that keeps the span true.
 */
void rtree_set_range(struct rtree *t, struct rnode *n, uint64_t start, uint64_t end);

/* The node containing addr, or NULL. */
struct rnode *rtree_find(const struct rtree *t, uint64_t addr);

/* The first node with end > addr (the first one at or after addr), or NULL. */
struct rnode *rtree_lower_bound(const struct rtree *t, uint64_t addr);

struct rnode *rtree_first(const struct rtree *t);
struct rnode *rtree_last(const struct rtree *t);
struct rnode *rtree_next(const struct rnode *n);
struct rnode *rtree_prev(const struct rnode *n);

/*
 * Find a free range of `size` bytes aligned to `align` (power of two) lying
 * entirely inside [lo, hi) and in no node. Top-down returns the highest such
 * start, bottom-up the lowest. Returns 0 and sets *out, or -ENOMEM.
 */
int rtree_gap_topdown(const struct rtree *t, uint64_t size, uint64_t align,
		      uint64_t lo, uint64_t hi, uint64_t *out);
int rtree_gap_bottomup(const struct rtree *t, uint64_t size, uint64_t align,
		       uint64_t lo, uint64_t hi, uint64_t *out);

/* Check red-black and gap invariants; returns 0 or -EINVAL (with a kprintf of why). */
int rtree_check(const struct rtree *t);

#endif
