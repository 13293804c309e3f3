// expect: 139
/* Unbounded recursion runs into the guard gap below the 8 MiB stack: SIGSEGV, not a silent extension. */
#include "prog.h"

static unsigned long down(unsigned long n)
{
	volatile char buf[4096];

	buf[0] = (char)n;
	if (n == ~0UL)
		return 0;
	return down(n + 1) + buf[0];
}

int main(void)
{
	printf("recursing\n");
	fflush(stdout);
	return (int)down(0);
}
