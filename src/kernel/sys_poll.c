/*
 * poll, ppoll, select, pselect6 over the program's descriptors (each file's
 * ops say what is ready; the console at fds 0..2 as the runner sets it up
 * on the host: fd 0 reads /dev/null, always readable and writable, fds 1
 * and 2 are the write ends of pipes someone reads, writable; pipes and
 * sockets as fs says). A call with nothing ready sleeps on sys_poll_wq,
 * which every pipe and socket change wakes, and scans again, until an fd
 * is ready, the timeout or a signal. Results, write-backs and errnos are
 * Linux's.
 */
#include "fs/file.h"
#include "kernel/proc.h"
#include "kernel/sched.h"
#include "kernel/usercopy.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "sys.h"

#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLRDBAND 0x080
#define POLLWRNORM 0x100
#define POLLWRBAND 0x200
#define SYS_POLLIN_SET (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define SYS_POLLOUT_SET (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define SYS_POLLEX_SET POLLPRI
#define SYS_SELECT_MAX 1024 /* bits select looks at: FD_SETSIZE (n is clamped to the table) */
#define SYS_SELECT_WORDS (SYS_SELECT_MAX / 64)
#define SYS_RLIMIT_NOFILE 7
#define SYS_POLL_CHUNK 64

struct sys_pollfd {
	int32_t fd;
	int16_t events, revents;
};

/*
 * What the file behind descriptor `fd` reports to poll (-1 closed): its
 * ops' poll (the console: /dev/null always ready, the pipes room to
 * write), else DEFAULT_POLLMASK as Linux for files without one.
 */
static int sys_fd_mask(struct proc *p, int fd)
{
	struct file *f = sys_file(p, fd);

	if (!f)
		return -1;
	return f->ops->poll ? (int)f->ops->poll(f) : POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
}

/* do_pollfd: the revents of one entry. */
static int16_t sys_revents(struct proc *p, const struct sys_pollfd *pf)
{
	int mask;

	if (pf->fd < 0)
		return 0;
	mask = sys_fd_mask(p, pf->fd);
	if (mask < 0)
		return POLLNVAL;
	return (int16_t)(mask & ((uint16_t)pf->events | POLLERR | POLLHUP));
}

/*
 * One pass over the user's pollfd array: count the ready entries into
 * *count and, when `write` is set, store every revents. Returns 0 or -EFAULT.
 */
static long sys_poll_pass(struct proc *p, uint64_t ufds, uint64_t nfds, bool write,
			  long *count)
{
	struct sys_pollfd pf[SYS_POLL_CHUNK];

	*count = 0;
	for (uint64_t i = 0; i < nfds; i += SYS_POLL_CHUNK) {
		size_t n = MIN(nfds - i, SYS_POLL_CHUNK);
		uint64_t at = ufds + i * sizeof(pf[0]);

		if (copy_from_user(pf, at, n * sizeof(pf[0])))
			return -EFAULT;
		for (size_t k = 0; k < n; k++) {
			pf[k].revents = sys_revents(p, &pf[k]);
			*count += pf[k].revents != 0;
		}
		if (write && copy_to_user(at, pf, n * sizeof(pf[0])))
			return -EFAULT;
	}
	return 0;
}

/*
 * Wait for a pipe or socket to change (sys_poll_wq), the deadline or a
 * signal, after a scan found nothing ready. Returns 0 to scan again,
 * -ETIMEDOUT (deadline passed: scan a last time) or -ERESTARTNOHAND (a
 * signal: EINTR once a handler runs, a restart when none does).
 */
static long sys_poll_wait(struct proc *p, uint64_t deadline)
{
	long err = sched_sleep(&sys_poll_wq, deadline);

	if (err == -EINTR)
		return -ERESTARTNOHAND;
	return err == -ETIMEDOUT ? err : 0;
}

/*
 * do_sys_poll with a CLOCK_MONOTONIC deadline: EINVAL when nfds passes
 * RLIMIT_NOFILE; EINTR when nothing is ready and an unblocked signal is
 * pending; otherwise the number of ready entries, scanning again after
 * every pipe or socket change until one is ready or the deadline passes.
 */
