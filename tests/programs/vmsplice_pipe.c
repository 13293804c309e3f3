/*
 * vmsplice(2) as Linux 6.12: into a pipe's write end each piece of an iovec
 * inside one user page takes a slot of its own (16 one-byte calls fill a
 * 64 KiB pipe; 70000 bytes go in as 65536, or 65436 from an address 100
 * bytes into a page), SPLICE_F_NONBLOCK on a full pipe is EAGAIN, no reader
 * is EPIPE; from a read end it reads the pipe into the iovecs; errnos:
 * EINVAL (flags, nr_segs), EBADF (closed fd, no pipe), EFAULT (iovec).
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "prog.h"

#define SPLICE_F_NONBLOCK_ 0x02
#define SPLICE_F_GIFT_ 0x08

/* vmsplice of one buffer. */
static long vs_one(int fd, const void *buf, size_t len, unsigned flags)
{
	struct iovec iov = {(void *)buf, len};

	return syscall(278, fd, &iov, 1UL, flags);
}

/* The count a call returned, or its errno name. */
static void vs_print(const char *what, long rc)
{
	if (rc >= 0)
		printf("%s: %ld\n", what, rc);
	else
		printf("%s: %s\n", what, errno == EPIPE ? "EPIPE" : prog_errname(errno));
}

/* Read everything the pipe holds (non-blocking); the count. */
static long vs_drain(int rd, char *buf, size_t len)
{
	long n, total = 0;

	while ((n = read(rd, buf + total, len - total)) > 0)
		total += n;
	return total;
}

static void vs_slots(void)
{
	int fds[2], avail = -1, n = 0;
	char buf[16], big[16];

	CHECK(pipe2(fds, O_NONBLOCK) == 0);
	for (int i = 0; i < 16; i++) {
		buf[i] = (char)('a' + i);
		n += vs_one(fds[1], buf + i, 1, i % 2 ? SPLICE_F_GIFT_ : 0) == 1;
	}
	CHECK(n == 16);
	vs_print("17th vmsplice, SPLICE_F_NONBLOCK", vs_one(fds[1], buf, 1, SPLICE_F_NONBLOCK_));
	vs_print("write to the full pipe", write(fds[1], "x", 1));
	CHECK(ioctl(fds[0], FIONREAD, &avail) == 0 && avail == 16);
	CHECK(read(fds[0], big, 16) == 16 && !memcmp(big, "abcdefghijklmnop", 16));
	vs_print("vmsplice 5", vs_one(fds[1], "hello", 5, 0));
	vs_print("write 3 after it", write(fds[1], "abc", 3));
	CHECK(read(fds[0], big, 16) == 8 && !memcmp(big, "helloabc", 8));
	close(fds[0]);
	close(fds[1]);
}

static void vs_partial(void)
{
	char *m = prog_map(NULL, 32 * PG, PROT_READ | PROT_WRITE, 0);
	char *out = prog_map(NULL, 32 * PG, PROT_READ | PROT_WRITE, 0);
	int fds[2];

	for (size_t i = 0; i < 32 * PG; i++)
		m[i] = (char)(i * 7);
	CHECK(pipe2(fds, O_NONBLOCK) == 0);
	vs_print("70000 from a page start", vs_one(fds[1], m, 70000, SPLICE_F_NONBLOCK_));
	CHECK(vs_drain(fds[0], out, 32 * PG) == 65536 && !memcmp(out, m, 65536));
	vs_print("70000 from 100 into a page", vs_one(fds[1], m + 100, 70000, SPLICE_F_NONBLOCK_));
	CHECK(vs_drain(fds[0], out, 32 * PG) == 65436 && !memcmp(out, m + 100, 65436));
	struct iovec two[3] = {{m + PG - 10, 20}, {m, 0}, {m + 5 * PG, 3 * PG}};
	vs_print("iovecs 20 + 0 + 12288", syscall(278, fds[1], two, 3UL, 0));
	CHECK(vs_drain(fds[0], out, 32 * PG) == 12308 && !memcmp(out, m + PG - 10, 20) &&
	      !memcmp(out + 20, m + 5 * PG, 3 * PG));
	close(fds[0]);
	close(fds[1]);
}

