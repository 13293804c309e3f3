/*
 * Range calls (mprotect, munmap, madvise, mremap, msync, mincore, mlock,
 * munlock) whose range passes the top of the user half or wraps past the end
 * of the address space: each fails with Linux's errno and changes nothing a
 * program can see. mlock and munlock only on ranges with nothing mapped: from a mapping,
 * Linux locks what lies before its [vvar] and the stack, layouts differ.
 */
#include "prog.h"

#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)
#define TOP 0x7ffffffff000UL
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/*
 * Ranges with nothing mapped from their start on (the stack may end at the
 * top itself, as on Linux without ASLR, so none starts below it).
 */
static const struct {
	const char *name;
	uintptr_t addr;
	size_t len;
} empty[] = {
	{ "[top, top+1page)", TOP, PG },
	{ "[top, -1page)", TOP, -PG - TOP },
	{ "[top, wrap to 0)", TOP, -TOP },
	{ "[top, wrap past 0)", TOP, -TOP + PG },
	{ "[1<<47, +1page)", 1UL << 47, PG },
	{ "[1<<47, +1<<47)", 1UL << 47, 1UL << 47 },
	{ "[kernel half, +1page)", 0xffff800000000000UL, PG },
	{ "[-1page, 0)", -PG, PG },
	{ "[-1page, wrap)", -PG, 2 * PG },
};

#define NEMPTY (sizeof(empty) / sizeof(empty[0]))

static const char *err(long rc)
{
	return prog_errname(rc == -1 ? errno : 0);
}

/* Every range call on one empty range: one line of errno names. */
static void range_calls(size_t i)
{
	void *a = (void *)empty[i].addr;
	size_t l = empty[i].len;
	unsigned char vec[4];
	long r[8];
	const char *e[8];

	errno = 0, r[0] = mprotect(a, l, PROT_READ), e[0] = err(r[0]);
	errno = 0, r[1] = munmap(a, l), e[1] = err(r[1]);
	errno = 0, r[2] = madvise(a, l, MADV_DONTNEED), e[2] = err(r[2]);
	errno = 0, r[3] = msync(a, l, MS_ASYNC), e[3] = err(r[3]);
	errno = 0, r[4] = mincore(a, l, vec), e[4] = err(r[4]);
	errno = 0, r[5] = (long)mremap(a, l, 2 * PG, 0), e[5] = err(r[5]);
	errno = 0, r[6] = mlock(a, l), e[6] = err(r[6]);
	errno = 0, r[7] = munlock(a, l), e[7] = err(r[7]);
	printf("%s: mprotect %s munmap %s madvise %s msync %s mincore %s mremap %s mlock %s "
	       "munlock %s\n", empty[i].name, e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7]);
}

/* Calls from a live mapping p whose range runs past the top or wraps. */
static void from_a_mapping(char *p)
{
	size_t past = TOP - (uintptr_t)p + PG, wrap = -(uintptr_t)p + PG;
	unsigned char vec[4];

	EXPECT_ERRNO(EINVAL, madvise(p, past, MADV_DONTNEED));
	EXPECT_ERRNO(EINVAL, madvise(p, 1UL << 56, MADV_DONTNEED));
	EXPECT_ERRNO(EINVAL, madvise(p, wrap, MADV_DONTNEED));
	EXPECT_ERRNO(EINVAL, madvise(p, past, MADV_POPULATE_WRITE));
	EXPECT_ERRNO(EINVAL, munmap(p, past));
	EXPECT_ERRNO(EINVAL, munmap(p, wrap));
	EXPECT_ERRNO(ENOMEM, mprotect(p, wrap, PROT_READ));
	EXPECT_ERRNO(ENOMEM, msync(p, wrap, MS_SYNC));
	EXPECT_ERRNO(ENOMEM, mincore(p, past, vec));
	EXPECT_ERRNO(ENOMEM, mincore(p, wrap, vec));
	EXPECT_ERRNO(EINVAL, mremap(p, past, PG, 0));
	EXPECT_ERRNO(EFAULT, mremap(p, past, past + PG, MREMAP_MAYMOVE));
	/* Still mapped (Linux drops the pages below its [vvar] first: no content check). */
	EXPECT_ERRNO(0, msync(p, 2 * PG, MS_ASYNC));
}

int main(void)
{
	char *p = prog_map(NULL, 2 * PG, RW, 0);
	unsigned char vec[2] = { 9, 9 };

	CHECK(p != MAP_FAILED);
	for (size_t i = 0; i < NEMPTY; i++)
		range_calls(i);
	p[0] = 7;
	p[PG] = 8;
	from_a_mapping(p);
	p[0] = 7;
	p[PG] = 8;
	EXPECT_ERRNO(0, madvise(p + PG, PG, MADV_DONTNEED));
	EXPECT_ERRNO(0, mincore(p, 2 * PG, vec));
	CHECK(vec[0] == 1 && vec[1] == 0);
	EXPECT_ERRNO(0, msync(p, 2 * PG, MS_SYNC | MS_INVALIDATE));
	EXPECT_ERRNO(EINVAL, msync(p, 2 * PG, MS_SYNC | MS_ASYNC));
	EXPECT_ERRNO(EINVAL, msync(p + 1, PG, MS_SYNC));
	EXPECT_ERRNO(EINVAL, msync(p, PG, 8));
	EXPECT_ERRNO(EINVAL, mincore(p + 1, PG, vec));
	EXPECT_ERRNO(EFAULT, mincore(p, PG, (unsigned char *)0xffff800000000000UL));
	EXPECT_ERRNO(EFAULT, mincore(p, PG, NULL));
	return prog_done();
}
