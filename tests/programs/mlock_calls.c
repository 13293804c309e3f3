/*
 * mlock, mlock2, munlock, mlockall and munlockall: errnos and their order
 * (Linux 6.12 mm/mlock.c, as root: CAP_IPC_LOCK), population on lock (none
 * with MLOCK_ONFAULT / MCL_ONFAULT), the VMAs before a hole locked anyway,
 * advice refused on locked memory, mremap of a locked mapping (stays locked,
 * its growth populated), MCL_CURRENT, MCL_FUTURE over later mmap, brk and
 * mremap growth, MAP_LOCKED, and munlockall undoing all of it.
 */
#include "prog.h"
#include <sys/resource.h>
#include <sys/syscall.h>

#ifndef MADV_DONTNEED_LOCKED
#define MADV_DONTNEED_LOCKED 24
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* True when the page at p is locked: MADV_DONTNEED says EINVAL only then. */
static int locked(char *p)
{
	return madvise(p, PG, MADV_DONTNEED) == -1 && errno == EINVAL;
}

static void errnos(void)
{
	char *p = prog_map(NULL, 4 * PG, PROT_READ | PROT_WRITE, 0);

	EXPECT_ERRNO(EINVAL, syscall(SYS_mlock2, p, PG, 2));
	EXPECT_ERRNO(EINVAL, syscall(SYS_mlock2, p, PG, 3));
	EXPECT_ERRNO(EINVAL, syscall(SYS_mlock2, p, PG, -1));
	EXPECT_ERRNO(ENOMEM, mlock((void *)1, 0));
	EXPECT_ERRNO(ENOMEM, mlock(NULL, PG));
	EXPECT_ERRNO(EINVAL, mlock((void *)-PG, 2 * PG));
	EXPECT_ERRNO(EINVAL, mlock(p, -PG));
	EXPECT_ERRNO(EINVAL, munlock(p, -PG));
	EXPECT_ERRNO(0, mlock(p, 0));
	EXPECT_ERRNO(0, munlock(p, 0));
	EXPECT_ERRNO(ENOMEM, munlock(NULL, PG));
	EXPECT_ERRNO(ENOMEM, mlock((void *)0x200000000000, PG));
	CHECK(prog_resident(p, 4) == 0);
	EXPECT_ERRNO(0, mlock(p + 1, PG)); /* two pages: the start rounds down, the end up */
	CHECK(prog_resident(p, 4) == 2 && locked(p) && locked(p + PG) && !locked(p + 2 * PG));
	EXPECT_ERRNO(0, munlock(p, 4 * PG));
	CHECK(!locked(p) && !locked(p + PG));
	munmap(p, 4 * PG);
}

static void populate(void)
{
	char *p = prog_map(NULL, 8 * PG, PROT_READ | PROT_WRITE, 0);
	char *r = prog_map(NULL, 4 * PG, PROT_READ, 0);
	char *n = prog_map(NULL, 4 * PG, PROT_NONE, 0);

	EXPECT_ERRNO(0, mlock(p, 4 * PG));
	CHECK(prog_resident(p, 8) == 4);
	EXPECT_ERRNO(0, syscall(SYS_mlock2, p + 4 * PG, 4 * PG, MLOCK_ONFAULT));
	CHECK(prog_resident(p, 8) == 4 && locked(p + 5 * PG));
	p[6 * PG] = 7;
	CHECK(prog_resident(p, 8) == 5 && p[6 * PG] == 7);
	EXPECT_ERRNO(0, mlock(p + 4 * PG, 4 * PG)); /* ONFAULT to full: now populated */
	CHECK(prog_resident(p, 8) == 8);
	EXPECT_ERRNO(0, mlock(r, 4 * PG));
	CHECK(prog_resident(r, 4) == 4 && r[0] == 0);
	EXPECT_ERRNO(ENOMEM, mlock(n, 4 * PG)); /* locked, not populated */
	CHECK(prog_resident(n, 4) == 0 && locked(n));
	EXPECT_ERRNO(0, munlock(n, 4 * PG));
	EXPECT_ERRNO(0, mprotect(n, 2 * PG, PROT_READ));
	EXPECT_ERRNO(ENOMEM, mlock(n, 4 * PG)); /* the readable half populated first */
	CHECK(prog_resident(n, 4) == 2);
	EXPECT_ERRNO(0, munlockall());
	munmap(p, 8 * PG);
	munmap(r, 4 * PG);
	munmap(n, 4 * PG);
}

