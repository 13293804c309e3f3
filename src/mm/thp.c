/*
 * thp: the transparent huge page policy and its knobs (include/mm/thp.h).
 */
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/mmarch.h"
#include "mm/pt.h"
#include "mm/thp.h"

#define THP_MAX_ORDER 31

/* Per-size modes, in Linux's word order for hugepages-<N>kB/enabled. */
enum thp_mode { THP_ALWAYS, THP_INHERIT, THP_MADVISE, THP_NEVER };

/* A knob that is one word out of a list: the words, in the order Linux shows them. */
struct thp_words {
	const char *const *words;
	unsigned count;
};

static const char *const thp_enabled_words[] = {"always", "madvise", "never"};
static const char *const thp_size_words[] = {"always", "inherit", "madvise", "never"};
static const char *const thp_defrag_words[] = {"always", "defer", "defer+madvise", "madvise",
					       "never"};
static const char *const thp_shmem_words[] = {"always", "within_size", "advise", "never",
					      "deny", "force"};

enum { THP_TOP_ALWAYS, THP_TOP_MADVISE, THP_TOP_NEVER };
enum { THP_DEFRAG_NEVER = 4 };
enum { THP_SHMEM_NEVER = 3, THP_SHMEM_DENY = 4 };

#define THP_PMD_ORDER ((unsigned)__builtin_ctzll(PT_LEVEL_SIZE(1) / PAGE_SIZE))
#define THP_PMD_PTES (1u << THP_PMD_ORDER)

/* The state behind the knobs. */
struct thp_state {
	unsigned enabled;                 /* index in thp_enabled_words */
	unsigned defrag;                  /* index in thp_defrag_words */
	unsigned shmem;                   /* index in thp_shmem_words */
	unsigned size[THP_MAX_ORDER + 1]; /* enum thp_mode per order */
	uint64_t num[THP_KNOB_COUNT];     /* the number knobs, by knob */
};

/* Linux's boot defaults (khugepaged's from HPAGE_PMD_NR), an initializer of struct thp_state. */
#define THP_DEFAULTS                                                                       \
	{                                                                                  \
		.enabled = THP_TOP_ALWAYS, .defrag = THP_DEFRAG_NEVER,                     \
		.shmem = THP_SHMEM_NEVER,                                                  \
		.size = {[0 ... THP_PMD_ORDER - 1] = THP_NEVER,                            \
			 [THP_PMD_ORDER] = THP_INHERIT,                                    \
			 [THP_PMD_ORDER + 1 ... THP_MAX_ORDER] = THP_NEVER},               \
		.num = {[THP_KNOB_USE_ZERO_PAGE] = 1, [THP_KNOB_KH_DEFRAG] = 1,             \
			[THP_KNOB_KH_ALLOC_SLEEP] = 60000,                                 \
			[THP_KNOB_KH_SCAN_SLEEP] = 10000,                                  \
			[THP_KNOB_KH_MAX_PTES_NONE] = THP_PMD_PTES - 1,                    \
			[THP_KNOB_KH_MAX_PTES_SWAP] = THP_PMD_PTES / 8,                    \
			[THP_KNOB_KH_MAX_PTES_SHARED] = THP_PMD_PTES / 2,                  \
			[THP_KNOB_KH_PAGES_TO_SCAN] = THP_PMD_PTES * 8},                   \
	}

static struct thp_state thp = THP_DEFAULTS;

/* thp_anon_orders by advice, worked out again after a knob changed (every fault asks). */
static uint32_t thp_orders_of[THP_ADVICE_NOHUGEPAGE + 1];
static bool thp_orders_stale = true;

unsigned thp_pmd_order(void)
{
	return THP_PMD_ORDER;
}

uint32_t thp_anon_supported_orders(void)
{
	return (uint32_t)((2u << THP_PMD_ORDER) - (1u << THP_MIN_ORDER));
}

void thp_reset(void)
{
	thp = (struct thp_state)THP_DEFAULTS;
	thp_orders_stale = true;
}

