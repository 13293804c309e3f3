// expect: 132
/* An invalid instruction with no handler: SIGILL (status 132). */
#include "prog.h"

int main(void)
{
	printf("ud2\n");
	fflush(stdout);
	__asm__ volatile("ud2");
	return 0;
}
