/*
 * PID 1 of the pinned Linux oracle's initramfs (ci/oracle.py packs it).
 *
 * Mounts proc, sysfs, devtmpfs, and a fresh tmpfs on /tmp and /dev/shm for
 * each program, and empties the default hugetlb pool before each as a fresh
 * boot has it; runs every program listed in /oracle/list ("<timeout> <name>"
 * lines; the binary is /oracle/bin/<name>) in turn, the way the bootmm image
 * does: argv = { name }, an empty environment, stdin /dev/null, no other fd
 * than 0, 1 and 2, RLIMIT_STACK 8 MiB, cwd /. It is linked as /<name> while it runs and executed by that
 * relative name, so that AT_EXECFN is "<name>" like argv[0], as in the image.
 * Its fd 1 and fd 2 are pipes, as on the host (runner.py run_on_host: a write
 * from a partly unmapped buffer ends differently on a pipe than on a file),
 * copied to files; when it ends, they and its
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
#include <poll.h>
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
#include <time.h>
#include <unistd.h>

#define ORACLE_LIST "/oracle/list"
#define ORACLE_BIN "/oracle/bin/"
#define ORACLE_CAP "/oracle/cap/"
#define ORACLE_FRAMES "/dev/ttyS1"
#define ORACLE_STACK (8UL << 20)
#define ORACLE_GRACE_MS 1000	/* reading pipes after the program ended */
#define ORACLE_MAX_FD 1024	/* the init never has more open */
#define ORACLE_RUNNING (-2)
#define ORACLE_TIMEOUT (-1)

/* One captured stream: the read end of the program's pipe (-1 at EOF) and
 * the file its bytes go to. */
struct oracle_stream {
	int rd;
	int file;
};

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

/*
 * An empty default hugetlb pool, as a fresh boot has: a program that fills
 * it (protection_keys writes 10 to /proc/sys/vm/nr_hugepages and leaves it)
 * must not change what the next one finds (cow's hugetlb cases ran in the
 * oracle only when they came after it).
 */
static void oracle_fresh_hugetlb(void)
{
	int fd = open("/proc/sys/vm/nr_hugepages", O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, "0\n", 2) != 2)
		oracle_say("empty the hugetlb pool: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
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
static void oracle_exec(const char *name, int out_wr, int err_wr)
{
	char *argv[] = { (char *)name, NULL };
	char *envp[] = { NULL };
	struct rlimit stack = { ORACLE_STACK, RLIM_INFINITY };
	sigset_t none;

	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGALRM, SIG_DFL);
	dup2(open("/dev/null", O_RDONLY | O_CLOEXEC), 0);
	dup2(out_wr, 1);
	dup2(err_wr, 2);
	for (int fd = 3; fd < ORACLE_MAX_FD; fd++) /* only 0, 1, 2, as on the host */
		close(fd);
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

static long long oracle_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* The bootmm runner's status for a wait status: exit code or 128 + signal. */
static int oracle_status(int st)
{
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

/* Kill pid and its process group, reap pid; returns ORACLE_TIMEOUT. */
static int oracle_kill(pid_t pid)
{
	int st;

	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return ORACLE_TIMEOUT;
}

/*
 * Wait for pid at most secs seconds. Returns its status, or ORACLE_TIMEOUT
 * after a timeout (it and its process group are killed and reaped).
 */
static int oracle_wait(pid_t pid, unsigned secs)
{
	int st;

	if (secs == 0)
		return oracle_kill(pid);
	oracle_alarm = 0;
	alarm(secs);
	while (waitpid(pid, &st, 0) != pid) {
		if (errno != EINTR || oracle_alarm) {
			alarm(0);
			return oracle_kill(pid);
		}
	}
	alarm(0);
	return oracle_status(st);
}

/* Move what one poll found readable from each pipe to its file; a pipe at
 * EOF is closed (rd = -1). */
static void oracle_poll(struct oracle_stream *s, int ms)
{
	struct pollfd p[2] = { { s[0].rd, POLLIN, 0 }, { s[1].rd, POLLIN, 0 } };
	char buf[4096];

	if (poll(p, 2, ms) <= 0)
		return;
	for (int i = 0; i < 2; i++) {
		ssize_t n;

		if (s[i].rd < 0 || !p[i].revents)
			continue;
		n = read(s[i].rd, buf, sizeof(buf));
		if (n > 0) {
			oracle_write_all(s[i].file, buf, (size_t)n);
		} else if (n == 0 || errno != EINTR) {
			close(s[i].rd);
			s[i].rd = -1;
		}
	}
}

/*
 * Copy the program's stdout and stderr pipes to their files until both reach
 * EOF, then wait for it, at most secs seconds in all. Returns its status or
 * ORACLE_TIMEOUT. When it ends, its process group is killed; a pipe still
 * held open by a process that escaped the group is read ORACLE_GRACE_MS more.
 */
static int oracle_capture(pid_t pid, struct oracle_stream *s, unsigned secs)
{
	long long deadline = oracle_now_ms() + 1000LL * secs, ended = 0, now;
	int status = ORACLE_RUNNING, st;

	while (s[0].rd >= 0 || s[1].rd >= 0) {
		now = oracle_now_ms();
		if (status == ORACLE_RUNNING && now >= deadline) {
			status = oracle_kill(pid);
			ended = now;
		} else if (status == ORACLE_RUNNING && waitpid(pid, &st, WNOHANG) == pid) {
			status = oracle_status(st);
			kill(-pid, SIGKILL);
			ended = now;
		} else if (status != ORACLE_RUNNING && now - ended > ORACLE_GRACE_MS) {
			break;
		}
		oracle_poll(s, 50);
	}
	for (int i = 0; i < 2; i++)
		if (s[i].rd >= 0)
			close(s[i].rd);
	if (status != ORACLE_RUNNING)
		return status;
	now = oracle_now_ms();
	return oracle_wait(pid, now >= deadline ? 0 : (unsigned)((deadline - now + 999) / 1000));
}

/* Start the program with its fd 1 and 2 on pipes; s gets the read ends and
 * the capture files. Returns its pid or -1. */
static pid_t oracle_start(const char *name, struct oracle_stream *s,
			  const char *out, const char *err)
{
	int po[2], pe[2];
	pid_t pid;

	if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0)
		return -1;
	pid = fork();
	if (pid == 0)
		oracle_exec(name, po[1], pe[1]);
	close(po[1]);
	close(pe[1]);
	s[0].rd = po[0];
	s[1].rd = pe[0];
	s[0].file = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	s[1].file = open(err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	return pid;
}

/* Run one program and frame its output and status on frames. */
static void oracle_run(int frames, const char *name, unsigned secs)
{
	char out[512], err[512], bin[512], top[512];
	struct oracle_stream s[2];
	int status = ORACLE_TIMEOUT;
	pid_t pid;

	snprintf(out, sizeof(out), ORACLE_CAP "%s.out", name);
	snprintf(err, sizeof(err), ORACLE_CAP "%s.err", name);
	snprintf(bin, sizeof(bin), ORACLE_BIN "%s", name);
	snprintf(top, sizeof(top), "/%s", name);
	if (link(bin, top) != 0)
		oracle_say("link %s %s: %s", bin, top, strerror(errno));
	oracle_fresh_tmp();
	oracle_fresh_hugetlb();
	oracle_say("start %s", name);
	pid = oracle_start(name, s, out, err);
	if (pid > 0) {
		status = oracle_capture(pid, s, secs);
		kill(-pid, SIGKILL); /* what it left running */
		close(s[0].file);
		close(s[1].file);
	}
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
