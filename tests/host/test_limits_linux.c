/*
 * Differential test of RLIMIT_AS and RLIMIT_DATA against this Linux host:
 * seeded random sequences of mmap (fixed in a private window, or placed
 * anywhere), mremap (in place, or moved anywhere), mprotect and munmap run
 * as real syscalls in a forked child under RLIMIT_AS / RLIMIT_DATA set to
 * its current VmSize / VmData plus a random headroom, and as as_* calls on
 * an empty aspace given the same headroom. The child makes only raw
 * syscalls between measuring and the end of the sequence (no allocation
 * moves its counters), records every result in shared memory, then, with
 * its limits lifted, the prot of every window page from /proc/self/maps and
 * how far VmSize and VmData moved. Every result (errno), every page and
 * both counters must agree. MREMAP_FIXED is left out: Linux 6.12 (the
 * reference) unmaps the target before the limit check, newer hosts after.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mm/aspace.h"
#include "mm/mmarch.h"
#include "support/as_testlib.h"
#include "support/host_mm.h"

#define LL_PAGES 64
#define LL_BASE (0x500000000000ULL + GiB(192))
#define LL_STEPS 60
#define LL_SEEDS 300

enum ll_kind { LL_MMAP_FIXED, LL_MMAP_ANY, LL_MREMAP, LL_MPROTECT, LL_MUNMAP, LL_KINDS };

struct ll_op {
	enum ll_kind kind;
	uint64_t page, npages, new_npages;
	int prot, flags;
};

/* What the child hands back (shared memory). */
struct ll_linux {
	long res[LL_STEPS];      /* 0 or -errno */
	int8_t prot[LL_PAGES];   /* -1 unmapped */
	long d_total, d_data;    /* VmSize, VmData moved by (pages) */
	int done;
};

struct ll_case {
	uint64_t as_pages, data_pages; /* headroom (AS_RLIM_INFINITY: none) */
	int nops;
	struct ll_op ops[LL_STEPS];
};

static uint64_t ll_rand(uint64_t *s)
{
	return as_test_rand(s);
}

static int ll_prot(uint64_t *s)
{
	static const int prots[] = {PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
				    PROT_READ | PROT_WRITE};

	return prots[ll_rand(s) % 4];
}

/* A random operation on the window. */
static void ll_gen(uint64_t *s, struct ll_op *op)
{
	op->kind = (enum ll_kind)(ll_rand(s) % LL_KINDS);
	op->page = ll_rand(s) % LL_PAGES;
	op->npages = 1 + ll_rand(s) % MIN(op->kind == LL_MPROTECT ? 40 : 16, LL_PAGES - op->page);
	op->new_npages = 1 + ll_rand(s) % 20;
	op->prot = ll_prot(s);
	op->flags = (ll_rand(s) % 4 == 0) ? MAP_SHARED : MAP_PRIVATE;
	if (op->kind == LL_MREMAP)
		op->flags = (ll_rand(s) % 2) ? MREMAP_MAYMOVE : 0;
}

static void ll_gen_case(uint64_t seed, struct ll_case *c)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15ULL + 1;

	c->as_pages = (ll_rand(&s) % 5 == 0) ? AS_RLIM_INFINITY : 8 + ll_rand(&s) % 96;
	c->data_pages = (ll_rand(&s) % 5 == 0) ? AS_RLIM_INFINITY : 4 + ll_rand(&s) % 64;
	c->nops = LL_STEPS;
	for (int i = 0; i < LL_STEPS; i++)
		ll_gen(&s, &c->ops[i]);
}

/* ---------------------------------------------------------------- Linux side */

static char ll_status[8192];

