/* The kernel's side of the test harness (src/harness). */
#ifndef KERNEL_HARNESS_H
#define KERNEL_HARNESS_H

#include "lib/types.h"
#include "harness/ktest.h"
#include "kernel/cmdline.h"

struct trap_frame;

/*
 * Print the KTAP header, parse the bootmm.* options of `cmdline` into
 * bootmm_opts, run (or list) the selected tests, and end the machine with
 * the verdict.
 */
__attribute__((noreturn)) void harness_run(const char *cmdline);

/*
 * Add a test at run time, before the plan is built (e.g. one per program).
 * `t` must stay valid; it is sorted and filtered with the .ktest ones. No
 * fixed limit: returns 0, or -ENOMEM when the registry cannot grow.
 */
int ktest_register(const struct ktest *t);

/*
 * Call `fn` when the running test ends early (watchdog, unexpected
 * exception, failed ASSERT, ktest_fail/skip), before the leak check; NULL
 * removes it. Cleared at the start of every test.
 */
void ktest_on_abort(void (*fn)(void));

/* From the timer IRQ: ends the running test when it is past its deadline. */
void ktest_watchdog_tick(uint64_t now_ms);

/*
 * An exception while a test runs: hand it to expect_fault, or report it and
 * end the test as failed. Does not return.
 */
__attribute__((noreturn)) void ktest_exception(const struct trap_frame *f);

/* "suite.name" of the running test, or NULL. */
const char *ktest_current_name(char *buf, size_t size);

#endif
