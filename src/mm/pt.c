/*
 * pt: the page-table engine (see include/mm/pt.h for the contract).
 *
 * Every operation is one recursive walk over the levels (3 = PML4 .. 0 = PT)
 * of the range [va, end). Operations that can need new tables are split in
 * two phases so that they are all or nothing:
 *   - unmap/protect first make va and end leaf boundaries (pt_split_at, which
 *     allocates everything it needs before changing anything, and is undone
 *     by folding exactly the tables it made); the change then never allocates;
 *   - map checks the range is empty, maps, and on -ENOMEM removes what it
 *     mapped (the range was empty, so that is an exact undo); folding only
 *     happens once the whole change succeeded.
 * Top-level entries of the kernel half (from PT_KERNEL_FIRST_INDEX on) point
 * to tables that every address space shares; pt frees those only for
 * PT_DESTROY_ALL.
 */
#include "mm/pt.h"

#include "lib/assert.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/mmarch.h"
#include "mm/pmm.h"
#include "mm/pte.h"

#define PT_TOP_LEVEL (PT_LEVELS - 1)
#define PT_KERNEL_FIRST_INDEX PT_INDEX(PT_TOP_LEVEL, PT_KERNEL_BASE)
#define PT_FRESH_MAX_LEVEL 1 /* demand-zero leaves: the first large size at most (THP) */

/* Leaves whose TLB entries must go, flushed together at the end of a call. */
struct pt_tlb {
	unsigned n;
	vaddr_t va[PT_FLUSH_ALL_THRESHOLD];
};

/* What a range walk does at each leaf or table. */
struct pt_op {
	paddr_t pa0;    /* map: physical address of va0 */
	vaddr_t va0;    /* map: first virtual address */
	unsigned flags; /* map, protect: leaf flags; clear_state: PT_CLEAR_* */
	unsigned set;   /* add_state, map: PT_STATE_* to add (to new leaves, for map) */
	size_t changed; /* clear_state, add_state: leaves changed */
	int (*copied)(void *ctx, const struct pt_leaf *part); /* copy: told each part copied */
	void *ctx;
	bool drop_empty; /* remove: free empty tables even where nothing was cleared (rollbacks) */
	bool parts;      /* copy: a large leaf was copied in part (smaller leaves that may fold) */
	struct pt_tlb tlb;
};

static size_t pt_tables;

/* ---------------------------------------------------------------- entries */

static pte_t *pt_entries(paddr_t table)
{
	return mm_phys_to_virt(table);
}

/* End of the entry of `level` that holds va, clipped to `end`. */
static vaddr_t pt_entry_end(vaddr_t va, int level, vaddr_t end)
{
	vaddr_t next = (va | (PT_LEVEL_SIZE(level) - 1)) + 1;

	return next == 0 || next > end ? end : next;
}

/* ---------------------------------------------------------------- tables */

/*
 * Frames set aside by pt_reserve, linked through their first word; table
 * allocations take them before asking pmm.
 */
static paddr_t pt_pool;
static size_t pt_pool_frames;

/* A frame from the reserve, or 0 when it is empty. */
static paddr_t pt_pool_take(void)
{
	paddr_t pa = pt_pool;

	if (pa) {
		pt_pool = *(paddr_t *)mm_phys_to_virt(pa);
		pt_pool_frames--;
	}
	return pa;
}

int pt_reserve(size_t n)
{
	size_t have = pt_pool_frames;

	while (pt_pool_frames < have + n) {
		paddr_t pa = pmm_alloc(0);

		if (!pa) {
			while (pt_pool_frames > have)
				pmm_free(pt_pool_take(), 0);
			return -ENOMEM;
		}
		*(paddr_t *)mm_phys_to_virt(pa) = pt_pool;
		pt_pool = pa;
		pt_pool_frames++;
	}
	return 0;
}

void pt_release(void)
{
	while (pt_pool)
		pmm_free(pt_pool_take(), 0);
}

/* A zeroed table frame, or 0. */
static paddr_t pt_table_alloc(void)
{
	paddr_t pa = pt_pool_take();

	if (!pa)
		pa = pmm_alloc(0);
	if (!pa)
		return 0;
	mm_page_zero(pt_entries(pa), PAGE_SIZE);
	pt_tables++;
	return pa;
}

static void pt_table_free(paddr_t table)
{
	pt_tables--;
	pmm_free(table, 0);
}

/* True when no entry of `table` is present. */
static bool pt_table_empty(paddr_t table)
{
	return pte_none_present(pt_entries(table), PT_ENTRIES);
}

/* May the table under entry `index` of a `level` table be freed when empty? */
static bool pt_may_free(int level, unsigned index)
{
	return level != PT_TOP_LEVEL || index < PT_KERNEL_FIRST_INDEX;
}

size_t pt_table_frames(void)
{
	return pt_tables;
}

/* ---------------------------------------------------------------- TLB */

static void pt_tlb_add(struct pt_tlb *tlb, vaddr_t va)
{
	if (tlb->n < PT_FLUSH_ALL_THRESHOLD)
		tlb->va[tlb->n] = va;
	tlb->n++;
}

/* One invlpg per changed leaf, or one full flush above the threshold. */
static void pt_tlb_finish(struct pt_tlb *tlb)
{
	if (tlb->n > PT_FLUSH_ALL_THRESHOLD) {
		mm_tlb_flush_all();
		return;
	}
	for (unsigned i = 0; i < tlb->n; i++)
		mm_tlb_flush_page(tlb->va[i]);
}

/* ---------------------------------------------------------------- checks */

static bool pt_canonical(vaddr_t va)
{
	return va < PT_USER_TOP || va >= PT_KERNEL_BASE;
}

