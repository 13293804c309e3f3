/*
 * vfs: the in-memory file tree (the initramfs unpacks into it; it grows
 * into tmpfs). A node is a directory, a regular file, a symbolic link or a
 * special file (device, fifo, socket: mode and rdev only), with the mode,
 * owner and mtime of st_mode/st_uid/st_gid/st_mtime.
 *
 * A directory holds its children in creation order (for readdir) and in a
 * hash table of names that doubles as it fills, so lookups stay O(1) at any
 * size. A file's bytes are either borrowed (they stay where they are, e.g.
 * inside the initramfs module, which is never freed: no copy at boot) or
 * owned (kmalloc'd, freed with the node); a symbolic link's target is its
 * data. Names are owned copies, 1..VFS_NAME_MAX bytes, without '/' or NUL,
 * never "." or "..".
 *
 * Everything allocates from the kernel heap (mm/heap.h); every action is
 * all or nothing under -ENOMEM. No locking: one CPU, called from the boot
 * path and the harness.
 *
 * tmpfs (the files programs make): a regular file's bytes live in a shmem
 * memory object (mm/mobj.h), made on the first write or truncate. A file
 * unpacked from the initramfs keeps its bytes borrowed from the module until
 * then (no copy at boot): the first change copies them into its object
 * ("copy up") and the node no longer points into the module.
 *
 * Lifetime: a node in the tree is linked; vfs_unlink takes it out and marks
 * it unlinked. Open files and working directories hold references
 * (vfs_get/vfs_put); an unlinked node is freed when its last reference goes.
 * A directory that becomes empty gives its hash table back, so a program
 * that creates and removes files leaves the heap as it found it.
 */
#ifndef FS_VFS_H
#define FS_VFS_H

#include "lib/types.h"

struct mobj;

#define VFS_NAME_MAX 255
#define VFS_PATH_MAX 4096

/* st_mode type bits (Linux's values). */
#define VFS_S_IFMT 0170000
#define VFS_S_IFSOCK 0140000
#define VFS_S_IFLNK 0120000
#define VFS_S_IFREG 0100000
#define VFS_S_IFBLK 0060000
#define VFS_S_IFDIR 0040000
#define VFS_S_IFCHR 0020000
#define VFS_S_IFIFO 0010000
#define VFS_S_IXUSR 0100
#define VFS_S_ISVTX 01000
#define VFS_MODE_TYPE(m) ((m) & VFS_S_IFMT)
#define VFS_IS_DIR(m) (VFS_MODE_TYPE(m) == VFS_S_IFDIR)
#define VFS_IS_REG(m) (VFS_MODE_TYPE(m) == VFS_S_IFREG)
#define VFS_IS_LNK(m) (VFS_MODE_TYPE(m) == VFS_S_IFLNK)

struct vfs_node;
struct procfs_buf;

/*
 * A generated node (/proc, /sys): no stored bytes; its content is made from
 * the kernel's state by fs/procfs.h generators. The read path (fd layer)
 * connects to a generated regular file so:
 *  - text files: at open, call text(n, &buf) with a growing procfs_buf
 *    (procfs_buf_init), keep the bytes for the open file's reads and lseeks,
 *    procfs_buf_free at close (Linux's seq_file gives one snapshot per open
 *    file the same way); errors: -ENOMEM, -ESRCH (the process is gone);
 *  - random-access files (pagemap, mem): read_at at each read(pos, len);
 *  - writable ones (mem, clear_refs): write_at at each write(pos, len), the
 *    count or -errno (NULL: -EINVAL, as a file without a write op);
 *  - open, when set, may refuse the open first (mem: -EACCES).
 * A generated symbolic link (/proc/self, /proc/<pid>/exe) has link: its
 * target written into buf (size bytes), the length, or -errno (-ENOENT
 * when it names nothing now, -ENAMETOOLONG). A generated directory (/proc)
 * has refresh: its children brought up to date (one per process) before a
 * name is looked up in it and before it is listed; 0 or -ENOMEM.
 * st_size is 0, as Linux reports for /proc files and links.
 */
struct vfs_gen {
	int (*open)(const struct vfs_node *n); /* NULL, or 0 / -errno before an open (mem) */
	int (*text)(const struct vfs_node *n, struct procfs_buf *out);
	long (*read_at)(const struct vfs_node *n, uint64_t pos, void *buf, size_t len);
	long (*write_at)(const struct vfs_node *n, uint64_t pos, const void *buf, size_t len);
	int (*link)(const struct vfs_node *n, char *buf, size_t size);
	int (*refresh)(struct vfs_node *dir);
};

/* vfs_set_data flags. */
#define VFS_DATA_BORROWED 0u      /* the bytes stay the caller's; never freed here */
#define VFS_DATA_OWNED (1u << 0)  /* kmalloc'd bytes; the node frees them */

