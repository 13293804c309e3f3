/* Host tests of the wide-node range tree (src/lib/btree.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/btree.h"
#include "lib/errno.h"

/* ---- a node allocator that counts and can be told to fail ---- */

static long nodes_live;   /* allocated and not freed */
static long nodes_budget; /* allocations left before failing; < 0: never fail */

static void *test_alloc(size_t size)
{
	if (nodes_budget == 0)
		return NULL;
	if (nodes_budget > 0)
		nodes_budget--;
	nodes_live++;
	return calloc(1, size);
}

static void test_free(void *p)
{
	nodes_live--;
	free(p);
}

static const struct btree_alloc test_nodes = {test_alloc, test_free};

static void tree_init(struct btree *t, uint64_t lo, uint64_t hi)
{
	nodes_live = 0;
	nodes_budget = -1;
	btree_init(t, lo, hi, &test_nodes);
}

static struct brange *mk(struct brange *r, uint64_t start, uint64_t end)
{
	memset(r, 0, sizeof(*r));
	r->start = start;
	r->end = end;
	return r;
}

/* Reserve, then insert (what every caller does). */
static int put(struct btree *t, struct brange *r)
{
	cr_assert_eq(btree_reserve(t), 0);
	return btree_insert(t, r);
}

/* Fill out[] with the tree's ranges in order; returns how many. */
static size_t ranges(const struct btree *t, uint64_t (*out)[2], size_t max)
{
	size_t n = 0;

	for (struct brange *r = btree_first(t); r; r = btree_next(r)) {
		cr_assert_lt(n, max);
		out[n][0] = r->start;
		out[n][1] = r->end;
		n++;
	}
	return n;
}

/* The small fixture: window [0x1000, 0x100000), A, B, C. */
static struct btree small;
static struct brange sa, sb, sc;

static void small_setup(void)
{
	tree_init(&small, 0x1000, 0x100000);
	cr_assert_eq(put(&small, mk(&sa, 0x2000, 0x3000)), 0);
	cr_assert_eq(put(&small, mk(&sb, 0x5000, 0x8000)), 0);
	cr_assert_eq(put(&small, mk(&sc, 0x10000, 0x11000)), 0);
	cr_assert_eq(btree_check(&small), 0);
}

Test(btree, empty_tree)
{
	struct btree t;
	uint64_t s = 0;

	tree_init(&t, 0x1000, 0x9000);
	cr_expect_eq(btree_check(&t), 0);
	cr_expect_null(btree_first(&t));
	cr_expect_null(btree_last(&t));
	cr_expect_null(btree_find(&t, 0x1000));
	cr_expect_null(btree_lower_bound(&t, 0));
	cr_expect_eq(btree_gap_topdown(&t, 0x1000, 0x1000, 0, ~0ULL, &s), 0);
	cr_expect_eq(s, 0x8000);
	cr_expect_eq(btree_gap_bottomup(&t, 0x1000, 0x1000, 0, ~0ULL, &s), 0);
	cr_expect_eq(s, 0x1000);
	cr_expect_eq(btree_gap_bottomup(&t, 0x8001, 1, 0, ~0ULL, &s), -ENOMEM);
	cr_expect_eq(btree_gap_topdown(&t, 0x8000, 1, 0, ~0ULL, &s), 0);
	cr_expect_eq(s, 0x1000);
	cr_expect_eq(btree_gap_topdown(&t, 0, 1, 0, ~0ULL, &s), -ENOMEM);
	cr_expect_eq(nodes_live, 0);
}

Test(btree, find_and_lower_bound, .init = small_setup)
{
	cr_expect_eq(small.count, 3);
	cr_expect_eq(small.span, 0x5000);
	cr_expect_eq(btree_find(&small, 0x2000), &sa);
	cr_expect_eq(btree_find(&small, 0x2fff), &sa);
	cr_expect_null(btree_find(&small, 0x3000));
	cr_expect_null(btree_find(&small, 0x1fff));
	cr_expect_eq(btree_find(&small, 0x7fff), &sb);
	cr_expect_eq(btree_find(&small, 0x10000), &sc);
	cr_expect_null(btree_find(&small, 0x11000));
	cr_expect_eq(btree_lower_bound(&small, 0), &sa);
	cr_expect_eq(btree_lower_bound(&small, 0x2fff), &sa);
	cr_expect_eq(btree_lower_bound(&small, 0x3000), &sb);
	cr_expect_eq(btree_lower_bound(&small, 0x8000), &sc);
	cr_expect_null(btree_lower_bound(&small, 0x11000));
	cr_expect_eq(btree_first(&small), &sa);
	cr_expect_eq(btree_last(&small), &sc);
	cr_expect_eq(btree_next(&sa), &sb);
	cr_expect_eq(btree_prev(&sb), &sa);
	cr_expect_null(btree_prev(&sa));
	cr_expect_null(btree_next(&sc));
}

