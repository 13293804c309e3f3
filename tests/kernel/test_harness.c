/*
 * Harness self-tests (suite `selftest`). The first group must pass in every
 * build; the group under BOOTMM_SELFTEST fails on purpose, each in one
 * specific way, so the runner's own tests can check how failures are reported.
 */
#include "arch/x86_64/cpu.h"
#include "harness/ktest.h"
#include "harness/options.h"
#include "kernel/proc.h"
#include "kernel/sections.h"
#include "kernel/timer.h"
#include "lib/printf.h"
#include "lib/string.h"

#define SELFTEST_UNMAPPED 0x0000700000000000ULL /* user half: nothing mapped */
#define SELFTEST_NONCANONICAL 0x0000800000000000ULL

/* The checks themselves, the glob matcher and setjmp work. */
TEST(selftest, pass)
{
	ktest_jmpbuf jb;
	volatile int reached = 0;

	EXPECT_TRUE(str_glob_match("pmm.*", "pmm.alloc"));
	EXPECT_TRUE(str_glob_match("*.a?c", "x.abc"));
	EXPECT_FALSE(str_glob_match("pmm.*", "pt.map"));
	EXPECT_FALSE(str_glob_match("a?", "a"));
	if (ktest_setjmp(jb) == 0) {
		reached = 1;
		ktest_longjmp(jb, 7);
	}
	EXPECT_EQ(reached, 1);
	EXPECT_LT(-1, 0);
}

/* A read of an unmapped page raises #PF with the address in CR2. */
TEST(selftest, fault_expected)
{
	volatile uint64_t *p = (volatile uint64_t *)SELFTEST_UNMAPPED;
	const struct ktest_fault *f;

	expect_fault(VEC_PF, (void)*p);
	f = ktest_last_fault();
	EXPECT_EQ(f->vector, VEC_PF);
	EXPECT_EQ(f->error_code, 0); /* not present, read, supervisor */
	EXPECT_EQ(f->cr2, SELFTEST_UNMAPPED);
}

/* A non-canonical address raises #GP(0), not #PF. */
TEST(selftest, fault_noncanonical_gp)
{
	volatile uint64_t *p = (volatile uint64_t *)SELFTEST_NONCANONICAL;

	expect_fault(VEC_GP, (void)*p);
	EXPECT_EQ(ktest_last_fault()->vector, VEC_GP);
	EXPECT_EQ(ktest_last_fault()->error_code, 0);
}

static volatile bool selftest_keep_going = true;

/* True when reading `va` raises #PF (recorded as the last fault). */
static bool selftest_unmapped(uint64_t va)
{
	volatile bool faulted = true;

	if (ktest_setjmp(ktest_fault_arm(VEC_PF)) == 0) {
		(void)*(volatile uint8_t *)va;
		faulted = false;
	}
	ktest_fault_disarm();
	return faulted;
}

/* Recurse until the stack runs into its guard page. */
__attribute__((noinline)) static uint64_t selftest_recurse(uint64_t depth)
{
	volatile uint8_t pad[256];

	pad[0] = (uint8_t)depth;
	if (!selftest_keep_going)
		return pad[0];
	return selftest_recurse(depth + 1) + pad[0];
}

/*
 * A kernel stack overflow hits the unmapped guard page below the boot stack;
 * the #PF cannot be delivered on that stack, so the CPU raises #DF, which
 * runs on its own IST stack and reaches the harness instead of resetting.
 */
TEST(selftest, stack_overflow_double_fault)
{
	uint64_t guard = (uint64_t)boot_stack_bottom - 4096;

	if (!selftest_unmapped(guard))
		ktest_skip("the stack guard page is mapped");
	EXPECT_EQ(ktest_last_fault()->cr2, guard);
	expect_fault(VEC_DF, selftest_recurse(0));
	EXPECT_EQ(ktest_last_fault()->vector, VEC_DF);
}

TEST(selftest, skip)
{
	ktest_skip("skipping works");
}

