/*
 * PID 1 of the pinned Linux oracle's initramfs (ci/oracle.py packs it).
 *
 * Mounts proc, sysfs, devtmpfs, and a fresh tmpfs on /tmp and /dev/shm for
 * each program; runs every program listed in /oracle/list ("<timeout> <name>"
 * lines; the binary is /oracle/bin/<name>) in turn, the way the bootmm image
 * does: argv = { name }, an empty environment, stdin /dev/null, RLIMIT_STACK
 * 8 MiB, cwd /. It is linked as /<name> while it runs and executed by that
 * relative name, so that AT_EXECFN is "<name>" like argv[0], as in the image.
 * Its fd 1 and fd 2 go to files; when it ends, they and its
 * status (exit code, or 128 + signal) are framed on COM2 exactly as the bootmm
 * image frames them ("@@BOOTMM out|err|status <len> <name>\n" + bytes; no
 * empty frame).
 * Progress lines ("oracle: start|timeout|done ...") go to the console (COM1).
 * A program still running after its timeout is killed with its process group
 * and gets no status frame. Then the machine powers off.
 *
 * Built static (musl-gcc or gcc); no bootmm header, no harness.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define ORACLE_LIST "/oracle/list"
#define ORACLE_BIN "/oracle/bin/"
#define ORACLE_CAP "/oracle/cap/"
#define ORACLE_FRAMES "/dev/ttyS1"
#define ORACLE_STACK (8UL << 20)

static volatile sig_atomic_t oracle_alarm;

/* Console progress line (COM1). */
static void oracle_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("oracle: ", stdout);
	vfprintf(stdout, fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	va_end(ap);
}

/* Mount fs on dir (created if missing); a failure is said, not fatal. */
static void oracle_mount(const char *fs, const char *dir, const char *opts)
{
	mkdir(dir, 0755);
	if (mount(fs, dir, fs, 0, opts) != 0)
		oracle_say("mount %s on %s: %s", fs, dir, strerror(errno));
}

/* A fresh empty tmpfs on /tmp and /dev/shm, as a fresh boot would have. */
static void oracle_fresh_tmp(void)
{
	umount2("/dev/shm", MNT_DETACH);
	umount2("/tmp", MNT_DETACH);
	oracle_mount("tmpfs", "/tmp", "mode=1777");
	oracle_mount("tmpfs", "/dev/shm", "mode=1777");
}

/* Write all of buf to fd; 0 or -1. */
static int oracle_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One frame on fd: header, then the bytes of the file at path. */
static void oracle_frame_file(int fd, const char *stream, const char *name,
			      const char *path)
{
	char hdr[512], buf[4096];
	struct stat st;
	int in = open(path, O_RDONLY | O_CLOEXEC);
	off_t left;

	if (in < 0 || fstat(in, &st) != 0)
		st.st_size = 0;
	left = st.st_size;
	if (left == 0) /* like the image: no empty frames */
		goto out_close;
	snprintf(hdr, sizeof(hdr), "@@BOOTMM %s %lld %s\n", stream,
		 (long long)left, name);
	oracle_write_all(fd, hdr, strlen(hdr));
	while (left > 0) {
		size_t want = left < (off_t)sizeof(buf) ? (size_t)left : sizeof(buf);
		ssize_t n = read(in, buf, want);

		if (n <= 0) { /* the file shrank: pad so the frame stays whole */
			memset(buf, 0, want);
			n = (ssize_t)want;
		}
		oracle_write_all(fd, buf, (size_t)n);
		left -= n;
	}
out_close:
	if (in >= 0)
		close(in);
}

/* The status frame: "<status>\n" as the image writes it. */
static void oracle_frame_status(int fd, const char *name, int status)
{
	char hdr[512], val[16];

	snprintf(val, sizeof(val), "%d\n", status);
	snprintf(hdr, sizeof(hdr), "@@BOOTMM status %zu %s\n", strlen(val), name);
	oracle_write_all(fd, hdr, strlen(hdr));
	oracle_write_all(fd, val, strlen(val));
}