Test(btree, overlap_and_bad_ranges_leave_tree_unchanged, .init = small_setup)
{
	static const uint64_t bad[][2] = {
		{0x2800, 0x3800}, {0x1000, 0x2001}, {0x4000, 0x5001},
		{0x7fff, 0x9000}, {0x2000, 0x3000}, {0x5800, 0x5900},
		{0x1000, 0x20000}, {0xffff, 0x10001},
	};
	uint64_t before[8][2], after[8][2];
	size_t n = ranges(&small, before, 8);
	struct brange x;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		cr_expect_eq(put(&small, mk(&x, bad[i][0], bad[i][1])), -EEXIST,
			     "[%lx, %lx)", (unsigned long)bad[i][0], (unsigned long)bad[i][1]);
		cr_assert_eq(btree_check(&small), 0);
		cr_assert_eq(ranges(&small, after, 8), n);
		cr_expect_eq(memcmp(before, after, n * sizeof(before[0])), 0);
	}
	cr_expect_eq(put(&small, mk(&x, 0x800, 0x1800)), -EINVAL);
	cr_expect_eq(put(&small, mk(&x, 0xff000, 0x100001)), -EINVAL);
	cr_expect_eq(put(&small, mk(&x, 0x4000, 0x4000)), -EINVAL);
	cr_expect_eq(small.count, 3);
	/* The promises of the failed inserts are capped: the pool stays small. */
	cr_expect_leq(small.pooled, 4 * (small.height + 1) + 6);
}

Test(btree, adjacent_insert_and_remove, .init = small_setup)
{
	struct brange x, y;
	uint64_t r[8][2], s = 0;

	cr_assert_eq(put(&small, mk(&x, 0x3000, 0x5000)), 0);
	cr_assert_eq(put(&small, mk(&y, 0x1000, 0x2000)), 0);
	cr_assert_eq(btree_check(&small), 0);
	cr_expect_eq(small.count, 5);
	cr_expect_eq(btree_find(&small, 0x4fff), &x);
	/* Only [0x8000, 0x10000) and the top are free now. */
	cr_expect_eq(btree_gap_bottomup(&small, 0x1000, 1, 0, ~0ULL, &s), 0);
	cr_expect_eq(s, 0x8000);
	btree_remove(&small, &sc);
	cr_assert_eq(btree_check(&small), 0);
	btree_remove(&small, &x);
	cr_assert_eq(btree_check(&small), 0);
	cr_expect_eq(btree_gap_bottomup(&small, 0x1000, 1, 0, ~0ULL, &s), 0);
	cr_expect_eq(s, 0x3000);
	cr_assert_eq(ranges(&small, r, 8), 3);
	cr_expect_eq(r[0][0], 0x1000);
	cr_expect_eq(r[1][0], 0x2000);
	cr_expect_eq(r[2][0], 0x5000);
	btree_remove(&small, &y);
	btree_remove(&small, &sa);
	btree_remove(&small, &sb);
	cr_expect_eq(btree_check(&small), 0);
	cr_expect_null(small.root);
	cr_expect_eq(small.count, 0);
	cr_expect_eq(small.span, 0);
	btree_clear(&small);
	cr_expect_eq(nodes_live, 0);
}

