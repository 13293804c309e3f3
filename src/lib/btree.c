/*
 * btree: a B+tree of disjoint ranges with the largest free gap of every
 * subtree (see include/lib/btree.h).
 *
 * Leaves hold the ranges: key[i] and aux[i] are range i's start and end,
 * slot[i] the range. Inner nodes hold children: key[i] is the lowest start
 * in child i, aux[i] the largest gap in child i, slot[i] the child. Every
 * node but the root holds at least BT_MIN entries; all leaves are at the
 * same depth.
 *
 * The gap before range i is its start minus the end of the range before it
 * (t->lo for the first). For i = 0 that range is in the previous leaf, so a
 * leaf keeps its predecessor's end in prev_end: a leaf's largest gap is
 * computed from the leaf alone. Any change that moves the end of a leaf's
 * last range, or the range that is last, sets the next leaf's prev_end.
 * Every change recomputes the gaps from the changed leaf up, only as far up
 * as a value changes (bt_fix_gap), and the keys only while the change is at
 * a node's slot 0 (bt_fix_key). Splitting a range in two or joining two
 * that touch changes no largest gap, so btree_split and btree_join_next
 * recompute nothing above the leaf.
 */
#include "lib/btree.h"

#include "lib/assert.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/range_fit.h"
#include "lib/string.h"

/*
 * Fill bounds with room between them: a split leaves two halves of 8, a node
 * is evened out with a sibling only below 4, and a merge leaves at most 12.
 * So a node that just split or merged takes several inserts or removals
 * before it splits or merges again: a split and a merge back (an mprotect
 * and its undo) do not reshape the tree each time.
 */
#define BT_MAX BTREE_SLOTS
#define BT_MIN (BTREE_SLOTS / 4)
#define BT_MERGE_MAX (BTREE_SLOTS * 3 / 4)
#define BT_IS_LEAF 1u

struct btree_node {
	struct btree_node *parent; /* NULL for the root; in the pool, the next spare */
	uint32_t flags;            /* BT_IS_LEAF */
	uint32_t n;                /* entries in use */
	uint64_t prev_end;         /* leaf: the end of the range before slot 0 (t->lo if none) */
	uint64_t key[BT_MAX];      /* leaf: start of range i; inner: lowest start in child i */
	uint64_t aux[BT_MAX];      /* leaf: end of range i; inner: largest gap in child i */
	void *slot[BT_MAX];        /* leaf: struct brange *; inner: struct btree_node * */
};

/* One heap class (512 bytes): 7 nodes share a page. */
_Static_assert(sizeof(struct btree_node) <= 512, "btree node outgrew its heap class");

static unsigned long btree_visits, btree_reshapes;

unsigned long btree_debug_visits(void)
{
	return btree_visits;
}

unsigned long btree_debug_reshapes(void)
{
	return btree_reshapes;
}

static bool bt_leaf(const struct btree_node *x)
{
	return x->flags & BT_IS_LEAF;
}

static struct btree_node *bt_child(const struct btree_node *x, unsigned i)
{
	return x->slot[i];
}

static struct brange *bt_range(const struct btree_node *x, unsigned i)
{
	return x->slot[i];
}

void btree_init(struct btree *t, uint64_t lo, uint64_t hi, const struct btree_alloc *nodes)
{
	KASSERT(lo <= hi && nodes);
	memset(t, 0, sizeof(*t));
	t->lo = lo;
	t->hi = hi;
	t->nodes = nodes;
}

/* Nodes that `inserts` inserts may take from a tree `height` levels high. */
static size_t bt_need(unsigned height, unsigned inserts)
{
	/* insert k lands on a tree at most height + k high: a split per level and a root */
	return (size_t)inserts * (height + 1) + (size_t)inserts * (inserts - 1) / 2;
}

/* Put x in the pool. */
static void bt_pool_push(struct btree *t, struct btree_node *x)
{
	x->parent = t->pool;
	t->pool = x;
	t->pooled++;
}

/*
 * A promise made for a range that is then freed unused stays until an insert
 * takes it; the cap bounds what such promises hold (no caller has more than
 * this many inserts outstanding).
 */
