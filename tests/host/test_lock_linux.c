/*
 * Differential test of locking, sealing and the madvise additions against
 * this Linux host: seeded random sequences of mlock, mlock2, munlock, mseal,
 * madvise, mprotect, munmap, mmap (MAP_FIXED, MAP_LOCKED), mremap
 * (MREMAP_FIXED) and writes run as real syscalls in a private window of the
 * test process and as as_* calls on an aspace at the same addresses. After
 * every step the results (errno) must agree, and per page: mapped or not,
 * prot, the flags lo/lf/sl/dc/wf/dp/dd of /proc/self/smaps against AS_VMA_*,
 * residency (mincore) and contents. Criterion runs each test in its own
 * process, so the seals die with it. mlock and munlock go through syscall():
 * ASan makes the libc calls no-ops. Runs as root (CAP_IPC_LOCK), as bootmm's
 * programs do.
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
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mm/aspace.h"
#include "mm/mmarch.h"
#include "mm/pt.h"
#include "support/as_testlib.h"
#include "support/host_mm.h"

#define LW_PAGES 64
#define LW_BASE (0x500000000000ULL + GiB(128))
#define LW_END (LW_BASE + LW_PAGES * PAGE_SIZE)
#define LW_FLAGS (AS_VMA_LOCK_MASK | AS_VMA_SEALED | AS_VMA_DONTCOPY | AS_VMA_WIPEONFORK | \
		  AS_VMA_DROPPABLE | AS_VMA_DONTDUMP)

/* The state of one page, as either side sees it. */
struct lw_page {
	int prot;      /* -1: unmapped */
	int flags;     /* AS_VMA_* among LW_FLAGS */
	int resident;
};

static struct aspace *as;
static int memfd;
static uint64_t rng;

static uint64_t lw_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void lw_setup(void)
{
	struct rlimit rl;

	host_mm_setup(MiB(256));
	as = as_create();
	cr_assert_not_null(as);
	cr_assert_eq(getrlimit(RLIMIT_MEMLOCK, &rl), 0);
	as_set_memlock(as, rl.rlim_cur, geteuid() == 0 ? AS_CAP_IPC_LOCK : 0);
	memfd = open("/proc/self/mem", O_RDONLY);
	cr_assert_geq(memfd, 0);
}

TestSuite(lock_linux, .init = lw_setup);

/* The AS_VMA_* flag of one smaps VmFlags mnemonic, or 0. */
static int lw_mnemonic(const char *m)
{
	static const struct { const char *m; int flag; } map[] = {
		{"lo", AS_VMA_LOCKED}, {"lf", AS_VMA_LOCKONFAULT}, {"sl", AS_VMA_SEALED},
		{"dc", AS_VMA_DONTCOPY}, {"wf", AS_VMA_WIPEONFORK}, {"dp", AS_VMA_DROPPABLE},
		{"dd", AS_VMA_DONTDUMP},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(m, map[i].m))
			return map[i].flag;
	return 0;
}

