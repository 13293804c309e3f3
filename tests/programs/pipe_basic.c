/*
 * Pipes in one process: bytes through and back, the 64 KiB ring (a
 * non-blocking writer gets EAGAIN after exactly 65536 bytes; Linux's page
 * slots: a write after one byte takes 61440), PIPE_BUF atomicity, packet
 * mode (O_DIRECT), end of file, EPIPE with SIGPIPE, poll and select
 * readiness (POLLHUP, POLLERR), fstat, lseek, pipe2 flags, F_GETPIPE_SZ /
 * F_SETPIPE_SZ, FIONREAD, readv/writev.
 */
#include "pipes.h"
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/uio.h>

static char buf[140000], big[70000];

/* Write chunks of `chunk` bytes until EAGAIN; the total. */
static long fill(int fd, size_t chunk)
{
	long total = 0, n;

	while ((n = write(fd, big, chunk)) > 0)
		total += n;
	printf("fill stops with: %s\n", pipes_errname(errno));
	return total;
}

static void through(void)
{
	int p[2];
	struct stat st;

	PV("pipe", pipe(p));
	PV("write hello", write(p[1], "hello", 5));
	PV("read", read(p[0], buf, sizeof(buf)));
	printf("got: %.5s\n", buf);
	PV("F_GETFL read end", fcntl(p[0], F_GETFL));
	PV("F_GETFL write end", fcntl(p[1], F_GETFL));
	PV("F_GETFD", fcntl(p[0], F_GETFD));
	PV("fstat", fstat(p[0], &st));
	printf("mode %o nlink %ld size %ld blksize %ld\n", st.st_mode, (long)st.st_nlink,
	       (long)st.st_size, (long)st.st_blksize);
	PV("lseek", lseek(p[0], 0, SEEK_CUR));
	PV("pread", pread(p[0], buf, 1, 0));
	PV("pwrite", pwrite(p[1], buf, 1, 0));
	PV("write on read end", write(p[0], "x", 1));
	PV("read on write end", read(p[1], buf, 1));
	PV("zero read", read(p[0], buf, 0));
	PV("zero write", write(p[1], buf, 0));
	PV("ftruncate", ftruncate(p[1], 0));
	PV("ioctl TCGETS", ioctl(p[0], TCGETS, buf));
	close(p[0]);
	close(p[1]);
}

static void capacity(void)
{
	int p[2], n = -1;
	long got = 0, k;

	PV("pipe2 nonblock", pipe2(p, O_NONBLOCK));
	PV("F_GETFL", fcntl(p[1], F_GETFL));
	PV("F_GETPIPE_SZ", fcntl(p[0], F_GETPIPE_SZ));
	PV("fill by 4096", fill(p[1], 4096));
	PV("write 1 more", write(p[1], "x", 1));
	PV("FIONREAD", ioctl(p[0], FIONREAD, &n));
	printf("FIONREAD says %d\n", n);
	pipes_poll("poll write end full", p[1], POLLOUT);
	pipes_poll("poll read end full", p[0], POLLIN);
	while ((k = read(p[0], buf, 1000)) > 0)
		got += k;
	printf("read back %ld then %s\n", got, pipes_errname(errno));
	PV("write 1", write(p[1], "x", 1));
	PV("then 65536 at once", write(p[1], big, 65536));
	while (read(p[0], buf, sizeof(buf)) > 0)
		;
	PV("fill by 1000", fill(p[1], 1000));
	while (read(p[0], buf, sizeof(buf)) > 0)
		;
	PV("fill by 5000", fill(p[1], 5000));
	close(p[0]);
	close(p[1]);
}

/* Writes of at most PIPE_BUF go in whole or not at all. */
static void atomic(void)
{
	int p[2];

	PV("pipe2", pipe2(p, O_NONBLOCK));
	PV("write 4000", write(p[1], big, 4000));
	PV("then 100 (merged)", write(p[1], big, 100));
	PV("fill by 4096", fill(p[1], 4096));
	PV("write 4096 when full", write(p[1], big, 4096));
	PV("write 10 when last slot full", write(p[1], big, 10));
	PV("read 4100", read(p[0], buf, 4100));
	PV("write 5000 (split)", write(p[1], big, 5000));
	PV("read 8192", read(p[0], buf, 8192));
	PV("write 4096", write(p[1], big, 4096));
	PV("write 4097", write(p[1], big, 4097));
	close(p[0]);
	close(p[1]);
}

static void packets(void)
{
	int p[2];

	PV("pipe2 O_DIRECT", pipe2(p, O_DIRECT | O_NONBLOCK));
	PV("F_GETFL read end", fcntl(p[0], F_GETFL));
	PV("F_GETFL write end", fcntl(p[1], F_GETFL));
	PV("write abc", write(p[1], "abc", 3));
	PV("write defgh", write(p[1], "defgh", 5));
	PV("read 100", read(p[0], buf, 100));
	PV("read 2", read(p[0], buf, 2));
	printf("got: %.2s\n", buf);
	PV("read 100 after a cut packet", read(p[0], buf, 100));
	PV("write 6000", write(p[1], big, 6000));
	PV("read 100000", read(p[0], buf, 100000));
	PV("read 100000", read(p[0], buf, 100000));
	close(p[0]);
	close(p[1]);
}

