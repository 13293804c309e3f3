/*
 * The Linux x86-64 syscall subset. Results and errno values follow Linux;
 * see include/kernel/syscall.h.
 */
#include "kernel/exec.h"
#include "kernel/proc.h"
#include "kernel/sched.h"
#include "kernel/syscall.h"
#include "kernel/sys_lock.h"
#include "kernel/usercopy.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "fs/file.h"
#include "proc_internal.h"
#include "mm/aspace.h"
#include "mm/mobj.h"
#include "sys.h"

/*
 * Most bytes one write/writev/getrandom moves (a short count, as a tty may
 * return): syscalls run with interrupts off, so each must stay short for the
 * watchdog to keep its grip on the program.
 */
#define SYS_MAX_RW MiB(1)
#define SYS_UIO_MAXIOV 1024
#define SYS_CHUNK 4096

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

#define GRND_NONBLOCK 1
#define GRND_RANDOM 2
#define GRND_INSECURE 4

/* Scratch for copies through the kernel (one CPU, interrupts off in syscalls). */
static uint8_t sys_buf[SYS_CHUNK];

struct sys_iovec {
	uint64_t base, len;
};

/* Linux names of common syscall numbers, for diagnostics. */
static const char *const sys_names[] = {
	[0] = "read", [1] = "write", [2] = "open", [3] = "close", [4] = "stat",
	[5] = "fstat", [6] = "lstat", [7] = "poll", [8] = "lseek", [9] = "mmap",
	[10] = "mprotect", [11] = "munmap", [12] = "brk", [13] = "rt_sigaction",
	[14] = "rt_sigprocmask", [15] = "rt_sigreturn", [16] = "ioctl",
	[17] = "pread64", [18] = "pwrite64", [19] = "readv", [20] = "writev",
	[21] = "access", [22] = "pipe", [23] = "select", [24] = "sched_yield",
	[25] = "mremap", [26] = "msync", [27] = "mincore", [28] = "madvise",
	[32] = "dup", [33] = "dup2", [34] = "pause", [35] = "nanosleep",
	[39] = "getpid", [41] = "socket", [44] = "sendto", [45] = "recvfrom",
	[46] = "sendmsg", [47] = "recvmsg", [48] = "shutdown", [53] = "socketpair",
	[293] = "pipe2", [278] = "vmsplice", [56] = "clone", [57] = "fork",
	[58] = "vfork", [59] = "execve", [60] = "exit", [61] = "wait4",
	[62] = "kill", [63] = "uname", [72] = "fcntl", [79] = "getcwd",
	[80] = "chdir", [89] = "readlink", [96] = "gettimeofday",
	[97] = "getrlimit", [98] = "getrusage", [99] = "sysinfo", [102] = "getuid",
	[104] = "getgid", [107] = "geteuid", [108] = "getegid", [110] = "getppid",
	[131] = "sigaltstack", [149] = "mlock", [150] = "munlock", [157] = "prctl",
	[158] = "arch_prctl", [160] = "setrlimit", [186] = "gettid",
	[200] = "tkill", [201] = "time", [202] = "futex",
	[204] = "sched_getaffinity", [218] = "set_tid_address",
	[228] = "clock_gettime", [229] = "clock_getres", [230] = "clock_nanosleep",
	[231] = "exit_group", [234] = "tgkill", [257] = "openat",
	[262] = "newfstatat", [273] = "set_robust_list", [302] = "prlimit64",
	[318] = "getrandom", [319] = "memfd_create", [324] = "membarrier",
	[325] = "mlock2", [332] = "statx", [334] = "rseq", [435] = "clone3",
	[126] = "capset", [447] = "memfd_secret",
	[125] = "capget", [267] = "readlinkat", [270] = "pselect6", [271] = "ppoll",
	[274] = "get_robust_list", [36] = "getitimer", [37] = "alarm", [38] = "setitimer",
	[127] = "rt_sigpending", [128] = "rt_sigtimedwait", [129] = "rt_sigqueueinfo",
	[130] = "rt_sigsuspend", [297] = "rt_tgsigqueueinfo",
	[74] = "fsync", [75] = "fdatasync", [76] = "truncate", [77] = "ftruncate",
	[78] = "getdents", [81] = "fchdir", [82] = "rename", [83] = "mkdir", [84] = "rmdir",
	[85] = "creat", [86] = "link", [87] = "unlink", [88] = "symlink", [90] = "chmod",
	[91] = "fchmod", [92] = "chown", [93] = "fchown", [95] = "umask", [162] = "sync",
	[217] = "getdents64", [258] = "mkdirat", [263] = "unlinkat", [264] = "renameat",
	[265] = "linkat", [266] = "symlinkat", [268] = "fchmodat", [269] = "faccessat",
	[280] = "utimensat", [285] = "fallocate", [292] = "dup3", [295] = "preadv",
	[296] = "pwritev", [316] = "renameat2", [439] = "faccessat2", [322] = "execveat",
	[237] = "mbind", [238] = "set_mempolicy", [239] = "get_mempolicy",
	[256] = "migrate_pages", [279] = "move_pages", [329] = "pkey_mprotect",
	[330] = "pkey_alloc", [331] = "pkey_free",
};

