/* fork returns 0 in the child and its pid in the parent; wait4/waitpid statuses for exit(3) and _exit(0); getpid/getppid/gettid; WNOHANG; ECHILD; waitid's siginfo. */
#include "proc.h"

/* The child's half of the id checks: one line each, then exit(3). */
static void child_ids(pid_t forked, pid_t parent)
{
	printf("child: fork returned 0: %s\n", forked == 0 ? "yes" : "NO");
	printf("child: getpid() != parent's pid: %s\n", getpid() != parent ? "yes" : "NO");
	printf("child: getppid() == parent's pid: %s\n", getppid() == parent ? "yes" : "NO");
	printf("child: gettid() == getpid(): %s\n",
	       syscall(SYS_gettid) == getpid() ? "yes" : "NO");
	fflush(stdout);
	exit(3);
}

/* fork's two returns, the ids on both sides, and the statuses of exit(3), _exit(0), _exit(255), _exit(263). */
static void ids_and_exit_status(void)
{
	pid_t parent = getpid(), pid;
	struct rusage ru;
	int st = 0;

	CHECK(syscall(SYS_gettid) == getpid());
	pid = proc_fork();
	if (pid == 0)
		child_ids(pid, parent);
	CHECK(pid > 0);
	CHECK(pid != parent);
	CHECK(wait4(pid, &st, 0, &ru) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	CHECK(!WIFSIGNALED(st) && !WIFSTOPPED(st));
	printf("status: %s\n", proc_describe(st));

	pid = proc_fork();
	if (pid == 0)
		_exit(0);
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(st == 0);
	pid = proc_fork();
	if (pid == 0)
		_exit(255);
	CHECK(waitpid(-1, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 255);
	pid = proc_fork();
	if (pid == 0)
		_exit(256 + 7);
	CHECK(waitpid(0, &st, 0) == pid);
	printf("_exit(263): %s\n", proc_describe(st));
	pid = proc_fork();
	if (pid == 0)
		_exit(1);
	CHECK(waitpid(pid, &st, __WALL) == pid && WEXITSTATUS(st) == 1);
}

/* WNOHANG on a running child returns 0; with no child left every wait is ECHILD; a bad flag EINVAL. */
static void wnohang_and_echild(void)
{
	int p[2] = { -1, -1 }, st = -1;
	pid_t pid;

	CHECK(pipe(p) == 0);
	pid = proc_fork();
	if (pid == 0) {
		close(p[1]);
		proc_await(p[0]);	/* EOF once the parent closes its end */
		_exit(5);
	}
	close(p[0]);
	CHECK(waitpid(pid, &st, WNOHANG) == 0);
	CHECK(waitpid(-1, &st, WNOHANG) == 0);
	close(p[1]);
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 5);
	PROC_ERRNO(ECHILD, waitpid(-1, &st, 0));
	PROC_ERRNO(ECHILD, waitpid(-1, &st, WNOHANG));
	PROC_ERRNO(ECHILD, waitpid(pid, &st, 0));
	PROC_ERRNO(ECHILD, wait4(getpid(), &st, 0, NULL));
	PROC_ERRNO(ECHILD, wait(&st));
	PROC_ERRNO(EINVAL, waitpid(-1, &st, 0x100));
}

/* waitid(P_PID) and (P_ALL): siginfo says SIGCHLD, CLD_EXITED, the status and the child's pid. */
static void waitid_fields(void)
{
	siginfo_t si;
	pid_t pid;
	int p[2] = { -1, -1 };

	pid = proc_fork();
	if (pid == 0)
		_exit(7);
	memset(&si, 0x5a, sizeof(si));
	CHECK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT) == 0);
	CHECK(si.si_pid == pid && si.si_status == 7 && si.si_code == CLD_EXITED);
	memset(&si, 0x5a, sizeof(si));
	CHECK(waitid(P_PID, pid, &si, WEXITED) == 0);
	CHECK(si.si_signo == SIGCHLD);
	CHECK(si.si_code == CLD_EXITED);
	CHECK(si.si_status == 7);
	CHECK(si.si_pid == pid);
	CHECK(si.si_uid == getuid());
	PROC_ERRNO(ECHILD, waitid(P_PID, pid, &si, WEXITED));

	CHECK(pipe(p) == 0);
	pid = proc_fork();
	if (pid == 0) {
		close(p[1]);
		proc_await(p[0]);
		_exit(9);
	}
	close(p[0]);
	memset(&si, 0x5a, sizeof(si));
	CHECK(waitid(P_ALL, 0, &si, WEXITED | WNOHANG) == 0);
	CHECK(si.si_pid == 0);
	close(p[1]);
	memset(&si, 0x5a, sizeof(si));
	CHECK(waitid(P_ALL, 0, &si, WEXITED) == 0);
	CHECK(si.si_signo == SIGCHLD && si.si_code == CLD_EXITED);
	CHECK(si.si_status == 9 && si.si_pid == pid);
	PROC_ERRNO(ECHILD, waitid(P_ALL, 0, &si, WEXITED));
	PROC_ERRNO(EINVAL, waitid(P_ALL, 0, &si, 0));
	PROC_ERRNO(EINVAL, waitid(P_PID, 0, &si, WEXITED));
}

/* Each part prints its checks; exit 0 when all held. */
int main(void)
{
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	ids_and_exit_status();
	wnohang_and_echild();
	waitid_fields();
	return prog_done();
}
