/*
 * Interrupts and exceptions: the IDT, the register frame every stub pushes,
 * the legacy PIC, and the report printed for an unexpected exception.
 */
#ifndef ARCH_X86_64_TRAP_H
#define ARCH_X86_64_TRAP_H

#include "lib/types.h"

#define TRAP_IRQ_BASE 32   /* PIC IRQ0 lands on vector 32 */
#define TRAP_NVECTORS 48   /* 32 exceptions + 16 PIC lines */
#define TRAP_DF_IST 1      /* #DF runs on IST stack 1 */

/* The frame built by the stubs in isr.S, lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "isr.S frame layout");

/* Fill and load the IDT (stubs for vectors 0..47; #DF on its IST stack). */
void idt_init(void);

/* Remap the PIC to vectors 32..47 and mask every line but IRQ0. */
void pic_init(void);

/* Acknowledge IRQ `irq` (0..15) at the PIC. */
void pic_eoi(unsigned irq);

/* True when IRQ `irq` is a spurious IRQ 7/15 (no EOI is owed for it). */
bool pic_spurious(unsigned irq);

/* Called by isr.S for every vector. */
void trap_dispatch(struct trap_frame *f);

/* Forget the exception being handled: its handler is about to longjmp away. */
void trap_unwind(void);

/* Short name of an exception vector ("#PF"), or "IRQ" / "?". */
const char *trap_name(uint64_t vector);

/* Print vector, error code, RIP, CR2, registers and a backtrace, each line prefixed. */
void trap_report(const struct trap_frame *f, const char *prefix);

#endif
