/*
 * Interval timers: alarm, setitimer, getitimer, and their firing from the
 * timer tick. See include/kernel/itimer.h.
 */
#include "arch/x86_64/cpu.h"
#include "kernel/itimer.h"
#include "kernel/proc.h"
#include "kernel/usercopy.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "proc_internal.h"
#include "sys.h"

#define SYS_getitimer 36
#define SYS_alarm 37
#define SYS_setitimer 38
#define ITIMER_NSEC_PER_USEC 1000

/* Processes whose ITIMER_REAL runs (itimer_link). */
static struct list_node itimer_armed = { &itimer_armed, &itimer_armed };

/* struct itimerval (__kernel_old_itimerval). */
struct itimer_val {
	struct sys_timeval interval, value;
};

/* True when p's ITIMER_REAL is armed. */
static bool itimer_real_armed(const struct proc *p)
{
	return p->itimer_link.next && !list_empty(&p->itimer_link);
}

/*
 * Stop p's ITIMER_REAL (its interval and last expiry stay). Interrupts are
 * off meanwhile: the tick walks the list (a tree freed by the harness may
 * come here with them on).
 */
static void itimer_real_stop(struct proc *p)
{
	bool irqs = irq_save();

	if (itimer_real_armed(p))
		list_del(&p->itimer_link);
	irq_restore(irqs);
}

/* Start p's ITIMER_REAL to expire at `at` (CLOCK_MONOTONIC ns); from syscalls, interrupts off. */
static void itimer_real_start(struct proc *p, uint64_t at)
{
	itimer_real_stop(p);
	p->itimer[ITIMER_REAL].expires = at;
	list_add_tail(&itimer_armed, &p->itimer_link);
}

/* Send timer signal `sig` as the kernel (SI_KERNEL: Linux's SEND_SIG_PRIV). */
static void itimer_signal(struct proc *p, int sig)
{
	struct sig_info info = { .code = SI_KERNEL };

	proc_send_group(NULL, p, sig, &info);
}

/* A CPU timer of `p` against its clock `now`: fire and re-arm when due (check_cpu_itimer). */
static void itimer_cpu_check(struct proc *p, int which, uint64_t now, int sig)
{
	struct proc_itimer *it = &p->itimer[which];

	if (!it->expires || now < it->expires)
		return;
	it->expires = it->incr ? it->expires + it->incr : 0;
	itimer_signal(p, sig);
}

/* The CPU clock of an ITIMER_VIRTUAL (user time) or ITIMER_PROF (user + system) timer. */
static uint64_t itimer_cpu_now(const struct proc *p, int which)
{
	return which == ITIMER_VIRTUAL ? p->utime_ns : p->utime_ns + p->sys_ns;
}

void proc_itimers_tick(struct proc *cur, uint64_t now_ns)
{
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &itimer_armed) {
		struct proc *p = list_entry(n, struct proc, itimer_link);

		if (p->itimer[ITIMER_REAL].expires > now_ns)
			continue;
		list_del(&p->itimer_link);
		itimer_signal(p, SIGALRM);
	}
	if (!cur)
		return;
	cur->utime_ns += ITIMER_TICK_NS;
	itimer_cpu_check(cur, ITIMER_VIRTUAL, itimer_cpu_now(cur, ITIMER_VIRTUAL), SIGVTALRM);
	itimer_cpu_check(cur, ITIMER_PROF, itimer_cpu_now(cur, ITIMER_PROF), SIGPROF);
}

void proc_itimer_taken(struct proc *p, int sig)
{
	struct proc_itimer *it;
	uint64_t now;

	p = p->leader;
	it = &p->itimer[ITIMER_REAL];
	if (sig != SIGALRM || !it->incr || itimer_real_armed(p))
		return;
	now = user_clock_mono_ns();
	if (it->expires <= now) /* hrtimer_forward: the first expiry after now */
		it->expires += it->incr * ((now - it->expires) / it->incr + 1);
	itimer_real_start(p, it->expires);
}

void proc_itimers_exit(struct proc *p)
{
	itimer_real_stop(p);
	for (int i = 0; i < 3; i++)
		p->itimer[i].expires = p->itimer[i].incr = 0;
}

void proc_itimers_move(struct proc *to, struct proc *from)
{
	bool armed = itimer_real_armed(from);

	proc_itimers_exit(to);
	memcpy(to->itimer, from->itimer, sizeof(to->itimer));
	itimer_real_stop(from);
	if (armed)
		itimer_real_start(to, to->itimer[ITIMER_REAL].expires);
	for (int i = 0; i < 3; i++)
		from->itimer[i].expires = from->itimer[i].incr = 0;
}

unsigned proc_itimers_armed(void)
{
	struct list_node *n, *tmp;
	unsigned count = 0;

	list_for_each_safe(n, tmp, &itimer_armed)
		count++;
	return count;
}

