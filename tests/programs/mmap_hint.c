/* An mmap hint is taken when free (rounded down, raised to mmap_min_addr), else ignored. */
#include "prog.h"

#define RW (PROT_READ | PROT_WRITE)

int main(void)
{
	char *hint = (char *)0x300000000000UL;
	char *p = prog_map(hint, 4 * PG, RW, 0);
	char *q, *r;

	CHECK(p == hint);
	q = prog_map(hint + PG, PG, RW, 0);
	CHECK(q != MAP_FAILED && q != hint + PG);
	CHECK(q < hint || q >= hint + 4 * PG);
	r = prog_map(hint + 8 * PG + 123, PG, RW, 0);
	CHECK(r == hint + 8 * PG);
	r = prog_map((void *)0x1000, PG, RW, 0);
	CHECK(r != MAP_FAILED && (uintptr_t)r >= 0x10000);
	r = prog_map((void *)0x20000, PG, RW, 0);
	CHECK(r == (char *)0x20000);
	p[0] = 1;
	CHECK(munmap(hint, 16 * PG) == 0);
	return prog_done();
}
