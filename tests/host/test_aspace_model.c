/*
 * Model-based tests of the user address space (mm/aspace.h): random op
 * sequences (fixed seeds) run on the real object and on a page-array model
 * of the documented Linux semantics (support/as_testlib.c), compared after
 * every step, with allocation failures injected at random steps. Targeted
 * cases cover brk, clone (COW), madvise(DONTNEED), the stack and repros.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "lib/errno.h"
#include "mm/aspace.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "support/as_testlib.h"
#include "support/host_mm.h"

#define WIN_BASE 0x40000000ULL          /* 1 GiB, 2 MiB aligned */
#define WIN_PAGES (MiB(16) / PAGE_SIZE) /* 8 large pages' worth */
#define W(off) (WIN_BASE + (off))

static void setup(void)
{
	host_mm_setup(MiB(512));
}

TestSuite(aspace_model, .init = setup);

/* Run `steps` random ops from `seed`; fails at the first mismatch. */
static void run_seed(uint64_t seed, int steps, bool inject)
{
	struct asm_ctx c;
	struct asm_op op;
	uint64_t rng = seed;

	cr_assert_eq(asm_init(&c, WIN_BASE, WIN_PAGES), 0);
	for (int i = 0; i < steps; i++) {
		asm_random_op(&c, &rng, &op, inject);
		if (asm_step(&c, &op)) {
			asm_fini(&c);
			cr_assert_fail("seed %#llx: model mismatch at step %d (see stdout)",
				       (unsigned long long)seed, i);
		}
	}
	cr_assert_eq(asm_fini(&c), 0, "seed %#llx: leak after as_destroy",
		     (unsigned long long)seed);
	if (inject)
		cr_expect_gt(c.injected, 0, "seed %#llx: no failure was injected",
			     (unsigned long long)seed);
}

Test(aspace_model, random_seed_1) { run_seed(1, 400, false); }
Test(aspace_model, random_seed_2) { run_seed(2, 400, false); }
Test(aspace_model, random_seed_3) { run_seed(0xdeadbeef, 400, false); }
Test(aspace_model, random_inject_seed_4) { run_seed(4, 400, true); }
Test(aspace_model, random_inject_seed_5) { run_seed(5, 400, true); }
Test(aspace_model, random_inject_seed_6) { run_seed(0x5eed, 400, true); }

/* A context with one space, for the hand-written sequences below. */
static void ctx_init(struct asm_ctx *c)
{
	cr_assert_eq(asm_init(c, WIN_BASE, WIN_PAGES), 0);
}

/* Run one op through the model engine; the test fails on any mismatch. */
static void step(struct asm_ctx *c, struct asm_op op)
{
	if (asm_step(c, &op)) {
		asm_fini(c);
		cr_assert_fail("mismatch at step %lu (see stdout)", c->steps);
	}
}

static void ctx_fini(struct asm_ctx *c)
{
	cr_assert_eq(asm_fini(c), 0, "leak after as_destroy");
}

#define OP(...) ((struct asm_op){__VA_ARGS__})
#define RW (PROT_READ | PROT_WRITE)

/* Writes after as_clone stay on their side; both sides keep the old bytes. */
Test(aspace_model, clone_is_copy_on_write)
{
	struct asm_ctx c;

	ctx_init(&c);
	step(&c, OP(.kind = ASM_MMAP, .off = 0, .len = MiB(4), .prot = RW,
		    .flags = MAP_PRIVATE | MAP_FIXED | MAP_POPULATE));
	step(&c, OP(.kind = ASM_WRITE, .off = 0, .val = 7));
	step(&c, OP(.kind = ASM_WRITE, .off = MiB(2) + PAGE_SIZE, .val = 8));
	step(&c, OP(.kind = ASM_CLONE));
	step(&c, OP(.kind = ASM_WRITE, .space = 1, .off = 0, .val = 9));
	step(&c, OP(.kind = ASM_WRITE, .space = 0, .off = MiB(2) + PAGE_SIZE, .val = 10));
	step(&c, OP(.kind = ASM_READ, .space = 0, .off = 0));
	step(&c, OP(.kind = ASM_READ, .space = 1, .off = MiB(2) + PAGE_SIZE));
	step(&c, OP(.kind = ASM_MUNMAP, .space = 0, .off = 0, .len = MiB(1)));
	step(&c, OP(.kind = ASM_READ, .space = 1, .off = 0));
	step(&c, OP(.kind = ASM_DESTROY, .space = 1));
	step(&c, OP(.kind = ASM_WRITE, .space = 0, .off = MiB(2) + PAGE_SIZE, .val = 11));
	ctx_fini(&c);
}