/* VmSize and VmData in pages, read with raw syscalls (nothing allocated). */
static void ll_counters(long *total, long *data)
{
	long fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/status", O_RDONLY), n = 0, r;
	const char *p;

	*total = *data = -1;
	if (fd < 0)
		return;
	while (n < (long)sizeof(ll_status) - 1 &&
	       (r = syscall(SYS_read, fd, ll_status + n, sizeof(ll_status) - 1 - n)) > 0)
		n += r;
	syscall(SYS_close, fd);
	ll_status[n] = 0;
	if ((p = strstr(ll_status, "VmSize:")))
		*total = strtol(p + 7, NULL, 10) / 4;
	if ((p = strstr(ll_status, "VmData:")))
		*data = strtol(p + 7, NULL, 10) / 4;
}

static long ll_raw(long r)
{
	return r < 0 ? -errno : 0;
}

/* One operation as a raw syscall; 0 or -errno. */
static long ll_linux_op(const struct ll_op *op)
{
	uint64_t a = LL_BASE + op->page * PAGE_SIZE, len = op->npages * PAGE_SIZE;

	switch (op->kind) {
	case LL_MMAP_FIXED:
		return ll_raw(syscall(SYS_mmap, a, len, op->prot, op->flags | MAP_ANONYMOUS |
				      MAP_FIXED, -1, 0));
	case LL_MMAP_ANY:
		return ll_raw(syscall(SYS_mmap, 0, len, op->prot, op->flags | MAP_ANONYMOUS, -1, 0));
	case LL_MREMAP:
		return ll_raw(syscall(SYS_mremap, a, len, op->new_npages * PAGE_SIZE, op->flags, 0));
	case LL_MPROTECT:
		return ll_raw(syscall(SYS_mprotect, a, len, op->prot));
	default:
		return ll_raw(syscall(SYS_munmap, a, len));
	}
}

/* The prot of every window page from /proc/self/maps. */
static void ll_scan(int8_t *prot)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];

	memset(prot, -1, LL_PAGES);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long s, e;
		char perm[5];

		if (sscanf(line, "%llx-%llx %4s", &s, &e, perm) != 3 || e <= LL_BASE ||
		    s >= LL_BASE + LL_PAGES * PAGE_SIZE)
			continue;
		for (uint64_t va = MAX(s, LL_BASE); va < MIN(e, LL_BASE + LL_PAGES * PAGE_SIZE);
		     va += PAGE_SIZE)
			prot[(va - LL_BASE) / PAGE_SIZE] =
				(perm[0] == 'r' ? PROT_READ : 0) | (perm[1] == 'w' ? PROT_WRITE : 0) |
				(perm[2] == 'x' ? PROT_EXEC : 0);
	}
	fclose(f);
}

/* Soft limit `res` to `cur` (hard unlimited); raw prlimit64. */
static void ll_limit(int res, uint64_t cur)
{
	struct rlimit r = {cur, RLIM_INFINITY};

	syscall(SYS_prlimit64, 0, res, &r, NULL);
}

static uint64_t ll_plus(long base, uint64_t headroom)
{
	return headroom == AS_RLIM_INFINITY ? RLIM_INFINITY : (base + headroom) * PAGE_SIZE;
}

/* The child: limits, the sequence, then the window and the counters. */
static void ll_child(const struct ll_case *c, struct ll_linux *out)
{
	long t0, d0, t1, d1;

	ll_counters(&t0, &d0);
	ll_limit(RLIMIT_AS, ll_plus(t0, c->as_pages));
	ll_limit(RLIMIT_DATA, ll_plus(d0, c->data_pages));
	for (int i = 0; i < c->nops; i++)
		out->res[i] = ll_linux_op(&c->ops[i]);
	ll_counters(&t1, &d1);
	ll_limit(RLIMIT_AS, RLIM_INFINITY);
	ll_limit(RLIMIT_DATA, RLIM_INFINITY);
	out->d_total = t1 - t0;
	out->d_data = d1 - d0;
	ll_scan(out->prot);
	out->done = 1;
	_exit(0);
}

/* ---------------------------------------------------------------- our side */