static void ends(void)
{
	int p[2];
	fd_set r, w;
	struct timeval tv = { 0, 0 };

	PV("pipe", pipe(p));
	pipes_poll("poll empty read end", p[0], POLLIN);
	pipes_poll("poll write end", p[1], POLLOUT);
	PV("poll 20 ms on empty", poll(&(struct pollfd){ p[0], POLLIN, 0 }, 1, 20));
	PV("write 3", write(p[1], "eof", 3));
	pipes_poll("poll read end with data", p[0], POLLIN);
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	PV("select", select(p[1] + 1, &r, &w, NULL, &tv));
	printf("select read %d write %d\n", FD_ISSET(p[0], &r), FD_ISSET(p[1], &w));
	PV("close writer", close(p[1]));
	pipes_poll("poll read end, data, no writer", p[0], POLLIN);
	PV("read", read(p[0], buf, 100));
	PV("read at eof", read(p[0], buf, 100));
	pipes_poll("poll read end, no writer", p[0], POLLIN);
	PV("blocking read at eof", read(p[0], buf, 100));
	close(p[0]);

	PV("pipe", pipe(p));
	PV("close reader", close(p[0]));
	pipes_poll("poll write end, no reader", p[1], POLLOUT);
	pipes_catch_sigpipe();
	PV("write to no reader", write(p[1], "x", 1));
	printf("SIGPIPE caught %d times, si_code %d\n", pipes_sigpipes, pipes_sigpipe_code);
	PV("writev to no reader", writev(p[1], &(struct iovec){ "ab", 2 }, 1));
	printf("SIGPIPE caught %d times\n", pipes_sigpipes);
	PV("zero write to no reader", write(p[1], "x", 0));
	printf("SIGPIPE caught %d times\n", pipes_sigpipes);
	signal(SIGPIPE, SIG_IGN);
	PV("write with SIGPIPE ignored", write(p[1], "x", 1));
	close(p[1]);
}

static void flags(void)
{
	int p[2];

	PV("pipe2 bad flags", pipe2(p, 0x1234));
	PV("pipe2 O_RDWR", pipe2(p, O_RDWR));
	PV("pipe2 O_NOTIFICATION_PIPE", pipe2(p, O_EXCL));
	PV("pipe bad pointer", syscall(SYS_pipe, (void *)8));
	PV("pipe2 O_CLOEXEC", pipe2(p, O_CLOEXEC));
	PV("F_GETFD", fcntl(p[0], F_GETFD));
	PV("F_GETFD", fcntl(p[1], F_GETFD));
	PV("F_SETFL O_NONBLOCK", fcntl(p[0], F_SETFL, O_NONBLOCK));
	PV("read empty now", read(p[0], buf, 1));
	PV("F_SETPIPE_SZ 100", fcntl(p[1], F_SETPIPE_SZ, 100));
	PV("F_GETPIPE_SZ", fcntl(p[0], F_GETPIPE_SZ));
	PV("F_SETFL O_NONBLOCK", fcntl(p[1], F_SETFL, O_NONBLOCK));
	PV("fill by 1000", fill(p[1], 1000));
	PV("F_SETPIPE_SZ below data", fcntl(p[1], F_SETPIPE_SZ, 0));
	PV("F_SETPIPE_SZ 100000", fcntl(p[1], F_SETPIPE_SZ, 100000));
	PV("fill by 4096", fill(p[1], 4096));
	PV("F_GETPIPE_SZ on a file", fcntl(0, F_GETPIPE_SZ));
	close(p[0]);
	close(p[1]);
}

static void vectors(void)
{
	int p[2];
	char a[4] = {0}, b[8] = {0};
	struct iovec out[2] = { { "one", 3 }, { "two-three", 9 } };
	struct iovec in[2] = { { a, 3 }, { b, 8 } };

	PV("pipe", pipe(p));
	PV("writev", writev(p[1], out, 2));
	PV("readv", readv(p[0], in, 2));
	printf("got: %s %.8s\n", a, b);
	PV("read rest", read(p[0], buf, 10));
	PV("writev bad iovec", writev(p[1], (struct iovec[]){ { "x", 1 }, { (void *)8, 1 } }, 2));
	PV("write bad buffer", write(p[1], (void *)8, 1));
	PV("write z", write(p[1], "z", 1));
	PV("read bad buffer", read(p[0], (void *)8, 1));
	PV("read", read(p[0], buf, 10));
	printf("got: %c\n", buf[0]);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	through();
	capacity();
	atomic();
	packets();
	ends();
	flags();
	vectors();
	return prog_failed;
}
