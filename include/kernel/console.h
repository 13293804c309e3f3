/*
 * Serial channels. COM1 (0x3F8) is the console: kprintf lands there through
 * console_write (polled on the line-status register), each byte mirrored to
 * port 0xE9 for Bochs. COM2 (0x2F8) carries program output byte for byte.
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include "lib/types.h"

/* Program COM1 for 115200 8N1 with FIFOs; call before any kprintf. */
void console_init(void);

/* Wait until COM1 has shifted out every byte written so far. */
void console_flush(void);

/* Program COM2 like COM1. */
void com2_init(void);

/* Write `n` raw bytes to COM2 (no newline translation), polled. */
void com2_write(const void *buf, size_t n);

#endif