static long sys_do_poll(struct proc *p, uint64_t ufds, uint64_t nfds, uint64_t deadline)
{
	long count, err;

	if (nfds > p->rlim[SYS_RLIMIT_NOFILE].cur)
		return -EINVAL;
	for (;;) {
		err = sys_poll_pass(p, ufds, nfds, false, &count);
		if (err)
			return err;
		if (count)
			break;
		err = sys_poll_wait(p, deadline);
		if (err == -ERESTARTNOHAND)
			return err;
		if (err)
			break;
	}
	err = sys_poll_pass(p, ufds, nfds, true, &count);
	return err ? err : count;
}

long sys_poll(struct proc *p, uint64_t ufds, uint64_t nfds, int64_t timeout_ms)
{
	int32_t ms = (int32_t)timeout_ms;
	uint64_t deadline = ms < 0 ? UINT64_MAX : sys_deadline((int64_t)ms * 1000000);

	return sys_do_poll(p, ufds, nfds, deadline);
}

/*
 * Read ppoll's or pselect6's timespec (NULL: no timeout) and signal mask
 * (NULL: keep the current one; else its size must be 8), and put the mask
 * in force for the call (sig_set_temp_mask). Returns 0, -EFAULT or -EINVAL;
 * *deadline and *ns (-1: no timeout) are set on success.
 */
static long sys_timed_args(struct proc *p, uint64_t tsp, uint64_t sigmask,
			   uint64_t sigsetsize, uint64_t *deadline, int64_t *ns)
{
	uint64_t mask;
	long err;

	*deadline = UINT64_MAX;
	*ns = -1;
	if (tsp) {
		err = sys_get_timespec(tsp, ns);
		if (err)
			return err;
		*deadline = sys_deadline(*ns);
	}
	if (!sigmask)
		return 0;
	if (sigsetsize != sizeof(uint64_t))
		return -EINVAL;
	if (copy_from_user(&mask, sigmask, sizeof(mask)))
		return -EFAULT;
	sig_set_temp_mask(&p->sig, mask);
	return 0;
}

/*
 * As Linux's restore_saved_sigmask_unless(ret == -ERESTARTNOHAND): after
 * an interruption the call's mask stays in force until the signal's
 * handler is set up (its frame saves the old mask); otherwise the old mask
 * comes back now.
 */
static long sys_timed_end(struct proc *p, long ret)
{
	if (ret != -ERESTARTNOHAND)
		sig_restore_mask(&p->sig);
	return ret;
}

/*
 * poll_select_finish: a non-zero timespec gets the time left written back
 * (a failed write is ignored, as Linux).
 */
static void sys_timespec_left(uint64_t tsp, int64_t ns, uint64_t deadline)
{
	uint64_t now = user_clock_mono_ns();
	struct sys_timespec left;

	if (!tsp || ns <= 0)
		return;
	sys_put_ns(deadline > now ? (int64_t)(deadline - now) : 0, &left);
	copy_to_user(tsp, &left, sizeof(left));
}

long sys_ppoll(struct proc *p, struct uregs *r)
{
	uint64_t deadline;
	int64_t ns;
	long ret = sys_timed_args(p, r->rdx, r->r10, r->r8, &deadline, &ns);

	if (ret)
		return ret;
	ret = sys_do_poll(p, r->rdi, r->rsi, deadline);
	sys_timespec_left(r->rdx, ns, deadline);
	return sys_timed_end(p, ret);
}

/* The three fd_sets of select (n <= SYS_SELECT_MAX bits each). */
struct sys_fdsets {
	uint64_t in[3][SYS_SELECT_WORDS];  /* read, write, except as given */
	uint64_t res[3][SYS_SELECT_WORDS]; /* as returned */
};

/* get_fd_set for all three (NULL: empty); -EFAULT. */
static long sys_fdsets_get(uint64_t u[3], int n, struct sys_fdsets *s)
{
	size_t bytes = (size_t)(n + 63) / 64 * 8;

	memset(s, 0, sizeof(*s));
	for (int i = 0; i < 3; i++)
		if (u[i] && bytes && copy_from_user(s->in[i], u[i], bytes))
			return -EFAULT;
	return 0;
}

