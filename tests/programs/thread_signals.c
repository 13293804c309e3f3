/*
 * Signals and threads: tkill/tgkill (pthread_kill) reach the thread named,
 * kill reaches a thread that does not block the signal, raise() in a
 * thread runs the handler there, a thread-directed signal stays pending on
 * its thread alone, each thread has its own mask and alternate stack, and
 * a SIGSEGV in a thread runs the handler on that thread.
 */
#include "proc.h"
#include "threads.h"
#include <setjmp.h>

static volatile pid_t handled_by;
static volatile int handled_sig;
static volatile int on_altstack;
static char *alt_lo, *alt_hi;

static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* Records which thread ran it, and whether on the alternate stack. */
static void on_sig(int sig)
{
	char here;

	handled_by = gettid_();
	handled_sig = sig;
	on_altstack = alt_lo && &here >= alt_lo && &here < alt_hi;
}

static void handle(int sig, int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sa.sa_flags = flags;
	sigaction(sig, &sa, NULL);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int stage;
static pid_t worker_tid;

/* Wait under the lock until `stage` reaches s. */
static void wait_stage(int s)
{
	pthread_mutex_lock(&lock);
	while (stage < s)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
}

static void set_stage(int s)
{
	pthread_mutex_lock(&lock);
	stage = s;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

/* Sleeps in pause() until stage 1's signal arrives, with SIGUSR2 blocked here. */
static void *sleeper(void *arg)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	worker_tid = gettid_();
	set_stage(1);
	wait_stage(2);
	return NULL;
}

/* pthread_kill (tgkill) to a thread: its handler runs on it; a bad tgid is ESRCH. */
static void directed(void)
{
	pthread_t t;
	sigset_t set, old;

	handle(SIGUSR1, 0);
	handle(SIGUSR2, 0);
	thread_start(&t, sleeper, NULL);
	wait_stage(1);
	/* the main thread blocks SIGUSR1 while the sleeper takes it */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	handled_by = 0;
	CHECK(pthread_kill(t, SIGUSR1) == 0);
	for (int i = 0; i < 5000 && !handled_by; i++)
		usleep(1000); /* up to 5 s: a loaded host may be slow */
	REPORT("pthread_kill: the handler ran on the thread named", handled_by == worker_tid);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	PROC_ERRNO(ESRCH, syscall(SYS_tgkill, getpid() + 1000, worker_tid, 0));
	PROC_ERRNO(0, syscall(SYS_tgkill, getpid(), worker_tid, 0));
	PROC_ERRNO(EINVAL, syscall(SYS_tgkill, getpid(), worker_tid, 99));
	/* kill() to the process: SIGUSR2 is blocked on the sleeper, so the main thread takes it */
	handled_by = 0;
	CHECK(kill(getpid(), SIGUSR2) == 0);
	REPORT("kill: the thread not blocking it took it", handled_by == getpid());
	set_stage(2);
	CHECK(pthread_join(t, NULL) == 0);
}

static volatile int pending_on_thread, pending_on_main;

/* Blocks SIGUSR1, gets it by tkill, looks at sigpending, then lets it run. */
static void *pender(void *arg)
{
	sigset_t set, pend;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	handled_by = 0;
	worker_tid = gettid_();
	syscall(SYS_tkill, gettid_(), SIGUSR1);
	sigpending(&pend);
	pending_on_thread = sigismember(&pend, SIGUSR1);
	set_stage(3);
	wait_stage(4);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	return NULL;
}

/* A blocked thread-directed signal is pending on its thread, not on the others. */
static void pending(void)
{
	pthread_t t;
	sigset_t pend;

	thread_start(&t, pender, NULL);
	wait_stage(3);
	sigpending(&pend);
	pending_on_main = sigismember(&pend, SIGUSR1);
	REPORT("tkill'd and blocked: pending on the thread", pending_on_thread);
	REPORT("tkill'd and blocked: not pending on the main thread", !pending_on_main);
	REPORT("not taken while blocked", handled_by == 0);
	set_stage(4);
	CHECK(pthread_join(t, NULL) == 0);
	REPORT("taken by the thread once unblocked", handled_by == worker_tid);
}

static void *raiser(void *arg)
{
	stack_t ss, cur;

	ss.ss_sp = alt_lo;
	ss.ss_size = (size_t)(alt_hi - alt_lo);
	ss.ss_flags = 0;
	sigaltstack(&ss, NULL);
	worker_tid = gettid_();
	raise(SIGUSR2); /* SA_ONSTACK: on this thread's alternate stack */
	sigaltstack(NULL, &cur);
	return (void *)(long)(cur.ss_flags == 0);
}

/* raise() in a thread: the handler on that thread, on its own alternate stack. */
static void altstack(void)
{
	pthread_t t;
	stack_t cur;
	void *ret;

	alt_lo = malloc(65536);
	alt_hi = alt_lo + 65536;
	handle(SIGUSR2, SA_ONSTACK);
	handled_by = 0;
	thread_start(&t, raiser, NULL);
	CHECK(pthread_join(t, &ret) == 0);
	REPORT("raise in a thread: handled on it", handled_by == worker_tid);
	REPORT("raise in a thread: on its alternate stack", on_altstack);
	REPORT("the thread's sigaltstack was set", ret == (void *)1);
	sigaltstack(NULL, &cur);
	REPORT("the main thread has no alternate stack", cur.ss_flags == SS_DISABLE);
	on_altstack = 0;
	raise(SIGUSR2);
	REPORT("raise in main: handled on main, not on the alternate stack",
	       handled_by == getpid() && !on_altstack);
}

static __thread sigjmp_buf segv_jmp;
static volatile pid_t segv_tid;
static volatile int segv_code;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	segv_tid = gettid_();
	segv_code = si->si_code;
	siglongjmp(segv_jmp, 1);
}

static volatile int *volatile bad_ptr = (int *)16;

static void *faulter(void *arg)
{
	worker_tid = gettid_();
	if (sigsetjmp(segv_jmp, 1) == 0)
		*bad_ptr = 1;
	return NULL;
}

/* A SIGSEGV in a thread runs the handler on it; the group goes on. */
static void segv_in_thread(void)
{
	struct sigaction sa;
	pthread_t t;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	thread_start(&t, faulter, NULL);
	CHECK(pthread_join(t, NULL) == 0);
	REPORT("SIGSEGV in a thread: handled on it", segv_tid == worker_tid);
	REPORT("SIGSEGV in a thread: SEGV_MAPERR", segv_code == SEGV_MAPERR);
}

int main(void)
{
	directed();
	pending();
	altstack();
	segv_in_thread();
	return prog_done();
}
