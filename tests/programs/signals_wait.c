/*
 * Waiting for signals and queueing them: sigpending, sigtimedwait (take
 * without the handler, timeout, interrupted), sigqueue's value in an
 * SA_SIGINFO handler, real-time signals queued in order and counted up to
 * RLIMIT_SIGPENDING, rt_sigqueueinfo's EPERM, pause woken by a child's
 * kill, sigsuspend's temporary mask, stop / continue / kill of a stopped
 * child as waitpid and waitid report them, and PR_SET_PDEATHSIG with
 * PR_SET_CHILD_SUBREAPER: an orphan told of its parent's death, then
 * reaped by the subreaper.
 */
#include "prog.h"
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

static volatile int got_sig, got_code, got_value, got_pid_ok, handled;
static int order[16], norder;

/* The errno names this program meets beyond prog_errname's. */
static const char *sw_err(long rc)
{
	if (rc != -1)
		return "OK";
	switch (errno) {
	case EINTR: return "EINTR";
	case ESRCH: return "ESRCH";
	case ETIMEDOUT: return "ETIMEDOUT";
	default: return prog_errname(errno);
	}
}

static void on_info(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_value = si->si_value.sival_int;
	got_pid_ok = si->si_pid == getpid();
	handled++;
	if (norder < 16)
		order[norder++] = (sig - SIGRTMIN) * 100 + si->si_value.sival_int;
}

static void handle(int sig, int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_info;
	sa.sa_flags = SA_SIGINFO | flags;
	sigaction(sig, &sa, NULL);
}

static void block(int sig, int how)
{
	sigset_t m;

	sigemptyset(&m);
	sigaddset(&m, sig);
	sigprocmask(how, &m, NULL);
}

/* sigpending and sigtimedwait taking a blocked signal, its timeout and its interruption. */
static void timedwait_checks(void)
{
	struct timespec zero = { 0, 0 }, short_ts = { 0, 20000000 }, long_ts = { 5, 0 };
	struct itimerval it = { { 0, 0 }, { 0, 30000 } };
	sigset_t set, pend;
	siginfo_t si;

	handle(SIGUSR1, 0);
	block(SIGUSR1, SIG_BLOCK);
	kill(getpid(), SIGUSR1);
	sigpending(&pend);
	CHECK(sigismember(&pend, SIGUSR1) && !sigismember(&pend, SIGUSR2));
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	handled = 0;
	CHECK(sigtimedwait(&set, &si, &zero) == SIGUSR1);
	CHECK(si.si_signo == SIGUSR1 && si.si_code == SI_USER && si.si_pid == getpid());
	CHECK(handled == 0);
	sigpending(&pend);
	CHECK(!sigismember(&pend, SIGUSR1));
	printf("sigtimedwait timeout: %s\n", sw_err(sigtimedwait(&set, &si, &short_ts)));
	printf("sigtimedwait zero: %s\n", sw_err(sigtimedwait(&set, &si, &zero)));
	handle(SIGALRM, 0);
	setitimer(ITIMER_REAL, &it, NULL);
	printf("sigtimedwait interrupted: %s\n",
	       sw_err(syscall(SYS_rt_sigtimedwait, &set, &si, &long_ts, 8))); /* musl retries */
	CHECK(got_sig == SIGALRM && got_code == SI_KERNEL);
	printf("rt_sigtimedwait size 4: %s\n",
	       sw_err(syscall(SYS_rt_sigtimedwait, &set, NULL, &zero, 4)));
	block(SIGUSR1, SIG_UNBLOCK);
}

/* A child that waits for signals forever. */
static pid_t sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

/* sigqueue's value reaches an SA_SIGINFO handler; rt_sigqueueinfo's EPERM. */
static void sigqueue_checks(void)
{
	siginfo_t si;
	pid_t child = sleeper();

	handle(SIGRTMIN, 0);
	got_value = 0;
	CHECK(sigqueue(getpid(), SIGRTMIN, (union sigval){ .sival_int = 1234 }) == 0);
	CHECK(got_sig == SIGRTMIN && got_code == SI_QUEUE && got_value == 1234 && got_pid_ok);
	memset(&si, 0, sizeof(si));
	si.si_code = SI_USER;
	printf("rt_sigqueueinfo SI_USER to a child: %s\n",
	       sw_err(syscall(SYS_rt_sigqueueinfo, child, SIGUSR2, &si)));
	si.si_code = SI_TKILL;
	printf("rt_sigqueueinfo SI_TKILL to a child: %s\n",
	       sw_err(syscall(SYS_rt_sigqueueinfo, child, SIGUSR2, &si)));
	si.si_code = SI_USER;
	printf("rt_sigqueueinfo to no one: %s\n",
	       sw_err(syscall(SYS_rt_sigqueueinfo, 0, SIGUSR2, &si)));
	si.si_code = SI_QUEUE;
	printf("rt_sigqueueinfo bad signal: %s\n",
	       sw_err(syscall(SYS_rt_sigqueueinfo, getpid(), 65, &si)));
	printf("rt_tgsigqueueinfo tid 0: %s\n",
	       sw_err(syscall(SYS_rt_tgsigqueueinfo, getpid(), 0, SIGUSR2, &si)));
	printf("rt_tgsigqueueinfo other group: %s\n",
	       sw_err(syscall(SYS_rt_tgsigqueueinfo, getpid(), child, SIGUSR2, &si)));
	printf("rt_sigqueueinfo SI_QUEUE signal 0 to a child: %s\n",
	       sw_err(syscall(SYS_rt_sigqueueinfo, child, 0, &si)));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
}

