/*
 * ptrace(2): Linux 6.12's kernel/ptrace.c for PTRACE_TRACEME, ATTACH,
 * SEIZE, DETACH, CONT, KILL, PEEKTEXT/PEEKDATA, POKETEXT/POKEDATA and
 * GETREGS, with the stops of traced processes and what a tracer's exit
 * does. See include/kernel/ptrace.h; the wait side is in sys_proc.c.
 */
#include "kernel/ptrace.h"
#include "kernel/proc.h"
#include "kernel/sched.h"
#include "kernel/usercopy.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/access.h"
#include "mm/aspace.h"
#include "proc_internal.h"

#define PTRACE_TRACEME 0
#define PTRACE_PEEKTEXT 1
#define PTRACE_PEEKDATA 2
#define PTRACE_POKETEXT 4
#define PTRACE_POKEDATA 5
#define PTRACE_CONT 7
#define PTRACE_KILL 8
#define PTRACE_GETREGS 12
#define PTRACE_SETREGS 13
#define PTRACE_SETOPTIONS 0x4200
#define PTRACE_GETSIGINFO 0x4202
#define PTRACE_ATTACH 16
#define PTRACE_DETACH 17
#define PTRACE_SEIZE 0x4206
#define PTRACE_INTERRUPT 0x4207

#define PTRACE_O_TRACESYSGOOD 0x1
#define PTRACE_O_EXITKILL 0x100000
#define PTRACE_O_MASK 0x3000ffUL /* every option Linux knows */
#define PTRACE_EVENT_STOP 128

#define PTRACE_RFLAGS_USER 0x50dd5UL /* Linux's FLAG_MASK: CF PF AF ZF SF TF DF OF RF AC */

/* Linux's struct user_regs_struct (x86-64): pt_regs, then the bases and selectors. */
struct ptrace_user_regs {
	struct uregs regs;
	uint64_t fs_base, gs_base;
	uint64_t ds, es, fs, gs;
};
_Static_assert(sizeof(struct ptrace_user_regs) == 27 * 8, "user_regs_struct");

void ptrace_init(struct proc *p)
{
	memset(&p->pt, 0, sizeof(p->pt));
	list_init(&p->pt.tracees);
	list_init(&p->pt.link);
}

/* The user registers of stopped t: the frame its entry from ring 3 saved atop its kernel stack. */
static struct uregs *ptrace_regs(struct proc *t)
{
	return (struct uregs *)((uint8_t *)t->kstack + PROC_KSTACK_SIZE - sizeof(struct uregs));
}

bool ptrace_may_access(const struct proc *r, const struct proc *t)
{
	const struct proc_cred *c = &r->cred, *tc = &t->cred;

	if (r == t || cred_capable(c, CAP_SYS_PTRACE))
		return true;
	return !t->nondumpable && c->uid == tc->uid && c->uid == tc->euid && c->uid == tc->suid &&
	       c->gid == tc->gid && c->gid == tc->egid && c->gid == tc->sgid;
}

/* `t` is traced by `tracer` from now on (ptrace_link). */
static void ptrace_link(struct proc *t, struct proc *tracer, unsigned flags)
{
	t->pt.tracer = tracer;
	t->pt.flags = flags;
	list_add_tail(&tracer->pt.tracees, &t->pt.link);
}

/* `t` is traced no more (__ptrace_unlink); a stop it is in stays until ptrace_let_go. */
static void ptrace_unlink(struct proc *t)
{
	list_del(&t->pt.link);
	t->pt.tracer = NULL;
	t->pt.flags = 0;
}

/* A tracee held in a ptrace stop goes on (with the signal in t->pt.code). */
static void ptrace_let_go(struct proc *t)
{
	if (!t->pt.stopped)
		return;
	t->pt.stopped = false;
	sched_continue(t);
}

