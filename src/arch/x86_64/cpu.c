/* CPU protection features switched on once the kernel's own tables are live. */
#include "arch/x86_64/cpu.h"

bool cpu_pke; /* CR4.PKE is set (cpu_pkeys_on) */

/*
 * True when XSAVE has a PKRU component (CPUID 0xd: bit 9 of the supported
 * features, an offset past the legacy area and header): signal frames hold
 * PKRU there, as Linux's; without it bootmm leaves keys off.
 */
static bool cpu_pkru_in_xsave(void)
{
	if (!(cpuid(1, 0).ecx & CPUID1_ECX_XSAVE) || cpuid_max(0) < 0xd)
		return false;
	return (cpuid(0xd, 0).eax & (1u << 9)) && cpuid(0xd, 9).ebx >= 512 + 64;
}

/*
 * Turn on the protection features the CPU has: CR0.WP, global pages, SMEP,
 * SMAP, and protection keys (CR4.PKE where PKRU has its XSAVE component,
 * with PKRU 0 for the kernel: every key allowed until a program's own PKRU
 * is loaded).
 */
void cpu_enable_protections(void)
{
	uint64_t cr4 = read_cr4();
	uint32_t ebx7 = cpuid_max(0) >= 7 ? cpuid(7, 0).ebx : 0;
	uint32_t ecx7 = cpuid_max(0) >= 7 ? cpuid(7, 0).ecx : 0;

	write_cr0(read_cr0() | CR0_WP);
	if (cpuid(1, 0).edx & CPUID1_EDX_PGE)
		cr4 |= CR4_PGE;
	if (ebx7 & CPUID7_EBX_SMEP)
		cr4 |= CR4_SMEP;
	if (ebx7 & CPUID7_EBX_SMAP)
		cr4 |= CR4_SMAP;
	if ((ecx7 & CPUID7_ECX_PKU) && cpu_pkru_in_xsave())
		cr4 |= CR4_PKE;
	write_cr4(cr4);
	cpu_pke = cr4 & CR4_PKE;
	if (cpu_pke)
		wrpkru(0);
}