struct vfs_node {
	char *name;                     /* "" for a root */
	uint32_t mode;                  /* type | permission bits */
	uint32_t uid, gid;
	uint64_t mtime;                 /* seconds since the epoch */
	uint32_t rdev_major, rdev_minor; /* device nodes */
	struct vfs_node *parent;        /* NULL for a root */
	struct vfs_node *hnext;         /* next in the parent's hash bucket */
	struct vfs_node *prev, *next;   /* siblings, in creation order */
	/* directories */
	struct vfs_node **buckets;      /* nbuckets (a power of two) chains */
	size_t nbuckets, nchildren;
	struct vfs_node *first, *last;  /* children in creation order */
	/* regular files and symbolic links */
	const void *data;
	size_t size;
	unsigned data_flags;            /* VFS_DATA_* */
	struct mobj *obj;               /* tmpfs data (then data is NULL, size unused) */
	const void *orig;               /* VFS_NODE_UNPACKED: the borrowed bytes obj copied */
	size_t orig_size;
	/* tmpfs */
	uint64_t ino;
	uint32_t refs;                  /* open files, working directories, hard links */
	unsigned flags;                 /* VFS_NODE_* */
	/* hard links: a name whose file is another node (never a directory) */
	struct vfs_node *link_to;       /* the node holding the file (a reference), or NULL */
	uint32_t aliases;               /* names linked to this node beside its own */
	/* generated regular files (data NULL, size 0): opened through fs/file.c's gen ops */
	const struct vfs_gen *gen;
	uintptr_t gen_arg;              /* the generator's argument (a pid, a knob) */
};

#define VFS_NODE_UNLINKED (1u << 0) /* out of the tree: freed at its last reference */
#define VFS_NODE_LINKABLE (1u << 1) /* unnamed (O_TMPFILE) but linkat may name it */
#define VFS_NODE_UNPACKED (1u << 2) /* obj was copied up from borrowed bytes (orig) */

/*
 * The node holding the file a name stands for: itself, or for a hard link
 * the node it links to. Its type is the name's; every other attribute (mode
 * bits, owner, data, object, inode number) is read from the file's node.
 */
static inline struct vfs_node *vfs_file_of(struct vfs_node *n)
{
	return n->link_to ? n->link_to : n;
}

/* Names the file has in the tree (st_nlink of a non-directory). */
static inline uint32_t vfs_nlink(const struct vfs_node *f)
{
	return ((f->flags & VFS_NODE_UNLINKED) ? 0 : 1) + f->aliases;
}

/* A new empty root directory with `mode`'s permission bits, or NULL (no memory). */
struct vfs_node *vfs_new_root(uint32_t mode);

/*
 * A node outside any tree (a memfd, an O_TMPFILE file), already unlinked:
 * freed at its last vfs_put. The name is not checked. NULL: no memory.
 */
struct vfs_node *vfs_new_node(const char *name, size_t len, uint32_t mode);

/* Free `n` and everything below it (unlinking it from its parent first). */
void vfs_free(struct vfs_node *n);

/*
 * Take n and everything below it out of the tree (/proc/<pid> of a reaped
 * process): each node is freed now, or at its last reference when an open
 * file or working directory holds it. The parent's table shrinks as needed.
 */
void vfs_prune(struct vfs_node *n);

/* True when [name, name+len) is a valid name (see above). */
bool vfs_name_ok(const char *name, size_t len);

/* The child `name` (len bytes) of directory `dir`, or NULL. */
struct vfs_node *vfs_lookup(const struct vfs_node *dir, const char *name, size_t len);

/*
 * Create the child `name` (len bytes) of directory `dir` with `mode` (type
 * and permissions) and return it in *out. -EINVAL bad name or mode type,
 * -ENOTDIR dir is not a directory, -EEXIST the name is taken (*out is then
 * the existing node), -ENOMEM.
 */
int vfs_create(struct vfs_node *dir, const char *name, size_t len, uint32_t mode,
	       struct vfs_node **out);

/*
 * Give regular file or symlink `n` the bytes [data, data+size), borrowed or
 * owned per flags (replacing and, if owned, freeing what it had).
 * -EINVAL when n is not a regular file or symlink, or is generated.
 */
int vfs_set_data(struct vfs_node *n, const void *data, size_t size, unsigned flags);

/*
 * Make `n` a generated node: `gen` makes its content from `arg` (see struct
 * vfs_gen): a regular file, a symbolic link (gen->link) or a directory
 * (gen->refresh). -EINVAL when n is of another type, holds bytes, or gen
 * lacks the op its type needs.
 */
int vfs_set_gen(struct vfs_node *n, const struct vfs_gen *gen, uintptr_t arg);

/* Bring generated directory dir's children up to date (nothing for others); 0 or -errno. */
int vfs_refresh(struct vfs_node *dir);

/*
 * The target of symbolic link n into buf (size bytes, no NUL added): its
 * length, or -errno (a generated link's: -ENOENT, -ENAMETOOLONG; a stored
 * one longer than size is cut).
 */
