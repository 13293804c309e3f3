/*
 * What proc.c, proc_tree.c, fork.c and sys_proc.c share about the process
 * tree of the program test that runs now (one at a time).
 */
#ifndef KERNEL_PROC_INTERNAL_H
#define KERNEL_PROC_INTERNAL_H

#include "kernel/proc.h"

/* wait4/waitid options (Linux values). */
#define WNOHANG 0x00000001
#define WUNTRACED 0x00000002
#define WSTOPPED WUNTRACED
#define WEXITED 0x00000004
#define WCONTINUED 0x00000008
#define WNOWAIT 0x01000000
#define __WNOTHREAD 0x20000000
#define __WALL 0x40000000
#define __WCLONE 0x80000000

#define SA_NOCLDSTOP 0x00000001u
#define SA_NOCLDWAIT 0x00000002u
#define SA_RESTART 0x10000000u

#define PROC_RLIM_CORE 4
#define PROC_RLIM_NPROC 6
#define PROC_RLIM_SIGPENDING 11

/* The program test's processes. */
struct proc_tree {
	struct list_node procs;  /* every process not yet freed (tree_link) */
	struct list_node dead;   /* zombies nobody will wait for (sibling link) */
	struct proc *init;       /* the first process; its exit ends the test */
	int next_pid;
	unsigned count;          /* processes not yet freed */
	unsigned max;            /* Linux's threads-max for this memory */
	bool init_exited;
	int as_check;            /* 0, or -EINVAL when a space failed as_check at its end */
	struct proc_result *res;
	unsigned flags;          /* PROC_OUT_COM2, PROC_DIAG */
};

/* The tree that runs now. */
struct proc_tree *proc_tree_now(void);

/* Start a fresh tree for a run (res zeroed by the caller). */
void proc_tree_begin(struct proc_result *res, unsigned flags);

/*
 * A new process in the tree, child of `parent` (NULL: the first one, pid 1):
 * zeroed, ids, links and default limits set, counted; nothing else
 * allocated. NULL when out of memory or at the tree's process limit (*err
 * says -ENOMEM or -EAGAIN).
 */
struct proc *proc_tree_alloc(struct proc *parent, int *err);

/* Free a process that never ran or is dead (kernel stack, struct); it leaves the tree. */
void proc_tree_free(struct proc *p);

/*
 * proc_tree_free for a process that never ran (a failed fork): its kernel
 * stack goes back where proc_tree_alloc took it (the spare one, or freed),
 * so that the failure leaves no frame held that was free before.
 */
void proc_tree_discard(struct proc *p);

/* The process with pid `pid` in the tree (zombies too), or NULL. */
struct proc *proc_find(int pid);

/*
 * End the running process with wait status `wstatus` (Linux's encoding):
 * timers stop, the clear-tid word is cleared and woken (futex_mm_release),
 * files, address space and pending signals go, children go to the reaper
 * (PR_SET_PDEATHSIG sent), the parent is told (SIGCHLD, or the zombie
 * reaped at once), the CPU goes on.
 */
__attribute__((noreturn)) void proc_do_exit(struct proc *p, int wstatus);

/*
 * Tell `to` (the parent, or a tracer) that zombie `c` died: signal `sig`
 * (0: none) with the CLD_* siginfo of c's wait status, and a wake-up.
 */
void proc_tell_exit(struct proc *c, struct proc *to, int sig);

/*
 * Zombie `c` has `parent` now: tell it (its exit signal and a wake-up), or,
 * when the parent takes no zombies, or there is none, hand it to the dead list.
 */
void proc_zombie_to_parent(struct proc *c);

/* Run the tree until its first process exits, then proc_tree_end. */
void proc_tree_run(void);

/* Once the first process exited: kill the rest, let them die, free everything. */
void proc_tree_end(void);

/* After a watchdog unwound out of a run: free every process as it is, nothing checked. */
void proc_tree_abandon(void);

/*
 * Release the running process's address space (the last user destroys it,
 * checking it first); its VmHWM goes into p->maxrss first, as Linux's
 * exit_mm and exec_mmap keep it in signal->maxrss.
 */
void proc_release_mm(struct proc *p);

/* ru_maxrss's sources (getrusage's `who`, Linux's RUSAGE_SELF/CHILDREN/BOTH). */
#define PROC_MAXRSS_SELF 1u     /* p->maxrss and the space's VmHWM */
#define PROC_MAXRSS_CHILDREN 2u /* p->cmaxrss */

/* ru_maxrss in KiB of p from the PROC_MAXRSS_* sources `which` (Linux's getrusage). */
uint64_t proc_maxrss_kb(const struct proc *p, unsigned which);