/*
 * Tell the tracer of `p` that it stopped (do_notify_parent_cldstop for the
 * ptracer): SIGCHLD with code `why` and status `status` unless the tracer
 * ignores SIGCHLD or set SA_NOCLDSTOP; its wait wakes either way.
 */
static void ptrace_notify(struct proc *p, int why, int status)
{
	struct proc *tr = p->pt.tracer;
	const struct k_sigaction *ka = &tr->sig.act[SIGCHLD - 1];
	struct sig_info info = { .code = why, .pid = p->pid, .uid = p->cred.uid,
				 .status = status };

	if (ka->handler != SIG_IGN && !(ka->flags & SA_NOCLDSTOP))
		proc_send(NULL, tr, SIGCHLD, &info);
	sched_wake_all(&tr->child_wq);
}

/* True when SIGKILL is pending for `p` (__fatal_signal_pending). */
static bool ptrace_killed(const struct proc *p)
{
	return (p->sig.pending & SIG_BIT(SIGKILL)) != 0;
}

void ptrace_stay_stopped(struct proc *p)
{
	while (p->pt.stopped && !ptrace_killed(p))
		sched_stop(p);
	p->pt.stopped = false;
	if (!p->pt.tracer && p->pt.job_stopped && !ptrace_killed(p))
		sched_stop(p); /* until SIGCONT (proc_continue clears job_stopped) */
}

int ptrace_stop(struct proc *p, int sig, int why)
{
	int code;

	if (why == CLD_STOPPED && (p->pt.flags & PTRACE_F_SEIZED))
		sig |= PTRACE_EVENT_STOP << 8; /* a seized tracee's group stop */
	p->pt.code = sig;
	p->pt.stopped = true;
	p->pt.job_stopped |= why == CLD_STOPPED;
	ptrace_notify(p, why, sig & 0x7f);
	ptrace_stay_stopped(p);
	code = p->pt.code;
	p->pt.code = 0;
	if (!uregs_canonical(ptrace_regs(p)->rip) || !uregs_canonical(ptrace_regs(p)->rsp))
		proc_kill(SIGSEGV, ptrace_regs(p)->rip, ptrace_regs(p)->rip); /* PTRACE_SETREGS' */
	return code;
}

/* The signal-delivery stop for *f (GETSIGINFO's until it ends); the signal to deliver. */
static int ptrace_signal_stop(struct proc *p, const struct sig_fault *f)
{
	int code;

	p->pt.stop_si = *f;
	if (f->info) {
		p->pt.stop_info = *f->info;
		p->pt.stop_si.info = &p->pt.stop_info;
	}
	code = ptrace_stop(p, f->signo, CLD_TRAPPED);
	p->pt.stop_si.signo = 0;
	return code;
}

/*
 * After the stop for `sig`: the tracer handed `nsig`. As Linux's
 * ptrace_signal: *info rewritten as sent by the tracer when the signal
 * changed; a signal now blocked, or any while SIGKILL is pending, goes
 * back to pending. The signal to act on now (0: none).
 */
static int ptrace_signal_after(struct proc *p, int sig, int nsig, struct sig_info *info)
{
	struct proc *from = p->pt.tracer ? p->pt.tracer : p->parent;

	if (!nsig)
		return 0;
	if (nsig != sig) {
		memset(info, 0, sizeof(*info));
		info->code = SI_USER;
		info->pid = from ? from->pid : 0;
		info->uid = from ? from->cred.uid : 0;
	}
	if ((p->sig.blocked & SIG_BIT(nsig)) || ptrace_killed(p)) {
		sig_post(&p->sig, nsig, info, p->rlim[PROC_RLIM_SIGPENDING].cur);
		return 0;
	}
	return nsig;
}

int ptrace_signal(struct proc *p, int sig, struct sig_info *info)
{
	struct sig_fault f = { .signo = sig, .code = info->code, .info = info };

	return ptrace_signal_after(p, sig, ptrace_signal_stop(p, &f), info);
}

