/*
 * pmm: buddy allocator over the frames of the boot memory map.
 *
 * Every frame from 0 up to the highest usable one has a 16-byte record in an
 * array carved from low usable RAM. A block (free or allocated) of order k is
 * described by the record of its first frame (its head); the records of the
 * other frames of the block are tails and say nothing. So splitting and
 * merging touch O(1) records per order, and the block holding any frame is
 * found by looking at the aligned candidate heads of orders 0..PMM_MAX_ORDER.
 *
 * Free heads sit on doubly linked lists (by frame index), one per order.
 * Allocated blocks of order > 0 always have count 1 in every frame; a per-frame
 * operation (ref, unref, partial free) first splits the allocated block down
 * to the frames it touches, exactly like a buddy split.
 */
#include "mm/pmm.h"

#include "lib/assert.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/mmarch.h"

#define PMM_NIL UINT32_MAX
#define PMM_NO_ORDER 0xff

enum pmm_state {
	PMM_NOT_RAM = 0, /* hole, reserved, metadata or frame 0 */
	PMM_TAIL,        /* usable, inside a block whose head is elsewhere */
	PMM_FREE,        /* head of a free block of `order` */
	PMM_ALLOC,       /* head of an allocated block of `order` */
};

struct pmm_frame {
	uint32_t next;     /* free list links (frame indices), PMM_NIL at ends */
	uint32_t prev;
	uint32_t refcount; /* PMM_ALLOC heads: count of each frame of the block */
	uint8_t state;     /* enum pmm_state */
	uint8_t order;     /* heads: order of the block */
	uint16_t unused;
};

_Static_assert(sizeof(struct pmm_frame) == 16, "pmm metadata is 16 bytes a frame");

static struct pmm_frame *pmm_frames;
static uint64_t pmm_nframes;
static uint32_t pmm_heads[PMM_MAX_ORDER + 1];
static size_t pmm_counts[PMM_MAX_ORDER + 1];
static size_t pmm_nfree;
static size_t pmm_ntotal;
static unsigned long pmm_calls;
static unsigned long pmm_fail_countdown;

/* ------------------------------------------------------------ free lists */

/* Put frame `pfn` on the free list of `order` as the head of a free block. */
static void pmm_list_add(uint64_t pfn, unsigned order)
{
	struct pmm_frame *f = &pmm_frames[pfn];

	f->state = PMM_FREE;
	f->order = order;
	f->refcount = 0;
	f->prev = PMM_NIL;
	f->next = pmm_heads[order];
	if (f->next != PMM_NIL)
		pmm_frames[f->next].prev = (uint32_t)pfn;
	pmm_heads[order] = (uint32_t)pfn;
	pmm_counts[order]++;
}

/* Take the free head `pfn` off its list in O(1); it becomes a tail. */
static void pmm_list_del(uint64_t pfn)
{
	struct pmm_frame *f = &pmm_frames[pfn];
	unsigned order = f->order;

	if (f->prev != PMM_NIL)
		pmm_frames[f->prev].next = f->next;
	else
		pmm_heads[order] = f->next;
	if (f->next != PMM_NIL)
		pmm_frames[f->next].prev = f->prev;
	f->state = PMM_TAIL;
	f->order = PMM_NO_ORDER;
	pmm_counts[order]--;
}

/*
 * Give the block of 2^order frames at `pfn` back, merging it with its free
 * buddies as far as they go.
 */
static void pmm_free_block(uint64_t pfn, unsigned order)
{
	pmm_nfree += (size_t)1 << order;
	pmm_frames[pfn].state = PMM_TAIL;
	while (order < PMM_MAX_ORDER) {
		uint64_t buddy = pfn ^ ((uint64_t)1 << order);

		if (buddy >= pmm_nframes || pmm_frames[buddy].state != PMM_FREE ||
		    pmm_frames[buddy].order != order)
			break;
		pmm_list_del(buddy);
		pfn = MIN(pfn, buddy);
		order++;
	}
	pmm_list_add(pfn, order);
}

/* ------------------------------------------------------------ lookup */