/* Validate [va, va+len): aligned, non-empty, canonical, not across the hole. */
static int pt_check_range(vaddr_t va, uint64_t len)
{
	vaddr_t last = va + len - 1;

	if (!len || !IS_ALIGNED(va, PAGE_SIZE) || !IS_ALIGNED(len, PAGE_SIZE))
		return -EINVAL;
	if (last < va || va + len == 0)
		return -EINVAL;
	if (!pt_canonical(va) || !pt_canonical(last) ||
	    (va < PT_USER_TOP) != (last < PT_USER_TOP))
		return -EINVAL;
	return 0;
}

/* ---------------------------------------------------------------- walk */

/* Every byte of a leaf is a field: a filled one compares whole (callers memcmp). */
_Static_assert(sizeof(struct pt_leaf) == 3 * sizeof(uint64_t) + 2 * sizeof(unsigned),
	       "struct pt_leaf has no padding");

/* Describe the leaf `e` of `level` that holds va. */
static void pt_leaf_fill(struct pt_leaf *out, vaddr_t va, pte_t e, int level)
{
	*out = (struct pt_leaf){ .va = ALIGN_DOWN(va, PT_LEVEL_SIZE(level)),
				 .pa = pte_addr(e, level), .size = PT_LEVEL_SIZE(level),
				 .flags = pte_leaf_flags(e), .state = pte_state(e) };
}

struct pt_walker {
	int (*fn)(void *ctx, const struct pt_leaf *leaf);
	void *ctx;
};

/*
 * The first of entries t[k..n) that is present, or n. Four entries a step:
 * most of a sparse user space is empty entries, and under emulation every
 * instruction of this loop counts.
 */
static inline size_t pt_skip_empty(const pte_t *t, size_t k, size_t n)
{
	while (k + 4 <= n && !pte_present(t[k]) && !pte_present(t[k + 1]) &&
	       !pte_present(t[k + 2]) && !pte_present(t[k + 3]))
		k += 4;
	while (k < n && !pte_present(t[k]))
		k++;
	return k;
}

/*
 * Where entry k of a scan meets [va, end): the entry covers [base + k *
 * size, + size) (base: the start of the entry holding va); *from and *to
 * clip it to the range.
 */
static inline void pt_entry_span(vaddr_t base, size_t k, uint64_t size, vaddr_t va, vaddr_t end,
				 vaddr_t *from, vaddr_t *to)
{
	vaddr_t s = base + k * size;

	*from = MAX(s, va);
	*to = end - s > size ? s + size : end;
}

/* Entries of a `level` table that [va, end) meets, from the one holding va (starting at *base). */
static inline size_t pt_entry_count(int level, vaddr_t va, vaddr_t end, vaddr_t *base)
{
	*base = ALIGN_DOWN(va, PT_LEVEL_SIZE(level));
	return (end - 1 - *base) / PT_LEVEL_SIZE(level) + 1;
}

/*
 * Report the leaves of `table` (at `level`) that meet [va, end), a range
 * inside the table, scanning its entries by index (pt_skip_empty).
 */
static int pt_walk_level(paddr_t table, int level, vaddr_t va, vaddr_t end,
			 const struct pt_walker *w)
{
	const pte_t *t = pt_entries(table) + PT_INDEX(level, va);
	vaddr_t base, from, to;
	size_t n = pt_entry_count(level, va, end, &base);

	for (size_t k = pt_skip_empty(t, 0, n); k < n; k = pt_skip_empty(t, k + 1, n)) {
		pte_t e = t[k];
		int ret;

		pt_entry_span(base, k, PT_LEVEL_SIZE(level), va, end, &from, &to);
		if (pte_is_leaf(e, level)) {
			struct pt_leaf leaf;

			pt_leaf_fill(&leaf, from, e, level);
			ret = w->fn(w->ctx, &leaf);
		} else {
			ret = pt_walk_level(pte_addr(e, level), level - 1, from, to, w);
		}
		if (ret)
			return ret;
	}
	return 0;
}

int pt_walk(paddr_t root, vaddr_t va, uint64_t len,
	    int (*fn)(void *ctx, const struct pt_leaf *leaf), void *ctx)
{
	struct pt_walker w = {fn, ctx};

	if (pt_check_range(va, len))
		return 0;
	return pt_walk_level(root, PT_TOP_LEVEL, va, va + len, &w);
}

/* Tables below `table` (of `level`) that the entries meeting [va, end) point to. */
static size_t pt_count_level(paddr_t table, int level, vaddr_t va, vaddr_t end)
{
	const pte_t *t = pt_entries(table);
	size_t n = 0;

	while (va < end) {
		vaddr_t next = pt_entry_end(va, level, end);
		pte_t e = t[PT_INDEX(level, va)];

		if (level > 0 && pte_present(e) && !pte_is_leaf(e, level))
			n += 1 + pt_count_level(pte_addr(e, level), level - 1, va, next);
		va = next;
	}
	return n;
}

size_t pt_count_tables(paddr_t root, vaddr_t va, uint64_t len)
{
	if (pt_check_range(va, len))
		return 0;
	return pt_count_level(root, PT_TOP_LEVEL, va, va + len);
}

bool pt_query(paddr_t root, vaddr_t va, struct pt_leaf *out)
{
	paddr_t table = root;

	if (!pt_canonical(va))
		return false;
	for (int level = PT_TOP_LEVEL; level >= 0; level--) {
		pte_t e = pt_entries(table)[PT_INDEX(level, va)];

		if (!pte_present(e))
			return false;
		if (pte_is_leaf(e, level)) {
			pt_leaf_fill(out, va, e, level);
			return true;
		}
		table = pte_addr(e, level);
	}
	return false;
}

