/*
 * Host tests of the page-table engine (src/mm/pt.c): leaf sizes chosen for
 * every alignment of the ends, split and fold round trips, all-or-nothing
 * behaviour under injected allocation failures, TLB flush counts and table
 * frame accounting.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "mm/pte.h"
#include "support/host_mm.h"

#define PA_OFF GiB(4) /* pa = va + PA_OFF: congruent for every leaf size */
#define FL (PT_WRITE | PT_USER | PT_NX)

/* ------------------------------------------------------------ listings */

struct listing {
	struct pt_leaf *v;
	size_t n, cap;
};

/* pt_walk callback: append the leaf. */
static int listing_add(void *ctx, const struct pt_leaf *leaf)
{
	struct listing *l = ctx;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		cr_assert_not_null(l->v);
	}
	l->v[l->n++] = *leaf;
	return 0;
}

/* Every leaf of the user half of `root`. */
static struct listing list_user(paddr_t root)
{
	struct listing l = {0};

	cr_assert_eq(pt_walk(root, 0, PT_USER_TOP, listing_add, &l), 0);
	return l;
}

static void listing_free(struct listing *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* True when both listings hold the same leaves. */
static bool listing_eq(const struct listing *a, const struct listing *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].va != b->v[i].va || a->v[i].pa != b->v[i].pa ||
		    a->v[i].size != b->v[i].size || a->v[i].flags != b->v[i].flags)
			return false;
	return true;
}

/* Number of leaves of `size` in the listing. */
static size_t count_size(const struct listing *l, uint64_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		n += l->v[i].size == size;
	return n;
}

/* ------------------------------------------------------------ oracle */

/*
 * The leaves a fresh map of [va, end) to va + PA_OFF must produce: greedy,
 * the largest leaf that is aligned and fits at each position.
 */
static struct listing oracle(vaddr_t va, vaddr_t end, bool has_1g, unsigned flags)
{
	struct listing l = {0};

	while (va < end) {
		uint64_t size = PAGE_SIZE;
		struct pt_leaf leaf;

		if (has_1g && IS_ALIGNED(va, PAGE_1G) && end - va >= PAGE_1G)
			size = PAGE_1G;
		else if (IS_ALIGNED(va, PAGE_2M) && end - va >= PAGE_2M)
			size = PAGE_2M;
		memset(&leaf, 0, sizeof(leaf));
		leaf = (struct pt_leaf){va, va + PA_OFF, size, flags, PT_STATE_YOUNG};
		listing_add(&l, &leaf);
		va += size;
	}
	return l;
}

/* ------------------------------------------------------------ fixture */

static paddr_t root;
static size_t frames0; /* pt_table_frames() with just the root */

static void setup(void)
{
	host_mm_setup(MiB(512));
	cr_assert_eq(pt_table_frames(), 0);
	cr_assert_eq(pt_create(&root), 0);
	frames0 = pt_table_frames();
	cr_assert_eq(frames0, 1);
}

static void teardown(void)
{
	pmm_fail_nth(0);
	pt_destroy(root, PT_DESTROY_ALL);
	cr_expect_eq(pt_table_frames(), 0);
}

TestSuite(pt, .init = setup, .fini = teardown);

/* Expect pt_query(va) to give exactly this leaf. */
static void expect_query(vaddr_t va, vaddr_t lva, paddr_t lpa, uint64_t size, unsigned flags)
{
	struct pt_leaf q;

	cr_assert(pt_query(root, va, &q), "va %#lx not mapped", (unsigned long)va);
	cr_expect_eq(q.va, lva, "va %#lx: leaf va %#lx", (unsigned long)va, (unsigned long)q.va);
	cr_expect_eq(q.pa, lpa, "va %#lx: leaf pa %#lx", (unsigned long)va, (unsigned long)q.pa);
	cr_expect_eq(q.size, size, "va %#lx: size %#lx", (unsigned long)va, (unsigned long)q.size);
	cr_expect_eq(q.flags, flags, "va %#lx: flags %#x", (unsigned long)va, q.flags);
}

/* ------------------------------------------------------------ leaf sizes */

/* Map [va, end), compare with the oracle, query the ends, unmap. */
static void check_alignment_case(vaddr_t va, vaddr_t end, bool has_1g)
{
	struct listing want = oracle(va, end, has_1g, FL), got;
	struct pt_leaf q, *first, *last;

	host_has_1g = has_1g;
	cr_assert_eq(pt_map(root, va, va + PA_OFF, end - va, FL), 0);
	got = list_user(root);
	cr_assert(listing_eq(&got, &want), "[%#lx, %#lx) 1g=%d: %zu leaves, want %zu",
		  (unsigned long)va, (unsigned long)end, has_1g, got.n, want.n);
	if (!has_1g)
		cr_expect_eq(count_size(&got, PAGE_1G), 0);
	first = &want.v[0];
	last = &want.v[want.n - 1];
	expect_query(va, first->va, first->pa, first->size, FL);
	expect_query(end - PAGE_SIZE, last->va, last->pa, last->size, FL);
	for (size_t i = 0; i < want.n; i++) /* each leaf at its last page */
		expect_query(want.v[i].va + want.v[i].size - PAGE_SIZE, want.v[i].va,
			     want.v[i].pa, want.v[i].size, FL);
	cr_expect_not(pt_query(root, va - PAGE_SIZE, &q));
	cr_expect_not(pt_query(root, end, &q));
	cr_assert_eq(pt_unmap(root, va, end - va), 0);
	cr_expect_eq(pt_table_frames(), frames0);
	listing_free(&got);
	got = list_user(root);
	cr_expect_eq(got.n, 0);
	listing_free(&got);
	listing_free(&want);
}

static const uint64_t align_offs[] = {0, MiB(2), KiB(4), MiB(2) + KiB(4)};

/* Every combination of 4K/2M/1G alignment of both ends, with 1 GiB leaves. */
Test(pt, leaf_sizes_every_alignment_1g)
{
	for (size_t i = 0; i < ARRAY_SIZE(align_offs); i++)
		for (size_t j = 0; j < ARRAY_SIZE(align_offs); j++)
			check_alignment_case(GiB(1) + align_offs[i], GiB(3) + align_offs[j], true);
}

/* The same without 1 GiB leaf support: no 1 GiB leaf anywhere. */
Test(pt, leaf_sizes_every_alignment_no_1g)
{
	for (size_t i = 0; i < ARRAY_SIZE(align_offs); i++)
		for (size_t j = 0; j < ARRAY_SIZE(align_offs); j++)
			check_alignment_case(GiB(1) + align_offs[i], GiB(3) + align_offs[j], false);
}

