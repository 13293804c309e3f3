/*
 * The test registry: the .ktest section (struct ktest records between
 * __ktest_start and __ktest_end) plus tests added by ktest_register, sorted by suite and name, narrowed by
 * bootmm.filter and bootmm.shard, optionally shuffled by bootmm.shuffle.
 */
#include "internal.h"
#include "lib/assert.h"
#include "lib/printf.h"
#include "lib/string.h"

extern const struct ktest __ktest_start[], __ktest_end[];

#define KTEST_DYN_MAX 64

static const struct ktest *reg_scratch[KTEST_MAX];
static const struct ktest *reg_dynamic[KTEST_DYN_MAX];
static size_t reg_ndynamic;

void ktest_register(const struct ktest *t)
{
	if (reg_ndynamic == KTEST_DYN_MAX)
		panic("ktest_register: more than %d run-time tests", KTEST_DYN_MAX);
	reg_dynamic[reg_ndynamic++] = t;
}

/* Order by suite, then name. */
static int reg_cmp(const struct ktest *a, const struct ktest *b)
{
	int c = strcmp(a->suite, b->suite);

	return c ? c : strcmp(a->name, b->name);
}

/* Insertion sort of v[0..n). */
static void reg_sort(const struct ktest **v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		const struct ktest *t = v[i];
		size_t j = i;

		for (; j > 0 && reg_cmp(v[j - 1], t) > 0; j--)
			v[j] = v[j - 1];
		v[j] = t;
	}
}

/* True when "suite.name" matches one of the filter globs (or there are none). */
static bool reg_selected(const struct ktest *t, const struct bootmm_opts *o)
{
	char full[160];

	if (o->nfilter == 0)
		return true;
	ksnprintf(full, sizeof(full), "%s.%s", t->suite, t->name);
	for (size_t i = 0; i < o->nfilter; i++)
		if (str_glob_match(o->filter[i], full))
			return true;
	return false;
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

/* Shuffle the order of the suites, then the tests inside each one. */
static void reg_shuffle(struct ktest_plan *p, uint64_t seed)
{
	static size_t order[KTEST_MAX];
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
			reg_scratch[n++] = p->tests[i];
	memcpy(p->tests, reg_scratch, n * sizeof(p->tests[0]));
	reg_group(p);
	for (size_t s = 0; s < p->nsuites; s++)
		reg_shuffle_range(&p->tests[p->suite_start[s]],
				  p->suite_start[s + 1] - p->suite_start[s], &rng);
}

void ktest_plan_build(struct ktest_plan *p, const struct bootmm_opts *o)
{
	size_t nstatic = (size_t)(__ktest_end - __ktest_start), k = 0;
	size_t all = nstatic + reg_ndynamic;

	if (all > KTEST_MAX)
		panic("ktest: %zu tests registered, at most %d", all, KTEST_MAX);
	for (size_t i = 0; i < nstatic; i++)
		reg_scratch[i] = &__ktest_start[i];
	for (size_t i = 0; i < reg_ndynamic; i++)
		reg_scratch[nstatic + i] = reg_dynamic[i];
	reg_sort(reg_scratch, all);
	p->ntests = 0;
	for (size_t i = 0; i < all; i++) {
		if (!reg_selected(reg_scratch[i], o))
			continue;
		if (k++ % o->shard_n == o->shard_i - 1)
			p->tests[p->ntests++] = reg_scratch[i];
	}
	reg_group(p);
	if (o->shuffle)
		reg_shuffle(p, o->seed);
}
