/*
 * Calls that take paths: open, openat, creat, mkdir, mkdirat, link, linkat, unlink,
 * unlinkat, rmdir, rename, renameat, renameat2, symlink, symlinkat,
 * readlink, readlinkat, truncate, chdir, fchdir, getcwd, access, faccessat,
 * faccessat2, chmod, fchmod, fchmodat, umask. Paths resolve in the tmpfs
 * tree from the root or the working directory (fs/namei.h); the program runs
 * as root, so permission bits never refuse it (except execute for access).
 * Results and errnos are Linux's.
 */
#include "fs/file.h"
#include "fs/namei.h"
#include "kernel/proc.h"
#include "kernel/rootfs.h"
#include "kernel/usercopy.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/mobj.h"
#include "proc_internal.h"
#include "sys.h"

#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_SYMLINK_FOLLOW 0x400
#define AT_REMOVEDIR 0x200
#define AT_EACCESS 0x200
#define AT_EMPTY_PATH 0x1000
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define RENAME_WHITEOUT 4
#define SYS_X_OK 1

static char sys_path_a[SYS_PATH_BUF], sys_path_b[SYS_PATH_BUF];

/* The working directory (the root until chdir). */
static struct vfs_node *sys_cwd(struct proc *p)
{
	return p->cwd ? p->cwd : rootfs_root();
}

/*
 * The node dirfd names: the working directory for AT_FDCWD, else the open
 * file's node (NULL for a file outside the tree). 0 or -EBADF (not open).
 */
static long sys_dirfd_node(struct proc *p, int32_t dirfd, struct vfs_node **n)
{
	struct file *f;

	if (dirfd == AT_FDCWD) {
		*n = sys_cwd(p);
		return 0;
	}
	f = sys_file_raw(p, dirfd);
	if (!f)
		return -EBADF;
	*n = f->node;
	return 0;
}

/*
 * The directory a relative path starts from: the working directory for
 * AT_FDCWD, else dirfd's directory (-EBADF not open, -ENOTDIR not a dir).
 */
long sys_start_dir(struct proc *p, int32_t dirfd, struct vfs_node **dir)
{
	long err = sys_dirfd_node(p, dirfd, dir);

	if (err)
		return err;
	if (dirfd == AT_FDCWD)
		return 0;
	return *dir && VFS_IS_DIR((*dir)->mode) ? 0 : -ENOTDIR;
}

long sys_lookup(struct proc *p, int32_t dirfd, uint64_t upath, unsigned flags, char *buf,
		struct namei *nd)
{
	struct vfs_node *start = NULL;
	long n = strncpy_from_user(buf, upath, SYS_PATH_MAX);

	if (n < 0)
		return n;
	if (n == SYS_PATH_MAX)
		return -ENAMETOOLONG;
	if (n == 0)
		return -ENOENT;
	if (!rootfs_root())
		return -ENOENT;
	if (buf[0] != '/') {
		long err = sys_start_dir(p, dirfd, &start);

		if (err)
			return err;
	}
	return namei(rootfs_root(), start ? start : rootfs_root(), buf, (size_t)n, flags, nd);
}

/* True when the node's directory is still in the tree (creating in a removed one: ENOENT). */
static bool sys_dir_alive(const struct vfs_node *dir)
{
	return !(dir->flags & VFS_NODE_UNLINKED);
}

/* Create a regular file for open(O_CREAT) at the missing last component of nd. */
static long sys_open_create(struct proc *p, struct namei *nd, uint32_t mode, struct vfs_node **n)
{
	if (nd->slash)
		return -EISDIR;
	if (!sys_dir_alive(nd->dir))
		return -ENOENT;
	return vfs_create(nd->dir, nd->last, nd->len, VFS_S_IFREG | (mode & 07777 & ~p->umask), n);
}

/* O_TMPFILE: an unnamed regular file in directory dir (O_WRONLY or O_RDWR). */
static long sys_open_tmpfile(struct proc *p, struct vfs_node *dir, unsigned flags, uint32_t mode,
			     struct file **out)
{
	struct vfs_node *n;
	int err;

	if (!VFS_IS_DIR(dir->mode))
		return -ENOTDIR;
	n = vfs_new_node("", 0, VFS_S_IFREG | (mode & 07777 & ~p->umask));
	if (!n)
		return -ENOMEM;
	if (!(flags & O_EXCL))
		n->flags |= VFS_NODE_LINKABLE; /* linkat(AT_EMPTY_PATH) may name it */
	vfs_get(n);
	err = file_open_node(n, flags & ~(unsigned)O_DIRECTORY, out);
	vfs_put(n);
	return err;
}

