/* musl malloc churn: small blocks (brk) and large ones (mmap), contents checked, all freed. */
#include "prog.h"

#define SLOTS 512

static uint64_t rng = 12345;

static uint64_t next(void)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return rng >> 33;
}

/* A size: mostly small, sometimes above musl's mmap threshold. */
static size_t pick_size(void)
{
	uint64_t r = next();

	return r % 16 == 0 ? 128 * 1024 + r % (512 * 1024) : 1 + r % 2048;
}

int main(void)
{
	static unsigned char *slot[SLOTS];
	static size_t size[SLOTS];
	int bad = 0, allocs = 0;

	for (int round = 0; round < 20000; round++) {
		int i = (int)(next() % SLOTS);

		if (slot[i]) {
			for (size_t k = 0; k < size[i]; k += 97)
				bad += slot[i][k] != (unsigned char)(i + k);
			bad += slot[i][size[i] - 1] != (unsigned char)(i + size[i] - 1);
			free(slot[i]);
			slot[i] = NULL;
			continue;
		}
		size[i] = pick_size();
		slot[i] = malloc(size[i]);
		if (!slot[i]) {
			bad++;
			continue;
		}
		allocs++;
		for (size_t k = 0; k < size[i]; k += 97)
			slot[i][k] = (unsigned char)(i + k);
		slot[i][size[i] - 1] = (unsigned char)(i + size[i] - 1);
	}
	for (int i = 0; i < SLOTS; i++)
		free(slot[i]);
	printf("allocations: %d\n", allocs);
	CHECK(bad == 0);
	void *big = malloc(64 << 20);
	CHECK(big != NULL);
	memset(big, 1, 64 << 20);
	free(big);
	return prog_done();
}
