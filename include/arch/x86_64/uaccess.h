/*
 * The machine side of usercopy (kernel/usercopy.h keeps the policy): raw
 * copy routines whose faults can be resumed at a fixup that returns
 * -EFAULT, and opening SMAP (stac/clac) around them.
 */
#ifndef ARCH_X86_64_UACCESS_H
#define ARCH_X86_64_UACCESS_H

#include "arch/x86_64/cpu.h"
#include "lib/types.h"

/*
 * Leaf routines in src/arch/x86_64/uaccess.S that never touch the stack:
 * a fault anywhere inside them can be resumed at uaccess_fixup_rip(), which
 * returns -EFAULT straight to their caller. Each returns 0 (copy, clear) or
 * the string's length without the NUL, max when none within max (strncpy).
 */
long uaccess_copy_raw(void *dst, const void *src, size_t n);
long uaccess_clear_raw(void *dst, size_t n);
long uaccess_strncpy_raw(char *dst, const char *src, size_t max);

/* True when `rip` lies inside one of the raw routines. */
bool uaccess_in_raw(uint64_t rip);

/* Where a faulting raw routine resumes to return -EFAULT. */
uint64_t uaccess_fixup_rip(void);

/* Allow supervisor access to user pages when SMAP is on; returns whether it was. */
static inline bool uaccess_open(void)
{
	if (!(read_cr4() & CR4_SMAP))
		return false;
	__asm__ volatile("stac" ::: "memory", "cc");
	return true;
}

/* Undo uaccess_open (`smap`: its result). */
static inline void uaccess_close(bool smap)
{
	if (smap)
		__asm__ volatile("clac" ::: "memory", "cc");
}

#endif
