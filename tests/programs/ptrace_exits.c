/* Tracers and tracees ending in every order: a stopped tracee killed by SIGKILL, a tracer killed while its tracee is stopped (the tracee runs on; SIGCONT before did not wake it nor tell its parent), a tracee that dies while its tracer is busy and a tracer that exits without reaping it (the real parent reaps it then), PTRACE_KILL and PEEKDATA on a traced zombie, a tracer that ignores SIGCHLD leaving its child's zombie (gone, not reparented), attaching to a zombie (EPERM), a vfork parent signalled and attached while its child runs (killable sleep: both act after), and the program ending with a tracee still stopped. */
#include "proc.h"
#include <sys/prctl.h>
#include <sys/ptrace.h>

/* A child that waits for a byte on `go` (or the end of the pipe), then exits with `code`. */
static pid_t sleeper(int go[2], int code)
{
	pid_t pid = proc_fork();

	if (pid == 0) {
		close(go[1]);
		proc_exit(proc_await(go[0]) ? 99 : code);
	}
	return pid;
}

/* How `pid` ended, as a word. */
static const char *how(int st)
{
	static char buf[32];

	if (st == -1)
		return "none";
	if (WIFEXITED(st))
		snprintf(buf, sizeof(buf), "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, sizeof(buf), "%s", proc_signame(WTERMSIG(st)));
	else if (WIFSTOPPED(st))
		snprintf(buf, sizeof(buf), "stopped %s", proc_signame(WSTOPSIG(st)));
	else
		snprintf(buf, sizeof(buf), "?");
	return buf;
}

/* A stopped tracee killed by SIGKILL from its parent and tracer. */
static void kill_stopped_tracee(void)
{
	int go[2];
	pid_t a;

	if (pipe(go))
		return;
	a = sleeper(go, 1);
	if (a < 0)
		return;
	close(go[0]);
	PROC_ERRNO(0, ptrace(PTRACE_ATTACH, a, 0, 0));
	printf("attach: %s\n", how(proc_wait(a, 0)));
	kill(a, SIGKILL);
	printf("killed tracee: %s\n", how(proc_wait(a, 0)));
	close(go[1]);
}

/* A tracer killed while its tracee is stopped: the tracee goes on. */
static void kill_tracer(void)
{
	int go[2], ready[2];
	pid_t a, b;

	if (pipe(go))
		return;
	a = sleeper(go, 2);
	if (a < 0 || pipe(ready))
		return;
	b = proc_fork();
	if (b == 0) {
		close(ready[0]);
		if (ptrace(PTRACE_ATTACH, a, 0, 0) || waitpid(a, NULL, 0) != a)
			proc_exit(3);
		proc_signal(ready[1]);
		pause();
		proc_exit(4);
	}
	close(ready[1]);
	close(go[0]);
	if (b > 0 && proc_await(ready[0]) == 0) {
		kill(a, SIGCONT);
		usleep(50000);
		printf("SIGCONT leaves a ptrace stop alone: %s\n",
		       waitpid(a, NULL, WNOHANG | WCONTINUED | WUNTRACED) == 0 ? "yes" : "NO");
		kill(b, SIGKILL);
		printf("tracer: %s\n", how(proc_wait(b, 0)));
	}
	proc_signal(go[1]);
	printf("tracee: %s\n", how(proc_wait(a, 0)));
	close(go[1]);
	close(ready[0]);
}

/* A tracee dies; its tracer (a sibling) looks at the zombie, then exits without reaping it. */
static void tracer_leaves_zombie(void)
{
	int go[2], ready[2];
	pid_t a, b;

	if (pipe(go))
		return;
	a = sleeper(go, 5);
	if (a < 0 || pipe(ready))
		return;
	b = proc_fork();
	if (b == 0) {
		int code = 0;

		close(ready[0]);
		if (ptrace(PTRACE_ATTACH, a, 0, 0) || waitpid(a, NULL, 0) != a ||
		    ptrace(PTRACE_CONT, a, 0, 0))
			proc_exit(6);
		proc_signal(go[1]);
		usleep(100000); /* it exits meanwhile */
		if (ptrace(PTRACE_PEEKDATA, a, &code, 0) != -1 || errno != ESRCH)
			code |= 1;
		if (ptrace(PTRACE_KILL, a, 0, 0))
			code |= 2;
		if (ptrace(PTRACE_ATTACH, getppid(), 0, 0) || waitpid(getppid(), NULL, 0) != getppid())
			code |= 4;
		if (ptrace(PTRACE_DETACH, getppid(), 0, 0))
			code |= 8;
		proc_exit(code);
	}
	close(ready[1]);
	close(go[0]);
	if (b < 0 && a > 0) /* no tracer (fork failed): let the sleeper go */
		proc_signal(go[1]);
	printf("tracer: %s\n", how(b > 0 ? proc_wait(b, 0) : -1));
	printf("tracee, reaped by its parent: %s\n", how(proc_wait(a, 0)));
	close(go[1]);
	close(ready[0]);
}

/*
 * A parent that ignores SIGCHLD traces its child, which dies: the zombie
 * waits for its tracer; the tracer exits without reaping it: it is gone
 * then, not handed to the subreaper (the caller).
 */
static void ignoring_tracer_exits(void)
{
	pid_t m = proc_fork();

	if (m == 0) {
		pid_t c;

		signal(SIGCHLD, SIG_IGN);
		c = fork();
		if (c == 0) {
			usleep(50000);
			_exit(3);
		}
		if (c < 0 || ptrace(PTRACE_ATTACH, c, 0, 0) || waitpid(c, NULL, 0) != c ||
		    ptrace(PTRACE_CONT, c, 0, 0))
			proc_exit(20);
		usleep(200000); /* it dies meanwhile: a zombie for its tracer */
		proc_exit(0);
	}
	printf("ignoring tracer: %s\n", how(proc_wait(m, 0)));
	errno = 0;
	printf("its tracee is not ours: %s\n",
	       waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD ? "yes" : "NO");
}

static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig)
{
	usr1_seen++;
}

