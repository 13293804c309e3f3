/*
 * AF_UNIX socket pairs in one process: SOCK_STREAM (bytes, no boundaries),
 * SOCK_SEQPACKET (message boundaries, truncation, empty messages) and
 * SOCK_DGRAM (the same without end of file; ECONNREFUSED, ENOTCONN),
 * read/write, send/recv, sendto/recvfrom, sendmsg/recvmsg, MSG_PEEK,
 * MSG_TRUNC, MSG_DONTWAIT, flow control (EAGAIN, poll not writable),
 * shutdown and close (EOF, EPIPE, SIGPIPE for streams only, MSG_NOSIGNAL),
 * poll masks, fstat, lseek, and the errnos of other domains and types.
 */
#include "pipes.h"
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

static char buf[300000];

static void errnos(void)
{
	int s[2];

	PV("AF_INET", socketpair(AF_INET, SOCK_STREAM, 0, s));
	PV("AF_INET6", socketpair(AF_INET6, SOCK_STREAM, 0, s));
	PV("family 99", socketpair(99, SOCK_STREAM, 0, s));
	PV("family -1", socketpair(-1, SOCK_STREAM, 0, s));
	PV("protocol 2", socketpair(AF_UNIX, SOCK_STREAM, 2, s));
	PV("type 99", socketpair(AF_UNIX, 99, 0, s));
	PV("type 12", socketpair(AF_UNIX, 12, 0, s));
	PV("type SOCK_RDM", socketpair(AF_UNIX, SOCK_RDM, 0, s));
	PV("flag 0x1000", socketpair(AF_UNIX, SOCK_STREAM | 0x1000, 0, s));
	PV("bad pointer", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (int *)8));
	PV("protocol PF_UNIX", socketpair(AF_UNIX, SOCK_STREAM, PF_UNIX, s));
	close(s[0]);
	close(s[1]);
	PV("shutdown bad how", shutdown(0, 7));
	PV("shutdown on a file", shutdown(0, SHUT_RD));
	PV("shutdown bad fd", shutdown(99, SHUT_RD));
	PV("send on a file", send(0, "x", 1, 0));
	PV("recv bad fd", recv(99, buf, 1, 0));
}

static void basics(int type, const char *name)
{
	int s[2];
	struct stat st;

	printf("== %s\n", name);
	PV("socketpair", socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, s));
	PV("F_GETFL", fcntl(s[0], F_GETFL));
	PV("F_GETFD", fcntl(s[1], F_GETFD));
	PV("fstat", fstat(s[0], &st));
	printf("mode %o nlink %ld size %ld blksize %ld\n", st.st_mode, (long)st.st_nlink,
	       (long)st.st_size, (long)st.st_blksize);
	PV("lseek", lseek(s[0], 0, SEEK_CUR));
	PV("pread", pread(s[0], buf, 1, 0));
	pipes_poll("poll fresh", s[0], POLLIN | POLLOUT);
	PV("write hello", write(s[0], "hello", 5));
	PV("write world!", write(s[0], "world!", 6));
	PV("write empty", write(s[0], "", 0));
	pipes_poll("poll peer", s[1], POLLIN | POLLOUT);
	PV("FIONREAD", ioctl(s[1], FIONREAD, &(int){ 0 }));
	PV("recv 3 peek", recv(s[1], buf, 3, MSG_PEEK));
	printf("got: %.3s\n", buf);
	PV("read 3", read(s[1], buf, 3));
	printf("got: %.3s\n", buf);
	PV("read 100", read(s[1], buf, 100));
	printf("got: %.6s\n", buf);
	PV("recv dontwait", recv(s[1], buf, 100, MSG_DONTWAIT));
	PV("recv dontwait again", recv(s[1], buf, 100, MSG_DONTWAIT));
	PV("send back", send(s[1], "back", 4, 0));
	PV("recv", recv(s[0], buf, 100, 0));
	printf("got: %.4s\n", buf);
	close(s[0]);
	close(s[1]);
}

