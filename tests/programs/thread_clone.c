/*
 * clone and clone3 for threads and sharing, without libc's pthreads: the
 * flag combinations Linux refuses (EINVAL), a raw CLONE_THREAD on a stack
 * of its own with CLONE_SETTLS, CLONE_PARENT_SETTID and
 * CLONE_CHILD_CLEARTID (the tid word cleared and woken at its exit), and
 * processes that share handlers (CLONE_SIGHAND), descriptors
 * (CLONE_FILES) or working directory and umask (CLONE_FS) without being
 * threads.
 */
#include "proc.h"
#define FUTEX_WAIT 0
#include <sched.h>
#include <sys/stat.h>

#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#endif

struct clone_args_v0 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static long raw_clone(uint64_t flags)
{
	return syscall(SYS_clone, flags, 0, 0, 0, 0);
}

static long raw_clone3(uint64_t flags, uint64_t exit_signal)
{
	struct clone_args_v0 a = { .flags = flags, .exit_signal = exit_signal };

	return syscall(SYS_clone3, &a, sizeof(a));
}

/* Linux's refusals, before anything is made. */
static void refusals(void)
{
	PROC_ERRNO(EINVAL, raw_clone(CLONE_THREAD | CLONE_VM));
	PROC_ERRNO(EINVAL, raw_clone(CLONE_SIGHAND));
	PROC_ERRNO(EINVAL, raw_clone(CLONE_FS | CLONE_NEWNS));
	PROC_ERRNO(EINVAL, raw_clone3(CLONE_SIGHAND | CLONE_CLEAR_SIGHAND | CLONE_VM, SIGCHLD));
	PROC_ERRNO(EINVAL, raw_clone3(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM, SIGCHLD));
	PROC_ERRNO(EINVAL, raw_clone3(CLONE_PARENT, SIGCHLD));
	PROC_ERRNO(EINVAL, raw_clone3(CLONE_DETACHED, SIGCHLD));
}

static volatile int32_t child_tid = -1, parent_tid;
static volatile long thread_saw_tid, thread_saw_pid, thread_tls_ok;
static char stack[65536] __attribute__((aligned(16)));
static uint64_t tls_block[8];

/*
 * The raw thread's body: it runs on `stack`, without libc's TLS set up for
 * it, so only raw system calls; then exit(2), which clears child_tid.
 */
static __attribute__((noreturn, used)) void raw_thread_body(void)
{
	uint64_t fs;

	thread_saw_tid = syscall(SYS_gettid);
	thread_saw_pid = syscall(SYS_getpid);
	__asm__ volatile("mov %%fs:0, %0" : "=r"(fs));
	thread_tls_ok = fs == 0x5eed;
	for (;;)
		__asm__ volatile("syscall" : : "a"(SYS_exit), "D"(0) : "rcx", "r11", "memory");
}

/* clone(2) in assembly: the child never returns into C frames of the parent. */
static long clone_thread(unsigned long flags, void *top, volatile int32_t *ptid,
			 volatile int32_t *ctid, void *tls)
{
	long ret;
	register long r10 __asm__("r10") = (long)ctid;
	register long r8 __asm__("r8") = (long)tls;

	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "call raw_thread_body\n"
			 "1:"
			 : "=a"(ret)
			 : "a"(SYS_clone), "D"(flags), "S"(top), "d"(ptid), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
}

/* A raw CLONE_THREAD with its own stack and TLS; join by the clear-tid futex. */
static void raw_thread(void)
{
	unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
			      CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |
			      CLONE_CHILD_CLEARTID;
	long tid;

	tls_block[0] = 0x5eed;
	child_tid = -1;
	tid = clone_thread(flags, stack + sizeof(stack), &parent_tid, &child_tid, tls_block);
	CHECK(tid > 0);
	if (tid <= 0)
		return;
	CHECK(parent_tid == tid);
	while (child_tid != 0)
		syscall(SYS_futex, &child_tid, FUTEX_WAIT, child_tid, NULL, NULL, 0);
	REPORT("raw thread: gettid() is the clone's result", thread_saw_tid == tid);
	REPORT("raw thread: getpid() is the group's", thread_saw_pid == getpid());
	REPORT("raw thread: CLONE_SETTLS set its fs base", thread_tls_ok);
	REPORT("raw thread: its tid word cleared at exit", child_tid == 0);
	for (int i = 0; i < 5000 && syscall(SYS_tkill, tid, 0) == 0; i++)
		usleep(1000); /* up to 5 s: a loaded host may be slow */
	PROC_ERRNO(ESRCH, syscall(SYS_tkill, tid, 0));
}

static volatile int usr1;
static int child_fd = -1;

static void on_usr1(int sig)
{
	usr1 = 1;
}

static int sighand_child(void *arg)
{
	signal(SIGUSR1, on_usr1);
	return 0;
}

static int files_child(void *arg)
{
	child_fd = open("/dev/null", O_RDONLY);
	return 0;
}

static int fs_child(void *arg)
{
	chdir("/tmp");
	umask(027);
	return 0;
}

/* A process made by clone with `flags` | SIGCHLD running fn; waited for. */
static void clone_process(const char *what, int (*fn)(void *), int flags)
{
	int st = -1;
	pid_t pid;

	fflush(stdout);
	pid = clone(fn, stack + sizeof(stack), flags | SIGCHLD, NULL);
	printf("%s: clone: %s\n", what, pid > 0 ? "yes" : "NO");
	printf("%s: waited for: %s\n", what,
	       pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? "yes" : "NO");
}

/* Processes sharing one thing each with their parent. */
static void sharing_processes(void)
{
	char cwd[64] = "";

	clone_process("CLONE_SIGHAND", sighand_child, CLONE_VM | CLONE_SIGHAND);
	raise(SIGUSR1);
	REPORT("CLONE_SIGHAND: the child's handler is the parent's", usr1);
	clone_process("CLONE_FILES", files_child, CLONE_VM | CLONE_FILES);
	REPORT("CLONE_FILES: the child's descriptor is open in the parent",
	       child_fd >= 0 && fcntl(child_fd, F_GETFD) == 0);
	close(child_fd);
	clone_process("CLONE_FS", fs_child, CLONE_VM | CLONE_FS);
	REPORT("CLONE_FS: the parent's cwd followed the child's chdir",
	       getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/tmp") == 0);
	REPORT("CLONE_FS: the parent's umask followed", umask(022) == 027);
}

int main(void)
{
	static int dummy_tid;

	CHECK(syscall(SYS_set_tid_address, &dummy_tid) == getpid());
	refusals();
	raw_thread();
	sharing_processes();
	return prog_done();
}
