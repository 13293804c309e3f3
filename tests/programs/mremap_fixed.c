/* MREMAP_FIXED: the target is replaced; argument errors leave everything as it was. */
#include "prog.h"

#define MM MREMAP_MAYMOVE
#define FX MREMAP_FIXED

int main(void)
{
	char *p = prog_map(NULL, 32 * PG, PROT_READ | PROT_WRITE, 0), *q;

	memset(p, 1, 4 * PG);
	memset(p + 16 * PG, 2, 16 * PG);
	EXPECT_ERRNO(EINVAL, mremap(p, 4 * PG, 4 * PG, FX, p + 16 * PG));
	EXPECT_ERRNO(EINVAL, mremap(p, 4 * PG, 4 * PG, MM | FX, p + 2 * PG));
	EXPECT_ERRNO(EINVAL, mremap(p, 4 * PG, 4 * PG, MM | FX, p + 16 * PG + 1));
	EXPECT_ERRNO(EINVAL, mremap(p, 4 * PG, 4 * PG, 0x40, p + 16 * PG));
	EXPECT_ERRNO(EINVAL, mremap(p, 4 * PG, 0, MM));
	EXPECT_ERRNO(EINVAL, mremap(p + 1, 4 * PG, 4 * PG, MM));
	EXPECT_ERRNO(EFAULT, mremap((void *)0x200000000000, PG, PG, MM | FX, p + 16 * PG));
	CHECK(p[16 * PG] == 2);
	q = mremap(p, 4 * PG, 6 * PG, MM | FX, p + 20 * PG);
	CHECK(q == p + 20 * PG);
	CHECK(q[0] == 1 && q[4 * PG - 1] == 1 && q[4 * PG] == 0 && q[6 * PG - 1] == 0);
	CHECK(p[19 * PG] == 2 && p[26 * PG] == 2);
	prog_catch_segv();
	CHECK(!prog_readable(p) && !prog_readable(p + 3 * PG));
	CHECK(prog_readable(p + 4 * PG));
	/* Shrinking while moving: the rest of the old range goes too. */
	q = mremap(p + 20 * PG, 6 * PG, 2 * PG, MM | FX, p);
	CHECK(q == p && p[0] == 1);
	CHECK(!prog_readable(p + 22 * PG) && !prog_readable(p + 20 * PG));
	CHECK(prog_readable(p + 26 * PG));
	return prog_done();
}