const char *syscall_name(uint64_t nr)
{
	return nr < ARRAY_SIZE(sys_names) ? sys_names[nr] : NULL;
}

/*
 * The program's output stream, with a pipe's rules (the host runs programs
 * with pipes, and Linux is the reference): data goes out in chunks of
 * SYS_CHUNK bytes; a chunk that faults part-way is dropped whole, and the
 * call returns what earlier chunks wrote, or -EFAULT when there is none.
 */
struct sys_out {
	struct proc *p;
	int fd;
	size_t fill;   /* bytes waiting in sys_buf */
	long done;     /* bytes written out */
};

/* Append [buf, buf+count) of user memory; false when a copy faulted. */
static bool sys_out_add(struct sys_out *o, uint64_t buf, uint64_t count)
{
	while (count) {
		size_t n = MIN(count, SYS_CHUNK - o->fill);

		if (copy_from_user(sys_buf + o->fill, buf, n))
			return false;
		o->fill += n;
		buf += n;
		count -= n;
		if (o->fill == SYS_CHUNK) {
			proc_output(o->p, o->fd, sys_buf, o->fill);
			o->done += o->fill;
			o->fill = 0;
		}
	}
	return true;
}

/* Write out the last partial chunk; the call's result. */
static long sys_out_end(struct sys_out *o, bool faulted)
{
	if (faulted)
		return o->done ? o->done : -EFAULT;
	if (o->fill)
		proc_output(o->p, o->fd, sys_buf, o->fill);
	return o->done + (long)o->fill;
}

/* The console stream (1 or 2) a write to fd goes out on, or 0 for any other file. */
static int sys_out_stream(struct proc *p, uint64_t fd)
{
	int s = sys_fd_console(p, (int)(int32_t)fd);

	return s > 0 ? s : 0;
}

static long sys_write(struct proc *p, uint64_t fd, uint64_t buf, uint64_t count)
{
	int stream = sys_out_stream(p, fd);

	if (!stream)
		return sys_file_write(p, sys_file(p, (int64_t)fd), buf, count);
	if ((int64_t)count < 0)
		return -EINVAL;
	struct sys_out o = {p, stream, 0, 0};

	return sys_out_end(&o, !sys_out_add(&o, buf, MIN(count, SYS_MAX_RW)));
}

/* Read and check an iovec array as Linux's import_iovec. */
static long sys_iov_import(uint64_t uiov, uint64_t cnt, struct sys_iovec *iov)
{
	uint64_t total = 0;

	if (copy_from_user(iov, uiov, cnt * sizeof(*iov)))
		return -EFAULT;
	for (uint64_t i = 0; i < cnt; i++) {
		if ((int64_t)iov[i].len < 0)
			return -EINVAL;
		if (!user_range_ok(iov[i].base, iov[i].len))
			return -EFAULT;
		iov[i].len = MIN(iov[i].len, SYS_MAX_RW - total);
		total += iov[i].len;
	}
	return 0;
}

static long sys_writev(struct proc *p, uint64_t fd, uint64_t uiov, uint64_t cnt)
{
	static struct sys_iovec iov[SYS_UIO_MAXIOV];
	int stream = sys_out_stream(p, fd);
	struct sys_out o = {p, stream, 0, 0};
	long err;

	if (!stream)
		return sys_file_rwv(p, true, (int64_t)fd, uiov, cnt);
	if (cnt > SYS_UIO_MAXIOV)
		return -EINVAL;
	if (cnt == 0)
		return 0;
	err = sys_iov_import(uiov, cnt, iov);
	if (err)
		return err;
	for (uint64_t i = 0; i < cnt; i++)
		if (!sys_out_add(&o, iov[i].base, iov[i].len))
			return sys_out_end(&o, true);
	return sys_out_end(&o, false);
}

