/* CPU protection features switched on once the kernel's own tables are live. */
#include "arch/x86_64/cpu.h"


void cpu_enable_protections(void)
{
	uint64_t cr4 = read_cr4();
	uint32_t ebx7 = cpuid_max(0) >= 7 ? cpuid(7, 0).ebx : 0;

	write_cr0(read_cr0() | CR0_WP);
	if (cpuid(1, 0).edx & CPUID1_EDX_PGE)
		cr4 |= CR4_PGE;
	if (ebx7 & CPUID7_EBX_SMEP)
		cr4 |= CR4_SMEP;
	if (ebx7 & CPUID7_EBX_SMAP)
		cr4 |= CR4_SMAP;
	write_cr4(cr4);
}
