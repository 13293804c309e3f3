/*
 * Exception routing: ring 3 -> the program, usercopy -> its fixup, other
 * kernel faults -> the registered hook, else panic. See include/kernel/trap.h.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "kernel/proc.h"
#include "kernel/sched.h"
#include "kernel/trap.h"
#include "kernel/usercopy.h"
#include "lib/assert.h"
#include "lib/printf.h"

static trap_kernel_hook_fn trap_kernel_hook;
static unsigned trap_depth; /* kernel-mode exceptions being handled right now */

void trap_set_kernel_hook(trap_kernel_hook_fn fn)
{
	trap_kernel_hook = fn;
}

void trap_unwind(void)
{
	trap_depth = 0;
}

/*
 * An exception taken in ring 3: hand the error code to the program runner
 * and mark the frame as no syscall (orig_rax -1, as Linux). An NMI is only
 * returned from.
 */
static void trap_user(unsigned vector, struct uregs *f)
{
	uint64_t error_code = f->orig_rax;

	if (vector == TRAP_VEC_NMI)
		return;
	f->orig_rax = (uint64_t)-1;
	proc_user_trap(vector, error_code, read_cr2(), f);
}

void trap_exception(unsigned vector, struct uregs *f)
{
	if ((f->cs & 3) == 3) {
		trap_user(vector, f);
		return;
	}
	if (usercopy_fixup(vector, &f->rip, read_cr2(), f->orig_rax))
		return; /* a fault inside copy_from_user & co.: resolved or -EFAULT */
	if (trap_depth++ == 0 && trap_kernel_hook)
		trap_kernel_hook(vector, f);
	if (trap_depth > 1)
		panic("exception %s at 0x%lx while handling an exception",
		      trap_name(vector), f->rip);
	kprintf("# bootmm: unexpected exception outside a test\n");
	trap_report(vector, f, "# ");
	panic("unexpected exception %s at 0x%lx", trap_name(vector), f->rip);
}

void trap_timer(struct uregs *f)
{
	sched_tick(user_clock_mono_ns());
	if ((f->cs & 3) == 3)
		proc_irq_return(f);
}
