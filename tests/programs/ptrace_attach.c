/* ptrace on a child: PTRACE_ATTACH stops it (wait sees SIGSTOP without WUNTRACED), PEEKDATA/POKEDATA of its memory (a read-only page written through FOLL_FORCE), GETREGS in an interrupted read, PTRACE_CONT with and without a signal, a signal-delivery stop the tracer cancels or changes, PTRACE_DETACH, PTRACE_KILL, PTRACE_TRACEME, and the errnos (ESRCH, EPERM, EIO, EFAULT). */
#include "proc.h"
#include <sys/ptrace.h>
#include <sys/user.h>

static volatile long value = 0x1111;
static volatile sig_atomic_t got_sig, got_code, got_pid_ok;
static char rodata_page[PG] __attribute__((aligned(4096)));

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_pid_ok = si->si_pid == getppid();
}

/* The child: handlers for SIGUSR1/2, then on each byte from `go` it reports on `back`. */
static __attribute__((noreturn)) void child_loop(int go, int back)
{
	struct sigaction sa;
	char msg[64];

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sig;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	mprotect(rodata_page, PG, PROT_READ);
	value = 0x1234;
	for (;;) {
		int n = snprintf(msg, sizeof(msg), "%lx %d %d %d %x", (long)value, (int)got_sig,
				 (int)got_code, (int)got_pid_ok, (unsigned char)rodata_page[8]);

		if (write(back, msg, (size_t)n + 1) != n + 1)
			proc_exit(2);
		if (proc_await(go))
			proc_exit(3);
	}
}

/* Read the child's report (one NUL-ended message). */
static void report(int back, const char *what)
{
	char msg[64];
	ssize_t n = read(back, msg, sizeof(msg));

	printf("%s: %s\n", what, n > 0 ? msg : "(none)");
}

/* Wait for a stop of `pid`: prints and returns the stop signal (0 when it did not stop). */
static int wait_stop(pid_t pid, int flags, const char *what)
{
	int st = 0;
	pid_t r = waitpid(pid, &st, flags);

	printf("%s: %s\n", what, r != pid ? "no" : WIFSTOPPED(st) ? proc_signame(WSTOPSIG(st)) :
			  WIFSIGNALED(st) ? "signaled" : WIFEXITED(st) ? "exited" : "?");
	return r == pid && WIFSTOPPED(st) ? WSTOPSIG(st) : 0;
}

/* PTRACE_GETSIGINFO at a stop: signal, code, and whether the sender is this process. */
static void siginfo(pid_t pid, const char *what)
{
	siginfo_t si;

	memset(&si, 0xa5, sizeof(si));
	if (ptrace(PTRACE_GETSIGINFO, pid, 0, &si)) {
		printf("%s: siginfo %s\n", what, proc_errname(errno));
		return;
	}
	printf("%s: signo %d errno %d code %d from me %d\n", what, si.si_signo, si.si_errno,
	       si.si_code, si.si_pid == getpid());
}

/* Errnos that need no tracee. */
static void errnos_alone(void)
{
	PROC_ERRNO(EPERM, ptrace(PTRACE_ATTACH, getpid(), 0, 0));
	PROC_ERRNO(ESRCH, ptrace(PTRACE_ATTACH, 999999999, 0, 0));
	PROC_ERRNO(ESRCH, ptrace(PTRACE_ATTACH, 0, 0, 0));
	PROC_ERRNO(ESRCH, ptrace(PTRACE_CONT, getpid(), 0, 0));
	PROC_ERRNO(ESRCH, ptrace(PTRACE_PEEKDATA, getpid(), &value, 0));
	PROC_ERRNO(ESRCH, ptrace(PTRACE_DETACH, 999999999, 0, 0));
}

