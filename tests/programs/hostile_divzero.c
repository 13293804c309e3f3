// expect: 136
/* Integer division by zero with no handler: SIGFPE (status 136). */
#include "prog.h"

static volatile int zero;

int main(void)
{
	printf("dividing\n");
	fflush(stdout);
	return 10 / zero;
}
