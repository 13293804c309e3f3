/* MAP_GROWSDOWN: a touch just below the mapping extends it downwards; far below is a fault. */
#include "prog.h"

int main(void)
{
	char *base = prog_map(NULL, 64 * PG, PROT_NONE, 0);
	char *g;

	CHECK(munmap(base, 64 * PG) == 0);
	g = prog_map(base + 48 * PG, 4 * PG, PROT_READ | PROT_WRITE, MAP_GROWSDOWN | MAP_FIXED);
	CHECK(g == base + 48 * PG);
	prog_catch_segv();
	CHECK(prog_writable(g));
	CHECK(prog_writable(g - 1));
	CHECK(prog_writable(g - 8 * PG));
	CHECK(prog_readable(g - 4 * PG));
	EXPECT_ERRNO(0, mprotect(g - 8 * PG, 12 * PG, PROT_READ));
	CHECK(!prog_writable(g - 8 * PG));
	EXPECT_ERRNO(0, munmap(g - 8 * PG, 12 * PG));
	return prog_done();
}
