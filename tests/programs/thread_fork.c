/*
 * Processes made by threads: a child forked by a thread is the group's
 * child (getppid is the group's id, any thread may wait for it, SIGCHLD
 * comes to the group), a vfork from a thread lets the rest of the group
 * run, and many threads exiting in any order while others sleep in a
 * futex leave the group sound.
 */
#include "proc.h"
#include "threads.h"

static pid_t forked, child_ppid_ok = -1;
static volatile int sigchld;

static void on_chld(int sig)
{
	sigchld = 1;
}

static void *forking_thread(void *arg)
{
	int pfd[2];
	char c = 0;

	if (pipe(pfd))
		return NULL;
	fflush(stdout);
	forked = fork();
	if (forked == 0) {
		c = getppid() == (pid_t)(long)arg;
		write(pfd[1], &c, 1);
		_exit(5);
	}
	close(pfd[1]); /* a child that dies first leaves end of file */
	if (forked > 0 && read(pfd[0], &c, 1) == 1)
		child_ppid_ok = c;
	close(pfd[0]);
	return NULL;
}

/* A thread forks; the main thread waits for the child. */
static void fork_in_thread(void)
{
	pthread_t t;
	int st = 0;

	signal(SIGCHLD, on_chld);
	thread_start(&t, forking_thread, (void *)(long)getpid());
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(forked > 0);
	REPORT("the child's getppid() is the group's id", child_ppid_ok == 1);
	CHECK(waitpid(forked, &st, 0) == forked);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 5);
	REPORT("SIGCHLD reached the group", sigchld);
	signal(SIGCHLD, SIG_DFL);
}

static void *vforking_thread(void *arg)
{
	pid_t pid = vfork();

	if (pid == 0)
		_exit(6);
	return (void *)(long)pid;
}

/* vfork in a thread: the child runs, exits; the thread goes on. */
static void vfork_in_thread(void)
{
	pthread_t t;
	void *ret;
	int st = 0;

	thread_start(&t, vforking_thread, NULL);
	CHECK(pthread_join(t, &ret) == 0);
	CHECK((long)ret > 0 && waitpid((pid_t)(long)ret, &st, 0) == (pid_t)(long)ret);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 6);
}

#define NCHURN 24

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int released;

/* Sleep in the condition variable until released, then exit after `arg` yields. */
static void *churn_thread(void *arg)
{
	pthread_mutex_lock(&lock);
	while (!released)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	for (long i = 0; i < (long)arg; i++)
		sched_yield();
	return arg;
}

/* Threads leaving in an order of their own; every join finds its value. */
static void churn(void)
{
	pthread_t t[NCHURN];
	int ok = 1;
	void *ret;

	for (long i = 0; i < NCHURN; i++)
		thread_start(&t[i], churn_thread, (void *)((i * 7) % 11));
	pthread_mutex_lock(&lock);
	released = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	for (long i = NCHURN - 1; i >= 0; i--)
		ok &= pthread_join(t[i], &ret) == 0 && ret == (void *)((i * 7) % 11);
	REPORT("24 threads joined in reverse, each with its value", ok);
}

int main(void)
{
	fork_in_thread();
	vfork_in_thread();
	churn();
	return prog_done();
}
