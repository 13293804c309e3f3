/*
 * mmap of a tmpfs file: shared and private mappings at page offsets, writes
 * through a shared mapping seen by read() and by a second mapping, private
 * copies that stay private, SIGBUS (BUS_ADRERR) past the end of the file,
 * ftruncate shrink and grow seen by every mapping, mincore and msync of file
 * pages, mremap of a shared mapping, and the errnos of mmap and mprotect of
 * files (EACCES, ENODEV, EBADF, EINVAL, EOVERFLOW, EOPNOTSUPP).
 */
#include "files.h"

static sigjmp_buf probe_jmp;
static volatile int probe_sig, probe_code;
static volatile uintptr_t probe_addr;

static void probe_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	probe_sig = sig;
	probe_code = si->si_code;
	probe_addr = (uintptr_t)si->si_addr;
	siglongjmp(probe_jmp, 1);
}

static void probe_setup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = probe_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

/* Print what a read of the byte at p gives: its value, or the signal and whether si_addr is p. */
static void probe_read(const char *what, volatile char *p)
{
	if (sigsetjmp(probe_jmp, 1)) {
		printf("%s: %s code %d at addr %s\n", what,
		       probe_sig == SIGBUS ? "SIGBUS" : "SIGSEGV", probe_code,
		       probe_addr == (uintptr_t)p ? "yes" : "no");
		return;
	}
	printf("%s: %d\n", what, *p);
}

/* The same for a write of c at p. */
static void probe_write(const char *what, volatile char *p, char c)
{
	if (sigsetjmp(probe_jmp, 1)) {
		printf("%s: %s code %d\n", what, probe_sig == SIGBUS ? "SIGBUS" : "SIGSEGV",
		       probe_code);
		return;
	}
	*p = c;
	printf("%s: ok\n", what);
}

/* A file of `pages` pages whose page i is filled with 'a' + i. */
static int make_file(const char *path, int pages)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	char buf[PG];

	for (int i = 0; i < pages; i++) {
		memset(buf, 'a' + i, sizeof(buf));
		if (write(fd, buf, sizeof(buf)) != (long)sizeof(buf))
			return -1;
	}
	return fd;
}

static char file_byte(int fd, off_t off)
{
	char c = 0;

	return pread(fd, &c, 1, off) == 1 ? c : '?';
}

static void shared_and_private(int fd)
{
	char *s = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PG);
	char *t = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 2 * PG);
	char *p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, PG);

	CHECK(s != MAP_FAILED && t != MAP_FAILED && p != MAP_FAILED);
	printf("shared at page offset 1: %c %c %c\n", s[0], s[PG], s[2 * PG]);
	printf("private at page offset 1: %c %c\n", p[0], p[2 * PG]);
	s[PG + 5] = 'S';
	printf("write via shared seen by read: %c\n", file_byte(fd, 2 * PG + 5));
	printf("seen by second mapping: %c\n", t[5]);
	printf("seen by private before its copy: %c\n", p[PG + 5]);
	p[PG + 6] = 'P';
	printf("private write stays private: file %c, shared %c, private %c\n",
	       file_byte(fd, 2 * PG + 6), s[PG + 6], p[PG + 6]);
	CHECK(pwrite(fd, "W", 1, 2 * PG + 6) == 1);
	printf("file write after the copy: shared %c, private %c\n", s[PG + 6], p[PG + 6]);
	CHECK(pwrite(fd, "X", 1, 3 * PG) == 1);
	printf("file write on an uncopied page: shared %c, private %c\n", s[2 * PG], p[2 * PG]);
	CHECK(munmap(s, 3 * PG) == 0 && munmap(t, 2 * PG) == 0 && munmap(p, 3 * PG) == 0);
}

