/*
 * aspace_internal: what the files of the address space share (private to
 * src/mm): struct aspace, and the page helpers of page.c that map, drop or
 * move frames together with their references. Public API: mm/aspace.h.
 */
#ifndef MM_ASPACE_INTERNAL_H
#define MM_ASPACE_INTERNAL_H

#include "lib/btree.h"
#include "lib/types.h"
#include "mm/aspace.h"
#include "mm/pt.h"
#include "vma.h"

struct aspace {
	paddr_t root;       /* top-level table */
	struct btree vmas;  /* window [0, AS_TASK_SIZE): below AS_MMAP_MIN_ADDR with RAWIO */
	vaddr_t mmap_base;  /* top of the top-down placement area */
	vaddr_t brk_start;  /* page aligned; 0 until as_brk_init */
	vaddr_t brk;        /* current break (unaligned, as Linux keeps it) */
	int def_flags;      /* AS_VMA_LOCK_MASK bits every new mapping gets (MCL_FUTURE) */
	uint64_t data_span; /* end_data - start_data of the image (as_brk_data) */
	struct as_image image; /* code and data ranges of the image (as_set_image) */
	struct as_limits lim; /* RLIMIT_AS, DATA, STACK, MEMLOCK (as_set_limits) */
	unsigned caps;      /* AS_CAP_IPC_LOCK or 0 */
	unsigned mdwe;      /* AS_MDWE_* (prctl PR_SET_MDWE) */
	unsigned users;     /* holders (as_get/as_put); 1 from as_create and as_clone */
	uint16_t pkey_map;  /* allocated protection keys, bit per key (key 0 always) */
	int8_t xonly_pkey;  /* the execute-only key, -1 until one is needed */
	uint64_t rss;         /* 4 KiB frames mapped, zero frames not (as_resident_frames) */
	uint64_t hiwater_rss; /* rss before its last drop (Linux's mm->hiwater_rss) */
	uint64_t hiwater_vm;  /* total_vm before its last drop (mm->hiwater_vm) */
};

/* `n` more frames mapped in `as` (a fault, a fork's copy, a shared mremap). */
static inline void as_rss_add(struct aspace *as, uint64_t n)
{
	as->rss += n;
}

/*
 * `n` frames fewer mapped in `as`: the high-water mark takes the count first
 * (Linux's update_hiwater_rss before the counters drop).
 */
static inline void as_rss_drop(struct aspace *as, uint64_t n)
{
	if (as->hiwater_rss < as->rss)
		as->hiwater_rss = as->rss;
	as->rss -= n;
}

/* Pages of every VMA of `as` (Linux's mm->total_vm), kept by the VMA tree. */
static inline uint64_t as_total_vm(const struct aspace *as)
{
	return as->vmas.span / PAGE_SIZE;
}

/* Before VMAs go: the VM high-water mark takes total_vm (Linux's update_hiwater_vm). */
static inline void as_hiwater_vm_update(struct aspace *as)
{
	if (as->hiwater_vm < as_total_vm(as))
		as->hiwater_vm = as_total_vm(as);
}

/* A forked space's marks start at its own figures (Linux's dup_mm). */
static inline void as_hiwater_start(struct aspace *as)
{
	as->hiwater_rss = as->rss;
	as->hiwater_vm = as_total_vm(as);
}

/*
 * True when the space may have `more` VMAs more than now under
 * vm.max_map_count (AS_MAX_MAP_COUNT): the one room check of every operation
 * that can add VMAs (0 asks whether the count is over the limit already).
 */
static inline bool as_map_count_room(const struct aspace *as, size_t more)
{
	return as->vmas.count + more <= AS_MAX_MAP_COUNT;
}

/* The access as_populate faults pages in for. */
enum as_populate_mode {
	AS_POPULATE_READ,  /* missing pages only */
	AS_POPULATE_WRITE, /* missing and read-only ones: copy-on-write is broken */
};

/* ---- pkey.c ---- */

/*
 * The key flags (AS_VMA_PKEY bits) of a new mapping with rights `prot`:
 * the execute-only key for PROT_EXEC alone when one can be had (Linux's
 * do_mmap), else key 0.
 */
int as_pkey_mmap_flags(struct aspace *as, int prot);

/* The key VMA v takes under an mprotect to `prot` with `pkey` (see as_mprotect_pkey). */
int as_pkey_target(struct aspace *as, const struct vma *v, int prot, int pkey);

/*
 * True when the running thread's key rights forbid the data access `err`
 * (AS_PF_*) to VMA v (Linux's arch_vma_access_permitted: never for an
 * instruction fetch nor a forced access).
 */
bool as_pkey_denies(const struct vma *v, unsigned err);

/* ---- page.c ---- */

/* Leaf flags for a fresh page of a VMA with rights `prot` (PROT_NONE: supervisor only). */
unsigned as_pt_flags(int prot, int flags);

