/*
 * Descriptors: the table of a program, the console behind fds 0..2 and the
 * calls that act on an open file: read, write, pread64, pwrite64, readv,
 * writev (on pipes and sockets: sys_pipe.c), lseek, close, dup, dup2, dup3, fcntl, ftruncate,
 * fallocate, fsync, fdatasync, getdents64, memfd_create.
 *
 * The console (fds 0..2 at start, as the runners set them up): fd 0 is
 * /dev/null opened read-only (reads end of file, a write is EBADF, as in
 * the Linux oracle and as before files existed; the host runner's
 * /dev/null is read-write: programs must not write to fd 0), fds 1 and 2
 * are the write ends of pipes: proc_output frames their bytes on COM2.
 * Bytes move between user memory and the files' ops through a one-page
 * kernel buffer; writes to the console keep the pipe's rule (a page that
 * faults part-way is dropped whole) in syscall.c's output path.
 */
#include "fs/file.h"
#include "fs/pipe.h"
#include "kernel/proc.h"
#include "kernel/usercopy.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "sys.h"

#define SYS_CHUNK_FD 4096
#define SYS_MAX_RW_FILE MiB(64)    /* most bytes one call moves to or from a file */
#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_DUPFD_CLOEXEC 1030
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#define S_IFIFO 0010000
#define S_IFCHR 0020000
#define SYS_VFS_ATTRS (STATX_ATTR_AUTOMOUNT | STATX_ATTR_MOUNT_ROOT | STATX_ATTR_DAX)
#define SYS_SHMEM_ATTRS (STATX_ATTR_IMMUTABLE | STATX_ATTR_APPEND | STATX_ATTR_NODUMP)
#define MFD_NAME_MAX 249

static uint8_t sys_fd_buf[SYS_CHUNK_FD];

/* ---- the console ---- */

/* Which console stream a file is: 0, 1, 2, or -1 for any other file. */
static int sys_console_stream(const struct file *f);

static long sys_console_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	return 0; /* /dev/null: end of file */
}

static long sys_console_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	int stream = sys_console_stream(f);

	if (stream > 0)
		proc_output(proc_current(), stream, buf, len);
	return (long)len;
}

/* fd 0 (/dev/null) seeks to 0; the pipes cannot seek. */
static int64_t sys_console_lseek(struct file *f, int64_t off, int whence)
{
	return 0;
}

/*
 * The stat of fd 0..2 as the host shows it: /dev/null (char 1:3 on
 * devtmpfs, created at boot), or a pipe created when the program started.
 */
static int sys_console_stat(struct file *f, struct file_stat *st)
{
	int64_t boot_real = (int64_t)(user_clock_real_ns() - user_clock_mono_ns());
	int stream = sys_console_stream(f);

	memset(st, 0, sizeof(*st));
	st->nlink = 1;
	st->blksize = PAGE_SIZE;
	if (stream == 0) {
		st->mode = S_IFCHR | 0666;
		st->dev_minor = 6;          /* devtmpfs */
		st->rdev_major = 1;         /* mem: null */
		st->rdev_minor = 3;
		st->ino = 4;
		st->mnt_id = 24;
		st->mask = STATX_BASIC_STATS | STATX_BTIME | STATX_MNT_ID;
		st->attr_mask = SYS_VFS_ATTRS | SYS_SHMEM_ATTRS;
		st->time_ns = boot_real;
		return 0;
	}
	st->mode = S_IFIFO | 0600;
	st->dev_minor = 15;                 /* pipefs */
	st->ino = (uint64_t)stream + 1;
	st->mnt_id = 16;
	st->mask = STATX_BASIC_STATS | STATX_MNT_ID;
	st->attr_mask = SYS_VFS_ATTRS;
	st->time_ns = boot_real + (int64_t)proc_current()->start_ns;
	return 0;
}

/* /dev/null is always ready; a pipe someone reads has room to write. */
static unsigned sys_console_poll(struct file *f)
{
	return sys_console_stream(f) == 0 ? FILE_POLL_DEFAULT : FILE_POLLOUT | FILE_POLLWRNORM;
}

static const struct file_ops sys_console_in_ops = {
	.read = sys_console_read, .write = sys_console_write, .lseek = sys_console_lseek,
	.stat = sys_console_stat, .poll = sys_console_poll,
};

static const struct file_ops sys_console_out_ops = {
	.write = sys_console_write, .stat = sys_console_stat, .poll = sys_console_poll,
};

