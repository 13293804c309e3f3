/* String and memory functions: libc's on the host, src/lib/string.c in the kernel. */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include "lib/types.h"

#if __STDC_HOSTED__
#include <string.h>
#else
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
#endif

/* Returns true when `name` matches shell glob `pat` ('*' and '?'). */
bool str_glob_match(const char *pat, const char *name);

/* The same for a pattern of patlen bytes (no NUL needed). */
bool str_glob_match_n(const char *pat, size_t patlen, const char *name);

#endif