bool ptrace_sigcont(struct proc *t)
{
	bool held = t->pt.stopped && !t->pt.job_stopped;

	t->pt.job_stopped = false;
	return held;
}

int ptrace_fault(struct proc *p, const struct sig_fault *f, struct sig_info *info)
{
	struct k_sigaction *ka = &p->sig.act[f->signo - 1];
	int sig;

	if ((p->sig.blocked & SIG_BIT(f->signo)) || ka->handler == SIG_IGN) {
		ka->handler = SIG_DFL;
		p->sig.blocked &= ~SIG_BIT(f->signo);
	}
	sig = ptrace_signal_stop(p, f);
	memset(info, 0, sizeof(*info));
	info->code = f->code;
	return ptrace_signal_after(p, f->signo, sig, info);
}

bool ptrace_tracee_exited(struct proc *p)
{
	struct proc *tr = p->pt.tracer;

	if (!tr)
		return false;
	proc_tell_exit(p, tr, tr == p->parent ? p->exit_signal : SIGCHLD);
	return true;
}

void ptrace_tracer_exit(struct proc *p)
{
	struct sig_info kill = { .code = SI_KERNEL };
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &p->pt.tracees) {
		struct proc *t = list_entry(n, struct proc, pt.link);
		bool exitkill = t->pt.flags & PTRACE_F_EXITKILL;

		ptrace_unlink(t);
		if (t->state == PROC_ZOMBIE) {
			/* p's own: reparented next, unless p took no zombies; a leader whose
			 * threads live on is told about when the group ends */
			if (!proc_group_live(t, NULL))
				proc_zombie_to_parent(t);
			continue;
		}
		if (exitkill)
			proc_send(NULL, t, SIGKILL, &kill);
		ptrace_let_go(t);
	}
}

bool ptrace_reap(struct proc *c)
{
	bool other = c->parent != c->pt.tracer;

	ptrace_unlink(c);
	if (other)
		proc_zombie_to_parent(c);
	return other;
}

void ptrace_exec(struct proc *p)
{
	struct sig_info info = { .code = SI_USER, .pid = p->pid, .uid = p->cred.uid };

	if (p->pt.tracer && !(p->pt.flags & PTRACE_F_SEIZED))
		proc_send(NULL, p, SIGTRAP, &info);
}

void ptrace_release(struct proc *p)
{
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &p->pt.tracees)
		ptrace_unlink(list_entry(n, struct proc, pt.link));
	if (p->pt.tracer)
		ptrace_unlink(p);
}

/* ---------------------------------------------------------------- requests */

/* PTRACE_TRACEME: the parent traces the caller. EPERM when traced already (or no parent). */
static long ptrace_traceme(struct proc *p)
{
	if (p->pt.tracer || !p->parent)
		return -EPERM;
	ptrace_link(p, p->parent, 0);
	return 0;
}

/*
 * Options (PTRACE_SEIZE's data, PTRACE_SETOPTIONS) bootmm has: EXITKILL, and
 * TRACESYSGOOD, which changes only syscall stops (bootmm makes none).
 * Linux's event options (fork, exec, exit... stops) are not: EINVAL.
 */
static long ptrace_options(uint64_t data, unsigned *flags)
{
	if (data & ~(PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD))
		return -EINVAL;
	*flags = (*flags & ~PTRACE_F_EXITKILL) |
		 ((data & PTRACE_O_EXITKILL) ? PTRACE_F_EXITKILL : 0);
	return 0;
}

/* The PTRACE_SEIZE flags: EIO for an addr or an option Linux does not know, then ptrace_options. */
static long ptrace_seize_flags(uint64_t addr, uint64_t data, unsigned *flags)
{
	if (addr || (data & ~PTRACE_O_MASK))
		return -EIO;
	*flags = PTRACE_F_SEIZED;
	return ptrace_options(data, flags);
}