static void vs_read_side(void)
{
	int fds[2];
	char out[32] = "";
	struct iovec iov[2] = {{out, 3}, {out + 10, 10}};

	CHECK(pipe(fds) == 0);
	vs_print("read end, empty, SPLICE_F_NONBLOCK",
		 syscall(278, fds[0], iov, 2UL, SPLICE_F_NONBLOCK_));
	CHECK(write(fds[1], "0123456789", 10) == 10);
	vs_print("read end into 3 + 10", syscall(278, fds[0], iov, 2UL, 0));
	CHECK(!memcmp(out, "012", 3) && !memcmp(out + 10, "3456789", 7));
	close(fds[1]);
	vs_print("read end, no writer", syscall(278, fds[0], iov, 2UL, 0));
	close(fds[0]);
}

/*
 * Without SPLICE_F_NONBLOCK a full pipe makes vmsplice wait, even on an
 * O_NONBLOCK end (Linux clears FMODE_NOWAIT), until a reader makes room;
 * an empty read end waits for a writer's bytes.
 */
static void vs_blocking(void)
{
	int fds[2], st;
	char buf[64];
	pid_t pid;

	CHECK(pipe2(fds, O_NONBLOCK) == 0);
	for (int i = 0; i < 16; i++)
		vs_one(fds[1], "z", 1, 0);
	pid = fork();
	if (pid == 0) {
		usleep(50000);
		_exit(read(fds[0], buf, 4) == 4 ? 0 : 1);
	}
	vs_print("full pipe, O_NONBLOCK end, no SPLICE_F_NONBLOCK", vs_one(fds[1], "w", 1, 0));
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(vs_drain(fds[0], buf, sizeof(buf)) == 13 && buf[12] == 'w');
	close(fds[0]);
	close(fds[1]);
	CHECK(pipe(fds) == 0);
	pid = fork();
	if (pid == 0) {
		usleep(50000);
		_exit(write(fds[1], "late", 4) == 4 ? 0 : 1);
	}
	vs_print("empty read end waits", vs_one(fds[0], buf, sizeof(buf), 0));
	CHECK(!memcmp(buf, "late", 4));
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(fds[0]);
	close(fds[1]);
}

static void vs_errnos(void)
{
	int fds[2], fd = open("/tmp", O_TMPFILE | O_WRONLY, 0600);
	char *hole = prog_map(NULL, PG, PROT_READ, 0);
	struct iovec none = {NULL, 0};

	munmap(hole, PG);
	CHECK(pipe(fds) == 0);
	vs_print("flags 0x10", vs_one(fds[1], "x", 1, 0x10));
	vs_print("fd -1", vs_one(-1, "x", 1, 0));
	vs_print("a regular file", vs_one(fd, "x", 1, 0));
	vs_print("a regular file, no bytes", syscall(278, fd, &none, 1UL, 0));
	vs_print("/dev/null", vs_one(open("/dev/null", O_WRONLY), "x", 1, 0));
	vs_print("nr_segs 1025", syscall(278, fds[1], &none, 1025UL, 0));
	vs_print("iovec array unmapped", syscall(278, fds[1], hole, 1UL, 0));
	vs_print("bytes unmapped", vs_one(fds[1], hole, 10, 0));
	vs_print("nr_segs 0", syscall(278, fds[1], &none, 0UL, 0));
	signal(SIGPIPE, SIG_IGN);
	close(fds[0]);
	vs_print("no reader", vs_one(fds[1], "x", 1, 0));
	close(fds[1]);
	close(fd);
}

int main(void)
{
	vs_slots();
	vs_partial();
	vs_read_side();
	vs_blocking();
	vs_errnos();
	return prog_done();
}
