/*
 * Memory protection keys as Linux 6.12 gives them on x86-64. With PKU
 * (CPUID 7 ECX bits 3 and 4, as QEMU's -cpu max): pkey_alloc hands out the
 * lowest free key with its rights set in PKRU (0x55555554 at start), a key
 * denying access or writes makes the access fault with SIGSEGV,
 * SEGV_PKUERR and si_pkey (a missing page too), the signal frame's xstate
 * holds the faulting PKRU at CPUID's offset of component 9, the handler
 * runs with the init value and rt_sigreturn loads the frame's; the kernel's
 * own copies into such memory fail with EFAULT; mprotect keeps a VMA's key,
 * VMAs with different keys do not merge, smaps prints ProtectionKey,
 * PROT_EXEC alone takes an execute-only key; 15 keys to allocate; fork
 * keeps keys and PKRU, exec resets them. Without PKU (this host):
 * pkey_alloc fails with ENOSPC, only key 0 is valid, smaps has no
 * ProtectionKey line. The output is the same either way (the details are
 * printed only when a check fails), so the program compares with a host
 * without PKU and with the PKU oracle (COMPARE=linux) alike.
 */
#include "prog.h"
#include <cpuid.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define SEGV_PKUERR_ 4
#define PKEY_DISABLE_ACCESS 1
#define PKEY_DISABLE_WRITE 2
#define PKRU_INIT 0x55555554u
#define SI_PKEY_OFFSET 32

static int fails;

#define PK_CHECK(cond)                                                   \
	do {                                                             \
		if (!(cond)) {                                           \
			printf("FAILED line %d: %s\n", __LINE__, #cond); \
			fails++;                                         \
		}                                                        \
	} while (0)

static long pkey_alloc_(unsigned long flags, unsigned long rights)
{
	return syscall(SYS_pkey_alloc, flags, rights);
}

static long pkey_free_(long k)
{
	return syscall(SYS_pkey_free, k);
}

static long pkey_mprotect_(void *p, size_t len, int prot, long k)
{
	return syscall(SYS_pkey_mprotect, p, len, prot, k);
}

static int has_pku(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return (c & (1u << 3)) && (c & (1u << 4));
}

static unsigned rdpkru(void)
{
	unsigned eax, edx;

	__asm__ volatile(".byte 0x0f,0x01,0xee" : "=a"(eax), "=d"(edx) : "c"(0));
	return eax;
}

static void wrpkru(unsigned v)
{
	__asm__ volatile(".byte 0x0f,0x01,0xef" : : "a"(v), "c"(0), "d"(0) : "memory");
}

/* Offset of PKRU (component 9) in the standard XSAVE layout. */
static unsigned pkru_offset(void)
{
	unsigned a = 0, b = 0, c = 0, d = 0;

	__get_cpuid_count(0xd, 9, &a, &b, &c, &d);
	return b;
}

/* What the last SIGSEGV handler saw, and the PKRU it puts in the frame. */
static volatile int h_code = -1, h_pkey = -1, h_count;
static volatile unsigned h_frame_pkru, h_live_pkru, h_set_pkru;
static volatile uintptr_t h_addr;

static void on_segv(int sig, siginfo_t *si, void *vuc)
{
	ucontext_t *uc = vuc;
	char *fp = (char *)uc->uc_mcontext.fpregs;
	unsigned *frame_pkru = (unsigned *)(fp + pkru_offset());

	(void)sig;
	h_count++;
	h_code = si->si_code;
	h_addr = (uintptr_t)si->si_addr;
	h_pkey = *(int *)((char *)si + SI_PKEY_OFFSET);
	h_live_pkru = rdpkru();
	h_frame_pkru = *frame_pkru;
	*frame_pkru = h_set_pkru;
}

static void catch_segv(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
}

/* The ProtectionKey of the smaps entry starting at p, -1 without the line, -2 without the entry. */
static int smaps_key(void *p)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[256];
	unsigned long s, e;
	int in = 0, key = -2;

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx", &s, &e) == 2) { /* an entry's first line */
			if (in)
				break;
			in = s == (uintptr_t)p;
			if (in)
				key = -1;
			continue;
		}
		if (in && sscanf(line, "ProtectionKey: %d", &key) == 1)
			break;
	}
	if (f)
		fclose(f);
	return key;
}

/* Number of VMAs starting in [lo, hi). */
static int vmas_in(char *lo, char *hi)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long s, e;
	char line[512];
	int n = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &s, &e) == 2 && s >= (uintptr_t)lo && s < (uintptr_t)hi)
			n++;
	if (f)
		fclose(f);
	return n;
}