/* The example of the issue, with its exact counts. */
Test(pt, leaf_sizes_worked_example)
{
	vaddr_t va = GiB(1) + KiB(4), end = GiB(3) + MiB(2) + KiB(4);
	struct listing l;

	cr_assert_eq(pt_map(root, va, va + PA_OFF, end - va, FL), 0);
	l = list_user(root);
	cr_expect_eq(l.n, 511 + 511 + 1 + 1 + 1);
	cr_expect_eq(count_size(&l, PAGE_SIZE), 512);
	cr_expect_eq(count_size(&l, PAGE_2M), 512);
	cr_expect_eq(count_size(&l, PAGE_1G), 1);
	expect_query(GiB(2), GiB(2), GiB(2) + PA_OFF, PAGE_1G, FL);
	expect_query(GiB(3) + KiB(8), GiB(3), GiB(3) + PA_OFF, PAGE_2M, FL);
	expect_query(GiB(3) + MiB(2), GiB(3) + MiB(2), GiB(3) + MiB(2) + PA_OFF, PAGE_SIZE, FL);
	listing_free(&l);
	cr_assert_eq(pt_unmap(root, va, end - va), 0);
	cr_expect_eq(pt_table_frames(), frames0);
}

/* Misaligned pa (4K-congruent only) forces 4 KiB leaves; 2M-congruent allows 2M. */
Test(pt, leaf_sizes_follow_pa_alignment)
{
	struct listing l;

	cr_assert_eq(pt_map(root, GiB(1), GiB(5) + KiB(4), GiB(1), FL), 0);
	l = list_user(root);
	cr_expect_eq(l.n, 262144);
	cr_expect_eq(count_size(&l, PAGE_SIZE), 262144);
	cr_expect_eq(pt_table_frames(), frames0 + 2 + 512);
	listing_free(&l);
	cr_assert_eq(pt_unmap(root, GiB(1), GiB(1)), 0);
	cr_assert_eq(pt_map(root, GiB(1), GiB(5) + MiB(2), GiB(1), FL), 0);
	l = list_user(root);
	cr_expect_eq(count_size(&l, PAGE_2M), 512);
	cr_expect_eq(pt_table_frames(), frames0 + 2);
	listing_free(&l);
	cr_assert_eq(pt_unmap(root, GiB(1), GiB(1)), 0);
	cr_expect_eq(pt_table_frames(), frames0);
}

/* ------------------------------------------------------------ split / fold */

/* Unmapping one page of a 1 GiB leaf splits around it; mapping it back folds. */
Test(pt, unmap_one_page_then_map_back_folds)
{
	vaddr_t va = GiB(1), hole = GiB(1) + MiB(300) + KiB(40);
	struct listing l;
	struct pt_leaf q;

	cr_assert_eq(pt_map(root, va, va + PA_OFF, GiB(1), FL), 0);
	cr_expect_eq(pt_table_frames(), frames0 + 1);
	cr_assert_eq(pt_unmap(root, hole, PAGE_SIZE), 0);
	l = list_user(root);
	cr_expect_eq(count_size(&l, PAGE_1G), 0);
	cr_expect_eq(count_size(&l, PAGE_2M), 511);
	cr_expect_eq(count_size(&l, PAGE_SIZE), 511);
	cr_expect_eq(l.n, 1022);
	cr_expect_eq(pt_table_frames(), frames0 + 3);
	cr_expect_not(pt_query(root, hole, &q));
	expect_query(hole - PAGE_SIZE, hole - PAGE_SIZE, hole - PAGE_SIZE + PA_OFF, PAGE_SIZE, FL);
	expect_query(hole + PAGE_SIZE, hole + PAGE_SIZE, hole + PAGE_SIZE + PA_OFF, PAGE_SIZE, FL);
	listing_free(&l);
	cr_assert_eq(pt_map(root, hole, hole + PA_OFF, PAGE_SIZE, FL), 0);
	l = list_user(root);
	cr_expect_eq(l.n, 1);
	cr_expect_eq(l.v[0].size, PAGE_1G);
	cr_expect_eq(l.v[0].pa, va + PA_OFF);
	cr_expect_eq(pt_table_frames(), frames0 + 1);
	listing_free(&l);
}

/* Mapping the page back with a wrong pa must not fold. */
Test(pt, map_back_wrong_pa_does_not_fold)
{
	vaddr_t hole = GiB(1) + MiB(2) * 7;
	struct listing l;

	cr_assert_eq(pt_map(root, GiB(1), GiB(1) + PA_OFF, GiB(1), FL), 0);
	cr_assert_eq(pt_unmap(root, hole, PAGE_SIZE), 0);
	cr_assert_eq(pt_map(root, hole, hole + PA_OFF + PAGE_SIZE, PAGE_SIZE, FL), 0);
	l = list_user(root);
	cr_expect_eq(l.n, 1023);
	cr_expect_eq(pt_table_frames(), frames0 + 3);
	listing_free(&l);
	cr_assert_eq(pt_unmap(root, GiB(1), GiB(1)), 0);
	cr_expect_eq(pt_table_frames(), frames0);
}

/* Check every page of [va, va+1G): pa = page + PA_OFF, flags FL except `odd`. */
static void check_gib_pages(vaddr_t va, vaddr_t odd, unsigned odd_flags)
{
	struct listing l = list_user(root);
	size_t pages = 0;

	for (size_t i = 0; i < l.n; i++) {
		const struct pt_leaf *f = &l.v[i];

		cr_assert_eq(f->pa, f->va + PA_OFF);
		for (vaddr_t p = f->va; p < f->va + f->size; p += PAGE_SIZE, pages++)
			cr_assert_eq(f->flags, p == odd ? odd_flags : FL,
				     "page %#lx flags %#x", (unsigned long)p, f->flags);
	}
	cr_expect_eq(pages, 262144);
	cr_expect_eq(l.v[0].va, va);
	listing_free(&l);
}

/* Protecting one page of a 1 GiB leaf changes exactly that page; undo folds. */
Test(pt, protect_one_page_of_1g_leaf)
{
	vaddr_t va = GiB(2), page = GiB(2) + MiB(513) + KiB(12);
	struct listing l;

	cr_assert_eq(pt_map(root, va, va + PA_OFF, GiB(1), FL), 0);
	cr_assert_eq(pt_protect(root, page, PAGE_SIZE, PT_USER | PT_NX), 0);
	expect_query(page, page, page + PA_OFF, PAGE_SIZE, PT_USER | PT_NX);
	check_gib_pages(va, page, PT_USER | PT_NX);
	l = list_user(root);
	cr_expect_eq(l.n, 1023);
	listing_free(&l);
	cr_expect_eq(pt_table_frames(), frames0 + 3);
	cr_assert_eq(pt_protect(root, page, PAGE_SIZE, FL), 0);
	l = list_user(root);
	cr_expect_eq(l.n, 1023, "the rights agree again, the leaf stays split (Linux's PTE-mapped THP)");
	listing_free(&l);
	check_gib_pages(va, page, FL);
	cr_expect_eq(pt_table_frames(), frames0 + 3);
	pt_fold_at(root, page);
	l = list_user(root);
	cr_expect_eq(l.n, 1, "pt_fold_at folds it");
	cr_expect_eq(l.v[0].size, PAGE_1G);
	cr_expect_eq(l.v[0].flags, FL);
	listing_free(&l);
	cr_expect_eq(pt_table_frames(), frames0 + 1);
}

