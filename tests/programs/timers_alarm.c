/*
 * alarm and the interval timers: alarm's remaining seconds, SIGALRM from
 * alarm and from setitimer (SI_KERNEL), an interval timer firing again
 * and again, getitimer while armed and after disarming, Linux's re-arm
 * when SIGALRM is taken (not while it waits blocked), ITIMER_VIRTUAL and
 * ITIMER_PROF on CPU time, timers not inherited by fork, and the errnos.
 */
#include "prog.h"
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

static volatile int alrm, vtalrm, prof, last_code;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	last_code = si->si_code;
	if (sig == SIGALRM)
		alrm++;
	else if (sig == SIGVTALRM)
		vtalrm++;
	else
		prof++;
}

static void handle(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sig;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(sig, &sa, NULL);
}

static int is_zero(const struct itimerval *v)
{
	return !v->it_value.tv_sec && !v->it_value.tv_usec && !v->it_interval.tv_sec &&
	       !v->it_interval.tv_usec;
}

/* The alarm system call itself (musl's alarm() is setitimer, rounding up). */
static unsigned sys_alarm(unsigned s)
{
	return (unsigned)syscall(SYS_alarm, s);
}

/* Set ITIMER_REAL to sec.usec, no interval. */
static void arm(long sec, long usec)
{
	struct itimerval it = { { 0, 0 }, { sec, usec } };

	setitimer(ITIMER_REAL, &it, NULL);
}

/* alarm: what is left, rounded to the nearest second, never 0 while armed; SIGALRM when due. */
static void alarm_checks(void)
{
	struct itimerval it = { { 1, 0 }, { 2, 300000 } }, cur;

	printf("alarm(5): %u\n", sys_alarm(5));
	printf("alarm(0) after alarm(5): %u\n", sys_alarm(0));
	printf("alarm(0) with none: %u\n", sys_alarm(0));
	arm(0, 300000);
	printf("alarm(0) with 0.3 s left: %u\n", sys_alarm(0));
	arm(2, 300000);
	printf("alarm(0) with 2.3 s left: %u\n", sys_alarm(0));
	arm(2, 700000);
	printf("alarm(0) with 2.7 s left: %u\n", sys_alarm(0));
	arm(2, 300000);
	printf("musl alarm(0) with 2.3 s left: %u\n", alarm(0));
	setitimer(ITIMER_REAL, &it, NULL);
	printf("alarm(3) with 2.3 s left, interval 1 s: %u\n", sys_alarm(3));
	getitimer(ITIMER_REAL, &cur);
	CHECK(cur.it_interval.tv_sec == 0 && cur.it_value.tv_sec == 2);
	sys_alarm(0);
	handle(SIGALRM);
	alrm = 0;
	sys_alarm(1);
	for (int i = 0; i < 100 && !alrm; i++)
		pause();
	CHECK(alrm == 1 && last_code == SI_KERNEL);
}

/* An interval ITIMER_REAL fires again and again; disarmed it reads zero. */
static void interval_checks(void)
{
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } }, cur, zero = { { 0, 0 }, { 0, 0 } };

	alrm = 0;
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	getitimer(ITIMER_REAL, &cur);
	CHECK(cur.it_interval.tv_usec == 10000 && cur.it_value.tv_sec == 0 &&
	      cur.it_value.tv_usec > 0 && cur.it_value.tv_usec <= 10000);
	for (int i = 0; i < 1000 && alrm < 5; i++)
		pause();
	CHECK(setitimer(ITIMER_REAL, &zero, &cur) == 0);
	CHECK(alrm >= 5);
	CHECK(cur.it_interval.tv_usec == 10000);
	getitimer(ITIMER_REAL, &cur);
	CHECK(is_zero(&cur));
}

/*
 * With SIGALRM blocked the timer waits for the signal to be taken before
 * it runs again: then from its last expiry (10 ms) by its interval (100 ms).
 */
