/*
 * A program whose output looks like TAP and differs from the host's (it
 * prints its pid, 1 in the image): the runner must quote it so that no KTAP
 * reader takes it for results of ours.
 */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	printf("TAP version 13\n1..2\nok 1 - pid %d\nnot ok 2 - other\n", (int)getpid());
	printf("# Subtest: fake\nKTAP version 1\nreboot: System halted\n");
	return 0;
}