/* pt_split_at makes va a boundary without changing translations; pt_fold_at undoes it. */
Test(pt, split_at_and_fold_at)
{
	vaddr_t va = GiB(1), at = GiB(1) + MiB(6) + KiB(20);
	struct listing l;

	cr_assert_eq(pt_map(root, va, va + PA_OFF, GiB(1), FL), 0);
	cr_assert_eq(pt_split_at(root, at), 0);
	expect_query(at, at, at + PA_OFF, PAGE_SIZE, FL);
	check_gib_pages(va, 0, FL);
	cr_expect_eq(pt_table_frames(), frames0 + 3);
	cr_assert_eq(pt_split_at(root, at), 0); /* already a boundary */
	cr_expect_eq(pt_table_frames(), frames0 + 3);
	pt_fold_at(root, at);
	l = list_user(root);
	cr_expect_eq(l.n, 1);
	cr_expect_eq(l.v[0].size, PAGE_1G);
	listing_free(&l);
	cr_expect_eq(pt_table_frames(), frames0 + 1);
	cr_assert_eq(pt_split_at(root, GiB(1) + MiB(4)), 0); /* 2M aligned: one table */
	cr_expect_eq(pt_table_frames(), frames0 + 2);
	expect_query(GiB(1) + MiB(4), GiB(1) + MiB(4), GiB(1) + MiB(4) + PA_OFF, PAGE_2M, FL);
	cr_assert_eq(pt_split_at(root, GiB(5)), 0); /* a hole: nothing to do */
	cr_expect_eq(pt_split_at(root, GiB(1) + 1), -EINVAL);
	cr_expect_eq(pt_split_at(root, 0x0000900000000000ULL), -EINVAL);
}

/* ------------------------------------------------------------ errors */

/* Mapping over any mapped page fails with -EEXIST and changes nothing. */
Test(pt, map_over_existing_is_eexist)
{
	static const struct {
		vaddr_t va;
		uint64_t len;
	} tries[] = {
		{GiB(1), PAGE_SIZE},
		{GiB(1) - PAGE_SIZE, KiB(8)},
		{GiB(2) - PAGE_SIZE, KiB(8)},
		{0, GiB(4)},
		{GiB(3) + MiB(2) - PAGE_SIZE, KiB(8)},
		{GiB(3) + MiB(2) + KiB(4), KiB(4)},
		{GiB(3) + MiB(6), MiB(2)},
	};
	struct listing before, after;
	size_t frames;

	cr_assert_eq(pt_map(root, GiB(1), GiB(1) + PA_OFF, GiB(1), FL), 0);
	cr_assert_eq(pt_map(root, GiB(3), GiB(3) + PA_OFF, MiB(2), FL), 0);
	cr_assert_eq(pt_map(root, GiB(3) + MiB(2) + KiB(4), PA_OFF, KiB(4), FL), 0);
	cr_assert_eq(pt_map(root, GiB(3) + MiB(7), PA_OFF, KiB(4), FL), 0);
	before = list_user(root);
	frames = pt_table_frames();
	for (size_t i = 0; i < ARRAY_SIZE(tries); i++) {
		cr_expect_eq(pt_map(root, tries[i].va, GiB(7), tries[i].len, FL), -EEXIST,
			     "try %zu", i);
		after = list_user(root);
		cr_expect(listing_eq(&before, &after), "try %zu changed the tables", i);
		cr_expect_eq(pt_table_frames(), frames, "try %zu", i);
		listing_free(&after);
	}
	listing_free(&before);
}

/* Every malformed request is -EINVAL and changes nothing. */
Test(pt, einval_cases)
{
	const vaddr_t hole = 0x0000800000000000ULL, khalf = 0xffff800000000000ULL;
	struct listing l;

	cr_expect_eq(pt_map(root, GiB(1) + 1, 0, PAGE_SIZE, FL), -EINVAL);
	cr_expect_eq(pt_map(root, GiB(1), 0x800, PAGE_SIZE, FL), -EINVAL);
	cr_expect_eq(pt_map(root, GiB(1), 0, 100, FL), -EINVAL);
	cr_expect_eq(pt_map(root, GiB(1), 0, 0, FL), -EINVAL);
	cr_expect_eq(pt_map(root, hole, 0, PAGE_SIZE, FL), -EINVAL);
	cr_expect_eq(pt_map(root, khalf - PAGE_SIZE, 0, PAGE_SIZE, FL), -EINVAL);
	cr_expect_eq(pt_map(root, hole - PAGE_SIZE, 0, KiB(8), FL), -EINVAL);
	cr_expect_eq(pt_map(root, GiB(1), 0, PAGE_SIZE, PT_FLAGS_ALL + 1), -EINVAL);
	cr_expect_eq(pt_map(root, GiB(1), 0, PAGE_SIZE, 1u << 31), -EINVAL);
	cr_expect_eq(pt_map(root, 0xfffffffffffff000ULL, 0, KiB(8), FL), -EINVAL);
	cr_expect_eq(pt_map(root, GiB(1), 0xfffffffffffff000ULL, KiB(8), FL), -EINVAL);
	cr_expect_eq(pt_unmap(root, GiB(1) + 8, PAGE_SIZE), -EINVAL);
	cr_expect_eq(pt_unmap(root, GiB(1), 0), -EINVAL);
	cr_expect_eq(pt_unmap(root, GiB(1), 12), -EINVAL);
	cr_expect_eq(pt_unmap(root, hole, PAGE_SIZE), -EINVAL);
	cr_expect_eq(pt_unmap(root, hole - PAGE_SIZE, KiB(8)), -EINVAL);
	cr_expect_eq(pt_protect(root, GiB(1) + 8, PAGE_SIZE, FL), -EINVAL);
	cr_expect_eq(pt_protect(root, GiB(1), 0, FL), -EINVAL);
	cr_expect_eq(pt_protect(root, hole, PAGE_SIZE, FL), -EINVAL);
	cr_expect_eq(pt_protect(root, hole - PAGE_SIZE, KiB(8), FL), -EINVAL);
	cr_expect_eq(pt_protect(root, GiB(1), PAGE_SIZE, 0x40), -EINVAL);
	l = list_user(root);
	cr_expect_eq(l.n, 0);
	listing_free(&l);
	cr_expect_eq(pt_table_frames(), frames0);
}

/* ------------------------------------------------------------ OOM */

typedef int (*pt_call)(void);

static int call_map_fresh(void)
{
	/* needs a PDPT, a PD and two PTs (4K-aligned ends around 2M leaves) */
	return pt_map(root, GiB(600) + MiB(2) - KiB(8), GiB(600) + MiB(2) - KiB(8) + PA_OFF,
		      MiB(4) + KiB(16), FL);
}

static int call_unmap_in_1g(void)
{
	return pt_unmap(root, GiB(1) + MiB(100) + KiB(4), PAGE_SIZE);
}

static int call_protect_in_1g(void)
{
	return pt_protect(root, GiB(1) + MiB(100) + KiB(4), PAGE_SIZE, PT_USER);
}

static int call_protect_across_two_1g(void)
{
	return pt_protect(root, GiB(1) + MiB(100) + KiB(4), GiB(1), PT_USER);
}

static int call_split_in_1g(void)
{
	return pt_split_at(root, GiB(1) + MiB(100) + KiB(4));
}

/*
 * For k = 1, 2, ... make the k-th allocation fail: the call must give
 * -ENOMEM and leave listing and table frames exactly as before, until it
 * succeeds. Returns the number of failing steps seen.
 */
