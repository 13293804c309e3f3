/*
 * RLIMIT_AS, RLIMIT_DATA and RLIMIT_STACK as the memory calls meet them
 * (Linux 6.12's may_expand_vm, check_data_rlimit, acct_stack_growth): the
 * defaults; mmap, mremap, brk and stack growth at and past RLIMIT_AS set to
 * the current size + 1 MiB; private writable memory past RLIMIT_DATA (read-
 * only, shared and stack mappings do not count), mprotect turning memory
 * into data, brk, the soft limit 0 exception; a deep recursion under a small
 * RLIMIT_STACK dying with SIGSEGV caught on an alternate stack. Sizes come
 * from /proc/self/status (read without malloc); only facts are printed.
 */
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include "prog.h"

#define KB 1024UL
#define MB (1024 * KB)

static char status[8192];

/* A "Vm...:" figure of /proc/self/status in bytes (-1 when absent); no malloc. */
static long vm_bytes(const char *key)
{
	int fd = open("/proc/self/status", O_RDONLY);
	long n = 0, r;
	char *p;

	if (fd < 0)
		return -1;
	while (n < (long)sizeof(status) - 1 && (r = read(fd, status + n, sizeof(status) - 1 - n)) > 0)
		n += r;
	close(fd);
	status[n] = 0;
	p = strstr(status, key);
	return p ? strtol(p + strlen(key), NULL, 10) * (long)KB : -1;
}

/* Set the soft limit of `res` (the hard one stays). */
static int set_soft(int res, rlim_t cur)
{
	struct rlimit r;

	if (getrlimit(res, &r) != 0)
		return -1;
	r.rlim_cur = cur;
	return setrlimit(res, &r);
}

static char *map(size_t len, int prot, int flags)
{
	return mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);
}

static unsigned long brk_at(unsigned long to)
{
	return (unsigned long)syscall(SYS_brk, to);
}

/* ---------------------------------------------------------------- recursion */

static sigjmp_buf back;
static volatile int segv_code;
static volatile uintptr_t deepest;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	segv_code = si->si_code;
	siglongjmp(back, 1);
}

/* Recurse 4 KiB a frame until `left` frames are done or the stack ends. */
static unsigned long down(unsigned long left)
{
	volatile char buf[4000];

	buf[0] = (char)left;
	deepest = (uintptr_t)buf;
	if (!left)
		return 0;
	return down(left - 1) + buf[0];
}

/* Recurse `bytes` deep; true when it faulted (SIGSEGV), with the depth reached. */
static int recurse(unsigned long bytes, unsigned long *reached)
{
	volatile uintptr_t top = (uintptr_t)&top;

	segv_code = 0;
	deepest = top;
	if (sigsetjmp(back, 1) == 0)
		down(bytes / 4096);
	*reached = top - deepest;
	return segv_code != 0;
}

/* True when a byte write at p works (needs on_alt_stack's handler). */
static int writable(volatile char *p)
{
	if (sigsetjmp(back, 1))
		return 0;
	*p = *p;
	return 1;
}

