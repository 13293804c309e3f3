/* mremap argument errors not covered elsewhere: old_len 0, DONTUNMAP rules, targets past the user half, huge lengths. */
#include "prog.h"
#include <sys/syscall.h>

#define MM MREMAP_MAYMOVE
#define FX MREMAP_FIXED
#define DU MREMAP_DONTUNMAP

static long sys_mremap(void *a, size_t o, size_t n, long fl, void *to)
{
	return syscall(SYS_mremap, a, o, n, fl, to);
}

int main(void)
{
	char *p = prog_map(NULL, 8 * PG, PROT_READ | PROT_WRITE, 0);

	memset(p, 9, 8 * PG);
	EXPECT_ERRNO(EINVAL, sys_mremap(p, 0, 2 * PG, MM, NULL));
	EXPECT_ERRNO(EINVAL, sys_mremap(p, 2 * PG, 2 * PG, DU, NULL));
	EXPECT_ERRNO(EINVAL, sys_mremap(p, 2 * PG, 4 * PG, MM | DU, NULL));
	EXPECT_ERRNO(EINVAL, sys_mremap(p, 2 * PG, 2 * PG, FX, p + 4 * PG));
	EXPECT_ERRNO(EINVAL, sys_mremap(p, 2 * PG, 2 * PG, MM | FX, (void *)0x7ffffffff000));
	EXPECT_ERRNO(EINVAL, sys_mremap(p, 2 * PG, 2 * PG, MM | FX, (void *)0x800000000000));
	EXPECT_ERRNO(EINVAL, sys_mremap(p, 2 * PG, -PG, MM, NULL));
	EXPECT_ERRNO(EINVAL, sys_mremap(p, 2 * PG, 1UL << 47, MM, NULL));
	EXPECT_ERRNO(ENOMEM, sys_mremap(p, 2 * PG, 0x7ffffff00000UL, MM, NULL));
	EXPECT_ERRNO(EINVAL, sys_mremap(p, 2 * PG, 2 * PG, 0x80, NULL));
	EXPECT_ERRNO(EFAULT, sys_mremap((void *)0x200000000000, PG, 2 * PG, MM, NULL));
	EXPECT_ERRNO(EFAULT, sys_mremap(p + 6 * PG, 4 * PG, 5 * PG, MM, NULL));
	/* Unaligned lengths are rounded up; equal lengths are a no-op. */
	CHECK(sys_mremap(p, 2 * PG - 5, 2 * PG, 0, NULL) == (long)p);
	CHECK(sys_mremap(p, 8 * PG, 8 * PG, 0, NULL) == (long)p);
	/* A shrink with MAYMOVE stays in place. */
	CHECK(sys_mremap(p, 8 * PG, 6 * PG + 1, MM, NULL) == (long)p);
	prog_catch_segv();
	CHECK(prog_readable(p + 6 * PG) && !prog_readable(p + 7 * PG));
	int same = 1;
	for (int i = 0; i < 7; i++)
		same &= p[i * PG] == 9;
	CHECK(same);
	return prog_done();
}