static unsigned oom_every_step(pt_call call)
{
	struct listing before = list_user(root), after;
	size_t frames = pt_table_frames(), free_frames = pmm_free_frames();
	unsigned k;
	int ret;

	for (k = 1;; k++) {
		pmm_fail_nth(k);
		ret = call();
		pmm_fail_nth(0);
		if (ret == 0)
			break;
		cr_assert_eq(ret, -ENOMEM, "step %u: %d", k, ret);
		after = list_user(root);
		cr_assert(listing_eq(&before, &after), "step %u changed the tables", k);
		cr_assert_eq(pt_table_frames(), frames, "step %u", k);
		cr_assert_eq(pmm_free_frames(), free_frames, "step %u", k);
		listing_free(&after);
		cr_assert_lt(k, 64);
	}
	listing_free(&before);
	return k - 1;
}

Test(pt, oom_map_fresh_range)
{
	cr_assert_eq(pt_map(root, GiB(1), GiB(1) + PA_OFF, GiB(1), FL), 0);
	cr_expect_eq(oom_every_step(call_map_fresh), 4);
	cr_expect_eq(pt_table_frames(), frames0 + 1 + 4);
}

Test(pt, oom_unmap_inside_1g_leaf)
{
	cr_assert_eq(pt_map(root, GiB(1), GiB(1) + PA_OFF, GiB(1), FL), 0);
	cr_expect_eq(oom_every_step(call_unmap_in_1g), 2);
	cr_expect_eq(pt_table_frames(), frames0 + 3);
}

Test(pt, oom_protect_inside_1g_leaf)
{
	cr_assert_eq(pt_map(root, GiB(1), GiB(1) + PA_OFF, GiB(1), FL), 0);
	cr_expect_eq(oom_every_step(call_protect_in_1g), 2);
	cr_expect_eq(pt_table_frames(), frames0 + 3);
}

/* Both ends split (2 tables each): failures in the second end undo the first. */
Test(pt, oom_protect_splitting_both_ends)
{
	cr_assert_eq(pt_map(root, GiB(1), GiB(1) + PA_OFF, GiB(2), FL), 0);
	cr_expect_eq(oom_every_step(call_protect_across_two_1g), 4);
	cr_expect_eq(pt_table_frames(), frames0 + 1 + 4);
}

Test(pt, oom_split_at)
{
	cr_assert_eq(pt_map(root, GiB(1), GiB(1) + PA_OFF, GiB(1), FL), 0);
	cr_expect_eq(oom_every_step(call_split_in_1g), 2);
	cr_expect_eq(pt_table_frames(), frames0 + 3);
}

/* A failed second split must not fold tables the caller split on purpose. */
Test(pt, failed_split_keeps_callers_split)
{
	struct listing before, after;

	cr_assert_eq(pt_map(root, GiB(1), GiB(1) + PA_OFF, GiB(2), FL), 0);
	cr_assert_eq(pt_split_at(root, GiB(1) + MiB(100) + KiB(4)), 0);
	before = list_user(root);
	pmm_fail_nth(1);
	cr_expect_eq(call_protect_across_two_1g(), -ENOMEM);
	pmm_fail_nth(0);
	after = list_user(root);
	cr_expect(listing_eq(&before, &after));
	listing_free(&before);
	listing_free(&after);
}

/* Undoing the first split folds only the tables it made, not the caller's. */
Test(pt, failed_split_undo_is_exact)
{
	struct listing before, after;
	size_t frames;

	cr_assert_eq(pt_map(root, GiB(1), GiB(1) + PA_OFF, GiB(2), FL), 0);
	cr_assert_eq(pt_split_at(root, GiB(1) + MiB(100)), 0); /* 1G -> 512 x 2M */
	before = list_user(root);
	frames = pt_table_frames();
	for (unsigned k = 1; k <= 3; k++) {
		pmm_fail_nth(k); /* k = 1: first end; 2, 3: second end */
		cr_expect_eq(call_protect_across_two_1g(), -ENOMEM, "k %u", k);
		pmm_fail_nth(0);
		after = list_user(root);
		cr_expect(listing_eq(&before, &after), "k %u", k);
		cr_expect_eq(pt_table_frames(), frames, "k %u", k);
		listing_free(&after);
	}
	listing_free(&before);
}

/* ------------------------------------------------------------ TLB */

static void tlb_reset(void)
{
	host_tlb_flush_page_count = 0;
	host_tlb_flush_all_count = 0;
}

/* One changed 4 KiB leaf: one invlpg; 100 changed leaves: one full flush. */
Test(pt, tlb_flush_counts)
{
	vaddr_t va = GiB(1) + KiB(4);

	cr_assert_eq(pt_map(root, va, va + PA_OFF, KiB(400), FL), 0);
	tlb_reset();
	cr_assert_eq(pt_protect(root, va + KiB(8), PAGE_SIZE, PT_USER), 0);
	cr_expect_eq(host_tlb_flush_page_count, 1);
	cr_expect_eq(host_tlb_flush_all_count, 0);
	tlb_reset();
	cr_assert_eq(pt_unmap(root, va + KiB(16), PAGE_SIZE), 0);
	cr_expect_eq(host_tlb_flush_page_count, 1);
	cr_expect_eq(host_tlb_flush_all_count, 0);
	tlb_reset();
	cr_assert_eq(pt_map(root, va + KiB(16), PA_OFF, PAGE_SIZE, FL), 0);
	cr_expect_eq(host_tlb_flush_all_count, 0);
	cr_expect_eq(host_tlb_flush_page_count, 0); /* not-present entries are not cached */
	tlb_reset();
	cr_assert_eq(pt_protect(root, va, KiB(400), PT_USER), 0);
	cr_expect_eq(host_tlb_flush_all_count, 1);
	cr_expect_eq(host_tlb_flush_page_count, 0);
	tlb_reset();
	cr_assert_eq(pt_protect(root, va, KiB(400), PT_USER), 0); /* no change */
	cr_expect_eq(host_tlb_flush_all_count, 0);
	cr_expect_eq(host_tlb_flush_page_count, 0);
	tlb_reset();
	cr_assert_eq(pt_unmap(root, va, PAGE_SIZE * PT_FLUSH_ALL_THRESHOLD), 0);
	cr_expect_eq(host_tlb_flush_all_count, 0);
	cr_expect_eq(host_tlb_flush_page_count, PT_FLUSH_ALL_THRESHOLD);
}

/* ------------------------------------------------------------ frames */

/* Mapping all over the user half and unmapping everything frees every table. */
Test(pt, table_frames_back_to_zero)
{
	static const vaddr_t vas[] = {0x1000, GiB(1) + MiB(2), GiB(600) + KiB(4),
				      0x00007fffffe00000ULL};

	for (size_t i = 0; i < ARRAY_SIZE(vas); i++)
		cr_assert_eq(pt_map(root, vas[i], vas[i] + PA_OFF, MiB(2), FL), 0);
	cr_expect_gt(pt_table_frames(), frames0 + 8);
	cr_assert_eq(pt_unmap(root, 0, PT_USER_TOP), 0);
	cr_expect_eq(pt_table_frames(), frames0);
}

