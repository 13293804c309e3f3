/*
 * Fault signals for scenario programs: rt_sigaction, rt_sigprocmask,
 * sigaltstack, frame building and rt_sigreturn with Linux x86-64 layouts.
 * See include/kernel/signal.h.
 */
#include "kernel/proc.h"
#include "kernel/signal.h"
#include "kernel/syscall.h"
#include "kernel/usercopy.h"
#include "arch/x86_64/gdt.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"

#define SIG_UNBLOCKABLE (SIG_BIT(SIGKILL) | SIG_BIT(SIGSTOP))

#define RFLAGS_FIXED 0x2ULL
#define RFLAGS_TF 0x100ULL
#define RFLAGS_IF 0x200ULL
#define RFLAGS_DF 0x400ULL
#define RFLAGS_IOPL 0x3000ULL
#define RFLAGS_RF 0x10000ULL
/* Flags a program may restore through rt_sigreturn (Linux FIX_EFLAGS). */
#define RFLAGS_USER_FIX 0x50dd5ULL

#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4
#define SIG_REDZONE 128

/* Linux struct sigcontext (x86-64). */
struct k_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip;
	uint64_t rflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;
	uint64_t reserved1[8];
};
_Static_assert(sizeof(struct k_sigcontext) == 256, "struct sigcontext");

/* Linux stack_t. */
struct k_stack {
	uint64_t ss_sp;
	int32_t ss_flags;
	int32_t pad;
	uint64_t ss_size;
};
_Static_assert(sizeof(struct k_stack) == 24, "stack_t");

struct k_ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct k_stack uc_stack;
	struct k_sigcontext uc_mcontext;
	uint64_t uc_sigmask;
};
_Static_assert(sizeof(struct k_ucontext) == 304, "struct ucontext");

struct k_siginfo {
	int32_t si_signo, si_errno, si_code, pad;
	union {
		uint64_t si_addr; /* faults */
		struct {
			uint64_t si_addr_pk;  /* si_addr again, for the layout */
			int16_t si_addr_lsb;
			int16_t pad_lsb[3];
			uint32_t si_pkey;     /* SEGV_PKUERR */
		};
		struct {
			int32_t si_pid;
			uint32_t si_uid;
			union {
				uint64_t si_value; /* kill, sigqueue */
				int32_t si_status; /* SIGCHLD */
			};
			uint64_t si_utime, si_stime; /* SIGCHLD */
		};
	};
	uint8_t rest[128 - 48];
};
_Static_assert(sizeof(struct k_siginfo) == 128, "siginfo_t");
_Static_assert(offsetof(struct k_siginfo, si_pkey) == 32, "si_pkey");

struct k_rt_sigframe {
	uint64_t pretcode;
	struct k_ucontext uc;
	struct k_siginfo info;
};

/* One queued instance of a real-time signal (sig_state.rtq). */
struct sig_queued {
	struct list_node link;
	int sig;
	struct sig_info info;
};

void sig_init(struct sig_state *s)
{
	memset(s, 0, sizeof(*s));
	list_init(&s->rtq);
	s->ss_flags = SS_DISABLE;
}

void sig_fork(struct sig_state *c, const struct sig_state *p)
{
	*c = *p;
	list_init(&c->rtq);
	c->pending = 0;
	c->queued = 0;
	c->counted = 0;
	c->real_blocked = 0;
	c->restore_blocked = false;
}

void sig_flush(struct sig_state *s)
{
	struct list_node *n, *tmp;

	if (!s->rtq.next) /* never set up (a process that failed to start) */
		return;
	list_for_each_safe(n, tmp, &s->rtq) {
		list_del(n);
		kfree(list_entry(n, struct sig_queued, link));
	}
	s->pending = 0;
	s->queued = 0;
	s->counted = 0;
}

