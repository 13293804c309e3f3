/* Signals and pipes between parent and child: pause, sigsuspend, rt_sigtimedwait, sigqueue/rt_sigqueueinfo values, alarm, ITIMER_REAL, SIGPIPE/EPIPE, pipe EOF, 64 KiB capacity, PIPE_BUF atomicity, poll. */
#include "proc.h"
#include <limits.h>
#include <poll.h>
#include <time.h>
#include <sys/time.h>

static volatile sig_atomic_t got_sig, got_code, got_value, got_count;
static volatile pid_t got_pid;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	got_sig = sig;
	got_code = si->si_code;
	got_value = si->si_value.sival_int;
	got_pid = si->si_pid;
	got_count++;
}

/* Catch sig with on_sig (SA_SIGINFO, no SA_RESTART). */
static void catch(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sig;
	sa.sa_flags = SA_SIGINFO;
	sigaction(sig, &sa, NULL);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void set_blocked(int sig, int how)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(how, &s, NULL);
}

/* pause() returns -1 EINTR once a handler ran; the child repeats SIGUSR1 until the parent answers. */
static void pause_woken(void)
{
	pid_t parent = getpid(), pid;
	int ack[2] = { -1, -1 };
	long r;

	catch(SIGUSR1);
	got_count = 0;
	CHECK(pipe2(ack, O_NONBLOCK) == 0);
	if (ack[0] < 0)
		return;
	pid = proc_fork();
	if (pid == 0) {
		char c;

		for (int tries = 0; tries < 150; tries++) {	/* 3 s at most */
			if (read(ack[0], &c, 1) == 1)
				_exit(0);
			kill(parent, SIGUSR1);
			sleep_ms(20);
		}
		_exit(1);
	}
	r = pause();
	REPORT("pause() returned -1 EINTR", r == -1 && errno == EINTR);
	REPORT("after the handler ran, from the child, SI_USER",
	       got_count >= 1 && got_sig == SIGUSR1 && got_pid == pid && got_code == SI_USER);
	proc_signal(ack[1]);
	CHECK(proc_status(pid) == 0);
	close(ack[0]);
	close(ack[1]);
}

/* sigsuspend with the signal blocked before the fork: no lost wake-up, the mask comes back. */
static void sigsuspend_woken(void)
{
	sigset_t none, now;
	pid_t pid;
	long r;

	catch(SIGUSR2);
	got_count = 0;
	set_blocked(SIGUSR2, SIG_BLOCK);
	pid = proc_fork();
	if (pid == 0) {
		kill(getppid(), SIGUSR2);
		_exit(0);
	}
	sigemptyset(&none);
	r = sigsuspend(&none);
	REPORT("sigsuspend returned -1 EINTR", r == -1 && errno == EINTR);
	REPORT("the child's SIGUSR2 was handled once", got_count == 1 && got_sig == SIGUSR2);
	sigprocmask(SIG_BLOCK, NULL, &now);
	REPORT("SIGUSR2 blocked again afterwards", sigismember(&now, SIGUSR2) == 1);
	CHECK(proc_status(pid) == 0);
	set_blocked(SIGUSR2, SIG_UNBLOCK);
}

/* rt_sigtimedwait: EAGAIN after its timeout, then the child's queued SIGUSR1 with its value. */
static void timedwait(void)
{
	struct timespec short_wait = { 0, 50 * 1000000 }, long_wait = { 5, 0 };
	sigset_t set;
	siginfo_t si;
	pid_t pid;

	set_blocked(SIGUSR1, SIG_BLOCK);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	PROC_ERRNO(EAGAIN, sigtimedwait(&set, &si, &short_wait));
	pid = proc_fork();
	if (pid == 0) {
		union sigval v = { .sival_int = 1234 };

		_exit(sigqueue(getppid(), SIGUSR1, v) == 0 ? 0 : 1);
	}
	memset(&si, 0, sizeof(si));
	CHECK(sigtimedwait(&set, &si, &long_wait) == SIGUSR1);
	REPORT("si_code SI_QUEUE, si_value 1234, si_pid the child",
	       si.si_code == SI_QUEUE && si.si_value.sival_int == 1234 && si.si_pid == pid);
	CHECK(proc_status(pid) == 0);
	PROC_ERRNO(EAGAIN, sigtimedwait(&set, &si, &short_wait));
	set_blocked(SIGUSR1, SIG_UNBLOCK);
}

