/*
 * Crash builds (make CRASH=x) for the host runner's own tests. Each one
 * misbehaves in a way the runner must detect; normal builds compile nothing
 * of it.
 */
#include "arch/x86_64/cpu.h"
#include "internal.h"
#include "kernel/exit.h"
#include "lib/assert.h"

void ktest_crash_after_start(void)
{
#if defined(BOOTMM_CRASH_triple)
	machine_triple_fault();
#elif defined(BOOTMM_CRASH_hang)
	cpu_halt_forever();
#elif defined(BOOTMM_CRASH_reboot)
	machine_reset();
#elif defined(BOOTMM_CRASH_panic)
	panic("crash build: panic after the first test started");
#endif
}

void ktest_crash_after_suite(void)
{
#if defined(BOOTMM_CRASH_truncate)
	machine_exit(true);
#endif
}
