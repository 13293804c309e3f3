/*
 * fault: the page-level half of the address space: demand-zero and
 * copy-on-write faults, stack growth, population. The helpers that drop or
 * move frames together with their references are in page.c.
 */
#include "lib/assert.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/aspace.h"
#include "mm/mmarch.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "mm/thp.h"
#include "mm/zpage.h"
#include "aspace_internal.h"

/*
 * True when rights `prot` of a VMA of `kind` allow the access described by
 * `err` (AS_PF_FORCE: every access but a write into a shared VMA without
 * PROT_WRITE, as Linux's check_vma_flags with FOLL_FORCE).
 */
static bool as_access_ok(int prot, int kind, unsigned err)
{
	if (err & AS_PF_FORCE)
		return !((err & AS_PF_WRITE) && !(prot & PROT_WRITE) && (kind & MAP_SHARED));
	if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return false;
	if ((err & AS_PF_WRITE) && !(prot & PROT_WRITE))
		return false;
	if ((err & AS_PF_EXEC) && !(prot & PROT_EXEC))
		return false;
	return true;
}

/*
 * What a write fault leaves on the leaf of its page: dirty and soft-dirty
 * (Linux's pte_mkdirty on a write fault, which marks soft-dirty too).
 */
#define AS_WRITTEN (PT_STATE_DIRTY | PT_STATE_SOFT_DIRTY)

/* Mark the leaf holding va written (AS_WRITTEN; a large leaf whole). */
static void as_mark_written(struct aspace *as, vaddr_t va)
{
	pt_add_state(as->root, ALIGN_DOWN(va, PAGE_SIZE), PAGE_SIZE, AS_WRITTEN);
}

/*
 * Map a zeroed block of `size` bytes (a leaf size) at va of `as` with leaf
 * state `state` (PT_STATE_*), counted in its rss; 0 or -ENOMEM (nothing
 * changed).
 */
static int as_map_zero(struct aspace *as, vaddr_t va, uint64_t size, unsigned flags,
		       unsigned state)
{
	unsigned order = __builtin_ctzll(size / PAGE_SIZE);
	paddr_t pa = pmm_alloc(order);

	if (!pa)
		return -ENOMEM;
	mm_page_zero(mm_phys_to_virt(pa), size);
	if (pt_map_state(as->root, va, pa, size, flags, state) != 0) {
		pmm_free(pa, order);
		return -ENOMEM;
	}
	as_rss_add(as, size / PAGE_SIZE);
	return 0;
}

/*
 * Leaf flags of a page a fault of kind `err` maps fresh in v: v's rights, but
 * no write right for a read under soft-dirty tracking (the page's first
 * write must fault, as Linux's write-notify mappings do).
 */
static unsigned as_fault_flags(const struct vma *v, unsigned err)
{
	unsigned flags = as_pt_flags(v->prot, v->flags);

	if ((v->flags & AS_VMA_SDCLEAN) && !(err & AS_PF_WRITE))
		flags &= ~PT_WRITE;
	return flags;
}

/*
 * True when a fresh block of 4 KiB << order at `block` may serve a fault in
 * v: it lies inside the VMA, holds no page yet, and for the 2 MiB order
 * pt_leaf_size grants the leaf (memory is plentiful).
 */
static bool as_fresh_block_fits(struct aspace *as, struct vma *v, vaddr_t block,
				unsigned order)
{
	uint64_t size = PAGE_SIZE << order;
	struct pt_leaf leaf;

	if (block < vma_start(v) || vma_end(v) - block < size)
		return false;
	if (size >= PT_LEVEL_SIZE(1) &&
	    pt_leaf_size(block, 0, vma_end(v) - block, PT_LEAF_FRESH) < size)
		return false;
	return !as_next_leaf(as->root, block, block + size, &leaf);
}

