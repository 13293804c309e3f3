/*
 * Open files over the tmpfs tree: regular files (shmem objects), directories,
 * /dev/null and /dev/zero, memfds and seals. See include/fs/file.h.
 */
#include "fs/file.h"
#include "fs/procfs.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/mobj.h"

#define FILE_TMPFS_DEV_MINOR 0x20     /* the tmpfs root's anonymous device 0:32 */
#define FILE_TMPFS_MNT_ID 30
#define FILE_BOGO_DIRENT 20           /* tmpfs counts 20 bytes of size per entry */
#define FILE_MEM_MAJOR 1
#define FILE_NULL_MINOR 3
#define FILE_ZERO_MINOR 5
#define FILE_MAX_OFF 0x7fffffffffffffffLL
#define FILE_FALLOC_KEEP_SIZE 0x01
#define FILE_FALLOC_PUNCH_HOLE 0x02

struct file *file_new(const struct file_ops *ops, struct vfs_node *node, unsigned flags)
{
	struct file *f = kzalloc(sizeof(*f));

	if (!f)
		return NULL;
	f->refs = 1;
	f->ops = ops;
	f->node = node;
	f->flags = flags;
	if (node)
		vfs_get(node);
	return f;
}

void file_get(struct file *f)
{
	f->refs++;
}

void file_put(struct file *f)
{
	if (--f->refs)
		return;
	if (f->ops->release)
		f->ops->release(f);
	if (f->node)
		vfs_put(f->node);
	kfree(f);
}

bool file_readable(const struct file *f)
{
	return (f->flags & O_ACCMODE) != O_WRONLY && !(f->flags & O_PATH);
}

bool file_writable(const struct file *f)
{
	return (f->flags & O_ACCMODE) != O_RDONLY && !(f->flags & O_PATH);
}

int64_t file_lseek_size(struct file *f, int64_t off, int whence, uint64_t size)
{
	int64_t base;

	switch (whence) {
	case FILE_SEEK_SET: base = 0; break;
	case FILE_SEEK_CUR: base = (int64_t)f->pos; break;
	case FILE_SEEK_END: base = (int64_t)size; break;
	default: return -EINVAL;
	}
	if ((off > 0 && base > FILE_MAX_OFF - off) || base + off < 0)
		return -EINVAL;
	f->pos = (uint64_t)(base + off);
	return (int64_t)f->pos;
}

/* Child directories of dir (for its link count). */
static uint32_t file_subdirs(const struct vfs_node *dir)
{
	uint32_t n = 0;

	for (const struct vfs_node *c = vfs_first_child(dir); c; c = vfs_next_sibling(c))
		n += VFS_IS_DIR(c->mode);
	return n;
}

void file_stat_node(const struct vfs_node *name, struct file_stat *st)
{
	const struct vfs_node *n = vfs_file_of((struct vfs_node *)name);
	bool linked = !(n->flags & VFS_NODE_UNLINKED);

	memset(st, 0, sizeof(*st));
	st->mode = n->mode;
	st->uid = n->uid;
	st->gid = n->gid;
	st->dev_minor = FILE_TMPFS_DEV_MINOR;
	st->rdev_major = n->rdev_major;
	st->rdev_minor = n->rdev_minor;
	st->ino = n->ino;
	st->blksize = PAGE_SIZE;
	st->mnt_id = FILE_TMPFS_MNT_ID;
	st->mask = STATX_BASIC_STATS | STATX_BTIME | STATX_MNT_ID;
	st->attr_mask = STATX_ATTR_IMMUTABLE | STATX_ATTR_APPEND | STATX_ATTR_NODUMP |
			STATX_ATTR_AUTOMOUNT | STATX_ATTR_MOUNT_ROOT | STATX_ATTR_DAX;
	st->time_ns = (int64_t)n->mtime * 1000000000LL;
	if (VFS_IS_DIR(n->mode)) {
		st->nlink = linked ? 2 + file_subdirs(n) : 0;
		st->size = (n->nchildren + 2) * FILE_BOGO_DIRENT;
		return;
	}
	st->nlink = vfs_nlink(n);
	if (VFS_IS_REG(n->mode) || VFS_IS_LNK(n->mode)) {
		st->size = vfs_size(n);
		if (n->obj)
			st->blocks = n->obj->pages * (PAGE_SIZE / 512);
		else if (VFS_IS_REG(n->mode))
			st->blocks = (n->size + PAGE_SIZE - 1) / PAGE_SIZE * (PAGE_SIZE / 512);
	}
}

