/*
 * aspace: the user address space (see include/mm/aspace.h): VMAs in a
 * B+tree (lib/btree.h), anonymous memory in the page tables, Linux x86-64
 * semantics. The page-level work (faults, frame references) is in fault.c.
 *
 * Every operation that can run out of memory first takes all it may need
 * (VMA structs, page-table splits at the range ends) and only then changes
 * anything, so -ENOMEM leaves the address space as it was.
 */
#include "lib/assert.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/aspace.h"
#include "mm/heap.h"
#include "mm/mmarch.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "mm/zpage.h"
#include "aspace_internal.h"

#define AS_MAP_TYPE 0x0f
#define AS_PROT_RWX (PROT_READ | PROT_WRITE | PROT_EXEC)
#define AS_PROT_SEM 0x8
#define AS_MADV_REMOVE 9
#define AS_MADV_DONTFORK 10
#define AS_MADV_DOFORK 11
#define AS_MADV_HUGEPAGE 14
#define AS_MADV_NOHUGEPAGE 15
#define AS_MADV_DONTDUMP 16
#define AS_MADV_DODUMP 17
#define AS_MADV_WIPEONFORK 18
#define AS_MADV_KEEPONFORK 19
#define AS_MADV_COLD 20
#define AS_MADV_PAGEOUT 21
#define AS_MADV_POPULATE_READ 22
#define AS_MADV_POPULATE_WRITE 23
#define AS_MADV_DONTNEED_LOCKED 24
#define AS_MADV_COLLAPSE 25
#define AS_MAX_ERRNO 4095 /* Linux's MAX_ERRNO */

/*
 * VMAs Linux's mremap wants free under max_map_count before it moves: move_vma
 * checks map_count >= max - 3, mremap_to map_count + 2 >= max - 3.
 */
#define AS_MREMAP_MOVE_ROOM 4
#define AS_MREMAP_TO_ROOM 6

/* Linux's defaults for a process's limits (init's: AS and DATA unlimited, 8 MiB stack). */
static const struct as_limits as_default_limits = {
	.as_bytes = AS_RLIM_INFINITY,
	.data_bytes = AS_RLIM_INFINITY,
	.data_max_bytes = AS_RLIM_INFINITY,
	.stack_bytes = AS_STACK_LIMIT,
	.memlock_bytes = AS_MEMLOCK_DEFAULT,
};

struct aspace *as_create(void)
{
	struct aspace *as = kzalloc(sizeof(*as));

	if (!as)
		return NULL;
	if (pt_create_user(mm_current_root(), &as->root) != 0) {
		kfree(as);
		return NULL;
	}
	vma_tree_init(&as->vmas, 0, AS_TASK_SIZE);
	as->mmap_base = as_mmap_base_for(AS_STACK_LIMIT);
	as->lim = as_default_limits;
	as->users = 1;
	as->pkey_map = as_pkeys_enabled(); /* key 0; none without keys (Linux's init_new_context) */
	as->xonly_pkey = -1;
	return as;
}

void as_destroy(struct aspace *as)
{
	if (!as)
		return;
	if (as->users > 1)
		panic("as_destroy: space %p still has %u users", (void *)as, as->users);
	as_unref_range(as->root, 0, PT_USER_TOP);
	pt_destroy(as->root, PT_DESTROY_USER_HALF);
	vma_tree_destroy(&as->vmas);
	kfree(as);
}

struct aspace *as_get(struct aspace *as)
{
	if (as->users == 0)
		panic("as_get: space %p has no user", (void *)as);
	as->users++;
	return as;
}

void as_put(struct aspace *as)
{
	if (!as)
		return;
	if (as->users == 0)
		panic("as_put: space %p has no user", (void *)as);
	if (--as->users == 0)
		as_destroy(as);
}

void as_set_mdwe(struct aspace *as, unsigned bits)
{
	as->mdwe = bits;
}

unsigned as_mdwe(const struct aspace *as)
{
	return as->mdwe;
}

unsigned as_mdwe_inherited(const struct aspace *as)
{
	return (as->mdwe & AS_MDWE_NO_INHERIT) ? 0 : as->mdwe;
}

/* Linux's map_deny_write_exec: rights `prot` for a VMA that had `old` break MDWE. */
static bool as_mdwe_denies(const struct aspace *as, int old, int prot)
{
	if (!(as->mdwe & AS_MDWE_REFUSE_EXEC_GAIN) || !(prot & PROT_EXEC))
		return false;
	return (prot & PROT_WRITE) || !(old & PROT_EXEC);
}

unsigned as_users(const struct aspace *as)
{
	return as->users;
}

paddr_t as_root(const struct aspace *as)
{
	return as->root;
}

/* ---------------------------------------------------------------- clone */

/* True when a clone gets the pages of v (not MADV_DONTFORK, not MADV_WIPEONFORK). */
static bool as_clone_copies(const struct vma *v)
{
	return !(v->flags & (AS_VMA_DONTCOPY | AS_VMA_WIPEONFORK));
}

/*
 * Copy VMA v into child c as fork does: without its lock bits, and with its
 * pages unless MADV_WIPEONFORK (an empty VMA); MADV_DONTFORK ones are absent.
 * The copies are not merged, even where dropping the lock bits makes
 * neighbours alike (Linux's dup_mmap copies VMAs one for one).
 */
static int as_clone_vma(struct aspace *as, struct aspace *c, const struct vma *v)
{
	struct vma *nv = (v->flags & AS_VMA_DONTCOPY) ? NULL : vma_alloc(&c->vmas);
	unsigned clear = (v->flags & MAP_SHARED) ? 0 : PT_WRITE;

	if (v->flags & AS_VMA_DONTCOPY)
		return 0;
	if (!nv)
		return -ENOMEM;
	nv->node.start = vma_start(v);
	nv->node.end = vma_end(v);
	nv->prot = v->prot;
	nv->flags = v->flags & ~AS_VMA_LOCK_MASK;
	if (v->obj)
		mobj_get(v->obj);
	vma_attach(nv, v->obj, v->rmap.pgoff, c, as_vma_zap);
	if (btree_insert(&c->vmas, &nv->node) != 0)
		panic("as_clone_vma: overlap at %#llx", (unsigned long long)vma_start(v));
	if (!as_clone_copies(v))
		return 0;
	return as_copy_pages(as->root, c, vma_start(v), vma_end(v), clear);
}

/* True when the parent's pages of v must turn read-only for sharing. */
static bool as_clone_wp(const struct vma *v)
{
	return !(v->flags & MAP_SHARED) && (v->prot & PROT_WRITE) && as_clone_copies(v);
}

/* The tables splitting at the ends of every VMA to write-protect takes at most (now). */
static size_t as_clone_split_need(struct aspace *as)
{
	const struct vma *v;
	size_t need = 0;

	for (v = vma_of(btree_first(&as->vmas)); v; v = vma_next(v))
		if (as_clone_wp(v))
			need += pt_split_need_at(as->root, vma_start(v)) +
				pt_split_need_at(as->root, vma_end(v));
	return need;
}

/*
 * Split the parent's leaves at the ends of every VMA to write-protect. The
 * tables are reserved first, so no split fails midway and none needs
 * folding back (a fold would also fold leaves the parent had split before):
 * 0 or -ENOMEM with nothing changed.
 */
static int as_clone_split(struct aspace *as)
{
	struct vma *v;

	if (pt_reserve(as_clone_split_need(as)) != 0)
		return -ENOMEM;
	for (v = vma_of(btree_first(&as->vmas)); v; v = vma_next(v))
		if (as_clone_wp(v) && as_split_ends(as->root, vma_start(v), vma_end(v)) != 0)
			panic("as_clone_split: reserved tables ran out at %#llx",
			      (unsigned long long)vma_start(v));
	pt_release();
	return 0;
}

struct aspace *as_clone(struct aspace *as)
{
	struct aspace *c;
	struct vma *v;

	if (!(c = as_create()))
		return NULL;
	c->mmap_base = as->mmap_base;
	c->brk_start = as->brk_start;
	c->brk = as->brk;
	c->data_span = as->data_span;
	c->image = as->image;
	c->lim = as->lim; /* the child runs with the same limits and credential */
	c->caps = as->caps;
	c->pkey_map = as->pkey_map; /* keys and their rights (the thread's) survive fork */
	c->xonly_pkey = as->xonly_pkey;
	c->mdwe = as_mdwe_inherited(as);
	for (v = vma_of(btree_first(&as->vmas)); v; v = vma_next(v))
		if (as_clone_vma(as, c, v) != 0)
			goto out_destroy;
	if (as_clone_split(as) != 0)
		goto out_destroy;
	for (v = vma_of(btree_first(&as->vmas)); v; v = vma_next(v))
		if (as_clone_wp(v) &&
		    pt_protect(as->root, vma_start(v), vma_end(v) - vma_start(v),
			       as_pt_flags_existing(v->prot, v->flags)) != 0)
			panic("as_clone: write-protect of split range failed");
	as_hiwater_start(c);
	return c;

out_destroy:
	as_destroy(c);
	return NULL;
}

/* ---------------------------------------------------------------- placement */

/* Where a mapping below v must end: v's start, less the guard gap of a stack. */
static vaddr_t vma_start_gap(const struct vma *v)
{
	vaddr_t s = vma_start(v);

	if (!(v->flags & MAP_GROWSDOWN))
		return s;
	return s > AS_STACK_GUARD_GAP ? s - AS_STACK_GUARD_GAP : 0;
}

/* What as_place is placing: private anonymous memory may be aligned for large leaves. */
enum as_place_kind {
	AS_PLACE_OBJECT, /* a window onto an object (files, shared memory) */
	AS_PLACE_ANON,   /* private anonymous memory */
};

/* How as_place may place a copy of v: private anonymous memory or a window. */
static enum as_place_kind as_place_kind_of(const struct vma *v)
{
	return v->obj || (v->flags & MAP_SHARED) ? AS_PLACE_OBJECT : AS_PLACE_ANON;
}

/* True when [addr, addr+len) is inside the window, free, and clear of stack guard gaps. */
static bool as_fits(const struct aspace *as, vaddr_t addr, uint64_t len)
{
	struct vma *next = vma_lower_bound(&as->vmas, addr);

	return addr >= AS_MMAP_MIN_ADDR && len <= AS_TASK_SIZE && addr <= AS_TASK_SIZE - len &&
	       (!next || addr + len <= vma_start_gap(next));
}

/* Highest fitting range below mmap_base. */
static int as_place_topdown(const struct aspace *as, uint64_t len, vaddr_t *out)
{
	vaddr_t hi = as->mmap_base, addr;

	while (hi > AS_MMAP_MIN_ADDR &&
	       btree_gap_topdown(&as->vmas, len, PAGE_SIZE, AS_MMAP_MIN_ADDR, hi, &addr) == 0) {
		if (as_fits(as, addr, len)) {
			*out = addr;
			return 0;
		}
		hi = vma_start_gap(vma_lower_bound(&as->vmas, addr));
	}
	return -ENOMEM;
}

