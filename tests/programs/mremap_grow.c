/* mremap growing in place when the next range is free; ENOMEM when not and no MAYMOVE. */
#include "prog.h"

int main(void)
{
	char *p = prog_map(NULL, 16 * PG, PROT_READ | PROT_WRITE, 0), *q;

	CHECK(munmap(p + 4 * PG, 12 * PG) == 0);
	memset(p, 6, 4 * PG);
	q = mremap(p, 4 * PG, 8 * PG, 0);
	CHECK(q == p);
	CHECK(p[4 * PG - 1] == 6 && p[4 * PG] == 0 && p[8 * PG - 1] == 0);
	p[7 * PG] = 1;
	q = prog_map(p + 10 * PG, PG, PROT_READ, MAP_FIXED);
	CHECK(q == p + 10 * PG);
	EXPECT_ERRNO(ENOMEM, mremap(p, 8 * PG, 12 * PG, 0));
	CHECK(p[7 * PG] == 1);
	q = mremap(p, 8 * PG, 10 * PG, 0);
	CHECK(q == p);
	/* Grow of a range that is not one mapping: EFAULT. */
	EXPECT_ERRNO(EFAULT, mremap(p + 8 * PG, 4 * PG, 5 * PG, MREMAP_MAYMOVE));
	CHECK(mprotect(p + 9 * PG, PG, PROT_READ) == 0);
	EXPECT_ERRNO(EFAULT, mremap(p, 10 * PG, 11 * PG, MREMAP_MAYMOVE));
	return prog_done();
}
