/* Host tests of the kernel formatter (src/lib/printf.c). */
#include <criterion/criterion.h>
#include <stdio.h>

#include "lib/printf.h"

/* Format with ours and with libc; they must agree. */
static void same(const char *fmt, ...)
{
	char ours[128], libc[128];
	va_list ap, aq;

	va_start(ap, fmt);
	va_copy(aq, ap);
	int a = kvsnprintf(ours, sizeof(ours), fmt, ap);
	int b = vsnprintf(libc, sizeof(libc), fmt, aq);
	va_end(aq);
	va_end(ap);
	cr_expect_str_eq(ours, libc, "format \"%s\"", fmt);
	cr_expect_eq(a, b, "length for \"%s\": %d vs %d", fmt, a, b);
}

Test(printf, integers_match_libc)
{
	same("%d %i %u", -42, 7, 3000000000u);
	same("%ld %lld %zu", -1L, -9223372036854775807LL - 1, (size_t)123);
	same("%x %X %#x %lx", 0xbeefu, 0xbeefu, 0x10u, 0xffffffffffffffffUL);
	same("[%5d] [%-5d] [%05d] [%08lx]", 42, 42, 42, 0xabcUL);
	same("%d", 0);
	same("%u", 0u);
}

Test(printf, strings_and_chars_match_libc)
{
	same("[%s] [%10s] [%-10s] [%.3s]", "abc", "abc", "abc", "abcdef");
	same("%c%c%%", 'o', 'k');
}

Test(printf, pointer_is_hex_with_prefix)
{
	char buf[64];

	ksnprintf(buf, sizeof(buf), "%p", (void *)0xffff800000001000UL);
	cr_expect_str_eq(buf, "0xffff800000001000");
}

Test(printf, truncation_reports_full_length)
{
	char buf[8];
	int n = ksnprintf(buf, sizeof(buf), "%s-%d", "abcdef", 12345);

	cr_expect_eq(n, 12);
	cr_expect_str_eq(buf, "abcdef-");
	cr_expect_eq(ksnprintf(NULL, 0, "%d", 123), 3);
}
