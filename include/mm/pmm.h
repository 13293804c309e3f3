/*
 * pmm: the physical frame allocator. A buddy allocator over the usable RAM of
 * the boot memory map, orders 0 (4 KiB) .. PMM_MAX_ORDER (1 GiB).
 *
 * pmm never reads or writes the contents of a frame: all its metadata lives in
 * a per-frame array carved from usable RAM at init (so it works before the
 * direct map covers all RAM, and a double free can always be detected).
 *
 * Every usable 4 KiB frame has a reference count: pmm_alloc hands a block out
 * with each of its frames at count 1; pmm_ref/pmm_unref change one frame's
 * count (used for copy-on-write sharing). Any part of an allocated block may
 * be freed on its own (e.g. one 4 KiB frame of a 2 MiB block).
 */
#ifndef MM_PMM_H
#define MM_PMM_H

#include "lib/types.h"

#define PMM_MAX_ORDER 18 /* 4 KiB << 18 = 1 GiB */

struct pmm_range {
	paddr_t start; /* inclusive */
	paddr_t end;   /* exclusive */
};

/*
 * Initialise from `avail` (usable RAM, any order, may overlap, unaligned ends
 * are trimmed inward to 4 KiB) minus `reserved` (kernel image, boot info,
 * modules, ...). Frame 0 is never handed out. Metadata is carved from the
 * lowest usable memory below `meta_limit` (the part the early direct map
 * reaches). Returns 0, or -ENOMEM when there is no room for the metadata.
 * May be called again (host tests) to start over.
 */
int pmm_init(const struct pmm_range *avail, size_t navail,
	     const struct pmm_range *reserved, size_t nreserved, paddr_t meta_limit);

/*
 * Allocate 2^order contiguous frames, aligned to their size. Returns the
 * physical address, or 0 when no block is free (or a failure was injected).
 * Contents are undefined.
 */
paddr_t pmm_alloc(unsigned order);

/*
 * Free 2^order frames at `pa` (aligned). Each frame must be allocated with
 * count 1; otherwise (double free, never handed out, still shared) this
 * panics with the address in a debug build.
 */
void pmm_free(paddr_t pa, unsigned order);

/* Take one more reference to the allocated frame `pa`; returns the new count. */
uint32_t pmm_ref(paddr_t pa);

/* Drop one reference to `pa`; frees the frame when it reaches 0. Returns the new count. */
uint32_t pmm_unref(paddr_t pa);

/*
 * Drop one reference from each of the `nframes` frames at `pa`, freeing those
 * that reach 0: the same counts and free blocks as nframes calls of
 * pmm_unref, but a run of frames with count 1 goes back a block at a time
 * (a whole 2 MiB block as one order-9 free). Panics when a frame is not
 * allocated.
 */
void pmm_unref_range(paddr_t pa, uint64_t nframes);

/* Current reference count of `pa` (0 when free or not RAM). */
uint32_t pmm_refcount(paddr_t pa);

/* True when `pa` is a usable frame currently handed out. */
bool pmm_is_allocated(paddr_t pa);

/* Number of free 4 KiB frames in all. */
size_t pmm_free_frames(void);

/* Number of free blocks of exactly `order` on the free lists. */
size_t pmm_free_blocks(unsigned order);

/* Number of usable frames managed (free + allocated, metadata excluded). */
size_t pmm_total_frames(void);

/*
 * Failure injection: make the n-th pmm_alloc from now fail (n >= 1), every
 * call after it succeeding again; n = 0 turns injection off. Used by tests
 * and by bootmm.failalloc=<n>.
 */
void pmm_fail_nth(unsigned long n);

/* Number of pmm_alloc calls since boot (or pmm_init), successful or not. */
unsigned long pmm_alloc_calls(void);

#endif
