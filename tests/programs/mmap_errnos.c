/* mmap argument errors, each with Linux's errno. */
#include "prog.h"

#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)

int main(void)
{
	EXPECT_ERRNO(EINVAL, mmap(NULL, 0, RW, ANON, -1, 0));
	EXPECT_ERRNO(EINVAL, mmap(NULL, PG, RW, MAP_ANONYMOUS, -1, 0));
	EXPECT_ERRNO(EINVAL, mmap(NULL, PG, RW, MAP_ANONYMOUS | MAP_SHARED | MAP_PRIVATE, -1, 0));
	EXPECT_ERRNO(EINVAL, mmap((void *)0x10000123, PG, RW, ANON | MAP_FIXED, -1, 0));
	EXPECT_ERRNO(ENOMEM, mmap((void *)0x7ffffffff000, 2 * PG, RW, ANON | MAP_FIXED, -1, 0));
	EXPECT_ERRNO(ENOMEM, mmap((void *)0x800000000000, PG, RW, ANON | MAP_FIXED, -1, 0));
	EXPECT_ERRNO(ENOMEM, mmap(NULL, 1UL << 47, RW, ANON, -1, 0));
	EXPECT_ERRNO(ENOMEM, mmap(NULL, -PG, RW, ANON, -1, 0));
	EXPECT_ERRNO(EINVAL, mmap(NULL, PG, RW, ANON, -1, 1));
	EXPECT_ERRNO(0, mmap(NULL, PG, RW | 0x1000, ANON, -1, 0));
	EXPECT_ERRNO(0, mmap(NULL, 1, RW, ANON, -1, 0));
	EXPECT_ERRNO(0, mmap(NULL, PG, PROT_NONE, ANON | MAP_NORESERVE, -1, 0));
	return prog_done();
}
