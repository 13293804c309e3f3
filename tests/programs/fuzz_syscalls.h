/*
 * Seeded random memory system calls with hostile arguments (included by
 * fuzz_syscalls_<n>.c, which define FUZZ_SEED). Everything happens inside a
 * private 64 MiB window with 64 MiB guards on each side, so the program
 * never unmaps its own text or stack; pointers given to write/writev come
 * from the kernel half, non-canonical space, unmapped or PROT_NONE pages, or
 * the window. No call leaves a placement to the kernel (moves go to a fixed
 * target in the upper guard), so the state does not depend on the layout.
 * The output is the table of results per call (errno names, fault counts,
 * see FZ_TABLE) and the step count: the image must match the host, survive
 * every step, and give back every frame.
 */
#include "prog.h"
#include <sys/syscall.h>
#include <sys/uio.h>

#define FZ_STEPS 4000

/*
 * Where the table of results goes: stdout (compared with the host) when the
 * seed defines FZ_COMPARE, else stderr. Linux keeps some adjacent anonymous
 * VMAs apart that we merge (their anon_vma differ after independent faults
 * or moves), and mremap's EFAULT for "not one mapping" follows those
 * boundaries; seeds that reach such a case compare only the step count.
 */
#ifdef FZ_COMPARE
#define FZ_TABLE stdout
#else
#define FZ_TABLE stderr
#endif
#define FZ_WIN (64UL << 20)
#define FZ_NCALLS 8

static const char *const fz_call_names[FZ_NCALLS] = {
	"mmap", "munmap", "mprotect", "mremap", "madvise", "write", "writev", "touch",
};

static uint64_t fz_rng = FUZZ_SEED;
static char *fz_win;
static unsigned long fz_hist[FZ_NCALLS][16];

static uint64_t fz_next(void)
{
	fz_rng ^= fz_rng << 13;
	fz_rng ^= fz_rng >> 7;
	fz_rng ^= fz_rng << 17;
	return fz_rng;
}

/* An address in the window: mostly page aligned, sometimes not. */
static char *fz_addr(void)
{
	uint64_t off = fz_next() % FZ_WIN;

	if (fz_next() % 8)
		off &= ~(PG - 1);
	return fz_win + off;
}

/* A length: pages mostly, 2 MiB runs, zero, odd or absurd sometimes. */
static size_t fz_len(void)
{
	switch (fz_next() % 10) {
	case 0: return 0;
	case 1: return fz_next() % PG + 1;
	case 2: return (fz_next() % 4 + 1) << 21;
	case 3: return -PG;
	default: return (fz_next() % 64 + 1) * PG;
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

/* One random call. */
static void fz_step(void)
{
	static const int prots[] = {PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_WRITE,
				    PROT_READ | PROT_EXEC, 0x10, PROT_READ | 0x1000000};
	static const int advice[] = {MADV_DONTNEED, MADV_WILLNEED, MADV_NORMAL, MADV_RANDOM,
				     MADV_SEQUENTIAL, 1234, MADV_DONTNEED};
	/* Never a plain hint: where a refused hint lands depends on the layout. */
	static const int mflags[] = {MAP_FIXED, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_FIXED_NOREPLACE,
				     MAP_POPULATE | MAP_FIXED_NOREPLACE, MAP_FIXED | MAP_NORESERVE};
	int call = (int)(fz_next() % FZ_NCALLS);
	char *a = fz_addr();
	size_t len = fz_len();
	long rc;

	errno = 0;
	switch (call) {
	case 0:
		rc = (long)mmap(a, len, prots[fz_next() % 5], MAP_PRIVATE | MAP_ANONYMOUS |
				mflags[fz_next() % 6], -1, 0);
		fz_note(call, rc == (long)MAP_FAILED ? -1 : 0);
		break;
	case 1:
		fz_note(call, syscall(SYS_munmap, a, len));
		break;
	case 2:
		fz_note(call, syscall(SYS_mprotect, a, len, prots[fz_next() % 7]));
		break;
	case 3: {
		size_t nl = fz_len();

		int fl = (int)(fz_next() % 3) == 0 ? 0 : MREMAP_MAYMOVE;

		/* A move goes to a fixed target (equal lengths stay a plain call: no move). */
		if (fl && ((len + PG - 1) & ~(PG - 1)) != ((nl + PG - 1) & ~(PG - 1)))
			fl |= MREMAP_FIXED;
		rc = syscall(SYS_mremap, a, len, nl, fl, FZ_MOVE_TARGET);
		fz_note(call, rc);
		fz_restore_guard(rc, nl);
		break;
	}
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
	default:
		if (sigsetjmp(fz_jmp, 1) == 0) {
			*(volatile char *)a = 1;
			fz_note(call, 0);
		} else {
			errno = EFAULT;
			fz_note(call, -1);
		}
		break;
	}
}

int main(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fz_segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	/*
	 * The window sits in the middle of a reservation three times its size,
	 * so that ranges running past its ends (at most a few MiB) meet only
	 * our own PROT_NONE guard areas, the same in the image and on the host.
	 */
	fz_win = mmap(NULL, 3 * FZ_WIN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		      -1, 0);
	if (fz_win == MAP_FAILED)
		return 2;
	fz_win += FZ_WIN;
	for (int i = 0; i < FZ_STEPS; i++)
		fz_step();
	for (int c = 0; c < FZ_NCALLS; c++) {
		fprintf(FZ_TABLE, "%-9s", fz_call_names[c]);
		for (int s = 0; s < 16; s++)
			if (fz_hist[c][s])
				fprintf(FZ_TABLE, " %s=%lu", s == 15 ? "other" : prog_errname((int[]){0, EINVAL, ENOMEM, EFAULT, EEXIST, EBADF}[s]), fz_hist[c][s]);
		fprintf(FZ_TABLE, "\n");
	}
	printf("steps %d\n", FZ_STEPS);
	return 0;
}