/* PTRACE_SETOPTIONS: EINVAL for an option Linux does not know, then ptrace_options. */
static long ptrace_setoptions(struct proc *t, uint64_t data)
{
	if (data & ~PTRACE_O_MASK)
		return -EINVAL;
	return ptrace_options(data, &t->pt.flags);
}

/* PTRACE_GETSIGINFO: the siginfo of t's signal-delivery stop at data. EINVAL (none), EFAULT. */
static long ptrace_getsiginfo(struct proc *t, uint64_t data)
{
	if (!t->pt.stop_si.signo)
		return -EINVAL;
	return sig_fault_to_user(data, &t->pt.stop_si);
}

/*
 * PTRACE_ATTACH and PTRACE_SEIZE of `t` by `p` (ptrace_attach): EIO (SEIZE's
 * addr or options), EINVAL (an event option), EPERM (itself, not allowed,
 * a zombie, traced already). ATTACH sends SIGSTOP; a `t` in a job-control
 * stop is in a ptrace stop at once, reported to the tracer's wait.
 */
static long ptrace_attach(struct proc *p, struct proc *t, long req, uint64_t addr, uint64_t data)
{
	struct sig_info info = { .code = SI_KERNEL };
	unsigned flags = 0;
	long err;

	if (req == PTRACE_SEIZE && (err = ptrace_seize_flags(addr, data, &flags)))
		return err;
	if (t == p || !ptrace_may_access(p, t) || t->state == PROC_ZOMBIE || t->pt.tracer)
		return -EPERM;
	ptrace_link(t, p, flags);
	if (req == PTRACE_ATTACH)
		proc_send(NULL, t, SIGSTOP, &info);
	if (t->state == PROC_STOPPED && !t->pt.stopped) {
		t->pt.stopped = true;
		t->pt.job_stopped = true;
		t->pt.code = t->stop_sig | ((flags & PTRACE_F_SEIZED) ? PTRACE_EVENT_STOP << 8 : 0);
		ptrace_notify(t, CLD_STOPPED, t->stop_sig);
	}
	return 0;
}

/*
 * ptrace_check_attach: `t` is traced by `p` and (unless any_state) in a
 * ptrace stop with no SIGKILL pending. 0 or -ESRCH.
 */
static long ptrace_check_attach(struct proc *p, struct proc *t, bool any_state)
{
	if (t->pt.tracer != p)
		return -ESRCH;
	if (any_state)
		return 0;
	if (!t->pt.stopped || t->state == PROC_ZOMBIE || ptrace_killed(t))
		return -ESRCH;
	return 0;
}

/* PEEKTEXT/PEEKDATA: the word at addr of t (FOLL_FORCE) stored at data. EIO, EFAULT. */
static long ptrace_peek(struct proc *t, uint64_t addr, uint64_t data)
{
	uint64_t word;

	if (!t->as || access_user(t->as, addr, &word, sizeof(word), ACCESS_FORCE) != AS_FAULT_OK)
		return -EIO;
	return copy_to_user(data, &word, sizeof(word)) ? -EFAULT : 0;
}

/* POKETEXT/POKEDATA: store the word `data` at addr of t (FOLL_FORCE). EIO. */
static long ptrace_poke(struct proc *t, uint64_t addr, uint64_t data)
{
	if (!t->as || access_user(t->as, addr, &data, sizeof(data),
				  ACCESS_FORCE | ACCESS_WRITE) != AS_FAULT_OK)
		return -EIO;
	return 0;
}

/* PTRACE_GETREGS: t's user registers as struct user_regs_struct at data. EFAULT. */
static long ptrace_getregs(struct proc *t, uint64_t data)
{
	struct ptrace_user_regs ur;

	memset(&ur, 0, sizeof(ur));
	ur.regs = *ptrace_regs(t);
	ur.fs_base = t->fs_base;
	ur.gs_base = t->gs_base;
	return copy_to_user(data, &ur, sizeof(ur)) ? -EFAULT : 0;
}