/* thp_anon_orders worked out from the knobs. */
static uint32_t thp_anon_orders_now(enum thp_advice advice)
{
	bool madvised = advice == THP_ADVICE_HUGEPAGE;
	bool inherit = thp.enabled == THP_TOP_ALWAYS ||
		       (madvised && thp.enabled == THP_TOP_MADVISE);
	uint32_t orders = 0, supported = thp_anon_supported_orders();

	if (advice == THP_ADVICE_NOHUGEPAGE)
		return 0;
	for (unsigned o = THP_MIN_ORDER; o <= thp_pmd_order(); o++) {
		unsigned m = thp.size[o];

		if (m == THP_ALWAYS || (m == THP_MADVISE && madvised) ||
		    (m == THP_INHERIT && inherit))
			orders |= 1u << o;
	}
	return orders & supported;
}

uint32_t thp_anon_orders(enum thp_advice advice)
{
	if (thp_orders_stale) {
		for (unsigned a = THP_ADVICE_NONE; a <= THP_ADVICE_NOHUGEPAGE; a++)
			thp_orders_of[a] = thp_anon_orders_now((enum thp_advice)a);
		thp_orders_stale = false;
	}
	return thp_orders_of[advice];
}

bool thp_use_zero_page(void)
{
	return thp.num[THP_KNOB_USE_ZERO_PAGE] != 0;
}

/* ---------------------------------------------------------------- text */

/* The word list of a word knob, or NULL for a number knob. */
static const struct thp_words *thp_words_of(enum thp_knob k)
{
	static const struct thp_words lists[] = {
		[THP_KNOB_ENABLED] = {thp_enabled_words, ARRAY_SIZE(thp_enabled_words)},
		[THP_KNOB_DEFRAG] = {thp_defrag_words, ARRAY_SIZE(thp_defrag_words)},
		[THP_KNOB_SHMEM_ENABLED] = {thp_shmem_words, ARRAY_SIZE(thp_shmem_words)},
		[THP_KNOB_SIZE_ENABLED] = {thp_size_words, ARRAY_SIZE(thp_size_words)},
	};

	if ((unsigned)k >= ARRAY_SIZE(lists) || !lists[k].words)
		return NULL;
	return &lists[k];
}

/* Where the chosen index of word knob k lives. */
static unsigned *thp_choice_of(enum thp_knob k, unsigned order)
{
	switch (k) {
	case THP_KNOB_ENABLED:
		return &thp.enabled;
	case THP_KNOB_DEFRAG:
		return &thp.defrag;
	case THP_KNOB_SHMEM_ENABLED:
		return &thp.shmem;
	default:
		return &thp.size[order];
	}
}

/* "a [b] c\n": the words of w with the chosen one bracketed. */
static int thp_show_words(const struct thp_words *w, unsigned chosen, char *buf)
{
	int len = 0;

	for (unsigned i = 0; i < w->count; i++)
		len += ksnprintf(buf + len, (size_t)(THP_KNOB_TEXT_MAX - len),
				 i == chosen ? "%s[%s]" : "%s%s", i ? " " : "", w->words[i]);
	return len + ksnprintf(buf + len, (size_t)(THP_KNOB_TEXT_MAX - len), "\n");
}

/* True for a knob whose order argument must name a hugepages-<N>kB directory. */
static bool thp_knob_valid(enum thp_knob k, unsigned order)
{
	if ((unsigned)k >= THP_KNOB_COUNT)
		return false;
	return k != THP_KNOB_SIZE_ENABLED ||
	       (order <= THP_MAX_ORDER && (thp_anon_supported_orders() & (1u << order)));
}

int thp_knob_show(enum thp_knob k, unsigned order, char *buf)
{
	const struct thp_words *w = thp_words_of(k);

	if (!thp_knob_valid(k, order))
		return -EINVAL;
	if (w)
		return thp_show_words(w, *thp_choice_of(k, order), buf);
	if (k == THP_KNOB_HPAGE_PMD_SIZE)
		return ksnprintf(buf, THP_KNOB_TEXT_MAX, "%llu\n",
				 (unsigned long long)PT_LEVEL_SIZE(1));
	if (k == THP_KNOB_USE_ZERO_PAGE || k == THP_KNOB_KH_DEFRAG)
		return ksnprintf(buf, THP_KNOB_TEXT_MAX, "%d\n", thp.num[k] ? 1 : 0);
	return ksnprintf(buf, THP_KNOB_TEXT_MAX, "%u\n", (unsigned)thp.num[k]);
}

