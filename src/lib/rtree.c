/*
 * rtree: a red-black tree of disjoint ranges, augmented with the largest
 * free gap of each subtree (see include/lib/rtree.h).
 *
 * The gap before a node m is m->start minus the end of its in-order
 * predecessor (or t->lo), which m keeps in m->prev_end. Since that
 * predecessor may live in another subtree, any change that moves a node in
 * or out of the order, or moves its end, also changes the gap of its
 * successor: the prev_end fields are set first, then the affected paths are
 * recomputed bottom-up before any rotation runs, each only as far up as a
 * value changes (rtree_fix_up), and each rotation then recomputes the two
 * nodes whose subtrees it changes (the rotated subtree keeps its node set,
 * hence its value), so every subtree_gap is exact at all times outside
 * these functions. A recompute reads only the node and its two children,
 * and writes nothing when the value stays: above the changed nodes an
 * operation mostly reads, and each page it writes costs under emulation.
 *
 * The colour lives in bit 0 of parent_red (nodes are at least 8-byte
 * aligned), which keeps struct rnode at 56 bytes with the prev_end field.
 */
#include "lib/rtree.h"

#include "lib/assert.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/range_fit.h"

/* Nodes touched by gap searches since boot (tests check the search is O(log n)). */
static unsigned long rtree_visits;

/* Number of nodes gap searches have touched so far (test hook). */
unsigned long rtree_debug_search_visits(void)
{
	return rtree_visits;
}

/* Gap recomputes and neighbour-walk steps since boot (tests check updates are O(log n)). */
static unsigned long rtree_steps;

/* Number of recomputes and walk steps so far (test hook). */
unsigned long rtree_debug_update_steps(void)
{
	return rtree_steps;
}

/* Start with an empty tree over the window [lo, hi). */
void rtree_init(struct rtree *t, uint64_t lo, uint64_t hi)
{
	KASSERT(lo <= hi);
	t->root = NULL;
	t->lo = lo;
	t->hi = hi;
	t->count = 0;
	t->span = 0;
}

/* The parent of n, or NULL for the root. */
static struct rnode *rtree_parent(const struct rnode *n)
{
	return (struct rnode *)(n->parent_red & ~(uintptr_t)1);
}

static bool rtree_is_red(const struct rnode *n)
{
	return n && (n->parent_red & 1);
}

/* Link n under p (NULL: root), keeping its colour. */
static void rtree_set_parent(struct rnode *n, struct rnode *p)
{
	n->parent_red = (uintptr_t)p | (n->parent_red & 1);
}

/* Colour n red (`red`) or black; no store when it already is. */
static void rtree_set_red(struct rnode *n, bool red)
{
	uintptr_t v = (n->parent_red & ~(uintptr_t)1) | (red ? 1 : 0);

	if (n->parent_red != v)
		n->parent_red = v;
}

static uint64_t rtree_sg(const struct rnode *n)
{
	return n ? n->subtree_gap : 0;
}

/* Leftmost node of the subtree at n (n not NULL). */
static struct rnode *rtree_min(const struct rnode *n)
{
	while (n->left) {
		n = n->left;
		rtree_steps++;
	}
	return (struct rnode *)n;
}

/* Rightmost node of the subtree at n (n not NULL). */
static struct rnode *rtree_max(const struct rnode *n)
{
	while (n->right) {
		n = n->right;
		rtree_steps++;
	}
	return (struct rnode *)n;
}

struct rnode *rtree_first(const struct rtree *t)
{
	return t->root ? rtree_min(t->root) : NULL;
}

struct rnode *rtree_last(const struct rtree *t)
{
	return t->root ? rtree_max(t->root) : NULL;
}

/* In-order successor of n, or NULL. */
struct rnode *rtree_next(const struct rnode *n)
{
	const struct rnode *p;

	if (n->right)
		return rtree_min(n->right);
	for (p = rtree_parent(n); p && n == p->right; p = rtree_parent(p)) {
		n = p;
		rtree_steps++;
	}
	return (struct rnode *)p;
}

/* In-order predecessor of n, or NULL. */
struct rnode *rtree_prev(const struct rnode *n)
{
	const struct rnode *p;

	if (n->left)
		return rtree_max(n->left);
	for (p = rtree_parent(n); p && n == p->left; p = rtree_parent(p)) {
		n = p;
		rtree_steps++;
	}
	return (struct rnode *)p;
}

/* Set n->prev_end from p, the node before n (NULL: n is first, its gap starts at t->lo). */
static void rtree_set_prev(const struct rtree *t, struct rnode *n, const struct rnode *p)
{
	n->prev_end = p ? p->end : t->lo;
}