static long ll_ours(struct aspace *as, const struct ll_op *op)
{
	uint64_t a = LL_BASE + op->page * PAGE_SIZE, len = op->npages * PAGE_SIZE;
	long r;

	switch (op->kind) {
	case LL_MMAP_FIXED:
		r = as_mmap(as, a, len, op->prot, op->flags | MAP_ANONYMOUS | MAP_FIXED);
		break;
	case LL_MMAP_ANY:
		r = as_mmap(as, 0, len, op->prot, op->flags | MAP_ANONYMOUS);
		break;
	case LL_MREMAP:
		r = as_mremap(as, a, len, op->new_npages * PAGE_SIZE, op->flags, 0);
		break;
	case LL_MPROTECT:
		r = as_mprotect(as, a, len, op->prot);
		break;
	default:
		r = as_munmap(as, a, len);
		break;
	}
	return r < 0 ? r : 0;
}

/* VmSize and VmData of our space, in pages (vm_stat_account's rules). */
static void ll_our_counters(const struct aspace *as, long *total, long *data)
{
	static struct as_vma_info v[4096];
	size_t n = as_vmas(as, v, 4096);

	cr_assert_leq(n, 4096);
	*total = *data = 0;
	for (size_t i = 0; i < n; i++) {
		long pages = (long)((v[i].end - v[i].start) / PAGE_SIZE);

		*total += pages;
		if ((v[i].prot & PROT_WRITE) && !(v[i].flags & (MAP_SHARED | MAP_GROWSDOWN)))
			*data += pages;
	}
}

static const char *ll_kind_name(enum ll_kind k)
{
	static const char *names[] = {"mmap_fixed", "mmap_any", "mremap", "mprotect", "munmap"};

	return names[k];
}

/* mmap calls Linux refused (ENOMEM: only a limit refuses them here) and granted, over all cases. */
static int ll_mmap_refused, ll_mmap_granted;

/* Run case c (named by seed) on both sides and compare; false after printing the first difference. */
static bool ll_run(uint64_t seed, const struct ll_case *cp)
{
	const struct ll_case c = *cp;
	struct ll_linux *lx = mmap(NULL, sizeof(*lx), PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct as_limits lim;
	struct aspace *as;
	long total, data;
	pid_t pid;
	int st;
	bool ok = true;

	cr_assert_neq(lx, MAP_FAILED);
	fflush(NULL);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		ll_child(&c, lx);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && lx->done, "seed %llu: the child died", (unsigned long long)seed);
	host_mm_setup(MiB(256));
	as = as_create();
	cr_assert_not_null(as);
	as_get_limits(as, &lim);
	lim.as_bytes = c.as_pages == AS_RLIM_INFINITY ? AS_RLIM_INFINITY : c.as_pages * PAGE_SIZE;
	lim.data_bytes = c.data_pages == AS_RLIM_INFINITY ? AS_RLIM_INFINITY :
							     c.data_pages * PAGE_SIZE;
	as_set_limits(as, &lim);
	for (int i = 0; i < c.nops && ok; i++) {
		long r = ll_ours(as, &c.ops[i]);

		if (c.ops[i].kind == LL_MMAP_FIXED || c.ops[i].kind == LL_MMAP_ANY) {
			ll_mmap_refused += lx->res[i] == -ENOMEM;
			ll_mmap_granted += lx->res[i] == 0;
		}
		if (r != lx->res[i]) {
			printf("seed %llu step %d %s page %llu n %llu -> %llu prot %d flags %#x: "
			       "linux %ld ours %ld\n", (unsigned long long)seed, i,
			       ll_kind_name(c.ops[i].kind), (unsigned long long)c.ops[i].page,
			       (unsigned long long)c.ops[i].npages,
			       (unsigned long long)c.ops[i].new_npages, c.ops[i].prot,
			       c.ops[i].flags, lx->res[i], r);
			ok = false;
		}
	}
	for (int i = 0; i < LL_PAGES && ok; i++) {
		int prot = -1;

		if (!as_test_page(as, LL_BASE + i * PAGE_SIZE, &prot))
			prot = -1;
		if (prot != lx->prot[i]) {
			printf("seed %llu: page %d linux prot %d ours %d\n",
			       (unsigned long long)seed, i, lx->prot[i], prot);
			ok = false;
		}
	}
	ll_our_counters(as, &total, &data);
	if (ok && (total != lx->d_total || data != lx->d_data)) {
		printf("seed %llu: VmSize/VmData moved by %ld/%ld pages in linux, ours %ld/%ld\n",
		       (unsigned long long)seed, lx->d_total, lx->d_data, total, data);
		ok = false;
	}
	cr_assert_eq(as_check(as), 0);
	as_destroy(as);
	munmap(lx, sizeof(*lx));
	return ok;
}

