/* brk: query, grow zero-filled, shrink unmaps, refusals leave the break unchanged. */
#include "prog.h"
#include <sys/syscall.h>

static char *sys_brk(void *want)
{
	return (char *)syscall(SYS_brk, want);
}

int main(void)
{
	char *b0 = sys_brk(NULL), *b;
	int zero = 1;

	CHECK(b0 != NULL);
	b = sys_brk(b0 + 64 * PG + 5);
	CHECK(b == b0 + 64 * PG + 5);
	CHECK(sys_brk(NULL) == b);
	for (size_t i = 0; i < 64 * PG + 5; i += 64)
		zero &= b0[i] == 0;
	CHECK(zero);
	memset(b0, 0x77, 64 * PG + 5);
	b = sys_brk(b0 + 2 * PG);
	CHECK(b == b0 + 2 * PG);
	prog_catch_segv();
	CHECK(prog_readable(b0 + 2 * PG - 1));
	CHECK(!prog_readable(b0 + 3 * PG) && prog_last_code == SEGV_MAPERR);
	b = sys_brk(b0 + 8 * PG);
	CHECK(b == b0 + 8 * PG && b0[4 * PG] == 0 && b0[PG] == 0x77);
	/* Below the start, or into another mapping: refused, break unchanged. */
	CHECK(sys_brk(b0 - 4 * PG) == b);
	char *m = prog_map(b0 + 32 * PG, PG, PROT_READ, MAP_FIXED_NOREPLACE);
	CHECK(m == b0 + 32 * PG);
	CHECK(sys_brk(b0 + 40 * PG) == b);
	CHECK(sys_brk(b0 + 31 * PG) == b0 + 31 * PG);
	CHECK(sys_brk(b0) == b0);
	CHECK(!prog_readable(b0));
	return prog_done();
}
