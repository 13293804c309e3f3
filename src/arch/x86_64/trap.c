/*
 * Where every interrupt and exception lands: IRQs go to their handler,
 * exceptions from ring 3 to the program runner, exceptions in the kernel
 * during a test to the harness; any other exception ends the run.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "harness/ktest.h"
#include "kernel/backtrace.h"
#include "kernel/harness.h"
#include "kernel/proc.h"
#include "kernel/usercopy.h"
#include "kernel/timer.h"
#include "lib/assert.h"
#include "lib/printf.h"

static const char *const trap_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23",
	"#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

static unsigned trap_depth; /* exceptions being handled right now */

void trap_unwind(void)
{
	trap_depth = 0;
}

const char *trap_name(uint64_t vector)
{
	if (vector < 32)
		return trap_names[vector];
	return vector < TRAP_NVECTORS ? "IRQ" : "?";
}

void trap_report(const struct trap_frame *f, const char *prefix)
{
	kprintf("%sexception %s (vector %lu) error code 0x%lx\n", prefix,
		trap_name(f->vector), f->vector, f->error_code);
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

/* IRQ 0..15: the PIT drives the clock and watchdog; the rest are acknowledged. */
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

void trap_dispatch(struct trap_frame *f)
{
	if (f->vector >= TRAP_IRQ_BASE) {
		trap_irq((unsigned)(f->vector - TRAP_IRQ_BASE));
		return;
	}
	if ((f->cs & 3) == 3) {
		user_trap(f);
		return;
	}
	if (usercopy_fixup((unsigned)f->vector, &f->rip, read_cr2(), f->error_code))
		return; /* a fault inside copy_from_user & co.: resolved or -EFAULT */
	if (trap_depth++ == 0 && ktest_running())
		ktest_exception(f);
	if (trap_depth > 1)
		panic("exception %s at 0x%lx while handling an exception",
		      trap_name(f->vector), f->rip);
	kprintf("# bootmm: unexpected exception outside a test\n");
	trap_report(f, "# ");
	panic("unexpected exception %s at 0x%lx", trap_name(f->vector), f->rip);
}
