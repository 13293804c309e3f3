/* Children ended by signals as wait4/waitid report them, SIGCHLD with siginfo, SIG_IGN and SA_NOCLDWAIT auto-reaping, SIGSTOP/SIGCONT, kill(pid, 0), kill to a process group. kill(-1) is left out: on the host it would hit every process the caller may signal. */
#include "proc.h"

/* A child that waits in pause() until a signal ends it. */
static pid_t sleeper(void)
{
	pid_t pid = proc_fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

/* A sleeping child killed by sig: WIFSIGNALED with WTERMSIG sig. */
static void killed_by(int sig)
{
	pid_t pid = sleeper();
	char what[64];
	int st = 0;

	CHECK(pid > 0);
	CHECK(kill(pid, sig) == 0);
	CHECK(waitpid(pid, &st, 0) == pid);
	snprintf(what, sizeof(what), "WIFSIGNALED, WTERMSIG %s", proc_signame(sig));
	REPORT(what, WIFSIGNALED(st) && WTERMSIG(st) == sig);
	REPORT("not WIFEXITED", !WIFEXITED(st));
	printf("status: %s\n", proc_describe(st));
}

/*
 * Core-dumping signals with RLIMIT_CORE 0 (set in main, so the host's core
 * settings do not matter): no core file, so WCOREDUMP is clear and waitid
 * says CLD_KILLED, as Linux does when it writes no core.
 */
static void segv_no_core(void)
{
	siginfo_t si;
	pid_t pid;
	int st = 0;

	pid = proc_fork();
	if (pid == 0)
		*(volatile int *)0 = 1;
	CHECK(waitpid(pid, &st, 0) == pid);
	REPORT("NULL write: WIFSIGNALED, WTERMSIG SIGSEGV", WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	REPORT("WCOREDUMP clear under RLIMIT_CORE 0", !WCOREDUMP(st));

	pid = proc_fork();
	if (pid == 0)
		abort();
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PID, pid, &si, WEXITED) == 0);
	REPORT("abort: waitid si_code CLD_KILLED", si.si_code == CLD_KILLED);
	REPORT("si_status SIGABRT, si_pid the child", si.si_status == SIGABRT && si.si_pid == pid);
}

static volatile sig_atomic_t chld_count, chld_code, chld_status, chld_signo;
static volatile pid_t chld_pid;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	chld_signo = si->si_signo;
	chld_code = si->si_code;
	chld_status = si->si_status;
	chld_pid = si->si_pid;
	chld_count++;
}

/* SIGCHLD through an SA_SIGINFO handler: si_pid, si_status and si_code of the child that exited. */
static void sigchld_siginfo(void)
{
	struct sigaction sa;
	sigset_t block, old;
	pid_t pid;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	pid = proc_fork();
	if (pid == 0)
		_exit(4);
	proc_suspend_until(&chld_count, 1);
	REPORT("handler ran once", chld_count == 1);
	REPORT("si_signo SIGCHLD, si_code CLD_EXITED", chld_signo == SIGCHLD && chld_code == CLD_EXITED);
	REPORT("si_status 4, si_pid the child", chld_status == 4 && chld_pid == pid);
	CHECK(proc_status(pid) == 4);

	chld_count = 0;
	pid = sleeper();
	kill(pid, SIGKILL);
	proc_suspend_until(&chld_count, 1);
	REPORT("killed child: si_code CLD_KILLED, si_status SIGKILL",
	       chld_code == CLD_KILLED && chld_status == SIGKILL && chld_pid == pid);
	CHECK(proc_status(pid) == 128 + SIGKILL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGCHLD, SIG_DFL);
}

