/* Shared anonymous memory: mremap(old_len 0) makes a second mapping of the same pages. */
#include "prog.h"

int main(void)
{
	char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *q;

	CHECK(p != MAP_FAILED && p[0] == 0);
	memset(p, 0x11, 4 * PG);
	q = mremap(p, 0, 4 * PG, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED && q != p);
	CHECK(q[0] == 0x11 && q[4 * PG - 1] == 0x11);
	q[PG] = 0x22;
	CHECK(p[PG] == 0x22);
	p[3 * PG] = 0x33;
	CHECK(q[3 * PG] == 0x33);
	CHECK(munmap(p, 4 * PG) == 0);
	CHECK(q[PG] == 0x22);
	char *r = prog_map(NULL, PG, PROT_READ | PROT_WRITE, 0);
	EXPECT_ERRNO(EINVAL, mremap(r, 0, PG, MREMAP_MAYMOVE));
	return prog_done();
}
