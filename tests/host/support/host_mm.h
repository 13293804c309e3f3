/*
 * Host stand-in for the machine under src/mm: "physical memory" is a lazily
 * backed arena (mmap, MAP_NORESERVE) of HOST_ARENA_SIZE bytes, physical
 * address pa lives at arena + pa. TLB operations are counted, not performed.
 */
#ifndef HOST_MM_H
#define HOST_MM_H

#include "lib/types.h"

#define HOST_ARENA_SIZE GiB(8)

/* Counters of what src/mm asked of the TLB since host_mm_setup. */
extern unsigned long host_tlb_flush_page_count;
extern unsigned long host_tlb_flush_all_count;

/* Whether mm_cpu_has_1g() answers true (default true). */
extern bool host_has_1g;

/*
 * Reset the arena, initialise pmm with usable RAM [1 MiB, ram_bytes)
 * (ram_bytes <= HOST_ARENA_SIZE) and take the zero frames (zpage_init), as
 * the kernel boots. Aborts on failure.
 */
void host_mm_setup(uint64_t ram_bytes);

/* host_mm_setup without the zero frames (zpage_init): pmm's own tests count every frame. */
void host_pmm_setup(uint64_t ram_bytes);

/* Base of the arena (physical address 0). */
void *host_arena(void);

#endif