static void seqpacket_more(void)
{
	int s[2];
	char a[4] = {0}, b[4] = {0};
	struct iovec iov[2] = { { a, 3 }, { b, 3 } };
	struct msghdr m;

	printf("== seqpacket messages\n");
	PV("socketpair", socketpair(AF_UNIX, SOCK_SEQPACKET, 0, s));
	PV("send long", send(s[0], "0123456789", 10, 0));
	PV("recv 4 MSG_TRUNC", recv(s[1], buf, 4, MSG_TRUNC));
	PV("send long", send(s[0], "0123456789", 10, 0));
	memset(&m, 0, sizeof(m));
	m.msg_iov = iov;
	m.msg_iovlen = 2;
	m.msg_controllen = 0;
	PV("recvmsg 6 of 10", recvmsg(s[1], &m, 0));
	printf("got: %s %s flags %s\n", a, b, m.msg_flags & MSG_TRUNC ? "MSG_TRUNC" : "none");
	PV("sendmsg two iovecs", sendmsg(s[0], &(struct msghdr){ .msg_iov = (struct iovec[]){
		{ "ab", 2 }, { "cd", 2 } }, .msg_iovlen = 2 }, 0));
	memset(&m, 0, sizeof(m));
	m.msg_iov = iov;
	m.msg_iovlen = 2;
	PV("recvmsg", recvmsg(s[1], &m, 0));
	printf("got: %.3s %.1s flags %d\n", a, b, m.msg_flags);
	PV("send too big", send(s[0], buf, 212961, MSG_DONTWAIT));
	PV("send largest", send(s[0], buf, 212960, MSG_DONTWAIT));
	PV("send when full", send(s[0], "x", 1, MSG_DONTWAIT));
	pipes_poll("poll full sender", s[0], POLLOUT);
	PV("recv largest", recv(s[1], buf, sizeof(buf), 0));
	pipes_poll("poll sender after", s[0], POLLOUT);
	PV("sendto with an address", sendto(s[0], "x", 1, 0, (void *)buf, 16));
	PV("recv", recv(s[1], buf, 10, 0));
	PV("shutdown SHUT_WR", shutdown(s[0], SHUT_WR));
	pipes_poll("poll after SHUT_WR", s[0], POLLIN | POLLOUT | POLLRDHUP);
	pipes_poll("poll peer", s[1], POLLIN | POLLOUT | POLLRDHUP);
	pipes_catch_sigpipe();
	PV("send after SHUT_WR", send(s[0], "x", 1, 0));
	printf("SIGPIPE caught %d times\n", pipes_sigpipes);
	PV("peer reads eof", recv(s[1], buf, 10, 0));
	close(s[1]);
	pipes_poll("poll after peer closed", s[0], POLLIN | POLLOUT | POLLRDHUP);
	PV("read after peer closed", read(s[0], buf, 10));
	PV("write after peer closed", write(s[0], "x", 1));
	printf("SIGPIPE caught %d times\n", pipes_sigpipes);
	close(s[0]);
}

static void stream_more(void)
{
	int s[2], n = 0;
	long total = 0, k;
	socklen_t alen = 77;

	printf("== stream flow and shutdown\n");
	PV("socketpair nonblock", socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, s));
	PV("F_GETFL", fcntl(s[0], F_GETFL));
	PV("read empty", read(s[0], buf, 10));
	while ((k = write(s[0], buf, 100000)) > 0)
		total += k;
	printf("filled until %s: %s\n", pipes_errname(errno), total > 65536 ? "yes" : "no");
	pipes_poll("poll full sender", s[0], POLLOUT);
	pipes_poll("poll receiver", s[1], POLLIN | POLLOUT);
	PV("FIONREAD", ioctl(s[1], FIONREAD, &n));
	printf("FIONREAD equals the bytes sent: %s\n", n == total ? "yes" : "no");
	for (k = 0; (n = (int)read(s[1], buf, sizeof(buf))) > 0;)
		k += n;
	printf("read back the bytes sent: %s\n", k == total ? "yes" : "no");
	pipes_poll("poll sender drained", s[0], POLLOUT);
	PV("sendto with an address", sendto(s[0], "x", 1, 0, (void *)buf, 16));
	PV("send", send(s[0], "xyz", 3, 0));
	PV("recvfrom with an address", recvfrom(s[1], buf, 10, 0, (void *)(buf + 100), &alen));
	printf("address length %d\n", (int)alen);
	PV("send abc", send(s[0], "abc", 3, 0));
	PV("send def", send(s[0], "def", 3, 0));
	PV("recv 100 joins them", recv(s[1], buf, 100, 0));
	printf("got: %.6s\n", buf);
	PV("shutdown SHUT_WR", shutdown(s[0], SHUT_WR));
	pipes_poll("poll after SHUT_WR", s[0], POLLIN | POLLOUT | POLLRDHUP);
	pipes_poll("poll peer", s[1], POLLIN | POLLOUT | POLLRDHUP);
	pipes_catch_sigpipe();
	PV("write after SHUT_WR", write(s[0], "x", 1));
	printf("SIGPIPE caught %d times, si_code %d\n", pipes_sigpipes, pipes_sigpipe_code);
	PV("send MSG_NOSIGNAL", send(s[0], "x", 1, MSG_NOSIGNAL));
	printf("SIGPIPE caught %d times\n", pipes_sigpipes);
	PV("zero write after SHUT_WR", write(s[0], "x", 0));
	printf("SIGPIPE caught %d times\n", pipes_sigpipes);
	PV("peer reads eof", read(s[1], buf, 10));
	PV("peer writes", write(s[1], "up", 2));
	PV("shutdown SHUT_RD", shutdown(s[0], SHUT_RD));
	pipes_poll("poll after SHUT_RD too", s[0], POLLIN | POLLOUT | POLLRDHUP);
	PV("read queued data", read(s[0], buf, 10));
	PV("read after", read(s[0], buf, 10));
	PV("peer writes now", write(s[1], "x", 1));
	printf("SIGPIPE caught %d times\n", pipes_sigpipes);
	close(s[0]);
	close(s[1]);

	PV("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, s));
	PV("write", write(s[1], "left", 4));
	close(s[1]);
	pipes_poll("poll after peer closed", s[0], POLLIN | POLLOUT | POLLRDHUP);
	PV("read what it left", read(s[0], buf, 10));
	PV("read eof", read(s[0], buf, 10));
	PV("write", write(s[0], "x", 1));
	printf("SIGPIPE caught %d times\n", pipes_sigpipes);
	PV("writev", writev(s[0], &(struct iovec){ "ab", 2 }, 1));
	close(s[0]);
}

