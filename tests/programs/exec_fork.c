/*
 * exec with processes: fork then execve in the child (the parent waits for
 * the new program's status); vfork then execve (the parent sleeps until the
 * exec, sees what the child wrote in the shared memory before it, and its
 * own memory is untouched by the new program); vfork then a failing execve
 * (ENOENT seen by the parent through the shared memory, status 127); fork
 * then execve of a "#!" script; posix_spawn (clone(CLONE_VM|CLONE_VFORK),
 * exec errors reported through an O_CLOEXEC pipe, which the exec closes) of
 * itself and of a missing program. The child roles are this program again.
 */
#include "files.h"
#include <limits.h>
#include <spawn.h>
#include <sys/wait.h>

#define SCRIPT "/tmp/bootmm_exec_fork_script"

static char self[PATH_MAX];
static volatile int shared_marker, shared_errno;

/* Wait for child pid and print how it ended. */
static void reap(const char *what, pid_t pid)
{
	int status = 0;
	pid_t got = waitpid(pid, &status, 0);

	printf("%s: waitpid %s, ", what, got == pid ? "ok" : files_errname(errno));
	if (WIFEXITED(status))
		printf("exit %d\n", WEXITSTATUS(status));
	else
		printf("signal %d\n", WTERMSIG(status));
}

/* The child role: print what exec gave it and exit with its last argument. */
static int child(int argc, char **argv, char **envp)
{
	printf("  child %s: argc %d", argv[1], argc);
	for (int i = 2; i < argc; i++)
		printf(" [%s]", argv[i]);
	for (int i = 0; envp[i]; i++)
		printf(" {%s}", envp[i]);
	printf(" marker %d\n", shared_marker);
	return argc > 2 ? atoi(argv[argc - 1]) : 0;
}

static void fork_exec(void)
{
	char *argv[] = { "exec_fork", "forked", "7", NULL };
	char *envp[] = { "E=1", NULL };
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execve(self, argv, envp);
		_exit(126);
	}
	reap("fork+exec", pid);
}

static void vfork_exec(void)
{
	char *argv[] = { "exec_fork", "vforked", "9", NULL };
	char *envp[] = { NULL };
	pid_t pid;
	int seen;

	fflush(stdout);
	shared_marker = 0;
	pid = vfork();
	if (pid == 0) {
		shared_marker = 42; /* the parent's memory until the exec */
		execve(self, argv, envp);
		_exit(126);
	}
	seen = shared_marker; /* printed after the wait: the new program prints first */
	reap("vfork+exec", pid);
	printf("vfork parent after the exec: marker %d\n", seen);
}

static void vfork_exec_fails(void)
{
	char *argv[] = { "nothing", NULL };
	pid_t pid;

	fflush(stdout);
	pid = vfork();
	if (pid == 0) {
		execve("/no/such/program", argv, argv + 1);
		shared_errno = errno;
		_exit(127);
	}
	reap("vfork+failed exec", pid);
	printf("vfork+failed exec: the child saw %s\n", files_errname(shared_errno));
}

static void fork_exec_script(void)
{
	char line[PATH_MAX + 32];
	char *argv[] = { "script", "11", NULL };
	char *envp[] = { NULL };
	int fd = open(SCRIPT, O_CREAT | O_TRUNC | O_WRONLY, 0755);
	pid_t pid;

	snprintf(line, sizeof(line), "#!%s scripted\n", self);
	if (fd < 0 || write(fd, line, strlen(line)) < 0 || close(fd) != 0)
		exit(1);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execve(SCRIPT, argv, envp);
		_exit(126);
	}
	reap("fork+exec of a script", pid);
	unlink(SCRIPT);
}

static void spawn(void)
{
	char *argv[] = { "exec_fork", "spawned", "13", NULL };
	char *envp[] = { "S=1", NULL };
	pid_t pid = 0;
	int err;

	fflush(stdout);
	err = posix_spawn(&pid, self, NULL, NULL, argv, envp);
	if (!err) /* its output comes first: printed after the wait */
		reap("posix_spawn", pid);
	printf("posix_spawn: %s\n", files_errname(err));
	err = posix_spawn(&pid, "/no/such/program", NULL, NULL, argv, envp);
	printf("posix_spawn of a missing program: %s\n", files_errname(err));
	if (!err)
		reap("posix_spawn of a missing program", pid);
}

int main(int argc, char **argv, char **envp)
{
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return 1;
	self[n] = 0;
	if (argc > 1)
		return child(argc, argv, envp);
	fork_exec();
	vfork_exec();
	vfork_exec_fails();
	fork_exec_script();
	spawn();
	return 0;
}
