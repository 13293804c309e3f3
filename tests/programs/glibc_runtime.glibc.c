/*
 * A glibc (gcc -static) program: what its start-up asks of the kernel
 * (set_robust_list, rseq, readlink of /proc/self/exe, newfstatat) works,
 * and the calls runtimes make give Linux's results and errnos: futex,
 * poll/ppoll/select/pselect6 on fds 0..2 (stdin /dev/null, stdout and
 * stderr pipes, as the runner sets them up), sleeps that really wait, time,
 * stat of the fds, getcwd, sysinfo, getrusage, sched_getaffinity, prctl,
 * capget. Prints nothing that depends on the layout, the time or the host.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/rseq.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int failed;

/* Print "what: ERRNAME" (OK on success, or the value when `val`) for a raw syscall. */
static long show(const char *what, long rc)
{
	printf("%s: %s\n", what, rc == -1 ? strerrorname_np(errno) : "OK");
	return rc;
}

#define CHECK(cond)                                                        \
	do {                                                               \
		int ok_ = !!(cond);                                        \
		printf("%s: %s\n", #cond, ok_ ? "yes" : "NO");             \
		failed |= !ok_;                                            \
	} while (0)

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void futexes(void)
{
	static uint32_t word = 7;
	struct timespec t = { 0, 20 * 1000000 }, bad = { 0, 1000000000 };
	long t0;

	CHECK(syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == 0);
	CHECK(syscall(SYS_futex, &word, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0) == 0);
	show("futex WAIT changed value", syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 8, NULL));
	t0 = now_ms();
	show("futex WAIT 20 ms", syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 7, &t));
	CHECK(now_ms() - t0 >= 20);
	show("futex WAIT bad timeout", syscall(SYS_futex, &word, FUTEX_WAIT, 7, &bad));
	show("futex WAIT unaligned", syscall(SYS_futex, (char *)&word + 1, FUTEX_WAIT, 7, &t));
	show("futex WAIT NULL", syscall(SYS_futex, NULL, FUTEX_WAIT, 7, &t));
	show("futex WAKE kernel address",
	     syscall(SYS_futex, (uint32_t *)0xffff800000000000UL, FUTEX_WAKE, 1));
	show("futex WAIT_BITSET 0", syscall(SYS_futex, &word, FUTEX_WAIT_BITSET, 7, &t, NULL, 0));
	show("futex CMP_REQUEUE differs",
	     syscall(SYS_futex, &word, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &word, 8));
	show("futex op 99", syscall(SYS_futex, &word, 99, 0));
	show("futex WAKE|CLOCK_REALTIME", syscall(SYS_futex, &word, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1));
}

static void polls(void)
{
	struct pollfd f[4] = { { 0, POLLIN | POLLOUT | POLLPRI, 0 }, { 1, POLLIN | POLLOUT, 0 },
			       { 2, 0, 0 }, { 9, POLLIN, 0 } };
	struct pollfd out_only = { 1, POLLIN, 0 };
	struct timespec ts = { 0, 15 * 1000000 }, bad = { -1, 0 };
	fd_set r, w, e;
	struct timeval tv = { 0, 0 };
	long t0;
	int n = poll(f, 4, 0);

	printf("poll: %d revents %#x %#x %#x %#x\n", n, f[0].revents, f[1].revents,
	       f[2].revents, f[3].revents);
	t0 = now_ms();
	n = poll(&out_only, 1, 30);
	printf("poll nothing ready 30 ms: %d revents %#x\n", n, out_only.revents);
	CHECK(now_ms() - t0 >= 30);
	t0 = now_ms();
	printf("ppoll nothing ready 15 ms: %d\n", ppoll(&out_only, 1, &ts, NULL));
	CHECK(now_ms() - t0 >= 15);
	show("ppoll bad timespec", syscall(SYS_ppoll, f, 1, &bad, NULL, 8));
	show("ppoll bad sigset size", syscall(SYS_ppoll, f, 1, NULL, &r, 4));
	show("poll bad array", syscall(SYS_poll, 8, 1, 0));
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	for (int fd = 0; fd < 3; fd++)
		FD_SET(fd, &r), FD_SET(fd, &w), FD_SET(fd, &e);
	n = select(3, &r, &w, &e, &tv);
	printf("select: %d read %d%d%d write %d%d%d except %d%d%d\n", n, FD_ISSET(0, &r), FD_ISSET(1, &r), FD_ISSET(2, &r),
	       FD_ISSET(0, &w), FD_ISSET(1, &w), FD_ISSET(2, &w), FD_ISSET(0, &e),
	       FD_ISSET(1, &e), FD_ISSET(2, &e));
	FD_ZERO(&r);
	FD_SET(5, &r);
	show("select closed fd", select(6, &r, NULL, NULL, &tv));
	show("select nfds -1", select(-1, NULL, NULL, NULL, &tv));
	FD_ZERO(&r);
	FD_SET(1, &r);
	ts.tv_nsec = 10 * 1000000;
	t0 = now_ms();
	printf("pselect nothing ready 10 ms: %d\n", pselect(2, &r, NULL, NULL, &ts, NULL));
	CHECK(now_ms() - t0 >= 10);
}