#define BT_PROMISES_MAX 4u

/*
 * Keep the pool no bigger than the most any caller may promise; free the
 * rest. Keeping what was reserved (rather than one insert's worth) spares
 * an allocation and a free per node on every operation that splits twice.
 */
static void bt_pool_trim(struct btree *t)
{
	size_t keep = bt_need(t->height, BT_PROMISES_MAX);
	struct btree_node *x;

	while (t->pooled > keep) {
		x = t->pool;
		t->pool = x->parent;
		t->pooled--;
		t->held--;
		t->nodes->free(x);
	}
}

int btree_reserve(struct btree *t)
{
	unsigned promised = MIN(t->promised + 1, BT_PROMISES_MAX);
	size_t need = bt_need(t->height, promised);
	struct btree_node *x;

	while (t->pooled < need) {
		x = t->nodes->alloc(sizeof(*x));
		if (!x)
			return -ENOMEM;
		t->held++;
		bt_pool_push(t, x);
	}
	t->promised = promised;
	return 0;
}

/* An empty node from the pool (btree_reserve must have filled it); its arrays are unset. */
static struct btree_node *bt_take(struct btree *t, uint32_t flags)
{
	struct btree_node *x = t->pool;

	if (!x)
		panic("btree: insert without btree_reserve");
	t->pool = x->parent;
	t->pooled--;
	x->parent = NULL;
	x->flags = flags;
	x->n = 0;
	x->prev_end = 0;
	return x;
}

/* Give an emptied node back (to the pool while it is below its size). */
static void bt_give(struct btree *t, struct btree_node *x)
{
	bt_pool_push(t, x);
	bt_pool_trim(t);
}

