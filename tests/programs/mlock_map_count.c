/*
 * vm.max_map_count (65530) and the calls that change VMA flags: with the
 * count filled up by mmap (which stops one past the limit, as Linux checks
 * map_count > max), mlock, munlock, mseal and madvise succeed where the
 * changed part joins a neighbour and fail (ENOMEM; EAGAIN for madvise)
 * where they would split a VMA, as Linux 6.12's vma_modify; mprotect of a
 * whole VMA too, even one past the limit.
 */
#include "prog.h"
#include <sys/syscall.h>

/* mmap single pages of alternating rights (no merging) until mmap says no. */
static int fill(void)
{
	int n = 0;

	for (;;) {
		char *q = prog_map(NULL, PG, n & 1 ? PROT_READ : PROT_NONE, 0);

		if (q == MAP_FAILED)
			return errno;
		n++;
	}
}

int main(void)
{
	char *x = prog_map(NULL, 6 * PG, PROT_READ | PROT_WRITE, 0);

	CHECK(x != MAP_FAILED);
	EXPECT_ERRNO(0, syscall(SYS_mlock2, x + 4 * PG, 2 * PG, MLOCK_ONFAULT));
	printf("fill stopped by: %s\n", prog_errname(fill()));
	EXPECT_ERRNO(ENOMEM, prog_map(NULL, PG, PROT_READ, 0));
	EXPECT_ERRNO(0, syscall(SYS_mlock2, x + 2 * PG, 2 * PG, MLOCK_ONFAULT)); /* joins next */
	EXPECT_ERRNO(ENOMEM, munlock(x + 3 * PG, PG));                          /* two splits */
	EXPECT_ERRNO(0, munlock(x + 2 * PG, PG));                               /* joins prev */
	EXPECT_ERRNO(ENOMEM, syscall(SYS_mlock2, x, PG, MLOCK_ONFAULT));        /* one split */
	EXPECT_ERRNO(ENOMEM, syscall(462, x + PG, PG, 0));
	EXPECT_ERRNO(EAGAIN, madvise(x, PG, MADV_DONTFORK));
	EXPECT_ERRNO(ENOMEM, mprotect(x, PG, PROT_READ));
	EXPECT_ERRNO(0, syscall(SYS_mlock2, x, 3 * PG, MLOCK_ONFAULT)); /* merges only */
	CHECK(prog_map(NULL, PG, PROT_READ, 0) != MAP_FAILED); /* the merge made room */
	EXPECT_ERRNO(0, munlockall()); /* whole VMAs: no split */
	EXPECT_ERRNO(0, madvise(x, 6 * PG, MADV_DONTFORK));
	EXPECT_ERRNO(0, mprotect(x, 6 * PG, PROT_READ)); /* whole VMA, one past the limit */
	EXPECT_ERRNO(0, mprotect(x, 6 * PG, PROT_READ | PROT_WRITE));
	return prog_done();
}