/* Linux's fallback: lowest fitting range from TASK_SIZE/3 up. */
static int as_place_bottomup(const struct aspace *as, uint64_t len, vaddr_t *out)
{
	vaddr_t lo = ALIGN_UP(AS_TASK_SIZE / 3, PAGE_SIZE), addr;

	while (lo < AS_TASK_SIZE &&
	       btree_gap_bottomup(&as->vmas, len, PAGE_SIZE, lo, AS_TASK_SIZE, &addr) == 0) {
		if (as_fits(as, addr, len)) {
			*out = addr;
			return 0;
		}
		lo = vma_end(vma_lower_bound(&as->vmas, addr));
	}
	return -ENOMEM;
}

/* Top-down, else bottom-up: a range of len bytes with no hint. 0 or -ENOMEM. */
static int as_place_free(const struct aspace *as, uint64_t len, vaddr_t *out)
{
	if (len > AS_TASK_SIZE - AS_MMAP_MIN_ADDR)
		return -ENOMEM;
	if (as_place_topdown(as, len, out) == 0)
		return 0;
	return as_place_bottomup(as, len, out);
}

/*
 * Linux 6.12's __thp_get_unmapped_area for private anonymous memory: place
 * len plus one large leaf, then move up to the first large-leaf boundary
 * (from an aligned start, by a whole leaf: the top of the padded range, as
 * Linux does in a top-down layout), so the mapping can hold large leaves.
 * 0, or -ENOMEM when the padded length fits nowhere (the caller places len
 * unaligned, as Linux's fallback).
 */
static int as_place_large(const struct aspace *as, uint64_t len, vaddr_t *out)
{
	uint64_t leaf = PT_LEVEL_SIZE(1);
	vaddr_t start;

	if (len + leaf < len || as_place_free(as, len + leaf, &start) != 0)
		return -ENOMEM;
	*out = IS_ALIGNED(start, leaf) ? start + leaf : ALIGN_UP(start, leaf);
	return 0;
}

/*
 * get_unmapped_area: the hint when it fits, else top-down, else bottom-up.
 * AS_PLACE_ANON (private anonymous memory) with no hint and a length that is
 * a multiple of the first large leaf size is placed on a leaf boundary, as
 * Linux 6.12 does when it has transparent huge pages. 0 or -ENOMEM.
 */
static int as_place(const struct aspace *as, vaddr_t hint, uint64_t len, enum as_place_kind kind,
		    vaddr_t *out)
{
	if (len > AS_TASK_SIZE - AS_MMAP_MIN_ADDR)
		return -ENOMEM;
	if (hint) {
		hint = MAX(ALIGN_DOWN(hint, PAGE_SIZE), AS_MMAP_MIN_ADDR);
		if (as_fits(as, hint, len)) {
			*out = hint;
			return 0;
		}
	} else if (kind == AS_PLACE_ANON && IS_ALIGNED(len, PT_LEVEL_SIZE(1)) &&
		   as_place_large(as, len, out) == 0) {
		return 0;
	}
	return as_place_free(as, len, out);
}

/* ---------------------------------------------------------------- commit */

/*
 * True when a mapping of this prot and kind commits memory under Linux's
 * accounting: private writable, or shared anonymous (shmem), unless
 * MAP_NORESERVE.
 */
static bool as_commits(int prot, int kind)
{
	if (kind & MAP_NORESERVE)
		return false;
	return (kind & MAP_SHARED) || (prot & PROT_WRITE);
}

/*
 * Linux's default overcommit heuristic (vm.overcommit_memory=0,
 * __vm_enough_memory's OVERCOMMIT_GUESS): one request for more pages than
 * RAM plus swap fails with ENOMEM, whatever is already committed. bootmm has
 * no swap; RAM is every frame the frame allocator manages.
 */
static bool as_commit_fits(uint64_t len)
{
	return len / PAGE_SIZE <= pmm_total_frames();
}

/* ---------------------------------------------------------------- mmap */


/* How a new VMA merges with its neighbours (as_map_new). */
enum as_merge {
	AS_MERGE_AROUND, /* with both neighbours when mergeable (mmap) */
	AS_MERGE_HEAP,   /* only into a previous VMA of the heap (brk: do_brk_flags) */
};

/*
 * Put a new VMA [addr, addr+len) in place of whatever was there (MAP_FIXED
 * semantics, all or nothing), a window onto obj from pgoff when obj is set
 * (the VMA takes over the caller's reference on success), merged as `merge`
 * says. `next` is the first VMA ending after addr (vma_lower_bound), or
 * NULL. Returns addr or -ENOMEM (the caller keeps its reference).
 */
static long as_map_new(struct aspace *as, struct vma *next, vaddr_t addr, uint64_t len, int prot,
		       int kind, struct mobj *obj, uint64_t pgoff, enum as_merge merge)
{
	vaddr_t end = addr + len;
	struct vma *v = vma_alloc(&as->vmas), *spare = NULL;

	if (!v)
		return -ENOMEM;
	if (vma_carve_growth_of(next, addr, end)) {
		if (!as_map_count_room(as, 1) || !(spare = vma_alloc(&as->vmas)))
			goto out_free;
	}
	if (!vma_clear_below(next, end)) {
		if (as_split_ends(as->root, addr, end) != 0)
			goto out_free;
		as_zap(as, addr, end);
		as_hiwater_vm_update(as);
		vma_carve_from(&as->vmas, next, addr, end, &spare);
	}
	v->node.start = addr;
	v->node.end = end;
	v->prot = prot;
	v->flags = kind;
	vma_attach(v, obj, pgoff, as, as_vma_zap);
	if (btree_insert(&as->vmas, &v->node) != 0)
		panic("as_map_new: overlap at %#llx", (unsigned long long)addr);
	if (merge == AS_MERGE_HEAP)
		vma_merge_prev(&as->vmas, v, as->brk_start);
	else
		vma_merge(&as->vmas, v);
	vma_free(spare);
	return addr;

out_free:
	vma_free(spare);
	vma_free(v);
	return -ENOMEM;
}

/*
 * The VMA kind and flags for mmap flags and the lock bits `lock`, or -EINVAL
 * for an unknown/invalid type. MAP_DROPPABLE (Linux 6.11) is private,
 * unreserved, wiped on fork and left out of core dumps; never locked, nor
 * with MAP_LOCKED, MAP_HUGETLB or MAP_GROWSDOWN.
 */
static int as_mmap_kind(int flags, int lock)
{
	int kind = flags & (MAP_GROWSDOWN | MAP_NORESERVE);

	switch (flags & AS_MAP_TYPE) {
	case MAP_SHARED:
		if (flags & MAP_GROWSDOWN)
			return -EINVAL;
		return kind | MAP_SHARED | lock;
	case MAP_PRIVATE:
		return kind | MAP_PRIVATE | lock;
	case MAP_DROPPABLE:
		if (flags & (MAP_LOCKED | MAP_HUGETLB | MAP_GROWSDOWN))
			return -EINVAL;
		return kind | MAP_PRIVATE | MAP_NORESERVE | AS_VMA_DROPPABLE | AS_VMA_WIPEONFORK |
		       AS_VMA_DONTDUMP;
	default:
		return -EINVAL;
	}
}

/*
 * The lock bits of a new mapping (MCL_FUTURE's, MAP_LOCKED), after Linux's
 * checks: -EPERM (MAP_LOCKED without the right to lock), -EAGAIN (past
 * RLIMIT_MEMLOCK).
 */
static int as_mmap_lock(const struct aspace *as, int flags, uint64_t len)
{
	int lock = as->def_flags | ((flags & MAP_LOCKED) ? AS_VMA_LOCKED : 0);

	if ((flags & MAP_LOCKED) && !as_can_lock(as))
		return -EPERM;
	if (!as_lock_future_ok(as, lock, len))
		return -EAGAIN;
	return lock;
}

/*
 * Fault in a new mapping as Linux's mm_populate after mmap: locked, or
 * MAP_POPULATE without MAP_NONBLOCK (which Linux reads as "don't"). A
 * secret mapping, locked by its file's mmap rather than by the caller,
 * faults in on use.
 */
static void as_mmap_populate(struct aspace *as, vaddr_t addr, uint64_t len, int prot, int kind,
			     int flags)
{
	if ((kind & (AS_VMA_LOCKED | AS_VMA_SECRET)) == AS_VMA_LOCKED)
		as_mm_populate(as, addr, addr + len, AS_POPULATE_IGNORE);
	else if ((flags & (MAP_POPULATE | MAP_NONBLOCK)) == MAP_POPULATE && prot != PROT_NONE)
		as_populate(as, addr, addr + len,
			    (prot & PROT_WRITE) ? AS_POPULATE_WRITE : AS_POPULATE_READ);
}

/*
 * The kind of a mapping of a secret object (secretmem_mmap, after do_mmap's
 * noexec check): -EPERM with PROT_EXEC, -EINVAL unless shared, -EAGAIN past
 * RLIMIT_MEMLOCK; else locked, not dumped, AS_VMA_SECRET.
 */
static int as_mmap_secret(const struct aspace *as, int prot, int kind, uint64_t len)
{
	if (prot & PROT_EXEC)
		return -EPERM;
	if (!(kind & MAP_SHARED))
		return -EINVAL;
	if (!as_lock_future_ok(as, AS_VMA_LOCKED, len))
		return -EAGAIN;
	return kind | AS_VMA_LOCKED | AS_VMA_DONTDUMP | AS_VMA_SECRET;
}

/* Resolve the address of a mapping (do_mmap up to get_unmapped_area). */
static long as_mmap_addr(struct aspace *as, vaddr_t addr, uint64_t len, int flags,
			 enum as_place_kind kind)
{
	vaddr_t out;

	if (flags & MAP_FIXED) {
		/*
		 * Linux's get_unmapped_area hands a fixed address back as it is,
		 * and its caller reads one in the last 4095 bytes as an error
		 * number (IS_ERR_VALUE): mmap((void *)-1, MAP_FIXED) is EPERM.
		 */
		if (len > AS_TASK_SIZE)
			return -ENOMEM;
		if (addr >= -(vaddr_t)AS_MAX_ERRNO)
			return (long)addr;
		if (addr > AS_TASK_SIZE - len)
			return -ENOMEM;
		if (!IS_ALIGNED(addr, PAGE_SIZE))
			return -EINVAL;
		if (addr < as_min_addr(as))
			return -EPERM;
		return addr;
	}
	if (as_place(as, addr, len, kind, &out) != 0)
		return -ENOMEM;
	return out;
}

