/*
 * vmarea: kernel virtual areas (see include/mm/vmarea.h).
 *
 * Each area is one rtree node spanning the area and the unmapped guard page
 * after it, so the lowest free range of size + 4 KiB found bottom-up always
 * leaves a guard between neighbours. Pages are 4 KiB frames mapped one by
 * one; pt may fold them into larger leaves, so freeing walks the leaves and
 * frees each 4 KiB frame of each leaf.
 */
#include "mm/vmarea.h"

#include "lib/assert.h"
#include "lib/errno.h"
#include "lib/rtree.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/mmarch.h"
#include "mm/pmm.h"
#include "mm/pt.h"

#define VMAREA_GUARD PAGE_SIZE

struct vmarea {
	struct rnode node; /* [start, start + size + VMAREA_GUARD) */
	unsigned flags;    /* VMAREA_* */
};

static struct rtree vmarea_tree;
static paddr_t vmarea_root;

/* Start over with no areas, mapping future ones in `kernel_root`. */
void vmarea_init(paddr_t kernel_root)
{
	vmarea_root = kernel_root;
	rtree_init(&vmarea_tree, VMAREA_BASE, VMAREA_BASE + VMAREA_SIZE);
}

/* The tree of areas, for invariant checks in tests. */
const struct rtree *vmarea_debug_tree(void)
{
	return &vmarea_tree;
}

size_t vmarea_count(void)
{
	return vmarea_tree.count;
}

/* PT_* flags for an area with VMAREA_* `flags`. */
static unsigned vmarea_pt_flags(unsigned flags)
{
	unsigned pt = PT_WRITE | PT_GLOBAL;

	if (!(flags & VMAREA_EXEC))
		pt |= PT_NX;
	return pt;
}

/*
 * Unmap the fully mapped range [va, va+len) leaf by leaf and free every
 * 4 KiB frame behind it. Leaves never reach outside an area (the guard page
 * before the next one is unmapped), so no unmap needs a split.
 */
static void vmarea_release(vaddr_t va, uint64_t len)
{
	vaddr_t end = va + len;
	struct pt_leaf leaf;

	while (va < end) {
		if (!pt_query(vmarea_root, va, &leaf))
			panic("vmarea_release: 0x%llx not mapped",
			      (unsigned long long)va);
		if (leaf.va < va || leaf.va + leaf.size > end)
			panic("vmarea_release: leaf at 0x%llx leaves the area",
			      (unsigned long long)leaf.va);
		if (pt_unmap(vmarea_root, leaf.va, leaf.size))
			panic("vmarea_release: unmap of 0x%llx failed",
			      (unsigned long long)leaf.va);
		for (uint64_t off = 0; off < leaf.size; off += PAGE_SIZE)
			pmm_free(leaf.pa + off, 0);
		va = leaf.va + leaf.size;
	}
}

/*
 * Back [va, va + npages pages) with fresh frames (zeroed when asked).
 * Returns 0, or -ENOMEM with everything it did undone.
 */
static int vmarea_populate(vaddr_t va, uint64_t npages, unsigned flags)
{
	unsigned ptflags = vmarea_pt_flags(flags);
	uint64_t i;
	paddr_t pa;

	for (i = 0; i < npages; i++) {
		pa = pmm_alloc(0);
		if (!pa)
			goto out_release;
		if (flags & VMAREA_ZERO)
			mm_page_zero(mm_phys_to_virt(pa), PAGE_SIZE);
		if (pt_map(vmarea_root, va + i * PAGE_SIZE, pa, PAGE_SIZE,
			   ptflags)) {
			pmm_free(pa, 0);
			goto out_release;
		}
	}
	return 0;

out_release:
	vmarea_release(va, i * PAGE_SIZE);
	return -ENOMEM;
}

/*
 * Allocate an area of `size` bytes (rounded up to 4 KiB) at the lowest free
 * place of the window with room for its guard page. NULL when size is 0 or
 * too big, or when the window, the heap or the frames run out.
 */
void *vmarea_alloc(size_t size, unsigned flags)
{
	struct vmarea *a;
	uint64_t len, va;

	if (!size || size > VMAREA_SIZE - VMAREA_GUARD || !vmarea_root)
		return NULL;
	len = ALIGN_UP(size, PAGE_SIZE);
	if (rtree_gap_bottomup(&vmarea_tree, len + VMAREA_GUARD, PAGE_SIZE,
			       VMAREA_BASE, VMAREA_BASE + VMAREA_SIZE, &va))
		return NULL;
	a = kmalloc(sizeof(*a));
	if (!a)
		return NULL;
	a->node.start = va;
	a->node.end = va + len + VMAREA_GUARD;
	a->flags = flags;
	if (vmarea_populate(va, len / PAGE_SIZE, flags))
		goto out_free_desc;
	if (rtree_insert(&vmarea_tree, &a->node))
		panic("vmarea_alloc: 0x%llx clashes with an area",
		      (unsigned long long)va);
	return (void *)va;

out_free_desc:
	kfree(a);
	return NULL;
}

/* Unmap and free the area starting at addr; NULL is ignored. */
void vmarea_free(void *addr)
{
	struct rnode *n;

	if (!addr)
		return;
	n = rtree_find(&vmarea_tree, (uint64_t)addr);
	if (!n || n->start != (uint64_t)addr) {
		if (BOOTMM_DEBUG)
			panic("vmarea_free: %p is not the start of an area", addr);
		return;
	}
	vmarea_release(n->start, n->end - n->start - VMAREA_GUARD);
	rtree_remove(&vmarea_tree, n);
	kfree(container_of(n, struct vmarea, node));
}
