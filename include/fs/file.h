/*
 * file: open files and descriptor tables, the fd API the kernel sees files
 * through (DESIGN.md: kernel/ sees files only through fs's fd API).
 *
 * A struct file is one open file description: ops, an optional vfs node
 * (holding a reference to it), the open flags (F_GETFL) and the position.
 * It is refcounted: every descriptor pointing at it (dup, dup2, fcntl
 * F_DUPFD) holds one reference. Every byte moves through kernel buffers:
 * the syscall layer copies to and from user memory around the ops.
 *
 * Plugging in a new kind of file (a console, a pipe) is filling a struct
 * file_ops and calling file_new. Generated files in the tree (/proc, /sys:
 * node->gen, fs/vfs.h's struct vfs_gen) are opened by file_open_node with
 * the gen ops of file.c: a text file's bytes are made once at open (its
 * `open` op) and read and seeked (SEEK_SET, SEEK_CUR) from that snapshot;
 * a read_at file (pagemap) is asked at every read.
 *   read/write    move bytes at *pos (the file's position, or pread's own);
 *                 return the count or -errno. NULL: -EINVAL (as Linux for
 *                 a file without the op). Called only when the open mode
 *                 allows it (else the syscall layer says -EBADF).
 *   lseek         NULL: -ESPIPE. file_lseek_size is the usual one.
 *   stat          fill struct file_stat; NULL: a zeroed stat of the node.
 *   truncate      ftruncate; NULL: -EINVAL.
 *   allocate      fallocate; NULL: -EOPNOTSUPP (-ENODEV for non-regular).
 *   poll          the poll mask; NULL: readable and writable.
 *   open          called once by file_open_node once the file is made
 *                 (f->node set, f->priv NULL): render the text into
 *                 f->priv, say; -errno fails the open (release is then
 *                 called). NULL: nothing to do.
 *   release       free `priv` when the last reference goes.
 * A generated file (procfs) typically renders its text into priv at open
 * and serves read from it with file_lseek_size-like lseek.
 */
#ifndef FS_FILE_H
#define FS_FILE_H

#include "fs/vfs.h"
#include "lib/types.h"

/* Open flags (Linux x86-64 values). */
#define O_ACCMODE 00000003
#define O_RDONLY 00000000
#define O_WRONLY 00000001
#define O_RDWR 00000002
#define O_CREAT 00000100
#define O_EXCL 00000200
#define O_NOCTTY 00000400
#define O_TRUNC 00001000
#define O_APPEND 00002000
#define O_NONBLOCK 00004000
#define O_DSYNC 00010000
#define O_DIRECT 00040000
#define O_LARGEFILE 00100000
#define O_DIRECTORY 00200000
#define O_NOFOLLOW 00400000
#define O_NOATIME 01000000
#define O_CLOEXEC 02000000
#define O_SYNC 04010000
#define O_PATH 010000000
#define O_TMPFILE 020200000
#define O_TMPFILE_BIT 020000000
/* statx(2) mask and attribute bits (Linux values). */
#define STATX_BASIC_STATS 0x7ffu
#define STATX_BTIME 0x800u
#define STATX_MNT_ID 0x1000u
#define STATX_ATTR_IMMUTABLE 0x10
#define STATX_ATTR_APPEND 0x20
#define STATX_ATTR_NODUMP 0x40
#define STATX_ATTR_AUTOMOUNT 0x1000
#define STATX_ATTR_MOUNT_ROOT 0x2000
#define STATX_ATTR_DAX 0x200000

/* What F_SETFL may change. */
#define FILE_SETFL_MASK (O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME)

#define FILE_SEEK_SET 0
#define FILE_SEEK_CUR 1
#define FILE_SEEK_END 2
#define FILE_SEEK_DATA 3
#define FILE_SEEK_HOLE 4

/* Poll bits (Linux values). */
#define FILE_POLLIN 0x001
#define FILE_POLLOUT 0x004
#define FILE_POLLRDNORM 0x040
#define FILE_POLLWRNORM 0x100
#define FILE_POLL_DEFAULT (FILE_POLLIN | FILE_POLLOUT | FILE_POLLRDNORM | FILE_POLLWRNORM)