/*
 * The object a new mapping of len bytes is a window onto, with one reference
 * for it: the caller's `obj` (MAP_SHARED|MAP_ANONYMOUS gets a new shmem
 * object of size len, as Linux's shmem_zero_setup); NULL for private
 * anonymous memory. -ENOMEM when no object can be made.
 */
static int as_mmap_object(struct mobj *obj, uint64_t len, int kind, struct mobj **out)
{
	*out = NULL;
	if (obj) {
		mobj_get(obj);
		*out = obj;
	} else if (kind & MAP_SHARED) {
		obj = mobj_create(MOBJ_SHMEM);
		if (!obj || mobj_truncate(obj, len) != 0) {
			mobj_put(obj);
			return -ENOMEM;
		}
		*out = obj;
	}
	return 0;
}

/*
 * Place the VMA of a checked mmap request, a window onto obj from pgoff
 * (see as_mmap_object), and populate it as asked; next is the first VMA
 * ending after addr, or NULL. addr or -ENOMEM.
 */
static long as_mmap_place(struct aspace *as, struct vma *next, vaddr_t addr, uint64_t len,
			  int prot, int kind, int flags, struct mobj *obj, uint64_t pgoff)
{
	struct mobj *win;
	long res;

	if (as_mmap_object(obj, len, kind, &win) != 0)
		return -ENOMEM;
	res = as_map_new(as, next, addr, len, prot, kind, win, pgoff, AS_MERGE_AROUND);
	if (res < 0) {
		mobj_put(win);
		return res;
	}
	as_mmap_populate(as, addr, len, prot, kind, flags);
	return res;
}

/*
 * The huge page size of a MAP_HUGETLB mmap (Linux's hstate_sizelog): the
 * hugetlb pool the MAP_HUGE_SHIFT field names (mobj_hugetlb_size), the
 * default one for 0. 0 for a size with no pool (EINVAL).
 */
static uint64_t as_hugetlb_size(int flags)
{
	return mobj_hugetlb_size(((unsigned)flags >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK);
}

/*
 * hugetlbfs_file_mmap over a hugetlb object: the offset must fall on a huge
 * page (-EINVAL), then the mapping reserves its huge pages in the pool
 * (-ENOMEM: mobj_hugetlb_reserve). Linux makes a MAP_NORESERVE mapping
 * without a reservation, whose faults then find no page (SIGBUS); bootmm
 * maps no hugetlb object at all, so that one is -ENOMEM here too.
 */
static int as_mmap_hugetlb(struct mobj *obj, uint64_t pgoff, uint64_t len)
{
	uint64_t off = pgoff * PAGE_SIZE;
	int err;

	if (off % obj->huge_size)
		return -EINVAL;
	err = mobj_hugetlb_reserve(obj, off, len);
	KASSERT(err); /* len > 0 and the pools are empty */
	return err;
}

long as_mmap(struct aspace *as, vaddr_t addr, uint64_t len, int prot, int flags)
{
	uint64_t huge = (flags & MAP_HUGETLB) ? as_hugetlb_size(flags) : 0;

	if ((flags & MAP_HUGETLB) && (!huge || ((flags & MAP_FIXED) && !IS_ALIGNED(addr, huge))))
		return -EINVAL;
	return as_mmap_obj(as, addr, len, prot, flags, NULL, 0, 0);
}

long as_mmap_obj(struct aspace *as, vaddr_t addr, uint64_t len, int prot, int flags,
		 struct mobj *obj, uint64_t pgoff, int vflags)
{
	struct vma *next;
	int kind;
	long res;

	if (!len)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len)
		return -ENOMEM;
	if (!as_map_count_room(as, 0))
		return -ENOMEM;
	if (as_mdwe_denies(as, prot, prot))
		return -EACCES;
	if (flags & MAP_FIXED_NOREPLACE)
		flags |= MAP_FIXED;
	res = as_mmap_addr(as, addr, len, flags,
			   obj || (flags & MAP_SHARED) ? AS_PLACE_OBJECT : AS_PLACE_ANON);
	if (res < 0)
		return res;
	addr = (vaddr_t)res;
	next = vma_lower_bound(&as->vmas, addr);
	if ((flags & MAP_FIXED_NOREPLACE) && !vma_clear_below(next, addr + len))
		return -EEXIST;
	kind = as_mmap_lock(as, flags, len);
	if (kind >= 0)
		kind = as_mmap_kind(flags, kind);
	if (kind < 0)
		return kind;
	if (kind & MAP_SHARED)
		kind |= vflags & AS_VMA_NOMAYWRITE;
	if (obj && (obj->flags & MOBJ_SECRET))
		kind = as_mmap_secret(as, prot, kind, len);
	if (kind < 0)
		return kind;
	if (as_sealed_from(next, addr, addr + len) < addr + len)
		return -EPERM;
	prot &= AS_PROT_RWX;
	kind |= as_pkey_mmap_flags(as, prot);
	if (!as_may_map(as, addr, addr + len, prot, kind))
		return -ENOMEM; /* RLIMIT_AS, RLIMIT_DATA */
	if (as_commits(prot, kind) && !(obj && (kind & MAP_SHARED)) && !as_commit_fits(len))
		return -ENOMEM;
	if (flags & MAP_HUGETLB)
		return -ENOMEM; /* no hugetlb pool: as_mmap */
	if (obj && (obj->flags & MOBJ_HUGETLB))
		return as_mmap_hugetlb(obj, pgoff, len);
	return as_mmap_place(as, next, addr, len, prot, kind, flags, obj, pgoff);
}

/* ---------------------------------------------------------------- munmap */

/*
 * Unmap [start, end) (aligned) with its VMAs; 0, -ENOMEM or -EPERM (a sealed
 * VMA), nothing changed on error.
 */
static int as_unmap_range(struct aspace *as, vaddr_t start, vaddr_t end)
{
	struct vma *v = vma_lower_bound(&as->vmas, start), *spare = NULL;
	int growth = vma_carve_growth_of(v, start, end);

	if (vma_clear_below(v, end))
		return 0;
	if (growth && !as_map_count_room(as, 1))
		return -ENOMEM;
	if (as_sealed_from(v, start, end) < end)
		return -EPERM;
	if (growth && !(spare = vma_alloc(&as->vmas)))
		return -ENOMEM;
	if (as_split_ends(as->root, start, end) != 0) {
		vma_free(spare);
		return -ENOMEM;
	}
	as_zap(as, start, end);
	as_hiwater_vm_update(as);
	vma_carve_from(&as->vmas, v, start, end, &spare);
	vma_free(spare);
	return 0;
}

int as_munmap(struct aspace *as, vaddr_t addr, uint64_t len)
{
	if (!IS_ALIGNED(addr, PAGE_SIZE) || addr > AS_TASK_SIZE || len > AS_TASK_SIZE - addr)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len)
		return -EINVAL;
	return as_unmap_range(as, addr, addr + len);
}

/* ---------------------------------------------------------------- mprotect */

/* End of the run of contiguous VMAs starting with v, clipped to end. */
vaddr_t as_covered_end(const struct vma *v, vaddr_t end)
{
	vaddr_t c = vma_end(v);
	const struct vma *n;

	while (c < end && (n = vma_next(v)) && vma_start(n) == c) {
		v = n;
		c = vma_end(v);
	}
	return MIN(c, end);
}

/*
 * Tables splitting at start, end and every VMA boundary between takes at
 * most (each split counted on the tables as they are now); v, the first
 * VMA of the covered range, holds start.
 */
static size_t as_split_points_need(struct aspace *as, const struct vma *v, vaddr_t start,
				   vaddr_t end)
{
	size_t need = pt_split_need_at(as->root, start);
	vaddr_t p = start;

	while (p < end) {
		p = MIN(vma_end(v), end);
		v = vma_next(v);
		need += pt_split_need_at(as->root, p);
	}
	return need;
}

/*
 * Split leaves at start, end and every VMA boundary between (a covered
 * range whose first VMA, v, holds start). The tables are reserved first, so
 * the splits cannot fail midway and nothing needs folding back: 0 or
 * -ENOMEM with nothing changed.
 */
static int as_split_points(struct aspace *as, const struct vma *v, vaddr_t start, vaddr_t end)
{
	vaddr_t p = start;

	if (pt_reserve(as_split_points_need(as, v, start, end)) != 0)
		return -ENOMEM;
	for (;;) {
		if (pt_split_at(as->root, p) != 0)
			panic("as_split_points: reserved tables ran out at %#llx",
			      (unsigned long long)p);
		if (p >= end)
			break;
		p = MIN(vma_end(v), end);
		v = vma_next(v);
	}
	pt_release();
	return 0;
}

/* The spare VMAs an mprotect takes for the VMAs it splits at its two ends. */
struct as_protect_spares {
	struct vma *head; /* split at start: the first VMA begins before it */
	struct vma *tail; /* split at end: the last VMA ends after it */
};

/* What an mprotect sets: the rights, and the key (AS_PKEY_KEEP: see as_mprotect_pkey). */
struct as_protect_to {
	int prot;
	int pkey;
};

/* The flags v gets from the mprotect `to`: its own with the key it takes. */
static int as_protect_flags(struct aspace *as, const struct vma *v, struct as_protect_to to)
{
	int k = as_pkey_target(as, v, to.prot, to.pkey);

	return (v->flags & ~AS_VMA_PKEY_MASK) | (k << AS_VMA_PKEY_SHIFT);
}

/* True when the mprotect `to` changes v's rights or key. */
static bool as_protect_changes(struct aspace *as, const struct vma *v, struct as_protect_to to)
{
	return v->prot != to.prot || as_protect_flags(as, v, to) != v->flags;
}

/* Take a spare for each end of [start, end) where the change `to` splits a VMA; 0 or -ENOMEM. */
static int as_protect_take(struct aspace *as, const struct vma *first, const struct vma *last,
			   vaddr_t start, vaddr_t end, struct as_protect_to to,
			   struct as_protect_spares *sp)
{
	bool head = as_protect_changes(as, first, to) && start > vma_start(first);
	bool tail = as_protect_changes(as, last, to) && end < vma_end(last);

	if ((head || tail) && !as_map_count_room(as, head + tail)) /* a merge needs no room */
		return -ENOMEM;
	if ((head && !(sp->head = vma_alloc(&as->vmas))) ||
	    (tail && !(sp->tail = vma_alloc(&as->vmas))))
		return -ENOMEM;
	return 0;
}

/*
 * True when a VMA of `flags` and rights `old` turning `prot` gets its pages
 * faulted in for writing (Linux's mprotect_fixup: a private locked VMA
 * becoming writable breaks copy-on-write at once; not for MLOCK_ONFAULT).
 */