/* ---------------------------------------------------------------- remove / protect */

/*
 * Clear every leaf in [va, end) of `table`, freeing tables that become empty.
 * Leaves must not straddle va or end (callers split first), so this never
 * allocates. Returns true when `table` is empty afterwards and either an
 * entry of it was cleared or op->drop_empty is set: only a rollback meets a
 * table that was empty already (one it made and did not fill), so a table
 * none of whose entries was cleared is not scanned otherwise (the scan of a
 * whole table was a third of an munmap of an untouched page under TCG).
 */
static bool pt_remove_level(paddr_t table, int level, vaddr_t va, vaddr_t end,
			    struct pt_op *op)
{
	pte_t *t = pt_entries(table);
	bool cleared = false;

	while (va < end) {
		vaddr_t next = pt_entry_end(va, level, end);
		unsigned i = PT_INDEX(level, va);

		if (!pte_present(t[i])) {
			va = next;
			continue;
		}
		if (pte_is_leaf(t[i], level)) {
			KASSERT(IS_ALIGNED(va, PT_LEVEL_SIZE(level)) &&
				next - va == PT_LEVEL_SIZE(level));
			t[i] = 0;
			pt_tlb_add(&op->tlb, va);
			cleared = true;
		} else if (pt_remove_level(pte_addr(t[i], level), level - 1, va,
					   next, op) && pt_may_free(level, i)) {
			pt_table_free(pte_addr(t[i], level));
			t[i] = 0;
			pt_tlb_add(&op->tlb, va);
			cleared = true;
		}
		va = next;
	}
	return (cleared || op->drop_empty) && pt_table_empty(table);
}

/* Set op->flags on every leaf in [va, end) (leaves do not straddle the ends). */
static void pt_protect_level(paddr_t table, int level, vaddr_t va, vaddr_t end,
			     struct pt_op *op)
{
	pte_t *t = pt_entries(table) + PT_INDEX(level, va);
	vaddr_t base, from, to;
	size_t n = pt_entry_count(level, va, end, &base);

	for (size_t k = pt_skip_empty(t, 0, n); k < n; k = pt_skip_empty(t, k + 1, n)) {
		pte_t e = t[k];

		pt_entry_span(base, k, PT_LEVEL_SIZE(level), va, end, &from, &to);
		if (pte_is_leaf(e, level)) {
			pte_t ne = pte_with_state(pte_make_leaf(pte_addr(e, level), op->flags, level),
						  pte_state(e));

			if (!pte_same_leaf(ne, e)) {
				t[k] = ne;
				pt_tlb_add(&op->tlb, from);
			}
		} else {
			pt_protect_level(pte_addr(e, level), level - 1, from, to, op);
		}
	}
}

/* ---------------------------------------------------------------- fold */

/*
 * If the entries of `child` (a table of level `child_level` covering `va`)
 * are present leaves with equal flags mapping one contiguous physical run that
 * pt_leaf_size allows as one leaf of the next level, return that leaf; else 0.
 */
static pte_t pt_fold_candidate(paddr_t child, int child_level, vaddr_t va)
{
	const pte_t *t = pt_entries(child);
	uint64_t size = PT_LEVEL_SIZE(child_level), big = PT_LEVEL_SIZE(child_level + 1);
	paddr_t pa0;
	unsigned flags, state = 0;

	if (!pte_present(t[0]) || !pte_is_leaf(t[0], child_level))
		return 0;
	pa0 = pte_addr(t[0], child_level);
	flags = pte_leaf_flags(t[0]);
	if (pt_leaf_size(ALIGN_DOWN(va, big), pa0, big, PT_LEAF_MAP) < big)
		return 0;
	for (int i = 1; i < PT_ENTRIES; i++) {
		if (!pte_present(t[i]) || !pte_is_leaf(t[i], child_level) ||
		    pte_addr(t[i], child_level) != pa0 + i * size ||
		    pte_leaf_flags(t[i]) != flags)
			return 0;
	}
	for (int i = 0; i < PT_ENTRIES; i++)
		state |= pte_state(t[i]);
	return pte_with_state(pte_make_leaf(pa0, flags, child_level + 1), state);
}

/* Fold entry `i` of a `level` table when its child table is uniform. */
static void pt_try_fold(pte_t *t, unsigned i, int level, vaddr_t va, struct pt_op *op)
{
	pte_t big;

	if (level == 0 || !pte_present(t[i]) || pte_is_leaf(t[i], level))
		return;
	big = pt_fold_candidate(pte_addr(t[i], level), level - 1, va);
	if (!big)
		return;
	pt_table_free(pte_addr(t[i], level));
	t[i] = big;
	pt_tlb_add(&op->tlb, ALIGN_DOWN(va, PT_LEVEL_SIZE(level)));
}

/* Fold, bottom up, every uniform table met by [va, end). */
static void pt_fold_level(paddr_t table, int level, vaddr_t va, vaddr_t end,
			  struct pt_op *op);

/* Fold the tables met by [va, end) and by the pages just outside it. */
static void pt_fold_around(paddr_t root, vaddr_t va, vaddr_t end, struct pt_op *op)
{
	pt_fold_level(root, PT_TOP_LEVEL, va, end, op);
	if (va >= PAGE_SIZE && pt_canonical(va - PAGE_SIZE))
		pt_fold_level(root, PT_TOP_LEVEL, va - PAGE_SIZE, va, op);
	if (end != 0 && pt_canonical(end))
		pt_fold_level(root, PT_TOP_LEVEL, end, end + PAGE_SIZE, op);
}