/* Linux's LEGACY_MAP_MASK: the flags MAP_SHARED_VALIDATE accepts for a tmpfs file. */
#define SYS_MAP_LEGACY (MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_DENYWRITE | \
			MAP_EXECUTABLE | 0x4000000 /* MAP_UNINITIALIZED */ | MAP_GROWSDOWN | \
			MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | \
			MAP_HUGETLB)
#define SYS_MAP_TYPE 0x0f

/*
 * Linux's do_mmap checks of a file mapping by map type, in its order, and
 * the VMA flags they leave: MAP_SHARED_VALIDATE refuses flags tmpfs does not
 * know (EOPNOTSUPP), other types than shared and private are EINVAL; a
 * shared PROT_WRITE map needs the file open for writing (EACCES), and a
 * shared map of a read-only file may never become writable; every map needs
 * it open for reading (EACCES); then the file's own mmap (ENODEV when it has
 * none, into *o); no MAP_GROWSDOWN (EINVAL); write seals (shmem_mmap's
 * seal_check_write) refuse a writable shared map (EPERM) and leave a shared
 * one never writable. *flags gets MAP_SHARED for MAP_SHARED_VALIDATE.
 */
static int sys_mmap_file_check(struct file *f, int prot, int *flags, int *vflags,
			       struct mobj **o)
{
	int type = *flags & SYS_MAP_TYPE, err;
	bool shared = type != MAP_PRIVATE;

	*vflags = 0;
	if (type == MAP_SHARED_VALIDATE && (*flags & ~SYS_MAP_LEGACY))
		return -EOPNOTSUPP;
	if (type != MAP_SHARED && type != MAP_SHARED_VALIDATE && type != MAP_PRIVATE)
		return -EINVAL;
	if (shared && (prot & PROT_WRITE) && !file_writable(f))
		return -EACCES;
	if (shared && !file_writable(f))
		*vflags = AS_VMA_NOMAYWRITE;
	if (!file_readable(f))
		return -EACCES;
	err = file_mmap_obj(f, o);
	if (err)
		return err;
	if (*flags & MAP_GROWSDOWN)
		return -EINVAL;
	if (shared && *o && ((*o)->seals & (MOBJ_SEAL_WRITE | MOBJ_SEAL_FUTURE_WRITE))) {
		if (prot & PROT_WRITE)
			return -EPERM;
		*vflags = AS_VMA_NOMAYWRITE;
	}
	if (shared)
		*flags = (*flags & ~SYS_MAP_TYPE) | MAP_SHARED;
	return 0;
}

/*
 * mmap of the file open as fd at byte offset off (page aligned): a tmpfs
 * file or memfd maps its object (shared or copy-on-write), /dev/zero
 * anonymous memory. Errors: EBADF (not open, O_PATH), EINVAL (len 0),
 * EOVERFLOW (the window's end past the largest file offset), those of
 * sys_mmap_file_check, then as_mmap's. Linux places the mapping before it
 * checks the file; here the file comes first, so a call wrong both ways
 * gives the file's errno.
 */
static long sys_mmap_file(struct proc *p, uint64_t addr, uint64_t len, int prot, int flags,
			  int fd, uint64_t off)
{
	struct file *f = sys_file(p, fd);
	uint64_t alen = ALIGN_UP(len, PAGE_SIZE);
	struct mobj *o = NULL;
	int vflags, err;

	if (!f)
		return -EBADF;
	if ((flags & MAP_HUGETLB) && !file_is_hugetlb(f))
		return -EINVAL; /* not a hugetlbfs file */
	flags &= ~MAP_HUGETLB; /* a hugetlbfs file maps its own huge pages */
	if (!len)
		return -EINVAL;
	if (alen && (alen > MOBJ_MAX_SIZE || off > MOBJ_MAX_SIZE - alen))
		return -EOVERFLOW;
	err = sys_mmap_file_check(f, prot, &flags, &vflags, &o);
	if (err)
		return err;
	return as_mmap_obj(p->as, addr, len, prot, flags & ~MAP_ANONYMOUS, o, off / PAGE_SIZE,
			   vflags);
}

static long sys_mmap(struct proc *p, struct uregs *r)
{
	uint64_t off = r->r9;
	int flags = (int)r->r10;

	if (off & (PAGE_SIZE - 1))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS))
		return sys_mmap_file(p, r->rdi, r->rsi, (int)r->rdx, flags, (int)(uint32_t)r->r8,
				     off);
	return as_mmap(p->as, r->rdi, r->rsi, (int)r->rdx, flags);
}