static bool as_protect_populates(int flags, int old, int prot)
{
	return (flags & (AS_VMA_LOCK_MASK | MAP_SHARED)) == AS_VMA_LOCKED &&
	       !(old & PROT_WRITE) && (prot & PROT_WRITE);
}

/*
 * Apply `to` on every VMA part of the covered range [start, end) from v (the
 * VMA holding start), splitting with the spares.
 */
static void as_protect_vmas(struct aspace *as, struct vma *v, vaddr_t start, vaddr_t end,
			    struct as_protect_to to, const struct as_protect_spares *sp)
{
	int prot = to.prot;
	vaddr_t s;
	int old;

	if (as_protect_changes(as, v, to) && start > vma_start(v))
		v = vma_split(&as->vmas, v, start, sp->head);
	for (; v && vma_start(v) < end; v = vma_next(v)) {
		if (!as_protect_changes(as, v, to))
			continue;
		if (vma_end(v) > end)
			vma_split(&as->vmas, v, end, sp->tail);
		s = vma_start(v);
		v->flags = as_protect_flags(as, v, to);
		if (pt_protect(as->root, s, vma_end(v) - s,
			       as_pt_flags_existing(prot, v->flags)) != 0)
			panic("as_protect_vmas: protect of split range failed");
		old = v->prot;
		v->prot = prot;
		if (as_protect_populates(v->flags, old, prot))
			as_populate(as, s, vma_end(v), AS_POPULATE_WRITE); /* as Linux: errors ignored */
		v = vma_merge(&as->vmas, v);
	}
}

/*
 * The start of the first VMA meeting [start, end) that MDWE keeps from
 * `prot`, or end; v is the first VMA meeting the range.
 */
static vaddr_t as_mdwe_from(const struct aspace *as, const struct vma *v, vaddr_t start,
			    vaddr_t end, int prot)
{
	for (; v && vma_start(v) < end; v = vma_next(v))
		if (as_mdwe_denies(as, v->prot, prot))
			return MAX(vma_start(v), start);
	return end;
}

/*
 * mprotect of a range fully covered by VMAs, the first of them `first`; 0 or
 * -ENOMEM (nothing changed).
 */
static int as_protect_range(struct aspace *as, struct vma *first, vaddr_t start, vaddr_t end,
			    struct as_protect_to to)
{
	struct vma *last = end <= vma_end(first) ? first : vma_find(&as->vmas, end - 1);
	struct as_protect_spares sp = {NULL, NULL};

	if (as_protect_take(as, first, last, start, end, to, &sp) != 0 ||
	    as_split_points(as, first, start, end) != 0)
		goto out_free;
	as_protect_vmas(as, first, start, end, to, &sp);
	return 0;

out_free:
	vma_free(sp.head);
	vma_free(sp.tail);
	return -ENOMEM;
}

/*
 * The start of the first VMA meeting [start, end), from v (the first that
 * does), that may never get `prot`: written (AS_VMA_NOMAYWRITE: a shared map
 * of a read-only fd or of a write-sealed object) or executed (AS_VMA_SECRET:
 * no VM_MAYEXEC on a noexec mount), or end when none.
 */
static vaddr_t as_denied_from(const struct vma *v, vaddr_t start, vaddr_t end, int prot)
{
	int deny = ((prot & PROT_WRITE) ? AS_VMA_NOMAYWRITE : 0) |
		   ((prot & PROT_EXEC) ? AS_VMA_SECRET : 0);

	for (; v && vma_start(v) < end; v = vma_next(v))
		if (v->flags & deny)
			return MAX(vma_start(v), start);
	return end;
}

/*
 * The first VMA of an mprotect of [*start, end) and, with PROT_GROWSDOWN,
 * *start moved down to the start of the growsdown VMA: the VMA, or NULL
 * with *err -ENOMEM (nothing there) or -EINVAL (GROWSDOWN on another VMA,
 * GROWSUP).
 */
static struct vma *as_mprotect_first(struct aspace *as, vaddr_t *start, vaddr_t end, int grows,
				     int *err)
{
	struct vma *v = vma_lower_bound(&as->vmas, *start);

	*err = -ENOMEM;
	if (!v)
		return NULL;
	if (grows & PROT_GROWSDOWN) {
		if (vma_start(v) >= end)
			return NULL;
		*start = vma_start(v);
		*err = -EINVAL;
		return (v->flags & MAP_GROWSDOWN) ? v : NULL;
	}
	if (vma_start(v) > *start)
		return NULL;
	*err = -EINVAL;
	return grows ? NULL : v;
}

/*
 * Change [start, end) from its first VMA v up to the first VMA that may not
 * take `prot`: in Linux's order, a seal (EPERM), no VM_MAYWRITE or MDWE
 * (EACCES), RLIMIT_DATA (ENOMEM); the VMAs before it change. Then a hole
 * in the range is ENOMEM.
 */
static int as_mprotect_vmas(struct aspace *as, struct vma *v, vaddr_t start, vaddr_t end,
			    struct as_protect_to to)
{
	vaddr_t cover = as_covered_end(v, end), sealed, denied, limited;
	int prot = to.prot;
	int err;

	sealed = as_sealed_from(v, start, cover);
	denied = as_denied_from(v, start, sealed, prot);
	denied = MIN(denied, as_mdwe_from(as, v, start, denied, prot));
	limited = as_protect_data_stop(as, v, start, denied, prot);
	err = limited > start ? as_protect_range(as, v, start, limited, to) : 0;
	if (err)
		return err;
	if (limited < denied)
		return -ENOMEM; /* RLIMIT_DATA: the VMAs before it are changed, as Linux */
	if (denied < sealed)
		return -EACCES; /* no VM_MAYWRITE/EXEC, or MDWE: earlier VMAs changed, as Linux */
	if (sealed < cover)
		return -EPERM; /* Linux changes the VMAs before the sealed one */
	return cover < end ? -ENOMEM : 0;
}

int as_mprotect(struct aspace *as, vaddr_t start, uint64_t len, int prot)
{
	return as_mprotect_pkey(as, start, len, prot, AS_PKEY_KEEP);
}

int as_mprotect_pkey(struct aspace *as, vaddr_t start, uint64_t len, int prot, int pkey)
{
	int grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
	struct vma *v;
	vaddr_t end;
	int err;

	prot &= ~(PROT_GROWSDOWN | PROT_GROWSUP);
	if (grows == (PROT_GROWSDOWN | PROT_GROWSUP) || !IS_ALIGNED(start, PAGE_SIZE))
		return -EINVAL;
	if (!len)
		return 0;
	len = ALIGN_UP(len, PAGE_SIZE);
	end = start + len;
	if (end <= start)
		return -ENOMEM;
	if (prot & ~(AS_PROT_RWX | AS_PROT_SEM))
		return -EINVAL;
	if (pkey != AS_PKEY_KEEP && !as_pkey_allocated(as, pkey))
		return -EINVAL;
	v = as_mprotect_first(as, &start, end, grows, &err);
	return v ? as_mprotect_vmas(as, v, start, end,
				    (struct as_protect_to){prot & AS_PROT_RWX, pkey}) : err;
}

/* ---------------------------------------------------------------- mremap */

/* What happens to the old range of a move once its pages are mapped at the target. */
enum as_move_mode {
	AS_MOVE_UNMAP_OLD, /* mremap: the old pages and VMA go */
	AS_MOVE_KEEP_OLD,  /* MREMAP_DONTUNMAP: the old pages go, the VMA stays, empty */
	AS_MOVE_SHARE,     /* mremap of old_len 0: both ranges map the same pages */
};

/* Whether unmapping a planned range removes its VMAs too. */
enum as_cut_kind {
	AS_CUT_PAGES, /* page tables only */
	AS_CUT_VMAS,  /* pages and VMAs */
};

/* One range a move unmaps, with what unmapping it without failing takes. */
struct as_cut {
	vaddr_t start, end;    /* [start, end); empty when equal */
	enum as_cut_kind kind;
	struct vma *spare;     /* for a carve that splits a VMA; NULL when none is needed */
	struct as_split made;  /* what splitting its ends made in the page tables (for undo) */
};

/*
 * What a move takes before it changes anything, by part: the new VMA over
 * `target` (whatever is mapped there goes), the `tail` of the old range past
 * what is kept (unmapped), and the `kept` part of the old range (its pages
 * move to the target start), plus the rights, kind and window of the new VMA.
 */
struct as_move_plan {
	enum as_move_mode mode;
	int prot, kind;
	struct mobj *obj;  /* the new VMA's window: the source's object and its page */
	uint64_t pgoff;    /* at the start of the kept range */
	struct vma *nv;
	struct as_cut target, tail, kept;
};

/*
 * Take what unmapping [start, end) as `kind` needs so that it cannot fail:
 * split its ends in the page tables and, for AS_CUT_VMAS when removing the
 * VMAs would split one, a spare VMA. An empty range takes nothing. Returns 0
 * or -ENOMEM (nothing taken).
 */
static int as_plan_cut(struct aspace *as, struct as_cut *cut, vaddr_t start, vaddr_t end,
		       enum as_cut_kind kind)
{
	*cut = (struct as_cut){.start = start, .end = end, .kind = kind};
	if (start >= end)
		return 0;
	if (kind == AS_CUT_VMAS && vma_carve_growth(&as->vmas, start, end) &&
	    !(cut->spare = vma_alloc(&as->vmas)))
		return -ENOMEM;
	if (as_split_record(as->root, start, end, &cut->made) != 0) {
		vma_free(cut->spare);
		cut->spare = NULL;
		return -ENOMEM;
	}
	return 0;
}

/*
 * Give back what as_plan_cut took: fold back exactly the tables its splits
 * made (a large leaf split before stays split), free the spare.
 */
static void as_cut_undo(struct aspace *as, struct as_cut *cut)
{
	as_split_undo(as->root, &cut->made);
	vma_free(cut->spare);
	cut->spare = NULL;
}

/* Unmap a planned cut: drop its pages and, for AS_CUT_VMAS, its VMAs (cannot fail). */
static void as_cut_apply(struct aspace *as, struct as_cut *cut)
{
	if (cut->start == cut->end)
		return;
	as_zap(as, cut->start, cut->end);
	if (cut->kind == AS_CUT_VMAS) {
		as_hiwater_vm_update(as);
		vma_carve(&as->vmas, cut->start, cut->end, &cut->spare);
	}
}

/* Give back everything a plan took, last taken first, and the table reserve. */
static void as_plan_undo(struct as_move_plan *pl, struct aspace *as)
{
	as_cut_undo(as, &pl->kept);
	as_cut_undo(as, &pl->tail);
	as_cut_undo(as, &pl->target);
	vma_free(pl->nv);
	pt_release();
}

