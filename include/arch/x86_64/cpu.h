/*
 * x86_64 CPU helpers: port I/O, control registers, MSRs, CPUID, TSC and
 * interrupt flag. Inline, no state.
 */
#ifndef ARCH_X86_64_CPU_H
#define ARCH_X86_64_CPU_H

#include "lib/types.h"

#define CR0_WP (1ULL << 16)   /* write protect in ring 0 */
#define CR4_PAE (1ULL << 5)
#define CR4_PGE (1ULL << 7)   /* global pages */
#define CR4_SMEP (1ULL << 20) /* no ring-0 execution of user pages */
#define CR4_SMAP (1ULL << 21) /* no ring-0 access to user pages unless AC */
#define CR4_PKE (1ULL << 22)  /* protection keys for user pages (PKRU) */

#define CPUID7_EBX_SMEP (1u << 7)
#define CPUID7_EBX_SMAP (1u << 20)
#define CPUID7_ECX_PKU (1u << 3)   /* protection keys for user pages */
#define CPUID7_ECX_OSPKE (1u << 4) /* CR4.PKE is set */
#define CPUID1_EDX_PGE (1u << 13)
#define CPUID1_ECX_XSAVE (1u << 26)
#define RFLAGS_IF (1ULL << 9)

#define MSR_EFER 0xc0000080
#define EFER_NXE (1ULL << 11)

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* A short delay for slow legacy devices (PIC). */
static inline void io_wait(void)
{
	outb(0x80, 0);
}

#define CPU_CR_ACCESSORS(n)                                                 \
	static inline uint64_t read_cr##n(void)                             \
	{                                                                   \
		uint64_t v;                                                 \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));           \
		return v;                                                   \
	}                                                                   \
	static inline void write_cr##n(uint64_t v)                          \
	{                                                                   \
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory");  \
	}
CPU_CR_ACCESSORS(0)
CPU_CR_ACCESSORS(2)
CPU_CR_ACCESSORS(3)
CPU_CR_ACCESSORS(4)
#undef CPU_CR_ACCESSORS

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

/* Highest basic (leaf < 0x80000000) or extended leaf, as CPUID reports it. */
static inline uint32_t cpuid_max(uint32_t base)
{
	return cpuid(base, 0).eax;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}

static inline void irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}

static inline uint64_t read_rflags(void)
{
	uint64_t v;

	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

/* Turn interrupts off; returns whether they were on, for irq_restore. */
static inline bool irq_save(void)
{
	bool on = read_rflags() & RFLAGS_IF;

	irq_disable();
	return on;
}

/* Undo irq_save: interrupts back on when they were. */
static inline void irq_restore(bool on)
{
	if (on)
		irq_enable();
}

static inline uint64_t read_rbp(void)
{
	uint64_t v;

	__asm__ volatile("mov %%rbp, %0" : "=r"(v));
	return v;
}

static inline void invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/* CR0.WP, and CR4.PGE, SMEP, SMAP where CPUID reports them. */
void cpu_enable_protections(void);

/*
 * True once cpu_enable_protections found PKU and set CR4.PKE (RDPKRU/WRPKRU
 * work). Inline: every page fault asks (the key check).
 */
static inline bool cpu_pkeys_on(void)
{
	extern bool cpu_pke;

	return cpu_pke;
}

/* PKRU: 2 bits a key, access-disable (bit 2k) and write-disable (bit 2k+1). Needs CR4.PKE. */
static inline uint32_t rdpkru(void)
{
	uint32_t eax, edx;

	__asm__ volatile(".byte 0x0f, 0x01, 0xee" : "=a"(eax), "=d"(edx) : "c"(0));
	return eax;
}

static inline void wrpkru(uint32_t v)
{
	__asm__ volatile(".byte 0x0f, 0x01, 0xef" : : "a"(v), "c"(0), "d"(0) : "memory");
}

/* Stop this CPU for good. */
__attribute__((noreturn)) static inline void cpu_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

#endif
