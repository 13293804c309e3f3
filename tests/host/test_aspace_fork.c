/*
 * Host tests of the memory manager under fork (issue 13 point 5): the users
 * count of a space (as_get/as_put, for vfork and CLONE_VM), a model of a
 * tree of generations made by as_clone, clone and copy-on-write faults under
 * injected allocation failures, and the reuse of a frame whose count fell
 * to one.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "mm/aspace.h"
#include "mm/heap.h"
#include "mm/mmarch.h"
#include "mm/mobj.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "mm/zpage.h"
#include "support/as_testlib.h"
#include "support/host_mm.h"

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define WIN 0x40000000ULL /* where the tests map */

static size_t free0, tables0, heap0;

static void setup(void)
{
	host_mm_setup(MiB(512));
	mobj_shmem_set_limit(0);
	free0 = pmm_free_frames();
	tables0 = pt_table_frames();
	heap0 = heap_bytes_in_use();
}

/* Every frame, table and heap byte back. */
static void teardown(void)
{
	cr_assert_eq(pmm_free_frames(), free0, "leaked %zd frames",
		     (ssize_t)(free0 - pmm_free_frames()));
	cr_assert_eq(pt_table_frames(), tables0);
	cr_assert_eq(heap_bytes_in_use(), heap0);
}

TestSuite(aspace_fork, .init = setup, .fini = teardown);

/* The byte at va as a user read sees it (-1 when the read faults). */
static int uread(struct aspace *as, vaddr_t va)
{
	unsigned char b;

	return as_test_read(as, va, &b, 1) == AS_FAULT_OK ? b : -1;
}

/* Write byte b at va as a user write would; true when it went through. */
static bool uwrite(struct aspace *as, vaddr_t va, unsigned char b)
{
	return as_test_write(as, va, &b, 1) == AS_FAULT_OK;
}

/* ---------------------------------------------------------------- users */

/* A borrowed space (vfork) lives until its last user puts it; then all is freed. */
Test(aspace_fork, get_put_keeps_space_until_last_user)
{
	struct aspace *as = as_create();
	size_t used;

	cr_assert_not_null(as);
	cr_assert_eq(as_mmap(as, WIN, MiB(4), RW, ANON | MAP_FIXED), (long)WIN);
	cr_assert(uwrite(as, WIN, 5) && uwrite(as, WIN + MiB(3), 6));
	used = free0 - pmm_free_frames();
	cr_assert_eq(as_get(as), as);
	cr_assert_eq(as_get(as), as);
	as_put(as);
	as_put(as);
	cr_expect_eq(free0 - pmm_free_frames(), used, "a put before the last freed frames");
	cr_expect_eq(as_check(as), 0);
	cr_expect_eq(uread(as, WIN), 5);
	cr_expect_eq(uread(as, WIN + MiB(3)), 6);
	as_put(as);
}

/* A clone starts with one user of its own: putting it leaves the parent whole. */
Test(aspace_fork, clone_has_its_own_user)
{
	struct aspace *as = as_create(), *child;

	cr_assert_not_null(as);
	cr_assert_eq(as_mmap(as, WIN, 0x2000, RW, ANON | MAP_FIXED), (long)WIN);
	cr_assert(uwrite(as, WIN, 1));
	as_get(as);
	child = as_clone(as);
	cr_assert_not_null(child);
	as_put(child);
	as_put(as);
	cr_expect_eq(uread(as, WIN), 1);
	cr_expect_eq(as_check(as), 0);
	as_destroy(as); /* one user left: destroy is a put */
}

/* Destroying a space another user still holds is a broken invariant. */
Test(aspace_fork, destroy_of_a_shared_space_panics, .signal = SIGABRT)
{
	struct aspace *as = as_create();

	cr_assert_not_null(as);
	as_get(as);
	as_destroy(as);
}

/* ---------------------------------------------------------------- generation model */

/*
 * A model-based random test over a tree of generations made by as_clone
 * (clones of clones of clones...): random fork, exit, write, read, munmap,
 * mprotect, madvise (DONTNEED, DONTFORK, DOFORK, WIPEONFORK, KEEPONFORK) and
 * MAP_FIXED remaps, each applied to a space and to a byte-per-page model with
 * fork's semantics. After every step every live space must equal its model
 * (VMAs, rights, fork flags, the bytes of every page) and pass as_check, and
 * every frame's reference count must be the number of its mappings in all
 * spaces (+1 for the shmem object of a shared page). A write to a private
 * page whose frame had one reference must reuse it (same frame); one whose
 * frame was shared must copy it. At the end every frame, table and heap
 * byte is back.
 */

#define MADV_POPULATE_WRITE_ 23
#define FM_MAX_SPACES 12
#define FM_UNMAPPED (-1)
#define FM_DONTFORK 1u
#define FM_WIPE 2u

/* The window: three regions of fixed addresses, separated by holes. */
static const struct fm_region {
	vaddr_t va;
	size_t first, npages; /* page indices of the model */
	int kind;             /* MAP_PRIVATE or MAP_SHARED (anonymous) */
} fm_regions[] = {
	{0x40010000ULL, 0, 64, MAP_PRIVATE},    /* 4 KiB pages: no 2 MiB block inside */
	{0x40200000ULL, 64, 1024, MAP_PRIVATE}, /* two 2 MiB blocks: 2 MiB leaves on first touch */
	{0x40800000ULL, 1088, 16, MAP_SHARED},  /* MAP_SHARED|MAP_ANONYMOUS: a shmem object */
};
#define FM_NREGIONS (sizeof(fm_regions) / sizeof(fm_regions[0]))
#define FM_NPAGES 1104
#define FM_LO 0x40010000ULL
#define FM_HI (0x40800000ULL + 16 * PAGE_SIZE)

/* One page of a modelled space. */
struct fm_page {
	int8_t prot;    /* PROT_* or FM_UNMAPPED */
	uint8_t flags;  /* FM_DONTFORK, FM_WIPE */
	uint8_t val;    /* private: the byte every byte of the page holds */
	uint16_t obj;   /* shared: the model object and the page in it */
	uint16_t pgoff;
};

struct fm_space {
	struct aspace *as;
	unsigned gen; /* 0 for the first space, parent's + 1 for a clone */
	struct fm_page page[FM_NPAGES];
};

/* A frame seen mapped, for the reference count check. */
struct fm_frame {
	paddr_t pa;
	bool shared;
};

struct fm_ctx {
	struct fm_space *sp[FM_MAX_SPACES];
	unsigned n;
	uint8_t **obj; /* contents of the shared objects, a byte per page */
	unsigned nobj;
	struct fm_frame *frames;
	size_t nframes;
	uint64_t seed, rng;
	unsigned long step, forks, exits, reuses, copies, huge_cows, maxgen;
};

