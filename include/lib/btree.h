/*
 * btree: a B+tree of disjoint half-open ranges [start, end) inside a window
 * [lo, hi), ordered by start, with the largest free gap of every subtree, so
 * lookups, free-range searches and updates are all O(log n) node visits.
 *
 * Why not a binary tree: under emulation every page an operation touches is
 * a software TLB miss, and a binary tree's path crosses one scattered node
 * per level. Here a node holds up to BTREE_SLOTS ranges or children (the
 * starts, the ends or gaps, and the pointers side by side), so a lookup at
 * 10,000 ranges reads 4 nodes, as Linux's maple tree does for the same
 * reason. The ranges themselves (struct brange, embedded in the caller's
 * object, found back with container_of) are also linked in order, so
 * walking to a neighbour touches only the neighbour.
 *
 * Nodes come from the allocator given to btree_init. Inserting may need new
 * nodes; they are taken from a pool that btree_reserve fills beforehand, so
 * btree_insert itself never fails for lack of memory: reserve once for each
 * range you are about to insert (as an object's allocation does), then
 * insert. Removing and resizing never allocate.
 */
#ifndef LIB_BTREE_H
#define LIB_BTREE_H

#include "lib/types.h"

#define BTREE_SLOTS 16

struct btree_node;

struct brange {
	uint64_t start, end;        /* [start, end) */
	struct brange *prev, *next; /* neighbours in address order (NULL at the ends) */
	struct btree_node *leaf;    /* the leaf holding it: removes and resizes need no search */
};

/*
 * Where a tree's nodes come from: alloc gives `size` bytes (contents unset)
 * or NULL; free takes them back.
 */
struct btree_alloc {
	void *(*alloc)(size_t size);
	void (*free)(void *node);
};

struct btree {
	struct btree_node *root;     /* NULL when empty */
	struct brange *first, *last; /* the lowest and highest range */
	uint64_t lo, hi;             /* the window */
	size_t count;
	uint64_t span;               /* sum of end - start over the ranges */
	unsigned height;             /* levels: 0 when empty, 1 for a lone leaf */
	unsigned promised;           /* inserts btree_reserve has set nodes aside for */
	unsigned pooled;             /* nodes in the pool */
	size_t held;                 /* nodes taken from the allocator and not given back */
	struct btree_node *pool;     /* spare nodes, chained through their parent link */
	const struct btree_alloc *nodes;
};

/* Start with an empty tree over the window [lo, hi) whose nodes come from `nodes`. */
void btree_init(struct btree *t, uint64_t lo, uint64_t hi, const struct btree_alloc *nodes);

/*
 * Set aside the nodes one more insert may need (a split at every level and
 * a new root), on top of those already promised (up to four inserts ahead:
 * a promise whose range is freed unused is taken by a later insert). 0, or
 * -ENOMEM with the tree and its earlier promises unchanged.
 */
int btree_reserve(struct btree *t);

/*
 * Insert r (start/end set). -EINVAL when it is empty or leaves the window,
 * -EEXIST when it overlaps a range (tree unchanged either way). Takes new
 * nodes only from the pool: a missing btree_reserve is a bug and panics.
 */
int btree_insert(struct btree *t, struct brange *r);

/* Remove r, which must be in t. */
void btree_remove(struct btree *t, struct brange *r);

/* Give r, which is in t, the range [start, end), disjoint from its neighbours. */
void btree_set_range(struct btree *t, struct brange *r, uint64_t start, uint64_t end);

/*
 * Split r, which is in t, at addr (start < addr < end): r keeps [start,
 * addr) and s, a new range, takes [addr, end) right after it. What an
 * insert is, with a reserve taken for s, but no gap changes: nothing above
 * the leaf is recomputed.
 */
void btree_split(struct btree *t, struct brange *r, uint64_t addr, struct brange *s);

/*
 * Join r's successor, which must start where r ends, into r: r takes its
 * end and the successor leaves the tree (returned, for the caller to free).
 * No gap changes either.
 */
struct brange *btree_join_next(struct btree *t, struct brange *r);

/*
 * Forget every range at once (the caller owns and frees them) and give back
 * every node, the pool's included. The tree is empty afterwards.
 */
void btree_clear(struct btree *t);

/* The range containing addr, or NULL. */
struct brange *btree_find(const struct btree *t, uint64_t addr);

/* The first range with end > addr (the one at or after addr), or NULL. */
struct brange *btree_lower_bound(const struct btree *t, uint64_t addr);

static inline struct brange *btree_first(const struct btree *t)
{
	return t->first;
}

static inline struct brange *btree_last(const struct btree *t)
{
	return t->last;
}

static inline struct brange *btree_next(const struct brange *r)
{
	return r->next;
}

static inline struct brange *btree_prev(const struct brange *r)
{
	return r->prev;
}

/*
 * Find a free range of `size` bytes aligned to `align` (power of two) lying
 * entirely inside [lo, hi) and in no range. Top-down returns the highest such
 * start, bottom-up the lowest. Returns 0 and sets *out, or -ENOMEM.
 */
int btree_gap_topdown(const struct btree *t, uint64_t size, uint64_t align,
		      uint64_t lo, uint64_t hi, uint64_t *out);
int btree_gap_bottomup(const struct btree *t, uint64_t size, uint64_t align,
		       uint64_t lo, uint64_t hi, uint64_t *out);

/*
 * Check every invariant: order, window, node fill, equal leaf depth, keys,
 * gaps, parent links, the range list, count and span. 0 or -EINVAL (with a
 * kprintf of why).
 */
int btree_check(const struct btree *t);

/* Nodes the tree holds now, pool included (tests and the memory figures). */
size_t btree_node_count(const struct btree *t);

/* Nodes read by lookups, updates and gap searches since boot (tests check O(log n)). */
unsigned long btree_debug_visits(void);

/* Node splits, merges and redistributions since boot (tests check they are rare). */
unsigned long btree_debug_reshapes(void);

#endif
