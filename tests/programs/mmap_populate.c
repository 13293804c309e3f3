/* MAP_POPULATE and MAP_NORESERVE: same contents as plain anonymous memory. */
#include "prog.h"

int main(void)
{
	size_t len = 64 * PG;
	char *p = prog_map(NULL, len, PROT_READ | PROT_WRITE, MAP_POPULATE);
	char *q = prog_map(NULL, len, PROT_READ, MAP_POPULATE);
	char *r = prog_map(NULL, len, PROT_READ | PROT_WRITE, MAP_NORESERVE);
	char *n = prog_map(NULL, len, PROT_NONE, MAP_POPULATE);
	long sum = 0;

	CHECK(p != MAP_FAILED && q != MAP_FAILED && r != MAP_FAILED && n != MAP_FAILED);
	for (size_t i = 0; i < len; i += 512)
		sum += p[i] + q[i] + r[i];
	CHECK(sum == 0);
	memset(p, 1, len);
	memset(r, 2, len);
	CHECK(p[len - 1] == 1 && r[len - 1] == 2);
	prog_catch_segv();
	CHECK(!prog_readable(n));
	CHECK(prog_last_code == SEGV_ACCERR);
	CHECK(!prog_writable(q));
	return prog_done();
}
