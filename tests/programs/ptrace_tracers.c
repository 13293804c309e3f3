/* ptrace by a process that is not the parent: a sibling attaches and exits without detaching (the tracee runs on), a child attaches to its parent and PEEKDATA of a memfd_secret page fails with EIO (the selftest's try_ptrace), a traced zombie is its tracer's to reap before the parent's wait returns, PTRACE_SEIZE with PTRACE_O_EXITKILL kills the tracee when the tracer exits, attaching to a stopped process, and waitid's CLD_TRAPPED with WNOWAIT. */
#include "proc.h"
#include <sys/ptrace.h>

#define NR_memfd_secret 447

/* A child that waits for a byte on `go`, then exits with `code`. */
static pid_t sleeper(int go, int code)
{
	pid_t pid = proc_fork();

	if (pid == 0)
		proc_exit(proc_await(go) ? 99 : code);
	return pid;
}

/* The state letter of /proc/<pid>/stat ('?' when unreadable). */
static char state_of(pid_t pid)
{
	char path[64], buf[256], *end;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	end = strrchr(buf, ')');
	return end && end[1] && end[2] ? end[2] : '?';
}

/* TracerPid: of /proc/<pid>/status is `tracer`. */
static int tracer_is(pid_t pid, pid_t tracer)
{
	char path[64], buf[1024], *at;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	at = strstr(buf, "TracerPid:\t");
	return at && atoi(at + 11) == tracer;
}

/* A fork failed (out of memory): let the sleeper `a` (if any) go and reap it. */
static void forked_not(int go, pid_t a)
{
	printf("fork: %s\n", proc_errname(errno));
	if (a > 0) {
		proc_signal(go);
		proc_status(a);
	}
}

/* "what: SIGSTOP" for a stop of pid, or how it ended. */
static void show(const char *what, pid_t r, pid_t pid, int st)
{
	printf("%s: %s\n", what, r != pid ? "no" : WIFSTOPPED(st) ? proc_signame(WSTOPSIG(st)) :
		WIFSIGNALED(st) ? proc_signame(WTERMSIG(st)) : WIFEXITED(st) ? "exited" : "?");
}

/* A sibling traces the sleeper and exits without detaching: the sleeper runs on. */
static void tracer_exits_first(void)
{
	int go[2];
	pid_t a, b;

	if (pipe(go))
		return;
	a = sleeper(go[0], 5);
	b = proc_fork();
	if (a < 0 || b < 0)
		return forked_not(go[1], a);
	if (b == 0) {
		int st = 0;

		if (ptrace(PTRACE_ATTACH, a, 0, 0))
			proc_exit(20);
		if (waitpid(a, &st, 0) != a || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP)
			proc_exit(21);
		proc_exit(waitpid(a, &st, WNOHANG) == 0 ? 0 : 22);
	}
	printf("tracer: %d\n", proc_status(b));
	printf("parent sees no stop: %s\n", waitpid(a, NULL, WNOHANG | WUNTRACED) == 0 ? "yes" : "NO");
	proc_signal(go[1]);
	printf("tracee after its tracer left: %d\n", proc_status(a));
}

/* The child attaches to its parent: wait sees the parent stopped, the secret page is refused. */
static void child_traces_parent(void)
{
	int fd = (int)syscall(NR_memfd_secret, 0);
	char *mem;
	pid_t pid;

	if (fd < 0 || ftruncate(fd, PG)) {
		printf("memfd_secret: %s\n", proc_errname(errno));
		return;
	}
	mem = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		return;
	memset(mem, 0x55, PG);
	pid = proc_fork();
	if (pid < 0)
		return forked_not(-1, -1);
	if (pid == 0) {
		pid_t ppid = getppid();
		int st = 0;

		if (ptrace(PTRACE_ATTACH, ppid, 0, 0))
			proc_exit(30);
		if (waitpid(ppid, &st, WUNTRACED) != ppid || !WIFSTOPPED(st))
			proc_exit(31);
		errno = 0;
		if (ptrace(PTRACE_PEEKDATA, ppid, mem, 0) != -1 || errno != EIO)
			proc_exit(32);
		errno = 0;
		if (ptrace(PTRACE_PEEKDATA, ppid, &fd, 0) != fd || errno)
			proc_exit(33);
		proc_exit(0); /* without detaching */
	}
	printf("child traced its parent: %d\n", proc_status(pid));
	printf("secret page intact: %s\n", mem[100] == 0x55 ? "yes" : "NO");
	munmap(mem, PG);
	close(fd);
}

