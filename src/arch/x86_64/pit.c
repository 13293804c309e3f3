/* PIT channel 0 at TIMER_HZ on IRQ0: the millisecond clock and the tick hook. */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "kernel/timer.h"

#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_BASE_HZ 1193182
#define PIT_CH0_RATE_LOHI 0x34 /* channel 0, lo/hi byte, mode 2 */
#define PIT_CH2 0x42
#define PIT_CH2_ONESHOT 0xb0   /* channel 2, lo/hi byte, mode 0 (interrupt on terminal count) */
#define PIT_PORT_B 0x61        /* system control port B */
#define PIT_PORT_B_GATE2 0x01
#define PIT_PORT_B_SPEAKER 0x02
#define PIT_PORT_B_OUT2 0x20
#define PIT_POLL_MAX 100000000ULL /* reads of port B before giving up on OUT2 */

static volatile uint64_t timer_ticks;
static timer_tick_fn timer_tick_hook;

void timer_init(void)
{
	uint32_t div = (PIT_BASE_HZ + TIMER_HZ / 2) / TIMER_HZ;

	outb(PIT_CMD, PIT_CH0_RATE_LOHI);
	outb(PIT_CH0, div & 0xff);
	outb(PIT_CH0, (div >> 8) & 0xff);
}

uint64_t timer_ms(void)
{
	return timer_ticks * 1000 / TIMER_HZ;
}

void timer_irq(void)
{
	timer_ticks++;
	pic_eoi(0);
	if (timer_tick_hook)
		timer_tick_hook(timer_ms());
}

/*
 * As Linux's pit_calibrate_tsc: channel 2 in one-shot mode (gate high,
 * speaker off) counts `ms` milliseconds while the TSC is read until OUT2
 * rises. The emulator computes the counter from its clock at each read, so
 * late or lost IRQ0 ticks (a descheduled QEMU) do not skew the figure, as
 * they did when calibration counted ticks.
 */
uint64_t timer_tsc_per_ms(unsigned ms)
{
	uint32_t count = (uint32_t)((uint64_t)PIT_BASE_HZ * ms / 1000);
	uint64_t t0, polls = 0;

	if (ms == 0 || count > 0xffff)
		return 0;
	outb(PIT_PORT_B, (uint8_t)((inb(PIT_PORT_B) & ~PIT_PORT_B_SPEAKER) | PIT_PORT_B_GATE2));
	outb(PIT_CMD, PIT_CH2_ONESHOT);
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, (count >> 8) & 0xff);
	t0 = rdtsc();
	while (!(inb(PIT_PORT_B) & PIT_PORT_B_OUT2))
		if (++polls == PIT_POLL_MAX)
			return 0;
	return (rdtsc() - t0) / ms;
}

void timer_set_tick_hook(timer_tick_fn fn)
{
	timer_tick_hook = fn;
}
