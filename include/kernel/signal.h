/*
 * signal: signals for scenario programs, Linux x86-64 ABI.
 *
 * Handlers may be installed for any catchable signal. Signals arise from
 * faults (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP), from processes
 * (kill/tkill/tgkill, e.g. abort(), rt_sigqueueinfo) or from the kernel
 * (SIGCHLD, the interval timers, PR_SET_PDEATHSIG). A fault signal runs the
 * program's handler when one is installed (SA_RESTORER required, SA_SIGINFO,
 * SA_ONSTACK, SA_NODEFER, SA_RESETHAND honoured) and the signal is not
 * blocked; otherwise the program ends with 128 + signal. A sent signal
 * stays pending while blocked (real-time ones queued), then is ignored,
 * handled or fatal as its action says, or taken by rt_sigtimedwait.
 * The handler gets a Linux struct rt_sigframe (return address = restorer,
 * ucontext with struct sigcontext, siginfo, and the fxsave image of the
 * x87/SSE state as fpstate), and rt_sigreturn restores the registers (user
 * selectors forced, IF on, IOPL 0) and the x87/SSE state (reset when the
 * frame's fpstate is NULL).
 */
#ifndef KERNEL_SIGNAL_H
#define KERNEL_SIGNAL_H

#include "lib/list.h"
#include "lib/types.h"

#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGSEGV 11
#define SIGUSR1 10
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGVTALRM 26
#define SIGPROF 27
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIG_NSIG 64
#define SIG_RTMIN 32 /* the kernel's SIGRTMIN: every instance from here up is queued */
#define SIG_BIT(sig) (1ULL << ((sig)-1))

#define SIG_DFL 0
#define SIG_IGN 1

#define SA_SIGINFO 0x00000004u
#define SA_ONSTACK 0x08000000u
#define SA_RESTORER 0x04000000u
#define SA_NODEFER 0x40000000u
#define SA_RESETHAND 0x80000000u

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SS_AUTODISARM (1u << 31)
#define MINSIGSTKSZ 2048

/* si_code values */
#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_QUEUE (-1)
#define SI_TKILL (-6)
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define CLD_TRAPPED 4 /* a tracee stopped (ptrace) */
#define CLD_STOPPED 5
#define CLD_CONTINUED 6
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define SEGV_PKUERR 4 /* a protection key forbade the access (si_pkey says which) */
#define BUS_ADRALN 1
#define BUS_ADRERR 2
#define ILL_ILLOPN 2
#define FPE_INTDIV 1
#define FPE_FLTINV 7
#define TRAP_BRKPT 1
#define TRAP_TRACE 2

struct uregs;

/* The kernel's struct sigaction (rt_sigaction's layout). */
struct k_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

/*
 * What a signal's siginfo says beside its number: the fields of the union
 * that its si_code selects (kill and sigqueue: pid, uid, value; SIGCHLD:
 * pid, uid, status, utime, stime; faults: addr).
 */
struct sig_info {
	int code;        /* si_code */
	int32_t pid;
	uint32_t uid;
	int32_t status;  /* SIGCHLD: the exit code or signal */
	uint64_t value;  /* sigqueue's sival */
	uint64_t utime, stime; /* SIGCHLD: clock ticks */
};

/*
 * Pending signals. A standard signal (below SIG_RTMIN) is pending once, its
 * siginfo in info[]; every instance of a real-time one is queued (rtq, in
 * arrival order), as Linux does. Instances count against a bound, Linux's
 * RLIMIT_SIGPENDING (counted per process here, per user on Linux): `queued`
 * counts the real-time entries and the standard signals whose siginfo was
 * kept (`counted`).
 */
struct sig_state {
	struct k_sigaction act[SIG_NSIG]; /* act[sig - 1] */
	uint64_t blocked;
	uint64_t pending;        /* sent, not yet acted on (real-time: queued at least once) */
	struct sig_info info[SIG_NSIG]; /* info[sig - 1]: of a pending standard signal */
	struct list_node rtq;    /* struct sig_queued: real-time instances, in arrival order */
	unsigned queued;         /* instances counted against the bound */
	uint64_t counted;        /* standard signals pending with a counted siginfo */
	uint64_t real_blocked;   /* rt_sigtimedwait: the mask before the wait (never ignored) */
	uint64_t ss_sp, ss_size; /* sigaltstack */
	uint32_t ss_flags;       /* SS_DISABLE or SS_AUTODISARM */
	bool restore_blocked;    /* ppoll/pselect6 mask in force: saved_blocked comes back */
	uint64_t saved_blocked;
};

/* A raised signal as its handler sees it: a fault's, or a sent one's (info). */
struct sig_fault {
	int signo;
	int code;     /* si_code */
	uint64_t addr; /* si_addr (faults) */
	unsigned trapno;
	uint64_t error_code;
	const struct sig_info *info; /* sent signals: the siginfo fields; NULL for faults */
	uint32_t pkey; /* si_pkey of SEGV_PKUERR: the key of the VMA faulted on */
};

/*
 * ppoll/pselect6: block `mask` (SIGKILL and SIGSTOP never) for the call,
 * remembering the current mask, as Linux's set_user_sigmask. A signal
 * frame built meanwhile saves the remembered mask (sigreturn restores it);
 * sig_restore_mask puts it back when no handler ran.
 */
void sig_set_temp_mask(struct sig_state *s, uint64_t mask);

