/*
 * Memory objects: a page cache per object. See include/mm/mobj.h.
 */
#include "mm/mobj.h"
#include "lib/assert.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/printf.h"
#include "mm/heap.h"
#include "mm/kmap.h"
#include "mm/mmarch.h"
#include "mm/pmm.h"

#define MOBJ_BITS 6
#define MOBJ_FANOUT (1u << MOBJ_BITS)
#define MOBJ_MAX_HEIGHT 9              /* 64^9 pages cover MOBJ_MAX_SIZE */
#define MOBJ_TAG_NEW 1ull              /* leaf slot: added by the running action */
#define MOBJ_PAGE_LIMIT (MOBJ_MAX_SIZE / PAGE_SIZE + 1)

struct mobj_rnode {
	uintptr_t slot[MOBJ_FANOUT]; /* children, or frames (paddr | tags) at the leaves */
};

static size_t mobj_shmem_frames; /* charged to the shmem budget */
static size_t mobj_shmem_max;    /* 0: half of RAM */

size_t mobj_shmem_charged(void)
{
	return mobj_shmem_frames;
}

void mobj_shmem_set_limit(size_t frames)
{
	mobj_shmem_max = frames;
}

size_t mobj_shmem_limit(void)
{
	return mobj_shmem_max ? mobj_shmem_max : pmm_total_frames() / 2;
}

struct mobj *mobj_create(enum mobj_kind kind)
{
	struct mobj *o = kzalloc(sizeof(*o));

	if (!o)
		return NULL;
	o->refs = 1;
	o->kind = kind;
	return o;
}

void mobj_get(struct mobj *o)
{
	o->refs++;
}

/* Pages covered by a tree of `height` levels (64^height; 0 for none). */
static uint64_t mobj_cover(unsigned height)
{
	return height ? 1ull << (MOBJ_BITS * height) : 0;
}

/* The slot index of pgoff at `level` (1 = leaves). */
static unsigned mobj_index(uint64_t pgoff, unsigned level)
{
	return (unsigned)(pgoff >> (MOBJ_BITS * (level - 1))) & (MOBJ_FANOUT - 1);
}

/* The frame a leaf slot holds (its tags off). */
static paddr_t mobj_frame(uintptr_t slot)
{
	return slot & ~(uintptr_t)(PAGE_SIZE - 1);
}

/*
 * Drop the object's reference to a frame and uncharge it. A secret frame
 * goes back into the direct map and is zeroed first (Linux's
 * secretmem_free_folio); when it cannot go back it is kept out of use.
 */
static void mobj_drop_frame(struct mobj *o, uintptr_t slot)
{
	paddr_t pa = mobj_frame(slot);

	if (!(o->flags & MOBJ_SECRET))
		pmm_unref(pa);
	else if (kmap_direct_show(pa) == 0) {
		memset(mm_phys_to_virt(pa), 0, PAGE_SIZE);
		pmm_unref(pa);
	} else
		kprintf("mobj: secret frame %#llx stays out of the direct map (no memory)\n",
			(unsigned long long)pa);
	o->pages--;
	if (o->kind == MOBJ_SHMEM)
		mobj_shmem_frames--;
}

/* Free node n of `level` and everything below it. */
static void mobj_free_node(struct mobj *o, struct mobj_rnode *n, unsigned level)
{
	for (unsigned i = 0; i < MOBJ_FANOUT; i++) {
		if (!n->slot[i])
			continue;
		if (level == 1)
			mobj_drop_frame(o, n->slot[i]);
		else
			mobj_free_node(o, (struct mobj_rnode *)n->slot[i], level - 1);
	}
	kfree(n);
}

void mobj_put(struct mobj *o)
{
	if (!o || --o->refs)
		return;
	KASSERT(!o->maps);
	if (o->root)
		mobj_free_node(o, o->root, o->height);
	kfree(o);
}