/* A kernel-half top-level child stays even when emptied (it is shared). */
Test(pt, kernel_half_top_child_kept)
{
	const vaddr_t kva = 0xffffe00000000000ULL + KiB(4);
	struct pt_leaf q;
	size_t frames;

	cr_assert_eq(pt_map(root, kva, MiB(64), PAGE_SIZE, PT_WRITE | PT_GLOBAL), 0);
	expect_query(kva, kva, MiB(64), PAGE_SIZE, PT_WRITE | PT_GLOBAL);
	frames = pt_table_frames();
	cr_expect_eq(frames, frames0 + 3);
	cr_assert_eq(pt_unmap(root, kva, PAGE_SIZE), 0);
	cr_expect_not(pt_query(root, kva, &q));
	cr_expect_eq(pt_table_frames(), frames0 + 1);
}

/*
 * pt_create_user shares the kernel half of a root; pt_destroy of the user
 * root frees it and its user-half tables, not the shared ones.
 */
Test(pt, destroy_frees_everything)
{
	paddr_t r2;
	struct pt_leaf q;
	size_t free_frames = pmm_free_frames();

	cr_assert_eq(pt_map(root, 0xffffe00000000000ULL, 0, PAGE_SIZE, PT_WRITE), 0);
	cr_assert_eq(pt_create_user(root, &r2), 0);
	cr_assert_eq(pt_table_frames(), frames0 + 4);
	cr_assert(pt_query(r2, 0xffffe00000000000ULL, &q) && q.pa == 0);
	cr_assert_eq(pt_map(r2, GiB(1) + KiB(4), PA_OFF, MiB(4), FL), 0);
	cr_assert_eq(pt_map(r2, GiB(300), PA_OFF, GiB(2), FL), 0);
	cr_expect_not(pt_query(root, GiB(1) + KiB(4), &q));
	cr_expect_gt(pt_table_frames(), frames0 + 4);
	pt_destroy(r2, PT_DESTROY_USER_HALF);
	cr_expect_eq(pt_table_frames(), frames0 + 3);
	cr_expect(pt_query(root, 0xffffe00000000000ULL, &q));
	cr_expect_eq(pmm_free_frames(), free_frames - 3);
}

/* ------------------------------------------------------------ reserve */

/* Reserved frames serve table allocations when pmm would fail; the rest go back. */
Test(pt, reserve_serves_tables_when_pmm_fails)
{
	size_t free0, tables0;

	free0 = pmm_free_frames();
	tables0 = pt_table_frames();
	cr_assert_eq(pt_reserve(5), 0);
	cr_expect_eq(pmm_free_frames(), free0 - 5);
	pmm_fail_nth(1);
	/* PDPT, PD and PT for one 4 KiB page: three reserved frames. */
	cr_assert_eq(pt_map(root, GiB(1) + 0x1000, PA_OFF + GiB(1) + 0x1000, PAGE_SIZE, FL), 0);
	cr_expect_eq(pt_table_frames(), tables0 + 3);
	pt_release();
	pmm_fail_nth(0);
	cr_expect_eq(pmm_free_frames(), free0 - 3);
	cr_assert_eq(pt_unmap(root, GiB(1), GiB(1)), 0);
	cr_expect_eq(pmm_free_frames(), free0);
	cr_expect_eq(pt_table_frames(), tables0);
}

/* A reservation that cannot be met takes nothing. */
Test(pt, reserve_all_or_nothing)
{
	size_t free0 = pmm_free_frames();

	pmm_fail_nth(4);
	cr_expect_eq(pt_reserve(6), -ENOMEM);
	pmm_fail_nth(0);
	cr_expect_eq(pmm_free_frames(), free0);
	cr_assert_eq(pt_reserve(2), 0);
	pt_release();
	cr_expect_eq(pmm_free_frames(), free0);
}

/* ------------------------------------------------------------ policy and geometry */

/* pt_leaf_size: largest supported size both addresses and the room allow. */
Test(pt, leaf_size_policy)
{
	cr_expect_eq(pt_leaf_size(GiB(1), GiB(2), GiB(1), PT_LEAF_MAP), GiB(1));
	cr_expect_eq(pt_leaf_size(GiB(1), GiB(2), GiB(1) - PAGE_SIZE, PT_LEAF_MAP), MiB(2));
	cr_expect_eq(pt_leaf_size(GiB(1), GiB(2) + MiB(2), GiB(4), PT_LEAF_MAP), MiB(2));
	cr_expect_eq(pt_leaf_size(GiB(1) + PAGE_SIZE, GiB(2), GiB(4), PT_LEAF_MAP), PAGE_SIZE);
	cr_expect_eq(pt_leaf_size(0, 0, GiB(1024), PT_LEAF_MAP), GiB(1)); /* no 512 GiB leaves */
	host_has_1g = false;
	cr_expect_eq(pt_leaf_size(GiB(1), GiB(2), GiB(1), PT_LEAF_MAP), MiB(2));
	host_has_1g = true;
	/* fresh frames: the first large size at most, only while memory is plentiful */
	cr_expect_eq(pt_leaf_size(GiB(1), 0, GiB(1), PT_LEAF_FRESH), MiB(2));
	cr_expect_eq(pt_leaf_size(GiB(1), 0, MiB(1), PT_LEAF_FRESH), PAGE_SIZE);
	pmm_fail_nth(0);
	{
		size_t keep = pmm_total_frames() / 4 + MiB(2) / PAGE_SIZE - 1;
		size_t n = pmm_free_frames() - keep, i;
		paddr_t *held = calloc(n, sizeof(*held));

		cr_assert_not_null(held);
		for (i = 0; i < n; i++)
			cr_assert_neq(held[i] = pmm_alloc(0), 0);
		cr_expect_eq(pt_leaf_size(GiB(1), 0, GiB(1), PT_LEAF_FRESH), PAGE_SIZE);
		pmm_free(held[0], 0);
		cr_expect_eq(pt_leaf_size(GiB(1), 0, GiB(1), PT_LEAF_FRESH), MiB(2));
		for (i = 1; i < n; i++)
			pmm_free(held[i], 0);
		free(held);
	}
}

/* pt_tally_tables: one table per level-1, -2 and -3 entry a range meets, shared ones once. */
Test(pt, tally_tables)
{
	struct pt_table_tally t = {0};

	pt_tally_tables(&t, GiB(1), GiB(1) + PAGE_SIZE);
	cr_expect_eq(t.tables, 3);
	pt_tally_tables(&t, GiB(1) + MiB(1), GiB(1) + MiB(3));
	cr_expect_eq(t.tables, 4); /* a second 2 MiB region */
	pt_tally_tables(&t, GiB(3), GiB(3) + MiB(4));
	cr_expect_eq(t.tables, 7); /* a second 1 GiB region with two 2 MiB ones */
	pt_tally_tables(&t, GiB(512), GiB(512) + PAGE_SIZE);
	cr_expect_eq(t.tables, 10);
}

/*
 * pt_tally_map: no last-level table for a range of whole 2 MiB leaves (va and
 * pa on 2 MiB boundaries), none below 1 GiB for whole 1 GiB leaves, and the
 * pt_tally_tables count when pa or the length does not allow those leaves.
 */
