/*
 * In-image group of `make bench` (suite `bench`): costs on the real MMU in
 * rdtsc cycles, printed as `# bench <key> <value>` diagnostics that
 * bench/report.py collects. Every test skips unless the command line says
 * bootmm.bench (so the normal suite stays fast), and frees what it takes.
 */
#include "../../bench/bench_as.h"
#include "arch/x86_64/cpu.h"
#include "harness/ktest.h"
#include "kernel/cmdline.h"
#include "mm/aspace.h"
#include "mm/mmarch.h"
#include "mm/pmm.h"
#include "mm/pt.h"

#define BENCH_SCRATCH_VA 0x0000400000000000ULL /* 64 TiB: 1 GiB aligned, user half */

static void bench_only(void)
{
	if (!bootmm_opts.bench)
		ktest_skip("benchmarks run with bootmm.bench (make bench)");
	ktest_set_timeout(600);
}

static unsigned long long bench_rdtsc(void)
{
	return rdtsc();
}

static long bench_k_mmap(void *ctx, unsigned long addr, unsigned long len, int prot, int flags)
{
	return as_mmap(ctx, addr, len, prot, flags);
}

static int bench_k_munmap(void *ctx, unsigned long addr, unsigned long len)
{
	return as_munmap(ctx, addr, len);
}

static int bench_k_mprotect(void *ctx, unsigned long addr, unsigned long len, int prot)
{
	return as_mprotect(ctx, addr, len, prot);
}

/* The aspace operations of bench/bench_as.h at 100 to 65,000 VMAs. */
TEST(bench, aspace_ops)
{
	static const unsigned counts[] = {100, 1000, 10000, 65000};
	struct bench_as_ops o = {NULL, bench_k_mmap, bench_k_munmap, bench_k_mprotect, bench_rdtsc};
	struct bench_as_stat st[BENCH_AS_NOPS];

	bench_only();
	o.ctx = as_create();
	ASSERT_NE(o.ctx, NULL);
	for (unsigned c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		EXPECT_EQ(bench_as_run(&o, counts[c], st), 0);
		for (int op = 0; op < BENCH_AS_NOPS; op++)
			ktest_diag("bench as.%u.%s %llu %llu %llu", counts[c], bench_as_names[op],
				   st[op].median, st[op].min, st[op].max);
	}
	as_destroy(o.ctx);
}

/*
 * Map and unmap 1 GiB at a leaf size chosen by the physical offset (pt picks
 * the largest leaf both addresses allow): cycles of each, and table frames.
 */
static void bench_gib(const char *name, paddr_t pa)
{
	paddr_t root;
	size_t tables;
	unsigned long long t0, t1, t2;

	ASSERT_EQ(pt_create(&root), 0);
	tables = pt_table_frames();
	t0 = rdtsc();
	ASSERT_EQ(pt_map(root, BENCH_SCRATCH_VA, pa, GiB(1), PT_WRITE | PT_NX), 0);
	t1 = rdtsc();
	ktest_diag("bench pt.gib_tables.%s %zu", name, pt_table_frames() - tables);
	ASSERT_EQ(pt_unmap(root, BENCH_SCRATCH_VA, GiB(1)), 0);
	t2 = rdtsc();
	ktest_diag("bench pt.map_gib.%s %llu", name, t1 - t0);
	ktest_diag("bench pt.unmap_gib.%s %llu", name, t2 - t1);
	pt_destroy(root, 256);
}

TEST(bench, pt_gib_by_leaf_size)
{
	bench_only();
	bench_gib("4k", GiB(1) + PAGE_SIZE);
	bench_gib("2m", GiB(1) + PAGE_2M);
	if (mm_cpu_has_1g())
		bench_gib("1g", GiB(1));
	else
		ktest_diag("bench pt.map_gib.1g none (CPU without 1 GiB pages)");
}

