/*
 * ktest: in-image tests.
 *
 *   #include "harness/ktest.h"
 *   TEST(pmm, alloc_then_free_restores_count) {
 *           size_t before = pmm_free_frames();
 *           paddr_t pa = pmm_alloc(0);
 *           ASSERT_NE(pa, 0);
 *           pmm_free(pa, 0);
 *           EXPECT_EQ(pmm_free_frames(), before);
 *   }
 *
 * Tests are collected through the .ktest linker section, sorted by suite and
 * name, run one by one with the watchdog armed, and reported as KTAP (suites
 * as nested subtests). EXPECT_* records a failure and goes on; ASSERT_* ends
 * the test at once. An unexpected CPU exception ends the test as `not ok`
 * with a report; the run goes on. The harness also fails a test that changes
 * the free-frame count or the heap's bytes in use.
 *
 * Tests made at run time (one per program of the initramfs) are struct
 * ktest records added with ktest_register (kernel/harness.h); their `arg`
 * (the program) is passed to fn. No limit on their number but memory.
 *
 * expect_fault(vector, statements...) runs the statements and passes only if
 * exactly that exception happens in them; execution resumes after the macro,
 * and ktest_last_fault() tells the error code, CR2 and RIP.
 */
#ifndef HARNESS_KTEST_H
#define HARNESS_KTEST_H

#include "lib/types.h"

/* struct ktest flags. */
#define KTEST_F_UNFILTERED (1u << 0) /* runs whatever bootmm.filter says (setup failures) */

struct ktest {
	const char *suite;
	const char *name;
	void (*fn)(void *arg);
	const char *file;
	int line;
	void *arg;      /* given to fn: NULL for TEST(), the program for programs.<name> */
	unsigned flags; /* KTEST_F_* */
};

#define KTEST_CAT_(a, b) a##b
#define KTEST_FN_(suite, name) KTEST_CAT_(ktest_fn_##suite##_, name)

