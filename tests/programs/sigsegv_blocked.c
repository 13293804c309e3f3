// expect: 139
/* A fault while SIGSEGV is blocked cannot be delivered: the program ends with 139, the handler never runs. */
#include "prog.h"

static volatile uintptr_t bad = 16; /* unmapped: below mmap_min_addr */

static void never(int sig)
{
	(void)sig;
	printf("handler ran\n");
	_exit(3);
}

int main(void)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = never;
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
	sigemptyset(&set);
	sigaddset(&set, SIGSEGV);
	CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	printf("faulting now\n");
	fflush(stdout);
	*(volatile char *)bad = 1;
	printf("still running\n");
	return 0;
}
