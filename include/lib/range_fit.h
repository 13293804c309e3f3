/*
 * range_fit: where a free range of a given size and alignment fits inside
 * one gap, for the free-range searches of lib/rtree.c and lib/btree.c. A
 * query is the size, the alignment and the search window already clipped to
 * the tree's own window.
 */
#ifndef LIB_RANGE_FIT_H
#define LIB_RANGE_FIT_H

#include "lib/assert.h"
#include "lib/types.h"

struct range_query {
	uint64_t size, align;
	uint64_t lo, hi; /* the search window clipped to the tree's */
};

/*
 * Set q for `size` bytes aligned to `align` (a power of two; 0 means 1)
 * inside [lo, hi) ∩ [win_lo, win_hi); false when nothing can fit at all.
 */
static inline bool range_query_init(struct range_query *q, uint64_t size, uint64_t align,
				    uint64_t lo, uint64_t hi, uint64_t win_lo, uint64_t win_hi)
{
	KASSERT(align == 0 || (align & (align - 1)) == 0);
	q->size = size;
	q->align = align ? align : 1;
	q->lo = MAX(lo, win_lo);
	q->hi = MIN(hi, win_hi);
	return size > 0 && q->lo < q->hi && q->hi - q->lo >= size;
}

/* Highest aligned start of a fitting range inside the gap [a, b) ∩ window, if any. */
static inline bool range_fit_high(const struct range_query *q, uint64_t a, uint64_t b,
				  uint64_t *out)
{
	uint64_t s;

	a = MAX(a, q->lo);
	b = MIN(b, q->hi);
	if (b <= a || b - a < q->size)
		return false;
	s = ALIGN_DOWN(b - q->size, q->align);
	if (s < a)
		return false;
	*out = s;
	return true;
}

/* Lowest aligned start of a fitting range inside the gap [a, b) ∩ window (no wrap), if any. */
static inline bool range_fit_low(const struct range_query *q, uint64_t a, uint64_t b,
				 uint64_t *out)
{
	uint64_t s;

	a = MAX(a, q->lo);
	b = MIN(b, q->hi);
	if (b <= a || b - a < q->size)
		return false;
	s = a + ((q->align - (a & (q->align - 1))) & (q->align - 1));
	if (s < a || s > b - q->size)
		return false;
	*out = s;
	return true;
}

#endif
