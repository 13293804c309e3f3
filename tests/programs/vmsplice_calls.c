/* vmsplice(2): the argument errnos, user memory into a pipe (what GUP pins: a hole, PROT_NONE or memfd_secret pages end it, EFAULT when first), out of a pipe into user memory, SPLICE_F_NONBLOCK on a full or empty pipe, EPIPE without a reader. */
#include "proc.h"
#include <fcntl.h>
#include <sys/uio.h>

#define NR_memfd_secret 447

/* vmsplice of one range. */
static long vms(int fd, void *p, size_t len, unsigned flags)
{
	struct iovec v = { p, len };

	return vmsplice(fd, &v, 1, flags);
}

/* The argument checks. */
static void errnos(int pw)
{
	char b[8] = "abcdefg";
	int null = open("/dev/null", O_WRONLY);

	PROC_ERRNO(EINVAL, vms(pw, b, 8, 0x10));
	PROC_ERRNO(EBADF, vms(99, b, 8, 0));
	PROC_ERRNO(EBADF, vms(null, b, 8, 0));
	PROC_ERRNO(0, vms(null, b, 0, 0));
	PROC_ERRNO(0, vmsplice(pw, NULL, 0, 0));
	PROC_ERRNO(EFAULT, vmsplice(pw, (void *)8, 1, 0));
	PROC_ERRNO(EINVAL, vmsplice(pw, &(struct iovec){ b, 8 }, 1025, 0));
	close(null);
}

/* Into the pipe and back out: the bytes, and where pinning stops. */
static void through(int pr, int pw)
{
	char *m = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char out[2 * PG];
	int fd = syscall(NR_memfd_secret, 0);
	char *s;

	CHECK(m != MAP_FAILED);
	memset(m, 'v', 3 * PG);
	printf("in: %ld\n", vms(pw, m, 100, 0));
	printf("out: %ld\n", vms(pr, out, sizeof(out), 0));
	CHECK(out[0] == 'v' && out[99] == 'v');
	CHECK(munmap(m + PG, PG) == 0);
	printf("up to a hole: %ld\n", vms(pw, m + PG - 10, 100, 0));
	CHECK(read(pr, out, sizeof(out)) == 10);
	PROC_ERRNO(EFAULT, vms(pw, m + PG, 10, 0));
	CHECK(mprotect(m + 2 * PG, PG, PROT_NONE) == 0);
	PROC_ERRNO(EFAULT, vms(pw, m + 2 * PG, 10, 0));
	CHECK(fd >= 0 && ftruncate(fd, PG) == 0);
	s = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(s != MAP_FAILED);
	PROC_ERRNO(EFAULT, vms(pw, s, 10, 0));
	memset(s, 0x55, PG);
	PROC_ERRNO(EFAULT, vms(pw, s, 10, 0));
	CHECK(write(pw, "xyz", 3) == 3);
	printf("out into secret memory: %ld\n", vms(pr, s, 10, 0));
	CHECK(s[0] == 'x' && s[2] == 'z' && s[3] == 0x55);
	munmap(s, PG);
	close(fd);
	munmap(m, 3 * PG);
}

/* SPLICE_F_NONBLOCK on an empty pipe, on a full one, and no reader at all. */
static void blocking(int pr, int pw)
{
	static char big[PG];
	char b[8] = "1234567";

	PROC_ERRNO(EAGAIN, vms(pr, b, 8, SPLICE_F_NONBLOCK));
	CHECK(fcntl(pw, F_SETFL, O_NONBLOCK) == 0);
	while (write(pw, big, sizeof(big)) > 0)
		;
	PROC_ERRNO(EAGAIN, vms(pw, b, 8, SPLICE_F_NONBLOCK));
	CHECK(fcntl(pw, F_SETFL, 0) == 0);
	close(pr);
	signal(SIGPIPE, SIG_IGN);
	PROC_ERRNO(EPIPE, vms(pw, b, 8, 0));
}

int main(void)
{
	int p[2];

	CHECK(pipe(p) == 0);
	errnos(p[1]);
	through(p[0], p[1]);
	blocking(p[0], p[1]);
	close(p[1]);
	return prog_failed;
}