/*
 * The head of the block holding frame `pfn`, or PMM_NIL when the frame is not
 * usable RAM. O(PMM_MAX_ORDER).
 */
static uint64_t pmm_block_of(uint64_t pfn)
{
	unsigned k;

	if (pfn >= pmm_nframes || pmm_frames[pfn].state == PMM_NOT_RAM)
		return PMM_NIL;
	for (k = 0; k <= PMM_MAX_ORDER; k++) {
		uint64_t head = pfn & ~(((uint64_t)1 << k) - 1);
		uint8_t state = pmm_frames[head].state;

		if ((state == PMM_FREE || state == PMM_ALLOC) && pmm_frames[head].order >= k)
			return head;
	}
	panic("pmm: frame 0x%llx belongs to no block", (unsigned long long)pfn << PAGE_SHIFT);
}

/* Make `pfn` the head of an allocated block of `order` with count `count`. */
static void pmm_set_alloc(uint64_t pfn, unsigned order, uint32_t count)
{
	pmm_frames[pfn].state = PMM_ALLOC;
	pmm_frames[pfn].order = order;
	pmm_frames[pfn].refcount = count;
}

/*
 * Split the allocated block at `head` until the aligned sub-block of `order`
 * at `pfn` is a block of its own. Each half keeps count 1. O(order of head).
 */
static void pmm_split_alloc(uint64_t head, uint64_t pfn, unsigned order)
{
	unsigned k = pmm_frames[head].order;

	while (k > order) {
		uint64_t upper;

		k--;
		upper = head + ((uint64_t)1 << k);
		pmm_set_alloc(head, k, 1);
		pmm_set_alloc(upper, k, 1);
		if (pfn >= upper)
			head = upper;
	}
}

/* ------------------------------------------------------------ init */

/* Usable part of `r`: start rounded up, end rounded down to 4 KiB. */
static bool pmm_trim(const struct pmm_range *r, paddr_t *start, paddr_t *end)
{
	*start = ALIGN_UP(r->start, PAGE_SIZE);
	*end = ALIGN_DOWN(r->end, PAGE_SIZE);
	return *start < *end && r->start < r->end && *start >= r->start;
}

/* True when [start, end) lies in the union of the usable ranges. */
static bool pmm_covered(paddr_t start, paddr_t end, const struct pmm_range *avail,
			size_t navail)
{
	while (start < end) {
		paddr_t best = start, s, e;
		size_t i;

		for (i = 0; i < navail; i++) {
			if (pmm_trim(&avail[i], &s, &e) && s <= start && e > best)
				best = e;
		}
		if (best == start)
			return false;
		start = best;
	}
	return true;
}

/* True when [start, end) meets no reserved range (widened to 4 KiB). */
static bool pmm_clear_of(paddr_t start, paddr_t end, const struct pmm_range *res,
			 size_t nres)
{
	size_t i;

	for (i = 0; i < nres; i++) {
		paddr_t s = ALIGN_DOWN(res[i].start, PAGE_SIZE);
		paddr_t e = ALIGN_UP(res[i].end, PAGE_SIZE);

		if (res[i].start < res[i].end && s < end && start < e)
			return false;
	}
	return true;
}

/* Whether the metadata fits at `start`, page 0 excluded. */
static bool pmm_meta_fits(paddr_t start, uint64_t bytes, const struct pmm_range *avail,
			  size_t navail, const struct pmm_range *res, size_t nres,
			  paddr_t limit)
{
	start = ALIGN_UP(start, PAGE_SIZE);
	if (start < PAGE_SIZE || start + bytes > limit || start + bytes < start)
		return false;
	return pmm_covered(start, start + bytes, avail, navail) &&
	       pmm_clear_of(start, start + bytes, res, nres);
}

/*
 * Lowest place for `bytes` of metadata. The lowest fitting start is page 1,
 * the start of a usable range, or the end of a reserved range, so only those
 * are tried. Returns 0 when nothing fits.
 */