static void pt_fold_level(paddr_t table, int level, vaddr_t va, vaddr_t end,
			  struct pt_op *op)
{
	pte_t *t = pt_entries(table);

	while (va < end) {
		vaddr_t next = pt_entry_end(va, level, end);
		unsigned i = PT_INDEX(level, va);

		if (level > 0 && pte_present(t[i]) && !pte_is_leaf(t[i], level)) {
			pt_fold_level(pte_addr(t[i], level), level - 1, va, next, op);
			pt_try_fold(t, i, level, va, op);
		}
		va = next;
	}
}

/*
 * True when the last-level table t may fold into one large leaf: its first
 * and last entries are leaves of one physically contiguous run, aligned to
 * the large size, with equal flags. These are necessary conditions of
 * pt_fold_candidate, checked in O(1): a table failing them cannot fold, and
 * neither can a table above it (its entry stays a table).
 */
static bool pt_fold_may(const pte_t *t)
{
	pte_t first = t[0], last = t[PT_ENTRIES - 1];
	paddr_t pa0 = pte_addr(first, 0);

	return pte_present(first) && pte_present(last) && IS_ALIGNED(pa0, PT_LEVEL_SIZE(1)) &&
	       pte_addr(last, 0) == pa0 + (PT_ENTRIES - 1) * PT_LEVEL_SIZE(0) &&
	       pte_leaf_flags(last) == pte_leaf_flags(first);
}

/*
 * Fold after a change confined to the entries t of the last-level table that
 * covers va (the tables above it only gained entries on va's path): the
 * tables on va's path, bottom up, in one walk, and only when t may fold;
 * flushes the leaves a fold replaced.
 */
static void pt_fold_path(paddr_t root, vaddr_t va, const pte_t *t)
{
	struct pt_op op;

	if (!pt_fold_may(t))
		return;
	op = (struct pt_op){0};
	pt_fold_level(root, PT_TOP_LEVEL, va, va + PAGE_SIZE, &op);
	pt_tlb_finish(&op.tlb);
}

void pt_fold_at(paddr_t root, vaddr_t va)
{
	struct pt_op op = {0};

	if (!pt_canonical(va) || !IS_ALIGNED(va, PAGE_SIZE))
		return;
	pt_fold_around(root, va, va + PAGE_SIZE, &op);
	pt_tlb_finish(&op.tlb);
}

/* ---------------------------------------------------------------- split */

/* Replace the large leaf `*e` of `level` with a table of the next size down. */
static void pt_split_leaf(pte_t *e, int level, paddr_t table)
{
	pte_t *t = pt_entries(table);
	paddr_t pa = pte_addr(*e, level);
	unsigned flags = pte_leaf_flags(*e), state = pte_state(*e);
	uint64_t size = PT_LEVEL_SIZE(level - 1);

	for (int i = 0; i < PT_ENTRIES; i++)
		t[i] = pte_with_state(pte_make_leaf(pa + i * size, flags, level - 1), state);
	*e = pte_make_table(table);
}

/*
 * Find the leaf holding va. Returns its entry and sets *level, or NULL when
 * va is not mapped.
 */
static pte_t *pt_find_leaf(paddr_t root, vaddr_t va, int *level)
{
	paddr_t table = root;

	for (int l = PT_TOP_LEVEL; l >= 0; l--) {
		pte_t *e = &pt_entries(table)[PT_INDEX(l, va)];

		if (!pte_present(*e))
			return NULL;
		if (pte_is_leaf(*e, l)) {
			*level = l;
			return e;
		}
		table = pte_addr(*e, l);
	}
	return NULL;
}

/* Tables splitting a leaf of `level` down until va is a leaf boundary takes. */
static int pt_split_need(vaddr_t va, int level)
{
	int need = 0;

	for (; !IS_ALIGNED(va, PT_LEVEL_SIZE(level)); level--)
		need++;
	return need;
}

size_t pt_split_need_at(paddr_t root, vaddr_t va)
{
	int level;

	if (!pt_canonical(va) || !IS_ALIGNED(va, PAGE_SIZE) || !pt_find_leaf(root, va, &level))
		return 0;
	return (size_t)pt_split_need(va, level);
}

int pt_split_at_counted(paddr_t root, vaddr_t va, unsigned *made)
{
	paddr_t frames[PT_LEVELS - 1];
	int level, need, used = 0;
	pte_t *e;

	*made = 0;
	if (!pt_canonical(va) || !IS_ALIGNED(va, PAGE_SIZE))
		return -EINVAL;
	e = pt_find_leaf(root, va, &level);
	if (!e)
		return 0;
	need = pt_split_need(va, level);
	for (int i = 0; i < need; i++) {
		frames[i] = pt_table_alloc();
		if (!frames[i]) {
			while (i--)
				pt_table_free(frames[i]);
			return -ENOMEM;
		}
	}
	while (!IS_ALIGNED(va, PT_LEVEL_SIZE(level))) {
		pt_split_leaf(e, level, frames[used++]);
		mm_tlb_flush_page(ALIGN_DOWN(va, PT_LEVEL_SIZE(level)));
		e = &pt_entries(frames[used - 1])[PT_INDEX(level - 1, va)];
		level--;
	}
	KASSERT(used == need);
	*made = (unsigned)used;
	return 0;
}

int pt_split_at(paddr_t root, vaddr_t va)
{
	unsigned made;

	return pt_split_at_counted(root, va, &made);
}

/*
 * Fold back the `n` deepest tables on the path to va (bottom up), and
 * nothing else, so boundaries the caller split on purpose elsewhere, or
 * before, stay as they were.
 */