/* build_open_flags' checks on O_TMPFILE and O_PATH. */
static long sys_open_flags_ok(unsigned flags)
{
	if ((flags & O_TMPFILE_BIT) && (flags & O_TMPFILE) != O_TMPFILE)
		return -EINVAL;
	if ((flags & O_TMPFILE_BIT) && ((flags & O_CREAT) || (flags & O_ACCMODE) == O_RDONLY))
		return -EINVAL;
	return 0;
}

/* Open the node nd resolved to (or create it) with flags; *out the file. */
static long sys_open_node(struct proc *p, struct namei *nd, unsigned flags, uint32_t mode,
			  struct file **out)
{
	struct vfs_node *n = nd->node;
	long err;

	if (!n) {
		if (!(flags & O_CREAT))
			return -ENOENT;
		err = sys_open_create(p, nd, mode, &n);
		if (err)
			return err;
		return file_open_node(n, flags & ~(unsigned)O_TRUNC, out);
	}
	if ((flags & O_CREAT) && (flags & O_EXCL))
		return -EEXIST;
	if (VFS_IS_LNK(n->mode))
		return -ELOOP; /* O_NOFOLLOW met a link */
	if ((flags & O_CREAT) && VFS_IS_DIR(n->mode))
		return -EISDIR;
	return file_open_node(n, flags, out);
}

/* The flags an O_PATH open keeps (O_PATH_FLAGS without O_CLOEXEC, which goes to the fd). */
#define SYS_O_PATH_FLAGS (O_PATH | O_DIRECTORY | O_NOFOLLOW)

/*
 * O_PATH: a descriptor that only names the node (no driver opened, so
 * special files and, with O_NOFOLLOW, symbolic links are fine). It answers
 * fstat, fchdir, *at, dup and a few fcntl commands; the rest is EBADF.
 */
static long sys_open_path(struct namei *nd, unsigned flags, struct file **out)
{
	static const struct file_ops path_ops = { .stat = NULL };
	struct vfs_node *n = nd->node;

	if (!n)
		return -ENOENT;
	if ((flags & O_DIRECTORY) && !VFS_IS_DIR(n->mode))
		return -ENOTDIR;
	*out = file_new(&path_ops, vfs_file_of(n), flags & SYS_O_PATH_FLAGS);
	return *out ? 0 : -ENOMEM;
}

/* openat(2) (and open, creat). */
static long sys_openat(struct proc *p, int32_t dirfd, uint64_t upath, uint64_t uflags,
		       uint64_t umode)
{
	unsigned flags = (unsigned)uflags, nf;
	struct namei nd;
	struct file *f;
	long err;

	if (flags & O_PATH)
		flags &= SYS_O_PATH_FLAGS | O_CLOEXEC;
	err = sys_open_flags_ok(flags);
	if (err)
		return err;
	if (fdt_free_fd(p->fdt, 0, sys_nofile(p)) < 0)
		return -EMFILE; /* Linux takes the descriptor before the walk */
	nf = ((flags & O_NOFOLLOW) || ((flags & O_CREAT) && (flags & O_EXCL))) ?
	     NAMEI_NOFOLLOW : NAMEI_FOLLOW;
	err = sys_lookup(p, dirfd, upath, nf, sys_path_a, &nd);
	if (err)
		return err;
	if (flags & O_PATH) {
		err = sys_open_path(&nd, flags, &f);
	} else if (flags & O_TMPFILE_BIT) {
		if (!nd.node)
			return -ENOENT;
		err = sys_open_tmpfile(p, nd.node, flags, (uint32_t)umode, &f);
	} else {
		err = sys_open_node(p, &nd, flags, (uint32_t)umode, &f);
	}
	if (err)
		return err;
	return sys_install(p, f, flags);
}

/* mkdirat(2). */
static long sys_mkdirat(struct proc *p, int32_t dirfd, uint64_t upath, uint64_t mode)
{
	struct namei nd;
	struct vfs_node *n;
	long err = sys_lookup(p, dirfd, upath, NAMEI_NOFOLLOW, sys_path_a, &nd);

	if (err)
		return err;
	if (nd.node || nd.type != NAMEI_NORMAL)
		return -EEXIST;
	if (!sys_dir_alive(nd.dir))
		return -ENOENT;
	return vfs_create(nd.dir, nd.last, nd.len,
			  VFS_S_IFDIR | ((uint32_t)mode & 01777 & ~p->umask), &n);
}

