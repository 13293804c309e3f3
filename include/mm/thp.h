/*
 * thp: the transparent huge page policy of anonymous memory, the state
 * behind Linux's /sys/kernel/mm/transparent_hugepage knobs (Linux 6.12's
 * mm/huge_memory.c and mm/khugepaged.c texts, words and errnos).
 *
 * What the policy decides, in thp_anon_orders alone: the block sizes a
 * demand-zero fault of a private anonymous VMA may take, as orders (block =
 * 4 KiB << order) from THP_MIN_ORDER (16 KiB) to thp_pmd_order() (2 MiB, the
 * PMD leaf), Linux's anonymous mTHP sizes. Each size has a mode (always,
 * inherit, madvise, never: hugepages-<N>kB/enabled); "inherit" follows the
 * top-level `enabled` (always, madvise, never). A VMA with MADV_NOHUGEPAGE
 * gets none; "madvise" sizes need MADV_HUGEPAGE. Defaults: top-level
 * always, the PMD size inherit, the others never.
 *
 * Knobs with nothing behind them in bootmm, said here once: `defrag` (a
 * fault never reclaims nor compacts: a block that is not free falls back at
 * once, whatever the word), `shmem_enabled` (shmem objects hold 4 KiB pages
 * only: the knob says never and takes only never and deny, as a Linux
 * without THP support), and khugepaged/ (bootmm has no khugepaged: the
 * values are checked and kept as Linux does, and no daemon reads them;
 * full_scans and pages_collapsed stay 0). use_zero_page decides what a
 * read fault of a 2 MiB block maps (thp_use_zero_page, mm/fault.c): the
 * shared huge zero page at 1, a zeroed 2 MiB leaf at 0.
 */
#ifndef MM_THP_H
#define MM_THP_H

#include "lib/types.h"

#define THP_MIN_ORDER 2 /* 16 KiB: Linux's smallest anonymous mTHP order */

/* What MADV_HUGEPAGE / MADV_NOHUGEPAGE said of the VMA (Linux's VM_[NO]HUGEPAGE). */
enum thp_advice {
	THP_ADVICE_NONE,
	THP_ADVICE_HUGEPAGE,
	THP_ADVICE_NOHUGEPAGE,
};

/* The knobs, one per sysfs file (THP_KNOB_SIZE_ENABLED: one per order). */
enum thp_knob {
	THP_KNOB_ENABLED,             /* enabled: always madvise never */
	THP_KNOB_DEFRAG,              /* defrag: always defer defer+madvise madvise never */
	THP_KNOB_SHMEM_ENABLED,       /* shmem_enabled */
	THP_KNOB_USE_ZERO_PAGE,       /* use_zero_page: 0 or 1 */
	THP_KNOB_HPAGE_PMD_SIZE,      /* hpage_pmd_size (read only) */
	THP_KNOB_KH_DEFRAG,           /* khugepaged/defrag: 0 or 1 */
	THP_KNOB_KH_ALLOC_SLEEP,      /* khugepaged/alloc_sleep_millisecs */
	THP_KNOB_KH_SCAN_SLEEP,       /* khugepaged/scan_sleep_millisecs */
	THP_KNOB_KH_MAX_PTES_NONE,    /* khugepaged/max_ptes_none: 0..511 */
	THP_KNOB_KH_MAX_PTES_SWAP,    /* khugepaged/max_ptes_swap: 0..511 */
	THP_KNOB_KH_MAX_PTES_SHARED,  /* khugepaged/max_ptes_shared: 0..511 */
	THP_KNOB_KH_PAGES_TO_SCAN,    /* khugepaged/pages_to_scan: > 0 */
	THP_KNOB_KH_FULL_SCANS,       /* khugepaged/full_scans (read only) */
	THP_KNOB_KH_PAGES_COLLAPSED,  /* khugepaged/pages_collapsed (read only) */
	THP_KNOB_SIZE_ENABLED,        /* hugepages-<N>kB/enabled of one order */
	THP_KNOB_COUNT,
};

/* The order of the PMD leaf (hpage_pmd_size = 4 KiB << it). */
unsigned thp_pmd_order(void);

/* Orders that have a hugepages-<N>kB directory: THP_MIN_ORDER .. thp_pmd_order(). */
uint32_t thp_anon_supported_orders(void);

/*
 * The policy, the one place that decides it: the orders (bit k: a block of
 * 4 KiB << k) a demand-zero fault in a private anonymous VMA with `advice`
 * may take. Linux's thp_vma_allowable_orders for anonymous memory: the
 * sizes set to always; with MADV_HUGEPAGE also those set to madvise; the
 * inherit ones when the top level says always, or madvise and the VMA has
 * MADV_HUGEPAGE. None under MADV_NOHUGEPAGE.
 */
uint32_t thp_anon_orders(enum thp_advice advice);

/* use_zero_page: true when a read fault may map the shared huge zero page. */
bool thp_use_zero_page(void);

/*
 * The text of knob k (for THP_KNOB_SIZE_ENABLED, of `order`; ignored
 * otherwise) into buf, one line ending in '\n', NUL-terminated. Returns its
 * length, or -EINVAL for an unknown knob or unsupported order. buf holds at
 * least THP_KNOB_TEXT_MAX bytes.
 */
#define THP_KNOB_TEXT_MAX 64
int thp_knob_show(enum thp_knob k, unsigned order, char *buf);

/* True when knob k takes writes (Linux's mode 0644; read-only ones are 0444). */
bool thp_knob_writable(enum thp_knob k);

/*
 * A write of buf[0, len) to knob k, as Linux's store functions: a word
 * knob takes one of its words, alone or followed by one '\n' (sysfs_streq);
 * a number knob a decimal (an optional '+', an optional final '\n',
 * kstrtoul). Returns len, or -EINVAL (unknown word, not a number, out of
 * range, read-only knob, shmem_enabled other than never/deny), -ERANGE
 * (use_zero_page and khugepaged/defrag: a number past 64 bits, as
 * kstrtoul says). Nothing changes on an error.
 */
long thp_knob_store(enum thp_knob k, unsigned order, const char *buf, size_t len);

/* Back to the boot defaults (host tests). */
void thp_reset(void);

#endif
