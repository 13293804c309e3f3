/*
 * Multi-size THP: the knobs under /sys/kernel/mm/transparent_hugepage take
 * Linux's words (EINVAL for others) and steer anonymous faults: with 64 KiB
 * set to always, one write maps its whole aligned 64 KiB block at once onto
 * contiguous, aligned frames (/proc/self/pagemap); a read, MADV_NOHUGEPAGE
 * or never maps one page. The block's pages stay pages: fork shares them
 * copy-on-write one by one, MADV_DONTNEED drops some. The knobs are restored.
 * MAP_HUGETLB answers as with an empty hugetlb pool.
 */
#include "prog.h"
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>

#define THP "/sys/kernel/mm/transparent_hugepage/"
#define K64 (64UL << 10)
#define PM_PRESENT (1ULL << 63)
#define PM_PFN ((1ULL << 55) - 1)

/* The text of knob `name` (under THP) into buf; its length, or -1. */
static int knob_read(const char *name, char *buf, size_t size)
{
	char path[256];
	int fd, n;

	snprintf(path, sizeof(path), THP "%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = (int)read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return n;
}

/* Write text to knob `name`: 0, or -1 with errno. */
static int knob_write(const char *name, const char *text)
{
	char path[256];
	int fd, err;
	ssize_t n;

	snprintf(path, sizeof(path), THP "%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	err = errno;
	close(fd);
	errno = err;
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* The bracketed word of a word knob's text, into word. */
static void knob_selected(const char *name, char *word, size_t size)
{
	char text[128], *a, *b;

	word[0] = 0;
	if (knob_read(name, text, sizeof(text)) < 0 || !(a = strchr(text, '[')) ||
	    !(b = strchr(a, ']')) || (size_t)(b - a) > size)
		return;
	memcpy(word, a + 1, (size_t)(b - a - 1));
	word[b - a - 1] = 0;
}

/* The pagemap entries of the 16 pages at p into e; the number present. */
static int block_entries(const char *p, uint64_t e[16])
{
	int fd = open("/proc/self/pagemap", O_RDONLY), n = 0;

	memset(e, 0, 16 * sizeof(e[0]));
	if (fd < 0)
		return -1;
	if (pread(fd, e, 16 * sizeof(e[0]), (off_t)((uintptr_t)p / PG * 8)) != 16 * 8)
		n = -1;
	close(fd);
	for (int i = 0; n >= 0 && i < 16; i++)
		n += (e[i] & PM_PRESENT) != 0;
	return n;
}

/* True when the 16 pages at p are present on contiguous frames aligned to 64 KiB. */
static int block_contiguous(const char *p)
{
	uint64_t e[16];

	if (block_entries(p, e) != 16 || (e[0] & PM_PFN) % 16 != 0)
		return 0;
	for (int i = 1; i < 16; i++)
		if ((e[i] & PM_PFN) != (e[0] & PM_PFN) + (uint64_t)i)
			return 0;
	return 1;
}

static int present(const char *p)
{
	uint64_t e[16];

	return block_entries(p, e);
}

/* The faults the knobs steer, in four aligned 64 KiB blocks at p. */
static void check_faults(char *p)
{
	int status;
	pid_t pid;

	p[PG] = 1;
	CHECK(present(p) == 16);
	CHECK(block_contiguous(p));
	CHECK(*(volatile char *)(p + K64) == 0 && present(p + K64) == 1);
	CHECK(madvise(p + 2 * K64, K64, MADV_NOHUGEPAGE) == 0);
	p[2 * K64] = 1;
	CHECK(present(p + 2 * K64) == 1);
	pid = fork();
	if (pid == 0) {
		p[PG] = 7;
		p[5 * PG] = 7;
		_exit(p[PG] == 7 && p[2 * PG] == 0 && present(p) == 16 ? 0 : 1);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(p[PG] == 1 && p[5 * PG] == 0 && block_contiguous(p));
	CHECK(madvise(p + PG, K64 - PG, MADV_DONTNEED) == 0);
	CHECK(present(p) == 1 && p[PG] == 0);
}

int main(void)
{
	char saved64[32], saved2m[32], text[128];
	char *raw, *p;

	CHECK(knob_read("hpage_pmd_size", text, sizeof(text)) > 0 && !strcmp(text, "2097152\n"));
	for (unsigned kb = 16; kb <= 2048; kb *= 2) {
		snprintf(text, sizeof(text), THP "hugepages-%ukB/enabled", kb);
		printf("hugepages-%ukB: %s\n", kb, access(text, R_OK | W_OK) == 0 ? "yes" : "no");
	}
	knob_selected("hugepages-64kB/enabled", saved64, sizeof(saved64));
	knob_selected("hugepages-2048kB/enabled", saved2m, sizeof(saved2m));
	EXPECT_ERRNO(EINVAL, knob_write("hugepages-64kB/enabled", "sometimes"));
	EXPECT_ERRNO(EINVAL, knob_write("enabled", "inherit"));
	EXPECT_ERRNO(0, knob_write("hugepages-2048kB/enabled", "never\n"));
	EXPECT_ERRNO(0, knob_write("hugepages-64kB/enabled", "always"));
	knob_read("hugepages-64kB/enabled", text, sizeof(text));
	printf("hugepages-64kB/enabled: %s", text);

	raw = prog_map(NULL, 5 * K64, PROT_READ | PROT_WRITE, 0);
	p = (char *)(((uintptr_t)raw + K64 - 1) & ~(K64 - 1));
	check_faults(p);
	EXPECT_ERRNO(0, knob_write("hugepages-64kB/enabled", "never"));
	p[3 * K64 + PG] = 1;
	CHECK(present(p + 3 * K64) == 1);
	munmap(raw, 5 * K64);

	EXPECT_ERRNO(0, knob_write("hugepages-64kB/enabled", saved64));
	EXPECT_ERRNO(0, knob_write("hugepages-2048kB/enabled", saved2m));
	EXPECT_ERRNO(EINVAL, mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
				  (14 << MAP_HUGE_SHIFT), -1, 0));
	EXPECT_ERRNO(ENOMEM, mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB,
				  -1, 0));
	EXPECT_ERRNO(EINVAL, mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB,
				  -1, 0));
	return prog_done();
}