/* rmdir through unlinkat(AT_REMOVEDIR). */
static long sys_rmdir_at(struct proc *p, int32_t dirfd, uint64_t upath)
{
	struct namei nd;
	long err = sys_lookup(p, dirfd, upath, NAMEI_NOFOLLOW, sys_path_a, &nd);

	if (err)
		return err;
	if (nd.type == NAMEI_DOT)
		return -EINVAL;
	if (nd.type == NAMEI_DOTDOT)
		return -ENOTEMPTY;
	if (nd.type == NAMEI_ROOT)
		return -EBUSY;
	if (!nd.node)
		return -ENOENT;
	if (!VFS_IS_DIR(nd.node->mode))
		return -ENOTDIR;
	if (nd.node == rootfs_root())
		return -EBUSY;
	return vfs_unlink(nd.node);
}

/* unlinkat(2): flags 0 or AT_REMOVEDIR. */
static long sys_unlinkat(struct proc *p, int32_t dirfd, uint64_t upath, uint64_t flags)
{
	struct namei nd;
	long err;

	if (flags & ~(uint64_t)AT_REMOVEDIR)
		return -EINVAL;
	if (flags & AT_REMOVEDIR)
		return sys_rmdir_at(p, dirfd, upath);
	err = sys_lookup(p, dirfd, upath, NAMEI_NOFOLLOW, sys_path_a, &nd);
	if (err)
		return err;
	if (nd.type != NAMEI_NORMAL)
		return -EISDIR;
	if (!nd.node)
		return -ENOENT;
	if (VFS_IS_DIR(nd.node->mode))
		return -EISDIR;
	return vfs_unlink(nd.node);
}

/* The checks on a rename's target once both ends are known (vfs_rename's). */
static long sys_rename_target(struct vfs_node *old, struct vfs_node *victim, unsigned flags)
{
	if (!victim)
		return 0;
	if (flags & RENAME_NOREPLACE)
		return -EEXIST;
	if (VFS_IS_DIR(old->mode) && !VFS_IS_DIR(victim->mode))
		return -ENOTDIR;
	if (!VFS_IS_DIR(old->mode) && VFS_IS_DIR(victim->mode))
		return -EISDIR;
	if (VFS_IS_DIR(victim->mode) && victim->nchildren)
		return -ENOTEMPTY;
	return 0;
}

/* RENAME_EXCHANGE once both names are resolved: both must exist. */
static long sys_rename_exchange(struct namei *a, struct namei *b)
{
	if (!a->node || !b->node)
		return -ENOENT;
	if ((!VFS_IS_DIR(a->node->mode) && a->slash) || (!VFS_IS_DIR(b->node->mode) && b->slash))
		return -ENOTDIR;
	if (a->node == b->node)
		return 0;
	if (vfs_is_below(b->dir, a->node) || vfs_is_below(a->dir, b->node))
		return -EINVAL;
	vfs_exchange(a->node, b->node);
	return 0;
}

/*
 * renameat2(2): flags 0, RENAME_NOREPLACE or RENAME_EXCHANGE
 * (RENAME_WHITEOUT, which needs a whiteout device node: EINVAL here).
 */
static long sys_renameat2(struct proc *p, int32_t ofd, uint64_t uold, int32_t nfd, uint64_t unew,
			  uint64_t uflags)
{
	unsigned flags = (unsigned)uflags;
	struct namei a, b;
	long err;

	if (flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if ((flags & RENAME_EXCHANGE) && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)))
		return -EINVAL;
	if (flags & RENAME_WHITEOUT)
		return -EINVAL; /* no whiteouts in this tmpfs */
	err = sys_lookup(p, ofd, uold, NAMEI_NOFOLLOW, sys_path_a, &a);
	err = err ? err : sys_lookup(p, nfd, unew, NAMEI_NOFOLLOW, sys_path_b, &b);
	if (err)
		return err;
	if (a.type != NAMEI_NORMAL || b.type != NAMEI_NORMAL)
		return (flags & RENAME_NOREPLACE) && b.type != NAMEI_NORMAL ? -EEXIST : -EBUSY;
	if (flags & RENAME_EXCHANGE)
		return sys_rename_exchange(&a, &b);
	if (!a.node)
		return -ENOENT;
	if (!VFS_IS_DIR(a.node->mode) && (a.slash || b.slash))
		return -ENOTDIR;
	if (b.node && vfs_file_of(a.node) == vfs_file_of(b.node))
		return (flags & RENAME_NOREPLACE) ? -EEXIST : 0; /* two names of one file */
	if (vfs_is_below(b.dir, a.node))
		return -EINVAL;
	if (b.node && vfs_is_below(a.dir, b.node))
		return -ENOTEMPTY;
	err = sys_rename_target(a.node, b.node, flags);
	if (err)
		return err;
	if (!sys_dir_alive(b.dir))
		return -ENOENT;
	return vfs_rename(a.node, b.dir, b.last, b.len, b.node);
}