Test(limits_linux, random_sequences)
{
	static struct ll_case c;
	int bad = 0;

	for (uint64_t seed = 1; seed <= LL_SEEDS; seed++) {
		ll_gen_case(seed, &c);
		bad += !ll_run(seed, &c);
	}
	cr_assert_eq(bad, 0, "%d of %d sequences differ from Linux", bad, LL_SEEDS);
	printf("limits_linux: %d mmap calls refused by a limit, %d granted\n", ll_mmap_refused,
	       ll_mmap_granted);
	cr_assert_gt(ll_mmap_refused, 50);
	cr_assert_gt(ll_mmap_granted, 50);
}

#define RO PROT_READ
#define RW (PROT_READ | PROT_WRITE)
#define FIX(p, n, prot, fl) {LL_MMAP_FIXED, p, n, 0, prot, fl}
#define PROTECT(p, n, prot) {LL_MPROTECT, p, n, 0, prot, 0}
#define REMAP(p, n, to, fl) {LL_MREMAP, p, n, to, 0, fl}

/* Edges the random sequences seldom meet, each named by a seed above LL_SEEDS. */
static const struct ll_case ll_edges[] = {
	/* mprotect counts each VMA turned into data before it checks the next one */
	{AS_RLIM_INFINITY, 6, 4, {FIX(0, 4, RO, MAP_PRIVATE), FIX(4, 4, PROT_NONE, MAP_PRIVATE),
				  FIX(8, 4, RO, MAP_PRIVATE), PROTECT(0, 12, RW)}},
	/* already data, or AS short as well: mprotect_fixup lets it through */
	{4, 2, 3, {FIX(0, 4, RO, MAP_PRIVATE), PROTECT(0, 4, RW), PROTECT(0, 2, RO)}},
	{AS_RLIM_INFINITY, 2, 4, {FIX(0, 2, RW, MAP_PRIVATE), FIX(2, 2, RO, MAP_PRIVATE),
				  PROTECT(0, 2, RW | PROT_EXEC), PROTECT(2, 1, RW)}},
	/* MAP_FIXED takes the pages it replaces off the request, whatever they held */
	{AS_RLIM_INFINITY, 4, 4, {FIX(0, 4, RW, MAP_PRIVATE), FIX(4, 2, RO, MAP_PRIVATE),
				  FIX(4, 1, RW, MAP_PRIVATE), FIX(5, 1, RW, MAP_PRIVATE)}},
	{6, AS_RLIM_INFINITY, 4, {FIX(0, 6, RO, MAP_SHARED), FIX(2, 4, RW, MAP_PRIVATE),
				  FIX(6, 1, RO, MAP_PRIVATE), FIX(0, 6, RO, MAP_PRIVATE)}},
	/* mremap growth in place and moving, data and not */
	{AS_RLIM_INFINITY, 6, 5, {FIX(0, 4, RW, MAP_PRIVATE), FIX(10, 4, RO, MAP_PRIVATE),
				  REMAP(0, 4, 7, 0), REMAP(10, 4, 12, MREMAP_MAYMOVE),
				  REMAP(0, 4, 6, MREMAP_MAYMOVE)}},
};

Test(limits_linux, edges)
{
	int bad = 0;

	for (size_t i = 0; i < sizeof(ll_edges) / sizeof(ll_edges[0]); i++)
		bad += !ll_run(LL_SEEDS + 1 + i, &ll_edges[i]);
	cr_assert_eq(bad, 0, "%d edge cases differ from Linux", bad);
}
