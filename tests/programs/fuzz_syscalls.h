/*
 * Seeded random memory system calls with hostile arguments (included by
 * fuzz_syscalls_<n>.c, which define FUZZ_SEED, and by fuzz_seeds.c, which
 * runs FZ_SEEDS seeds in a row for `make fuzz-image`). Each seed works
 * inside a private 64 MiB window with 64 MiB guards on each side, so the
 * program never unmaps its own text or stack. Addresses and lengths come
 * from the window at random and, a quarter of the time, from a dictionary
 * of edges (0, 1, page - 1, the top of the user half and its neighbours,
 * 1 << 47, the kernel half, -page, lengths that end at the top, pass it or
 * wrap): edges are chosen so that the result never depends on the layout
 * (nothing is mapped at or above the top, nor below 64 KiB + a few pages,
 * and a range from the window either stays inside the reservation or
 * wraps). Pointers given to write/writev come from the kernel half,
 * non-canonical space, unmapped or PROT_NONE pages, or the window. No call
 * leaves a placement to the kernel but a hint at an edge, whose mapping is
 * unmapped at once; no mmap goes below mmap_min_addr (Linux lets root map
 * there, so the result would depend on the credentials). Before an mremap the old range is mapped afresh, so it
 * is one mapping on Linux too (Linux keeps some adjacent anonymous VMAs
 * apart that we merge: their anon_vma differ after independent faults).
 * The output is the table of results per call (errno names, fault counts)
 * and the step count: the image must match the host, survive every step,
 * and give back every frame.
 */
#include "prog.h"
#include <sys/syscall.h>
#include <sys/uio.h>

#define FZ_STEPS 4000

#define FZ_TABLE stdout
#define FZ_WIN (64UL << 20)
#define FZ_NCALLS 10
#define FZ_TOP 0x7ffffffff000UL

static const char *const fz_call_names[FZ_NCALLS] = {
	"mmap", "munmap", "mprotect", "mremap", "madvise", "write", "writev", "touch",
	"msync", "mincore",
};

static uint64_t fz_rng;
static char *fz_win;
static unsigned long fz_hist[FZ_NCALLS][16];

static uint64_t fz_next(void)
{
	fz_rng ^= fz_rng << 13;
	fz_rng ^= fz_rng >> 7;
	fz_rng ^= fz_rng << 17;
	return fz_rng;
}

/* Addresses with nothing mapped from them to the end of the address space. */
static const uintptr_t fz_high_edges[] = {
	FZ_TOP, FZ_TOP + 1, FZ_TOP + PG, 1UL << 47, (1UL << 47) + PG, 0xffff800000000000UL,
	0xffffffff80000000UL, 0x8000000000000000UL, -PG, -1UL,
};

/* Addresses below mmap_min_addr (64 KiB), where nothing is ever mapped. */
static const uintptr_t fz_low_edges[] = {
	0, 1, PG - 1, PG, 0x10000 - PG, 0x10000 - 1,
};

#define FZ_NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Where an address came from: the length dictionary depends on it. */
enum fz_where { FZ_IN_WINDOW, FZ_HIGH_EDGE, FZ_LOW_EDGE };

static enum fz_where fz_last_where;

/* An address: in the window (mostly page aligned), or an edge a quarter of the time. */
static char *fz_addr(void)
{
	uint64_t off = fz_next() % FZ_WIN;

	switch (fz_next() % 8) {
	case 0:
		fz_last_where = FZ_HIGH_EDGE;
		return (char *)fz_high_edges[fz_next() % FZ_NELEM(fz_high_edges)];
	case 1:
		fz_last_where = FZ_LOW_EDGE;
		return (char *)fz_low_edges[fz_next() % FZ_NELEM(fz_low_edges)];
	case 2:
		off &= ~(PG - 1);
		/* fall through */
	default:
		fz_last_where = FZ_IN_WINDOW;
		if (fz_next() % 8)
			off &= ~(PG - 1);
		return fz_win + off;
	}
}

