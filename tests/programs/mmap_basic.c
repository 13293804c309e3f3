/* Anonymous private mmap: zero-filled, readable and writable, gone after munmap. */
#include "prog.h"

int main(void)
{
	size_t len = 16 * PG;
	char *p = prog_map(NULL, len, PROT_READ | PROT_WRITE, 0);
	int zero = 1;

	prog_catch_segv();
	CHECK(p != MAP_FAILED);
	CHECK(((uintptr_t)p & (PG - 1)) == 0);
	for (size_t i = 0; i < len; i++)
		zero &= p[i] == 0;
	CHECK(zero);
	for (size_t i = 0; i < len; i += PG)
		p[i] = (char)(i / PG + 1);
	CHECK(p[5 * PG] == 6 && p[15 * PG] == 16);
	EXPECT_ERRNO(0, munmap(p, len));
	CHECK(!prog_readable(p));
	CHECK(prog_last_code == SEGV_MAPERR);
	CHECK(prog_last_addr == (uintptr_t)p);
	CHECK(!prog_readable(p + len - 1));
	return prog_done();
}
