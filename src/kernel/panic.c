/*
 * panic(): a broken invariant. Print the message, what the panic hook says
 * was running (the harness: the running test) and a backtrace, then end
 * the run as a failure (no done line: it could not be trusted).
 */
#include <stdarg.h>

#include "arch/x86_64/cpu.h"
#include "kernel/backtrace.h"
#include "kernel/console.h"
#include "kernel/exit.h"
#include "kernel/panic.h"
#include "lib/assert.h"
#include "lib/printf.h"

static bool panic_active;
static panic_hook_fn panic_hook;

void panic_set_hook(panic_hook_fn fn)
{
	panic_hook = fn;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	irq_disable();
	if (panic_active) {
		kprintf("\nbootmm: panic while panicking\n");
		machine_exit(false);
	}
	panic_active = true;
	kprintf("\nbootmm: panic: ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	if (panic_hook)
		panic_hook();
	kprintf("# backtrace:\n");
	backtrace_print(read_rbp(), "# ");
	machine_exit(false);
}
