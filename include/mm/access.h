/*
 * access: the one way into the user memory of an address space, whether or
 * not it is the loaded one. Pages are found through the tables of `as`
 * (pt_query) and reached through mm_phys_to_virt; a page that the access
 * cannot use yet is first offered to as_fault with the error code the same
 * user access would raise (demand zero, copy-on-write break, stack growth),
 * so the result is what the program itself would see.
 *
 * Users: the ELF loader and initial stack (writing into a space not yet
 * loaded), the test libraries in the image and on the host. Copies of the
 * running program's memory in syscalls go through kernel/usercopy.h, whose
 * faults land in as_fault as well.
 *
 * A range is handled page by page in address order; when a page is
 * refused, the pages before it have been copied (or faulted in) and the
 * rest is untouched, as a user copy that faults half way.
 */
#ifndef MM_ACCESS_H
#define MM_ACCESS_H

#include "lib/types.h"

struct aspace;

/* access_user flags. */
#define ACCESS_READ 0u
#define ACCESS_WRITE (1u << 0) /* store into user memory (needs a writable VMA) */
#define ACCESS_PEEK (1u << 1)  /* the pages present now, any rights, nothing faulted in */
/*
 * Linux's FOLL_FORCE (ptrace, /proc/<pid>/mem): the VMA's rights are
 * overridden as Linux's check_vma_flags allows: any VMA may be read (even
 * PROT_NONE), a write into a private VMA without PROT_WRITE breaks
 * copy-on-write and stores into the private copy (which stays read-only in
 * the tables), a write into a shared one without it is AS_FAULT_ACCERR.
 * Missing pages are faulted in; a stack is never grown.
 */
#define ACCESS_FORCE (1u << 2)

/* Verdict of access_user beyond enum as_fault_result: as_fault said OK but the page stayed out. */
#define ACCESS_FAULT_LOOP 100

/*
 * Copy len bytes between buf and user range [va, va+len) of `as` (into user
 * memory with ACCESS_WRITE, buf NULL then writes zeros; out of it
 * otherwise). Returns AS_FAULT_OK, or the verdict that stopped it:
 * AS_FAULT_MAPERR (no VMA, or the range leaves the user half or wraps),
 * AS_FAULT_ACCERR (the VMA forbids the access), AS_FAULT_OOM, or
 * ACCESS_FAULT_LOOP. With ACCESS_PEEK a missing page is AS_FAULT_MAPERR.
 */
int access_user(struct aspace *as, vaddr_t va, void *buf, size_t len, unsigned flags);

/* Copy src (NULL: zeros) to user [va, va+len) of `as`. Returns 0, -EFAULT or -ENOMEM. */
int access_copy_to(struct aspace *as, vaddr_t va, const void *src, size_t len);

/* Copy user [va, va+len) of `as` into dst. Returns 0, -EFAULT or -ENOMEM. */
int access_copy_from(struct aspace *as, void *dst, vaddr_t va, size_t len);

/*
 * Fault every page of [va, va+len) in for an ACCESS_READ or ACCESS_WRITE
 * access (a write breaks copy-on-write). Returns 0, -EFAULT or -ENOMEM.
 */
int access_fault_in(struct aspace *as, vaddr_t va, size_t len, unsigned flags);

/* An access_user verdict as 0 or -errno (-ENOMEM for OOM, -EFAULT for the rest). */
int access_errno(int verdict);

#endif