/* Grow the tree until it covers pgoff. 0 or -ENOMEM (the tree stays valid). */
static int mobj_grow(struct mobj *o, uint64_t pgoff)
{
	while (pgoff >= mobj_cover(o->height)) {
		struct mobj_rnode *n;

		if (!o->root) {
			o->height++;
			continue;
		}
		n = kzalloc(sizeof(*n));
		if (!n)
			return -ENOMEM;
		n->slot[0] = (uintptr_t)o->root;
		o->root = n;
		o->height++;
	}
	return 0;
}

/*
 * The leaf slot of pgoff; with `create`, missing nodes are added (NULL
 * then means -ENOMEM), else NULL means a hole.
 */
static uintptr_t *mobj_slot(struct mobj *o, uint64_t pgoff, bool create)
{
	uintptr_t *s;

	if (pgoff >= mobj_cover(o->height) && (!create || mobj_grow(o, pgoff)))
		return NULL;
	if (!o->root) {
		if (!create || !(o->root = kzalloc(sizeof(*o->root))))
			return NULL;
	}
	s = &o->root->slot[mobj_index(pgoff, o->height)];
	for (unsigned level = o->height; level > 1; level--) {
		if (!*s) {
			if (!create || !(*s = (uintptr_t)kzalloc(sizeof(struct mobj_rnode))))
				return NULL;
		}
		s = &((struct mobj_rnode *)*s)->slot[mobj_index(pgoff, level - 1)];
	}
	return s;
}

/* A zeroed frame charged to o, into *slot with `tag`. 0, -ENOMEM or -ENOSPC. */
static int mobj_fill(struct mobj *o, uintptr_t *slot, uintptr_t tag)
{
	paddr_t pa;

	if (o->kind == MOBJ_SHMEM && mobj_shmem_frames + 1 > mobj_shmem_limit())
		return -ENOSPC;
	pa = pmm_alloc(0);
	if (!pa)
		return -ENOMEM;
	mm_page_zero(mm_phys_to_virt(pa), PAGE_SIZE);
	if ((o->flags & MOBJ_SECRET) && kmap_direct_hide(pa) != 0) {
		pmm_unref(pa);
		return -ENOMEM;
	}
	*slot = (uintptr_t)pa | tag;
	o->pages++;
	if (o->kind == MOBJ_SHMEM)
		mobj_shmem_frames++;
	return 0;
}

/* mobj_page with the tag a new frame gets. */
static int mobj_page_tagged(struct mobj *o, uint64_t pgoff, unsigned flags, uintptr_t tag,
			    paddr_t *pa)
{
	uintptr_t *s = mobj_slot(o, pgoff, flags & MOBJ_ALLOC);
	int err;

	if (!s)
		return (flags & MOBJ_ALLOC) ? -ENOMEM : -ENOENT;
	if (!*s) {
		if (!(flags & MOBJ_ALLOC))
			return -ENOENT;
		err = mobj_fill(o, s, tag);
		if (err)
			return err;
	}
	*pa = mobj_frame(*s);
	return 0;
}

int mobj_page(struct mobj *o, uint64_t pgoff, unsigned flags, paddr_t *pa)
{
	if (pgoff >= MOBJ_PAGE_LIMIT)
		return (flags & MOBJ_ALLOC) ? -EFBIG : -ENOENT;
	return mobj_page_tagged(o, pgoff, flags, 0, pa);
}

void mobj_lookup_pages(struct mobj *o, uint64_t pgoff, size_t n, paddr_t *pa)
{
	const uintptr_t *s = NULL;

	for (size_t i = 0; i < n; i++) {
		uint64_t p = pgoff + i;

		if (i == 0 || mobj_index(p, 1) == 0)
			/* a new leaf node */
			s = p < MOBJ_PAGE_LIMIT ? mobj_slot(o, p, false) : NULL;
		else if (s)
			s++;
		pa[i] = p < MOBJ_PAGE_LIMIT && s && *s ? mobj_frame(*s) : 0;
	}
}

/* What mobj_walk calls for each present page; true stops the walk. */
typedef bool (*mobj_visit_fn)(struct mobj *o, uintptr_t *slot, uint64_t pgoff, void *arg);

