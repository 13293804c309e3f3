/* fork and memory: private pages copy-on-write both ways (data, heap, stack, a 2 MiB-aligned 4 MiB region), MAP_SHARED and memfd shared, MADV_DONTFORK absent and MADV_WIPEONFORK zero in the child, mlock not inherited, VMAs copied one for one. */
#include "proc.h"

#define BIG (4UL << 20)

static int data_word = 1;

/*
 * A private word written in the child stays the parent's, and one written by
 * the parent after the fork stays the child's: the child waits on `go` until
 * the parent wrote, then reports what it sees in its exit status.
 */
static void private_words(void)
{
	int *heap = malloc(sizeof(int)), stack_word = 10, go[2] = { -1, -1 };
	volatile int *sw = &stack_word;
	pid_t pid;

	*heap = 100;
	CHECK(pipe(go) == 0);
	pid = proc_fork();
	if (pid == 0) {
		int ok = data_word == 1 && *heap == 100 && *sw == 10;

		data_word = 2;
		*heap = 200;
		*sw = 20;
		ok = ok && data_word == 2 && *heap == 200 && *sw == 20;
		proc_await(go[0]);
		/* the parent wrote 3, 300, 30 before the go */
		ok = ok && data_word == 2 && *heap == 200 && *sw == 20;
		_exit(ok ? 0 : 1);
	}
	data_word = 3;
	*heap = 300;
	*sw = 30;
	proc_signal(go[1]);
	REPORT("child: data, heap and stack its own before and after the parent's writes",
	       proc_status(pid) == 0);
	REPORT("parent: data, heap and stack keep the parent's writes",
	       data_word == 3 && *heap == 300 && *sw == 30);
	close(go[0]);
	close(go[1]);
	free(heap);
}

/* Byte i of page pg of the big region, for pattern seed s. */
static unsigned char big_byte(unsigned long pg, unsigned long i, int s)
{
	return (unsigned char)(pg * 7 + i * 13 + (unsigned long)s);
}

static void big_fill(unsigned char *p, int s)
{
	for (unsigned long pg = 0; pg < BIG / PG; pg++)
		for (unsigned long i = 0; i < PG; i += 512)
			p[pg * PG + i] = big_byte(pg, i, s);
}

/* Pages whose sampled bytes differ from pattern s. */
static unsigned long big_bad(const unsigned char *p, int s)
{
	unsigned long bad = 0;

	for (unsigned long pg = 0; pg < BIG / PG; pg++)
		for (unsigned long i = 0; i < PG; i += 512)
			if (p[pg * PG + i] != big_byte(pg, i, s)) {
				bad++;
				break;
			}
	return bad;
}

/* A 4 MiB private region on a 2 MiB boundary, touched fully, copied right both ways. */
static void big_region(void)
{
	char *raw = prog_map(NULL, BIG + (2UL << 20), PROT_READ | PROT_WRITE, 0);
	unsigned char *p;
	int go[2] = { -1, -1 };
	pid_t pid;

	CHECK(raw != MAP_FAILED);
	p = (unsigned char *)(((uintptr_t)raw + (2UL << 20) - 1) & ~((2UL << 20) - 1));
	memset(p, 0x11, BIG);
	big_fill(p, 1);
	CHECK(pipe(go) == 0);
	pid = proc_fork();
	if (pid == 0) {
		int ok = big_bad(p, 1) == 0;

		big_fill(p, 2);
		ok = ok && big_bad(p, 2) == 0;
		proc_await(go[0]);
		ok = ok && big_bad(p, 2) == 0;
		_exit(ok ? 0 : 1);
	}
	CHECK(big_bad(p, 1) == 0);
	big_fill(p, 3);
	proc_signal(go[1]);
	REPORT("child: 4 MiB region copied, then its own", proc_status(pid) == 0);
	REPORT("parent: 4 MiB region keeps the parent's pattern", big_bad(p, 3) == 0);
	close(go[0]);
	close(go[1]);
	munmap(raw, BIG + (2UL << 20));
}

/* MAP_SHARED|MAP_ANONYMOUS: the child's write is the parent's, and the other way. */
static void shared_anon(void)
{
	volatile int *s = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int go[2] = { -1, -1 }, back[2] = { -1, -1 };
	pid_t pid;

	CHECK(s != MAP_FAILED);
	s[0] = 1;
	CHECK(pipe(go) == 0 && pipe(back) == 0);
	pid = proc_fork();
	if (pid == 0) {
		int ok = s[0] == 1;

		s[1] = 22;
		proc_signal(back[1]);
		proc_await(go[0]);
		ok = ok && s[2] == 33;
		_exit(ok ? 0 : 1);
	}
	proc_await(back[0]);
	REPORT("parent sees the child's write to MAP_SHARED", s[1] == 22);
	s[2] = 33;
	proc_signal(go[1]);
	REPORT("child sees the parent's write to MAP_SHARED", proc_status(pid) == 0);
	close(go[0]);
	close(go[1]);
	close(back[0]);
	close(back[1]);
	munmap((void *)s, PG);
}

/* MADV_DONTFORK: the range is not mapped in the child (a read faults: exit 42). */
static void dontfork(void)
{
	volatile char *p = (volatile char *)prog_map(NULL, 4 * PG, PROT_READ | PROT_WRITE, 0);
	pid_t pid;

	CHECK(p != MAP_FAILED);
	p[0] = 5;
	CHECK(madvise((void *)p, 4 * PG, MADV_DONTFORK) == 0);
	prog_catch_segv();
	pid = proc_fork();
	if (pid == 0)
		_exit(prog_readable(p) ? 0 : (prog_last_code == SEGV_MAPERR ? 42 : 43));
	REPORT("MADV_DONTFORK range faults (SEGV_MAPERR) in the child", proc_status(pid) == 42);
	CHECK(p[0] == 5);
	munmap((void *)p, 4 * PG);
}