/* Number of keys of x at or below addr (so slot count-1 is addr's candidate): a binary search. */
static unsigned bt_rank(const struct btree_node *x, uint64_t addr)
{
	unsigned lo = 0, hi = x->n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (x->key[mid] <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The leaf whose ranges would hold addr (the tree is not empty). */
static struct btree_node *bt_leaf_for(const struct btree *t, uint64_t addr)
{
	struct btree_node *x = t->root;
	unsigned r;

	btree_visits++;
	while (!bt_leaf(x)) {
		r = bt_rank(x, addr);
		x = bt_child(x, r ? r - 1 : 0);
		btree_visits++;
	}
	return x;
}

/* The leaf holding r and r's slot there. */
static struct btree_node *bt_leaf_of(const struct btree *t, const struct brange *r, unsigned *at)
{
	struct btree_node *x = r->leaf;
	unsigned i = bt_rank(x, r->start);

	KASSERT(i > 0 && bt_range(x, i - 1) == r);
	*at = i - 1;
	return x;
}

/* The largest gap inside x, from x alone. */
static uint64_t bt_gap(const struct btree_node *x)
{
	uint64_t g = 0, prev;
	unsigned i;

	if (!bt_leaf(x)) {
		for (i = 0; i < x->n; i++)
			g = MAX(g, x->aux[i]);
		return g;
	}
	prev = x->prev_end;
	for (i = 0; i < x->n; i++) {
		g = MAX(g, x->key[i] - prev);
		prev = x->aux[i];
	}
	return g;
}

/*
 * The slot of child x in its parent: found by x's lowest start, which the
 * parent's key repeats, else (while a key is being fixed) by a scan.
 */
static unsigned bt_index(const struct btree_node *x)
{
	const struct btree_node *p = x->parent;
	unsigned i = x->n ? bt_rank(p, x->key[0]) : 0;

	if (i && p->slot[i - 1] == x)
		return i - 1;
	for (i = 0; i < p->n; i++)
		if (p->slot[i] == x)
			return i;
	panic("btree: node %p missing from its parent", (const void *)x);
}

/*
 * Recompute the gaps from x's parent up, stopping where a value stays (no
 * store then). Above the first level a node's new largest gap follows from
 * the one child value that changed and its old largest gap (kept in its own
 * parent); only a shrinking largest value needs a scan of the node.
 */
static void bt_fix_gap(struct btree_node *x)
{
	struct btree_node *p, *gp;
	uint64_t g = bt_gap(x), old, pmax;
	unsigned i = 0, pi;

	if ((p = x->parent) != NULL)
		i = bt_index(x);
	for (; p; x = p, p = gp, i = pi) {
		btree_visits++;
		old = p->aux[i];
		if (old == g)
			return;
		p->aux[i] = g;
		if ((gp = p->parent) == NULL)
			return;
		pi = bt_index(p);
		pmax = gp->aux[pi];
		if (g < pmax) {
			if (old < pmax)
				return; /* another child holds p's largest gap */
			g = bt_gap(p);
		}
	}
}

/* After x's lowest start changed, set its parent's key (and up, while x is a first child). */
static void bt_fix_key(struct btree_node *x)
{
	struct btree_node *p;
	unsigned i;

	for (; (p = x->parent) != NULL && x->n; x = p) {
		i = bt_index(x);
		if (p->key[i] == x->key[0])
			return;
		p->key[i] = x->key[0];
		if (i)
			return;
	}
}

/* Set prev_end of the leaf whose first range is r, and the gaps above it. */
static void bt_set_prev_end(struct btree *t, const struct brange *r, uint64_t end)
{
	unsigned i;
	struct btree_node *x = bt_leaf_of(t, r, &i);

	KASSERT(i == 0);
	if (x->prev_end == end)
		return;
	x->prev_end = end;
	bt_fix_gap(x);
}

/* Copy entry `from` of x over entry `to`. */
static void bt_move(struct btree_node *x, unsigned to, unsigned from)
{
	x->key[to] = x->key[from];
	x->aux[to] = x->aux[from];
	x->slot[to] = x->slot[from];
}

/* Open slot i of x (shifting the slots above it up by one). */
static void bt_open(struct btree_node *x, unsigned i)
{
	unsigned k;

	for (k = x->n; k > i; k--)
		bt_move(x, k, k - 1);
	x->n++;
}

/* Close slot i of x (shifting the slots above it down by one). */
static void bt_close(struct btree_node *x, unsigned i)
{
	unsigned k;

	for (k = i + 1; k < x->n; k++)
		bt_move(x, k - 1, k);
	x->n--;
}

/* Append `count` entries of src from slot `from` to dst's end; children follow to dst. */
static void bt_copy_out(struct btree_node *dst, const struct btree_node *src, unsigned from,
			unsigned count)
{
	unsigned i;

	memcpy(&dst->key[dst->n], &src->key[from], count * sizeof(src->key[0]));
	memcpy(&dst->aux[dst->n], &src->aux[from], count * sizeof(src->aux[0]));
	memcpy(&dst->slot[dst->n], &src->slot[from], count * sizeof(src->slot[0]));
	for (i = 0; i < count; i++) {
		if (bt_leaf(dst))
			bt_range(dst, dst->n + i)->leaf = dst;
		else
			bt_child(dst, dst->n + i)->parent = dst;
	}
	dst->n += count;
}

/* Make x (a new root's only child) the child of a new root; the tree grows a level. */
static void bt_grow(struct btree *t, struct btree_node *x)
{
	struct btree_node *root = bt_take(t, 0);

	root->n = 1;
	root->key[0] = x->key[0];
	root->aux[0] = bt_gap(x);
	root->slot[0] = x;
	x->parent = root;
	t->root = root;
	t->height++;
}

/*
 * Split the full node x in two halves: the upper half moves to a new right
 * sibling, inserted into x's parent (split first when it is full too).
 */
static void bt_split(struct btree *t, struct btree_node *x)
{
	struct btree_node *s, *p;
	unsigned half = x->n / 2, i;

	if (!x->parent)
		bt_grow(t, x);
	if (x->parent->n == BT_MAX)
		bt_split(t, x->parent);
	p = x->parent;
	s = bt_take(t, x->flags);
	btree_reshapes++;
	bt_copy_out(s, x, half, x->n - half);
	x->n = half;
	if (bt_leaf(s))
		s->prev_end = x->aux[half - 1];
	i = bt_index(x);
	bt_open(p, i + 1);
	p->key[i + 1] = s->key[0];
	p->slot[i + 1] = s;
	s->parent = p;
	p->aux[i] = bt_gap(x);
	p->aux[i + 1] = bt_gap(s);
}

/* An empty tree's first leaf. */
static void bt_plant(struct btree *t)
{
	t->root = bt_take(t, BT_IS_LEAF);
	t->root->prev_end = t->lo;
	t->height = 1;
}

/* Link r into the range list between prev and next. */
static void bt_link(struct btree *t, struct brange *r, struct brange *prev, struct brange *next)
{
	r->prev = prev;
	r->next = next;
	if (prev)
		prev->next = r;
	else
		t->first = r;
	if (next)
		next->prev = r;
	else
		t->last = r;
}

/* The range after slot i-1 of leaf x, wherever it is (NULL at the end). */
static struct brange *bt_after(const struct btree *t, const struct btree_node *x, unsigned i)
{
	if (i < x->n)
		return bt_range(x, i);
	return i ? bt_range(x, i - 1)->next : (x->n ? bt_range(x, 0) : NULL);
}

int btree_insert(struct btree *t, struct brange *r)
{
	struct btree_node *x;
	struct brange *prev, *next;
	unsigned i;

	if (r->start >= r->end || r->start < t->lo || r->end > t->hi)
		return -EINVAL;
	if (!t->root)
		bt_plant(t);
	x = bt_leaf_for(t, r->start);
	i = bt_rank(x, r->start);
	next = bt_after(t, x, i);
	prev = next ? next->prev : t->last;
	if ((prev && prev->end > r->start) || (next && next->start < r->end))
		return -EEXIST;
	if (t->promised)
		t->promised--;
	if (x->n == BT_MAX) {
		bt_split(t, x);
		if (x->n && r->start >= x->parent->key[bt_index(x) + 1])
			x = x->parent->slot[bt_index(x) + 1];
		i = bt_rank(x, r->start);
	}
	bt_open(x, i);
	x->key[i] = r->start;
	x->aux[i] = r->end;
	x->slot[i] = r;
	r->leaf = x;
	bt_link(t, r, prev, next);
	t->count++;
	t->span += r->end - r->start;
	if (i == 0)
		bt_fix_key(x);
	bt_fix_gap(x);
	if (i == x->n - 1 && next)
		bt_set_prev_end(t, next, r->end);
	bt_pool_trim(t);
	return 0;
}

/* Move `count` entries from the front of right to the end of left (adjacent siblings). */
static void bt_shift_left(struct btree_node *left, struct btree_node *right, unsigned count)
{
	unsigned k;

	bt_copy_out(left, right, 0, count);
	for (k = count; k < right->n; k++)
		bt_move(right, k - count, k);
	right->n -= count;
}

/* Move `count` entries from the end of left to the front of right (adjacent siblings). */
static void bt_shift_right(struct btree_node *left, struct btree_node *right, unsigned count)
{
	struct btree_node tmp;

	tmp.flags = right->flags;
	tmp.n = 0;
	bt_copy_out(&tmp, left, left->n - count, count);
	bt_copy_out(&tmp, right, 0, right->n);
	left->n -= count;
	right->n = 0;
	bt_copy_out(right, &tmp, 0, tmp.n);
}

/*
 * Even out the adjacent siblings left and right (slots li and li + 1 of p)
 * after one fell below half: merge them when they fit one node, else share.
 * Returns true when right was merged away (p lost a child).
 */
static bool bt_even(struct btree *t, struct btree_node *p, unsigned li)
{
	struct btree_node *left = p->slot[li], *right = p->slot[li + 1];
	unsigned total = left->n + right->n, want = total / 2;

	btree_reshapes++;
	if (total <= BT_MERGE_MAX) {
		bt_shift_left(left, right, right->n);
		bt_close(p, li + 1);
		p->aux[li] = bt_gap(left);
		bt_give(t, right);
		return true;
	}
	if (left->n < want)
		bt_shift_left(left, right, want - left->n);
	else
		bt_shift_right(left, right, left->n - want);
	if (bt_leaf(right))
		right->prev_end = left->aux[left->n - 1];
	p->key[li + 1] = right->key[0];
	p->aux[li] = bt_gap(left);
	p->aux[li + 1] = bt_gap(right);
	return false;
}

/* Restore the fill of x and its ancestors after x lost an entry. */
static void bt_rebalance(struct btree *t, struct btree_node *x)
{
	struct btree_node *p;
	unsigned i;

	bool merged = true, evened = false;

	while (merged && (p = x->parent) != NULL && x->n < BT_MIN) {
		i = bt_index(x);
		merged = bt_even(t, p, i ? i - 1 : 0);
		evened = true;
		x = p;
	}
	if (evened)
		bt_fix_gap(x);
	x = t->root;
	if (!bt_leaf(x) && x->n == 1) {
		t->root = x->slot[0];
		t->root->parent = NULL;
		t->height--;
		bt_give(t, x);
	} else if (bt_leaf(x) && x->n == 0) {
		t->root = NULL;
		t->height = 0;
		bt_give(t, x);
	}
}

void btree_remove(struct btree *t, struct brange *r)
{
	unsigned i;
	struct btree_node *x = bt_leaf_of(t, r, &i);
	struct brange *next = r->next;

	if (r->prev)
		r->prev->next = next;
	else
		t->first = next;
	if (next)
		next->prev = r->prev;
	else
		t->last = r->prev;
	t->count--;
	t->span -= r->end - r->start;
	bt_close(x, i);
	if (i == 0)
		bt_fix_key(x);
	bt_fix_gap(x);
	if (i == x->n && next)
		bt_set_prev_end(t, next, x->n ? x->aux[x->n - 1] : x->prev_end);
	bt_rebalance(t, x);
	r->prev = r->next = NULL;
	r->leaf = NULL;
}

void btree_set_range(struct btree *t, struct brange *r, uint64_t start, uint64_t end)
{
	unsigned i;
	struct btree_node *x = bt_leaf_of(t, r, &i);

	KASSERT(start < end && start >= t->lo && end <= t->hi);
	KASSERT(!r->prev || r->prev->end <= start);
	KASSERT(!r->next || r->next->start >= end);
	t->span += (end - start) - (r->end - r->start);
	r->start = start;
	r->end = end;
	x->key[i] = start;
	x->aux[i] = end;
	if (i == 0)
		bt_fix_key(x);
	bt_fix_gap(x);
	if (i == x->n - 1 && r->next)
		bt_set_prev_end(t, r->next, end);
}

void btree_split(struct btree *t, struct brange *r, uint64_t addr, struct brange *s)
{
	unsigned i;
	struct btree_node *x = bt_leaf_of(t, r, &i);

	KASSERT(r->start < addr && addr < r->end);
	if (t->promised)
		t->promised--;
	if (x->n == BT_MAX) {
		bt_split(t, x);
		x = bt_leaf_of(t, r, &i);
	}
	s->start = addr;
	s->end = r->end;
	r->end = addr;
	x->aux[i] = addr;
	bt_open(x, i + 1);
	x->key[i + 1] = addr;
	x->aux[i + 1] = s->end;
	x->slot[i + 1] = s;
	s->leaf = x;
	bt_link(t, s, r, r->next);
	t->count++;
	bt_pool_trim(t);
}

struct brange *btree_join_next(struct btree *t, struct brange *r)
{
	struct brange *b = r->next;
	struct btree_node *x, *y;
	unsigned i, j;

	KASSERT(b && b->start == r->end);
	x = bt_leaf_of(t, r, &i);
	y = bt_leaf_of(t, b, &j);
	r->end = b->end;
	x->aux[i] = b->end;
	r->next = b->next;
	if (b->next)
		b->next->prev = r;
	else
		t->last = r;
	t->count--;
	bt_close(y, j);
	if (y != x) { /* b led its leaf: the next range now does, after r's new end */
		y->prev_end = r->end;
		bt_fix_key(y);
	}
	bt_rebalance(t, y);
	b->prev = b->next = NULL;
	b->leaf = NULL;
	return b;
}

/* Give back x's subtree's nodes. */
static void bt_free_subtree(struct btree *t, struct btree_node *x)
{
	unsigned i;

	if (!bt_leaf(x))
		for (i = 0; i < x->n; i++)
			bt_free_subtree(t, bt_child(x, i));
	t->held--;
	t->nodes->free(x);
}

void btree_clear(struct btree *t)
{
	struct btree_node *x;

	if (t->root)
		bt_free_subtree(t, t->root);
	while ((x = t->pool) != NULL) {
		t->pool = x->parent;
		t->held--;
		t->nodes->free(x);
	}
	KASSERT(t->held == 0);
	t->root = NULL;
	t->first = t->last = NULL;
	t->count = 0;
	t->span = 0;
	t->height = 0;
	t->promised = 0;
	t->pooled = 0;
}

size_t btree_node_count(const struct btree *t)
{
	return t->held;
}

struct brange *btree_find(const struct btree *t, uint64_t addr)
{
	struct btree_node *x;
	unsigned i;

	if (!t->root)
		return NULL;
	x = bt_leaf_for(t, addr);
	i = bt_rank(x, addr);
	return i && addr < x->aux[i - 1] ? bt_range(x, i - 1) : NULL;
}

struct brange *btree_lower_bound(const struct btree *t, uint64_t addr)
{
	struct btree_node *x;
	unsigned i;

	if (!t->root)
		return NULL;
	x = bt_leaf_for(t, addr);
	i = bt_rank(x, addr);
	if (i && addr < x->aux[i - 1])
		return bt_range(x, i - 1);
	return bt_after(t, x, i);
}

/*
 * Can child i of x (keys in [key[i], ub)) hold a fit? Its gaps end at its
 * starts, below ub, and begin at the end of a range at or above the start
 * before key[i]: key[i - 1], or lb (the start before x's own first key).
 */
static bool bt_child_may_fit(const struct range_query *q, const struct btree_node *x, unsigned i,
			     uint64_t lb, uint64_t ub)
{
	uint64_t below = i ? x->key[i - 1] : lb, above = i + 1 < x->n ? x->key[i + 1] : ub;

	return x->aux[i] >= q->size && above > q->lo + q->size && below <= q->hi - q->size;
}

/* Highest fit among the gaps before the ranges of x's subtree (keys in [lb's next, ub)). */
static bool bt_search_high(const struct range_query *q, const struct btree_node *x, uint64_t lb,
			   uint64_t ub, uint64_t *out)
{
	unsigned i;

	btree_visits++;
	for (i = x->n; i-- > 0;) {
		if (bt_leaf(x)) {
			if (range_fit_high(q, i ? x->aux[i - 1] : x->prev_end, x->key[i], out))
				return true;
		} else if (bt_child_may_fit(q, x, i, lb, ub) &&
			   bt_search_high(q, bt_child(x, i), i ? x->key[i - 1] : lb,
					  i + 1 < x->n ? x->key[i + 1] : ub, out)) {
			return true;
		}
	}
	return false;
}

/* Lowest fit among the gaps before the ranges of x's subtree. */
static bool bt_search_low(const struct range_query *q, const struct btree_node *x, uint64_t lb,
			  uint64_t ub, uint64_t *out)
{
	unsigned i;

	btree_visits++;
	for (i = 0; i < x->n; i++) {
		if (bt_leaf(x)) {
			if (range_fit_low(q, i ? x->aux[i - 1] : x->prev_end, x->key[i], out))
				return true;
		} else if (bt_child_may_fit(q, x, i, lb, ub) &&
			   bt_search_low(q, bt_child(x, i), i ? x->key[i - 1] : lb,
					 i + 1 < x->n ? x->key[i + 1] : ub, out)) {
			return true;
		}
	}
	return false;
}

/* The end of the last range (t->lo when empty): where the gap above every range starts. */
static uint64_t bt_tail(const struct btree *t)
{
	return t->last ? t->last->end : t->lo;
}

int btree_gap_topdown(const struct btree *t, uint64_t size, uint64_t align, uint64_t lo,
		      uint64_t hi, uint64_t *out)
{
	struct range_query q;

	if (!range_query_init(&q, size, align, lo, hi, t->lo, t->hi))
		return -ENOMEM;
	if (range_fit_high(&q, bt_tail(t), t->hi, out))
		return 0;
	return t->root && bt_search_high(&q, t->root, t->lo, t->hi, out) ? 0 : -ENOMEM;
}

int btree_gap_bottomup(const struct btree *t, uint64_t size, uint64_t align, uint64_t lo,
		       uint64_t hi, uint64_t *out)
{
	struct range_query q;

	if (!range_query_init(&q, size, align, lo, hi, t->lo, t->hi))
		return -ENOMEM;
	if (t->root && bt_search_low(&q, t->root, t->lo, t->hi, out))
		return 0;
	return range_fit_low(&q, bt_tail(t), t->hi, out) ? 0 : -ENOMEM;
}

struct bt_walk {
	const struct btree *t;
	const struct brange *prev; /* the last range visited in order */
	size_t count;
	uint64_t span;
};

/* Report an invariant violation at node x. */
static int bt_bad(const struct btree_node *x, const char *why)
{
	kprintf("btree_check: node %p (%u entries): %s\n", (const void *)x, x->n, why);
	return -EINVAL;
}

/* Check leaf x's ranges in order against the walk so far. */
static int bt_check_leaf(struct bt_walk *w, const struct btree_node *x)
{
	const struct brange *r;
	unsigned i;

	if (x->prev_end != (w->prev ? w->prev->end : w->t->lo))
		return bt_bad(x, "prev_end is not the end of the range before");
	for (i = 0; i < x->n; i++) {
		r = bt_range(x, i);
		if (x->key[i] != r->start || x->aux[i] != r->end || r->leaf != x)
			return bt_bad(x, "slot disagrees with its range");
		if (r->start >= r->end || r->start < w->t->lo || r->end > w->t->hi)
			return bt_bad(x, "empty range or outside the window");
		if (w->prev && (w->prev->end > r->start || w->prev->next != r))
			return bt_bad(x, "ranges out of order, overlapping or mislinked");
		if (r->prev != w->prev || (!w->prev && w->t->first != r))
			return bt_bad(x, "wrong prev link or first range");
		w->prev = r;
		w->count++;
		w->span += r->end - r->start;
	}
	return 0;
}

/* Check x's subtree at `depth` (root 1): fill, keys, parent links, gaps, leaf depth. */
static int bt_check_node(struct bt_walk *w, const struct btree_node *x,
			 const struct btree_node *parent, unsigned depth)
{
	unsigned i, least = parent ? BT_MIN : (bt_leaf(x) ? 1 : 2);
	int err;

	if (x->parent != parent)
		return bt_bad(x, "wrong parent link");
	if (x->n < least || x->n > BT_MAX)
		return bt_bad(x, "fill out of bounds");
	if (bt_leaf(x) != (depth == w->t->height))
		return bt_bad(x, "leaves at different depths");
	for (i = 1; i < x->n; i++)
		if (x->key[i - 1] >= x->key[i])
			return bt_bad(x, "keys not increasing");
	if (bt_leaf(x))
		return bt_check_leaf(w, x);
	for (i = 0; i < x->n; i++) {
		err = bt_check_node(w, bt_child(x, i), x, depth + 1);
		if (err)
			return err;
		if (x->key[i] != bt_child(x, i)->key[0])
			return bt_bad(x, "key is not its child's lowest start");
		if (x->aux[i] != bt_gap(bt_child(x, i)))
			return bt_bad(x, "gap is not its child's largest gap");
	}
	return 0;
}

int btree_check(const struct btree *t)
{
	struct bt_walk w = {t, NULL, 0, 0};
	int err;

	if (!t->root) {
		if (t->count || t->first || t->last || t->height || t->span)
			return kprintf("btree_check: empty tree with ranges\n"), -EINVAL;
		return 0;
	}
	err = bt_check_node(&w, t->root, NULL, 1);
	if (err)
		return err;
	if (w.prev != t->last || w.count != t->count || w.span != t->span ||
	    (t->first && t->first->prev) || (t->last && t->last->next))
		return kprintf("btree_check: list ends, count or span wrong\n"), -EINVAL;
	return 0;
}