/* A clone made under every single allocation failure is NULL or complete. */
Test(aspace_model, clone_under_failures)
{
	struct asm_ctx c;

	ctx_init(&c);
	step(&c, OP(.kind = ASM_MMAP, .off = 0, .len = MiB(3), .prot = RW,
		    .flags = MAP_PRIVATE | MAP_FIXED | MAP_POPULATE));
	step(&c, OP(.kind = ASM_WRITE, .off = MiB(2), .val = 3));
	for (unsigned n = 1; n <= 12; n++) {
		step(&c, OP(.kind = ASM_CLONE, .fail = n));
		step(&c, OP(.kind = ASM_WRITE, .space = 1, .off = MiB(2), .val = 4 + n));
		step(&c, OP(.kind = ASM_READ, .space = 0, .off = MiB(2)));
		step(&c, OP(.kind = ASM_DESTROY, .space = 1));
		step(&c, OP(.kind = ASM_CLONE, .fail = n | (1u << 31)));
		step(&c, OP(.kind = ASM_DESTROY, .space = 1));
	}
	ctx_fini(&c);
}

/* madvise(MADV_DONTNEED): written pages read back zero, rights unchanged. */
Test(aspace_model, madvise_dontneed_zeroes)
{
	struct asm_ctx c;

	ctx_init(&c);
	step(&c, OP(.kind = ASM_MMAP, .off = 0, .len = MiB(4), .prot = RW,
		    .flags = MAP_PRIVATE | MAP_FIXED | MAP_POPULATE));
	for (uint64_t o = 0; o < MiB(4); o += MiB(1) - PAGE_SIZE)
		step(&c, OP(.kind = ASM_WRITE, .off = o, .val = 0x5a));
	step(&c, OP(.kind = ASM_MADVISE, .off = PAGE_SIZE, .len = MiB(3), .flags = MADV_DONTNEED));
	step(&c, OP(.kind = ASM_READ, .off = MiB(1) - PAGE_SIZE));
	step(&c, OP(.kind = ASM_READ, .off = 0));
	/* A hole in the range: ENOMEM, the mapped parts still dropped. */
	step(&c, OP(.kind = ASM_MUNMAP, .off = MiB(2), .len = PAGE_SIZE));
	step(&c, OP(.kind = ASM_WRITE, .off = MiB(3), .val = 1));
	step(&c, OP(.kind = ASM_MADVISE, .off = 0, .len = MiB(4), .flags = MADV_DONTNEED));
	step(&c, OP(.kind = ASM_MADVISE, .off = 0, .len = PAGE_SIZE, .flags = 99));
	step(&c, OP(.kind = ASM_MADVISE, .off = 1, .len = PAGE_SIZE, .flags = MADV_DONTNEED));
	ctx_fini(&c);
}

