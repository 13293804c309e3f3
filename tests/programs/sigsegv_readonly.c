// expect: 139
/* A write to a read-only mapping with no handler: SIGSEGV, output so far kept. */
#include "prog.h"

int main(void)
{
	char *p = prog_map(NULL, PG, PROT_READ, 0);

	printf("mapped %s\n", p != MAP_FAILED ? "yes" : "no");
	fflush(stdout);
	p[1] = 1;
	printf("after\n");
	return 0;
}
