/* The PIT on IRQ0 at TIMER_HZ: a millisecond clock and the harness watchdog. */
#ifndef KERNEL_TIMER_H
#define KERNEL_TIMER_H

#include "lib/types.h"

#define TIMER_HZ 1000

/* Program PIT channel 0 (rate generator) at TIMER_HZ. Interrupts stay as they are. */
void timer_init(void);

/* Milliseconds since timer_init. */
uint64_t timer_ms(void);

/* IRQ0 handler: count, acknowledge, then run the watchdog (which may not return). */
void timer_irq(void);

#endif