/* symlinkat(2): a link holding `target` (1..PATH_MAX-1 bytes). */
static long sys_symlinkat(struct proc *p, uint64_t utarget, int32_t dirfd, uint64_t upath)
{
	long tn = strncpy_from_user(sys_path_b, utarget, SYS_PATH_MAX);
	struct namei nd;
	struct vfs_node *n;
	char *copy;
	long err;

	if (tn < 0)
		return tn;
	if (tn == SYS_PATH_MAX)
		return -ENAMETOOLONG;
	err = sys_lookup(p, dirfd, upath, NAMEI_NOFOLLOW, sys_path_a, &nd);
	if (err)
		return err;
	if (tn == 0)
		return -ENOENT;
	if (nd.node || nd.type != NAMEI_NORMAL)
		return -EEXIST;
	if (!sys_dir_alive(nd.dir))
		return -ENOENT;
	copy = kmalloc((size_t)tn);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, sys_path_b, (size_t)tn);
	err = vfs_create(nd.dir, nd.last, nd.len, VFS_S_IFLNK | 0777, &n);
	if (err) {
		kfree(copy);
		return err;
	}
	vfs_set_data(n, copy, (size_t)tn, VFS_DATA_OWNED);
	return 0;
}

/* The file linkat's AT_EMPTY_PATH names: fd `dirfd`'s node (ENOENT for none). */
static long sys_link_source_fd(struct proc *p, int32_t dirfd, struct vfs_node **n)
{
	long err = sys_dirfd_node(p, dirfd, n);

	if (err)
		return err;
	return dirfd == AT_FDCWD || *n ? 0 : -ENOENT;
}

/*
 * linkat(2): a new name for an existing non-directory (EPERM for a
 * directory); the old path's last link is followed only with
 * AT_SYMLINK_FOLLOW; AT_EMPTY_PATH with an empty old path links dirfd's
 * own file (an O_TMPFILE file opened without O_EXCL gets its first name).
 */
