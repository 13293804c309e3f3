/* mprotect errors; over a hole Linux changes the part before it, then says ENOMEM. */
#include "prog.h"
#include <sys/syscall.h>

int main(void)
{
	char *p = prog_map(NULL, 6 * PG, PROT_READ | PROT_WRITE, 0);

	/* musl's mprotect() rounds the start down: ask the kernel directly. */
	EXPECT_ERRNO(EINVAL, syscall(SYS_mprotect, p + 1, PG, PROT_READ));
	EXPECT_ERRNO(0, mprotect(p, 0, PROT_READ));
	EXPECT_ERRNO(EINVAL, mprotect(p, PG, 0x100));
	EXPECT_ERRNO(EINVAL, mprotect(p, PG, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP));
	EXPECT_ERRNO(ENOMEM, mprotect((void *)0x200000000000, PG, PROT_READ));
	EXPECT_ERRNO(ENOMEM, syscall(SYS_mprotect, p, -PG, PROT_READ));
	CHECK(munmap(p + 3 * PG, PG) == 0);
	EXPECT_ERRNO(ENOMEM, mprotect(p + PG, 4 * PG, PROT_READ));
	prog_catch_segv();
	CHECK(prog_writable(p));
	CHECK(!prog_writable(p + PG) && !prog_writable(p + 2 * PG));
	CHECK(prog_writable(p + 4 * PG) && prog_writable(p + 5 * PG));
	EXPECT_ERRNO(0, mprotect(p, PG, PROT_READ | PROT_WRITE | PROT_EXEC));
	EXPECT_ERRNO(0, mprotect(p + 4 * PG, 1, PROT_READ));
	CHECK(!prog_writable(p + 4 * PG));
	return prog_done();
}