/* Linux's mapping of a ring-3 exception to a signal (arch/x86/kernel/traps.c). */
void sig_from_exception(unsigned vec, uint64_t error_code, uint64_t rip,
			struct sig_fault *out)
{
	static const struct {
		int signo, code;
		bool addr_is_rip;
	} map[20] = {
		[0] = { SIGFPE, FPE_INTDIV, true },  [1] = { SIGTRAP, TRAP_TRACE, true },
		[3] = { SIGTRAP, SI_KERNEL, false }, [6] = { SIGILL, ILL_ILLOPN, true },
		[9] = { SIGFPE, SI_KERNEL, false },  [11] = { SIGBUS, SI_KERNEL, false },
		[12] = { SIGBUS, SI_KERNEL, false }, [16] = { SIGFPE, SI_KERNEL, true },
		[17] = { SIGBUS, BUS_ADRALN, false }, [18] = { SIGBUS, SI_KERNEL, false },
		[19] = { SIGFPE, FPE_FLTINV, true },
	};

	out->signo = SIGSEGV;
	out->code = SI_KERNEL;
	out->addr = 0;
	if (vec < ARRAY_SIZE(map) && map[vec].signo) {
		out->signo = map[vec].signo;
		out->code = map[vec].code;
		out->addr = map[vec].addr_is_rip ? rip : 0;
	}
	out->trapno = vec;
	out->error_code = error_code;
	out->info = NULL;
}

/* Linux sas_ss_flags: SS_DISABLE, SS_ONSTACK when sp is on the alternate stack, or 0. */
static int sig_ss_mode(const struct sig_state *s, uint64_t sp)
{
	if (s->ss_size == 0)
		return SS_DISABLE;
	if (s->ss_flags & SS_AUTODISARM)
		return 0;
	return (sp > s->ss_sp && sp - s->ss_sp <= s->ss_size) ? SS_ONSTACK : 0;
}

/* The registers as struct sigcontext. */
static void sig_save_regs(struct k_sigcontext *sc, const struct uregs *r)
{
	sc->r8 = r->r8, sc->r9 = r->r9, sc->r10 = r->r10, sc->r11 = r->r11;
	sc->r12 = r->r12, sc->r13 = r->r13, sc->r14 = r->r14, sc->r15 = r->r15;
	sc->rdi = r->rdi, sc->rsi = r->rsi, sc->rbp = r->rbp, sc->rbx = r->rbx;
	sc->rdx = r->rdx, sc->rax = r->rax, sc->rcx = r->rcx, sc->rsp = r->rsp;
	sc->rip = r->rip;
	sc->rflags = r->rflags;
	sc->cs = GDT_USER_CS;
	sc->ss = GDT_USER_DS;
}

/* The union part of the siginfo: the fault address, or the sender's fields. */
static void sig_fill_info(struct k_siginfo *si, const struct sig_fault *f)
{
	const struct sig_info *in = f->info;

	if (!in) {
		si->si_addr = f->addr;
		if (f->signo == SIGSEGV && f->code == SEGV_PKUERR)
			si->si_pkey = f->pkey;
		return;
	}
	si->si_pid = in->pid;
	si->si_uid = in->uid;
	if (f->signo == SIGCHLD && in->code > 0) {
		si->si_status = in->status;
		si->si_utime = in->utime;
		si->si_stime = in->stime;
	} else {
		si->si_value = in->value;
	}
}

/* Build the rt_sigframe for `f` in *fr, as the handler will see it. */
static void sig_build_frame(const struct sig_state *s, const struct uregs *r,
			    const struct k_sigaction *ka, const struct sig_fault *f,
			    struct k_rt_sigframe *fr)
{
	memset(fr, 0, sizeof(*fr));
	fr->pretcode = ka->restorer;
	fr->uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	fr->uc.uc_stack.ss_sp = s->ss_sp;
	fr->uc.uc_stack.ss_flags = sig_ss_mode(s, r->rsp) | (s->ss_flags & SS_AUTODISARM);
	fr->uc.uc_stack.ss_size = s->ss_size;
	sig_save_regs(&fr->uc.uc_mcontext, r);
	fr->uc.uc_mcontext.err = f->error_code;
	fr->uc.uc_mcontext.trapno = f->trapno;
	fr->uc.uc_mcontext.oldmask = s->restore_blocked ? s->saved_blocked : s->blocked;
	fr->uc.uc_mcontext.cr2 = f->trapno == 14 ? f->addr : 0;
	fr->uc.uc_sigmask = fr->uc.uc_mcontext.oldmask;
	fr->info.si_signo = f->signo;
	fr->info.si_code = f->code;
	sig_fill_info(&fr->info, f);
}

