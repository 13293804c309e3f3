/*
 * Job-control stops and orphaned process groups, as Linux: SIGTSTP, SIGTTIN
 * and SIGTTOU whose default action would stop a process in an orphaned
 * group (no member has a parent in another group of the same session) are
 * dropped; SIGSTOP stops it anyway. A child in a group of its own whose
 * parent is in another group of the session stops on SIGTSTP.
 */
#include "proc.h"
#include <signal.h>

/* In a new session (an orphaned group): the three are dropped, SIGSTOP is not. */
static void orphaned_child(void)
{
	pid_t pid = proc_fork();
	int st = 0;

	if (pid == 0) {
		if (setsid() < 0)
			proc_exit(2);
		raise(SIGTSTP);
		raise(SIGTTIN);
		kill(getpid(), SIGTTOU);
		raise(SIGSTOP);
		proc_exit(7); /* after the parent's SIGCONT */
	}
	CHECK(pid > 0);
	if (pid <= 0)
		return;
	CHECK(waitpid(pid, &st, WUNTRACED) == pid);
	REPORT("orphaned group: SIGTSTP, SIGTTIN, SIGTTOU dropped, SIGSTOP stops",
	       WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	CHECK(kill(pid, SIGCONT) == 0);
	CHECK(waitpid(pid, &st, 0) == pid);
	REPORT("orphaned group: it exits 7 after SIGCONT", WIFEXITED(st) && WEXITSTATUS(st) == 7);
}

/* In a group of its own beside its parent's, same session: SIGTSTP stops it. */
static void grouped_child(void)
{
	pid_t pid = proc_fork();
	int st = 0;

	if (pid == 0) {
		setpgid(0, 0);
		raise(SIGTSTP);
		proc_exit(8);
	}
	CHECK(pid > 0);
	if (pid <= 0)
		return;
	setpgid(pid, pid); /* either may run first, as a shell does */
	CHECK(waitpid(pid, &st, WUNTRACED) == pid);
	REPORT("own group, parent beside it: SIGTSTP stops", WIFSTOPPED(st) && WSTOPSIG(st) == SIGTSTP);
	CHECK(kill(pid, SIGCONT) == 0);
	CHECK(waitpid(pid, &st, 0) == pid);
	REPORT("own group: it exits 8 after SIGCONT", WIFEXITED(st) && WEXITSTATUS(st) == 8);
}

int main(void)
{
	orphaned_child();
	grouped_child();
	return prog_done();
}
