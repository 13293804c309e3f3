/*
 * vm.max_map_count (65530): splitting a mapping page by page ends in ENOMEM
 * near the limit, the refused call changes nothing, and the mapping count
 * comes back down when the pages are merged again.
 */
#include "prog.h"

#define PAGES 70000

int main(void)
{
	char *p = prog_map(NULL, PAGES * PG, PROT_READ | PROT_WRITE, MAP_NORESERVE);
	int i, last_err = 0;

	CHECK(p != MAP_FAILED);
	for (i = 1; i < PAGES; i += 2) {
		if (mprotect(p + (size_t)i * PG, PG, PROT_READ) != 0) {
			last_err = errno;
			break;
		}
	}
	printf("stopped by: %s\n", prog_errname(last_err));
	CHECK(i > 2 * 32000 && i < 2 * 32768);
	prog_catch_segv();
	CHECK(prog_writable(p + (size_t)i * PG));
	CHECK(!prog_writable(p + (size_t)(i - 2) * PG));
	/* A merge always works, even at the limit. */
	CHECK(mprotect(p + (size_t)(i - 2) * PG, PG, PROT_READ | PROT_WRITE) == 0);
	CHECK(prog_writable(p + (size_t)(i - 2) * PG));
	CHECK(mprotect(p, PAGES * PG, PROT_READ | PROT_WRITE) == 0);
	char *q = prog_map(NULL, PG, PROT_EXEC, 0);
	CHECK(q != MAP_FAILED);
	CHECK(munmap(p, PAGES * PG) == 0);
	return prog_done();
}
