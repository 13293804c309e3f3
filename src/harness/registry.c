/*
 * The test registry: the .ktest section (struct ktest records between
 * __ktest_start and __ktest_end) plus tests added by ktest_register, sorted
 * by suite and name, narrowed by bootmm.filter and bootmm.shard, optionally
 * shuffled by bootmm.shuffle. No fixed limit: the run-time list and the plan
 * grow on the heap; lack of memory is an error the caller reports.
 */
#include "internal.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/heap.h"

extern const struct ktest __ktest_start[], __ktest_end[];

#define REG_DYN_MIN 64

static const struct ktest **reg_dynamic;
static size_t reg_ndynamic, reg_cap;

int ktest_register(const struct ktest *t)
{
	if (reg_ndynamic == reg_cap) {
		size_t cap = reg_cap ? reg_cap * 2 : REG_DYN_MIN;
		const struct ktest **v = kmalloc(cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		if (reg_ndynamic)
			memcpy(v, reg_dynamic, reg_ndynamic * sizeof(*v));
		kfree(reg_dynamic);
		reg_dynamic = v;
		reg_cap = cap;
	}
	reg_dynamic[reg_ndynamic++] = t;
	return 0;
}

/* Order by suite, then name. */
static int reg_cmp(const struct ktest *a, const struct ktest *b)
{
	int c = strcmp(a->suite, b->suite);

	return c ? c : strcmp(a->name, b->name);
}

/* Merge the sorted runs v[lo, mid) and v[mid, hi) through tmp. */
static void reg_merge(const struct ktest **v, const struct ktest **tmp, size_t lo, size_t mid,
		      size_t hi)
{
	size_t i = lo, j = mid, k = lo;

	while (i < mid && j < hi)
		tmp[k++] = reg_cmp(v[j], v[i]) < 0 ? v[j++] : v[i++];
	while (i < mid)
		tmp[k++] = v[i++];
	while (j < hi)
		tmp[k++] = v[j++];
	memcpy(v + lo, tmp + lo, (hi - lo) * sizeof(*v));
}

/* Stable bottom-up merge sort of v[0..n) with scratch tmp[0..n): O(n log n). */
static void reg_sort(const struct ktest **v, const struct ktest **tmp, size_t n)
{
	for (size_t w = 1; w < n; w *= 2)
		for (size_t lo = 0; lo + w < n; lo += 2 * w)
			reg_merge(v, tmp, lo, lo + w, MIN(lo + 2 * w, n));
}

/* True when "suite.name" matches one of the filter globs (or there are none). */
static bool reg_selected(const struct ktest *t, const struct bootmm_opts *o)
{
	char full[160];

	if (o->nfilter == 0 || (t->flags & KTEST_F_UNFILTERED))
		return true;
	ksnprintf(full, sizeof(full), "%s.%s", t->suite, t->name);
	return bootmm_filter_match(o, full);
}

/* Mark where each suite starts in p->tests. */
static void reg_group(struct ktest_plan *p)
{
	p->nsuites = 0;
	for (size_t i = 0; i < p->ntests; i++)
		if (i == 0 || strcmp(p->tests[i - 1]->suite, p->tests[i]->suite))
			p->suite_start[p->nsuites++] = i;
	p->suite_start[p->nsuites] = p->ntests;
}

/* splitmix64: a small seeded generator for the shuffle. */
static uint64_t reg_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Fisher-Yates over v[0..n). */
static void reg_shuffle_range(const struct ktest **v, size_t n, uint64_t *rng)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = reg_rand(rng) % i;
		const struct ktest *t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
}

/*
 * Shuffle the order of the suites, then the tests inside each one; order
 * has room for p->nsuites entries, scratch for p->ntests.
 */
static void reg_shuffle(struct ktest_plan *p, uint64_t seed, size_t *order,
			const struct ktest **scratch)
{
	size_t n = 0;
	uint64_t rng = seed;

	for (size_t s = 0; s < p->nsuites; s++)
		order[s] = s;
	for (size_t i = p->nsuites; i > 1; i--) {
		size_t j = reg_rand(&rng) % i, k = order[i - 1];

		order[i - 1] = order[j];
		order[j] = k;
	}
	for (size_t s = 0; s < p->nsuites; s++)
		for (size_t i = p->suite_start[order[s]]; i < p->suite_start[order[s] + 1]; i++)
			scratch[n++] = p->tests[i];
	memcpy(p->tests, scratch, n * sizeof(p->tests[0]));
	reg_group(p);
	for (size_t s = 0; s < p->nsuites; s++)
		reg_shuffle_range(&p->tests[p->suite_start[s]],
				  p->suite_start[s + 1] - p->suite_start[s], &rng);
}

int ktest_plan_build(struct ktest_plan *p, const struct bootmm_opts *o)
{
	size_t nstatic = (size_t)(__ktest_end - __ktest_start), k = 0;
	size_t all = nstatic + reg_ndynamic;
	const struct ktest **v = kmalloc((all + 1) * sizeof(*v));
	const struct ktest **tmp = kmalloc((all + 1) * sizeof(*tmp));

	p->tests = kmalloc((all + 1) * sizeof(*p->tests));
	p->suite_start = kmalloc((all + 1) * sizeof(*p->suite_start));
	if (!v || !tmp || !p->tests || !p->suite_start) {
		kfree(v);
		kfree(tmp);
		kfree(p->tests);
		kfree(p->suite_start);
		p->tests = NULL;
		p->suite_start = NULL;
		return -ENOMEM;
	}
	for (size_t i = 0; i < nstatic; i++)
		v[i] = &__ktest_start[i];
	for (size_t i = 0; i < reg_ndynamic; i++)
		v[nstatic + i] = reg_dynamic[i];
	reg_sort(v, tmp, all);
	p->ntests = 0;
	for (size_t i = 0; i < all; i++) {
		if (!reg_selected(v[i], o))
			continue;
		if (k++ % o->shard_n == o->shard_i - 1)
			p->tests[p->ntests++] = v[i];
	}
	reg_group(p);
	kfree(v);
	if (o->shuffle) {
		size_t *order = kmalloc((p->nsuites + 1) * sizeof(*order));

		if (!order) {
			kfree(tmp);
			return -ENOMEM;
		}
		reg_shuffle(p, o->seed, order, tmp);
		kfree(order);
	}
	kfree(tmp);
	return 0;
}
