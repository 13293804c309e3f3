/*
 * The high-water marks of /proc/self/status as Linux keeps them: VmPeak and
 * VmHWM stay at the peak when munmap, madvise(MADV_DONTNEED) and mremap give
 * memory back while VmSize and VmRSS drop; clear_refs 5 sets VmHWM to VmRSS;
 * reads of untouched anonymous memory (the zero page) count nowhere; a
 * forked child starts with its own marks (VmHWM = VmRSS, VmPeak = VmSize);
 * wait4's ru_maxrss and getrusage(RUSAGE_CHILDREN) give the VmHWM the child
 * had at its exit; getrusage(RUSAGE_SELF) is at least VmHWM. The figures
 * are printed relative to a baseline read at the start (after a clear_refs
 * 5), so the C library's own pages do not matter: VmPeak and VmSize in kB,
 * VmHWM and VmRSS in MiB rounded to the nearest, because Linux takes the
 * marks from its per-CPU resident counters, which lag by up to a batch of
 * pages per CPU (percpu_counter_read: 188 kB instead of 256 kB was seen).
 */
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "prog.h"

#define NPG 2048 /* the region: 8 MiB */
#define MIB_PAGES 256

/* Status figures in kB. */
struct hw {
	long peak, size, hwm, rss;
};

static char hw_text[8192]; /* static: its pages are touched before the baseline */
static struct hw base;

/* The kB value of status line `name` in hw_text; -1 when missing. */
static long hw_field(const char *name)
{
	const char *p = strstr(hw_text, name);

	return p ? strtol(p + strlen(name), NULL, 10) : -1;
}

/* Read /proc/self/status's four figures. */
static struct hw hw_read(void)
{
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, hw_text, sizeof(hw_text) - 1);
	struct hw h;

	if (fd >= 0)
		close(fd);
	hw_text[n > 0 ? n : 0] = '\0';
	h.peak = hw_field("\nVmPeak:");
	h.size = hw_field("\nVmSize:");
	h.hwm = hw_field("\nVmHWM:");
	h.rss = hw_field("\nVmRSS:");
	return h;
}

/* kB to MiB, rounded to the nearest. */
static long hw_mib(long kb)
{
	return (kb + (kb < 0 ? -512 : 512)) / 1024;
}

/* Print the four figures relative to the baseline: sizes to VmSize's, residents to VmRSS's. */
static void hw_print(const char *what)
{
	struct hw h = hw_read();

	printf("%s: VmPeak %+ld kB VmSize %+ld kB VmHWM %+ld MiB VmRSS %+ld MiB\n", what,
	       h.peak - base.size, h.size - base.size, hw_mib(h.hwm - base.rss),
	       hw_mib(h.rss - base.rss));
}

/* Write `what` to /proc/self/clear_refs; prints the result. */
static void hw_clear_refs(const char *what)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);
	ssize_t n = fd < 0 ? -1 : write(fd, what, strlen(what));

	printf("clear_refs %.1s: %s\n", what, n == (ssize_t)strlen(what) ? "OK" :
	       prog_errname(errno));
	if (fd >= 0)
		close(fd);
}

/* Write one byte to each of n pages from p. */
static void hw_touch(char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i * PG] = 1;
}

/* The child: touch 3 MiB, drop it, send its VmHWM through fd, exit without touching more. */
static void hw_child(char *p, int fd)
{
	struct hw h = hw_read();

	printf("child at start: VmHWM == VmRSS %s, VmPeak == VmSize %s\n",
	       h.hwm == h.rss ? "yes" : "NO", h.peak == h.size ? "yes" : "NO");
	fflush(stdout);
	hw_touch(p, 3 * MIB_PAGES);
	if (madvise(p, 3 * MIB_PAGES * PG, MADV_DONTNEED) != 0)
		_exit(2);
	h = hw_read();
	if (write(fd, &h.hwm, sizeof(h.hwm)) != sizeof(h.hwm))
		_exit(3);
	_exit(0);
}

/* fork: the child's own marks; wait4's and RUSAGE_CHILDREN's ru_maxrss are its VmHWM. */
static void hw_fork(char *p)
{
	struct rusage ru, rc;
	long child_hwm = 0;
	int fds[2], st = 0;
	pid_t c;

	CHECK(pipe(fds) == 0);
	fflush(stdout);
	c = fork();
	if (c == 0)
		hw_child(p, fds[1]);
	CHECK(read(fds[0], &child_hwm, sizeof(child_hwm)) == sizeof(child_hwm));
	CHECK(wait4(c, &st, 0, &ru) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(labs(ru.ru_maxrss - child_hwm) < 512);
	CHECK(getrusage(RUSAGE_CHILDREN, &rc) == 0 && rc.ru_maxrss == ru.ru_maxrss);
	CHECK(child_hwm - base.rss > 3 * 1024 - 512);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	struct rusage ru;
	char *p, *z;

	memset(hw_text, 0, sizeof(hw_text));
	hw_read();
	printf("start\n");
	hw_clear_refs("5");
	base = hw_read();
	CHECK(base.hwm == base.rss);
	CHECK(base.peak - base.size < NPG * 4);

	p = prog_map(NULL, NPG * PG, PROT_READ | PROT_WRITE, 0);
	CHECK(p != MAP_FAILED && madvise(p, NPG * PG, MADV_NOHUGEPAGE) == 0);
	hw_print("mmap 8 MiB");
	hw_touch(p, 4 * MIB_PAGES);
	hw_print("touch 4 MiB");
	CHECK(munmap(p + MIB_PAGES * PG, 2 * MIB_PAGES * PG) == 0);
	hw_print("munmap 2 touched MiB");
	CHECK(madvise(p, MIB_PAGES * PG, MADV_DONTNEED) == 0);
	hw_print("MADV_DONTNEED 1 MiB");
	hw_clear_refs("5");
	hw_print("after clear_refs 5");
	hw_touch(p + 4 * MIB_PAGES * PG, MIB_PAGES);
	hw_print("touch 1 MiB more");
	hw_clear_refs("1");
	hw_print("after clear_refs 1");
	CHECK(mremap(p + 3 * MIB_PAGES * PG, 5 * MIB_PAGES * PG, 3 * MIB_PAGES * PG, 0) ==
	      p + 3 * MIB_PAGES * PG);
	hw_print("mremap shrink 5 MiB to 3 MiB");
	CHECK(getrusage(RUSAGE_SELF, &ru) == 0 && ru.ru_maxrss + 512 >= hw_read().hwm);

	z = prog_map(NULL, MIB_PAGES * PG, PROT_READ, 0);
	CHECK(z != MAP_FAILED && madvise(z, MIB_PAGES * PG, MADV_NOHUGEPAGE) == 0);
	for (int i = 0; i < MIB_PAGES; i++)
		(void)*(volatile char *)(z + i * PG);
	hw_print("read 1 MiB of zero pages");
	CHECK(munmap(z, MIB_PAGES * PG) == 0);

	hw_fork(p + 3 * MIB_PAGES * PG);
	hw_print("after the child");
	CHECK(munmap(p, MIB_PAGES * PG) == 0 &&
	      munmap(p + 3 * MIB_PAGES * PG, 3 * MIB_PAGES * PG) == 0);
	hw_print("munmap the rest");
	return prog_failed;
}
