/* The small syscalls a libc uses at start-up, with Linux's answers. */
#include "prog.h"
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>

int main(void)
{
	struct utsname u;
	struct timespec a, b;
	struct rlimit rl;
	unsigned char rnd[64] = {0};
	char c;
	int any = 0;

	CHECK(uname(&u) == 0);
	printf("sysname %s machine %s\n", u.sysname, u.machine);
	CHECK(getpid() > 0 && syscall(SYS_gettid) == getpid());
	CHECK(clock_gettime(CLOCK_MONOTONIC, &a) == 0);
	CHECK(clock_gettime(CLOCK_MONOTONIC, &b) == 0);
	CHECK(b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));
	CHECK(clock_gettime(CLOCK_REALTIME, &a) == 0 && a.tv_nsec < 1000000000L);
	EXPECT_ERRNO(EINVAL, clock_gettime(12345, &a));
	CHECK(getrandom(rnd, sizeof(rnd), 0) == (ssize_t)sizeof(rnd));
	for (size_t i = 0; i < sizeof(rnd); i++)
		any |= rnd[i];
	CHECK(any != 0);
	EXPECT_ERRNO(EFAULT, syscall(SYS_getrandom, (void *)16, 8, 0));
	CHECK(getrlimit(RLIMIT_STACK, &rl) == 0);
	printf("stack limit %lu KiB\n", (unsigned long)rl.rlim_cur / 1024);
	EXPECT_ERRNO(ENOTTY, ioctl(1, TIOCGWINSZ, &u));
	CHECK(read(0, &c, 1) == 0);
	EXPECT_ERRNO(0, sched_yield());
	CHECK(getuid() == geteuid());
	return prog_done();
}