/* A length: pages mostly, 2 MiB runs, zero, odd or absurd sometimes. */
static size_t fz_len_random(void)
{
	switch (fz_next() % 10) {
	case 0: return 0;
	case 1: return fz_next() % PG + 1;
	case 2: return (fz_next() % 4 + 1) << 21;
	case 3: return -PG;
	default: return (fz_next() % 64 + 1) * PG;
	}
}

/* Lengths that wrap past the end of the address space from a (a > 0). */
static size_t fz_len_wrapping(uintptr_t a)
{
	switch (fz_next() % 3) {
	case 0: return -a;
	case 1: return -a + PG;
	default: return ~0UL;
	}
}

/* An edge length from a high edge: anything, nothing is mapped there. */
static size_t fz_len_high(uintptr_t a)
{
	static const size_t lens[] = {
		0, 1, PG - 1, PG, PG + 1, 2UL << 20, 1UL << 47, FZ_TOP, -PG, ~0UL,
	};

	if (fz_next() % 4 == 0)
		return fz_len_wrapping(a);
	if (fz_next() % 4 == 0)
		return FZ_TOP - (a & (FZ_TOP - 1)); /* ends near the top, whatever a is */
	return lens[fz_next() % FZ_NELEM(lens)];
}

/*
 * A length for the address a fz_addr just gave: from the window, random or
 * wrapping, or up to the end of the upper guard (never past the
 * reservation: what lies beyond depends on the layout); from a low edge,
 * small or wrapping (a long range from there would reach the program).
 */
static size_t fz_len_for(const char *a)
{
	uintptr_t ua = (uintptr_t)a;

	switch (fz_last_where) {
	case FZ_HIGH_EDGE:
		return fz_len_high(ua);
	case FZ_LOW_EDGE:
		if (ua && fz_next() % 3 == 0)
			return fz_len_wrapping(ua);
		return fz_next() % (3 * PG);
	default:
		if (fz_next() % 8 == 0)
			return fz_len_wrapping(ua);
		if (fz_next() % 16 == 0)
			return (size_t)(fz_win + 2 * FZ_WIN - a);
		return fz_len_random();
	}
}

/* A buffer pointer for write/writev, hostile most of the time. */
static const void *fz_ptr(void)
{
	static const uintptr_t bad[] = {
		0, 16, 0xffffffff80000000UL, 0xffff800000000000UL, 0x8000000000000000UL,
		0x800000000000UL, 0x7ffffffff000UL, (uintptr_t)-1,
	};

	if (fz_next() % 3 == 0)
		return fz_addr();
	return (const void *)bad[fz_next() % (sizeof(bad) / sizeof(bad[0]))];
}

/* Record the result of one call in its histogram: slot by errno (0 = success). */
static void fz_note(int call, long rc)
{
	int e = rc == -1 ? errno : 0, slot;

	switch (e) {
	case 0: slot = 0; break;
	case EINVAL: slot = 1; break;
	case ENOMEM: slot = 2; break;
	case EFAULT: slot = 3; break;
	case EEXIST: slot = 4; break;
	case EBADF: slot = 5; break;
	default: slot = 15; break;
	}
	fz_hist[call][slot]++;
#ifdef FZ_TRACE
	/* Debugging a mismatch: build with -DFZ_TRACE and diff the two outputs. */
	static int step;
	printf("#%d call %d result %d\n", step++, call, slot);
#endif
}

/*
 * Where a moving mremap goes: inside the upper guard, so that no call ever
 * leaves the placement to the kernel (Linux's choice of a free gap depends
 * on the process layout, and would make the two runs diverge).
 */
#define FZ_MOVE_TARGET (fz_win + FZ_WIN + (16UL << 20))

/* After a move into the guard, make that part of the guard PROT_NONE again. */
static void fz_restore_guard(long rc, size_t len)
{
	if (rc != -1 && (char *)rc == FZ_MOVE_TARGET)
		mmap(FZ_MOVE_TARGET, (len + PG - 1) & ~(PG - 1), PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
}

static sigjmp_buf fz_jmp;

static void fz_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	siglongjmp(fz_jmp, 1);
}

