/* include/mm/mmarch.h for x86_64: direct map, image map, TLB, CR3, CPUID, TSC. */
#include "arch/x86_64/cpu.h"
#include "lib/assert.h"
#include "mm/kmap.h"
#include "mm/mmarch.h"

#define MMARCH_DIRECT_SPAN (1ULL << 46) /* the direct map's half of the upper half */

void *mm_phys_to_virt(paddr_t pa)
{
	return (void *)(pa + KMAP_DIRECT_BASE);
}

paddr_t mm_virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)va;

	if (v >= KMAP_IMAGE_BASE)
		return v - KMAP_IMAGE_BASE;
	if (v >= KMAP_DIRECT_BASE && v < KMAP_DIRECT_BASE + MMARCH_DIRECT_SPAN)
		return v - KMAP_DIRECT_BASE;
	panic("mm_virt_to_phys: %p is neither direct map nor image", va);
}

void mm_tlb_flush_page(vaddr_t va)
{
	invlpg(va);
}

void mm_tlb_flush_all(void)
{
	uint64_t cr4 = read_cr4();

	if (cr4 & CR4_PGE) {
		write_cr4(cr4 & ~CR4_PGE);
		write_cr4(cr4);
	} else {
		write_cr3(read_cr3());
	}
}

bool mm_cpu_has_1g(void)
{
	if (cpuid_max(0x80000000) < 0x80000001)
		return false;
	return cpuid(0x80000001, 0).edx & (1u << 26);
}

void mm_load_root(paddr_t root)
{
	write_cr3(root);
}

paddr_t mm_current_root(void)
{
	return read_cr3() & 0x000ffffffffff000ULL;
}

uint64_t mm_cycles(void)
{
	return rdtsc();
}