/* Visit the present pages of [lo, hi) under node n (covering from `base`). */
static bool mobj_walk_node(struct mobj *o, struct mobj_rnode *n, unsigned level,
			   uint64_t base, uint64_t lo, uint64_t hi, mobj_visit_fn fn, void *arg)
{
	uint64_t span = 1ull << (MOBJ_BITS * (level - 1));

	for (unsigned i = 0; i < MOBJ_FANOUT; i++) {
		uint64_t start = base + i * span;

		if (start >= hi)
			break;
		if (!n->slot[i] || start + span <= lo)
			continue;
		if (level == 1 ? fn(o, &n->slot[i], start, arg) :
		    mobj_walk_node(o, (struct mobj_rnode *)n->slot[i], level - 1, start, lo, hi,
				   fn, arg))
			return true;
	}
	return false;
}

/* Visit every present page of [lo, hi) in order. True when fn stopped it. */
static bool mobj_walk(struct mobj *o, uint64_t lo, uint64_t hi, mobj_visit_fn fn, void *arg)
{
	if (!o->root || lo >= hi)
		return false;
	return mobj_walk_node(o, o->root, o->height, 0, lo, hi, fn, arg);
}

/* Visit: free a page. */
static bool mobj_visit_free(struct mobj *o, uintptr_t *slot, uint64_t pgoff, void *arg)
{
	mobj_drop_frame(o, *slot);
	*slot = 0;
	return false;
}

/* Visit: free a page the running action added (rollback). */
static bool mobj_visit_undo(struct mobj *o, uintptr_t *slot, uint64_t pgoff, void *arg)
{
	if (*slot & MOBJ_TAG_NEW)
		return mobj_visit_free(o, slot, pgoff, arg);
	return false;
}

/* Visit: the action succeeded, its pages are ordinary ones now. */
static bool mobj_visit_keep(struct mobj *o, uintptr_t *slot, uint64_t pgoff, void *arg)
{
	*slot &= ~(uintptr_t)MOBJ_TAG_NEW;
	return false;
}

/* Zap [pgoff, pgoff + n) from every registered mapping that overlaps it. */
static void mobj_zap(struct mobj *o, uint64_t pgoff, uint64_t n)
{
	for (struct mobj_map *m = o->maps; m; m = m->next) {
		uint64_t lo = MAX(pgoff, m->pgoff), hi = MIN(pgoff + n, m->pgoff + m->npages);

		if (lo < hi)
			m->zap(m, lo, hi - lo);
	}
}

/* Zero [from, to) inside the page at pgoff when it is present. */
static void mobj_zero_part(struct mobj *o, uint64_t pgoff, size_t from, size_t to)
{
	uintptr_t *s = mobj_slot(o, pgoff, false);

	if (s && *s && from < to)
		memset((uint8_t *)mm_phys_to_virt(mobj_frame(*s)) + from, 0, to - from);
}

size_t mobj_read(struct mobj *o, uint64_t off, void *buf, size_t len)
{
	size_t done = 0;

	if (off >= o->size || (o->flags & MOBJ_SECRET))
		return 0;
	len = (size_t)MIN((uint64_t)len, o->size - off);
	while (done < len) {
		uint64_t at = off + done;
		size_t in = at % PAGE_SIZE, n = MIN(len - done, PAGE_SIZE - in);
		uintptr_t *s = mobj_slot(o, at / PAGE_SIZE, false);

		if (s && *s)
			memcpy((uint8_t *)buf + done, (uint8_t *)mm_phys_to_virt(mobj_frame(*s)) + in,
			       n);
		else
			memset((uint8_t *)buf + done, 0, n);
		done += n;
	}
	return len;
}

/* Finish an action that added tagged pages in [lo, hi): keep them, or undo on error. */
static int mobj_settle(struct mobj *o, uint64_t lo, uint64_t hi, int err)
{
	mobj_walk(o, lo, hi, err ? mobj_visit_undo : mobj_visit_keep, NULL);
	return err;
}

