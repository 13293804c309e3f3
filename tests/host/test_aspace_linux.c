/*
 * Differential tests of mm/aspace.h against this Linux host: every operation
 * runs as a real syscall inside a private window of the test process and as
 * the as_* call on an aspace at the same addresses. After every step the
 * results (address or errno) must agree, and so must every page of the
 * window: mapped or not and its prot (Linux from /proc/self/maps, ours from
 * as_vma_at), and the contents of touched and sampled pages. VMA boundaries
 * are not compared (merging details differ).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mm/aspace.h"
#include "mm/pt.h"
#include "mm/mmarch.h"
#include "support/as_testlib.h"
#include "support/host_mm.h"

#define LX_BASE (0x500000000000ULL + GiB(64))
#define LX_PAGES (MiB(32) / PAGE_SIZE)
#define LX_END (LX_BASE + LX_PAGES * PAGE_SIZE)

struct lx {
	struct aspace *as;
	struct asm_ctx gen;   /* only for asm_random_op's bias (state = Linux view) */
	int8_t lprot[LX_PAGES]; /* Linux view: -1 unmapped, else prot */
	uint8_t touched[LX_PAGES];
	int memfd;            /* /proc/self/mem */
	unsigned long steps;
	const char *label;
};

static struct lx L;

/* Read the Linux /proc/self/maps view of the window into L.lprot. */
static void lx_scan(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];

	cr_assert_not_null(f);
	memset(L.lprot, -1, sizeof(L.lprot));
	while (fgets(line, sizeof(line), f)) {
		unsigned long long s, e;
		char perm[5];

		if (sscanf(line, "%llx-%llx %4s", &s, &e, perm) != 3 || e <= LX_BASE || s >= LX_END)
			continue;
		int prot = (perm[0] == 'r' ? PROT_READ : 0) | (perm[1] == 'w' ? PROT_WRITE : 0) |
			   (perm[2] == 'x' ? PROT_EXEC : 0);
		for (uint64_t a = MAX(s, LX_BASE); a < MIN(e, LX_END); a += PAGE_SIZE)
			L.lprot[(a - LX_BASE) / PAGE_SIZE] = prot;
	}
	fclose(f);
}

/* Read a Linux page even when PROT_NONE (through /proc/self/mem). */
static bool lx_read_page(vaddr_t va, uint8_t *buf)
{
	return pread(L.memfd, buf, PAGE_SIZE, (off_t)va) == (ssize_t)PAGE_SIZE;
}

/* Our page content without faulting it in: zeros when not present. */
static void as_peek_page(vaddr_t va, uint8_t *buf)
{
	struct pt_leaf leaf;

	if (!pt_query(as_root(L.as), va, &leaf))
		memset(buf, 0, PAGE_SIZE);
	else
		memcpy(buf, mm_phys_to_virt(leaf.pa + (va - leaf.va)), PAGE_SIZE);
}

/* Compare the contents of one page at Linux address la and our address oa. */
static bool lx_same_content(vaddr_t la, vaddr_t oa, const char *what)
{
	static uint8_t a[PAGE_SIZE], b[PAGE_SIZE];

	if (!lx_read_page(la, a))
		return true;
	as_peek_page(oa, b);
	if (memcmp(a, b, PAGE_SIZE) == 0)
		return true;
	for (size_t i = 0; i < PAGE_SIZE; i++) {
		if (a[i] != b[i]) {
			printf("%s step %lu: %s page %#llx byte %zu: linux %u ours %u\n", L.label,
			       L.steps, what, (unsigned long long)oa, i, a[i], b[i]);
			break;
		}
	}
	return false;
}