/*
 * Send `sig` to `t` as `sender` would (permission checked unless sender is
 * NULL: the kernel). 0, -EPERM, -EINVAL, or -EAGAIN when a real-time
 * signal sent by sigqueue finds the target's queue full (sig_post). Signal
 * 0 only checks.
 */
long proc_send(struct proc *sender, struct proc *t, int sig, const struct sig_info *info);

/* Stop the running process for `sig` (its parent is told); returns once continued. */
/*
 * Linux's is_current_pgrp_orphaned for p's process group: no live member has
 * a parent in another group of the same session. The harness, which has no
 * proc, counts as outside every session, as the oracle's init does (Linux
 * skips members whose parent is init).
 */
bool proc_pgrp_orphaned(const struct proc *p);

void proc_stop_self(struct proc *p, int sig);

/* The first process's group ended with test status `status` (exit code or 128 + signal). */
void proc_record_end(struct proc *p, int status);

/* ---- threads (src/kernel/proc_thread.c) ---- */

/* A new task is a process of its own: its group, handler table and fs state unshared. */
void proc_thread_init(struct proc *p);

/* CLONE_THREAD: new task `c` (allocated as p's child) joins the group of `p` instead. */
void proc_thread_join(struct proc *c, struct proc *p);

/* exec: p's own handler table from now on (a copy of the one it shared). */
void proc_unshare_sighand(struct proc *p);

/* The task after `q` in its group's ring of tasks not yet released (q itself when alone). */
struct proc *proc_thread_next(const struct proc *q);

/* A living task of leader l's group other than `except` (NULL: any), or NULL. */
struct proc *proc_group_live(struct proc *l, const struct proc *except);

/* The living tasks of leader l's group (at least 1: /proc's Threads:). */
unsigned proc_group_count(const struct proc *l);

/* True when p's group holds another task besides p. */
bool proc_group_has_threads(const struct proc *p);

/*
 * A process-directed signal (kill, SIGCHLD...) to t's group: taken by a
 * task that does not block it (t first), as Linux's complete_signal;
 * SIGKILL, SIGCONT and default stops reach every task. Errors as proc_send.
 */
long proc_send_group(struct proc *sender, struct proc *t, int sig, const struct sig_info *info);

/*
 * The group's pending signals (process-directed ones every task blocked
 * when they came) as a thread p sees them: whether one p does not block is
 * pending, the set (rt_sigpending), and taking the lowest one of `set` (its
 * number, 0 when none, its siginfo in *info). The leader holds them as its
 * own, so for it these see nothing.
 */
bool proc_shared_pending(const struct proc *p);
uint64_t proc_shared_set(const struct proc *p);
int proc_take_shared(struct proc *p, uint64_t set, struct sig_info *info);

/*
 * Leader l exits while its group lives on: the group's pending signals it
 * held go to a live thread (one not blocking each, when there is one).
 */
void proc_shared_handoff(struct proc *l);

/* True when a sleep of p must end: sig_wakes, or a group's signal open to p. */
bool proc_sig_wakes(const struct proc *p);

/*
 * p changed its handler table (sig: the signal set, discarded where now
 * ignored; 0: none): every task sharing it (CLONE_SIGHAND) gets the copy.
 */
void proc_sighand_sync(struct proc *p, int sig);

/*
 * A stop signal's default action in p (Linux's group stop): every other
 * task of its group is stopped too (sent SIGSTOP), each reporting the
 * signal that began the stop; returns once p is continued.
 */
void proc_group_stop(struct proc *p, int sig);

/* SIGCONT came to task t: every other task of its group runs again too. */
void proc_continue_group(struct proc *t);

/* SIGCONT or SIGKILL arrives: a stopped `t` runs again; pending stop signals go. */
void proc_continue(struct proc *t, int sig);

/* p's group ids or limits changed: every task of its group gets them (signal_struct's). */
void proc_group_sync(struct proc *p);

/* p changed its working directory or umask: every task sharing them (CLONE_FS) follows. */
void proc_fs_sync(struct proc *p);

/*
 * exit_group, or a fatal signal: every other task of p's group is killed,
 * the group's wait status is `wstatus` (the first one's), p exits.
 */
__attribute__((noreturn)) void proc_group_exit(struct proc *p, int wstatus);

/*
 * exec's de_thread: every other task of p's group dies; a thread that execs
 * then takes the leader's place and pid. 0, or -EAGAIN when p is killed
 * meanwhile (or another exec or exit_group of the group came first).
 */
int proc_de_thread(struct proc *p);

/* de_thread's end: thread p takes the place, pid and children of zombie leader l (freed). */
void proc_take_leader(struct proc *p, struct proc *l);

#endif