static uint64_t fm_rand(struct fm_ctx *c, uint64_t n)
{
	return as_test_rand(&c->rng) % n;
}

static vaddr_t fm_va(size_t i)
{
	for (size_t r = 0; r < FM_NREGIONS; r++)
		if (i < fm_regions[r].first + fm_regions[r].npages)
			return fm_regions[r].va + (i - fm_regions[r].first) * PAGE_SIZE;
	cr_assert_fail("page index %zu outside the window", i);
	return 0;
}

/* The model page index of va, or -1 when va is in no region. */
static long fm_index(vaddr_t va)
{
	for (size_t r = 0; r < FM_NREGIONS; r++) {
		const struct fm_region *g = &fm_regions[r];

		if (va >= g->va && va < g->va + g->npages * PAGE_SIZE)
			return (long)(g->first + (va - g->va) / PAGE_SIZE);
	}
	return -1;
}

static int fm_kind(size_t i)
{
	return i >= fm_regions[2].first ? MAP_SHARED : MAP_PRIVATE;
}

/* The byte page i of space s holds. */
static uint8_t fm_byte(const struct fm_ctx *c, const struct fm_space *s, size_t i)
{
	const struct fm_page *p = &s->page[i];

	return fm_kind(i) == MAP_SHARED ? c->obj[p->obj][p->pgoff] : p->val;
}

/* A new model object of n pages, all zero; returns its number. */
static uint16_t fm_obj_new(struct fm_ctx *c, size_t n)
{
	c->obj = realloc(c->obj, (c->nobj + 1) * sizeof(*c->obj));
	cr_assert_not_null(c->obj);
	c->obj[c->nobj] = calloc(n, 1);
	cr_assert_not_null(c->obj[c->nobj]);
	cr_assert_lt(c->nobj, 65535);
	return (uint16_t)c->nobj++;
}

/* Map pages [first, first + n) of space s afresh, as MAP_FIXED of its region's kind does. */
static void fm_model_map(struct fm_ctx *c, struct fm_space *s, size_t first, size_t n)
{
	uint16_t obj = fm_kind(first) == MAP_SHARED ? fm_obj_new(c, n) : 0;

	for (size_t k = 0; k < n; k++)
		s->page[first + k] = (struct fm_page){.prot = RW, .obj = obj, .pgoff = (uint16_t)k};
}

/* The first space: the three regions mapped read-write. */
static void fm_init(struct fm_ctx *c, uint64_t seed)
{
	struct fm_space *s = calloc(1, sizeof(*s));

	memset(c, 0, sizeof(*c));
	c->seed = c->rng = seed;
	cr_assert_not_null(s);
	s->as = as_create();
	cr_assert_not_null(s->as);
	for (size_t r = 0; r < FM_NREGIONS; r++) {
		const struct fm_region *g = &fm_regions[r];

		cr_assert_eq(as_mmap(s->as, g->va, g->npages * PAGE_SIZE, RW,
				     g->kind | MAP_ANONYMOUS | MAP_FIXED), (long)g->va);
		fm_model_map(c, s, g->first, g->npages);
	}
	c->sp[c->n++] = s;
}

/* ---- the checks */

/* pt_walk callback: every present page of a leaf against the model. */
struct fm_walk {
	struct fm_ctx *c;
	struct fm_space *s;
	bool *present;
	bool bad;
};

static int fm_check_leaf(void *ctx, const struct pt_leaf *leaf)
{
	struct fm_walk *w = ctx;

	for (uint64_t off = 0; off < leaf->size; off += PAGE_SIZE) {
		long i = fm_index(leaf->va + off);
		const uint8_t *b = mm_phys_to_virt(leaf->pa + off);
		uint8_t want;

		if (i < 0 || w->s->page[i].prot == FM_UNMAPPED) {
			cr_log_error("page %#llx mapped outside the model",
				     (unsigned long long)(leaf->va + off));
			return w->bad = true, 1;
		}
		want = fm_byte(w->c, w->s, (size_t)i);
		if (b[0] != want || b[PAGE_SIZE - 1] != want) {
			cr_log_error("page %#llx holds %u/%u, model %u", (unsigned long long)fm_va(i),
				     b[0], b[PAGE_SIZE - 1], want);
			return w->bad = true, 1;
		}
		w->present[i] = true;
		if (zpage_is(leaf->pa + off))
			continue; /* the zero frames hold no reference */
		w->c->frames[w->c->nframes++] =
			(struct fm_frame){leaf->pa + off, fm_kind((size_t)i) == MAP_SHARED};
	}
	return 0;
}

/* The VMA holding va in the sorted list vi[0..n) (NULL when none). */
static const struct as_vma_info *fm_vma(const struct as_vma_info *vi, size_t n, vaddr_t va)
{
	for (size_t k = 0; k < n; k++)
		if (va >= vi[k].start && va < vi[k].end)
			return &vi[k];
	return NULL;
}

/* The byte a missing page reads as: zero for private memory, the object's for shared. */
static int fm_missing_byte(struct fm_space *s, const struct as_vma_info *v, vaddr_t va)
{
	const struct mobj *o;
	uint64_t pgoff;
	uint8_t b = 0;

	if (!(v->flags & MAP_SHARED))
		return 0;
	cr_assert(as_vma_object(s->as, va, &o, &pgoff));
	mobj_read((struct mobj *)o, (pgoff + (va - v->start) / PAGE_SIZE) * PAGE_SIZE, &b, 1);
	return b;
}

/* One page's VMA (rights, kind, fork flags) and, when not present, its byte. */
static bool fm_check_page(struct fm_ctx *c, struct fm_space *s, size_t i,
			  const struct as_vma_info *v, bool present)
{
	const struct fm_page *p = &s->page[i];
	vaddr_t va = fm_va(i);
	int flags;

	if (!v || p->prot == FM_UNMAPPED) {
		if (!v != (p->prot == FM_UNMAPPED))
			cr_log_error("page %#llx: VMA %d, model %d", (unsigned long long)va,
				     v ? v->prot : -1, p->prot);
		return !v == (p->prot == FM_UNMAPPED);
	}
	flags = ((p->flags & FM_DONTFORK) ? AS_VMA_DONTCOPY : 0) |
		((p->flags & FM_WIPE) ? AS_VMA_WIPEONFORK : 0) | fm_kind(i);
	if (v->prot != p->prot ||
	    (v->flags & (AS_VMA_DONTCOPY | AS_VMA_WIPEONFORK | MAP_SHARED | MAP_PRIVATE)) != flags) {
		cr_log_error("page %#llx: VMA prot %d flags %#x, model prot %d flags %#x",
			     (unsigned long long)va, v->prot, v->flags, p->prot, flags);
		return false;
	}
	if (!present && fm_missing_byte(s, v, va) != fm_byte(c, s, i)) {
		cr_log_error("missing page %#llx reads %d, model %u", (unsigned long long)va,
			     fm_missing_byte(s, v, va), fm_byte(c, s, i));
		return false;
	}
	return true;
}

