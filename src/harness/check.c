/* EXPECT_* / ASSERT_* back ends, diagnostics, ktest_fail and ktest_skip. */
#include <stdarg.h>

#include "internal.h"
#include "lib/assert.h"
#include "lib/printf.h"
#include "lib/string.h"

#define KTEST_DIAG_MAX 512

/* Print `msg` as KTAP diagnostics, one "# " line per line of text. */
static void ktest_diag_lines(const char *msg)
{
	const char *indent = ktest_state.cur ? KTEST_INDENT : "";

	while (*msg) {
		const char *nl = strchr(msg, '\n');
		size_t n = nl ? (size_t)(nl - msg) : strlen(msg);

		kprintf("%s# %.*s\n", indent, (int)n, msg);
		msg += n + (nl ? 1 : 0);
	}
}

void ktest_diag(const char *fmt, ...)
{
	char buf[KTEST_DIAG_MAX];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ktest_diag_lines(buf);
}

/* Record a failed check; a fatal one ends the test. */
static void ktest_failed(bool fatal)
{
	if (!ktest_state.cur)
		panic("ktest: a check failed outside a test");
	ktest_state.failed = true;
	if (fatal)
		ktest_end(KTEST_JMP_FAIL);
}

void ktest_check(bool ok, const char *file, int line, const char *expr, bool fatal)
{
	if (ok)
		return;
	ktest_diag("%s:%d: %s failed: %s", file, line, fatal ? "ASSERT" : "EXPECT", expr);
	ktest_failed(fatal);
}

void ktest_check_cmp(bool ok, const char *file, int line, const char *op,
		     const char *a_expr, uint64_t a, const char *b_expr,
		     uint64_t b, bool fatal)
{
	bool is_signed = op[0] == '<' || op[0] == '>';

	if (ok)
		return;
	ktest_diag("%s:%d: %s failed: %s %s %s", file, line,
		   fatal ? "ASSERT" : "EXPECT", a_expr, op, b_expr);
	if (is_signed) {
		ktest_diag("  %s = %ld (0x%lx)", a_expr, (int64_t)a, a);
		ktest_diag("  %s = %ld (0x%lx)", b_expr, (int64_t)b, b);
	} else {
		ktest_diag("  %s = %lu (0x%lx)", a_expr, a, a);
		ktest_diag("  %s = %lu (0x%lx)", b_expr, b, b);
	}
	ktest_failed(fatal);
}

void ktest_check_mem(const void *a, const void *b, size_t n, const char *file,
		     int line, bool fatal)
{
	const uint8_t *pa = a, *pb = b;
	size_t i = 0;

	while (i < n && pa[i] == pb[i])
		i++;
	if (i == n)
		return;
	ktest_diag("%s:%d: %s failed: %zu bytes differ at offset %zu: 0x%02x != 0x%02x",
		   file, line, fatal ? "ASSERT_MEMEQ" : "EXPECT_MEMEQ", n, i,
		   pa[i], pb[i]);
	ktest_failed(fatal);
}

void ktest_fail(const char *fmt, ...)
{
	char buf[KTEST_DIAG_MAX];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ktest_diag_lines(buf);
	ktest_failed(true);
	ktest_end(KTEST_JMP_FAIL);
}

void ktest_skip(const char *reason)
{
	if (!ktest_state.cur)
		panic("ktest: ktest_skip outside a test");
	ksnprintf(ktest_state.skip_reason, sizeof(ktest_state.skip_reason), "%s", reason);
	ktest_end(KTEST_JMP_SKIP);
}
