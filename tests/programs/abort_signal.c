// expect: 134
/* abort() ends the program with SIGABRT (status 134). */
#include "prog.h"

int main(void)
{
	printf("aborting\n");
	fflush(stdout);
	abort();
}