/*
 * Demand-zero fault at va in v: the largest block the THP policy allows v
 * (as_vma_thp_orders) that fits (as_fresh_block_fits), as one physically
 * contiguous zeroed block mapped at once: a 2 MiB leaf, or 4 KiB PTEs for
 * the smaller (mTHP) sizes, which only a write takes (Linux maps a read of
 * a missing page with order 0). A size that fails falls back to the next
 * smaller one, then to 4 KiB. Each frame keeps its own reference count. A
 * write marks the page written (as_mark_written; a 4 KiB page is mapped so).
 */
static int as_fault_zero(struct aspace *as, struct vma *v, vaddr_t va, unsigned err)
{
	unsigned flags = as_fault_flags(v, err);
	uint32_t orders = as_vma_thp_orders(v);

	if (!(err & AS_PF_WRITE))
		orders &= 1u << thp_pmd_order();
	while (orders) {
		unsigned order = 31 - (unsigned)__builtin_clz(orders);
		vaddr_t block = ALIGN_DOWN(va, PAGE_SIZE << order);

		orders &= ~(1u << order);
		if (as_fresh_block_fits(as, v, block, order) &&
		    as_map_zero(as, block, PAGE_SIZE << order, flags, 0) == 0) {
			if (err & AS_PF_WRITE)
				as_mark_written(as, va);
			return AS_FAULT_OK;
		}
	}
	if (as_map_zero(as, ALIGN_DOWN(va, PAGE_SIZE), PAGE_SIZE, flags,
			(err & AS_PF_WRITE) ? AS_WRITTEN : 0) != 0)
		return AS_FAULT_OOM;
	return AS_FAULT_OK;
}

/* True when every 4 KiB frame of the leaf has a single reference. */
static bool as_leaf_exclusive(const struct pt_leaf *leaf)
{
	uint64_t off;

	for (off = 0; off < leaf->size; off += PAGE_SIZE)
		if (pmm_refcount(leaf->pa + off) != 1)
			return false;
	return true;
}

/*
 * Map the frame pa with `flags` in place of the 4 KiB leaf `leaf` (whose
 * frame keeps its reference: the caller's). Cannot fail: pt_replace
 * allocates nothing.
 */
static void as_leaf_replace(paddr_t root, const struct pt_leaf *leaf, paddr_t pa,
			    unsigned flags)
{
	if (pt_replace(root, leaf->va, pa, flags) != 0)
		panic("as_leaf_replace: no 4 KiB leaf at %#llx", (unsigned long long)leaf->va);
}

/*
 * Replace the shared 4 KiB leaf at `page` by a private copy with `flags`.
 * Returns 0, or -ENOMEM (no frame for the copy; nothing changed).
 */
static int as_cow_copy(paddr_t root, const struct pt_leaf *leaf, unsigned flags)
{
	paddr_t pa = pmm_alloc(0);

	if (!pa)
		return -ENOMEM;
	mm_page_copy(mm_phys_to_virt(pa), mm_phys_to_virt(leaf->pa), PAGE_SIZE);
	as_leaf_replace(root, leaf, pa, flags);
	pmm_unref(leaf->pa);
	return 0;
}

/*
 * True when a read fault at `block` (2 MiB aligned) of private anonymous VMA
 * v is one for a 2 MiB leaf: the THP policy allows v the 2 MiB order
 * (as_vma_thp_orders, as as_fault_zero asks) and the block lies inside v
 * and holds no page yet.
 */
static bool as_zero_huge_fits(struct aspace *as, const struct vma *v, vaddr_t block)
{
	uint64_t size = PT_LEVEL_SIZE(1);
	struct pt_leaf leaf;

	if (!(as_vma_thp_orders(v) & (1u << thp_pmd_order())) || block < vma_start(v) ||
	    vma_end(v) - block < size)
		return false;
	return !as_next_leaf(as->root, block, block + size, &leaf);
}

