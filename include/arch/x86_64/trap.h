/*
 * Interrupts and exceptions: the IDT, the legacy PIC, the first stop of
 * every vector, and the report printed for an unexpected exception. Every
 * stub saves a struct uregs (arch/x86_64/regs.h); exceptions go on to the
 * kernel's router (kernel/trap.h).
 */
#ifndef ARCH_X86_64_TRAP_H
#define ARCH_X86_64_TRAP_H

#include "arch/x86_64/regs.h"
#include "lib/types.h"

#define TRAP_IRQ_BASE 32   /* PIC IRQ0 lands on vector 32 */
#define TRAP_NVECTORS 48   /* 32 exceptions + 16 PIC lines */
#define TRAP_DF_IST 1      /* #DF runs on IST stack 1 */

/* Fill and load the IDT (stubs for vectors 0..47; #DF on its IST stack). */
void idt_init(void);

/* Remap the PIC to vectors 32..47 and mask every line but IRQ0. */
void pic_init(void);

/* Acknowledge IRQ `irq` (0..15) at the PIC. */
void pic_eoi(unsigned irq);

/* True when IRQ `irq` is a spurious IRQ 7/15 (no EOI is owed for it). */
bool pic_spurious(unsigned irq);

/*
 * Called by isr.S for every vector, with the interrupted registers in *f
 * (the error code in f->orig_rax): IRQs go to their handler, exceptions to
 * trap_exception (kernel/trap.h).
 */
void trap_dispatch(uint64_t vector, struct uregs *f);

/* Short name of an exception vector ("#PF"), or "IRQ" / "?". */
const char *trap_name(uint64_t vector);

/*
 * Print exception `vector`, its error code (f->orig_rax), RIP, CR2,
 * registers and a backtrace, each line prefixed.
 */
void trap_report(uint64_t vector, const struct uregs *f, const char *prefix);

#endif
