/* mremap shrinking in place keeps the address and unmaps the tail, whatever it spans. */
#include "prog.h"

int main(void)
{
	char *p = prog_map(NULL, 8 * PG, PROT_READ | PROT_WRITE, 0), *q;

	memset(p, 4, 8 * PG);
	q = mremap(p, 8 * PG, 3 * PG, 0);
	CHECK(q == p);
	CHECK(p[3 * PG - 1] == 4);
	prog_catch_segv();
	CHECK(!prog_readable(p + 3 * PG) && !prog_readable(p + 7 * PG));
	q = mremap(p, 3 * PG, 3 * PG, 0);
	CHECK(q == p);
	/* Old range over two VMAs and a hole: still a shrink. */
	CHECK(mprotect(p + PG, PG, PROT_READ) == 0);
	q = mremap(p, 6 * PG, PG, 0);
	CHECK(q == p && p[0] == 4);
	CHECK(!prog_readable(p + PG));
	EXPECT_ERRNO(EFAULT, mremap(p + 4 * PG, 2 * PG, PG, 0));
	return prog_done();
}