/* Unmap the old kept range after its pages moved (they keep their references). */
static void as_plan_drop_kept(struct as_move_plan *pl, struct aspace *as)
{
	struct as_cut *kept = &pl->kept;

	if (kept->start == kept->end)
		return;
	if (pt_unmap(as->root, kept->start, kept->end - kept->start) != 0)
		panic("as_plan_commit: unmap of split range [%#llx, %#llx) failed",
		      (unsigned long long)kept->start, (unsigned long long)kept->end);
	if (pl->mode == AS_MOVE_UNMAP_OLD) {
		as_hiwater_vm_update(as);
		vma_carve(&as->vmas, kept->start, kept->end, &kept->spare);
	}
}

/*
 * Carry out a plan whose every part is taken; nothing here can fail. Clears
 * the target and the tail, maps the kept pages at the target start, then
 * drops the old ones (AS_MOVE_UNMAP_OLD, AS_MOVE_KEEP_OLD) or takes one more
 * reference on them (AS_MOVE_SHARE), and puts the new VMA over the target.
 * Returns the target start.
 */
static long as_plan_commit(struct as_move_plan *pl, struct aspace *as)
{
	vaddr_t to = pl->target.start;
	struct vma *nv = pl->nv;

	nv->node.start = to;
	nv->node.end = pl->target.end;
	nv->prot = pl->prot;
	nv->flags = pl->kind;
	if (pl->obj) /* before the cuts, which may drop the source's last reference and mapping */
		mobj_get(pl->obj);
	vma_attach(nv, pl->obj, pl->pgoff, as, as_vma_zap);
	as_cut_apply(as, &pl->target);
	as_cut_apply(as, &pl->tail);
	if (as_move_pages(as->root, pl->kept.start, pl->kept.end, to) != 0)
		panic("as_plan_commit: reserved tables ran out at %#llx", (unsigned long long)to);
	if (pl->mode == AS_MOVE_SHARE)
		as_rss_add(as, as_ref_range(as->root, pl->kept.start, pl->kept.end));
	else
		as_plan_drop_kept(pl, as);
	if (btree_insert(&as->vmas, &nv->node) != 0)
		panic("as_plan_commit: overlap at %#llx", (unsigned long long)to);
	vma_merge(&as->vmas, nv);
	vma_free(pl->target.spare);
	vma_free(pl->tail.spare);
	vma_free(pl->kept.spare);
	pt_release();
	return to;
}

/* The tally of a move: its source range, its target and the tables counted. */
struct as_move_tally {
	vaddr_t addr, end, to;
	struct pt_table_tally tally;
};

/* pt_walk callback: count the tables the target of this leaf's part needs. */
static int as_move_tally_cb(void *ctx, const struct pt_leaf *leaf)
{
	struct as_move_tally *mt = ctx;
	vaddr_t s = MAX(leaf->va, mt->addr), e = MIN(leaf->va + leaf->size, mt->end);

	pt_tally_map(&mt->tally, mt->to + (s - mt->addr), leaf->pa + (s - leaf->va),
		     mt->to + (e - mt->addr));
	return 0;
}

/*
 * Upper bound of the tables that mapping the present pages of [addr, end) at
 * `to` needs (pt_tally_map over the target of every present leaf part).
 */
static size_t as_move_tables(paddr_t root, vaddr_t addr, vaddr_t end, vaddr_t to)
{
	struct as_move_tally mt = {.addr = addr, .end = end, .to = to};

	if (addr < end)
		pt_walk(root, addr, end - addr, as_move_tally_cb, &mt);
	return mt.tally.tables;
}

/*
 * Move the first `keep` bytes of [addr, addr+old_len) (inside VMA v) to a
 * new VMA [to, to+new_len), replacing whatever is mapped there, and unmap
 * the rest of the old range; `mode` AS_MOVE_UNMAP_OLD or AS_MOVE_KEEP_OLD
 * (MREMAP_DONTUNMAP: the old VMA stays, empty). All or nothing: everything
 * that can fail is taken first; -ENOMEM leaves the address space as it was.
 * Of v it reads only the rights, flags and window (object and the page at
 * addr) the new VMA gets.
 */
static long as_move(struct aspace *as, const struct vma *v, vaddr_t addr, uint64_t old_len,
		    uint64_t keep, vaddr_t to, uint64_t new_len, enum as_move_mode mode)
{
	struct as_move_plan pl = {.mode = mode, .prot = v->prot, .kind = v->flags,
				  .obj = v->obj, .pgoff = vma_pgoff_at(v, addr)};
	enum as_cut_kind old = mode == AS_MOVE_KEEP_OLD ? AS_CUT_PAGES : AS_CUT_VMAS;

	if (!(pl.nv = vma_alloc(&as->vmas)) ||
	    as_plan_cut(as, &pl.target, to, to + new_len, AS_CUT_VMAS) != 0 ||
	    as_plan_cut(as, &pl.tail, addr + keep, addr + old_len, AS_CUT_VMAS) != 0 ||
	    as_plan_cut(as, &pl.kept, addr, addr + keep, old) != 0 ||
	    pt_reserve(as_move_tables(as->root, addr, addr + keep, to)) != 0) {
		as_plan_undo(&pl, as);
		return -ENOMEM;
	}
	return as_plan_commit(&pl, as);
}

/* True when growing a part of v from old_len to new_len passes the overcommit heuristic. */
static bool as_growth_fits(const struct vma *v, uint64_t old_len, uint64_t new_len)
{
	return new_len <= old_len || !as_commits(v->prot, v->flags) ||
	       as_commit_fits(new_len - old_len);
}

/* Grow v (whose end is where the old range ends) in place by delta; false when not free. */
static bool as_grow_in_place(struct aspace *as, struct vma *v, uint64_t delta)
{
	vaddr_t end = vma_end(v);

	if (delta > AS_TASK_SIZE - end || !vma_range_free(&as->vmas, end, end + delta))
		return false;
	vma_set_range(&as->vmas, v, vma_start(v), end + delta);
	vma_merge_next(&as->vmas, v);
	return true;
}

/*
 * After an mremap to `res` (or -errno) of a VMA that may be locked: populate
 * the part past the first `old_len` bytes of a locked one (Linux's
 * mm_populate of the growth; not for MLOCK_ONFAULT). Returns res.
 */
static long as_mremap_locked(struct aspace *as, long res, uint64_t old_len, uint64_t new_len)
{
	const struct vma *v;

	if (res < 0 || new_len <= old_len)
		return res;
	v = vma_find(&as->vmas, (vaddr_t)res);
	if (v && (v->flags & AS_VMA_LOCKED))
		as_mm_populate(as, (vaddr_t)res + old_len, (vaddr_t)res + new_len,
			       AS_POPULATE_IGNORE);
	return res;
}

/*
 * MREMAP_DONTUNMAP of a locked VMA v (old_len == new_len == len): the target
 * gets v's lock, the old range loses it (Linux splits the old VMA first, then
 * clears VM_LOCKED_MASK on it). Returns the target or -ENOMEM; the unlock is
 * undone when the move fails (should that undo itself lack memory, the old
 * range stays unlocked: a lock state only, said in the log).
 */
static long as_move_unlocking(struct aspace *as, struct vma *v, vaddr_t addr, uint64_t len,
			      vaddr_t to)
{
	int lock = v->flags & AS_VMA_LOCK_MASK;
	struct as_flag_change unlock = {AS_VMA_LOCK_MASK, 0, 0}, relock = {0, lock, 0};
	/* what as_move reads of the source: rights, flags and window */
	struct vma src = {.node = {.start = addr}, .prot = v->prot, .flags = v->flags,
			  .obj = v->obj, .rmap = {.pgoff = vma_pgoff_at(v, addr)}};
	long res;

	if (as_change_flags(as, addr, addr + len, unlock) != 0)
		return -ENOMEM;
	res = as_move(as, &src, addr, len, len, to, len, AS_MOVE_KEEP_OLD);
	if (res < 0 && as_change_flags(as, addr, addr + len, relock) != 0)
		kprintf("as_move_unlocking: [%#llx, +%#llx) left unlocked\n",
			(unsigned long long)addr, (unsigned long long)len);
	return res;
}

/*
 * mremap_to failing with `fail` after the point where Linux has unmapped the
 * MREMAP_FIXED target (a tail that cannot be unmapped: EINVAL; RLIMIT_AS or
 * RLIMIT_DATA: ENOMEM): unmap the target, then return fail (or the unmap's
 * error).
 */
static long as_mremap_refuse(struct aspace *as, int flags, vaddr_t new_addr, uint64_t new_len,
			     int fail)
{
	int err = 0;

	if (flags & MREMAP_FIXED)
		err = as_unmap_range(as, new_addr, new_addr + new_len);
	return err ? err : fail;
}

/*
 * mremap_to's RLIMIT_AS and RLIMIT_DATA checks on the source VMA v's kind:
 * `grow` more pages (6.12's vma_to_resize for a growth; the copy of
 * MREMAP_DONTUNMAP), counted once the MREMAP_FIXED target is unmapped.
 */
static bool as_mremap_to_fits(const struct aspace *as, const struct vma *v, uint64_t grow,
			      int flags, vaddr_t new_addr, uint64_t new_len)
{
	vaddr_t gone = (flags & MREMAP_FIXED) ? new_addr : 0;

	return as_may_expand_after_unmap(as, v->prot, v->flags, grow / PAGE_SIZE, gone,
					 gone ? new_addr + new_len : 0);
}

/*
 * mremap_to with a fixed target below mmap_min_addr without AS_CAP_SYS_RAWIO:
 * Linux unmaps the tail of a shrink first, then the security check of
 * get_unmapped_area says EPERM, as for mmap. The target itself holds
 * nothing to unmap.
 */
static long as_mremap_low_target(struct aspace *as, vaddr_t addr, uint64_t old_len,
				 uint64_t new_len)
{
	int err = 0;

	if (old_len > new_len)
		err = as_unmap_range(as, addr + new_len, addr + old_len);
	return err ? err : -EPERM;
}

/*
 * mremap with MREMAP_FIXED or MREMAP_DONTUNMAP (Linux's mremap_to): the part
 * of the old range that is kept must lie in one VMA; the target is replaced.
 */
