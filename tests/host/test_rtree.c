/* Host tests of the augmented range tree (src/lib/rtree.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "lib/rtree.h"

/* Test hooks in rtree.c: nodes touched by gap searches, and update steps, so far. */
unsigned long rtree_debug_search_visits(void);
unsigned long rtree_debug_update_steps(void);

struct item {
	struct rnode node;
	bool in_tree;
};

static struct rnode *mk(struct item *it, uint64_t start, uint64_t end)
{
	memset(it, 0, sizeof(*it));
	it->node.start = start;
	it->node.end = end;
	return &it->node;
}

/* Fill out[] with the tree's ranges in order; returns how many. */
static size_t ranges(const struct rtree *t, uint64_t (*out)[2], size_t max)
{
	size_t n = 0;

	for (struct rnode *r = rtree_first(t); r; r = rtree_next(r)) {
		cr_assert_lt(n, max);
		out[n][0] = r->start;
		out[n][1] = r->end;
		n++;
	}
	return n;
}

/* The small fixture: window [0x1000, 0x100000), A, B, C. */
static struct rtree small;
static struct item sa, sb, sc;

static void small_setup(void)
{
	rtree_init(&small, 0x1000, 0x100000);
	cr_assert_eq(rtree_insert(&small, mk(&sa, 0x2000, 0x3000)), 0);
	cr_assert_eq(rtree_insert(&small, mk(&sb, 0x5000, 0x8000)), 0);
	cr_assert_eq(rtree_insert(&small, mk(&sc, 0x10000, 0x11000)), 0);
	cr_assert_eq(rtree_check(&small), 0);
}

Test(rtree, empty_tree)
{
	struct rtree t;
	uint64_t s = 0;

	rtree_init(&t, 0x1000, 0x9000);
	cr_expect_eq(rtree_check(&t), 0);
	cr_expect_null(rtree_first(&t));
	cr_expect_null(rtree_last(&t));
	cr_expect_null(rtree_find(&t, 0x1000));
	cr_expect_null(rtree_lower_bound(&t, 0));
	cr_expect_eq(rtree_gap_topdown(&t, 0x1000, 0x1000, 0, ~0ULL, &s), 0);
	cr_expect_eq(s, 0x8000);
	cr_expect_eq(rtree_gap_bottomup(&t, 0x1000, 0x1000, 0, ~0ULL, &s), 0);
	cr_expect_eq(s, 0x1000);
	cr_expect_eq(rtree_gap_bottomup(&t, 0x8001, 1, 0, ~0ULL, &s), -ENOMEM);
	cr_expect_eq(rtree_gap_topdown(&t, 0x8000, 1, 0, ~0ULL, &s), 0);
	cr_expect_eq(s, 0x1000);
	cr_expect_eq(rtree_gap_topdown(&t, 0, 1, 0, ~0ULL, &s), -ENOMEM);
}

Test(rtree, find_and_lower_bound, .init = small_setup)
{
	cr_expect_eq(small.count, 3);
	cr_expect_eq(rtree_find(&small, 0x2000), &sa.node);
	cr_expect_eq(rtree_find(&small, 0x2fff), &sa.node);
	cr_expect_null(rtree_find(&small, 0x3000));
	cr_expect_null(rtree_find(&small, 0x1fff));
	cr_expect_eq(rtree_find(&small, 0x7fff), &sb.node);
	cr_expect_eq(rtree_find(&small, 0x10000), &sc.node);
	cr_expect_null(rtree_find(&small, 0x11000));
	cr_expect_eq(rtree_lower_bound(&small, 0), &sa.node);
	cr_expect_eq(rtree_lower_bound(&small, 0x2fff), &sa.node);
	cr_expect_eq(rtree_lower_bound(&small, 0x3000), &sb.node);
	cr_expect_eq(rtree_lower_bound(&small, 0x8000), &sc.node);
	cr_expect_null(rtree_lower_bound(&small, 0x11000));
	cr_expect_eq(rtree_first(&small), &sa.node);
	cr_expect_eq(rtree_last(&small), &sc.node);
	cr_expect_eq(rtree_next(&sa.node), &sb.node);
	cr_expect_eq(rtree_prev(&sb.node), &sa.node);
	cr_expect_null(rtree_prev(&sa.node));
	cr_expect_null(rtree_next(&sc.node));
}