static int sys_console_stream(const struct file *f)
{
	if (f->ops != &sys_console_in_ops && f->ops != &sys_console_out_ops)
		return -1;
	return (int)(uintptr_t)f->priv;
}

int sys_fd_console(struct proc *p, int fd)
{
	struct file *f = fdt_get(p->fdt, fd);

	return f ? sys_console_stream(f) : -1;
}

int proc_files_init(struct proc *p)
{
	p->umask = 022;
	p->fdt = fdt_create();
	if (!p->fdt)
		return -ENOMEM;
	for (int i = 0; i < 3; i++) {
		struct file *f = file_new(i ? &sys_console_out_ops : &sys_console_in_ops, NULL,
					  i ? O_WRONLY : O_RDONLY | O_LARGEFILE);

		if (!f || fdt_install(p->fdt, (unsigned)i, f, 0, PROC_NOFILE_CUR) != i) {
			if (f)
				file_put(f);
			proc_files_exit(p);
			return -ENOMEM;
		}
		f->priv = (void *)(uintptr_t)i;
	}
	return 0;
}

void proc_files_exit(struct proc *p)
{
	fdt_destroy(p->fdt);
	p->fdt = NULL;
	if (p->cwd)
		vfs_put(p->cwd);
	p->cwd = NULL;
}

/* ---- helpers ---- */

uint32_t sys_nofile(const struct proc *p)
{
	uint64_t cur = p->rlim[PROC_RLIM_NOFILE].cur;

	return cur > PROC_NOFILE_MAX * 256ULL ? PROC_NOFILE_MAX * 256U : (uint32_t)cur;
}

struct file *sys_file_raw(struct proc *p, int64_t fd)
{
	return fdt_get(p->fdt, (int32_t)fd);
}

struct file *sys_file(struct proc *p, int64_t fd)
{
	struct file *f = sys_file_raw(p, fd);

	return f && !(f->flags & O_PATH) ? f : NULL;
}

long sys_install(struct proc *p, struct file *f, unsigned oflags)
{
	int fd = fdt_install(p->fdt, 0, f, (oflags & O_CLOEXEC) ? FD_CLOEXEC : 0, sys_nofile(p));

	if (fd < 0)
		file_put(f);
	return fd;
}

/* ---- read and write ---- */

/*
 * Read up to len bytes of f at *pos into user memory at ubuf, a page at a
 * time; *pos moves only by what reached the user. The count, or -errno
 * when nothing was read.
 */
static long sys_read_at(struct file *f, uint64_t ubuf, uint64_t len, uint64_t *pos)
{
	long done = 0;

	len = MIN(len, SYS_MAX_RW_FILE);
	while ((uint64_t)done < len) {
		uint64_t at = *pos;
		size_t want = MIN(len - (uint64_t)done, SYS_CHUNK_FD);
		long n = f->ops->read(f, sys_fd_buf, want, &at);

		if (n <= 0)
			return done ? done : n;
		if (copy_to_user(ubuf + (uint64_t)done, sys_fd_buf, (size_t)n))
			return done ? done : -EFAULT;
		*pos = at;
		done += n;
		if ((size_t)n < want)
			break;
	}
	return done;
}

/* Write len bytes of user memory at ubuf to f at *pos, a page at a time. */
static long sys_write_at(struct file *f, uint64_t ubuf, uint64_t len, uint64_t *pos)
{
	long done = 0;

	len = MIN(len, SYS_MAX_RW_FILE);
	if (!len)
		return f->ops->write(f, sys_fd_buf, 0, pos);
	while ((uint64_t)done < len) {
		size_t chunk = MIN(len - (uint64_t)done, SYS_CHUNK_FD);
		long n;

		if (copy_from_user(sys_fd_buf, ubuf + (uint64_t)done, chunk))
			return done ? done : -EFAULT;
		n = f->ops->write(f, sys_fd_buf, chunk, pos);
		if (n <= 0)
			return done ? done : n;
		done += n;
		if ((size_t)n < chunk)
			break;
	}
	return done;
}

/*
 * The checks read(2) (write: write(2)) makes before moving a byte: EBADF
 * for a file not open that way, EINVAL when it has no such op or the length
 * is negative, EFAULT for a buffer outside the user half. 0 or -errno.
 */