/* What stat, newfstatat and statx report (struct kstat's fields). */
struct file_stat {
	uint32_t mode, nlink, uid, gid;
	uint32_t dev_major, dev_minor, rdev_major, rdev_minor;
	uint64_t ino, size, blocks, mnt_id, attr_mask, attributes;
	uint32_t blksize, mask;   /* statx mask */
	int64_t time_ns;          /* atime = mtime = ctime (= btime when in mask) */
};

struct file;

struct file_ops {
	long (*read)(struct file *f, void *buf, size_t len, uint64_t *pos);
	long (*write)(struct file *f, const void *buf, size_t len, uint64_t *pos);
	int64_t (*lseek)(struct file *f, int64_t off, int whence);
	int (*stat)(struct file *f, struct file_stat *st);
	int (*truncate)(struct file *f, uint64_t size);
	int (*allocate)(struct file *f, int mode, uint64_t off, uint64_t len);
	unsigned (*poll)(struct file *f);
	int (*open)(struct file *f);
	void (*release)(struct file *f);
};

struct file {
	unsigned long refs;
	const struct file_ops *ops;
	struct vfs_node *node; /* NULL for files outside the tree (console) */
	unsigned flags;        /* O_* as F_GETFL reports them */
	uint64_t pos;
	void *priv;            /* the ops' own */
};

/* A file with one reference, taking a reference to node (may be NULL). NULL: -ENOMEM. */
struct file *file_new(const struct file_ops *ops, struct vfs_node *node, unsigned flags);
void file_get(struct file *f);
/* Drop one reference; the last one releases priv and the node. */
void file_put(struct file *f);

/* True when f was opened for reading / writing. */
bool file_readable(const struct file *f);
bool file_writable(const struct file *f);

/* lseek over a file of `size` bytes: SET, CUR, END (-EINVAL for a negative result). */
int64_t file_lseek_size(struct file *f, int64_t off, int whence, uint64_t size);

/*
 * Open vfs node n (already resolved) with open flags `oflags`: a directory
 * (only read-only: -EISDIR), a regular file (O_TRUNC truncates when
 * writable), a generated file (n->gen: read-only snapshot, no truncation),
 * /dev/null (1:3) and /dev/zero (1:5); other special files are -ENXIO. O_DIRECTORY on a non-directory is -ENOTDIR. 0 or -ENOMEM.
 */
int file_open_node(struct vfs_node *n, unsigned oflags, struct file **out);

/* The stat of a vfs node as tmpfs reports it. */
void file_stat_node(const struct vfs_node *n, struct file_stat *st);

/*
 * getdents64 of directory file f into buf (len bytes): linux_dirent64
 * records ("." and ".." first, then the children in creation order).
 * The bytes written, 0 at the end, -EINVAL when the first record does not
 * fit, -ENOTDIR when f is no directory.
 */
long file_getdents(struct file *f, void *buf, size_t len);

/* memfd_create flags. */
#define MFD_CLOEXEC 0x0001u
#define MFD_ALLOW_SEALING 0x0002u
#define MFD_HUGETLB 0x0004u
#define MFD_NOEXEC_SEAL 0x0008u
#define MFD_EXEC 0x0010u
#define MFD_HUGE_SHIFT 26 /* MFD_HUGETLB: the huge page size log in bits 26..31 */
#define MFD_HUGE_MASK 0x3fu

/*
 * A memfd: an unlinked tmpfs file named "memfd:<name>" (name without its
 * prefix, at most 249 bytes: the caller checks), opened O_RDWR. Seals as
 * Linux 6.12 with vm.memfd_noexec = 0. With MFD_HUGETLB a hugetlbfs file
 * instead, over a hugetlb object (mobj_set_hugetlb) of the huge page size
 * the MFD_HUGE_* bits name (0: the default): no write (EINVAL), sizes in
 * whole huge pages (EINVAL), fallocate from the empty pool (ENOSPC), mmap
 * ENOMEM (as_mmap_obj). -EINVAL bad flags (size bits without MFD_HUGETLB),
 * -ENODEV a huge page size with no pool, -ENOMEM.
 */