Test(rtree, subtree_gap_of_root, .init = small_setup)
{
	/* Gaps: 0x1000 before A, 0x2000 before B, 0x8000 before C. */
	cr_expect_eq(small.root->subtree_gap, 0x8000);
}

Test(rtree, overlap_is_eexist_and_leaves_tree_unchanged, .init = small_setup)
{
	static const uint64_t bad[][2] = {
		{0x2800, 0x3800}, {0x1000, 0x2001}, {0x4000, 0x5001},
		{0x7fff, 0x9000}, {0x2000, 0x3000}, {0x5800, 0x5900},
		{0x1000, 0x20000}, {0xffff, 0x10001},
	};
	uint64_t before[8][2], after[8][2];
	size_t n = ranges(&small, before, 8);
	struct item x;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		cr_expect_eq(rtree_insert(&small, mk(&x, bad[i][0], bad[i][1])),
			     -EEXIST, "[%lx, %lx)", (unsigned long)bad[i][0],
			     (unsigned long)bad[i][1]);
		cr_assert_eq(rtree_check(&small), 0);
		cr_assert_eq(ranges(&small, after, 8), n);
		cr_expect_eq(memcmp(before, after, n * sizeof(before[0])), 0);
	}
	cr_expect_eq(rtree_insert(&small, mk(&x, 0x800, 0x1800)), -EINVAL);
	cr_expect_eq(rtree_insert(&small, mk(&x, 0xff000, 0x100001)), -EINVAL);
	cr_expect_eq(rtree_insert(&small, mk(&x, 0x4000, 0x4000)), -EINVAL);
	cr_expect_eq(small.count, 3);
}

Test(rtree, adjacent_insert_and_remove, .init = small_setup)
{
	struct item x, y;
	uint64_t r[8][2];

	cr_assert_eq(rtree_insert(&small, mk(&x, 0x3000, 0x5000)), 0);
	cr_assert_eq(rtree_insert(&small, mk(&y, 0x1000, 0x2000)), 0);
	cr_assert_eq(rtree_check(&small), 0);
	cr_expect_eq(small.count, 5);
	cr_expect_eq(small.root->subtree_gap, 0x8000);
	cr_expect_eq(rtree_find(&small, 0x4fff), &x.node);
	rtree_remove(&small, &sc.node);
	cr_assert_eq(rtree_check(&small), 0);
	cr_expect_eq(small.root->subtree_gap, 0);
	rtree_remove(&small, &x.node);
	cr_assert_eq(rtree_check(&small), 0);
	cr_expect_eq(small.root->subtree_gap, 0x2000);
	cr_assert_eq(ranges(&small, r, 8), 3);
	cr_expect_eq(r[0][0], 0x1000);
	cr_expect_eq(r[1][0], 0x2000);
	cr_expect_eq(r[2][0], 0x5000);
	rtree_remove(&small, &y.node);
	rtree_remove(&small, &sa.node);
	rtree_remove(&small, &sb.node);
	cr_expect_eq(rtree_check(&small), 0);
	cr_expect_null(small.root);
	cr_expect_eq(small.count, 0);
}

