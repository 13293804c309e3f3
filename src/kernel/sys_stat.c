/*
 * fstat, stat, lstat, newfstatat and statx: of an open file through its
 * ops' stat (the console's fds 0..2 answer as Linux does when the runner
 * starts the program on the host: fd 0 is /dev/null on devtmpfs, fds 1 and 2
 * are pipes), of a path through the tmpfs tree. Inode and device numbers
 * are this kernel's own; programs that compare with the host must not
 * print them.
 */
#include "fs/file.h"
#include "fs/namei.h"
#include "kernel/proc.h"
#include "kernel/usercopy.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "sys.h"

#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_NO_AUTOMOUNT 0x800
#define AT_EMPTY_PATH 0x1000
#define AT_STATX_SYNC_TYPE 0x6000
#define STATX__RESERVED 0x80000000u

/* struct stat on x86-64 (144 bytes). */
struct sys_stat {
	uint64_t dev, ino, nlink;
	uint32_t mode, uid, gid, pad0;
	uint64_t rdev;
	int64_t size, blksize, blocks;
	int64_t atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
	int64_t unused[3];
};
_Static_assert(sizeof(struct sys_stat) == 144, "struct stat is 144 bytes");

/* struct statx (256 bytes). */
struct sys_statx_ts {
	int64_t sec;
	uint32_t nsec;
	int32_t pad;
};

struct sys_statx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, pad1;
	uint64_t ino, size, blocks, attributes_mask;
	struct sys_statx_ts atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t mnt_id;
	uint64_t spare[13];
};
_Static_assert(sizeof(struct sys_statx) == 256, "struct statx is 256 bytes");

/* The stat of open file fd into *st: -EBADF when not open. */
static long sys_fd_kstat(struct proc *p, int32_t fd, struct file_stat *st)
{
	struct file *f = sys_file_raw(p, fd);

	if (!f)
		return -EBADF;
	if (f->ops->stat)
		return f->ops->stat(f, st);
	if (f->node)
		file_stat_node(f->node, st);
	else
		memset(st, 0, sizeof(*st));
	return 0;
}

/* new_encode_dev */
static uint64_t sys_encode_dev(uint32_t major, uint32_t minor)
{
	return (minor & 0xff) | (major << 8) | ((uint64_t)(minor & ~0xffu) << 12);
}

/* cp_new_stat: *st to the user's struct stat. */
static long sys_put_stat(const struct file_stat *st, uint64_t buf)
{
	struct sys_stat s;

	memset(&s, 0, sizeof(s));
	s.dev = sys_encode_dev(st->dev_major, st->dev_minor);
	s.ino = st->ino;
	s.nlink = st->nlink;
	s.mode = st->mode;
	s.uid = st->uid;
	s.gid = st->gid;
	s.rdev = sys_encode_dev(st->rdev_major, st->rdev_minor);
	s.size = (int64_t)st->size;
	s.blksize = st->blksize;
	s.blocks = (int64_t)st->blocks;
	s.atime = s.mtime = s.ctime = st->time_ns / SYS_NSEC_PER_SEC;
	s.atime_ns = s.mtime_ns = s.ctime_ns = st->time_ns % SYS_NSEC_PER_SEC;
	return copy_to_user(buf, &s, sizeof(s));
}

long sys_fstat(struct proc *p, uint64_t fd, uint64_t buf)
{
	struct file_stat st;
	long err = sys_fd_kstat(p, (int32_t)fd, &st);

	return err ? err : sys_put_stat(&st, buf);
}

/* The flags vfs_statx accepts. */
static bool sys_at_flags_ok(uint32_t flags)
{
	return !(flags & ~(uint32_t)(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH |
				     AT_STATX_SYNC_TYPE));
}

/*
 * The target of an *at call, as getname_maybe_null picks it: with
 * AT_EMPTY_PATH, a NULL or empty path and dirfd >= 0 is fd `dirfd` itself
 * (flags then go unchecked unless `fd_flags_checked`). Otherwise flags are
 * checked (EINVAL), the path is read (EFAULT, ENAMETOOLONG, ENOENT when
 * empty) and resolved in the tree (links followed unless
 * AT_SYMLINK_NOFOLLOW).
 */
