/*
 * vs_linux: the bootmm-vs-Linux benchmark (issue 15), one static musl
 * program run unchanged under bootmm and under the pinned Linux oracle
 * (bench/vs_linux.py boots both in the same QEMU shape and memory).
 *
 * Each row runs its operation in a batch, REPS times inside this one run
 * (3; the 1 GiB rows once), timed with clock_gettime(CLOCK_MONOTONIC) in the
 * guest, and prints
 *
 *	<row> <ns per op, median over the reps> <min> <max>
 *
 * Every row checks its own work outside the timed part (each page written
 * reads back with the value written there, file contents, exit statuses,
 * returned addresses): on a wrong answer it prints "FAIL <row>: <what>" and
 * exits 1, so that a fast wrong answer cannot count. The last line is
 * "done"; a first line "# thp <mode>" says what the kernel's
 * /sys/kernel/mm/transparent_hugepage/enabled says. Sizes are small enough
 * for QEMU TCG (a few seconds per kernel).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL
#define KIB 1024UL
#define MIB (1024UL * KIB)
#define GIB (1024UL * MIB)
#define MAX_REPS 16

static const char *vl_row = "setup";

/* Print "FAIL <row>: <what>" and end the run with status 1. */
static void vl_fail(const char *what, unsigned long a, unsigned long b)
{
	printf("FAIL %s: %s (0x%lx, 0x%lx, errno %d)\n", vl_row, what, a, b, errno);
	fflush(stdout);
	exit(1);
}

/* CLOCK_MONOTONIC in ns. */
static uint64_t vl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* mmap that fails the row instead of returning MAP_FAILED. */
static char *vl_map(void *hint, size_t len, int prot, int flags, int fd)
{
	void *p = mmap(hint, len, prot, flags, fd, 0);

	if (p == MAP_FAILED)
		vl_fail("mmap", len, (unsigned long)flags);
	return p;
}

static void vl_unmap(void *p, size_t len)
{
	if (munmap(p, len) != 0)
		vl_fail("munmap", (unsigned long)p, len);
}

/* The value a page holds: its index mixed with a per-row salt. */
static uint64_t vl_tag(size_t i, uint64_t salt)
{
	return (i * 0x9e3779b97f4a7c15ULL) ^ salt;
}

/* Write the tag of each page of [p, p+len) at the page's start and end. */
static void vl_fill(char *p, size_t len, uint64_t salt)
{
	for (size_t i = 0; i < len / PAGE; i++) {
		*(uint64_t *)(p + i * PAGE) = vl_tag(i, salt);
		*(uint64_t *)(p + i * PAGE + PAGE - 8) = ~vl_tag(i, salt);
	}
}

/* Fail unless every page of [p, p+len) holds what vl_fill(salt) wrote. */
static void vl_check(const char *p, size_t len, uint64_t salt)
{
	for (size_t i = 0; i < len / PAGE; i++)
		if (*(const uint64_t *)(p + i * PAGE) != vl_tag(i, salt) ||
		    *(const uint64_t *)(p + i * PAGE + PAGE - 8) != ~vl_tag(i, salt))
			vl_fail("a page does not read back", i, *(const uint64_t *)(p + i * PAGE));
}

/* Fail unless the whole of [p, p+len) is zero. */
static void vl_check_zero(const char *p, size_t len)
{
	const uint64_t *w = (const uint64_t *)p;

	for (size_t i = 0; i < len / 8; i++)
		if (w[i] != 0)
			vl_fail("a fresh page is not zero", i * 8, w[i]);
}

static int vl_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Print the row: median, min and max of the per-op ns of n reps. */
static void vl_print(const char *row, uint64_t *ns, int n)
{
	qsort(ns, (size_t)n, sizeof(ns[0]), vl_cmp);
	printf("%s %llu %llu %llu\n", row, (unsigned long long)ns[n / 2],
	       (unsigned long long)ns[0], (unsigned long long)ns[n - 1]);
	fflush(stdout);
}

/*
 * Run one row: fn(arg) reps times; each returns the ns its batch took and
 * sets *ops to how many operations that was.
 */
