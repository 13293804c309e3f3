/*
 * bootmm.* options of the test harness, from the kernel command line
 * (kernel/cmdline.h). Adding an option: a field in struct bootmm_opts and
 * one line in the table in src/harness/options.c. Unknown bootmm.* words print
 * "# bootmm: unknown option <word>" and are otherwise ignored.
 */
#ifndef HARNESS_OPTIONS_H
#define HARNESS_OPTIONS_H

#include "lib/types.h"

struct bootmm_opts {
	const char *filter;                     /* bootmm.filter=<glob>[,<glob>...]: */
	size_t filter_len;                      /* the value, in the command line itself */
	size_t nfilter;                         /* globs in it; 0: every test */
	unsigned long timeout;                  /* bootmm.timeout=<s> per test */
	bool shuffle;                           /* bootmm.shuffle=<seed> given */
	unsigned long seed;
	bool list;                              /* bootmm.list */
	bool bench;                             /* bootmm.bench: run the bench suite */
	unsigned long repeat;                   /* bootmm.repeat=<n>: run each program n times (soak) */
	unsigned long failalloc;                /* bootmm.failalloc=<n>: n-th frame allocation of each program fails */
	unsigned long shard_i, shard_n;         /* bootmm.shard=<i>/<n>, 1-based */
	size_t unknown;                         /* unknown bootmm.* words seen */
};

#define BOOTMM_DEFAULT_TIMEOUT 30

/*
 * Defaults, then every bootmm.* word of `cmdline`, which must outlive `o`
 * (string values point into it). Bad values are reported like unknown words.
 */
void bootmm_opts_parse(struct bootmm_opts *o, const char *cmdline);

/* True when "suite.name" `full` matches one of the filter's globs, or there is no filter. */
bool bootmm_filter_match(const struct bootmm_opts *o, const char *full);

/* The options parsed from the boot command line (harness_run fills them). */
extern struct bootmm_opts bootmm_opts;

#endif