/* stat op shared by every node-backed file. */
static int file_node_stat(struct file *f, struct file_stat *st)
{
	file_stat_node(f->node, st);
	return 0;
}

/* ---- regular files ---- */

/* The seals in force on a regular file (an object-less tmpfs file has F_SEAL_SEAL). */
static unsigned file_seals(const struct vfs_node *n)
{
	return n->obj ? n->obj->seals : MOBJ_SEAL_SEAL;
}

static long file_reg_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	size_t n;

	if (*pos > (uint64_t)FILE_MAX_OFF)
		return 0;
	n = vfs_read(f->node, *pos, buf, len);
	*pos += n;
	return (long)n;
}

/*
 * How many of len bytes at pos a file sealed against growth takes: whole
 * page-sized pieces that stay inside the size, as shmem_write_begin checks
 * piece by piece. -EPERM when not even the first one does.
 */
static long file_grow_sealed(uint64_t size, uint64_t pos, size_t len)
{
	size_t done = 0;

	while (done < len) {
		size_t n = MIN(len - done, PAGE_SIZE - (pos + done) % PAGE_SIZE);

		if (pos + done + n > size)
			break;
		done += n;
	}
	return done ? (long)done : -EPERM;
}

static long file_reg_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	unsigned seals = file_seals(f->node);
	long n;

	if (!len)
		return 0;
	if (f->flags & O_APPEND)
		*pos = vfs_size(f->node);
	if (seals & (MOBJ_SEAL_WRITE | MOBJ_SEAL_FUTURE_WRITE))
		return -EPERM;
	if (*pos >= (uint64_t)FILE_MAX_OFF)
		return -EFBIG;
	len = (size_t)MIN((uint64_t)len, (uint64_t)FILE_MAX_OFF - *pos);
	if (seals & MOBJ_SEAL_GROW) {
		n = file_grow_sealed(vfs_size(f->node), *pos, len);
		if (n < 0)
			return n;
		len = (size_t)n;
	}
	n = vfs_write(f->node, *pos, buf, len);
	if (n > 0) {
		*pos += (uint64_t)n;
		f->node->mtime = vfs_now();
	}
	return n;
}

/* SEEK_DATA / SEEK_HOLE over a tmpfs file (pages present are data). */
static int64_t file_reg_seek_data(struct file *f, int64_t off, int whence)
{
	struct vfs_node *n = f->node;
	uint64_t size = vfs_size(n), pg, lim = (size + PAGE_SIZE - 1) / PAGE_SIZE;

	if (off < 0 || (uint64_t)off >= size)
		return -ENXIO;
	if (!n->obj) /* borrowed bytes: all data */
		pg = whence == FILE_SEEK_DATA ? (uint64_t)off / PAGE_SIZE : UINT64_MAX;
	else
		pg = mobj_seek(n->obj, (uint64_t)off / PAGE_SIZE, lim,
			       whence == FILE_SEEK_DATA ? MOBJ_SEEK_DATA : MOBJ_SEEK_HOLE);
	if (pg == UINT64_MAX)
		return whence == FILE_SEEK_DATA ? -ENXIO : (int64_t)size;
	f->pos = MAX((uint64_t)off, pg * PAGE_SIZE);
	f->pos = MIN(f->pos, size);
	return (int64_t)f->pos;
}

