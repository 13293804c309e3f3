/*
 * In-image `make bench` figure for /proc/<pid>/maps, in rdtsc cycles: one
 * procfs_maps render (what the first read of the file makes) of a space of
 * 1,000 VMAs whose rights alternate page by page, as bench/vs_linux.c's
 * /proc/self/maps row, into a growing buffer. Printed as `# bench
 * procfs.maps_1000 <median> <min> <max>` over BENCH_PROCFS_REPS renders;
 * every render is checked (0, one line per VMA, the first line's text).
 */
#include "../../bench/bench_as.h"
#include "arch/x86_64/cpu.h"
#include "fs/procfs.h"
#include "harness/ktest.h"
#include "harness/options.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/aspace.h"

#define BENCH_PROCFS_REPS 7
#define BENCH_PROCFS_VMAS 1000

/* Lines of the text in b (one per VMA). */
static size_t bench_procfs_lines(const struct procfs_buf *b)
{
	size_t n = 0;

	for (size_t i = 0; i < b->len; i++)
		n += b->data[i] == '\n';
	return n;
}

/* One render of t's maps: its cycles, or 0 when the text is wrong. */
static unsigned long long bench_procfs_render(const struct procfs_task *t, long base)
{
	char first[64];
	struct procfs_buf b;
	unsigned long long t0, cycles;
	int n = ksnprintf(first, sizeof(first), "%08llx-%08llx rw-p 00000000 00:00 0 \n",
			  (unsigned long long)base, (unsigned long long)base + PAGE_SIZE);
	bool ok;

	procfs_buf_init(&b);
	t0 = rdtsc();
	ok = procfs_maps(t, &b) == 0;
	cycles = rdtsc() - t0;
	ok = ok && bench_procfs_lines(&b) == BENCH_PROCFS_VMAS && b.len > (size_t)n &&
	     memcmp(b.data, first, (size_t)n) == 0;
	procfs_buf_free(&b);
	return ok ? cycles : 0;
}

TEST(bench, procfs_maps_1000)
{
	unsigned long long v[BENCH_PROCFS_REPS];
	struct procfs_task t = {0};
	struct bench_as_stat s;
	long base;

	if (!bootmm_opts.bench)
		ktest_skip("benchmarks run with bootmm.bench (make bench)");
	t.as = as_create();
	ASSERT_NE(t.as, NULL);
	base = as_mmap(t.as, 0, BENCH_PROCFS_VMAS * PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS);
	ASSERT_GT(base, 0);
	for (long i = 1; i < BENCH_PROCFS_VMAS; i += 2)
		ASSERT_EQ(as_mprotect(t.as, base + i * PAGE_SIZE, PAGE_SIZE, PROT_READ), 0);
	ASSERT_EQ(as_vma_count(t.as), BENCH_PROCFS_VMAS);
	for (int r = 0; r < BENCH_PROCFS_REPS; r++) {
		v[r] = bench_procfs_render(&t, base);
		EXPECT_NE(v[r], 0);
	}
	s = bench_as_stat_of(v, BENCH_PROCFS_REPS);
	ktest_diag("bench procfs.maps_1000 %llu %llu %llu", s.median, s.min, s.max);
	as_destroy(t.as);
}
