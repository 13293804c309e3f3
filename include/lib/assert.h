/*
 * panic() is for broken invariants only, never for bad input or lack of
 * memory. The kernel prints the message and a backtrace and ends the run as a
 * failure; the host build aborts. KASSERT is checked when BOOTMM_DEBUG is set
 * (the default) and type-checked otherwise.
 */
#ifndef LIB_ASSERT_H
#define LIB_ASSERT_H

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

#ifndef BOOTMM_DEBUG
#define BOOTMM_DEBUG 1
#endif

#define KASSERT(cond)                                                       \
	do {                                                                \
		if (BOOTMM_DEBUG && !(cond))                                \
			panic("%s:%d: assertion failed: %s", __FILE__,      \
			      __LINE__, #cond);                              \
	} while (0)

#endif