/* Space s against its model; appends its frames to c->frames. */
static bool fm_check_space(struct fm_ctx *c, struct fm_space *s)
{
	static struct as_vma_info vi[FM_NPAGES];
	static bool present[FM_NPAGES];
	struct fm_walk w = {c, s, present, false};
	size_t n = as_vmas(s->as, vi, FM_NPAGES);

	if (as_check(s->as) != 0)
		return false;
	for (size_t k = 0; k < n; k++)
		if (fm_index(vi[k].start) < 0 || fm_index(vi[k].end - 1) < 0) {
			cr_log_error("VMA [%#llx, %#llx) outside the regions",
				     (unsigned long long)vi[k].start, (unsigned long long)vi[k].end);
			return false;
		}
	memset(present, 0, sizeof(present));
	pt_walk(as_root(s->as), FM_LO, FM_HI - FM_LO, fm_check_leaf, &w);
	if (w.bad)
		return false;
	for (size_t i = 0; i < FM_NPAGES; i++)
		if (!fm_check_page(c, s, i, fm_vma(vi, n, fm_va(i)), present[i]))
			return false;
	return true;
}

static int fm_frame_cmp(const void *a, const void *b)
{
	paddr_t x = ((const struct fm_frame *)a)->pa, y = ((const struct fm_frame *)b)->pa;

	return (x > y) - (x < y);
}

/* Every mapped frame's count is its mappings in all spaces, +1 for a shmem object's page. */
static bool fm_check_frames(struct fm_ctx *c)
{
	size_t k = 0, j;

	qsort(c->frames, c->nframes, sizeof(*c->frames), fm_frame_cmp);
	for (; k < c->nframes; k = j) {
		uint32_t want;

		for (j = k; j < c->nframes && c->frames[j].pa == c->frames[k].pa; j++)
			if (c->frames[j].shared != c->frames[k].shared)
				return cr_log_error("frame %#llx mapped private and shared",
						    (unsigned long long)c->frames[k].pa), false;
		want = (uint32_t)(j - k) + (c->frames[k].shared ? 1 : 0);
		if (pmm_refcount(c->frames[k].pa) != want) {
			cr_log_error("frame %#llx: refcount %u, %u expected",
				     (unsigned long long)c->frames[k].pa,
				     pmm_refcount(c->frames[k].pa), want);
			return false;
		}
	}
	return true;
}

/* Every live space against the model, then every frame's count. */
static void fm_check(struct fm_ctx *c)
{
	c->frames = realloc(c->frames, FM_MAX_SPACES * FM_NPAGES * sizeof(*c->frames));
	cr_assert_not_null(c->frames);
	c->nframes = 0;
	for (unsigned k = 0; k < c->n; k++)
		cr_assert(fm_check_space(c, c->sp[k]),
			  "seed %llu step %lu: space %u differs from the model",
			  (unsigned long long)c->seed, c->step, k);
	cr_assert(fm_check_frames(c), "seed %llu step %lu: frame counts",
		  (unsigned long long)c->seed, c->step);
}

/* ---- the operations */

#define FM_AT "seed %llu step %lu"
#define FM_ARGS(c) (unsigned long long)(c)->seed, (c)->step
#define FM_WHERE(c) FM_AT, FM_ARGS(c)

/* A region at random: the 4 KiB one 30%, the 2 MiB one 50%, the shared one 20%. */
static const struct fm_region *fm_pick_region(struct fm_ctx *c)
{
	uint64_t r = fm_rand(c, 10);

	return &fm_regions[r < 3 ? 0 : r < 8 ? 1 : 2];
}

/* A random range [*first, *first + *n) of pages inside one region. */
static void fm_pick_range(struct fm_ctx *c, size_t *first, size_t *n)
{
	const struct fm_region *g = fm_pick_region(c);
	size_t start, room;

	if (g->npages == 1024 && fm_rand(c, 8) == 0) { /* a whole 2 MiB block */
		*first = g->first + 512 * fm_rand(c, 2);
		*n = 512;
		return;
	}
	start = fm_rand(c, g->npages);
	room = g->npages - start;
	*first = g->first + start;
	*n = fm_rand(c, 4) == 0 ? room : 1 + fm_rand(c, MIN(room, 16));
}

static size_t fm_pick_page(struct fm_ctx *c)
{
	const struct fm_region *g = fm_pick_region(c);

	return g->first + fm_rand(c, g->npages);
}

static struct fm_space *fm_pick_space(struct fm_ctx *c)
{
	return c->sp[fm_rand(c, c->n)];
}

/* exit: the space goes (its last user puts it). */
static void fm_exit(struct fm_ctx *c)
{
	unsigned k = (unsigned)fm_rand(c, c->n);

	as_put(c->sp[k]->as);
	free(c->sp[k]);
	c->sp[k] = c->sp[--c->n];
	c->exits++;
}

/* The deepest generation half the time (long chains of clones), else any. */
static struct fm_space *fm_pick_parent(struct fm_ctx *c)
{
	struct fm_space *best = c->sp[0];

	if (fm_rand(c, 2))
		return fm_pick_space(c);
	for (unsigned k = 1; k < c->n; k++)
		if (c->sp[k]->gen > best->gen)
			best = c->sp[k];
	return best;
}

/* fork: DONTFORK pages absent in the child, WIPEONFORK ones zero, the rest as the parent's. */
static void fm_fork(struct fm_ctx *c)
{
	struct fm_space *p = fm_pick_parent(c), *s = calloc(1, sizeof(*s));

	cr_assert_not_null(s);
	s->as = as_clone(p->as);
	cr_assert_not_null(s->as, FM_WHERE(c));
	s->gen = p->gen + 1;
	c->maxgen = MAX(c->maxgen, s->gen);
	for (size_t i = 0; i < FM_NPAGES; i++) {
		const struct fm_page *pp = &p->page[i];

		s->page[i] = *pp;
		if (pp->prot == FM_UNMAPPED || (pp->flags & FM_DONTFORK))
			s->page[i] = (struct fm_page){.prot = FM_UNMAPPED};
		else if (pp->flags & FM_WIPE)
			s->page[i].val = 0;
	}
	c->sp[c->n++] = s;
	c->forks++;
}

