/*
 * Threads (pthread_create, CLONE_THREAD): ids (getpid is the group's,
 * gettid each thread's), memory shared, a mutex and a condition variable,
 * join (CLONE_CHILD_CLEARTID), what the group shares (descriptors,
 * working directory and umask, signal handlers) and what it does not
 * (the signal mask), /proc/self/status's Threads:, and that the parent of
 * a threaded child sees one child.
 */
#include "proc.h"
#include "threads.h"
#include <dirent.h>
#include <sys/stat.h>

#define NTHREADS 4
#define ROUNDS 2000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter;
static int ready, go;
static pid_t main_pid, main_ppid;

struct tinfo {
	pid_t tid, pid, ppid;
	int ok;
};

/* Count to ROUNDS under the lock, yielding now and then so the threads interleave. */
static void *counter_thread(void *arg)
{
	struct tinfo *ti = arg;

	ti->tid = (pid_t)syscall(SYS_gettid);
	ti->pid = getpid();
	ti->ppid = getppid();
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
		if (i % 256 == 0)
			sched_yield();
	}
	ti->ok = 1;
	return ti;
}

/* Ids, shared memory and the mutex: NTHREADS threads counting, joined. */
static void counting(void)
{
	pthread_t t[NTHREADS];
	struct tinfo ti[NTHREADS];
	int distinct = 1, same_pid = 1, not_main = 1, ok = 1;
	void *ret;

	memset(ti, 0, sizeof(ti));
	for (int i = 0; i < NTHREADS; i++)
		thread_start(&t[i], counter_thread, &ti[i]);
	for (int i = 0; i < NTHREADS; i++) {
		CHECK(pthread_join(t[i], &ret) == 0 && ret == &ti[i]);
		ok &= ti[i].ok;
		same_pid &= ti[i].pid == main_pid && ti[i].ppid == main_ppid;
		not_main &= ti[i].tid != main_pid && ti[i].tid > 0;
		for (int j = 0; j < i; j++)
			distinct &= ti[i].tid != ti[j].tid;
	}
	REPORT("every thread ran to its end", ok);
	REPORT("threads: getpid() is the group's, getppid() the same", same_pid);
	REPORT("threads: gettid() is not the group's id", not_main);
	REPORT("threads: every gettid() differs", distinct);
	printf("counter: %ld\n", counter);
	CHECK(counter == (long)NTHREADS * ROUNDS);
}

/* Wait for `go` under the condition variable, then tell the main thread. */
static void *cond_thread(void *arg)
{
	pthread_mutex_lock(&lock);
	ready++;
	pthread_cond_broadcast(&cond);
	while (!go)
		pthread_cond_wait(&cond, &lock);
	ready--;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* The entries of /proc/self/task, and whether each one's status says Pid: <its name>, Tgid: ours. */
static int task_entries(int *sound)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	char path[64], buf[4096];
	int n = 0;

	*sound = d != NULL;
	while (d && (e = readdir(d)) != NULL) {
		int fd, tid = atoi(e->d_name);
		ssize_t len;
		char want[64];

		if (tid <= 0)
			continue;
		n++;
		snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
		fd = open(path, O_RDONLY);
		len = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		close(fd);
		buf[len > 0 ? len : 0] = 0;
		snprintf(want, sizeof(want), "Tgid:\t%d\nNgid:\t0\nPid:\t%d\n", getpid(), tid);
		*sound &= strstr(buf, want) != NULL;
	}
	if (d)
		closedir(d);
	return n;
}

/* A condition variable between the main thread and three waiters; Threads: meanwhile. */
static void condvar(void)
{
	pthread_t t[3];
	int sound, tasks;

	for (int i = 0; i < 3; i++)
		thread_start(&t[i], cond_thread, NULL);
	pthread_mutex_lock(&lock);
	while (ready < 3)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	printf("Threads: with three waiting: %ld\n", prog_status_number("Threads:"));
	tasks = task_entries(&sound);
	printf("/proc/self/task entries with three waiting: %d\n", tasks);
	REPORT("each task's status: Tgid ours, Pid its own", sound);
	pthread_mutex_lock(&lock);
	go = 1;
	pthread_cond_broadcast(&cond);
	while (ready > 0)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < 3; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
	/* a joined thread may still be on its way out (its tid cleared before it is gone) */
	for (int i = 0; i < 5000 && prog_status_number("Threads:") != 1; i++)
		usleep(1000); /* up to 5 s: a loaded host may be slow */
	printf("Threads: after the joins: %ld\n", prog_status_number("Threads:"));
}

static int shared_fd = -1;
static volatile int usr1_seen;

static void on_usr1(int sig)
{
	usr1_seen = sig;
}

/* What a thread changes for the whole group: a descriptor, the cwd, the umask, a handler. */
static void *sharing_thread(void *arg)
{
	struct sigaction sa;
	sigset_t set;

	shared_fd = open("/dev/null", O_RDONLY);
	chdir("/tmp");
	umask(077);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* this thread's own mask */
	return NULL;
}

/* The group shares descriptors, cwd and umask, and handlers; not the mask. */
static void sharing(void)
{
	pthread_t t;
	char cwd[64] = "";
	sigset_t mask;

	thread_start(&t, sharing_thread, NULL);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(shared_fd >= 0 && fcntl(shared_fd, F_GETFD) == 0);
	CHECK(close(shared_fd) == 0);
	CHECK(getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/tmp") == 0);
	CHECK(umask(022) == 077);
	raise(SIGUSR1);
	CHECK(usr1_seen == SIGUSR1);
	sigprocmask(SIG_BLOCK, NULL, &mask);
	CHECK(!sigismember(&mask, SIGUSR2));
	signal(SIGUSR1, SIG_DFL);
}

/* A child that makes threads and ends: its parent waits for one child, then ECHILD. */
static void one_child(void)
{
	int st = 0;
	pid_t pid = proc_fork();

	if (pid == 0) {
		pthread_t t[2];

		main_pid = getpid();
		for (int i = 0; i < 2; i++)
			thread_start(&t[i], cond_thread, NULL);
		pthread_mutex_lock(&lock);
		go = 1;
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&lock);
		for (int i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		_exit(12);
	}
	CHECK(waitpid(-1, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 12);
	PROC_ERRNO(ECHILD, waitpid(-1, &st, WNOHANG));
}

int main(void)
{
	main_pid = getpid();
	main_ppid = getppid();
	CHECK(syscall(SYS_gettid) == main_pid);
	counting();
	condvar();
	sharing();
	one_child();
	return prog_done();
}
