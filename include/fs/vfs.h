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
 */
#ifndef FS_VFS_H
#define FS_VFS_H

#include "lib/types.h"

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
#define VFS_MODE_TYPE(m) ((m) & VFS_S_IFMT)
#define VFS_IS_DIR(m) (VFS_MODE_TYPE(m) == VFS_S_IFDIR)
#define VFS_IS_REG(m) (VFS_MODE_TYPE(m) == VFS_S_IFREG)
#define VFS_IS_LNK(m) (VFS_MODE_TYPE(m) == VFS_S_IFLNK)

struct vfs_node;
struct procfs_buf;

/*
 * A generated regular file (/proc, /sys): no stored bytes; its content is
 * made from the kernel's state by fs/procfs.h generators. The read path
 * (fd layer) connects to it so:
 *  - text files: at open, call text(n, &buf) with a growing procfs_buf
 *    (procfs_buf_init), keep the bytes for the open file's reads and lseeks,
 *    procfs_buf_free at close (Linux's seq_file gives one snapshot per open
 *    file the same way); errors: -ENOMEM, -ESRCH (the process is gone);
 *  - random-access files (pagemap): read_at at each read(pos, len).
 * st_size is 0, as Linux reports for /proc files.
 */
struct vfs_gen {
	int (*text)(const struct vfs_node *n, struct procfs_buf *out);
	long (*read_at)(const struct vfs_node *n, uint64_t pos, void *buf, size_t len);
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
	/* generated regular files (data NULL, size 0) */
	const struct vfs_gen *gen;
	uintptr_t gen_arg;              /* the generator's argument (a pid, a knob) */
};

/* A new empty root directory with `mode`'s permission bits, or NULL (no memory). */
struct vfs_node *vfs_new_root(uint32_t mode);

/* Free `n` and everything below it (unlinking it from its parent first). */
void vfs_free(struct vfs_node *n);

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
 * Make regular file `n` a generated one: `gen` makes its content from `arg`
 * (see struct vfs_gen). -EINVAL when n is not a regular file or holds bytes.
 */
int vfs_set_gen(struct vfs_node *n, const struct vfs_gen *gen, uintptr_t arg);

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

/* Check the tree's invariants (parents, sibling lists, hash chains, counts). 0 or -EINVAL. */
int vfs_check(const struct vfs_node *root);

#endif
