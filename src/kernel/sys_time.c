/*
 * Clocks and sleeps: clock_gettime, clock_getres, nanosleep,
 * clock_nanosleep, time, gettimeofday. Sleeps really wait, other processes
 * running meanwhile (sys_sleep_until). Results and errnos are Linux's.
 * futex is in futex.c.
 */
#include "kernel/proc.h"
#include "kernel/sched.h"
#include "kernel/usercopy.h"
#include "lib/errno.h"
#include "sys.h"

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define TIMER_ABSTIME 1


/*
 * Sleep until CLOCK_MONOTONIC reaches `deadline` (UINT64_MAX: never), other
 * processes running meanwhile. Returns 0 at the deadline, -EINTR when a
 * signal the process does not block arrived first.
 */
long sys_sleep_until(struct proc *p, uint64_t deadline)
{
	long err;

	do
		err = sched_sleep(NULL, deadline);
	while (err == 0);
	return err == -ETIMEDOUT ? 0 : err;
}

/* CPU time used so far: time since the start, less the time asleep. */
uint64_t sys_cpu_ns(const struct proc *p)
{
	return user_clock_mono_ns() - p->start_ns - p->idle_ns;
}

/* Nanoseconds on clock `clk`, or -EINVAL. */
int64_t sys_clock_ns(struct proc *p, int64_t clk)
{
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		return (int64_t)user_clock_real_ns();
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		return (int64_t)user_clock_mono_ns();
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		return (int64_t)sys_cpu_ns(p);
	default:
		return -EINVAL;
	}
}

void sys_put_ns(int64_t ns, struct sys_timespec *ts)
{
	ts->tv_sec = ns / SYS_NSEC_PER_SEC;
	ts->tv_nsec = ns % SYS_NSEC_PER_SEC;
}

long sys_clock_gettime(struct proc *p, int64_t clk, uint64_t tp)
{
	int64_t ns = sys_clock_ns(p, (int32_t)clk);
	struct sys_timespec ts;

	if (ns < 0)
		return ns;
	sys_put_ns(ns, &ts);
	return copy_to_user(tp, &ts, sizeof(ts));
}

long sys_clock_getres(struct proc *p, int64_t clk, uint64_t tp)
{
	struct sys_timespec ts = { 0, 1 };

	if (sys_clock_ns(p, (int32_t)clk) < 0)
		return -EINVAL;
	if (clk == CLOCK_REALTIME_COARSE || clk == CLOCK_MONOTONIC_COARSE)
		ts.tv_nsec = 1000000;
	return tp ? copy_to_user(tp, &ts, sizeof(ts)) : 0;
}

/*
 * Read a struct timespec from user `uts` into *ns (saturating at INT64_MAX).
 * Returns 0, -EFAULT, or -EINVAL when tv_sec < 0 or tv_nsec is outside
 * [0, 1e9) (timespec64_valid).
 */
int sys_get_timespec(uint64_t uts, int64_t *ns)
{
	struct sys_timespec ts;

	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= SYS_NSEC_PER_SEC)
		return -EINVAL;
	if (ts.tv_sec >= INT64_MAX / SYS_NSEC_PER_SEC)
		*ns = INT64_MAX;
	else
		*ns = ts.tv_sec * SYS_NSEC_PER_SEC + ts.tv_nsec;
	return 0;
}

/* CLOCK_MONOTONIC deadline rel_ns from now (<= 0: now), saturating. */
uint64_t sys_deadline(int64_t rel_ns)
{
	uint64_t now = user_clock_mono_ns();

	if (rel_ns <= 0)
		return now;
	return (uint64_t)rel_ns > UINT64_MAX - now ? UINT64_MAX : now + (uint64_t)rel_ns;
}

/*
 * The end of an interrupted sleep that was to last until `deadline`: the
 * time left into rem (when not 0), then EINTR when a handler runs (a
 * restart, when none does, sleeps the whole request again).
 */
static long sys_sleep_interrupted(uint64_t deadline, uint64_t rem)
{
	uint64_t now = user_clock_mono_ns();
	struct sys_timespec left;

	sys_put_ns(deadline > now ? (int64_t)(deadline - now) : 0, &left);
	if (rem && copy_to_user(rem, &left, sizeof(left)))
		return -EFAULT;
	return -ERESTARTNOHAND;
}

/* nanosleep(2): the whole time, or until a signal (EINTR, the time left in rem). */
long sys_nanosleep(struct proc *p, uint64_t req, uint64_t rem)
{
	int64_t ns;
	uint64_t deadline;
	int err = sys_get_timespec(req, &ns);

	if (err)
		return err;
	deadline = sys_deadline(ns);
	if (sys_sleep_until(p, deadline))
		return sys_sleep_interrupted(deadline, rem);
	return 0;
}

/*
 * clock_nanosleep(2): relative or TIMER_ABSTIME on CLOCK_REALTIME,
 * CLOCK_MONOTONIC, CLOCK_BOOTTIME or CLOCK_PROCESS_CPUTIME_ID (which does
 * not advance while the only thread sleeps: a wait for a later CPU time
 * lasts until the watchdog, as on Linux it lasts forever). EINVAL for
 * an unknown clock, the thread CPU clock or a bad timespec; EOPNOTSUPP for
 * clocks without sleep (MONOTONIC_RAW, the COARSE ones); EFAULT.
 */
long sys_clock_nanosleep(struct proc *p, int64_t clk, uint64_t flags, uint64_t req,
			 uint64_t rem)
{
	int64_t ns, now;
	int err;

	clk = (int32_t)clk;
	if (clk == CLOCK_MONOTONIC_RAW || clk == CLOCK_REALTIME_COARSE ||
	    clk == CLOCK_MONOTONIC_COARSE)
		return -EOPNOTSUPP;
	now = sys_clock_ns(p, clk);
	if (now < 0)
		return -EINVAL;
	err = sys_get_timespec(req, &ns);
	if (err)
		return err;
	if (clk == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;
	if ((uint32_t)flags & TIMER_ABSTIME)
		ns = ns > now ? ns - now : 0;
	if (clk == CLOCK_PROCESS_CPUTIME_ID && ns > 0) /* asleep, the clock stands still */
		return sys_sleep_until(p, UINT64_MAX) ? -ERESTARTNOHAND : 0;
	if (sys_sleep_until(p, sys_deadline(ns)))
		return ((uint32_t)flags & TIMER_ABSTIME) ? -ERESTARTNOHAND
							 : sys_sleep_interrupted(sys_deadline(ns), rem);
	return 0;
}

/* time(2): seconds since the epoch, also stored at tloc when not NULL. */
long sys_time(uint64_t tloc)
{
	int64_t s = (int64_t)(user_clock_real_ns() / SYS_NSEC_PER_SEC);

	if (tloc && copy_to_user(tloc, &s, sizeof(s)))
		return -EFAULT;
	return s;
}

/* gettimeofday(2): tv and tz (UTC, no DST: zeros) each optional; EFAULT. */
long sys_gettimeofday(uint64_t tv, uint64_t tz)
{
	uint64_t ns = user_clock_real_ns();
	struct sys_timeval t = { (int64_t)(ns / SYS_NSEC_PER_SEC),
				 (int64_t)(ns % SYS_NSEC_PER_SEC / 1000) };
	int32_t zone[2] = { 0, 0 };

	if (tv && copy_to_user(tv, &t, sizeof(t)))
		return -EFAULT;
	if (tz && copy_to_user(tz, zone, sizeof(zone)))
		return -EFAULT;
	return 0;
}