/* The program's x87/SSE state and PKRU, in and out of signal frames (user_sigframe_fpu_*). */
static uint8_t sig_fpu[USER_SIGFRAME_FPU_MAX] __attribute__((aligned(64)));

/*
 * Where the frame goes: below the red zone, or on the alternate stack; the
 * fpstate of `fpsize` bytes (64-byte aligned) above the frame, as Linux
 * lays it out.
 */
static uint64_t sig_frame_addr(struct sig_state *s, const struct uregs *r,
			       const struct k_sigaction *ka, size_t fpsize, uint64_t *fpstate)
{
	uint64_t sp = r->rsp - SIG_REDZONE;

	if ((ka->flags & SA_ONSTACK) && sig_ss_mode(s, sp) == 0)
		sp = s->ss_sp + s->ss_size;
	sp = ALIGN_DOWN(sp - fpsize, 64);
	*fpstate = sp;
	sp -= sizeof(struct k_rt_sigframe);
	return ALIGN_DOWN(sp, 16) - 8;
}

int sig_deliver(struct sig_state *s, struct uregs *regs, const struct sig_fault *f)
{
	struct k_sigaction *ka = &s->act[f->signo - 1];
	size_t fpsize = user_sigframe_fpu_size();
	uint32_t pkru = user_pkru_get();
	struct k_rt_sigframe fr;
	uint64_t at, fp;

	if (ka->handler == SIG_DFL || ka->handler == SIG_IGN ||
	    (s->blocked & SIG_BIT(f->signo)))
		return -EINVAL;
	if (!(ka->flags & SA_RESTORER))
		return -EFAULT;
	at = sig_frame_addr(s, regs, ka, fpsize, &fp);
	sig_build_frame(s, regs, ka, f, &fr);
	fr.uc.uc_mcontext.fpstate = fp;
	user_fpu_save(sig_fpu);
	user_sigframe_fpu_fill(sig_fpu, pkru);
	user_pkru_set(0); /* the frame may be on memory of any key (Linux's sig_prepare_pkru) */
	if (copy_to_user(at, &fr, sizeof(fr)) || copy_to_user(fp, sig_fpu, fpsize)) {
		user_pkru_set(pkru);
		return -EFAULT;
	}
	user_pkru_set(USER_PKRU_INIT); /* the handler's, as Linux's fpu__clear_user_states */
	if (s->ss_flags & SS_AUTODISARM) {
		s->ss_sp = s->ss_size = 0;
		s->ss_flags = SS_DISABLE;
	}
	regs->rdi = (uint64_t)f->signo;
	regs->rsi = at + offsetof(struct k_rt_sigframe, info);
	regs->rdx = at + offsetof(struct k_rt_sigframe, uc);
	regs->rax = 0;
	regs->rsp = at;
	regs->rip = ka->handler;
	regs->cs = GDT_USER_CS;
	regs->ss = GDT_USER_DS;
	regs->rflags &= ~(RFLAGS_DF | RFLAGS_RF | RFLAGS_TF);
	s->blocked |= ka->mask & ~SIG_UNBLOCKABLE;
	if (!(ka->flags & SA_NODEFER))
		s->blocked |= SIG_BIT(f->signo);
	if (ka->flags & SA_RESETHAND)
		ka->handler = SIG_DFL;
	s->restore_blocked = false; /* the frame carries the saved mask */
	return 0;
}

void sig_set_temp_mask(struct sig_state *s, uint64_t mask)
{
	s->saved_blocked = s->blocked;
	s->restore_blocked = true;
	s->blocked = mask & ~SIG_UNBLOCKABLE;
}

void sig_restore_mask(struct sig_state *s)
{
	if (!s->restore_blocked)
		return;
	s->blocked = s->saved_blocked;
	s->restore_blocked = false;
}