/* Peek and poke a stopped tracee; the errnos of bad addresses and requests. */
static void memory(pid_t pid)
{
	long word = 0;

	errno = 0;
	word = ptrace(PTRACE_PEEKDATA, pid, &value, 0);
	printf("peek value: %lx %s\n", word, proc_errname(errno));
	PROC_ERRNO(0, ptrace(PTRACE_POKEDATA, pid, &value, (void *)0x5678));
	errno = 0;
	word = ptrace(PTRACE_PEEKTEXT, pid, &value, 0);
	printf("peek after poke: %lx %s\n", word, proc_errname(errno));
	PROC_ERRNO(0, ptrace(PTRACE_POKETEXT, pid, rodata_page + 8, (void *)0x77));
	PROC_ERRNO(EIO, ptrace(PTRACE_PEEKDATA, pid, (void *)0, 0));
	PROC_ERRNO(EIO, ptrace(PTRACE_PEEKDATA, pid, (void *)0xffff800000000000UL, 0));
	PROC_ERRNO(EIO, ptrace(PTRACE_POKEDATA, pid, (void *)16, 0));
	PROC_ERRNO(EFAULT, syscall(SYS_ptrace, PTRACE_PEEKDATA, pid, &value, (void *)8));
	PROC_ERRNO(EIO, ptrace(0x1234, pid, 0, 0));
	PROC_ERRNO(EIO, ptrace(PTRACE_CONT, pid, 0, (void *)65));
	PROC_ERRNO(EIO, ptrace(PTRACE_DETACH, pid, 0, (void *)65));
	PROC_ERRNO(EPERM, ptrace(PTRACE_ATTACH, pid, 0, 0));
}

/* The registers of a tracee stopped in a read a signal interrupted. */
static void regs(pid_t pid)
{
	struct user_regs_struct r;

	memset(&r, 0xa5, sizeof(r));
	PROC_ERRNO(0, ptrace(PTRACE_GETREGS, pid, 0, &r));
	REPORT("orig_rax is read", r.orig_rax == SYS_read);
	REPORT("rax is -ERESTARTSYS", (long)r.rax == -512);
	REPORT("rip in the text", r.rip > 0x400000 && r.rip < (unsigned long)&value);
	REPORT("rsp below the stack top", r.rsp > 0x7f0000000000UL && r.rsp < 0x800000000000UL);
	PROC_ERRNO(EFAULT, ptrace(PTRACE_GETREGS, pid, 0, (void *)8));
}

/* Signal-delivery stops: cancelled, then changed into SIGUSR2 (SI_USER from the tracer). */
static void signals(pid_t pid, int go, int back)
{
	kill(pid, SIGUSR1);
	wait_stop(pid, 0, "stop for SIGUSR1");
	siginfo(pid, "SIGUSR1 from kill");
	PROC_ERRNO(0, ptrace(PTRACE_CONT, pid, 0, 0));
	proc_signal(go);
	report(back, "cancelled SIGUSR1");
	kill(pid, SIGUSR1);
	wait_stop(pid, 0, "stop for SIGUSR1 again");
	PROC_ERRNO(0, ptrace(PTRACE_CONT, pid, 0, (void *)SIGUSR2));
	wait_stop(pid, WNOHANG, "no stop for the injected signal");
	proc_signal(go);
	report(back, "SIGUSR1 turned into SIGUSR2");
	kill(pid, SIGCHLD);
	wait_stop(pid, 0, "stop for an ignored SIGCHLD");
	PROC_ERRNO(0, ptrace(PTRACE_CONT, pid, 0, 0));
	PROC_ERRNO(ESRCH, ptrace(PTRACE_PEEKDATA, pid, &value, 0));
}