/* mmap at a (fixed, no-replace or, at a high edge, a hint whose mapping goes at once). */
static void fz_mmap(char *a, size_t len)
{
	static const int prots[] = {PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_WRITE,
				    PROT_READ | PROT_EXEC};
	/* A plain hint only at a high edge: where a refused hint lands depends on the layout. */
	static const int mflags[] = {MAP_FIXED, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_FIXED_NOREPLACE,
				     MAP_POPULATE | MAP_FIXED_NOREPLACE, MAP_FIXED | MAP_NORESERVE};
	int hint = fz_last_where == FZ_HIGH_EDGE && fz_next() % 2;
	int fl = hint ? (int)(fz_next() % 2) * MAP_NORESERVE : mflags[fz_next() % 6];
	char *r;

	/* Below mmap_min_addr root (CAP_SYS_RAWIO) may map on Linux: not an edge we compare. */
	if (fz_last_where == FZ_LOW_EDGE)
		a = fz_win + (uintptr_t)a;
	/* Whether a commit of more than 64 MiB fits depends on the RAM: not compared either. */
	if (len > FZ_WIN)
		fl |= MAP_NORESERVE;
	r = mmap(a, len, prots[fz_next() % 5], MAP_PRIVATE | MAP_ANONYMOUS | fl, -1, 0);

	fz_note(0, r == MAP_FAILED ? -1 : 0);
	if (hint && r != MAP_FAILED)
		munmap(r, len);
}

/*
 * mremap of [a, a+len) to nl: the old range is mapped afresh first (so it is
 * one mapping on Linux too); a move goes to a fixed target in the upper guard
 * or, sometimes, to a high edge (refused).
 */