static long sys_linkat(struct proc *p, int32_t ofd, uint64_t uold, int32_t nfd, uint64_t unew,
		       uint64_t flags)
{
	struct vfs_node *src = NULL, *n;
	struct namei a, b;
	char c = 0;
	long err;

	if (flags & ~(uint64_t)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if ((flags & AT_EMPTY_PATH) && uold && copy_from_user(&c, uold, 1))
		return -EFAULT;
	if ((flags & AT_EMPTY_PATH) && !c) {
		err = sys_link_source_fd(p, ofd, &src);
	} else {
		err = sys_lookup(p, ofd, uold, (flags & AT_SYMLINK_FOLLOW) ? NAMEI_FOLLOW :
				 NAMEI_NOFOLLOW, sys_path_a, &a);
		src = err ? NULL : a.node;
		err = err ? err : (src ? 0 : -ENOENT);
	}
	if (err)
		return err;
	err = sys_lookup(p, nfd, unew, NAMEI_NOFOLLOW, sys_path_b, &b);
	if (err)
		return err;
	if (b.node || b.type != NAMEI_NORMAL)
		return -EEXIST;
	if (VFS_IS_DIR(src->mode))
		return -EPERM;
	if (b.slash || !sys_dir_alive(b.dir))
		return -ENOENT;
	return vfs_link(src, b.dir, b.last, b.len, &n);
}

/*
 * readlinkat(2): the target, not NUL-terminated, cut to bufsiz. EINVAL when
 * bufsiz <= 0 or the node is no link; a generated link's errors
 * (/proc/<pid>/exe of a zombie: ENOENT).
 */
static long sys_readlinkat(struct proc *p, int32_t dirfd, uint64_t upath, uint64_t ubuf,
			   int64_t bufsiz)
{
	struct namei nd;
	long err, len;

	if ((int32_t)bufsiz <= 0)
		return -EINVAL;
	err = sys_lookup(p, dirfd, upath, NAMEI_NOFOLLOW, sys_path_a, &nd);
	if (err)
		return err;
	if (!nd.node)
		return -ENOENT;
	if (!VFS_IS_LNK(nd.node->mode))
		return -EINVAL;
	len = vfs_readlink(nd.node, sys_path_b, VFS_PATH_MAX);
	if (len < 0)
		return len;
	len = MIN(len, (long)(int32_t)bufsiz);
	return copy_to_user(ubuf, sys_path_b, (size_t)len) ? -EFAULT : len;
}

/* truncate(2): follows links; EISDIR for a directory, EINVAL for other non-files. */
static long sys_truncate(struct proc *p, uint64_t upath, int64_t len)
{
	struct namei nd;
	struct file *f;
	long err;

	if (len < 0)
		return -EINVAL;
	err = sys_lookup(p, AT_FDCWD, upath, NAMEI_FOLLOW, sys_path_a, &nd);
	if (err)
		return err;
	if (!nd.node)
		return -ENOENT;
	if (VFS_IS_DIR(nd.node->mode))
		return -EISDIR;
	if (!VFS_IS_REG(nd.node->mode))
		return -EINVAL;
	err = file_open_node(nd.node, O_WRONLY, &f);
	if (err)
		return err;
	err = f->ops->truncate ? f->ops->truncate(f, (uint64_t)len) : -EINVAL;
	file_put(f);
	return err;
}

/* chdir(2) / fchdir(2): the new working directory takes a reference (CLONE_FS sharers too). */
static long sys_set_cwd(struct proc *p, struct vfs_node *n)
{
	if (!VFS_IS_DIR(n->mode))
		return -ENOTDIR;
	vfs_get(n);
	if (p->cwd)
		vfs_put(p->cwd);
	p->cwd = n;
	proc_fs_sync(p);
	return 0;
}

static long sys_chdir(struct proc *p, uint64_t upath)
{
	struct namei nd;
	long err = sys_lookup(p, AT_FDCWD, upath, NAMEI_FOLLOW, sys_path_a, &nd);

	if (err)
		return err;
	return nd.node ? sys_set_cwd(p, nd.node) : -ENOENT;
}

static long sys_fchdir(struct proc *p, int64_t fd)
{
	struct file *f = sys_file_raw(p, fd);

	if (!f)
		return -EBADF;
	return f->node ? sys_set_cwd(p, f->node) : -ENOTDIR;
}

/* getcwd(2): the length with the NUL; ERANGE when it does not fit, ENOENT when removed. */
long sys_getcwd(struct proc *p, uint64_t buf, uint64_t size)
{
	struct vfs_node *cwd = sys_cwd(p);
	size_t len;

	if (!cwd || (cwd->flags & VFS_NODE_UNLINKED))
		return -ENOENT;
	if (vfs_path(cwd, sys_path_a, sizeof(sys_path_a)))
		return -ENAMETOOLONG;
	len = strlen(sys_path_a) + 1;
	if (size < len)
		return -ERANGE;
	return copy_to_user(buf, sys_path_a, len) ? -EFAULT : (long)len;
}

/* faccessat2(2): mode F_OK or R/W/X bits; root passes R and W, X needs an x bit or a dir. */
static long sys_faccessat(struct proc *p, int32_t dirfd, uint64_t upath, uint64_t mode,
			  uint64_t flags)
{
	struct namei nd;
	long err;

	if (mode & ~7ULL)
		return -EINVAL;
	if (flags & ~(uint64_t)(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	err = sys_lookup(p, dirfd, upath,
			 (flags & AT_SYMLINK_NOFOLLOW) ? NAMEI_NOFOLLOW : NAMEI_FOLLOW,
			 sys_path_a, &nd);
	if (err)
		return err;
	if (!nd.node)
		return -ENOENT;
	if ((mode & SYS_X_OK) && !VFS_IS_DIR(nd.node->mode) &&
	    !(vfs_file_of(nd.node)->mode & 0111))
		return -EACCES;
	return 0;
}

/* Set n's permission bits; EPERM when F_SEAL_EXEC forbids touching the x bits. */
static long sys_chmod_node(struct vfs_node *n, uint32_t mode)
{
	uint32_t m = mode & 07777;

	if (n->obj && (n->obj->seals & MOBJ_SEAL_EXEC) && ((n->mode ^ m) & 0111))
		return -EPERM;
	n->mode = (n->mode & VFS_S_IFMT) | m;
	return 0;
}

static long sys_fchmodat(struct proc *p, int32_t dirfd, uint64_t upath, uint64_t mode)
{
	struct namei nd;
	long err = sys_lookup(p, dirfd, upath, NAMEI_FOLLOW, sys_path_a, &nd);

	if (err)
		return err;
	return nd.node ? sys_chmod_node(vfs_file_of(nd.node), (uint32_t)mode) : -ENOENT;
}

static long sys_fchmod(struct proc *p, int64_t fd, uint64_t mode)
{
	struct file *f = sys_file(p, fd);

	if (!f)
		return -EBADF;
	if (!f->node)
		return -EPERM; /* the console's pipe and /dev/null inodes are not ours to change */
	return sys_chmod_node(f->node, (uint32_t)mode);
}

long sys_file_call(struct proc *p, uint64_t nr, struct uregs *r)
{
	switch (nr) {
	case SYS_open: return sys_openat(p, AT_FDCWD, r->rdi, r->rsi, r->rdx);
	case SYS_openat: return sys_openat(p, (int32_t)r->rdi, r->rsi, r->rdx, r->r10);
	case SYS_creat:
		return sys_openat(p, AT_FDCWD, r->rdi, O_CREAT | O_WRONLY | O_TRUNC, r->rsi);
	case SYS_mkdir: return sys_mkdirat(p, AT_FDCWD, r->rdi, r->rsi);
	case SYS_mkdirat: return sys_mkdirat(p, (int32_t)r->rdi, r->rsi, r->rdx);
	case SYS_unlink: return sys_unlinkat(p, AT_FDCWD, r->rdi, 0);
	case SYS_rmdir: return sys_unlinkat(p, AT_FDCWD, r->rdi, AT_REMOVEDIR);
	case SYS_unlinkat: return sys_unlinkat(p, (int32_t)r->rdi, r->rsi, (uint32_t)r->rdx);
	case SYS_rename: return sys_renameat2(p, AT_FDCWD, r->rdi, AT_FDCWD, r->rsi, 0);
	case SYS_renameat:
		return sys_renameat2(p, (int32_t)r->rdi, r->rsi, (int32_t)r->rdx, r->r10, 0);
	case SYS_renameat2:
		return sys_renameat2(p, (int32_t)r->rdi, r->rsi, (int32_t)r->rdx, r->r10, r->r8);
	case SYS_link: return sys_linkat(p, AT_FDCWD, r->rdi, AT_FDCWD, r->rsi, 0);
	case SYS_linkat:
		return sys_linkat(p, (int32_t)r->rdi, r->rsi, (int32_t)r->rdx, r->r10, r->r8);
	case SYS_symlink: return sys_symlinkat(p, r->rdi, AT_FDCWD, r->rsi);
	case SYS_symlinkat: return sys_symlinkat(p, r->rdi, (int32_t)r->rsi, r->rdx);
	case SYS_readlink: return sys_readlinkat(p, AT_FDCWD, r->rdi, r->rsi, (int64_t)r->rdx);
	case SYS_readlinkat:
		return sys_readlinkat(p, (int32_t)r->rdi, r->rsi, r->rdx, (int64_t)r->r10);
	case SYS_truncate: return sys_truncate(p, r->rdi, (int64_t)r->rsi);
	case SYS_chdir: return sys_chdir(p, r->rdi);
	case SYS_fchdir: return sys_fchdir(p, r->rdi);
	case SYS_getcwd: return sys_getcwd(p, r->rdi, r->rsi);
	case SYS_access: return sys_faccessat(p, AT_FDCWD, r->rdi, r->rsi, 0);
	case SYS_faccessat: return sys_faccessat(p, (int32_t)r->rdi, r->rsi, r->rdx, 0);
	case SYS_faccessat2: return sys_faccessat(p, (int32_t)r->rdi, r->rsi, r->rdx, r->r10);
	case SYS_chmod: return sys_fchmodat(p, AT_FDCWD, r->rdi, r->rsi);
	case SYS_fchmodat: return sys_fchmodat(p, (int32_t)r->rdi, r->rsi, r->rdx);
	case SYS_fchmod: return sys_fchmod(p, r->rdi, r->rsi);
	case SYS_umask: {
		uint32_t old = p->umask;

		p->umask = (uint32_t)r->rdi & 0777;
		proc_fs_sync(p);
		return old;
	}
	default:
		return SYS_NOT_MINE;
	}
}
