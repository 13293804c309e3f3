/* Faults of a tracee stop it first, as under a debugger: int3 reports SIGTRAP with RIP past the breakpoint (PEEKTEXT reads the 0xcc; SETREGS changes RAX there, and its errnos), a SIGSEGV the tracer cancels faults again, one it passes on runs the tracee's handler, a blocked SIGILL it passes on kills the tracee (force_sig_fault unblocks it), and one it changes into SIGUSR1 runs that handler instead; a breakpoint POKETEXT writes into the text, undone with SETREGS. */
#include "proc.h"
#include <setjmp.h>
#include <sys/ptrace.h>
#include <sys/user.h>

static sigjmp_buf jump;
static volatile long rax_after;
static volatile int *volatile bad16 = (int *)16, *volatile bad24 = (int *)24;
static volatile sig_atomic_t segv_seen, usr1_seen;

static void on_segv(int sig)
{
	segv_seen++;
	siglongjmp(jump, 1);
}

static void on_usr1(int sig)
{
	usr1_seen++;
	siglongjmp(jump, 1);
}

/* The tracee: each fault in turn; its exit code says what it lived through. */
static __attribute__((noreturn)) void tracee(void)
{
	sigset_t ill;

	if (ptrace(PTRACE_TRACEME, 0, 0, 0))
		proc_exit(90);
	signal(SIGSEGV, on_segv);
	signal(SIGUSR1, on_usr1);
	raise(SIGSTOP);
	{
		long v;

		__asm__ volatile("mov $1, %%rax\n\tint3\n\tmov %%rax, %0" : "=r"(v) : : "rax");
		rax_after = v;
	}
	if (sigsetjmp(jump, 1) == 0)
		*bad16 = 1;
	if (sigsetjmp(jump, 1) == 0)
		*bad24 = 1;
	sigemptyset(&ill);
	sigaddset(&ill, SIGILL);
	sigprocmask(SIG_BLOCK, &ill, NULL);
	if (segv_seen == 1 && usr1_seen == 1 && rax_after == 0x55)
		__asm__ volatile("ud2");
	proc_exit(rax_after == 0x55 ? 80 + segv_seen * 4 + usr1_seen : 79);
}