/* Fill the per-page prot and flags of the window from Linux's /proc/self/smaps. */
static void lw_scan_linux(struct lw_page *pg)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	unsigned long long s = 0, e = 0;
	int prot = 0;

	cr_assert_not_null(f);
	for (int i = 0; i < LW_PAGES; i++)
		pg[i] = (struct lw_page){.prot = -1};
	while (fgets(line, sizeof(line), f)) {
		char perm[5], *tok, *save;
		unsigned long long ts, te;
		int flags = 0;

		if (sscanf(line, "%llx-%llx %4s", &ts, &te, perm) == 3) {
			s = ts;
			e = te;
			prot = (perm[0] == 'r' ? PROT_READ : 0) | (perm[1] == 'w' ? PROT_WRITE : 0) |
			       (perm[2] == 'x' ? PROT_EXEC : 0);
			cr_assert(s >= LW_END || e <= LW_BASE || perm[3] == 'p');
			continue;
		}
		if (strncmp(line, "VmFlags:", 8) || e <= LW_BASE || s >= LW_END)
			continue;
		for (tok = strtok_r(line + 8, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
			flags |= lw_mnemonic(tok);
		for (uint64_t a = MAX(s, LW_BASE); a < MIN(e, LW_END); a += PAGE_SIZE)
			pg[(a - LW_BASE) / PAGE_SIZE] = (struct lw_page){prot, flags, 0};
	}
	fclose(f);
	for (int i = 0; i < LW_PAGES; i++) {
		unsigned char v;

		if (pg[i].prot >= 0 && mincore((void *)(LW_BASE + i * PAGE_SIZE), PAGE_SIZE, &v) == 0)
			pg[i].resident = v & 1;
	}
}

/* The same from our aspace. */
static void lw_scan_ours(struct lw_page *pg)
{
	for (int i = 0; i < LW_PAGES; i++) {
		vaddr_t va = LW_BASE + i * PAGE_SIZE;
		struct as_vma_info vi;
		uint8_t v = 0;

		pg[i] = (struct lw_page){.prot = -1};
		if (!as_vma_at(as, va, &vi))
			continue;
		cr_assert_eq(as_mincore(as, va, 1, &v), 1);
		pg[i] = (struct lw_page){vi.prot, vi.flags & LW_FLAGS, v};
	}
}

/* Compare a resident page's contents (Linux through /proc/self/mem, which reads PROT_NONE too). */
static bool lw_same_content(int i)
{
	static uint8_t a[PAGE_SIZE], b[PAGE_SIZE];
	vaddr_t va = LW_BASE + i * PAGE_SIZE;
	struct pt_leaf leaf;

	if (pread(memfd, a, PAGE_SIZE, (off_t)va) != PAGE_SIZE || !pt_query(as_root(as), va, &leaf))
		return false;
	memcpy(b, mm_phys_to_virt(leaf.pa + (va - leaf.va)), PAGE_SIZE);
	return memcmp(a, b, PAGE_SIZE) == 0;
}

/* Print both views of the window (on a mismatch). */
static void lw_dump(void)
{
	struct lw_page l[LW_PAGES], o[LW_PAGES];

	lw_scan_linux(l);
	lw_scan_ours(o);
	for (int i = 0; i < LW_PAGES; i++)
		printf("  %2d: linux %2d %#9x %d | ours %2d %#9x %d\n", i, l[i].prot, l[i].flags,
		       l[i].resident, o[i].prot, o[i].flags, o[i].resident);
}

/* Compare both views page by page; print the first difference. */
static bool lw_compare(const char *step)
{
	struct lw_page l[LW_PAGES], o[LW_PAGES];

	lw_scan_linux(l);
	lw_scan_ours(o);
	for (int i = 0; i < LW_PAGES; i++) {
		if (l[i].prot != o[i].prot || l[i].flags != o[i].flags ||
		    l[i].resident != o[i].resident) {
			printf("after %s: page %d: linux prot %d flags %#x res %d, ours prot %d "
			       "flags %#x res %d\n", step, i, l[i].prot, l[i].flags, l[i].resident,
			       o[i].prot, o[i].flags, o[i].resident);
			lw_dump();
			return false;
		}
		if (l[i].resident && !lw_same_content(i)) {
			printf("after %s: page %d: contents differ\n", step, i);
			return false;
		}
	}
	return true;
}

/* -errno or the value of a Linux call returning -1 on error. */
static long lw_ret(long r)
{
	return r == -1 ? -errno : r;
}

/*
 * The advice tried. Not MADV_FREE: Linux keeps lazily freed pages until
 * memory runs short (resident, old contents) where bootmm drops them at
 * once; its errnos are checked by the programs.
 */
static const int lw_advice[] = {
	MADV_DONTNEED, 24 /* DONTNEED_LOCKED */, MADV_REMOVE, MADV_DONTFORK,
	MADV_DOFORK, MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_COLD, MADV_PAGEOUT, MADV_WILLNEED,
	22 /* POPULATE_READ */, 23 /* POPULATE_WRITE */, MADV_DODUMP, MADV_DONTDUMP,
};

/* Write a seeded byte to page i on both sides when both allow it. */
static void lw_touch(int i, char *what, size_t wl)
{
	vaddr_t va = LW_BASE + i * PAGE_SIZE;
	struct as_vma_info vi;
	uint8_t b = (uint8_t)lw_rand() | 1;

	snprintf(what, wl, "write page %d", i);
	if (!as_vma_at(as, va, &vi) || !(vi.prot & PROT_WRITE))
		return;
	*(volatile uint8_t *)va = b;
	cr_assert_eq(as_test_write(as, va, &b, 1), AS_FAULT_OK);
}

/* A random step's arguments: page index, page count (inside the window), target, prot. */
struct lw_args {
	int i, n, t, prot;
	vaddr_t va, to;
	uint64_t len;
};

static struct lw_args lw_pick(void)
{
	struct lw_args a;

	a.i = (int)(lw_rand() % LW_PAGES);
	a.n = (int)(lw_rand() % 9);
	a.n = MIN(a.n, LW_PAGES - a.i);
	a.t = (int)(lw_rand() % (LW_PAGES - a.n + 1));
	a.prot = (int)(lw_rand() % 4);
	a.va = LW_BASE + (uint64_t)a.i * PAGE_SIZE;
	a.to = LW_BASE + (uint64_t)a.t * PAGE_SIZE;
	a.len = (uint64_t)a.n * PAGE_SIZE;
	return a;
}

/* The lock and seal calls: results of both sides in rl and ro. */
static void lw_lock_op(int op, const struct lw_args *a, long *rl, long *ro, char *what, size_t wl)
{
	int off = (int)(lw_rand() & 1), fl = (int)(lw_rand() % 3);

	switch (op) {
	case 0:
		*rl = lw_ret(syscall(SYS_mlock, a->va + off, a->len));
		*ro = as_mlock(as, a->va + off, a->len, 0);
		snprintf(what, wl, "mlock(%d+%d, %d)", a->i, off, a->n);
		break;
	case 1:
		*rl = lw_ret(syscall(SYS_mlock2, a->va, a->len, fl));
		*ro = as_mlock(as, a->va, a->len, fl);
		snprintf(what, wl, "mlock2(%d, %d, %d)", a->i, a->n, fl);
		break;
	case 2:
		*rl = lw_ret(syscall(SYS_munlock, a->va + off, a->len));
		*ro = as_munlock(as, a->va + off, a->len);
		snprintf(what, wl, "munlock(%d+%d, %d)", a->i, off, a->n);
		break;
	default:
		*rl = lw_ret(syscall(462, a->va, a->len, 0));
		*ro = as_mseal(as, a->va, a->len, 0);
		snprintf(what, wl, "mseal(%d, %d)", a->i, a->n);
		break;
	}
}

/*
 * mmap MAP_FIXED in the window: private or droppable, sometimes MAP_LOCKED.
 * Not MAP_SHARED: bootmm's shared anonymous memory is no memory object yet
 * (MADV_DONTNEED loses its pages, Linux's shmem keeps them).
 */
static void lw_mmap_op(const struct lw_args *a, long *rl, long *ro, char *what, size_t wl)
{
	static const int types[] = {MAP_PRIVATE, MAP_PRIVATE, MAP_DROPPABLE};
	int flags = types[lw_rand() % 3] | MAP_FIXED | ((lw_rand() % 3) ? 0 : MAP_LOCKED);

	*rl = lw_ret((long)mmap((void *)a->va, a->len, a->prot, flags | MAP_ANONYMOUS, -1, 0));
	*ro = as_mmap(as, a->va, a->len, a->prot, flags | MAP_ANONYMOUS);
	snprintf(what, wl, "mmap(%d, %d, prot %d, flags %#x)", a->i, a->n, a->prot, flags);
}

/*
 * True when [va, va+len) lies in one of our VMAs. Linux 6.17 and later move
 * a range over several VMAs with MREMAP_FIXED where 6.12 (the oracle, and
 * bootmm) says EFAULT: the test moves only ranges inside one VMA.
 */
static bool lw_one_vma(vaddr_t va, uint64_t len)
{
	struct as_vma_info vi;

	return as_vma_at(as, va, &vi) && va + len <= vi.end;
}

/*
 * True when [va, va+len) is part of a locked VMA, not all of it. Linux 6.18
 * unlocks the whole VMA on MREMAP_DONTUNMAP where 6.12 (and bootmm) split it
 * first and unlock the range only: the test leaves such moves out.
 */
static bool lw_partial_locked(vaddr_t va, uint64_t len)
{
	struct as_vma_info vi;

	return as_vma_at(as, va, &vi) && (vi.flags & AS_VMA_LOCKED) &&
	       (vi.start != va || vi.end != va + len);
}

/* mremap in the window: in place (shrink or grow), to a fixed target, or DONTUNMAP. */
static void lw_mremap_op(const struct lw_args *a, long *rl, long *ro, char *what, size_t wl)
{
	static const int kinds[] = {0, MREMAP_MAYMOVE | MREMAP_FIXED,
				    MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP};
	int flags = kinds[lw_rand() % 3];
	uint64_t len2;

	if ((flags & MREMAP_DONTUNMAP) && lw_partial_locked(a->va, a->len))
		flags = kinds[1];
	len2 = (flags & MREMAP_DONTUNMAP) ? a->len :
			MIN((uint64_t)(lw_rand() % 9) * PAGE_SIZE, LW_END - MAX(a->va, a->to));

	*rl = lw_ret((long)mremap((void *)a->va, a->len, len2, flags, (void *)a->to));
	*ro = as_mremap(as, a->va, a->len, len2, flags, a->to);
	snprintf(what, wl, "mremap(%d, %d, %d pages, %#x, %d)", a->i, a->n,
		 (int)(len2 / PAGE_SIZE), flags, a->t);
}

/*
 * Run as a process without CAP_IPC_LOCK under RLIMIT_MEMLOCK of `pages`
 * (this process only: criterion forks one per test), and tell the aspace.
 */
static void lw_unprivileged(uint64_t pages)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	struct rlimit rl = {pages * PAGE_SIZE, pages * PAGE_SIZE};

	cr_assert_eq(syscall(SYS_capget, &hdr, data), 0);
	data[CAP_IPC_LOCK / 32].effective &= ~(1u << (CAP_IPC_LOCK % 32));
	data[CAP_IPC_LOCK / 32].permitted &= ~(1u << (CAP_IPC_LOCK % 32));
	cr_assert_eq(syscall(SYS_capset, &hdr, data), 0);
	cr_assert_eq(setrlimit(RLIMIT_MEMLOCK, &rl), 0);
	as_set_memlock(as, rl.rlim_cur, 0);
}

