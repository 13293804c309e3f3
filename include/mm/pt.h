/*
 * pt: the page-table engine, arch-neutral (levels, entries and bits only
 * through mm/pte.h). A root is the physical address of a
 * top-level table. Table frames come from pmm_alloc(0) and are reached
 * through mm_phys_to_virt().
 *
 * Mapping chooses the largest leaf pt_leaf_size() allows (1 GiB, 2 MiB, 4 KiB
 * on x86_64) where both addresses and the remaining length allow. Changing
 * part of a large leaf splits it into the next smaller size, keeping every
 * other page's address and flags. When all of a table's entries form one
 * physically contiguous run of leaves with equal flags, suitably aligned, the
 * table is folded back into one large leaf and freed. Emptied tables are
 * freed. Every call is all or nothing: on -ENOMEM the tables are exactly as
 * before. TLB: one mm_tlb_flush_page per changed leaf, or one
 * mm_tlb_flush_all when more than PT_FLUSH_ALL_THRESHOLD leaves changed.
 *
 * pt does not own the frames that leaves point to; callers free those.
 */
#ifndef MM_PT_H
#define MM_PT_H

#include "lib/types.h"
#include "mm/pte.h" /* PT_* flags, the entry format and the geometry */

#define PT_FLUSH_ALL_THRESHOLD 33 /* leaves; as Linux's tlb_single_page_flush_ceiling */

struct pt_leaf {
	vaddr_t va;     /* start of the leaf (aligned to size) */
	paddr_t pa;     /* physical address the leaf starts at */
	uint64_t size;  /* 4 KiB, 2 MiB or 1 GiB */
	unsigned flags; /* PT_* */
	unsigned state; /* PT_STATE_* (mm/pte.h): young, dirty, soft-dirty */
};

/* Allocate an empty top-level table. Returns 0 or -ENOMEM. */
int pt_create(paddr_t *root);

/*
 * Allocate a root for the kernel: every top-level entry of the kernel half
 * [PT_KERNEL_BASE, 2^64) gets an empty table now, so that roots made later by
 * pt_create_user share every kernel mapping made afterwards. Returns 0 or
 * -ENOMEM (nothing allocated).
 */
int pt_create_kernel(paddr_t *root);

/*
 * Allocate a user root: an empty user half, and a kernel half that shares
 * the top-level entries of `kernel_root` (none when kernel_root is 0).
 * Returns 0 or -ENOMEM.
 */
int pt_create_user(paddr_t kernel_root, paddr_t *root);

/* What pt_destroy frees besides the root. */
enum pt_destroy_scope {
	PT_DESTROY_USER_HALF, /* user-half tables; the kernel half is shared */
	PT_DESTROY_ALL,       /* every table (a root made by pt_create_kernel) */
};

/* Free the top-level table `root` and the tables under it `scope` names. Leaf frames are not freed. */
void pt_destroy(paddr_t root, enum pt_destroy_scope scope);

/* What the frames of a leaf asked about in pt_leaf_size are. */
enum pt_leaf_use {
	PT_LEAF_MAP,   /* frames that exist (pt_map, folds, moves): pa given */
	PT_LEAF_FRESH, /* frames still to allocate for a demand-zero fault: pa 0 */
};

/*
 * The leaf-size policy, the one place that decides it: the size of the
 * largest leaf that may map `va` to `pa` with `room` bytes available from va
 * (va and pa page aligned, room >= PAGE_SIZE). A size qualifies when the MMU
 * holds leaves of it (pte_leaf_supported) and va, pa and room are multiples
 * of it. For PT_LEAF_FRESH the size is at most the first large one (PT_LEVEL_SIZE(1),
 * Linux's THP size), and a large one only while memory is plentiful: after
 * taking it at least a quarter of all frames stay free, so sparsely touched
 * mappings cannot eat the machine in large bites (Linux falls back the same
 * way). Never less than PAGE_SIZE. pt_map, folding, faults and mremap moves
 * all ask here.
 */
uint64_t pt_leaf_size(vaddr_t va, paddr_t pa, uint64_t room, enum pt_leaf_use use);

/*
 * Geometry: an upper bound of the tables that mapping ranges needs, counted
 * as if every table were missing, over several ranges given in ascending
 * order (tables two ranges share count once). Start from a zeroed tally.
 */
struct pt_table_tally {
	uint64_t last[PT_LEVELS]; /* 1 + last entry counted, per level */
	size_t tables;            /* the bound so far */
};

/* Add the tables [va, end) (non-empty, above the previous ranges) needs to the tally. */
void pt_tally_tables(struct pt_table_tally *t, vaddr_t va, vaddr_t end);