Test(pt, tally_map_skips_levels_below_the_leaves)
{
	struct pt_table_tally t = {0};

	pt_tally_map(&t, GiB(1), MiB(2), GiB(1) + MiB(4));
	cr_expect_eq(t.tables, 2); /* a PD and a PDPT, no PT */
	pt_tally_map(&t, GiB(1) + MiB(4), MiB(2) + PAGE_SIZE, GiB(1) + MiB(6));
	cr_expect_eq(t.tables, 3); /* pa off the boundary: 4 KiB leaves, one PT */
	pt_tally_map(&t, GiB(1) + MiB(8), MiB(8), GiB(1) + MiB(11));
	cr_expect_eq(t.tables, 5); /* 3 MiB: a 2 MiB leaf and 4 KiB ones, counted as 2 PTs */
	host_has_1g = true;
	pt_tally_map(&t, GiB(4), GiB(2), GiB(6));
	cr_expect_eq(t.tables, 5); /* two 1 GiB leaves under the PDPT already counted */
	pt_tally_map(&t, GiB(512), GiB(2), GiB(513));
	cr_expect_eq(t.tables, 6); /* a 1 GiB leaf under a second PDPT */
}

/* pt_create_kernel gives each kernel-half top-level entry a table; all or nothing. */
Test(pt, create_kernel_prefills_kernel_half)
{
	size_t free_frames = pmm_free_frames();
	paddr_t k, u;
	struct pt_leaf q;

	pmm_fail_nth(5);
	cr_expect_eq(pt_create_kernel(&k), -ENOMEM);
	pmm_fail_nth(0);
	cr_expect_eq(pt_table_frames(), frames0);
	cr_expect_eq(pmm_free_frames(), free_frames);
	cr_assert_eq(pt_create_kernel(&k), 0);
	cr_expect_eq(pt_table_frames(), frames0 + 1 + PT_ENTRIES / 2);
	cr_assert_eq(pt_create_user(k, &u), 0);
	/* a kernel mapping made after the user root exists is seen through it */
	cr_assert_eq(pt_map(k, PT_KERNEL_BASE + GiB(3), PA_OFF, PAGE_SIZE, PT_WRITE), 0);
	cr_expect(pt_query(u, PT_KERNEL_BASE + GiB(3), &q) && q.pa == PA_OFF);
	pt_destroy(u, PT_DESTROY_USER_HALF);
	cr_assert_eq(pt_unmap(k, PT_KERNEL_BASE + GiB(3), PAGE_SIZE), 0);
	pt_destroy(k, PT_DESTROY_ALL);
	cr_expect_eq(pt_table_frames(), frames0);
	cr_expect_eq(pmm_free_frames(), free_frames);
}

/* ------------------------------------------------------------ copy */

/* The leaves of `l` with `clear` taken off their flags. */
static struct listing listing_cleared(const struct listing *l, unsigned clear)
{
	struct listing out = {0};

	for (size_t i = 0; i < l->n; i++) {
		struct pt_leaf leaf = l->v[i];

		leaf.flags &= ~clear;
		listing_add(&out, &leaf);
	}
	return out;
}

/*
 * A source with every leaf size, holes and mixed flags: 4 KiB pages, a
 * 1 GiB leaf, a 2 MiB leaf, 4 KiB pages, a hole, a read-only 2 MiB leaf.
 */
static void copy_source(void)
{
	cr_assert_eq(pt_map(root, GiB(1) - 2 * PAGE_SIZE, GiB(1) - 2 * PAGE_SIZE + PA_OFF,
			    GiB(1) + PAGE_2M + 5 * PAGE_SIZE, FL), 0);
	cr_assert_eq(pt_map(root, GiB(2) + 2 * PAGE_2M, GiB(2) + 2 * PAGE_2M + PA_OFF, PAGE_2M,
			    PT_USER | PT_NX), 0);
}

/*
 * A whole range: the same leaves (sizes, frames) with the cleared flags off,
 * the same tables; each source leaf told to the callback as it is, in order.
 */
Test(pt, copy_keeps_leaves_and_clears_flags)
{
	vaddr_t va = GiB(1) - PAGE_2M, end = GiB(2) + 3 * PAGE_2M;
	struct listing src, dst, want, parts = {0};
	paddr_t d;

	copy_source();
	cr_assert_eq(pt_create(&d), 0);
	cr_assert_eq(pt_copy(root, d, va, end - va, PT_WRITE, listing_add, &parts), 0);
	src = list_user(root);
	dst = list_user(d);
	want = listing_cleared(&src, PT_WRITE);
	cr_expect_eq(count_size(&dst, PAGE_1G), 1);
	cr_expect_eq(count_size(&dst, PAGE_2M), 2);
	cr_expect(listing_eq(&dst, &want), "%zu leaves copied, %zu expected", dst.n, want.n);
	cr_expect(listing_eq(&parts, &src), "%zu parts told, %zu leaves", parts.n, src.n);
	cr_expect_eq(pt_count_tables(d, 0, PT_USER_TOP), pt_count_tables(root, 0, PT_USER_TOP));
	listing_free(&src);
	listing_free(&dst);
	listing_free(&want);
	listing_free(&parts);
	pt_destroy(d, PT_DESTROY_ALL);
}

/* Bytes the leaves of l map. */
static uint64_t listing_bytes(const struct listing *l)
{
	uint64_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		n += l->v[i].size;
	return n;
}

/* A range cutting through large leaves: the cut parts mapped as pt_map maps them. */
Test(pt, copy_of_part_of_large_leaves_is_a_map)
{
	vaddr_t va = GiB(1) + PAGE_2M + 5 * PAGE_SIZE, end = GiB(2) + 7 * PAGE_SIZE;
	struct listing dst, want, parts = {0};
	paddr_t d, m;

	copy_source();
	cr_assert_eq(pt_create(&d), 0);
	cr_assert_eq(pt_create(&m), 0);
	cr_assert_eq(pt_copy(root, d, va, end - va, 0, listing_add, &parts), 0);
	cr_assert_eq(pt_map(m, va, va + PA_OFF, end - va, FL), 0);
	dst = list_user(d);
	want = list_user(m);
	cr_expect(listing_eq(&dst, &want), "%zu leaves, pt_map made %zu", dst.n, want.n);
	cr_expect_eq(parts.v[0].va, va, "the first part starts at the range");
	cr_expect_eq(parts.v[0].pa, va + PA_OFF);
	cr_expect_eq(listing_bytes(&parts), end - va, "the parts told cover the range");
	listing_free(&parts);
	cr_expect_eq(pt_count_tables(d, 0, PT_USER_TOP), pt_count_tables(m, 0, PT_USER_TOP));
	listing_free(&dst);
	listing_free(&want);
	pt_destroy(d, PT_DESTROY_ALL);
	pt_destroy(m, PT_DESTROY_ALL);
}

