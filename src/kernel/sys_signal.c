/*
 * Waiting for signals and sending them with a siginfo: pause,
 * rt_sigsuspend, rt_sigpending, rt_sigtimedwait, rt_sigqueueinfo,
 * rt_tgsigqueueinfo. Results and errnos are Linux's (kernel/signal.c).
 */
#include "kernel/itimer.h"
#include "kernel/sched.h"
#include "kernel/usercopy.h"
#include "lib/errno.h"
#include "proc_internal.h"
#include "sys.h"

#define SYS_pause 34
#define SYS_rt_sigpending 127
#define SYS_rt_sigtimedwait 128
#define SYS_rt_sigqueueinfo 129
#define SYS_rt_sigsuspend 130
#define SYS_rt_tgsigqueueinfo 297

#define SIG_SETSIZE sizeof(uint64_t)
#define SIG_STOPKILL (SIG_BIT(SIGKILL) | SIG_BIT(SIGSTOP))

/* Sleep until a signal the process does not block is pending. */
static void sys_sig_wait(struct proc *p)
{
	while (!proc_sig_wakes(p))
		sched_sleep(NULL, SCHED_FOREVER);
}

/*
 * pause(2): sleep until a signal is delivered. A handler that runs makes it
 * return EINTR; a signal with no handler (stopped and continued) restarts it.
 */
static long sys_pause(struct proc *p)
{
	sys_sig_wait(p);
	return -ERESTARTNOHAND;
}

/*
 * rt_sigsuspend(2): wait with `mask` blocked (SIGKILL and SIGSTOP never);
 * the handler runs under that mask and the old one comes back when it
 * returns (the frame saves it); EINTR. EINVAL unless sigsetsize is 8, EFAULT.
 */
static long sys_rt_sigsuspend(struct proc *p, uint64_t umask, uint64_t sigsetsize)
{
	uint64_t mask;

	if (sigsetsize != SIG_SETSIZE)
		return -EINVAL;
	if (copy_from_user(&mask, umask, sizeof(mask)))
		return -EFAULT;
	sig_set_temp_mask(&p->sig, mask);
	sys_sig_wait(p);
	return -ERESTARTNOHAND;
}

/*
 * rt_sigpending(2): the pending signals that are blocked, `sigsetsize`
 * bytes of them (EINVAL above 8, EFAULT).
 */
static long sys_rt_sigpending(struct proc *p, uint64_t uset, uint64_t sigsetsize)
{
	uint64_t set = (p->sig.pending | proc_shared_set(p)) & p->sig.blocked;

	if (sigsetsize > SIG_SETSIZE)
		return -EINVAL;
	return copy_to_user(uset, &set, sigsetsize) ? -EFAULT : 0;
}

/*
 * The wait of rt_sigtimedwait: signals of `set` are unblocked for it (and
 * never ignored: real_blocked), until one of them or another unblocked
 * signal is pending, or CLOCK_MONOTONIC reaches `deadline`. Returns the
 * signal of `set` taken, -EINTR, or -EAGAIN.
 */
static long sys_sig_timedwait(struct proc *p, uint64_t set, uint64_t deadline,
			      struct sig_info *info)
{
	struct sig_state *s = &p->sig;
	long err = 0;
	int sig;

	s->real_blocked = s->blocked;
	s->blocked &= ~set;
	while (!err && !proc_sig_wakes(p))
		err = sched_sleep(NULL, deadline);
	s->blocked = s->real_blocked;
	s->real_blocked = 0;
	sig = sig_take_set(s, set, info);
	if (!sig)
		sig = proc_take_shared(p, set, info);
	if (sig)
		return sig;
	return err == -ETIMEDOUT ? -EAGAIN : -EINTR;
}

/*
 * rt_sigtimedwait(2): take a pending signal of `set` (SIGKILL and SIGSTOP
 * never) without running its handler, its siginfo to uinfo when not NULL;
 * otherwise wait for one up to the relative timeout (NULL: forever).
 * Returns the signal; EAGAIN at the timeout, EINTR when another signal
 * interrupts; EINVAL for a sigsetsize other than 8 or a bad timespec;
 * EFAULT (the signal is taken all the same when uinfo faults).
 */