/* The verdict of a user access to page p. */
static int fm_verdict(const struct fm_page *p, int need)
{
	if (p->prot == FM_UNMAPPED)
		return AS_FAULT_MAPERR;
	if (p->prot == PROT_NONE || ((need & PROT_WRITE) && !(p->prot & PROT_WRITE)))
		return AS_FAULT_ACCERR;
	return AS_FAULT_OK;
}

/*
 * After a write to private page va that was present read-only at frame old
 * with `refs` references: one reference means reuse (same frame), more a copy;
 * a zero frame is never reused.
 */
static void fm_expect_cow(struct fm_ctx *c, struct fm_space *s, vaddr_t va, paddr_t old,
			  uint32_t refs)
{
	struct pt_leaf l;
	paddr_t now;

	cr_assert(pt_query(as_root(s->as), va, &l), FM_WHERE(c));
	now = l.pa + (va - l.va);
	if (zpage_is(old)) {
		cr_assert(!zpage_is(now) && pmm_refcount(now) == 1, FM_WHERE(c));
		c->copies++;
	} else if (refs == 1) {
		cr_assert_eq(now, old, "no reuse of an exclusive frame; " FM_WHERE(c));
		c->reuses++;
	} else {
		cr_assert_neq(now, old, "a shared frame written in place; " FM_WHERE(c));
		cr_assert_eq(pmm_refcount(old), refs - 1, FM_WHERE(c));
		c->copies++;
	}
}

/* write: fill a page with a random byte; check reuse or copy of a read-only private page. */
static void fm_write(struct fm_ctx *c)
{
	struct fm_space *s = fm_pick_space(c);
	size_t i = fm_pick_page(c);
	struct fm_page *p = &s->page[i];
	vaddr_t va = fm_va(i);
	uint8_t val = (uint8_t)(1 + fm_rand(c, 255)), buf[PAGE_SIZE];
	int want = fm_verdict(p, PROT_WRITE);
	struct pt_leaf l;
	bool cow = pt_query(as_root(s->as), va, &l) && !(l.flags & PT_WRITE) &&
		   fm_kind(i) == MAP_PRIVATE;
	paddr_t old = l.pa + (va - l.va);
	uint32_t refs = cow ? pmm_refcount(old) : 0;

	memset(buf, val, sizeof(buf));
	cr_assert_eq(as_test_write(s->as, va, buf, PAGE_SIZE), want, "write %#llx; " FM_AT,
		     (unsigned long long)va, FM_ARGS(c));
	if (want != AS_FAULT_OK)
		return;
	if (fm_kind(i) == MAP_SHARED)
		c->obj[p->obj][p->pgoff] = val;
	else
		p->val = val;
	if (cow && l.size > PAGE_SIZE)
		c->huge_cows++;
	if (cow)
		fm_expect_cow(c, s, va, old, refs);
}

/* read: a whole page, every byte the model's. */
static void fm_read(struct fm_ctx *c)
{
	struct fm_space *s = fm_pick_space(c);
	size_t i = fm_pick_page(c);
	int want = fm_verdict(&s->page[i], PROT_READ);
	uint8_t buf[PAGE_SIZE], ref[PAGE_SIZE];

	cr_assert_eq(as_test_read(s->as, fm_va(i), buf, PAGE_SIZE), want, FM_WHERE(c));
	if (want != AS_FAULT_OK)
		return;
	memset(ref, fm_byte(c, s, i), sizeof(ref));
	cr_assert_eq(memcmp(buf, ref, PAGE_SIZE), 0, "read %#llx; " FM_AT,
		     (unsigned long long)fm_va(i), FM_ARGS(c));
}

static void fm_munmap(struct fm_ctx *c)
{
	struct fm_space *s = fm_pick_space(c);
	size_t first, n;

	fm_pick_range(c, &first, &n);
	cr_assert_eq(as_munmap(s->as, fm_va(first), n * PAGE_SIZE), 0, FM_WHERE(c));
	for (size_t k = first; k < first + n; k++)
		s->page[k] = (struct fm_page){.prot = FM_UNMAPPED};
}

/* mprotect: the pages before the first hole change; a hole is ENOMEM (Linux). */
static void fm_mprotect(struct fm_ctx *c)
{
	static const int prots[] = {PROT_NONE, PROT_READ, RW};
	struct fm_space *s = fm_pick_space(c);
	int prot = prots[fm_rand(c, 3)], want = 0;
	size_t first, n, k;

	fm_pick_range(c, &first, &n);
	for (k = first; k < first + n && s->page[k].prot != FM_UNMAPPED; k++)
		s->page[k].prot = (int8_t)prot;
	if (k < first + n)
		want = -ENOMEM;
	cr_assert_eq(as_mprotect(s->as, fm_va(first), n * PAGE_SIZE, prot), want, FM_WHERE(c));
}

/* The model of madvise `advice` on page p: 0, or -EINVAL where Linux stops. */
static int fm_advise_page(struct fm_page *p, int kind, int advice)
{
	switch (advice) {
	case MADV_DONTNEED:
		if (kind == MAP_PRIVATE)
			p->val = 0;
		return 0;
	case 10: /* MADV_DONTFORK */
		p->flags |= FM_DONTFORK;
		return 0;
	case 11: /* MADV_DOFORK */
		p->flags &= ~FM_DONTFORK;
		return 0;
	case 18: /* MADV_WIPEONFORK: anonymous private memory only */
		if (kind == MAP_SHARED)
			return -EINVAL;
		p->flags |= FM_WIPE;
		return 0;
	default: /* 19, MADV_KEEPONFORK */
		p->flags &= ~FM_WIPE;
		return 0;
	}
}

/* madvise: VMA by VMA in order; an EINVAL stops the walk, a hole is ENOMEM at the end. */
static void fm_madvise(struct fm_ctx *c)
{
	static const int advices[] = {MADV_DONTNEED, MADV_DONTNEED, 10, 11, 18, 19};
	struct fm_space *s = fm_pick_space(c);
	int advice = advices[fm_rand(c, 6)], want = 0;
	size_t first, n;

	fm_pick_range(c, &first, &n);
	for (size_t k = first; k < first + n && want != -EINVAL; k++) {
		if (s->page[k].prot == FM_UNMAPPED)
			want = -ENOMEM;
		else if (fm_advise_page(&s->page[k], fm_kind(k), advice) != 0)
			want = -EINVAL;
	}
	cr_assert_eq(as_madvise(s->as, fm_va(first), n * PAGE_SIZE, advice), want,
		     "madvise %d; " FM_AT, advice, FM_ARGS(c));
}

/*
 * MADV_POPULATE_WRITE over a range mapped read-write throughout: 0, every
 * page present and writable, contents as before (copy-on-write broken as a
 * write fault breaks it).
 */
