/* 20,000 VMAs: mprotect every other page of a mapping, check each, then merge back. */
#include "prog.h"

#define PAGES 40000

int main(void)
{
	/* 156 MiB: more than a 128 MiB guest's RAM, which Linux refuses to commit at once. */
	char *p = prog_map(NULL, (PAGES + 1) * PG, PROT_READ | PROT_WRITE, MAP_NORESERVE);
	int ok = 1, fails = 0;

	/* Room to grow in place at the end (checked below). */
	CHECK(munmap(p + PAGES * PG, PG) == 0);
	CHECK(p != MAP_FAILED);
	/* Touch one page in seven (a 128 MiB guest holds the VMAs, not 160 MiB of pages). */
	for (int i = 0; i < PAGES; i += 7)
		p[(size_t)i * PG] = (char)i;
	for (int i = 1; i < PAGES; i += 2)
		fails += mprotect(p + (size_t)i * PG, PG, PROT_READ) != 0;
	CHECK(fails == 0);
	prog_catch_segv();
	for (int i = 0; i < PAGES; i += 97)
		ok &= prog_writable(p + (size_t)i * PG) == !(i & 1);
	CHECK(ok);
	/* Every page kept its byte through 20,000 splits. */
	ok = 1;
	for (int i = 0; i < PAGES; i += 7)
		ok &= p[(size_t)i * PG] == (char)i && p[(size_t)(i + 1) * PG] == 0;
	CHECK(ok);
	/* Merge back page by page, then all at once for the rest. */
	for (int i = 1; i < PAGES / 2; i += 2)
		fails += mprotect(p + (size_t)i * PG, PG, PROT_READ | PROT_WRITE) != 0;
	CHECK(mprotect(p, PAGES * PG, PROT_READ | PROT_WRITE) == 0);
	CHECK(fails == 0);
	/* Now one VMA again: a grow of the whole needs it to be one mapping. */
	char *q = mremap(p, PAGES * PG, (PAGES + 1) * PG, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED && q[7 * PG] == 7 && q[PG] == 0);
	return prog_done();
}