Test(rtree, gap_search_exact, .init = small_setup)
{
	uint64_t s = 0;
	const uint64_t M = ~0ULL;

	/* Free: [0x1000,0x2000) [0x3000,0x5000) [0x8000,0x10000) [0x11000,0x100000) */
	cr_expect_eq(rtree_gap_topdown(&small, 0x1000, 0x1000, 0, M, &s), 0);
	cr_expect_eq(s, 0xff000);
	cr_expect_eq(rtree_gap_bottomup(&small, 0x1000, 0x1000, 0, M, &s), 0);
	cr_expect_eq(s, 0x1000);
	cr_expect_eq(rtree_gap_topdown(&small, 0x1000, 0x1000, 0, 0x10000, &s), 0);
	cr_expect_eq(s, 0xf000);
	cr_expect_eq(rtree_gap_bottomup(&small, 0x1800, 1, 0, M, &s), 0);
	cr_expect_eq(s, 0x3000);
	cr_expect_eq(rtree_gap_bottomup(&small, 0x1800, 0x2000, 0, M, &s), 0);
	cr_expect_eq(s, 0x8000);
	cr_expect_eq(rtree_gap_topdown(&small, 0x1800, 0x2000, 0, 0x10000, &s), 0);
	cr_expect_eq(s, 0xe000);
	cr_expect_eq(rtree_gap_topdown(&small, 0x1800, 0x2000, 0, 0x7000, &s), -ENOMEM);
	cr_expect_eq(rtree_gap_topdown(&small, 0x1800, 1, 0, 0x7000, &s), 0);
	cr_expect_eq(s, 0x3800);
	cr_expect_eq(rtree_gap_bottomup(&small, 0x1000, 1, 0x3800, M, &s), 0);
	cr_expect_eq(s, 0x3800);
	cr_expect_eq(rtree_gap_bottomup(&small, 0x1000, 0x1000, 0x3800, M, &s), 0);
	cr_expect_eq(s, 0x4000);
	cr_expect_eq(rtree_gap_topdown(&small, 0x1000, 0x1000, 0, 0x4800, &s), 0);
	cr_expect_eq(s, 0x3000);
	cr_expect_eq(rtree_gap_bottomup(&small, 0x100, 1, 0x5000, 0x8000, &s), -ENOMEM);
	cr_expect_eq(rtree_gap_topdown(&small, 0x100, 1, 0x5000, 0x8000, &s), -ENOMEM);
	cr_expect_eq(rtree_gap_topdown(&small, 0x100, 1, 0x4000, 0x8000, &s), 0);
	cr_expect_eq(s, 0x4f00);
	cr_expect_eq(rtree_gap_bottomup(&small, 0x100, 1, 0x4000, 0x9000, &s), 0);
	cr_expect_eq(s, 0x4000);
	cr_expect_eq(rtree_gap_bottomup(&small, 0xef000, 1, 0, M, &s), 0);
	cr_expect_eq(s, 0x11000);
	cr_expect_eq(rtree_gap_topdown(&small, 0xef001, 1, 0, M, &s), -ENOMEM);
	cr_expect_eq(rtree_gap_topdown(&small, 0x8000, 0x8000, 0, 0x11000, &s), 0);
	cr_expect_eq(s, 0x8000);
	/* Exact fits touching the clip edges. */
	cr_expect_eq(rtree_gap_topdown(&small, 0x8000, 1, 0, 0x10000, &s), 0);
	cr_expect_eq(s, 0x8000);
	cr_expect_eq(rtree_gap_bottomup(&small, 0x8000, 1, 0x8000, 0x10000, &s), 0);
	cr_expect_eq(s, 0x8000);
	cr_expect_eq(rtree_gap_bottomup(&small, 0x1000, 1, 0, 0x2000, &s), 0);
	cr_expect_eq(s, 0x1000);
	cr_expect_eq(rtree_gap_bottomup(&small, 0x8000, 0x10000, 0, M, &s), 0);
	cr_expect_eq(s, 0x20000);
}