static long as_mremap_to(struct aspace *as, struct vma *v, vaddr_t addr, uint64_t old_len,
			 uint64_t new_len, int flags, vaddr_t new_addr)
{
	uint64_t keep = MIN(old_len, new_len);
	long res;

	if (!as_map_count_room(as, AS_MREMAP_TO_ROOM))
		return -ENOMEM;
	if ((flags & MREMAP_FIXED) && as_sealed_at(as, new_addr, new_addr + new_len) <
				      new_addr + new_len)
		return -EPERM; /* Linux's munmap of the target */
	if (old_len > new_len && old_len <= AS_TASK_SIZE - addr &&
	    as_sealed_at(as, addr + new_len, addr + old_len) < addr + old_len)
		return -EPERM; /* and of the tail */
	if (keep > vma_end(v) - addr)
		return -EFAULT;
	if (!as_lock_future_ok(as, v->flags, new_len - keep))
		return -EAGAIN;
	if (!as_mremap_to_fits(as, v, (flags & MREMAP_DONTUNMAP) ? old_len : new_len - keep,
			       flags, new_addr, new_len))
		return as_mremap_refuse(as, flags, new_addr, new_len, -ENOMEM);
	if (!as_growth_fits(v, old_len, new_len))
		return -ENOMEM;
	if (old_len > AS_TASK_SIZE - addr)
		return as_mremap_refuse(as, flags, new_addr, new_len, -EINVAL);
	if (!(flags & MREMAP_FIXED) &&
	    as_place(as, new_addr, new_len, as_place_kind_of(v), &new_addr) != 0)
		return -ENOMEM;
	if (new_addr < as_min_addr(as))
		return as_mremap_low_target(as, addr, old_len, new_len);
	if ((flags & MREMAP_DONTUNMAP) && (v->flags & AS_VMA_LOCKED))
		return as_move_unlocking(as, v, addr, old_len, new_addr);
	res = as_move(as, v, addr, old_len, keep, new_addr, new_len,
		      (flags & MREMAP_DONTUNMAP) ? AS_MOVE_KEEP_OLD : AS_MOVE_UNMAP_OLD);
	return as_mremap_locked(as, res, keep, new_len);
}

/*
 * mremap without a target: a shrink just unmaps the tail (whatever it spans,
 * as Linux); growing needs the old range in one VMA, then grows in place or
 * moves (MREMAP_MAYMOVE).
 */
static long as_mremap_at(struct aspace *as, struct vma *v, vaddr_t addr, uint64_t old_len,
			 uint64_t new_len, int flags)
{
	vaddr_t to;
	int err;

	if (old_len == new_len)
		return addr;
	if (old_len > new_len) {
		if (old_len > AS_TASK_SIZE - addr)
			return -EINVAL; /* as munmap of the tail says */
		err = as_unmap_range(as, addr + new_len, addr + old_len);
		return err ? err : (long)addr;
	}
	if (old_len > vma_end(v) - addr)
		return -EFAULT;
	if (!as_lock_future_ok(as, v->flags, new_len - old_len))
		return -EAGAIN;
	if (!as_may_expand(as, v->prot, v->flags, (new_len - old_len) / PAGE_SIZE))
		return -ENOMEM; /* RLIMIT_AS, RLIMIT_DATA */
	if (!as_growth_fits(v, old_len, new_len))
		return -ENOMEM;
	if (addr + old_len == vma_end(v) && as_grow_in_place(as, v, new_len - old_len))
		return as_mremap_locked(as, (long)addr, old_len, new_len);
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	if (!as_map_count_room(as, AS_MREMAP_MOVE_ROOM) ||
	    as_place(as, 0, new_len, as_place_kind_of(v), &to) != 0)
		return -ENOMEM;
	return as_mremap_locked(as, as_move(as, v, addr, old_len, old_len, to, new_len,
					    AS_MOVE_UNMAP_OLD), old_len, new_len);
}

/*
 * mremap with old_len 0 of a shared mapping: a second window onto the same
 * object from the page at addr (its present pages are mapped at once; a
 * fault past the object's size is SIGBUS). A locked source is checked
 * against RLIMIT_MEMLOCK for all of new_len (EAGAIN).
 */
static long as_mremap_dup(struct aspace *as, struct vma *v, vaddr_t addr, uint64_t new_len,
			  int flags, vaddr_t to)
{
	vaddr_t end = MIN(addr + new_len, vma_end(v));
	struct as_move_plan pl = {.mode = AS_MOVE_SHARE, .prot = v->prot, .kind = v->flags,
				  .obj = v->obj, .pgoff = vma_pgoff_at(v, addr),
				  .kept = {.start = addr, .end = end, .kind = AS_CUT_PAGES}};
	bool lock_ok = as_lock_future_ok(as, v->flags, new_len);

	if (!lock_ok && !(flags & MREMAP_FIXED))
		return -EAGAIN; /* vma_to_resize, before the move is tried */
	if (!(flags & MREMAP_FIXED) && !as_may_expand(as, v->prot, v->flags, new_len / PAGE_SIZE))
		return -ENOMEM; /* and RLIMIT_AS there */
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	if (!(flags & MREMAP_FIXED) && as_place(as, to, new_len, AS_PLACE_OBJECT, &to) != 0)
		return -ENOMEM;
	if ((flags & MREMAP_FIXED) && to < end && to + new_len > addr)
		return -EINVAL;
	if (as_sealed_at(as, to, to + new_len) < to + new_len || to < as_min_addr(as))
		return -EPERM; /* a seal, or a target below mmap_min_addr (as_mremap_low_target) */
	if (!lock_ok)
		return -EAGAIN; /* mremap_to: after the target's munmap */
	if ((flags & MREMAP_FIXED) && !as_mremap_to_fits(as, v, new_len, flags, to, new_len))
		return as_mremap_refuse(as, flags, to, new_len, -ENOMEM);
	if (!(pl.nv = vma_alloc(&as->vmas)) ||
	    as_plan_cut(as, &pl.target, to, to + new_len, AS_CUT_VMAS) != 0 ||
	    pt_reserve(as_move_tables(as->root, addr, end, to)) != 0) {
		as_plan_undo(&pl, as);
		return -ENOMEM;
	}
	return as_plan_commit(&pl, as);
}

/* Argument checks of mremap(2) before any VMA is looked at. */
static int as_mremap_args(vaddr_t addr, uint64_t old_len, uint64_t new_len, int flags,
			  vaddr_t new_addr)
{
	if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if ((flags & MREMAP_DONTUNMAP) && (!(flags & MREMAP_MAYMOVE) || old_len != new_len))
		return -EINVAL;
	if (!IS_ALIGNED(addr, PAGE_SIZE) || !new_len || new_len > AS_TASK_SIZE)
		return -EINVAL;
	if (!(flags & MREMAP_FIXED))
		return 0;
	if (!IS_ALIGNED(new_addr, PAGE_SIZE) || new_len > AS_TASK_SIZE ||
	    new_addr > AS_TASK_SIZE - new_len)
		return -EINVAL;
	if (addr + old_len > new_addr && new_addr + new_len > addr)
		return -EINVAL;
	return 0;
}

long as_mremap(struct aspace *as, vaddr_t old_addr, uint64_t old_len,
	       uint64_t new_len, int flags, vaddr_t new_addr)
{
	struct vma *v;
	int err;

	old_len = ALIGN_UP(old_len, PAGE_SIZE);
	new_len = ALIGN_UP(new_len, PAGE_SIZE);
	err = as_mremap_args(old_addr, old_len, new_len, flags, new_addr);
	if (err)
		return err;
	v = vma_find(&as->vmas, old_addr);
	if (!v)
		return -EFAULT;
	if (v->flags & AS_VMA_SEALED)
		return -EPERM;
	if (!old_len && !(v->flags & MAP_SHARED))
		return -EINVAL;
	if (!old_len)
		return as_mremap_locked(as, as_mremap_dup(as, v, old_addr, new_len, flags,
							  new_addr), 0, new_len);
	if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP))
		return as_mremap_to(as, v, old_addr, old_len, new_len, flags, new_addr);
	return as_mremap_at(as, v, old_addr, old_len, new_len, flags);
}

/* ---------------------------------------------------------------- brk */

void as_brk_init(struct aspace *as, vaddr_t start)
{
	as->brk_start = ALIGN_UP(start, PAGE_SIZE);
	as->brk = as->brk_start;
}

/*
 * True when the heap may grow to newbrk: one page and any stack guard gap
 * clear above it; next is the first VMA above the old break, or NULL.
 */
static bool as_brk_room(const struct vma *next, vaddr_t newbrk)
{
	if (newbrk > AS_TASK_SIZE - PAGE_SIZE)
		return false;
	return !next || newbrk + PAGE_SIZE <= vma_start_gap(next);
}

vaddr_t as_brk(struct aspace *as, vaddr_t brk)
{
	vaddr_t newbrk, oldbrk;
	struct vma *next;

	if (brk < as->brk_start || brk > AS_TASK_SIZE || !as_brk_data_ok(as, brk))
		return as->brk;
	newbrk = ALIGN_UP(brk, PAGE_SIZE);
	oldbrk = ALIGN_UP(as->brk, PAGE_SIZE);
	if (newbrk == oldbrk) {
		as->brk = brk;
		return brk;
	}
	if (brk <= as->brk) {
		if (as_unmap_range(as, newbrk, oldbrk) != 0)
			return as->brk;
		as->brk = brk;
		return brk;
	}
	next = vma_lower_bound(&as->vmas, oldbrk);
	if (!as_lock_future_ok(as, as->def_flags, newbrk - oldbrk) || !as_brk_room(next, newbrk) ||
	    !as_may_expand(as, PROT_READ | PROT_WRITE, MAP_PRIVATE, (newbrk - oldbrk) / PAGE_SIZE) ||
	    !as_map_count_room(as, 0) || !as_commit_fits(newbrk - oldbrk))
		return as->brk;
	if (as_map_new(as, next, oldbrk, newbrk - oldbrk, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | as->def_flags, NULL, 0, AS_MERGE_HEAP) < 0)
		return as->brk;
	as->brk = brk;
	if (as->def_flags & AS_VMA_LOCKED)
		as_mm_populate(as, oldbrk, newbrk, AS_POPULATE_IGNORE);
	return brk;
}

/* ---------------------------------------------------------------- madvise */

/* True for the advice values Linux accepts on anonymous memory. */
static bool as_advice_valid(int advice)
{
	return (advice >= MADV_NORMAL && advice <= MADV_DONTNEED) ||
	       (advice >= MADV_FREE && advice <= AS_MADV_COLLAPSE);
}

/* Drop the pages of [start, end) so they read back as zero; 0 or -ENOMEM. */
static int as_drop_pages(struct aspace *as, vaddr_t start, vaddr_t end)
{
	struct pt_leaf leaf;

	if (!as_next_leaf(as->root, start, end, &leaf))
		return 0;
	if (as_split_ends(as->root, start, end) != 0)
		return -ENOMEM;
	as_zap(as, start, end);
	return 0;
}

/* True for the advice values 6.12's mseal counts as discarding (is_madv_discard). */
static bool as_advice_discards(int advice)
{
	switch (advice) {
	case MADV_FREE:
	case MADV_DONTNEED:
	case AS_MADV_DONTNEED_LOCKED:
	case AS_MADV_REMOVE:
	case AS_MADV_DONTFORK:
	case AS_MADV_WIPEONFORK:
		return true;
	default:
		return false;
	}
}

