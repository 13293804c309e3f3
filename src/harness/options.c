/*
 * bootmm.* command-line options of the harness. Each option is one line in
 * opt_table: its name, how its value is parsed, and where it is stored.
 */
#include "harness/ktest.h"
#include "harness/options.h"
#include "kernel/cmdline.h"
#include "lib/string.h"

struct bootmm_opts bootmm_opts;

enum opt_kind {
	OPT_FLAG,   /* bootmm.name */
	OPT_ULONG,  /* bootmm.name=<decimal> */
	OPT_SEED,   /* bootmm.name=<decimal>, also sets opts->shuffle */
	OPT_GLOBS,  /* bootmm.name=<glob>[,<glob>...] */
	OPT_SHARD,  /* bootmm.name=<i>/<n>, 1 <= i <= n */
};

struct opt_desc {
	const char *name;
	enum opt_kind kind;
	size_t offset; /* of the field in struct bootmm_opts */
};

#define OPT(name, kind, field) {name, kind, offsetof(struct bootmm_opts, field)}

static const struct opt_desc opt_table[] = {
	OPT("filter", OPT_GLOBS, filter),
	OPT("timeout", OPT_ULONG, timeout),
	OPT("shuffle", OPT_SEED, seed),
	OPT("list", OPT_FLAG, list),
	OPT("bench", OPT_FLAG, bench),
	OPT("failalloc", OPT_ULONG, failalloc),
	OPT("repeat", OPT_ULONG, repeat),
	OPT("shard", OPT_SHARD, shard_i),
};

/* Parse a decimal number filling all of [s, end); false when not one. */
static bool opt_ulong(const char *s, const char *end, unsigned long *out)
{
	unsigned long v = 0;

	if (s == end)
		return false;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	*out = v;
	return true;
}

/*
 * The next glob of the comma-separated list [*pos, end): its start, with its
 * length in *len, or NULL at the end. Empty globs are skipped.
 */
static const char *opt_next_glob(const char **pos, const char *end, size_t *len)
{
	const char *s = *pos, *comma;

	while (s < end && *s == ',')
		s++;
	if (s >= end)
		return NULL;
	for (comma = s; comma < end && *comma != ','; comma++)
		;
	*len = (size_t)(comma - s);
	*pos = comma;
	return s;
}

/* Keep "a,b,c" as the filter (in place, any number of globs); false when it has none. */
static bool opt_globs(struct bootmm_opts *o, const char *s, const char *end)
{
	const char *pos = s;
	size_t len;

	o->nfilter = 0;
	while (opt_next_glob(&pos, end, &len))
		o->nfilter++;
	o->filter = s;
	o->filter_len = (size_t)(end - s);
	return o->nfilter > 0;
}

bool bootmm_filter_match(const struct bootmm_opts *o, const char *full)
{
	const char *pos = o->filter, *end = o->filter + o->filter_len, *g;
	size_t len;

	if (o->nfilter == 0)
		return true;
	while ((g = opt_next_glob(&pos, end, &len)) != NULL)
		if (str_glob_match_n(g, len, full))
			return true;
	return false;
}

/* "<i>/<n>" with 1 <= i <= n. */
static bool opt_shard(struct bootmm_opts *o, const char *s, const char *end)
{
	const char *slash = s;
	unsigned long i, n;

	while (slash < end && *slash != '/')
		slash++;
	if (slash == end || !opt_ulong(s, slash, &i) || !opt_ulong(slash + 1, end, &n))
		return false;
	if (i < 1 || i > n)
		return false;
	o->shard_i = i;
	o->shard_n = n;
	return true;
}

/* Apply the value [v, end) (v NULL: no '=') to option `d`. */
static bool opt_apply(struct bootmm_opts *o, const struct opt_desc *d,
		      const char *v, const char *end)
{
	void *field = (char *)o + d->offset;

	if (d->kind == OPT_FLAG) {
		*(bool *)field = true;
		return v == NULL;
	}
	if (!v)
		return false;
	switch (d->kind) {
	case OPT_SEED:
		o->shuffle = true;
		return opt_ulong(v, end, field);
	case OPT_ULONG:
		return opt_ulong(v, end, field);
	case OPT_GLOBS:
		return opt_globs(o, v, end);
	case OPT_SHARD:
		return opt_shard(o, v, end);
	default:
		return false;
	}
}

/* Handle one word [w, end) that starts with "bootmm.". */
static void opt_word(struct bootmm_opts *o, const char *w, const char *end)
{
	const char *name = w + 7, *eq = name, *val = NULL;

	while (eq < end && *eq != '=')
		eq++;
	if (eq < end)
		val = eq + 1;
	for (size_t i = 0; i < ARRAY_SIZE(opt_table); i++) {
		const struct opt_desc *d = &opt_table[i];

		if (strlen(d->name) != (size_t)(eq - name) ||
		    strncmp(d->name, name, (size_t)(eq - name)))
			continue;
		if (opt_apply(o, d, val, end))
			return;
		break;
	}
	o->unknown++;
	ktest_diag("bootmm: unknown option %.*s", (int)(end - w), w);
}

void bootmm_opts_parse(struct bootmm_opts *o, const char *cmdline)
{
	const char *pos = cmdline, *w;
	size_t len;

	memset(o, 0, sizeof(*o));
	o->timeout = BOOTMM_DEFAULT_TIMEOUT;
	o->shard_i = 1;
	o->shard_n = 1;
	while ((w = cmdline_word(&pos, &len)) != NULL)
		if (len > 7 && !strncmp(w, "bootmm.", 7))
			opt_word(o, w, w + len);
}