Test(rtree, update_after_grow_and_shrink, .init = small_setup)
{
	uint64_t s = 0;

	sb.node.start = 0x4000;
	sb.node.end = 0x9000;
	rtree_update(&small, &sb.node);
	cr_assert_eq(rtree_check(&small), 0);
	cr_expect_eq(small.root->subtree_gap, 0x7000);
	cr_expect_eq(rtree_gap_bottomup(&small, 0x1001, 1, 0, 0x11000, &s), 0);
	cr_expect_eq(s, 0x9000);
	cr_expect_eq(rtree_find(&small, 0x8fff), &sb.node);

	sb.node.start = 0x6000;
	sb.node.end = 0x7000;
	rtree_update(&small, &sb.node);
	cr_assert_eq(rtree_check(&small), 0);
	cr_expect_eq(small.root->subtree_gap, 0x9000);
	cr_expect_eq(rtree_gap_bottomup(&small, 0x2800, 1, 0, ~0ULL, &s), 0);
	cr_expect_eq(s, 0x3000);
	cr_expect_null(rtree_find(&small, 0x5000));

	sa.node.end = 0x6000;
	rtree_update(&small, &sa.node);
	cr_assert_eq(rtree_check(&small), 0);
	cr_expect_eq(rtree_gap_bottomup(&small, 0x1001, 1, 0, 0x11000, &s), 0);
	cr_expect_eq(s, 0x7000);
}

Test(rtree, check_detects_corruption, .init = small_setup)
{
	struct rnode *r = small.root;

	r->subtree_gap++;
	cr_expect_eq(rtree_check(&small), -EINVAL);
	r->subtree_gap--;
	r->parent_red |= 1; /* a red root */
	cr_expect_eq(rtree_check(&small), -EINVAL);
	r->parent_red &= ~(uintptr_t)1;
	r->prev_end++;
	cr_expect_eq(rtree_check(&small), -EINVAL);
	r->prev_end--;
	small.count++;
	cr_expect_eq(rtree_check(&small), -EINVAL);
	small.count--;
	sb.node.end = 0x10001;
	cr_expect_eq(rtree_check(&small), -EINVAL);
	sb.node.end = 0x8000;
	cr_expect_eq(rtree_check(&small), 0);
}

Test(rtree, window_at_the_top_of_the_address_space)
{
	const uint64_t h = 0xfffffffffffff000ULL, M = ~0ULL;
	struct rtree t;
	struct item a;
	uint64_t s = 0;

	rtree_init(&t, h - 0x10000, h);
	cr_assert_eq(rtree_insert(&t, mk(&a, h - 0x8000, h - 0x4000)), 0);
	cr_expect_eq(rtree_gap_topdown(&t, 0x1000, 0x1000, 0, M, &s), 0);
	cr_expect_eq(s, h - 0x1000);
	cr_expect_eq(rtree_gap_topdown(&t, 0x4000, 1, 0, M, &s), 0);
	cr_expect_eq(s, h - 0x4000);
	cr_expect_eq(rtree_gap_bottomup(&t, 0x4000, 0x10000, 0, M, &s), 0);
	cr_expect_eq(s, h - 0xf000);
	/* Aligning up would wrap past 2^64: no fit, no wrap-around answer. */
	cr_expect_eq(rtree_gap_bottomup(&t, 0x1000, 0x100000, 0, M, &s), -ENOMEM);
	cr_expect_eq(rtree_gap_topdown(&t, 0x1000, 0x100000, 0, M, &s), -ENOMEM);
	cr_expect_eq(rtree_gap_bottomup(&t, 0x3000, 0x1000, h - 0x7000, M, &s), 0);
	cr_expect_eq(s, h - 0x4000);
	cr_expect_eq(rtree_gap_bottomup(&t, 0x4001, 1, h - 0x7000, M, &s), -ENOMEM);
	cr_expect_eq(rtree_gap_topdown(&t, 0x8001, 1, 0, M, &s), -ENOMEM);
	cr_expect_eq(rtree_gap_topdown(&t, 0x8000, 1, 0, M, &s), 0);
	cr_expect_eq(s, h - 0x10000);
}

/* ---- randomized comparison against a sorted-array model ---- */

#define RMAX 5000
#define RLO 0x1000ULL
#define RHI (RLO + (1ULL << 26))

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

struct model {
	struct item items[RMAX];
	uint32_t order[RMAX]; /* item indices sorted by start */
	size_t n;
	struct rtree t;
};

static struct model *m;

