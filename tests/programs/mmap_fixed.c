/* MAP_FIXED replaces what is there; the neighbours keep their data. */
#include "prog.h"

#define RW (PROT_READ | PROT_WRITE)

int main(void)
{
	char *p = prog_map(NULL, 8 * PG, RW, 0), *q;

	memset(p, 0x5a, 8 * PG);
	q = prog_map(p + 2 * PG, 3 * PG, PROT_READ, MAP_FIXED);
	CHECK(q == p + 2 * PG);
	CHECK(q[0] == 0 && q[3 * PG - 1] == 0);
	CHECK(p[2 * PG - 1] == 0x5a && p[5 * PG] == 0x5a);
	prog_catch_segv();
	CHECK(!prog_writable(q + PG));
	CHECK(prog_last_code == SEGV_ACCERR);
	CHECK(prog_writable(p + 5 * PG));
	/* Over a range that is partly unmapped. */
	CHECK(munmap(p + 6 * PG, PG) == 0);
	q = prog_map(p + 5 * PG, 3 * PG, RW, MAP_FIXED);
	CHECK(q == p + 5 * PG && q[0] == 0 && q[PG] == 0 && q[2 * PG] == 0);
	CHECK(p[4 * PG] == 0 && p[PG] == 0x5a);
	CHECK(munmap(p, 8 * PG) == 0);
	return prog_done();
}