/* One-page protect inside a 2 MiB leaf (split) and back (fold), median of 15. */
TEST(bench, pt_split_fold)
{
	unsigned long long split[15], fold[15], t0;
	paddr_t root;

	bench_only();
	ASSERT_EQ(pt_create(&root), 0);
	ASSERT_EQ(pt_map(root, BENCH_SCRATCH_VA, GiB(1), PAGE_2M, PT_WRITE | PT_NX), 0);
	for (int i = 0; i < 15; i++) {
		t0 = rdtsc();
		ASSERT_EQ(pt_protect(root, BENCH_SCRATCH_VA + 17 * PAGE_SIZE, PAGE_SIZE, PT_NX), 0);
		split[i] = rdtsc() - t0;
		t0 = rdtsc();
		ASSERT_EQ(pt_protect(root, BENCH_SCRATCH_VA + 17 * PAGE_SIZE, PAGE_SIZE,
				     PT_WRITE | PT_NX), 0);
		fold[i] = rdtsc() - t0;
	}
	bench_as_sort(split, 15);
	bench_as_sort(fold, 15);
	ktest_diag("bench pt.split_2m %llu", split[7]);
	ktest_diag("bench pt.fold_2m %llu", fold[7]);
	ASSERT_EQ(pt_unmap(root, BENCH_SCRATCH_VA, PAGE_2M), 0);
	pt_destroy(root, 256);
}

/* Demand-zero faults: per 4 KiB page, and per 2 MiB leaf. */
TEST(bench, fault_demand_zero)
{
	struct aspace *as;
	long small, big;
	unsigned long long t0;
	int bad = 0;

	bench_only();
	as = as_create();
	ASSERT_NE(as, NULL);
	small = as_mmap(as, 0, 256 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	big = as_mmap(as, 0x200000000ULL, 16 * PAGE_2M, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
	ASSERT_GT(small, 0);
	ASSERT_GT(big, 0);
	t0 = rdtsc();
	for (int i = 0; i < 256; i++)
		bad |= as_fault(as, small + i * PAGE_SIZE, AS_PF_WRITE | AS_PF_USER) != AS_FAULT_OK;
	ktest_diag("bench fault.zero_4k %llu", (rdtsc() - t0) / 256);
	t0 = rdtsc();
	for (int i = 0; i < 16; i++)
		bad |= as_fault(as, big + i * PAGE_2M, AS_PF_WRITE | AS_PF_USER) != AS_FAULT_OK;
	ktest_diag("bench fault.zero_2m %llu", (rdtsc() - t0) / 16);
	EXPECT_EQ(bad, 0);
	as_destroy(as);
}

/* Copy-on-write break per 4 KiB page, after as_clone. */
TEST(bench, fault_cow_break)
{
	struct aspace *as, *child;
	unsigned long long t0;
	long p;
	int bad = 0;

	bench_only();
	as = as_create();
	ASSERT_NE(as, NULL);
	p = as_mmap(as, 0, 256 * PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE);
	ASSERT_GT(p, 0);
	child = as_clone(as);
	ASSERT_NE(child, NULL);
	t0 = rdtsc();
	for (int i = 0; i < 256; i++)
		bad |= as_fault(child, p + i * PAGE_SIZE, AS_PF_WRITE | AS_PF_USER | AS_PF_PRESENT) !=
		       AS_FAULT_OK;
	ktest_diag("bench fault.cow_4k %llu", (rdtsc() - t0) / 256);
	EXPECT_EQ(bad, 0);
	as_destroy(child);
	as_destroy(as);
}

/* as_destroy of an address space holding 1 GiB of populated memory. */
TEST(bench, destroy_gib)
{
	unsigned long long t0;
	struct aspace *as;
	size_t free0 = pmm_free_frames();

	bench_only();
	if (free0 < GiB(1) / PAGE_SIZE * 3 / 2)
		ktest_skip("needs about 1.5 GiB free (make bench boots with MEM=2G)");
	as = as_create();
	ASSERT_NE(as, NULL);
	ASSERT_GT(as_mmap(as, 0x200000000ULL, GiB(1), PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_POPULATE), 0);
	ktest_diag("bench destroy.gib_frames %zu", free0 - pmm_free_frames());
	t0 = rdtsc();
	as_destroy(as);
	ktest_diag("bench destroy.gib %llu", rdtsc() - t0);
	EXPECT_EQ(pmm_free_frames(), free0);
}
