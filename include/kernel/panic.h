/* panic() (lib/assert.h) and what it may call on its way down. */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

/*
 * A panic hook prints what was running (e.g. the harness names the running
 * test) after the message and before the backtrace. It must not panic.
 */
typedef void (*panic_hook_fn)(void);

/* Install the panic hook (NULL: none). */
void panic_set_hook(panic_hook_fn fn);

#endif