static int64_t file_reg_lseek(struct file *f, int64_t off, int whence)
{
	if (whence == FILE_SEEK_DATA || whence == FILE_SEEK_HOLE)
		return file_reg_seek_data(f, off, whence);
	return file_lseek_size(f, off, whence, vfs_size(f->node));
}

static int file_reg_truncate(struct file *f, uint64_t size)
{
	uint64_t cur = vfs_size(f->node);
	unsigned seals = file_seals(f->node);
	int err;

	if ((size < cur && (seals & MOBJ_SEAL_SHRINK)) || (size > cur && (seals & MOBJ_SEAL_GROW)))
		return -EPERM;
	if (size == cur && !f->node->obj)
		return 0;
	err = vfs_truncate(f->node, size);
	if (!err)
		f->node->mtime = vfs_now();
	return err;
}

static int file_reg_allocate(struct file *f, int mode, uint64_t off, uint64_t len)
{
	unsigned seals = file_seals(f->node);
	struct mobj *o;
	int err;

	if (mode & ~(FILE_FALLOC_KEEP_SIZE | FILE_FALLOC_PUNCH_HOLE))
		return -EOPNOTSUPP;
	if ((mode & FILE_FALLOC_PUNCH_HOLE) && !(mode & FILE_FALLOC_KEEP_SIZE))
		return -EOPNOTSUPP;
	if ((mode & FILE_FALLOC_PUNCH_HOLE) && (seals & (MOBJ_SEAL_WRITE | MOBJ_SEAL_FUTURE_WRITE)))
		return -EPERM;
	if (!(mode & FILE_FALLOC_PUNCH_HOLE) && (seals & MOBJ_SEAL_GROW) &&
	    off + len > vfs_size(f->node))
		return -EPERM;
	err = vfs_obj(f->node, &o);
	if (err)
		return err;
	if (mode & FILE_FALLOC_PUNCH_HOLE) {
		mobj_punch(o, off, len);
		return 0;
	}
	return mobj_allocate(o, off, len, (mode & FILE_FALLOC_KEEP_SIZE) ? MOBJ_ALLOC_KEEP_SIZE :
			     MOBJ_ALLOC_GROW);
}

static const struct file_ops file_reg_ops = {
	.read = file_reg_read,
	.write = file_reg_write,
	.lseek = file_reg_lseek,
	.stat = file_node_stat,
	.truncate = file_reg_truncate,
	.allocate = file_reg_allocate,
};

/* ---- hugetlbfs files (memfd_create with MFD_HUGETLB) over hugetlb objects ---- */

/* hugetlbfs has no write_iter: write and pwrite are EINVAL. */
static long file_huge_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	return -EINVAL;
}

/* generic_file_llseek: SEEK_DATA is off and SEEK_HOLE the size (-ENXIO at or past the end). */
static int64_t file_huge_lseek(struct file *f, int64_t off, int whence)
{
	uint64_t size = vfs_size(f->node);

	if (whence != FILE_SEEK_DATA && whence != FILE_SEEK_HOLE)
		return file_lseek_size(f, off, whence, size);
	if (off < 0 || (uint64_t)off >= size)
		return -ENXIO;
	f->pos = whence == FILE_SEEK_DATA ? (uint64_t)off : size;
	return (int64_t)f->pos;
}

/* hugetlbfs_getattr: the block size is the huge page size. */
static int file_huge_stat(struct file *f, struct file_stat *st)
{
	file_stat_node(f->node, st);
	st->blksize = f->node->obj->huge_size;
	return 0;
}

/* hugetlbfs_setattr: the size is a multiple of the huge page size (else -EINVAL), then seals. */
static int file_huge_truncate(struct file *f, uint64_t size)
{
	if (size % f->node->obj->huge_size)
		return -EINVAL;
	return file_reg_truncate(f, size);
}

/*
 * hugetlbfs_fallocate: modes other than KEEP_SIZE and PUNCH_HOLE are
 * -EOPNOTSUPP; a punch frees the whole huge pages inside (-EPERM under a
 * write seal, even when there is none); mode 0 takes pool pages (-EPERM past the
 * size under F_SEAL_GROW, -ENOSPC when the pool has too few).
 */