/* Copy VMA v into the public snapshot (struct as_vma_info). */
void as_query_fill(const struct vma *v, struct as_vma_info *out);

/* Leaf flags for pages already present when a VMA of `kind` gets `prot` (private: no write until a fault). */
unsigned as_pt_flags_existing(int prot, int kind);

/* The first leaf meeting [va, end) (whole, not clipped); false when none. */
bool as_next_leaf(paddr_t root, vaddr_t va, vaddr_t end, struct pt_leaf *out);

/* One more frame reference for every 4 KiB page mapped in [start, end); returns their count. */
uint64_t as_ref_range(paddr_t root, vaddr_t start, vaddr_t end);

/*
 * fork's copy of the pages of [start, end) from the tables `from` into the
 * new space c (empty there), without the leaf flags `clear`: one walk maps
 * them and takes a reference on each frame (none for the zero frames),
 * counted in c's rss. 0, or pt_copy's error: on -ENOMEM what was copied so
 * far is mapped and referenced in c, for the caller to drop with the space.
 */
int as_copy_pages(paddr_t from, struct aspace *c, vaddr_t start, vaddr_t end, unsigned clear);

/* Drop one frame reference for every 4 KiB page mapped in [start, end); returns their count. */
uint64_t as_unref_range(paddr_t root, vaddr_t start, vaddr_t end);

/* Make start and end leaf boundaries; 0 or -ENOMEM with nothing changed. */
int as_split_ends(paddr_t root, vaddr_t start, vaddr_t end);

/* What as_split_record split: the range and the tables made at each end. */
struct as_split {
	vaddr_t start, end;
	unsigned at_start, at_end;
};

/*
 * as_split_ends that records in *made what it split, for as_split_undo;
 * 0 or -ENOMEM with nothing changed (and nothing recorded).
 */
int as_split_record(paddr_t root, vaddr_t start, vaddr_t end, struct as_split *made);

/*
 * Exact undo of as_split_record: fold back the tables it made and nothing
 * else (a large leaf split before stays split). Undo several in the
 * reverse order of making them.
 */
void as_split_undo(paddr_t root, struct as_split *made);

/*
 * Unmap and unreference the pages of [start, end) of `as`, whose ends are
 * leaf boundaries; as->rss drops by the frames unmapped (as_rss_drop).
 */
void as_zap(struct aspace *as, vaddr_t start, vaddr_t end);

/*
 * Map the pages of [addr, end) at `to` with their flags and frames (no new
 * references). All or nothing: -ENOMEM leaves `to` unmapped.
 */
int as_move_pages(paddr_t root, vaddr_t addr, vaddr_t end, vaddr_t to);

/* Reverse-map zap callback of every VMA with an object (its rmap.owner is the aspace). */
void as_vma_zap(struct mobj_map *m, uint64_t pgoff, uint64_t npages);

/* ---- aspace_query.c ---- */
/*
 * The large block orders (bit k: 4 KiB << k) a demand-zero fault in v may
 * take: mm/thp.h's policy for v's MADV_[NO]HUGEPAGE, none for a window
 * onto an object, the 2 MiB order only where the MMU has such leaves.
 */
uint32_t as_vma_thp_orders(const struct vma *v);

/* ---- fault.c ---- */

/* Fault in every page of [start, end) (inside VMAs) an access of `mode` would fault on; 0 or -ENOMEM/-EFAULT. */
int as_populate(struct aspace *as, vaddr_t start, vaddr_t end, enum as_populate_mode mode);

/* ---- collapse.c ---- */

/*
 * MADV_COLLAPSE of the part [s, e) of VMA v (Linux 6.12's madvise_collapse):
 * each 2 MiB-aligned block inside it becomes one 2 MiB leaf with a copy of
 * its pages (holes zero), all or nothing per block; the old frames lose a
 * reference. A block already one leaf counts as done. Returns 0 when every
 * block is done; -EINVAL when v is not private anonymous memory that may hold
 * 2 MiB leaves (an object, MAP_SHARED, MADV_NOHUGEPAGE, no aligned block at
 * its end), when [s, e) ends before its first aligned block begins (one
 * lying inside a single block without its ends: Linux's unsigned count of
 * blocks wraps), or when a block was skipped for having nothing mapped or no
 * writable page (Linux's SCAN_PMD_NULL, SCAN_PAGE_RO; the other blocks are
 * still tried); -ENOMEM when a 2 MiB frame cannot be had (the walk stops).
 */
int as_collapse(struct aspace *as, const struct vma *v, vaddr_t s, vaddr_t e);

/* ---- lock.c ---- */

/* Whether as_mm_populate stops at the first VMA it cannot populate. */
enum as_populate_errors {
	AS_POPULATE_STOP,   /* mlock: the first error is the result */
	AS_POPULATE_IGNORE, /* mmap, brk, mremap, mlockall: errors are ignored */
};