Test(btree, gap_search_exact, .init = small_setup)
{
	uint64_t s = 0;
	const uint64_t M = ~0ULL;

	/* Free: [0x1000,0x2000) [0x3000,0x5000) [0x8000,0x10000) [0x11000,0x100000) */
	cr_expect_eq(btree_gap_topdown(&small, 0x1000, 0x1000, 0, M, &s), 0);
	cr_expect_eq(s, 0xff000);
	cr_expect_eq(btree_gap_bottomup(&small, 0x1000, 0x1000, 0, M, &s), 0);
	cr_expect_eq(s, 0x1000);
	cr_expect_eq(btree_gap_topdown(&small, 0x1000, 0x1000, 0, 0x10000, &s), 0);
	cr_expect_eq(s, 0xf000);
	cr_expect_eq(btree_gap_bottomup(&small, 0x1800, 1, 0, M, &s), 0);
	cr_expect_eq(s, 0x3000);
	cr_expect_eq(btree_gap_bottomup(&small, 0x1800, 0x2000, 0, M, &s), 0);
	cr_expect_eq(s, 0x8000);
	cr_expect_eq(btree_gap_topdown(&small, 0x1800, 0x2000, 0, 0x10000, &s), 0);
	cr_expect_eq(s, 0xe000);
	cr_expect_eq(btree_gap_topdown(&small, 0x1800, 0x2000, 0, 0x7000, &s), -ENOMEM);
	cr_expect_eq(btree_gap_topdown(&small, 0x1800, 1, 0, 0x7000, &s), 0);
	cr_expect_eq(s, 0x3800);
	cr_expect_eq(btree_gap_bottomup(&small, 0x1000, 0x1000, 0x3800, M, &s), 0);
	cr_expect_eq(s, 0x4000);
	cr_expect_eq(btree_gap_bottomup(&small, 0x100, 1, 0x5000, 0x8000, &s), -ENOMEM);
	cr_expect_eq(btree_gap_topdown(&small, 0x100, 1, 0x4000, 0x8000, &s), 0);
	cr_expect_eq(s, 0x4f00);
	cr_expect_eq(btree_gap_bottomup(&small, 0xef000, 1, 0, M, &s), 0);
	cr_expect_eq(s, 0x11000);
	cr_expect_eq(btree_gap_topdown(&small, 0xef001, 1, 0, M, &s), -ENOMEM);
	/* Exact fits touching the clip edges. */
	cr_expect_eq(btree_gap_topdown(&small, 0x8000, 1, 0, 0x10000, &s), 0);
	cr_expect_eq(s, 0x8000);
	cr_expect_eq(btree_gap_bottomup(&small, 0x1000, 1, 0, 0x2000, &s), 0);
	cr_expect_eq(s, 0x1000);
	cr_expect_eq(btree_gap_bottomup(&small, 0x8000, 0x10000, 0, M, &s), 0);
	cr_expect_eq(s, 0x20000);
}

Test(btree, set_range_grow_and_shrink, .init = small_setup)
{
	uint64_t s = 0;

	btree_set_range(&small, &sb, 0x4000, 0x9000);
	cr_assert_eq(btree_check(&small), 0);
	cr_expect_eq(small.span, 0x7000);
	cr_expect_eq(btree_gap_bottomup(&small, 0x1001, 1, 0, 0x11000, &s), 0);
	cr_expect_eq(s, 0x9000);
	cr_expect_eq(btree_find(&small, 0x8fff), &sb);
	btree_set_range(&small, &sb, 0x6000, 0x7000);
	cr_assert_eq(btree_check(&small), 0);
	cr_expect_eq(btree_gap_bottomup(&small, 0x2800, 1, 0, ~0ULL, &s), 0);
	cr_expect_eq(s, 0x3000);
	cr_expect_null(btree_find(&small, 0x5000));
}

Test(btree, check_detects_corruption, .init = small_setup)
{
	sb.end = 0x10001;
	cr_expect_eq(btree_check(&small), -EINVAL);
	sb.end = 0x8000;
	small.count++;
	cr_expect_eq(btree_check(&small), -EINVAL);
	small.count--;
	sa.next = &sc;
	cr_expect_eq(btree_check(&small), -EINVAL);
	sa.next = &sb;
	cr_expect_eq(btree_check(&small), 0);
}

