/* The PIT on IRQ0 at TIMER_HZ: a millisecond clock and a tick hook (e.g. a watchdog). */
#ifndef KERNEL_TIMER_H
#define KERNEL_TIMER_H

#include "lib/types.h"

#define TIMER_HZ 1000

/* Program PIT channel 0 (rate generator) at TIMER_HZ. Interrupts stay as they are. */
void timer_init(void);

/* Milliseconds since timer_init. */
uint64_t timer_ms(void);

/* IRQ0 handler: count, acknowledge, then call the tick hook (which may not return). */
void timer_irq(void);

/* Called from IRQ0 with timer_ms() after every tick; it may not return (it may unwind). */
typedef void (*timer_tick_fn)(uint64_t now_ms);

/*
 * TSC ticks per millisecond, timed by PIT channel 2 counting `ms` (1..54)
 * milliseconds; 0 when the channel's output never rises.
 */
uint64_t timer_tsc_per_ms(unsigned ms);

/* Install the tick hook (NULL: none). */
void timer_set_tick_hook(timer_tick_fn fn);

#endif
