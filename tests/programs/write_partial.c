/*
 * write/writev whose data runs into an unmapped page within one 4 KiB chunk:
 * stdout is a pipe, and a pipe takes nothing from a chunk that faults, so
 * the call is EFAULT and no byte of it goes out.
 */
#include "prog.h"
#include <sys/syscall.h>
#include <sys/uio.h>

/* Print a call's result, after flushing what stdio holds (the call writes fd 1 directly). */
static void report(const char *what, long rc)
{
	printf("\n%s: %ld %s\n", what, rc, prog_errname(rc < 0 ? errno : 0));
	fflush(stdout);
}

int main(void)
{
	char *p = prog_map(NULL, 2 * PG, PROT_READ | PROT_WRITE, 0);
	struct iovec iov[3];

	memset(p, 'a', 2 * PG);
	CHECK(munmap(p + PG, PG) == 0);
	fflush(stdout);
	report("write into the hole", syscall(SYS_write, 1, p + PG - 10, 20));
	report("write ending at the hole", syscall(SYS_write, 1, p + PG - 10, 10));
	iov[0].iov_base = "first\n";
	iov[0].iov_len = 6;
	iov[1].iov_base = p + PG - 3;
	iov[1].iov_len = 10;
	iov[2].iov_base = "third\n";
	iov[2].iov_len = 6;
	report("writev with a bad middle", syscall(SYS_writev, 1, iov, 3));
	iov[1].iov_len = 3;
	report("writev all good", syscall(SYS_writev, 1, iov, 3));
	iov[2].iov_base = p + PG;
	report("writev with a bad last", syscall(SYS_writev, 1, iov, 3));
	iov[2].iov_len = 0;
	report("writev with an empty bad last", syscall(SYS_writev, 1, iov, 3));
	return prog_done();
}