#define TEST(suite, name)                                                    \
	static void KTEST_FN_(suite, name)(void *ktest_arg);               \
	__attribute__((used, section(".ktest." #suite "." #name),          \
		       aligned(8))) static const struct ktest              \
		KTEST_CAT_(ktest_desc_##suite##_, name) = {                \
			#suite, #name, KTEST_FN_(suite, name), __FILE__,   \
			__LINE__, NULL, 0};                                \
	static void KTEST_FN_(suite, name)(void *ktest_arg)

/* CPU exception vectors. */
#define VEC_DE 0
#define VEC_DB 1
#define VEC_BP 3
#define VEC_UD 6
#define VEC_DF 8
#define VEC_GP 13
#define VEC_PF 14

struct ktest_fault {
	unsigned vector;
	uint64_t error_code;
	uint64_t rip;
	uint64_t cr2;
};

/* Internal: a minimal setjmp for the harness (callee-saved registers, rsp, rip). */
typedef uint64_t ktest_jmpbuf[8];
__attribute__((returns_twice)) int ktest_setjmp(ktest_jmpbuf buf);
__attribute__((noreturn)) void ktest_longjmp(ktest_jmpbuf buf, int val);

/* Internal hooks behind the macros. */
void ktest_check(bool ok, const char *file, int line, const char *expr, bool fatal);
void ktest_check_cmp(bool ok, const char *file, int line, const char *op,
		     const char *a_expr, uint64_t a, const char *b_expr,
		     uint64_t b, bool fatal);
uint64_t *ktest_fault_arm(unsigned vector);
void ktest_fault_missed(const char *file, int line);
void ktest_fault_disarm(void);

#define KTEST_CMP_(a, op, b, fatal)                                        \
	do {                                                                \
		uint64_t ka_ = (uint64_t)(a), kb_ = (uint64_t)(b);          \
		ktest_check_cmp(ka_ op kb_, __FILE__, __LINE__, #op, #a,    \
				ka_, #b, kb_, fatal);                       \
	} while (0)
#define KTEST_SCMP_(a, op, b, fatal)                                       \
	do {                                                                \
		int64_t ka_ = (int64_t)(a), kb_ = (int64_t)(b);             \
		ktest_check_cmp(ka_ op kb_, __FILE__, __LINE__, #op, #a,    \
				(uint64_t)ka_, #b, (uint64_t)kb_, fatal);   \
	} while (0)

#define EXPECT_TRUE(c) ktest_check(!!(c), __FILE__, __LINE__, #c, false)
#define EXPECT_FALSE(c) ktest_check(!(c), __FILE__, __LINE__, "!(" #c ")", false)
#define EXPECT_EQ(a, b) KTEST_CMP_(a, ==, b, false)
#define EXPECT_NE(a, b) KTEST_CMP_(a, !=, b, false)
#define EXPECT_LT(a, b) KTEST_SCMP_(a, <, b, false)
#define EXPECT_LE(a, b) KTEST_SCMP_(a, <=, b, false)
#define EXPECT_GT(a, b) KTEST_SCMP_(a, >, b, false)
#define EXPECT_GE(a, b) KTEST_SCMP_(a, >=, b, false)
#define ASSERT_TRUE(c) ktest_check(!!(c), __FILE__, __LINE__, #c, true)
#define ASSERT_FALSE(c) ktest_check(!(c), __FILE__, __LINE__, "!(" #c ")", true)
#define ASSERT_EQ(a, b) KTEST_CMP_(a, ==, b, true)
#define ASSERT_NE(a, b) KTEST_CMP_(a, !=, b, true)
#define ASSERT_LT(a, b) KTEST_SCMP_(a, <, b, true)
#define ASSERT_LE(a, b) KTEST_SCMP_(a, <=, b, true)
#define ASSERT_GT(a, b) KTEST_SCMP_(a, >, b, true)
#define ASSERT_GE(a, b) KTEST_SCMP_(a, >=, b, true)

/* Compare n bytes; on mismatch reports the first differing offset. */
#define EXPECT_MEMEQ(a, b, n) ktest_check_mem((a), (b), (n), __FILE__, __LINE__, false)
#define ASSERT_MEMEQ(a, b, n) ktest_check_mem((a), (b), (n), __FILE__, __LINE__, true)
void ktest_check_mem(const void *a, const void *b, size_t n, const char *file,
		     int line, bool fatal);

/* Run the statements; the test passes only if exception `vec` happens in them. */
#define expect_fault(vec, ...)                                             \
	do {                                                                \
		if (ktest_setjmp(ktest_fault_arm(vec)) == 0) {              \
			__VA_ARGS__;                                        \
			ktest_fault_missed(__FILE__, __LINE__);             \
		}                                                           \
		ktest_fault_disarm();                                       \
	} while (0)

/* The exception caught by the last expect_fault. */
const struct ktest_fault *ktest_last_fault(void);

/* Print a KTAP diagnostic line ("# ...") under the current test. */
void ktest_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* End the current test as skipped (`ok N name # SKIP reason`). */
__attribute__((noreturn)) void ktest_skip(const char *reason);

/* End the current test as failed with a message. */
__attribute__((noreturn)) void ktest_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Give the current test its own watchdog timeout, counted from its start. */
void ktest_set_timeout(unsigned seconds);

/* True while a test is running. */
bool ktest_running(void);

/* "suite.name" of the running test in buf, or NULL between tests. */
const char *ktest_current_name(char *buf, size_t size);

/*
 * Add a test at run time, before the plan is built (e.g. one per program).
 * `t` must stay valid; it is sorted and filtered with the .ktest ones. No
 * fixed limit: returns 0, or -ENOMEM when the registry cannot grow.
 */
int ktest_register(const struct ktest *t);

/*
 * Call `fn` when the running test ends early (watchdog, unexpected
 * exception, failed ASSERT, ktest_fail/skip), before the leak check; NULL
 * removes it. Cleared at the start of every test. (A program the test was
 * running is torn down by the harness itself: proc_abort.)
 */
void ktest_on_abort(void (*fn)(void));

#endif