static long sys_rt_sigtimedwait(struct proc *p, struct uregs *r)
{
	uint64_t set, deadline = SCHED_FOREVER;
	struct sig_info info;
	int64_t ns;
	long sig;

	if (r->r10 != SIG_SETSIZE)
		return -EINVAL;
	if (copy_from_user(&set, r->rdi, sizeof(set)))
		return -EFAULT;
	if (r->rdx) {
		long err = sys_get_timespec(r->rdx, &ns);

		if (err)
			return err;
		deadline = sys_deadline(ns);
	}
	set &= ~SIG_STOPKILL;
	sig = sig_take_set(&p->sig, set, &info);
	if (!sig && deadline > user_clock_mono_ns())
		sig = sys_sig_timedwait(p, set, deadline, &info);
	else if (!sig)
		return -EAGAIN;
	if (sig < 0)
		return sig;
	proc_itimer_taken(p, (int)sig);
	if (r->rsi && sig_info_to_user(r->rsi, (int)sig, &info))
		return -EFAULT;
	return sig;
}

/*
 * The common part of rt_sigqueueinfo and rt_tgsigqueueinfo: Linux lets a
 * process pass for the kernel or for kill/tgkill (si_code >= 0 or SI_TKILL)
 * only towards itself (EPERM); then ESRCH, EINVAL (signal), EPERM
 * (credentials), EAGAIN (the target's queue is full).
 */
static long sys_sigqueue_to(struct proc *p, int pid, int sig, const struct sig_info *info)
{
	struct proc *t;

	if ((info->code >= 0 || info->code == SI_TKILL) && pid != p->pid) /* Linux: the tid */
		return -EPERM;
	t = pid > 0 ? proc_find(pid) : NULL;
	if (!t)
		return -ESRCH;
	return proc_send_group(p, t->leader, sig, info);
}

/* rt_sigqueueinfo(2): send `sig` to process `pid` with the caller's siginfo (EFAULT first). */
static long sys_rt_sigqueueinfo(struct proc *p, int pid, int sig, uint64_t uinfo)
{
	struct sig_info info;

	if (sig_info_from_user(uinfo, &info))
		return -EFAULT;
	return sys_sigqueue_to(p, pid, sig, &info);
}

/*
 * rt_tgsigqueueinfo(2): to thread `tid` of group `tgid` (ESRCH when it is
 * not one of it); EFAULT first, then EINVAL for ids <= 0, EPERM for a
 * siginfo passing for the kernel's or kill's towards another task.
 */
static long sys_rt_tgsigqueueinfo(struct proc *p, int tgid, int tid, int sig, uint64_t uinfo)
{
	struct sig_info info;
	struct proc *t;

	if (sig_info_from_user(uinfo, &info))
		return -EFAULT;
	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	if ((info.code >= 0 || info.code == SI_TKILL) && tid != p->pid)
		return -EPERM;
	t = proc_find(tid);
	if (!t || t->tgid != tgid)
		return -ESRCH;
	return proc_send(p, t, sig, &info);
}

long sys_signal_call(struct proc *p, uint64_t nr, struct uregs *r)
{
	switch (nr) {
	case SYS_pause: return sys_pause(p);
	case SYS_rt_sigsuspend: return sys_rt_sigsuspend(p, r->rdi, r->rsi);
	case SYS_rt_sigpending: return sys_rt_sigpending(p, r->rdi, r->rsi);
	case SYS_rt_sigtimedwait: return sys_rt_sigtimedwait(p, r);
	case SYS_rt_sigqueueinfo:
		return sys_rt_sigqueueinfo(p, (int32_t)r->rdi, (int32_t)r->rsi, r->rdx);
	case SYS_rt_tgsigqueueinfo:
		return sys_rt_tgsigqueueinfo(p, (int32_t)r->rdi, (int32_t)r->rsi,
					     (int32_t)r->rdx, r->r10);
	default: return SYS_NOT_MINE;
	}
}