/* Recompute n->subtree_gap from its own gap and its children's (exact) values. */
static void rtree_recompute(struct rnode *n)
{
	uint64_t g = MAX(n->start - n->prev_end, rtree_sg(n->left));

	rtree_steps++;
	g = MAX(g, rtree_sg(n->right));
	if (n->subtree_gap != g) /* no store, no write miss, when unchanged */
		n->subtree_gap = g;
}

/*
 * Recompute from n up, stopping at the first node whose subtree_gap comes out
 * unchanged. Each node's stored subtree_gap is what its parent last read, so
 * this is correct when every node whose own data or children changed is
 * passed to its own call (in any order): a node that moved into another's
 * place first takes over that one's subtree_gap.
 */
static void rtree_fix_up(struct rnode *n)
{
	uint64_t old;

	for (; n; n = rtree_parent(n)) {
		old = n->subtree_gap;
		rtree_recompute(n);
		if (n->subtree_gap == old)
			return;
	}
}

/* Make `child` take old's place under old's parent (or as root). */
static void rtree_replace_child(struct rtree *t, struct rnode *old,
				struct rnode *child)
{
	struct rnode *p = rtree_parent(old);

	if (!p)
		t->root = child;
	else if (p->left == old)
		p->left = child;
	else
		p->right = child;
	if (child)
		rtree_set_parent(child, p);
}

/* The link to n's child on `side` (0 left, 1 right). */
static struct rnode **rtree_child(struct rnode *n, int side)
{
	return side ? &n->right : &n->left;
}

/*
 * Rotate at x so that its child on side `up` rises and x becomes that
 * child's child on the other side; keeps the gap fields exact.
 */
static void rtree_rotate(struct rtree *t, struct rnode *x, int up)
{
	struct rnode *y = *rtree_child(x, up);
	struct rnode *inner = *rtree_child(y, !up);

	*rtree_child(x, up) = inner;
	if (inner)
		rtree_set_parent(inner, x);
	rtree_replace_child(t, x, y);
	*rtree_child(y, !up) = x;
	rtree_set_parent(x, y);
	rtree_recompute(x);
	rtree_recompute(y);
}

/* The first node with end > addr, or NULL. */
struct rnode *rtree_lower_bound(const struct rtree *t, uint64_t addr)
{
	struct rnode *n = t->root, *best = NULL;

