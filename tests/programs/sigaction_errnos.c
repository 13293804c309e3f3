/* rt_sigaction, rt_sigprocmask and sigaltstack: argument errors and old values as Linux gives them. */
#include "prog.h"
#include <sys/syscall.h>

static void h(int sig)
{
	(void)sig;
}

int main(void)
{
	struct sigaction sa, old;
	sigset_t set, got;
	stack_t ss, oss;
	unsigned long kset = 0;
	static char stk[65536];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	EXPECT_ERRNO(EINVAL, sigaction(SIGKILL, &sa, NULL));
	EXPECT_ERRNO(EINVAL, sigaction(SIGSTOP, &sa, NULL));
	EXPECT_ERRNO(0, sigaction(SIGKILL, NULL, &old));
	EXPECT_ERRNO(EINVAL, syscall(SYS_rt_sigaction, 0, NULL, &old, 8));
	EXPECT_ERRNO(EINVAL, syscall(SYS_rt_sigaction, 65, NULL, &old, 8));
	EXPECT_ERRNO(EINVAL, syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 4));
	EXPECT_ERRNO(EFAULT, syscall(SYS_rt_sigaction, SIGUSR1, (void *)16, NULL, 8));
	EXPECT_ERRNO(EFAULT, syscall(SYS_rt_sigaction, SIGUSR1, NULL, (void *)16, 8));
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGKILL);
	sigaddset(&sa.sa_mask, SIGUSR2);
	EXPECT_ERRNO(0, sigaction(SIGUSR1, &sa, NULL));
	EXPECT_ERRNO(0, sigaction(SIGUSR1, NULL, &old));
	CHECK(old.sa_handler == h);
	CHECK(!sigismember(&old.sa_mask, SIGKILL) && sigismember(&old.sa_mask, SIGUSR2));
	/* Masks: SIGKILL and SIGSTOP are never blocked. */
	sigfillset(&set);
	EXPECT_ERRNO(0, sigprocmask(SIG_SETMASK, &set, NULL));
	EXPECT_ERRNO(0, syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &kset, 8));
	CHECK(!(kset & (1UL << (SIGKILL - 1))) && !(kset & (1UL << (SIGSTOP - 1))));
	CHECK((kset & (1UL << (SIGSEGV - 1))) != 0);
	EXPECT_ERRNO(EINVAL, syscall(SYS_rt_sigprocmask, 7, &kset, NULL, 8));
	EXPECT_ERRNO(0, syscall(SYS_rt_sigprocmask, 7, NULL, NULL, 8));
	EXPECT_ERRNO(EINVAL, syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &kset, 16));
	EXPECT_ERRNO(EFAULT, syscall(SYS_rt_sigprocmask, SIG_BLOCK, (void *)16, NULL, 8));
	EXPECT_ERRNO(EFAULT, syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, (void *)16, 8));
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	EXPECT_ERRNO(0, sigprocmask(SIG_UNBLOCK, &set, &got));
	EXPECT_ERRNO(0, sigprocmask(SIG_SETMASK, NULL, &got));
	CHECK(!sigismember(&got, SIGUSR1) && sigismember(&got, SIGUSR2));
	/* sigaltstack. */
	EXPECT_ERRNO(0, sigaltstack(NULL, &oss));
	CHECK(oss.ss_flags == SS_DISABLE);
	ss.ss_sp = stk;
	ss.ss_size = 1024;
	ss.ss_flags = 0;
	EXPECT_ERRNO(ENOMEM, syscall(SYS_sigaltstack, &ss, NULL));
	ss.ss_size = sizeof(stk);
	ss.ss_flags = 0x7;
	EXPECT_ERRNO(EINVAL, syscall(SYS_sigaltstack, &ss, NULL));
	ss.ss_flags = 0;
	EXPECT_ERRNO(0, sigaltstack(&ss, NULL));
	EXPECT_ERRNO(0, sigaltstack(NULL, &oss));
	CHECK(oss.ss_sp == stk && oss.ss_size == sizeof(stk) && oss.ss_flags == 0);
	EXPECT_ERRNO(EFAULT, syscall(SYS_sigaltstack, (void *)16, NULL));
	ss.ss_flags = SS_DISABLE;
	EXPECT_ERRNO(0, sigaltstack(&ss, NULL));
	EXPECT_ERRNO(0, sigaltstack(NULL, &oss));
	CHECK(oss.ss_flags == SS_DISABLE);
	return prog_done();
}