Test(btree, window_at_the_top_of_the_address_space)
{
	const uint64_t h = 0xfffffffffffff000ULL, M = ~0ULL;
	struct btree t;
	struct brange a;
	uint64_t s = 0;

	tree_init(&t, h - 0x10000, h);
	cr_assert_eq(put(&t, mk(&a, h - 0x8000, h - 0x4000)), 0);
	cr_expect_eq(btree_gap_topdown(&t, 0x1000, 0x1000, 0, M, &s), 0);
	cr_expect_eq(s, h - 0x1000);
	cr_expect_eq(btree_gap_bottomup(&t, 0x4000, 0x10000, 0, M, &s), 0);
	cr_expect_eq(s, h - 0xf000);
	cr_expect_eq(btree_gap_bottomup(&t, 0x1000, 0x100000, 0, M, &s), -ENOMEM);
	cr_expect_eq(btree_gap_topdown(&t, 0x1000, 0x100000, 0, M, &s), -ENOMEM);
	cr_expect_eq(btree_gap_topdown(&t, 0x8001, 1, 0, M, &s), -ENOMEM);
	cr_expect_eq(btree_gap_topdown(&t, 0x8000, 1, 0, M, &s), 0);
	cr_expect_eq(s, h - 0x10000);
	btree_remove(&t, &a);
	btree_clear(&t);
	cr_expect_eq(nodes_live, 0);
}

/* ---- reserve: the only place that allocates ---- */

Test(btree, reserve_fails_cleanly_and_insert_never_allocates)
{
	enum { N = 3000 };
	struct brange *r = calloc(N, sizeof(*r));
	struct btree t;
	long live;

	cr_assert_not_null(r);
	tree_init(&t, 0, 1ULL << 40);
	for (uint64_t i = 0; i < N; i++) {
		cr_assert_eq(btree_reserve(&t), 0);
		live = nodes_live;
		nodes_budget = 0; /* the insert itself must not allocate */
		cr_assert_eq(btree_insert(&t, mk(&r[i], i * 0x10000, i * 0x10000 + 0x1000)), 0);
		nodes_budget = -1;
		cr_assert_leq(nodes_live, live);
	}
	cr_assert_eq(btree_check(&t), 0);
	cr_expect_eq(t.height, 4, "3000 ranges in nodes of 8 to 16: 4 levels");
	/* No memory: -ENOMEM, and the tree is as it was. */
	nodes_budget = 0;
	while (btree_reserve(&t) == 0)
		;
	cr_expect_eq(btree_reserve(&t), -ENOMEM);
	cr_assert_eq(btree_check(&t), 0);
	cr_expect_eq(t.count, N);
	nodes_budget = -1;
	/* The tree holds about N / 12 nodes, not one per range. */
	cr_expect_leq(btree_node_count(&t), N / 8 + N / 56 + 16);
	cr_expect_eq((long)btree_node_count(&t), nodes_live);
	size_t before = btree_node_count(&t);

	for (uint64_t i = 0; i < N; i++)
		if (i % 4)
			btree_remove(&t, &r[i]);
	cr_assert_eq(btree_check(&t), 0);
	cr_expect_leq(btree_node_count(&t), before * 2 / 3, "removals give nodes back");
	btree_clear(&t);
	cr_expect_eq(nodes_live, 0);
	free(r);
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
	struct brange items[RMAX];
	bool in_tree[RMAX];
	uint32_t order[RMAX]; /* item indices sorted by start */
	size_t n;
	struct btree t;
};

static struct model *m;

static uint64_t mstart(size_t i)
{
	return m->items[m->order[i]].start;
}

static uint64_t mend(size_t i)
{
	return m->items[m->order[i]].end;
}

/* Position of the first model entry with end > addr. */
static size_t model_lb(uint64_t addr)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (mend(mid) > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Model's answer to a gap search: scan every gap. */
static int model_gap(bool top, uint64_t size, uint64_t align, uint64_t lo, uint64_t hi,
		     uint64_t *out)
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
	struct brange tmp;

	if (overlap) {
		cr_assert_eq(put(&m->t, mk(&tmp, start, start + len)), -EEXIST);
		return;
	}
	for (idx = 0; m->in_tree[idx]; idx++)
		;
	cr_assert_eq(put(&m->t, mk(&m->items[idx], start, start + len)), 0);
	m->in_tree[idx] = true;
	memmove(&m->order[pos + 1], &m->order[pos], (m->n - pos) * sizeof(uint32_t));
	m->order[pos] = idx;
	m->n++;
}

/* Remove a random range from both. */
static void op_remove(void)
{
	size_t pos = rnd_below(m->n);
	uint32_t idx = m->order[pos];

	btree_remove(&m->t, &m->items[idx]);
	m->in_tree[idx] = false;
	memmove(&m->order[pos], &m->order[pos + 1], (m->n - pos - 1) * sizeof(uint32_t));
	m->n--;
}

