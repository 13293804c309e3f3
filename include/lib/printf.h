/*
 * Kernel formatted output. Supports %d %i %u %x %X %p %s %c %% with flags
 * '-', '0', width, precision for %s, and length modifiers l, ll, z.
 * kprintf writes to the console (COM1 + port 0xE9 in the kernel, stdout on
 * the host). ksnprintf always NUL-terminates when size > 0 and returns the
 * length the full output would have had.
 */
#ifndef LIB_PRINTF_H
#define LIB_PRINTF_H

#include <stdarg.h>
#include "lib/types.h"

int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* Where kprintf output goes: the serial console in the kernel, stdout on the host. */
void console_write(const char *s, size_t n);

#endif