/*
 * Read fault on a missing page of private anonymous VMA v (Linux's
 * do_anonymous_page and do_huge_pmd_anonymous_page): where a 2 MiB leaf
 * may serve it (as_zero_huge_fits), the huge zero frame over the block
 * while use_zero_page is on, else a zeroed 2 MiB leaf when memory is
 * plentiful (as_fresh_block_fits); otherwise the 4 KiB zero frame. Zero
 * frames are mapped read-only and take no frame; AS_FAULT_OOM when a page
 * table cannot be had.
 */
static int as_fault_zero_read(struct aspace *as, struct vma *v, vaddr_t va, unsigned err)
{
	unsigned flags = as_pt_flags(v->prot, v->flags) & ~PT_WRITE;
	uint64_t huge = PT_LEVEL_SIZE(1);
	vaddr_t block = ALIGN_DOWN(va, huge);

	if (as_zero_huge_fits(as, v, block)) {
		if (thp_use_zero_page() && zpage_frame(huge) &&
		    pt_map(as->root, block, zpage_frame(huge), huge, flags) == 0)
			return AS_FAULT_OK;
		if (!thp_use_zero_page() && as_fresh_block_fits(as, v, block, thp_pmd_order()) &&
		    as_map_zero(as, block, huge, as_fault_flags(v, err), 0) == 0)
			return AS_FAULT_OK;
	}
	if (pt_map(as->root, ALIGN_DOWN(va, PAGE_SIZE), zpage_frame(PAGE_SIZE), PAGE_SIZE,
		   flags) != 0)
		return AS_FAULT_OOM;
	return AS_FAULT_OK;
}

/*
 * Map [block, block + 2 MiB), just unmapped, as 4 KiB pages of the zero
 * frame with `flags`, but the page at `page` to frame pa with `wflags`.
 * Returns 0 or -ENOMEM (only the first page can need a table), leaving the
 * block unmapped.
 */
static int as_zero_block_pages(paddr_t root, vaddr_t block, vaddr_t page, paddr_t pa,
			       unsigned flags, unsigned wflags)
{
	vaddr_t va;

	for (va = block; va < block + PT_LEVEL_SIZE(1); va += PAGE_SIZE) {
		int err = va == page ? pt_map(root, va, pa, PAGE_SIZE, wflags) :
				       pt_map(root, va, zpage_frame(PAGE_SIZE), PAGE_SIZE, flags);

		if (err) {
			if (va > block && pt_unmap(root, block, va - block) != 0)
				panic("as_zero_block_pages: cannot undo %#llx",
				      (unsigned long long)block);
			return -ENOMEM;
		}
	}
	return 0;
}

/*
 * Replace the 2 MiB zero leaf `leaf` by 4 KiB pages of the zero frame, but
 * the page at `page`, which gets frame pa with `flags` (Linux 6.12's
 * do_huge_pmd_wp_page falls back to a split: no huge page is taken).
 * Returns 0, or -ENOMEM with the leaf back as it was.
 */
static int as_zero_huge_split(paddr_t root, const struct pt_leaf *leaf, vaddr_t page,
			      paddr_t pa, unsigned flags)
{
	if (pt_unmap(root, leaf->va, leaf->size) != 0)
		panic("as_zero_huge_split: unmap of leaf %#llx", (unsigned long long)leaf->va);
	if (as_zero_block_pages(root, leaf->va, page, pa, leaf->flags, flags) != 0) {
		/* the block's entry is empty again: a leaf needs no table */
		if (pt_map(root, leaf->va, leaf->pa, leaf->size, leaf->flags) != 0)
			panic("as_zero_huge_split: cannot restore %#llx",
			      (unsigned long long)leaf->va);
		pt_add_state(root, leaf->va, leaf->size, leaf->state);
		return -ENOMEM;
	}
	pt_add_state(root, leaf->va, leaf->size, leaf->state);
	return 0;
}

/*
 * Write fault on a page mapping a zero frame in VMA v (Linux's wp_page_copy
 * of the zero page): the page gets a zeroed frame of its own with v's
 * rights, nothing to copy; a 2 MiB zero leaf is split first
 * (as_zero_huge_split). AS_FAULT_OOM leaves the mapping as it was.
 */