/*
 * Add the tables pt_map(va, pa, end - va) needs to the tally: as
 * pt_tally_tables, but when the range is a whole number of the leaves
 * pt_leaf_size(PT_LEAF_MAP) gives at va and pa, none below those leaves (a
 * 2 MiB leaf moved to a 2 MiB boundary needs no last-level table).
 */
void pt_tally_map(struct pt_table_tally *t, vaddr_t va, paddr_t pa, vaddr_t end);

/*
 * Map [va, va+len) to [pa, pa+len) with `flags`. va, pa, len 4 KiB aligned,
 * len > 0, va canonical. Errors: -EINVAL (misaligned, zero, not canonical,
 * unknown flags, wraps), -EEXIST (any page in the range already mapped;
 * nothing changed), -ENOMEM (nothing changed).
 */
int pt_map(paddr_t root, vaddr_t va, paddr_t pa, uint64_t len, unsigned flags);

/*
 * pt_map, with `state` (PT_STATE_*) added to the new leaves' (a write
 * fault's page is born dirty, as Linux's pte_mkdirty in the fault). Errors
 * as pt_map.
 */
int pt_map_state(paddr_t root, vaddr_t va, paddr_t pa, uint64_t len, unsigned flags,
		 unsigned state);

/*
 * Map the n 4 KiB pages from va, which lie in one last-level table (va 4 KiB
 * aligned and canonical, n > 0, [va, va + n pages) inside one aligned block
 * of the first large leaf size), to the frames pa[0..n) with `flags`, in
 * one walk: pa[i] == 0 skips page i, and a page already mapped is skipped
 * with its pa[i] set to 0, so pa[] ends holding exactly the frames mapped
 * (their references are the caller's). Folds as pt_map does. Errors:
 * -EINVAL (as pt_map, or the pages span tables), -EEXIST (a large leaf
 * covers va), -ENOMEM (no table); on error nothing is mapped and every
 * pa[i] is 0.
 */
int pt_map_pages(paddr_t root, vaddr_t va, size_t n, paddr_t *pa, unsigned flags);

/*
 * Map at [to, to+len) what [va, va+len) of the same root maps: the same
 * frames, flags and state, plus `add_state` (PT_STATE_*), as mremap moves
 * pages (Linux's move_ptes marks them soft-dirty). The source stays mapped
 * (the caller unmaps it); leaves lying whole in the range keep their size
 * when the target allows it (pt_leaf_size), a clipped part is mapped as
 * pt_map would. One walk over the source, then folded as pt_map folds.
 * Errors: -EINVAL (as pt_map, or the ranges overlap), -EEXIST (a page of the
 * target is mapped; nothing changed), -ENOMEM (nothing changed).
 */
int pt_map_from(paddr_t root, vaddr_t to, vaddr_t va, uint64_t len, unsigned add_state);

/*
 * Map into `dst` every page that `src` maps in [va, va+len), to the same
 * frames, with the leaf flags `clear` removed (fork's copy of a range):
 * leaves lying whole in the range keep their size; the part of a leaf that
 * straddles an end is mapped as pt_map would map it. Tables are walked once
 * (no per-page walk from the root), then folded as pt_map folds. Frame
 * references are the caller's: with a callback `copied`, each part of a
 * source leaf copied is told to copied(ctx, part) (the part's va, pa and
 * size, the source leaf's flags and state; its return value is not looked
 * at), so that they are taken in the same walk. Errors: -EINVAL (as pt_map;
 * unknown flags in `clear`), -EEXIST (a page of the range is mapped in dst;
 * nothing changed), -ENOMEM: without a callback nothing changed; with one,
 * the parts copied so far stay mapped in dst, each told, for the caller to
 * drop with the whole copy.
 */
int pt_copy(paddr_t src, paddr_t dst, vaddr_t va, uint64_t len, unsigned clear,
	    int (*copied)(void *ctx, const struct pt_leaf *part), void *ctx);

/*
 * Remove every mapping in [va, va+len), splitting leaves that straddle the
 * ends. Unmapped holes are fine. Errors: -EINVAL, -ENOMEM (a split needed a
 * table; nothing changed).
 */
int pt_unmap(paddr_t root, vaddr_t va, uint64_t len);

/*
 * Set `flags` on every present page in [va, va+len) (holes stay holes),
 * splitting at the ends as needed. It never folds: a large leaf split by a
 * partial protect stays split when the rights agree again, as Linux leaves
 * a PTE-mapped THP once its PMD was split (pt_fold_at folds on request).
 * Errors: -EINVAL, -ENOMEM (nothing changed).
 */
int pt_protect(paddr_t root, vaddr_t va, uint64_t len, unsigned flags);