/* The sigaltstack change itself (Linux do_sigaltstack). */
static int sig_set_altstack(struct sig_state *s, const struct k_stack *ss,
			    uint64_t sp)
{
	uint32_t mode = (uint32_t)ss->ss_flags & ~SS_AUTODISARM;

	if (sig_ss_mode(s, sp) == SS_ONSTACK)
		return -EPERM;
	if (mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0)
		return -EINVAL;
	if (mode == SS_DISABLE) {
		s->ss_sp = s->ss_size = 0;
	} else {
		if (ss->ss_size < MINSIGSTKSZ)
			return -ENOMEM;
		s->ss_sp = ss->ss_sp;
		s->ss_size = ss->ss_size;
	}
	s->ss_flags = (uint32_t)ss->ss_flags;
	return 0;
}

/* Registers back from struct sigcontext, selectors and flags made safe. */
static void sig_restore_regs(struct uregs *r, const struct k_sigcontext *sc)
{
	r->r8 = sc->r8, r->r9 = sc->r9, r->r10 = sc->r10, r->r11 = sc->r11;
	r->r12 = sc->r12, r->r13 = sc->r13, r->r14 = sc->r14, r->r15 = sc->r15;
	r->rdi = sc->rdi, r->rsi = sc->rsi, r->rbp = sc->rbp, r->rbx = sc->rbx;
	r->rdx = sc->rdx, r->rax = sc->rax, r->rcx = sc->rcx, r->rsp = sc->rsp;
	r->rip = sc->rip;
	r->rflags = (r->rflags & ~RFLAGS_USER_FIX) | (sc->rflags & RFLAGS_USER_FIX);
	r->rflags = (r->rflags & ~RFLAGS_IOPL) | RFLAGS_IF | RFLAGS_FIXED;
	r->cs = GDT_USER_CS;
	r->ss = GDT_USER_DS;
	r->orig_rax = (uint64_t)-1;
}

/* Read a frame's fpstate at `at` into sig_fpu: the fxsave image, then the xstate it announces. */
static int sig_read_fpstate(uint64_t at, size_t *size)
{
	if (copy_from_user(sig_fpu, at, USER_FPU_SIZE))
		return -EFAULT;
	*size = user_sigframe_fpu_extent(sig_fpu);
	if (*size > USER_FPU_SIZE &&
	    copy_from_user(sig_fpu + USER_FPU_SIZE, at + USER_FPU_SIZE, *size - USER_FPU_SIZE))
		return -EFAULT;
	return 0;
}

int sig_return(struct sig_state *s, struct uregs *regs)
{
	struct k_ucontext uc;
	uint64_t sp = regs->rsp;
	size_t fpsize;
	int err;

	if (copy_from_user(&uc, sp - 8 + offsetof(struct k_rt_sigframe, uc),
			   sizeof(uc)))
		return -EFAULT;
	if (uc.uc_mcontext.fpstate) {
		err = sig_read_fpstate(uc.uc_mcontext.fpstate, &fpsize);
		if (err)
			return err;
		user_fpu_restore(sig_fpu);
		user_pkru_set(user_sigframe_pkru(sig_fpu, fpsize));
	} else {
		user_fpu_reset();
		user_pkru_set(USER_PKRU_INIT);
	}
	s->blocked = uc.uc_sigmask & ~SIG_UNBLOCKABLE;
	sig_restore_regs(regs, &uc.uc_mcontext);
	sig_set_altstack(s, &uc.uc_stack, sp);
	return 0;
}

/* Queue one more instance of real-time `sig` within `limit`; false when refused. */
static bool sig_queue_rt(struct sig_state *s, int sig, const struct sig_info *info,
			 uint64_t limit)
{
	struct sig_queued *q;

	if (s->queued >= limit)
		return false;
	q = kmalloc(sizeof(*q));
	if (!q)
		return false;
	q->sig = sig;
	q->info = *info;
	list_add_tail(&s->rtq, &q->link);
	s->queued++;
	return true;
}

/* The siginfo of an instance that could not be kept (Linux: "silent loss of information"). */
static const struct sig_info sig_lost_info = { .code = SI_USER };

