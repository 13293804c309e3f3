/*
 * sys_lock: the memory-locking and sealing system calls (mlock, mlock2,
 * munlock, mlockall, munlockall, mseal) over mm/aspace.h, and the hand-over
 * of the memory limits to the address space (sys_mm_rlimits; proc_setup
 * hands over CAP_IPC_LOCK, uid 0's, when the process starts).
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
 * Tell p's address space p's memory limits (RLIMIT_AS, RLIMIT_DATA soft and
 * hard, RLIMIT_STACK, RLIMIT_MEMLOCK: as_set_limits) when the process starts
 * and after every change of a limit (its capabilities, handed over when the
 * process starts, stay). The space's mmap placement is not moved: that
 * follows RLIMIT_STACK at exec only (as_pick_layout). A space shared by
 * CLONE_VM or vfork holds the limits of whichever of its users changed them
 * last (Linux checks the calling task's own): a vfork child's setrlimit
 * binds its parent's mmap until the parent sets a limit again.
 */
void sys_mm_rlimits(struct proc *p);

/* The same for a space `p` is about to run in (exec's new one). */
struct aspace;
void sys_mm_rlimits_to(const struct proc *p, struct aspace *as);

#endif
