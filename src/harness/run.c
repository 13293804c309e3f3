/*
 * The runner: KTAP header, one nested subtest per suite, one result line per
 * test, the done line and the verdict. Each test runs with interrupts on and
 * the watchdog armed; the free-frame count and the heap's bytes in use must
 * be the same after it as before.
 */
#include "arch/x86_64/cpu.h"
#include "build_id.h"
#include "internal.h"
#include "kernel/console.h"
#include "kernel/exit.h"
#include "kernel/harness.h"
#include "kernel/proc.h"
#include "kernel/timer.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/pmm.h"

struct ktest_state ktest_state;

struct ktest_totals {
	size_t pass, fail, skip;
};

static struct ktest_plan ktest_plan;

bool ktest_running(void)
{
	return ktest_state.running;
}

const char *ktest_current_name(char *buf, size_t size)
{
	const struct ktest *t = ktest_state.cur;

	if (!t)
		return NULL;
	ksnprintf(buf, size, "%s.%s", t->suite, t->name);
	return buf;
}

void ktest_set_timeout(unsigned seconds)
{
	ktest_state.timeout_s = seconds;
	ktest_state.deadline_ms = ktest_state.start_ms + (uint64_t)seconds * 1000;
}

void ktest_on_abort(void (*fn)(void))
{
	ktest_state.on_abort = fn;
}

void ktest_end(enum ktest_jmp code)
{
	ktest_state.running = false;
	ktest_state.fault_armed = false;
	ktest_longjmp(ktest_state.run_jb, code);
}

void ktest_watchdog_tick(uint64_t now_ms)
{
	if (ktest_state.running && now_ms >= ktest_state.deadline_ms)
		ktest_end(KTEST_JMP_TIMEOUT);
}

/* Run t->fn under run_jb; returns 0 when it returned normally, else a ktest_jmp. */
static int ktest_call(const struct ktest *t, unsigned long timeout_s)
{
	int code;

	memset(&ktest_state, 0, sizeof(ktest_state));
	ktest_state.cur = t;
	ktest_state.start_ms = timer_ms();
	ktest_set_timeout((unsigned)timeout_s);
	code = ktest_setjmp(ktest_state.run_jb);
	if (code == 0) {
		ktest_state.running = true;
		t->fn(t->arg);
		ktest_state.running = false;
	}
	irq_enable();
	if (code != 0)
		proc_abort(); /* a program the test ran is left mid-flight */
	if (code != 0 && ktest_state.on_abort)
		ktest_state.on_abort();
	ktest_state.on_abort = NULL;
	return code;
}

/* Fail the test when it changed the free-frame count or the heap's bytes in use. */
static void ktest_check_leaks(size_t frames_before, size_t heap_before)
{
	long frames = (long)frames_before - (long)pmm_free_frames();
	long heap = (long)heap_bytes_in_use() - (long)heap_before;

	if (frames == 0 && heap == 0)
		return;
	ktest_diag("leak: %ld frames, %ld heap bytes", frames, heap);
	ktest_state.failed = true;
}

/* Print the result line of test number `num` and count it; false when it failed. */
static bool ktest_result(const struct ktest *t, size_t num, int code,
			 struct ktest_totals *tot)
{
	const char *status = ktest_state.failed ? "not ok" : "ok";

	if (code == KTEST_JMP_TIMEOUT) {
		kprintf(KTEST_INDENT "not ok %zu %s # TIMEOUT after %lu s\n", num,
			t->name, ktest_state.timeout_s);
		tot->fail++;
		return false;
	}
	if (code == KTEST_JMP_SKIP && !ktest_state.failed) {
		kprintf(KTEST_INDENT "ok %zu %s # SKIP %s\n", num, t->name,
			ktest_state.skip_reason);
		tot->skip++;
		return true;
	}
	kprintf(KTEST_INDENT "%s %zu %s\n", status, num, t->name);
	if (ktest_state.failed)
		tot->fail++;
	else
		tot->pass++;
	return !ktest_state.failed;
}

/* Run one test and report it; returns false when it failed. */
static bool ktest_run_one(const struct ktest *t, size_t num, unsigned long timeout_s,
			  struct ktest_totals *tot)
{
	size_t frames, heap;
	uint64_t ms;
	int code;
	bool ok;