int sig_post(struct sig_state *s, int sig, const struct sig_info *info, uint64_t limit)
{
	uint64_t bit = SIG_BIT(sig);

	if (sig < SIG_RTMIN) {
		if (s->pending & bit)
			return 0;
		s->pending |= bit;
		s->info[sig - 1] = sig_lost_info;
		if (sig != SIGKILL && (info->code >= 0 || s->queued < limit)) {
			s->info[sig - 1] = *info;
			s->counted |= bit;
			s->queued++;
		}
		return 0;
	}
	if (!sig_queue_rt(s, sig, info, limit)) {
		if (info->code != SI_USER && info->code != SI_KERNEL)
			return -EAGAIN;
	}
	s->pending |= bit;
	return 0;
}

int sig_take_pending(struct sig_state *s, struct sig_info *info)
{
	uint64_t ready = s->pending & ~(s->blocked & ~SIG_UNBLOCKABLE);
	int sig;

	if (!ready)
		return 0;
	if (ready & SIG_UNBLOCKABLE)
		ready &= SIG_UNBLOCKABLE;
	sig = __builtin_ctzll(ready) + 1;
	sig_take(s, sig, info);
	return sig;
}

/*
 * Take the first queued instance of real-time `sig` into *info (none
 * queued: the lost siginfo); the signal stays pending while another one is.
 */
static void sig_take_rt(struct sig_state *s, int sig, struct sig_info *info)
{
	struct list_node *n, *tmp;
	struct sig_queued *first = NULL;

	list_for_each_safe(n, tmp, &s->rtq) {
		struct sig_queued *q = list_entry(n, struct sig_queued, link);

		if (q->sig != sig)
			continue;
		if (first)
			goto out_take; /* another one stays queued */
		first = q;
	}
	s->pending &= ~SIG_BIT(sig);
	*info = sig_lost_info;
	if (!first)
		return;
out_take:
	*info = first->info;
	list_del(&first->link);
	kfree(first);
	s->queued--;
}

bool sig_take(struct sig_state *s, int sig, struct sig_info *info)
{
	uint64_t bit = SIG_BIT(sig);

	if (!(s->pending & bit))
		return false;
	if (sig >= SIG_RTMIN) {
		sig_take_rt(s, sig, info);
		return true;
	}
	s->pending &= ~bit;
	*info = s->info[sig - 1];
	if (s->counted & bit) {
		s->counted &= ~bit;
		s->queued--;
	}
	return true;
}

int sig_take_set(struct sig_state *s, uint64_t set, struct sig_info *info)
{
	uint64_t ready = s->pending & set;
	int sig;

	if (!ready)
		return 0;
	sig = __builtin_ctzll(ready) + 1;
	sig_take(s, sig, info);
	return sig;
}

void sig_discard(struct sig_state *s, int sig)
{
	struct sig_info drop;

	while (sig_take(s, sig, &drop))
		;
}

int sig_info_to_user(uint64_t uaddr, int sig, const struct sig_info *info)
{
	struct sig_fault f = { .signo = sig, .code = info->code, .info = info };

	return sig_fault_to_user(uaddr, &f);
}

int sig_fault_to_user(uint64_t uaddr, const struct sig_fault *f)
{
	struct k_siginfo si;

	memset(&si, 0, sizeof(si));
	si.si_signo = f->signo;
	si.si_code = f->code;
	sig_fill_info(&si, f);
	return copy_to_user(uaddr, &si, sizeof(si)) ? -EFAULT : 0;
}

int sig_info_from_user(uint64_t uaddr, struct sig_info *info)
{
	struct k_siginfo si;

	if (copy_from_user(&si, uaddr, sizeof(si)))
		return -EFAULT;
	memset(info, 0, sizeof(*info));
	info->code = si.si_code;
	info->pid = si.si_pid;
	info->uid = si.si_uid;
	info->value = si.si_value;
	return 0;
}

bool sig_wakes(const struct sig_state *s)
{
	return (s->pending & ~(s->blocked & ~SIG_UNBLOCKABLE)) != 0;
}