static paddr_t pmm_place_meta(uint64_t bytes, const struct pmm_range *avail, size_t navail,
			      const struct pmm_range *res, size_t nres, paddr_t limit)
{
	paddr_t best = 0;
	size_t i;

#define PMM_TRY(c)                                                           \
	do {                                                                  \
		paddr_t c_ = ALIGN_UP((c), PAGE_SIZE);                        \
		if ((best == 0 || c_ < best) &&                               \
		    pmm_meta_fits(c_, bytes, avail, navail, res, nres, limit)) \
			best = c_;                                            \
	} while (0)
	PMM_TRY(PAGE_SIZE);
	for (i = 0; i < navail; i++)
		PMM_TRY(avail[i].start);
	for (i = 0; i < nres; i++)
		PMM_TRY(res[i].end);
#undef PMM_TRY
	return best;
}

/* One past the highest usable frame, capped so indices fit in 32 bits. */
static uint64_t pmm_count_frames(const struct pmm_range *avail, size_t navail)
{
	uint64_t n = 0;
	paddr_t s, e;
	size_t i;

	for (i = 0; i < navail; i++) {
		if (pmm_trim(&avail[i], &s, &e))
			n = MAX(n, e >> PAGE_SHIFT);
	}
	return MIN(n, (uint64_t)PMM_NIL - 1);
}

/* Set the state of frames [start, end) (byte addresses, clipped to the array). */
static void pmm_mark(paddr_t start, paddr_t end, enum pmm_state state)
{
	uint64_t pfn = start >> PAGE_SHIFT;
	uint64_t last = MIN(end >> PAGE_SHIFT, pmm_nframes);

	for (; pfn < last; pfn++)
		pmm_frames[pfn].state = state;
}

/* Cut the run of usable frames [pfn, end) into maximal aligned free blocks. */
static void pmm_add_run(uint64_t pfn, uint64_t end)
{
	while (pfn < end) {
		unsigned k = 0;

		while (k < PMM_MAX_ORDER && IS_ALIGNED(pfn, (uint64_t)2 << k) &&
		       pfn + ((uint64_t)2 << k) <= end)
			k++;
		pmm_list_add(pfn, k);
		pmm_nfree += (size_t)1 << k;
		pmm_ntotal += (size_t)1 << k;
		pfn += (uint64_t)1 << k;
	}
}

/* Build the free lists from the frame states (PMM_TAIL = usable). */
static void pmm_build_lists(void)
{
	uint64_t pfn = 0;

	while (pfn < pmm_nframes) {
		uint64_t end = pfn;

		while (end < pmm_nframes && pmm_frames[end].state == PMM_TAIL)
			end++;
		pmm_add_run(pfn, end);
		pfn = end + 1;
	}
}

/* Forget everything: no frames, empty lists, counters at zero. */
static void pmm_reset(void)
{
	unsigned k;

	pmm_frames = NULL;
	pmm_nframes = 0;
	for (k = 0; k <= PMM_MAX_ORDER; k++) {
		pmm_heads[k] = PMM_NIL;
		pmm_counts[k] = 0;
	}
	pmm_nfree = 0;
	pmm_ntotal = 0;
	pmm_calls = 0;
	pmm_fail_countdown = 0;
}

int pmm_init(const struct pmm_range *avail, size_t navail,
	     const struct pmm_range *reserved, size_t nreserved, paddr_t meta_limit)
{
	uint64_t nframes = pmm_count_frames(avail, navail);
	uint64_t bytes = ALIGN_UP(nframes * sizeof(struct pmm_frame), PAGE_SIZE);
	paddr_t meta, s, e;
	size_t i;

	pmm_reset();
	if (nframes == 0)
		return 0;
	meta = pmm_place_meta(bytes, avail, navail, reserved, nreserved, meta_limit);
	if (meta == 0)
		return -ENOMEM;
	pmm_frames = mm_phys_to_virt(meta);
	pmm_nframes = nframes;
	memset(pmm_frames, 0, bytes);
	for (i = 0; i < navail; i++) {
		if (pmm_trim(&avail[i], &s, &e))
			pmm_mark(s, e, PMM_TAIL);
	}
	for (i = 0; i < nreserved; i++) {
		if (reserved[i].start < reserved[i].end)
			pmm_mark(ALIGN_DOWN(reserved[i].start, PAGE_SIZE),
				 ALIGN_UP(reserved[i].end, PAGE_SIZE), PMM_NOT_RAM);
	}
	pmm_mark(meta, meta + bytes, PMM_NOT_RAM);
	pmm_mark(0, PAGE_SIZE, PMM_NOT_RAM);
	pmm_build_lists();
	return 0;
}

