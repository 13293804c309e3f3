/* State shared by the harness files (src/harness only). */
#ifndef HARNESS_INTERNAL_H
#define HARNESS_INTERNAL_H

#include "arch/x86_64/regs.h"
#include "harness/ktest.h"
#include "harness/options.h"

#define KTEST_INDENT "    "

/* How a test left its function through run_jb. */
enum ktest_jmp {
	KTEST_JMP_FAIL = 1,
	KTEST_JMP_SKIP,
	KTEST_JMP_TIMEOUT,
};

struct ktest_state {
	const struct ktest *cur;  /* the test being run, NULL between tests */
	volatile bool running;    /* inside cur->fn: watchdog and faults apply */
	bool failed;
	char skip_reason[128];
	uint64_t start_ms;
	volatile uint64_t deadline_ms;
	unsigned long timeout_s;
	ktest_jmpbuf run_jb;      /* back to the runner */
	bool fault_armed;         /* inside expect_fault */
	unsigned fault_vector;
	ktest_jmpbuf fault_jb;    /* back to expect_fault */
	struct ktest_fault last_fault;
	void (*on_abort)(void);   /* ktest_on_abort */
};

extern struct ktest_state ktest_state;

/* The selected tests, grouped by suite, in run order (arrays on the heap). */
struct ktest_plan {
	const struct ktest **tests;
	size_t ntests;
	size_t *suite_start; /* suite i: [suite_start[i], suite_start[i+1]) */
	size_t nsuites;
};

/*
 * Collect, sort, filter, shard and (when asked) shuffle the registered
 * tests. 0, or -ENOMEM (nothing allocated then).
 */
int ktest_plan_build(struct ktest_plan *p, const struct bootmm_opts *o);

/*
 * Register one test programs.<name> per program of the initramfs manifest
 * (src/harness/programs.c). 0, or -ENOMEM with why filled in.
 */
int ktest_programs_register(char *why, size_t size);

/* Top-level diagnostics about the initramfs and the programs (after the plan). */
void ktest_programs_report(void);

/* Leave the running test through run_jb with `code`. */
__attribute__((noreturn)) void ktest_end(enum ktest_jmp code);

/* The timer-tick hook: ends the running test when it is past its deadline. */
void ktest_watchdog_tick(uint64_t now_ms);

/*
 * An exception while a test runs: hand it to expect_fault, or report it and
 * end the test as failed. Does not return.
 */
__attribute__((noreturn)) void ktest_exception(unsigned vector, const struct uregs *f);

/* Install the harness's hooks into the kernel (fault, tick, panic, program diag). */
void ktest_hooks_install(void);

/* Crash builds (BOOTMM_CRASH_*): misbehave after the first "# start" line. */
void ktest_crash_after_start(void);

/* Crash builds: called after each suite's result line. */
void ktest_crash_after_suite(void);

#endif
