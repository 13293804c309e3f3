/*
 * How a thread group ends, as its parent sees it: a fatal SIGSEGV in one
 * thread kills every thread (WTERMSIG 11); exit_group from a thread ends
 * the group with its code while the main thread sleeps in a futex; a
 * leader that exits first (SYS_exit) stays a zombie until its last thread
 * exits, and the group's status is that last thread's code; kill() of a signal
 * the main thread blocks ends the group through another thread; SIGKILL to
 * a thread's id kills the group; each child is one child, then ECHILD.
 */
#include "proc.h"
#include "threads.h"

static volatile int *volatile null_ptr;

static void *segv_thread(void *arg)
{
	*null_ptr = 1;
	return NULL;
}

static void *exit_group_thread(void *arg)
{
	usleep(20000);
	syscall(SYS_exit_group, 7);
	return NULL;
}

static void *late_exit_thread(void *arg)
{
	usleep(50000);
	syscall(SYS_exit, 9); /* the last thread: its code is the group's */
	return NULL;
}

static void *forever_thread(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

static volatile int blocked_ready;

/* Blocks SIGTERM, says so, then opens it once the leader has gone. */
static void *late_unblock_thread(void *arg)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	blocked_ready = 1;
	usleep(50000);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	for (;;)
		pause();
	return NULL;
}

static pid_t forever_tid;

static void *tid_then_forever(void *arg)
{
	forever_tid = (pid_t)syscall(SYS_gettid);
	for (;;)
		pause();
	return NULL;
}

/* Run `body` in a child; its wait status. */
static int in_child(void (*body)(void))
{
	int st = -1;
	pid_t pid = proc_fork();

	if (pid == 0) {
		body();
		_exit(100);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	if (waitpid(-1, NULL, WNOHANG) != -1 || errno != ECHILD)
		return -2; /* threads are not children */
	return st;
}

static void segv_body(void)
{
	pthread_t t;

	thread_start(&t, segv_thread, NULL);
	pthread_join(t, NULL); /* the main thread sleeps in a futex: killed with the group */
}

static void exit_group_body(void)
{
	pthread_t t;

	thread_start(&t, exit_group_thread, NULL);
	pthread_join(t, NULL);
}

static void leader_first_body(void)
{
	pthread_t t;

	thread_start(&t, late_exit_thread, NULL);
	syscall(SYS_exit, 3);
}

static void blocked_kill_body(void)
{
	pthread_t t;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	thread_start(&t, forever_thread, NULL); /* made before: SIGTERM open there */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	kill(getpid(), SIGTERM);
	for (;;)
		pause();
}

/* SIGTERM blocked everywhere, the leader exits: the thread left takes it when it opens it. */
static void handoff_body(void)
{
	pthread_t t;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	thread_start(&t, late_unblock_thread, NULL);
	while (!blocked_ready)
		sched_yield();
	kill(getpid(), SIGTERM);
	syscall(SYS_exit, 0);
}

static void kill_thread_body(void)
{
	pthread_t t;

	thread_start(&t, tid_then_forever, NULL);
	while (!forever_tid)
		sched_yield();
	syscall(SYS_tkill, forever_tid, SIGKILL);
	for (;;)
		pause();
}

int main(void)
{
	int st;

	st = in_child(segv_body);
	REPORT("SIGSEGV in a thread: the group killed by SIGSEGV",
	       st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	st = in_child(exit_group_body);
	REPORT("exit_group(7) from a thread: status 7", st >= 0 && WIFEXITED(st) &&
	       WEXITSTATUS(st) == 7);
	st = in_child(leader_first_body);
	REPORT("leader exit(3) first, last thread exit(9): status 9", st >= 0 && WIFEXITED(st) &&
	       WEXITSTATUS(st) == 9);
	st = in_child(blocked_kill_body);
	REPORT("SIGTERM blocked by main, open on a thread: killed by SIGTERM",
	       st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	st = in_child(handoff_body);
	REPORT("SIGTERM pending on the group, leader gone: the thread left takes it",
	       st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	st = in_child(kill_thread_body);
	REPORT("SIGKILL to one thread: the group killed by SIGKILL",
	       st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	return prog_done();
}
