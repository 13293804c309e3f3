/*
 * zpage: the shared zero frames (see include/mm/zpage.h).
 */
#include "lib/errno.h"
#include "mm/mmarch.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "mm/zpage.h"

/* The buddy order of the first large leaf size. */
#define ZPAGE_HUGE_ORDER ((unsigned)__builtin_ctzll(PT_LEVEL_SIZE(1) / PAGE_SIZE))

static paddr_t zpage_small; /* the 4 KiB zero frame */
static paddr_t zpage_huge;  /* the 2 MiB zero frame, or 0 */

/* Take a zeroed block of 2^order frames; 0 when none is free. */
static paddr_t zpage_take(unsigned order)
{
	paddr_t pa = pmm_alloc(order);

	if (pa)
		mm_page_zero(mm_phys_to_virt(pa), PAGE_SIZE << order);
	return pa;
}

int zpage_init(void)
{
	zpage_small = zpage_take(0);
	zpage_huge = pte_leaf_supported(1) ? zpage_take(ZPAGE_HUGE_ORDER) : 0;
	return zpage_small ? 0 : -ENOMEM;
}

paddr_t zpage_frame(uint64_t size)
{
	if (size == PAGE_SIZE)
		return zpage_small;
	return size == PT_LEVEL_SIZE(1) ? zpage_huge : 0;
}

bool zpage_is(paddr_t pa)
{
	return (zpage_small && pa == zpage_small) ||
	       (zpage_huge && pa - zpage_huge < PT_LEVEL_SIZE(1));
}