static long sys_at_target(struct proc *p, int32_t dirfd, uint64_t upath, uint32_t flags,
			  bool fd_flags_checked, struct file_stat *st)
{
	static char path[SYS_PATH_BUF];
	struct namei nd;
	char c = 0;
	long n;

	if ((flags & AT_EMPTY_PATH) && upath && copy_from_user(&c, upath, 1))
		return -EFAULT;
	if ((flags & AT_EMPTY_PATH) && !c && dirfd >= 0) {
		if (fd_flags_checked && !sys_at_flags_ok(flags))
			return -EINVAL;
		return sys_fd_kstat(p, dirfd, st);
	}
	if (!sys_at_flags_ok(flags))
		return -EINVAL;
	if ((flags & AT_EMPTY_PATH) && !c)
		return -ENOENT;
	n = sys_lookup(p, dirfd, upath, (flags & AT_SYMLINK_NOFOLLOW) ? NAMEI_NOFOLLOW :
		       NAMEI_FOLLOW, path, &nd);
	if (n)
		return n;
	if (!nd.node)
		return -ENOENT;
	file_stat_node(nd.node, st);
	return 0;
}

/* stat(2) and lstat(2). */
long sys_stat_path(struct proc *p, uint64_t upath, uint64_t buf, bool follow)
{
	struct file_stat st;
	long err = sys_at_target(p, AT_FDCWD, upath, follow ? 0 : AT_SYMLINK_NOFOLLOW, false, &st);

	return err ? err : sys_put_stat(&st, buf);
}

/* newfstatat(2): flags AT_SYMLINK_NOFOLLOW, AT_NO_AUTOMOUNT, AT_EMPTY_PATH. */
long sys_newfstatat(struct proc *p, struct uregs *r)
{
	struct file_stat st;
	long err = sys_at_target(p, (int32_t)r->rdi, r->rsi, (uint32_t)r->r10, false, &st);

	return err ? err : sys_put_stat(&st, r->rdx);
}

static void sys_statx_time(int64_t ns, struct sys_statx_ts *t)
{
	t->sec = ns / SYS_NSEC_PER_SEC;
	t->nsec = (uint32_t)(ns % SYS_NSEC_PER_SEC);
}

/* statx(2): EINVAL for STATX__RESERVED in mask or both sync types at once. */
long sys_statx(struct proc *p, struct uregs *r)
{
	struct file_stat st;
	struct sys_statx sx;
	uint32_t flags = (uint32_t)r->rdx, mask = (uint32_t)r->r10;
	long err;

	if ((mask & STATX__RESERVED) || (flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
		return -EINVAL;
	err = sys_at_target(p, (int32_t)r->rdi, r->rsi, flags, true, &st);
	if (err)
		return err;
	memset(&sx, 0, sizeof(sx));
	sx.mask = st.mask;
	sx.blksize = st.blksize;
	sx.nlink = st.nlink;
	sx.uid = st.uid;
	sx.gid = st.gid;
	sx.mode = (uint16_t)st.mode;
	sx.ino = st.ino;
	sx.size = st.size;
	sx.blocks = st.blocks;
	sx.attributes_mask = st.attr_mask;
	sx.attributes = st.attributes;
	sys_statx_time(st.time_ns, &sx.atime);
	sys_statx_time(st.time_ns, &sx.ctime);
	sys_statx_time(st.time_ns, &sx.mtime);
	if (st.mask & STATX_BTIME)
		sys_statx_time(st.time_ns, &sx.btime);
	sx.rdev_major = st.rdev_major;
	sx.rdev_minor = st.rdev_minor;
	sx.dev_major = st.dev_major;
	sx.dev_minor = st.dev_minor;
	sx.mnt_id = st.mnt_id;
	return copy_to_user(r->r8, &sx, sizeof(sx));
}