/* A page of the range mapped in dst: -EEXIST, nothing changed; bad arguments: -EINVAL. */
Test(pt, copy_eexist_and_einval)
{
	struct listing before, after, told = {0};
	paddr_t d;

	copy_source();
	cr_assert_eq(pt_create(&d), 0);
	cr_assert_eq(pt_map(d, GiB(2) + 9 * PAGE_SIZE, 0x5000, PAGE_SIZE, FL), 0);
	before = list_user(d);
	cr_expect_eq(pt_copy(root, d, GiB(1), GiB(2), 0, listing_add, &told), -EEXIST);
	cr_expect_eq(pt_copy(root, d, GiB(1) + 1, PAGE_SIZE, 0, listing_add, &told), -EINVAL);
	cr_expect_eq(pt_copy(root, d, GiB(1), 0, 0, listing_add, &told), -EINVAL);
	cr_expect_eq(pt_copy(root, d, GiB(1), PAGE_SIZE, ~0u, listing_add, &told), -EINVAL);
	after = list_user(d);
	cr_expect(listing_eq(&before, &after));
	cr_expect_eq(told.n, 0, "nothing copied, nothing told");
	listing_free(&before);
	listing_free(&after);
	pt_destroy(d, PT_DESTROY_ALL);
}

/* The same without a callback: whole leaves only (nothing copied in part), all kept. */
Test(pt, copy_of_whole_leaves_without_callback_keeps_them)
{
	vaddr_t va = GiB(1) - PAGE_2M, end = GiB(2) + 3 * PAGE_2M;
	struct listing src, dst, want;
	paddr_t d;

	copy_source();
	cr_assert_eq(pt_create(&d), 0);
	cr_assert_eq(pt_copy(root, d, va, end - va, PT_WRITE, NULL, NULL), 0);
	src = list_user(root);
	dst = list_user(d);
	want = listing_cleared(&src, PT_WRITE);
	cr_expect(listing_eq(&dst, &want), "%zu leaves copied, %zu expected", dst.n, want.n);
	listing_free(&src);
	listing_free(&dst);
	listing_free(&want);
	pt_destroy(d, PT_DESTROY_ALL);
}

/* Every table allocation failing in turn: -ENOMEM with dst as before and no table kept. */
Test(pt, copy_oom_all_or_nothing)
{
	vaddr_t va = GiB(1) - 2 * PAGE_SIZE, end = GiB(2) + 3 * PAGE_2M;
	struct listing before, after;
	unsigned long k;
	paddr_t d;
	int err = -ENOMEM;

	copy_source();
	cr_assert_eq(pt_create(&d), 0);
	cr_assert_eq(pt_map(d, PAGE_1G * 8, 0x5000, PAGE_SIZE, FL), 0);
	before = list_user(d);
	for (k = 1; err; k++) {
		size_t tables = pt_table_frames();

		pmm_fail_nth(k);
		err = pt_copy(root, d, va, end - va, PT_WRITE, NULL, NULL);
		pmm_fail_nth(0);
		if (!err)
			break;
		cr_assert_eq(err, -ENOMEM);
		after = list_user(d);
		cr_assert(listing_eq(&before, &after), "failure %lu changed dst", k);
		cr_assert_eq(pt_table_frames(), tables, "failure %lu kept tables", k);
		listing_free(&after);
	}
	cr_expect_gt(k, 3, "only %lu allocation points", k - 1);
	listing_free(&before);
	pt_destroy(d, PT_DESTROY_ALL);
}

/*
 * With a callback, every table allocation failing in turn: -ENOMEM, and dst
 * holds what it held plus exactly the parts told to the callback, each
 * mapped to its frames without the cleared flag; destroying dst keeps no
 * table.
 */
Test(pt, copy_oom_keeps_exactly_the_parts_told)
{
	vaddr_t va = GiB(1) - 2 * PAGE_SIZE, end = GiB(2) + 3 * PAGE_2M;
	unsigned long k;
	int err = -ENOMEM;

	copy_source();
	for (k = 1; err; k++) {
		size_t tables = pt_table_frames();
		struct listing after, told = {0};
		struct pt_leaf q;
		paddr_t d;

		cr_assert_eq(pt_create(&d), 0);
		cr_assert_eq(pt_map(d, PAGE_1G * 8, 0x5000, PAGE_SIZE, FL), 0);
		pmm_fail_nth(k);
		err = pt_copy(root, d, va, end - va, PT_WRITE, listing_add, &told);
		pmm_fail_nth(0);
		after = list_user(d);
		if (err)
			cr_assert_eq(err, -ENOMEM);
		cr_assert_eq(listing_bytes(&after), PAGE_SIZE + listing_bytes(&told),
			     "failure %lu: %zu parts told", k, told.n);
		for (size_t i = 0; i < told.n; i++) {
			cr_assert(pt_query(d, told.v[i].va, &q));
			cr_assert_eq(q.pa + (told.v[i].va - q.va), told.v[i].pa);
			cr_assert_eq(q.flags, told.v[i].flags & ~PT_WRITE);
		}
		listing_free(&after);
		listing_free(&told);
		pt_destroy(d, PT_DESTROY_ALL);
		cr_assert_eq(pt_table_frames(), tables, "failure %lu kept tables", k);
	}
	cr_expect_gt(k, 3, "only %lu allocation points", k - 1);
}

/* ------------------------------------------------------------ pt_map_pages */

/*
 * pt_map_pages maps the pages it is given in one table, skips zeros and
 * pages already mapped (clearing their pa), folds nothing that is not
 * uniform, refuses a run that spans tables, and under allocation failure
 * maps nothing and leaves no table behind.
 */
Test(pt, map_pages_maps_the_given_frames_and_skips_the_rest)
{
	vaddr_t va = 0x40000000 + MiB(2) - 4 * PAGE_SIZE;
	paddr_t pa[5] = {0x100000, 0, 0x300000, 0x200000, 0};

	cr_assert_eq(pt_map(root, va + 3 * PAGE_SIZE, 0x900000, PAGE_SIZE, FL), 0);
	cr_assert_eq(pt_map_pages(root, va, 4, pa, FL), 0);
	expect_query(va, va, 0x100000, PAGE_SIZE, FL);
	expect_query(va + 2 * PAGE_SIZE, va + 2 * PAGE_SIZE, 0x300000, PAGE_SIZE, FL);
	expect_query(va + 3 * PAGE_SIZE, va + 3 * PAGE_SIZE, 0x900000, PAGE_SIZE, FL);
	cr_expect(pa[0] == 0x100000 && pa[1] == 0 && pa[2] == 0x300000 && pa[3] == 0,
		  "pa[] holds what was mapped");
	{
		struct pt_leaf q;

		cr_expect_not(pt_query(root, va + PAGE_SIZE, &q));
	}
	pa[0] = 0x100000;
	cr_expect_eq(pt_map_pages(root, va, 5, pa, FL), -EINVAL, "five pages span two tables");
	cr_expect_eq(pa[0], 0);
	cr_assert_eq(pt_unmap(root, va, 4 * PAGE_SIZE), 0);
	cr_expect_eq(pt_table_frames(), frames0);
}

Test(pt, map_pages_out_of_tables_maps_nothing)
{
	paddr_t pa[2] = {0x100000, 0x101000};
	struct pt_leaf q;

	pmm_fail_nth(2);
	cr_expect_eq(pt_map_pages(root, 0x40000000, 2, pa, FL), -ENOMEM);
	pmm_fail_nth(0);
	cr_expect(pa[0] == 0 && pa[1] == 0);
	cr_expect_not(pt_query(root, 0x40000000, &q));
	cr_expect_eq(pt_table_frames(), frames0, "the tables made are freed");
}

/* ------------------------------------------------------------ pt_map_from */