static int file_huge_allocate(struct file *f, int mode, uint64_t off, uint64_t len)
{
	struct mobj *o = f->node->obj;
	uint64_t huge = o->huge_size, lo, hi;

	if (mode & ~(FILE_FALLOC_KEEP_SIZE | FILE_FALLOC_PUNCH_HOLE))
		return -EOPNOTSUPP;
	if (mode & FILE_FALLOC_PUNCH_HOLE) {
		if (o->seals & (MOBJ_SEAL_WRITE | MOBJ_SEAL_FUTURE_WRITE))
			return -EPERM;
		lo = ALIGN_UP(off, huge);
		hi = ALIGN_DOWN(off + len, huge);
		if (hi > lo)
			mobj_punch(o, lo, hi - lo);
		return 0;
	}
	if ((o->seals & MOBJ_SEAL_GROW) && off + len > vfs_size(f->node))
		return -EPERM;
	return mobj_hugetlb_allocate(o, off, len);
}

static const struct file_ops file_huge_ops = {
	.read = file_reg_read,
	.write = file_huge_write,
	.lseek = file_huge_lseek,
	.stat = file_huge_stat,
	.truncate = file_huge_truncate,
	.allocate = file_huge_allocate,
};

bool file_is_hugetlb(const struct file *f)
{
	return f->ops == &file_huge_ops;
}

/* ---- directories ---- */

static long file_dir_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	return -EISDIR;
}

/* dcache_dir_lseek: SEEK_SET and SEEK_CUR to a position >= 0. */
static int64_t file_dir_lseek(struct file *f, int64_t off, int whence)
{
	if (whence != FILE_SEEK_SET && whence != FILE_SEEK_CUR)
		return -EINVAL;
	return file_lseek_size(f, off, whence, 0);
}

static const struct file_ops file_dir_ops = {
	.read = file_dir_read,
	.write = NULL,
	.lseek = file_dir_lseek,
	.stat = file_node_stat,
};

/* linux_dirent64's d_type of a mode. */
static uint8_t file_dtype(uint32_t mode)
{
	return (uint8_t)(VFS_MODE_TYPE(mode) >> 12);
}

/* Append one linux_dirent64 to buf; false when it does not fit. */
static bool file_dirent(uint8_t *buf, size_t len, size_t *used, uint64_t ino, uint64_t next,
			uint8_t type, const char *name, size_t nlen)
{
	size_t rec = ALIGN_UP(19 + nlen + 1, 8);
	uint8_t *d = buf + *used;
	uint16_t reclen = (uint16_t)rec;

	if (*used + rec > len)
		return false;
	memset(d, 0, rec);
	memcpy(d, &ino, 8);
	memcpy(d + 8, &next, 8);
	memcpy(d + 16, &reclen, 2);
	d[18] = type;
	memcpy(d + 19, name, nlen);
	*used += rec;
	return true;
}

long file_getdents(struct file *f, void *buf, size_t len)
{
	struct vfs_node *dir = f->node, *c;
	size_t used = 0;
	uint64_t i;

	if (!dir || !VFS_IS_DIR(dir->mode))
		return -ENOTDIR;
	if (f->pos == 0)
		vfs_refresh(dir); /* /proc: one entry per process as the listing starts */
	for (;;) {
		const struct vfs_node *up = dir->parent ? dir->parent : dir;
		bool ok;

		if (f->pos == 0) {
			ok = file_dirent(buf, len, &used, dir->ino, 1, 4, ".", 1);
		} else if (f->pos == 1) {
			ok = file_dirent(buf, len, &used, up->ino, 2, 4, "..", 2);
		} else {
			for (i = 2, c = vfs_first_child(dir); c && i < f->pos; i++)
				c = vfs_next_sibling(c);
			if (!c)
				break;
			ok = file_dirent(buf, len, &used, vfs_file_of(c)->ino, f->pos + 1,
					 file_dtype(c->mode),
					 c->name, strlen(c->name));
		}
		if (!ok)
			return used ? (long)used : -EINVAL;
		f->pos++;
	}
	return (long)used;
}

