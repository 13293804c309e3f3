/*
 * pt: the page-table engine, arch-neutral (4-level, 48-bit x86_64 tables,
 * PTE bits only through mm/pte.h). A root is the physical address of a
 * top-level table. Table frames come from pmm_alloc(0) and are reached
 * through mm_phys_to_virt().
 *
 * Mapping chooses 1 GiB leaves (when mm_cpu_has_1g()), 2 MiB leaves where both
 * addresses and the remaining length allow, 4 KiB leaves elsewhere. Changing
 * part of a large leaf splits it into the next smaller size, keeping every
 * other page's address and flags. When a table's 512 entries form one
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

/* Leaf flags (generic; mm/pte.h turns them into PTE bits). */
#define PT_WRITE (1u << 0)    /* writable */
#define PT_USER (1u << 1)     /* reachable from ring 3 */
#define PT_NX (1u << 2)       /* no instruction fetch */
#define PT_GLOBAL (1u << 3)   /* survives CR3 reloads (kernel only) */
#define PT_NOCACHE (1u << 4)  /* cache disable (PCD) */
#define PT_WRTHRU (1u << 5)   /* write-through (PWT) */
#define PT_FLAGS_ALL 0x3fu

#define PT_FLUSH_ALL_THRESHOLD 33 /* leaves; as Linux's tlb_single_page_flush_ceiling */

/* Lower 48-bit canonical user half, and the kernel half start. */
#define PT_USER_TOP 0x0000800000000000ULL
#define PT_KERNEL_BASE 0xffff800000000000ULL

struct pt_leaf {
	vaddr_t va;     /* start of the leaf (aligned to size) */
	paddr_t pa;     /* physical address the leaf starts at */
	uint64_t size;  /* 4 KiB, 2 MiB or 1 GiB */
	unsigned flags; /* PT_* */
};

/* Allocate an empty top-level table. Returns 0 or -ENOMEM. */
int pt_create(paddr_t *root);

/*
 * Free the top-level table `root` and every table under it whose top-level
 * index is below `first_shared` (entries at and above it are shared with
 * another root and left alone). Leaf frames are not freed.
 */
void pt_destroy(paddr_t root, unsigned first_shared);

/*
 * Map [va, va+len) to [pa, pa+len) with `flags`. va, pa, len 4 KiB aligned,
 * len > 0, va canonical. Errors: -EINVAL (misaligned, zero, not canonical,
 * unknown flags, wraps), -EEXIST (any page in the range already mapped;
 * nothing changed), -ENOMEM (nothing changed).
 */
int pt_map(paddr_t root, vaddr_t va, paddr_t pa, uint64_t len, unsigned flags);

/*
 * Remove every mapping in [va, va+len), splitting leaves that straddle the
 * ends. Unmapped holes are fine. Errors: -EINVAL, -ENOMEM (a split needed a
 * table; nothing changed).
 */
int pt_unmap(paddr_t root, vaddr_t va, uint64_t len);

/*
 * Set `flags` on every present page in [va, va+len) (holes stay holes),
 * splitting at the ends as needed and folding afterwards. Errors: -EINVAL,
 * -ENOMEM (nothing changed).
 */
int pt_protect(paddr_t root, vaddr_t va, uint64_t len, unsigned flags);

/*
 * Make `va` a leaf boundary: split any large leaf that contains va strictly
 * inside it (down to 4 KiB granularity as needed). Translations do not change.
 * Callers use it to make a later pt_unmap/pt_protect of a range that starts
 * or ends at va unable to fail. Errors: -EINVAL, -ENOMEM (nothing changed).
 */
int pt_split_at(paddr_t root, vaddr_t va);

/* Fold any uniform tables on the path to `va` (undo of pt_split_at; never fails). */
void pt_fold_at(paddr_t root, vaddr_t va);

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

/* Table frames currently allocated by pt (all roots; roots included). */
size_t pt_table_frames(void);

#endif