static void fm_populate(struct fm_ctx *c)
{
	struct fm_space *s = fm_pick_space(c);
	size_t first, n;
	struct pt_leaf l;

	fm_pick_range(c, &first, &n);
	for (size_t k = first; k < first + n; k++)
		if (s->page[k].prot != RW)
			return;
	cr_assert_eq(as_madvise(s->as, fm_va(first), n * PAGE_SIZE, MADV_POPULATE_WRITE_), 0,
		     FM_WHERE(c));
	for (size_t k = first; k < first + n; k++)
		cr_assert(pt_query(as_root(s->as), fm_va(k), &l) && (l.flags & PT_WRITE),
			  "%#llx not populated for writing; " FM_AT,
			  (unsigned long long)fm_va(k), FM_ARGS(c));
}

/* remap: MAP_FIXED over a range, fresh memory of the region's kind (a new object if shared). */
static void fm_remap(struct fm_ctx *c)
{
	struct fm_space *s = fm_pick_space(c);
	size_t first, n;

	fm_pick_range(c, &first, &n);
	cr_assert_eq(as_mmap(s->as, fm_va(first), n * PAGE_SIZE, RW,
			     fm_kind(first) | MAP_ANONYMOUS | MAP_FIXED), (long)fm_va(first),
		     FM_WHERE(c));
	fm_model_map(c, s, first, n);
}

/*
 * One random step: fork 8%, exit 6% (never the last space), write 35%, read
 * 13%, munmap 6%, mprotect 8%, madvise 10%, populate 4%, remap 10%.
 */
static void fm_step(struct fm_ctx *c)
{
	uint64_t r = fm_rand(c, 100);

	if (r < 8 || (r < 14 && c->n == 1))
		c->n < FM_MAX_SPACES ? fm_fork(c) : fm_exit(c);
	else if (r < 14)
		fm_exit(c);
	else if (r < 49)
		fm_write(c);
	else if (r < 62)
		fm_read(c);
	else if (r < 68)
		fm_munmap(c);
	else if (r < 76)
		fm_mprotect(c);
	else if (r < 86)
		fm_madvise(c);
	else if (r < 90)
		fm_populate(c);
	else
		fm_remap(c);
}

/* Run `steps` random steps from `seed`, checking after each; then destroy everything. */
static void fm_run(uint64_t seed, unsigned long steps)
{
	struct fm_ctx c;

	fm_init(&c, seed);
	fm_check(&c);
	for (c.step = 1; c.step <= steps; c.step++) {
		fm_step(&c);
		fm_check(&c);
	}
	cr_log_info("seed %llu: %lu forks, %lu exits, %lu generations deep, %lu reuses, "
		    "%lu copies, %lu writes to shared 2 MiB leaves", (unsigned long long)seed,
		    c.forks, c.exits, c.maxgen, c.reuses, c.copies, c.huge_cows);
	cr_expect_geq(c.maxgen, 10, "the tree stayed shallow");
	cr_expect_gt(c.reuses, 0);
	cr_expect_gt(c.copies, 0);
	cr_expect_gt(c.huge_cows, 0);
	while (c.n) {
		as_put(c.sp[--c.n]->as);
		free(c.sp[c.n]);
	}
	for (unsigned k = 0; k < c.nobj; k++)
		free(c.obj[k]);
	free(c.obj);
	free(c.frames);
}

Test(aspace_fork, generations_model_seed_1) { fm_run(1, 4000); }
Test(aspace_fork, generations_model_seed_2) { fm_run(2, 4000); }
Test(aspace_fork, generations_model_seed_3) { fm_run(0x5eed, 4000); }

/* ---------------------------------------------------------------- a parent to clone */

#define P4K 0x40010000ULL  /* 4 KiB pages, private */
#define P2M 0x40200000ULL  /* 2 MiB aligned, private: 2 MiB leaves */
#define PSH 0x40800000ULL  /* MAP_SHARED|MAP_ANONYMOUS */
#define PWF 0x40a00000ULL  /* MADV_WIPEONFORK */
#define MADV_DONTFORK_ 10
#define MADV_WIPEONFORK_ 18

/* The leaf mapping va in as (asserted present). */
static struct pt_leaf leaf_at(struct aspace *as, vaddr_t va)
{
	struct pt_leaf l;

	cr_assert(pt_query(as_root(as), va, &l), "%#llx not mapped", (unsigned long long)va);
	return l;
}

/* The frame of the 4 KiB page at va. */
static paddr_t frame_at(struct aspace *as, vaddr_t va)
{
	struct pt_leaf l = leaf_at(as, va);

	return l.pa + (ALIGN_DOWN(va, PAGE_SIZE) - l.va);
}

/*
 * A space with every kind fork treats apart, touched: 4 KiB pages, two 2 MiB
 * leaves (the second half-DONTFORK, so a VMA end lies inside a leaf), shared
 * memory and a WIPEONFORK range.
 */
static struct aspace *parent_new(void)
{
	struct aspace *as = as_create();

	cr_assert_not_null(as);
	cr_assert_eq(as_mmap(as, P4K, 0x4000, RW, ANON | MAP_FIXED), (long)P4K);
	cr_assert_eq(as_mmap(as, P2M, MiB(4), RW, ANON | MAP_FIXED), (long)P2M);
	cr_assert_eq(as_mmap(as, PSH, 0x3000, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED),
		     (long)PSH);
	cr_assert_eq(as_mmap(as, PWF, 0x2000, RW, ANON | MAP_FIXED), (long)PWF);
	for (unsigned k = 0; k < 4; k++)
		cr_assert(uwrite(as, P4K + k * PAGE_SIZE, (unsigned char)(1 + k)));
	cr_assert(uwrite(as, P2M + 0x5000, 11) && uwrite(as, P2M + MiB(2) + 0x7000, 12));
	cr_assert_eq(leaf_at(as, P2M).size, MiB(2));
	cr_assert_eq(leaf_at(as, P2M + MiB(2)).size, MiB(2));
	cr_assert_eq(as_madvise(as, P2M + MiB(3), MiB(1), MADV_DONTFORK_), 0);
	cr_assert_eq(leaf_at(as, P2M + MiB(2)).size, MiB(2), "madvise left the leaf whole");
	cr_assert(uwrite(as, PSH, 21) && uwrite(as, PSH + 0x2000, 22));
	cr_assert(uwrite(as, PWF, 31));
	cr_assert_eq(as_madvise(as, PWF, 0x2000, MADV_WIPEONFORK_), 0);
	cr_assert_eq(as_check(as), 0);
	return as;
}

/* ---------------------------------------------------------------- clone under failures */

/*
 * as_clone with the k-th frame (or heap) allocation failing, for every k
 * until it succeeds: NULL, the parent exactly as before (VMAs, leaves, their
 * flags and contents: still writable), no frame, table or heap byte taken.
 */