static int as_fault_zero_write(struct aspace *as, struct vma *v, vaddr_t va,
			       const struct pt_leaf *leaf)
{
	vaddr_t page = ALIGN_DOWN(va, PAGE_SIZE);
	unsigned flags = as_pt_flags(v->prot, v->flags);
	paddr_t pa = pmm_alloc(0);

	if (!pa)
		return AS_FAULT_OOM;
	mm_page_zero(mm_phys_to_virt(pa), PAGE_SIZE);
	if (leaf->size == PAGE_SIZE) {
		as_leaf_replace(as->root, leaf, pa, flags);
	} else if (as_zero_huge_split(as->root, leaf, page, pa, flags) != 0) {
		pmm_free(pa, 0);
		return AS_FAULT_OOM;
	}
	as_rss_add(as, 1);
	return AS_FAULT_OK;
}

/* Write fault on a present read-only page of writable VMA v: break the sharing. */
static int as_fault_cow(struct aspace *as, struct vma *v, vaddr_t va,
			struct pt_leaf *leaf)
{
	unsigned flags = as_pt_flags(v->prot, v->flags);
	vaddr_t page = ALIGN_DOWN(va, PAGE_SIZE);
	bool inside = leaf->va >= vma_start(v) && leaf->va + leaf->size <= vma_end(v);
	struct as_split made = {page, page + PAGE_SIZE, 0, 0};

	if (inside && ((v->flags & MAP_SHARED) || as_leaf_exclusive(leaf)))
		return pt_protect(as->root, leaf->va, leaf->size, flags) ?
			       AS_FAULT_OOM : AS_FAULT_OK;
	if (leaf->size > PAGE_SIZE) {
		if (as_split_record(as->root, page, page + PAGE_SIZE, &made) != 0)
			return AS_FAULT_OOM;
		if (!pt_query(as->root, page, leaf))
			panic("as_fault_cow: page %#llx vanished", (unsigned long long)page);
	}
	if ((v->flags & MAP_SHARED) || pmm_refcount(leaf->pa) == 1) {
		if (pt_protect(as->root, page, PAGE_SIZE, flags) == 0)
			return AS_FAULT_OK;
	} else if (as_cow_copy(as->root, leaf, flags) == 0) {
		return AS_FAULT_OK;
	}
	as_split_undo(as->root, &made); /* only what this fault split: older splits stay */
	return AS_FAULT_OOM;
}

/*
 * Fault on a missing page of v's object window: map the object's page (a
 * hole gets a zeroed page in the object, as shmem's fault does), writable
 * in a shared VMA, read-only in a private one (its first write copies it);
 * a write that it maps writable marks the page written. Past the object's
 * size: AS_FAULT_SIGBUS.
 */
static int as_fault_obj(struct aspace *as, struct vma *v, vaddr_t va, unsigned err)
{
	vaddr_t page = ALIGN_DOWN(va, PAGE_SIZE);
	uint64_t pgoff = vma_pgoff_at(v, page);
	unsigned flags = as_pt_flags_existing(v->prot, v->flags);
	unsigned state = (err & AS_PF_WRITE) && (flags & PT_WRITE) ? AS_WRITTEN : 0;
	paddr_t pa;
	int ret;

	if (pgoff >= (v->obj->size + PAGE_SIZE - 1) / PAGE_SIZE)
		return AS_FAULT_SIGBUS;
	ret = mobj_page(v->obj, pgoff, MOBJ_ALLOC, &pa);
	if (ret)
		return ret == -ENOMEM ? AS_FAULT_OOM : AS_FAULT_SIGBUS;
	pmm_ref(pa);
	if (pt_map_state(as->root, page, pa, PAGE_SIZE, flags, state) != 0) {
		pmm_unref(pa);
		return AS_FAULT_OOM;
	}
	as_rss_add(as, 1);
	return AS_FAULT_OK;
}

/* Linux's fault_around_bytes: the aligned block a read fault on a file maps at once. */
#define AS_FAULT_AROUND_BYTES (16 * PAGE_SIZE)

