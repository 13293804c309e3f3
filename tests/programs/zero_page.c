/*
 * The shared zero page: a read of untouched private anonymous memory maps
 * one read-only zero frame (4 KiB pages under MADV_NOHUGEPAGE, the huge zero
 * page over a 2 MiB block under MADV_HUGEPAGE), which smaps does not count
 * in Rss, pagemap shows present but not exclusive (the huge one as "file"),
 * mincore shows resident; a write gives the page a frame of its own; fork
 * copies the zero mappings; MADV_POPULATE_READ and MAP_POPULATE of a
 * read-only mapping map the zero page, MAP_POPULATE and mlock of a writable
 * one write-fault; a /proc/self/mem write into a read-only one copies it.
 */
#include <fcntl.h>
#include <sys/wait.h>

#include "prog.h"

#define PM_PRESENT (1ULL << 63)
#define PM_FILE (1ULL << 61)
#define PM_EXCLUSIVE (1ULL << 56)
#define PM_PFN ((1ULL << 55) - 1)
#define HUGE (2UL << 20)

/*
 * n pages of private anonymous memory with `prot` and `extra` flags between
 * two PROT_NONE pages, so that the VMA merges with no neighbour.
 */
static char *zp_map(size_t n, int prot, int extra)
{
	char *m = prog_map(NULL, (n + 2) * PG, PROT_NONE, 0);

	if (m == MAP_FAILED)
		return m;
	return mmap(m + PG, n * PG, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | extra, -1, 0);
}

/*
 * The kB figure of smaps line `key` of the VMA starting at p; -1 when not
 * found. smaps is read whole with read(2) into a buffer of its own.
 */