/* Position of the first model entry with end > addr. */
static size_t model_lb(uint64_t addr)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (m->items[m->order[mid]].node.end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static uint64_t mstart(size_t i)
{
	return m->items[m->order[i]].node.start;
}

static uint64_t mend(size_t i)
{
	return m->items[m->order[i]].node.end;
}

/* Model's answer to a gap search: scan every gap. */
static int model_gap(bool top, uint64_t size, uint64_t align, uint64_t lo,
		     uint64_t hi, uint64_t *out)
{
	lo = MAX(lo, RLO);
	hi = MIN(hi, RHI);
	for (size_t k = 0; k <= m->n; k++) {
		size_t i = top ? m->n - k : k;
		uint64_t a = i ? mend(i - 1) : RLO;
		uint64_t b = i < m->n ? mstart(i) : RHI;
		uint64_t s;

		a = MAX(a, lo);
		b = MIN(b, hi);
		if (b <= a || b - a < size)
			continue;
		s = top ? ALIGN_DOWN(b - size, align) : ALIGN_UP(a, align);
		if (s >= a && s + size <= b) {
			*out = s;
			return 0;
		}
	}
	return -ENOMEM;
}

/* Insert a random range into both; the tree must agree about overlaps. */
static void op_insert(void)
{
	uint64_t len = 1 + rnd_below(rnd() & 1 ? 0x40 : 0x8000);
	uint64_t start = RLO + rnd_below(RHI - RLO - len);
	size_t pos = model_lb(start), idx;
	bool overlap = pos < m->n && mstart(pos) < start + len;
	struct item tmp;

	if (overlap) {
		cr_assert_eq(rtree_insert(&m->t, mk(&tmp, start, start + len)),
			     -EEXIST);
		return;
	}
	for (idx = 0; m->items[idx].in_tree; idx++)
		;
	cr_assert_eq(rtree_insert(&m->t, mk(&m->items[idx], start, start + len)), 0);
	m->items[idx].in_tree = true;
	memmove(&m->order[pos + 1], &m->order[pos], (m->n - pos) * sizeof(uint32_t));
	m->order[pos] = idx;
	m->n++;
}

/* Remove a random node from both. */
static void op_remove(void)
{
	size_t pos = rnd_below(m->n);
	uint32_t idx = m->order[pos];

	rtree_remove(&m->t, &m->items[idx].node);
	m->items[idx].in_tree = false;
	memmove(&m->order[pos], &m->order[pos + 1], (m->n - pos - 1) * sizeof(uint32_t));
	m->n--;
}

/* Move a random node's ends within its neighbours and rtree_update it. */
static void op_update(void)
{
	size_t pos = rnd_below(m->n);
	struct rnode *r = &m->items[m->order[pos]].node;
	uint64_t a = pos ? mend(pos - 1) : RLO;
	uint64_t b = pos + 1 < m->n ? mstart(pos + 1) : RHI;

	r->start = a + rnd_below(MIN(r->end - a, 0x100));
	if (r->start >= r->end)
		r->start = r->end - 1;
	r->end = r->start + 1 + rnd_below(MIN(b - r->start, 0x8000));
	rtree_update(&m->t, r);
}

/* Compare the tree with the model: order, lookups, gap searches. */
static void compare(void)
{
	struct rnode *r = rtree_first(&m->t);

	cr_assert_eq(rtree_check(&m->t), 0);
	cr_assert_eq(m->t.count, m->n);
	for (size_t i = 0; i < m->n; i++, r = rtree_next(r))
		cr_assert_eq(r, &m->items[m->order[i]].node);
	cr_assert_null(r);
	for (int q = 0; q < 40; q++) {
		uint64_t addr = RLO + rnd_below(RHI - RLO);
		size_t pos = model_lb(addr);
		struct rnode *want = pos < m->n ? &m->items[m->order[pos]].node : NULL;
		uint64_t size = 1 + rnd_below(rnd() & 1 ? 0x100 : 0x20000);
		uint64_t align = 1ULL << rnd_below(16);
		uint64_t lo = rnd() & 1 ? 0 : RLO + rnd_below(RHI - RLO);
		uint64_t hi = rnd() & 1 ? ~0ULL : lo + rnd_below(RHI - RLO);
		uint64_t got = 0, exp = 0;
		int e1, e2;

		cr_assert_eq(rtree_lower_bound(&m->t, addr), want);
		cr_assert_eq(rtree_find(&m->t, addr),
			     want && want->start <= addr ? want : NULL);
		e1 = rtree_gap_topdown(&m->t, size, align, lo, hi, &got);
		e2 = model_gap(true, size, align, lo, hi, &exp);
		cr_assert_eq(e1, e2, "topdown size %lx align %lx [%lx,%lx)",
			     (unsigned long)size, (unsigned long)align,
			     (unsigned long)lo, (unsigned long)hi);
		if (!e1)
			cr_assert_eq(got, exp, "topdown size %lx align %lx",
				     (unsigned long)size, (unsigned long)align);
		e1 = rtree_gap_bottomup(&m->t, size, align, lo, hi, &got);
		e2 = model_gap(false, size, align, lo, hi, &exp);
		cr_assert_eq(e1, e2, "bottomup size %lx align %lx [%lx,%lx)",
			     (unsigned long)size, (unsigned long)align,
			     (unsigned long)lo, (unsigned long)hi);
		if (!e1)
			cr_assert_eq(got, exp, "bottomup size %lx align %lx",
				     (unsigned long)size, (unsigned long)align);
	}
}

/*
 * Grow towards `target` nodes, then churn, comparing after every batch;
 * trees of up to 1,000 nodes also pass rtree_check after every operation.
 */
static void random_run(uint64_t seed, size_t target, int ops)
{
	m = calloc(1, sizeof(*m));
	cr_assert_not_null(m);
	rng = seed;
	rtree_init(&m->t, RLO, RHI);
	for (int i = 0; i < ops; i++) {
		uint64_t dice = rnd_below(100);

		if (m->n < RMAX && (m->n < target ? dice < 70 : dice < 40))
			op_insert();
		else if (m->n && dice < 85)
			op_remove();
		else if (m->n)
			op_update();
		if (target <= 1000)
			cr_assert_eq(rtree_check(&m->t), 0, "after operation %d", i);
		if (getenv("RT_DEBUG") && i % 5000 == 0) fprintf(stderr, "n=%zu\n", m->n);
		if (i % 500 == 499)
			compare();
	}
	while (m->n) {
		op_remove();
		if (m->n % 256 == 0)
			compare();
	}
	compare();
	free(m);
}

Test(rtree, random_tiny_against_model)
{
	/* Few nodes: the root, two-child removals and rotations come up often. */
	random_run(0xd1b54a32d192ed03ULL, 12, 20000);
}

Test(rtree, random_small_against_model)
{
	random_run(0x9e3779b97f4a7c15ULL, 40, 20000);
}

Test(rtree, random_large_against_model, .timeout = 60)
{
	random_run(0x2545f4914f6cdd1dULL, 5000, 50000);
}

Test(rtree, random_medium_against_model)
{
	random_run(12345, 800, 30000);
}

/*
 * A gap search over 65,000 nodes must touch O(log n) nodes: pruning by
 * subtree_gap, not a scan. The only gap big enough sits at a random place.
 */
Test(rtree, gap_search_visits_log_n_nodes, .timeout = 60)
{
	enum { N = 65000, Q = 2000 };
	struct item *it = calloc(N, sizeof(*it));
	struct rtree t;
	uint64_t s = 0, worst = 0;

	cr_assert_not_null(it);
	rng = 777;
	rtree_init(&t, 0, 1ULL << 40);
	for (uint64_t i = 0; i < N; i++) {
		uint64_t base = i * 0x10000;

		cr_assert_eq(rtree_insert(&t, mk(&it[i], base + 0x1000 + rnd_below(0x100) * 0x10,
						 base + 0x10000)), 0);
	}
	cr_assert_eq(rtree_check(&t), 0);
	for (int q = 0; q < Q; q++) {
		uint64_t size = 0x100 + rnd_below(0xf00);
		uint64_t align = 1ULL << rnd_below(9);
		uint64_t lo = rnd_below((uint64_t)N * 0x10000);
		unsigned long v0 = rtree_debug_search_visits(), v;

		cr_assert_eq(rtree_gap_topdown(&t, size, align, 0, lo, &s), 0);
		cr_assert_leq(s + size, lo);
		cr_assert_eq(rtree_gap_bottomup(&t, size, align, lo, ~0ULL, &s), 0);
		cr_assert_geq(s, lo);
		v = rtree_debug_search_visits() - v0;
		worst = MAX(worst, v);
	}
	/* Height <= 2 log2(65001) ~ 32; allow a small multiple of it. */
	if (getenv("RT_DEBUG")) fprintf(stderr, "worst %lu\n", (unsigned long)worst);
	cr_expect_leq(worst, 200, "a search touched %lu nodes", (unsigned long)worst);

	/* One big gap hidden somewhere: found without a scan. */
	uint64_t victim = 1 + rnd_below(N - 2);
	rtree_remove(&t, &it[victim].node);
	unsigned long v0 = rtree_debug_search_visits();
	cr_assert_eq(rtree_gap_topdown(&t, 0x11000, 0x1000, 0, (uint64_t)N * 0x10000, &s), 0);
	cr_expect_eq(s, victim * 0x10000);
	cr_assert_eq(rtree_gap_bottomup(&t, 0x11000, 1, 0, (uint64_t)N * 0x10000, &s), 0);
	cr_expect_eq(s, victim * 0x10000);
	cr_expect_leq(rtree_debug_search_visits() - v0, 200);
	free(it);
}

/*
 * Insert, remove and update keep the gaps exact in O(log n) node visits: a
 * recompute reads only the node and its children (the height of 65,000
 * nodes is at most 2 log2(65001) ~ 32; a few paths of it per operation).
 */
Test(rtree, updates_visit_log_n_nodes, .timeout = 60)
{
	enum { N = 65000, Q = 2000 };
	struct item *it = calloc(N, sizeof(*it));
	struct item extra;
	struct rtree t;
	unsigned long worst = 0, v0;

	cr_assert_not_null(it);
	rng = 4242;
	rtree_init(&t, 0, 1ULL << 40);
	for (uint64_t i = 0; i < N; i++)
		cr_assert_eq(rtree_insert(&t, mk(&it[i], i * 0x10000 + 0x1000, i * 0x10000 + 0x8000)),
			     0);
	for (int q = 0; q < Q; q++) {
		uint64_t i = rnd_below(N);
		struct rnode *r = &it[i].node;

		v0 = rtree_debug_update_steps();
		r->end = i * 0x10000 + 0x2000 + rnd_below(0xe000);
		rtree_update(&t, r);
		worst = MAX(worst, rtree_debug_update_steps() - v0);
		v0 = rtree_debug_update_steps();
		rtree_remove(&t, r);
		worst = MAX(worst, rtree_debug_update_steps() - v0);
		v0 = rtree_debug_update_steps();
		cr_assert_eq(rtree_insert(&t, mk(&extra, i * 0x10000 + 0x1000, i * 0x10000 + 0x8000)),
			     0);
		worst = MAX(worst, rtree_debug_update_steps() - v0);
		rtree_remove(&t, &extra.node);
		cr_assert_eq(rtree_insert(&t, mk(&it[i], i * 0x10000 + 0x1000, i * 0x10000 + 0x8000)),
			     0);
	}
	cr_assert_eq(rtree_check(&t), 0);
	if (getenv("RT_DEBUG"))
		fprintf(stderr, "worst update steps %lu\n", worst);
	cr_expect_leq(worst, 4 * 32, "an operation took %lu steps", worst);
	free(it);
}
