/*
 * Shared memory without fork: two mappings of one memfd, of one shared
 * anonymous mapping (mremap with old_len 0) and of /dev/zero; MADV_DONTNEED
 * (the object keeps the pages) and MADV_REMOVE (a hole in every mapping);
 * ftruncate seen by both mappings; the write seals against shared mappings
 * (EBUSY, EPERM, EACCES), as Linux.
 */
#include "files.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

static sigjmp_buf probe_jmp;
static volatile int probe_sig, probe_code;

static void probe_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	probe_sig = sig;
	probe_code = si->si_code;
	siglongjmp(probe_jmp, 1);
}

/* Print the byte at p, or the signal a read of it gives. */
static void probe_read(const char *what, volatile char *p)
{
	if (sigsetjmp(probe_jmp, 1)) {
		printf("%s: %s code %d\n", what, probe_sig == SIGBUS ? "SIGBUS" : "SIGSEGV",
		       probe_code);
		return;
	}
	printf("%s: %d\n", what, *p);
}

static int mfd(const char *name, unsigned flags)
{
	return (int)syscall(SYS_memfd_create, name, flags);
}

static void two_mappings(void)
{
	int fd = mfd("two", 0);
	char *a, *b, c = 0;

	CHECK(ftruncate(fd, 4 * PG) == 0);
	a = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	b = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 2 * PG);
	CHECK(a != MAP_FAILED && b != MAP_FAILED);
	a[2 * PG + 1] = 'x';
	b[PG] = 'y';
	printf("a sees b: %c, b sees a: %c\n", a[3 * PG], b[1]);
	CHECK(pread(fd, &c, 1, 3 * PG) == 1);
	printf("read sees b: %c\n", c);
	CHECK(madvise(a, 4 * PG, MADV_DONTNEED) == 0);
	printf("after MADV_DONTNEED: %c %c\n", a[2 * PG + 1], a[3 * PG]);
	CHECK(madvise(b, PG, MADV_REMOVE) == 0);
	printf("after MADV_REMOVE via b: a %d, b %d, a's next page %c\n", a[2 * PG + 1], b[1],
	       a[3 * PG]);
	CHECK(pread(fd, &c, 1, 2 * PG + 1) == 1);
	printf("read after MADV_REMOVE: %d\n", c);
	CHECK(ftruncate(fd, 3 * PG) == 0);
	probe_read("a past the new end", a + 3 * PG);
	probe_read("b past the new end", b + PG);
	CHECK(ftruncate(fd, 4 * PG) == 0);
	probe_read("b after growing back", b + PG);
	close(fd);
	a[0] = 'k';
	printf("mapping outlives the fd: %c\n", a[0]);
	CHECK(munmap(a, 4 * PG) == 0 && munmap(b, 2 * PG) == 0);
}

static void seals(void)
{
	int fd = mfd("sealed", MFD_ALLOW_SEALING);
	char *w, *r;

	CHECK(ftruncate(fd, PG) == 0);
	w = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	FR("F_SEAL_WRITE while mapped shared writable", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	CHECK(munmap(w, PG) == 0);
	r = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	FR("F_SEAL_WRITE while mapped shared read-only", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	CHECK(munmap(r, PG) == 0);
	w = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	FR("F_SEAL_WRITE while mapped private", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	w[0] = 'p';
	printf("private copy of a sealed file: %c\n", w[0]);
	CHECK(munmap(w, PG) == 0);
	FR("shared writable of a sealed file", mmap(NULL, PG, PROT_READ | PROT_WRITE,
						    MAP_SHARED, fd, 0));
	FR("shared read-only of a sealed file", r = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0));
	FR("mprotect it writable", mprotect(r, PG, PROT_READ | PROT_WRITE));
	FR("MADV_REMOVE on it", madvise(r, PG, MADV_REMOVE));
	CHECK(munmap(r, PG) == 0);
	close(fd);

	fd = mfd("future", MFD_ALLOW_SEALING);
	CHECK(ftruncate(fd, PG) == 0);
	w = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	FR("F_SEAL_FUTURE_WRITE while mapped", fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE));
	w[0] = 'o';
	printf("the old writable mapping still writes: %c\n", w[0]);
	FR("new shared writable", mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
	FR("new shared read-only", r = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0));
	FR("mprotect it writable", mprotect(r, PG, PROT_READ | PROT_WRITE));
	CHECK(munmap(w, PG) == 0 && munmap(r, PG) == 0);
	close(fd);
}

static void shared_anonymous(void)
{
	char *a = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *b, *g;

	CHECK(a != MAP_FAILED);
	b = mremap(a, 0, 2 * PG, MREMAP_MAYMOVE);
	CHECK(b != MAP_FAILED && b != a);
	a[PG] = 's';
	b[0] = 't';
	printf("second mapping of shared anonymous memory: %c %c\n", b[PG], a[0]);
	CHECK(madvise(b, 2 * PG, MADV_DONTNEED) == 0);
	printf("after MADV_DONTNEED: %c %c\n", b[0], b[PG]);
	CHECK(madvise(a, PG, MADV_REMOVE) == 0);
	printf("after MADV_REMOVE: %d %d\n", a[0], b[0]);
	FR("MADV_REMOVE of private memory", madvise(mmap(NULL, PG, PROT_READ | PROT_WRITE,
							 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
						    PG, MADV_REMOVE));
	g = mremap(b, 2 * PG, 3 * PG, MREMAP_MAYMOVE);
	CHECK(g != MAP_FAILED);
	printf("grown by mremap: %c\n", g[PG]);
	probe_read("past the object", g + 2 * PG);
	CHECK(munmap(a, 2 * PG) == 0 && munmap(g, 3 * PG) == 0);
}

static void dev_zero(void)
{
	int fd = open("/dev/zero", O_RDWR);
	char *s = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *o = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PG);
	char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	char *t;

	CHECK(s != MAP_FAILED && o != MAP_FAILED && p != MAP_FAILED);
	s[0] = 'z';
	p[0] = 'q';
	printf("/dev/zero shared: %c, private: %c\n", s[0], p[0]);
	t = mremap(s, 0, 2 * PG, MREMAP_MAYMOVE);
	CHECK(t != MAP_FAILED);
	printf("second mapping of it: %c\n", t[0]);
	probe_read("/dev/zero at page offset 1, page 0", o);
	probe_read("/dev/zero at page offset 1, page 1", o + PG);
	close(fd);
	CHECK(munmap(s, 2 * PG) == 0 && munmap(o, 2 * PG) == 0 && munmap(p, 2 * PG) == 0 &&
	      munmap(t, 2 * PG) == 0);
}

int main(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = probe_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	two_mappings();
	seals();
	shared_anonymous();
	dev_zero();
	return prog_done();
}
