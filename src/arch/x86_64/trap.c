/*
 * Where every interrupt and exception lands first: IRQs go to their
 * handler, exceptions to the kernel's router (src/kernel/trap.c).
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "kernel/backtrace.h"
#include "kernel/timer.h"
#include "kernel/trap.h"
#include "lib/printf.h"

static const char *const trap_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23",
	"#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

const char *trap_name(uint64_t vector)
{
	if (vector < 32)
		return trap_names[vector];
	return vector < TRAP_NVECTORS ? "IRQ" : "?";
}

void trap_report(uint64_t vector, const struct uregs *f, const char *prefix)
{
	kprintf("%sexception %s (vector %lu) error code 0x%lx\n", prefix,
		trap_name(vector), vector, f->orig_rax);
	kprintf("%sRIP 0x%016lx CR2 0x%016lx RFLAGS 0x%lx CS 0x%lx\n", prefix,
		f->rip, read_cr2(), f->rflags, f->cs);
	kprintf("%sRAX 0x%016lx RBX 0x%016lx RCX 0x%016lx RDX 0x%016lx\n", prefix,
		f->rax, f->rbx, f->rcx, f->rdx);
	kprintf("%sRSI 0x%016lx RDI 0x%016lx RBP 0x%016lx RSP 0x%016lx\n", prefix,
		f->rsi, f->rdi, f->rbp, f->rsp);
	kprintf("%sR8  0x%016lx R9  0x%016lx R10 0x%016lx R11 0x%016lx\n", prefix,
		f->r8, f->r9, f->r10, f->r11);
	kprintf("%sR12 0x%016lx R13 0x%016lx R14 0x%016lx R15 0x%016lx\n", prefix,
		f->r12, f->r13, f->r14, f->r15);
	kprintf("%sbacktrace:\n", prefix);
	kprintf("%s  #0 0x%016lx\n", prefix, f->rip);
	backtrace_print(f->rbp, prefix);
}

/* IRQ 0..15: the PIT drives the clock and the tick hook; the rest are acknowledged. */
static void trap_irq(unsigned irq)
{
	if (irq == 0) {
		timer_irq();
		return;
	}
	if (pic_spurious(irq)) {
		if (irq >= 8)
			pic_eoi(0);
		return;
	}
	pic_eoi(irq);
}

void trap_dispatch(uint64_t vector, struct uregs *f)
{
	if (vector >= TRAP_IRQ_BASE) {
		trap_irq((unsigned)(vector - TRAP_IRQ_BASE));
		if (vector == TRAP_IRQ_BASE)
			trap_timer(f);
		return;
	}
	trap_exception((unsigned)vector, f);
}
