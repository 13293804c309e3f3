/*
 * The final GDT (layout in arch/x86_64/gdt.h) and the TSS: RSP0 for entries
 * from ring 3 and IST1, a dedicated stack for #DF so that a kernel stack
 * overflow reports instead of triple-faulting.
 */
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trap.h"
#include "kernel/backtrace.h"

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "TSS layout");

struct gdt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

#define GDT_DF_STACK_SIZE 16384

static struct tss gdt_tss;
static uint8_t gdt_df_stack[GDT_DF_STACK_SIZE] __attribute__((aligned(16)));
static uint64_t gdt_table[7] = {
	0,
	0x00af9a000000ffffULL, /* 0x08 kernel code, 64-bit */
	0x00cf92000000ffffULL, /* 0x10 kernel data */
	0x00cff2000000ffffULL, /* 0x18 user data */
	0x00affa000000ffffULL, /* 0x20 user code, 64-bit */
	0, 0,                  /* 0x28 TSS, 16 bytes */
};

/* Write the 16-byte available-TSS descriptor for gdt_tss. */
static void gdt_set_tss_descriptor(void)
{
	uint64_t base = (uint64_t)&gdt_tss;
	uint64_t limit = sizeof(gdt_tss) - 1;

	gdt_table[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		       (0x89ULL << 40) | (((limit >> 16) & 0xf) << 48) |
		       (((base >> 24) & 0xff) << 56);
	gdt_table[6] = base >> 32;
}

/* Load the table, reload every segment register (CS by a far return), load TR. */
static void gdt_load(void)
{
	struct gdt_ptr p = {sizeof(gdt_table) - 1, (uint64_t)gdt_table};

	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w2, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movw %%ax, %%fs\n\t"
			 "movw %%ax, %%gs\n\t"
			 "ltr %w3"
			 :
			 : "m"(p), "i"(GDT_KERNEL_CS), "r"(GDT_KERNEL_DS), "r"(GDT_TSS)
			 : "rax", "memory");
}

void gdt_init(void)
{
	uint64_t df_lo = (uint64_t)gdt_df_stack;

	gdt_tss.ist[TRAP_DF_IST - 1] = df_lo + sizeof(gdt_df_stack);
	gdt_tss.iomap_base = sizeof(gdt_tss);
	gdt_set_tss_descriptor();
	gdt_load();
	backtrace_add_stack(df_lo, df_lo + sizeof(gdt_df_stack));
}

void gdt_set_kernel_stack(uint64_t rsp0)
{
	gdt_tss.rsp[0] = rsp0;
}
