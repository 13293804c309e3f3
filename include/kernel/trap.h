/*
 * trap: the one place exceptions are routed. An exception from ring 3 goes
 * to the running program (page fault served, signal delivered, or the
 * program ended); one inside a usercopy routine to its fixup; any other
 * kernel-mode exception to the registered kernel-fault hook (the test
 * harness installs one), and when no hook takes it, to panic.
 */
#ifndef KERNEL_TRAP_H
#define KERNEL_TRAP_H

#include "arch/x86_64/regs.h"
#include "lib/types.h"

#define TRAP_VEC_NMI 2
#define TRAP_VEC_PF 14

/*
 * A kernel-fault hook: sees exception `vector` taken in kernel mode with
 * the registers in *f (error code in f->orig_rax). It either does not
 * return (it unwinds, after trap_unwind) or returns to decline the
 * exception, which then panics. Called only for the first of nested
 * exceptions.
 */
typedef void (*trap_kernel_hook_fn)(unsigned vector, struct uregs *f);

/* Install the kernel-fault hook (NULL: none). */
void trap_set_kernel_hook(trap_kernel_hook_fn fn);

/* Route exception `vector` with the interrupted registers in *f (from trap_dispatch). */
void trap_exception(unsigned vector, struct uregs *f);

/*
 * After the timer interrupt (acknowledged, the tick hook called): the
 * scheduler's tick, and, when it interrupted ring 3, preemption and signals.
 */
void trap_timer(struct uregs *f);

/* Forget the exception being handled: its handler is about to longjmp away. */
void trap_unwind(void);

#endif
