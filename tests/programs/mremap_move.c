/* mremap with MREMAP_MAYMOVE moves the pages: same contents at the new place, old range gone. */
#include "prog.h"

int main(void)
{
	char *p = prog_map(NULL, 65 * PG, PROT_READ | PROT_WRITE, 0), *q;
	char *blk = p + 64 * PG;
	int same = 1;

	for (int i = 0; i < 64; i++)
		p[i * PG] = (char)(i * 3);
	/* A read-only page right after: the mapping cannot grow in place. */
	CHECK(mprotect(blk, PG, PROT_READ) == 0);
	q = mremap(p, 64 * PG, 128 * PG, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED && q != p);
	for (int i = 0; i < 64; i++)
		same &= q[i * PG] == (char)(i * 3);
	CHECK(same);
	CHECK(q[64 * PG] == 0 && q[128 * PG - 1] == 0);
	prog_catch_segv();
	CHECK(!prog_readable(p) && !prog_readable(p + 63 * PG));
	CHECK(prog_readable(blk));
	/* Moving part of a mapping splits it. */
	char *r = mremap(q + 8 * PG, 8 * PG, 16 * PG, MREMAP_MAYMOVE);
	CHECK(r != MAP_FAILED && r[0] == (char)24);
	CHECK(!prog_readable(q + 8 * PG) && q[7 * PG] == (char)21 && q[16 * PG] == (char)48);
	CHECK(mprotect(r, 16 * PG, PROT_READ) == 0);
	CHECK(!prog_writable(r));
	return prog_done();
}
