/*
 * sys_lock: the memory-locking and sealing system calls (mlock, mlock2,
 * munlock, mlockall, munlockall, mseal) over mm/aspace.h, and the hand-over
 * of the process's lock credential (RLIMIT_MEMLOCK, CAP_IPC_LOCK) to its
 * address space.
 */
#ifndef KERNEL_SYS_LOCK_H
#define KERNEL_SYS_LOCK_H

#include "kernel/proc.h"

/* True for the syscall numbers sys_lock serves. */
bool sys_lock_serves(uint64_t nr);

/*
 * Serve lock/seal syscall `nr` (sys_lock_serves) with the arguments in *r;
 * the result for rax (0 or -errno, Linux's).
 */
long sys_lock(struct proc *p, uint64_t nr, const struct uregs *r);

/*
 * Give p's address space p's RLIMIT_MEMLOCK and whether p has
 * PROC_CAP_IPC_LOCK. Call after the address space is made and after every
 * change of the limit.
 */
void sys_lock_credential(struct proc *p);

#endif
