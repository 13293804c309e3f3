/* munmap arguments: Linux's errnos, and an unmapped range is success. */
#include "prog.h"

int main(void)
{
	char *p = prog_map(NULL, 4 * PG, PROT_READ | PROT_WRITE, 0);

	EXPECT_ERRNO(EINVAL, munmap(p + 1, PG));
	EXPECT_ERRNO(EINVAL, munmap(p, 0));
	EXPECT_ERRNO(EINVAL, munmap((void *)0x800000000000, PG));
	EXPECT_ERRNO(EINVAL, munmap(p, -PG));
	EXPECT_ERRNO(0, munmap((void *)0x200000000000, 64 * PG));
	EXPECT_ERRNO(0, munmap(p + PG, 1));
	EXPECT_ERRNO(0, munmap(p + PG, PG));
	EXPECT_ERRNO(0, munmap(p, 4 * PG));
	EXPECT_ERRNO(0, munmap(p, 4 * PG));
	return prog_done();
}