/* brk: query, grow zero-filled, shrink unmaps, refusals keep the break. */
Test(aspace_model, brk_semantics)
{
	struct asm_ctx c;
	uint64_t b = WIN_PAGES * 3 / 4 * PAGE_SIZE; /* brk_start offset */

	ctx_init(&c);
	step(&c, OP(.kind = ASM_BRK, .off = 0));
	step(&c, OP(.kind = ASM_BRK, .off = b + 3 * PAGE_SIZE + 17));
	step(&c, OP(.kind = ASM_WRITE, .off = b + 3 * PAGE_SIZE, .val = 2));
	step(&c, OP(.kind = ASM_READ, .off = b + PAGE_SIZE));
	step(&c, OP(.kind = ASM_BRK, .off = b + PAGE_SIZE));            /* shrink */
	step(&c, OP(.kind = ASM_READ, .off = b + 3 * PAGE_SIZE));       /* gone */
	step(&c, OP(.kind = ASM_BRK, .off = b - PAGE_SIZE));            /* below start */
	step(&c, OP(.kind = ASM_BRK, .off = b + 4 * PAGE_SIZE));        /* regrow: zero */
	step(&c, OP(.kind = ASM_READ, .off = b + 3 * PAGE_SIZE));
	step(&c, OP(.kind = ASM_MMAP, .off = b + 10 * PAGE_SIZE, .len = PAGE_SIZE, .prot = RW,
		    .flags = MAP_PRIVATE | MAP_FIXED));
	step(&c, OP(.kind = ASM_BRK, .off = b + 10 * PAGE_SIZE));       /* into it: refused */
	step(&c, OP(.kind = ASM_BRK, .off = b + 9 * PAGE_SIZE));        /* no page gap: refused */
	step(&c, OP(.kind = ASM_BRK, .off = b + 9 * PAGE_SIZE - 1));    /* gap kept: fine */
	step(&c, OP(.kind = ASM_BRK, .off = b + 20 * PAGE_SIZE, .fail = 1));
	step(&c, OP(.kind = ASM_BRK, .off = b));
	ctx_fini(&c);
}

/* Each errno of as_mmap/as_munmap/as_mprotect/as_mremap on a small layout. */
Test(aspace_model, errno_cases)
{
	struct asm_ctx c;

	ctx_init(&c);
	step(&c, OP(.kind = ASM_MMAP, .off = 0, .len = 0, .prot = RW, .flags = MAP_PRIVATE | MAP_FIXED));
	step(&c, OP(.kind = ASM_MMAP, .off = 0, .len = PAGE_SIZE, .prot = RW, .flags = MAP_FIXED));
	step(&c, OP(.kind = ASM_MMAP, .off = 5, .len = PAGE_SIZE, .prot = RW, .flags = MAP_PRIVATE | MAP_FIXED));
	step(&c, OP(.kind = ASM_MMAP, .off = 0, .len = 3 * PAGE_SIZE - 9, .prot = RW,
		    .flags = MAP_PRIVATE | MAP_FIXED));
	step(&c, OP(.kind = ASM_MMAP, .off = 2 * PAGE_SIZE, .len = PAGE_SIZE, .prot = RW,
		    .flags = MAP_PRIVATE | MAP_FIXED_NOREPLACE));
	step(&c, OP(.kind = ASM_MMAP, .off = PAGE_SIZE + 5, .len = PAGE_SIZE, .prot = RW,
		    .flags = MAP_PRIVATE));                              /* hint taken elsewhere */
	step(&c, OP(.kind = ASM_MMAP, .off = 3 * PAGE_SIZE + 5, .len = PAGE_SIZE, .prot = RW,
		    .flags = MAP_PRIVATE));                              /* hint rounded down */
	step(&c, OP(.kind = ASM_MUNMAP, .off = 1, .len = PAGE_SIZE));
	step(&c, OP(.kind = ASM_MUNMAP, .off = 0, .len = 0));
	step(&c, OP(.kind = ASM_MUNMAP, .off = MiB(8), .len = MiB(1)));  /* nothing there */
	step(&c, OP(.kind = ASM_MPROTECT, .off = 1, .len = PAGE_SIZE, .prot = PROT_READ));
	step(&c, OP(.kind = ASM_MPROTECT, .off = 0, .len = 0, .prot = 0x10));
	step(&c, OP(.kind = ASM_MPROTECT, .off = 0, .len = PAGE_SIZE, .prot = 0x10));
	step(&c, OP(.kind = ASM_MPROTECT, .off = PAGE_SIZE, .len = 5 * PAGE_SIZE, .prot = PROT_READ));
	step(&c, OP(.kind = ASM_MREMAP, .off = 0, .len = PAGE_SIZE, .len2 = 0, .flags = MREMAP_MAYMOVE));
	step(&c, OP(.kind = ASM_MREMAP, .off = 0, .len = PAGE_SIZE, .len2 = PAGE_SIZE, .flags = 8));
	step(&c, OP(.kind = ASM_MREMAP, .off = 0, .len = PAGE_SIZE, .len2 = PAGE_SIZE,
		    .flags = MREMAP_FIXED, .off2 = MiB(1)));
	step(&c, OP(.kind = ASM_MREMAP, .off = 1, .len = PAGE_SIZE, .len2 = PAGE_SIZE));
	step(&c, OP(.kind = ASM_MREMAP, .off = MiB(8), .len = PAGE_SIZE, .len2 = 2 * PAGE_SIZE));
	step(&c, OP(.kind = ASM_MREMAP, .off = 0, .len = 2 * PAGE_SIZE, .len2 = 3 * PAGE_SIZE));
	step(&c, OP(.kind = ASM_MREMAP, .off = 0, .len = PAGE_SIZE, .len2 = 2 * PAGE_SIZE));
	ctx_fini(&c);
}