static long zp_smaps(const void *p, const char *key)
{
	static char buf[1 << 16];
	char head[32];
	int fd = open("/proc/self/smaps", O_RDONLY), in = 0;
	long n = 0, r, kb = -1;

	while (fd >= 0 && (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	snprintf(head, sizeof(head), "%lx-", (unsigned long)(uintptr_t)p);
	for (char *l = buf, *nl; l && *l; l = nl ? nl + 1 : NULL) {
		nl = strchr(l, '\n');
		if (nl)
			*nl = 0;
		if (strchr(l, '-') && strchr(l, '-') < strchr(l, ' '))
			in = !strncmp(l, head, strlen(head));
		else if (in && !strncmp(l, key, strlen(key)) && l[strlen(key)] == ':')
			kb = strtol(l + strlen(key) + 1, NULL, 10);
	}
	return kb;
}

/* Count the pages of [p, p + n pages) whose pagemap entry has all of `bits`. */
static int zp_count(const char *p, int n, uint64_t bits)
{
	int c = 0;

	for (int i = 0; i < n; i++)
		c += (prog_pagemap(p + i * PG) & bits) == bits;
	return c;
}

/* The pages of [p, p + n pages) mincore reports resident (n <= 512). */
static int zp_resident(const char *p, int n)
{
	unsigned char vec[512];
	int c = 0;

	if (n > 512 || mincore((void *)p, n * PG, vec) != 0)
		return -1;
	for (int i = 0; i < n; i++)
		c += vec[i] & 1;
	return c;
}

/* True when every page of [p, p + n pages) reads as zero. */
static int zp_zero(const volatile char *p, size_t n)
{
	for (size_t i = 0; i < n * PG; i += 64)
		if (p[i])
			return 0;
	return 1;
}

/* 4 KiB zero pages: read, write one, fork. */
static void zp_small(void)
{
	int n = 32;
	char *p = zp_map(n, PROT_READ | PROT_WRITE, 0);
	uint64_t z;
	pid_t pid;
	int st;

	CHECK(madvise(p, n * PG, MADV_NOHUGEPAGE) == 0);
	CHECK(zp_count(p, n, PM_PRESENT) == 0);
	CHECK(zp_zero(p, n));
	z = prog_pagemap(p) & PM_PFN;
	CHECK(zp_count(p, n, PM_PRESENT) == n);
	CHECK(zp_count(p, n, PM_EXCLUSIVE) == 0 && zp_count(p, n, PM_FILE) == 0);
	CHECK((prog_pagemap(p + 17 * PG) & PM_PFN) == z);
	CHECK(zp_smaps(p, "Rss") == 0 && zp_smaps(p, "Anonymous") == 0);
	CHECK(zp_resident(p, n) == n);
	p[3 * PG] = 7;
	CHECK(zp_smaps(p, "Rss") == 4 && zp_smaps(p, "Anonymous") == 4);
	CHECK(zp_count(p, n, PM_EXCLUSIVE) == 1 && (prog_pagemap(p + 3 * PG) & PM_EXCLUSIVE));
	CHECK(z == 0 || (prog_pagemap(p + 3 * PG) & PM_PFN) != z);
	CHECK(p[3 * PG] == 7 && p[3 * PG + 1] == 0 && zp_zero(p + 4 * PG, n - 4));
	pid = fork();
	if (pid == 0) {
		int ok = (prog_pagemap(p) & (PM_PRESENT | PM_PFN)) == (PM_PRESENT | z) &&
			 zp_smaps(p, "Rss") == 4;

		p[0] = 1;
		ok = ok && zp_smaps(p, "Rss") == 8 && (prog_pagemap(p) & PM_EXCLUSIVE);
		_exit(ok ? 0 : 1);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(p[0] == 0 && (prog_pagemap(p) & (PM_PRESENT | PM_PFN)) == (PM_PRESENT | z));
	CHECK(zp_smaps(p, "Rss") == 4);
	munmap(p - PG, (n + 2) * PG);
}

/* MADV_POPULATE_READ, MAP_POPULATE and mlock. */
static void zp_populate(void)
{
	int n = 16;
	char *p = zp_map(n, PROT_READ | PROT_WRITE, 0);
	char *q = zp_map(n, PROT_READ, MAP_POPULATE);
	char *r = zp_map(n, PROT_READ | PROT_WRITE, MAP_POPULATE);
	char *l = zp_map(n, PROT_READ | PROT_WRITE, 0);
	char *lr = zp_map(n, PROT_READ, 0);

	CHECK(madvise(p, n * PG, MADV_NOHUGEPAGE) == 0);
	CHECK(madvise(p, n * PG, 22 /* MADV_POPULATE_READ */) == 0);
	CHECK(zp_count(p, n, PM_PRESENT) == n && zp_smaps(p, "Rss") == 0);
	CHECK(zp_count(q, n, PM_PRESENT) == n && zp_smaps(q, "Rss") == 0);
	CHECK(zp_count(r, n, PM_PRESENT | PM_EXCLUSIVE) == n && zp_smaps(r, "Rss") == n * 4);
	CHECK(mlock(l, n * PG) == 0 && mlock(lr, n * PG) == 0);
	CHECK(zp_count(l, n, PM_PRESENT | PM_EXCLUSIVE) == n && zp_smaps(l, "Rss") == n * 4);
	CHECK(zp_count(lr, n, PM_PRESENT) == n && zp_smaps(lr, "Rss") == 0);
	munmap(p - PG, (n + 2) * PG);
	munmap(q - PG, (n + 2) * PG);
	munmap(r - PG, (n + 2) * PG);
	munmap(l - PG, (n + 2) * PG);
	munmap(lr - PG, (n + 2) * PG);
}

/* The huge zero page over a 2 MiB block (MADV_HUGEPAGE). */
static void zp_huge(void)
{
	char *m = zp_map(2 * HUGE / PG, PROT_READ | PROT_WRITE, 0);
	char *h = (char *)(((uintptr_t)m + HUGE - 1) & ~(HUGE - 1));
	int n = HUGE / PG, seq = 1;
	uint64_t first;

	CHECK(madvise(h, HUGE, MADV_HUGEPAGE) == 0);
	CHECK(*(volatile char *)(h + 5 * PG) == 0);
	first = prog_pagemap(h) & PM_PFN;
	for (int i = 1; i < n && first; i++)
		seq = seq && (prog_pagemap(h + i * PG) & PM_PFN) == first + i;
	CHECK(seq);
	CHECK(zp_count(h, n, PM_PRESENT | PM_FILE) == n && zp_count(h, n, PM_EXCLUSIVE) == 0);
	CHECK(zp_smaps(h, "Rss") == 0 && zp_smaps(h, "AnonHugePages") == 0);
	CHECK(zp_resident(h, n) == n);
	h[7 * PG + 1] = 9;
	CHECK(h[7 * PG + 1] == 9 && zp_zero(h, 7) && zp_zero(h + 8 * PG, n - 8));
	CHECK(zp_count(h, n, PM_PRESENT) == n);
	munmap(m - PG, 2 * HUGE + 2 * PG);
}

/* A /proc/self/mem write (FOLL_FORCE) into a read-only zero page copies it, as Linux. */
static void zp_mem_write(void)
{
	char *r = zp_map(2, PROT_READ, 0);
	int fd = open("/proc/self/mem", O_RDWR);

	CHECK(r[0] == 0 && r[PG] == 0);
	CHECK(fd >= 0 && pwrite(fd, "Q", 1, (off_t)(uintptr_t)r) == 1);
	CHECK(r[0] == 'Q' && r[1] == 0 && r[PG] == 0);
	CHECK((prog_pagemap(r) & PM_EXCLUSIVE) && !(prog_pagemap(r + PG) & PM_EXCLUSIVE));
	CHECK(zp_smaps(r, "Rss") == 4);
	close(fd);
	munmap(r - PG, 4 * PG);
}

int main(void)
{
	char knob[8] = "";
	int fd = open("/sys/kernel/mm/transparent_hugepage/use_zero_page", O_RDONLY);

	CHECK(fd >= 0 && read(fd, knob, sizeof(knob) - 1) > 0 && !strcmp(knob, "1\n"));
	close(fd);
	zp_small();
	zp_populate();
	zp_huge();
	zp_mem_write();
	return prog_done();
}
