/*
 * Clocks, sleeps and futexes: clock_gettime, clock_getres, nanosleep,
 * clock_nanosleep, time, gettimeofday, futex. Sleeps really wait, halted
 * on the timer (sys_sleep_until). Results and errnos are Linux's.
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

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_LOCK_PI 6
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_WAIT_REQUEUE_PI 11
#define FUTEX_LOCK_PI2 13
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_CMD_MASK (~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

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

/*
 * A futex word's address as get_futex_key checks it: EINVAL when not
 * 4-byte aligned, EFAULT outside the user half; a shared (not private)
 * futex must also be mapped readable.
 */
static long sys_futex_key(uint64_t uaddr, int op)
{
	uint32_t v;

	if (uaddr % sizeof(uint32_t))
		return -EINVAL;
	if (!user_range_ok(uaddr, sizeof(uint32_t)))
		return -EFAULT;
	if (!(op & FUTEX_PRIVATE_FLAG) && copy_from_user(&v, uaddr, sizeof(v)))
		return -EFAULT;
	return 0;
}

/*
 * FUTEX_WAIT / FUTEX_WAIT_BITSET with no other thread: EAGAIN when *uaddr
 * != val, else sleep until the deadline (none: until the watchdog) and
 * return ETIMEDOUT.
 */
static long sys_futex_wait(struct proc *p, uint64_t uaddr, int op, uint32_t val,
			   uint32_t bitset, uint64_t deadline)
{
	uint32_t cur;
	long err;

	if (!bitset)
		return -EINVAL;
	err = sys_futex_key(uaddr, op);
	if (err)
		return err;
	if (copy_from_user(&cur, uaddr, sizeof(cur)))
		return -EFAULT;
	if (cur != val)
		return -EAGAIN;
	if (sys_sleep_until(p, deadline))
		return -ERESTARTSYS;
	return -ETIMEDOUT;
}

/*
 * The wait's deadline on CLOCK_MONOTONIC: FUTEX_WAIT's timeout is relative,
 * the others' absolute (CLOCK_REALTIME with FUTEX_CLOCK_REALTIME).
 * UINT64_MAX without a timeout. Returns 0, -EFAULT or -EINVAL.
 */
static long sys_futex_deadline(int cmd, int op, uint64_t utime, uint64_t *deadline)
{
	int64_t ns;
	long err;

	*deadline = UINT64_MAX;
	if (!utime)
		return 0;
	err = sys_get_timespec(utime, &ns);
	if (err)
		return err;
	if (cmd != FUTEX_WAIT) {
		int64_t now = (op & FUTEX_CLOCK_REALTIME) ? (int64_t)user_clock_real_ns()
							  : (int64_t)user_clock_mono_ns();
		ns = ns > now ? ns - now : 0;
	}
	*deadline = sys_deadline(ns);
	return 0;
}

/* FUTEX_REQUEUE / FUTEX_CMP_REQUEUE: nobody waits, nobody moves: 0 or EAGAIN. */
static long sys_futex_requeue(uint64_t uaddr, int op, int32_t nwake, int32_t nreq,
			      uint64_t uaddr2, const uint32_t *cmpval)
{
	uint32_t cur;
	long err;

	if (nwake < 0 || nreq < 0)
		return -EINVAL;
	err = sys_futex_key(uaddr, op);
	if (!err)
		err = sys_futex_key(uaddr2, op);
	if (err)
		return err;
	if (cmpval && copy_from_user(&cur, uaddr, sizeof(cur)))
		return -EFAULT;
	return cmpval && cur != *cmpval ? -EAGAIN : 0;
}

/* The FUTEX_WAKE_OP operation on *uaddr2 (it must be writable); wakes nobody. */
static long sys_futex_wake_op(uint64_t uaddr, int op, uint64_t uaddr2, uint32_t enc)
{
	unsigned fop = (enc >> 28) & 7, cmp = (enc >> 24) & 15;
	int32_t oparg = (int32_t)(enc << 8) >> 20;
	uint32_t old, val;
	long err = sys_futex_key(uaddr, op);

	if (!err)
		err = sys_futex_key(uaddr2, op);
	if (err)
		return err;
	if (enc & (8u << 28))
		oparg = (int32_t)(1u << (oparg & 31));
	if (fop > 4)
		return -ENOSYS;
	if (copy_from_user(&old, uaddr2, sizeof(old)))
		return -EFAULT;
	val = fop == 0 ? (uint32_t)oparg : fop == 1 ? old + (uint32_t)oparg :
	      fop == 2 ? old | (uint32_t)oparg : fop == 3 ? old & ~(uint32_t)oparg :
	      old ^ (uint32_t)oparg;
	if (copy_to_user(uaddr2, &val, sizeof(val)))
		return -EFAULT;
	return cmp > 5 ? -ENOSYS : 0; /* the comparison would pick waiters: none */
}

/*
 * futex(2) for a single-threaded process: WAIT/WAIT_BITSET (EAGAIN on a
 * changed value, ETIMEDOUT after sleeping), WAKE/WAKE_BITSET (0 woken),
 * REQUEUE/CMP_REQUEUE, WAKE_OP. The PI operations are not served (ENOSYS,
 * named as unimplemented); an unknown operation is ENOSYS, as Linux.
 */
long sys_futex(struct proc *p, struct uregs *r)
{
	int op = (int)r->rsi, cmd = op & FUTEX_CMD_MASK;
	uint64_t uaddr = r->rdi, utime = r->r10, uaddr2 = r->r8, deadline;
	uint32_t val = (uint32_t)r->rdx, val3 = (uint32_t)r->r9;
	long err;

	if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT_BITSET &&
	    cmd != FUTEX_WAIT_REQUEUE_PI && cmd != FUTEX_LOCK_PI2)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		err = sys_futex_deadline(cmd, op, utime, &deadline);
		if (err)
			return err;
		return sys_futex_wait(p, uaddr, op, val,
				      cmd == FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : val3, deadline);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		if (cmd == FUTEX_WAKE_BITSET && !val3)
			return -EINVAL;
		err = sys_futex_key(uaddr, op);
		return err ? err : 0;
	case FUTEX_REQUEUE:
		return sys_futex_requeue(uaddr, op, (int32_t)val, (int32_t)utime, uaddr2, NULL);
	case FUTEX_CMP_REQUEUE:
		return sys_futex_requeue(uaddr, op, (int32_t)val, (int32_t)utime, uaddr2, &val3);
	case FUTEX_WAKE_OP:
		return sys_futex_wake_op(uaddr, op, uaddr2, val3);
	case FUTEX_LOCK_PI: case 7: case 8: case FUTEX_WAIT_REQUEUE_PI: case 12:
	case FUTEX_LOCK_PI2:
		proc_unknown_syscall(p, SYS_futex);
		return -ENOSYS;
	default:
		return -ENOSYS;
	}
}