static long sys_rw_ok(struct file *f, bool write, uint64_t ubuf, uint64_t len)
{
	if (!f || !(write ? file_writable(f) : file_readable(f)))
		return -EBADF;
	if (write ? !f->ops->write : !f->ops->read)
		return -EINVAL;
	if ((int64_t)len < 0)
		return -EINVAL;
	if (!user_range_ok(ubuf, len))
		return -EFAULT;
	return 0;
}

#define sys_read_ok(f, ubuf, len) sys_rw_ok(f, false, ubuf, len)
#define sys_write_ok(f, ubuf, len) sys_rw_ok(f, true, ubuf, len)

long sys_read(struct proc *p, int64_t fd, uint64_t ubuf, uint64_t len)
{
	struct file *f = sys_file(p, fd);
	long err = sys_read_ok(f, ubuf, len);

	struct sys_iov iov = { ubuf, len };

	if (err)
		return err;
	if (sys_pipe_is_stream(f))
		return sys_pipe_rw(p, f, false, &iov, 1);
	return sys_read_at(f, ubuf, len, &f->pos);
}

long sys_file_write(struct proc *p, struct file *f, uint64_t ubuf, uint64_t len)
{
	long err = sys_write_ok(f, ubuf, len);

	struct sys_iov iov = { ubuf, len };

	if (err)
		return err;
	if (sys_pipe_is_stream(f))
		return sys_pipe_rw(p, f, true, &iov, 1);
	return sys_write_at(f, ubuf, len, &f->pos);
}

/*
 * pread64 / pwrite64 in Linux's order: EINVAL for a negative offset, EBADF,
 * ESPIPE for a file without a position (the console's pipes), then the
 * checks of read and write.
 */
static long sys_pio(struct proc *p, bool write, int64_t fd, uint64_t ubuf, uint64_t len,
		    int64_t off)
{
	struct file *f = sys_file(p, fd);
	uint64_t pos = (uint64_t)off;
	long err;

	if (off < 0)
		return -EINVAL;
	if (!f)
		return -EBADF;
	if (!f->ops->lseek || sys_console_stream(f) > 0)
		return -ESPIPE;
	err = sys_rw_ok(f, write, ubuf, len);
	if (err)
		return err;
	/* pwrite on an O_APPEND file appends: the file's write op moves pos to the end */
	return write ? sys_write_at(f, ubuf, len, &pos) : sys_read_at(f, ubuf, len, &pos);
}

/* readv / writev on a file (not the console's output: syscall.c has that). */
long sys_file_rwv(struct proc *p, bool write, int64_t fd, uint64_t uiov, uint64_t cnt)
{
	static struct sys_iov iov[SYS_UIO_MAXIOV];
	struct file *f = sys_file(p, fd);
	long done = 0, err = sys_rw_ok(f, write, 0, 0);

	if (err)
		return err;
	err = sys_iov_get(uiov, cnt, iov);
	if (err || cnt == 0)
		return err;
	if (sys_pipe_is_stream(f))
		return sys_pipe_rw(p, f, write, iov, cnt);
	for (uint64_t i = 0; i < cnt; i++) {
		long n;

		if (!iov[i].len)
			continue;
		n = write ? sys_write_at(f, iov[i].base, iov[i].len, &f->pos) :
			    sys_read_at(f, iov[i].base, iov[i].len, &f->pos);
		if (n < 0)
			return done ? done : n;
		done += n;
		if ((uint64_t)n < iov[i].len)
			break;
	}
	return done;
}

static long sys_lseek(struct proc *p, int64_t fd, int64_t off, uint64_t whence)
{
	struct file *f = sys_file(p, fd);

	if (!f)
		return -EBADF;
	if ((uint32_t)whence > FILE_SEEK_HOLE)
		return -EINVAL;
	if (!f->ops->lseek || sys_console_stream(f) > 0)
		return -ESPIPE;
	return f->ops->lseek(f, off, (int)whence);
}

/* ---- the table ---- */

static long sys_dup3(struct proc *p, int64_t oldfd, int64_t newfd, uint64_t flags, bool dup2)
{
	struct file *f = sys_file_raw(p, oldfd);
	int fd;

	if (!dup2 && (flags & ~(uint64_t)O_CLOEXEC))
		return -EINVAL;
	if (!dup2 && (int32_t)oldfd == (int32_t)newfd)
		return -EINVAL;
	if ((uint32_t)newfd >= sys_nofile(p))
		return -EBADF;
	if (!f)
		return -EBADF;
	if ((int32_t)oldfd == (int32_t)newfd)
		return (int32_t)newfd;
	file_get(f);
	fd = fdt_install_at(p->fdt, (uint32_t)newfd, f, (flags & O_CLOEXEC) ? FD_CLOEXEC : 0,
			    sys_nofile(p));
	if (fd < 0)
		file_put(f);
	return fd;
}