/* Move a random range's ends within its neighbours. */
static void op_set_range(void)
{
	size_t pos = rnd_below(m->n);
	struct brange *r = &m->items[m->order[pos]];
	uint64_t a = pos ? mend(pos - 1) : RLO;
	uint64_t b = pos + 1 < m->n ? mstart(pos + 1) : RHI;
	uint64_t start = a + rnd_below(MIN(r->end - a, 0x100)), end;

	if (start >= r->end)
		start = r->end - 1;
	end = start + 1 + rnd_below(MIN(b - start, 0x8000));
	btree_set_range(&m->t, r, start, end);
}

/* Split a random range of two bytes or more in two (btree_split), as the model. */
static void op_split(void)
{
	size_t pos = rnd_below(m->n), idx;
	struct brange *r = &m->items[m->order[pos]];
	uint64_t addr;

	if (r->end - r->start < 2)
		return;
	addr = r->start + 1 + rnd_below(r->end - r->start - 1);
	for (idx = 0; m->in_tree[idx]; idx++)
		;
	cr_assert_eq(btree_reserve(&m->t), 0);
	memset(&m->items[idx], 0, sizeof(m->items[idx]));
	btree_split(&m->t, r, addr, &m->items[idx]);
	cr_assert(r->end == addr && m->items[idx].start == addr);
	m->in_tree[idx] = true;
	memmove(&m->order[pos + 2], &m->order[pos + 1], (m->n - pos - 1) * sizeof(uint32_t));
	m->order[pos + 1] = (uint32_t)idx;
	m->n++;
}

/* Join a random range with a successor that touches it (btree_join_next), as the model. */
static void op_join(void)
{
	size_t pos = rnd_below(m->n);
	struct brange *r;

	for (size_t k = 0; k < m->n && (pos + 1 >= m->n || mend(pos) != mstart(pos + 1)); k++)
		pos = (pos + 1) % m->n;
	if (pos + 1 >= m->n || mend(pos) != mstart(pos + 1))
		return;
	r = &m->items[m->order[pos]];
	cr_assert_eq(btree_join_next(&m->t, r), &m->items[m->order[pos + 1]]);
	m->in_tree[m->order[pos + 1]] = false;
	memmove(&m->order[pos + 1], &m->order[pos + 2], (m->n - pos - 2) * sizeof(uint32_t));
	m->n--;
}

/* Compare the tree with the model: order, lookups, gap searches. */
static void compare(void)
{
	struct brange *r = btree_first(&m->t);

	cr_assert_eq(btree_check(&m->t), 0);
	cr_assert_eq(m->t.count, m->n);
	for (size_t i = 0; i < m->n; i++, r = btree_next(r))
		cr_assert_eq(r, &m->items[m->order[i]]);
	cr_assert_null(r);
	for (int q = 0; q < 40; q++) {
		uint64_t addr = RLO + rnd_below(RHI - RLO);
		size_t pos = model_lb(addr);
		struct brange *want = pos < m->n ? &m->items[m->order[pos]] : NULL;
		uint64_t size = 1 + rnd_below(rnd() & 1 ? 0x100 : 0x20000);
		uint64_t align = 1ULL << rnd_below(16);
		uint64_t lo = rnd() & 1 ? 0 : RLO + rnd_below(RHI - RLO);
		uint64_t hi = rnd() & 1 ? ~0ULL : lo + rnd_below(RHI - RLO);
		uint64_t got = 0, exp = 0;
		int e1, e2;

		cr_assert_eq(btree_lower_bound(&m->t, addr), want);
		cr_assert_eq(btree_find(&m->t, addr), want && want->start <= addr ? want : NULL);
		e1 = btree_gap_topdown(&m->t, size, align, lo, hi, &got);
		e2 = model_gap(true, size, align, lo, hi, &exp);
		cr_assert_eq(e1, e2, "topdown size %lx align %lx [%lx,%lx)", (unsigned long)size,
			     (unsigned long)align, (unsigned long)lo, (unsigned long)hi);
		if (!e1)
			cr_assert_eq(got, exp, "topdown size %lx align %lx", (unsigned long)size,
				     (unsigned long)align);
		e1 = btree_gap_bottomup(&m->t, size, align, lo, hi, &got);
		e2 = model_gap(false, size, align, lo, hi, &exp);
		cr_assert_eq(e1, e2, "bottomup size %lx align %lx [%lx,%lx)", (unsigned long)size,
			     (unsigned long)align, (unsigned long)lo, (unsigned long)hi);
		if (!e1)
			cr_assert_eq(got, exp, "bottomup size %lx align %lx", (unsigned long)size,
				     (unsigned long)align);
	}
}

