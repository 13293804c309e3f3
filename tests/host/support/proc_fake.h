/*
 * proc_fake: the machine under the kernel's process files, for host tests
 * that build src/kernel/proc_tree.c, sys_proc.c, fork.c and signal.c
 * unchanged (tests/host/test_proc_tree.c).
 *
 * No process code runs: a test plays each process in turn. fake_run(p, fn)
 * makes p the running process (proc_current) and calls fn, as if p had
 * entered the kernel; how the call ended comes back:
 *
 * - FAKE_RETURNED: fn returned (back to ring 3; p stays runnable, on the
 *   run queue for the tree's end);
 * - FAKE_EXITED: p went through sched_exit (proc_do_exit is noreturn: the
 *   fake sched_exit jumps back here); what the next context would do at
 *   once (proc_free_dead) is done;
 * - FAKE_BLOCKED: p went to sleep in sched_sleep and nobody woke it during
 *   the sleep hook (fake_on_sleep): it stays asleep on its queue, and the
 *   call is abandoned; a later wake-up makes p runnable, and the test
 *   issues the call again (the kernel's callers loop on their condition);
 * - FAKE_STOPPED: p stopped (sched_stop) and stays stopped until continued.
 *
 * Kernel stacks: the link wraps vmarea_alloc/vmarea_free (ld --wrap) so a
 * kernel stack is real vmarea frames (counted by pmm, as in the kernel) with
 * a host buffer standing for its mapping (fork.c writes the child's
 * registers at its top).
 *
 * User memory: copy_to_user/copy_from_user are memcpy on host pointers; an
 * address below FAKE_USER_MIN (Linux's mmap_min_addr) fails with -EFAULT.
 */
#ifndef PROC_FAKE_H
#define PROC_FAKE_H

#include "kernel/proc.h"

#define FAKE_USER_MIN 0x10000ULL

enum fake_end { FAKE_RETURNED, FAKE_EXITED, FAKE_BLOCKED, FAKE_STOPPED };

/* Forget every process and hook; the clock at 1 s. Call before proc_tree_begin. */
void fake_reset(void);

/* Run fn(p, arg) as the running process p (nested runs allowed); how it ended. */
enum fake_end fake_run(struct proc *p, void (*fn)(struct proc *p, void *arg), void *arg);

/*
 * A syscall made by p: sys_proc_call with the Linux registers (args in
 * rdi, rsi, rdx, r10, r8). Its result, or LONG_MIN when the call did not
 * return (*end says why; end may be NULL).
 */
long fake_syscall(struct proc *p, enum fake_end *end, uint64_t nr, uint64_t a0, uint64_t a1,
		  uint64_t a2, uint64_t a3, uint64_t a4);

/*
 * The next sched_sleep (once) calls fn(arg) while the sleeper is asleep on
 * its queue, before deciding whether it was woken.
 */
void fake_on_sleep(void (*fn)(void *arg), void *arg);

/*
 * What proc.c does on the way back to ring 3 (proc_pending_signals), for
 * the default actions: SIGKILL and fatal signals end p (wait status sig,
 * 0x80 added for core-dump signals when RLIMIT_CORE is not 0), stop
 * signals stop it, ignored ones go. A signal with a handler gets its frame
 * built by sig_deliver on a host stack: fake_frame_info() is the siginfo
 * the handler would see. Runs as p (fake_run); how it ended.
 */
enum fake_end fake_user_return(struct proc *p);

/* The siginfo (128 bytes, Linux layout) of the last frame fake_user_return built. */
const void *fake_frame_info(void);

/* The signal whose handler the last fake_user_return ran (0: none). */
int fake_frame_sig(void);

/* How many times sched_run_until found nothing to run before it was done (a hang). */
extern unsigned fake_idle_stuck;

/* Kernel stacks (vmarea areas) held now. */
extern unsigned fake_kstacks;

#endif
