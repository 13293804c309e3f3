/* process_vm_readv/process_vm_writev: the argument errnos and their order, copies within the process across several local and remote iovecs, a child's memory read and written, partial transfers (a hole, PROT_NONE, a read-only page for a write), EPERM for a non-root caller on a root process, EFAULT for memfd_secret pages (the local side, copied by the caller itself, reaches them). */
#include "proc.h"
#include <sys/uio.h>

#define NR_memfd_secret 447
#define NO_PID 999999999

static char src[3 * PG] __attribute__((aligned(4096)));
static char dst[3 * PG] __attribute__((aligned(4096)));

/* process_vm_readv/writev of one local and one remote range. */
static long pvm(pid_t pid, int write, void *local, size_t llen, void *remote, size_t rlen)
{
	struct iovec l = { local, llen }, r = { remote, rlen };

	return write ? process_vm_writev(pid, &l, 1, &r, 1, 0) : process_vm_readv(pid, &l, 1, &r, 1, 0);
}

/* The argument checks, in Linux's order. */
static void errnos(void)
{
	struct iovec l = { dst, 8 }, r = { src, 8 }, zero = { dst, 0 };

	PROC_ERRNO(EINVAL, process_vm_readv(getpid(), &l, 1, &r, 1, 1));
	PROC_ERRNO(EINVAL, process_vm_readv(getpid(), &l, 1025, &r, 1, 0));
	PROC_ERRNO(EFAULT, process_vm_readv(getpid(), (void *)8, 1, &r, 1, 0));
	PROC_ERRNO(0, process_vm_readv(NO_PID, &zero, 1, (void *)8, 1, 0));
	PROC_ERRNO(EFAULT, process_vm_readv(NO_PID, &l, 1, (void *)8, 1, 0));
	PROC_ERRNO(EINVAL, process_vm_readv(NO_PID, &l, 1, &r, 1025, 0));
	PROC_ERRNO(0, process_vm_readv(NO_PID, &l, 1, &zero, 1, 0));
	PROC_ERRNO(0, process_vm_readv(NO_PID, &l, 1, &r, 0, 0));
	PROC_ERRNO(ESRCH, process_vm_readv(NO_PID, &l, 1, &r, 1, 0));
	PROC_ERRNO(ESRCH, process_vm_readv(0, &l, 1, &r, 1, 0));
	PROC_ERRNO(ESRCH, process_vm_writev(-1, &l, 1, &r, 1, 0));
	PROC_ERRNO(EFAULT, process_vm_readv(getpid(), &l, 1, &(struct iovec){ NULL, 8 }, 1, 0));
	PROC_ERRNO(EFAULT, process_vm_readv(getpid(), &l, 1,
					    &(struct iovec){ (void *)-4096L, 8 }, 1, 0));
}

/* Copies within the process: three local pieces against two remote ones. */
static void scatter(void)
{
	struct iovec l[3] = { { dst, 100 }, { dst + PG, 0 }, { dst + PG + 100, 5000 } };
	struct iovec r[2] = { { src + 10, 4000 }, { src + 2 * PG - 7, 2000 } };
	long n;

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (char)(i * 7 + 3);
	memset(dst, 0, sizeof(dst));
	n = process_vm_readv(getpid(), l, 3, r, 2, 0);
	printf("readv scatter: %ld\n", n);
	CHECK(memcmp(dst, src + 10, 100) == 0);
	CHECK(memcmp(dst + PG + 100, src + 110, 3900) == 0);
	CHECK(memcmp(dst + PG + 4000, src + 2 * PG - 7, 1100) == 0);
	memset(dst, 0x11, 64);
	printf("writev: %ld\n", pvm(getpid(), 1, dst, 64, src + PG - 32, 64));
	CHECK(memcmp(src + PG - 32, dst, 64) == 0);
}

/* Partial transfers: a hole after the first page, PROT_NONE, read-only for a write. */
static void partial(void)
{
	char *m = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(m != MAP_FAILED);
	memset(m, 0x42, 3 * PG);
	CHECK(munmap(m + PG, PG) == 0);
	printf("across a hole: %ld\n", pvm(getpid(), 0, dst, 2 * PG, m + 100, 2 * PG));
	PROC_ERRNO(EFAULT, pvm(getpid(), 0, dst, 8, m + PG, 8));
	CHECK(mprotect(m + 2 * PG, PG, PROT_NONE) == 0);
	PROC_ERRNO(EFAULT, pvm(getpid(), 0, dst, 8, m + 2 * PG, 8));
	CHECK(mprotect(m, PG, PROT_READ) == 0);
	PROC_ERRNO(EFAULT, pvm(getpid(), 1, dst, 8, m, 8));
	PROC_ERRNO(EFAULT, pvm(getpid(), 0, m, 8, src, 8));
	munmap(m, 3 * PG);
}

/* A child's memory: read it, write it, and the child sees the write. */
static void child_memory(void)
{
	int go[2], back[2];
	pid_t pid;

	CHECK(pipe(go) == 0 && pipe(back) == 0);
	memset(src, 'p', 64);
	pid = proc_fork();
	if (pid == 0) {
		memset(src, 'c', 64);
		proc_signal(back[1]);
		proc_await(go[0]);
		proc_exit(src[0] == 'w' && src[63] == 'w' ? 0 : 1);
	}
	proc_await(back[0]);
	printf("read child: %ld\n", pvm(pid, 0, dst, 64, src, 64));
	CHECK(dst[0] == 'c' && dst[63] == 'c' && src[0] == 'p');
	memset(dst, 'w', 64);
	printf("write child: %ld\n", pvm(pid, 1, dst, 64, src, 64));
	CHECK(src[0] == 'p');
	proc_signal(go[1]);
	printf("child saw the write: %s\n", proc_status(pid) == 0 ? "yes" : "NO");
}

/* A non-root child may not reach its root parent; root reaches it. */
static void permission(void)
{
	pid_t parent = getpid(), pid;

	pid = proc_fork();
	if (pid == 0) {
		prog_failed = 0;
		CHECK(setresuid(1000, 1000, 1000) == 0);
		PROC_ERRNO(EPERM, pvm(parent, 0, dst, 8, src, 8));
		PROC_ERRNO(0, pvm(getpid(), 0, dst, 8, src, 8));
		proc_exit(prog_failed);
	}
	printf("non-root child: status %d\n", proc_status(pid));
}

/* memfd_secret pages are out of reach (Linux's GUP refuses them). */
static void secret(void)
{
	int fd = syscall(NR_memfd_secret, 0);
	char *p;

	CHECK(fd >= 0 && ftruncate(fd, PG) == 0);
	p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	memset(p, 0x55, PG);
	PROC_ERRNO(EFAULT, pvm(getpid(), 0, dst, 8, p, 8));
	PROC_ERRNO(EFAULT, pvm(getpid(), 1, dst, 8, p, 8));
	PROC_ERRNO(0, pvm(getpid(), 0, p, 8, src, 8)); /* the caller's own copy reaches them */
	munmap(p, PG);
	close(fd);
}

int main(void)
{
	errnos();
	scatter();
	partial();
	child_memory();
	permission();
	secret();
	return prog_failed;
}
