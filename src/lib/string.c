/* Freestanding string and memory functions for the kernel (lib/string.h). */
#include "lib/string.h"

/* Keep GCC from turning these loops back into calls to themselves. */
#pragma GCC optimize("no-tree-loop-distribute-patterns")

/* A 64-bit word at any address (x86 allows unaligned loads and stores). */
typedef uint64_t __attribute__((may_alias, aligned(1))) string_word_t;

/* Fill 8 bytes a step with the byte repeated, then the tail byte by byte. */
void *memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;
	string_word_t w = (uint8_t)c * 0x0101010101010101ULL;

	for (; n >= sizeof(string_word_t); n -= sizeof(string_word_t)) {
		*(string_word_t *)d = w;
		d += sizeof(string_word_t);
	}
	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

/* From this many bytes on, memcpy moves the words with one rep movsq. */
#define STRING_MOVSQ_MIN 64

/*
 * Copy 8 bytes a step, then the tail byte by byte. Each word is loaded
 * before it is stored, so a forward copy to a lower, overlapping address
 * (memmove's d <= s case) stays correct. Long copies move their words with
 * rep movsq, which ascends a word at a time as the loop does: under QEMU
 * TCG, where the image runs, it costs a fraction of the loop's cycles (see
 * mm_page_copy in arch/x86_64/mmarch.c).
 */
void *memcpy(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (n >= STRING_MOVSQ_MIN) {
		size_t words = n / sizeof(string_word_t);

		__asm__ volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(words) : : "memory");
		n %= sizeof(string_word_t);
	}
	for (; n >= sizeof(string_word_t); n -= sizeof(string_word_t)) {
		*(string_word_t *)d = *(const string_word_t *)s;
		d += sizeof(string_word_t);
		s += sizeof(string_word_t);
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	/* d above s, overlapping: copy downwards, 8 bytes a step (each loaded before stored). */
	for (; n >= sizeof(string_word_t); n -= sizeof(string_word_t))
		*(string_word_t *)(d + n - sizeof(string_word_t)) =
			*(const string_word_t *)(s + n - sizeof(string_word_t));
	while (n--)
		d[n] = s[n];
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *p = a, *q = b;

	for (size_t i = 0; i < n; i++)
		if (p[i] != q[i])
			return p[i] < q[i] ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

/*
 * Iterative glob match: '*' any run (also empty), '?' one character. On a
 * mismatch after a '*', retry with the star swallowing one more character.
 */
bool str_glob_match(const char *pat, const char *name)
{
	return str_glob_match_n(pat, strlen(pat), name);
}

bool str_glob_match_n(const char *pat, size_t patlen, const char *name)
{
	const char *end = pat + patlen, *star = NULL, *resume = NULL;

	while (*name) {
		if (pat < end && *pat == '*') {
			star = pat++;
			resume = name;
		} else if (pat < end && (*pat == '?' || *pat == *name)) {
			pat++;
			name++;
		} else if (star) {
			pat = star + 1;
			name = ++resume;
		} else {
			return false;
		}
	}
	while (pat < end && *pat == '*')
		pat++;
	return pat == end;
}
