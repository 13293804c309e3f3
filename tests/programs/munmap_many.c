/* One munmap over several VMAs with different rights and holes between them. */
#include "prog.h"

int main(void)
{
	char *p = prog_map(NULL, 12 * PG, PROT_READ | PROT_WRITE, 0);

	memset(p, 3, 12 * PG);
	CHECK(mprotect(p + 2 * PG, PG, PROT_READ) == 0);
	CHECK(mprotect(p + 4 * PG, 2 * PG, PROT_NONE) == 0);
	CHECK(munmap(p + 7 * PG, PG) == 0);
	CHECK(munmap(p + PG, 9 * PG) == 0);
	prog_catch_segv();
	int gone = 1;
	for (int i = 1; i < 10; i++)
		gone &= !prog_readable(p + i * PG);
	CHECK(gone);
	CHECK(p[0] == 3 && p[10 * PG] == 3 && p[12 * PG - 1] == 3);
	CHECK(prog_writable(p) && prog_writable(p + 11 * PG));
	return prog_done();
}
