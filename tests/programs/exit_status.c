// expect: 7
/* exit_group status reaches the host (stdio flushed at exit). */
#include "prog.h"

int main(void)
{
	printf("exiting with 7");
	exit(7);
}
