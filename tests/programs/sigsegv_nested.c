// expect: 139
/* A fault inside a SIGSEGV handler (SIGSEGV blocked there, no SA_NODEFER) is fatal. */
#include "prog.h"

static volatile uintptr_t bad = 16; /* unmapped: below mmap_min_addr */

static volatile int depth;

static void again(int sig)
{
	(void)sig;
	depth++;
	printf("handler depth %d\n", depth);
	fflush(stdout);
	*(volatile char *)(bad + 16) = 1;
	printf("after nested fault\n");
	_exit(4);
}

int main(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = again;
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
	fflush(stdout);
	*(volatile char *)bad = 1;
	printf("returned\n");
	return 0;
}
