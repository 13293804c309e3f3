/*
 * Private to the syscall files (syscall.c, sys_time.c, sys_poll.c,
 * sys_misc.c, sys_stat.c, sys_fd.c, sys_file.c, sys_signal.c, itimer.c, futex.c): the calls
 * each file serves, and what they share.
 * Every call returns its result for rax: a value or -errno, as Linux.
 */
#ifndef KERNEL_SYS_H
#define KERNEL_SYS_H

#include "lib/types.h"

struct proc;
struct uregs;

#define SYS_NSEC_PER_SEC 1000000000LL

struct sys_timespec {
	int64_t tv_sec, tv_nsec;
};

struct sys_timeval {
	int64_t tv_sec, tv_usec;
};

/* sys_time.c */
long sys_sleep_until(struct proc *p, uint64_t deadline);
uint64_t sys_cpu_ns(const struct proc *p);
int64_t sys_clock_ns(struct proc *p, int64_t clk);
int sys_get_timespec(uint64_t uts, int64_t *ns);
uint64_t sys_deadline(int64_t rel_ns);
void sys_put_ns(int64_t ns, struct sys_timespec *ts);
long sys_clock_gettime(struct proc *p, int64_t clk, uint64_t tp);
long sys_clock_getres(struct proc *p, int64_t clk, uint64_t tp);
long sys_nanosleep(struct proc *p, uint64_t req, uint64_t rem);
long sys_clock_nanosleep(struct proc *p, int64_t clk, uint64_t flags, uint64_t req,
			 uint64_t rem);
long sys_time(uint64_t tloc);
long sys_gettimeofday(uint64_t tv, uint64_t tz);

/* futex.c */
long sys_futex(struct proc *p, struct uregs *r);

/* sys_signal.c: pause, sigsuspend, sigpending, sigtimedwait, sigqueueinfo */
long sys_signal_call(struct proc *p, uint64_t nr, struct uregs *r);

/* itimer.c: alarm, setitimer, getitimer */
long sys_itimer_call(struct proc *p, uint64_t nr, struct uregs *r);

/* sys_mempolicy.c: pkey_alloc, pkey_free, pkey_mprotect, mbind, set_mempolicy,
 * get_mempolicy, migrate_pages, move_pages */
long sys_mempolicy_call(struct proc *p, uint64_t nr, struct uregs *r);

/* sys_poll.c */
long sys_poll(struct proc *p, uint64_t ufds, uint64_t nfds, int64_t timeout_ms);
long sys_ppoll(struct proc *p, struct uregs *r);
long sys_select(struct proc *p, struct uregs *r);
long sys_pselect6(struct proc *p, struct uregs *r);

/* sys_proc.c, fork.c: processes */
long sys_proc_call(struct proc *p, uint64_t nr, struct uregs *r);
/* The credential changed: hand the capabilities mm checks to p's address space. */
void proc_cred_changed(struct proc *p);
long sys_fork(struct proc *p, struct uregs *r, int vfork);
long sys_clone(struct proc *p, struct uregs *r);
long sys_clone3(struct proc *p, struct uregs *r);

/* sys_misc.c */
#define AT_FDCWD (-100)
#define SYS_PATH_MAX 4096                  /* PATH_MAX, the NUL included */
#define SYS_PATH_BUF (SYS_PATH_MAX + 1)   /* a "/" may go in front */
long sys_misc(struct proc *p, uint64_t nr, struct uregs *r);
/* sys_pvm.c: process_vm_readv, process_vm_writev */
long sys_process_vm(struct proc *p, uint64_t nr, struct uregs *r);
/* sys_ptrace.c: ptrace (include/kernel/ptrace.h) */
long sys_ptrace(struct proc *p, struct uregs *r);

/* sys_fd.c: descriptors and open files */
struct file;
#define SYS_NOT_MINE (-(1L << 40)) /* a sys_*_call's answer for a number it does not serve */
long sys_fd_call(struct proc *p, uint64_t nr, struct uregs *r);
struct file *sys_file(struct proc *p, int64_t fd);     /* NULL: not open (or O_PATH) */
struct file *sys_file_raw(struct proc *p, int64_t fd); /* O_PATH ones too (fdget_raw) */
long sys_install(struct proc *p, struct file *f, unsigned oflags); /* fd; drops f on error */
uint32_t sys_nofile(const struct proc *p);             /* RLIMIT_NOFILE */
int sys_fd_console(struct proc *p, int fd);            /* console stream 0..2, or -1 */
long sys_read(struct proc *p, int64_t fd, uint64_t ubuf, uint64_t len);
long sys_file_write(struct proc *p, struct file *f, uint64_t ubuf, uint64_t len);
long sys_file_rwv(struct proc *p, bool write, int64_t fd, uint64_t uiov, uint64_t cnt);
long sys_ftruncate(struct proc *p, int64_t fd, int64_t len);

/* sys_file.c: calls that take paths */
long sys_file_call(struct proc *p, uint64_t nr, struct uregs *r);
struct namei;
long sys_lookup(struct proc *p, int32_t dirfd, uint64_t upath, unsigned flags, char *buf,
		struct namei *nd);
long sys_getcwd(struct proc *p, uint64_t buf, uint64_t size);
/* The directory a path relative to dirfd starts from (AT_FDCWD: the cwd). 0, -EBADF, -ENOTDIR. */
long sys_start_dir(struct proc *p, int32_t dirfd, struct vfs_node **dir);

/* sys_pipe.c: pipes and socket pairs */
#define SYS_UIO_MAXIOV 1024
struct sys_iov {
	uint64_t base, len;
};
struct waitq;
struct file;
extern struct waitq sys_poll_wq; /* pipe and socket changes wake it; poll and select sleep on it */
long sys_pipe_call(struct proc *p, uint64_t nr, struct uregs *r);
long sys_iov_get(uint64_t uiov, uint64_t cnt, struct sys_iov *iov); /* import_iovec's checks */
bool sys_pipe_is_stream(const struct file *f);          /* a pipe end or a socket */
long sys_pipe_rw(struct proc *p, struct file *f, bool write, const struct sys_iov *iov,
		 uint64_t cnt);                         /* read/write/readv/writev, blocking */
long sys_pipe_fcntl(struct proc *p, struct file *f, uint32_t cmd, uint64_t arg);
long sys_pipe_ioctl(struct proc *p, struct file *f, uint64_t cmd, uint64_t arg);

/* sys_stat.c */
long sys_fstat(struct proc *p, uint64_t fd, uint64_t buf);
long sys_newfstatat(struct proc *p, struct uregs *r);
long sys_stat_path(struct proc *p, uint64_t upath, uint64_t buf, bool follow);
long sys_statx(struct proc *p, struct uregs *r);

#endif
