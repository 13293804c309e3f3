/*
 * The rlimit calls beside prlimit64: the raw getrlimit(2) and setrlimit(2)
 * syscalls agree with prlimit64 for every resource, setrlimit takes effect
 * (RLIMIT_NOFILE lowered: the next open past it is EMFILE), and the errnos:
 * EINVAL for an unknown resource or soft above hard, EFAULT for a bad
 * pointer. Prints relations only (the host's own limits differ).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "prog.h"

static const char *errname(long r)
{
	return r == 0 ? "0" : errno == EINVAL ? "EINVAL" : errno == EFAULT ? "EFAULT" :
	       errno == EPERM ? "EPERM" : errno == EMFILE ? "EMFILE" : "other";
}

int main(void)
{
	struct rlimit a, b, lo;
	int same = 1, fd, fds[8], n = 0;

	for (int r = 0; r < RLIM_NLIMITS; r++) {
		if (syscall(SYS_getrlimit, r, &a) || syscall(SYS_prlimit64, 0, r, NULL, &b))
			same = 0;
		else if (a.rlim_cur != b.rlim_cur || a.rlim_max != b.rlim_max)
			same = 0;
	}
	printf("getrlimit agrees with prlimit64 for every resource: %s\n", same ? "yes" : "no");
	printf("getrlimit(RLIM_NLIMITS): %s\n",
	       errname(syscall(SYS_getrlimit, RLIM_NLIMITS, &a)));
	printf("getrlimit(NOFILE, bad pointer): %s\n",
	       errname(syscall(SYS_getrlimit, RLIMIT_NOFILE, (void *)8)));
	syscall(SYS_getrlimit, RLIMIT_NOFILE, &a);
	lo.rlim_cur = a.rlim_max;
	lo.rlim_max = a.rlim_max - 1;
	printf("setrlimit soft above hard: %s\n", errname(syscall(SYS_setrlimit, RLIMIT_NOFILE, &lo)));
	printf("setrlimit(NOFILE, bad pointer): %s\n",
	       errname(syscall(SYS_setrlimit, RLIMIT_NOFILE, (void *)8)));
	fd = open("/dev/null", O_RDONLY);
	lo.rlim_cur = (rlim_t)fd + 3;
	lo.rlim_max = a.rlim_max;
	printf("setrlimit(NOFILE, fd + 3): %s\n", errname(syscall(SYS_setrlimit, RLIMIT_NOFILE, &lo)));
	while (n < 8 && (fds[n] = open("/dev/null", O_RDONLY)) >= 0)
		n++;
	printf("opens until the limit: %d, then %s\n", n, n < 8 ? errname(-1) : "none failed");
	syscall(SYS_getrlimit, RLIMIT_NOFILE, &b);
	printf("getrlimit sees the new soft limit: %s\n", b.rlim_cur == lo.rlim_cur ? "yes" : "no");
	for (int i = 0; i < n; i++)
		close(fds[i]);
	close(fd);
	return 0;
}