/*
 * Without PKU no key is allocated, not even key 0 (Linux's init_new_context
 * sets the allocation map only with OSPKE): pkey_alloc fails with ENOSPC
 * (Linux 6.12's mm_pkey_alloc; later kernels reach arch_set_user_pkey_access
 * and say EINVAL), pkey_free and pkey_mprotect with any key say EINVAL.
 */
static void no_pku(void)
{
	char *p = prog_map_fenced(4);

	errno = 0;
	PK_CHECK(pkey_alloc_(0, 0) == -1 && (errno == ENOSPC || errno == EINVAL));
	PK_CHECK(pkey_free_(1) == -1 && errno == EINVAL);
	PK_CHECK(pkey_free_(0) == -1 && errno == EINVAL);
	PK_CHECK(pkey_mprotect_(p, PG, PROT_READ, 0) == -1 && errno == EINVAL);
	PK_CHECK(pkey_mprotect_(p, PG, PROT_READ, 1) == -1 && errno == EINVAL);
	PK_CHECK(smaps_key(p) == -1);
	p[PG] = 1;
	munmap(p - PG, 6 * PG);
}

/* An access that must fault with SEGV_PKUERR on key k, the handler then allowing everything. */
static void expect_pkuerr(volatile char *at, int write, int k, unsigned pkru)
{
	int before = h_count;

	h_set_pkru = 0;
	wrpkru(pkru);
	if (write)
		*at = 7;
	else
		(void)*at;
	PK_CHECK(h_count == before + 1);
	PK_CHECK(h_code == SEGV_PKUERR_);
	PK_CHECK(h_pkey == k);
	PK_CHECK(h_addr == (uintptr_t)at);
	PK_CHECK(h_frame_pkru == pkru);
	PK_CHECK(h_live_pkru == PKRU_INIT);
	PK_CHECK(rdpkru() == 0); /* rt_sigreturn loaded the frame's */
}

/* Allocation order, rights in PKRU, faults, frames, kernel copies. */
static void keys_and_faults(void)
{
	char *p = prog_map_fenced(4);
	int fds[2];
	long k1, k2;

	PK_CHECK(rdpkru() == PKRU_INIT);
	k1 = pkey_alloc_(0, 0);
	k2 = pkey_alloc_(0, PKEY_DISABLE_WRITE);
	PK_CHECK(k1 == 1 && k2 == 2);
	PK_CHECK(rdpkru() == 0x55555560u);
	PK_CHECK(pkey_mprotect_(p, 2 * PG, PROT_READ | PROT_WRITE, k1) == 0);
	PK_CHECK(smaps_key(p) == 1);
	PK_CHECK(vmas_in(p, p + 4 * PG) == 2);
	p[0] = 1;
	expect_pkuerr(p, 0, 1, 0x55555564u);       /* key 1 access-disabled */
	expect_pkuerr(p + PG, 1, 1, 0x55555564u);  /* never touched: the VMA's key */
	expect_pkuerr(p, 1, 1, 0x55555568u);       /* write-disabled */
	wrpkru(0x55555568u);
	PK_CHECK(p[0] == 7 && p[PG] == 7);         /* reads still allowed */
	wrpkru(0x55555564u);
	PK_CHECK(pipe(fds) == 0 && write(fds[1], "x", 1) == 1);
	errno = 0;
	PK_CHECK(read(fds[0], p, 1) == -1 && errno == EFAULT);
	errno = 0;
	PK_CHECK(write(fds[1], p, 1) == -1 && errno == EFAULT);
	wrpkru(0x55555560u);
	PK_CHECK(read(fds[0], p, 1) == 1 && p[0] == 'x');
	close(fds[0]);
	close(fds[1]);
	PK_CHECK(mprotect(p, 2 * PG, PROT_READ) == 0);
	PK_CHECK(smaps_key(p) == 1 && vmas_in(p, p + 4 * PG) == 2); /* mprotect keeps the key */
	expect_pkuerr(p, 0, 1, 0x55555564u);
	wrpkru(0x55555560u);
	PK_CHECK(mprotect(p, 2 * PG, PROT_READ | PROT_WRITE) == 0);
	/* (read-only again, the untouched half would lose VM_ACCOUNT in Linux and not merge) */
	PK_CHECK(pkey_mprotect_(p + 2 * PG, 2 * PG, PROT_READ | PROT_WRITE, k1) == 0);
	PK_CHECK(vmas_in(p, p + 4 * PG) == 1);     /* equal keys merge */
	PK_CHECK(pkey_mprotect_(p + PG, PG, PROT_READ, k2) == 0);
	PK_CHECK(vmas_in(p, p + 4 * PG) == 3 && smaps_key(p + PG) == 2);
	PK_CHECK(pkey_free_(k1) == 0);
	errno = 0;
	PK_CHECK(pkey_free_(k1) == -1 && errno == EINVAL);
	errno = 0;
	PK_CHECK(pkey_mprotect_(p, PG, PROT_READ, k1) == -1 && errno == EINVAL);
	PK_CHECK(smaps_key(p) == 1);               /* a freed key stays on its VMAs */
	PK_CHECK(pkey_free_(k2) == 0);
	wrpkru(PKRU_INIT);
	munmap(p - PG, 6 * PG);
}