/* In the child: set up fds, limits, then exec the program. Never returns. */
static void oracle_exec(const char *name, const char *out, const char *err)
{
	char *argv[] = { (char *)name, NULL };
	char *envp[] = { NULL };
	struct rlimit stack = { ORACLE_STACK, RLIM_INFINITY };
	sigset_t none;
	int fd;

	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	fd = open("/dev/null", O_RDONLY);
	dup2(fd, 0);
	dup2(open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644), 1);
	dup2(open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644), 2);
	setrlimit(RLIMIT_STACK, &stack);
	if (chdir("/") != 0)
		_exit(127);
	execve(name, argv, envp);
	dprintf(2, "oracle: execve %s: %s\n", name, strerror(errno));
	_exit(127);
}

static void oracle_on_alarm(int sig)
{
	(void)sig;
	oracle_alarm = 1;
}

/*
 * Wait for pid at most secs seconds. Returns its status as the bootmm runner
 * records it (exit code, or 128 + signal), or -1 after a timeout (the process
 * group is killed and reaped).
 */
static int oracle_wait(pid_t pid, unsigned secs)
{
	int st;

	oracle_alarm = 0;
	alarm(secs);
	while (waitpid(pid, &st, 0) != pid) {
		if (errno != EINTR || oracle_alarm) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			alarm(0);
			return -1;
		}
	}
	alarm(0);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

/* Run one program and frame its output and status on frames. */
static void oracle_run(int frames, const char *name, unsigned secs)
{
	char out[512], err[512], bin[512], top[512];
	int status;
	pid_t pid;

	snprintf(out, sizeof(out), ORACLE_CAP "%s.out", name);
	snprintf(err, sizeof(err), ORACLE_CAP "%s.err", name);
	snprintf(bin, sizeof(bin), ORACLE_BIN "%s", name);
	snprintf(top, sizeof(top), "/%s", name);
	if (link(bin, top) != 0)
		oracle_say("link %s %s: %s", bin, top, strerror(errno));
	oracle_fresh_tmp();
	oracle_say("start %s", name);
	pid = fork();
	if (pid == 0)
		oracle_exec(name, out, err);
	status = pid < 0 ? -1 : oracle_wait(pid, secs);
	if (pid > 0)
		kill(-pid, SIGKILL); /* what it left running */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	oracle_frame_file(frames, "out", name, out);
	oracle_frame_file(frames, "err", name, err);
	if (status >= 0)
		oracle_frame_status(frames, name, status);
	else
		oracle_say("timeout %s %u", name, secs);
	tcdrain(frames);
	unlink(out);
	unlink(err);
	unlink(top);
}

/* The frames port, raw (no newline translation), or -1. */
static int oracle_open_frames(void)
{
	struct termios t;
	int fd = open(ORACLE_FRAMES, O_WRONLY | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
	return fd;
}

/* Run the list, then power off (never returns). */
int main(void)
{
	struct sigaction sa = { .sa_handler = oracle_on_alarm };
	char line[512];
	unsigned secs, n = 0;
	int frames;
	FILE *list;

	oracle_mount("proc", "/proc", NULL);
	oracle_mount("sysfs", "/sys", NULL);
	oracle_mount("devtmpfs", "/dev", NULL);
	mkdir(ORACLE_CAP, 0755);
	sigaction(SIGALRM, &sa, NULL);
	frames = oracle_open_frames();
	list = fopen(ORACLE_LIST, "re");
	if (frames < 0 || !list)
		oracle_say("cannot open %s: %s", frames < 0 ? ORACLE_FRAMES : ORACLE_LIST,
			   strerror(errno));
	oracle_say("ready");
	while (frames >= 0 && list && fgets(line, sizeof(line), list)) {
		char name[256];

		if (sscanf(line, "%u %255s", &secs, name) != 2)
			continue;
		oracle_run(frames, name, secs);
		n++;
	}
	oracle_say("done %u", n);
	tcdrain(1);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