enum sig_default sig_default_action(int sig)
{
	switch (sig) {
	case 3: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE:
	case SIGSEGV: case 24: case 25: case 31:
		return SIG_DEF_CORE; /* QUIT ILL TRAP ABRT BUS FPE SEGV XCPU XFSZ SYS */
	case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
		return SIG_DEF_STOP;
	case SIGCONT:
		return SIG_DEF_CONT;
	case SIGCHLD: case 23: case 28:
		return SIG_DEF_IGNORE; /* CHLD URG WINCH */
	default:
		return SIG_DEF_TERM;
	}
}

bool sig_ignored(const struct sig_state *s, int sig)
{
	uint64_t h = s->act[sig - 1].handler;

	if ((s->blocked | s->real_blocked) & SIG_BIT(sig) & ~SIG_UNBLOCKABLE)
		return false;
	return h == SIG_IGN || (h == SIG_DFL && sig_default_action(sig) == SIG_DEF_IGNORE);
}

void sig_exec_reset(struct sig_state *s)
{
	for (int i = 0; i < SIG_NSIG; i++) {
		uint64_t h = s->act[i].handler;

		memset(&s->act[i], 0, sizeof(s->act[i]));
		s->act[i].handler = h == SIG_IGN ? SIG_IGN : SIG_DFL;
	}
	s->ss_sp = s->ss_size = 0;
	s->ss_flags = SS_DISABLE;
}

/* Linux's sig_handler_ignored: SIG_IGN, or SIG_DFL of CHLD, CONT, URG, WINCH. */
static bool sig_handler_ignores(uint64_t handler, int sig)
{
	enum sig_default d = sig_default_action(sig);

	return handler == SIG_IGN ||
	       (handler == SIG_DFL && (d == SIG_DEF_IGNORE || d == SIG_DEF_CONT));
}

long sys_rt_sigaction(struct sig_state *s, int sig, uint64_t act, uint64_t oact,
		      uint64_t sigsetsize)
{
	struct k_sigaction ka, old;

	if (sigsetsize != sizeof(uint64_t))
		return -EINVAL;
	if (act && copy_from_user(&ka, act, sizeof(ka)))
		return -EFAULT;
	if (sig < 1 || sig > SIG_NSIG)
		return -EINVAL;
	if (act && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	old = s->act[sig - 1];
	if (act) {
		ka.mask &= ~SIG_UNBLOCKABLE;
		s->act[sig - 1] = ka;
		if (sig_handler_ignores(ka.handler, sig))
			sig_discard(s, sig); /* POSIX: a pending ignored signal is discarded */
	}
	if (oact && copy_to_user(oact, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long sys_rt_sigprocmask(struct sig_state *s, int how, uint64_t set,
			uint64_t oset, uint64_t sigsetsize)
{
	uint64_t old = s->blocked, mask;

	if (sigsetsize != sizeof(uint64_t))
		return -EINVAL;
	if (set) {
		if (copy_from_user(&mask, set, sizeof(mask)))
			return -EFAULT;
		mask &= ~SIG_UNBLOCKABLE;
		if (how == SIG_BLOCK)
			s->blocked |= mask;
		else if (how == SIG_UNBLOCK)
			s->blocked &= ~mask;
		else if (how == SIG_SETMASK)
			s->blocked = mask;
		else
			return -EINVAL;
	}
	if (oset && copy_to_user(oset, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long sys_sigaltstack(struct sig_state *s, uint64_t ss, uint64_t old_ss,
		     uint64_t user_rsp)
{
	struct k_stack nss, oss;
	int err;

	memset(&oss, 0, sizeof(oss));
	oss.ss_sp = s->ss_sp;
	oss.ss_size = s->ss_size;
	oss.ss_flags = sig_ss_mode(s, user_rsp) | (int32_t)(s->ss_flags & SS_AUTODISARM);
	if (ss) {
		if (copy_from_user(&nss, ss, sizeof(nss)))
			return -EFAULT;
		err = sig_set_altstack(s, &nss, user_rsp);
		if (err)
			return err;
	}
	if (old_ss && copy_to_user(old_ss, &oss, sizeof(oss)))
		return -EFAULT;
	return 0;
}