long mobj_write(struct mobj *o, uint64_t off, const void *buf, size_t len)
{
	size_t done = 0;
	int err = 0;

	if (o->flags & MOBJ_SECRET)
		return -EPERM;
	if (!len)
		return 0;
	if (off > MOBJ_MAX_SIZE || len > MOBJ_MAX_SIZE - off)
		return -EFBIG;
	while (done < len) {
		uint64_t at = off + done;
		size_t in = at % PAGE_SIZE, n = MIN(len - done, PAGE_SIZE - in);
		paddr_t pa;

		err = mobj_page_tagged(o, at / PAGE_SIZE, MOBJ_ALLOC, MOBJ_TAG_NEW, &pa);
		if (err)
			break;
		memcpy((uint8_t *)mm_phys_to_virt(pa) + in, (const uint8_t *)buf + done, n);
		done += n;
	}
	err = mobj_settle(o, off / PAGE_SIZE, (off + len + PAGE_SIZE - 1) / PAGE_SIZE, err);
	if (err)
		return err;
	if (off + len > o->size)
		o->size = off + len;
	return (long)len;
}

/* Remove whole pages [lo, hi): zap every mapping, then free them. */
static void mobj_remove(struct mobj *o, uint64_t lo, uint64_t hi)
{
	if (lo >= hi)
		return;
	mobj_zap(o, lo, hi - lo);
	mobj_walk(o, lo, hi, mobj_visit_free, NULL);
}

int mobj_truncate(struct mobj *o, uint64_t size)
{
	uint64_t first_gone = (size + PAGE_SIZE - 1) / PAGE_SIZE;

	if (size > MOBJ_MAX_SIZE)
		return -EFBIG;
	if (size < o->size) {
		mobj_remove(o, first_gone, MOBJ_PAGE_LIMIT);
		if (size % PAGE_SIZE)
			mobj_zero_part(o, size / PAGE_SIZE, size % PAGE_SIZE, PAGE_SIZE);
	}
	o->size = size;
	return 0;
}

void mobj_punch(struct mobj *o, uint64_t off, uint64_t len)
{
	uint64_t end = len > MOBJ_MAX_SIZE - off ? MOBJ_MAX_SIZE : off + len;
	uint64_t lo = (off + PAGE_SIZE - 1) / PAGE_SIZE, hi = end / PAGE_SIZE;

	if (off >= end)
		return;
	if (lo > hi) { /* inside one page */
		mobj_zero_part(o, off / PAGE_SIZE, off % PAGE_SIZE, end % PAGE_SIZE);
		return;
	}
	if (off % PAGE_SIZE)
		mobj_zero_part(o, off / PAGE_SIZE, off % PAGE_SIZE, PAGE_SIZE);
	if (end % PAGE_SIZE && end != MOBJ_MAX_SIZE)
		mobj_zero_part(o, hi, 0, end % PAGE_SIZE);
	mobj_remove(o, lo, hi);
}

int mobj_allocate(struct mobj *o, uint64_t off, uint64_t len, unsigned flags)
{
	uint64_t lo = off / PAGE_SIZE, hi, pg;
	paddr_t pa;
	int err = 0;

	if (off > MOBJ_MAX_SIZE || len > MOBJ_MAX_SIZE - off)
		return -EFBIG;
	hi = (off + len + PAGE_SIZE - 1) / PAGE_SIZE;
	if (o->kind == MOBJ_SHMEM && hi - lo > mobj_shmem_limit())
		return -ENOSPC;
	for (pg = lo; pg < hi && !err; pg++)
		err = mobj_page_tagged(o, pg, MOBJ_ALLOC, MOBJ_TAG_NEW, &pa);
	err = mobj_settle(o, lo, hi, err);
	if (!err && (flags & MOBJ_ALLOC_GROW) && off + len > o->size)
		o->size = off + len;
	return err;
}

/* Visit: the first present page stops the walk and is recorded. */
static bool mobj_visit_first(struct mobj *o, uintptr_t *slot, uint64_t pgoff, void *arg)
{
	*(uint64_t *)arg = pgoff;
	return true;
}

