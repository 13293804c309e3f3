/*
 * zpage: the shared zero frames (Linux's ZERO_PAGE and huge zero page). A
 * read fault on private anonymous memory maps one of them read-only instead
 * of taking a frame; its first write allocates a zeroed frame of its own.
 * The frames are taken once at boot (zpage_init), never freed, and never
 * counted as a mapping's memory: mappings of them take no frame reference
 * (page.c skips them), smaps leaves them out of Rss, pagemap shows them
 * present but not exclusive.
 */
#ifndef MM_ZPAGE_H
#define MM_ZPAGE_H

#include "lib/types.h"

/*
 * Take and zero the 4 KiB zero frame and, when a 2 MiB block is free and the
 * MMU holds 2 MiB leaves, the huge zero frame (else read faults of large
 * blocks map 4 KiB zero pages). Call once after pmm_init, with the direct
 * map up (host tests: after each pmm_init). Returns 0, or -ENOMEM when not
 * even the 4 KiB frame can be had.
 */
int zpage_init(void);

/* The zero frame of `size` (PAGE_SIZE or PT_LEVEL_SIZE(1)); 0 when there is none. */
paddr_t zpage_frame(uint64_t size);

/* True when the 4 KiB frame pa lies in one of the zero frames. */
bool zpage_is(paddr_t pa);


#endif
