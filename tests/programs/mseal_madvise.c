/*
 * mseal (Linux >= 6.10; 6.12's mm/mseal.c): errnos, all or nothing over a
 * hole, and what a seal refuses with EPERM: munmap, mprotect (the VMAs
 * before the sealed one change), mremap as source and as target, MAP_FIXED
 * over, and discarding madvise on read-only private memory only. And the
 * other madvise additions: MADV_DONTFORK/DOFORK/WIPEONFORK/KEEPONFORK (VMA
 * flags, acted on at fork), MADV_COLD and MADV_PAGEOUT (no swap: anonymous
 * pages stay), MADV_FREE on shared memory, and MAP_DROPPABLE (Linux 6.11):
 * its errnos, contents, the advice it refuses, and MADV_PAGEOUT dropping it. A read-only private window
 * onto a file (a memfd) is no anonymous memory: its seal refuses no advice.
 */
#include "prog.h"
#include <fcntl.h>
#include <sys/syscall.h>

#ifndef MADV_DONTNEED_LOCKED
#define MADV_DONTNEED_LOCKED 24
#endif
#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x08
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

static long sys_mseal(void *addr, size_t len, unsigned long flags)
{
	return syscall(462, addr, len, flags);
}

static void errnos(void)
{
	char *p = prog_map(NULL, 8 * PG, PROT_READ, 0);

	EXPECT_ERRNO(EINVAL, sys_mseal(p, PG, 1));
	EXPECT_ERRNO(EINVAL, sys_mseal(p, PG, 1UL << 32));
	EXPECT_ERRNO(EINVAL, sys_mseal(p + 1, PG, 0));
	EXPECT_ERRNO(EINVAL, sys_mseal(p, -1UL, 0));
	EXPECT_ERRNO(EINVAL, sys_mseal(p, -PG - PG, 0)); /* wraps */
	EXPECT_ERRNO(0, sys_mseal(p, 0, 0));
	EXPECT_ERRNO(ENOMEM, sys_mseal((void *)0x200000000000, PG, 0));
	munmap(p + 6 * PG, PG);
	EXPECT_ERRNO(ENOMEM, sys_mseal(p, 8 * PG, 0)); /* nothing sealed */
	EXPECT_ERRNO(0, munmap(p, PG));
	EXPECT_ERRNO(ENOMEM, sys_mseal(p, 2 * PG, 0));
	EXPECT_ERRNO(0, sys_mseal(p + PG, 1, 0)); /* one page */
	EXPECT_ERRNO(0, sys_mseal(p + PG, PG, 0)); /* again */
	EXPECT_ERRNO(EPERM, munmap(p + PG, PG));
	EXPECT_ERRNO(0, munmap(p + 2 * PG, 4 * PG));
	EXPECT_ERRNO(0, munmap(p + 7 * PG, PG));
}

static void refused(void)
{
	char *p = prog_map(NULL, 4 * PG, PROT_READ | PROT_WRITE, 0), *g;

	memset(p, 0x41, 4 * PG);
	EXPECT_ERRNO(0, mprotect(p + PG, PG, PROT_READ));
	EXPECT_ERRNO(0, sys_mseal(p + PG, PG, 0));
	EXPECT_ERRNO(EPERM, munmap(p, 4 * PG));
	CHECK(p[0] == 0x41 && p[3 * PG] == 0x41);
	EXPECT_ERRNO(EPERM, mprotect(p + PG, PG, PROT_READ)); /* even unchanged */
	EXPECT_ERRNO(EPERM, mprotect(p, 2 * PG, PROT_READ));
	CHECK(!prog_writable(p) && prog_readable(p + PG)); /* p changed, as Linux */
	EXPECT_ERRNO(0, mprotect(p, PG, PROT_READ | PROT_WRITE));
	EXPECT_ERRNO(0, mprotect(p + 2 * PG, 2 * PG, PROT_READ | PROT_WRITE));
	EXPECT_ERRNO(EPERM, mremap(p + PG, PG, PG, 0));
	EXPECT_ERRNO(EPERM, mremap(p + PG, PG, 2 * PG, MREMAP_MAYMOVE));
	EXPECT_ERRNO(EPERM, mremap(p + PG, PG, PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP));
	EXPECT_ERRNO(EPERM, mremap(p + 3 * PG, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, p + PG));
	EXPECT_ERRNO(EPERM, mremap(p, 2 * PG, PG, 0)); /* the tail is sealed */
	EXPECT_ERRNO(EPERM, prog_map(p, 2 * PG, PROT_READ, MAP_FIXED));
	EXPECT_ERRNO(EEXIST, prog_map(p + PG, PG, PROT_READ, MAP_FIXED_NOREPLACE));
	CHECK(p[0] == 0x41 && p[PG] == 0x41);
	g = prog_map(NULL, PG, PROT_READ | PROT_WRITE, 0);
	EXPECT_ERRNO(0, sys_mseal(g, PG, 0));
	EXPECT_ERRNO(0, mlock(p, 4 * PG)); /* locking is no modification */
	EXPECT_ERRNO(0, munlock(p, 4 * PG));
	EXPECT_ERRNO(0, madvise(p, 4 * PG, MADV_NORMAL));
}