/* mremap: shrink, grow in place, move, exact target replacing a mapping. */
Test(aspace_model, mremap_paths)
{
	struct asm_ctx c;

	ctx_init(&c);
	step(&c, OP(.kind = ASM_MMAP, .off = 0, .len = 8 * PAGE_SIZE, .prot = RW,
		    .flags = MAP_PRIVATE | MAP_FIXED));
	for (int i = 0; i < 8; i++)
		step(&c, OP(.kind = ASM_WRITE, .off = i * PAGE_SIZE, .val = 0x10 + i));
	step(&c, OP(.kind = ASM_MREMAP, .off = 0, .len = 8 * PAGE_SIZE, .len2 = 6 * PAGE_SIZE));
	step(&c, OP(.kind = ASM_MREMAP, .off = 0, .len = 6 * PAGE_SIZE, .len2 = 10 * PAGE_SIZE));
	step(&c, OP(.kind = ASM_MMAP, .off = 12 * PAGE_SIZE, .len = PAGE_SIZE, .prot = PROT_READ,
		    .flags = MAP_PRIVATE | MAP_FIXED));
	step(&c, OP(.kind = ASM_MREMAP, .off = 0, .len = 10 * PAGE_SIZE, .len2 = 14 * PAGE_SIZE));
	step(&c, OP(.kind = ASM_MREMAP, .off = 0, .len = 10 * PAGE_SIZE, .len2 = 14 * PAGE_SIZE,
		    .flags = MREMAP_MAYMOVE));
	step(&c, OP(.kind = ASM_MMAP, .off = MiB(2), .len = MiB(2), .prot = PROT_READ,
		    .flags = MAP_PRIVATE | MAP_FIXED | MAP_POPULATE));
	step(&c, OP(.kind = ASM_MMAP, .off = MiB(6), .len = MiB(2), .prot = RW,
		    .flags = MAP_PRIVATE | MAP_FIXED | MAP_POPULATE));
	step(&c, OP(.kind = ASM_WRITE, .off = MiB(6) + PAGE_SIZE, .val = 0x77));
	step(&c, OP(.kind = ASM_MREMAP, .off = MiB(6), .len = MiB(2), .len2 = MiB(2) + PAGE_SIZE,
		    .flags = MREMAP_MAYMOVE | MREMAP_FIXED, .off2 = MiB(2) - PAGE_SIZE));
	step(&c, OP(.kind = ASM_MREMAP, .off = MiB(2) - PAGE_SIZE, .len = MiB(1),
		    .len2 = MiB(1), .flags = MREMAP_MAYMOVE | MREMAP_FIXED, .off2 = MiB(10)));
	step(&c, OP(.kind = ASM_READ, .off = MiB(10) + 2 * PAGE_SIZE));
	ctx_fini(&c);
}

