/*
 * page: the page helpers of the address space: leaf flags for VMA rights,
 * and mapping, dropping or moving frames together with their references
 * (declared in aspace_internal.h).
 */
#include "lib/assert.h"
#include "lib/errno.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "mm/zpage.h"
#include "aspace_internal.h"

/*
 * Leaf flags for a fresh page with rights `prot` in a VMA of flags `vflags`
 * (its protection key); PROT_NONE pages stay supervisor-only.
 */
unsigned as_pt_flags(int prot, int vflags)
{
	unsigned flags = PT_PKEY(AS_VMA_PKEY(vflags));

	if (prot & (PROT_READ | PROT_WRITE | PROT_EXEC))
		flags |= PT_USER;
	if (!(prot & PROT_EXEC))
		flags |= PT_NX;
	if (prot & PROT_WRITE)
		flags |= PT_WRITE;
	return flags;
}

/*
 * Leaf flags for pages already present in a VMA of `kind` that gets `prot`.
 * Private pages may be shared copy-on-write, so they become writable only
 * through a write fault that finds them exclusive; under soft-dirty tracking
 * (AS_VMA_SDCLEAN) no page does, so that its next write marks it soft-dirty.
 */
unsigned as_pt_flags_existing(int prot, int kind)
{
	unsigned flags = as_pt_flags(prot, kind);

	if (!(kind & MAP_SHARED) || (kind & AS_VMA_SDCLEAN))
		flags &= ~PT_WRITE;
	return flags;
}

/* pt_walk callback: keep the first leaf and stop. */
static int as_first_leaf_cb(void *ctx, const struct pt_leaf *leaf)
{
	*(struct pt_leaf *)ctx = *leaf;
	return 1;
}

/* The first leaf meeting [va, end); false when none. */
bool as_next_leaf(paddr_t root, vaddr_t va, vaddr_t end, struct pt_leaf *out)
{
	return va < end && pt_walk(root, va, end - va, as_first_leaf_cb, out) == 1;
}

/* A range pt_walk callbacks clip leaves to. */
struct as_span {
	vaddr_t start, end;
	uint64_t nframes; /* frames referenced so far (as_ref_cb) */
};

/*
 * pt_walk callback: one more reference for each frame of the leaf part inside
 * the span (none for the zero frames, which mappings never count).
 */
static int as_ref_cb(void *ctx, const struct pt_leaf *leaf)
{
	struct as_span *span = ctx;
	vaddr_t s = MAX(leaf->va, span->start), e = MIN(leaf->va + leaf->size, span->end);
	paddr_t pa = leaf->pa + (s - leaf->va);

	if (zpage_is(leaf->pa))
		return 0;
	for (; s < e; s += PAGE_SIZE, pa += PAGE_SIZE, span->nframes++)
		pmm_ref(pa);
	return 0;
}

int as_copy_pages(paddr_t from, struct aspace *c, vaddr_t start, vaddr_t end, unsigned clear)
{
	struct as_span span = {start, end, 0};
	int err = pt_copy(from, c->root, start, end - start, clear, as_ref_cb, &span);

	as_rss_add(c, span.nframes);
	return err;
}

uint64_t as_ref_range(paddr_t root, vaddr_t start, vaddr_t end)
{
	struct as_span span = {start, end, 0};

	if (start < end)
		pt_walk(root, start, end - start, as_ref_cb, &span);
	return span.nframes;
}

/* A span and the run of physically contiguous frames as_unref_cb has yet to unreference. */
struct as_unref_run {
	vaddr_t start, end;
	paddr_t pa;
	uint64_t nframes;
	uint64_t total; /* frames unreferenced so far */
};

/*
 * pt_walk callback: add the frames of the leaf part inside the span to the
 * run when they follow it physically, else unreference the run and start a
 * new one. So one pmm call covers a 2 MiB leaf, or all the 4 KiB leaves of
 * one moved 2 MiB block, and frees whole blocks of frames nothing else maps.
 * Leaves of the zero frames hold no reference and are skipped.
 */