/*
 * Real-time signals queue every instance, each in arrival order. Unblocked
 * together, the lowest is delivered first but every deliverable one gets
 * its frame before the return to user mode, each on top of the last: the
 * handlers run from the highest down (Linux's exit_to_user_mode_loop).
 */
static void rt_order_checks(void)
{
	static const int sigs[] = { 1, 0, 0, 1, 0 };
	sigset_t set;
	siginfo_t si;
	int n = 0;

	handle(SIGRTMIN, 0);
	handle(SIGRTMIN + 1, 0);
	block(SIGRTMIN, SIG_BLOCK);
	block(SIGRTMIN + 1, SIG_BLOCK);
	for (int i = 0; i < 5; i++)
		sigqueue(getpid(), SIGRTMIN + sigs[i], (union sigval){ .sival_int = i + 1 });
	norder = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigaddset(&set, SIGRTMIN + 1);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	printf("rt order:");
	for (int i = 0; i < norder; i++)
		printf(" %d", order[i]);
	printf("\n");
	block(SIGRTMIN + 2, SIG_BLOCK);
	for (int i = 0; i < 3; i++)
		sigqueue(getpid(), SIGRTMIN + 2, (union sigval){ .sival_int = 10 + i });
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 2);
	while (sigtimedwait(&set, &si, &(struct timespec){ 0, 0 }) == SIGRTMIN + 2)
		printf("rt taken %d: value %d\n", n++, si.si_value.sival_int);
}

/*
 * In a child of its own user (the count is per user on Linux): with
 * RLIMIT_SIGPENDING 8, sigqueue of a real-time signal is EAGAIN once 8
 * wait; kill still makes it pending; a standard signal sent by sigqueue
 * then loses its siginfo. Exit status: the queued count * 10 + checks.
 */
static int rt_limit_child(void)
{
	struct rlimit rl = { 8, 8 };
	siginfo_t si;
	sigset_t set;
	int n = 0, taken = 0, ok = 0;

	if (setrlimit(RLIMIT_SIGPENDING, &rl) || setuid(4242))
		return 99;
	block(SIGRTMIN, SIG_BLOCK);
	block(SIGUSR1, SIG_BLOCK);
	while (n < 100 && sigqueue(getpid(), SIGRTMIN, (union sigval){ .sival_int = n }) == 0)
		n++;
	ok += errno == EAGAIN;
	ok += kill(getpid(), SIGRTMIN) == 0;
	ok += sigqueue(getpid(), SIGUSR1, (union sigval){ .sival_int = 5 }) == 0;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	ok += sigtimedwait(&set, &si, &(struct timespec){ 0, 0 }) == SIGUSR1 &&
	      si.si_code == SI_USER && si.si_pid == 0;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	while (sigtimedwait(&set, &si, &(struct timespec){ 0, 0 }) == SIGRTMIN)
		ok += si.si_value.sival_int == taken++;
	return n * 10 + (ok == 4 + taken ? 1 : 0) + (taken == n ? 2 : 0);
}

/* SIG_IGN (or SIG_DFL that ignores) throws away a pending signal, every queued instance too. */
static void discard_checks(void)
{
	sigset_t pend;

	block(SIGUSR1, SIG_BLOCK);
	block(SIGRTMIN + 3, SIG_BLOCK);
	block(SIGCHLD, SIG_BLOCK);
	kill(getpid(), SIGUSR1);
	kill(getpid(), SIGCHLD);
	sigqueue(getpid(), SIGRTMIN + 3, (union sigval){ .sival_int = 1 });
	sigqueue(getpid(), SIGRTMIN + 3, (union sigval){ .sival_int = 2 });
	signal(SIGUSR1, SIG_IGN);
	signal(SIGRTMIN + 3, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	sigpending(&pend);
	CHECK(!sigismember(&pend, SIGUSR1) && !sigismember(&pend, SIGRTMIN + 3));
	CHECK(!sigismember(&pend, SIGCHLD));
	handle(SIGUSR1, 0);
	handle(SIGRTMIN + 3, 0);
	handled = 0;
	block(SIGUSR1, SIG_UNBLOCK);
	block(SIGRTMIN + 3, SIG_UNBLOCK);
	block(SIGCHLD, SIG_UNBLOCK);
	CHECK(handled == 0);
}

/* Fork `fn` as a child and return its exit status (or 1000 + signal). */
static int child_status(int (*fn)(void))
{
	int st;
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn());
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1000 + WTERMSIG(st);
}

