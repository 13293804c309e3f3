/*
 * sched: processes on one CPU, preemptive round robin on the timer.
 *
 * The kernel is not preemptible: it runs with interrupts off everywhere but
 * in the idle loop's halt, so a switch happens only when the running process
 * sleeps, yields, exits, or is interrupted in ring 3 by the timer after its
 * slice (SCHED_SLICE_MS). The context that runs a program test (the
 * harness's, in proc_run) is the idle context: it runs whenever no process
 * can, and halts until the timer or a wake-up makes one runnable.
 *
 * Blocking: a caller loops on its own condition,
 *
 *	while (!ready(x)) {
 *		long err = sched_sleep(&x->wq, deadline);
 *		if (err)
 *			return err;       // -EINTR (or -ERESTARTSYS) / -ETIMEDOUT
 *	}
 *
 * and whoever changes x calls sched_wake_all(&x->wq). Wake-ups are never
 * lost: sleeping, waking and testing the condition all run with interrupts
 * off on the one CPU.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include "lib/types.h"
#include "lib/waitq.h"

#define SCHED_SLICE_MS 10
#define SCHED_FOREVER UINT64_MAX /* a deadline that never comes */

struct proc;
struct aspace;

/*
 * Put the running process to sleep on `wq` (NULL: on no queue, only the
 * deadline or a signal wakes it) until sched_wake_all(wq), CLOCK_MONOTONIC
 * reaching `deadline_ns` (SCHED_FOREVER: never), or a signal it does not
 * block (SIGKILL always) becoming pending. Returns 0 (woken), -ETIMEDOUT
 * (deadline), -EINTR (signal). The caller re-checks its condition: a
 * wake-up is a hint, not a promise. The time asleep is not CPU time.
 */
long sched_sleep(struct waitq *wq, uint64_t deadline_ns);

/*
 * sched_sleep that only SIGKILL interrupts (Linux's TASK_KILLABLE): another
 * pending signal neither keeps it from sleeping nor ends it for good (a
 * signal sent meanwhile may still return -EINTR early: the caller loops).
 */
long sched_sleep_killable(struct waitq *wq, uint64_t deadline_ns);

/* Make every process sleeping on wq runnable (their sched_sleep returns 0). */
void sched_wake_all(struct waitq *wq);

/*
 * Make `p` runnable if it sleeps (sched_sleep returns -EINTR): a signal it
 * does not block was just made pending. Does nothing to a running,
 * runnable, stopped or dead process.
 */
void sched_interrupt(struct proc *p);

/* Let the other runnable processes run first (sched_yield(2)); the caller stays runnable. */
void sched_yield(void);

/*
 * The timer: wake sleepers whose deadline passed, fire the interval timers
 * (proc_itimers_tick) and account the running process's slice. Called from
 * IRQ 0 with interrupts off.
 */
void sched_tick(uint64_t now_ns);

/*
 * On the way back to ring 3 from an interrupt: switch away when the running
 * process used up its slice and another one can run.
 */
void sched_preempt(void);

/* Make a new process (state runnable) eligible to run, at the tail of the queue. */
void sched_start(struct proc *p);

/*
 * The running process is done (a zombie now, or freed by whoever reaps it):
 * switch away for good. Its kernel stack stays until its reaper frees it.
 */
__attribute__((noreturn)) void sched_exit(void);

/*
 * The idle context (proc_run's): run processes until done(arg) says the
 * tree is finished, halting while none can run. Returns with the idle
 * context current again.
 */
void sched_run_until(bool (*done)(void *arg), void *arg);

/* The running process gives up its page tables: the kernel's are loaded. */
void sched_drop_mm(void);

/*
 * The exiting running process gives up its space `as` (a reference): user
 * copies stop at once; its tables stay loaded until the switch away from
 * it, which drops the reference once the next context's tables are loaded.
 */
void sched_put_mm_at_switch(struct aspace *as);

/* Forget every process (proc_abort after a watchdog unwound out of a run). */
void sched_reset(void);

/* Stop `p` (SIGSTOP & co): it leaves the run queue until sched_continue. */
void sched_stop(struct proc *p);

/* Continue a stopped `p` (SIGCONT, SIGKILL). */
void sched_continue(struct proc *p);

#endif
