/* Fds across fork and exec: inherited with a shared offset, O_CLOEXEC closed by execve and kept without it, execveat (path, and AT_EMPTY_PATH on an fd), a #! script whose interpreter is this program, socketpair (stream and seqpacket) between parent and child. */
#include "proc.h"
#include <sys/socket.h>
#include <sys/stat.h>

extern char **environ;

/* exec-mode: report on fds 5 (was O_CLOEXEC) and 6 (was not), exit 12. */
static int fd_mode(void)
{
	errno = 0;
	int r5 = fcntl(5, F_GETFD), e5 = errno;
	int r6 = fcntl(6, F_GETFD);

	printf("exec'd: the O_CLOEXEC fd: %s\n", r5 == -1 ? proc_errname(e5) : "open");
	printf("exec'd: the other fd: %s, FD_CLOEXEC %s\n", r6 >= 0 ? "open" : "closed",
	       r6 > 0 ? "set" : "clear");
	return 12;
}

/* script-mode: run as the interpreter of a #! script; argv says so. */
static int script_mode(int argc, char **argv)
{
	printf("interpreter: argc %d, argv[1] %s, argv[2] is the script: %s\n", argc, argv[1],
	       argc > 2 && strncmp(argv[2], "/tmp/fds_exec.", 14) == 0 ? "yes" : "no");
	return 13;
}

/* A child reads from an inherited fd: the offset is shared with the parent. */
static void shared_offset(void)
{
	char name[64], buf[4] = { 0 };
	int fd;
	pid_t pid;

	snprintf(name, sizeof(name), "/tmp/fds_exec.%d", (int)getpid());
	fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write(fd, "abcdef", 6) == 6 && lseek(fd, 0, SEEK_SET) == 0);
	pid = proc_fork();
	if (pid == 0)
		_exit(read(fd, buf, 3) == 3 && memcmp(buf, "abc", 3) == 0 ? 0 : 1);
	REPORT("the child read abc from the inherited fd", proc_status(pid) == 0);
	REPORT("the parent's offset moved to 3", lseek(fd, 0, SEEK_CUR) == 3);
	CHECK(read(fd, buf, 3) == 3 && memcmp(buf, "def", 3) == 0);
	close(fd);
	unlink(name);
}

/* Exec this program in fd-mode from a child holding fds 5 (O_CLOEXEC) and 6. */
static void cloexec(void)
{
	char *argv[] = { "fds_exec", "fd-mode", NULL }, *envp[] = { NULL };
	int fd, ok;
	pid_t pid;

	fd = open("/proc/self/exe", O_RDONLY);
	ok = fd >= 0 && dup3(fd, 5, O_CLOEXEC) == 5 && dup2(fd, 6) == 6;
	REPORT("fd 5 an O_CLOEXEC dup, fd 6 a plain one", ok);
	close(fd);
	pid = proc_fork();
	if (pid == 0) {
		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	REPORT("exec'd program exited 12", proc_status(pid) == 12);
	REPORT("both fds still open here", fcntl(5, F_GETFD) == FD_CLOEXEC && fcntl(6, F_GETFD) == 0);
	close(5);
	close(6);
}

/* execveat by path (AT_FDCWD) and on an O_PATH fd with AT_EMPTY_PATH. */
static void exec_at(void)
{
	char *argv[] = { "fds_exec", "fd-mode", NULL }, *envp[] = { NULL };
	int fd = open("/proc/self/exe", O_PATH | O_CLOEXEC);
	pid_t pid;

	CHECK(fd >= 0);
	pid = proc_fork();
	if (pid == 0) {
		syscall(SYS_execveat, AT_FDCWD, "/proc/self/exe", argv, envp, 0);
		_exit(127);
	}
	REPORT("execveat(AT_FDCWD, path): exit 12", proc_status(pid) == 12);
	pid = proc_fork();
	if (pid == 0) {
		syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
		_exit(127);
	}
	REPORT("execveat(fd, \"\", AT_EMPTY_PATH): exit 12", proc_status(pid) == 12);
	PROC_ERRNO(ENOENT, syscall(SYS_execveat, fd, "", argv, envp, 0));
	PROC_ERRNO(EINVAL, syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH | 0x40000000));
	close(fd);
}

/* A #! script naming this program (its path from /proc/self/exe) as its interpreter. */
static void shebang(void)
{
	char self[256], name[64], text[400];
	char *argv[] = { name, NULL }, *envp[] = { NULL };
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int fd;
	pid_t pid;

	CHECK(n > 0);
	self[n > 0 ? n : 0] = 0;
	snprintf(name, sizeof(name), "/tmp/fds_exec.%d.sh", (int)getpid());
	snprintf(text, sizeof(text), "#!%s script-mode\n", self);
	fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	pid = proc_fork();
	if (pid == 0) {
		execve(name, argv, envp);
		_exit(127);
	}
	REPORT("the script ran its interpreter: exit 13", proc_status(pid) == 13);
	unlink(name);
}

/* socketpair between parent and child: stream bytes both ways, seqpacket keeps boundaries. */
static void sockets(void)
{
	char buf[16];
	int sv[2] = { -1, -1 }, sq[2] = { -1, -1 };
	pid_t pid;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sq) == 0);
	pid = proc_fork();
	if (pid == 0) {
		close(sv[0]);
		close(sq[0]);
		int ok = read(sv[1], buf, 4) == 4 && memcmp(buf, "ping", 4) == 0;

		ok = ok && write(sv[1], "pong", 4) == 4;
		ok = ok && write(sq[1], "one", 3) == 3 && write(sq[1], "two!", 4) == 4;
		_exit(ok ? 0 : 1);
	}
	close(sv[1]);
	close(sq[1]);
	CHECK(write(sv[0], "ping", 4) == 4);
	REPORT("stream: the child answered pong", read(sv[0], buf, 4) == 4 && !memcmp(buf, "pong", 4));
	REPORT("seqpacket: two records of 3 and 4 bytes",
	       read(sq[0], buf, sizeof(buf)) == 3 && read(sq[0], buf, sizeof(buf)) == 4);
	CHECK(proc_status(pid) == 0);
	REPORT("EOF on both once the child is gone",
	       read(sv[0], buf, sizeof(buf)) == 0 && read(sq[0], buf, sizeof(buf)) == 0);
	close(sv[0]);
	close(sq[0]);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "fd-mode") == 0)
		return fd_mode();
	if (argc > 1 && strcmp(argv[1], "script-mode") == 0)
		return script_mode(argc, argv);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	shared_offset();
	cloexec();
	exec_at();
	shebang();
	sockets();
	return prog_done();
}