/*
 * Grow towards `target` ranges, then churn, comparing after every batch;
 * trees of up to 1,000 ranges also pass btree_check after every operation.
 * Emptied at the end, the tree gives every node back.
 */
static void random_run(uint64_t seed, size_t target, int ops)
{
	m = calloc(1, sizeof(*m));
	cr_assert_not_null(m);
	rng = seed;
	tree_init(&m->t, RLO, RHI);
	for (int i = 0; i < ops; i++) {
		uint64_t dice = rnd_below(100);

		if (m->n < RMAX && (m->n < target ? dice < 60 : dice < 30))
			op_insert();
		else if (m->n && dice < 75)
			op_remove();
		else if (m->n && dice < 85)
			op_set_range();
		else if (m->n && m->n < RMAX && dice < 93)
			op_split();
		else if (m->n)
			op_join();
		if (target <= 1000)
			cr_assert_eq(btree_check(&m->t), 0, "after operation %d", i);
		if (i % 500 == 499)
			compare();
	}
	while (m->n) {
		op_remove();
		if (m->n % 256 == 0)
			compare();
	}
	compare();
	cr_expect_null(m->t.root);
	btree_clear(&m->t);
	cr_expect_eq(nodes_live, 0);
	free(m);
}

Test(btree, random_tiny_against_model)
{
	/* Few ranges: a lone leaf, its splits and the root's collapse come up often. */
	random_run(0xd1b54a32d192ed03ULL, 12, 20000);
}

Test(btree, random_small_against_model)
{
	random_run(0x9e3779b97f4a7c15ULL, 40, 20000);
}

Test(btree, random_medium_against_model)
{
	random_run(12345, 800, 30000);
}

Test(btree, random_large_against_model, .timeout = 60)
{
	random_run(0x2545f4914f6cdd1dULL, 5000, 50000);
}

/*
 * At 65,000 ranges (4 or 5 levels) a lookup reads one node per level, an
 * insert, remove or resize a few paths of them, and a gap search prunes by
 * the gaps instead of scanning.
 */
Test(btree, operations_visit_few_nodes_at_65000, .timeout = 60)
{
	enum { N = 65000, Q = 2000 };
	struct brange *r = calloc(N + 1, sizeof(*r));
	struct btree t;
	unsigned long v0, worst_find = 0, worst_change = 0, worst_search = 0;
	uint64_t s = 0;

	cr_assert_not_null(r);
	rng = 4242;
	tree_init(&t, 0, 1ULL << 40);
	for (uint64_t i = 0; i < N; i++)
		cr_assert_eq(put(&t, mk(&r[i], i * 0x10000 + 0x1000 + rnd_below(0x100) * 0x10,
					i * 0x10000 + 0x8000)), 0);
	cr_assert_eq(btree_check(&t), 0);
	cr_assert_leq(t.height, 5);
	for (int q = 0; q < Q; q++) {
		uint64_t i = rnd_below(N), size = 0x100 + rnd_below(0xf00);
		uint64_t lo = rnd_below((uint64_t)N * 0x10000);

		v0 = btree_debug_visits();
		cr_assert_eq(btree_find(&t, i * 0x10000 + 0x7fff), &r[i]);
		worst_find = MAX(worst_find, btree_debug_visits() - v0);
		v0 = btree_debug_visits();
		btree_set_range(&t, &r[i], r[i].start, i * 0x10000 + 0x2000 + rnd_below(0xe000));
		btree_remove(&t, &r[i]);
		cr_assert_eq(put(&t, mk(&r[i], i * 0x10000 + 0x1000, i * 0x10000 + 0x8000)), 0);
		worst_change = MAX(worst_change, btree_debug_visits() - v0);
		v0 = btree_debug_visits();
		cr_assert_eq(btree_gap_topdown(&t, size, 1ULL << rnd_below(9), 0, lo, &s), 0);
		cr_assert_leq(s + size, lo);
		cr_assert_eq(btree_gap_bottomup(&t, size, 1ULL << rnd_below(9), lo, ~0ULL, &s), 0);
		cr_assert_geq(s, lo);
		worst_search = MAX(worst_search, btree_debug_visits() - v0);
	}
	cr_assert_eq(btree_check(&t), 0);
	cr_expect_eq(worst_find, t.height, "a lookup read %lu nodes", worst_find);
	cr_expect_leq(worst_change, 12 * t.height, "3 changes read %lu nodes", worst_change);
	cr_expect_leq(worst_search, 8 * t.height, "2 searches read %lu nodes", worst_search);
	/* One big gap hidden somewhere: found without a scan. */
	uint64_t victim = 1 + rnd_below(N - 2);
	btree_remove(&t, &r[victim]);
	v0 = btree_debug_visits();
	cr_assert_eq(btree_gap_topdown(&t, 0x11000, 0x1000, 0, (uint64_t)N * 0x10000, &s), 0);
	cr_expect_eq(s, victim * 0x10000);
	cr_assert_eq(btree_gap_bottomup(&t, 0x11000, 1, 0, (uint64_t)N * 0x10000, &s), 0);
	cr_expect_eq(s, (victim - 1) * 0x10000 + 0x8000);
	cr_expect_leq(btree_debug_visits() - v0, 4 * t.height);
	btree_clear(&t);
	cr_expect_eq(nodes_live, 0);
	free(r);
}

