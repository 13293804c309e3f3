/*
 * In-image tests of the kernel's memset, memcpy and memmove (suite
 * `string`, src/lib/string.c; the host tests use libc's): every length up
 * to a few words at every byte phase fills or copies exactly those bytes,
 * and memmove is right for overlaps both ways.
 */
#include "harness/ktest.h"
#include "lib/string.h"

#define STRING_TEST_MAX 40 /* lengths 0..40: no word, some words, words and a tail */
#define STRING_TEST_BUF 64

/* Byte i of the pattern a test fills a buffer with (never 0 or 0xee). */
static uint8_t string_test_byte(unsigned i)
{
	return (uint8_t)(i * 7 + 1) % 0xed + 1;
}

/* memcpy of n bytes from phase so to phase d: exactly those bytes change. */
static bool string_test_copy_ok(unsigned so, unsigned d, unsigned n)
{
	uint8_t src[STRING_TEST_BUF], dst[STRING_TEST_BUF];

	for (unsigned i = 0; i < STRING_TEST_BUF; i++) {
		src[i] = string_test_byte(i);
		dst[i] = 0xee;
	}
	if (memcpy(dst + d, src + so, n) != dst + d)
		return false;
	for (unsigned i = 0; i < STRING_TEST_BUF; i++) {
		bool in = i >= d && i < d + n;

		if (dst[i] != (in ? src[so + i - d] : 0xee))
			return false;
	}
	return true;
}

TEST(string, memcpy_every_length_and_phase)
{
	unsigned bad = 0;

	for (unsigned so = 0; so < 8; so++)
		for (unsigned d = 0; d < 8; d++)
			for (unsigned n = 0; n <= STRING_TEST_MAX; n++)
				bad += !string_test_copy_ok(so, d, n);
	EXPECT_EQ(bad, 0);
}

/* memmove of n bytes from `from` to `to` inside one buffer matches a model. */
static bool string_test_move_ok(unsigned from, unsigned to, unsigned n)
{
	uint8_t buf[STRING_TEST_BUF], want[STRING_TEST_BUF];

	for (unsigned i = 0; i < STRING_TEST_BUF; i++)
		buf[i] = want[i] = string_test_byte(i);
	for (unsigned i = 0; i < n; i++)
		want[to + i] = string_test_byte(from + i);
	if (memmove(buf + to, buf + from, n) != buf + to)
		return false;
	return memcmp(buf, want, sizeof(buf)) == 0;
}

TEST(string, memmove_overlapping_both_ways)
{
	unsigned bad = 0;

	for (unsigned from = 0; from < 12; from++)
		for (unsigned to = 0; to < 12; to++)
			for (unsigned n = 0; n <= STRING_TEST_MAX; n++)
				bad += !string_test_move_ok(from, to, n);
	EXPECT_EQ(bad, 0);
}

/* memset of n bytes at phase d with byte c: exactly those bytes change. */
static bool string_test_set_ok(unsigned d, unsigned n, int c)
{
	uint8_t buf[STRING_TEST_BUF];

	for (unsigned i = 0; i < STRING_TEST_BUF; i++)
		buf[i] = string_test_byte(i);
	if (memset(buf + d, c, n) != buf + d)
		return false;
	for (unsigned i = 0; i < STRING_TEST_BUF; i++) {
		bool in = i >= d && i < d + n;

		if (buf[i] != (in ? (uint8_t)c : string_test_byte(i)))
			return false;
	}
	return true;
}

TEST(string, memset_every_length_and_phase)
{
	static const int fill[] = {0, 0x6b, 0xff, 0x1ee}; /* 0x1ee: only its low byte counts */
	unsigned bad = 0;

	for (unsigned f = 0; f < ARRAY_SIZE(fill); f++)
		for (unsigned d = 0; d < 8; d++)
			for (unsigned n = 0; n <= STRING_TEST_MAX; n++)
				bad += !string_test_set_ok(d, n, fill[f]);
	EXPECT_EQ(bad, 0);
}