static void vl_run(const char *row, int reps, uint64_t (*fn)(size_t *ops, void *arg), void *arg)
{
	uint64_t ns[MAX_REPS];

	vl_row = row;
	for (int r = 0; r < reps; r++) {
		size_t ops = 1;
		uint64_t t = fn(&ops, arg);

		ns[r] = t / ops;
	}
	vl_print(row, ns, reps);
}

/* ---------------------------------------------------------------- anon */

/* mmap+munmap of one 4 KiB page, never touched (the address is checked). */
static uint64_t vl_map_unmap_4k(size_t *ops, void *arg)
{
	size_t n = 2000;
	uint64_t t0 = vl_now();

	for (size_t i = 0; i < n; i++) {
		char *p = vl_map(NULL, PAGE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1);

		vl_unmap(p, PAGE);
	}
	*ops = n;
	return vl_now() - t0;
}

struct vl_fault_arg {
	size_t len;
	int nohuge;
};

/*
 * will-it-scale page_fault1: mmap len, write each page, munmap; the time is
 * per page. The contents are checked between the write and the munmap,
 * outside the timed part.
 */
static uint64_t vl_page_fault1(size_t *ops, void *arg)
{
	struct vl_fault_arg *a = arg;
	uint64_t t0 = vl_now(), t1, t2;
	char *p = vl_map(NULL, a->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);

	if (a->nohuge && madvise(p, a->len, MADV_NOHUGEPAGE) != 0)
		vl_fail("madvise(MADV_NOHUGEPAGE)", (unsigned long)p, a->len);
	for (size_t i = 0; i < a->len; i += PAGE)
		p[i] = 1;
	t1 = vl_now();
	for (size_t i = 0; i < a->len; i += PAGE)
		if (p[i] != 1 || p[i + 1] != 0 || p[i + PAGE - 1] != 0)
			vl_fail("a faulted page reads back wrong", i, (unsigned long)p[i]);
	t2 = vl_now();
	vl_unmap(p, a->len);
	*ops = a->len / PAGE;
	return (t1 - t0) + (vl_now() - t2);
}

/* will-it-scale mmap1: mmap+munmap of 128 MiB never touched. */
static uint64_t vl_mmap1(size_t *ops, void *arg)
{
	size_t n = 500;
	uint64_t t0 = vl_now();

	for (size_t i = 0; i < n; i++) {
		char *p = vl_map(NULL, 128 * MIB, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1);

		vl_unmap(p, 128 * MIB);
	}
	*ops = n;
	return vl_now() - t0;
}

/* ---------------------------------------------------------------- many VMAs */

struct vl_vmas {
	char *many;     /* nvma pages, alternately read-write and read-only */
	size_t nvma;
	char *big;      /* a 16 MiB read-write mapping split and merged */
	int split;      /* 1: the split row; 0: the merge row; 2: map+unmap */
};

/*
 * Map nvma pages whose protections alternate, so that each page is its own
 * VMA (nvma VMAs), and a 16 MiB read-write mapping beside them.
 */