/* SIG_IGN on SIGCHLD and SA_NOCLDWAIT: children leave no zombie, wait blocks until they end, then ECHILD. */
static void auto_reap(void)
{
	struct sigaction sa;
	pid_t pid;
	int st;

	CHECK(signal(SIGCHLD, SIG_IGN) != SIG_ERR);
	pid = proc_fork();
	if (pid == 0)
		_exit(1);
	PROC_ERRNO(ECHILD, waitpid(pid, &st, 0));
	PROC_ERRNO(ESRCH, kill(pid, 0));
	signal(SIGCHLD, SIG_DFL);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sa.sa_flags = SA_NOCLDWAIT;
	CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);
	pid = proc_fork();
	if (pid == 0)
		_exit(1);
	PROC_ERRNO(ECHILD, wait(&st));
	sa.sa_flags = 0;
	CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);
	pid = proc_fork();
	if (pid == 0)
		_exit(6);
	REPORT("SIG_DFL again: the child waits as a zombie", proc_status(pid) == 6);
}

/* SIGSTOP and SIGCONT: WUNTRACED and WCONTINUED through waitpid and waitid. */
static void stop_continue(void)
{
	pid_t pid = sleeper();
	siginfo_t si;
	int st = 0;

	CHECK(kill(pid, SIGSTOP) == 0);
	CHECK(waitpid(pid, &st, WUNTRACED) == pid);
	REPORT("WIFSTOPPED, WSTOPSIG SIGSTOP", WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	CHECK(waitpid(pid, &st, WNOHANG | WUNTRACED) == 0);	/* reported once */
	CHECK(kill(pid, SIGCONT) == 0);
	CHECK(waitpid(pid, &st, WCONTINUED) == pid);
	REPORT("WIFCONTINUED", WIFCONTINUED(st));
	CHECK(kill(pid, SIGSTOP) == 0);
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PID, pid, &si, WSTOPPED) == 0);
	REPORT("waitid: CLD_STOPPED, si_status SIGSTOP", si.si_code == CLD_STOPPED && si.si_status == SIGSTOP);
	CHECK(kill(pid, SIGCONT) == 0);
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PID, pid, &si, WCONTINUED) == 0);
	REPORT("waitid: CLD_CONTINUED, si_status SIGCONT",
	       si.si_code == CLD_CONTINUED && si.si_status == SIGCONT);
	CHECK(kill(pid, SIGKILL) == 0);
	CHECK(proc_status(pid) == 128 + SIGKILL);
}

/* kill(pid, 0): 0 for a live child and for a zombie, ESRCH once reaped. */
static void kill_zero(void)
{
	pid_t pid = sleeper();
	siginfo_t si;

	PROC_ERRNO(0, kill(pid, 0));
	kill(pid, SIGTERM);
	CHECK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT) == 0);
	PROC_ERRNO(0, kill(pid, 0));	/* a zombie still exists */
	CHECK(proc_status(pid) == 128 + SIGTERM);
	PROC_ERRNO(ESRCH, kill(pid, 0));
	PROC_ERRNO(EINVAL, kill(getpid(), -1));
}

/* kill(-pgid) ends the three members of a group and not the caller. */
static void group_kill(void)
{
	pid_t kids[3], pgid = 0;
	int gone = 0, same = 1;

	for (int i = 0; i < 3; i++) {
		kids[i] = sleeper();
		if (i == 0)
			pgid = kids[0];
		CHECK(setpgid(kids[i], pgid) == 0);
	}
	for (int i = 0; i < 3; i++)
		same = same && getpgid(kids[i]) == pgid;
	REPORT("three children in one group apart from ours", same && getpgrp() != pgid);
	PROC_ERRNO(0, kill(-pgid, SIGTERM));
	for (int i = 0; i < 3; i++)
		gone += proc_status(kids[i]) == 128 + SIGTERM;
	REPORT("each ended by SIGTERM", gone == 3);
	PROC_ERRNO(ESRCH, kill(-pgid, SIGTERM));
	PROC_ERRNO(ESRCH, killpg(pgid, 0));
}

int main(void)
{
	struct rlimit core = { 0, 0 };

	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	CHECK(setrlimit(RLIMIT_CORE, &core) == 0);
	killed_by(SIGKILL);
	killed_by(SIGTERM);
	killed_by(SIGUSR1);
	segv_no_core();
	sigchld_siginfo();
	auto_reap();
	stop_continue();
	kill_zero();
	group_kill();
	return prog_done();
}
