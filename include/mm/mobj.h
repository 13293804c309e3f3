/*
 * mobj: memory objects, the pages under the VMAs (DESIGN.md, "Memory:
 * objects under the VMAs") and under tmpfs files and memfds.
 *
 * An object is a refcounted page cache indexed by page offset (pgoff), with a
 * byte size, a kind and a set of seals:
 *   MOBJ_ANON   private, demand-zero memory (no size limit but RAM);
 *   MOBJ_SHMEM  shared memory: tmpfs files, memfds, MAP_SHARED|MAP_ANONYMOUS.
 *               Every shmem page is charged to one global budget, half of
 *               RAM by default (Linux's tmpfs size): past it, -ENOSPC.
 *
 * The index is a radix tree of 64-slot nodes whose height grows with the
 * largest offset present, so a huge sparse object costs only the nodes on
 * the paths to its pages. A page is a pmm frame; the object holds one
 * reference (pmm_ref) to it, and a mapper that takes the frame takes its own.
 * A hole reads as zeros and takes no frame.
 *
 * Reverse map: whoever maps pages of the object (the VMA layer, later)
 * registers a struct mobj_map (owner, pgoff range, zap callback) embedded in
 * its own structure (no allocation: registering cannot fail). Truncate and
 * hole punching call zap on every registered mapping that overlaps the
 * removed range before the pages go, so no mapping keeps a stale page.
 *
 * An object may be secret (MOBJ_SECRET, memfd_secret(2)): each page leaves
 * the kernel's direct map once zeroed (kmap_direct_hide) and comes back,
 * zeroed again, when the object lets it go; mobj_read and mobj_write refuse
 * it, so only its user mappings reach its bytes.
 *
 * All or nothing: an action that fails with -ENOMEM / -ENOSPC leaves the
 * object as it was (a write or fallocate gives back every page it added).
 * No locking: one CPU.
 */
#ifndef MM_MOBJ_H
#define MM_MOBJ_H

#include "lib/types.h"

enum mobj_kind {
	MOBJ_ANON,
	MOBJ_SHMEM,
};

/* Seals (Linux's F_SEAL_* values). */
#define MOBJ_SEAL_SEAL 0x0001
#define MOBJ_SEAL_SHRINK 0x0002
#define MOBJ_SEAL_GROW 0x0004
#define MOBJ_SEAL_WRITE 0x0008
#define MOBJ_SEAL_FUTURE_WRITE 0x0010
#define MOBJ_SEAL_EXEC 0x0020
#define MOBJ_SEALS_ALL 0x003f

/* mobj flags. */
#define MOBJ_SECRET (1u << 0) /* memfd_secret: pages out of the direct map, no read/write */
#define MOBJ_HUGETLB (1u << 1) /* hugetlbfs: huge pages of huge_size from the hugetlb pool */

/* The largest byte size an object may have (Linux's MAX_LFS_FILESIZE). */
#define MOBJ_MAX_SIZE 0x7fffffffffffffffULL

/* mobj_page flags. */
#define MOBJ_LOOKUP 0u          /* a hole is -ENOENT */
#define MOBJ_ALLOC (1u << 0)    /* a hole gets a zeroed page */

/* mobj_map flags. */
#define MOBJ_MAP_SHARED_WRITE (1u << 0) /* a writable shared mapping (F_SEAL_WRITE: EBUSY) */

struct mobj_map;

/* Unmap pages [pgoff, pgoff + npages) of the object from the mapping `m`. */
typedef void (*mobj_zap_fn)(struct mobj_map *m, uint64_t pgoff, uint64_t npages);

struct mobj_map {
	struct mobj_map *prev, *next; /* in the object's list */
	void *owner;                  /* opaque: the mapper's own (e.g. its VMA) */
	uint64_t pgoff, npages;       /* the object's pages this mapping covers */
	unsigned flags;               /* MOBJ_MAP_* */
	mobj_zap_fn zap;
};

struct mobj_rnode;

struct mobj {
	unsigned long refs;
	enum mobj_kind kind;
	uint64_t size;               /* bytes */
	unsigned seals;              /* MOBJ_SEAL_* */
	unsigned flags;              /* MOBJ_SECRET, MOBJ_HUGETLB */
	uint64_t huge_size;          /* MOBJ_HUGETLB: its huge page size (bytes) */
	struct mobj_rnode *root;     /* radix tree; NULL when height is 0 */
	unsigned height;             /* levels: covers pgoff < 64^height */
	size_t pages;                /* frames held */
	struct mobj_map *maps;       /* reverse map */
	/*
	 * Whose data this is (opaque: a tmpfs node), or NULL. While the object
	 * has mappings it holds one reference to its owner through owner_ref
	 * (+1 at the first mapping, -1 after the last), as Linux's vm_file
	 * keeps the file: a mapping still names its file when every fd is shut.
	 */
	void *owner;
	void (*owner_ref)(void *owner, int delta);
};

/* A new object of `kind`, size 0, one reference; NULL when out of memory. */
struct mobj *mobj_create(enum mobj_kind kind);