/* MADV_WIPEONFORK: zero in the child, untouched in the parent. */
static void wipeonfork(void)
{
	unsigned char *p = (unsigned char *)prog_map(NULL, 8 * PG, PROT_READ | PROT_WRITE, 0);
	pid_t pid;

	CHECK(p != MAP_FAILED);
	memset(p, 0xaa, 8 * PG);
	CHECK(madvise(p, 8 * PG, MADV_WIPEONFORK) == 0);
	pid = proc_fork();
	if (pid == 0) {
		int ok = 1;

		for (unsigned long i = 0; i < 8 * PG; i++)
			ok = ok && p[i] == 0;
		p[0] = 1;	/* writable, fresh zero pages */
		_exit(ok ? 0 : 1);
	}
	REPORT("MADV_WIPEONFORK range reads zero in the child", proc_status(pid) == 0);
	REPORT("MADV_WIPEONFORK range kept in the parent", p[0] == 0xaa && p[8 * PG - 1] == 0xaa);
	munmap(p, 8 * PG);
}

/* The VmLck line of /proc/self/status, tabs shown as \t, into buf. */
static void vmlck_line(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	size_t o = 0;

	snprintf(buf, len, "(none)");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "VmLck:", 6) == 0) {
			for (char *c = line; *c && *c != '\n' && o + 3 < len; c++)
				o += (size_t)snprintf(buf + o, len - o, *c == '\t' ? "\\t" : "%c", *c);
			break;
		}
	fclose(f);
}

/* mlock is not inherited: the child's VmLck is 0 kB while the parent's is 16 kB. */
static void mlock_not_inherited(void)
{
	char *p = prog_map(NULL, 4 * PG, PROT_READ | PROT_WRITE, 0);
	char line[128];
	pid_t pid;

	CHECK(p != MAP_FAILED && mlock(p, 4 * PG) == 0);
	vmlck_line(line, sizeof(line));
	printf("parent %s\n", line);
	pid = proc_fork();
	if (pid == 0) {
		prog_failed = 0;	/* its exit status says whether its own checks held */
		vmlck_line(line, sizeof(line));
		printf("child %s\n", line);
		CHECK(p[0] == 0);	/* still mapped, just not locked */
		proc_exit(prog_failed);
	}
	CHECK(proc_status(pid) == 0);
	CHECK(munlock(p, 4 * PG) == 0);
	munmap(p, 4 * PG);
}

/* Lines of /proc/self/maps whose range starts in [lo, hi). */
static int maps_lines_in(unsigned long lo, unsigned long hi)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[256];
	unsigned long a, b;
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &a, &b) == 2 && a >= lo && a < hi)
			n++;
	fclose(f);
	return n;
}

/*
 * The child gets the parent's VMAs one for one (Linux's dup_mmap): a region
 * split by an mlock of its middle stays three VMAs in the child, although
 * without the lock bits the three are alike.
 */
static void mlock_split_kept(void)
{
	char *p = prog_map(NULL, 6 * PG, PROT_READ | PROT_WRITE, 0);
	unsigned long lo, hi;
	pid_t pid;

	/* holes on both sides: no neighbour merges into the region */
	CHECK(p != MAP_FAILED && munmap(p, PG) == 0 && munmap(p + 5 * PG, PG) == 0);
	p += PG;
	lo = (unsigned long)p;
	hi = lo + 4 * PG;
	CHECK(mlock(p + PG, 2 * PG) == 0);
	printf("parent: %d VMAs in the region after mlock of its middle\n", maps_lines_in(lo, hi));
	pid = proc_fork();
	if (pid == 0) {
		printf("child: %d VMAs in the region\n", maps_lines_in(lo, hi));
		proc_exit(0);
	}
	CHECK(proc_status(pid) == 0);
	CHECK(munlock(p + PG, 2 * PG) == 0);
	munmap(p, 4 * PG);
}

/* A MAP_SHARED memfd mapping is shared; a MAP_PRIVATE one of the same memfd is copied. */
static void memfd_shared(void)
{
	int fd = memfd_create("fork_cow", 0);
	volatile char *s, *priv;
	char c = 0;
	pid_t pid;

	CHECK(fd >= 0 && ftruncate(fd, 2 * PG) == 0);
	s = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	priv = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(s != MAP_FAILED && priv != MAP_FAILED);
	s[PG] = 'p';
	pid = proc_fork();
	if (pid == 0) {
		int ok = s[PG] == 'p' && priv[PG] == 'p';

		s[0] = 'c';
		priv[1] = 'x';
		_exit(ok ? 0 : 1);
	}
	REPORT("child sees the parent's memfd writes, shared and private", proc_status(pid) == 0);
	CHECK(s[0] == 'c');
	CHECK(priv[0] == 'c');	/* untouched private page reads the file */
	CHECK(priv[1] == 0 && s[1] == 0);
	CHECK(pread(fd, &c, 1, 0) == 1 && c == 'c');
	munmap((void *)s, 2 * PG);
	munmap((void *)priv, 2 * PG);
	close(fd);
}

int main(void)
{
	private_words();
	big_region();
	shared_anon();
	dontfork();
	wipeonfork();
	mlock_not_inherited();
	mlock_split_kept();
	memfd_shared();
	return prog_done();
}