/* ------------------------------------------------------------ alloc/free */

/* True when an injected failure is due for this call. */
static bool pmm_inject_failure(void)
{
	if (pmm_fail_countdown == 0)
		return false;
	return --pmm_fail_countdown == 0;
}

paddr_t pmm_alloc(unsigned order)
{
	unsigned k;
	uint64_t pfn;

	pmm_calls++;
	if (pmm_inject_failure() || order > PMM_MAX_ORDER)
		return 0;
	for (k = order; k <= PMM_MAX_ORDER && pmm_heads[k] == PMM_NIL; k++)
		;
	if (k > PMM_MAX_ORDER)
		return 0;
	pfn = pmm_heads[k];
	pmm_list_del(pfn);
	while (k > order) {
		k--;
		pmm_list_add(pfn + ((uint64_t)1 << k), k);
	}
	pmm_set_alloc(pfn, order, 1);
	pmm_nfree -= (size_t)1 << order;
	return (paddr_t)pfn << PAGE_SHIFT;
}

/* A bad free: panic in a debug build, ignore it otherwise. Returns false. */
static bool pmm_bad_free(const char *why, uint64_t pfn)
{
	if (BOOTMM_DEBUG)
		panic("pmm_free: %s 0x%llx", why, (unsigned long long)pfn << PAGE_SHIFT);
	return false;
}

/*
 * Check that every frame of [pfn, pfn + 2^order) is allocated with count 1.
 * Blocks are buddy-aligned, so the range either lies in one allocated block
 * or is tiled by whole allocated blocks.
 */
static bool pmm_check_free(uint64_t pfn, unsigned order)
{
	uint64_t end = pfn + ((uint64_t)1 << order), p = pfn;

	if (order > PMM_MAX_ORDER || !IS_ALIGNED(pfn, (uint64_t)1 << order))
		return pmm_bad_free("misaligned block at", pfn);
	while (p < end) {
		uint64_t head = pmm_block_of(p);

		if (head == PMM_NIL || end > pmm_nframes)
			return pmm_bad_free("not RAM:", p);
		if (pmm_frames[head].state == PMM_FREE)
			return pmm_bad_free(p == pfn ? "double free of" : "double free inside block at", p);
		if (pmm_frames[head].refcount != 1)
			return pmm_bad_free("frame still shared (refcount != 1):", p);
		if (head < pfn || pmm_frames[head].order >= order)
			return true;
		p = head + ((uint64_t)1 << pmm_frames[head].order);
	}
	return true;
}

void pmm_free(paddr_t pa, unsigned order)
{
	uint64_t pfn = pa >> PAGE_SHIFT, end, head;

	if (!IS_ALIGNED(pa, PAGE_SIZE)) {
		pmm_bad_free("misaligned address", pfn);
		return;
	}
	if (!pmm_check_free(pfn, order))
		return;
	head = pmm_block_of(pfn);
	if (pmm_frames[head].order >= order) {
		pmm_split_alloc(head, pfn, order);
		pmm_free_block(pfn, order);
		return;
	}
	end = pfn + ((uint64_t)1 << order);
	while (pfn < end) {
		unsigned k = pmm_frames[pfn].order;

		pmm_free_block(pfn, k);
		pfn += (uint64_t)1 << k;
	}
}

/* ------------------------------------------------------------ references */

/*
 * Make the allocated frame `pa` a block of its own and return its head
 * record; panics (debug) when `pa` is not allocated.
 */