static void rearm_checks(void)
{
	struct itimerval it = { { 0, 100000 }, { 0, 10000 } }, cur, zero = { { 0, 0 }, { 0, 0 } };
	struct timespec ts = { 0, 50000000 }, now = { 0, 0 };
	sigset_t m;
	siginfo_t si;

	sigemptyset(&m);
	sigaddset(&m, SIGALRM);
	sigprocmask(SIG_BLOCK, &m, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	nanosleep(&ts, NULL);
	getitimer(ITIMER_REAL, &cur);
	CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0 &&
	      cur.it_interval.tv_usec == 100000);
	CHECK(sigtimedwait(&m, &si, &now) == SIGALRM && si.si_code == SI_KERNEL);
	getitimer(ITIMER_REAL, &cur);
	CHECK(cur.it_value.tv_usec > 0 && cur.it_value.tv_usec < 100000);
	setitimer(ITIMER_REAL, &zero, NULL);
	sigtimedwait(&m, &si, &now);
	sigprocmask(SIG_UNBLOCK, &m, NULL);
}

/* ITIMER_VIRTUAL and ITIMER_PROF count CPU time: a busy loop makes them fire. */
static void cpu_checks(void)
{
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } }, zero = { { 0, 0 }, { 0, 0 } }, cur;
	struct timespec t0, t;
	volatile unsigned long spin = 0;

	handle(SIGVTALRM);
	handle(SIGPROF);
	CHECK(setitimer(ITIMER_VIRTUAL, &it, NULL) == 0);
	CHECK(setitimer(ITIMER_PROF, &it, NULL) == 0);
	getitimer(ITIMER_VIRTUAL, &cur);
	CHECK(cur.it_interval.tv_usec == 10000 && cur.it_value.tv_usec > 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 100000; i++)
			spin++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((vtalrm < 3 || prof < 3) && t.tv_sec - t0.tv_sec < 20);
	setitimer(ITIMER_VIRTUAL, &zero, NULL);
	setitimer(ITIMER_PROF, &zero, NULL);
	CHECK(vtalrm >= 3 && prof >= 3);
	getitimer(ITIMER_PROF, &cur);
	CHECK(is_zero(&cur));
}

/* A child does not inherit the timers. */
static void fork_checks(void)
{
	struct itimerval it = { { 1, 0 }, { 10, 0 } }, cur;
	pid_t pid;
	int st;

	setitimer(ITIMER_REAL, &it, NULL);
	setitimer(ITIMER_VIRTUAL, &it, NULL);
	pid = fork();
	if (pid == 0) {
		struct itimerval a, b;

		getitimer(ITIMER_REAL, &a);
		getitimer(ITIMER_VIRTUAL, &b);
		_exit(is_zero(&a) && is_zero(&b) && alarm(0) == 0 ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	getitimer(ITIMER_REAL, &cur);
	CHECK(cur.it_value.tv_sec >= 9 && cur.it_interval.tv_sec == 1);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	setitimer(ITIMER_VIRTUAL, &it, NULL);
}

static void errno_checks(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 1000000 } }, cur;

	EXPECT_ERRNO(EINVAL, setitimer(ITIMER_REAL, &it, NULL));
	it.it_value.tv_usec = 0;
	it.it_value.tv_sec = -1;
	EXPECT_ERRNO(EINVAL, setitimer(ITIMER_REAL, &it, NULL));
	it.it_value.tv_sec = 0;
	EXPECT_ERRNO(EINVAL, setitimer(3, &it, NULL));
	EXPECT_ERRNO(EFAULT, syscall(SYS_setitimer, 3, (void *)8, NULL));
	EXPECT_ERRNO(EFAULT, syscall(SYS_setitimer, ITIMER_REAL, &it, (void *)8));
	EXPECT_ERRNO(0, syscall(SYS_setitimer, ITIMER_REAL, NULL, NULL));
	EXPECT_ERRNO(EINVAL, getitimer(3, &cur));
	EXPECT_ERRNO(EINVAL, syscall(SYS_getitimer, 3, (void *)8));
	EXPECT_ERRNO(EFAULT, syscall(SYS_getitimer, ITIMER_REAL, (void *)8));
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	alarm_checks();
	interval_checks();
	rearm_checks();
	cpu_checks();
	fork_checks();
	errno_checks();
	return prog_done();
}