static void clone_every_failure(bool heap)
{
	struct aspace *as = parent_new(), *child = NULL;
	struct as_snap before, after;
	unsigned long k;

	/*
	 * VMA ends inside both 2 MiB leaves: the first leaf's split must be
	 * undone when the second one's fails.
	 */
	cr_assert_eq(as_madvise(as, P2M + MiB(1), MiB(1) + 0x10000, MADV_DONTFORK_), 0);
	cr_assert_eq(leaf_at(as, P2M).size, MiB(2));
	for (k = 1; !child; k++) {
		size_t frames = pmm_free_frames(), tables = pt_table_frames();
		size_t bytes = heap_bytes_in_use();

		as_snap_take(as, &before);
		if (heap)
			heap_fail_nth(k);
		else
			pmm_fail_nth(k);
		child = as_clone(as);
		heap_fail_nth(0);
		pmm_fail_nth(0);
		if (child)
			break;
		as_snap_take(as, &after);
		cr_assert_eq(as_snap_compare(&before, &after, "parent"), 0, "failure %lu", k);
		cr_assert_eq(pmm_free_frames(), frames, "failure %lu leaked frames", k);
		cr_assert_eq(pt_table_frames(), tables, "failure %lu", k);
		cr_assert_eq(heap_bytes_in_use(), bytes, "failure %lu leaked heap", k);
		cr_assert_eq(as_check(as), 0);
		as_snap_free(&before);
		as_snap_free(&after);
	}
	as_snap_free(&before);
	cr_expect_gt(k, 3, "only %lu allocation points", k - 1);
	cr_assert_eq(as_check(child), 0);
	cr_expect_eq(uread(child, P2M + 0x5000), 11);
	cr_expect_eq(uread(child, PSH + 0x2000), 22);
	as_destroy(child);
	cr_assert_eq(as_check(as), 0);
	as_destroy(as);
}

Test(aspace_fork, clone_fails_cleanly_at_every_frame_allocation) { clone_every_failure(false); }
Test(aspace_fork, clone_fails_cleanly_at_every_heap_allocation) { clone_every_failure(true); }

/*
 * A write fault at va of `child` (a COW break) with the k-th frame
 * allocation failing, for every k until it succeeds: AS_FAULT_OOM and both
 * spaces exactly as before, no frame taken. Returns the failures seen.
 */
static unsigned long cow_every_failure(struct aspace *as, struct aspace *child, vaddr_t va)
{
	struct as_snap pb, pa, cb, ca;
	unsigned long k;
	int res;

	for (k = 1;; k++) {
		size_t frames = pmm_free_frames();

		as_snap_take(as, &pb);
		as_snap_take(child, &cb);
		pmm_fail_nth(k);
		res = as_fault(child, va, AS_PF_USER | AS_PF_WRITE | AS_PF_PRESENT);
		pmm_fail_nth(0);
		if (res == AS_FAULT_OK)
			break;
		cr_assert_eq(res, AS_FAULT_OOM, "failure %lu", k);
		as_snap_take(as, &pa);
		as_snap_take(child, &ca);
		cr_assert_eq(as_snap_compare(&pb, &pa, "parent"), 0, "failure %lu", k);
		cr_assert_eq(as_snap_compare(&cb, &ca, "child"), 0, "failure %lu", k);
		cr_assert_eq(pmm_free_frames(), frames, "failure %lu", k);
		as_snap_free(&pa);
		as_snap_free(&ca);
		as_snap_free(&pb);
		as_snap_free(&cb);
	}
	as_snap_free(&pb);
	as_snap_free(&cb);
	return k - 1;
}

/* A COW fault that cannot get a frame (4 KiB page, 2 MiB leaf) is OOM and changes nothing. */
Test(aspace_fork, cow_fault_without_memory_changes_nothing)
{
	struct aspace *as = parent_new(), *child = as_clone(as);

	cr_assert_not_null(child);
	cr_expect_eq(cow_every_failure(as, child, P4K + 0x1000), 1, "the copy's frame");
	cr_expect_eq(cow_every_failure(as, child, P2M + 0x9000), 2, "the split's table, the copy");
	cr_expect_eq(uread(child, P4K + 0x1000), 2);
	cr_expect_eq(uread(child, P2M + 0x5000), 11);
	cr_assert_eq(as_check(child), 0);
	cr_assert_eq(as_check(as), 0);
	as_destroy(child);
	as_destroy(as);
}

/* ---------------------------------------------------------------- reuse */

/*
 * Write va of `as` and expect a reuse: the same frame, now writable, and no
 * frame allocated at all (free count and allocation calls unchanged).
 */
static void expect_reuse(struct aspace *as, vaddr_t va, unsigned char b)
{
	paddr_t pa = frame_at(as, va);
	size_t frames = pmm_free_frames();
	unsigned long calls = pmm_alloc_calls();

	cr_assert_eq(pmm_refcount(pa), 1);
	cr_assert_eq(leaf_at(as, va).flags & PT_WRITE, 0, "not read-only before");
	cr_assert(uwrite(as, va, b));
	cr_expect_eq(frame_at(as, va), pa, "%#llx copied, not reused", (unsigned long long)va);
	cr_expect_neq(leaf_at(as, va).flags & PT_WRITE, 0);
	cr_expect_eq(pmm_free_frames(), frames, "a frame taken for %#llx", (unsigned long long)va);
	cr_expect_eq(pmm_alloc_calls(), calls);
	cr_expect_eq(uread(as, va), b);
}

/* After the child exits, the parent's write faults reuse its frames (Linux's wp_page_reuse). */
Test(aspace_fork, parent_reuses_frames_after_child_exit)
{
	struct aspace *as = parent_new(), *child = as_clone(as);
	paddr_t big;

	cr_assert_not_null(child);
	cr_assert_eq(pmm_refcount(frame_at(as, P4K)), 2);
	big = leaf_at(as, P2M).pa;
	as_destroy(child);
	expect_reuse(as, P4K, 0x41);
	expect_reuse(as, P2M + 0x5000, 0x42); /* the whole 2 MiB leaf turns writable */
	cr_expect_eq(leaf_at(as, P2M).size, MiB(2), "the 2 MiB leaf stays whole");
	cr_expect_eq(leaf_at(as, P2M).pa, big);
	cr_expect_eq(uread(as, P4K + 0x1000), 2);
	cr_assert_eq(as_check(as), 0);
	as_destroy(as);
}

