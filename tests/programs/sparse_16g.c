/* A 16 GiB MAP_NORESERVE reservation: only the touched pages cost memory. */
#include "prog.h"

int main(void)
{
	size_t len = 16UL << 30;
	char *p = prog_map(NULL, len, PROT_READ | PROT_WRITE, MAP_NORESERVE);
	int ok = 1;

	CHECK(p != MAP_FAILED);
	for (size_t off = 0; off < len; off += len / 64)
		p[off + 123] = (char)(off >> 28);
	for (size_t off = 0; off < len; off += len / 64)
		ok &= p[off + 123] == (char)(off >> 28) && p[off] == 0;
	CHECK(ok);
	CHECK(p[len - 1] == 0);
	CHECK(mprotect(p + (8UL << 30), PG, PROT_READ) == 0);
	CHECK(p[(8UL << 30) + 123] == (char)(8UL << 30 >> 28));
	CHECK(munmap(p, len) == 0);
	/*
	 * And a plain (committing) one, touched sparsely: 64 MiB, below the
	 * guest's RAM, since Linux's overcommit heuristic refuses one request
	 * larger than RAM plus swap (see overcommit_guess).
	 */
	char *q = prog_map(NULL, 64UL << 20, PROT_READ | PROT_WRITE, 0);
	CHECK(q != MAP_FAILED);
	for (size_t off = 0; off < (64UL << 20); off += 4UL << 20)
		q[off] = 1;
	CHECK(q[4UL << 20] == 1 && q[(4UL << 20) + PG] == 0);
	CHECK(munmap(q, 64UL << 20) == 0);
	return prog_done();
}
