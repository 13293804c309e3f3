/* Host-test helpers for mm/aspace.h: user accesses, snapshots, a page model. */
#include "as_testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "mm/access.h"
#include "mm/heap.h"
#include "mm/mmarch.h"
#include "mm/pmm.h"
#include "mm/pt.h"

/* ------------------------------------------------------------ accesses */

int as_test_read(struct aspace *as, vaddr_t va, void *buf, size_t len)
{
	return access_user(as, va, buf, len, ACCESS_READ);
}

int as_test_write(struct aspace *as, vaddr_t va, const void *buf, size_t len)
{
	return access_user(as, va, (void *)buf, len, ACCESS_WRITE);
}

bool as_test_page(const struct aspace *as, vaddr_t va, int *prot)
{
	struct as_vma_info vi;

	if (!as_vma_at(as, va, &vi))
		return false;
	if (prot)
		*prot = vi.prot;
	return true;
}

uint64_t as_test_hash(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

uint64_t as_test_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* ------------------------------------------------------------ snapshots */

/* pt_walk callback: append one leaf with its content hash. */
static int as_snap_leaf(void *ctx, const struct pt_leaf *leaf)
{
	struct as_snap *s = ctx;

	if (s->nleaves == s->cap_leaves) {
		s->cap_leaves = s->cap_leaves ? 2 * s->cap_leaves : 64;
		s->leaves = realloc(s->leaves, s->cap_leaves * sizeof(*s->leaves));
		if (!s->leaves)
			abort();
	}
	s->leaves[s->nleaves++] = (struct as_snap_leaf){
		.va = leaf->va, .pa = leaf->pa, .size = leaf->size, .flags = leaf->flags,
		.hash = as_test_hash(mm_phys_to_virt(leaf->pa), leaf->size),
	};
	return 0;
}

void as_snap_take(struct aspace *as, struct as_snap *snap)
{
	memset(snap, 0, sizeof(*snap));
	snap->nvmas = as_vma_count(as);
	snap->vmas = calloc(snap->nvmas + 1, sizeof(*snap->vmas));
	if (!snap->vmas)
		abort();
	if (as_vmas(as, snap->vmas, snap->nvmas) != snap->nvmas)
		fprintf(stderr, "as_snap: as_vmas disagrees with as_vma_count\n");
	pt_walk(as_root(as), 0, PT_USER_TOP, as_snap_leaf, snap);
}

void as_snap_free(struct as_snap *snap)
{
	free(snap->vmas);
	free(snap->leaves);
	memset(snap, 0, sizeof(*snap));
}

/* Compare the VMA lists of two snapshots. */
static int as_snap_compare_vmas(const struct as_snap *a, const struct as_snap *b,
				const char *what)
{
	for (size_t i = 0; i < MIN(a->nvmas, b->nvmas); i++) {
		const struct as_vma_info *x = &a->vmas[i], *y = &b->vmas[i];

		if (x->start != y->start || x->end != y->end || x->prot != y->prot ||
		    x->flags != y->flags) {
			printf("%s: vma %zu: [%#llx,%#llx) prot %d flags %#x vs [%#llx,%#llx) prot %d flags %#x\n",
			       what, i, (unsigned long long)x->start, (unsigned long long)x->end,
			       x->prot, x->flags, (unsigned long long)y->start,
			       (unsigned long long)y->end, y->prot, y->flags);
			return -1;
		}
	}
	if (a->nvmas != b->nvmas) {
		printf("%s: %zu vmas vs %zu\n", what, a->nvmas, b->nvmas);
		return -1;
	}
	return 0;
}

int as_snap_compare(const struct as_snap *a, const struct as_snap *b, const char *what)
{
	if (as_snap_compare_vmas(a, b, what))
		return -1;
	for (size_t i = 0; i < MIN(a->nleaves, b->nleaves); i++) {
		const struct as_snap_leaf *x = &a->leaves[i], *y = &b->leaves[i];

		if (x->va != y->va || x->pa != y->pa || x->size != y->size ||
		    x->flags != y->flags || x->hash != y->hash) {
			printf("%s: leaf %zu: va %#llx pa %#llx size %#llx flags %#x hash %016llx vs va %#llx pa %#llx size %#llx flags %#x hash %016llx\n",
			       what, i, (unsigned long long)x->va, (unsigned long long)x->pa,
			       (unsigned long long)x->size, x->flags, (unsigned long long)x->hash,
			       (unsigned long long)y->va, (unsigned long long)y->pa,
			       (unsigned long long)y->size, y->flags, (unsigned long long)y->hash);
			return -1;
		}
	}
	if (a->nleaves != b->nleaves) {
		printf("%s: %zu leaves vs %zu\n", what, a->nleaves, b->nleaves);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ model */

#define ASM_KIND_NORESERVE 1
#define ASM_STATE(prot, kind) ((uint8_t)(1 + ((prot) & 7) + 8 * (kind)))
#define ASM_PROT(st) ((((st) & ~ASM_CUT) - 1) & 7)
#define ASM_KIND(st) ((((st) & ~ASM_CUT) - 1) >> 3)
/*
 * On the state of the page at brk_start: a VMA starts there even when the
 * page below is mapped alike (brk never grows a VMA below start_brk, as
 * Linux's do_brk_flags). The bit makes the two pages' states differ, so the
 * runs the model counts as VMAs break there.
 */
#define ASM_CUT 0x80

/* Result of applying an op to the model. */
enum asm_verdict {
	ASM_EXACT,   /* the real result must equal `expect` */
	ASM_PLACED,  /* any address outside the modelled mappings (moved/placed) */
	ASM_SKIP,    /* the documented semantics leave it open: do not run it */
};

static uint8_t asm_zero_page[PAGE_SIZE];

/* The byte every byte of the page at kernel pointer p holds; -1 when mixed. */
static int asm_uniform_byte(const uint8_t *p)
{
	if (p[0] == 0)
		return memcmp(p, asm_zero_page, PAGE_SIZE) ? -1 : 0;
	for (size_t i = 1; i < PAGE_SIZE; i++)
		if (p[i] != p[0])
			return -1;
	return p[0];
}

/* Page content as the tables hold it, without faulting: 0 when absent, -1 mixed. */
static int asm_peek(struct aspace *as, vaddr_t va)
{
	struct pt_leaf leaf;

	if (!pt_query(as_root(as), va, &leaf))
		return 0;
	return asm_uniform_byte(mm_phys_to_virt(leaf.pa + (ALIGN_DOWN(va, PAGE_SIZE) - leaf.va)));
}

int asm_init(struct asm_ctx *c, vaddr_t base, size_t npages)
{
	memset(c, 0, sizeof(*c));
	c->base = base;
	c->npages = npages;
	c->brk_start = base + (npages * 3 / 4) * PAGE_SIZE;
	c->free0 = pmm_free_frames();
	c->tables0 = pt_table_frames();
	c->heap0 = heap_bytes_in_use();
	c->sp[0].as = as_create();
	if (!c->sp[0].as) {
		printf("asm_init: as_create failed\n");
		return -1;
	}
	c->sp[0].state = calloc(npages, 1);
	c->sp[0].content = calloc(npages, 1);
	if (!c->sp[0].state || !c->sp[0].content)
		abort();
	as_brk_init(c->sp[0].as, c->brk_start);
	c->sp[0].brk = c->brk_start;
	c->nspaces = 1;
	return 0;
}

/* Free the model arrays of one slot (not the space). */
static void asm_space_free_model(struct asm_space *s)
{
	free(s->state);
	free(s->content);
	memset(s, 0, sizeof(*s));
}

int asm_fini(struct asm_ctx *c)
{
	for (unsigned i = 0; i < c->nspaces; i++) {
		as_destroy(c->sp[i].as);
		asm_space_free_model(&c->sp[i]);
	}
	c->nspaces = 0;
	if (pmm_free_frames() != c->free0 || pt_table_frames() != c->tables0 ||
	    heap_bytes_in_use() != c->heap0) {
		printf("asm_fini: leak: free frames %zu (start %zu), tables %zu (start %zu), heap %zu (start %zu)\n",
		       pmm_free_frames(), c->free0, pt_table_frames(), c->tables0,
		       heap_bytes_in_use(), c->heap0);
		return -1;
	}
	return 0;
}

/* Page index of window address va, or -1 when outside the window. */
static long asm_page(const struct asm_ctx *c, vaddr_t va)
{
	if (va < c->base || va >= c->base + c->npages * PAGE_SIZE)
		return -1;
	return (long)((va - c->base) / PAGE_SIZE);
}

/* True when pages [p, p+n) are all unmapped in the model. */
static bool asm_free(const uint8_t *st, size_t p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (st[p + i])
			return false;
	return true;
}

/* Set pages [p, p+n) to state st with zero contents. */
static void asm_set(uint8_t *state, uint8_t *content, size_t p, size_t n, uint8_t st)
{
	memset(state + p, st, n);
	memset(content + p, 0, n);
}

/* True when page i (> 0) is in the same VMA as page i - 1: both mapped alike, no heap cut at i. */
static bool asm_joined(const uint8_t *st, size_t i)
{
	return st[i] && !(st[i] & ASM_CUT) && st[i - 1] && (st[i - 1] & ~ASM_CUT) == st[i];
}

/* The maximal run of equal state around page p (the VMA the model predicts). */
static void asm_run(const struct asm_ctx *c, const uint8_t *st, size_t p, size_t *lo, size_t *hi)
{
	size_t a = p, b = p + 1;

	while (a > 0 && asm_joined(st, a))
		a--;
	while (b < c->npages && asm_joined(st, b))
		b++;
	*lo = a;
	*hi = b;
}

void asm_print_op(const struct asm_ctx *c, const struct asm_op *op)
{
	static const char *names[] = {"mmap", "munmap", "mprotect", "mremap", "madvise",
				      "brk", "write", "read", "clone", "destroy"};

	printf("  step %lu: space %u %s(base+%#llx, %#llx", c->steps, op->space,
	       names[op->kind], (unsigned long long)op->off, (unsigned long long)op->len);
	if (op->kind == ASM_MREMAP)
		printf(", new_len %#llx, flags %#x, new base+%#llx", (unsigned long long)op->len2,
		       op->flags, (unsigned long long)op->off2);
	else
		printf(", prot %#x, flags %#x, val %u", op->prot, op->flags, op->val);
	if (op->fail)
		printf(") with %s_fail_nth(%u)\n", (op->fail >> 31) ? "heap" : "pmm",
		       op->fail & 0x7fffffff);
	else
		printf(")\n");
}

/* The model's prediction for one op on one space (arrays are private copies). */
struct asm_next {
	uint8_t *state, *content;
	vaddr_t brk;
	long expect;
	enum asm_verdict verdict;
	uint64_t placed_len;    /* ASM_PLACED: bytes placed */
	uint8_t placed_state;   /* ASM_PLACED: state of the placed pages */
	const uint8_t *moved;   /* ASM_PLACED by mremap: old contents (NULL for mmap) */
	size_t moved_pages;     /* how many pages of `moved` are valid */
};

/* Set the prediction to an exact result. */
static void asm_exact(struct asm_next *n, long expect)
{
	n->verdict = ASM_EXACT;
	n->expect = expect;
}

/* Model of as_mmap (ranges stay inside the window unless placed elsewhere). */
static void asm_expect_mmap(const struct asm_ctx *c, struct asm_next *n, const struct asm_op *op)
{
	uint64_t len = ALIGN_UP(op->len, PAGE_SIZE);
	vaddr_t addr = c->base + op->off;
	bool fixed = op->flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	uint8_t st = ASM_STATE(op->prot, (op->flags & MAP_NORESERVE) ? ASM_KIND_NORESERVE : 0);
	size_t np = len / PAGE_SIZE, p;

	if (op->len == 0 || (fixed && !IS_ALIGNED(addr, PAGE_SIZE)))
		return asm_exact(n, -EINVAL);
	addr = ALIGN_DOWN(addr, PAGE_SIZE);
	p = (addr - c->base) / PAGE_SIZE;
	if (p + np > c->npages) {
		n->verdict = ASM_SKIP;
		return;
	}
	if ((op->flags & MAP_FIXED_NOREPLACE) && !asm_free(n->state, p, np))
		return asm_exact(n, -EEXIST);
	if ((op->flags & 3) != MAP_PRIVATE)
		return asm_exact(n, -EINVAL);
	if (fixed || asm_free(n->state, p, np)) {
		asm_set(n->state, n->content, p, np, st);
		return asm_exact(n, (long)addr);
	}
	n->verdict = ASM_PLACED;
	n->placed_len = len;
	n->placed_state = st;
}

/* Model of as_munmap. */
static void asm_expect_munmap(const struct asm_ctx *c, struct asm_next *n, const struct asm_op *op)
{
	uint64_t len = ALIGN_UP(op->len, PAGE_SIZE);

	if (!IS_ALIGNED(op->off, PAGE_SIZE) || op->len == 0)
		return asm_exact(n, -EINVAL);
	asm_set(n->state, n->content, op->off / PAGE_SIZE, len / PAGE_SIZE, 0);
	asm_exact(n, 0);
}

/* Model of as_mprotect: pages change up to the first hole, which gives ENOMEM. */
static void asm_expect_mprotect(const struct asm_ctx *c, struct asm_next *n, const struct asm_op *op)
{
	size_t p = op->off / PAGE_SIZE, np = ALIGN_UP(op->len, PAGE_SIZE) / PAGE_SIZE;

	if (!IS_ALIGNED(op->off, PAGE_SIZE))
		return asm_exact(n, -EINVAL);
	if (op->len == 0)
		return asm_exact(n, 0);
	if (op->prot & ~7)
		return asm_exact(n, -EINVAL);
	for (size_t i = p; i < p + np; i++) {
		if (!n->state[i])
			return asm_exact(n, -ENOMEM);
		n->state[i] = ASM_STATE(op->prot, ASM_KIND(n->state[i]));
	}
	asm_exact(n, 0);
}

/* Model of as_madvise: advice applies to the mapped parts; any hole gives ENOMEM. */
static void asm_expect_madvise(const struct asm_ctx *c, struct asm_next *n, const struct asm_op *op)
{
	size_t p = op->off / PAGE_SIZE, np = ALIGN_UP(op->len, PAGE_SIZE) / PAGE_SIZE;
	long ret = 0;

	if (op->flags > MADV_DONTNEED && op->flags != MADV_FREE)
		return asm_exact(n, -EINVAL);
	if (!IS_ALIGNED(op->off, PAGE_SIZE))
		return asm_exact(n, -EINVAL);
	for (size_t i = p; i < p + np; i++) {
		if (!n->state[i])
			ret = -ENOMEM;
		else if (op->flags == MADV_DONTNEED)
			n->content[i] = 0;
	}
	asm_exact(n, ret);
}

/* Index of the page at brk_start. */
static size_t asm_brk_page(const struct asm_ctx *c)
{
	return (c->brk_start - c->base) / PAGE_SIZE;
}

/* Model of as_brk (Linux brk(2); a one-page gap must stay below the next mapping). */
static void asm_expect_brk(const struct asm_ctx *c, struct asm_next *n, const struct asm_op *op)
{
	vaddr_t want = c->base + op->off;
	size_t oldp = (ALIGN_UP(n->brk, PAGE_SIZE) - c->base) / PAGE_SIZE;
	size_t newp = (ALIGN_UP(want, PAGE_SIZE) - c->base) / PAGE_SIZE;

	if (op->off == 0 || want < c->brk_start)
		return asm_exact(n, (long)n->brk);
	if (newp + 1 > c->npages) {
		n->verdict = ASM_SKIP;
		return;
	}
	if (newp < oldp)
		asm_set(n->state, n->content, newp, oldp - newp, 0);
	else if (newp > oldp && !asm_free(n->state, oldp, newp + 1 - oldp))
		return asm_exact(n, (long)n->brk);
	else if (newp > oldp)
		asm_set(n->state, n->content, oldp, newp - oldp,
			ASM_STATE(PROT_READ | PROT_WRITE, 0));
	if (newp > oldp && oldp == asm_brk_page(c) && oldp > 0 && n->state[oldp - 1])
		n->state[oldp] |= ASM_CUT; /* a new heap VMA beside the one below */
	n->brk = want;
	asm_exact(n, (long)want);
}

/* True when pages [p, p+np) lie inside one model run (one VMA). */
static bool asm_one_vma(const struct asm_ctx *c, const uint8_t *st, size_t p, size_t np,
			size_t *run_end)
{
	size_t lo, hi;

	if (!st[p])
		return false;
	asm_run(c, st, p, &lo, &hi);
	*run_end = hi;
	return p + np <= hi;
}

/* Move model pages [p, p+keep) to [q, q+np): contents kept, growth zero. */
static void asm_move(struct asm_next *n, const uint8_t *old_content, size_t p, size_t keep,
		     size_t q, size_t np)
{
	uint8_t st = n->state[p];

	asm_set(n->state, n->content, p, keep, 0);
	asm_set(n->state, n->content, q, np, st);
	memcpy(n->content + q, old_content + p, MIN(keep, np));
}

/* Model of MREMAP_FIXED (Linux 6.x order: args, tail unmap, old lookup, target). */
static void asm_expect_mremap_fixed(const struct asm_ctx *c, struct asm_next *n,
				    const struct asm_op *op, const uint8_t *old_content)
{
	size_t p = op->off / PAGE_SIZE, q = op->off2 / PAGE_SIZE, end;
	size_t op_ = ALIGN_UP(op->len, PAGE_SIZE) / PAGE_SIZE;
	size_t np = ALIGN_UP(op->len2, PAGE_SIZE) / PAGE_SIZE;

	if (!IS_ALIGNED(op->off2, PAGE_SIZE) || (q < p + op_ && p < q + np))
		return asm_exact(n, -EINVAL);
	if (!n->state[p])
		return asm_exact(n, -EFAULT);
	if (q + np > c->npages || !asm_one_vma(c, n->state, p, MIN(op_, np), &end)) {
		n->verdict = ASM_SKIP;
		return;
	}
	if (np < op_)
		asm_set(n->state, n->content, p + np, op_ - np, 0);
	asm_set(n->state, n->content, q, np, 0);
	asm_move(n, old_content, p, MIN(op_, np), q, np);
	asm_exact(n, (long)(c->base + op->off2));
}

/*
 * Model of as_mremap as Linux 6.18 behaves: a VMA must hold addr (EFAULT);
 * a shrink then just unmaps the tail (holes and other VMAs there are fine),
 * an equal length is a no-op, a growth needs [addr, addr+old_len) in one VMA
 * (EFAULT) and grows in place when that VMA ends there and room follows.
 */
static void asm_expect_mremap(const struct asm_ctx *c, struct asm_next *n,
			      const struct asm_op *op, const uint8_t *old_content)
{
	size_t p = op->off / PAGE_SIZE, end;
	size_t op_ = ALIGN_UP(op->len, PAGE_SIZE) / PAGE_SIZE;
	size_t np = ALIGN_UP(op->len2, PAGE_SIZE) / PAGE_SIZE;

	if ((op->flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) ||
	    (op->flags & (MREMAP_FIXED | MREMAP_MAYMOVE)) == MREMAP_FIXED ||
	    !IS_ALIGNED(op->off, PAGE_SIZE) || np == 0)
		return asm_exact(n, -EINVAL);
	if (op_ == 0) {
		n->verdict = ASM_SKIP;
		return;
	}
	if (op->flags & MREMAP_FIXED)
		return asm_expect_mremap_fixed(c, n, op, old_content);
	if (!n->state[p])
		return asm_exact(n, -EFAULT);
	if (np < op_) {
		asm_set(n->state, n->content, p + np, op_ - np, 0);
		return asm_exact(n, (long)(c->base + op->off));
	}
	if (np == op_)
		return asm_exact(n, (long)(c->base + op->off));
	if (!asm_one_vma(c, n->state, p, op_, &end))
		return asm_exact(n, -EFAULT);
	if (end == p + op_ && p + np > c->npages) {
		n->verdict = ASM_SKIP;
		return;
	}
	if (end == p + op_ && asm_free(n->state, end, np - op_)) {
		asm_set(n->state, n->content, end, np - op_, n->state[p]);
		return asm_exact(n, (long)(c->base + op->off));
	}
	if (!(op->flags & MREMAP_MAYMOVE))
		return asm_exact(n, -ENOMEM);
	n->verdict = ASM_PLACED;
	n->placed_len = np * PAGE_SIZE;
	n->placed_state = n->state[p];
	n->moved = old_content + p;
	n->moved_pages = op_;
	asm_set(n->state, n->content, p, op_, 0);
}

/* Run op on the real space; returns the syscall-style result or fault verdict. */
static long asm_exec(struct asm_ctx *c, struct aspace *as, const struct asm_op *op,
		     uint8_t *page)
{
	vaddr_t va = c->base + op->off;

	switch (op->kind) {
	case ASM_MMAP:
		return as_mmap(as, va, op->len, op->prot, op->flags | MAP_ANONYMOUS);
	case ASM_MUNMAP:
		return as_munmap(as, va, op->len);
	case ASM_MPROTECT:
		return as_mprotect(as, va, op->len, op->prot);
	case ASM_MREMAP:
		return as_mremap(as, va, op->len, op->len2, op->flags, c->base + op->off2);
	case ASM_MADVISE:
		return as_madvise(as, va, op->len, op->flags);
	case ASM_BRK:
		return (long)as_brk(as, op->off ? va : 0);
	case ASM_WRITE:
		memset(page, op->val, PAGE_SIZE);
		return as_test_write(as, va, page, PAGE_SIZE);
	case ASM_READ:
		return as_test_read(as, va, page, PAGE_SIZE);
	default:
		return -1;
	}
}

/* Model of a one-page user access. */
static void asm_expect_access(const struct asm_ctx *c, struct asm_next *n, const struct asm_op *op)
{
	size_t p = op->off / PAGE_SIZE;
	int prot = n->state[p] ? ASM_PROT(n->state[p]) : 0;

	if (!n->state[p])
		return asm_exact(n, AS_FAULT_MAPERR);
	if (op->kind == ASM_WRITE ? !(prot & PROT_WRITE) : !prot)
		return asm_exact(n, AS_FAULT_ACCERR);
	if (op->kind == ASM_WRITE)
		n->content[p] = op->val;
	asm_exact(n, AS_FAULT_OK);
}

/* Fill `n` with the model's prediction of op. */
static void asm_expect(const struct asm_ctx *c, struct asm_next *n, const struct asm_op *op,
		       const uint8_t *old_content)
{
	switch (op->kind) {
	case ASM_MMAP:
		return asm_expect_mmap(c, n, op);
	case ASM_MUNMAP:
		return asm_expect_munmap(c, n, op);
	case ASM_MPROTECT:
		return asm_expect_mprotect(c, n, op);
	case ASM_MREMAP:
		return asm_expect_mremap(c, n, op, old_content);
	case ASM_MADVISE:
		return asm_expect_madvise(c, n, op);
	case ASM_BRK:
		return asm_expect_brk(c, n, op);
	default:
		return asm_expect_access(c, n, op);
	}
}

/* Check one present leaf against the model (rights and contents). */
struct asm_leaf_ctx {
	const struct asm_ctx *c;
	const struct asm_space *s;
	uint8_t *present;
	int bad;
};

static int asm_check_leaf(void *ctx, const struct pt_leaf *leaf)
{
	struct asm_leaf_ctx *lc = ctx;
	const struct asm_ctx *c = lc->c;

	for (vaddr_t va = leaf->va; va < leaf->va + leaf->size; va += PAGE_SIZE) {
		long p = asm_page(c, va);
		uint8_t st;
		int prot, byte;

		if (p < 0)
			continue;
		st = lc->s->state[p];
		prot = st ? ASM_PROT(st) : 0;
		lc->present[p] = 1;
		byte = asm_uniform_byte(mm_phys_to_virt(leaf->pa + (va - leaf->va)));
		if (!st || ((leaf->flags & PT_WRITE) && !(prot & PROT_WRITE)) ||
		    ((leaf->flags & PT_USER) && !prot) ||
		    (!(leaf->flags & PT_NX) && !(prot & PROT_EXEC) && (leaf->flags & PT_USER)) ||
		    byte != lc->s->content[p]) {
			printf("page %#llx: present (leaf %#llx size %#llx flags %#x, content %d) but model state %s prot %d content %u\n",
			       (unsigned long long)va, (unsigned long long)leaf->va,
			       (unsigned long long)leaf->size, leaf->flags, byte,
			       st ? "mapped" : "unmapped", prot, lc->s->content[p]);
			lc->bad = 1;
			return 1;
		}
	}
	return 0;
}

/* Number of maximal equal-state runs of mapped pages: the VMAs the model predicts. */
static size_t asm_runs(const struct asm_ctx *c, const uint8_t *st)
{
	size_t runs = 0;

	for (size_t i = 0; i < c->npages; i++)
		if (st[i] && (i == 0 || !asm_joined(st, i)))
			runs++;
	return runs;
}

/* Compare the VMA view of every window page with the model. */
static int asm_compare_vmas(const struct asm_ctx *c, const struct asm_space *s)
{
	for (size_t i = 0; i < c->npages; i++) {
		struct as_vma_info vi;
		vaddr_t va = c->base + i * PAGE_SIZE;
		bool mapped = as_vma_at(s->as, va, &vi);
		uint8_t st = s->state[i];

		if (mapped != !!st || (st && ((vi.prot & 7) != ASM_PROT(st) ||
					      !!(vi.flags & MAP_NORESERVE) != ASM_KIND(st)))) {
			printf("page %#llx: as_vma_at %s prot %d flags %#x; model %s prot %d kind %d\n",
			       (unsigned long long)va, mapped ? "mapped" : "unmapped",
			       mapped ? vi.prot : 0, mapped ? vi.flags : 0,
			       st ? "mapped" : "unmapped", st ? ASM_PROT(st) : 0,
			       st ? ASM_KIND(st) : 0);
			return -1;
		}
	}
	if (as_vma_count(s->as) != asm_runs(c, s->state)) {
		printf("as_vma_count %zu, model predicts %zu merged VMAs\n",
		       as_vma_count(s->as), asm_runs(c, s->state));
		return -1;
	}
	return 0;
}

/* Compare one space with its model: as_check, VMAs, leaves and contents, brk. */
static int asm_compare(const struct asm_ctx *c, const struct asm_space *s)
{
	struct asm_leaf_ctx lc = {.c = c, .s = s};
	int ret = -1;

	if (as_check(s->as) != 0) {
		printf("as_check failed\n");
		return -1;
	}
	if (asm_compare_vmas(c, s))
		return -1;
	lc.present = calloc(c->npages, 1);
	if (!lc.present)
		abort();
	pt_walk(as_root(s->as), c->base, c->npages * PAGE_SIZE, asm_check_leaf, &lc);
	if (lc.bad)
		goto out;
	for (size_t i = 0; i < c->npages; i++) {
		if (!lc.present[i] && s->content[i]) {
			printf("page %#llx: not present but model content %u\n",
			       (unsigned long long)(c->base + i * PAGE_SIZE), s->content[i]);
			goto out;
		}
	}
	if (as_brk(s->as, 0) != s->brk) {
		printf("brk %#llx, model %#llx\n", (unsigned long long)as_brk(s->as, 0),
		       (unsigned long long)s->brk);
		goto out;
	}
	ret = 0;
out:
	free(lc.present);
	return ret;
}

/* Arm the failure injection an op asks for. */
static void asm_inject(unsigned fail)
{
	if (!fail)
		return;
	if (fail >> 31)
		heap_fail_nth(fail & 0x7fffffff);
	else
		pmm_fail_nth(fail);
}

/* Disarm both injections. */
static void asm_disarm(void)
{
	pmm_fail_nth(0);
	heap_fail_nth(0);
}

/* Whether result r of op is the "out of memory, nothing changed" answer. */
static bool asm_is_oom(const struct asm_op *op, const struct asm_next *n, long r,
		       vaddr_t old_brk)
{
	switch (op->kind) {
	case ASM_WRITE:
	case ASM_READ:
		return r == AS_FAULT_OOM;
	case ASM_BRK:
		return (vaddr_t)r == old_brk && n->expect != r;
	default:
		return r == -ENOMEM;
	}
}

/* Check a placement/move that landed outside the window, then unmap it. */
static int asm_check_outside(struct asm_ctx *c, struct asm_space *s, const struct asm_next *n,
			     vaddr_t r)
{
	struct as_vma_info vi;

	if (!as_vma_at(s->as, r, &vi) || vi.start > r || vi.end < r + n->placed_len ||
	    (vi.prot & 7) != ASM_PROT(n->placed_state)) {
		printf("placed at %#llx: no VMA of prot %d covers it\n", (unsigned long long)r,
		       ASM_PROT(n->placed_state));
		return -1;
	}
	for (size_t i = 0; n->moved && i < n->placed_len / PAGE_SIZE; i++) {
		int want = i < n->moved_pages ? n->moved[i] : 0;
		int got = asm_peek(s->as, r + i * PAGE_SIZE);

		if (got != want) {
			printf("moved page %zu at %#llx holds %d, expected %d\n", i,
			       (unsigned long long)(r + i * PAGE_SIZE), got, want);
			return -1;
		}
	}
	if (as_munmap(s->as, r, n->placed_len) != 0) {
		printf("munmap of the placed range %#llx failed\n", (unsigned long long)r);
		return -1;
	}
	return 0;
}

/* Settle an ASM_PLACED result r: into the model when in the window, else checked and unmapped. */
static int asm_placed(struct asm_ctx *c, struct asm_space *s, struct asm_next *n,
		      const struct asm_op *op, long r)
{
	long p = asm_page(c, (vaddr_t)r);
	size_t np = n->placed_len / PAGE_SIZE;

	if (r < 0 || !IS_ALIGNED(r, PAGE_SIZE) || (vaddr_t)r == ALIGN_DOWN(c->base + op->off, PAGE_SIZE)) {
		printf("result %#lx (%ld): expected a placement elsewhere\n", r, r);
		return -1;
	}
	if (p < 0 && (vaddr_t)r + n->placed_len > c->base &&
	    (vaddr_t)r < c->base + c->npages * PAGE_SIZE) {
		printf("placement %#lx straddles the window\n", r);
		return -1;
	}
	if (p < 0)
		return asm_check_outside(c, s, n, (vaddr_t)r);
	if ((size_t)p + np > c->npages || !asm_free(n->state, p, np)) {
		printf("placement %#lx overlaps a mapping or leaves the window\n", r);
		return -1;
	}
	asm_set(n->state, n->content, p, np, n->placed_state);
	if (n->moved)
		memcpy(n->content + p, n->moved, MIN(n->moved_pages, np));
	return 0;
}

/*
 * Check the result of an exact prediction, read-back bytes, and MAP_POPULATE
 * (whose failure to populate is silent, as in Linux, so not checked under injection).
 */
static int asm_check_exact(struct asm_ctx *c, struct asm_space *s, const struct asm_next *n,
			   const struct asm_op *op, long r, const uint8_t *page, bool injected)
{
	if (r != n->expect) {
		printf("result %ld (%#lx), model expects %ld (%#lx)\n", r, r, n->expect, n->expect);
		return -1;
	}
	if (op->kind == ASM_READ && r == AS_FAULT_OK &&
	    asm_uniform_byte(page) != s->content[op->off / PAGE_SIZE]) {
		printf("read back %d, model content %u\n", asm_uniform_byte(page),
		       s->content[op->off / PAGE_SIZE]);
		return -1;
	}
	if (op->kind == ASM_MMAP && r >= 0 && (op->flags & MAP_POPULATE) && (op->prot & 7) &&
	    !injected) {
		for (uint64_t o = 0; o < ALIGN_UP(op->len, PAGE_SIZE); o += PAGE_SIZE) {
			struct pt_leaf leaf;

			if (!pt_query(as_root(s->as), (vaddr_t)r + o, &leaf)) {
				printf("MAP_POPULATE: page %#llx not present\n",
				       (unsigned long long)(r + o));
				return -1;
			}
		}
	}
	return 0;
}

/* Compare every live space with its model; print the op on mismatch. */
static int asm_compare_all(struct asm_ctx *c, const struct asm_op *op)
{
	for (unsigned i = 0; i < c->nspaces; i++) {
		if (asm_compare(c, &c->sp[i])) {
			printf("  (space %u) after:\n", i);
			asm_print_op(c, op);
			return -1;
		}
	}
	return 0;
}

/* An injected failure answered "no memory": everything must be as before. */
static int asm_rollback(struct asm_ctx *c, struct asm_space *s, struct as_snap *before,
			const struct asm_op *op)
{
	struct as_snap after;
	int ret;

	as_snap_take(s->as, &after);
	ret = as_snap_compare(before, &after, "ENOMEM left a change");
	as_snap_free(&after);
	c->enomem_rollbacks++;
	return ret;
}

/* as_clone into the free slot (COW: later writes on either side stay private). */
static int asm_step_clone(struct asm_ctx *c, const struct asm_op *op)
{
	struct asm_space *s = &c->sp[op->space % c->nspaces], *d;
	struct as_snap before;
	struct aspace *child;

	if (c->nspaces == ASM_MAX_SPACES)
		return 0;
	as_snap_take(s->as, &before);
	asm_inject(op->fail);
	child = as_clone(s->as);
	asm_disarm();
	if (!child) {
		int ret = op->fail ? asm_rollback(c, s, &before, op) : -1;

		if (!op->fail) {
			printf("as_clone failed without an injected failure\n");
			asm_print_op(c, op);
		}
		as_snap_free(&before);
		return ret ? ret : asm_compare_all(c, op);
	}
	as_snap_free(&before);
	d = &c->sp[c->nspaces++];
	d->as = child;
	d->state = malloc(c->npages);
	d->content = malloc(c->npages);
	if (!d->state || !d->content)
		abort();
	memcpy(d->state, s->state, c->npages);
	memcpy(d->content, s->content, c->npages);
	d->brk = s->brk;
	return asm_compare_all(c, op);
}

/* as_destroy of one of two spaces. */
static int asm_step_destroy(struct asm_ctx *c, const struct asm_op *op)
{
	unsigned i = op->space % c->nspaces;

	if (c->nspaces < 2)
		return 0;
	as_destroy(c->sp[i].as);
	asm_space_free_model(&c->sp[i]);
	if (i == 0)
		c->sp[0] = c->sp[1];
	memset(&c->sp[1], 0, sizeof(c->sp[1]));
	c->nspaces = 1;
	return asm_compare_all(c, op);
}

/* True when a successful op (result r) put a new VMA over a page of [p, p + np). */
static bool asm_op_mapped(const struct asm_ctx *c, const struct asm_op *op, long r,
			  size_t p, size_t np)
{
	size_t q, nq;

	if (op->kind == ASM_MMAP && r >= 0 && asm_page(c, (vaddr_t)r) >= 0) {
		q = (size_t)asm_page(c, (vaddr_t)r);
		nq = ALIGN_UP(op->len, PAGE_SIZE) / PAGE_SIZE;
	} else if (op->kind == ASM_MREMAP && (op->flags & MREMAP_FIXED) && r >= 0) {
		q = op->off2 / PAGE_SIZE;
		nq = ALIGN_UP(op->len2, PAGE_SIZE) / PAGE_SIZE;
	} else {
		return false;
	}
	return q < p + np && p < q + nq;
}

/*
 * The heap cut (ASM_CUT) after op, on the new states st (old: before it):
 * only at brk_start, and only while both pages beside it stay mapped and
 * unchanged and no new VMA was put over either (that one merges with its
 * neighbours); mprotect of an unchanged VMA merges nothing (Linux's
 * mprotect_fixup). A state moved or copied elsewhere loses the bit.
 */
static void asm_cut_update(const struct asm_ctx *c, const uint8_t *old, uint8_t *st,
			   const struct asm_op *op, long r)
{
	size_t bp = asm_brk_page(c);
	bool keep = (old[bp] & ASM_CUT) && st[bp - 1] && st[bp] &&
		    st[bp - 1] == old[bp - 1] && (st[bp] & ~ASM_CUT) == (old[bp] & ~ASM_CUT) &&
		    !asm_op_mapped(c, op, r, bp - 1, 2);

	for (size_t i = 0; i < c->npages; i++)
		st[i] &= ~ASM_CUT;
	if (keep)
		st[bp] |= ASM_CUT;
}

/* Run op for real with injection armed; check against the prediction n. */
static int asm_run_op(struct asm_ctx *c, struct asm_space *s, struct asm_next *n,
		      const struct asm_op *op)
{
	static uint8_t page[PAGE_SIZE];
	unsigned fail = (n->verdict == ASM_EXACT && n->expect == -ENOMEM) ? 0 : op->fail;
	struct as_snap before;
	long r;
	int ret;

	if (fail)
		as_snap_take(s->as, &before);
	asm_inject(fail);
	r = asm_exec(c, s->as, op, page);
	asm_disarm();
	if (fail) {
		c->injected++;
		ret = asm_is_oom(op, n, r, s->brk) ? asm_rollback(c, s, &before, op) : 1;
		as_snap_free(&before);
		if (ret <= 0)
			return ret;
	}
	if (n->verdict == ASM_PLACED)
		ret = asm_placed(c, s, n, op, r);
	else
		ret = asm_check_exact(c, s, n, op, r, page, fail != 0);
	if (ret)
		return ret;
	if (op->kind != ASM_BRK)
		asm_cut_update(c, s->state, n->state, op, r);
	memcpy(s->state, n->state, c->npages);
	memcpy(s->content, n->content, c->npages);
	s->brk = n->brk;
	return 0;
}

int asm_step(struct asm_ctx *c, const struct asm_op *op)
{
	struct asm_space *s;
	struct asm_next n = {0};
	int ret;

	c->steps++;
	if (c->verbose)
		asm_print_op(c, op);
	if (op->kind == ASM_CLONE)
		return asm_step_clone(c, op);
	if (op->kind == ASM_DESTROY)
		return asm_step_destroy(c, op);
	s = &c->sp[op->space % c->nspaces];
	n.state = malloc(c->npages);
	n.content = malloc(c->npages);
	if (!n.state || !n.content)
		abort();
	memcpy(n.state, s->state, c->npages);
	memcpy(n.content, s->content, c->npages);
	n.brk = s->brk;
	asm_expect(c, &n, op, s->content);
	ret = 0;
	if (n.verdict != ASM_SKIP) {
		ret = asm_run_op(c, s, &n, op);
		if (ret)
			asm_print_op(c, op);
		else
			ret = asm_compare_all(c, op);
	}
	free(n.state);
	free(n.content);
	return ret;
}

/* ------------------------------------------------------------ random ops */

/* A page index biased towards mapped pages and their VMA starts, 2 MiB aligned at times. */
static size_t asm_random_page(const struct asm_ctx *c, const uint8_t *st, uint64_t *rng)
{
	size_t p = as_test_rand(rng) % c->npages, lo, hi;
	unsigned how = as_test_rand(rng) % 8;

	for (int tries = 0; how < 4 && !st[p] && tries < 16; tries++)
		p = as_test_rand(rng) % c->npages;
	if (how < 2 && st[p]) {
		asm_run(c, st, p, &lo, &hi);
		p = how == 0 ? lo : hi;
	}
	if (how == 7)
		p = ALIGN_DOWN(p, PAGE_2M / PAGE_SIZE);
	return MIN(p, c->npages - 1);
}

/* A length in pages from p that stays inside the window. */
static size_t asm_random_pages(const struct asm_ctx *c, size_t p, uint64_t *rng)
{
	unsigned how = as_test_rand(rng) % 10;
	size_t n;

	if (how < 6)
		n = 1 + as_test_rand(rng) % 32;
	else if (how < 8)
		n = (1 + as_test_rand(rng) % 2) * (PAGE_2M / PAGE_SIZE);
	else
		n = 1 + as_test_rand(rng) % (c->npages / 4);
	return MIN(n, c->npages - p);
}

/* Turn a page range into byte offsets, sometimes unaligned or empty on purpose. */
static void asm_random_range(uint64_t *rng, struct asm_op *op, size_t p, size_t n)
{
	unsigned how = as_test_rand(rng) % 100;

	op->off = p * PAGE_SIZE;
	op->len = n * PAGE_SIZE;
	if (how < 3)
		op->off += 1 + as_test_rand(rng) % (PAGE_SIZE - 1);
	else if (how < 6)
		op->len = 0;
	else if (how < 16)
		op->len -= as_test_rand(rng) % PAGE_SIZE;
}

static const int asm_mmap_modes[] = {MAP_FIXED, MAP_FIXED, MAP_FIXED, MAP_FIXED_NOREPLACE, 0, 0};
static const int asm_mremap_flags[] = {0, 0, 0, MREMAP_MAYMOVE, MREMAP_MAYMOVE, MREMAP_MAYMOVE,
				       MREMAP_MAYMOVE | MREMAP_FIXED, MREMAP_MAYMOVE | MREMAP_FIXED,
				       MREMAP_FIXED, 8};
static const int asm_advice[] = {MADV_DONTNEED, MADV_DONTNEED, MADV_DONTNEED, MADV_WILLNEED,
				 MADV_NORMAL, MADV_SEQUENTIAL, 99};
static const uint8_t asm_kind_weights[ASM_NKINDS] = {20, 12, 14, 12, 6, 6, 15, 8, 3, 2};

/* Pick an op kind by weight. */
static enum asm_op_kind asm_random_kind(uint64_t *rng)
{
	unsigned total = 0, r;

	for (int k = 0; k < ASM_NKINDS; k++)
		total += asm_kind_weights[k];
	r = as_test_rand(rng) % total;
	for (int k = 0; k < ASM_NKINDS; k++) {
		if (r < asm_kind_weights[k])
			return k;
		r -= asm_kind_weights[k];
	}
	return ASM_READ;
}

/* Fill the kind-specific fields of a random op. */
static void asm_random_args(const struct asm_ctx *c, const uint8_t *st, uint64_t *rng,
			    struct asm_op *op)
{
	uint64_t r = as_test_rand(rng);
	size_t q;

	switch (op->kind) {
	case ASM_MMAP:
		op->prot = r % 8;
		op->flags = ((r >> 8) % 33 ? MAP_PRIVATE : 0) | asm_mmap_modes[(r >> 16) % 6] |
			    ((r >> 24) % 5 == 0 ? MAP_POPULATE : 0) |
			    ((r >> 32) % 7 == 0 ? MAP_NORESERVE : 0);
		break;
	case ASM_MPROTECT:
		op->prot = (r >> 8) % 40 ? r % 8 : 0x10;
		break;
	case ASM_MREMAP:
		op->flags = asm_mremap_flags[r % ARRAY_SIZE(asm_mremap_flags)];
		q = asm_random_page(c, st, rng);
		op->off2 = q * PAGE_SIZE;
		op->len2 = asm_random_pages(c, q, rng) * PAGE_SIZE;
		if (!(op->flags & MREMAP_FIXED) && (r >> 8) % 3 == 0)
			op->len2 = op->len + PAGE_SIZE * (1 + (r >> 16) % 8);
		break;
	case ASM_MADVISE:
		op->flags = asm_advice[r % ARRAY_SIZE(asm_advice)];
		break;
	case ASM_BRK:
		op->off = (r >> 8) % 10 == 0 ? 0 : c->brk_start - c->base +
			  (int64_t)((r >> 16) % (96 * PAGE_SIZE)) - 8 * PAGE_SIZE;
		break;
	case ASM_WRITE:
		op->val = 1 + r % 255;
		break;
	default:
		break;
	}
}

void asm_random_op(struct asm_ctx *c, uint64_t *rng, struct asm_op *op, bool inject)
{
	const uint8_t *st;
	size_t p;

	memset(op, 0, sizeof(*op));
	op->kind = asm_random_kind(rng);
	op->space = as_test_rand(rng) % c->nspaces;
	st = c->sp[op->space].state;
	p = asm_random_page(c, st, rng);
	if (op->kind == ASM_WRITE || op->kind == ASM_READ)
		op->off = p * PAGE_SIZE;
	else
		asm_random_range(rng, op, p, asm_random_pages(c, p, rng));
	asm_random_args(c, st, rng, op);
	if (inject && as_test_rand(rng) % 6 == 0)
		op->fail = (1 + as_test_rand(rng) % 5) | ((as_test_rand(rng) & 1) << 31);
}
