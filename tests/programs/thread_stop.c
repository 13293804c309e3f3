/*
 * Stops of a thread group: a stop signal sent to one thread (tgkill)
 * stops every thread, and the parent sees the group stopped with that
 * signal; SIGCONT sent to one thread continues them all (WCONTINUED).
 */
#include "proc.h"
#include "threads.h"

static void *sleeper(void *arg)
{
	int fd = (int)(long)arg;
	pid_t tid = (pid_t)syscall(SYS_gettid);

	write(fd, &tid, sizeof(tid));
	for (;;)
		pause();
	return NULL;
}

/* The state letter of /proc/<pid>/task/<tid>/status, '?' when unreadable. */
static char task_state(pid_t pid, pid_t tid)
{
	char path[64], buf[512], *at;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	fd = open(path, O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	at = strstr(buf, "State:\t");
	return at ? at[7] : '?';
}

/*
 * A child with a second thread; its pid, the thread's id in *tid. The child
 * leads a process group of its own: one whose members' parents are all in
 * it or in another session is orphaned, and Linux discards SIGTSTP there
 * (as when the runner starts this program in a session of its own).
 */
static pid_t threaded_child(pid_t *tid)
{
	int pfd[2];
	pid_t pid;

	if (pipe(pfd))
		return -1;
	pid = proc_fork();
	if (pid == 0) {
		pthread_t t;

		setpgid(0, 0);
		thread_start(&t, sleeper, (void *)(long)pfd[1]);
		for (;;)
			pause();
	}
	if (pid > 0)
		setpgid(pid, pid); /* either may run first: both set it, as a shell does */
	close(pfd[1]); /* a child that could not make its thread leaves end of file */
	if (read(pfd[0], tid, sizeof(*tid)) != sizeof(*tid))
		*tid = -1;
	close(pfd[0]);
	return pid;
}

/* tgkill(stop) to the thread, wait for the stop, look at both tasks, continue by the thread. */
static void stop_by_thread(int sig, const char *name)
{
	pid_t tid, pid = threaded_child(&tid);
	int st = 0;
	char what[96];

	CHECK(pid > 0 && tid > 0);
	if (pid <= 0 || tid <= 0) {
		if (pid > 0)
			kill(pid, SIGKILL);
		return;
	}
	CHECK(syscall(SYS_tgkill, pid, tid, sig) == 0);
	CHECK(waitpid(pid, &st, WUNTRACED) == pid);
	snprintf(what, sizeof(what), "%s to a thread: the group stopped by it", name);
	REPORT(what, WIFSTOPPED(st) && WSTOPSIG(st) == sig);
	for (int i = 0; i < 5000 && (task_state(pid, pid) != 'T' || task_state(pid, tid) != 'T');
	     i++)
		usleep(1000); /* up to 5 s: a loaded host may be slow */
	printf("%s: leader state %c, thread state %c\n", name, task_state(pid, pid),
	       task_state(pid, tid));
	CHECK(syscall(SYS_tgkill, pid, tid, SIGCONT) == 0);
	CHECK(waitpid(pid, &st, WCONTINUED) == pid);
	snprintf(what, sizeof(what), "%s: SIGCONT to the thread continued the group", name);
	REPORT(what, WIFCONTINUED(st));
	for (int i = 0; i < 5000 && (task_state(pid, pid) == 'T' || task_state(pid, tid) == 'T');
	     i++)
		usleep(1000);
	printf("%s: after SIGCONT leader %s, thread %s\n", name,
	       task_state(pid, pid) == 'T' ? "stopped" : "running",
	       task_state(pid, tid) == 'T' ? "stopped" : "running");
	CHECK(kill(pid, SIGKILL) == 0);
	CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

int main(void)
{
	stop_by_thread(SIGSTOP, "SIGSTOP");
	stop_by_thread(SIGTSTP, "SIGTSTP");
	return prog_done();
}