/* Nanoseconds as a struct timeval (microseconds truncated, as put_itimerval). */
static struct sys_timeval itimer_tv(uint64_t ns)
{
	return (struct sys_timeval){ (int64_t)(ns / SYS_NSEC_PER_SEC),
				     (int64_t)(ns % SYS_NSEC_PER_SEC / ITIMER_NSEC_PER_USEC) };
}

/* A valid struct timeval (timeval_valid) in nanoseconds (saturating), or -EINVAL. */
static int itimer_tv_ns(const struct sys_timeval *tv, uint64_t *ns)
{
	if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
		return -EINVAL;
	if (tv->tv_sec >= INT64_MAX / SYS_NSEC_PER_SEC)
		*ns = INT64_MAX;
	else
		*ns = (uint64_t)(tv->tv_sec * SYS_NSEC_PER_SEC +
				 tv->tv_usec * ITIMER_NSEC_PER_USEC);
	return 0;
}

/* The time left and interval of timer `which` of p, in ns (itimer_get_remtime, get_cpu_itimer). */
static void itimer_get(const struct proc *p, int which, uint64_t *value, uint64_t *incr)
{
	const struct proc_itimer *it = &p->itimer[which];
	uint64_t now;

	*incr = it->incr;
	*value = 0;
	if (which == ITIMER_REAL) {
		if (!itimer_real_armed(p))
			return;
		now = user_clock_mono_ns();
		*value = it->expires > now ? it->expires - now : ITIMER_NSEC_PER_USEC;
		return;
	}
	if (!it->expires)
		return;
	now = itimer_cpu_now(p, which);
	*value = it->expires > now ? it->expires - now : ITIMER_TICK_NS;
}

/* Set timer `which` of p to `value` ns from now (0: off) and interval `incr` (do_setitimer). */
static void itimer_set(struct proc *p, int which, uint64_t value, uint64_t incr)
{
	struct proc_itimer *it = &p->itimer[which];

	if (which == ITIMER_REAL) {
		itimer_real_stop(p);
		it->incr = value ? incr : 0;
		if (value)
			itimer_real_start(p, sys_deadline((int64_t)value));
		return;
	}
	it->incr = incr;
	it->expires = value ? itimer_cpu_now(p, which) + value + ITIMER_TICK_NS : 0;
}

/* Copy a struct itimerval out: 0 or -EFAULT. */
static long itimer_put(uint64_t uaddr, uint64_t value, uint64_t incr)
{
	struct itimer_val v = { itimer_tv(incr), itimer_tv(value) };

	return copy_to_user(uaddr, &v, sizeof(v)) ? -EFAULT : 0;
}

/* getitimer(2): EINVAL for an unknown timer (checked first), EFAULT. */
static long sys_getitimer(struct proc *p, int which, uint64_t uval)
{
	uint64_t value, incr;

	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	itimer_get(p, which, &value, &incr);
	return itimer_put(uval, value, incr);
}

/*
 * setitimer(2): the new value is read first (EFAULT, EINVAL for a timeval
 * out of range; NULL disarms, as Linux still allows), then the timer
 * (EINVAL), then the old value is written (EFAULT).
 */
static long sys_setitimer(struct proc *p, int which, uint64_t unew, uint64_t uold)
{
	struct itimer_val v = { { 0, 0 }, { 0, 0 } };
	uint64_t value, incr, ovalue, oincr;

	if (unew && copy_from_user(&v, unew, sizeof(v)))
		return -EFAULT;
	if (itimer_tv_ns(&v.value, &value) || itimer_tv_ns(&v.interval, &incr))
		return -EINVAL;
	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	itimer_get(p, which, &ovalue, &oincr);
	itimer_set(p, which, value, incr);
	return uold ? itimer_put(uold, ovalue, oincr) : 0;
}

/*
 * alarm(2): ITIMER_REAL to `seconds` (0: off), no interval. Returns the
 * seconds that were left, rounded to the nearest and never 0 for a timer
 * that still runs (alarm_setitimer).
 */
static long sys_alarm(struct proc *p, uint32_t seconds)
{
	uint64_t old, incr;

	itimer_get(p, ITIMER_REAL, &old, &incr);
	itimer_set(p, ITIMER_REAL, (uint64_t)seconds * SYS_NSEC_PER_SEC, 0);
	if ((old && old < SYS_NSEC_PER_SEC) || old % SYS_NSEC_PER_SEC >= SYS_NSEC_PER_SEC / 2)
		return (long)(old / SYS_NSEC_PER_SEC + 1);
	return (long)(old / SYS_NSEC_PER_SEC);
}

long sys_itimer_call(struct proc *p, uint64_t nr, struct uregs *r)
{
	p = p->leader; /* the timers are the process's: its group leader holds them */
	switch (nr) {
	case SYS_alarm: return sys_alarm(p, (uint32_t)r->rdi);
	case SYS_getitimer: return sys_getitimer(p, (int32_t)r->rdi, r->rsi);
	case SYS_setitimer: return sys_setitimer(p, (int32_t)r->rdi, r->rsi, r->rdx);
	default: return SYS_NOT_MINE;
	}
}