/*
 * Linux 6.12's can_modify_vma_madv: discarding advice is refused on a sealed
 * VMA of read-only private anonymous memory (is_ro_anon: no PROT_WRITE, or
 * a key the running thread may not write through; no file: a private window
 * onto an object is not anonymous memory).
 */
static bool as_advice_allowed(const struct vma *v, int advice)
{
	return !(v->flags & AS_VMA_SEALED) || !as_advice_discards(advice) ||
	       (v->flags & MAP_SHARED) || v->obj ||
	       ((v->prot & PROT_WRITE) && !as_pkey_denies(v, AS_PF_USER | AS_PF_WRITE));
}

/*
 * The flag change of the advice values that only record a VMA flag, or
 * false for other advice. Sets *err to -EINVAL where Linux refuses the
 * advice for this VMA (WIPEONFORK on shared memory or on a private window
 * onto an object: Linux takes it on anonymous memory only; KEEPONFORK and
 * DODUMP on a droppable VMA).
 */
static bool as_advice_flags(const struct vma *v, int advice, struct as_flag_change *chg, int *err)
{
	*err = 0;
	switch (advice) {
	case AS_MADV_DONTFORK:
		*chg = (struct as_flag_change){0, AS_VMA_DONTCOPY, 0};
		return true;
	case AS_MADV_DOFORK:
		*chg = (struct as_flag_change){AS_VMA_DONTCOPY, 0, 0};
		return true;
	case AS_MADV_WIPEONFORK:
		*chg = (struct as_flag_change){0, AS_VMA_WIPEONFORK, 0};
		*err = ((v->flags & MAP_SHARED) || v->obj) ? -EINVAL : 0;
		return true;
	case AS_MADV_KEEPONFORK:
		*chg = (struct as_flag_change){AS_VMA_WIPEONFORK, 0, 0};
		*err = (v->flags & AS_VMA_DROPPABLE) ? -EINVAL : 0;
		return true;
	case AS_MADV_DONTDUMP:
		*chg = (struct as_flag_change){0, AS_VMA_DONTDUMP, 0};
		return true;
	case AS_MADV_HUGEPAGE: /* hugepage_madvise */
		*chg = (struct as_flag_change){AS_VMA_NOHUGEPAGE, AS_VMA_HUGEPAGE, 0};
		return true;
	case AS_MADV_NOHUGEPAGE:
		*chg = (struct as_flag_change){AS_VMA_HUGEPAGE, AS_VMA_NOHUGEPAGE, 0};
		return true;
	case AS_MADV_DODUMP:
		*chg = (struct as_flag_change){AS_VMA_DONTDUMP, 0, 0};
		*err = (v->flags & AS_VMA_DROPPABLE) ? -EINVAL : 0;
		return true;
	default:
		return false;
	}
}

/*
 * MADV_REMOVE of the part [s, e) of v (Linux's madvise_remove): punch the
 * object's pages there, which zaps them from every mapping. -EINVAL for a
 * locked VMA or one without an object, -EACCES unless shared and allowed to
 * be written, -EPERM when the object is sealed against writes (shmem's
 * fallocate).
 */
static int as_advise_remove(const struct vma *v, vaddr_t s, vaddr_t e)
{
	if ((v->flags & AS_VMA_LOCKED) || !v->obj)
		return -EINVAL;
	if (!(v->flags & MAP_SHARED) || (v->flags & AS_VMA_NOMAYWRITE))
		return -EACCES;
	if (v->obj->seals & (MOBJ_SEAL_WRITE | MOBJ_SEAL_FUTURE_WRITE))
		return -EPERM;
	mobj_punch(v->obj, vma_pgoff_at(v, s) * PAGE_SIZE, e - s);
	return 0;
}

/* Apply `advice` to the part [s, e) of VMA v. */
static int as_advise_vma(struct aspace *as, const struct vma *v, vaddr_t s, vaddr_t e,
			 int advice)
{
	bool locked = v->flags & AS_VMA_LOCKED;

	switch (advice) {
	case AS_MADV_REMOVE:
		return as_advise_remove(v, s, e);
	case MADV_FREE:
		if (v->obj)
			return -EINVAL; /* shmem and files are not vma_is_anonymous */
		/* fall through */
	case MADV_DONTNEED:
		if (locked)
			return -EINVAL;
		return as_drop_pages(as, s, e);
	case AS_MADV_DONTNEED_LOCKED:
		return as_drop_pages(as, s, e);
	case AS_MADV_COLLAPSE:
		return as_collapse(as, v, s, e);
	case AS_MADV_COLD:
		return locked ? -EINVAL : 0;
	case AS_MADV_PAGEOUT:
		if (locked)
			return -EINVAL;
		/* reclaim drops droppable pages; without swap the others stay */
		return (v->flags & AS_VMA_DROPPABLE) ? as_drop_pages(as, s, e) : 0;
	default:
		return 0;
	}
}

/*
 * One VMA's part [s, e) of madvise: the seal check, then the advice (a flag
 * change splits v: no memory for that is EAGAIN, as Linux).
 */
static int as_advise_one(struct aspace *as, const struct vma *v, vaddr_t s, vaddr_t e,
			 int advice)
{
	struct as_flag_change chg;
	int err;

	if (!as_advice_allowed(v, advice))
		return -EPERM;
	if (!as_advice_flags(v, advice, &chg, &err))
		return as_advise_vma(as, v, s, e, advice);
	if (err)
		return err;
	return as_change_flags(as, s, e, chg) ? -EAGAIN : 0;
}

/* True for the advice values that change or fill pages (Linux refuses them on its vvar). */
static bool as_advice_touches_pages(int advice)
{
	switch (advice) {
	case MADV_DONTNEED:
	case MADV_FREE:
	case AS_MADV_DONTNEED_LOCKED:
	case AS_MADV_REMOVE:
	case AS_MADV_POPULATE_READ:
	case AS_MADV_POPULATE_WRITE:
		return true;
	default:
		return false;
	}
}

/*
 * True when advice on [addr, end) must fail with EINVAL before it changes
 * anything: the range runs past the user half and meets a mapping. On Linux
 * such a walk reaches the [vvar] mapping (VM_PFNMAP, which these advices
 * refuse) before the stack; bootmm has no vDSO, so it refuses up front
 * rather than drop every page up to the end, the stack included.
 */
static bool as_advice_past_top(const struct aspace *as, vaddr_t addr, vaddr_t end, int advice)
{
	return end > AS_TASK_SIZE && as_advice_touches_pages(advice) &&
	       vma_lower_bound(&as->vmas, addr) != NULL;
}

/*
 * MADV_POPULATE_READ/WRITE as Linux 6.12's madvise_populate: VMA by VMA from
 * addr, stopping at the first hole (-ENOMEM) or the first VMA without the
 * right (PROT_READ, PROT_WRITE: -EINVAL); the VMAs before keep their pages.
 */
static int as_madvise_populate(struct aspace *as, vaddr_t addr, vaddr_t end, int advice)
{
	bool write = advice == AS_MADV_POPULATE_WRITE;
	const struct vma *v;
	vaddr_t e;

	for (; addr < end; addr = e) {
		v = vma_find(&as->vmas, addr);
		if (!v)
			return -ENOMEM;
		if (!(v->prot & (write ? PROT_WRITE : PROT_READ)))
			return -EINVAL;
		e = MIN(vma_end(v), end);
		if (as_populate(as, addr, e, write ? AS_POPULATE_WRITE : AS_POPULATE_READ) != 0)
			return -ENOMEM;
	}
	return 0;
}

int as_madvise(struct aspace *as, vaddr_t addr, uint64_t len, int advice)
{
	uint64_t alen = ALIGN_UP(len, PAGE_SIZE);
	vaddr_t end = addr + alen, s, e;
	struct vma *v;
	int err, hole = 0;

	if (!as_advice_valid(advice) || !IS_ALIGNED(addr, PAGE_SIZE) || (len && !alen) ||
	    end < addr)
		return -EINVAL;
	if (end == addr)
		return 0;
	if (as_advice_past_top(as, addr, end, advice))
		return -EINVAL;
	if (advice == AS_MADV_POPULATE_READ || advice == AS_MADV_POPULATE_WRITE)
		return as_madvise_populate(as, addr, end, advice);
	if (!vma_lower_bound(&as->vmas, addr))
		return -ENOMEM;
	for (s = addr; s < end; s = e) {
		v = vma_lower_bound(&as->vmas, s); /* again: advice may split or merge */
		if (!v || vma_start(v) >= end)
			return -ENOMEM;
		if (vma_start(v) > s)
			hole = -ENOMEM;
		s = MAX(s, vma_start(v));
		e = MIN(vma_end(v), end);
		err = as_advise_one(as, v, s, e, advice);
		if (err)
			return err;
	}
	return hole;
}

/* ---------------------------------------------------------------- msync, mincore */

int as_msync(struct aspace *as, vaddr_t addr, uint64_t len, int flags)
{
	vaddr_t end;
	const struct vma *v;
	int hole = 0;

	if ((flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) || !IS_ALIGNED(addr, PAGE_SIZE) ||
	    ((flags & MS_ASYNC) && (flags & MS_SYNC)))
		return -EINVAL;
	end = addr + ALIGN_UP(len, PAGE_SIZE);
	if (end < addr)
		return -ENOMEM;
	if (end == addr)
		return 0;
	for (v = vma_lower_bound(&as->vmas, addr); v; v = vma_next(v)) {
		if (vma_start(v) > addr) {
			if (flags == MS_ASYNC || vma_start(v) >= end)
				return -ENOMEM;
			hole = -ENOMEM;
		}
		if ((flags & MS_INVALIDATE) && (v->flags & AS_VMA_LOCKED))
			return -EBUSY;
		addr = vma_end(v);
		if (addr >= end)
			return hole;
	}
	return -ENOMEM;
}

/* pt_walk callback: mark the resident pages of the leaf inside the window. */
static int as_mincore_cb(void *ctx, const struct pt_leaf *leaf)
{
	const struct { vaddr_t start, end; uint8_t *vec; } *w = ctx;
	vaddr_t s = MAX(leaf->va, w->start), e = MIN(leaf->va + leaf->size, w->end);

	for (; s < e; s += PAGE_SIZE)
		w->vec[(s - w->start) / PAGE_SIZE] = 1;
	return 0;
}

/*
 * Linux's mincore for pages of an object window that this space does not
 * map: resident when the object holds the page (its page cache).
 */