/* Discarding advice on a sealed read-only private VMA is EPERM; elsewhere as without the seal. */
static void advice(void)
{
	static const struct { int advice; const char *name; } adv[] = {
		{MADV_DONTNEED, "DONTNEED"}, {MADV_FREE, "FREE"},
		{MADV_DONTNEED_LOCKED, "DONTNEED_LOCKED"}, {MADV_REMOVE, "REMOVE"},
		{MADV_DONTFORK, "DONTFORK"}, {MADV_DOFORK, "DOFORK"},
		{MADV_WIPEONFORK, "WIPEONFORK"}, {MADV_KEEPONFORK, "KEEPONFORK"},
		{MADV_COLD, "COLD"}, {MADV_PAGEOUT, "PAGEOUT"}, {MADV_WILLNEED, "WILLNEED"},
		{MADV_POPULATE_READ, "POPULATE_READ"}, {MADV_RANDOM, "RANDOM"},
	};
	char *ro = prog_map(NULL, PG, PROT_READ, 0);
	char *rw = prog_map(NULL, PG, PROT_READ | PROT_WRITE, 0);
	char *sh = mmap(NULL, PG, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int fd = (int)syscall(SYS_memfd_create, "sealed", 0);
	char *pf;

	CHECK(fd >= 0 && fallocate(fd, 0, 0, PG) == 0);
	pf = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(pf != MAP_FAILED);
	rw[0] = 9;
	EXPECT_ERRNO(0, sys_mseal(ro, PG, 0));
	EXPECT_ERRNO(0, sys_mseal(rw, PG, 0));
	EXPECT_ERRNO(0, sys_mseal(sh, PG, 0));
	EXPECT_ERRNO(0, sys_mseal(pf, PG, 0));
	for (size_t i = 0; i < sizeof(adv) / sizeof(adv[0]); i++) {
		int r1 = madvise(ro, PG, adv[i].advice), e1 = r1 ? errno : 0;
		int r2 = madvise(rw, PG, adv[i].advice), e2 = r2 ? errno : 0;
		int r3 = madvise(sh, PG, adv[i].advice), e3 = r3 ? errno : 0;
		int r4 = madvise(pf, PG, adv[i].advice), e4 = r4 ? errno : 0;

		printf("%s: read-only %s, writable %s, shared %s, private file %s\n",
		       adv[i].name, prog_errname(e1), prog_errname(e2), prog_errname(e3),
		       prog_errname(e4));
	}
	EXPECT_ERRNO(EPERM, munmap(pf, PG));
	close(fd);
	CHECK(rw[0] == 0); /* DONTNEED on writable sealed memory is allowed */
}

static void fork_flags(void)
{
	char *p = prog_map(NULL, 8 * PG, PROT_READ | PROT_WRITE, 0);
	char *s = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	memset(p, 0x11, 8 * PG);
	EXPECT_ERRNO(0, madvise(p + PG, 2 * PG, MADV_DONTFORK));
	EXPECT_ERRNO(0, madvise(p + 4 * PG, 2 * PG, MADV_WIPEONFORK));
	EXPECT_ERRNO(0, madvise(p, 8 * PG, MADV_DOFORK));
	EXPECT_ERRNO(0, madvise(p, 8 * PG, MADV_KEEPONFORK));
	EXPECT_ERRNO(EINVAL, madvise(s, 2 * PG, MADV_WIPEONFORK));
	EXPECT_ERRNO(0, madvise(s, 2 * PG, MADV_KEEPONFORK));
	EXPECT_ERRNO(0, madvise(s, 2 * PG, MADV_DONTFORK));
	EXPECT_ERRNO(0, madvise(s, 2 * PG, MADV_DOFORK));
	CHECK(p[PG] == 0x11 && p[4 * PG] == 0x11 && prog_resident(p, 8) == 8);
	munmap(p + 6 * PG, PG);
	EXPECT_ERRNO(ENOMEM, madvise(p + 5 * PG, 3 * PG, MADV_DONTFORK));
	EXPECT_ERRNO(ENOMEM, madvise(p + 6 * PG, PG, MADV_WIPEONFORK));
	EXPECT_ERRNO(EINVAL, madvise(p + 1, PG, MADV_DONTFORK));
	munmap(p, 6 * PG);
	munmap(p + 7 * PG, PG);
	munmap(s, 2 * PG);
}

static void cold_pageout(void)
{
	char *p = prog_map(NULL, 4 * PG, PROT_READ | PROT_WRITE, 0);
	char *s = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	memset(p, 0x22, 4 * PG);
	s[0] = 5;
	EXPECT_ERRNO(0, madvise(p, 4 * PG, MADV_COLD));
	EXPECT_ERRNO(0, madvise(p, 4 * PG, MADV_PAGEOUT));
	EXPECT_ERRNO(0, madvise(s, 2 * PG, MADV_PAGEOUT));
	CHECK(p[0] == 0x22 && p[3 * PG] == 0x22 && s[0] == 5);
	EXPECT_ERRNO(EINVAL, madvise(s, 2 * PG, MADV_FREE));
	CHECK(s[0] == 5);
	EXPECT_ERRNO(0, madvise(s, PG, MADV_REMOVE));
	CHECK(s[0] == 0);
	EXPECT_ERRNO(EINVAL, madvise(p, PG, MADV_REMOVE));
	EXPECT_ERRNO(0, madvise(p, PG, MADV_FREE));
	munmap(p + PG, PG);
	EXPECT_ERRNO(ENOMEM, madvise(p, 4 * PG, MADV_COLD));
	EXPECT_ERRNO(ENOMEM, madvise(p, 4 * PG, MADV_PAGEOUT));
	CHECK(p[2 * PG] == 0x22);
	munmap(p, 4 * PG);
	munmap(s, 2 * PG);
}

static void droppable(void)
{
	int rw = PROT_READ | PROT_WRITE;
	char *d = mmap(NULL, 4 * PG, rw, MAP_DROPPABLE | MAP_ANONYMOUS, -1, 0);

	CHECK(d != MAP_FAILED);
	CHECK(prog_resident(d, 4) == 0);
	CHECK(d[0] == 0);
	memset(d, 0x33, 4 * PG);
	CHECK(d[3 * PG] == 0x33);
	EXPECT_ERRNO(EINVAL, mmap(NULL, PG, rw, MAP_DROPPABLE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0));
	EXPECT_ERRNO(EINVAL, mmap(NULL, PG, rw, MAP_DROPPABLE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0));
	EXPECT_ERRNO(EINVAL, mmap(NULL, PG, rw, MAP_DROPPABLE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0));
	EXPECT_ERRNO(EBADF, mmap(NULL, PG, rw, MAP_DROPPABLE, -1, 0));
	EXPECT_ERRNO(EINVAL, mmap(NULL, PG, rw, 0x0c | MAP_ANONYMOUS, -1, 0));
	EXPECT_ERRNO(EINVAL, madvise(d, PG, MADV_KEEPONFORK));
	EXPECT_ERRNO(EINVAL, madvise(d, PG, MADV_DODUMP));
	EXPECT_ERRNO(0, madvise(d, PG, MADV_DONTDUMP));
	EXPECT_ERRNO(0, madvise(d, PG, MADV_WIPEONFORK));
	EXPECT_ERRNO(0, madvise(d, PG, MADV_DONTFORK));
	EXPECT_ERRNO(0, madvise(d, PG, MADV_DOFORK));
	EXPECT_ERRNO(0, mlock(d, 4 * PG)); /* never locked ... */
	EXPECT_ERRNO(0, madvise(d + PG, PG, MADV_DONTNEED)); /* ... so this drops */
	CHECK(d[PG] == 0 && d[2 * PG] == 0x33);
	EXPECT_ERRNO(0, madvise(d + 3 * PG, PG, MADV_COLD)); /* kept */
	CHECK(d[3 * PG] == 0x33);
	EXPECT_ERRNO(0, madvise(d + 3 * PG, PG, MADV_PAGEOUT)); /* dropped, never swapped */
	CHECK(d[3 * PG] == 0 && d[2 * PG] == 0x33);
	EXPECT_ERRNO(0, mprotect(d, 4 * PG, PROT_READ));
	CHECK(d[2 * PG] == 0x33);
	EXPECT_ERRNO(0, munmap(d, 4 * PG));
}

int main(void)
{
	prog_catch_segv();
	errnos();
	refused();
	advice();
	fork_flags();
	cold_pageout();
	droppable();
	return prog_done();
}