	while (n) {
		if (n->end > addr) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

/* The node whose [start, end) contains addr, or NULL. */
struct rnode *rtree_find(const struct rtree *t, uint64_t addr)
{
	struct rnode *n = rtree_lower_bound(t, addr);

	return n && n->start <= addr ? n : NULL;
}

/* Restore the red-black properties after linking the red leaf n. */
static void rtree_insert_fixup(struct rtree *t, struct rnode *n)
{
	struct rnode *p, *g, *u;
	int side;

	while ((p = rtree_parent(n)) && rtree_is_red(p)) {
		g = rtree_parent(p);
		side = p == g->right;
		u = *rtree_child(g, !side);
		if (rtree_is_red(u)) {
			rtree_set_red(p, false);
			rtree_set_red(u, false);
			rtree_set_red(g, true);
			n = g;
			continue;
		}
		if (n == *rtree_child(p, !side)) {
			rtree_rotate(t, p, !side);
			n = p;
			p = rtree_parent(n);
		}
		rtree_rotate(t, g, side);
		rtree_set_red(p, false);
		rtree_set_red(g, true);
	}
	rtree_set_red(t->root, false);
}

/*
 * Insert n ([start, end) set). Returns -EEXIST when it overlaps a node and
 * -EINVAL when it is empty or leaves the window; the tree is then unchanged.
 */
int rtree_insert(struct rtree *t, struct rnode *n)
{
	struct rnode *next = NULL, *prev = NULL, *p = NULL, **link = &t->root;

	if (n->start >= n->end || n->start < t->lo || n->end > t->hi)
		return -EINVAL;
	/* One descent: the last turns right and left are n's neighbours. */
	while (*link) {
		p = *link;
		if (n->start < p->start) {
			next = p;
			link = &p->left;
		} else {
			prev = p;
			link = &p->right;
		}
	}
	if ((prev && prev->end > n->start) || (next && next->start < n->end))
		return -EEXIST;
	n->left = n->right = NULL;
	n->parent_red = (uintptr_t)p | 1;
	*link = n;
	t->count++;
	t->span += n->end - n->start;
	rtree_set_prev(t, n, prev);
	if (next)
		rtree_set_prev(t, next, n);
	rtree_recompute(n);
	rtree_fix_up(p);
	if (next)
		rtree_fix_up(next);
	/* Rotations keep each rotated subtree's node set: nothing above changes. */
	rtree_insert_fixup(t, n);
	return 0;
}

/* Rebalance after removal left x (maybe NULL) under xp one black short. */
static void rtree_remove_fixup(struct rtree *t, struct rnode *x,
			       struct rnode *xp)
{
	struct rnode *w;
	int side;

	while (x != t->root && !rtree_is_red(x)) {
		side = x == xp->left ? 0 : 1;
		w = *rtree_child(xp, !side);
		if (rtree_is_red(w)) {
			rtree_set_red(w, false);
			rtree_set_red(xp, true);
			rtree_rotate(t, xp, !side);
			w = *rtree_child(xp, !side);
		}
		if (!rtree_is_red(w->left) && !rtree_is_red(w->right)) {
			rtree_set_red(w, true);
			x = xp;
			xp = rtree_parent(x);
			continue;
		}
		if (!rtree_is_red(*rtree_child(w, !side))) {
			rtree_set_red(*rtree_child(w, side), false);
			rtree_set_red(w, true);
			rtree_rotate(t, w, side);
			w = *rtree_child(xp, !side);
		}
		rtree_set_red(w, rtree_is_red(xp));
		rtree_set_red(xp, false);
		rtree_set_red(*rtree_child(w, !side), false);
		rtree_rotate(t, xp, !side);
		x = t->root;
	}
	if (x)
		rtree_set_red(x, false);
}

/*
 * Unlink z from the tree structure (two-child case: its successor takes its
 * place). Sets *xp to the lowest node whose subtree changed and returns
 * whether a black node left the tree's structure (a fixup is needed at
 * *x under *xp).
 */
static bool rtree_unlink(struct rtree *t, struct rnode *z, struct rnode **x,
			 struct rnode **xp)
{
	struct rnode *y;
	bool removed_red;

	if (!z->left || !z->right) {
		*x = z->left ? z->left : z->right;
		*xp = rtree_parent(z);
		removed_red = rtree_is_red(z);
		rtree_replace_child(t, z, *x);
		return !removed_red;
	}
	y = rtree_min(z->right);
	removed_red = rtree_is_red(y);
	*x = y->right;
	if (rtree_parent(y) == z) {
		*xp = y;
	} else {
		*xp = rtree_parent(y);
		rtree_replace_child(t, y, y->right);
		y->right = z->right;
		rtree_set_parent(y->right, y);
	}
	rtree_replace_child(t, z, y);
	y->left = z->left;
	rtree_set_parent(y->left, y);
	rtree_set_red(y, rtree_is_red(z));
	/* What z's parent last saw, so rtree_fix_up compares y against it. */
	y->subtree_gap = z->subtree_gap;
	return !removed_red;
}

/* Remove n, which must be in t. */
void rtree_remove(struct rtree *t, struct rnode *n)
{
	struct rnode *next = rtree_next(n), *x, *xp;
	bool fixup;

	if (next)
		next->prev_end = n->prev_end;
	fixup = rtree_unlink(t, n, &x, &xp);
	t->count--;
	t->span -= n->end - n->start;
	/* xp lost a child; next (maybe moved into n's place) has a new gap. */
	rtree_fix_up(xp);
	if (next)
		rtree_fix_up(next);
	if (fixup)
		rtree_remove_fixup(t, x, xp);
	n->left = n->right = NULL;
	n->parent_red = 0;
}

/* Refresh the gaps after n's start and/or end changed in place. */
void rtree_update(struct rtree *t, struct rnode *n)
{
	struct rnode *next = rtree_next(n);

	/* n's predecessor did not move: its prev_end stays. */
	rtree_fix_up(n);
	if (next) {
		rtree_set_prev(t, next, n);
		rtree_fix_up(next);
	}
}

void rtree_set_range(struct rtree *t, struct rnode *n, uint64_t start, uint64_t end)
{
	t->span = t->span - (n->end - n->start) + (end - start);
	n->start = start;
	n->end = end;
	rtree_update(t, n);
}

/* End of the node before n in order (or the window's low end). */
static uint64_t rtree_prev_end(const struct rnode *n)
{
	return n->prev_end;
}

/* Can a gap ending at or below `start` hold the query? */
static bool rtree_room_below(const struct range_query *q, uint64_t start)
{
	return start >= q->size && start - q->size >= q->lo;
}

/* Can a gap starting at or above `end` hold the query? */
static bool rtree_room_above(const struct range_query *q, uint64_t end)
{
	return end <= q->hi - q->size;
}

/*
 * Highest fit among the gaps before the nodes of the subtree at n. Descends
 * only into subtrees whose largest gap is big enough and that reach into
 * the window.
 */
static bool rtree_search_high(const struct range_query *q,
			      const struct rnode *n, uint64_t *out)
{
	if (!n || n->subtree_gap < q->size)
		return false;
	rtree_visits++;
	if (n->right && rtree_room_above(q, n->end) &&
	    rtree_search_high(q, n->right, out))
		return true;
	if (!rtree_room_below(q, n->start))
		return false;
	if (range_fit_high(q, rtree_prev_end(n), n->start, out))
		return true;
	return rtree_search_high(q, n->left, out);
}

/* Lowest fit among the gaps of the subtree at n (see rtree_search_high). */
static bool rtree_search_low(const struct range_query *q,
			     const struct rnode *n, uint64_t *out)
{
	if (!n || n->subtree_gap < q->size)
		return false;
	rtree_visits++;
	if (rtree_room_below(q, n->start)) {
		if (rtree_search_low(q, n->left, out))
			return true;
		if (range_fit_low(q, rtree_prev_end(n), n->start, out))
			return true;
	}
	if (!rtree_room_above(q, n->end))
		return false;
	return rtree_search_low(q, n->right, out);
}

/*
 * Highest aligned start s with [s, s+size) free and inside [lo, hi) and the
 * window. Returns 0 and *out, or -ENOMEM (also for size 0).
 */
int rtree_gap_topdown(const struct rtree *t, uint64_t size, uint64_t align,
		      uint64_t lo, uint64_t hi, uint64_t *out)
{
	struct range_query q;
	struct rnode *last = rtree_last(t);

	if (!range_query_init(&q, size, align, lo, hi, t->lo, t->hi))
		return -ENOMEM;
	if (range_fit_high(&q, last ? last->end : t->lo, t->hi, out))
		return 0;
	return rtree_search_high(&q, t->root, out) ? 0 : -ENOMEM;
}

/* Lowest such start (see rtree_gap_topdown). */
int rtree_gap_bottomup(const struct rtree *t, uint64_t size, uint64_t align,
		       uint64_t lo, uint64_t hi, uint64_t *out)
{
	struct range_query q;
	struct rnode *last;

	if (!range_query_init(&q, size, align, lo, hi, t->lo, t->hi))
		return -ENOMEM;
	if (rtree_search_low(&q, t->root, out))
		return 0;
	last = rtree_last(t);
	return range_fit_low(&q, last ? last->end : t->lo, t->hi, out) ? 0
								       : -ENOMEM;
}

struct rtree_walk {
	const struct rtree *t;
	uint64_t prev_end; /* end of the last node visited in order */
	size_t count;
};

/* Report an invariant violation at n. */
static int rtree_bad(const struct rnode *n, const char *why)
{
	kprintf("rtree_check: node [0x%llx, 0x%llx): %s\n",
		(unsigned long long)n->start, (unsigned long long)n->end, why);
	return -EINVAL;
}

/*
 * Check the subtree at n in order: links, order, window, colours, gaps.
 * Sets *black to its black height and *gap to its true largest gap.
 */
static int rtree_check_node(struct rtree_walk *w, const struct rnode *n,
			    const struct rnode *parent, int *black,
			    uint64_t *gap)
{
	int lb = 0, rb = 0, err;
	uint64_t lg = 0, rg = 0, own;

	if (!n) {
		*black = 1;
		*gap = 0;
		return 0;
	}
	if (rtree_parent(n) != parent)
		return rtree_bad(n, "wrong parent pointer");
	if (rtree_is_red(n) && rtree_is_red(parent))
		return rtree_bad(n, "red node with a red parent");
	err = rtree_check_node(w, n->left, n, &lb, &lg);
	if (err)
		return err;
	if (n->start >= n->end)
		return rtree_bad(n, "empty or inverted range");
	if (n->start < w->prev_end)
		return rtree_bad(n, "out of order or overlapping its predecessor");
	if (n->end > w->t->hi)
		return rtree_bad(n, "outside the window");
	own = n->start - w->prev_end;
	if (n->prev_end != w->prev_end)
		return rtree_bad(n, "wrong prev_end");
	w->prev_end = n->end;
	w->count++;
	err = rtree_check_node(w, n->right, n, &rb, &rg);
	if (err)
		return err;
	if (lb != rb)
		return rtree_bad(n, "unequal black heights");
	*black = lb + !rtree_is_red(n);
	*gap = MAX(own, MAX(lg, rg));
	if (n->subtree_gap != *gap)
		return rtree_bad(n, "wrong subtree_gap");
	return 0;
}

/* Check every invariant; 0, or -EINVAL after printing the first violation. */
int rtree_check(const struct rtree *t)
{
	struct rtree_walk w = {t, t->lo, 0};
	uint64_t gap;
	int black, err;

	if (rtree_is_red(t->root))
		return rtree_bad(t->root, "red root");
	err = rtree_check_node(&w, t->root, NULL, &black, &gap);
	if (err)
		return err;
	if (w.count != t->count) {
		kprintf("rtree_check: count %zu but %zu nodes\n", t->count,
			w.count);
		return -EINVAL;
	}
	return 0;
}
