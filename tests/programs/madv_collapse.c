/*
 * MADV_COLLAPSE (25) of private anonymous memory, as Linux 6.12: a 2 MiB
 * block with a written page becomes one huge page holding the same bytes
 * (AnonHugePages 2048 kB, pagemap: consecutive frames); a block with nothing
 * mapped, only zero pages or only pages shared after fork is EINVAL; the
 * huge zero page counts as collapsed; a VMA under MADV_NOHUGEPAGE, one too
 * small for an aligned block, a private file mapping: EINVAL; a hole: ENOMEM
 * (after the VMAs before it); an unaligned start, a range ending before the
 * first aligned block: EINVAL. A collapse after fork leaves the child its
 * bytes. (A block whose pages are all shared after fork is EINVAL in 6.12,
 * SCAN_PAGE_RO, but newer hosts collapse it: cow's selftest checks that.)
 */
#include <fcntl.h>
#include <sys/wait.h>

#include "prog.h"

#define MADV_COLLAPSE_ 25
#define HUGE (2UL << 20)
#define PM_PFN ((1ULL << 55) - 1)

/*
 * AnonHugePages (kB) of the VMA containing p; -1 when not found. smaps is
 * read whole with read(2) into a buffer of its own (no stdio).
 */
static long mc_thp_kb(const void *p)
{
	static char buf[1 << 16];
	int fd = open("/proc/self/smaps", O_RDONLY);
	unsigned long s, e;
	long n = 0, r, kb = -1;
	int in = 0;

	while (fd >= 0 && (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	for (char *l = buf, *nl; l && *l; l = nl ? nl + 1 : NULL) {
		nl = strchr(l, '\n');
		if (nl)
			*nl = 0;
		if (sscanf(l, "%lx-%lx ", &s, &e) == 2 && strchr(l, '-') < strchr(l, ' '))
			in = (uintptr_t)p >= s && (uintptr_t)p < e;
		else if (in && !strncmp(l, "AnonHugePages:", 14))
			kb = strtol(l + 14, NULL, 10);
	}
	return kb;
}

/* A 2 MiB-aligned block of `nblocks` blocks, private anonymous, between PROT_NONE guards. */
static char *mc_map(int nblocks, int advice)
{
	size_t len = nblocks * HUGE;
	char *m = prog_map(NULL, len + 2 * HUGE, PROT_NONE, 0);
	char *p = (char *)(((uintptr_t)m + HUGE) & ~(HUGE - 1));

	p = mmap(p, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (advice)
		madvise(p, len, advice);
	return p;
}

/* True when the frames of the block at p are consecutive (one huge page), or PFNs are hidden. */
static int mc_one_huge(const char *p)
{
	uint64_t first = prog_pagemap(p) & PM_PFN;

	for (size_t i = 1; i < HUGE / PG && first; i++)
		if ((prog_pagemap(p + i * PG) & PM_PFN) != first + i)
			return 0;
	return 1;
}

/* True when the bytes of [p, p + n) are `v` everywhere but at `at` (which holds `w`). */
static int mc_bytes(const char *p, size_t n, char v, size_t at, char w)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (i == at ? w : v))
			return 0;
	return 1;
}

static void mc_basic(void)
{
	char *p = mc_map(2, MADV_NOHUGEPAGE);

	EXPECT_ERRNO(EINVAL, madvise(p, 2 * HUGE, MADV_COLLAPSE_));
	p[HUGE + 5 * PG + 3] = 42;
	p[7] = 1;
	CHECK(mc_thp_kb(p) == 0);
	EXPECT_ERRNO(0, madvise(p, 2 * HUGE, MADV_HUGEPAGE));
	EXPECT_ERRNO(0, madvise(p, 2 * HUGE, MADV_COLLAPSE_));
	CHECK(mc_thp_kb(p) == 4096);
	CHECK(mc_one_huge(p) && mc_one_huge(p + HUGE));
	CHECK(mc_bytes(p, HUGE, 0, 7, 1) && mc_bytes(p + HUGE, HUGE, 0, 5 * PG + 3, 42));
	EXPECT_ERRNO(0, madvise(p, 2 * HUGE, MADV_COLLAPSE_));
	EXPECT_ERRNO(EINVAL, madvise(p + 4096, 100, MADV_COLLAPSE_));
	EXPECT_ERRNO(0, madvise(p + HUGE, HUGE / 2, MADV_COLLAPSE_));
	EXPECT_ERRNO(EINVAL, madvise(p + 1, HUGE, MADV_COLLAPSE_));
	p = mc_map(1, MADV_HUGEPAGE);
	EXPECT_ERRNO(EINVAL, madvise(p, HUGE, MADV_COLLAPSE_));
}

static void mc_split_and_collapse(void)
{
	char *p = mc_map(1, MADV_NOHUGEPAGE);

	for (size_t i = 0; i < HUGE; i += PG)
		p[i] = (char)(i / PG);
	CHECK(mc_thp_kb(p) == 0);
	EXPECT_ERRNO(EINVAL, madvise(p, HUGE, MADV_COLLAPSE_));
	EXPECT_ERRNO(0, madvise(p, HUGE, MADV_HUGEPAGE));
	EXPECT_ERRNO(0, madvise(p + 3 * PG, 2 * PG, MADV_DONTNEED));
	EXPECT_ERRNO(0, madvise(p, HUGE, MADV_COLLAPSE_));
	CHECK(mc_thp_kb(p) == 2048 && mc_one_huge(p));
	int ok = 1;
	for (size_t i = 0; i < HUGE; i += PG)
		ok = ok && p[i] == ((i / PG == 3 || i / PG == 4) ? 0 : (char)(i / PG));
	CHECK(ok);
}

static void mc_zero_pages(void)
{
	char *p = mc_map(1, MADV_NOHUGEPAGE);
	char *q = mc_map(1, MADV_HUGEPAGE);
	volatile char c;

	for (size_t i = 0; i < HUGE; i += PG)
		c = p[i];
	(void)c;
	EXPECT_ERRNO(0, madvise(p, HUGE, MADV_HUGEPAGE));
	EXPECT_ERRNO(EINVAL, madvise(p, HUGE, MADV_COLLAPSE_));
	c = q[100];
	EXPECT_ERRNO(0, madvise(q, HUGE, MADV_COLLAPSE_));
	CHECK(mc_thp_kb(q) == 0 && q[100] == 0);
}

static void mc_fork(void)
{
	char *p = mc_map(1, MADV_HUGEPAGE);
	int fds[2], st;
	char b;
	pid_t pid;

	memset(p, 5, HUGE);
	EXPECT_ERRNO(0, madvise(p, HUGE, MADV_NOHUGEPAGE));
	EXPECT_ERRNO(0, madvise(p + PG, PG, MADV_DONTNEED));
	EXPECT_ERRNO(0, madvise(p, HUGE, MADV_HUGEPAGE));
	memset(p + PG, 5, PG);
	CHECK(pipe(fds) == 0);
	pid = fork();
	if (pid == 0) {
		read(fds[0], &b, 1);
		_exit(mc_bytes(p, HUGE, 5, 0, 5) ? 0 : 1);
	}
	p[0] = 6;
	EXPECT_ERRNO(0, madvise(p, HUGE, MADV_COLLAPSE_));
	CHECK(mc_thp_kb(p) == 2048 && mc_bytes(p, HUGE, 5, 0, 6));
	memset(p, 7, HUGE);
	write(fds[1], "x", 1);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void mc_errnos(void)
{
	char *small = prog_map(NULL, HUGE / 2, PROT_READ | PROT_WRITE, 0);
	char *p = mc_map(2, 0);
	char path[] = "/tmp/madv_collapse_XXXXXX";
	int fd = mkstemp(path);
	char *f;

	small[0] = 1;
	EXPECT_ERRNO(EINVAL, madvise(small, HUGE / 2, MADV_COLLAPSE_));
	p[0] = 1;
	p[HUGE] = 1;
	CHECK(munmap(p + HUGE, PG) == 0);
	EXPECT_ERRNO(EINVAL, madvise(p, 2 * HUGE, MADV_COLLAPSE_));
	CHECK(mc_thp_kb(p) == 2048);
	p = mc_map(2, 0);
	p[0] = 1;
	CHECK(munmap(p + HUGE, HUGE) == 0);
	EXPECT_ERRNO(ENOMEM, madvise(p, 2 * HUGE, MADV_COLLAPSE_));
	CHECK(mc_thp_kb(p) == 2048 && p[0] == 1);
	CHECK(fd >= 0 && ftruncate(fd, 2 * HUGE) == 0);
	f = mmap(NULL, 2 * HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	f[0] = 1;
	EXPECT_ERRNO(EINVAL, madvise(f, 2 * HUGE, MADV_COLLAPSE_));
	unlink(path);
	close(fd);
}

int main(void)
{
	mc_basic();
	mc_split_and_collapse();
	mc_zero_pages();
	mc_fork();
	mc_errnos();
	return prog_done();
}
