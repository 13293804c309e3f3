/* MREMAP_DONTUNMAP moves the pages and leaves the old range mapped and empty. */
#include "prog.h"

#define MM MREMAP_MAYMOVE

int main(void)
{
	char *p = prog_map(NULL, 4 * PG, PROT_READ | PROT_WRITE, 0), *q;

	memset(p, 8, 4 * PG);
	EXPECT_ERRNO(EINVAL, mremap(p, 4 * PG, 8 * PG, MM | MREMAP_DONTUNMAP));
	EXPECT_ERRNO(EINVAL, mremap(p, 4 * PG, 4 * PG, MREMAP_DONTUNMAP));
	q = mremap(p, 4 * PG, 4 * PG, MM | MREMAP_DONTUNMAP);
	CHECK(q != MAP_FAILED && q != p);
	CHECK(q[0] == 8 && q[4 * PG - 1] == 8);
	CHECK(p[0] == 0 && p[4 * PG - 1] == 0);
	p[PG] = 5;
	CHECK(q[PG] == 8);
	return prog_done();
}
