/* munmap in the middle of a mapping splits it; both sides keep their data. */
#include "prog.h"

int main(void)
{
	char *p = prog_map(NULL, 10 * PG, PROT_READ | PROT_WRITE, 0);

	for (int i = 0; i < 10; i++)
		p[i * PG] = (char)(i + 1);
	CHECK(munmap(p + 4 * PG, 2 * PG) == 0);
	prog_catch_segv();
	CHECK(!prog_readable(p + 4 * PG) && prog_last_code == SEGV_MAPERR);
	CHECK(!prog_readable(p + 5 * PG + 100));
	CHECK(prog_last_addr == (uintptr_t)(p + 5 * PG + 100));
	CHECK(p[3 * PG] == 4 && p[6 * PG] == 7 && p[9 * PG] == 10);
	CHECK(prog_writable(p + 3 * PG) && prog_writable(p + 6 * PG));
	/* Unmap across the hole and into the next piece. */
	CHECK(munmap(p + 3 * PG, 4 * PG) == 0);
	CHECK(!prog_readable(p + 6 * PG));
	CHECK(p[2 * PG] == 3 && p[7 * PG] == 8);
	CHECK(munmap(p, 10 * PG) == 0);
	CHECK(!prog_readable(p) && !prog_readable(p + 9 * PG));
	return prog_done();
}