/* Wait for the next stop; print its signal and return it (0 when it ended). */
static int next_stop(pid_t pid, const char *what)
{
	int st = 0;

	if (waitpid(pid, &st, 0) != pid) {
		printf("%s: wait failed\n", what);
		return 0;
	}
	if (WIFSTOPPED(st)) {
		printf("%s: stopped by %s\n", what, WSTOPSIG(st) == SIGTRAP ? "SIGTRAP" :
		       WSTOPSIG(st) == SIGILL ? "SIGILL" : proc_signame(WSTOPSIG(st)));
		return WSTOPSIG(st);
	}
	printf("%s: %s %d\n", what, WIFEXITED(st) ? "exit" : "signal",
	       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	return 0;
}

/* PTRACE_GETSIGINFO at a fault stop: signal, code, address. */
static void siginfo(pid_t pid, const char *what)
{
	siginfo_t si;

	memset(&si, 0xa5, sizeof(si));
	if (ptrace(PTRACE_GETSIGINFO, pid, 0, &si)) {
		printf("%s: siginfo %s\n", what, proc_errname(errno));
		return;
	}
	printf("%s: signo %d code %d addr %lx\n", what, si.si_signo, si.si_code,
	       (unsigned long)si.si_addr);
}

/* At the int3 stop: RIP is past the breakpoint, whose byte PEEKTEXT reads. */
static void breakpoint(pid_t pid)
{
	struct user_regs_struct r, bad;
	long word;

	if (ptrace(PTRACE_GETREGS, pid, 0, &r))
		return;
	siginfo(pid, "int3");
	REPORT("orig_rax -1 (no syscall)", (long)r.orig_rax == -1);
	errno = 0;
	word = ptrace(PTRACE_PEEKTEXT, pid, (void *)(r.rip - 1), 0);
	REPORT("the byte before RIP is int3", errno == 0 && (word & 0xff) == 0xcc);
	REPORT("rax is 1", r.rax == 1);
	bad = r;
	bad.cs = 0;
	PROC_ERRNO(EIO, ptrace(PTRACE_SETREGS, pid, 0, &bad));
	bad = r;
	bad.fs_base = 0x800000000000UL;
	PROC_ERRNO(EIO, ptrace(PTRACE_SETREGS, pid, 0, &bad));
	bad = r;
	bad.ds = 1;
	PROC_ERRNO(EIO, ptrace(PTRACE_SETREGS, pid, 0, &bad));
	PROC_ERRNO(EFAULT, ptrace(PTRACE_SETREGS, pid, 0, (void *)8));
	r.rax = 0x55;
	PROC_ERRNO(0, ptrace(PTRACE_SETREGS, pid, 0, &r));
	memset(&bad, 0, sizeof(bad));
	PROC_ERRNO(0, ptrace(PTRACE_GETREGS, pid, 0, &bad));
	REPORT("rax reads back 0x55", bad.rax == 0x55);
}

/* A function of the text the tracer sets a breakpoint on. */
static __attribute__((noinline)) int target(int x)
{
	__asm__ volatile("");
	return x * 3 + 1;
}

/*
 * A debugger's breakpoint: POKETEXT writes int3 over the first byte of
 * target() in the tracee's text (a private copy of the file's page), the
 * call stops with SIGTRAP and RIP one past it; the tracer puts the byte
 * back, sets RIP back with SETREGS, and the call completes.
 */
static void breakpoint_in_text(void)
{
	struct user_regs_struct r;
	unsigned long at = (unsigned long)target;
	long orig;
	pid_t pid = proc_fork();

	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0))
			proc_exit(90);
		raise(SIGSTOP);
		proc_exit(target(5));
	}
	next_stop(pid, "breakpoint tracee");
	errno = 0;
	orig = ptrace(PTRACE_PEEKTEXT, pid, (void *)at, 0);
	PROC_ERRNO(0, ptrace(PTRACE_POKETEXT, pid, (void *)at, (void *)((orig & ~0xffL) | 0xcc)));
	REPORT("our own text untouched", *(volatile unsigned char *)at == (orig & 0xff));
	PROC_ERRNO(0, ptrace(PTRACE_CONT, pid, 0, 0));
	if (next_stop(pid, "call of target") == SIGTRAP &&
	    ptrace(PTRACE_GETREGS, pid, 0, &r) == 0) {
		REPORT("rip one past the breakpoint", r.rip == at + 1);
		PROC_ERRNO(0, ptrace(PTRACE_POKETEXT, pid, (void *)at, (void *)orig));
		r.rip = at;
		PROC_ERRNO(0, ptrace(PTRACE_SETREGS, pid, 0, &r));
		PROC_ERRNO(0, ptrace(PTRACE_CONT, pid, 0, 0));
	}
	next_stop(pid, "target(5) returned");
}

int main(void)
{
	pid_t pid;

	breakpoint_in_text();
	pid = proc_fork();

	if (pid == 0)
		tracee();
	next_stop(pid, "start");
	PROC_ERRNO(0, ptrace(PTRACE_CONT, pid, 0, 0));
	if (next_stop(pid, "int3") == SIGTRAP)
		breakpoint(pid);
	PROC_ERRNO(0, ptrace(PTRACE_CONT, pid, 0, 0));
	if (next_stop(pid, "store to 16") == SIGSEGV)
		siginfo(pid, "store to 16");
	PROC_ERRNO(0, ptrace(PTRACE_CONT, pid, 0, 0));
	next_stop(pid, "cancelled: faults again");
	PROC_ERRNO(0, ptrace(PTRACE_CONT, pid, 0, (void *)SIGSEGV));
	next_stop(pid, "store to 24");
	PROC_ERRNO(0, ptrace(PTRACE_CONT, pid, 0, (void *)SIGUSR1));
	next_stop(pid, "ud2 with SIGILL blocked");
	PROC_ERRNO(0, ptrace(PTRACE_CONT, pid, 0, (void *)SIGILL));
	next_stop(pid, "end");
	(void)rax_after;
	return prog_failed;
}
