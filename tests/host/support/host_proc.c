/* Process operations against this host's kernel, in forked children. See host_proc.h. */
#define _GNU_SOURCE
#include "host_proc.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Read exactly n bytes (0) or fail (-1). */
static int host_read_all(int fd, void *buf, size_t n)
{
	char *p = buf;

	while (n) {
		ssize_t r = read(fd, p, n);

		if (r <= 0)
			return -1;
		p += r, n -= (size_t)r;
	}
	return 0;
}

/* Write exactly n bytes, or leave. */
static void host_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t r = write(fd, p, n);

		if (r <= 0)
			_exit(2);
		p += r, n -= (size_t)r;
	}
}

/* A raw syscall's result as the kernel returned it: value or -errno. */
static long host_raw(long nr, long a, long b, long c)
{
	long r = syscall(nr, a, b, c, 0L, 0L);

	return r == -1 ? -errno : r;
}

/* The calling process's capability sets: capget v3, PR_CAPBSET_READ, PR_CAP_AMBIENT. */
static void host_caps(struct host_cred_res *r)
{
	uint32_t hdr[2] = { 0x20080522, 0 }, d[6] = { 0 };

	syscall(SYS_capget, hdr, d);
	r->cap_eff = d[0] | (uint64_t)d[3] << 32;
	r->cap_prm = d[1] | (uint64_t)d[4] << 32;
	r->cap_inh = d[2] | (uint64_t)d[5] << 32;
	r->cap_bnd = r->cap_amb = 0;
	for (int cap = 0; cap < 64; cap++) {
		if (syscall(SYS_prctl, 23, cap, 0, 0, 0) == 1)
			r->cap_bnd |= 1ULL << cap;
		if (syscall(SYS_prctl, 47, 1, cap, 0, 0) == 1)
			r->cap_amb |= 1ULL << cap;
	}
	r->securebits = (uint32_t)syscall(SYS_prctl, 27, 0, 0, 0, 0);
}

/* capset with the low words of op, the upper ones as they are. */
static long host_capset(const struct host_cred_op *op)
{
	uint32_t hdr[2] = { 0x20080522, 0 }, d[6] = { 0 };

	syscall(SYS_capget, hdr, d);
	d[0] = op->a, d[1] = op->b, d[2] = op->c;
	return syscall(SYS_capset, hdr, d) == -1 ? -errno : 0;
}

/* Every id of the calling process, and its capabilities. */
static void host_ids(struct host_cred_res *r)
{
	uid_t u[3];
	gid_t g[3];

	getresuid(&u[0], &u[1], &u[2]);
	getresgid(&g[0], &g[1], &g[2]);
	r->uid = u[0], r->euid = u[1], r->suid = u[2];
	r->gid = g[0], r->egid = g[1], r->sgid = g[2];
	r->fsuid = (uint32_t)syscall(SYS_setfsuid, -1);
	r->fsgid = (uint32_t)syscall(SYS_setfsgid, -1);
	host_caps(r);
}

void host_cred_now(struct host_cred_res *res)
{
	res->ret = 0;
	host_ids(res);
}

int host_cred_run(const struct host_cred_op *ops, size_t n, struct host_cred_res *res)
{
	int fd[2], st;
	pid_t c;

	if (pipe(fd))
		return -1;
	c = fork();
	if (c == 0) {
		close(fd[0]);
		for (size_t i = 0; i < n; i++) {
			struct host_cred_res r;

			if (ops[i].nr == HOST_NR_CAPSET)
				r.ret = host_capset(&ops[i]);
			else if (ops[i].nr == HOST_NR_PRCTL)
				r.ret = host_raw(ops[i].nr, ops[i].a, ops[i].b, ops[i].c);
			else
				r.ret = host_raw(ops[i].nr, (int32_t)ops[i].a, (int32_t)ops[i].b,
						 (int32_t)ops[i].c);
			host_ids(&r);
			host_write_all(fd[1], &r, sizeof(r));
		}
		_exit(0);
	}
	close(fd[1]);
	st = c < 0 || host_read_all(fd[0], res, n * sizeof(*res)) ? -1 : 0;
	close(fd[0]);
	if (c > 0)
		waitpid(c, NULL, 0);
	return st;
}

/* A target: its own session if asked, its uids, then it tells the parent and waits to be killed. */
static pid_t host_kill_target(const struct host_kill_who *w)
{
	int fd[2];
	char ok;
	pid_t c;

	if (pipe(fd))
		return -1;
	c = fork();
	if (c == 0) {
		close(fd[0]);
		if (w->own_session && setsid() < 0)
			_exit(1);
		if (syscall(SYS_setresuid, w->uid, w->euid, w->suid))
			_exit(1);
		host_write_all(fd[1], "k", 1);
		for (;;)
			pause();
	}
	close(fd[1]);
	if (c > 0 && host_read_all(fd[0], &ok, 1)) {
		waitpid(c, NULL, 0);
		c = -1;
	}
	close(fd[0]);
	return c;
}

/* A sender with w's uids: kill(pids[t], sigs[k]) for all t, k, results to fd. */
static void host_kill_sender(const struct host_kill_who *w, const pid_t *pids, size_t nt,
			     const int *sigs, size_t nk, int fd)
{
	if (syscall(SYS_setresuid, w->uid, w->euid, w->suid))
		_exit(1);
	for (size_t t = 0; t < nt; t++)
		for (size_t k = 0; k < nk; k++) {
			long r = host_raw(SYS_kill, pids[t], sigs[k], 0);

			host_write_all(fd, &r, sizeof(r));
		}
	_exit(0);
}

/* Run every sender against the live targets; 0 or -1. */
static int host_kill_senders(const struct host_kill_who *senders, size_t ns, const pid_t *pids,
			     size_t nt, const int *sigs, size_t nk, long *out)
{
	for (size_t s = 0; s < ns; s++) {
		int fd[2], err;
		pid_t c;

		if (pipe(fd))
			return -1;
		c = fork();
		if (c == 0) {
			close(fd[0]);
			host_kill_sender(&senders[s], pids, nt, sigs, nk, fd[1]);
		}
		close(fd[1]);
		err = c < 0 || host_read_all(fd[0], out + s * nt * nk, nt * nk * sizeof(long));
		close(fd[0]);
		if (c > 0)
			waitpid(c, NULL, 0);
		if (err)
			return -1;
	}
	return 0;
}

int host_kill_run(const struct host_kill_who *senders, size_t ns,
		  const struct host_kill_who *targets, size_t nt, const int *sigs, size_t nk,
		  long *out)
{
	pid_t *pids = calloc(nt, sizeof(*pids));
	size_t started = 0;
	int err = -1;

	for (size_t k = 0; k < nk; k++)
		if (sigs[k] != 0 && sigs[k] != SIGCONT)
			goto out_free;
	for (; pids && started < nt; started++)
		if ((pids[started] = host_kill_target(&targets[started])) < 0)
			goto out_kill;
	if (pids)
		err = host_kill_senders(senders, ns, pids, nt, sigs, nk, out);
out_kill:
	for (size_t t = 0; t < started; t++) {
		kill(pids[t], SIGKILL);
		waitpid(pids[t], NULL, 0);
	}
out_free:
	free(pids);
	return err;
}

void host_siginfo_layout(size_t *pid, size_t *uid, size_t *status, size_t *size)
{
	*pid = offsetof(siginfo_t, si_pid);
	*uid = offsetof(siginfo_t, si_uid);
	*status = offsetof(siginfo_t, si_status);
	*size = sizeof(siginfo_t);
}
