/*
 * futex: wait queues keyed by a futex word, across processes.
 *
 * A private futex (FUTEX_PRIVATE_FLAG) is keyed by the address space and
 * the address: processes that share the space (vfork, CLONE_VM) meet, a
 * forked child does not. A shared one in a MAP_SHARED mapping is keyed by
 * the memory object and the byte offset in it (Linux's inode and page
 * offset), so every mapping of the same page meets, at any address; in
 * private memory a shared futex is keyed as a private one, as on Linux.
 * Waiters sit in a small hash of lists; a wake takes them in arrival order.
 */
#ifndef KERNEL_FUTEX_H
#define KERNEL_FUTEX_H

#include "lib/types.h"

struct proc;

/*
 * CLONE_CHILD_CLEARTID at exit (Linux's mm_release): when `p` has a
 * clear-tid address and its address space has other users, write 0 there
 * and wake one waiter of that (shared) futex. The address is forgotten.
 */
void futex_mm_release(struct proc *p);

/* Forget every waiter (the tree was abandoned after a watchdog: their stacks are gone). */
void futex_reset(void);

/* Number of processes waiting on futexes now. */
unsigned futex_waiters(void);

#endif