/* ---- /dev/null and /dev/zero ---- */

static long file_null_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	return 0;
}

static long file_zero_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	memset(buf, 0, len);
	return (long)len;
}

static long file_sink_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	return (long)len;
}

/* null_lseek / zero_lseek: the position stays 0. */
static int64_t file_dev_lseek(struct file *f, int64_t off, int whence)
{
	f->pos = 0;
	return 0;
}

static const struct file_ops file_null_ops = {
	.read = file_null_read, .write = file_sink_write, .lseek = file_dev_lseek,
	.stat = file_node_stat,
};

static const struct file_ops file_zero_ops = {
	.read = file_zero_read, .write = file_sink_write, .lseek = file_dev_lseek,
	.stat = file_node_stat,
};

static const struct file_ops file_secret_ops; /* memfd_secret's, below */

/*
 * What mmap of f maps (Linux's f_op->mmap): a tmpfs regular file or memfd
 * maps its object (*out, no new reference; made on first use); /dev/zero
 * maps anonymous memory (*out NULL: Linux's mmap_zero, a new shmem object
 * when shared). -ENODEV for the files without mmap (directories,
 * /dev/null, generated /proc files, the console), -ENOMEM.
 */
int file_mmap_obj(struct file *f, struct mobj **out)
{
	*out = NULL;
	if (f->ops == &file_zero_ops)
		return 0;
	if ((f->ops != &file_reg_ops && f->ops != &file_secret_ops && f->ops != &file_huge_ops) ||
	    !f->node)
		return -ENODEV;
	return vfs_obj(f->node, out);
}

/* ---- generated files (/proc, /sys: struct vfs_gen) ---- */

/* Make the text of f's node into b (emptied first). 0 or the generator's -errno. */
static int file_gen_text(struct file *f, struct procfs_buf *b)
{
	int err;

	procfs_buf_free(b);
	procfs_buf_init(b);
	err = f->node->gen->text(f->node, b);
	return err ? err : b->err;
}

/*
 * A text file's snapshot, made by the first read and made anew by every read
 * from position 0, as Linux's seq_file renders in seq_read_iter: what a
 * file opened earlier shows is the state of its first read, and a rewound
 * /proc/self/maps shows the mappings of now.
 */
struct file_gen_snap {
	struct procfs_buf text;
	bool made; /* text holds a snapshot */
};

static int file_gen_open(struct file *f)
{
	const struct vfs_gen *gen = f->node->gen;
	struct file_gen_snap *s;
	int err = gen->open ? gen->open(f->node) : 0;

	if (err || !gen->text)
		return err;
	s = kmalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	procfs_buf_init(&s->text);
	s->made = false;
	f->priv = s;
	return 0;
}

static long file_gen_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	struct file_gen_snap *s = f->priv;
	struct procfs_buf *b = s ? &s->text : NULL;
	long n;
	int err;

	if (!b) { /* random access (pagemap, mem) */
		if (!f->node->gen->read_at)
			return -EINVAL;
		n = f->node->gen->read_at(f->node, *pos, buf, len);
		if (n > 0)
			*pos += (uint64_t)n;
		return n;
	}
	err = *pos == 0 || !s->made ? file_gen_text(f, b) : 0;
	if (err)
		return err;
	s->made = true;
	if (*pos >= b->len)
		return 0;
	n = (long)MIN(len, b->len - (size_t)*pos);
	memcpy(buf, b->data + *pos, (size_t)n);
	*pos += (uint64_t)n;
	return n;
}

/* A writable generated file (mem, clear_refs): write_at at the position. */
static long file_gen_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	long n = f->node->gen->write_at(f->node, *pos, buf, len);

	if (n > 0)
		*pos += (uint64_t)n;
	return n;
}