	kprintf(KTEST_INDENT "# start %s.%s\n", t->suite, t->name);
	console_flush();
	ktest_crash_after_start();
	frames = pmm_free_frames();
	heap = heap_bytes_in_use();
	code = ktest_call(t, timeout_s);
	ms = timer_ms() - ktest_state.start_ms;
	if (code == KTEST_JMP_FAIL)
		ktest_state.failed = true;
	ktest_check_leaks(frames, heap);
	kprintf(KTEST_INDENT "# %s: duration %lu ms\n", t->name, ms);
	ok = ktest_result(t, num, code, tot);
	ktest_state.cur = NULL;
	return ok;
}

/* Run suite number `s` (0-based) of the plan as a nested KTAP subtest. */
static void ktest_run_suite(size_t s, unsigned long timeout_s, struct ktest_totals *tot)
{
	size_t lo = ktest_plan.suite_start[s], hi = ktest_plan.suite_start[s + 1];
	const char *suite = ktest_plan.tests[lo]->suite;
	bool ok = true;

	kprintf(KTEST_INDENT "KTAP version 1\n");
	kprintf(KTEST_INDENT "# Subtest: %s\n", suite);
	kprintf(KTEST_INDENT "1..%zu\n", hi - lo);
	for (size_t i = lo; i < hi; i++)
		if (!ktest_run_one(ktest_plan.tests[i], i - lo + 1, timeout_s, tot))
			ok = false;
	kprintf("%s %zu %s\n", ok ? "ok" : "not ok", s + 1, suite);
	ktest_crash_after_suite();
}

/* bootmm.list: name the selected tests, run none. */
__attribute__((noreturn)) static void ktest_list(void)
{
	kprintf("1..0\n");
	for (size_t i = 0; i < ktest_plan.ntests; i++)
		kprintf("# test %s.%s\n", ktest_plan.tests[i]->suite,
			ktest_plan.tests[i]->name);
	kprintf("bootmm: done %s pass=0 fail=0 skip=0\n", BOOTMM_BUILD_ID);
	machine_exit(true);
}

/*
 * The plan could not be built (no memory): report it as the one failed test
 * harness.setup, so that every reader sees a failed run, and end.
 */
__attribute__((noreturn)) static void ktest_setup_failed(const char *cmdline, const char *why)
{
	kprintf("KTAP version 1\n1..1\n");
	kprintf("# bootmm build %s\n", BOOTMM_BUILD_ID);
	kprintf("# bootmm cmdline: %s\n", cmdline);
	kprintf(KTEST_INDENT "KTAP version 1\n" KTEST_INDENT "# Subtest: harness\n"
		KTEST_INDENT "1..1\n" KTEST_INDENT "# start harness.setup\n");
	kprintf(KTEST_INDENT "# %s\n" KTEST_INDENT "not ok 1 setup\nnot ok 1 harness\n", why);
	kprintf("bootmm: done %s pass=0 fail=1 skip=0\n", BOOTMM_BUILD_ID);
	machine_exit(false);
}

void harness_run(const char *cmdline)
{
	struct ktest_totals tot = {0, 0, 0};
	char why[160];

	ktest_hooks_install();
	/* Everything that can fail comes first: the plan follows the version line at once. */
	bootmm_opts_parse(&bootmm_opts, cmdline);
	if (ktest_programs_register(why, sizeof(why)))
		ktest_setup_failed(cmdline, why);
	if (ktest_plan_build(&ktest_plan, &bootmm_opts))
		ktest_setup_failed(cmdline, "out of memory building the test plan");
	kprintf("KTAP version 1\n");
	if (bootmm_opts.list)
		ktest_list();
	kprintf("1..%zu\n", ktest_plan.nsuites);
	kprintf("# bootmm build %s\n", BOOTMM_BUILD_ID);
	kprintf("# bootmm cmdline: %s\n", cmdline);
	kprintf("# bootmm tsc: %lu kHz\n", (unsigned long)user_tsc_khz());
	if (bootmm_opts.shuffle)
		kprintf("# bootmm shuffle seed %lu\n", bootmm_opts.seed);
	ktest_programs_report();
	for (size_t s = 0; s < ktest_plan.nsuites; s++)
		ktest_run_suite(s, bootmm_opts.timeout, &tot);
	kprintf("bootmm: done %s pass=%zu fail=%zu skip=%zu\n", BOOTMM_BUILD_ID,
		tot.pass, tot.fail, tot.skip);
	machine_exit(tot.fail == 0);
}