static void as_mincore_obj(const struct vma *v, vaddr_t addr, uint64_t n, uint8_t *vec)
{
	paddr_t pa;
	uint64_t i;

	if (!v->obj)
		return;
	for (i = 0; i < n; i++)
		if (!vec[i] && mobj_page(v->obj, vma_pgoff_at(v, addr) + i, MOBJ_LOOKUP, &pa) == 0)
			vec[i] = 1;
}

long as_mincore(struct aspace *as, vaddr_t addr, uint64_t npages, uint8_t *vec)
{
	const struct vma *v = vma_find(&as->vmas, addr);
	struct { vaddr_t start, end; uint8_t *vec; } w;
	uint64_t n;

	if (!v)
		return -ENOMEM;
	n = MIN(npages, (vma_end(v) - addr) / PAGE_SIZE);
	w.start = addr;
	w.end = addr + n * PAGE_SIZE;
	w.vec = vec;
	memset(vec, 0, n);
	pt_walk(as->root, addr, n * PAGE_SIZE, as_mincore_cb, &w);
	as_mincore_obj(v, addr, n, vec);
	return (long)n;
}

/* ---------------------------------------------------------------- stack */

int as_stack_init(struct aspace *as, vaddr_t top, uint64_t initial)
{
	uint64_t size = ALIGN_UP(MAX(initial, PAGE_SIZE), PAGE_SIZE);
	struct vma *next;
	vaddr_t bottom;
	long res;

	if (!IS_ALIGNED(top, PAGE_SIZE) || top > AS_TASK_SIZE || !size)
		return -EINVAL;
	size = MIN(size, MAX(ALIGN_DOWN(as->lim.stack_bytes, PAGE_SIZE), PAGE_SIZE));
	if (size > top - MIN(top, AS_MMAP_MIN_ADDR))
		return -EINVAL;
	bottom = top - size;
	if (bottom < AS_MMAP_MIN_ADDR)
		return -EINVAL;
	next = vma_lower_bound(&as->vmas, bottom);
	if (!vma_clear_below(next, top))
		return -EEXIST;
	if (!as_may_expand(as, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_GROWSDOWN,
			   size / PAGE_SIZE))
		return -ENOMEM; /* RLIMIT_AS */
	res = as_map_new(as, next, bottom, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_GROWSDOWN, NULL, 0, AS_MERGE_AROUND);
	if (res < 0)
		return (int)res;
	if (as_populate(as, bottom, top, AS_POPULATE_WRITE) != 0) {
		if (as_unmap_range(as, bottom, top) != 0)
			kprintf("as_stack_init: stack VMA left after lack of memory\n");
		return -ENOMEM;
	}
	return 0;
}

/* ---------------------------------------------------------------- queries */

/* Fill a snapshot of v. */

bool as_vma_at(const struct aspace *as, vaddr_t va, struct as_vma_info *out)
{
	const struct vma *v = vma_find(&as->vmas, va);

	if (!v)
		return false;
	if (out)
		as_query_fill(v, out);
	return true;
}

size_t as_vmas(const struct aspace *as, struct as_vma_info *out, size_t max)
{
	const struct vma *v;
	size_t n = 0;

	for (v = vma_of(btree_first(&as->vmas)); v; v = vma_next(v), n++)
		if (n < max)
			as_query_fill(v, &out[n]);
	return n;
}

size_t as_vma_count(const struct aspace *as)
{
	return as->vmas.count;
}

/* pt_walk callback: count 4 KiB frames, but none of the zero frames. */
static int as_count_cb(void *ctx, const struct pt_leaf *leaf)
{
	if (!zpage_is(leaf->pa))
		*(size_t *)ctx += leaf->size / PAGE_SIZE;
	return 0;
}

size_t as_resident_frames(const struct aspace *as)
{
	size_t n = 0;

	pt_walk(as->root, 0, PT_USER_TOP, as_count_cb, &n);
	return n;
}

/* ---------------------------------------------------------------- check */

/*
 * Check one VMA alone and against its predecessor. Two touching VMAs that
 * could merge are a fault, except at the heap's start (brk_start): brk
 * never grows a VMA from below it (as_brk, Linux's do_brk_flags).
 */
static int as_check_vma(const struct vma *v, const struct vma *prev)
{
	int kind = v->flags & (MAP_PRIVATE | MAP_SHARED);

	if (vma_end(v) > AS_TASK_SIZE ||
	    vma_start(v) >= vma_end(v) || !IS_ALIGNED(vma_start(v), PAGE_SIZE) ||
	    !IS_ALIGNED(vma_end(v), PAGE_SIZE))
		return kprintf("as_check: bad VMA [%#llx, %#llx)\n",
			       (unsigned long long)vma_start(v),
			       (unsigned long long)vma_end(v)), -EINVAL;
	if ((v->prot & ~AS_PROT_RWX) || (v->flags & ~(VMA_KIND_MASK | VMA_FLAG_MASK)) ||
	    (kind != MAP_PRIVATE && kind != MAP_SHARED) ||
	    (v->flags & AS_VMA_LOCK_MASK) == AS_VMA_LOCKONFAULT ||
	    ((v->flags & AS_VMA_DROPPABLE) && (v->flags & AS_VMA_LOCKED)))
		return kprintf("as_check: VMA %#llx prot %#x flags %#x\n",
			       (unsigned long long)vma_start(v), v->prot, v->flags), -EINVAL;
	if (prev && vma_end(prev) > vma_start(v))
		return kprintf("as_check: VMAs overlap at %#llx\n",
			       (unsigned long long)vma_start(v)), -EINVAL;
	if (v->obj && (v->rmap.npages != (vma_end(v) - vma_start(v)) / PAGE_SIZE ||
		       v->rmap.zap != as_vma_zap || !v->obj->refs))
		return kprintf("as_check: VMA %#llx window of %llu pages, object refs %lu\n",
			       (unsigned long long)vma_start(v),
			       (unsigned long long)v->rmap.npages, v->obj->refs), -EINVAL;
	return 0;
}

/* True when the 4 KiB page pa mapped at va of shared window v is the object's own page. */
static bool as_check_window_page(const struct vma *v, vaddr_t va, paddr_t pa)
{
	paddr_t opa;

	return !v->obj || !(v->flags & MAP_SHARED) ||
	       (mobj_page(v->obj, vma_pgoff_at(v, va), MOBJ_LOOKUP, &opa) == 0 && opa == pa);
}

/* Check the frames of [s, e) of a leaf mapped in v: referenced; writable private ones exclusive. */
static int as_check_frames(const struct pt_leaf *leaf, const struct vma *v, vaddr_t s, vaddr_t e)
{
	uint32_t ref;

	for (; s < e; s += PAGE_SIZE) {
		ref = pmm_refcount(leaf->pa + (s - leaf->va));
		if (ref == 0 || ((leaf->flags & PT_WRITE) && !(v->flags & MAP_SHARED) && ref != 1))
			return kprintf("as_check: page %#llx frame refcount %u\n",
				       (unsigned long long)s, ref), -EINVAL;
		if (!as_check_window_page(v, s, leaf->pa + (s - leaf->va)))
			return kprintf("as_check: page %#llx is not its object's page\n",
				       (unsigned long long)s), -EINVAL;
	}
	return 0;
}

/* What one as_check walk carries: the space, the VMA of the last leaf, frames counted. */
struct as_check_walk {
	const struct aspace *as;
	const struct vma *v;
	uint64_t frames; /* 4 KiB frames mapped, the zero frames not (as_resident_frames) */
};

/*
 * The VMA holding s, or NULL. The walk goes up: the last leaf's VMA or the
 * one after it holds s most of the time, so the tree is searched only when
 * neither does.
 */
static const struct vma *as_check_vma_at(struct as_check_walk *w, vaddr_t s)
{
	const struct vma *v = w->v;

	if (v && s >= vma_end(v))
		v = vma_next(v);
	if (!v || s < vma_start(v) || s >= vma_end(v))
		v = vma_find(&w->as->vmas, s);
	return w->v = v;
}

/*
 * pt_walk callback: the leaf lies inside VMAs whose rights it matches; its
 * frames are counted.
 */
static int as_check_leaf(void *ctx, const struct pt_leaf *leaf)
{
	struct as_check_walk *w = ctx;
	vaddr_t s = leaf->va, e = leaf->va + leaf->size, ve;
	const struct vma *v;
	unsigned want;

	if (!zpage_is(leaf->pa))
		w->frames += leaf->size / PAGE_SIZE;
	for (; s < e; s = ve) {
		v = as_check_vma_at(w, s);
		if (!v)
			return kprintf("as_check: page %#llx mapped outside any VMA\n",
				       (unsigned long long)s), -EINVAL;
		want = as_pt_flags(v->prot, v->flags);
		if (leaf->flags != want && leaf->flags != (want & ~PT_WRITE))
			return kprintf("as_check: page %#llx flags %#x, VMA prot %#x\n",
				       (unsigned long long)s, leaf->flags, v->prot), -EINVAL;
		ve = MIN(vma_end(v), e);
		if (as_check_frames(leaf, v, s, ve) != 0)
			return -EINVAL;
	}
	return 0;
}

/* The running counts against what the VMAs and the walk (w) say: total_vm, rss. */
static int as_check_counts(const struct aspace *as, const struct as_check_walk *w)
{
	const struct vma *v;
	uint64_t span = 0;

	for (v = vma_of(btree_first(&as->vmas)); v; v = vma_next(v))
		span += vma_end(v) - vma_start(v);
	if (span != as->vmas.span)
		return kprintf("as_check: VMA span %#llx, counted %#llx\n",
			       (unsigned long long)span,
			       (unsigned long long)as->vmas.span), -EINVAL;
	if (w->frames != as->rss)
		return kprintf("as_check: %llu frames mapped, rss %llu\n",
			       (unsigned long long)w->frames, (unsigned long long)as->rss), -EINVAL;
	return 0;
}

int as_check(struct aspace *as)
{
	struct as_check_walk w = { as, NULL, 0 };
	const struct vma *v, *prev = NULL;

	if (btree_check(&as->vmas) != 0)
		return -EINVAL;
	for (v = vma_of(btree_first(&as->vmas)); v; prev = v, v = vma_next(v))
		if (as_check_vma(v, prev) != 0)
			return -EINVAL;
	if ((as->def_flags & ~AS_VMA_LOCK_MASK) || as->def_flags == AS_VMA_LOCKONFAULT)
		return kprintf("as_check: default flags %#x\n", as->def_flags), -EINVAL;
	if (as->brk < as->brk_start || !IS_ALIGNED(as->brk_start, PAGE_SIZE))
		return kprintf("as_check: brk %#llx below its start %#llx\n",
			       (unsigned long long)as->brk,
			       (unsigned long long)as->brk_start), -EINVAL;
	if (pt_walk(as->root, 0, PT_USER_TOP, as_check_leaf, &w) != 0)
		return -EINVAL;
	return as_check_counts(as, &w);
}