static void holes(void)
{
	char *p = prog_map(NULL, 8 * PG, PROT_READ | PROT_WRITE, 0);

	munmap(p + 4 * PG, PG);
	EXPECT_ERRNO(ENOMEM, mlock(p, 8 * PG)); /* the first VMA is locked, not populated */
	CHECK(locked(p) && locked(p + 3 * PG) && !locked(p + 5 * PG));
	CHECK(prog_resident(p, 4) == 0);
	EXPECT_ERRNO(ENOMEM, mlock(p + 4 * PG, PG));
	EXPECT_ERRNO(ENOMEM, munlock(p, 8 * PG));
	CHECK(!locked(p) && !locked(p + 3 * PG));
	EXPECT_ERRNO(0, mlock(p + 5 * PG, PG));
	EXPECT_ERRNO(ENOMEM, munlock(p + 4 * PG, PG));
	CHECK(locked(p + 5 * PG));
	EXPECT_ERRNO(0, munlock(p + 5 * PG, PG));
	munmap(p, 8 * PG);
}

static void advice(void)
{
	char *p = prog_map(NULL, 4 * PG, PROT_READ | PROT_WRITE, 0);

	memset(p, 0x5a, 4 * PG);
	EXPECT_ERRNO(0, mlock(p, 2 * PG));
	EXPECT_ERRNO(EINVAL, madvise(p, PG, MADV_DONTNEED));
	EXPECT_ERRNO(EINVAL, madvise(p, PG, MADV_FREE));
	EXPECT_ERRNO(EINVAL, madvise(p, PG, MADV_COLD));
	EXPECT_ERRNO(EINVAL, madvise(p, PG, MADV_PAGEOUT));
	EXPECT_ERRNO(EINVAL, madvise(p, PG, MADV_REMOVE));
	EXPECT_ERRNO(0, madvise(p, 4 * PG, MADV_WILLNEED));
	EXPECT_ERRNO(0, madvise(p, 4 * PG, MADV_POPULATE_WRITE));
	CHECK(p[0] == 0x5a && p[PG] == 0x5a);
	EXPECT_ERRNO(EINVAL, madvise(p + PG, 2 * PG, MADV_DONTNEED)); /* stops at the locked VMA */
	CHECK(p[2 * PG] == 0x5a);
	EXPECT_ERRNO(0, madvise(p + 2 * PG, 2 * PG, MADV_COLD));
	EXPECT_ERRNO(0, madvise(p + 2 * PG, 2 * PG, MADV_PAGEOUT));
	CHECK(p[2 * PG] == 0x5a && p[3 * PG] == 0x5a);
	EXPECT_ERRNO(0, madvise(p, 2 * PG, MADV_DONTNEED_LOCKED));
	CHECK(p[0] == 0 && p[PG] == 0 && locked(p));
	EXPECT_ERRNO(0, munlock(p, 4 * PG));
	munmap(p, 4 * PG);
}