/* Compare every window page's mapping and prot, and touched/sampled contents. */
static bool lx_compare(void)
{
	lx_scan();
	for (size_t i = 0; i < LX_PAGES; i++) {
		vaddr_t va = LX_BASE + i * PAGE_SIZE;
		int prot = 0;
		bool mapped = as_test_page(L.as, va, &prot);

		if (mapped != (L.lprot[i] >= 0) || (mapped && (prot & 7) != L.lprot[i])) {
			printf("%s step %lu: page %#llx linux %s prot %d, ours %s prot %d\n",
			       L.label, L.steps, (unsigned long long)va,
			       L.lprot[i] >= 0 ? "mapped" : "unmapped", L.lprot[i],
			       mapped ? "mapped" : "unmapped", prot);
			return false;
		}
		L.gen.sp[0].state[i] = L.lprot[i] >= 0 ? 1 + L.lprot[i] : 0;
	}
	for (size_t i = 0; i < LX_PAGES; i++) {
		bool sample = (i * 2654435761u + L.steps) % 509 == 0;

		if (L.lprot[i] >= 0 && (L.touched[i] || sample) &&
		    !lx_same_content(LX_BASE + i * PAGE_SIZE, LX_BASE + i * PAGE_SIZE, "content"))
			return false;
	}
	if (as_check(L.as) != 0) {
		printf("%s step %lu: as_check failed\n", L.label, L.steps);
		return false;
	}
	return true;
}

/* Linux result as the as_* functions report it: value or -errno. */
static long lx_ret(long r, bool is_ptr)
{
	if (is_ptr ? (void *)r == MAP_FAILED : r == -1)
		return -errno;
	return r;
}

/* Run op on Linux. */
static long lx_exec_linux(const struct asm_op *op)
{
	void *va = (void *)(LX_BASE + op->off);

	errno = 0;
	switch (op->kind) {
	case ASM_MMAP:
		return lx_ret((long)mmap(va, op->len, op->prot, op->flags | MAP_ANONYMOUS, -1, 0), true);
	case ASM_MUNMAP:
		return lx_ret(munmap(va, op->len), false);
	case ASM_MPROTECT:
		return lx_ret(mprotect(va, op->len, op->prot), false);
	case ASM_MREMAP:
		return lx_ret((long)mremap(va, op->len, op->len2, op->flags,
					   (void *)(LX_BASE + op->off2)), true);
	case ASM_MADVISE:
		return lx_ret(madvise(va, op->len, op->flags), false);
	default:
		return 0;
	}
}

/* Run op on ours. */
static long lx_exec_ours(const struct asm_op *op)
{
	vaddr_t va = LX_BASE + op->off;

	switch (op->kind) {
	case ASM_MMAP:
		return as_mmap(L.as, va, op->len, op->prot, op->flags | MAP_ANONYMOUS);
	case ASM_MUNMAP:
		return as_munmap(L.as, va, op->len);
	case ASM_MPROTECT:
		return as_mprotect(L.as, va, op->len, op->prot);
	case ASM_MREMAP:
		return as_mremap(L.as, va, op->len, op->len2, op->flags, LX_BASE + op->off2);
	case ASM_MADVISE:
		return as_madvise(L.as, va, op->len, op->flags);
	default:
		return 0;
	}
}

/* A one-page user write (or read) on both sides; verdicts and bytes must agree. */
static bool lx_access(const struct asm_op *op)
{
	static uint8_t a[PAGE_SIZE], b[PAGE_SIZE];
	size_t p = op->off / PAGE_SIZE;
	vaddr_t va = LX_BASE + p * PAGE_SIZE;
	int lp = L.lprot[p], want, got;

	want = lp < 0 ? AS_FAULT_MAPERR :
	       (op->kind == ASM_WRITE ? (lp & PROT_WRITE) : (lp & (PROT_READ | PROT_WRITE)))
	       ? AS_FAULT_OK : AS_FAULT_ACCERR;
	if (op->kind == ASM_READ && lp == PROT_EXEC)
		return true; /* exec-only pages may use a protection key on this host */
	if (op->kind == ASM_WRITE) {
		memset(b, op->val, PAGE_SIZE);
		if (want == AS_FAULT_OK)
			memset((void *)va, op->val, PAGE_SIZE);
		got = as_test_write(L.as, va, b, PAGE_SIZE);
		L.touched[p] = 1;
	} else {
		got = as_test_read(L.as, va, b, PAGE_SIZE);
		if (want == AS_FAULT_OK)
			memcpy(a, (void *)va, PAGE_SIZE);
		if (got == AS_FAULT_OK && want == AS_FAULT_OK && memcmp(a, b, PAGE_SIZE)) {
			printf("%s step %lu: read of %#llx differs\n", L.label, L.steps,
			       (unsigned long long)va);
			return false;
		}
	}
	if (got != want) {
		printf("%s step %lu: %s at %#llx (linux prot %d): verdict %d, linux says %d\n",
		       L.label, L.steps, op->kind == ASM_WRITE ? "write" : "read",
		       (unsigned long long)va, lp, got, want);
		return false;
	}
	return true;
}

