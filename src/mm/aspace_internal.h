/*
 * aspace_internal: what the files of the address space share (private to
 * src/mm): struct aspace, and the page helpers of page.c that map, drop or
 * move frames together with their references. Public API: mm/aspace.h.
 */
#ifndef MM_ASPACE_INTERNAL_H
#define MM_ASPACE_INTERNAL_H

#include "lib/rtree.h"
#include "lib/types.h"
#include "mm/aspace.h"
#include "mm/pt.h"
#include "vma.h"

struct aspace {
	paddr_t root;       /* top-level table */
	struct rtree vmas;  /* window [AS_MMAP_MIN_ADDR, AS_TASK_SIZE) */
	vaddr_t mmap_base;  /* top of the top-down placement area */
	vaddr_t brk_start;  /* page aligned; 0 until as_brk_init */
	vaddr_t brk;        /* current break (unaligned, as Linux keeps it) */
};

/* The access as_populate faults pages in for. */
enum as_populate_mode {
	AS_POPULATE_READ,  /* missing pages only */
	AS_POPULATE_WRITE, /* missing and read-only ones: copy-on-write is broken */
};

/* ---- page.c ---- */

/* Leaf flags for a fresh page of a VMA with rights `prot` (PROT_NONE: supervisor only). */
unsigned as_pt_flags(int prot);

/* Leaf flags for pages already present when a VMA of `kind` gets `prot` (private: no write until a fault). */
unsigned as_pt_flags_existing(int prot, int kind);

/* The first leaf meeting [va, end) (whole, not clipped); false when none. */
bool as_next_leaf(paddr_t root, vaddr_t va, vaddr_t end, struct pt_leaf *out);

/* Take one more frame reference for every 4 KiB page mapped in [start, end). */
void as_ref_range(paddr_t root, vaddr_t start, vaddr_t end);

/* Drop one frame reference for every 4 KiB page mapped in [start, end). */
void as_unref_range(paddr_t root, vaddr_t start, vaddr_t end);

/* Make start and end leaf boundaries; 0 or -ENOMEM with nothing changed. */
int as_split_ends(paddr_t root, vaddr_t start, vaddr_t end);

/* Undo as_split_ends. */
void as_fold_ends(paddr_t root, vaddr_t start, vaddr_t end);

/* Unmap and unreference the pages of [start, end), whose ends are leaf boundaries. */
void as_zap(paddr_t root, vaddr_t start, vaddr_t end);

/*
 * Map the pages of [addr, end) at `to` with their flags and frames (no new
 * references). All or nothing: -ENOMEM leaves `to` unmapped.
 */
int as_move_pages(paddr_t root, vaddr_t addr, vaddr_t end, vaddr_t to);

/* ---- fault.c ---- */

/* Fault in every page of [start, end) (inside VMAs) an access of `mode` would fault on; 0 or -ENOMEM/-EFAULT. */
int as_populate(struct aspace *as, vaddr_t start, vaddr_t end, enum as_populate_mode mode);

#endif