static void remap(void)
{
	char *p = prog_map(NULL, 2 * PG, PROT_READ | PROT_WRITE, 0), *q, *d;
	char *g = prog_map(NULL, 8 * PG, PROT_NONE, 0);

	p[0] = 1;
	EXPECT_ERRNO(0, mlock(p, 2 * PG));
	munmap(g, 8 * PG); /* a free range to move to */
	q = mremap(p, 2 * PG, 4 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, g);
	CHECK(q == g && q[0] == 1 && prog_resident(q, 4) == 4 && locked(q + 3 * PG));
	q = mremap(q, 4 * PG, 2 * PG, 0);
	CHECK(q == g && locked(q + PG));
	d = mremap(q, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
	CHECK(d != MAP_FAILED && d[0] == 1 && locked(d) && !locked(q));
	CHECK(prog_resident(q, 2) == 0);
	EXPECT_ERRNO(0, munlockall());
	munmap(q, 2 * PG);
	munmap(d, 2 * PG);
}

static void lockall_errnos(void)
{
	EXPECT_ERRNO(EINVAL, mlockall(0));
	EXPECT_ERRNO(EINVAL, mlockall(MCL_ONFAULT));
	EXPECT_ERRNO(EINVAL, mlockall(8));
	EXPECT_ERRNO(EINVAL, mlockall(MCL_CURRENT | 16));
	EXPECT_ERRNO(EINVAL, mlockall(-1));
	EXPECT_ERRNO(0, munlockall());
}

static void current(void)
{
	char *p = prog_map(NULL, 8 * PG, PROT_READ | PROT_WRITE, 0);
	char *n = prog_map(NULL, 2 * PG, PROT_NONE, 0);
	char *q;

	CHECK(prog_resident(p, 8) == 0);
	EXPECT_ERRNO(0, mlockall(MCL_CURRENT));
	CHECK(prog_resident(p, 8) == 8 && locked(p) && locked(p + 7 * PG));
	CHECK(prog_resident(n, 2) == 0 && locked(n));
	q = prog_map(NULL, 4 * PG, PROT_READ | PROT_WRITE, 0); /* not MCL_FUTURE */
	CHECK(prog_resident(q, 4) == 0 && !locked(q));
	EXPECT_ERRNO(0, munlockall());
	CHECK(!locked(p) && !locked(n) && prog_resident(p, 8) == 7);
	munmap(p, 8 * PG);
	munmap(n, 2 * PG);
	munmap(q, 4 * PG);
}

static void future(void)
{
	char *old = (char *)syscall(SYS_brk, 0), *p, *b, *r;

	EXPECT_ERRNO(0, mlockall(MCL_FUTURE));
	p = prog_map(NULL, 4 * PG, PROT_READ | PROT_WRITE, 0);
	CHECK(p != MAP_FAILED && prog_resident(p, 4) == 4 && locked(p));
	b = (char *)syscall(SYS_brk, old + 2 * PG);
	CHECK(b == old + 2 * PG);
	b = (char *)(((unsigned long)old + PG - 1) & ~(PG - 1));
	CHECK(prog_resident(b, 1) == 1 && locked(b));
	r = mremap(p, 4 * PG, 8 * PG, MREMAP_MAYMOVE);
	CHECK(r != MAP_FAILED && prog_resident(r, 8) == 8 && locked(r + 7 * PG));
	EXPECT_ERRNO(0, munlockall());
	p = prog_map(NULL, 4 * PG, PROT_READ | PROT_WRITE, 0);
	CHECK(prog_resident(p, 4) == 0 && !locked(p));
	CHECK(!locked(r) && !locked(b));
	CHECK(syscall(SYS_brk, old) == (long)old);
	munmap(p, 4 * PG);
	munmap(r, 8 * PG);
}

static void onfault(void)
{
	char *p, *q;

	EXPECT_ERRNO(0, mlockall(MCL_FUTURE | MCL_ONFAULT));
	p = prog_map(NULL, 4 * PG, PROT_READ | PROT_WRITE, 0);
	CHECK(prog_resident(p, 4) == 0 && locked(p));
	q = prog_map(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_POPULATE); /* skipped when ONFAULT */
	CHECK(prog_resident(q, 4) == 0 && locked(q));
	p[PG] = 3;
	CHECK(prog_resident(p, 4) == 1);
	EXPECT_ERRNO(0, mlockall(MCL_CURRENT)); /* MCL_FUTURE off, everything populated */
	CHECK(prog_resident(p, 4) == 4 && prog_resident(q, 4) == 4 && p[PG] == 3);
	EXPECT_ERRNO(0, mlockall(MCL_CURRENT | MCL_ONFAULT));
	CHECK(locked(p));
	EXPECT_ERRNO(0, munlockall());
	munmap(p, 4 * PG);
	munmap(q, 4 * PG);
}

static void map_locked(void)
{
	char *p = prog_map(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_LOCKED);
	char *n = prog_map(NULL, 4 * PG, PROT_NONE, MAP_LOCKED);

	CHECK(p != MAP_FAILED && prog_resident(p, 4) == 4 && locked(p + 3 * PG));
	CHECK(n != MAP_FAILED && prog_resident(n, 4) == 0 && locked(n));
	EXPECT_ERRNO(0, munlock(p, 4 * PG));
	CHECK(!locked(p) && prog_resident(p, 4) == 3);
	munmap(p, 4 * PG);
	munmap(n, 4 * PG);
	p = prog_map(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_POPULATE | MAP_NONBLOCK);
	CHECK(p != MAP_FAILED && prog_resident(p, 4) == 0); /* MAP_NONBLOCK: no populate */
	n = prog_map(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_LOCKED | MAP_NONBLOCK);
	CHECK(n != MAP_FAILED && prog_resident(n, 4) == 4); /* ... unless locked */
	munmap(p, 4 * PG);
	munmap(n, 4 * PG);
}

/*
 * Grow the stack by 256 KiB; 1 when a new page is locked. The page probed
 * is one above the lowest (which holds the frames of the calls made here).
 */
static __attribute__((noinline)) int stack_growth_locked(void)
{
	volatile char buf[256 * 1024];
	char *page = (char *)(((unsigned long)&buf[0] + 2 * PG - 1) & ~(PG - 1));

	buf[0] = 1;
	return locked(page);
}

/* A locked stack stays locked as it grows (MCL_CURRENT | MCL_FUTURE); unlocked, it does not. */
static void stack(void)
{
	EXPECT_ERRNO(0, mlockall(MCL_CURRENT | MCL_FUTURE));
	CHECK(stack_growth_locked());
	EXPECT_ERRNO(0, munlockall());
	CHECK(!stack_growth_locked());
}

/* Root (CAP_IPC_LOCK) locks past RLIMIT_MEMLOCK, even a limit of 0. */
static void root_exempt(void)
{
	struct rlimit rl = {0, 0};
	char *big = prog_map(NULL, 16UL << 20, PROT_READ | PROT_WRITE, MAP_NORESERVE);
	char *p = prog_map(NULL, 2 * PG, PROT_READ | PROT_WRITE, 0);

	EXPECT_ERRNO(0, syscall(SYS_mlock2, big, 16UL << 20, MLOCK_ONFAULT)); /* 16 MiB > 8 MiB */
	CHECK(prog_resident(big, 4) == 0 && locked(big + (8UL << 20)));
	EXPECT_ERRNO(0, munlock(big, 16UL << 20));
	EXPECT_ERRNO(0, setrlimit(RLIMIT_MEMLOCK, &rl));
	EXPECT_ERRNO(0, mlock(p, 2 * PG));
	CHECK(prog_resident(p, 2) == 2 && locked(p));
	EXPECT_ERRNO(0, mlockall(MCL_FUTURE));
	EXPECT_ERRNO(0, munlockall());
	munmap(big, 16UL << 20);
	munmap(p, 2 * PG);
}

int main(void)
{
	errnos();
	populate();
	holes();
	advice();
	remap();
	lockall_errnos();
	current();
	future();
	onfault();
	map_locked();
	stack();
	root_exempt();
	return prog_done();
}
