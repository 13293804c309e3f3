/* The stack grows on demand: a recursion that uses ~6 MiB of the 8 MiB stack works. */
#include "prog.h"

/* Each level keeps 64 KiB of stack live and returns a checksum of it. */
static unsigned long deep(int n)
{
	volatile unsigned char buf[64 * 1024];
	unsigned long sum;

	for (size_t i = 0; i < sizeof(buf); i += PG)
		buf[i] = (unsigned char)(n + i / PG);
	sum = n ? deep(n - 1) : 0;
	for (size_t i = 0; i < sizeof(buf); i += PG)
		sum += buf[i];
	return sum;
}

int main(void)
{
	unsigned long want = 0;

	for (int n = 0; n <= 95; n++)
		for (size_t i = 0; i < 64 * 1024; i += PG)
			want += (unsigned char)(n + i / PG);
	CHECK(deep(95) == want);
	CHECK(deep(95) == want);
	return prog_done();
}
