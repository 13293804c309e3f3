/* Ending the run: isa-debug-exit for QEMU, the shutdown port for Bochs. */
#include "arch/x86_64/cpu.h"
#include "kernel/console.h"
#include "kernel/exit.h"

/* Bochs ends the simulation when it sees "Shutdown" on port 0x8900. */
static void bochs_shutdown(void)
{
	const char *s = "Shutdown";

	while (*s)
		outb(BOOTMM_BOCHS_SHUTDOWN_PORT, (uint8_t)*s++);
}

void machine_exit(bool pass)
{
	irq_disable();
	console_flush();
	outl(BOOTMM_EXIT_PORT, pass ? BOOTMM_EXIT_PASS_VALUE : BOOTMM_EXIT_FAIL_VALUE);
	bochs_shutdown();
	cpu_halt_forever();
}

void machine_reset(void)
{
	irq_disable();
	console_flush();
	while (inb(0x64) & 0x02)
		;
	outb(0x64, 0xfe);
	cpu_halt_forever();
}

void machine_triple_fault(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} empty = {0, 0};

	irq_disable();
	console_flush();
	__asm__ volatile("lidt %0; int3" : : "m"(empty));
	cpu_halt_forever();
}