/* sigqueue to an SA_SIGINFO handler; rt_sigqueueinfo to itself and (EPERM with si_code >= 0) to another. */
static void queued_values(void)
{
	siginfo_t si;
	pid_t pid;

	catch(SIGUSR2);
	got_count = 0;
	set_blocked(SIGUSR2, SIG_BLOCK);
	pid = proc_fork();
	if (pid == 0) {
		union sigval v = { .sival_int = 4321 };

		_exit(sigqueue(getppid(), SIGUSR2, v) == 0 ? 0 : 1);
	}
	proc_suspend_until(&got_count, 1);
	REPORT("handler: si_value 4321, SI_QUEUE, si_pid the child",
	       got_value == 4321 && got_code == SI_QUEUE && got_pid == pid);
	CHECK(proc_status(pid) == 0);

	memset(&si, 0, sizeof(si));
	si.si_signo = SIGUSR2;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = 77;
	got_count = 0;
	PROC_ERRNO(0, syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR2, &si));
	set_blocked(SIGUSR2, SIG_UNBLOCK);
	REPORT("rt_sigqueueinfo to itself: value 77", got_count == 1 && got_value == 77);
	pid = proc_fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	si.si_code = SI_USER;
	PROC_ERRNO(EPERM, syscall(SYS_rt_sigqueueinfo, pid, SIGUSR2, &si));
	kill(pid, SIGKILL);
	CHECK(proc_status(pid) == 128 + SIGKILL);
}

/* alarm: the seconds left, then SIGALRM delivered. */
static void alarms(void)
{

	catch(SIGALRM);
	CHECK(alarm(5) == 0);
	CHECK(alarm(0) == 5);
	got_count = 0;
	set_blocked(SIGALRM, SIG_BLOCK);
	CHECK(alarm(1) == 0);
	proc_suspend_until(&got_count, 1);
	REPORT("SIGALRM from alarm(1), SI_KERNEL", got_sig == SIGALRM && got_code == SI_KERNEL);
	CHECK(alarm(0) == 0);
	set_blocked(SIGALRM, SIG_UNBLOCK);
}

/* setitimer/getitimer ITIMER_REAL: one-shot and periodic, disarmed reads zero. */
static void itimer(void)
{
	struct itimerval one = { { 0, 0 }, { 0, 400000 } }, tick = { { 0, 20000 }, { 0, 20000 } };
	struct itimerval off = { { 0, 0 }, { 0, 0 } }, cur;

	catch(SIGALRM);
	set_blocked(SIGALRM, SIG_BLOCK);
	got_count = 0;
	CHECK(setitimer(ITIMER_REAL, &one, NULL) == 0);
	CHECK(getitimer(ITIMER_REAL, &cur) == 0);
	REPORT("armed: 0 < value <= 400 ms, no interval",
	       cur.it_value.tv_sec == 0 && cur.it_value.tv_usec > 0 &&
	       cur.it_value.tv_usec <= 400000 && cur.it_interval.tv_usec == 0);
	proc_suspend_until(&got_count, 1);
	CHECK(getitimer(ITIMER_REAL, &cur) == 0);
	REPORT("after it fired: disarmed", cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);
	got_count = 0;
	CHECK(setitimer(ITIMER_REAL, &tick, NULL) == 0);
	proc_suspend_until(&got_count, 3);
	CHECK(setitimer(ITIMER_REAL, &off, &cur) == 0);
	REPORT("periodic: three ticks, the old value had its 20 ms interval",
	       got_count >= 3 && cur.it_interval.tv_usec == 20000);
	PROC_ERRNO(EINVAL, setitimer(ITIMER_REAL + 7, &one, NULL));
	set_blocked(SIGALRM, SIG_UNBLOCK);
}

/* A write to a pipe without readers: SIGPIPE kills by default; ignored, EPIPE; handled, both. */
static void sigpipe(void)
{
	int p[2] = { -1, -1 };
	pid_t pid;

	CHECK(pipe(p) == 0);
	close(p[0]);
	pid = proc_fork();
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		write(p[1], "x", 1);
		_exit(0);
	}
	REPORT("default: the writer dies of SIGPIPE", proc_status(pid) == 128 + SIGPIPE);
	signal(SIGPIPE, SIG_IGN);
	PROC_ERRNO(EPIPE, write(p[1], "x", 1));
	catch(SIGPIPE);
	got_count = 0;
	PROC_ERRNO(EPIPE, write(p[1], "x", 1));
	REPORT("handled: SIGPIPE delivered too", got_count == 1 && got_sig == SIGPIPE);
	signal(SIGPIPE, SIG_DFL);
	close(p[1]);
}