/*
 * PTRACE_SETREGS: t's user registers from the struct user_regs_struct at
 * data, as Linux's putreg checks them: EFAULT, EIO for a base at or past
 * the user half's top or a selector of another privilege. Flags outside
 * FLAG_MASK are kept. bootmm's differences: a code or stack selector other
 * than the one GETREGS reports, and a nonzero data selector (bootmm keeps
 * none), are EIO too. A RIP or RSP that is not canonical is taken; the
 * tracee dies of SIGSEGV when it resumes (ptrace_stop).
 */
static long ptrace_setregs(struct proc *t, uint64_t data)
{
	struct uregs *regs = ptrace_regs(t);
	struct ptrace_user_regs ur;

	if (copy_from_user(&ur, data, sizeof(ur)))
		return -EFAULT;
	if (ur.fs_base >= AS_TASK_SIZE || ur.gs_base >= AS_TASK_SIZE)
		return -EIO;
	if (ur.regs.cs != regs->cs || ur.regs.ss != regs->ss || ur.ds || ur.es || ur.fs || ur.gs)
		return -EIO;
	ur.regs.rflags = (regs->rflags & ~PTRACE_RFLAGS_USER) |
			 (ur.regs.rflags & PTRACE_RFLAGS_USER);
	*regs = ur.regs;
	t->fs_base = ur.fs_base;
	t->gs_base = ur.gs_base;
	return 0;
}

/* PTRACE_CONT (ptrace_resume): t goes on with signal `data` (0: none). EIO past signal 64. */
static long ptrace_cont(struct proc *t, uint64_t data)
{
	if (data > SIG_NSIG)
		return -EIO;
	t->pt.code = (int)data;
	ptrace_let_go(t);
	return 0;
}

/* PTRACE_DETACH: t is traced no more and goes on with signal `data`. EIO past signal 64. */
static long ptrace_detach(struct proc *t, uint64_t data)
{
	if (data > SIG_NSIG)
		return -EIO;
	ptrace_unlink(t);
	return ptrace_cont(t, data);
}

/* The requests on a tracee `t` of `p` that passed ptrace_check_attach. EIO for the rest. */
static long ptrace_request(struct proc *p, struct proc *t, long req, uint64_t addr,
			   uint64_t data)
{
	struct sig_info info = { .code = SI_USER, .pid = p->pid, .uid = p->cred.uid };

	switch (req) {
	case PTRACE_PEEKTEXT: case PTRACE_PEEKDATA: return ptrace_peek(t, addr, data);
	case PTRACE_POKETEXT: case PTRACE_POKEDATA: return ptrace_poke(t, addr, data);
	case PTRACE_CONT: return ptrace_cont(t, data);
	case PTRACE_DETACH: return ptrace_detach(t, data);
	case PTRACE_GETREGS: return ptrace_getregs(t, data);
	case PTRACE_SETREGS: return ptrace_setregs(t, data);
	case PTRACE_SETOPTIONS: return ptrace_setoptions(t, data);
	case PTRACE_GETSIGINFO: return ptrace_getsiginfo(t, data);
	case PTRACE_KILL:
		proc_send(NULL, t, SIGKILL, &info);
		return 0;
	default:
		return -EIO;
	}
}

long sys_ptrace(struct proc *p, struct uregs *r)
{
	long req = (long)r->rdi;
	struct proc *t;
	long err;

	if (req == PTRACE_TRACEME)
		return ptrace_traceme(p);
	t = proc_find((int32_t)r->rsi);
	if (!t)
		return -ESRCH;
	if (req == PTRACE_ATTACH || req == PTRACE_SEIZE)
		return ptrace_attach(p, t, req, r->rdx, r->r10);
	err = ptrace_check_attach(p, t, req == PTRACE_KILL || req == PTRACE_INTERRUPT);
	if (err)
		return err;
	return ptrace_request(p, t, req, r->rdx, r->r10);
}