/* End a sig_set_temp_mask when still in force (restore_saved_sigmask). */
void sig_restore_mask(struct sig_state *s);

/* Default actions, nothing blocked, no alternate stack, nothing pending. */
void sig_init(struct sig_state *s);

/*
 * fork: the child's state `c` from the parent's `p`: actions, mask and
 * alternate stack copied; nothing pending, nothing queued.
 */
void sig_fork(struct sig_state *c, const struct sig_state *p);

/* Drop every pending signal and free every queued instance (exit). */
void sig_flush(struct sig_state *s);

/*
 * Map an exception taken in ring 3 (other than a page fault) to its signal,
 * as Linux does: #DE -> SIGFPE, #DB/#BP -> SIGTRAP, #UD -> SIGILL,
 * #NP/#SS/#AC/#MC -> SIGBUS, #GP and the rest -> SIGSEGV (SI_KERNEL, address 0).
 */
void sig_from_exception(unsigned vec, uint64_t error_code, uint64_t rip,
			struct sig_fault *out);

/*
 * Deliver fault `f` to the handler of the current program: build the frame
 * on the user stack (or the alternate stack) and point *regs at the handler.
 * Returns 0, or -EFAULT/-EINVAL when the program must die instead (no
 * handler, signal blocked or ignored, no SA_RESTORER, unwritable stack).
 */
int sig_deliver(struct sig_state *s, struct uregs *regs, const struct sig_fault *f);

/* rt_sigreturn: restore *regs from the frame at regs->rsp - 8. 0 or -EFAULT. */
int sig_return(struct sig_state *s, struct uregs *regs);

/*
 * Mark `sig` (1..64) pending with siginfo `info`, as Linux's
 * __send_signal_locked: a standard signal already pending is dropped (0);
 * a real-time one is queued once more. `limit` bounds the instances
 * (RLIMIT_SIGPENDING): a standard signal sent with si_code >= 0 (kill, the
 * kernel) passes it; past it, or when no memory is left, a real-time signal
 * sent with an si_code other than SI_USER and SI_KERNEL (sigqueue) is
 * refused with -EAGAIN, any other is made pending without its siginfo (the
 * taker sees SI_USER, pid and uid 0). SIGKILL is never counted. Whether the
 * signal is ignored is the sender's question (sig_ignored). 0 or -EAGAIN.
 */
int sig_post(struct sig_state *s, int sig, const struct sig_info *info, uint64_t limit);

/*
 * Take the lowest pending signal that is not blocked (SIGKILL and SIGSTOP
 * first), its siginfo in *info; 0 when none.
 */
int sig_take_pending(struct sig_state *s, struct sig_info *info);

/*
 * Take one instance of `sig` if pending (blocked or not), its siginfo in
 * *info (a real-time signal stays pending while more are queued). True
 * when it was.
 */
bool sig_take(struct sig_state *s, int sig, struct sig_info *info);

/* Take the lowest pending signal of `set` (blocked or not): its number, or 0 when none. */
int sig_take_set(struct sig_state *s, uint64_t set, struct sig_info *info);

/* Drop every pending instance of `sig` (SIG_IGN set while it was pending). */
void sig_discard(struct sig_state *s, int sig);

/*
 * The siginfo of signal `sig` as Linux's siginfo_t (128 bytes) into user
 * memory at `uaddr` (rt_sigtimedwait). 0 or -EFAULT.
 */
int sig_info_to_user(uint64_t uaddr, int sig, const struct sig_info *info);

/* The siginfo of raised signal *f (a fault's, or a sent one's) the same way. 0 or -EFAULT. */
int sig_fault_to_user(uint64_t uaddr, const struct sig_fault *f);

/*
 * A siginfo_t from user memory (rt_sigqueueinfo): si_code, si_pid, si_uid
 * and si_value as the sender wrote them. 0 or -EFAULT.
 */
int sig_info_from_user(uint64_t uaddr, struct sig_info *info);

/* True when a pending signal is not blocked: a sleep must end (SIGKILL always). */
bool sig_wakes(const struct sig_state *s);

/*
 * True when `sig` would be thrown away on arrival: SIG_IGN, or SIG_DFL that
 * ignores, and neither blocked nor waited for (real_blocked).
 */
bool sig_ignored(const struct sig_state *s, int sig);

/* What a signal's default action does (Linux's sig_kernel_* sets). */
enum sig_default {
	SIG_DEF_TERM,   /* end the process */
	SIG_DEF_CORE,   /* end it, "core dumped" in the wait status */
	SIG_DEF_STOP,   /* stop it */
	SIG_DEF_CONT,   /* continue it (then ignored) */
	SIG_DEF_IGNORE, /* nothing */
};

/* The default action of `sig`. */
enum sig_default sig_default_action(int sig);

/* exec: handlers back to SIG_DFL (SIG_IGN stays), no alternate stack; mask and pending stay. */
void sig_exec_reset(struct sig_state *s);


long sys_rt_sigaction(struct sig_state *s, int sig, uint64_t act, uint64_t oact,
		      uint64_t sigsetsize);
long sys_rt_sigprocmask(struct sig_state *s, int how, uint64_t set,
			uint64_t oset, uint64_t sigsetsize);
long sys_sigaltstack(struct sig_state *s, uint64_t ss, uint64_t old_ss,
		     uint64_t user_rsp);

#endif