static int as_unref_cb(void *ctx, const struct pt_leaf *leaf)
{
	struct as_unref_run *run = ctx;
	vaddr_t va = MAX(leaf->va, run->start);
	vaddr_t end = MIN(leaf->va + leaf->size, run->end);
	paddr_t pa = leaf->pa + (va - leaf->va);

	if (va >= end || zpage_is(leaf->pa))
		return 0;
	if (run->nframes && run->pa + run->nframes * PAGE_SIZE == pa) {
		run->nframes += (end - va) / PAGE_SIZE;
		return 0;
	}
	if (run->nframes)
		pmm_unref_range(run->pa, run->nframes);
	run->total += run->nframes;
	run->pa = pa;
	run->nframes = (end - va) / PAGE_SIZE;
	return 0;
}

/* Drop one reference for every 4 KiB page mapped in [start, end); returns their count. */
uint64_t as_unref_range(paddr_t root, vaddr_t start, vaddr_t end)
{
	struct as_unref_run run = {start, end, 0, 0, 0};

	if (start >= end)
		return 0;
	pt_walk(root, start, end - start, as_unref_cb, &run);
	if (run.nframes)
		pmm_unref_range(run.pa, run.nframes);
	return run.total + run.nframes;
}

int as_split_record(paddr_t root, vaddr_t start, vaddr_t end, struct as_split *made)
{
	int err;

	*made = (struct as_split){.start = start, .end = end};
	err = pt_split_at_counted(root, start, &made->at_start);
	if (err)
		return err;
	err = pt_split_at_counted(root, end, &made->at_end);
	if (err) {
		pt_unsplit_at(root, start, made->at_start);
		made->at_start = 0;
	}
	return err;
}

void as_split_undo(paddr_t root, struct as_split *made)
{
	pt_unsplit_at(root, made->end, made->at_end);
	pt_unsplit_at(root, made->start, made->at_start);
	made->at_start = made->at_end = 0;
}

/* Make start and end leaf boundaries; 0 or -ENOMEM with nothing changed. */
int as_split_ends(paddr_t root, vaddr_t start, vaddr_t end)
{
	struct as_split made;

	return as_split_record(root, start, end, &made);
}

/* Unmap and unreference [start, end); its ends must already be leaf boundaries. */
void as_zap(struct aspace *as, vaddr_t start, vaddr_t end)
{
	if (start >= end)
		return;
	as_rss_drop(as, as_unref_range(as->root, start, end));
	if (pt_unmap(as->root, start, end - start) != 0)
		panic("as_zap: unmap of split range [%#llx, %#llx) failed",
		      (unsigned long long)start, (unsigned long long)end);
}

/*
 * Map the pages of [addr, end) at `to` with their flags, frames and state
 * (no new references: they move), soft-dirty as Linux's move_ptes marks
 * them. All or nothing: -ENOMEM leaves `to` unmapped.
 */
int as_move_pages(paddr_t root, vaddr_t addr, vaddr_t end, vaddr_t to)
{
	int err;

	if (addr >= end)
		return 0;
	err = pt_map_from(root, to, addr, end - addr, PT_STATE_SOFT_DIRTY);
	if (err && err != -ENOMEM)
		panic("as_move_pages: map at %#llx: %d", (unsigned long long)to, err);
	return err;
}


/*
 * Reverse-map zap callback of a VMA with an object (mobj_zap_fn): unmap the
 * pages of the object range [pgoff, pgoff + npages) that the VMA maps, its
 * private copies of them included (as Linux's truncate does). Pages of a
 * window are 4 KiB leaves, so no split is needed and this cannot fail.
 */
void as_vma_zap(struct mobj_map *m, uint64_t pgoff, uint64_t npages)
{
	struct vma *v = container_of(m, struct vma, rmap);
	struct aspace *as = m->owner;
	uint64_t first = MAX(pgoff, v->rmap.pgoff), last = v->rmap.pgoff + m->npages;
	vaddr_t s, e;

	if (npages < last - MIN(pgoff, last))
		last = pgoff + npages;
	if (first >= last)
		return;
	s = vma_start(v) + (first - v->rmap.pgoff) * PAGE_SIZE;
	e = vma_start(v) + (last - v->rmap.pgoff) * PAGE_SIZE;
	if (as_split_ends(as->root, s, e) != 0)
		panic("as_vma_zap: split at [%#llx, %#llx)", (unsigned long long)s,
		      (unsigned long long)e);
	as_zap(as, s, e);
}