static long sys_arch_prctl(struct proc *p, uint64_t code, uint64_t addr)
{
	switch (code) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		if (addr >= AS_TASK_SIZE)
			return -EPERM;
		if (code == ARCH_SET_FS)
			user_set_fs(p->fs_base = addr);
		else
			user_set_gs(p->gs_base = addr);
		return 0;
	case ARCH_GET_FS:
		return copy_to_user(addr, &p->fs_base, sizeof(p->fs_base));
	case ARCH_GET_GS:
		return copy_to_user(addr, &p->gs_base, sizeof(p->gs_base));
	default:
		return -EINVAL;
	}
}

static long sys_uname(uint64_t buf)
{
	static const char *const fields[6] = {
		"Linux", "bootmm", "6.1.0-bootmm", "#1 SMP bootmm", "x86_64", "(none)",
	};
	char uts[6][65];

	memset(uts, 0, sizeof(uts));
	for (size_t i = 0; i < 6; i++)
		memcpy(uts[i], fields[i], strlen(fields[i]));
	return copy_to_user(buf, uts, sizeof(uts));
}

static long sys_getrandom(uint64_t buf, uint64_t len, uint64_t flags)
{
	uint64_t done = 0;

	if (flags & ~(uint64_t)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & GRND_INSECURE) && (flags & GRND_RANDOM))
		return -EINVAL;
	len = MIN(len, SYS_MAX_RW);
	while (done < len) {
		size_t n = MIN(len - done, SYS_CHUNK);

		for (size_t i = 0; i < n; i += 8) {
			uint64_t v = user_random();

			memcpy(sys_buf + i, &v, MIN(8, n - i));
		}
		if (copy_to_user(buf + done, sys_buf, n))
			return done ? (long)done : -EFAULT;
		done += n;
	}
	return (long)done;
}

/*
 * check_prlimit_permission: itself, or a process whose real, effective and
 * saved uid and gid are all the caller's real ones, or CAP_SYS_RESOURCE.
 */
static bool sys_prlimit_may(const struct proc *p, const struct proc *t)
{
	const struct proc_cred *c = &p->cred, *tc = &t->cred;

	if (p == t || cred_capable(c, CAP_SYS_RESOURCE))
		return true;
	return c->uid == tc->euid && c->uid == tc->suid && c->uid == tc->uid &&
	       c->gid == tc->egid && c->gid == tc->sgid && c->gid == tc->gid;
}

