// expect: 139
/* A fault with no handler ends the program with SIGSEGV (status 139). */
#include "prog.h"

static volatile uintptr_t where = 16;

int main(void)
{
	volatile char *p = (volatile char *)where;

	printf("before\n");
	fflush(stdout);
	*p = 1;
	printf("after\n");
	return 0;
}