static void vl_vmas_make(struct vl_vmas *v, size_t nvma)
{
	v->nvma = nvma;
	v->many = vl_map(NULL, nvma * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1);
	for (size_t i = 1; i < nvma; i += 2)
		if (mprotect(v->many + i * PAGE, PAGE, PROT_READ) != 0)
			vl_fail("mprotect making the VMAs", i, nvma);
	v->big = vl_map(NULL, 16 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	v->big[0] = 1;
}

static void vl_vmas_free(struct vl_vmas *v)
{
	vl_unmap(v->many, v->nvma * PAGE);
	vl_unmap(v->big, 16 * MIB);
}

/* Count the lines of /proc/self/maps (one per VMA). */
static size_t vl_maps_lines(char *buf, size_t cap)
{
	int fd = open("/proc/self/maps", O_RDONLY);
	size_t len = 0, lines = 0;
	ssize_t n;

	if (fd < 0)
		vl_fail("open /proc/self/maps", 0, 0);
	while ((n = read(fd, buf + len, cap - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (n < 0 || len == cap)
		vl_fail("read /proc/self/maps", len, cap);
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	return lines;
}

/*
 * mprotect of one page in the middle of the 16 MiB mapping to read-only
 * (split: one VMA becomes three) and back (merge: three become one), each
 * timed alone. The page is written and read back after each merge.
 */
static uint64_t vl_split_merge(size_t *ops, void *arg)
{
	struct vl_vmas *v = arg;
	size_t n = 1000;
	uint64_t split = 0, merge = 0;

	for (size_t i = 0; i < n; i++) {
		char *pg = v->big + (1 + i % 2048) * PAGE;
		uint64_t t0 = vl_now(), t1, t2;

		if (mprotect(pg, PAGE, PROT_READ) != 0)
			vl_fail("mprotect split", (unsigned long)pg, i);
		t1 = vl_now();
		if (mprotect(pg, PAGE, PROT_READ | PROT_WRITE) != 0)
			vl_fail("mprotect merge", (unsigned long)pg, i);
		t2 = vl_now();
		split += t1 - t0;
		merge += t2 - t1;
		pg[8] = (char)i;
		if (pg[8] != (char)i)
			vl_fail("a page does not read back after the merge", i, 0);
	}
	*ops = n;
	return v->split == 1 ? split : merge;
}

/* mmap+munmap of one 4 KiB page with nvma VMAs around. */
static uint64_t vl_map_unmap_many(size_t *ops, void *arg)
{
	(void)arg;
	return vl_map_unmap_4k(ops, NULL);
}

/* The 10,000-VMA rows: split, merge, mmap+munmap; the count is checked. */
static void vl_rows_vmas(int reps)
{
	static char buf[4 * MIB];
	struct vl_vmas v;
	size_t before, after;

	vl_row = "vmas_setup";
	before = vl_maps_lines(buf, sizeof(buf));
	vl_vmas_make(&v, 10000);
	after = vl_maps_lines(buf, sizeof(buf));
	if (after < before + 10000)
		vl_fail("fewer VMAs than made", before, after);
	v.split = 1;
	vl_run("mprotect_split_10k_vmas", reps, vl_split_merge, &v);
	v.split = 0;
	vl_run("mprotect_merge_10k_vmas", reps, vl_split_merge, &v);
	vl_run("mmap_munmap_4k_10k_vmas", reps, vl_map_unmap_many, &v);
	vl_row = "vmas_setup";
	if (vl_maps_lines(buf, sizeof(buf)) != after)
		vl_fail("the VMA count changed", after, 0);
	vl_vmas_free(&v);
}

/* ---------------------------------------------------------------- brk, malloc */

/* brk +64 KiB then -64 KiB; each grown range is written and read back. */
static uint64_t vl_brk(size_t *ops, void *arg)
{
	size_t n = 1000;
	uintptr_t base = (uintptr_t)syscall(SYS_brk, 0), top;
	uint64_t t = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t t0 = vl_now();

		top = (uintptr_t)syscall(SYS_brk, base + 64 * KIB);
		t += vl_now() - t0;
		if (top != base + 64 * KIB)
			vl_fail("brk did not grow", base, top);
		if (i % 100 == 0) {
			vl_fill((char *)base, 64 * KIB, i);
			vl_check((char *)base, 64 * KIB, i);
		}
		t0 = vl_now();
		top = (uintptr_t)syscall(SYS_brk, base);
		t += vl_now() - t0;
		if (top != base)
			vl_fail("brk did not shrink", base, top);
	}
	*ops = n;
	return t;
}

/*
 * malloc/free churn: 64 slots, each op frees one slot and mallocs a new
 * block of 16 B .. 256 KiB (a fixed pseudo-random sequence), writing its
 * first and last bytes; a block's bytes are checked before it is freed.
 */
static uint64_t vl_malloc(size_t *ops, void *arg)
{
	enum { SLOTS = 64 };
	static unsigned char *blk[SLOTS];
	static size_t len[SLOTS];
	uint32_t x = 12345;
	size_t n = 4000;
	uint64_t t0 = vl_now();

	for (size_t i = 0; i < n; i++) {
		size_t s = i % SLOTS;

		x = x * 1103515245u + 12345u;
		if (blk[s]) {
			if (blk[s][0] != (unsigned char)len[s] ||
			    blk[s][len[s] - 1] != (unsigned char)(len[s] >> 3))
				vl_fail("a malloc block does not read back", s, len[s]);
			free(blk[s]);
		}
		len[s] = 16 + ((x >> 8) % 4 == 0 ? (x >> 12) % (256 * KIB) : (x >> 12) % 2048);
		blk[s] = malloc(len[s]);
		if (!blk[s])
			vl_fail("malloc", len[s], i);
		blk[s][0] = (unsigned char)len[s];
		blk[s][len[s] - 1] = (unsigned char)(len[s] >> 3);
	}
	for (size_t s = 0; s < SLOTS; s++) {
		free(blk[s]);
		blk[s] = NULL;
	}
	*ops = n;
	return vl_now() - t0;
}

/* ---------------------------------------------------------------- files */

#define VL_FILE_LEN (32 * MIB)

struct vl_file {
	int fd;
	int flags;      /* MAP_PRIVATE or MAP_SHARED */
	int write;      /* 1: write faults; 0: read faults */
	uint64_t salt;  /* what the file holds (vl_fill) */
};

/* Create a VL_FILE_LEN file in /dev/shm (tmpfs on both kernels), filled. */
static int vl_file_make(uint64_t salt)
{
	static char chunk[64 * KIB];
	int fd = open("/dev/shm/vs_linux", O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		vl_fail("open /dev/shm/vs_linux", 0, 0);
	unlink("/dev/shm/vs_linux");
	for (size_t off = 0; off < VL_FILE_LEN; off += sizeof(chunk)) {
		for (size_t i = 0; i < sizeof(chunk) / PAGE; i++) {
			size_t pg = off / PAGE + i;

			memset(chunk + i * PAGE, 0x5a, PAGE);
			*(uint64_t *)(chunk + i * PAGE) = vl_tag(pg, salt);
			*(uint64_t *)(chunk + i * PAGE + PAGE - 8) = ~vl_tag(pg, salt);
		}
		if (pwrite(fd, chunk, sizeof(chunk), (off_t)off) != (ssize_t)sizeof(chunk))
			vl_fail("pwrite", off, 0);
	}
	return fd;
}

/*
 * page_fault2 / page_fault3 / read faults: mmap the file (private or
 * shared), touch each page (a write of one word at offset 8, or a read),
 * munmap; the time is per page. Checked outside the timed part: the file's
 * words are still there around the write, and after a shared write the
 * file holds it (pread), after a private one it does not.
 */
static uint64_t vl_file_faults(size_t *ops, void *arg)
{
	struct vl_file *f = arg;
	int prot = PROT_READ | (f->write ? PROT_WRITE : 0);
	uint64_t t0 = vl_now(), t1, t2, sum = 0;
	char *p = vl_map(NULL, VL_FILE_LEN, prot, f->flags, f->fd);
	uint64_t stamp = f->salt ^ (uint64_t)t0;

	for (size_t i = 0; i < VL_FILE_LEN; i += PAGE) {
		if (f->write)
			*(uint64_t *)(p + i + 8) = stamp + i;
		else
			sum += *(volatile uint64_t *)(p + i);
	}
	t1 = vl_now();
	vl_check(p, VL_FILE_LEN, f->salt);
	for (size_t i = 0; i < VL_FILE_LEN; i += PAGE)
		if (*(uint64_t *)(p + i + 8) != (f->write ? stamp + i : 0x5a5a5a5a5a5a5a5aULL))
			vl_fail("a written word does not read back", i, *(uint64_t *)(p + i + 8));
	t2 = vl_now();
	vl_unmap(p, VL_FILE_LEN);
	*ops = VL_FILE_LEN / PAGE;
	t2 = (t1 - t0) + (vl_now() - t2);
	for (size_t i = 0; i < VL_FILE_LEN && f->write; i += 61 * PAGE) {
		uint64_t w;

		if (pread(f->fd, &w, sizeof(w), (off_t)(i + 8)) != (ssize_t)sizeof(w))
			vl_fail("pread", i, 0);
		if (w != (f->flags == MAP_SHARED ? stamp + i : 0x5a5a5a5a5a5a5a5aULL))
			vl_fail("the file after the writes is wrong", i, w);
	}
	if (f->flags == MAP_SHARED && f->write) {
		/* Put the file back as vl_file_make left it, for the next rep. */
		char *q = vl_map(NULL, VL_FILE_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd);

		for (size_t i = 0; i < VL_FILE_LEN; i += PAGE)
			*(uint64_t *)(q + i + 8) = 0x5a5a5a5a5a5a5a5aULL;
		vl_unmap(q, VL_FILE_LEN);
	}
	(void)sum;
	return t2;
}

static void vl_rows_files(int reps)
{
	struct vl_file f = { .salt = 0x1234 };

	vl_row = "file_setup";
	f.fd = vl_file_make(f.salt);
	f.flags = MAP_PRIVATE;
	f.write = 1;
	vl_run("page_fault2_private_file_write", reps, vl_file_faults, &f);
	f.flags = MAP_SHARED;
	vl_run("page_fault3_shared_file_write", reps, vl_file_faults, &f);
	f.write = 0;
	vl_run("read_fault_tmpfs_file", reps, vl_file_faults, &f);
	close(f.fd);
}

/* ---------------------------------------------------------------- 1 GiB */

/*
 * mremap move of 1 GiB populated (each page written), then munmap of the
 * moved GiB; each timed alone, every page checked at the new address.
 * Returns the two times through *mremap_ns and *munmap_ns.
 */
static void vl_gib(uint64_t *mremap_ns, uint64_t *munmap_ns, uint64_t salt)
{
	char *p = vl_map(NULL, GIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	char *dst = vl_map(NULL, GIB + 2 * MIB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	char *to = (char *)(((uintptr_t)dst + 2 * MIB - 1) & ~(2 * MIB - 1));
	uint64_t t0, t1;
	void *q;

	vl_unmap(dst, GIB + 2 * MIB);
	vl_fill(p, GIB, salt);
	t0 = vl_now();
	q = mremap(p, GIB, GIB, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	t1 = vl_now();
	if (q != to)
		vl_fail("mremap did not move to the address asked", (unsigned long)to,
			(unsigned long)q);
	vl_check(to, GIB, salt);
	*mremap_ns = t1 - t0;
	t0 = vl_now();
	vl_unmap(to, GIB);
	*munmap_ns = vl_now() - t0;
}

static void vl_rows_gib(int reps)
{
	uint64_t mr[MAX_REPS], mu[MAX_REPS];

	vl_row = "mremap_move_1g_populated";
	for (int r = 0; r < reps; r++)
		vl_gib(&mr[r], &mu[r], 0x6000 + (uint64_t)r);
	vl_print("mremap_move_1g_populated", mr, reps);
	vl_print("munmap_1g_populated", mu, reps);
}

/* ---------------------------------------------------------------- fork */

/* fork; the child _exits with a status of its own; the parent waits. */
static uint64_t vl_fork_exit(size_t *ops, void *arg)
{
	size_t n = 100;
	uint64_t t0 = vl_now();

	for (size_t i = 0; i < n; i++) {
		int st;
		pid_t pid = fork();

		if (pid == 0)
			_exit((int)(i % 100));
		if (pid < 0)
			vl_fail("fork", i, 0);
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != (int)(i % 100))
			vl_fail("the child's exit status", i, (unsigned long)st);
	}
	*ops = n;
	return vl_now() - t0;
}

/*
 * fork of a process with 64 MiB touched; the child checks then writes every
 * page (copy on write) and exits; the parent waits, then checks that its
 * own pages are unchanged. Timed from fork to the end of the wait.
 */
static uint64_t vl_fork_cow(size_t *ops, void *arg)
{
	char *p = arg;
	uint64_t t0, t;
	int st;
	pid_t pid;

	t0 = vl_now();
	pid = fork();
	if (pid == 0) {
		for (size_t i = 0; i < 64 * MIB; i += PAGE)
			if (*(uint64_t *)(p + i) != vl_tag(i / PAGE, 0xf0f0))
				_exit(2);
		vl_fill(p, 64 * MIB, 0x0f0f);
		for (size_t i = 0; i < 64 * MIB; i += PAGE)
			if (*(uint64_t *)(p + i) != vl_tag(i / PAGE, 0x0f0f))
				_exit(3);
		_exit(0);
	}
	if (pid < 0)
		vl_fail("fork", 0, 0);
	if (waitpid(pid, &st, 0) != pid)
		vl_fail("waitpid", 0, 0);
	t = vl_now() - t0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		vl_fail("the child saw wrong pages (status)", (unsigned long)st, 0);
	vl_check(p, 64 * MIB, 0xf0f0);
	*ops = 1;
	return t;
}

static void vl_rows_fork(int reps)
{
	char *p;

	vl_run("fork_exit_wait", reps, vl_fork_exit, NULL);
	vl_row = "fork_64m_cow";
	p = vl_map(NULL, 64 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	vl_fill(p, 64 * MIB, 0xf0f0);
	vl_run("fork_64m_child_writes_all", reps, vl_fork_cow, p);
	vl_unmap(p, 64 * MIB);
}

/* ---------------------------------------------------------------- mlock, maps */

/* mlock of 64 MiB never touched (populates it); pages checked zero. */
static uint64_t vl_mlock(size_t *ops, void *arg)
{
	char *p = vl_map(NULL, 64 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	uint64_t t0 = vl_now(), t;

	if (mlock(p, 64 * MIB) != 0)
		vl_fail("mlock", (unsigned long)p, 64 * MIB);
	t = vl_now() - t0;
	vl_check_zero(p, 64 * MIB);
	vl_fill(p, 64 * MIB, 0x77);
	vl_check(p, 64 * MIB, 0x77);
	if (munlock(p, 64 * MIB) != 0)
		vl_fail("munlock", (unsigned long)p, 64 * MIB);
	vl_unmap(p, 64 * MIB);
	*ops = 1;
	return t;
}

struct vl_maps {
	char *buf;
	size_t cap, lines;
};

/* open + read all + close of /proc/self/maps; the line count is checked. */
static uint64_t vl_maps_read(size_t *ops, void *arg)
{
	struct vl_maps *m = arg;
	size_t n = 20;
	uint64_t t0 = vl_now();

	for (size_t i = 0; i < n; i++)
		if (vl_maps_lines(m->buf, m->cap) != m->lines)
			vl_fail("/proc/self/maps changed", m->lines, 0);
	*ops = n;
	return vl_now() - t0;
}

static void vl_rows_maps(int reps)
{
	static char buf[1 * MIB];
	struct vl_maps m = { buf, sizeof(buf), 0 };
	struct vl_vmas v;
	size_t before;

	vl_row = "maps_setup";
	before = vl_maps_lines(buf, sizeof(buf));
	vl_vmas_make(&v, 1000);
	m.lines = vl_maps_lines(buf, sizeof(buf));
	if (m.lines < before + 1000)
		vl_fail("fewer lines than VMAs made", before, m.lines);
	vl_run("proc_self_maps_1000_vmas", reps, vl_maps_read, &m);
	vl_vmas_free(&v);
}

/*
 * Print "# thp <mode>" from /sys/kernel/mm/transparent_hugepage/enabled
 * ("# thp -" where there is no such file), for the report's notes.
 */
static void vl_print_thp(void)
{
	char buf[128] = "-";
	int fd = open("/sys/kernel/mm/transparent_hugepage/enabled", O_RDONLY);

	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);

		buf[n > 0 ? n : 0] = 0;
		buf[strcspn(buf, "\n")] = 0;
		close(fd);
	}
	printf("# thp %s\n", buf[0] ? buf : "-");
}

/* vs_linux [REPS]: every row, REPS times each (3; the 1 GiB rows once). */
int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 3;
	struct vl_fault_arg pf = { 128 * MIB, 0 };

	if (reps < 1 || reps > MAX_REPS)
		reps = 3;
	vl_print_thp();
	vl_run("mmap_munmap_4k", reps, vl_map_unmap_4k, NULL);
	vl_run("page_fault1_128m", reps, vl_page_fault1, &pf);
	pf.nohuge = 1;
	vl_run("page_fault1_128m_nohugepage", reps, vl_page_fault1, &pf);
	vl_run("mmap1_128m_untouched", reps, vl_mmap1, NULL);
	vl_rows_vmas(reps);
	vl_run("brk_64k", reps, vl_brk, NULL);
	vl_run("malloc_free_churn", reps, vl_malloc, NULL);
	vl_rows_files(reps);
	vl_rows_gib(1);
	vl_rows_fork(reps);
	vl_run("mlock_64m", reps, vl_mlock, NULL);
	vl_rows_maps(reps);
	printf("done\n");
	return 0;
}
