/*
 * panic(): a broken invariant. Print the message, the running test and a
 * backtrace, then end the run as a failure (no done line: it could not be
 * trusted).
 */
#include <stdarg.h>

#include "arch/x86_64/cpu.h"
#include "kernel/backtrace.h"
#include "kernel/console.h"
#include "kernel/exit.h"
#include "kernel/harness.h"
#include "lib/assert.h"
#include "lib/printf.h"

static bool panic_active;

void panic(const char *fmt, ...)
{
	char name[128];
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
	if (ktest_current_name(name, sizeof(name)))
		kprintf("# bootmm: panic in test %s\n", name);
	kprintf("# backtrace:\n");
	backtrace_print(read_rbp(), "# ");
	machine_exit(false);
}
