/*
 * signal: signals for scenario programs, Linux x86-64 ABI.
 *
 * Handlers may be installed for any catchable signal. Signals arise from
 * faults (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP) or from the program
 * itself (kill/tkill/tgkill, e.g. abort()). A fault signal runs the
 * program's handler when one is installed (SA_RESTORER required, SA_SIGINFO,
 * SA_ONSTACK, SA_NODEFER, SA_RESETHAND honoured) and the signal is not
 * blocked; otherwise the program ends with 128 + signal. A self-sent signal
 * stays pending while blocked, then is ignored, handled or fatal as its
 * action says.
 * The handler gets a Linux struct rt_sigframe (return address = restorer,
 * ucontext with struct sigcontext, siginfo, and the fxsave image of the
 * x87/SSE state as fpstate), and rt_sigreturn restores the registers (user
 * selectors forced, IF on, IOPL 0) and the x87/SSE state (reset when the
 * frame's fpstate is NULL).
 */
#ifndef KERNEL_SIGNAL_H
#define KERNEL_SIGNAL_H

#include "lib/types.h"

#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGSEGV 11
#define SIGPIPE 13
#define SIGSTOP 19
#define SIG_NSIG 64

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
#define SI_TKILL (-6)
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
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

struct sig_state {
	struct k_sigaction act[SIG_NSIG]; /* act[sig - 1] */
	uint64_t blocked;
	uint64_t pending;        /* raised by kill/tkill/tgkill, not yet acted on */
	uint64_t pending_user;   /* those of them raised by kill (SI_USER, else SI_TKILL) */
	uint64_t ss_sp, ss_size; /* sigaltstack */
	uint32_t ss_flags;       /* SS_DISABLE or SS_AUTODISARM */
	bool restore_blocked;    /* ppoll/pselect6 mask in force: saved_blocked comes back */
	uint64_t saved_blocked;
};

/* A raised fault signal. */
struct sig_fault {
	int signo;
	int code;     /* si_code */
	uint64_t addr; /* si_addr */
	unsigned trapno;
	uint64_t error_code;
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

/* Default actions, nothing blocked, no alternate stack. */
void sig_init(struct sig_state *s);

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
 * kill/tkill/tgkill aimed at the program itself: mark `sig` pending (0 only
 * checks) with si_code `code` (SI_USER or SI_TKILL; a signal already pending
 * keeps its first code, as Linux drops the second). Returns 0 or -EINVAL.
 */
long sig_raise(struct sig_state *s, int sig, int code);

/*
 * Take the lowest pending signal that is not blocked, its si_code in *code;
 * 0 when none.
 */
int sig_take_pending(struct sig_state *s, int *code);

/*
 * True when the default action of `sig` is to ignore it (SIGCHLD, SIGCONT,
 * SIGURG, SIGWINCH; the stop signals too, as nothing can continue them).
 */
bool sig_default_ignored(int sig);

long sys_rt_sigaction(struct sig_state *s, int sig, uint64_t act, uint64_t oact,
		      uint64_t sigsetsize);
long sys_rt_sigprocmask(struct sig_state *s, int how, uint64_t set,
			uint64_t oset, uint64_t sigsetsize);
long sys_sigaltstack(struct sig_state *s, uint64_t ss, uint64_t old_ss,
		     uint64_t user_rsp);

#endif