static struct pmm_frame *pmm_own_frame(paddr_t pa, const char *who)
{
	uint64_t pfn = pa >> PAGE_SHIFT;
	uint64_t head = pmm_block_of(pfn);

	if (head == PMM_NIL || pmm_frames[head].state != PMM_ALLOC)
		panic("%s: 0x%llx is not allocated", who, (unsigned long long)pa);
	pmm_split_alloc(head, pfn, 0);
	return &pmm_frames[pfn];
}

uint32_t pmm_ref(paddr_t pa)
{
	uint64_t pfn = pa >> PAGE_SHIFT;
	struct pmm_frame *f = pfn < pmm_nframes ? &pmm_frames[pfn] : NULL;

	if (f && f->state == PMM_ALLOC && f->order == 0 && f->refcount != UINT32_MAX)
		return ++f->refcount; /* a frame of its own already: pmm_own_frame's answer */
	f = pmm_own_frame(pa, "pmm_ref");

	if (f->refcount == UINT32_MAX)
		panic("pmm_ref: refcount overflow at 0x%llx", (unsigned long long)pa);
	return ++f->refcount;
}

uint32_t pmm_unref(paddr_t pa)
{
	struct pmm_frame *f = pmm_own_frame(pa, "pmm_unref");
	uint32_t count = --f->refcount;

	if (count == 0)
		pmm_free_block(pa >> PAGE_SHIFT, 0);
	return count;
}

/*
 * The largest order j <= max with `pfn` aligned to 2^j and pfn + 2^j <= end
 * (pfn < end).
 */
static unsigned pmm_fit_order(uint64_t pfn, uint64_t end, unsigned max)
{
	unsigned j = 0;

	while (j < max && IS_ALIGNED(pfn, (uint64_t)2 << j) && pfn + ((uint64_t)2 << j) <= end)
		j++;
	return j;
}

/*
 * Drop one reference from the frames of the largest piece at `pfn` (< end)
 * that one call can do: a shared frame on its own, or the biggest aligned
 * part of an allocated block (count 1 in every frame) inside [pfn, end),
 * which is freed whole. Returns the number of frames done.
 */
static uint64_t pmm_unref_piece(uint64_t pfn, uint64_t end)
{
	uint64_t head = pmm_block_of(pfn);
	unsigned order;

	if (head == PMM_NIL || pmm_frames[head].state != PMM_ALLOC)
		panic("pmm_unref_range: 0x%llx is not allocated",
		      (unsigned long long)pfn << PAGE_SHIFT);
	if (pmm_frames[head].refcount != 1) {
		if (--pmm_frames[head].refcount == 0)
			pmm_free_block(head, 0);
		return 1;
	}
	order = pmm_fit_order(pfn, end, pmm_frames[head].order);
	pmm_split_alloc(head, pfn, order);
	pmm_free_block(pfn, order);
	return (uint64_t)1 << order;
}

void pmm_unref_range(paddr_t pa, uint64_t nframes)
{
	uint64_t pfn = pa >> PAGE_SHIFT, end = pfn + nframes;

	while (pfn < end)
		pfn += pmm_unref_piece(pfn, end);
}

uint32_t pmm_refcount(paddr_t pa)
{
	uint64_t head = pmm_block_of(pa >> PAGE_SHIFT);

	if (head == PMM_NIL || pmm_frames[head].state != PMM_ALLOC)
		return 0;
	return pmm_frames[head].refcount;
}

bool pmm_is_allocated(paddr_t pa)
{
	return pmm_refcount(pa) != 0;
}

/* ------------------------------------------------------------ counters */

size_t pmm_free_frames(void)
{
	return pmm_nfree;
}

size_t pmm_free_blocks(unsigned order)
{
	return order <= PMM_MAX_ORDER ? pmm_counts[order] : 0;
}

size_t pmm_total_frames(void)
{
	return pmm_ntotal;
}

void pmm_fail_nth(unsigned long n)
{
	pmm_fail_countdown = n;
}

unsigned long pmm_alloc_calls(void)
{
	return pmm_calls;
}
