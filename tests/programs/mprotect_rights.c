/* mprotect: read-only, none and back; faults carry SEGV_ACCERR and the address. */
#include "prog.h"

int main(void)
{
	char *p = prog_map(NULL, 6 * PG, PROT_READ | PROT_WRITE, 0);

	memset(p, 9, 6 * PG);
	prog_catch_segv();
	CHECK(mprotect(p + PG, 2 * PG, PROT_READ) == 0);
	CHECK(!prog_writable(p + PG + 8));
	CHECK(prog_last_code == SEGV_ACCERR && prog_last_addr == (uintptr_t)(p + PG + 8));
	CHECK(prog_readable(p + 2 * PG) && p[2 * PG] == 9);
	CHECK(prog_writable(p) && prog_writable(p + 3 * PG));
	CHECK(mprotect(p + 2 * PG, 2 * PG, PROT_NONE) == 0);
	CHECK(!prog_readable(p + 3 * PG) && prog_last_code == SEGV_ACCERR);
	CHECK(!prog_readable(p + 2 * PG));
	CHECK(prog_readable(p + PG) && !prog_writable(p + PG));
	CHECK(mprotect(p, 6 * PG, PROT_READ | PROT_WRITE) == 0);
	int nine = 1;
	for (int i = 0; i < 6; i++)
		nine &= p[i * PG] == 9 && prog_writable(p + i * PG);
	CHECK(nine);
	CHECK(mprotect(p, 6 * PG, PROT_WRITE) == 0);
	CHECK(prog_readable(p) && prog_writable(p));
	return prog_done();
}
