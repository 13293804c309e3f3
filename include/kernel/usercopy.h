/*
 * usercopy: the only way the kernel touches user memory of the running
 * program. Every function checks that the range lies in the user half
 * (below AS_TASK_SIZE, not wrapping), opens SMAP (stac/clac) only when
 * CR4.SMAP is on, and survives any fault: a #PF inside the copy is first
 * offered to as_fault on the bound address space (so demand paging, stack
 * growth and copy-on-write work for user buffers), and when that fails the
 * copy returns -EFAULT instead of crashing. Zero-length copies succeed
 * without touching memory, as on Linux. When the bound address space is not
 * the loaded one (a copy for another process), the same copies go through
 * mm/access.h (its tables and as_fault) with the same results.
 */
#ifndef KERNEL_USERCOPY_H
#define KERNEL_USERCOPY_H

#include "lib/types.h"

struct aspace;

/* The address space faults inside copies are resolved against (NULL: none). */
void usercopy_bind(struct aspace *as);

/* Copy n bytes from user `usrc`. Returns 0 or -EFAULT. */
int copy_from_user(void *dst, uint64_t usrc, size_t n);

/* Copy n bytes to user `udst`. Returns 0 or -EFAULT. */
int copy_to_user(uint64_t udst, const void *src, size_t n);

/* Write n zero bytes at user `udst`. Returns 0 or -EFAULT. */
int clear_user(uint64_t udst, size_t n);

/*
 * Copy a NUL-terminated string of at most max bytes (terminator included)
 * from user `usrc` into dst[max]. Returns its length (without the NUL);
 * max when no NUL lies within max bytes (dst then holds max bytes, not
 * terminated), as Linux; or -EFAULT.
 */
long strncpy_from_user(char *dst, uint64_t usrc, size_t max);

/* True when [uaddr, uaddr+n) lies entirely in the user half (n may be 0). */
bool user_range_ok(uint64_t uaddr, uint64_t n);

/*
 * For the exception path: a fault with vector `vec` in kernel mode at *rip.
 * When *rip is inside a copy routine: a #PF that as_fault resolves returns
 * true with *rip unchanged (retry); any other fault moves *rip to the
 * routine's fixup (which returns -EFAULT) and returns true. Returns false
 * when *rip is not inside a copy routine (a genuine kernel fault).
 */
bool usercopy_fixup(unsigned vec, uint64_t *rip, uint64_t cr2, uint64_t error_code);

#endif