void pt_unsplit_at(paddr_t root, vaddr_t va, unsigned n)
{
	struct pt_op op = {0};
	pte_t *tables[PT_LEVELS];
	int depth = 0;
	paddr_t table = root;

	if (!n || !pt_canonical(va))
		return;
	for (int l = PT_TOP_LEVEL; l > 0; l--) {
		pte_t e = pt_entries(table)[PT_INDEX(l, va)];

		if (!pte_present(e) || pte_is_leaf(e, l))
			break;
		tables[depth++] = pt_entries(table);
		table = pte_addr(e, l);
	}
	for (int d = depth - 1; d >= 0 && n; d--, n--) {
		int level = PT_TOP_LEVEL - d;

		pt_try_fold(tables[d], PT_INDEX(level, va), level, va, &op);
	}
	pt_tlb_finish(&op.tlb);
}

/* Split at both ends of [va, end); undo the first split if the second fails. */
static int pt_split_range(paddr_t root, vaddr_t va, vaddr_t end)
{
	size_t tables = pt_tables;
	int err = pt_split_at(root, va);

	if (err)
		return err;
	if (end >= PT_USER_TOP && end < PT_KERNEL_BASE)
		return 0; /* end of the user half: nothing lies beyond */
	err = pt_split_at(root, end);
	if (err)
		pt_unsplit_at(root, va, (unsigned)(pt_tables - tables));
	return err;
}

/* ---------------------------------------------------------------- leaf size */

/* True while a large fresh leaf of `size` bytes leaves a quarter of all frames free. */
static bool pt_fresh_affordable(uint64_t size)
{
	return pmm_free_frames() >= size / PAGE_SIZE + pmm_total_frames() / 4;
}

uint64_t pt_leaf_size(vaddr_t va, paddr_t pa, uint64_t room, enum pt_leaf_use use)
{
	int level = use == PT_LEAF_FRESH ? PT_FRESH_MAX_LEVEL : PT_TOP_LEVEL;

	for (; level > 0; level--) {
		uint64_t size = PT_LEVEL_SIZE(level);

		if (IS_ALIGNED(va | pa, size) && room >= size && pte_leaf_supported(level) &&
		    (use != PT_LEAF_FRESH || pt_fresh_affordable(size)))
			return size;
	}
	return PT_LEVEL_SIZE(0);
}

/* ---------------------------------------------------------------- map */

/* Map [va, end) under `table`; the range is known to be empty. */
static int pt_map_level(paddr_t table, int level, vaddr_t va, vaddr_t end,
			struct pt_op *op)
{
	pte_t *t = pt_entries(table);

	while (va < end) {
		vaddr_t next = pt_entry_end(va, level, end);
		pte_t *e = &t[PT_INDEX(level, va)];
		paddr_t pa = op->pa0 + (va - op->va0);
		int err;

		if (!pte_present(*e) &&
		    (level == 0 || pt_leaf_size(va, pa, end - va, PT_LEAF_MAP) >= PT_LEVEL_SIZE(level))) {
			*e = pte_make_leaf(pa, op->flags, level);
			if (op->set)
				*e = pte_with_state(*e, pte_state(*e) | op->set);
		} else {
			if (!pte_present(*e)) {
				paddr_t child = pt_table_alloc();

				if (!child)
					return -ENOMEM;
				*e = pte_make_table(child);
			}
			KASSERT(!pte_is_leaf(*e, level));
			err = pt_map_level(pte_addr(*e, level), level - 1, va, next, op);
			if (err)
				return err;
		}
		va = next;
	}
	return 0;
}

static int pt_found_leaf(void *ctx, const struct pt_leaf *leaf)
{
	(void)ctx;
	(void)leaf;
	return 1;
}

static paddr_t pt_last_table(paddr_t root, vaddr_t va, int *err);

/*
 * Free the tables pt_last_table made on va's path for a page that was not
 * mapped after all (they hold no leaf).
 */
static void pt_drop_made(paddr_t root, vaddr_t va)
{
	struct pt_op op = {.drop_empty = true};

	pt_remove_level(root, PT_TOP_LEVEL, va, va + PAGE_SIZE, &op);
	pt_tlb_finish(&op.tlb);
}

/*
 * pt_map of one 4 KiB page (checked by the caller): one walk down to its
 * table instead of a check walk and a map walk. 0, -EEXIST or -ENOMEM,
 * nothing changed on error.
 */
static int pt_map_page(paddr_t root, vaddr_t va, paddr_t pa, unsigned flags, unsigned state)
{
	int err = 0;
	paddr_t table = pt_last_table(root, va, &err);
	pte_t *t = table ? pt_entries(table) : NULL;

	if (t && pte_present(t[PT_INDEX(0, va)]))
		return -EEXIST;
	if (t) {
		pte_t e = pte_make_leaf(pa, flags, 0);

		t[PT_INDEX(0, va)] = state ? pte_with_state(e, pte_state(e) | state) : e;
		pt_fold_path(root, va, t);
	} else if (err == -ENOMEM) {
		pt_drop_made(root, va);
	}
	return err;
}

/* pt_map of more than one page (checked by the caller): check walk, map, fold. */
static int pt_map_range(paddr_t root, vaddr_t va, paddr_t pa, uint64_t len, unsigned flags,
			unsigned state)
{
	struct pt_op op = {.pa0 = pa, .va0 = va, .flags = flags, .set = state};
	int err;

	if (pt_walk(root, va, len, pt_found_leaf, NULL))
		return -EEXIST;
	err = pt_map_level(root, PT_TOP_LEVEL, va, va + len, &op);
	if (err) {
		op.drop_empty = true;
		pt_remove_level(root, PT_TOP_LEVEL, va, va + len, &op);
	} else {
		pt_fold_around(root, va, va + len, &op);
	}
	pt_tlb_finish(&op.tlb);
	return err;
}