/* A child that sends SIGUSR2 to its parent every 5 ms until it is killed. */
static pid_t nagger(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (int i = 0; i < 2000; i++) {
			kill(getppid(), SIGUSR2);
			usleep(5000);
		}
		_exit(0);
	}
	return pid;
}

/*
 * pause returns EINTR once a handler ran; sigsuspend waits under its mask,
 * then the old mask is back.
 */
static void pause_suspend_checks(void)
{
	sigset_t none, cur;
	pid_t pid;

	handle(SIGUSR2, 0);
	pid = nagger();
	handled = 0;
	printf("pause: %s\n", sw_err(pause()));
	CHECK(handled >= 1 && got_sig == SIGUSR2);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	block(SIGUSR2, SIG_BLOCK);
	pid = nagger();
	sigemptyset(&none);
	handled = 0;
	printf("sigsuspend: %s\n", sw_err(sigsuspend(&none)));
	CHECK(handled == 1 && got_sig == SIGUSR2);
	sigprocmask(SIG_SETMASK, NULL, &cur);
	CHECK(sigismember(&cur, SIGUSR2));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	sigemptyset(&none);
	sigaddset(&none, SIGUSR2);
	sigtimedwait(&none, NULL, &(struct timespec){ 0, 0 }); /* drop the nagger's last one */
	block(SIGUSR2, SIG_UNBLOCK);
}

/* SIGSTOP, SIGCONT (waitid WCONTINUED), and SIGKILL to a stopped child. */
static void stop_cont_checks(void)
{
	pid_t pid = sleeper();
	siginfo_t si;
	int st;

	kill(pid, SIGSTOP);
	CHECK(waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	kill(pid, SIGCONT);
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PID, pid, &si, WCONTINUED) == 0);
	CHECK(si.si_code == CLD_CONTINUED && si.si_status == SIGCONT && si.si_pid == pid);
	kill(pid, SIGSTOP);
	CHECK(waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st));
	kill(pid, SIGKILL);
	CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

static volatile int *pd_flag; /* shared: [0] the grandchild is ready, [1] its signal's si_pid */

static void on_pdeath(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	pd_flag[1] = si->si_pid;
}

/* The grandchild: asks for SIGUSR1 at its parent's death, then waits for it. */
static int pdeath_grandchild(void)
{
	struct sigaction sa;
	int sig = -1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_pdeath;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGUSR1) || prctl(PR_GET_PDEATHSIG, &sig) || sig != SIGUSR1)
		return 9;
	pd_flag[0] = getppid();
	for (int i = 0; i < 1000 && !pd_flag[1]; i++)
		usleep(5000);
	return pd_flag[1] == pd_flag[0] ? 0 : 8;
}

/* The middle child: starts the grandchild, waits until it is ready, exits. */
static int pdeath_middle(void)
{
	if (fork() == 0)
		_exit(pdeath_grandchild());
	for (int i = 0; i < 1000 && !pd_flag[0]; i++)
		usleep(1000);
	return 5;
}

/* A change of credentials forgets PR_SET_PDEATHSIG (exit 0 when it did). */
static int pdeath_cred_child(void)
{
	int v = -1;

	if (prctl(PR_SET_PDEATHSIG, SIGUSR2) || setgid(0) || prctl(PR_GET_PDEATHSIG, &v) ||
	    v != SIGUSR2)
		return 1;
	if (setuid(4242) || prctl(PR_GET_PDEATHSIG, &v))
		return 2;
	return v;
}

/* PR_SET_PDEATHSIG and PR_SET_CHILD_SUBREAPER together, and their errnos. */
static void prctl_checks(void)
{
	int v = -1, st;
	pid_t mid, orphan;

	pd_flag = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	EXPECT_ERRNO(EINVAL, prctl(PR_SET_PDEATHSIG, 65));
	EXPECT_ERRNO(0, prctl(PR_GET_PDEATHSIG, &v));
	CHECK(v == 0);
	EXPECT_ERRNO(0, prctl(PR_SET_CHILD_SUBREAPER, 5));
	EXPECT_ERRNO(0, prctl(PR_GET_CHILD_SUBREAPER, &v));
	CHECK(v == 1);
	EXPECT_ERRNO(EFAULT, prctl(PR_GET_CHILD_SUBREAPER, (void *)8));
	mid = fork();
	if (mid == 0)
		_exit(pdeath_middle());
	CHECK(waitpid(mid, &st, 0) == mid && WIFEXITED(st) && WEXITSTATUS(st) == 5);
	orphan = waitpid(-1, &st, 0);
	CHECK(orphan > 0 && WIFEXITED(st));
	printf("orphan told of its parent's death: %d\n", WEXITSTATUS(st));
	printf("pdeath signal after setuid: %d\n", child_status(pdeath_cred_child));
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	munmap((void *)pd_flag, PG);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	timedwait_checks();
	sigqueue_checks();
	rt_order_checks();
	discard_checks();
	printf("rt limit child: %d\n", child_status(rt_limit_child));
	pause_suspend_checks();
	stop_cont_checks();
	prctl_checks();
	return prog_done();
}
