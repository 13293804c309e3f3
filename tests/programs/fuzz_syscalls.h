/*
 * Seeded random memory system calls with hostile arguments (included by
 * fuzz_syscalls_<n>.c, which define FUZZ_SEED). Everything happens inside a
 * private 64 MiB window (with 64 MiB guards on each side), so the program
 * never unmaps its own text or stack;
 * pointers given to write/writev come from the kernel half, non-canonical
 * space, unmapped or PROT_NONE pages, or the window. The output is a table
 * of results per call (errno names, fault counts) that does not depend on
 * the layout, so the image must match the host exactly.
 */
#include "prog.h"
#include <sys/syscall.h>
#include <sys/uio.h>

#define FZ_STEPS 4000
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
}

/* A mapping that landed outside the window is given back at once. */
static void fz_keep_inside(long rc, size_t len)
{
	char *p = (char *)rc;

	if (rc != -1 && (p < fz_win - FZ_WIN || p >= fz_win + 2 * FZ_WIN))
		munmap(p, len);
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
	static const int mflags[] = {MAP_FIXED, MAP_FIXED, MAP_FIXED_NOREPLACE, 0, MAP_POPULATE,
				     MAP_FIXED | MAP_NORESERVE};
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
		fz_keep_inside(rc == (long)MAP_FAILED ? -1 : rc, len);
		break;
	case 1:
		fz_note(call, syscall(SYS_munmap, a, len));
		break;
	case 2:
		fz_note(call, syscall(SYS_mprotect, a, len, prots[fz_next() % 7]));
		break;
	case 3: {
		size_t nl = fz_len();

		rc = syscall(SYS_mremap, a, len, nl, (int)(fz_next() % 3) == 0 ? 0 : MREMAP_MAYMOVE, 0);
		fz_note(call, rc);
		fz_keep_inside(rc, nl);
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
		fprintf(stderr, "\n%-9s", fz_call_names[c]);
		for (int s = 0; s < 16; s++)
			if (fz_hist[c][s])
				fprintf(stderr, " %s=%lu", s == 15 ? "other" : prog_errname((int[]){0, EINVAL, ENOMEM, EFAULT, EEXIST, EBADF}[s]), fz_hist[c][s]);
	}
	printf("steps %d\n", FZ_STEPS);
	return 0;
}