/*
 * Linux's fault-around (do_fault_around, filemap_map_pages) for a read fault
 * at `page` in v's object window: map the object's pages that exist in the
 * 64 KiB-aligned block around it, clipped to v and to the object's size,
 * where nothing is mapped yet, with as_fault_obj's rights, in one table
 * walk (pt_map_pages). Holes and the faulting page are left to
 * as_fault_obj. Cannot fail: without memory for a table nothing is mapped.
 */
static void as_fault_around(struct aspace *as, struct vma *v, vaddr_t page)
{
	vaddr_t block = ALIGN_DOWN(page, AS_FAULT_AROUND_BYTES);
	vaddr_t from = MAX(block, vma_start(v));
	vaddr_t to = MIN(block + AS_FAULT_AROUND_BYTES, vma_end(v));
	uint64_t pages = (v->obj->size + PAGE_SIZE - 1) / PAGE_SIZE, pgoff = vma_pgoff_at(v, from);
	paddr_t pa[AS_FAULT_AROUND_BYTES / PAGE_SIZE] = {0};
	size_t n = (to - from) / PAGE_SIZE, mapped = 0;

	if (pgoff < pages)
		mobj_lookup_pages(v->obj, pgoff, MIN(n, pages - pgoff), pa);
	pa[(page - from) / PAGE_SIZE] = 0;
	pt_map_pages(as->root, from, n, pa, as_pt_flags_existing(v->prot, v->flags));
	for (size_t i = 0; i < n; i++) {
		if (pa[i]) {
			pmm_ref(pa[i]);
			mapped++;
		}
	}
	as_rss_add(as, mapped);
}

/*
 * Write fault on the present leaf `leaf` of v: a read-only zero frame gets a
 * frame of its own (as_fault_zero_write), another read-only page is
 * copied or reused (as_fault_cow); then the page is marked written.
 */
static int as_fault_write_present(struct aspace *as, struct vma *v, vaddr_t va,
				  struct pt_leaf *leaf)
{
	int res = AS_FAULT_OK;

	if (!(leaf->flags & PT_WRITE))
		res = zpage_is(leaf->pa) ? as_fault_zero_write(as, v, va, leaf) :
					   as_fault_cow(as, v, va, leaf);
	if (res == AS_FAULT_OK)
		as_mark_written(as, va);
	return res;
}

/*
 * Serve a fault at va inside VMA v. A write that it serves leaves the page's
 * leaf written (AS_WRITTEN), whether it maps the page or finds it.
 */
static int as_fault_serve(struct aspace *as, struct vma *v, vaddr_t va, unsigned err)
{
	struct pt_leaf leaf;
	int res;

	if (!pt_query(as->root, va, &leaf)) {
		if (!v->obj && !(err & AS_PF_WRITE))
			return as_fault_zero_read(as, v, va, err);
		if (!v->obj)
			return as_fault_zero(as, v, va, err);
		if (!(err & AS_PF_WRITE))
			as_fault_around(as, v, ALIGN_DOWN(va, PAGE_SIZE));
		res = as_fault_obj(as, v, va, err);
		if (res != AS_FAULT_OK || !(err & AS_PF_WRITE) ||
		    (as_pt_flags_existing(v->prot, v->flags) & PT_WRITE))
			return res; /* done: a read, or a write mapped writable */
		if (!pt_query(as->root, va, &leaf)) /* a private write copies the page */
			return res;
	}
	if (!(err & AS_PF_WRITE))
		return AS_FAULT_OK;
	return as_fault_write_present(as, v, va, &leaf);
}

/*
 * Serve a fault at va inside VMA v: AS_FAULT_PKUERR first when the leaf's
 * key refused the access (AS_PF_PK) or the VMA's key would (a missing page),
 * then the VMA's rights. A write that it served leaves the page's leaf
 * dirty and soft-dirty (Linux's pte_mkdirty on a write fault): a page
 * written after clear_refs 4 faults here, its write right restored by
 * as_fault_cow (a reuse, or a copy while a private frame is shared).
 */