static void dgram_more(void)
{
	int s[2];
	struct sockaddr_un sun = { AF_UNIX, "" };

	printf("== dgram\n");
	PV("socketpair", socketpair(AF_UNIX, SOCK_DGRAM, 0, s));
	PV("send too big", send(s[0], buf, 212961, 0));
	PV("send largest", send(s[0], buf, 212960, MSG_DONTWAIT));
	PV("send when full", send(s[0], "x", 1, MSG_DONTWAIT));
	pipes_poll("poll full sender", s[0], POLLIN | POLLOUT);
	pipes_poll("poll receiver", s[1], POLLIN | POLLOUT);
	PV("recv 10 MSG_TRUNC", recv(s[1], buf, 10, MSG_TRUNC));
	PV("sendto a bad family", sendto(s[0], "x", 1, 0, (void *)&(struct sockaddr_un){ 99, "x" },
					 sizeof(sun)));
	PV("sendto a short address", sendto(s[0], "x", 1, 0, (void *)&sun, 2));
	strcpy(sun.sun_path, "/tmp/bootmm_no_such_socket");
	PV("sendto a missing path", sendto(s[0], "x", 1, 0, (void *)&sun, sizeof(sun)));
	sun.sun_path[0] = 0;
	PV("sendto an unbound abstract name", sendto(s[0], "x", 1, 0, (void *)&sun, sizeof(sun)));
	pipes_catch_sigpipe();
	PV("shutdown SHUT_WR", shutdown(s[0], SHUT_WR));
	pipes_poll("poll after SHUT_WR", s[0], POLLIN | POLLOUT | POLLRDHUP);
	pipes_poll("poll peer (not mirrored)", s[1], POLLIN | POLLOUT | POLLRDHUP);
	PV("send after SHUT_WR", send(s[0], "x", 1, 0));
	PV("peer sends", send(s[1], "y", 1, 0));
	PV("recv it", recv(s[0], buf, 10, MSG_DONTWAIT));
	PV("shutdown SHUT_RD", shutdown(s[0], SHUT_RD));
	pipes_poll("poll after SHUT_RD", s[0], POLLIN | POLLOUT | POLLRDHUP);
	PV("peer sends", send(s[1], "y", 1, 0));
	PV("recv dontwait", recv(s[0], buf, 10, MSG_DONTWAIT));
	PV("blocking recv", recv(s[0], buf, 10, 0));
	printf("SIGPIPE caught %d times\n", pipes_sigpipes);
	close(s[0]);
	close(s[1]);

	PV("socketpair SOCK_RAW", socketpair(AF_UNIX, SOCK_RAW | SOCK_NONBLOCK, 0, s));
	PV("send", send(s[1], "q", 1, 0));
	close(s[1]);
	pipes_poll("poll after peer closed", s[0], POLLIN | POLLOUT | POLLRDHUP);
	PV("send to the closed peer", send(s[0], "x", 1, 0));
	PV("send again", send(s[0], "x", 1, 0));
	PV("recv what it sent (dropped)", recv(s[0], buf, 10, 0));
	pipes_poll("poll disconnected", s[0], POLLIN | POLLOUT | POLLRDHUP);
	close(s[0]);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	errnos();
	basics(SOCK_STREAM, "stream");
	basics(SOCK_SEQPACKET, "seqpacket");
	basics(SOCK_DGRAM, "dgram");
	seqpacket_more();
	stream_more();
	dgram_more();
	return prog_failed;
}