/* Every single failure during MAP_FIXED replacement, munmap split, mprotect split, mremap. */
Test(aspace_model, enomem_is_all_or_nothing)
{
	struct asm_ctx c;

	ctx_init(&c);
	step(&c, OP(.kind = ASM_MMAP, .off = 0, .len = MiB(6), .prot = RW,
		    .flags = MAP_PRIVATE | MAP_FIXED | MAP_POPULATE));
	step(&c, OP(.kind = ASM_WRITE, .off = MiB(2) + 5 * PAGE_SIZE, .val = 42));
	for (unsigned n = 1; n <= 8; n++) {
		for (unsigned heap = 0; heap < 2; heap++) {
			unsigned f = n | (heap << 31);

			step(&c, OP(.kind = ASM_MPROTECT, .off = MiB(2) + 3 * PAGE_SIZE,
				    .len = PAGE_SIZE, .prot = PROT_READ, .fail = f));
			step(&c, OP(.kind = ASM_MUNMAP, .off = MiB(3) + PAGE_SIZE,
				    .len = PAGE_SIZE, .fail = f));
			step(&c, OP(.kind = ASM_MMAP, .off = MiB(4) + 7 * PAGE_SIZE, .len = PAGE_SIZE,
				    .prot = PROT_EXEC, .flags = MAP_PRIVATE | MAP_FIXED, .fail = f));
			step(&c, OP(.kind = ASM_MREMAP, .off = MiB(1), .len = 2 * PAGE_SIZE,
				    .len2 = 2 * PAGE_SIZE, .flags = MREMAP_MAYMOVE | MREMAP_FIXED,
				    .off2 = MiB(8) + n * 4 * PAGE_SIZE + heap * MiB(1), .fail = f));
			step(&c, OP(.kind = ASM_WRITE, .off = MiB(5) + n * PAGE_SIZE, .val = n, .fail = f));
		}
	}
	ctx_fini(&c);
}