/* seq_lseek / mem_lseek: SEEK_SET and SEEK_CUR only. */
static int64_t file_gen_lseek(struct file *f, int64_t off, int whence)
{
	if (whence != FILE_SEEK_SET && whence != FILE_SEEK_CUR)
		return -EINVAL;
	return file_lseek_size(f, off, whence, 0);
}

static void file_gen_release(struct file *f)
{
	struct file_gen_snap *s = f->priv;

	if (s) {
		procfs_buf_free(&s->text);
		kfree(s);
	}
}

static const struct file_ops file_gen_ops = {
	.read = file_gen_read, .lseek = file_gen_lseek, .stat = file_node_stat,
	.open = file_gen_open, .release = file_gen_release,
};

/* A generated file that takes writes (gen->write_at: mem, clear_refs). */
static const struct file_ops file_gen_rw_ops = {
	.read = file_gen_read, .write = file_gen_write, .lseek = file_gen_lseek,
	.stat = file_node_stat, .open = file_gen_open, .release = file_gen_release,
};

/* The ops for node n, or NULL (-ENXIO: no driver). */
static const struct file_ops *file_node_ops(const struct vfs_node *n)
{
	if (n->gen && VFS_IS_REG(n->mode))
		return n->gen->write_at ? &file_gen_rw_ops : &file_gen_ops;
	switch (VFS_MODE_TYPE(n->mode)) {
	case VFS_S_IFREG: return &file_reg_ops;
	case VFS_S_IFDIR: return &file_dir_ops;
	case VFS_S_IFCHR:
		if (n->rdev_major == FILE_MEM_MAJOR && n->rdev_minor == FILE_NULL_MINOR)
			return &file_null_ops;
		if (n->rdev_major == FILE_MEM_MAJOR && n->rdev_minor == FILE_ZERO_MINOR)
			return &file_zero_ops;
		return NULL;
	default:
		return NULL;
	}
}

int file_open_node(struct vfs_node *name, unsigned oflags, struct file **out)
{
	struct vfs_node *n = vfs_file_of(name);
	const struct file_ops *ops = file_node_ops(n);
	unsigned fl = (oflags & ~(unsigned)(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC |
					    O_TMPFILE_BIT)) | O_LARGEFILE;
	struct file *f;
	int err;

	if ((oflags & O_DIRECTORY) && !VFS_IS_DIR(n->mode))
		return -ENOTDIR;
	if (VFS_IS_DIR(n->mode) && (oflags & O_ACCMODE) != O_RDONLY)
		return -EISDIR;
	if (!ops)
		return -ENXIO;
	if ((oflags & O_TRUNC) && VFS_IS_REG(n->mode) && !n->gen &&
	    (oflags & O_ACCMODE) != O_RDONLY && vfs_size(n)) {
		if (file_seals(n) & (MOBJ_SEAL_SHRINK | MOBJ_SEAL_WRITE | MOBJ_SEAL_FUTURE_WRITE))
			return -EPERM;
		err = vfs_truncate(n, 0);
		if (err)
			return err;
	}
	f = file_new(ops, n, fl & ~(unsigned)O_DIRECTORY & ~(unsigned)O_NOFOLLOW);
	if (!f)
		return -ENOMEM;
	err = ops->open ? ops->open(f) : 0;
	if (err) {
		file_put(f);
		return err;
	}
	*out = f;
	return 0;
}

/* ---- memfd and seals ---- */