static void on_alt_stack(void)
{
	static char alt[64 * 1024];
	stack_t ss = {.ss_sp = alt, .ss_size = sizeof(alt)};
	struct sigaction sa;

	CHECK(sigaltstack(&ss, NULL) == 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
}

/* ---------------------------------------------------------------- scenarios */

static void defaults(void)
{
	struct rlimit r;

	CHECK(getrlimit(RLIMIT_AS, &r) == 0 && r.rlim_cur == RLIM_INFINITY &&
	      r.rlim_max == RLIM_INFINITY);
	CHECK(getrlimit(RLIMIT_DATA, &r) == 0 && r.rlim_cur == RLIM_INFINITY &&
	      r.rlim_max == RLIM_INFINITY);
	CHECK(getrlimit(RLIMIT_STACK, &r) == 0 && r.rlim_cur == 8 * MB);
}

static void as_limit(void)
{
	unsigned long b0 = brk_at(0), reached;
	char *half, *q;

	CHECK(set_soft(RLIMIT_AS, vm_bytes("VmSize:") + MB) == 0);
	EXPECT_ERRNO(ENOMEM, map(2 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE));
	EXPECT_ERRNO(0, half = map(512 * KB, PROT_READ | PROT_WRITE, MAP_PRIVATE));
	EXPECT_ERRNO(ENOMEM, mremap(half, 512 * KB, 3 * 512 * KB, MREMAP_MAYMOVE));
	EXPECT_ERRNO(0, q = map(512 * KB, PROT_NONE, MAP_PRIVATE)); /* exactly at the limit */
	EXPECT_ERRNO(ENOMEM, map(PG, PROT_READ, MAP_SHARED));
	CHECK(brk_at(b0 + 64 * KB) == b0);
	CHECK(recurse(2 * MB, &reached) && segv_code == SEGV_MAPERR); /* the stack had 512 KiB */
	EXPECT_ERRNO(0, munmap(q, 512 * KB));
	EXPECT_ERRNO(0, mremap(half, 512 * KB, MB, MREMAP_MAYMOVE));
	CHECK(set_soft(RLIMIT_AS, RLIM_INFINITY) == 0);
	CHECK(recurse(2 * MB, &reached) == 0);
}

static void data_limit(void)
{
	unsigned long b0 = brk_at(0);
	char *ro, *q;

	CHECK(set_soft(RLIMIT_DATA, vm_bytes("VmData:") + MB) == 0);
	EXPECT_ERRNO(ENOMEM, map(2 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE));
	EXPECT_ERRNO(0, ro = map(2 * MB, PROT_READ, MAP_PRIVATE));
	EXPECT_ERRNO(0, map(2 * MB, PROT_READ | PROT_WRITE, MAP_SHARED));
	EXPECT_ERRNO(0, map(2 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_GROWSDOWN));
	EXPECT_ERRNO(ENOMEM, mprotect(ro, 2 * MB, PROT_READ | PROT_WRITE));
	CHECK(writable(ro) == 0);
	EXPECT_ERRNO(0, mprotect(ro, 512 * KB, PROT_READ | PROT_WRITE));
	CHECK(writable(ro) == 1);
	EXPECT_ERRNO(0, q = map(256 * KB, PROT_READ | PROT_WRITE, MAP_PRIVATE));
	EXPECT_ERRNO(ENOMEM, mremap(q, 256 * KB, 768 * KB, MREMAP_MAYMOVE));
	EXPECT_ERRNO(0, mremap(ro + 512 * KB, 256 * KB, 512 * KB, MREMAP_MAYMOVE));
	EXPECT_ERRNO(0, map(256 * KB, PROT_READ | PROT_WRITE, MAP_PRIVATE)); /* exactly at it */
	EXPECT_ERRNO(ENOMEM, map(PG, PROT_READ | PROT_WRITE, MAP_PRIVATE));
	CHECK(brk_at(b0 + 64 * KB) == b0);
	CHECK(set_soft(RLIMIT_DATA, 0) == 0); /* hard unlimited: Linux lets it pass */
	EXPECT_ERRNO(0, map(2 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE));
	CHECK(set_soft(RLIMIT_DATA, RLIM_INFINITY) == 0);
	CHECK(brk_at(b0 + 64 * KB) == b0 + 64 * KB);
	CHECK(set_soft(RLIMIT_DATA, 4 * KB) == 0);
	CHECK(brk_at(b0 + 32 * KB) == b0 + 64 * KB); /* even a shrink stays above the limit */
	CHECK(set_soft(RLIMIT_DATA, RLIM_INFINITY) == 0);
	CHECK(brk_at(b0) == b0);
}

static void stack_limit(void)
{
	unsigned long reached;

	CHECK(set_soft(RLIMIT_STACK, 256 * KB) == 0);
	CHECK(recurse(2 * MB, &reached) && segv_code == SEGV_MAPERR);
	CHECK(reached > 128 * KB && reached < 256 * KB);
	CHECK(set_soft(RLIMIT_STACK, 8 * MB) == 0);
	CHECK(recurse(512 * KB, &reached) == 0 && reached >= 512 * KB);
}

int main(void)
{
	defaults();
	on_alt_stack();
	stack_limit(); /* first: the stack VMA never shrinks */
	as_limit();
	data_limit();
	return prog_done();
}
