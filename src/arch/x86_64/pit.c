/* PIT channel 0 at TIMER_HZ on IRQ0: the millisecond clock and the tick hook. */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "kernel/timer.h"

#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_BASE_HZ 1193182
#define PIT_CH0_RATE_LOHI 0x34 /* channel 0, lo/hi byte, mode 2 */

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

void timer_set_tick_hook(timer_tick_fn fn)
{
	timer_tick_hook = fn;
}