/* 15 keys to allocate; PROT_EXEC alone takes one as the execute-only key. */
static void exhaust_and_exec_only(void)
{
	long got[16];
	int n = 0;
	char *x;

	while (n < 16 && (got[n] = pkey_alloc_(0, 0)) > 0)
		n++;
	PK_CHECK(n == 15 && got[n] == -1 && errno == ENOSPC);
	for (int i = 0; i < n; i++)
		PK_CHECK(pkey_free_(got[i]) == 0);
	wrpkru(PKRU_INIT);
	x = mmap(NULL, PG, PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	PK_CHECK(x != MAP_FAILED && smaps_key(x) == 1);
	PK_CHECK(rdpkru() == PKRU_INIT);           /* key 1 access-disabled already */
	errno = 0;
	PK_CHECK(pkey_free_(1) == -1 && errno == EINVAL);
	expect_pkuerr(x, 0, 1, PKRU_INIT);
	wrpkru(PKRU_INIT);
	PK_CHECK(mprotect(x, PG, PROT_READ | PROT_EXEC) == 0 && smaps_key(x) == 0);
	PK_CHECK(mprotect(x, PG, PROT_EXEC) == 0 && smaps_key(x) == 1);
	n = 0;
	while (n < 16 && (got[n] = pkey_alloc_(0, 0)) > 0)
		n++;
	PK_CHECK(n == 14 && got[0] == 2);
	for (int i = 0; i < n; i++)
		pkey_free_(got[i]);
	munmap(x, PG);
	wrpkru(PKRU_INIT);
}

/* fork keeps PKRU and the allocated keys; exec starts over. */
static void fork_and_exec(void)
{
	long k = pkey_alloc_(0, PKEY_DISABLE_ACCESS);
	int st = -1;
	pid_t pid;

	wrpkru(PKRU_INIT & ~0xcu);
	pid = fork();
	if (pid == 0)
		_exit(rdpkru() == (PKRU_INIT & ~0xcu) && pkey_free_(k) == 0 ? 0 : 1);
	PK_CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", "pkeys", "exec-child", (char *)NULL);
		_exit(3);
	}
	PK_CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	PK_CHECK(pkey_free_(k) == 0);
	wrpkru(PKRU_INIT);
}

static void pku(void)
{
	catch_segv();
	keys_and_faults();
	exhaust_and_exec_only();
	fork_and_exec();
}

int main(int argc, char **argv)
{
	(void)argv;
	char *p;

	if (argc > 1) /* exec-child: a fresh PKRU and key map */
		return rdpkru() == PKRU_INIT && pkey_alloc_(0, 0) == 1 ? 0 : 1;
	p = prog_map(NULL, PG, PROT_READ | PROT_WRITE, 0);
	EXPECT_ERRNO(EINVAL, pkey_alloc_(1, 0));
	EXPECT_ERRNO(EINVAL, pkey_alloc_(0, 4));
	EXPECT_ERRNO(EINVAL, pkey_free_(16));
	EXPECT_ERRNO(EINVAL, pkey_free_(-1));
	EXPECT_ERRNO(0, pkey_mprotect_(p, PG, PROT_READ, -1));
	EXPECT_ERRNO(EINVAL, pkey_mprotect_(p, PG, PROT_READ, 16));
	EXPECT_ERRNO(EINVAL, pkey_mprotect_(p, PG, 0x100, 0));
	EXPECT_ERRNO(EINVAL, pkey_mprotect_(p + 1, PG, PROT_READ, 0));
	if (has_pku())
		pku();
	else
		no_pku();
	printf("protection keys as Linux for this CPU: %s\n", fails ? "NO" : "yes");
	if (fails)
		prog_failed = 1;
	return prog_done();
}