int pt_map_state(paddr_t root, vaddr_t va, paddr_t pa, uint64_t len, unsigned flags,
		 unsigned state)
{
	int err = pt_check_range(va, len);

	if (err)
		return err;
	if (!IS_ALIGNED(pa, PAGE_SIZE) || (flags & ~PT_FLAGS_ALL) || pa + len < pa)
		return -EINVAL;
	if (len == PAGE_SIZE)
		return pt_map_page(root, va, pa, flags, state & PT_STATE_ALL);
	return pt_map_range(root, va, pa, len, flags, state & PT_STATE_ALL);
}

int pt_map(paddr_t root, vaddr_t va, paddr_t pa, uint64_t len, unsigned flags)
{
	return pt_map_state(root, va, pa, len, flags, 0);
}

/*
 * The last-level table covering va, with the tables above it made when
 * missing; 0 (-EEXIST in *err) when a large leaf covers va, or (-ENOMEM)
 * when a table cannot be had: the caller frees the empty tables made.
 */
static paddr_t pt_last_table(paddr_t root, vaddr_t va, int *err)
{
	paddr_t table = root;

	for (int level = PT_TOP_LEVEL; level > 0; level--) {
		pte_t *e = &pt_entries(table)[PT_INDEX(level, va)];

		if (!pte_present(*e)) {
			paddr_t child = pt_table_alloc();

			if (!child) {
				*err = -ENOMEM;
				return 0;
			}
			*e = pte_make_table(child);
		} else if (pte_is_leaf(*e, level)) {
			*err = -EEXIST;
			return 0;
		}
		table = pte_addr(*e, level);
	}
	return table;
}

int pt_map_pages(paddr_t root, vaddr_t va, size_t n, paddr_t *pa, unsigned flags)
{
	pte_t leaf = pte_make_leaf(0, flags, 0); /* encoded once, repointed per page */
	size_t mapped = 0;
	int err = 0;
	paddr_t table;
	pte_t *t;

	if (!n || !IS_ALIGNED(va, PAGE_SIZE) || !pt_canonical(va) ||
	    PT_INDEX(0, va) + n > PT_ENTRIES || (flags & ~PT_FLAGS_ALL))
		err = -EINVAL;
	table = err ? 0 : pt_last_table(root, va, &err);
	for (size_t i = 0; i < n; i++) {
		if (!table || !IS_ALIGNED(pa[i], PAGE_SIZE))
			pa[i] = 0;
		if (!pa[i])
			continue;
		t = &pt_entries(table)[PT_INDEX(0, va) + i];
		if (pte_present(*t)) {
			pa[i] = 0;
			continue;
		}
		*t = pte_leaf_repoint(leaf, pa[i], 0);
		mapped++;
	}
	if (mapped)
		pt_fold_path(root, va, pt_entries(table));
	else if ((!err || err == -ENOMEM) &&
		 (!table || !pte_present(pt_entries(table)[PT_INDEX(0, va)])))
		pt_drop_made(root, va);
	return err;
}

/* ---------------------------------------------------------------- copy */

/*
 * Copy the src leaf `e` of `level` for [va, next) into the `level` table
 * `dtable` with op->flags cleared: the entry itself when the leaf lies whole
 * in the range and the target entry is free, else through pt_map_level
 * (smaller leaves for a clipped part), which a lack of memory undoes. The
 * part copied is then told to op->copied, if any.
 */
static int pt_copy_leaf(pte_t e, paddr_t dtable, int level, vaddr_t va, vaddr_t next,
			struct pt_op *op)
{
	pte_t *d = &pt_entries(dtable)[PT_INDEX(level, va)];
	vaddr_t base = ALIGN_DOWN(va, PT_LEVEL_SIZE(level));
	struct pt_op part = {.pa0 = pte_addr(e, level) + (va - base), .va0 = va,
			     .flags = pte_leaf_flags(e) & ~op->flags};
	struct pt_leaf copied = {.va = va, .pa = part.pa0, .size = next - va,
				 .flags = pte_leaf_flags(e), .state = pte_state(e)};

	if (va == base && next - va == PT_LEVEL_SIZE(level) && !pte_present(*d)) {
		*d = pte_with_state(pte_make_leaf(part.pa0, part.flags, level),
				    pte_state(e) | PT_STATE_YOUNG);
	} else if (pt_map_level(dtable, level, va, next, &part) != 0) {
		struct pt_op undo = {.drop_empty = true};

		pt_remove_level(dtable, level, va, next, &undo); /* [va, next) was empty */
		return -ENOMEM;
	} else {
		op->parts = true;
	}
	if (op->copied)
		op->copied(op->ctx, &copied);
	return 0;
}

/* Copy the leaves of the src `table` meeting [va, end) into dst `dtable` (same level). */
static int pt_copy_level(paddr_t table, paddr_t dtable, int level, vaddr_t va, vaddr_t end,
			 struct pt_op *op)
{
	const pte_t *t = pt_entries(table) + PT_INDEX(level, va);
	pte_t *d = pt_entries(dtable) + PT_INDEX(level, va);
	vaddr_t base, from, to;
	size_t n = pt_entry_count(level, va, end, &base);