static volatile int usr1_seen;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_seen++;
}

/* ppoll/pselect6 with a signal mask: in force during the call only. */
static void masked_waits(void)
{
	struct pollfd idle = { 1, POLLIN, 0 }, ready = { 1, POLLOUT, 0 };
	struct timespec ts = { 2, 0 };
	sigset_t usr1, empty, now;
	fd_set r;
	int n;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigemptyset(&empty);
	signal(SIGUSR1, on_usr1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	raise(SIGUSR1);
	n = ppoll(&ready, 1, &ts, &empty);
	sigprocmask(SIG_BLOCK, NULL, &now);
	printf("ppoll ready, mask opens SIGUSR1: %d, handler ran %d, blocked again %d\n", n,
	       usr1_seen, sigismember(&now, SIGUSR1));
	n = ppoll(&idle, 1, &ts, &empty);
	printf("ppoll idle, mask opens SIGUSR1: %d %s, handler ran %d\n", n,
	       strerrorname_np(errno), usr1_seen);
	sigprocmask(SIG_BLOCK, NULL, &now);
	printf("after the handler SIGUSR1 blocked again: %d\n", sigismember(&now, SIGUSR1));
	raise(SIGUSR1);
	FD_ZERO(&r);
	FD_SET(1, &r);
	ts.tv_sec = 0;
	n = pselect(2, &r, NULL, NULL, &ts, &usr1);
	printf("pselect idle 0 s, mask keeps SIGUSR1: %d\n", n);
	ts.tv_sec = 2;
	n = pselect(2, &r, NULL, NULL, &ts, &empty);
	printf("pselect idle, mask opens SIGUSR1: %d %s, handler ran %d\n", n,
	       strerrorname_np(errno), usr1_seen);
	sigprocmask(SIG_UNBLOCK, &usr1, NULL);
}

static void sleeps(void)
{
	struct timespec d = { 0, 25 * 1000000 }, bad = { 0, -1 }, abs, c0, c1;
	long t0 = now_ms();

	show("nanosleep 25 ms", nanosleep(&d, NULL));
	CHECK(now_ms() - t0 >= 25);
	show("nanosleep bad", nanosleep(&bad, NULL));
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	d.tv_nsec = 50 * 1000000;
	nanosleep(&d, NULL);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	CHECK((c1.tv_sec - c0.tv_sec) * 1000000000L + c1.tv_nsec - c0.tv_nsec < 25000000L);
	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 20 * 1000000;
	if (abs.tv_nsec >= 1000000000)
		abs.tv_sec++, abs.tv_nsec -= 1000000000;
	t0 = now_ms();
	printf("clock_nanosleep ABSTIME: %d\n",
	       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL));
	CHECK(now_ms() - t0 >= 19);
	printf("clock_nanosleep in the past: %d\n",
	       clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &d, NULL));
	printf("clock_nanosleep THREAD_CPUTIME: %s\n",
	       strerrorname_np(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &d, NULL)));
	printf("clock_nanosleep MONOTONIC_RAW: %s\n",
	       strerrorname_np(clock_nanosleep(CLOCK_MONOTONIC_RAW, 0, &d, NULL)));
	printf("clock_nanosleep clock 99: %s\n",
	       strerrorname_np(clock_nanosleep(99, 0, &d, NULL)));
}