/* The option parser: values, globs, shards, unknown words. */
TEST(selftest, cmdline_parse)
{
	static struct bootmm_opts o;

	bootmm_opts_parse(&o, "/boot/bootmm.elf bootmm.filter=pmm.*,pt.a? "
			      "bootmm.timeout=5 bootmm.shard=2/3 bootmm.list "
			      "bootmm.shuffle=42 bootmm.bogus=1");
	ASSERT_EQ(o.nfilter, 2);
	EXPECT_TRUE(bootmm_filter_match(&o, "pmm.alloc"));
	EXPECT_TRUE(bootmm_filter_match(&o, "pt.ab"));
	EXPECT_FALSE(bootmm_filter_match(&o, "pt.abc"));
	EXPECT_FALSE(bootmm_filter_match(&o, "pmm"));
	EXPECT_EQ(o.timeout, 5);
	EXPECT_EQ(o.shard_i, 2);
	EXPECT_EQ(o.shard_n, 3);
	EXPECT_TRUE(o.list);
	EXPECT_TRUE(o.shuffle);
	EXPECT_EQ(o.seed, 42);
	EXPECT_EQ(o.unknown, 1);
	bootmm_opts_parse(&o, "");
	EXPECT_EQ(o.timeout, BOOTMM_DEFAULT_TIMEOUT);
	EXPECT_EQ(o.nfilter, 0);
	EXPECT_TRUE(bootmm_filter_match(&o, "anything.at_all"));
	EXPECT_FALSE(o.list);
}

/* Any number of filter globs: none is dropped (the 100th still selects). */
TEST(selftest, cmdline_many_globs)
{
	static char line[2400];
	static struct bootmm_opts o;
	size_t n = 0;

	n += (size_t)ksnprintf(line, sizeof(line), "bootmm.filter=");
	for (int i = 0; i < 100; i++)
		n += (size_t)ksnprintf(line + n, sizeof(line) - n, "s%d.t%d,", i, i);
	bootmm_opts_parse(&o, line);
	EXPECT_EQ(o.nfilter, 100);
	EXPECT_TRUE(bootmm_filter_match(&o, "s99.t99"));
	EXPECT_TRUE(bootmm_filter_match(&o, "s0.t0"));
	EXPECT_FALSE(bootmm_filter_match(&o, "s100.t100"));
}

/* The watchdog's clock runs while a test runs (interrupts are on). */
#define SELFTEST_TSC_SLACK 50 /* wait at most 50 times as long by the TSC */

/*
 * Busy-wait until the timer has moved `ms` milliseconds, but never longer
 * than SELFTEST_TSC_SLACK times that by the TSC (a second clock, calibrated
 * at start-up): true when the timer got there, false when it stalled.
 */
static bool selftest_timer_waits(uint64_t ms)
{
	uint64_t t0 = timer_ms(), c0 = rdtsc();
	uint64_t limit = user_tsc_khz() * ms * SELFTEST_TSC_SLACK;

	while (timer_ms() < t0 + ms) {
		if (rdtsc() - c0 > limit)
			return false;
		__asm__ volatile("pause");
	}
	return true;
}

TEST(selftest, timer_advances)
{
	uint64_t t0 = timer_ms();

	ASSERT_NE(user_tsc_khz(), 0);
	EXPECT_TRUE(selftest_timer_waits(20));
	EXPECT_GE(timer_ms(), t0 + 20);
}

/* The bounded wait fails by itself when the timer stalls (IRQ0 held off). */
TEST(selftest, timer_stall_is_detected)
{
	uint64_t t0;
	bool moved;

	ASSERT_NE(user_tsc_khz(), 0);
	irq_disable();
	t0 = timer_ms();
	moved = selftest_timer_waits(5);
	EXPECT_EQ(timer_ms(), t0);
	irq_enable();
	EXPECT_FALSE(moved);
}

#ifdef BOOTMM_SELFTEST
/* Fails on purpose: one failing EXPECT_EQ, then a passing EXPECT. */
TEST(selftest, expect_fail)
{
	int two = 2;

	EXPECT_EQ(two + 1, 4);
	EXPECT_TRUE(two == 2);
}

/* Fails on purpose: ASSERT ends the test at once. */
TEST(selftest, assert_fail)
{
	ASSERT_TRUE(false);
	ktest_fail("code after a failed ASSERT ran");
}

/* Fails on purpose: the awaited #PF never happens. */
TEST(selftest, fault_missing)
{
	volatile int x = 1;

	expect_fault(VEC_PF, x++);
	EXPECT_EQ(x, 2);
}

/* Fails on purpose: a #PF nobody expects. */
TEST(selftest, fault_unexpected)
{
	volatile uint64_t *p = (volatile uint64_t *)SELFTEST_UNMAPPED;

	(void)*p;
	ktest_fail("execution went on after an unexpected #PF");
}

/* Fails on purpose: spins until the watchdog ends it after 1 s. */
TEST(selftest, timeout)
{
	ktest_set_timeout(1);
	for (;;)
		__asm__ volatile("pause");
}
#endif