	for (size_t k = pt_skip_empty(t, 0, n); k < n; k = pt_skip_empty(t, k + 1, n)) {
		int err;

		pt_entry_span(base, k, PT_LEVEL_SIZE(level), va, end, &from, &to);
		if (pte_is_leaf(t[k], level)) {
			err = pt_copy_leaf(t[k], dtable, level, from, to, op);
		} else {
			if (!pte_present(d[k])) {
				paddr_t child = pt_table_alloc();

				if (!child)
					return -ENOMEM;
				d[k] = pte_make_table(child);
			}
			KASSERT(!pte_is_leaf(d[k], level));
			err = pt_copy_level(pte_addr(t[k], level), pte_addr(d[k], level), level - 1,
					    from, to, op);
		}
		if (err)
			return err;
	}
	return 0;
}

int pt_copy(paddr_t src, paddr_t dst, vaddr_t va, uint64_t len, unsigned clear,
	    int (*copied)(void *ctx, const struct pt_leaf *part), void *ctx)
{
	struct pt_op op = {.flags = clear, .copied = copied, .ctx = ctx};
	int err = pt_check_range(va, len);

	if (err)
		return err;
	if (clear & ~PT_FLAGS_ALL)
		return -EINVAL;
	if (pt_walk(dst, va, len, pt_found_leaf, NULL))
		return -EEXIST;
	err = pt_copy_level(src, dst, PT_TOP_LEVEL, va, va + len, &op);
	if (err && !copied) {
		op.drop_empty = true;
		pt_remove_level(dst, PT_TOP_LEVEL, va, va + len, &op); /* all or nothing */
	} else if (!err && op.parts) { /* whole leaves copy the source's tables, no more foldable */
		pt_fold_around(dst, va, va + len, &op);
	}
	pt_tlb_finish(&op.tlb);
	return err;
}

/* The state of one pt_map_from: where the source range starts and what it adds. */
struct pt_mover {
	paddr_t root;
	vaddr_t va, end; /* the source range */
	vaddr_t to;      /* where va goes */
	unsigned add;    /* PT_STATE_* added to every leaf */
};

/*
 * pt_walk callback of pt_map_from: map the part of the source leaf inside
 * the range at its target, with the leaf's flags and its state plus m->add
 * (one walk from the root; the target is known to be empty). 0 or -ENOMEM.
 */
static int pt_move_leaf(void *ctx, const struct pt_leaf *leaf)
{
	const struct pt_mover *m = ctx;
	vaddr_t s = MAX(leaf->va, m->va), e = MIN(leaf->va + leaf->size, m->end);
	struct pt_op op = {.pa0 = leaf->pa + (s - leaf->va), .va0 = m->to + (s - m->va),
			   .flags = leaf->flags, .set = leaf->state | m->add};

	return pt_map_level(m->root, PT_TOP_LEVEL, op.va0, op.va0 + (e - s), &op);
}

int pt_map_from(paddr_t root, vaddr_t to, vaddr_t va, uint64_t len, unsigned add_state)
{
	struct pt_mover m = {root, va, va + len, to, add_state & PT_STATE_ALL};
	struct pt_op op = {0};
	int err = pt_check_range(va, len) ?: pt_check_range(to, len);

	if (err)
		return err;
	if (to < va + len && va < to + len)
		return -EINVAL;
	if (pt_walk(root, to, len, pt_found_leaf, NULL))
		return -EEXIST;
	err = pt_walk(root, va, len, pt_move_leaf, &m);
	if (err) {
		op.drop_empty = true;
		pt_remove_level(root, PT_TOP_LEVEL, to, to + len, &op);
	} else {
		pt_fold_around(root, to, to + len, &op);
	}
	pt_tlb_finish(&op.tlb);
	return err;
}

int pt_unmap(paddr_t root, vaddr_t va, uint64_t len)
{
	struct pt_op op = {0};
	int err = pt_check_range(va, len);

	if (err)
		return err;
	err = pt_split_range(root, va, va + len);
	if (err)
		return err;
	pt_remove_level(root, PT_TOP_LEVEL, va, va + len, &op);
	pt_tlb_finish(&op.tlb);
	return 0;
}

int pt_protect(paddr_t root, vaddr_t va, uint64_t len, unsigned flags)
{
	struct pt_op op = {.flags = flags};
	vaddr_t end = va + len;
	int err = pt_check_range(va, len);

	if (err)
		return err;
	if (flags & ~PT_FLAGS_ALL)
		return -EINVAL;
	err = pt_split_range(root, va, end);
	if (err)
		return err;
	pt_protect_level(root, PT_TOP_LEVEL, va, end, &op);
	pt_tlb_finish(&op.tlb);
	return 0;
}

int pt_replace(paddr_t root, vaddr_t va, paddr_t pa, unsigned flags)
{
	int level;
	pte_t *e;

	if (!IS_ALIGNED(va | pa, PAGE_SIZE) || !pt_canonical(va) || (flags & ~PT_FLAGS_ALL))
		return -EINVAL;
	e = pt_find_leaf(root, va, &level);
	if (!e || level != 0)
		return -EINVAL;
	*e = pte_make_leaf(pa, flags, 0);
	mm_tlb_flush_page(va);
	pt_fold_path(root, va, e - PT_INDEX(0, va));
	return 0;
}

/* ---------------------------------------------------------------- state */

/* The leaf e with op's state change: PT_CLEAR_* in op->flags, PT_STATE_* added in op->set. */
static pte_t pt_state_change(pte_t e, const struct pt_op *op)
{
	if (op->flags & PT_CLEAR_YOUNG)
		e = pte_mkold(e);
	if (op->flags & PT_CLEAR_SOFT_DIRTY)
		e = pte_wrprotect(pte_clear_soft_dirty(e));
	return pte_with_state(e, pte_state(e) | op->set);
}

