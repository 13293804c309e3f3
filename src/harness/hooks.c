/*
 * The harness's hooks into the kernel, installed when harness_run starts:
 * kernel faults go to the running test, the timer tick drives the watchdog,
 * a panic names the running test, and program diagnostics become KTAP
 * diagnostic lines under it.
 */
#include "internal.h"
#include "kernel/panic.h"
#include "kernel/proc.h"
#include "kernel/timer.h"
#include "kernel/trap.h"
#include "lib/printf.h"

/* Kernel-fault hook: a test is running, so the exception is the test's. */
static void ktest_fault_hook(unsigned vector, struct uregs *f)
{
	if (ktest_running())
		ktest_exception(vector, f);
}

/* Panic hook: name the test that was running. */
static void ktest_panic_hook(void)
{
	char name[128];

	if (ktest_current_name(name, sizeof(name)))
		kprintf("# bootmm: panic in test %s\n", name);
}

/* Program diag hook: "<suite.name>: <msg>" (the program's name between tests). */
static void ktest_proc_diag(const char *prog, const char *msg)
{
	char name[160];
	const char *t = ktest_current_name(name, sizeof(name));

	ktest_diag("%s: %s", t ? t : prog, msg);
}

void ktest_hooks_install(void)
{
	trap_set_kernel_hook(ktest_fault_hook);
	timer_set_tick_hook(ktest_watchdog_tick);
	panic_set_hook(ktest_panic_hook);
	proc_set_diag_hook(ktest_proc_diag);
}