/* Take one more reference. */
void mobj_get(struct mobj *o);

/* Drop one reference; the last one frees every page and node. NULL is ignored. */
void mobj_put(struct mobj *o);

/*
 * The frame at page `pgoff` into *pa. A hole is -ENOENT with MOBJ_LOOKUP;
 * with MOBJ_ALLOC it gets a zeroed frame (-ENOMEM, or -ENOSPC past the shmem
 * budget). The size is not checked nor changed: the caller decides.
 */
int mobj_page(struct mobj *o, uint64_t pgoff, unsigned flags, paddr_t *pa);

/*
 * The frames of the n pages from `pgoff` into pa[0..n), 0 for a hole: what
 * mobj_page with MOBJ_LOOKUP gives page by page, in one descent of the tree
 * per leaf node (a fault-around's batch).
 */
void mobj_lookup_pages(struct mobj *o, uint64_t pgoff, size_t n, paddr_t *pa);

/*
 * Copy up to len bytes at byte `off` into buf (holes read as zeros, stops at
 * size); 0 for a secret object.
 */
size_t mobj_read(struct mobj *o, uint64_t off, void *buf, size_t len);

/*
 * Copy len bytes from buf to byte `off`, growing the size to off + len when
 * beyond it. Returns len, or -ENOMEM / -ENOSPC (nothing written, no page
 * added), -EFBIG past MOBJ_MAX_SIZE, -EPERM for a secret object. Seals
 * are the caller's to check.
 */
long mobj_write(struct mobj *o, uint64_t off, const void *buf, size_t len);

/*
 * Set the size. Shrinking zaps every mapping of the pages past the end,
 * frees them and zeroes the tail of a partial last page; growing is sparse.
 * 0 or -EFBIG. Seals are the caller's to check.
 */
int mobj_truncate(struct mobj *o, uint64_t size);

/*
 * Punch a hole at [off, off + len): mappings of the whole pages inside are
 * zapped and the pages freed; partial pages at the edges are zeroed there.
 * The size does not change.
 */
void mobj_punch(struct mobj *o, uint64_t off, uint64_t len);

/*
 * Give every hole of [off, off + len) a zeroed page (fallocate mode 0);
 * with MOBJ_ALLOC_GROW the size grows to off + len when smaller.
 * 0, or -ENOMEM / -ENOSPC with no page added, -EFBIG.
 */
#define MOBJ_ALLOC_KEEP_SIZE 0u
#define MOBJ_ALLOC_GROW (1u << 0)
int mobj_allocate(struct mobj *o, uint64_t off, uint64_t len, unsigned flags);

/*
 * hugetlb objects (a hugetlbfs file, memfd_create(MFD_HUGETLB)): their pages
 * are huge pages of one size taken from the hugetlb pool of that size. The
 * pools are empty (no huge page is ever set aside for hugetlb), so such an
 * object never holds a page. mobj_hugetlb_size: the pool page size that the
 * size log `log` (0: the default) names, 0 when there is no such pool.
 * mobj_set_hugetlb: make the empty object o a hugetlb object of huge page
 * size `huge` (a size mobj_hugetlb_size gives). mobj_hugetlb_allocate: take
 * a pool page for each huge page of [off, off + len) that has none
 * (hugetlbfs_fallocate), -ENOSPC when the pool has too few free, -EFBIG.
 * mobj_hugetlb_reserve: reserve pool pages for a mapping of `len` bytes from
 * byte `off` (hugetlb_reserve_pages), -ENOMEM when the pool cannot.
 */
uint64_t mobj_hugetlb_size(unsigned log);
void mobj_set_hugetlb(struct mobj *o, uint64_t huge);
int mobj_hugetlb_allocate(struct mobj *o, uint64_t off, uint64_t len);
int mobj_hugetlb_reserve(struct mobj *o, uint64_t off, uint64_t len);

/*
 * The first page offset >= pgoff holding a page (`want_data` true) or a hole
 * (false), for SEEK_DATA / SEEK_HOLE; UINT64_MAX when there is no such page
 * below `limit` pages.
 */
enum mobj_seek { MOBJ_SEEK_DATA, MOBJ_SEEK_HOLE };
uint64_t mobj_seek(const struct mobj *o, uint64_t pgoff, uint64_t limit, enum mobj_seek what);

/*
 * Register / unregister a mapping in the reverse map (m's fields set by the
 * caller). The first registration takes a reference to the owner, the last
 * unregistration drops it (which may free the owner, never the object: the
 * mapper holds its own reference to o).
 */
void mobj_map_add(struct mobj *o, struct mobj_map *m);
void mobj_map_del(struct mobj *o, struct mobj_map *m);

/* True when some registered mapping has `flags` (e.g. MOBJ_MAP_SHARED_WRITE). */
bool mobj_mapped_with(const struct mobj *o, unsigned flags);

/* Shmem budget: frames charged now, and the limit (0 sets the default, half of RAM). */
size_t mobj_shmem_charged(void);
void mobj_shmem_set_limit(size_t frames);
size_t mobj_shmem_limit(void);

#endif