uint64_t mobj_seek(const struct mobj *o, uint64_t pgoff, uint64_t limit, enum mobj_seek what)
{
	struct mobj *m = (struct mobj *)o; /* the walk does not change anything here */
	uint64_t found = UINT64_MAX;

	if (what == MOBJ_SEEK_DATA) {
		mobj_walk(m, pgoff, limit, mobj_visit_first, &found);
		return found;
	}
	for (; pgoff < limit; pgoff++) {
		uintptr_t *s = mobj_slot(m, pgoff, false);

		if (!s || !*s)
			return pgoff;
	}
	return UINT64_MAX;
}

void mobj_map_add(struct mobj *o, struct mobj_map *m)
{
	if (!o->maps && o->owner_ref)
		o->owner_ref(o->owner, 1);
	m->prev = NULL;
	m->next = o->maps;
	if (o->maps)
		o->maps->prev = m;
	o->maps = m;
}

void mobj_map_del(struct mobj *o, struct mobj_map *m)
{
	if (m->prev)
		m->prev->next = m->next;
	else
		o->maps = m->next;
	if (m->next)
		m->next->prev = m->prev;
	m->prev = m->next = NULL;
	if (!o->maps && o->owner_ref)
		o->owner_ref(o->owner, -1);
}

bool mobj_mapped_with(const struct mobj *o, unsigned flags)
{
	for (const struct mobj_map *m = o->maps; m; m = m->next)
		if ((m->flags & flags) == flags)
			return true;
	return false;
}

/* ---- hugetlb objects ---- */

/*
 * The hugetlb pools (Linux's hstates), by size log: x86-64's 2 MiB and 1 GiB
 * page sizes, the first one the default; free pages of each. bootmm sets no
 * page aside for hugetlb (nr_hugepages is 0 in every pool), so none is free.
 */
static const struct {
	unsigned log;
	uint64_t free;
} mobj_huge_pools[] = { { 21, 0 }, { 30, 0 } };

/* The pool index of size log `log` (0: the default pool), or -1. */
static int mobj_huge_pool(unsigned log)
{
	size_t i;

	if (log == 0)
		return 0;
	for (i = 0; i < ARRAY_SIZE(mobj_huge_pools); i++)
		if (mobj_huge_pools[i].log == log)
			return (int)i;
	return -1;
}

uint64_t mobj_hugetlb_size(unsigned log)
{
	int i = mobj_huge_pool(log);

	return i < 0 ? 0 : 1ULL << mobj_huge_pools[i].log;
}

void mobj_set_hugetlb(struct mobj *o, uint64_t huge)
{
	KASSERT(!o->pages && mobj_hugetlb_size((unsigned)__builtin_ctzll(huge)) == huge);
	o->flags |= MOBJ_HUGETLB;
	o->huge_size = huge;
}

/* Free pages of o's pool. */
static uint64_t mobj_huge_free(const struct mobj *o)
{
	return mobj_huge_pools[mobj_huge_pool((unsigned)__builtin_ctzll(o->huge_size))].free;
}

int mobj_hugetlb_allocate(struct mobj *o, uint64_t off, uint64_t len)
{
	uint64_t lo, hi;

	KASSERT(o->flags & MOBJ_HUGETLB);
	if (off > MOBJ_MAX_SIZE || len > MOBJ_MAX_SIZE - off)
		return -EFBIG;
	lo = off / o->huge_size;
	hi = (off + len + o->huge_size - 1) / o->huge_size;
	/* o holds no page (mobj_set_hugetlb): each of [lo, hi) needs one. */
	if (hi - lo > mobj_huge_free(o))
		return -ENOSPC;
	KASSERT(hi == lo); /* the pools are empty: there is nothing to take */
	return 0;
}

int mobj_hugetlb_reserve(struct mobj *o, uint64_t off, uint64_t len)
{
	uint64_t need;

	KASSERT(o->flags & MOBJ_HUGETLB);
	need = (off % o->huge_size + len + o->huge_size - 1) / o->huge_size;
	if (need > mobj_huge_free(o))
		return -ENOMEM;
	KASSERT(need == 0); /* the pools are empty: there is nothing to reserve */
	return 0;
}