/* do_select's scan: EBADF for a set bit on a closed fd, else the ready count. */
static long sys_select_scan(struct proc *p, int n, struct sys_fdsets *s)
{
	static const int sets[3] = { SYS_POLLIN_SET, SYS_POLLOUT_SET, SYS_POLLEX_SET };
	long count = 0;

	for (int fd = 0; fd < n; fd++) {
		uint64_t bit = 1ULL << (fd % 64);
		size_t w = (size_t)fd / 64;
		int mask = sys_fd_mask(p, fd);

		if (!((s->in[0][w] | s->in[1][w] | s->in[2][w]) & bit))
			continue;
		if (mask < 0)
			return -EBADF;
		for (int i = 0; i < 3; i++)
			if ((s->in[i][w] & bit) && (mask & sets[i])) {
				s->res[i][w] |= bit;
				count++;
			}
	}
	return count;
}

/* core_sys_select with a deadline: EINTR as sys_do_poll. */
static long sys_core_select(struct proc *p, int64_t n, uint64_t u[3], uint64_t deadline)
{
	struct sys_fdsets s;
	long count, err;
	size_t bytes;

	if ((int32_t)n < 0)
		return -EINVAL;
	/* Linux clamps n to the table's size (64, then 128, 256, ...: as fdt_grow) */
	n = MIN((int32_t)n, (int64_t)MAX(p->fdt->size, 64u));
	n = MIN(n, SYS_SELECT_MAX);
	count = sys_fdsets_get(u, (int)n, &s);
	if (count < 0)
		return count;
	for (;;) {
		memset(s.res, 0, sizeof(s.res));
		count = sys_select_scan(p, (int)n, &s);
		if (count)
			break;
		err = sys_poll_wait(p, deadline);
		if (err == -ERESTARTNOHAND)
			return err;
		if (err)
			break;
	}
	if (count < 0)
		return count;
	bytes = (size_t)(n + 63) / 64 * 8;
	for (int i = 0; i < 3; i++)
		if (u[i] && bytes && copy_to_user(u[i], s.res[i], bytes))
			return -EFAULT;
	return count;
}

/*
 * select(2): the timeval is normalised as Linux does (tv_usec may exceed a
 * second; a negative result is EINVAL) and the time left written back.
 */
long sys_select(struct proc *p, struct uregs *r)
{
	uint64_t u[3] = { r->rsi, r->rdx, r->r10 }, deadline = UINT64_MAX;
	struct sys_timeval tv;
	int64_t sec = 0, nsec = 0;
	long ret;

	if (r->r8) {
		if (copy_from_user(&tv, r->r8, sizeof(tv)))
			return -EFAULT;
		sec = tv.tv_sec + tv.tv_usec / 1000000;
		nsec = tv.tv_usec % 1000000 * 1000;
		if (sec < 0 || nsec < 0)
			return -EINVAL;
		deadline = sys_deadline(sec >= INT64_MAX / SYS_NSEC_PER_SEC ? INT64_MAX :
					sec * SYS_NSEC_PER_SEC + nsec);
	}
	ret = sys_core_select(p, (int64_t)r->rdi, u, deadline);
	if (r->r8 && (sec || nsec)) {
		uint64_t now = user_clock_mono_ns(), left = deadline > now ? deadline - now : 0;

		tv.tv_sec = (int64_t)(left / SYS_NSEC_PER_SEC);
		tv.tv_usec = (int64_t)(left % SYS_NSEC_PER_SEC / 1000);
		copy_to_user(r->r8, &tv, sizeof(tv));
	}
	return ret;
}

/* pselect6(2): the sixth argument points at { sigset pointer, its size }. */
long sys_pselect6(struct proc *p, struct uregs *r)
{
	uint64_t u[3] = { r->rsi, r->rdx, r->r10 }, pack[2] = { 0, 0 }, deadline;
	int64_t ns;
	long ret;

	if (r->r9 && copy_from_user(pack, r->r9, sizeof(pack)))
		return -EFAULT;
	ret = sys_timed_args(p, r->r8, pack[0], pack[1], &deadline, &ns);
	if (ret)
		return ret;
	ret = sys_core_select(p, (int64_t)r->rdi, u, deadline);
	sys_timespec_left(r->r8, ns, deadline);
	return sys_timed_end(p, ret);
}
