// expect: 133
/* int3 with no handler: SIGTRAP (status 133). */
#include "prog.h"

int main(void)
{
	printf("int3\n");
	fflush(stdout);
	__asm__ volatile("int3");
	return 0;
}