/* Both sides placed or moved the mapping elsewhere: compare contents, unmap both. */
static bool lx_elsewhere(const struct asm_op *op, long rl, long ro)
{
	uint64_t len = ALIGN_UP(op->kind == ASM_MREMAP ? op->len2 : op->len, PAGE_SIZE);
	bool ok = true;

	for (uint64_t o = 0; o < len && ok; o += PAGE_SIZE)
		ok = lx_same_content((vaddr_t)rl + o, (vaddr_t)ro + o, "moved");
	munmap((void *)rl, len);
	if (as_munmap(L.as, (vaddr_t)ro, len) != 0) {
		printf("%s step %lu: munmap of our placement %#lx failed\n", L.label, L.steps, ro);
		return false;
	}
	return ok;
}

/* Run one op on both sides and compare everything. */
static bool lx_step(const struct asm_op *op)
{
	long rl, ro;

	L.steps++;
	L.gen.steps = L.steps;
	if (op->kind == ASM_WRITE || op->kind == ASM_READ)
		return lx_access(op) && lx_compare();
	rl = lx_exec_linux(op);
	ro = lx_exec_ours(op);
	if (rl != ro) {
		bool out_l = rl >= 0 && ((vaddr_t)rl < LX_BASE || (vaddr_t)rl >= LX_END);
		bool out_o = ro >= 0 && ((vaddr_t)ro < LX_BASE || (vaddr_t)ro >= LX_END);

		if (out_l && out_o)
			return lx_elsewhere(op, rl, ro) && lx_compare();
		asm_print_op(&L.gen, op);
		printf("%s step %lu: linux returned %ld (%#lx), ours %ld (%#lx)\n", L.label,
		       L.steps, rl, rl, ro, ro);
		return false;
	}
	if (op->kind == ASM_MADVISE && op->flags == MADV_FREE)
		memset(L.touched + op->off / PAGE_SIZE, 0,
		       MIN(ALIGN_UP(op->len, PAGE_SIZE) / PAGE_SIZE, LX_PAGES - op->off / PAGE_SIZE));
	if (!lx_compare()) {
		asm_print_op(&L.gen, op);
		return false;
	}
	return true;
}

static void lx_setup(void)
{
	host_mm_setup(MiB(512));
	memset(&L, 0, sizeof(L));
	L.label = "linux-diff";
	L.as = as_create();
	cr_assert_not_null(L.as);
	L.memfd = open("/proc/self/mem", O_RDONLY);
	cr_assert_geq(L.memfd, 0);
	L.gen.base = LX_BASE;
	L.gen.npages = LX_PAGES;
	L.gen.nspaces = 1;
	L.gen.sp[0].as = L.as;
	L.gen.sp[0].state = calloc(LX_PAGES, 1);
	munmap((void *)LX_BASE, LX_END - LX_BASE);
	lx_scan();
	for (size_t i = 0; i < LX_PAGES; i++)
		cr_assert_eq(L.lprot[i], -1, "window not free on this host");
}

static void lx_teardown(void)
{
	munmap((void *)LX_BASE, LX_END - LX_BASE);
	as_destroy(L.as);
	free(L.gen.sp[0].state);
	close(L.memfd);
}

TestSuite(aspace_linux, .init = lx_setup, .fini = lx_teardown);

#define OP(...) ((struct asm_op){__VA_ARGS__})
#define RW (PROT_READ | PROT_WRITE)
#define PG PAGE_SIZE
#define FIX (MAP_PRIVATE | MAP_FIXED)
#define STEP(...) cr_assert(lx_step(&OP(__VA_ARGS__)), "mismatch (see stdout)")

