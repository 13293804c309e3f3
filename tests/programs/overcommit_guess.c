/*
 * Linux's default overcommit heuristic (vm.overcommit_memory=0): one request
 * that would commit more than RAM plus swap fails with ENOMEM, whatever its
 * pages' later use; requests that commit nothing (read-only private,
 * MAP_NORESERVE) are only address space. 1 TiB is past the RAM of the guest
 * and of any host this runs on.
 */
#include "prog.h"
#include <sys/syscall.h>

#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)
#define TIB (1UL << 40)

int main(void)
{
	char *small = prog_map(NULL, PG, RW, 0);
	void *brk0 = sbrk(0);

	EXPECT_ERRNO(ENOMEM, mmap(NULL, TIB, RW, ANON, -1, 0));
	EXPECT_ERRNO(ENOMEM, mmap(NULL, TIB, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
	EXPECT_ERRNO(0, mmap(NULL, TIB, PROT_READ, ANON, -1, 0));
	EXPECT_ERRNO(0, mmap(NULL, TIB, RW, ANON | MAP_NORESERVE, -1, 0));
	EXPECT_ERRNO(0, mmap(NULL, TIB, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
	EXPECT_ERRNO(ENOMEM, mremap(small, PG, TIB, MREMAP_MAYMOVE));
	/* musl's brk() always fails: ask the kernel, which answers with the break it kept. */
	CHECK(syscall(SYS_brk, (char *)brk0 + TIB) == (long)brk0);
	CHECK(sbrk(0) == brk0);
	CHECK(syscall(SYS_brk, (char *)brk0 + 16 * PG) == (long)brk0 + 16 * (long)PG);
	small[0] = 1;
	CHECK(small[0] == 1);
	return prog_done();
}