bool thp_knob_writable(enum thp_knob k)
{
	return k != THP_KNOB_HPAGE_PMD_SIZE && k != THP_KNOB_KH_FULL_SCANS &&
	       k != THP_KNOB_KH_PAGES_COLLAPSED && (unsigned)k < THP_KNOB_COUNT;
}

/* ---------------------------------------------------------------- store */

/* sysfs_streq: the text buf[0, len) is word, alone or followed by one '\n'. */
static bool thp_streq(const char *buf, size_t len, const char *word)
{
	size_t n = strlen(word);

	if (len == n + 1 && buf[n] == '\n')
		len = n;
	return len == n && memcmp(buf, word, n) == 0;
}

/*
 * kstrtoul(buf, 10): an optional '+', decimal digits, an optional final
 * '\n', nothing else (a NUL ends the text, as the sysfs copy does). 0,
 * -EINVAL (no digits, anything else), -ERANGE (past 64 bits).
 */
static int thp_parse_num(const char *buf, size_t len, uint64_t *out)
{
	size_t i = 0, digits = 0;
	uint64_t v = 0;

	len = strnlen(buf, len); /* a NUL ends the text */
	if (i < len && buf[i] == '+')
		i++;
	for (; i < len && buf[i] >= '0' && buf[i] <= '9'; i++, digits++) {
		unsigned d = (unsigned)(buf[i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (i < len && buf[i] == '\n')
		i++;
	if (!digits || i != len)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Store a word knob (the text ends at a NUL): its index; -EINVAL for another word. */
static long thp_store_word(enum thp_knob k, unsigned order, const char *buf, size_t len)
{
	const struct thp_words *w = thp_words_of(k);

	for (unsigned i = 0; i < w->count; i++) {
		if (!thp_streq(buf, strnlen(buf, len), w->words[i]))
			continue;
		if (k == THP_KNOB_SHMEM_ENABLED && i != THP_SHMEM_NEVER && i != THP_SHMEM_DENY)
			return -EINVAL; /* shmem has no large pages here */
		*thp_choice_of(k, order) = i;
		thp_orders_stale = true;
		return (long)len;
	}
	return -EINVAL;
}

/*
 * Store a number knob with Linux's bounds: the two flags 0..1 (kstrtoul's
 * errno as is), the sleeps any 32-bit value, pages_to_scan 1..2^32-1,
 * max_ptes_* 0..HPAGE_PMD_NR-1 (all other errors -EINVAL).
 */
static long thp_store_num(enum thp_knob k, const char *buf, size_t len)
{
	uint64_t v, max = UINT32_MAX;
	int err = thp_parse_num(buf, len, &v);

	if (k == THP_KNOB_USE_ZERO_PAGE || k == THP_KNOB_KH_DEFRAG) {
		if (err)
			return err;
		max = 1;
	} else if (k == THP_KNOB_KH_MAX_PTES_NONE || k == THP_KNOB_KH_MAX_PTES_SWAP ||
		   k == THP_KNOB_KH_MAX_PTES_SHARED) {
		max = (1u << thp_pmd_order()) - 1;
	}
	if (err || v > max || (k == THP_KNOB_KH_PAGES_TO_SCAN && v == 0))
		return -EINVAL;
	thp.num[k] = v;
	return (long)len;
}

long thp_knob_store(enum thp_knob k, unsigned order, const char *buf, size_t len)
{
	if (!thp_knob_valid(k, order) || !thp_knob_writable(k))
		return -EINVAL;
	if (thp_words_of(k))
		return thp_store_word(k, order, buf, len);
	return thp_store_num(k, buf, len);
}
