/*
 * fstat, newfstatat and statx of the three descriptors a program has, as
 * Linux reports them when the runner starts the program on the host: fd 0
 * is /dev/null (a character device 1:3 on devtmpfs), fds 1 and 2 are pipes
 * (pipefs). Inode and device numbers are this kernel's own; programs that
 * compare with the host must not print them. Paths name no file yet (the
 * file tree comes with the initramfs): a path is ENOENT.
 */
#include "kernel/proc.h"
#include "kernel/usercopy.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "sys.h"

#define S_IFIFO 0010000
#define S_IFCHR 0020000
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_NO_AUTOMOUNT 0x800
#define AT_EMPTY_PATH 0x1000
#define AT_STATX_SYNC_TYPE 0x6000
#define STATX_BASIC_STATS 0x7ffu
#define STATX_BTIME 0x800u
#define STATX_MNT_ID 0x1000u
#define STATX__RESERVED 0x80000000u
#define STATX_ATTR_IMMUTABLE 0x10
#define STATX_ATTR_APPEND 0x20
#define STATX_ATTR_NODUMP 0x40
#define STATX_ATTR_AUTOMOUNT 0x1000
#define STATX_ATTR_MOUNT_ROOT 0x2000
#define STATX_ATTR_DAX 0x200000
#define SYS_VFS_ATTRS (STATX_ATTR_AUTOMOUNT | STATX_ATTR_MOUNT_ROOT | STATX_ATTR_DAX)
#define SYS_SHMEM_ATTRS (STATX_ATTR_IMMUTABLE | STATX_ATTR_APPEND | STATX_ATTR_NODUMP)

/* What we know of an open descriptor's file (struct kstat's fields). */
struct sys_kstat {
	uint32_t mode, nlink, uid, gid;
	uint32_t dev_major, dev_minor, rdev_major, rdev_minor;
	uint64_t ino, size, blocks, mnt_id, attr_mask;
	uint32_t blksize, mask;
	int64_t time_ns; /* atime = mtime = ctime (= btime when in mask) */
};

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

/*
 * The file behind fd 0..2 into *st: /dev/null created at boot, or a pipe
 * created when the program started. -EBADF for any other fd.
 */
static long sys_fd_kstat(struct proc *p, int32_t fd, struct sys_kstat *st)
{
	int64_t boot_real = (int64_t)(user_clock_real_ns() - user_clock_mono_ns());

	if (fd < 0 || fd > 2)
		return -EBADF;
	memset(st, 0, sizeof(*st));
	st->nlink = 1;
	st->blksize = PAGE_SIZE;
	if (fd == 0) {
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
	st->ino = (uint64_t)fd + 1;
	st->mnt_id = 16;
	st->mask = STATX_BASIC_STATS | STATX_MNT_ID;
	st->attr_mask = SYS_VFS_ATTRS;
	st->time_ns = boot_real + (int64_t)p->start_ns;
	return 0;
}

/* new_encode_dev */
static uint64_t sys_encode_dev(uint32_t major, uint32_t minor)
{
	return (minor & 0xff) | (major << 8) | ((uint64_t)(minor & ~0xffu) << 12);
}

/* cp_new_stat: *st to the user's struct stat. */
static long sys_put_stat(const struct sys_kstat *st, uint64_t buf)
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
	struct sys_kstat st;
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
 * empty) and the path is ENOENT: there is no file tree yet, and that includes the
 * working directory.
 */
static long sys_at_target(struct proc *p, int32_t dirfd, uint64_t upath, uint32_t flags,
			  bool fd_flags_checked, struct sys_kstat *st)
{
	static char path[SYS_PATH_BUF];
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
	n = sys_get_path(dirfd, upath, path);
	return n ? n : -ENOENT;
}

/* newfstatat(2): flags AT_SYMLINK_NOFOLLOW, AT_NO_AUTOMOUNT, AT_EMPTY_PATH. */
long sys_newfstatat(struct proc *p, struct uregs *r)
{
	struct sys_kstat st;
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
	struct sys_kstat st;
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