static int as_fault_in(struct aspace *as, struct vma *v, vaddr_t va, unsigned err)
{
	int res;

	if ((err & AS_PF_PK) || as_pkey_denies(v, err))
		return AS_FAULT_PKUERR; /* before the rights, as Linux's access_error */
	if (!as_access_ok(v->prot, v->flags, err))
		return AS_FAULT_ACCERR;
	res = as_fault_serve(as, v, va, err);
	return res;
}

/*
 * True when a stack VMA v may grow down to `page` (Linux's expand_downwards
 * and acct_stack_growth: min addr, guard gap, RLIMIT_AS, RLIMIT_STACK,
 * RLIMIT_MEMLOCK of a locked stack).
 */
static bool as_may_grow(const struct aspace *as, const struct vma *v, vaddr_t page)
{
	const struct vma *prev = vma_prev(v);

	if (!(v->flags & MAP_GROWSDOWN) || page < AS_MMAP_MIN_ADDR)
		return false;
	if (prev && !(prev->flags & MAP_GROWSDOWN) && prev->prot != PROT_NONE &&
	    page - vma_end(prev) < AS_STACK_GUARD_GAP)
		return false;
	if (!as_may_expand(as, v->prot, v->flags, (vma_start(v) - page) / PAGE_SIZE))
		return false;
	if (vma_end(v) - page > as->lim.stack_bytes)
		return false;
	return as_lock_future_ok(as, v->flags, vma_start(v) - page);
}

/* Fault at va outside every VMA: grow a stack just above it, or MAPERR. */
static int as_fault_grow(struct aspace *as, vaddr_t va, unsigned err)
{
	struct vma *v = vma_lower_bound(&as->vmas, va);
	vaddr_t page = ALIGN_DOWN(va, PAGE_SIZE), old;
	int res;

	if (!v || !as_may_grow(as, v, page))
		return AS_FAULT_MAPERR;
	old = vma_start(v);
	btree_set_range(&as->vmas, &v->node, page, vma_end(v));
	res = as_fault_in(as, v, va, err);
	if (res != AS_FAULT_OK) {
		btree_set_range(&as->vmas, &v->node, old, vma_end(v));
		return res;
	}
	vma_merge(&as->vmas, v);
	return AS_FAULT_OK;
}

int as_fault(struct aspace *as, vaddr_t va, unsigned error_code)
{
	struct vma *v;

	if (!as || va >= AS_TASK_SIZE)
		return AS_FAULT_MAPERR;
	v = vma_find(&as->vmas, va);
	if (!v && (error_code & AS_PF_FORCE))
		return AS_FAULT_MAPERR;
	if (!v)
		return as_fault_grow(as, va, error_code);
	return as_fault_in(as, v, va, error_code);
}

/*
 * Fault in every page of [start, end) that a user access of this kind would
 * fault on: missing pages, and for a write also read-only ones (copy-on-write
 * is broken as a write fault breaks it, as Linux's MADV_POPULATE_WRITE does).
 * Returns 0, -EFAULT (hole) or -ENOMEM.
 */
int as_populate(struct aspace *as, vaddr_t start, vaddr_t end, enum as_populate_mode mode)
{
	bool write = mode == AS_POPULATE_WRITE;
	unsigned err = AS_PF_USER | (write ? AS_PF_WRITE : 0);
	struct pt_leaf leaf;
	struct vma *v;
	vaddr_t va = start;

	while (va < end) {
		bool present = pt_query(as->root, va, &leaf);

		if (present && (!write || (leaf.flags & PT_WRITE))) {
			va = leaf.va + leaf.size;
			continue;
		}
		v = vma_find(&as->vmas, va);
		if (!v)
			return -EFAULT;
		if (as_fault_in(as, v, va, err) != AS_FAULT_OK)
			return -ENOMEM;
	}
	return 0;
}