static long sys_dupfd(struct proc *p, struct file *f, uint64_t minfd, unsigned fdflags)
{
	int fd;

	if ((uint32_t)minfd >= sys_nofile(p))
		return -EINVAL;
	file_get(f);
	fd = fdt_install(p->fdt, (uint32_t)minfd, f, fdflags, sys_nofile(p));
	if (fd < 0)
		file_put(f);
	return fd;
}

/* The fcntl commands an O_PATH descriptor takes (check_fcntl_cmd); EBADF for the rest. */
static bool sys_fcntl_path_ok(uint32_t cmd)
{
	return cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC || cmd == F_GETFD || cmd == F_SETFD ||
	       cmd == F_GETFL;
}

static long sys_fcntl(struct proc *p, int64_t fd, uint64_t cmd, uint64_t arg)
{
	struct file *f = sys_file_raw(p, fd);

	if (!f || ((f->flags & O_PATH) && !sys_fcntl_path_ok((uint32_t)cmd)))
		return -EBADF;
	switch ((uint32_t)cmd) {
	case F_DUPFD: return sys_dupfd(p, f, arg, 0);
	case F_DUPFD_CLOEXEC: return sys_dupfd(p, f, arg, FD_CLOEXEC);
	case F_GETFD: return fdt_get_fdflags(p->fdt, (int32_t)fd);
	case F_SETFD: return fdt_set_fdflags(p->fdt, (int32_t)fd, (unsigned)arg);
	case F_GETFL: return f->flags;
	case F_SETFL:
		f->flags = (f->flags & ~(unsigned)FILE_SETFL_MASK) |
			   ((unsigned)arg & FILE_SETFL_MASK);
		return 0;
	case F_SETPIPE_SZ: case F_GETPIPE_SZ: return sys_pipe_fcntl(p, f, (uint32_t)cmd, arg);
	case F_ADD_SEALS: return file_add_seals(f, (uint32_t)arg);
	case F_GET_SEALS: return file_get_seals(f);
	default:
		return -EINVAL;
	}
}

/* ---- size, space, sync ---- */

long sys_ftruncate(struct proc *p, int64_t fd, int64_t len)
{
	struct file *f = sys_file(p, fd);

	if (len < 0)
		return -EINVAL;
	if (!f)
		return -EBADF;
	if (!f->node || !VFS_IS_REG(f->node->mode) || !file_writable(f) || !f->ops->truncate)
		return -EINVAL;
	return f->ops->truncate(f, (uint64_t)len);
}

/* vfs_fallocate's order of checks, then the file's own. */
static long sys_fallocate(struct proc *p, int64_t fd, int64_t mode, int64_t off, int64_t len)
{
	struct file *f = sys_file(p, fd);
	int32_t m = (int32_t)mode;

	if (off < 0 || len <= 0)
		return -EINVAL;
	if (m & ~0x7f)
		return -EOPNOTSUPP;
	if ((m & 0x02) && !(m & 0x01))
		return -EOPNOTSUPP;
	if (!f)
		return -EBADF;
	if (!file_writable(f))
		return -EBADF;
	if (!f->node)
		return sys_console_stream(f) > 0 ? -ESPIPE : -ENODEV;
	if (VFS_IS_DIR(f->node->mode))
		return -EISDIR;
	if (!VFS_IS_REG(f->node->mode))
		return -ENODEV;
	if (off > INT64_MAX - len)
		return -EFBIG;
	if (!f->ops->allocate)
		return -EOPNOTSUPP;
	return f->ops->allocate(f, m, (uint64_t)off, (uint64_t)len);
}

/* fsync / fdatasync: tmpfs has nothing to write back; files without the op are EINVAL. */
static long sys_fsync(struct proc *p, int64_t fd)
{
	struct file *f = sys_file(p, fd);

	if (!f)
		return -EBADF;
	if (!f->node || (!VFS_IS_REG(f->node->mode) && !VFS_IS_DIR(f->node->mode)))
		return -EINVAL;
	return 0;
}

