/*
 * Helpers for the process scenario programs (fork, wait, signals, pipes,
 * exec). On top of prog.h: a fork that flushes stdout first (so a child never
 * repeats the parent's buffered lines), a wait that retries after EINTR, the
 * names of the errnos and statuses these calls give, and a pipe used as a
 * one-byte go signal between parent and child. Outputs name relations
 * ("child pid != parent pid: yes"), never a pid or a time.
 */
#ifndef PROC_H
#define PROC_H

#include "prog.h"
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* The symbolic name of an errno value, the process calls' ones included. */
static inline const char *proc_errname(int e)
{
	switch (e) {
	case ECHILD: return "ECHILD";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case EPIPE: return "EPIPE";
	case ENOEXEC: return "ENOEXEC";
	case ENOENT: return "ENOENT";
	case E2BIG: return "E2BIG";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EIO: return "EIO";
	default: return prog_errname(e);
	}
}

/* Check that `call` (-1 and errno on error) ends with errno `want` (0: success). */
#define PROC_ERRNO(want, call)                                           \
	do {                                                             \
		errno = 0;                                               \
		long rc_ = (long)(call);                                 \
		int got_ = rc_ == -1 ? errno : 0;                        \
		printf("%s: %s\n", #call, proc_errname(got_));           \
		if (got_ != (want))                                      \
			prog_failed = 1;                                 \
	} while (0)

/* Check a condition under a label of its own: "label: yes" or "label: NO". */
#define REPORT(label, cond)                                              \
	do {                                                             \
		int ok_ = !!(cond);                                      \
		printf("%s: %s\n", (label), ok_ ? "yes" : "NO");        \
		if (!ok_)                                                \
			prog_failed = 1;                                 \
	} while (0)

/* fork() after flushing stdout; the child starts with an empty buffer. */
static inline pid_t proc_fork(void)
{
	fflush(stdout);
	fflush(stderr);
	return fork();
}

/* waitpid(pid, &status, flags), retried after EINTR; the status, or -1 when it fails. */
static inline int proc_wait(pid_t pid, int flags)
{
	int status = 0;
	pid_t r;

	do
		r = waitpid(pid, &status, flags);
	while (r == -1 && errno == EINTR);
	return r == pid || (pid <= 0 && r > 0) ? status : -1;
}

/* The exit status a child ended with: 0-255, 128 + signal when killed, -1 when none. */
static inline int proc_status(pid_t pid)
{
	int st = proc_wait(pid, 0);

	if (st == -1)
		return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

/* The child's end: flush what it printed and leave without running atexit handlers. */
static inline __attribute__((noreturn)) void proc_exit(int code)
{
	fflush(stdout);
	_exit(code);
}

/* Block until a byte comes on fd (0 when one came, -1 on EOF or error). */
static inline int proc_await(int fd)
{
	char c;
	ssize_t n;

	do
		n = read(fd, &c, 1);
	while (n == -1 && errno == EINTR);
	return n == 1 ? 0 : -1;
}

/*
 * Send one byte on fd (0 when written). A write that fails with ENOMEM or
 * EINTR is tried once more: under bootmm.failalloc one frame allocation
 * fails, and a lost go byte would leave its reader waiting for ever.
 */
static inline int proc_signal(int fd)
{
	if (write(fd, "g", 1) == 1)
		return 0;
	if (errno != ENOMEM && errno != EINTR)
		return -1;
	return write(fd, "g", 1) == 1 ? 0 : -1;
}

/*
 * sigsuspend with nothing blocked until *count reaches n (handlers count).
 * 0 when it did; -1 when sigsuspend fails otherwise than with EINTR, so a
 * kernel without it fails the check instead of hanging the program.
 */
static inline int proc_suspend_until(volatile sig_atomic_t *count, int n)
{
	sigset_t none;

	sigemptyset(&none);
	while (*count < n)
		if (sigsuspend(&none) != -1 || errno != EINTR)
			return -1;
	return 0;
}

/* The name of a signal number, for the ones these programs send. */
static inline const char *proc_signame(int sig)
{
	switch (sig) {
	case SIGKILL: return "SIGKILL";
	case SIGTERM: return "SIGTERM";
	case SIGSEGV: return "SIGSEGV";
	case SIGSTOP: return "SIGSTOP";
	case SIGCONT: return "SIGCONT";
	case SIGCHLD: return "SIGCHLD";
	case SIGUSR1: return "SIGUSR1";
	case SIGUSR2: return "SIGUSR2";
	case SIGTRAP: return "SIGTRAP";
	case SIGALRM: return "SIGALRM";
	case SIGPIPE: return "SIGPIPE";
	case SIGABRT: return "SIGABRT";
	case SIGINT: return "SIGINT";
	case SIGHUP: return "SIGHUP";
	default: return "SIG?";
	}
}

/* A wait status in words: "exited 3", "killed by SIGKILL", "stopped by SIGSTOP", "continued". */
static inline const char *proc_describe(int st)
{
	static char buf[64];

	if (WIFEXITED(st))
		snprintf(buf, sizeof(buf), "exited %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, sizeof(buf), "killed by %s%s", proc_signame(WTERMSIG(st)),
			 WCOREDUMP(st) ? " (core dumped)" : "");
	else if (WIFSTOPPED(st))
		snprintf(buf, sizeof(buf), "stopped by %s", proc_signame(WSTOPSIG(st)));
	else if (WIFCONTINUED(st))
		snprintf(buf, sizeof(buf), "continued");
	else
		snprintf(buf, sizeof(buf), "status 0x%x", st);
	return buf;
}

#endif