int file_memfd(const char *name, unsigned mfd_flags, struct file **out)
{
	char full[VFS_NAME_MAX + 1];
	int len = ksnprintf(full, sizeof(full), "memfd:%s", name);
	uint32_t mode = VFS_S_IFREG | ((mfd_flags & MFD_NOEXEC_SEAL) ? 0666 : 0777);
	unsigned huge_log = (mfd_flags >> MFD_HUGE_SHIFT) & MFD_HUGE_MASK;
	uint64_t huge = 0;
	struct vfs_node *n;
	struct mobj *o;
	int err;

	if (mfd_flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL | MFD_EXEC |
			  MFD_HUGETLB | (MFD_HUGE_MASK << MFD_HUGE_SHIFT)))
		return -EINVAL;
	if (!(mfd_flags & MFD_HUGETLB) && huge_log)
		return -EINVAL;
	if ((mfd_flags & MFD_HUGETLB) && !(huge = mobj_hugetlb_size(huge_log)))
		return -ENODEV;
	n = vfs_new_node(full, (size_t)MIN(len, VFS_NAME_MAX), mode);
	if (!n)
		return -ENOMEM;
	err = vfs_obj(n, &o);
	if (!err && !(*out = file_new(huge ? &file_huge_ops : &file_reg_ops, n,
				      O_RDWR | O_LARGEFILE)))
		err = -ENOMEM;
	if (err) {
		vfs_free(n);
		return err;
	}
	if (huge)
		mobj_set_hugetlb(o, huge);
	if (mfd_flags & MFD_NOEXEC_SEAL)
		o->seals = MOBJ_SEAL_EXEC;
	else if (mfd_flags & MFD_ALLOW_SEALING)
		o->seals = 0;
	return 0;
}

/* secretmem_setattr: the size may be set once, while it is 0. */
static int file_secret_truncate(struct file *f, uint64_t size)
{
	if (vfs_size(f->node))
		return -EINVAL;
	return vfs_truncate(f->node, size);
}

/* A secretmem inode's stat: an anonymous inode (one link); its pages are not in i_blocks. */
static int file_secret_stat(struct file *f, struct file_stat *st)
{
	file_stat_node(f->node, st);
	st->nlink = 1;
	st->blocks = 0;
	return 0;
}

/* secretmem_fops: no read, write, llseek nor fallocate (the syscalls' errnos do the rest). */
static const struct file_ops file_secret_ops = {
	.stat = file_secret_stat,
	.truncate = file_secret_truncate,
};

int file_memfd_secret(struct file **out)
{
	static const char name[] = "secretmem";
	struct vfs_node *n = vfs_new_node(name, sizeof(name) - 1, VFS_S_IFREG | 0600);
	struct mobj *o;
	int err;

	if (!n)
		return -ENOMEM;
	err = vfs_obj(n, &o);
	if (!err && !(*out = file_new(&file_secret_ops, n, O_RDWR | O_LARGEFILE)))
		err = -ENOMEM;
	if (err) {
		vfs_free(n);
		return err;
	}
	o->flags |= MOBJ_SECRET;
	return 0;
}

/* True for a file that has seals (a tmpfs regular file or memfd). */
static bool file_sealable(const struct file *f)
{
	return f->node && VFS_IS_REG(f->node->mode) &&
	       (f->ops == &file_reg_ops || f->ops == &file_huge_ops);
}

/* memfd_add_seals: its order of checks. Only memfds (which have objects) lack F_SEAL_SEAL. */
int file_add_seals(struct file *f, unsigned seals)
{
	struct mobj *o;

	if (!file_writable(f))
		return -EPERM;
	if (seals & ~(unsigned)MOBJ_SEALS_ALL)
		return -EINVAL;
	if (!file_sealable(f))
		return -EINVAL;
	if (file_seals(f->node) & MOBJ_SEAL_SEAL)
		return -EPERM;
	o = f->node->obj;
	if ((seals & MOBJ_SEAL_WRITE) && !(o->seals & MOBJ_SEAL_WRITE) &&
	    mobj_mapped_with(o, MOBJ_MAP_SHARED_WRITE))
		return -EBUSY;
	if ((seals & MOBJ_SEAL_EXEC) && (f->node->mode & 0111))
		seals |= MOBJ_SEAL_SHRINK | MOBJ_SEAL_GROW | MOBJ_SEAL_WRITE |
			 MOBJ_SEAL_FUTURE_WRITE;
	o->seals |= seals;
	return 0;
}

int file_get_seals(struct file *f)
{
	if (!file_sealable(f))
		return -EINVAL;
	return (int)file_seals(f->node);
}