long vfs_readlink(const struct vfs_node *n, char *buf, size_t size);

/*
 * Resolve the relative or absolute path `path` from `root` without
 * following symbolic links ("." components are skipped; ".." goes up, not
 * above root). NULL when a component is missing or not a directory.
 */
struct vfs_node *vfs_walk(struct vfs_node *root, const char *path);

/* Children of a directory in creation order: first, then next (NULL at the end). */
struct vfs_node *vfs_first_child(const struct vfs_node *dir);
struct vfs_node *vfs_next_sibling(const struct vfs_node *n);

/*
 * Write n's path from its root ("/a/b"; "/" for a root) into buf. Returns
 * 0, or -ENAMETOOLONG when it does not fit (buf then holds a truncation).
 */
int vfs_path(const struct vfs_node *n, char *buf, size_t size);

/* Take a reference to n (an open file, a working directory). */
void vfs_get(struct vfs_node *n);

/* Drop one; an unlinked node goes with its last reference. */
void vfs_put(struct vfs_node *n);

/*
 * Take n out of its directory (unlink, rmdir). A directory must be empty
 * (-ENOTEMPTY); -EBUSY for a root. n is freed now unless referenced.
 */
int vfs_unlink(struct vfs_node *n);

/*
 * Move n into directory `dir` under `name` (len bytes). `victim` (or NULL)
 * is the node that name has now: it is unlinked once nothing can fail.
 * -EINVAL bad name or a move into n's own subtree, -ENOTDIR, -EEXIST (the
 * name is taken by another node than victim), -ENOMEM (nothing changed).
 */
int vfs_rename(struct vfs_node *n, struct vfs_node *dir, const char *name, size_t len,
	       struct vfs_node *victim);

/*
 * Swap the places of two linked nodes (renameat2 RENAME_EXCHANGE): each
 * takes the other's directory and name. The caller keeps a directory out
 * of its own subtree. Cannot fail.
 */
void vfs_exchange(struct vfs_node *a, struct vfs_node *b);

/*
 * Give the file of non-directory `target` one more name in directory dir
 * (link(2)); the new name is *out. -EINVAL bad name, -EPERM a directory,
 * -ENOENT a file without a name that is not linkable, -EEXIST, -ENOTDIR,
 * -ENOMEM.
 */
int vfs_link(struct vfs_node *target, struct vfs_node *dir, const char *name, size_t len,
	     struct vfs_node **out);

/* True when `n` is `anc` or lies below it. */
bool vfs_is_below(const struct vfs_node *n, const struct vfs_node *anc);

/* The byte size of a regular file or symlink. */
uint64_t vfs_size(const struct vfs_node *n);

/* Copy up to len bytes at off into buf; the count (0 at or past the end). */
size_t vfs_read(struct vfs_node *n, uint64_t off, void *buf, size_t len);

/*
 * The memory object of regular file n, made (copying borrowed bytes up) when
 * it has none. 0 with *out set, -ENOMEM / -ENOSPC (n unchanged).
 */
int vfs_obj(struct vfs_node *n, struct mobj **out);

/*
 * The bytes of regular file n where they lie, with their count in *size:
 * its own bytes when it has no object, else the borrowed bytes it was
 * unpacked with while its object still holds exactly them; NULL when the
 * object differs (read it then). Costs a comparison of the whole object.
 */
const void *vfs_bytes(struct vfs_node *n, size_t *size);

/* Write len bytes at off (copy up first). len, or -ENOMEM / -ENOSPC / -EFBIG. */
long vfs_write(struct vfs_node *n, uint64_t off, const void *buf, size_t len);

/* Set a regular file's size (copy up first). 0, -ENOMEM / -ENOSPC / -EFBIG. */
int vfs_truncate(struct vfs_node *n, uint64_t size);

/* The inode number the next node gets (every node's is below it). */
uint64_t vfs_next_ino_peek(void);

/*
 * Remove from the tree under root every node whose inode number is at
 * least `first_new` (made after a snapshot), with whatever lies below it;
 * they must not be referenced. Returns how many subtrees went. A file left
 * whose object was copied up from borrowed bytes (an mmap or exec of an
 * initramfs file) and still holds exactly them, unmapped and held by
 * nothing else, gives its object back and reads its borrowed bytes again
 * (clean page cache dropped, as drop_caches does): the tree is as unpacked.
 */
size_t vfs_sweep(struct vfs_node *root, uint64_t first_new);

/* The clock new nodes take their mtime from (seconds since the epoch); NULL: 0. */
void vfs_set_clock(uint64_t (*now)(void));

/* Now by that clock. */
uint64_t vfs_now(void);

/* Check the tree's invariants (parents, sibling lists, hash chains, counts). 0 or -EINVAL. */
int vfs_check(const struct vfs_node *root);

#endif
