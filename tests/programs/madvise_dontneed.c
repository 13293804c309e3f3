/* MADV_DONTNEED: private anonymous pages read as zero after; errnos as Linux. */
#include "prog.h"
#include <sys/syscall.h>

int main(void)
{
	char *p = prog_map(NULL, 8 * PG, PROT_READ | PROT_WRITE, 0);

	memset(p, 0x33, 8 * PG);
	EXPECT_ERRNO(0, madvise(p + 2 * PG, 3 * PG, MADV_DONTNEED));
	CHECK(p[PG] == 0x33 && p[2 * PG] == 0 && p[5 * PG - 1] == 0 && p[5 * PG] == 0x33);
	p[3 * PG] = 1;
	CHECK(p[3 * PG] == 1);
	EXPECT_ERRNO(EINVAL, syscall(SYS_madvise, p + 1, PG, MADV_DONTNEED));
	EXPECT_ERRNO(EINVAL, madvise(p, PG, 12345));
	EXPECT_ERRNO(0, madvise(p, 0, MADV_DONTNEED));
	EXPECT_ERRNO(0, madvise(p, 8 * PG, MADV_WILLNEED));
	EXPECT_ERRNO(0, madvise(p, 8 * PG, MADV_NORMAL));
	EXPECT_ERRNO(0, madvise(p, 8 * PG, MADV_SEQUENTIAL));
	EXPECT_ERRNO(0, madvise(p, 8 * PG, MADV_RANDOM));
	CHECK(p[0] == 0x33);
	CHECK(munmap(p + 6 * PG, PG) == 0);
	EXPECT_ERRNO(ENOMEM, madvise(p + 5 * PG, 3 * PG, MADV_DONTNEED));
	CHECK(p[5 * PG] == 0 && p[7 * PG] == 0);
	EXPECT_ERRNO(ENOMEM, madvise((void *)0x200000000000, PG, MADV_DONTNEED));
	return prog_done();
}