/* The child writes, then exits: the parent reuses both the shared and the now-lone frames. */
Test(aspace_fork, reuse_after_a_split_in_the_child)
{
	struct aspace *as = parent_new(), *child = as_clone(as);

	cr_assert_not_null(child);
	cr_assert(uwrite(child, P2M + 0x9000, 0x51)); /* the child's leaf splits, one page copied */
	cr_assert(uwrite(child, P4K, 0x52));
	cr_expect_eq(leaf_at(child, P2M).size, PAGE_SIZE);
	cr_expect_eq(leaf_at(as, P2M).size, MiB(2), "the parent's leaf is not split");
	as_destroy(child);
	expect_reuse(as, P2M + 0x9000, 0x53);
	cr_expect_eq(leaf_at(as, P2M).size, MiB(2), "every frame lone: the leaf is reused whole");
	expect_reuse(as, P4K, 0x54);
	cr_assert_eq(as_check(as), 0);
	as_destroy(as);
}

/* The parent's leaf split while the child lived: after the exit its pages are reused one by one. */
Test(aspace_fork, reuse_of_split_pages_after_child_exit)
{
	struct aspace *as = parent_new(), *child = as_clone(as);

	cr_assert_not_null(child);
	cr_assert(uwrite(as, P2M + 0x9000, 0x61));
	cr_expect_eq(leaf_at(as, P2M).size, PAGE_SIZE);
	as_destroy(child);
	expect_reuse(as, P2M + 0xa000, 0x62);
	expect_reuse(as, P2M + 0x5000, 0x63);
	cr_expect_eq(uread(as, P2M + 0x9000), 0x61);
	cr_assert_eq(as_check(as), 0);
	as_destroy(as);
}

/* ---------------------------------------------------------------- what a clone gets */

/*
 * 2 MiB leaves are shared read-only as 2 MiB leaves; a write splits the
 * writer's leaf and copies one 4 KiB page (one frame and one table taken),
 * as Linux's do_huge_pmd_wp_page falls back to a split.
 */
Test(aspace_fork, two_mib_leaf_shared_then_split_on_write)
{
	struct aspace *as = parent_new(), *child = as_clone(as);
	struct pt_leaf p, c;
	size_t frames;

	cr_assert_not_null(child);
	p = leaf_at(as, P2M);
	c = leaf_at(child, P2M);
	cr_expect_eq(p.size, MiB(2));
	cr_expect_eq(c.size, MiB(2));
	cr_expect_eq(c.pa, p.pa);
	cr_expect_eq((p.flags | c.flags) & PT_WRITE, 0);
	for (uint64_t off = 0; off < MiB(2); off += PAGE_SIZE)
		cr_assert_eq(pmm_refcount(p.pa + off), 2);
	frames = pmm_free_frames();
	cr_assert(uwrite(child, P2M + 0x5000, 0x71));
	cr_expect_eq(frames - pmm_free_frames(), 2, "one table and one page");
	cr_expect_neq(frame_at(child, P2M + 0x5000), p.pa + 0x5000);
	cr_expect_eq(frame_at(child, P2M + 0x6000), p.pa + 0x6000, "the other pages still shared");
	cr_expect_eq(leaf_at(child, P2M + 0x6000).flags & PT_WRITE, 0);
	cr_expect_eq(pmm_refcount(p.pa + 0x5000), 1);
	cr_expect_eq(uread(as, P2M + 0x5000), 11);
	cr_expect_eq(uread(child, P2M + 0x5000), 0x71);
	cr_assert_eq(as_check(child), 0);
	cr_assert_eq(as_check(as), 0);
	as_destroy(child);
	as_destroy(as);
}

/* MAP_SHARED: the same frame on both sides, writable at once; DONTFORK absent; WIPEONFORK zero. */
Test(aspace_fork, shared_dontfork_wipeonfork_in_the_clone)
{
	struct aspace *as = parent_new(), *child = as_clone(as);
	struct as_vma_info vi;

	cr_assert_not_null(child);
	cr_expect_eq(frame_at(child, PSH), frame_at(as, PSH));
	cr_expect_neq(leaf_at(child, PSH).flags & PT_WRITE, 0);
	cr_expect_neq(leaf_at(as, PSH).flags & PT_WRITE, 0);
	cr_expect_eq(pmm_refcount(frame_at(as, PSH)), 3, "two mappings and the object");
	cr_assert(uwrite(child, PSH + 0x2000, 0x81));
	cr_expect_eq(uread(as, PSH + 0x2000), 0x81);
	cr_expect(!as_vma_at(child, P2M + MiB(3), &vi), "a DONTFORK range in the clone");
	cr_expect(as_vma_at(child, P2M + MiB(3) - 1, &vi) && vi.end == P2M + MiB(3));
	cr_expect_eq(uread(child, P2M + MiB(2) + 0x7000), 12, "the forked half of the leaf");
	cr_expect(as_vma_at(child, PWF, &vi) && (vi.flags & AS_VMA_WIPEONFORK));
	cr_expect(!pt_query(as_root(child), PWF, &(struct pt_leaf){0}), "wiped: nothing mapped");
	cr_expect_eq(uread(child, PWF), 0);
	cr_expect_eq(uread(as, PWF), 31);
	cr_assert_eq(as_check(child), 0);
	as_destroy(child);
	as_destroy(as);
}

/*
 * Neither mlock nor mlockall(MCL_FUTURE) passes to a clone; the parent keeps
 * both. The clone's VMAs are the parent's one for one: the three that an
 * mlock of the middle made stay three, alike as they are without the lock
 * (Linux's dup_mmap; a fork on Linux shows three lines in the child's maps).
 */
Test(aspace_fork, locks_not_inherited)
{
	struct aspace *as = parent_new(), *child;
	struct as_vma_info vi;
	long a;

	cr_assert_eq(as_mlock(as, P4K + PAGE_SIZE, 0x2000, 0), 0);
	cr_assert_eq(as_vma_count(as), 7);
	cr_assert_eq(as_mlockall(as, MCL_FUTURE), 0);
	child = as_clone(as);
	cr_assert_not_null(child);
	cr_expect_eq(as_locked_pages(child), 0);
	cr_expect_eq(as_vma_count(child), 6, "the DONTFORK MiB is absent, the rest one for one");
	cr_expect(as_vma_at(child, P4K + PAGE_SIZE, &vi) && !(vi.flags & AS_VMA_LOCK_MASK));
	cr_expect(vi.start == P4K + PAGE_SIZE && vi.end == P4K + 0x3000, "not merged");
	a = as_mmap(child, 0, 0x2000, RW, ANON);
	cr_assert_gt(a, 0);
	cr_expect(as_vma_at(child, a, &vi) && !(vi.flags & AS_VMA_LOCKED), "MCL_FUTURE inherited");
	cr_expect(!pt_query(as_root(child), a, &(struct pt_leaf){0}),
		  "a new mapping of the child was populated");
	a = as_mmap(as, 0, 0x2000, RW, ANON);
	cr_expect(as_vma_at(as, a, &vi) && (vi.flags & AS_VMA_LOCKED), "the parent keeps MCL_FUTURE");
	cr_assert_eq(as_check(child), 0);
	as_destroy(child);
	as_destroy(as);
}