static long sys_getdents64(struct proc *p, int64_t fd, uint64_t ubuf, uint64_t count)
{
	struct file *f = sys_file(p, fd);
	long n;

	if (!f)
		return -EBADF;
	if (!f->node || !VFS_IS_DIR(f->node->mode))
		return -ENOTDIR;
	if (!user_range_ok(ubuf, (uint32_t)count))
		return -EFAULT;
	n = file_getdents(f, sys_fd_buf, MIN((uint32_t)count, SYS_CHUNK_FD));
	if (n > 0 && copy_to_user(ubuf, sys_fd_buf, (size_t)n))
		return -EFAULT;
	return n;
}

/*
 * memfd_create(2), Linux 6.12 with vm.memfd_noexec = 0: bad flags EINVAL
 * (huge page size bits only with MFD_HUGETLB), the name (EFAULT, EINVAL),
 * then file_memfd's errnos (ENODEV: no pool of that huge page size).
 */
static long sys_memfd_create(struct proc *p, uint64_t uname, uint64_t flags)
{
	static char name[MFD_NAME_MAX + 2];
	unsigned fl = (unsigned)flags;
	struct file *f;
	long n;
	int err;

	if (fl & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL | MFD_EXEC | MFD_HUGETLB |
		   (MFD_HUGE_MASK << MFD_HUGE_SHIFT)))
		return -EINVAL;
	if (!(fl & MFD_HUGETLB) && (fl & (MFD_HUGE_MASK << MFD_HUGE_SHIFT)))
		return -EINVAL;
	if ((fl & MFD_EXEC) && (fl & MFD_NOEXEC_SEAL))
		return -EINVAL;
	n = strncpy_from_user(name, uname, MFD_NAME_MAX + 1);
	if (n < 0)
		return -EFAULT;
	if (n > MFD_NAME_MAX)
		return -EINVAL;
	name[n] = '\0';
	err = file_memfd(name, fl, &f);
	if (err)
		return err;
	return sys_install(p, f, (fl & MFD_CLOEXEC) ? O_CLOEXEC : 0);
}

/* memfd_secret(2): flags O_CLOEXEC or 0 (EINVAL otherwise); the fd, or -EMFILE, -ENOMEM. */
static long sys_memfd_secret(struct proc *p, uint64_t flags)
{
	struct file *f;
	int err;

	if ((uint32_t)flags & ~(uint32_t)O_CLOEXEC)
		return -EINVAL;
	err = file_memfd_secret(&f);
	if (err)
		return err;
	return sys_install(p, f, (uint32_t)flags & O_CLOEXEC);
}

long sys_fd_call(struct proc *p, uint64_t nr, struct uregs *r)
{
	switch (nr) {
	case SYS_pread64: return sys_pio(p, false, r->rdi, r->rsi, r->rdx, (int64_t)r->r10);
	case SYS_pwrite64: return sys_pio(p, true, r->rdi, r->rsi, r->rdx, (int64_t)r->r10);
	case SYS_readv: return sys_file_rwv(p, false, r->rdi, r->rsi, r->rdx);
	case SYS_lseek: return sys_lseek(p, r->rdi, (int64_t)r->rsi, r->rdx);
	case SYS_close: return fdt_close(p->fdt, (int32_t)r->rdi);
	case SYS_dup: {
		struct file *f = sys_file_raw(p, r->rdi);

		return f ? sys_dupfd(p, f, 0, 0) : -EBADF;
	}
	case SYS_dup2: return sys_dup3(p, r->rdi, r->rsi, 0, true);
	case SYS_dup3: return sys_dup3(p, r->rdi, r->rsi, r->rdx, false);
	case SYS_fcntl: return sys_fcntl(p, r->rdi, r->rsi, r->rdx);
	case SYS_ftruncate: return sys_ftruncate(p, r->rdi, (int64_t)r->rsi);
	case SYS_fallocate:
		return sys_fallocate(p, r->rdi, (int64_t)r->rsi, (int64_t)r->rdx, (int64_t)r->r10);
	case SYS_fsync: case SYS_fdatasync: return sys_fsync(p, r->rdi);
	case SYS_sync: return 0;
	case SYS_getdents64: return sys_getdents64(p, r->rdi, r->rsi, r->rdx);
	case SYS_memfd_create: return sys_memfd_create(p, r->rdi, r->rsi);
	case SYS_memfd_secret: return sys_memfd_secret(p, r->rdi);
	default:
		return SYS_NOT_MINE;
	}
}