static void fz_mremap(char *a, size_t len, size_t nl)
{
	int fl = (int)(fz_next() % 3) == 0 ? 0 : MREMAP_MAYMOVE;
	char *to = FZ_MOVE_TARGET;
	long rc;

	/*
	 * An old length past the top or wrapping: Linux's order of checks
	 * (target unmapped or not, EINVAL, ENOMEM or EFAULT) changed between
	 * 6.12 and 6.18 (we follow 6.12: the target goes, then EINVAL); the
	 * edges_top programs pin the cases both agree on.
	 */
	if (len > 3 * FZ_WIN)
		len = (fz_next() % 64 + 1) * PG;

	if (fz_last_where == FZ_IN_WINDOW && len && len <= (size_t)(fz_win + 2 * FZ_WIN - a) &&
	    !((uintptr_t)a % PG))
		mmap(a, len, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
	/* A move goes to a fixed target (equal lengths stay a plain call: no move). */
	if (fl && ((len + PG - 1) & ~(PG - 1)) != ((nl + PG - 1) & ~(PG - 1)))
		fl |= MREMAP_FIXED;
	/* Whether a long move to the guard passes the top depends on the layout: to an edge. */
	if ((fl & MREMAP_FIXED) && (fz_next() % 8 == 0 || nl > 3 * FZ_WIN))
		to = (char *)fz_high_edges[fz_next() % FZ_NELEM(fz_high_edges)];
	rc = syscall(SYS_mremap, a, len, nl, fl, to);
	fz_note(3, rc);
	fz_restore_guard(rc, nl);
}

/* mincore into a buffer large enough for any range inside the reservation. */
static void fz_mincore(char *a, size_t len)
{
	static unsigned char vec[3 * FZ_WIN / PG];

	fz_note(9, syscall(SYS_mincore, a, len, fz_next() % 8 ? (void *)vec : (void *)fz_ptr()));
}

/* One random call. */
static void fz_step(void)
{
	static const int prots[] = {PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_WRITE,
				    PROT_READ | PROT_EXEC, 0x10, PROT_READ | 0x1000000};
	static const int advice[] = {MADV_DONTNEED, MADV_WILLNEED, MADV_NORMAL, MADV_RANDOM,
				     MADV_SEQUENTIAL, 1234, MADV_DONTNEED};
	static const int msflags[] = {MS_ASYNC, MS_SYNC, MS_SYNC | MS_INVALIDATE, MS_INVALIDATE,
				      MS_ASYNC | MS_SYNC, 8};
	int call = (int)(fz_next() % FZ_NCALLS);
	char *a = fz_addr();
	size_t len = fz_len_for(a);

	errno = 0;
	switch (call) {
	case 0:
		fz_mmap(a, len);
		break;
	case 1:
		fz_note(call, syscall(SYS_munmap, a, len));
		break;
	case 2:
		fz_note(call, syscall(SYS_mprotect, a, len, prots[fz_next() % 7]));
		break;
	case 3:
		fz_mremap(a, len, fz_next() % 8 ? fz_len_random() : fz_len_high((uintptr_t)a));
		break;
	case 4:
		fz_note(call, syscall(SYS_madvise, a, len, advice[fz_next() % 7]));
		break;
	case 5:
		fz_note(call, syscall(SYS_write, 2, fz_ptr(), fz_next() % 64 + 1) > 0 ? 0 : -1);
		break;
	case 6: {
		struct iovec iov[2] = {{(void *)fz_ptr(), 8}, {(void *)fz_ptr(), 8}};

		fz_note(call, syscall(SYS_writev, 2, fz_next() % 4 ? (void *)iov : (void *)fz_ptr(),
				      2) > 0 ? 0 : -1);
		break;
	}
	case 8:
		fz_note(call, syscall(SYS_msync, a, len, msflags[fz_next() % 6]));
		break;
	case 9:
		fz_mincore(a, len);
		break;
	default:
		if (fz_last_where != FZ_IN_WINDOW)
			a = fz_win + (uintptr_t)a % FZ_WIN;
		if (sigsetjmp(fz_jmp, 1) == 0) {
			*(volatile char *)a = 1;
			fz_note(7, 0);
		} else {
			errno = EFAULT;
			fz_note(7, -1);
		}
		break;
	}
}

/* Print the table of results of one seed. */
static void fz_print_table(void)
{
	static const int slot_errno[] = {0, EINVAL, ENOMEM, EFAULT, EEXIST, EBADF};

	for (int c = 0; c < FZ_NCALLS; c++) {
		fprintf(FZ_TABLE, "%-9s", fz_call_names[c]);
		for (int s = 0; s < 16; s++)
			if (fz_hist[c][s])
				fprintf(FZ_TABLE, " %s=%lu", s == 15 ? "other" :
					prog_errname(slot_errno[s]), fz_hist[c][s]);
		fprintf(FZ_TABLE, "\n");
	}
}

/*
 * One seed: a fresh reservation (the window sits in the middle of one three
 * times its size, so that ranges running past its ends meet only our own
 * PROT_NONE guard areas, the same in the image and on the host), FZ_STEPS
 * calls, the table, and everything unmapped again. Returns 0, or 2 when the
 * reservation cannot be made.
 */
static int fz_run_seed(uint64_t seed)
{
	char *res = mmap(NULL, 3 * FZ_WIN, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (res == MAP_FAILED)
		return 2;
	fz_rng = seed;
	memset(fz_hist, 0, sizeof(fz_hist));
	fz_win = res + FZ_WIN;
	for (int i = 0; i < FZ_STEPS; i++)
		fz_step();
	fz_print_table();
	munmap(res, 3 * FZ_WIN);
	return 0;
}

int main(void)
{
	struct sigaction sa;
	int rc = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fz_segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
#ifdef FZ_SEEDS
	for (uint64_t i = 0; i < FZ_SEEDS && !rc; i++) {
		printf("seed %llu\n", (unsigned long long)(FUZZ_SEED + i));
		rc = fz_run_seed(FUZZ_SEED + i);
	}
	printf("seeds %d, steps %d each\n", FZ_SEEDS, FZ_STEPS);
#else
	rc = fz_run_seed(FUZZ_SEED);
	printf("steps %d\n", FZ_STEPS);
#endif
	return rc;
}