/*
 * A vfork parent waits for its child killably only: a SIGUSR1 and a
 * tracer's attach (SIGSTOP) sent meanwhile act once the child exited.
 */
static void vfork_parent(void)
{
	pid_t parent = getpid(), k, v;

	signal(SIGUSR1, on_usr1);
	k = proc_fork();
	if (k == 0) {
		int code = 0;

		usleep(20000);
		kill(parent, SIGUSR1);
		usleep(20000);
		if (ptrace(PTRACE_ATTACH, parent, 0, 0) || waitpid(parent, NULL, 0) != parent)
			code |= 1;
		if (ptrace(PTRACE_DETACH, parent, 0, 0))
			code |= 2;
		proc_exit(code);
	}
	v = vfork();
	if (v == 0) {
		usleep(150000);
		_exit(3);
	}
	printf("vfork child: %s, handler ran %d\n", how(proc_wait(v, 0)), (int)usr1_seen);
	if (k > 0)
		printf("its tracer: %s\n", how(proc_wait(k, 0)));
	signal(SIGUSR1, SIG_DFL);
}

/* Attaching to a zombie: EPERM. */
static void attach_zombie(void)
{
	siginfo_t si;
	pid_t a = proc_fork();

	if (a == 0)
		proc_exit(9);
	if (a < 0)
		return;
	waitid(P_PID, a, &si, WEXITED | WNOWAIT);
	PROC_ERRNO(EPERM, ptrace(PTRACE_ATTACH, a, 0, 0));
	PROC_ERRNO(EPERM, ptrace(PTRACE_SEIZE, a, 0, 0));
	PROC_ERRNO(ESRCH, ptrace(PTRACE_CONT, a, 0, 0));
	printf("zombie: %s\n", how(proc_wait(a, 0)));
}

int main(void)
{
	int go[2];
	pid_t a;

	kill_stopped_tracee();
	kill_tracer();
	tracer_leaves_zombie();
	attach_zombie();
	vfork_parent();
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	ignoring_tracer_exits();
	if (pipe(go))
		return 1;
	a = sleeper(go, 0);
	close(go[0]);
	if (a > 0 && ptrace(PTRACE_ATTACH, a, 0, 0) == 0)
		printf("left stopped: %s\n", how(proc_wait(a, 0)));
	fflush(stdout);
	return prog_failed; /* its tracee still stopped: the end of the pipe ends it */
}