static void times_(void)
{
	struct timeval tv;
	time_t t = 0, r = time(&t);

	CHECK(r == t && r > 1600000000);
	CHECK(gettimeofday(&tv, NULL) == 0 && tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	CHECK(tv.tv_sec >= r && tv.tv_sec - r < 5);
	show("gettimeofday bad tz", syscall(SYS_gettimeofday, &tv, (void *)8));
	show("time bad pointer", syscall(SYS_time, (void *)8));
}

static void stats(void)
{
	struct stat st;
	struct statx sx;

	for (int fd = 0; fd < 3; fd++) {
		CHECK(fstat(fd, &st) == 0);
		printf("fd %d: mode %o rdev %u:%u nlink %ld size %ld blksize %ld uid %u\n", fd,
		       st.st_mode, major(st.st_rdev), minor(st.st_rdev), (long)st.st_nlink,
		       (long)st.st_size, (long)st.st_blksize, st.st_uid);
		CHECK(fstatat(fd, "", &st, AT_EMPTY_PATH) == 0);
		CHECK(statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx) == 0);
		printf("statx %d: mode %o rdev %u:%u basic %d\n", fd, sx.stx_mode, sx.stx_rdev_major,
		       sx.stx_rdev_minor, (sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS);
	}
	show("fstat 7", fstat(7, &st));
	show("fstatat 1 empty without AT_EMPTY_PATH", fstatat(1, "", &st, 0));
	show("statx bad flags", statx(1, "x", 0x40000000, STATX_BASIC_STATS, &sx));
	show("statx reserved mask", statx(1, "", AT_EMPTY_PATH, 0x80000000u, &sx));
	show("fstat bad buffer", fstat(1, (struct stat *)8));
}

/* rseq: glibc registered its area at start-up; the kernel's rules around it. */
static void rseqs(void)
{
	static struct rseq own __attribute__((aligned(32)));
	struct rseq *glibc_area = (struct rseq *)((char *)__builtin_thread_pointer() + __rseq_offset);
	const unsigned sig = RSEQ_SIG;

	CHECK(__rseq_size >= 20);
	CHECK((int)glibc_area->cpu_id >= 0);
	show("rseq again, same area", syscall(SYS_rseq, glibc_area, 32, 0, sig));
	show("rseq again, other signature", syscall(SYS_rseq, glibc_area, 32, 0, sig + 1));
	show("rseq other area", syscall(SYS_rseq, &own, 32, 0, sig));
	show("rseq unknown flag", syscall(SYS_rseq, glibc_area, 32, 2, sig));
	show("unregister other signature", syscall(SYS_rseq, glibc_area, 32, RSEQ_FLAG_UNREGISTER, sig + 1));
	show("unregister other length", syscall(SYS_rseq, glibc_area, 64, RSEQ_FLAG_UNREGISTER, sig));
	show("unregister", syscall(SYS_rseq, glibc_area, 32, RSEQ_FLAG_UNREGISTER, sig));
	printf("cpu_id after unregistering: %d\n", (int)glibc_area->cpu_id);
	show("unregister again", syscall(SYS_rseq, glibc_area, 32, RSEQ_FLAG_UNREGISTER, sig));
	show("rseq misaligned", syscall(SYS_rseq, (char *)&own + 8, 32, 0, sig));
	show("rseq short", syscall(SYS_rseq, &own, 16, 0, sig));
	show("rseq kernel address", syscall(SYS_rseq, 0xffff800000000000UL, 32, 0, sig));
	own.cpu_id = RSEQ_CPU_ID_UNINITIALIZED;
	show("rseq own area", syscall(SYS_rseq, &own, 32, 0, sig));
	CHECK((int)own.cpu_id >= 0 && own.cpu_id_start == own.cpu_id);
}

static void misc(void)
{
	char buf[256], name[16];
	struct sysinfo si;
	struct rusage ru;
	cpu_set_t set;
	struct __user_cap_header_struct h = { 0x12345678, 0 };
	struct __user_cap_data_struct d[2];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	const char *base;

	buf[n > 0 ? n : 0] = 0;
	base = strrchr(buf, '/');
	printf("readlink /proc/self/exe: absolute %d name %s\n", buf[0] == '/',
	       base ? base + 1 : "?");
	printf("readlink short buffer: %zd\n", readlink("/proc/self/exe", buf, 3));
	show("readlink size 0", readlink("/proc/self/exe", buf, 0));
	CHECK(getcwd(buf, sizeof(buf)) != NULL && buf[0] == '/');
	show("getcwd size 1", syscall(SYS_getcwd, buf, 1));
	CHECK(sysinfo(&si) == 0 && si.totalram > 0 && si.freeram <= si.totalram &&
	      si.mem_unit == 1 && si.procs >= 1);
	CHECK(getrusage(RUSAGE_SELF, &ru) == 0 && ru.ru_maxrss > 0);
	show("getrusage who 5", getrusage(5, &ru));
	CHECK(sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) >= 1);
	show("sched_getaffinity len 4", syscall(SYS_sched_getaffinity, 0, 4, &set));
	show("prctl PR_SET_NAME", prctl(PR_SET_NAME, "renamed-by-prctl-long"));
	prctl(PR_GET_NAME, name);
	printf("prctl PR_GET_NAME: %s\n", name);
	show("prctl 12345", prctl(12345, 0));
	show("capget unknown version", syscall(SYS_capget, &h, d));
	printf("capget wrote version %#x\n", h.version);
	h.pid = 0;
	CHECK(syscall(SYS_capget, &h, d) == 0);
	CHECK(d[0].effective & (1u << CAP_SYS_ADMIN));
	CHECK(d[0].inheritable == 0);
	show("set_robust_list len 1", syscall(SYS_set_robust_list, buf, 1));
}

int main(void)
{
	printf("hello from glibc\n");
	futexes();
	polls();
	masked_waits();
	sleeps();
	times_();
	stats();
	rseqs();
	misc();
	fflush(stdout);
	return failed;
}
