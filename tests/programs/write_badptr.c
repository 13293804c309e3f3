/* write and writev with bad pointers: EFAULT, nothing written, the program goes on. */
#include "prog.h"
#include <sys/syscall.h>
#include <sys/uio.h>

int main(void)
{
	char *none = prog_map(NULL, PG, PROT_NONE, 0);
	char *gone = prog_map(NULL, PG, PROT_READ, 0);
	struct iovec iov[2] = {{(void *)16, 4}, {"ok ", 3}};
	struct iovec bad_iov_ptr;

	munmap(gone, PG);
	EXPECT_ERRNO(EFAULT, syscall(SYS_write, 1, NULL, 10));
	EXPECT_ERRNO(EFAULT, syscall(SYS_write, 1, (void *)0xffffffff80000000UL, 10));
	EXPECT_ERRNO(EFAULT, syscall(SYS_write, 1, (void *)0xffff800000000000UL, 10));
	EXPECT_ERRNO(EFAULT, syscall(SYS_write, 1, (void *)0x800000000000UL, 10));
	EXPECT_ERRNO(EFAULT, syscall(SYS_write, 1, none, 10));
	EXPECT_ERRNO(EFAULT, syscall(SYS_write, 1, gone, 10));
	EXPECT_ERRNO(EFAULT, syscall(SYS_write, 1, (void *)-1L, 10));
	EXPECT_ERRNO(0, syscall(SYS_write, 1, NULL, 0));
	EXPECT_ERRNO(EFAULT, syscall(SYS_writev, 1, (void *)16, 2));
	EXPECT_ERRNO(EFAULT, syscall(SYS_writev, 1, none, 1));
	bad_iov_ptr.iov_base = none;
	bad_iov_ptr.iov_len = 8;
	EXPECT_ERRNO(EFAULT, syscall(SYS_writev, 1, &bad_iov_ptr, 1));
	EXPECT_ERRNO(EINVAL, syscall(SYS_writev, 1, iov, -1));
	EXPECT_ERRNO(EBADF, syscall(SYS_write, 99, "x", 1));
	EXPECT_ERRNO(EFAULT, syscall(SYS_writev, 1, iov, 2));
	return prog_done();
}