/* EOF only once the last writer (the parent's copy and the child's) is closed. */
static void pipe_eof(void)
{
	char buf[16];
	int p[2] = { -1, -1 }, go[2] = { -1, -1 };
	pid_t pid;

	CHECK(pipe(p) == 0 && pipe(go) == 0);
	pid = proc_fork();
	if (pid == 0) {
		close(p[0]);
		proc_await(go[0]);
		write(p[1], "abc", 3);
		_exit(0);
	}
	close(p[1]);
	proc_signal(go[1]);
	REPORT("the child's bytes arrive", read(p[0], buf, sizeof(buf)) == 3 && !memcmp(buf, "abc", 3));
	CHECK(read(p[0], buf, sizeof(buf)) == 0);
	CHECK(proc_status(pid) == 0);
	close(p[0]);
	close(go[0]);
	close(go[1]);
}

/* O_NONBLOCK: a pipe takes 64 KiB, then EAGAIN; the parent reads all of it. */
static void pipe_capacity(void)
{
	static char buf[4096];
	int p[2] = { -1, -1 };
	long total = 0, n;
	pid_t pid;

	CHECK(pipe2(p, O_NONBLOCK) == 0);
	CHECK(fcntl(p[0], F_GETPIPE_SZ) == 65536);
	pid = proc_fork();
	if (pid == 0) {
		long put = 0;

		memset(buf, 'z', sizeof(buf));
		while ((n = write(p[1], buf, sizeof(buf))) > 0)
			put += n;
		_exit(put == 65536 && errno == EAGAIN ? 0 : 1);
	}
	REPORT("the child filled 64 KiB, then EAGAIN", proc_status(pid) == 0);
	close(p[1]);
	while ((n = read(p[0], buf, sizeof(buf))) > 0)
		total += n;
	printf("bytes read: %ld\n", total);
	CHECK(n == 0);
	close(p[0]);
}

/* Two children each write 64 records of PIPE_BUF bytes of their letter: no record is torn. */
static void pipe_atomic(void)
{
	static char rec[PIPE_BUF];
	int p[2] = { -1, -1 }, counts[2] = { 0, 0 }, torn = 0;
	pid_t kids[2];

	CHECK(pipe(p) == 0);
	for (int k = 0; k < 2; k++) {
		kids[k] = proc_fork();
		if (kids[k] == 0) {
			close(p[0]);
			memset(rec, 'a' + k, sizeof(rec));
			for (int i = 0; i < 64; i++)
				if (write(p[1], rec, sizeof(rec)) != (ssize_t)sizeof(rec))
					_exit(1);
			_exit(0);
		}
	}
	close(p[1]);
	for (;;) {
		size_t got = 0;
		ssize_t n = 1;

		while (got < sizeof(rec) && (n = read(p[0], rec + got, sizeof(rec) - got)) > 0)
			got += (size_t)n;
		if (got == 0)
			break;
		int uniform = got == sizeof(rec) && (rec[0] == 'a' || rec[0] == 'b');

		for (size_t i = 1; uniform && i < got; i++)
			uniform = rec[i] == rec[0];
		if (!uniform)
			torn++;
		else
			counts[rec[0] - 'a']++;
	}
	REPORT("no torn record", torn == 0);
	REPORT("64 records from each writer", counts[0] == 64 && counts[1] == 64);
	CHECK(proc_status(kids[0]) == 0 && proc_status(kids[1]) == 0);
	close(p[0]);
}

/* poll on an empty pipe blocks until the child writes (5 s at most, so a broken pipe fails instead of hanging). */
static void poll_block(void)
{
	struct pollfd pfd;
	int p[2] = { -1, -1 };
	pid_t pid;

	CHECK(pipe(p) == 0);
	if (p[0] < 0)
		return;
	pfd.fd = p[0];
	pfd.events = POLLIN;
	CHECK(poll(&pfd, 1, 0) == 0);
	pid = proc_fork();
	if (pid == 0) {
		sleep_ms(50);
		write(p[1], "w", 1);
		_exit(0);
	}
	CHECK(poll(&pfd, 1, 5000) == 1 && pfd.revents == POLLIN);
	CHECK(proc_status(pid) == 0);
	close(p[1]);
	char c;
	CHECK(read(p[0], &c, 1) == 1 && c == 'w');
	CHECK(poll(&pfd, 1, 5000) == 1 && pfd.revents == POLLHUP);
	close(p[0]);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	pause_woken();
	sigsuspend_woken();
	timedwait();
	queued_values();
	alarms();
	itimer();
	sigpipe();
	pipe_eof();
	pipe_capacity();
	pipe_atomic();
	poll_block();
	return prog_done();
}