/* A traced zombie: the parent's wait returns only once the tracer reaped it. */
static void traced_zombie(void)
{
	int go[2], done[2], checked[2];
	pid_t a, b;

	if (pipe(go))
		return;
	a = sleeper(go[0], 6);
	if (pipe(done) || pipe(checked)) /* after the sleeper's fork: only the tracer holds them */
		return forked_not(go[1], a);
	b = proc_fork();
	if (a < 0 || b < 0)
		return forked_not(go[1], a);
	if (b == 0) {
		int st = 0;

		close(done[0]);
		close(checked[1]);

		if (ptrace(PTRACE_ATTACH, a, 0, 0))
			proc_exit(40);
		if (waitpid(a, &st, 0) != a || ptrace(PTRACE_CONT, a, 0, 0))
			proc_exit(41);
		proc_signal(go[1]);
		usleep(100000);
		proc_signal(done[1]); /* the zombie is not reaped yet */
		if (proc_await(checked[0]) || waitpid(a, &st, 0) != a || !WIFEXITED(st) || WEXITSTATUS(st) != 6)
			proc_exit(42);
		proc_exit(0);
	}
	close(done[1]); /* the tracer's death is an end of file, not a hang */
	close(checked[0]);
	proc_await(done[0]);
	printf("parent cannot reap it first: %s\n", waitpid(a, NULL, WNOHANG) == 0 ? "yes" : "NO");
	printf("tracee state: %c\n", state_of(a));
	proc_signal(checked[1]);
	proc_signal(go[1]); /* a spare byte: it goes on even when the tracer died early */
	printf("tracee: %d\n", proc_status(a));
	printf("tracer: %d\n", proc_status(b));
}

/* PTRACE_SEIZE does not stop; with PTRACE_O_EXITKILL the tracee dies with its tracer. */
static void seize_exitkill(void)
{
	int go[2], seized[2], leave[2];
	pid_t a, b;

	if (pipe(go))
		return;
	a = sleeper(go[0], 7);
	if (pipe(seized) || pipe(leave)) /* after the sleeper's fork: only the tracer holds them */
		return forked_not(go[1], a);
	PROC_ERRNO(EIO, ptrace(PTRACE_SEIZE, a, (void *)1, 0));
	PROC_ERRNO(EIO, ptrace(PTRACE_SEIZE, a, 0, (void *)0x400000));
	b = proc_fork();
	if (a < 0 || b < 0)
		return forked_not(go[1], a);
	if (b == 0) {
		int st = 0;

		if (ptrace(PTRACE_SEIZE, a, 0, (void *)PTRACE_O_EXITKILL))
			proc_exit(50);
		close(seized[0]);
		close(leave[1]);
		proc_signal(seized[1]);
		proc_await(leave[0]);
		proc_exit(waitpid(a, &st, WNOHANG) == 0 ? 0 : 51);
	}
	close(seized[1]);
	close(leave[0]);
	proc_await(seized[0]);
	printf("seized, not stopped: %d, tracer %d\n", state_of(a) != 't' && state_of(a) != 'T',
	       tracer_is(a, b));
	proc_signal(leave[1]);
	printf("seizing tracer: %d\n", proc_status(b));
	proc_signal(go[1]); /* a spare byte: it ends even when the tracer died before seizing */
	printf("tracee killed with its tracer: %d\n", proc_status(a));
}

/* Attaching to a stopped child: its tracer's wait reports the stop; waitid says CLD_TRAPPED. */
static void attach_stopped(void)
{
	int go[2];
	siginfo_t si;
	pid_t a;

	if (pipe(go))
		return;
	a = sleeper(go[0], 8);
	if (a < 0)
		return forked_not(go[1], a);
	kill(a, SIGSTOP);
	printf("job-control stop: %s\n", WIFSTOPPED(proc_wait(a, WUNTRACED)) ? "yes" : "NO");
	PROC_ERRNO(0, ptrace(PTRACE_ATTACH, a, 0, 0));
	printf("attached: state %c, tracer me %d\n", state_of(a), tracer_is(a, getpid()));
	PROC_ERRNO(EINVAL, ptrace(PTRACE_GETSIGINFO, a, 0, &si));
	memset(&si, 0, sizeof(si));
	PROC_ERRNO(0, waitid(P_PID, a, &si, WEXITED | WNOWAIT));
	printf("waitid: code %d status %d pid ok %d\n", si.si_code, si.si_status, si.si_pid == a);
	show("wait after waitid WNOWAIT", waitpid(a, NULL, 0) == a ? a : -1, a, 0x137f);
	PROC_ERRNO(0, ptrace(PTRACE_CONT, a, 0, 0));
	{
		int st = 0;
		pid_t r = waitpid(a, &st, 0);

		show("pending SIGSTOP of the attach", r, a, st);
	}
	PROC_ERRNO(0, ptrace(PTRACE_DETACH, a, 0, 0));
	usleep(50000);
	printf("detached: back in its stop %c, tracer 0 %d\n", state_of(a), tracer_is(a, 0));
	printf("no new report: %s\n",
	       waitpid(a, NULL, WNOHANG | WUNTRACED | WCONTINUED) == 0 ? "yes" : "NO");
	kill(a, SIGCONT);
	{
		int st = 0;
		pid_t r = waitpid(a, &st, WUNTRACED | WCONTINUED);

		printf("continued: %s\n", r == a && WIFCONTINUED(st) ? "yes" : "NO");
	}
	proc_signal(go[1]);
	printf("ends: %d\n", proc_status(a));
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	tracer_exits_first();
	child_traces_parent();
	traced_zombie();
	seize_exitkill();
	attach_stopped();
	return prog_failed;
}
