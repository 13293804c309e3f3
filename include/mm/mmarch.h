/*
 * The seam between src/mm and the machine. src/mm reaches memory and the TLB
 * only through these. The kernel implements them in src/arch/x86_64/mmarch.c
 * (direct map, invlpg, CR4.PGE toggle, CPUID); host tests implement them in
 * tests/host/support/ over a malloc'd physical arena.
 */
#ifndef MM_MMARCH_H
#define MM_MMARCH_H

#include "lib/types.h"

/*
 * Kernel virtual address through which physical address `pa` is reached. In
 * the kernel an inline addition (the direct map at KMAP_DIRECT_BASE): every
 * table walk takes it at each level, and under QEMU TCG the return of a
 * call costs a lookup of the next translated block.
 */
#if __STDC_HOSTED__
void *mm_phys_to_virt(paddr_t pa);
#else
#include "mm/kmap.h"

static inline void *mm_phys_to_virt(paddr_t pa)
{
	return (void *)(pa + KMAP_DIRECT_BASE);
}
#endif

/* Inverse of mm_phys_to_virt for addresses it returned. */
paddr_t mm_virt_to_phys(const void *va);

/* Drop the TLB entry (any size) that translates `va` in the current CPU. */
void mm_tlb_flush_page(vaddr_t va);

/* Drop every TLB entry, global ones included. */
void mm_tlb_flush_all(void);

/* True when the CPU supports 1 GiB leaves (CPUID 0x80000001 EDX bit 26). */
bool mm_cpu_has_1g(void);

/* Make `root` the current top-level table (CR3). */
void mm_load_root(paddr_t root);

/* The current top-level table. */
paddr_t mm_current_root(void);

/*
 * Fill `size` bytes at page-aligned `dst` with zeros; size is a multiple of
 * PAGE_SIZE. The machine's fastest way (on x86 under QEMU TCG: rep stosq),
 * for demand-zero faults and new tables.
 */
void mm_page_zero(void *dst, size_t size);

/* Copy `size` bytes (a multiple of PAGE_SIZE) between page-aligned pages, as fast. */
void mm_page_copy(void *dst, const void *src, size_t size);

/*
 * Protection keys: how many the machine enforces (16 with x86 PKU turned on
 * by CR4.PKE; 1, key 0 alone, without). Key rights are per thread (x86:
 * PKRU), read and written here for the thread running now.
 */
unsigned mm_pkey_count(void);

/* MM_PKEY_* rights of one key (2 bits each in x86's PKRU, Linux's PKEY_DISABLE_*). */
#define MM_PKEY_DENY_ACCESS 0x1u /* no data access at all */
#define MM_PKEY_DENY_WRITE 0x2u  /* no data write */
#define MM_PKEY_RIGHTS_MASK 0x3u

/* The MM_PKEY_* rights the running thread has set for `pkey` (0 without keys). */
unsigned mm_pkey_rights(unsigned pkey);

/* Set the running thread's MM_PKEY_* rights for `pkey` (< mm_pkey_count()). */
void mm_pkey_set_rights(unsigned pkey, unsigned rights);

/* Time stamp for benchmarks and durations (rdtsc in the kernel). */
uint64_t mm_cycles(void);

#endif
