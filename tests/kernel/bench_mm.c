/*
 * In-image group of `make bench` (suite `bench`): costs on the real MMU in
 * rdtsc cycles, printed as `# bench <key> <median> <min> <max>` diagnostics
 * (counts as `# bench <key> <n>`) that bench/report.py collects. Every figure
 * is the median of BENCH_REPS repetitions with its min and max. Every test
 * skips unless the command line says bootmm.bench (so the normal suite stays
 * fast), and frees what it takes.
 */
#include "../../bench/bench_as.h"
#include "arch/x86_64/cpu.h"
#include "harness/ktest.h"
#include "harness/options.h"
#include "mm/aspace.h"
#include "mm/kmap.h"
#include "mm/mobj.h"
#include "mm/mmarch.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "lib/printf.h"

#define BENCH_SCRATCH_VA 0x0000400000000000ULL /* 64 TiB: 1 GiB aligned, user half */
#define BENCH_REPS 7      /* repetitions of every figure but destroy.gib */
#define BENCH_FAULT_PAGES 256
#define BENCH_RW (PROT_READ | PROT_WRITE)
#define BENCH_ANON (MAP_PRIVATE | MAP_ANONYMOUS)

/* Skip unless bootmm.bench; benchmarks get a long watchdog. */
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

/* Print `key` as the median, min and max of v[0..n) (v is sorted). */
static void bench_report(const char *key, unsigned long long *v, int n)
{
	struct bench_as_stat s = bench_as_stat_of(v, n);

	ktest_diag("bench %s %llu %llu %llu", key, s.median, s.min, s.max);
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

/*
 * The aspace operations of bench/bench_as.h at 100 to 65,000 VMAs, with the
 * space's root loaded so that every TLB flush is a real one.
 */
TEST(bench, aspace_ops)
{
	static const unsigned counts[] = {100, 1000, 10000, 65000};
	struct bench_as_ops o = {NULL, bench_k_mmap, bench_k_munmap, bench_k_mprotect, bench_rdtsc};
	struct bench_as_stat st[BENCH_AS_NOPS];

	bench_only();
	o.ctx = as_create();
	ASSERT_NE(o.ctx, NULL);
	mm_load_root(as_root(o.ctx));
	for (unsigned c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		EXPECT_EQ(bench_as_run(&o, counts[c], st), 0);
		for (int op = 0; op < BENCH_AS_NOPS; op++)
			ktest_diag("bench as.%u.%s %llu %llu %llu", counts[c], bench_as_names[op],
				   st[op].median, st[op].min, st[op].max);
	}
	EXPECT_EQ(as_vma_count(o.ctx), 0);
	mm_load_root(kmap_root());
	as_destroy(o.ctx);
}

/*
 * One map and unmap of 1 GiB on a fresh scratch root at the physical offset
 * `pa` (pt picks the largest leaf both addresses allow); checks that the
 * leaves are `leaf` bytes. Cycles into map/unmap, table frames into *tables.
 */
static bool bench_gib_once(paddr_t pa, uint64_t leaf, unsigned long long *map,
			   unsigned long long *unmap, size_t *tables)
{
	struct pt_leaf got;
	unsigned long long t0, t1, t2;
	size_t before;
	paddr_t root;
	bool ok;

	if (pt_create(&root) != 0)
		return false;
	before = pt_table_frames();
	t0 = rdtsc();
	ok = pt_map(root, BENCH_SCRATCH_VA, pa, GiB(1), PT_WRITE | PT_NX) == 0;
	t1 = rdtsc();
	*tables = pt_table_frames() - before;
	ok = ok && pt_query(root, BENCH_SCRATCH_VA + GiB(1) - PAGE_SIZE, &got) &&
	     got.size == leaf;
	ok = pt_unmap(root, BENCH_SCRATCH_VA, GiB(1)) == 0 && ok;
	t2 = rdtsc();
	pt_destroy(root, PT_DESTROY_USER_HALF);
	*map = t1 - t0;
	*unmap = t2 - t1;
	return ok;
}

/* Map/unmap 1 GiB with `leaf`-sized leaves BENCH_REPS times and report. */
static void bench_gib(const char *name, paddr_t pa, uint64_t leaf)
{
	unsigned long long map[BENCH_REPS], unmap[BENCH_REPS];
	char key[48];
	size_t tables = 0;

	for (int i = 0; i < BENCH_REPS; i++)
		ASSERT_TRUE(bench_gib_once(pa, leaf, &map[i], &unmap[i], &tables));
	ksnprintf(key, sizeof(key), "pt.map_gib.%s", name);
	bench_report(key, map, BENCH_REPS);
	ksnprintf(key, sizeof(key), "pt.unmap_gib.%s", name);
	bench_report(key, unmap, BENCH_REPS);
	ktest_diag("bench pt.gib_tables.%s %zu", name, tables);
}

TEST(bench, pt_gib_by_leaf_size)
{
	bench_only();
	bench_gib("4k", GiB(1) + PAGE_SIZE, PAGE_SIZE);
	bench_gib("2m", GiB(1) + PAGE_2M, PAGE_2M);
	if (mm_cpu_has_1g())
		bench_gib("1g", GiB(1), GiB(1));
	else
		ktest_diag("bench pt.map_gib.1g none (CPU without 1 GiB pages)");
}

/*
 * One-page protect inside a 2 MiB leaf (split), and back then pt_fold_at
 * (fold: pt_protect itself leaves the leaf split, as Linux does).
 */
TEST(bench, pt_split_fold)
{
	unsigned long long split[BENCH_REPS], fold[BENCH_REPS], t0;
	struct pt_leaf leaf;
	paddr_t root;

	bench_only();
	ASSERT_EQ(pt_create(&root), 0);
	ASSERT_EQ(pt_map(root, BENCH_SCRATCH_VA, GiB(1), PAGE_2M, PT_WRITE | PT_NX), 0);
	for (int i = 0; i < BENCH_REPS; i++) {
		t0 = rdtsc();
		ASSERT_EQ(pt_protect(root, BENCH_SCRATCH_VA + 17 * PAGE_SIZE, PAGE_SIZE, PT_NX), 0);
		split[i] = rdtsc() - t0;
		t0 = rdtsc();
		ASSERT_EQ(pt_protect(root, BENCH_SCRATCH_VA + 17 * PAGE_SIZE, PAGE_SIZE,
				     PT_WRITE | PT_NX), 0);
		pt_fold_at(root, BENCH_SCRATCH_VA + 17 * PAGE_SIZE);
		fold[i] = rdtsc() - t0;
	}
	EXPECT_TRUE(pt_query(root, BENCH_SCRATCH_VA, &leaf) && leaf.size == PAGE_2M);
	bench_report("pt.split_2m", split, BENCH_REPS);
	bench_report("pt.fold_2m", fold, BENCH_REPS);
	ASSERT_EQ(pt_unmap(root, BENCH_SCRATCH_VA, PAGE_2M), 0);
	pt_destroy(root, PT_DESTROY_USER_HALF);
}

/*
 * Cycles per fault of `n` faults of kind `access` (AS_PF_WRITE or 0: a
 * read) `step` apart in a fresh mapping of n * step bytes at `addr` (0:
 * anywhere); with `first` non-zero every page takes a fault of that kind
 * first, untimed (a read, for the write that replaces the zero page). 0
 * when a fault failed or the resident count is off (reads map the zero
 * page: nothing resident).
 */
static unsigned long long bench_zero_round(struct aspace *as, vaddr_t addr, int n, uint64_t step,
					   unsigned access, unsigned first)
{
	unsigned long long t0, t;
	long p = as_mmap(as, addr, n * step, BENCH_RW, BENCH_ANON | (addr ? MAP_FIXED : 0));
	size_t resident = (access & AS_PF_WRITE) ? n * step / PAGE_SIZE : 0;
	int bad = 0;

	if (p < 0)
		return 0;
	for (int i = 0; first && i < n; i++)
		bad |= as_fault(as, p + i * step, first) != AS_FAULT_OK;
	t0 = rdtsc();
	for (int i = 0; i < n; i++)
		bad |= as_fault(as, p + i * step, access | AS_PF_USER) != AS_FAULT_OK;
	t = (rdtsc() - t0) / n;
	bad |= as_resident_frames(as) != resident;
	bad |= as_munmap(as, p, n * step) != 0;
	return bad ? 0 : t;
}

/* Demand-zero write faults: per 4 KiB page (1 MiB VMA), and per 2 MiB leaf. */
TEST(bench, fault_demand_zero)
{
	unsigned long long small[BENCH_REPS], big[BENCH_REPS];
	struct aspace *as;

	bench_only();
	as = as_create();
	ASSERT_NE(as, NULL);
	for (int i = 0; i < BENCH_REPS; i++) {
		small[i] = bench_zero_round(as, 0, BENCH_FAULT_PAGES, PAGE_SIZE, AS_PF_WRITE, 0);
		big[i] = bench_zero_round(as, 0x200000000ULL, 16, PAGE_2M, AS_PF_WRITE, 0);
		EXPECT_NE(small[i], 0);
		EXPECT_NE(big[i], 0);
	}
	bench_report("fault.zero_4k", small, BENCH_REPS);
	bench_report("fault.zero_2m", big, BENCH_REPS);
	as_destroy(as);
}

/*
 * Read faults of untouched private memory, which map the shared zero page:
 * per 4 KiB page (1 MiB VMA), per 2 MiB block (the huge zero page), and the
 * write that then replaces a 4 KiB zero page by a zeroed frame.
 */
TEST(bench, fault_zero_page)
{
	unsigned long long rd[BENCH_REPS], rd2m[BENCH_REPS], wr[BENCH_REPS];
	struct aspace *as;

	bench_only();
	as = as_create();
	ASSERT_NE(as, NULL);
	for (int i = 0; i < BENCH_REPS; i++) {
		rd[i] = bench_zero_round(as, 0, BENCH_FAULT_PAGES, PAGE_SIZE, 0, 0);
		rd2m[i] = bench_zero_round(as, 0x200000000ULL, 16, PAGE_2M, 0, 0);
		wr[i] = bench_zero_round(as, 0, BENCH_FAULT_PAGES, PAGE_SIZE, AS_PF_WRITE,
					 AS_PF_USER);
		EXPECT_NE(rd[i], 0);
		EXPECT_NE(rd2m[i], 0);
		EXPECT_NE(wr[i], 0);
	}
	bench_report("fault.zero_read_4k", rd, BENCH_REPS);
	bench_report("fault.zero_read_2m", rd2m, BENCH_REPS);
	bench_report("fault.zero_write_after_read_4k", wr, BENCH_REPS);
	as_destroy(as);
}

/*
 * Cycles per page to zero BENCH_FAULT_PAGES frames just taken from the
 * allocator, each once, as a demand-zero fault meets them (not recently
 * touched: each is a first touch of its page); 0 when no frames.
 */
static unsigned long long bench_zero_fresh_round(void)
{
	static paddr_t f[BENCH_FAULT_PAGES];
	unsigned long long t = 0, t0;
	int n;

	for (n = 0; n < BENCH_FAULT_PAGES && (f[n] = pmm_alloc(0)) != 0; n++)
		;
	for (int i = 0; i < n; i++) {
		t0 = rdtsc();
		mm_page_zero(mm_phys_to_virt(f[i]), PAGE_SIZE);
		t += rdtsc() - t0;
	}
	for (int i = 0; i < n; i++)
		pmm_free(f[i], 0);
	return n == BENCH_FAULT_PAGES ? t / n : 0;
}

/*
 * What the faults above cost without the fault: zeroing a 4 KiB page (one
 * warm page again and again, and fresh frames each once, as a fault takes
 * them) and a 2 MiB block, and copying a 4 KiB page, with mm_page_zero /
 * mm_page_copy (the arch's string instructions) on frames from the allocator.
 */
TEST(bench, page_zero_copy)
{
	unsigned long long z4[BENCH_REPS], zf[BENCH_REPS], z2[BENCH_REPS], c4[BENCH_REPS], t0;
	paddr_t big, a, b;

	bench_only();
	big = pmm_alloc(9);
	a = pmm_alloc(0);
	b = pmm_alloc(0);
	ASSERT_NE(big, 0);
	ASSERT_NE(a, 0);
	ASSERT_NE(b, 0);
	for (int i = 0; i < BENCH_REPS; i++) {
		t0 = rdtsc();
		mm_page_zero(mm_phys_to_virt(a), PAGE_SIZE);
		z4[i] = rdtsc() - t0;
		t0 = rdtsc();
		mm_page_zero(mm_phys_to_virt(big), PAGE_2M);
		z2[i] = rdtsc() - t0;
		t0 = rdtsc();
		mm_page_copy(mm_phys_to_virt(b), mm_phys_to_virt(a), PAGE_SIZE);
		c4[i] = rdtsc() - t0;
		zf[i] = bench_zero_fresh_round();
		EXPECT_NE(zf[i], 0);
	}
	EXPECT_EQ(*(volatile uint64_t *)mm_phys_to_virt(big + PAGE_2M - 8), 0);
	pmm_free(big, 9);
	pmm_free(a, 0);
	pmm_free(b, 0);
	bench_report("page.zero_4k", z4, BENCH_REPS);
	bench_report("page.zero_4k_fresh", zf, BENCH_REPS);
	bench_report("page.zero_2m", z2, BENCH_REPS);
	bench_report("page.copy_4k", c4, BENCH_REPS);
}

/* Cycles per copy-on-write break of BENCH_FAULT_PAGES pages in a clone; 0 on error. */
static unsigned long long bench_cow_round(struct aspace *as, long p)
{
	struct aspace *child = as_clone(as);
	unsigned long long t0, t;
	int bad = 0;

	if (!child)
		return 0;
	t0 = rdtsc();
	for (int i = 0; i < BENCH_FAULT_PAGES; i++)
		bad |= as_fault(child, p + i * PAGE_SIZE,
				AS_PF_WRITE | AS_PF_USER | AS_PF_PRESENT) != AS_FAULT_OK;
	t = (rdtsc() - t0) / BENCH_FAULT_PAGES;
	as_destroy(child);
	return bad ? 0 : t;
}

/* Copy-on-write break per 4 KiB page, after as_clone (clone untimed). */
TEST(bench, fault_cow_break)
{
	unsigned long long cow[BENCH_REPS];
	struct aspace *as;
	long p;

	bench_only();
	as = as_create();
	ASSERT_NE(as, NULL);
	p = as_mmap(as, 0, BENCH_FAULT_PAGES * PAGE_SIZE, BENCH_RW, BENCH_ANON | MAP_POPULATE);
	ASSERT_GT(p, 0);
	for (int i = 0; i < BENCH_REPS; i++) {
		cow[i] = bench_cow_round(as, p);
		EXPECT_NE(cow[i], 0);
	}
	bench_report("fault.cow_4k", cow, BENCH_REPS);
	as_destroy(as);
}

/*
 * Cycles per fault of BENCH_FAULT_PAGES faults (AS_PF_* bits `err`) one
 * page apart in a fresh mapping: a window onto obj (MAP_SHARED or
 * MAP_PRIVATE in `flags`), or with obj NULL MAP_SHARED|MAP_ANONYMOUS memory
 * (a new shmem object); 0 when a fault failed.
 */
static unsigned long long bench_obj_round(struct aspace *as, struct mobj *obj, int flags,
					  unsigned err)
{
	uint64_t len = BENCH_FAULT_PAGES * PAGE_SIZE;
	long p = obj ? as_mmap_obj(as, 0, len, BENCH_RW, flags, obj, 0, 0) :
		       as_mmap(as, 0, len, BENCH_RW, MAP_SHARED | MAP_ANONYMOUS);
	unsigned long long t0, t;
	int bad = 0;

	if (p < 0)
		return 0;
	t0 = rdtsc();
	for (int i = 0; i < BENCH_FAULT_PAGES; i++)
		bad |= as_fault(as, p + i * PAGE_SIZE, err | AS_PF_USER) != AS_FAULT_OK;
	t = (rdtsc() - t0) / BENCH_FAULT_PAGES;
	bad |= as_resident_frames(as) != BENCH_FAULT_PAGES;
	bad |= as_munmap(as, p, len) != 0;
	return bad ? 0 : t;
}

/*
 * Faults on memory objects, per 4 KiB page, beside fault.zero_4k: a write
 * to shared anonymous memory (a zeroed page into the object), a read of a
 * shared file mapping whose pages are in the file (map the cached page), and
 * a write to a private file mapping (map the cached page, then copy it).
 */
TEST(bench, fault_objects)
{
	unsigned long long shanon[BENCH_REPS], fread[BENCH_REPS], fpriv[BENCH_REPS];
	struct mobj *file;
	struct aspace *as;

	bench_only();
	as = as_create();
	file = mobj_create(MOBJ_SHMEM);
	ASSERT_NE(as, NULL);
	ASSERT_NE(file, NULL);
	ASSERT_EQ(mobj_allocate(file, 0, BENCH_FAULT_PAGES * PAGE_SIZE, MOBJ_ALLOC_GROW), 0);
	for (int i = 0; i < BENCH_REPS; i++) {
		shanon[i] = bench_obj_round(as, NULL, MAP_SHARED, AS_PF_WRITE);
		fread[i] = bench_obj_round(as, file, MAP_SHARED, 0);
		fpriv[i] = bench_obj_round(as, file, MAP_PRIVATE, AS_PF_WRITE);
		EXPECT_NE(shanon[i], 0);
		EXPECT_NE(fread[i], 0);
		EXPECT_NE(fpriv[i], 0);
	}
	bench_report("fault.shared_anon_4k", shanon, BENCH_REPS);
	bench_report("fault.file_read_4k", fread, BENCH_REPS);
	bench_report("fault.file_private_write_4k", fpriv, BENCH_REPS);
	mobj_put(file);
	as_destroy(as);
}

/* as_destroy of an address space holding 1 GiB of populated memory, 3 times. */
TEST(bench, destroy_gib)
{
	unsigned long long t[3], t0;
	size_t free0 = pmm_free_frames();
	struct aspace *as;

	bench_only();
	if (free0 < GiB(1) / PAGE_SIZE * 3 / 2)
		ktest_skip("needs about 1.5 GiB free (make bench boots with --mem 2G)");
	for (int i = 0; i < 3; i++) {
		as = as_create();
		ASSERT_NE(as, NULL);
		ASSERT_GT(as_mmap(as, 0x200000000ULL, GiB(1), BENCH_RW,
				  BENCH_ANON | MAP_FIXED | MAP_POPULATE), 0);
		EXPECT_EQ(as_resident_frames(as), GiB(1) / PAGE_SIZE);
		if (i == 0)
			ktest_diag("bench destroy.gib_frames %zu", free0 - pmm_free_frames());
		t0 = rdtsc();
		as_destroy(as);
		t[i] = rdtsc() - t0;
		EXPECT_EQ(pmm_free_frames(), free0);
	}
	bench_report("destroy.gib", t, 3);
}

/* ---------------------------------------------------------------- fork */

#define BENCH_FORK_VA 0x300000000ULL /* 2 MiB aligned */
#define BENCH_FORK_LEN MiB(64)
#define BENCH_FORK_FAULTS 32 /* first writes timed per clone, one per 2 MiB */

/*
 * A space with BENCH_FORK_LEN touched at BENCH_FORK_VA: in 2 MiB leaves
 * (`huge`: one populated mapping), or in 4 KiB pages (1 MiB pieces mapped
 * and populated one after the other, so no empty aligned 2 MiB block is ever
 * inside the VMA when its pages fault in). NULL when the leaves are not the
 * size asked for or memory is short.
 */
static struct aspace *bench_fork_space(bool huge)
{
	struct aspace *as = as_create();
	struct as_mem_stats st;
	uint64_t piece = huge ? BENCH_FORK_LEN : MiB(1);

	if (!as)
		return NULL;
	for (uint64_t off = 0; off < BENCH_FORK_LEN; off += piece)
		if (as_mmap(as, BENCH_FORK_VA + off, piece, BENCH_RW,
			    BENCH_ANON | MAP_FIXED | MAP_POPULATE) < 0)
			goto out_destroy;
	as_mem_stats(as, BENCH_FORK_VA, BENCH_FORK_VA + BENCH_FORK_LEN, &st);
	if (st.resident != BENCH_FORK_LEN || st.huge != (huge ? BENCH_FORK_LEN : 0))
		goto out_destroy;
	return as;

out_destroy:
	as_destroy(as);
	return NULL;
}

/* Cycles per write fault at BENCH_FORK_FAULTS pages of `as`, one per 2 MiB; 0 on error. */
static unsigned long long bench_fork_faults(struct aspace *as, uint64_t off)
{
	unsigned long long t0 = rdtsc(), t;
	int bad = 0;

	for (int i = 0; i < BENCH_FORK_FAULTS; i++)
		bad |= as_fault(as, BENCH_FORK_VA + i * PAGE_2M + off,
				AS_PF_WRITE | AS_PF_USER | AS_PF_PRESENT) != AS_FAULT_OK;
	t = (rdtsc() - t0) / BENCH_FORK_FAULTS;
	return bad ? 0 : t;
}

/* The figures of one fork round: clone, the child's first writes, its exit, the parent's reuse. */
struct bench_fork_round {
	unsigned long long clone, cow, destroy, reuse;
};

/*
 * as_clone of `as` (what fork pays), BENCH_FORK_FAULTS first writes in the
 * child (copy-on-write break), as_destroy of the child (its exit), then the
 * same number of writes in the parent, whose frames are its own again (the
 * reuse without a copy). False on error.
 */
static bool bench_fork_round(struct aspace *as, struct bench_fork_round *r, int rep)
{
	unsigned long long t0 = rdtsc();
	struct aspace *child = as_clone(as);
	uint64_t off = (uint64_t)(rep + 1) * 5 * PAGE_SIZE; /* a page not yet copied */

	r->clone = rdtsc() - t0;
	if (!child)
		return false;
	r->cow = bench_fork_faults(child, off);
	t0 = rdtsc();
	as_destroy(child);
	r->destroy = rdtsc() - t0;
	r->reuse = bench_fork_faults(as, off + PAGE_SIZE);
	return r->cow && r->reuse;
}

/*
 * fork of a space with 64 MiB touched, in 4 KiB pages and in 2 MiB leaves:
 * as_clone, the first write fault in the child (4 KiB: copy one page; 2 MiB:
 * split the child's leaf and copy one page), the child's as_destroy, and a
 * write fault in the parent after the child is gone (reuse: 4 KiB, the page
 * made writable; 2 MiB, the whole leaf). Beside them, what the other 2 MiB
 * policy would pay at the first write: a 2 MiB frame and a copy of 2 MiB.
 */
static void bench_fork(const char *name, bool huge)
{
	unsigned long long clone[BENCH_REPS], cow[BENCH_REPS], destroy[BENCH_REPS];
	unsigned long long reuse[BENCH_REPS];
	struct aspace *as = bench_fork_space(huge);
	struct bench_fork_round r = {0};
	char key[48];

	ASSERT_NE(as, NULL);
	for (int i = 0; i < BENCH_REPS; i++) {
		ASSERT_TRUE(bench_fork_round(as, &r, i));
		clone[i] = r.clone;
		cow[i] = r.cow;
		destroy[i] = r.destroy;
		reuse[i] = r.reuse;
	}
	ksnprintf(key, sizeof(key), "fork.clone_64m_%s", name);
	bench_report(key, clone, BENCH_REPS);
	ksnprintf(key, sizeof(key), "fork.cow_first_write_%s", name);
	bench_report(key, cow, BENCH_REPS);
	ksnprintf(key, sizeof(key), "fork.child_destroy_64m_%s", name);
	bench_report(key, destroy, BENCH_REPS);
	ksnprintf(key, sizeof(key), "fork.reuse_write_%s", name);
	bench_report(key, reuse, BENCH_REPS);
	EXPECT_EQ(as_check(as), 0);
	as_destroy(as);
}

/*
 * The copy-2 MiB policy's first write without its page-table work: a 2 MiB
 * frame from the allocator, and 2 MiB copied (timed apart).
 */
static void bench_fork_copy_2m(void)
{
	unsigned long long alloc[BENCH_REPS], copy[BENCH_REPS], t0;
	paddr_t src = pmm_alloc(9), dst;

	ASSERT_NE(src, 0);
	mm_page_zero(mm_phys_to_virt(src), PAGE_2M);
	for (int i = 0; i < BENCH_REPS; i++) {
		t0 = rdtsc();
		dst = pmm_alloc(9);
		alloc[i] = rdtsc() - t0;
		ASSERT_NE(dst, 0);
		t0 = rdtsc();
		mm_page_copy(mm_phys_to_virt(dst), mm_phys_to_virt(src), PAGE_2M);
		copy[i] = rdtsc() - t0;
		pmm_free(dst, 9);
	}
	pmm_free(src, 9);
	bench_report("fork.alt_alloc_2m", alloc, BENCH_REPS);
	bench_report("fork.alt_copy_2m", copy, BENCH_REPS);
}

TEST(bench, fork_64m)
{
	bench_only();
	bench_fork("4k", false);
	bench_fork("2m", true);
	bench_fork_copy_2m();
}
