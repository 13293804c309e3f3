/*
 * sys_lock: the memory-locking and sealing system calls (mlock, mlock2,
 * munlock, mlockall, munlockall, mseal) over mm/aspace.h, and the hand-over
 * of a changed RLIMIT_MEMLOCK to the address space (proc_setup hands over
 * the limit and CAP_IPC_LOCK, uid 0's, when the process starts).
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
 * Tell p's address space p's RLIMIT_MEMLOCK after a change of the limit
 * (its capabilities, handed over when the process starts, stay).
 */
void sys_lock_rlimit(struct proc *p);

#endif