/*
 * Point the 4 KiB leaf at va to frame pa with `flags` and a new leaf's state
 * (a copy-on-write break, a zero page replaced), folding afterwards as
 * pt_map does; the TLB entry is flushed. Nothing is allocated, so it cannot
 * fail for lack of memory. Errors: -EINVAL (unaligned, not canonical,
 * unknown flags, or va not mapped by a 4 KiB leaf; nothing changed).
 */
int pt_replace(paddr_t root, vaddr_t va, paddr_t pa, unsigned flags);

/*
 * Make `va` a leaf boundary: split any large leaf that contains va strictly
 * inside it (down to 4 KiB granularity as needed). Translations do not change.
 * Callers use it to make a later pt_unmap/pt_protect of a range that starts
 * or ends at va unable to fail. Errors: -EINVAL, -ENOMEM (nothing changed).
 */
int pt_split_at(paddr_t root, vaddr_t va);

/*
 * pt_split_at that tells in *made how many tables it made: 0 when va was a
 * boundary already or is unmapped, and on error (nothing changed then).
 */
int pt_split_at_counted(paddr_t root, vaddr_t va, unsigned *made);

/*
 * Exact undo of a pt_split_at_counted(va) that made `made` tables: fold back
 * those, the `made` deepest tables on the path to va, and nothing else, so a
 * large leaf split before (a PTE-mapped THP) stays split. Undo several
 * splits in the reverse order of making them. Never fails.
 */
void pt_unsplit_at(paddr_t root, vaddr_t va, unsigned made);

/* The tables pt_split_at(va) would make now (0 for a boundary, a hole or a bad va). */
size_t pt_split_need_at(paddr_t root, vaddr_t va);

/*
 * Fold any uniform tables on the path to `va` and beside it, whoever split
 * them (never fails). Not an undo of pt_split_at: it also folds a large leaf
 * split before on purpose; pt_unsplit_at is the exact undo.
 */
void pt_fold_at(paddr_t root, vaddr_t va);

/*
 * Leaf state. Every operation that rewrites a leaf keeps its state: pt_protect
 * and splits keep each page's, a fold gives the large leaf the union of its
 * pages' states, pt_copy gives the copy the state of the source leaf but
 * young (Linux's fork makes the child's entries old: see pt_copy's caller).
 * pt_map makes young, clean, not soft-dirty leaves.
 */

/* What pt_clear_state clears (a flags word). */
#define PT_CLEAR_YOUNG (1u << 0)      /* the accessed state */
#define PT_CLEAR_SOFT_DIRTY (1u << 1) /* the soft-dirty state, and write-protect the leaf */

/*
 * Clear the state `what` names on every present leaf that intersects
 * [va, va+len) (whole leaves: a large leaf straddling an end is cleared
 * whole), as Linux's clear_refs_pte_range: with PT_CLEAR_SOFT_DIRTY the TLB
 * policy above, so that the next write faults; PT_CLEAR_YOUNG alone flushes
 * nothing (as ptep_test_and_clear_young: an access through a translation
 * the CPU still holds marks the leaf young again only once it is evicted).
 * Returns the number of leaves changed; 0 for a bad range.
 */
size_t pt_clear_state(paddr_t root, vaddr_t va, uint64_t len, unsigned what);

/*
 * Add `state` (PT_STATE_*) to every present leaf that intersects [va,
 * va+len) (whole leaves), as the write fault path marks a page soft-dirty
 * and mremap marks the pages it moves. Returns the number of leaves
 * changed; 0 for a bad range. Adding state needs no TLB flush.
 */
size_t pt_add_state(paddr_t root, vaddr_t va, uint64_t len, unsigned state);

/* Fill `out` with the leaf translating `va`; false when not mapped. */
bool pt_query(paddr_t root, vaddr_t va, struct pt_leaf *out);

/*
 * Call fn(ctx, leaf) for every present leaf that intersects [va, va+len), in
 * ascending order (leaves are reported whole, callers clip). Stops and
 * returns fn's value when it is non-zero; returns 0 otherwise. fn must not
 * change the tables.
 */
int pt_walk(paddr_t root, vaddr_t va, uint64_t len,
	    int (*fn)(void *ctx, const struct pt_leaf *leaf), void *ctx);

/*
 * Set n more frames aside for tables: until pt_release(), table allocations
 * use them first, so a caller that reserved enough for a change knows the
 * change cannot fail for lack of memory. Returns 0 or -ENOMEM (nothing
 * more reserved).
 */
int pt_reserve(size_t n);

/* Give the unused reserved frames back to pmm. */
void pt_release(void);

/* Tables below `root` that map part of [va, va+len) (the root itself not counted). */
size_t pt_count_tables(paddr_t root, vaddr_t va, uint64_t len);

/* Table frames currently allocated by pt (all roots; roots included). */
size_t pt_table_frames(void);

#endif
