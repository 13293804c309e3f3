// expect: 138
/* kill/raise to itself: a handler sees SI_USER (kill) or SI_TKILL (raise) and the sender's pid; an unhandled SIGUSR1 ends the program (138). */
#include "prog.h"
#include <sys/syscall.h>

static volatile int got, code, pid_ok;

static void usr(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got = sig;
	code = si->si_code;
	pid_ok = si->si_pid == getpid();
}

int main(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = usr;
	sa.sa_flags = SA_SIGINFO;
	CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
	CHECK(kill(getpid(), SIGUSR2) == 0);
	CHECK(got == SIGUSR2 && code == SI_USER && pid_ok);
	got = 0;
	CHECK(raise(SIGUSR2) == 0);
	CHECK(got == SIGUSR2 && code == SI_TKILL && pid_ok);
	EXPECT_ERRNO(0, kill(getpid(), 0));
	EXPECT_ERRNO(EINVAL, kill(getpid(), 65));
	EXPECT_ERRNO(0, signal(SIGCHLD, SIG_DFL) == SIG_ERR ? -1 : 0);
	EXPECT_ERRNO(0, raise(SIGCHLD));
	printf("raising SIGUSR1\n");
	fflush(stdout);
	raise(SIGUSR1);
	printf("still running\n");
	return 0;
}