Test(aspace_linux, mmap_errnos)
{
	STEP(.kind = ASM_MMAP, .off = 0, .len = 0, .prot = RW, .flags = FIX);
	STEP(.kind = ASM_MMAP, .off = 0, .len = PG, .prot = RW, .flags = MAP_FIXED);
	STEP(.kind = ASM_MMAP, .off = 0, .len = PG, .prot = RW, .flags = MAP_FIXED | MAP_SHARED | MAP_PRIVATE);
	STEP(.kind = ASM_MMAP, .off = 5, .len = PG, .prot = RW, .flags = FIX);
	STEP(.kind = ASM_MMAP, .off = 5, .len = PG, .prot = RW, .flags = MAP_PRIVATE | MAP_FIXED_NOREPLACE);
	STEP(.kind = ASM_MMAP, .off = 0, .len = 3 * PG - 100, .prot = RW, .flags = FIX);
	STEP(.kind = ASM_MMAP, .off = 2 * PG, .len = 2 * PG, .prot = RW, .flags = MAP_PRIVATE | MAP_FIXED_NOREPLACE);
	STEP(.kind = ASM_MMAP, .off = 3 * PG, .len = 2 * PG, .prot = PROT_READ, .flags = MAP_PRIVATE | MAP_FIXED_NOREPLACE);
	STEP(.kind = ASM_MMAP, .off = 8 * PG + 123, .len = PG, .prot = RW, .flags = MAP_PRIVATE);
	STEP(.kind = ASM_MMAP, .off = PG, .len = PG, .prot = RW, .flags = MAP_PRIVATE);
	STEP(.kind = ASM_MMAP, .off = 16 * PG, .len = MiB(2), .prot = RW, .flags = FIX | MAP_POPULATE);
	STEP(.kind = ASM_MMAP, .off = MiB(4), .len = MiB(2), .prot = PROT_READ, .flags = FIX | MAP_NORESERVE);
	STEP(.kind = ASM_MMAP, .off = MiB(8), .len = 4 * PG, .prot = RW, .flags = FIX | MAP_GROWSDOWN);
	STEP(.kind = ASM_MMAP, .off = 20 * PG, .len = 4 * PG, .prot = PROT_EXEC | PROT_READ, .flags = FIX);
	STEP(.kind = ASM_MMAP, .off = 17 * PG, .len = 5 * PG, .prot = PROT_NONE, .flags = FIX);
}

/* Linux ignores unknown prot bits in mmap and accepts PROT_SEM (0x8) in mprotect. */
Test(aspace_linux, prot_bits)
{
	STEP(.kind = ASM_MMAP, .off = 0, .len = PG, .prot = RW | 0x10, .flags = FIX);
	STEP(.kind = ASM_MMAP, .off = PG, .len = PG, .prot = RW | 0x8, .flags = FIX);
	STEP(.kind = ASM_MPROTECT, .off = 0, .len = PG, .prot = PROT_READ | 0x8);
	STEP(.kind = ASM_MPROTECT, .off = 0, .len = PG, .prot = PROT_READ | 0x10);
	STEP(.kind = ASM_MPROTECT, .off = 0, .len = PG, .prot = PROT_READ | PROT_GROWSDOWN);
	STEP(.kind = ASM_MPROTECT, .off = 0, .len = PG, .prot = PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP);
}

