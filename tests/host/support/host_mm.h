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
 * The protection keys mm_pkey_count() reports (default 1: no PKU, as the
 * host the differential tests compare with; 16 as x86 with PKU) and the
 * running thread's rights register (x86 PKRU layout: 2 bits a key,
 * access-disable then write-disable; default 0, everything allowed).
 */
extern unsigned host_pkey_count;
extern uint32_t host_pkru;

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