static long sys_prlimit64(struct proc *p, int64_t pid, uint64_t res,
			  uint64_t unew, uint64_t uold)
{
	struct { uint64_t cur, max; } nv, old;
	struct proc *t;

	if (unew && copy_from_user(&nv, unew, sizeof(nv)))
		return -EFAULT;
	if ((uint32_t)res >= PROC_RLIM_NLIMITS)
		return -EINVAL;
	t = proc_lookup(p, (int32_t)pid);
	if (!t)
		return -ESRCH;
	if (!sys_prlimit_may(p, t))
		return -EPERM;
	res = (uint32_t)res;
	old.cur = t->rlim[res].cur;
	old.max = t->rlim[res].max;
	if (unew) {
		if (nv.cur > nv.max)
			return -EINVAL;
		if (nv.max > old.max && !cred_capable(&p->cred, CAP_SYS_RESOURCE))
			return -EPERM;
		t->rlim[res].cur = nv.cur;
		t->rlim[res].max = nv.max;
		sys_mm_rlimits(t);
		proc_group_sync(t); /* the limits are the group's */
	}
	if (uold && copy_to_user(uold, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

/* ioctl(2): FIONREAD on pipes and sockets; no file here answers any other request. */
static long sys_ioctl(struct proc *p, uint64_t fd, uint64_t cmd, uint64_t arg)
{
	struct file *f = sys_file(p, (int64_t)fd);

	return f ? sys_pipe_ioctl(p, f, cmd, arg) : -EBADF;
}

/*
 * mincore(2): one byte per page of [addr, addr+len) into the user's vec, in
 * chunks of SYS_CHUNK pages. Linux's order of checks: EINVAL (unaligned),
 * ENOMEM (range outside the user half), EFAULT (vec outside it), then per
 * chunk ENOMEM (a page in no VMA) or EFAULT (vec not writable).
 */
static long sys_mincore(struct proc *p, uint64_t addr, uint64_t len, uint64_t vec)
{
	uint64_t pages = len / PAGE_SIZE + (len % PAGE_SIZE != 0);

	if (!IS_ALIGNED(addr, PAGE_SIZE))
		return -EINVAL;
	if (len > AS_TASK_SIZE || addr > AS_TASK_SIZE - len)
		return -ENOMEM;
	if (pages > AS_TASK_SIZE || vec > AS_TASK_SIZE - pages)
		return -EFAULT;
	while (pages) {
		long n = as_mincore(p->as, addr, MIN(pages, SYS_CHUNK), sys_buf);

		if (n < 0)
			return n;
		if (copy_to_user(vec, sys_buf, (size_t)n))
			return -EFAULT;
		pages -= (uint64_t)n;
		vec += (uint64_t)n;
		addr += (uint64_t)n * PAGE_SIZE;
	}
	return 0;
}

/* Memory-management calls, straight to the address space. */
static long sys_mm(struct proc *p, uint64_t nr, struct uregs *r)
{
	switch (nr) {
	case SYS_mmap:
		return sys_mmap(p, r);
	case SYS_munmap:
		return as_munmap(p->as, r->rdi, r->rsi);
	case SYS_mprotect:
		return as_mprotect(p->as, r->rdi, r->rsi, (int)r->rdx);
	case SYS_mremap:
		return as_mremap(p->as, r->rdi, r->rsi, r->rdx, (int)r->r10, r->r8);
	case SYS_madvise:
		return as_madvise(p->as, r->rdi, r->rsi, (int)r->rdx);
	case SYS_msync:
		return as_msync(p->as, r->rdi, r->rsi, (int)r->rdx);
	case SYS_mincore:
		return sys_mincore(p, r->rdi, r->rsi, r->rdx);
	case SYS_brk:
		return (long)as_brk(p->as, r->rdi);
	default:
		return -ENOSYS;
	}
}

/* Descriptors and paths (sys_fd.c, sys_file.c), then the rest (sys_misc.c). */
static long sys_call_files(struct proc *p, uint64_t nr, struct uregs *r)
{
	long ret = sys_fd_call(p, nr, r);

	if (ret == SYS_NOT_MINE)
		ret = sys_pipe_call(p, nr, r);
	if (ret == SYS_NOT_MINE)
		ret = sys_file_call(p, nr, r);
	return ret == SYS_NOT_MINE ? sys_misc(p, nr, r) : ret;
}

/* Time, waiting, stat and the rest (sys_time.c, sys_poll.c, sys_stat.c, sys_misc.c). */
static long sys_call_more(struct proc *p, uint64_t nr, struct uregs *r)
{
	switch (nr) {
	case SYS_nanosleep: return sys_nanosleep(p, r->rdi, r->rsi);
	case SYS_clock_nanosleep:
		return sys_clock_nanosleep(p, (int64_t)r->rdi, r->rsi, r->rdx, r->r10);
	case SYS_time: return sys_time(r->rdi);
	case SYS_gettimeofday: return sys_gettimeofday(r->rdi, r->rsi);
	case SYS_futex: return sys_futex(p, r);
	case SYS_poll: return sys_poll(p, r->rdi, r->rsi, (int64_t)r->rdx);
	case SYS_ppoll: return sys_ppoll(p, r);
	case SYS_select: return sys_select(p, r);
	case SYS_pselect6: return sys_pselect6(p, r);
	case SYS_fstat: return sys_fstat(p, r->rdi, r->rsi);
	case SYS_newfstatat: return sys_newfstatat(p, r);
	case SYS_statx: return sys_statx(p, r);
	case SYS_stat: return sys_stat_path(p, r->rdi, r->rsi, true);
	case SYS_lstat: return sys_stat_path(p, r->rdi, r->rsi, false);
	case SYS_execve:
		return exec_execveat(p, AT_FDCWD, r->rdi, r->rsi, r->rdx, 0, r);
	case SYS_execveat:
		return exec_execveat(p, (int32_t)r->rdi, r->rsi, r->rdx, r->r10,
				     (uint32_t)r->r8, r);
	default:
		return sys_call_files(p, nr, r);
	}
}

/* rt_sigaction(2) of p: the handler table shared with CLONE_SIGHAND tasks follows. */
static long sys_proc_sigaction(struct proc *p, struct uregs *r)
{
	long ret = sys_rt_sigaction(&p->sig, (int)r->rdi, r->rsi, r->rdx, r->r10);

	if (ret == 0 && r->rsi)
		proc_sighand_sync(p, (int)r->rdi);
	return ret;
}

/* True for the memory-management calls sys_mm serves. */
static bool sys_mm_serves(uint64_t nr)
{
	return (nr >= SYS_mmap && nr <= SYS_brk) || (nr >= SYS_mremap && nr <= SYS_madvise);
}

/*
 * Every call but rt_sigreturn and exit: the result for rax. The memory
 * calls go first, by two range checks: under TCG each module's switch a
 * call falls through (an indirect jump and a return each) costs about a
 * hundred cycles, and these are the calls the programs here make most.
 */
static long sys_call(struct proc *p, uint64_t nr, struct uregs *r)
{
	long ret;

	if (sys_mm_serves(nr))
		return sys_mm(p, nr, r);
	ret = sys_proc_call(p, nr, r);

	if (ret == SYS_NOT_MINE)
		ret = sys_signal_call(p, nr, r);
	if (ret == SYS_NOT_MINE)
		ret = sys_itimer_call(p, nr, r);
	if (ret == SYS_NOT_MINE)
		ret = sys_mempolicy_call(p, nr, r);
	if (ret != SYS_NOT_MINE)
		return ret;
	switch (nr) {
	case SYS_read: return sys_read(p, (int64_t)r->rdi, r->rsi, r->rdx);
	case SYS_write: return sys_write(p, r->rdi, r->rsi, r->rdx);
	case SYS_writev: return sys_writev(p, r->rdi, r->rsi, r->rdx);
	case SYS_rt_sigaction:
		return sys_proc_sigaction(p, r);
	case SYS_rt_sigprocmask:
		return sys_rt_sigprocmask(&p->sig, (int)r->rdi, r->rsi, r->rdx, r->r10);
	case SYS_sigaltstack: return sys_sigaltstack(&p->sig, r->rdi, r->rsi, r->rsp);
	case SYS_ioctl: return sys_ioctl(p, r->rdi, r->rsi, r->rdx);
	case SYS_sched_yield: sched_yield(); return 0;
	case SYS_uname: return sys_uname(r->rdi);
	case SYS_arch_prctl: return sys_arch_prctl(p, r->rdi, r->rsi);
	case SYS_set_tid_address: p->tid_address = r->rdi; return p->pid;
	case SYS_clock_gettime: return sys_clock_gettime(p, (int64_t)r->rdi, r->rsi);
	case SYS_clock_getres: return sys_clock_getres(p, (int64_t)r->rdi, r->rsi);
	case SYS_getrandom: return sys_getrandom(r->rdi, r->rsi, r->rdx);
	case SYS_prlimit64:
		return sys_prlimit64(p, (int64_t)r->rdi, r->rsi, r->rdx, r->r10);
	case SYS_getrlimit: return sys_prlimit64(p, 0, r->rdi, 0, r->rsi);
	case SYS_setrlimit: return sys_prlimit64(p, 0, r->rdi, r->rsi, 0);
	default:
		if (sys_lock_serves(nr))
			return sys_lock(p, nr, r);
		return sys_call_more(p, nr, r);
	}
}

bool syscall_dispatch(struct uregs *regs)
{
	struct proc *p = proc_current();
	uint64_t nr = (uint32_t)regs->orig_rax; /* Linux reads the number as an int */
	uint64_t t0, idle0;

	p->res->syscalls++;
	if (nr == SYS_exit)
		proc_exit_thread((int)(regs->rdi & 0xff));
	if (nr == SYS_exit_group)
		proc_exit((int)(regs->rdi & 0xff));
	if (nr == SYS_rt_sigreturn) {
		if (sig_return(&p->sig, regs) || !uregs_canonical(regs->rip) ||
		    !uregs_canonical(regs->rsp))
			proc_kill(SIGSEGV, regs->rsp, regs->rip);
		proc_pending_signals(p, regs);
		return true;
	}
	t0 = user_clock_mono_ns();
	idle0 = p->idle_ns;
	regs->rax = (uint64_t)sys_call(p, nr, regs);
	p->sys_ns += user_clock_mono_ns() - t0 - (p->idle_ns - idle0);
	if ((p->sig.pending || proc_shared_pending(p)) && proc_pending_signals(p, regs)) {
		sig_restore_mask(&p->sig);
		return true;
	}
	sig_restore_mask(&p->sig);
	return !uregs_canonical(regs->rip) || regs->rcx != regs->rip ||
	       regs->r11 != regs->rflags;
}