/* Run one random step on both sides; false when the results differ. */
static bool lw_step(char *what, size_t wl)
{
	struct lw_args a = lw_pick();
	int op = (int)(lw_rand() % 16);
	int adv = lw_advice[lw_rand() % (sizeof(lw_advice) / sizeof(lw_advice[0]))];
	long rl = 0, ro = 0;

	if (op == 3 && lw_rand() % 4)
		op = 15; /* seal seldom: sealed pages stay for good */
	switch (op) {
	case 0: case 1: case 2: case 3:
		lw_lock_op(op, &a, &rl, &ro, what, wl);
		break;
	case 4: case 5:
		rl = lw_ret(madvise((void *)a.va, a.len, adv));
		ro = as_madvise(as, a.va, a.len, adv);
		snprintf(what, wl, "madvise(%d, %d, %d)", a.i, a.n, adv);
		break;
	case 6:
		rl = lw_ret(mprotect((void *)a.va, a.len, a.prot));
		ro = as_mprotect(as, a.va, a.len, a.prot);
		snprintf(what, wl, "mprotect(%d, %d, %d)", a.i, a.n, a.prot);
		break;
	case 7:
		rl = lw_ret(munmap((void *)a.va, a.len));
		ro = as_munmap(as, a.va, a.len);
		snprintf(what, wl, "munmap(%d, %d)", a.i, a.n);
		break;
	case 8: case 9:
		lw_mmap_op(&a, &rl, &ro, what, wl);
		break;
	case 10:
		if (lw_one_vma(a.va, a.len))
			lw_mremap_op(&a, &rl, &ro, what, wl);
		else
			lw_touch(a.i, what, wl);
		break;
	default:
		lw_touch(a.i, what, wl);
		break;
	}
	snprintf(what + strlen(what), wl - strlen(what), " = %ld", ro);
	if (rl != ro) {
		printf("%s: linux %ld, ours %ld\n", what, rl, ro);
		lw_dump();
		return false;
	}
	return true;
}

