/*
 * execve from a threaded process (Linux's de_thread): every other thread
 * dies, the new program is a process alone with the group's pid (when a
 * thread that is not the leader execs, it takes the leader's pid), and
 * the parent sees one child ending with the new program's status.
 */
#include "proc.h"
#include "threads.h"

/* The program after exec: alone, with the pid it had before. */
static int after_exec(const char *who, const char *pid_before)
{
	printf("%s: getpid() is the pid before exec: %s\n", who,
	       getpid() == atoi(pid_before) ? "yes" : "NO");
	printf("%s: gettid() == getpid(): %s\n", who,
	       syscall(SYS_gettid) == getpid() ? "yes" : "NO");
	printf("%s: Threads: %ld\n", who, prog_status_number("Threads:"));
	fflush(stdout);
	return 21;
}

static char pidbuf[16];

/* exec this program again in mode `who`, with the group's pid as argument. */
static void exec_self(const char *who)
{
	char *argv[] = { "thread_exec", (char *)who, pidbuf, NULL };

	snprintf(pidbuf, sizeof(pidbuf), "%d", getpid());
	fflush(stdout);
	execv("/proc/self/exe", argv);
	_exit(99);
}

static void *exec_thread(void *arg)
{
	exec_self("from-thread");
	return NULL;
}

static void *sleeping_thread(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

/* A child whose second thread execs while the main thread waits in pthread_join. */
static void thread_execs(void)
{
	pthread_t t;

	thread_start(&t, sleeping_thread, NULL);
	thread_start(&t, exec_thread, NULL);
	pthread_join(t, NULL);
	_exit(98);
}

/*
 * The same, the thread that execs made before the sleeping one: the
 * others are killed in the group's order after it, so the leader dies last.
 */
static void first_thread_execs(void)
{
	pthread_t t, u;

	thread_start(&t, exec_thread, NULL);
	thread_start(&u, sleeping_thread, NULL);
	pthread_join(t, NULL);
	_exit(98);
}

/* A child whose main thread execs while two threads sleep. */
static void leader_execs(void)
{
	pthread_t t;

	thread_start(&t, sleeping_thread, NULL);
	thread_start(&t, sleeping_thread, NULL);
	exec_self("from-leader");
}

static void run(const char *what, void (*body)(void))
{
	int st = -1;
	pid_t pid = proc_fork();

	if (pid == 0)
		body();
	CHECK(waitpid(pid, &st, 0) == pid);
	printf("%s: exit status %d\n", what, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	PROC_ERRNO(ECHILD, waitpid(-1, &st, WNOHANG));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 21)
		prog_failed = 1;
}

int main(int argc, char **argv)
{
	if (argc == 3)
		return after_exec(argv[1], argv[2]);
	run("a thread execs", thread_execs);
	run("the first thread execs", first_thread_execs);
	run("the leader execs", leader_execs);
	return prog_done();
}