/* Apply op's state change to every leaf meeting [va, end); count in op->changed. */
static void pt_state_level(paddr_t table, int level, vaddr_t va, vaddr_t end, struct pt_op *op)
{
	pte_t *t = pt_entries(table);

	while (va < end) {
		vaddr_t next = pt_entry_end(va, level, end);
		unsigned i = PT_INDEX(level, va);
		pte_t e = t[i], ne;

		if (pte_present(e) && pte_is_leaf(e, level)) {
			ne = pt_state_change(e, op);
			if (ne != e) {
				t[i] = ne;
				pt_tlb_add(&op->tlb, ALIGN_DOWN(va, PT_LEVEL_SIZE(level)));
				op->changed++;
			}
		} else if (pte_present(e)) {
			pt_state_level(pte_addr(e, level), level - 1, va, next, op);
		}
		va = next;
	}
}

size_t pt_clear_state(paddr_t root, vaddr_t va, uint64_t len, unsigned what)
{
	struct pt_op op = {.flags = what};

	if (pt_check_range(va, len))
		return 0;
	pt_state_level(root, PT_TOP_LEVEL, va, va + len, &op);
	if (what & PT_CLEAR_SOFT_DIRTY)
		pt_tlb_finish(&op.tlb);
	return op.changed;
}

/* pt_add_state of one page: the leaf holding va, found in one walk. */
static size_t pt_add_state_page(paddr_t root, vaddr_t va, unsigned set)
{
	int level;
	pte_t *e = pt_find_leaf(root, va, &level), ne;

	if (!e)
		return 0;
	ne = pte_with_state(*e, pte_state(*e) | set);
	if (ne == *e)
		return 0;
	*e = ne;
	return 1;
}

size_t pt_add_state(paddr_t root, vaddr_t va, uint64_t len, unsigned state)
{
	struct pt_op op;

	if (pt_check_range(va, len))
		return 0;
	if (len == PAGE_SIZE)
		return pt_add_state_page(root, va, state & PT_STATE_ALL);
	op = (struct pt_op){.set = state & PT_STATE_ALL};
	pt_state_level(root, PT_TOP_LEVEL, va, va + len, &op);
	return op.changed; /* adding state needs no flush */
}

/* ---------------------------------------------------------------- roots */

int pt_create(paddr_t *root)
{
	paddr_t pa = pt_table_alloc();

	if (!pa)
		return -ENOMEM;
	*root = pa;
	return 0;
}

int pt_create_kernel(paddr_t *root)
{
	pte_t *top;
	paddr_t table;

	if (pt_create(root))
		return -ENOMEM;
	top = pt_entries(*root);
	for (unsigned i = PT_KERNEL_FIRST_INDEX; i < PT_ENTRIES; i++) {
		if (pt_create(&table)) {
			pt_destroy(*root, PT_DESTROY_ALL);
			return -ENOMEM;
		}
		top[i] = pte_make_table(table);
	}
	return 0;
}

int pt_create_user(paddr_t kernel_root, paddr_t *root)
{
	if (pt_create(root))
		return -ENOMEM;
	if (kernel_root)
		memcpy(pt_entries(*root) + PT_KERNEL_FIRST_INDEX,
		       pt_entries(kernel_root) + PT_KERNEL_FIRST_INDEX,
		       (PT_ENTRIES - PT_KERNEL_FIRST_INDEX) * sizeof(pte_t));
	return 0;
}

/* Free `table` (at `level`) and every table below it. */
static void pt_free_tree(paddr_t table, int level)
{
	const pte_t *t = pt_entries(table);

	for (int i = 0; level > 0 && i < PT_ENTRIES; i++)
		if (pte_present(t[i]) && !pte_is_leaf(t[i], level))
			pt_free_tree(pte_addr(t[i], level), level - 1);
	pt_table_free(table);
}

void pt_destroy(paddr_t root, enum pt_destroy_scope scope)
{
	unsigned end = scope == PT_DESTROY_ALL ? PT_ENTRIES : PT_KERNEL_FIRST_INDEX;
	pte_t *t = pt_entries(root);

	for (unsigned i = 0; i < end; i++)
		if (pte_present(t[i]) && !pte_is_leaf(t[i], PT_TOP_LEVEL))
			pt_free_tree(pte_addr(t[i], PT_TOP_LEVEL), PT_TOP_LEVEL - 1);
	pt_table_free(root);
}

/* ---------------------------------------------------------------- geometry */

/* pt_tally_tables counting only the tables of level `lowest` and up (no leaf below lowest). */
static void pt_tally_from(struct pt_table_tally *t, vaddr_t va, vaddr_t end, int lowest)
{
	for (int l = lowest + 1; l < PT_LEVELS; l++) {
		uint64_t size = PT_LEVEL_SIZE(l);
		uint64_t first = va / size + 1, last = (end - 1) / size + 1;

		first = MAX(first, t->last[l] + 1);
		if (last >= first)
			t->tables += last - first + 1;
		t->last[l] = MAX(t->last[l], last);
	}
}

void pt_tally_tables(struct pt_table_tally *t, vaddr_t va, vaddr_t end)
{
	pt_tally_from(t, va, end, 0);
}

void pt_tally_map(struct pt_table_tally *t, vaddr_t va, paddr_t pa, vaddr_t end)
{
	uint64_t size = pt_leaf_size(va, pa, end - va, PT_LEAF_MAP);
	int level = 0;

	if (IS_ALIGNED(end - va, size))
		while (PT_LEVEL_SIZE(level) < size)
			level++;
	pt_tally_from(t, va, end, level);
}
