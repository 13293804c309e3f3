/* MAP_FIXED_NOREPLACE: EEXIST on any overlap, the old mapping untouched. */
#include "prog.h"

#define RW (PROT_READ | PROT_WRITE)

int main(void)
{
	char *p = prog_map(NULL, 4 * PG, RW, 0);

	p[PG] = 7;
	CHECK(munmap(p + 2 * PG, 2 * PG) == 0);
	EXPECT_ERRNO(EEXIST, prog_map(p, PG, RW, MAP_FIXED_NOREPLACE));
	EXPECT_ERRNO(EEXIST, prog_map(p + PG, 2 * PG, RW, MAP_FIXED_NOREPLACE));
	EXPECT_ERRNO(0, prog_map(p + 2 * PG, 2 * PG, RW, MAP_FIXED_NOREPLACE));
	CHECK(p[PG] == 7 && p[2 * PG] == 0);
	EXPECT_ERRNO(EINVAL, prog_map(p + 100, PG, RW, MAP_FIXED_NOREPLACE));
	CHECK(munmap(p, 4 * PG) == 0);
	return prog_done();
}
