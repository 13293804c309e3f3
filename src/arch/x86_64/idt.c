/*
 * The IDT: interrupt gates to the isr.S stubs, DPL 0 except #BP and #OF (DPL 3,
 * so that int3 and into work from ring 3); #DF on IST1.
 */
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trap.h"

struct idt_entry {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_entry) == 16, "IDT entry layout");

struct idt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

#define IDT_INTERRUPT_GATE 0x8e /* present, DPL 0, 64-bit interrupt gate */
#define IDT_USER_GATE 0xee      /* present, DPL 3: int3 and into from ring 3 */

extern const uint64_t isr_stubs[TRAP_NVECTORS];
static struct idt_entry idt_table[256] __attribute__((aligned(16)));

/* Point vector `vec` at `handler` through an interrupt gate. */
static void idt_set_gate(unsigned vec, uint64_t handler, uint8_t ist)
{
	struct idt_entry *e = &idt_table[vec];

	e->offset_lo = handler & 0xffff;
	e->selector = GDT_KERNEL_CS;
	e->ist = ist;
	e->type_attr = (vec == 3 || vec == 4) ? IDT_USER_GATE : IDT_INTERRUPT_GATE;
	e->offset_mid = (handler >> 16) & 0xffff;
	e->offset_hi = handler >> 32;
	e->reserved = 0;
}

void idt_init(void)
{
	struct idt_ptr p = {sizeof(idt_table) - 1, (uint64_t)idt_table};

	for (unsigned v = 0; v < TRAP_NVECTORS; v++)
		idt_set_gate(v, isr_stubs[v], v == 8 ? TRAP_DF_IST : 0);
	__asm__ volatile("lidt %0" : : "m"(p));
}