/* MAP_FIXED beyond the user half. */
Test(aspace_linux, mmap_beyond_task_size)
{
	long rl = lx_ret((long)mmap((void *)(AS_TASK_SIZE - PG), 2 * PG, PROT_READ,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), true);
	long ro = as_mmap(L.as, AS_TASK_SIZE - PG, 2 * PG, PROT_READ,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);

	cr_expect_eq(ro, rl, "linux %ld ours %ld", rl, ro);
	rl = lx_ret(munmap((void *)(AS_TASK_SIZE - PG), 2 * PG), false);
	ro = as_munmap(L.as, AS_TASK_SIZE - PG, 2 * PG);
	cr_expect_eq(ro, rl, "munmap across TASK_SIZE: linux %ld ours %ld", rl, ro);
	rl = lx_ret((long)mmap(NULL, AS_TASK_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), true);
	ro = as_mmap(L.as, 0, AS_TASK_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
	cr_expect_eq(ro, rl, "len TASK_SIZE: linux %ld ours %ld", rl, ro);
	rl = lx_ret((long)mmap(NULL, (uint64_t)-PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), true);
	ro = as_mmap(L.as, 0, (uint64_t)-PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
	cr_expect_eq(ro, rl, "len wraps on rounding: linux %ld ours %ld", rl, ro);
}

Test(aspace_linux, munmap_cases)
{
	STEP(.kind = ASM_MMAP, .off = 0, .len = 10 * PG, .prot = RW, .flags = FIX);
	STEP(.kind = ASM_MMAP, .off = 12 * PG, .len = 4 * PG, .prot = PROT_READ, .flags = FIX);
	STEP(.kind = ASM_WRITE, .off = 3 * PG, .val = 1);
	STEP(.kind = ASM_WRITE, .off = 9 * PG, .val = 2);
	STEP(.kind = ASM_MUNMAP, .off = 1, .len = PG);
	STEP(.kind = ASM_MUNMAP, .off = 0, .len = 0);
	STEP(.kind = ASM_MUNMAP, .off = MiB(16), .len = MiB(1));
	STEP(.kind = ASM_MUNMAP, .off = 4 * PG, .len = PG - 1);
	STEP(.kind = ASM_MUNMAP, .off = 8 * PG, .len = 6 * PG);
	STEP(.kind = ASM_READ, .off = 9 * PG);
	STEP(.kind = ASM_READ, .off = 3 * PG);
}

Test(aspace_linux, mprotect_cases)
{
	STEP(.kind = ASM_MMAP, .off = 0, .len = 8 * PG, .prot = RW, .flags = FIX);
	STEP(.kind = ASM_MMAP, .off = 10 * PG, .len = 8 * PG, .prot = RW, .flags = FIX);
	STEP(.kind = ASM_MPROTECT, .off = 1, .len = PG, .prot = PROT_READ);
	STEP(.kind = ASM_MPROTECT, .off = 0, .len = 0, .prot = 0x10);
	STEP(.kind = ASM_MPROTECT, .off = 2 * PG, .len = 2 * PG, .prot = PROT_READ);
	STEP(.kind = ASM_MPROTECT, .off = 2 * PG, .len = 2 * PG, .prot = RW);
	STEP(.kind = ASM_MPROTECT, .off = 4 * PG, .len = 10 * PG, .prot = PROT_READ);
	STEP(.kind = ASM_MPROTECT, .off = 8 * PG, .len = 4 * PG, .prot = PROT_NONE);
	STEP(.kind = ASM_MPROTECT, .off = 3 * PG, .len = PG + 1, .prot = PROT_EXEC);
	STEP(.kind = ASM_WRITE, .off = 6 * PG, .val = 9);
	STEP(.kind = ASM_WRITE, .off = 0, .val = 9);
	STEP(.kind = ASM_READ, .off = 4 * PG);
}

Test(aspace_linux, mremap_cases)
{
	STEP(.kind = ASM_MMAP, .off = 0, .len = 8 * PG, .prot = RW, .flags = FIX);
	for (int i = 0; i < 8; i++)
		STEP(.kind = ASM_WRITE, .off = i * PG, .val = 0x30 + i);
	STEP(.kind = ASM_MREMAP, .off = 0, .len = PG, .len2 = PG, .flags = 8);
	STEP(.kind = ASM_MREMAP, .off = 0, .len = PG, .len2 = 0, .flags = MREMAP_MAYMOVE);
	STEP(.kind = ASM_MREMAP, .off = 1, .len = PG, .len2 = PG);
	STEP(.kind = ASM_MREMAP, .off = 0, .len = PG, .len2 = PG, .flags = MREMAP_FIXED, .off2 = MiB(1));
	STEP(.kind = ASM_MREMAP, .off = 0, .len = 2 * PG, .len2 = 2 * PG,
	     .flags = MREMAP_FIXED | MREMAP_MAYMOVE, .off2 = PG);
	STEP(.kind = ASM_MREMAP, .off = 0, .len = 2 * PG, .len2 = 2 * PG,
	     .flags = MREMAP_FIXED | MREMAP_MAYMOVE, .off2 = MiB(1) + 5);
	STEP(.kind = ASM_MREMAP, .off = MiB(2), .len = PG, .len2 = 2 * PG);
	STEP(.kind = ASM_MREMAP, .off = 0, .len = 8 * PG, .len2 = 6 * PG);
	STEP(.kind = ASM_MREMAP, .off = 0, .len = 6 * PG, .len2 = 12 * PG);
	STEP(.kind = ASM_MMAP, .off = 14 * PG, .len = PG, .prot = PROT_READ, .flags = FIX);
	STEP(.kind = ASM_MREMAP, .off = 0, .len = 12 * PG, .len2 = 16 * PG);
	STEP(.kind = ASM_MREMAP, .off = 0, .len = 4 * PG, .len2 = 5 * PG);
	STEP(.kind = ASM_MREMAP, .off = 10 * PG, .len = 8 * PG, .len2 = 9 * PG, .flags = MREMAP_MAYMOVE);
	STEP(.kind = ASM_MREMAP, .off = 0, .len = 12 * PG, .len2 = 16 * PG,
	     .flags = MREMAP_MAYMOVE | MREMAP_FIXED, .off2 = MiB(1));
	STEP(.kind = ASM_MMAP, .off = MiB(3), .len = 4 * PG, .prot = PROT_READ, .flags = FIX);
	STEP(.kind = ASM_MREMAP, .off = MiB(1), .len = 4 * PG, .len2 = 4 * PG,
	     .flags = MREMAP_MAYMOVE | MREMAP_FIXED, .off2 = MiB(3) + 2 * PG);
	STEP(.kind = ASM_READ, .off = MiB(3) + 3 * PG);
}

/* Linux 6.x: a shrinking mremap unmaps the tail even over holes; equal lengths need only a VMA at addr. */
Test(aspace_linux, mremap_shrink_over_hole)
{
	STEP(.kind = ASM_MMAP, .off = 0, .len = PG, .prot = RW, .flags = FIX);
	STEP(.kind = ASM_MMAP, .off = 2 * PG, .len = PG, .prot = RW, .flags = FIX);
	STEP(.kind = ASM_MREMAP, .off = 0, .len = 3 * PG, .len2 = PG);
	STEP(.kind = ASM_MREMAP, .off = 0, .len = 3 * PG, .len2 = 3 * PG);
	STEP(.kind = ASM_MMAP, .off = PG, .len = PG, .prot = PROT_READ, .flags = FIX);
	STEP(.kind = ASM_MREMAP, .off = 0, .len = 2 * PG, .len2 = PG);
}

/* Lengths that wrap or pass the user half (found by the syscall fuzz program): EINVAL, nothing changed. */
Test(aspace_linux, mremap_huge_lengths)
{
	STEP(.kind = ASM_MMAP, .off = 0, .len = 4 * PG, .prot = RW, .flags = FIX);
	STEP(.kind = ASM_MREMAP, .off = 0, .len = -PG, .len2 = 2 * PG);
	STEP(.kind = ASM_MREMAP, .off = 0, .len = -PG, .len2 = 2 * PG, .flags = MREMAP_MAYMOVE);
	STEP(.kind = ASM_MREMAP, .off = 0, .len = 2 * PG, .len2 = -PG, .flags = MREMAP_MAYMOVE);
	STEP(.kind = ASM_MREMAP, .off = 0, .len = 2 * PG, .len2 = -PG);
	STEP(.kind = ASM_MREMAP, .off = 0, .len = -100, .len2 = 2 * PG);
	STEP(.kind = ASM_MREMAP, .off = 0, .len = 0x800000000000ULL, .len2 = 2 * PG);
	STEP(.kind = ASM_MREMAP, .off = 0, .len = -PG, .len2 = PG,
	     .flags = MREMAP_MAYMOVE | MREMAP_FIXED, .off2 = MiB(1));
	/* The kept part larger than the VMA: EFAULT comes before the tail's EINVAL. */
	STEP(.kind = ASM_MREMAP, .off = 0, .len = -PG, .len2 = 8 * PG,
	     .flags = MREMAP_MAYMOVE | MREMAP_FIXED, .off2 = MiB(1));
}

/*
 * MREMAP_FIXED whose old address is unmapped: EFAULT and the target stays
 * mapped. (Old ranges over several VMAs or holes are not compared: Linux
 * 6.17+ moves each VMA of such a range, older kernels give EFAULT.)
 */
Test(aspace_linux, mremap_fixed_bad_old_keeps_target)
{
	STEP(.kind = ASM_MMAP, .off = MiB(1), .len = PG, .prot = RW, .flags = FIX);
	STEP(.kind = ASM_WRITE, .off = MiB(1), .val = 5);
	STEP(.kind = ASM_MREMAP, .off = 0, .len = PG, .len2 = PG,
	     .flags = MREMAP_MAYMOVE | MREMAP_FIXED, .off2 = MiB(1));
	STEP(.kind = ASM_READ, .off = MiB(1));
}

/* MREMAP_DONTUNMAP (Linux >= 5.7): the old range stays mapped, empty. */
Test(aspace_linux, mremap_dontunmap)
{
	STEP(.kind = ASM_MMAP, .off = 0, .len = 2 * PG, .prot = RW, .flags = FIX);
	STEP(.kind = ASM_WRITE, .off = 0, .val = 5);
	STEP(.kind = ASM_MREMAP, .off = 0, .len = 2 * PG, .len2 = 2 * PG,
	     .flags = MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, .off2 = MiB(1));
	STEP(.kind = ASM_READ, .off = 0);
	STEP(.kind = ASM_READ, .off = MiB(1));
}

Test(aspace_linux, madvise_cases)
{
	STEP(.kind = ASM_MMAP, .off = 0, .len = 8 * PG, .prot = RW, .flags = FIX);
	for (int i = 0; i < 8; i++)
		STEP(.kind = ASM_WRITE, .off = i * PG, .val = 0x40 + i);
	STEP(.kind = ASM_MADVISE, .off = 1, .len = PG, .flags = MADV_DONTNEED);
	STEP(.kind = ASM_MADVISE, .off = 0, .len = PG, .flags = 99);
	STEP(.kind = ASM_MADVISE, .off = 0, .len = 0, .flags = MADV_DONTNEED);
	STEP(.kind = ASM_MADVISE, .off = PG, .len = 2 * PG - 1, .flags = MADV_DONTNEED);
	STEP(.kind = ASM_MADVISE, .off = 6 * PG, .len = 4 * PG, .flags = MADV_DONTNEED);
	STEP(.kind = ASM_MADVISE, .off = 6 * PG, .len = 4 * PG, .flags = MADV_WILLNEED);
	STEP(.kind = ASM_MADVISE, .off = 0, .len = 4 * PG, .flags = MADV_NORMAL);
	STEP(.kind = ASM_MADVISE, .off = 0, .len = 4 * PG, .flags = MADV_FREE);
	STEP(.kind = ASM_MADVISE, .off = 10 * PG, .len = 4 * PG, .flags = MADV_SEQUENTIAL);
	STEP(.kind = ASM_MPROTECT, .off = 4 * PG, .len = PG, .prot = PROT_NONE);
	STEP(.kind = ASM_MADVISE, .off = 4 * PG, .len = PG, .flags = MADV_DONTNEED);
	STEP(.kind = ASM_READ, .off = 5 * PG);
	STEP(.kind = ASM_READ, .off = PG);
}

/* An MREMAP_FIXED whose moved part is not one of our VMAs (kernel-version dependent, see above). */
static bool lx_multi_vma_move(const struct asm_op *op)
{
	struct as_vma_info vi;
	vaddr_t va = LX_BASE + op->off;
	uint64_t moved = ALIGN_UP(MIN(op->len, op->len2), PAGE_SIZE);

	if (op->kind != ASM_MREMAP || !(op->flags & MREMAP_FIXED) || !IS_ALIGNED(va, PAGE_SIZE))
		return false;
	return as_vma_at(L.as, va, &vi) && vi.end < va + moved;
}

/* Random sequences biased to overlap existing mappings; 4 KiB and 2 MiB ranges. */
static void lx_random(uint64_t seed, int steps)
{
	uint64_t rng = seed;
	struct asm_op op;
	char label[64];

	snprintf(label, sizeof(label), "linux-diff seed %#llx", (unsigned long long)seed);
	L.label = label;
	lx_scan();
	for (int i = 0; i < steps; i++) {
		asm_random_op(&L.gen, &rng, &op, false);
		if (op.kind == ASM_BRK || op.kind == ASM_CLONE || op.kind == ASM_DESTROY)
			op.kind = ASM_WRITE;
		if (op.kind == ASM_WRITE || op.kind == ASM_READ)
			op.off = ALIGN_DOWN(op.off % (LX_PAGES * PAGE_SIZE), PAGE_SIZE);
		if (lx_multi_vma_move(&op))
			continue;
		cr_assert(lx_step(&op), "seed %#llx: mismatch at step %d (see stdout)",
			  (unsigned long long)seed, i);
	}
}

Test(aspace_linux, random_seed_1) { lx_random(1, 400); }
Test(aspace_linux, random_seed_2) { lx_random(2, 400); }
Test(aspace_linux, random_seed_3) { lx_random(0xfeedface, 400); }
Test(aspace_linux, random_seed_4) { lx_random(77, 400); }