static void past_end_and_truncate(int fd)
{
	unsigned char vec[4];
	char *s, *p, *q;

	CHECK(ftruncate(fd, PG + 100) == 0);
	s = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(s != MAP_FAILED && p != MAP_FAILED);
	probe_read("tail of last page", s + PG + 200);
	probe_read("shared past EOF", s + 2 * PG);
	probe_read("private past EOF", p + 3 * PG);
	probe_write("private write past EOF", p + 2 * PG, 'z');
	p[0] = 'c'; /* a private copy of page 0 */
	CHECK(ftruncate(fd, 4 * PG) == 0);
	probe_read("after grow, shared", s + 3 * PG);
	s[3 * PG] = 'g';
	probe_read("after grow, private sees the shared write", p + 3 * PG);
	CHECK(mincore(s, 4 * PG, vec) == 0);
	printf("mincore: %d %d %d %d\n", vec[0] & 1, vec[1] & 1, vec[2] & 1, vec[3] & 1);
	CHECK(ftruncate(fd, 0) == 0);
	probe_read("shrunk to 0, shared", s);
	probe_read("shrunk to 0, private copy", p);
	probe_read("shrunk to 0, private page 3", p + 3 * PG);
	CHECK(ftruncate(fd, 2 * PG) == 0);
	probe_read("grown again, shared", s + PG);
	probe_read("grown again, private", p);
	q = mremap(s, 4 * PG, 8 * PG, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED);
	q[PG] = 'm';
	printf("mremap keeps the file: %c\n", file_byte(fd, PG));
	probe_read("mremap grown past EOF", q + 6 * PG);
	FR("msync MS_SYNC", msync(q, 2 * PG, MS_SYNC));
	FR("msync MS_INVALIDATE", msync(q, 2 * PG, MS_INVALIDATE));
	FR("msync MS_ASYNC|MS_SYNC", msync(q, 2 * PG, MS_ASYNC | MS_SYNC));
	CHECK(mlock(q, PG) == 0);
	FR("msync MS_INVALIDATE locked", msync(q, 2 * PG, MS_INVALIDATE));
	CHECK(munmap(q, 8 * PG) == 0 && munmap(p, 4 * PG) == 0);
}

static void errnos(const char *path, int fd)
{
	int ro = open(path, O_RDONLY), wo = open(path, O_WRONLY), dir = open("/tmp", O_RDONLY);
	char *r;

	FR("shared writable of O_RDONLY",
	   mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0));
	FR("private writable of O_RDONLY", r = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE,
						    ro, 0));
	munmap(r, PG);
	FR("shared read-only of O_RDONLY", r = mmap(NULL, PG, PROT_READ, MAP_SHARED, ro, 0));
	FR("mprotect it writable", mprotect(r, PG, PROT_READ | PROT_WRITE));
	FR("MADV_REMOVE on it", madvise(r, PG, MADV_REMOVE));
	munmap(r, PG);
	FR("of O_WRONLY", mmap(NULL, PG, PROT_READ, MAP_SHARED, wo, 0));
	FR("of a directory", mmap(NULL, PG, PROT_READ, MAP_PRIVATE, dir, 0));
	FR("of stdin", mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 0, 0));
	FR("of stdout", mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 1, 0));
	FR("of a closed fd", mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 999, 0));
	FR("of fd -1 without MAP_ANONYMOUS", mmap(NULL, PG, PROT_READ, MAP_PRIVATE, -1, 0));
	FR("unaligned offset", mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 100));
	FR("length 0", mmap(NULL, 0, PROT_READ, MAP_PRIVATE, fd, 0));
	errno = 0;
	r = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, 0x7ffffffffffff000);
	printf("offset overflow: %s\n",
	       r == MAP_FAILED && errno == EOVERFLOW ? "EOVERFLOW" : "other");
	FR("MAP_GROWSDOWN", mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_GROWSDOWN, fd, 0));
	FR("MAP_SHARED_VALIDATE unknown flag",
	   mmap(NULL, PG, PROT_READ, MAP_SHARED_VALIDATE | MAP_FIXED_NOREPLACE, fd, 0));
	FR("MAP_SHARED_VALIDATE", r = mmap(NULL, PG, PROT_READ, MAP_SHARED_VALIDATE, fd, 0));
	munmap(r, PG);
	FR("no map type", mmap(NULL, PG, PROT_READ, 0, fd, 0));
	close(ro);
	close(wo);
	close(dir);
}

int main(void)
{
	char path[64];
	int fd;

	probe_setup();
	files_scratch(path, sizeof(path), "/dev/shm", "mmapf"); /* tmpfs on Linux too */
	fd = make_file(path, 4);
	CHECK(fd >= 0);
	shared_and_private(fd);
	past_end_and_truncate(fd);
	errnos(path, fd);
	close(fd);
	unlink(path);
	return prog_done();
}
