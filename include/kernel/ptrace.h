/*
 * ptrace: process tracing, the subset of Linux 6.12's kernel/ptrace.c that
 * debuggers and the mm selftests use (src/kernel/sys_ptrace.c).
 *
 * A tracee has one tracer (PTRACE_TRACEME: its parent; PTRACE_ATTACH and
 * PTRACE_SEIZE: the caller). Every signal the tracee dequeues, SIGKILL
 * aside and ignored ones included, first stops it in a signal-delivery
 * stop that the tracer's wait reports (WIFSTOPPED with the signal, no
 * WUNTRACED needed, the tracee need not be its child); a job-control stop
 * of a tracee is a ptrace stop too. PTRACE_CONT, PTRACE_DETACH resume it
 * with the signal they name (0: none), PTRACE_KILL kills it. The word the
 * tracer's wait took is Linux's exit_code: taken once, so a tracee whose
 * stop was reported resumes without it when its tracer exits.
 *
 * A tracee that dies becomes a zombie only its tracer sees and reaps; the
 * real parent hears of it once the tracer reaped it or let go (Linux's
 * EXIT_TRACE). A tracer that exits detaches its tracees (exit_ptrace):
 * stopped ones go on, PTRACE_O_EXITKILL ones are killed.
 */
#ifndef KERNEL_PTRACE_H
#define KERNEL_PTRACE_H

#include "lib/list.h"
#include "lib/types.h"
#include "kernel/signal.h"

struct proc;
struct uregs;

/* A process's tracing state (zero: neither traced nor tracing). */
struct ptrace_state {
	struct proc *tracer;      /* NULL: not traced */
	struct list_node tracees; /* as a tracer: the processes it traces (their link) */
	struct list_node link;    /* in tracer->pt.tracees */
	unsigned flags;           /* PTRACE_F_* */
	int code;                 /* in a stop: the signal reported, then the one to deliver */
	bool stopped;             /* in a ptrace stop (Linux's TASK_TRACED) */
	bool job_stopped;         /* a job-control stop holds until SIGCONT (SIGNAL_STOP_STOPPED) */
	struct sig_fault stop_si; /* PTRACE_GETSIGINFO's: the stop's signal (signo 0: none) */
	struct sig_info stop_info; /* stop_si.info's fields, for a sent signal */
};

#define PTRACE_F_SEIZED (1u << 0)   /* attached by PTRACE_SEIZE */
#define PTRACE_F_EXITKILL (1u << 1) /* PTRACE_O_EXITKILL: SIGKILL when the tracer exits */

/* A new process: not traced, tracing nobody. */
void ptrace_init(struct proc *p);

/*
 * ptrace_may_access(PTRACE_MODE_ATTACH_REALCREDS): r may attach to t when
 * it is t, has CAP_SYS_PTRACE, or t is dumpable and its real, effective and
 * saved uids and gids are all r's real ones.
 */
bool ptrace_may_access(const struct proc *r, const struct proc *t);

/*
 * The running tracee `p` stops with `sig` (why: CLD_TRAPPED for a signal
 * about to be delivered, CLD_STOPPED for a job-control stop): its tracer is
 * told (SIGCHLD unless it ignores it or set SA_NOCLDSTOP, a wake-up) and
 * it stays stopped until resumed, detached, or SIGKILL. Returns the signal
 * to deliver instead (0: none).
 */
int ptrace_stop(struct proc *p, int sig, int why);

/*
 * After a job-control stop of `p` (sched_stop) ended, and at the end of
 * every ptrace stop: while a tracer holds it stopped, stay stopped
 * (SIGCONT does not resume a traced stop; SIGKILL does); let go by its
 * tracer while a job-control stop holds (no SIGCONT since), stop again
 * until SIGCONT, as Linux's __ptrace_unlink does.
 */
void ptrace_stay_stopped(struct proc *p);

/*
 * Signal `sig` with *info was dequeued by traced `p`: the signal-delivery
 * stop. Returns the signal to act on now (0: none; *info rewritten as from
 * the tracer when it changed the signal; a signal now blocked, or any
 * while SIGKILL is pending, goes back to pending), as Linux's ptrace_signal.
 */
int ptrace_signal(struct proc *p, int sig, struct sig_info *info);

/*
 * SIGCONT (or SIGKILL) reaches `t`: a job-control stop holds no more. True
 * when `t` is in a ptrace stop that no job-control stop is part of (a
 * signal-delivery stop): SIGCONT neither wakes it nor tells its parent.
 */
bool ptrace_sigcont(struct proc *t);

/*
 * Traced `p` takes fault *f (an exception in ring 3): as Linux's
 * force_sig_fault, a blocked or ignored signal is unblocked and its action
 * made SIG_DFL, then the signal-delivery stop (GETSIGINFO reads *f).
 * Returns the signal to raise now: f->signo (the fault's own), another one
 * the tracer handed (*info: as sent by the tracer), or 0 (cancelled: the
 * instruction runs again).
 */
int ptrace_fault(struct proc *p, const struct sig_fault *f, struct sig_info *info);

/*
 * Exiting `p` (a zombie now) is traced: tell its tracer (the exit signal
 * when the tracer is its parent, else SIGCHLD; a wake-up). False when `p`
 * is not traced (the caller tells the parent).
 */
bool ptrace_tracee_exited(struct proc *p);

/*
 * Exiting `p` lets go of its tracees: PTRACE_O_EXITKILL ones get SIGKILL,
 * stopped ones go on with the signal their tracer left them, zombies go
 * to their real parent (when that is `p`, to the dead list if it takes no
 * zombies, else they are reparented with its other children after).
 */
void ptrace_tracer_exit(struct proc *p);

/*
 * The tracer reaps zombie tracee `c` (not WNOWAIT): it is untraced; true
 * when `c` then belongs to its real parent (another process: told now),
 * false when the caller frees it (the tracer is its parent).
 */
bool ptrace_reap(struct proc *c);

/*
 * `p` traced without PTRACE_SEIZE completed an execve: it sends itself
 * SIGTRAP (Linux's legacy PTRACE_EVENT_EXEC report), so its tracer sees
 * the new program stopped before its first instruction.
 */
void ptrace_exec(struct proc *p);

/* `p` is freed: it leaves its tracer's list, its tracees lose their tracer. */
void ptrace_release(struct proc *p);

#endif
