/*
 * In-image tests of the clock (suite `clock`, arch/x86_64/user.c): the
 * fixed-point conversion of TSC ticks to nanoseconds agrees with the exact
 * quotient to within a nanosecond, and the monotonic clock never goes back.
 */
#include "harness/ktest.h"
#include "kernel/proc.h"

/* floor(ticks * 10^6 / tsc_per_ms), by divisions that cannot overflow. */
static uint64_t clock_test_exact_ns(uint64_t ticks, uint64_t tsc_per_ms)
{
	return ticks / tsc_per_ms * 1000000ULL + ticks % tsc_per_ms * 1000000ULL / tsc_per_ms;
}

TEST(clock, ticks_to_ns_within_a_nanosecond)
{
	static const uint64_t ticks[] = {
		0, 1, 2, 999, 1000000, 2597544, 2597545, 123456789, 1000000000000ULL,
		(1ULL << 40) + 12345, (1ULL << 52) - 1, 0x7fffffffffffffffULL,
	};
	uint64_t khz = user_tsc_khz(), exact, got;

	if (!khz)
		ktest_skip("no calibrated TSC");
	for (unsigned i = 0; i < sizeof(ticks) / sizeof(ticks[0]); i++) {
		exact = clock_test_exact_ns(ticks[i], khz);
		got = user_ticks_ns(ticks[i]);
		EXPECT_TRUE(got <= exact && exact - got <= 1);
	}
}

TEST(clock, monotonic_never_goes_back)
{
	uint64_t prev = user_clock_mono_ns(), now;

	for (int i = 0; i < 10000; i++) {
		now = user_clock_mono_ns();
		ASSERT_TRUE(now >= prev);
		prev = now;
	}
}