/* `steps` random steps from seed over a window that starts mapped read-write. */
static void lw_run(uint64_t seed, int steps)
{
	char what[128];

	rng = seed;
	cr_assert_eq((long)mmap((void *)LW_BASE, LW_END - LW_BASE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0), (long)LW_BASE);
	cr_assert_eq(as_mmap(as, LW_BASE, LW_END - LW_BASE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), (long)LW_BASE);
	for (int s = 0; s < steps; s++) {
		cr_assert(lw_step(what, sizeof(what)), "seed %llu step %d: results differ",
			  (unsigned long long)seed, s);
		if (getenv("LW_TRACE"))
			printf("%d: %s\n", s, what);
		cr_assert(lw_compare(what), "seed %llu step %d (%s): states differ",
			  (unsigned long long)seed, s, what);
		cr_assert_eq(as_check(as), 0);
	}
}

Test(lock_linux, seed_1) { lw_run(1, 500); }
Test(lock_linux, seed_2) { lw_run(2, 500); }
Test(lock_linux, seed_3) { lw_run(3, 500); }
Test(lock_linux, seed_4) { lw_run(4, 500); }
Test(lock_linux, seed_5) { lw_run(5, 500); }
Test(lock_linux, seed_6) { lw_run(6, 500); }

/* Without CAP_IPC_LOCK: RLIMIT_MEMLOCK of 12 pages (ENOMEM, EAGAIN), and of 0 (EPERM). */
Test(lock_linux, limited_seed_11) { lw_unprivileged(12); lw_run(11, 500); }
Test(lock_linux, limited_seed_12) { lw_unprivileged(12); lw_run(12, 500); }
Test(lock_linux, limited_seed_13) { lw_unprivileged(5); lw_run(13, 500); }
Test(lock_linux, no_lock_seed_14) { lw_unprivileged(0); lw_run(14, 300); }
