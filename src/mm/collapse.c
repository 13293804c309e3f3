/*
 * collapse: MADV_COLLAPSE of private anonymous memory (Linux 6.12's
 * madvise_collapse and hpage_collapse_scan_pmd): every 2 MiB-aligned block
 * lying inside the advised part of a VMA becomes one 2 MiB leaf holding a
 * copy of its pages (holes and zero pages zero), and the old frames lose
 * this mapping's reference (freed unless another space still maps them).
 */
#include "lib/assert.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/mmarch.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "mm/zpage.h"
#include "aspace_internal.h"

/* How one block went (Linux's scan results, grouped by the errno they give). */
enum as_collapse_result {
	AS_COLLAPSE_DONE,   /* SCAN_SUCCEED, SCAN_PMD_MAPPED */
	AS_COLLAPSE_SKIP,   /* SCAN_PMD_NULL, SCAN_PAGE_RO: EINVAL, the next block is tried */
	AS_COLLAPSE_NOMEM,  /* SCAN_ALLOC_HUGE_PAGE_FAIL: ENOMEM, the walk stops */
};

/*
 * Linux's thp_vma_allowable_order for MADV_COLLAPSE (no sysfs check): an
 * anonymous VMA (no object, not shared) without MADV_NOHUGEPAGE whose end
 * holds a whole aligned 2 MiB block, on an MMU with 2 MiB leaves.
 */
static bool as_collapse_allowed(const struct vma *v)
{
	uint64_t size = PT_LEVEL_SIZE(1);
	vaddr_t block = ALIGN_DOWN(vma_end(v) - size, size);

	if (!pte_leaf_supported(1) || v->obj || (v->flags & (MAP_SHARED | AS_VMA_NOHUGEPAGE)))
		return false;
	return vma_end(v) - vma_start(v) >= size && block >= vma_start(v);
}

/* pt_walk callback: stop (1) at the first writable leaf. */
static int as_collapse_scan_cb(void *ctx, const struct pt_leaf *leaf)
{
	return (leaf->flags & PT_WRITE) ? 1 : 0;
}

/*
 * Copy the pages of [block, block + 2 MiB) into the 2 MiB frame dst: a page
 * mapped (not a zero frame) is copied, any other is zeroed.
 */
static void as_collapse_copy(paddr_t root, vaddr_t block, paddr_t dst)
{
	struct pt_leaf leaf;
	uint64_t off;

	for (off = 0; off < PT_LEVEL_SIZE(1); off += PAGE_SIZE) {
		void *to = mm_phys_to_virt(dst + off);

		if (pt_query(root, block + off, &leaf) && !zpage_is(leaf.pa))
			mm_page_copy(to, mm_phys_to_virt(leaf.pa + (block + off - leaf.va)),
				     PAGE_SIZE);
		else
			mm_page_zero(to, PAGE_SIZE);
	}
}

/*
 * Replace whatever maps [block, block + 2 MiB) of `as` by the 2 MiB frame huge
 * with `flags`, dirty; the old frames lose a reference, and the rss counts the
 * block whole (its zero pages become frames: it never drops). -ENOMEM
 * (nothing changed) when the tables the remap may need cannot be set aside.
 */
static int as_collapse_install(struct aspace *as, vaddr_t block, paddr_t huge, unsigned flags)
{
	uint64_t size = PT_LEVEL_SIZE(1);
	paddr_t root = as->root;

	if (pt_reserve(PT_LEVELS) != 0)
		return -ENOMEM;
	as->rss += size / PAGE_SIZE - as_unref_range(root, block, block + size);
	if (pt_unmap(root, block, size) != 0 || pt_map(root, block, huge, size, flags) != 0)
		panic("as_collapse_install: remap of %#llx", (unsigned long long)block);
	pt_release();
	pt_add_state(root, block, size, PT_STATE_DIRTY | PT_STATE_SOFT_DIRTY);
	return 0;
}

/*
 * Collapse the block [block, block + 2 MiB) of VMA v: already one 2 MiB
 * leaf (the huge zero page too) is done; nothing mapped, or no page
 * writable (all shared after fork, or zero pages) is skipped as Linux's
 * scan skips it; else copy into a fresh 2 MiB frame and map it with v's
 * rights. All or nothing.
 */
static enum as_collapse_result as_collapse_block(struct aspace *as, const struct vma *v,
						 vaddr_t block)
{
	uint64_t size = PT_LEVEL_SIZE(1);
	unsigned order = __builtin_ctzll(size / PAGE_SIZE);
	unsigned flags = as_pt_flags(v->prot, v->flags);
	struct pt_leaf leaf;
	paddr_t huge;

	if (pt_query(as->root, block, &leaf) && leaf.size >= size)
		return AS_COLLAPSE_DONE;
	if (pt_walk(as->root, block, size, as_collapse_scan_cb, NULL) != 1)
		return AS_COLLAPSE_SKIP;
	huge = pmm_alloc(order);
	if (!huge)
		return AS_COLLAPSE_NOMEM;
	as_collapse_copy(as->root, block, huge);
	if (v->flags & AS_VMA_SDCLEAN)
		flags &= ~PT_WRITE;
	if (as_collapse_install(as, block, huge, flags) != 0) {
		pmm_free(huge, order);
		return AS_COLLAPSE_NOMEM;
	}
	return AS_COLLAPSE_DONE;
}

int as_collapse(struct aspace *as, const struct vma *v, vaddr_t s, vaddr_t e)
{
	uint64_t size = PT_LEVEL_SIZE(1);
	vaddr_t block, hend = ALIGN_DOWN(e, size);
	int err = 0;

	if (!as_collapse_allowed(v) || hend < ALIGN_UP(s, size))
		return -EINVAL; /* Linux's count of blocks wraps there: never "all done" */
	for (block = ALIGN_UP(s, size); block < hend; block += size) {
		switch (as_collapse_block(as, v, block)) {
		case AS_COLLAPSE_DONE:
			break;
		case AS_COLLAPSE_SKIP:
			err = -EINVAL;
			break;
		case AS_COLLAPSE_NOMEM:
			return -ENOMEM;
		}
	}
	return err;
}