/*
 * Splitting a range in three and joining it back (what an mprotect of one
 * page and its undo do to the VMA set) costs the same every time: no node
 * is allocated, freed, split or merged after the first round, wherever the
 * range sits among its leaf's neighbours (inserted in random order, leaves
 * hold anything from 8 to 16 ranges).
 */
Test(btree, split_and_join_back_do_not_reshape_the_tree)
{
	enum { N = 1000 };
	struct brange *r = calloc(N, sizeof(*r)), mid, tail;
	uint32_t order[N];
	struct btree t;

	cr_assert_not_null(r);
	tree_init(&t, 0, 1ULL << 40);
	rng = 99;
	for (uint32_t i = 0; i < N; i++)
		order[i] = i;
	for (uint32_t i = N - 1; i > 0; i--) {
		uint32_t j = rnd_below(i + 1), k = order[i];

		order[i] = order[j];
		order[j] = k;
	}
	for (uint64_t k = 0; k < N; k++) {
		uint64_t i = order[k];

		cr_assert_eq(put(&t, mk(&r[i], i * 0x10000, i * 0x10000 + 0x8000)), 0);
	}
	for (uint64_t i = 0; i < N; i++) {
		unsigned long reshapes = 0;
		long live = -1;

		for (int round = 0; round < 4; round++) {
			cr_assert_eq(btree_reserve(&t), 0);
			cr_assert_eq(btree_reserve(&t), 0);
			if (round == 1) {
				live = nodes_live;
				reshapes = btree_debug_reshapes();
			}
			if (round > 1)
				nodes_budget = 0; /* nothing may be allocated any more */
			btree_set_range(&t, &r[i], i * 0x10000, i * 0x10000 + 0x2000);
			cr_assert_eq(btree_insert(&t, mk(&mid, i * 0x10000 + 0x2000,
							 i * 0x10000 + 0x3000)), 0);
			cr_assert_eq(btree_insert(&t, mk(&tail, i * 0x10000 + 0x3000,
							 i * 0x10000 + 0x8000)), 0);
			btree_remove(&t, &tail);
			btree_remove(&t, &mid);
			btree_set_range(&t, &r[i], i * 0x10000, i * 0x10000 + 0x8000);
			nodes_budget = -1;
			if (round > 1) {
				cr_assert_eq(nodes_live, live, "range %lu round %d", (unsigned long)i,
					     round);
				cr_assert_eq(btree_debug_reshapes(), reshapes, "range %lu round %d",
					     (unsigned long)i, round);
			}
		}
	}
	cr_assert_eq(btree_check(&t), 0);
	btree_clear(&t);
	cr_expect_eq(nodes_live, 0);
	free(r);
}