/* MADV_POPULATE_WRITE after a clone breaks copy-on-write in the 4 KiB and 2 MiB cases. */
Test(aspace_fork, populate_write_breaks_cow)
{
	struct aspace *as = parent_new(), *child = as_clone(as);
	paddr_t small = frame_at(as, P4K), big = frame_at(as, P2M + 0x5000);

	cr_assert_not_null(child);
	cr_assert_eq(as_madvise(child, P4K, 0x4000, MADV_POPULATE_WRITE_), 0);
	cr_assert_eq(as_madvise(child, P2M, MiB(2), MADV_POPULATE_WRITE_), 0);
	cr_expect_neq(frame_at(child, P4K), small);
	cr_expect_neq(frame_at(child, P2M + 0x5000), big);
	cr_expect_eq(pmm_refcount(small), 1);
	cr_expect_eq(pmm_refcount(big), 1);
	cr_expect_neq(leaf_at(child, P2M + 0x5000).flags & PT_WRITE, 0);
	cr_assert(uwrite(child, P2M + 0x5000, 0x91) && uwrite(child, P4K, 0x92));
	cr_expect_eq(uread(as, P2M + 0x5000), 11);
	cr_expect_eq(uread(as, P4K), 1);
	cr_assert_eq(as_check(child), 0);
	cr_assert_eq(as_check(as), 0);
	as_destroy(child);
	as_destroy(as);
}

/* ---------------------------------------------------------------- private windows onto objects */

#define PFILE 0x40c00000ULL

/*
 * A memfd-like object of 4 pages whose page i starts with 'A' + i, mapped
 * MAP_PRIVATE at PFILE: page 0 written (a private copy), page 1 read (the
 * object's page, read-only), pages 2 and 3 never touched.
 */
static struct aspace *file_parent_new(struct mobj **objp)
{
	struct aspace *as = as_create();
	struct mobj *o = mobj_create(MOBJ_SHMEM);

	cr_assert_not_null(as);
	cr_assert_not_null(o);
	for (unsigned i = 0; i < 4; i++) {
		char ch = (char)('A' + i);

		cr_assert_eq(mobj_write(o, i * PAGE_SIZE, &ch, 1), 1);
	}
	cr_assert_eq(as_mmap_obj(as, PFILE, 4 * PAGE_SIZE, RW, MAP_PRIVATE | MAP_FIXED, o, 0, 0),
		     (long)PFILE);
	cr_assert(uwrite(as, PFILE, 'a'));
	cr_assert_eq(uread(as, PFILE + PAGE_SIZE), 'B');
	*objp = o;
	return as;
}

/*
 * fork of a private file mapping: the copied page is copy-on-write in the
 * child, the object's pages are the object's on both sides, and pages not
 * yet copied keep reading the object (a later change of the file shows).
 */
Test(aspace_fork, private_window_copies_are_cow_the_rest_reads_the_object)
{
	struct mobj *o;
	struct aspace *as = file_parent_new(&o), *child = as_clone(as);
	paddr_t copy = frame_at(as, PFILE), opa;
	char ch = 'z';

	cr_assert_not_null(child);
	cr_expect_eq(frame_at(child, PFILE), copy);
	cr_expect_eq(pmm_refcount(copy), 2);
	cr_expect_eq((leaf_at(child, PFILE).flags | leaf_at(as, PFILE).flags) & PT_WRITE, 0);
	cr_assert_eq(mobj_page(o, 1, MOBJ_LOOKUP, &opa), 0);
	cr_expect_eq(frame_at(child, PFILE + PAGE_SIZE), opa);
	cr_expect_eq(pmm_refcount(opa), 3, "the object and two mappings");
	cr_expect_eq(uread(child, PFILE), 'a');
	cr_expect_eq(uread(child, PFILE + 2 * PAGE_SIZE), 'C');
	cr_assert_eq(mobj_write(o, 3 * PAGE_SIZE, &ch, 1), 1);
	cr_expect_eq(uread(child, PFILE + 3 * PAGE_SIZE), 'z', "an untouched page reads the file");
	cr_expect_eq(uread(as, PFILE + 3 * PAGE_SIZE), 'z');
	cr_assert(uwrite(child, PFILE, 'b'));
	cr_assert(uwrite(child, PFILE + PAGE_SIZE, 'c'));
	cr_expect_neq(frame_at(child, PFILE), copy);
	cr_expect_neq(frame_at(child, PFILE + PAGE_SIZE), opa);
	cr_expect_eq(uread(as, PFILE), 'a');
	cr_expect_eq(uread(as, PFILE + PAGE_SIZE), 'B');
	cr_expect_eq(mobj_read(o, PAGE_SIZE, &ch, 1), 1);
	cr_expect_eq(ch, 'B', "a private write reached the file");
	as_destroy(child);
	expect_reuse(as, PFILE, 'd'); /* the copy is lone again */
	cr_assert(uwrite(as, PFILE + PAGE_SIZE, 'e'));
	cr_expect_neq(frame_at(as, PFILE + PAGE_SIZE), opa, "the object's page is never reused");
	cr_assert_eq(as_check(as), 0);
	as_destroy(as);
	mobj_put(o);
}

/* MADV_WIPEONFORK takes anonymous memory only: EINVAL on a private file mapping (Linux). */
Test(aspace_fork, wipeonfork_on_a_private_window_is_einval)
{
	struct mobj *o;
	struct aspace *as = file_parent_new(&o), *child;
	struct as_vma_info vi;

	cr_expect_eq(as_madvise(as, PFILE, 4 * PAGE_SIZE, MADV_WIPEONFORK_), -EINVAL);
	cr_expect(as_vma_at(as, PFILE, &vi) && !(vi.flags & AS_VMA_WIPEONFORK));
	cr_expect_eq(as_madvise(as, PFILE + 2 * PAGE_SIZE, PAGE_SIZE, MADV_DONTFORK_), 0);
	child = as_clone(as);
	cr_assert_not_null(child);
	cr_expect_eq(uread(child, PFILE), 'a');
	cr_expect(!as_vma_at(child, PFILE + 2 * PAGE_SIZE, &vi), "a DONTFORK page in the clone");
	cr_expect_eq(uread(child, PFILE + 3 * PAGE_SIZE), 'D');
	as_destroy(child);
	as_destroy(as);
	mobj_put(o);
}