/* A child under PTRACE_ATTACH from start to PTRACE_KILL. */
static void attached_child(void)
{
	int go[2], back[2];
	pid_t pid;

	if (pipe(go) || pipe(back))
		return;
	pid = proc_fork();
	if (pid == 0) {
		close(go[1]);
		close(back[0]);
		child_loop(go[0], back[1]);
	}
	close(go[0]); /* the child's death is an end of file, not a hang */
	close(back[1]);
	report(back[0], "child starts");
	usleep(100000); /* it sleeps in read(go) */
	PROC_ERRNO(0, ptrace(PTRACE_ATTACH, pid, 0, 0));
	wait_stop(pid, 0, "attach stop");
	wait_stop(pid, WNOHANG, "reported once");
	siginfo(pid, "attach's SIGSTOP");
	PROC_ERRNO(EFAULT, ptrace(PTRACE_GETSIGINFO, pid, 0, (void *)8));
	PROC_ERRNO(EINVAL, ptrace(PTRACE_SETOPTIONS, pid, 0, (void *)0x80000000UL));
	PROC_ERRNO(0, ptrace(PTRACE_SETOPTIONS, pid, 0, (void *)PTRACE_O_EXITKILL));
	PROC_ERRNO(0, ptrace(PTRACE_SETOPTIONS, pid, 0, 0));
	regs(pid);
	memory(pid);
	PROC_ERRNO(0, ptrace(PTRACE_CONT, pid, 0, 0));
	proc_signal(go[1]);
	report(back[0], "child after poke");
	signals(pid, go[1], back[0]);
	kill(pid, SIGSTOP);
	wait_stop(pid, 0, "stop for SIGSTOP");
	PROC_ERRNO(0, ptrace(PTRACE_DETACH, pid, 0, 0));
	PROC_ERRNO(ESRCH, ptrace(PTRACE_CONT, pid, 0, 0));
	proc_signal(go[1]);
	report(back[0], "detached child runs");
	PROC_ERRNO(0, ptrace(PTRACE_ATTACH, pid, 0, 0));
	wait_stop(pid, 0, "attached again");
	PROC_ERRNO(0, ptrace(PTRACE_KILL, pid, 0, 0));
	printf("killed child: %d\n", proc_status(pid));
	PROC_ERRNO(ESRCH, ptrace(PTRACE_KILL, pid, 0, 0));
}

/* PTRACE_TRACEME then execve: the new program stops with SIGTRAP before it runs. */
static void traceme_exec(void)
{
	char self[256], *argv[] = { "ptrace_attach", "exec", NULL }, *envp[] = { NULL };
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	pid_t pid;

	if (n <= 0)
		return;
	self[n] = 0;
	pid = proc_fork();
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0))
			proc_exit(10);
		execve(self, argv, envp);
		proc_exit(11);
	}
	if (wait_stop(pid, 0, "exec stop") == SIGTRAP) {
		errno = 0;
		long word = ptrace(PTRACE_PEEKDATA, pid, &value, 0);

		printf("new program's value: %lx %s\n", word, proc_errname(errno));
		PROC_ERRNO(0, ptrace(PTRACE_POKEDATA, pid, &value, (void *)0x99));
		PROC_ERRNO(0, ptrace(PTRACE_CONT, pid, 0, 0));
	}
	printf("exec'd child: %d\n", proc_status(pid));
}

/* PTRACE_TRACEME: the child's raise(SIGSTOP) and its exit are reported to the parent. */
static void traceme(void)
{
	pid_t pid = proc_fork();

	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0))
			proc_exit(10);
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) != -1 || errno != EPERM)
			proc_exit(11);
		raise(SIGSTOP);
		proc_exit(value == 0x4242 ? 42 : 12);
	}
	wait_stop(pid, 0, "traceme stop");
	PROC_ERRNO(0, ptrace(PTRACE_POKEDATA, pid, &value, (void *)0x4242));
	PROC_ERRNO(0, ptrace(PTRACE_CONT, pid, 0, 0));
	printf("traceme child: %d\n", proc_status(pid));
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return value == 0x99 ? 33 : 34; /* the exec'd child: its tracer poked value */
	errnos_alone();
	attached_child();
	traceme();
	traceme_exec();
	return prog_failed;
}
