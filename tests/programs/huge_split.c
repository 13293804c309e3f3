/* A 2 MiB-aligned mapping (large leaves in the image): one-page changes keep every other page. */
#include "prog.h"

#define M2 (2UL << 20)

int main(void)
{
	char *raw = prog_map(NULL, 3 * M2, PROT_READ | PROT_WRITE, 0);
	char *p = (char *)(((uintptr_t)raw + M2 - 1) & ~(M2 - 1));
	int ok = 1;

	for (size_t i = 0; i < M2; i += PG)
		p[i] = (char)(i / PG);
	CHECK(mprotect(p + 100 * PG, PG, PROT_READ) == 0);
	CHECK(munmap(p + 200 * PG, PG) == 0);
	prog_catch_segv();
	CHECK(!prog_writable(p + 100 * PG) && !prog_readable(p + 200 * PG));
	for (size_t i = 0; i < M2; i += PG)
		if (i / PG != 200)
			ok &= p[i] == (char)(i / PG);
	CHECK(ok);
	CHECK(mprotect(p + 100 * PG, PG, PROT_READ | PROT_WRITE) == 0);
	CHECK(prog_writable(p + 100 * PG));
	p = mmap(p + 200 * PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(p[0] == 0 && p[PG] == (char)201 && p[-PG] == (char)199);
	return prog_done();
}