/* mmap beyond the user half, below mmap_min_addr and placement with a zero hint. */
Test(aspace_model, mmap_limits)
{
	size_t free0 = pmm_free_frames();
	struct aspace *as = as_create();
	long r;

	cr_assert_not_null(as);
	r = as_mmap(as, AS_TASK_SIZE - PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
	cr_expect_eq(r, -ENOMEM, "FIXED across TASK_SIZE: %ld", r);
	r = as_mmap(as, 0x1000, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
	cr_expect_eq(r, -EPERM, "FIXED below mmap_min_addr: %ld", r);
	r = as_mmap(as, 0x1000, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
	cr_expect(r >= (long)AS_MMAP_MIN_ADDR && r + PAGE_SIZE <= AS_TASK_SIZE, "hint below min: %#lx", r);
	r = as_mmap(as, 0, MiB(3), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
	cr_expect(r > 0 && IS_ALIGNED(r, PAGE_SIZE) && r + MiB(3) <= AS_TASK_SIZE, "hint 0: %#lx", r);
	r = as_mmap(as, 0, AS_TASK_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
	cr_expect_eq(r, -ENOMEM, "larger than the user half: %ld", r);
	r = as_mmap(as, 0, PAGE_SIZE, PROT_READ, MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS);
	cr_expect_eq(r, -EINVAL, "SHARED|PRIVATE: %ld", r);
	cr_expect_eq(as_munmap(as, AS_TASK_SIZE - PAGE_SIZE, 2 * PAGE_SIZE), -EINVAL);
	cr_expect_eq(as_check(as), 0);
	as_destroy(as);
	cr_expect_eq(pmm_free_frames(), free0);
}

/* vm.max_map_count: a split past AS_MAX_MAP_COUNT VMAs is ENOMEM and changes nothing. */
Test(aspace_model, max_map_count)
{
	size_t free0 = pmm_free_frames(), tables0 = pt_table_frames();
	struct aspace *as = as_create();
	uint64_t npages = 2 * AS_MAX_MAP_COUNT + 8;
	vaddr_t base = GiB(4), tail_end = base + npages * PAGE_SIZE;
	struct as_snap before, after;
	size_t i;

	cr_assert_not_null(as);
	cr_assert_eq(as_mmap(as, base, npages * PAGE_SIZE, PROT_READ,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), (long)base);
	for (i = 1; as_vma_count(as) + 2 <= AS_MAX_MAP_COUNT; i++)
		cr_assert_eq(as_mprotect(as, base + 2 * i * PAGE_SIZE, PAGE_SIZE, PROT_NONE), 0,
			     "split %zu with %zu vmas", i, as_vma_count(as));
	cr_assert_eq(as_vma_count(as), AS_MAX_MAP_COUNT - 1);
	/* Linux: mprotect of a middle part needs two splits; the second one is refused. */
	as_snap_take(as, &before);
	cr_expect_eq(as_mprotect(as, tail_end - 3 * PAGE_SIZE, PAGE_SIZE, PROT_NONE), -ENOMEM);
	as_snap_take(as, &after);
	cr_expect_eq(as_snap_compare(&before, &after, "max_map_count ENOMEM"), 0);
	as_snap_free(&before);
	as_snap_free(&after);
	/* munmap of a middle part ends one VMA up (split, split, remove): allowed below the limit. */
	cr_expect_eq(as_munmap(as, tail_end - 3 * PAGE_SIZE, PAGE_SIZE), 0);
	cr_expect_eq(as_vma_count(as), AS_MAX_MAP_COUNT);
	/* At the limit, neither may split. */
	as_snap_take(as, &before);
	cr_expect_eq(as_munmap(as, tail_end - 6 * PAGE_SIZE, PAGE_SIZE), -ENOMEM);
	cr_expect_eq(as_mprotect(as, tail_end - 6 * PAGE_SIZE, PAGE_SIZE, PROT_NONE), -ENOMEM);
	cr_expect_eq(as_mprotect(as, tail_end - 2 * PAGE_SIZE, PAGE_SIZE, PROT_NONE), -ENOMEM);
	as_snap_take(as, &after);
	cr_expect_eq(as_snap_compare(&before, &after, "max_map_count ENOMEM at the limit"), 0);
	as_snap_free(&before);
	as_snap_free(&after);
	/* Whole VMAs can always go. */
	cr_expect_eq(as_munmap(as, base + 2 * PAGE_SIZE, PAGE_SIZE), 0);
	cr_expect_eq(as_vma_count(as), AS_MAX_MAP_COUNT - 1);
	cr_expect_eq(as_check(as), 0);
	as_destroy(as);
	cr_expect_eq(pmm_free_frames(), free0);
	cr_expect_eq(pt_table_frames(), tables0);
}

/*
 * Repro: MREMAP_FIXED onto a mapped target with the first kmalloc failing.
 * All or nothing: -ENOMEM must leave the target mapped with its contents.
 */
Test(aspace_model, mremap_fixed_enomem_keeps_target)
{
	struct asm_ctx c;

	ctx_init(&c);
	step(&c, OP(.kind = ASM_MMAP, .off = 0, .len = 2 * PAGE_SIZE, .prot = RW,
		    .flags = MAP_PRIVATE | MAP_FIXED));
	step(&c, OP(.kind = ASM_WRITE, .off = 0, .val = 1));
	step(&c, OP(.kind = ASM_MMAP, .off = MiB(1), .len = 4 * PAGE_SIZE, .prot = PROT_READ,
		    .flags = MAP_PRIVATE | MAP_FIXED));
	for (unsigned n = 1; n <= 4; n++) {
		step(&c, OP(.kind = ASM_MREMAP, .off = 0, .len = 2 * PAGE_SIZE, .len2 = 2 * PAGE_SIZE,
			    .flags = MREMAP_MAYMOVE | MREMAP_FIXED, .off2 = MiB(1), .fail = n | (1u << 31)));
		step(&c, OP(.kind = ASM_MREMAP, .off = 0, .len = 2 * PAGE_SIZE, .len2 = 2 * PAGE_SIZE,
			    .flags = MREMAP_MAYMOVE | MREMAP_FIXED, .off2 = MiB(1), .fail = n));
	}
	ctx_fini(&c);
}

/*
 * Repro: Linux 6.x mremap that shrinks unmaps the tail even when it spans
 * other VMAs or holes (only addr must be in a VMA), and an equal length is
 * a no-op once addr is mapped. Both return addr.
 */
Test(aspace_model, mremap_shrink_across_vmas)
{
	struct asm_ctx c;

	ctx_init(&c);
	step(&c, OP(.kind = ASM_MMAP, .off = 0, .len = PAGE_SIZE, .prot = RW,
		    .flags = MAP_PRIVATE | MAP_FIXED));
	step(&c, OP(.kind = ASM_MMAP, .off = PAGE_SIZE, .len = PAGE_SIZE, .prot = PROT_READ,
		    .flags = MAP_PRIVATE | MAP_FIXED));
	step(&c, OP(.kind = ASM_MREMAP, .off = 0, .len = 2 * PAGE_SIZE, .len2 = 2 * PAGE_SIZE));
	step(&c, OP(.kind = ASM_MREMAP, .off = 0, .len = 4 * PAGE_SIZE, .len2 = PAGE_SIZE));
	step(&c, OP(.kind = ASM_MREMAP, .off = 2 * PAGE_SIZE, .len = 2 * PAGE_SIZE, .len2 = PAGE_SIZE));
	ctx_fini(&c);
}

#define STACK_TOP 0x7ff000000000ULL

/* A one-page user write through the fault path; returns the verdict. */
static int poke(struct aspace *as, vaddr_t va)
{
	uint8_t b = 0xa5;

	return as_test_write(as, va, &b, 1);
}

/* The stack grows down on faults up to RLIMIT_STACK, and no further. */
Test(aspace_model, stack_growth)
{
	size_t free0 = pmm_free_frames(), tables0 = pt_table_frames();
	struct aspace *as = as_create();
	struct as_vma_info vi;
	uint8_t buf[64];

	cr_assert_not_null(as);
	cr_assert_eq(as_stack_init(as, STACK_TOP, 4 * PAGE_SIZE), 0);
	cr_assert(as_vma_at(as, STACK_TOP - PAGE_SIZE, &vi));
	cr_expect(vi.flags & MAP_GROWSDOWN, "stack flags %#x", vi.flags);
	cr_expect_eq(vi.prot, PROT_READ | PROT_WRITE);
	cr_expect_eq(vi.end, STACK_TOP);
	cr_expect_eq(vi.start, STACK_TOP - 4 * PAGE_SIZE);
	cr_expect_eq(poke(as, STACK_TOP - KiB(100)), AS_FAULT_OK);
	cr_assert(as_vma_at(as, STACK_TOP - KiB(100), &vi));
	cr_expect_eq(vi.start, STACK_TOP - KiB(100));
	memset(buf, 1, sizeof(buf));
	cr_expect_eq(as_test_read(as, STACK_TOP - KiB(200), buf, sizeof(buf)), AS_FAULT_OK);
	for (size_t i = 0; i < sizeof(buf); i++)
		cr_expect_eq(buf[i], 0, "grown stack not zero at byte %zu", i);
	cr_expect_eq(poke(as, STACK_TOP - AS_STACK_LIMIT), AS_FAULT_OK);
	cr_expect_eq(poke(as, STACK_TOP - AS_STACK_LIMIT - 1), AS_FAULT_MAPERR);
	cr_expect_eq(as_check(as), 0);
	as_destroy(as);
	cr_expect_eq(pmm_free_frames(), free0);
	cr_expect_eq(pt_table_frames(), tables0);
}

/* Growth keeps AS_STACK_GUARD_GAP to an accessible mapping below; placement avoids the gap. */
Test(aspace_model, stack_guard_gap)
{
	size_t free0 = pmm_free_frames();
	struct aspace *as = as_create();
	vaddr_t low = STACK_TOP - MiB(2);
	long r;

	cr_assert_not_null(as);
	cr_assert_eq(as_stack_init(as, STACK_TOP, PAGE_SIZE), 0);
	r = as_mmap(as, low, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
	cr_assert_eq(r, (long)low, "MAP_FIXED inside the gap is allowed: %ld", r);
	cr_expect_eq(poke(as, low + PAGE_SIZE + AS_STACK_GUARD_GAP - PAGE_SIZE), AS_FAULT_MAPERR);
	cr_expect_eq(poke(as, low + PAGE_SIZE + AS_STACK_GUARD_GAP), AS_FAULT_OK);
	r = as_mmap(as, low + 4 * PAGE_SIZE, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
	cr_expect(r > 0 && (vaddr_t)r != low + 4 * PAGE_SIZE,
		  "hint inside the guard gap must not be taken: %#lx", r);
	cr_expect_eq(as_check(as), 0);
	as_destroy(as);
	cr_expect_eq(pmm_free_frames(), free0);
}

/* Fault verdicts: no VMA, rights, and out of memory (state unchanged). */
Test(aspace_model, fault_verdicts)
{
	size_t free0 = pmm_free_frames();
	struct aspace *as = as_create();
	vaddr_t a = GiB(2);
	struct as_snap before, after;

	cr_assert_not_null(as);
	cr_assert_eq(as_mmap(as, a, 3 * PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED),
		     (long)a);
	cr_assert_eq(as_mprotect(as, a + PAGE_SIZE, PAGE_SIZE, PROT_NONE), 0);
	cr_assert_eq(as_mprotect(as, a + 2 * PAGE_SIZE, PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	cr_expect_eq(as_fault(as, a - PAGE_SIZE, AS_PF_USER), AS_FAULT_MAPERR);
	cr_expect_eq(as_fault(as, a, AS_PF_USER | AS_PF_WRITE), AS_FAULT_ACCERR);
	cr_expect_eq(as_fault(as, a + PAGE_SIZE, AS_PF_USER), AS_FAULT_ACCERR);
	cr_expect_eq(as_fault(as, a, AS_PF_USER | AS_PF_EXEC), AS_FAULT_ACCERR);
	cr_expect_eq(as_fault(as, a, AS_PF_USER), AS_FAULT_OK);
	as_snap_take(as, &before);
	pmm_fail_nth(1);
	int v = as_fault(as, a + 2 * PAGE_SIZE + 8, AS_PF_USER | AS_PF_WRITE);
	pmm_fail_nth(0);
	as_snap_take(as, &after);
	cr_expect(v == AS_FAULT_OOM || v == AS_FAULT_OK, "verdict %d", v);
	if (v == AS_FAULT_OOM)
		cr_expect_eq(as_snap_compare(&before, &after, "fault OOM"), 0);
	as_snap_free(&before);
	as_snap_free(&after);
	cr_expect_eq(poke(as, a + 2 * PAGE_SIZE), AS_FAULT_OK);
	cr_expect_eq(as_check(as), 0);
	as_destroy(as);
	cr_expect_eq(pmm_free_frames(), free0);
}