int file_memfd(const char *name, unsigned mfd_flags, struct file **out);

/*
 * memfd_secret(2)'s file (Linux 6.12's mm/secretmem.c): an unlinked
 * "secretmem" node, S_IFREG 0600, O_RDWR | O_LARGEFILE, over a secret
 * object (MOBJ_SECRET). read and write are EINVAL, pread, pwrite and lseek
 * ESPIPE, fallocate EOPNOTSUPP, seals EINVAL; ftruncate sets the size only
 * while it is 0 (else EINVAL); fstat shows no blocks; mmap only shared (see
 * as_mmap_obj). 0 or -ENOMEM.
 */
int file_memfd_secret(struct file **out);

/* True for a hugetlbfs file (memfd_create with MFD_HUGETLB). */
bool file_is_hugetlb(const struct file *f);

/* F_ADD_SEALS / F_GET_SEALS: -EINVAL on a file that takes no seals, -EPERM, -EBUSY. */
int file_add_seals(struct file *f, unsigned seals);
int file_get_seals(struct file *f);

/*
 * What mmap of f maps: a tmpfs file's or memfd's object into *out (no new
 * reference), or NULL for /dev/zero (anonymous memory). -ENODEV for files
 * that cannot be mapped, -ENOMEM.
 */
struct mobj;
int file_mmap_obj(struct file *f, struct mobj **out);

/* ---- descriptor tables ---- */

#define FD_CLOEXEC 1

struct fdtable {
	struct file **files;
	uint8_t *fdflags; /* FD_CLOEXEC */
	unsigned size;    /* slots */
	unsigned refs;    /* tasks sharing it (CLONE_FILES) */
};

/* An empty table (one reference); NULL when out of memory. */
struct fdtable *fdt_create(void);

/*
 * Drop one reference to the table; the last closes every descriptor and
 * frees it (NULL is ignored).
 */
void fdt_destroy(struct fdtable *t);

/* CLONE_FILES: one more task shares t (fdt_destroy drops it). Returns t. */
struct fdtable *fdt_share(struct fdtable *t);

/* True when more than one task shares t. */
bool fdt_shared(const struct fdtable *t);

/* fork: a copy of t, every descriptor (and its FD_CLOEXEC) holding one more reference. NULL: no memory. */
struct fdtable *fdt_clone(const struct fdtable *t);

/*
 * Install f (the caller's reference moves into the table) at the lowest free
 * descriptor >= minfd below `limit` (RLIMIT_NOFILE). The descriptor, or
 * -EMFILE (none free), -ENOMEM; on error the caller keeps its reference.
 */
int fdt_install(struct fdtable *t, unsigned minfd, struct file *f, unsigned fdflags,
		unsigned limit);

/*
 * Install f at exactly `fd` (< limit: -EBADF otherwise), closing what was
 * there (dup2/dup3). The caller's reference moves in. fd or -ENOMEM/-EBADF.
 */
int fdt_install_at(struct fdtable *t, unsigned fd, struct file *f, unsigned fdflags,
		   unsigned limit);

/* The file at fd (no reference taken), or NULL. */
struct file *fdt_get(const struct fdtable *t, int fd);

/* Close fd: 0 or -EBADF. */
int fdt_close(struct fdtable *t, int fd);

/* FD_* flags of fd (-EBADF), and setting them. */
int fdt_get_fdflags(const struct fdtable *t, int fd);
int fdt_set_fdflags(struct fdtable *t, int fd, unsigned fdflags);

/* The lowest free descriptor >= minfd below limit (nothing taken), or -EMFILE. */
int fdt_free_fd(const struct fdtable *t, unsigned minfd, unsigned limit);

/* Number of descriptors open. */
unsigned fdt_count(const struct fdtable *t);

#endif
