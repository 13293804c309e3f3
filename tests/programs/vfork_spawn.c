// pending: vfork, clone3, execve, posix_spawn (issue 13)
/* vfork + _exit (memory borrowed, parent suspended), vfork + execve of /proc/self/exe in a mode chosen by argv, posix_spawn with file actions, clone and clone3 (CLONE_VFORK, exit_signal SIGCHLD, PARENT_SETTID) by raw syscall. CLONE_THREAD is left out (EINVAL in bootmm until threads exist). */
#include "proc.h"
#include <sched.h>
#include <spawn.h>

/* Linux's struct clone_args (include/uapi/linux/sched.h, CLONE_ARGS_SIZE_VER2); musl has no kernel headers. */
struct clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};
_Static_assert(sizeof(struct clone_args) == 88, "clone_args is 88 bytes");

extern char **environ;

/* The program run again by exec: print what it was given, exit 12. */
static int exec_mode(int argc, char **argv)
{
	const char *v = getenv("BOOTMM_MODE");

	printf("exec'd: argc %d, argv[1] %s, argv[2] %s\n", argc, argv[1], argc > 2 ? argv[2] : "-");
	printf("exec'd: BOOTMM_MODE=%s, %s\n", v ? v : "(unset)",
	       environ[0] && !environ[1] ? "one variable" : "not one variable");
	fflush(stdout);
	return 12;
}

/* vfork + _exit: the child runs in the parent's memory while the parent waits. */
static void vfork_exit(void)
{
	static volatile int shared;
	pid_t parent = getpid(), pid;

	shared = 1;
	fflush(stdout);
	pid = vfork();
	if (pid == 0) {
		/* the parent's memory, the parent suspended until _exit */
		shared = getppid() == parent ? 2 : 3;
		_exit(8);
	}
	REPORT("vfork: the child's write is in the parent's memory", shared == 2);
	REPORT("vfork: the child exited 8", proc_status(pid) == 8);
}

/* vfork + execve of this program in exec-mode (exit 12); execve of a missing file gives ENOENT. */
static void vfork_exec(void)
{
	char *argv[] = { "vfork_spawn", "exec-mode", "vfork", NULL };
	char *envp[] = { "BOOTMM_MODE=vfork", NULL };
	pid_t pid;

	fflush(stdout);
	pid = vfork();
	if (pid == 0) {
		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	REPORT("vfork + execve of /proc/self/exe: exit 12", proc_status(pid) == 12);
	pid = proc_fork();
	if (pid == 0) {
		execve("/nonexistent/program", argv, envp);
		_exit(errno == ENOENT ? 40 : 41);
	}
	REPORT("execve of a missing file: ENOENT, the caller goes on", proc_status(pid) == 40);
}

/* posix_spawn with stdout onto a pipe: the parent reads the spawned program's lines. */
static void spawn(void)
{
	char *argv[] = { "vfork_spawn", "exec-mode", "spawn", NULL };
	char *envp[] = { "BOOTMM_MODE=spawn", NULL };
	posix_spawn_file_actions_t fa;
	char buf[512];
	int p[2] = { -1, -1 }, rc;
	ssize_t n, got = 0;
	pid_t pid;

	CHECK(pipe(p) == 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	fflush(stdout);
	rc = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, envp);
	printf("posix_spawn: %s\n", proc_errname(rc));
	close(p[1]);
	while ((n = read(p[0], buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	buf[got] = 0;
	printf("spawned program wrote:\n%s", buf);
	REPORT("spawned program exited 12", rc == 0 && proc_status(pid) == 12);
	close(p[0]);
	posix_spawn_file_actions_destroy(&fa);
	rc = posix_spawn(&pid, "/nonexistent/program", NULL, NULL, argv, envp);
	printf("posix_spawn of a missing file: %s\n", proc_errname(rc));
	PROC_ERRNO(ECHILD, waitpid(-1, NULL, WNOHANG));
}

/* clone3 by raw syscall: CLONE_VFORK, exit_signal SIGCHLD, the child's pid in parent_tid. */
static void clone3_vfork(void)
{
	struct clone_args ca;
	pid_t tid = 0;
	long pid;

	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_VFORK | CLONE_PARENT_SETTID;
	ca.exit_signal = SIGCHLD;
	ca.parent_tid = (uintptr_t)&tid;
	fflush(stdout);
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0)
		syscall(SYS_exit, getppid() > 0 ? 21 : 22);
	CHECK(pid > 0);
	REPORT("clone3: parent_tid holds the child's pid", tid == pid);
	REPORT("clone3: child exited 21, reaped as a SIGCHLD child", proc_status(pid) == 21);

	memset(&ca, 0, sizeof(ca));
	ca.exit_signal = SIGCHLD;
	PROC_ERRNO(EINVAL, syscall(SYS_clone3, &ca, 8));
	ca.exit_signal = 65;
	PROC_ERRNO(EINVAL, syscall(SYS_clone3, &ca, sizeof(ca)));
	ca.exit_signal = SIGCHLD;
	ca.flags = CLONE_SIGHAND;	/* without CLONE_VM */
	PROC_ERRNO(EINVAL, syscall(SYS_clone3, &ca, sizeof(ca)));
}

/* clone(SIGCHLD) by raw syscall is a fork. */
static void clone_fork(void)
{
	long pid;

	fflush(stdout);
	pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (pid == 0)
		syscall(SYS_exit, 23);
	REPORT("clone(SIGCHLD): child exited 23", pid > 0 && proc_status(pid) == 23);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "exec-mode") == 0)
		return exec_mode(argc, argv);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	vfork_exit();
	vfork_exec();
	spawn();
	clone3_vfork();
	clone_fork();
	return prog_done();
}