/* The leaves of `l` moved by `delta`. */
static struct listing listing_moved(const struct listing *l, vaddr_t delta)
{
	struct listing out = {0};

	for (size_t i = 0; i < l->n; i++) {
		struct pt_leaf leaf = l->v[i];

		leaf.va += delta;
		listing_add(&out, &leaf);
	}
	return out;
}

/* The leaves of `root` in [va, end). */
static struct listing list_range(vaddr_t va, vaddr_t end)
{
	struct listing l = {0};

	cr_assert_eq(pt_walk(root, va, end - va, listing_add, &l), 0);
	return l;
}

/*
 * A move to a target congruent modulo 1 GiB: the same leaves (sizes, frames,
 * flags) at the target, each with its source state plus the state added; the
 * source stays as it was; the tables made are what pt_tally_map counted.
 */
Test(pt, map_from_keeps_leaves_and_adds_state)
{
	vaddr_t va = GiB(1) - 2 * PAGE_SIZE, end = GiB(2) + 3 * PAGE_2M, to = va + GiB(8);
	struct listing src, dst, want;
	struct pt_table_tally t = {0};
	size_t tables;

	host_has_1g = true;
	copy_source();
	cr_assert_eq(pt_add_state(root, GiB(2) + 2 * PAGE_2M, PAGE_2M, PT_STATE_DIRTY), 1);
	src = list_range(va, end);
	for (size_t i = 0; i < src.n; i++)
		pt_tally_map(&t, src.v[i].va + GiB(8), src.v[i].pa,
			     src.v[i].va + src.v[i].size + GiB(8));
	tables = pt_table_frames();
	cr_assert_eq(pt_map_from(root, to, va, end - va, PT_STATE_SOFT_DIRTY), 0);
	/* every table counted was made but the PDPT of [0, 512 GiB), which the source uses */
	cr_expect_eq(pt_table_frames() - tables, t.tables - 1);
	dst = list_range(to, end + GiB(8));
	want = listing_moved(&src, GiB(8));
	cr_expect_eq(count_size(&dst, PAGE_1G), 1);
	cr_expect(listing_eq(&dst, &want), "%zu leaves at the target, %zu expected", dst.n, want.n);
	for (size_t i = 0; i < dst.n && i < src.n; i++)
		cr_expect_eq(dst.v[i].state, src.v[i].state | PT_STATE_SOFT_DIRTY, "leaf %zu", i);
	listing_free(&want);
	want = list_range(va, end);
	cr_expect(listing_eq(&src, &want), "the source changed");
	listing_free(&src);
	listing_free(&dst);
	listing_free(&want);
}

/*
 * A target on a 2 MiB boundary only: the 1 GiB leaf arrives as 2 MiB leaves,
 * exactly as pt_map would map those frames there, within pt_tally_map's bound.
 */
Test(pt, map_from_to_a_2m_boundary_is_a_map)
{
	vaddr_t va = GiB(1), end = GiB(2) + 3 * PAGE_2M, to = GiB(16) + PAGE_2M;
	struct listing dst, want;
	struct pt_table_tally t = {0};
	size_t tables;
	paddr_t m;

	host_has_1g = true;
	copy_source();
	pt_tally_map(&t, to, GiB(1) + PA_OFF, to + GiB(1));
	pt_tally_map(&t, to + GiB(1), GiB(2) + PA_OFF, to + GiB(1) + PAGE_2M);
	pt_tally_map(&t, to + GiB(1) + PAGE_2M, GiB(2) + PAGE_2M + PA_OFF,
		     to + GiB(1) + PAGE_2M + 3 * PAGE_SIZE);
	pt_tally_map(&t, to + GiB(1) + 2 * PAGE_2M, GiB(2) + 2 * PAGE_2M + PA_OFF,
		     to + GiB(1) + 3 * PAGE_2M);
	tables = pt_table_frames();
	cr_assert_eq(pt_map_from(root, to, va, end - va, 0), 0);
	cr_expect_leq(pt_table_frames() - tables, t.tables);
	cr_assert_eq(pt_create(&m), 0);
	cr_assert_eq(pt_map(m, to, va + PA_OFF, GiB(1) + PAGE_2M + 3 * PAGE_SIZE, FL), 0);
	cr_assert_eq(pt_map(m, to + GiB(1) + 2 * PAGE_2M, GiB(2) + 2 * PAGE_2M + PA_OFF, PAGE_2M,
			    PT_USER | PT_NX), 0);
	dst = list_range(to, to + (end - va));
	want = list_user(m);
	cr_expect_eq(count_size(&dst, PAGE_2M), 514);
	cr_expect(listing_eq(&dst, &want), "%zu leaves, pt_map made %zu", dst.n, want.n);
	listing_free(&dst);
	listing_free(&want);
	pt_destroy(m, PT_DESTROY_ALL);
}

/* A mapped target page: -EEXIST; overlapping ranges and bad arguments: -EINVAL; nothing changed. */
Test(pt, map_from_eexist_and_einval)
{
	struct listing before, after;

	copy_source();
	cr_assert_eq(pt_map(root, GiB(8) + 9 * PAGE_SIZE, 0x5000, PAGE_SIZE, FL), 0);
	before = list_user(root);
	cr_expect_eq(pt_map_from(root, GiB(8), GiB(1), GiB(1), 0), -EEXIST);
	cr_expect_eq(pt_map_from(root, GiB(1) + PAGE_2M, GiB(1), GiB(1), 0), -EINVAL);
	cr_expect_eq(pt_map_from(root, GiB(1) - GiB(1) / 2, GiB(1), GiB(1), 0), -EINVAL);
	cr_expect_eq(pt_map_from(root, GiB(12), GiB(1) + 1, PAGE_SIZE, 0), -EINVAL);
	cr_expect_eq(pt_map_from(root, GiB(12) + 1, GiB(1), PAGE_SIZE, 0), -EINVAL);
	cr_expect_eq(pt_map_from(root, GiB(12), GiB(1), 0, 0), -EINVAL);
	after = list_user(root);
	cr_expect(listing_eq(&before, &after));
	listing_free(&before);
	listing_free(&after);
}

/* Every table allocation failing in turn: -ENOMEM with the root as before and no table kept. */
Test(pt, map_from_oom_all_or_nothing)
{
	vaddr_t va = GiB(1) - 2 * PAGE_SIZE, end = GiB(2) + 3 * PAGE_2M;
	struct listing before, after;
	unsigned long k;
	int err = -ENOMEM;

	copy_source();
	before = list_user(root);
	for (k = 1; err; k++) {
		size_t tables = pt_table_frames();

		pmm_fail_nth(k);
		err = pt_map_from(root, GiB(20) + PAGE_2M - 2 * PAGE_SIZE, va, end - va, 0);
		pmm_fail_nth(0);
		if (!err)
			break;
		cr_assert_eq(err, -ENOMEM);
		after = list_user(root);
		cr_assert(listing_eq(&before, &after), "failure %lu changed the root", k);
		cr_assert_eq(pt_table_frames(), tables, "failure %lu kept tables", k);
		listing_free(&after);
	}
	cr_expect_gt(k, 3, "only %lu allocation points", k - 1);
	listing_free(&before);
}