/*
 * Linux's __mm_populate over the VMAs meeting [start, end): write-fault
 * private writable VMAs, read-fault the others; skip AS_VMA_LOCKONFAULT ones;
 * a PROT_NONE VMA is -EFAULT. Returns 0, -EFAULT or -ENOMEM.
 */
int as_mm_populate(struct aspace *as, vaddr_t start, vaddr_t end, enum as_populate_errors errs);

/* Linux's mlock_future_ok: true when `flags` lock nothing or `bytes` more fit under the limit. */
bool as_lock_future_ok(const struct aspace *as, int flags, uint64_t bytes);

/*
 * The lowest address a fixed mapping may take (cap_mmap_addr): 0 with
 * AS_CAP_SYS_RAWIO, else vm.mmap_min_addr.
 */
static inline vaddr_t as_min_addr(const struct aspace *as)
{
	return (as->caps & AS_CAP_SYS_RAWIO) ? 0 : AS_MMAP_MIN_ADDR;
}

/* Linux's can_do_mlock: a non-zero RLIMIT_MEMLOCK or AS_CAP_IPC_LOCK. */
bool as_can_lock(const struct aspace *as);

/* The start of the first sealed VMA meeting [start, end), or end when none. */
vaddr_t as_sealed_at(const struct aspace *as, vaddr_t start, vaddr_t end);

/* as_sealed_at from v, the first VMA meeting [start, end) (or NULL: none does). */
vaddr_t as_sealed_from(const struct vma *v, vaddr_t start, vaddr_t end);

/* A change of VMA flags: new = (old & ~clear) | set, except for VMAs with a `skip` bit. */
struct as_flag_change {
	int clear, set, skip;
};

/*
 * Apply `chg` to the part [start, end) of the VMAs covering it without a hole,
 * splitting the end VMAs and merging after. 0, or -ENOMEM (max_map_count or
 * no memory for a split) with nothing changed.
 */
int as_change_flags(struct aspace *as, vaddr_t start, vaddr_t end, struct as_flag_change chg);

/* ---- limits.c ---- */

/* Pages of VMAs, as Linux's mm counters count them. */
struct as_vm_pages {
	uint64_t total; /* every VMA (total_vm) */
	uint64_t data;  /* private writable non-stack VMAs (data_vm) */
};

/* True when memory of rights `prot` and VMA kind/flags `kind` counts as data (is_data_mapping). */
bool as_is_data(int prot, int kind);

/* Add up the VMA pages inside [start, end) (page aligned). O(VMAs there). */
void as_vm_pages(const struct aspace *as, vaddr_t start, vaddr_t end, struct as_vm_pages *out);

/*
 * Linux's may_expand_vm with the counters `now`: true when `npages` more
 * pages of rights `prot` and kind `kind` stay under RLIMIT_AS and, for data,
 * RLIMIT_DATA (a soft limit of 0 lets it pass up to the hard one).
 */
bool as_may_expand_from(const struct aspace *as, const struct as_vm_pages *now, int prot,
			int kind, uint64_t npages);

/* as_may_expand_from with the whole space counted (only when a limit is finite). */
bool as_may_expand(const struct aspace *as, int prot, int kind, uint64_t npages);

/*
 * may_expand_vm for a mapping of `npages` pages of `prot`/`kind` that replaces
 * whatever is mapped in [start, end) (mmap_region: the pages it unmaps are
 * taken off the request).
 */
bool as_may_map(const struct aspace *as, vaddr_t start, vaddr_t end, int prot, int kind);

/*
 * may_expand_vm for `npages` more pages of `prot`/`kind` once [start, end)
 * is unmapped (mremap_to unmaps its MREMAP_FIXED target first); an empty
 * range unmaps nothing.
 */
bool as_may_expand_after_unmap(const struct aspace *as, int prot, int kind, uint64_t npages,
			       vaddr_t start, vaddr_t end);

/*
 * Where mprotect(prot) of the covered range [start, end), whose first VMA is
 * v, stops on RLIMIT_DATA: the start of the first VMA part that would turn
 * into data past the limit (mprotect_fixup's check, the earlier parts
 * counted as changed), or end when none.
 */
vaddr_t as_protect_data_stop(const struct aspace *as, const struct vma *v, vaddr_t start,
			     vaddr_t end, int prot);

/* Linux's check_data_rlimit for brk: true when a break at `brk` stays under RLIMIT_DATA. */
bool as_brk_data_ok(const struct aspace *as, vaddr_t brk);

/* ---- aspace.c ---- */

/* End of the run of contiguous VMAs starting with v, clipped to end. */
vaddr_t as_covered_end(const struct vma *v, vaddr_t end);

#endif
