/*
 * Pipes and AF_UNIX socket pairs: pipe, pipe2, socketpair, sendto,
 * recvfrom, sendmsg, recvmsg, shutdown, and read/write/readv/writev on
 * their ends (sys_fd.c hands those over), F_GETPIPE_SZ/F_SETPIPE_SZ and
 * FIONREAD. The data structures are fs's (fs/pipe.h, fs/usock.h), which
 * never sleep: here a call that would block sleeps on the object's wait
 * queue (kernel/sched.h) until the other side changes it, a signal comes
 * (-ERESTARTSYS: EINTR, or a restart under SA_RESTART) or, for O_NONBLOCK / MSG_DONTWAIT, returns -EAGAIN at once.
 * Every change also wakes sys_poll_wq, where poll and select wait.
 * vmsplice copies user bytes into a pipe, or reads a pipe into user memory.
 * Control messages (SCM_RIGHTS, SCM_CREDENTIALS) are not supported:
 * sendmsg with a non-empty msg_control is EINVAL, recvmsg returns none.
 */
#include "fs/pipe.h"
#include "fs/usock.h"
#include "kernel/proc.h"
#include "kernel/sched.h"
#include "kernel/usercopy.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/aspace.h"
#include "mm/heap.h"
#include "proc_internal.h"
#include "sys.h"

#define SYS_AF_MAX 46                 /* NPROTO: families above are EAFNOSUPPORT */
#define SYS_AF_INET 2
#define SYS_AF_INET6 10
#define SYS_AF_NETLINK 16
#define SYS_AF_PACKET 17
#define SYS_PF_UNIX_PROTO 1           /* protocol PF_UNIX is accepted as 0 */
#define SYS_NOTIFICATION_PIPE O_EXCL  /* O_NOTIFICATION_PIPE: ENOPKG without watch queues */
#define SYS_SOCKADDR_MAX 128          /* sizeof(struct sockaddr_storage) */
#define SYS_SUN_LEN 110               /* sizeof(struct sockaddr_un) */
#define SYS_FIONREAD 0x541b
#define SYS_vmsplice 278
#define SYS_SPLICE_F_NONBLOCK 0x02
#define SYS_SPLICE_F_ALL 0x0f        /* MOVE, NONBLOCK, MORE, GIFT */

struct waitq sys_poll_wq = { { &sys_poll_wq.sleepers, &sys_poll_wq.sleepers } };

/* The wake function fs calls on every change: the queue's sleepers and every poller. */
static void sys_pipe_wake(struct waitq *wq)
{
	sched_wake_all(wq);
	sched_wake_all(&sys_poll_wq);
}

static int64_t sys_pipe_now(void)
{
	return (int64_t)user_clock_real_ns();
}

/*
 * Sleep on wq for the blocking loops: 0 when woken, -ERESTARTSYS for a
 * signal (EINTR for the program unless its handler has SA_RESTART).
 */
static long sys_pipe_sleep(struct proc *p, struct waitq *wq)
{
	if (proc_sig_wakes(p))
		return -ERESTARTSYS;
	return sched_sleep(wq, SCHED_FOREVER) ? -ERESTARTSYS : 0;
}

/* ---- user memory as a pipe_io ---- */

/* A pipe_io over a checked user iovec array. */
struct sys_uio {
	struct pipe_io io;
	const struct sys_iov *iov;
	uint64_t cnt, i, off; /* at iov[i].base + off */
	bool to_user;
};

/* pipe_io copy: n bytes between k and the iovecs; nothing advances on a fault. */
static int sys_uio_copy(struct pipe_io *io, void *k, size_t n)
{
	struct sys_uio *u = (struct sys_uio *)io;
	uint64_t i = u->i, off = u->off;
	size_t done = 0;

	while (done < n) {
		size_t m;
		int err;

		while (off == u->iov[i].len) {
			i++;
			off = 0;
		}
		m = MIN(n - done, u->iov[i].len - off);
		err = u->to_user ? copy_to_user(u->iov[i].base + off, (uint8_t *)k + done, m) :
				   copy_from_user((uint8_t *)k + done, u->iov[i].base + off, m);
		if (err)
			return -EFAULT;
		off += m;
		done += m;
	}
	u->i = i;
	u->off = off;
	io->left -= n;
	return 0;
}

static void sys_uio_init(struct sys_uio *u, const struct sys_iov *iov, uint64_t cnt,
			 bool to_user)
{
	uint64_t total = 0;

	for (uint64_t i = 0; i < cnt; i++)
		total += iov[i].len;
	u->io.copy = sys_uio_copy;
	u->io.left = total;
	u->io.ctx = NULL;
	u->iov = iov;
	u->cnt = cnt;
	u->i = u->off = 0;
	u->to_user = to_user;
}

long sys_iov_get(uint64_t uiov, uint64_t cnt, struct sys_iov *iov)
{
	uint64_t total = 0;

	if (cnt > SYS_UIO_MAXIOV)
		return -EINVAL;
	if (cnt && copy_from_user(iov, uiov, cnt * sizeof(*iov)))
		return -EFAULT;
	for (uint64_t i = 0; i < cnt; i++) {
		if ((int64_t)iov[i].len < 0 || iov[i].len > INT64_MAX - total)
			return -EINVAL;
		if (!user_range_ok(iov[i].base, iov[i].len))
			return -EFAULT;
		total += iov[i].len;
	}
	return 0;
}

/* ---- pipes ---- */

/* pipe_read, sleeping while empty with a writer (unless O_NONBLOCK in oflags). */
static long sys_pipe_read_wait(struct proc *p, struct pipe *pp, struct pipe_io *io,
			       unsigned oflags)
{
	long n;

	while ((n = pipe_read(pp, io)) == -EAGAIN && !(oflags & O_NONBLOCK)) {
		long err = sys_pipe_sleep(p, &pp->rwait);

		if (err)
			return err;
	}
	return n;
}

/* pipe_read from the pipe of f, sleeping while empty with a writer (unless O_NONBLOCK). */
static long sys_pipe_read(struct proc *p, struct file *f, struct pipe_io *io)
{
	return sys_pipe_read_wait(p, pipe_of(f), io, f->flags);
}

/*
 * pipe_write until io is empty, sleeping while full (unless O_NONBLOCK).
 * The count written, or -EAGAIN, -EPIPE (with SIGPIPE raised, as Linux
 * raises it even after a partial write), -EINTR, -EFAULT, -ENOMEM when
 * nothing was.
 */
static long sys_pipe_write(struct proc *p, struct file *f, struct pipe_io *io)
{
	struct pipe *pp = pipe_of(f);
	unsigned flags = PIPE_W_MERGE | ((f->flags & O_DIRECT) ? PIPE_W_PACKET : 0);
	long done = 0, n;

	if (!io->left)
		return 0;
	for (;;) {
		n = pipe_write(pp, io, flags);
		flags &= ~PIPE_W_MERGE;
		if (n > 0)
			done += n;
		if (n == -EPIPE)
			proc_signal_self(p, SIGPIPE, SI_USER);
		if (!io->left || (n < 0 && n != -EAGAIN))
			break;
		if (f->flags & O_NONBLOCK) {
			n = -EAGAIN;
			break;
		}
		n = sys_pipe_sleep(p, &pp->wwait);
		if (n)
			break;
	}
	return done ? done : n;
}

/* ---- sockets ---- */

/*
 * usock_send until io is empty (a seqpacket or datagram message: once), sleeping on
 * flow control unless MSG_DONTWAIT. SIGPIPE as unix_stream_sendmsg: for
 * a stream end that sent nothing, without MSG_NOSIGNAL.
 */
static long sys_sock_send(struct proc *p, struct usock *s, struct pipe_io *io, unsigned flags)
{
	bool stream = usock_type(s) == SOCK_STREAM;
	long done = 0, n;

	for (;;) {
		n = usock_send(s, io, flags);
		if (n >= 0 && (!stream || !io->left))
			return done + n;
		if (n > 0)
			done += n;
		if (n == -EPIPE && !done && stream && !(flags & MSG_NOSIGNAL))
			proc_signal_self(p, SIGPIPE, SI_USER);
		if (n < 0 && n != -EAGAIN)
			break;
		if (flags & MSG_DONTWAIT) {
			n = -EAGAIN;
			break;
		}
		n = sys_pipe_sleep(p, &s->wait);
		if (n)
			break;
	}
	return done ? done : n;
}

/*
 * usock_recv, sleeping while nothing is queued unless MSG_DONTWAIT; a
 * stream read with MSG_WAITALL goes on until io is full or end of file.
 */
static long sys_sock_recv(struct proc *p, struct usock *s, struct pipe_io *io, unsigned flags,
			  unsigned *msg_flags)
{
	bool waitall = (flags & MSG_WAITALL) && usock_type(s) == SOCK_STREAM &&
		       !(flags & (MSG_DONTWAIT | MSG_PEEK));
	long done = 0, n;

	for (;;) {
		n = usock_recv(s, io, flags, msg_flags);
		if (n > 0)
			done += n;
		if (n == 0 || (n > 0 && (!waitall || !io->left)) || (n < 0 && n != -EAGAIN))
			break;
		if (n == -EAGAIN && (flags & MSG_DONTWAIT))
			break;
		n = sys_pipe_sleep(p, &s->wait);
		if (n)
			break;
	}
	return done ? done : n;
}

/* ---- read and write on either ---- */

bool sys_pipe_is_stream(const struct file *f)
{
	return pipe_of(f) || usock_of(f);
}

long sys_pipe_rw(struct proc *p, struct file *f, bool write, const struct sys_iov *iov,
		 uint64_t cnt)
{
	struct usock *s = usock_of(f);
	unsigned dontwait = (f->flags & O_NONBLOCK) ? MSG_DONTWAIT : 0, mf;
	struct sys_uio u;
	long n;

	sys_uio_init(&u, iov, cnt, !write);
	file_get(f);
	if (!s)
		n = write ? sys_pipe_write(p, f, &u.io) : sys_pipe_read(p, f, &u.io);
	else if (write)
		n = sys_sock_send(p, s, &u.io, dontwait | MSG_EOR);
	else
		n = u.io.left ? sys_sock_recv(p, s, &u.io, dontwait, &mf) : 0;
	file_put(f);
	return n;
}

/* ---- vmsplice ---- */


/*
 * Linux's wait_for_space: 0 once a slot is free; -EPIPE (SIGPIPE raised)
 * with no reader; -EAGAIN when full under SPLICE_F_NONBLOCK (the fd's own
 * O_NONBLOCK does not count: pipe_clear_nowait); else sleep (-ERESTARTSYS).
 */
static long sys_vmsplice_wait(struct proc *p, struct pipe *pp, unsigned flags)
{
	long err;

	for (;;) {
		if (!pp->readers) {
			proc_signal_self(p, SIGPIPE, SI_USER);
			return -EPIPE;
		}
		if (!pipe_full(pp))
			return 0;
		if (flags & SYS_SPLICE_F_NONBLOCK)
			return -EAGAIN;
		err = sys_pipe_sleep(p, &pp->wwait);
		if (err)
			return err;
	}
}

/*
 * True when GUP would pin the user page at va for reading: mapped, readable
 * and not memfd_secret's (Linux's check_vma_flags and secretmem refusals).
 */
static bool sys_vmsplice_pinnable(struct proc *p, uint64_t va)
{
	struct as_vma_info vi;

	return as_vma_at(p->as, va, &vi) && (vi.prot & PROT_READ) && !(vi.flags & AS_VMA_SECRET);
}

/*
 * vmsplice into pipe pp (Linux's vmsplice_to_pipe and iter_to_pipe) with
 * copy semantics: the pipe holds a copy of the user's bytes as they are at
 * the call (Linux lends the user's pages, so a later store may show through;
 * SPLICE_F_GIFT is a hint there, and changes nothing here). After one wait
 * for room, each piece of an iovec inside one user page takes a slot of its
 * own, which no later write merges into, until the iovecs are done or the
 * ring is full or a page GUP would not pin (sys_vmsplice_pinnable) is met:
 * the count, or -EFAULT, -ENOMEM and the errors of the wait when nothing
 * went in.
 */
static long sys_vmsplice_to_pipe(struct proc *p, struct pipe *pp, struct sys_uio *u,
				 unsigned flags)
{
	size_t total = u->io.left, chunk;
	long done = 0, n = sys_vmsplice_wait(p, pp, flags);
	uint64_t va;

	while (n >= 0 && (size_t)done < total && !pipe_full(pp)) {
		while (u->off == u->iov[u->i].len) {
			u->i++;
			u->off = 0;
		}
		va = u->iov[u->i].base + u->off;
		chunk = MIN(u->iov[u->i].len - u->off, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
		u->io.left = chunk;
		n = sys_vmsplice_pinnable(p, va) ? pipe_write(pp, &u->io, PIPE_W_SPLICE) : -EFAULT;
		if (n > 0)
			done += n;
	}
	return done ? done : n;
}

/*
 * vmsplice(fd, iov, nr_segs, flags) as Linux 6.12: EINVAL for unknown flags,
 * EBADF for a closed fd, the iovec's EINVAL/EFAULT (import_iovec), 0 for no
 * bytes, EBADF when fd is no pipe. A write end takes the bytes
 * (sys_vmsplice_to_pipe); a read end reads the pipe into the iovecs as read
 * does, waiting while empty unless SPLICE_F_NONBLOCK (vmsplice_to_user).
 */
static long sys_vmsplice(struct proc *p, int64_t fd, uint64_t uiov, uint64_t cnt,
			 uint64_t flags)
{
	struct file *f = sys_file(p, fd);
	struct sys_iov *iov;
	struct sys_uio u;
	long n;

	if (flags & ~(uint64_t)SYS_SPLICE_F_ALL)
		return -EINVAL;
	if (!f)
		return -EBADF;
	if (cnt > SYS_UIO_MAXIOV)
		return -EINVAL;
	iov = kmalloc(MAX(cnt, 1) * sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	n = sys_iov_get(uiov, cnt, iov);
	sys_uio_init(&u, iov, n ? 0 : cnt, (f->flags & O_ACCMODE) == O_RDONLY);
	if (!n && u.io.left && !pipe_of(f))
		n = -EBADF;
	if (!n && u.io.left) {
		file_get(f);
		n = u.to_user ? sys_pipe_read_wait(p, pipe_of(f), &u.io,
						   (flags & SYS_SPLICE_F_NONBLOCK) ? O_NONBLOCK : 0) :
				sys_vmsplice_to_pipe(p, pipe_of(f), &u, (unsigned)flags);
		file_put(f);
	}
	kfree(iov);
	return n;
}

/* ---- pipe, pipe2, socketpair ---- */

/* Install both files (O_CLOEXEC as asked) and store the fds at ufds. */
static long sys_install_pair(struct proc *p, struct file *a, struct file *b, unsigned oflags,
			     uint64_t ufds)
{
	int fds[2];

	fds[0] = (int)sys_install(p, a, oflags);
	if (fds[0] < 0) {
		file_put(b);
		return fds[0];
	}
	fds[1] = (int)sys_install(p, b, oflags);
	if (fds[1] < 0) {
		fdt_close(p->fdt, fds[0]);
		return fds[1];
	}
	if (copy_to_user(ufds, fds, sizeof(fds))) {
		fdt_close(p->fdt, fds[0]);
		fdt_close(p->fdt, fds[1]);
		return -EFAULT;
	}
	return 0;
}

/* pipe2(2): O_CLOEXEC, O_NONBLOCK, O_DIRECT; other flags EINVAL. */
static long sys_pipe2(struct proc *p, uint64_t ufds, uint64_t flags)
{
	unsigned fl = (unsigned)flags;
	struct file *rd, *wr;
	int err;

	if (fl & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT | SYS_NOTIFICATION_PIPE))
		return -EINVAL;
	if (fl & SYS_NOTIFICATION_PIPE)
		return -ENOPKG;
	err = pipe_create(fl, sys_pipe_wake, sys_pipe_now(), &rd, &wr);
	if (err)
		return err;
	return sys_install_pair(p, rd, wr, fl, ufds);
}

/*
 * The errno socketpair gives for a family other than AF_UNIX, in Linux's
 * order: out of range or not built (EAFNOSUPPORT); the families Linux
 * builds but that have no socketpair (EOPNOTSUPP).
 */
static long sys_socketpair_family(int32_t family)
{
	if (family == SYS_AF_INET || family == SYS_AF_INET6 || family == SYS_AF_NETLINK ||
	    family == SYS_AF_PACKET)
		return -EOPNOTSUPP;
	return -EAFNOSUPPORT;
}

/* socketpair(2): AF_UNIX SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM (SOCK_RAW is SOCK_DGRAM). */
static long sys_socketpair(struct proc *p, int64_t domain, int64_t type, int64_t proto,
			   uint64_t usv)
{
	int32_t fam = (int32_t)domain, t = (int32_t)type, base = t & SOCK_TYPE_MASK;
	unsigned fl = (unsigned)t & (SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct file *a, *b;
	int err;

	if ((unsigned)t & ~(SOCK_TYPE_MASK | SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	if (fam < 0 || fam >= SYS_AF_MAX)
		return -EAFNOSUPPORT;
	if (base >= SOCK_MAX)
		return -EINVAL;
	if (fam != AF_UNIX)
		return sys_socketpair_family(fam);
	if ((int32_t)proto && (int32_t)proto != SYS_PF_UNIX_PROTO)
		return -EPROTONOSUPPORT;
	if (base == SOCK_RAW)
		base = SOCK_DGRAM; /* as unix_create */
	if (base != SOCK_STREAM && base != SOCK_SEQPACKET && base != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	err = usock_pair_create(base, fl, sys_pipe_wake, sys_pipe_now(), &a, &b);
	if (err)
		return err;
	return sys_install_pair(p, a, b, fl, usv);
}

/* ---- the socket calls ---- */

/* The socket at fd: -EBADF, -ENOTSOCK. */
static long sys_sock_get(struct proc *p, int64_t fd, struct usock **out)
{
	struct file *f = sys_file(p, fd);

	if (!f)
		return -EBADF;
	*out = usock_of(f);
	if (!*out)
		return -ENOTSOCK;
	return (f->flags & O_NONBLOCK) ? MSG_DONTWAIT : 0;
}

/*
 * move_addr_to_kernel's checks of a send address: its length, or -EINVAL,
 * -EFAULT. The address itself goes to *sun (struct sockaddr_un).
 */
static long sys_sock_addr_in(uint64_t uaddr, int64_t alen, uint8_t sun[SYS_SOCKADDR_MAX])
{
	int32_t len = (int32_t)alen;

	if (!uaddr)
		return 0;
	if (len < 0 || len > SYS_SOCKADDR_MAX)
		return -EINVAL;
	if (len && copy_from_user(sun, uaddr, (size_t)len))
		return -EFAULT;
	return len;
}

/*
 * What a send with an address of `alen` bytes gets before any data moves
 * (0: send as if there were none). A stream end is connected: EISCONN
 * (EOPNOTSUPP with MSG_OOB); a seqpacket end ignores it; a datagram end
 * would send to the socket bound there, but nothing can bind here: EINVAL
 * for an address that is no AF_UNIX one (unix_validate_addr), else
 * ECONNREFUSED for an abstract name and ENOENT for a path, as Linux
 * answers when nothing is bound at them.
 */
static long sys_sock_addr_use(struct usock *s, const uint8_t *sun, long alen, unsigned flags)
{
	if (!alen || usock_type(s) == SOCK_SEQPACKET)
		return 0;
	if (usock_type(s) == SOCK_STREAM)
		return (flags & MSG_OOB) ? -EOPNOTSUPP : -EISCONN;
	if (alen <= 2 || alen > SYS_SUN_LEN || (sun[0] | sun[1] << 8) != AF_UNIX)
		return -EINVAL;
	return sun[2] ? -ENOENT : -ECONNREFUSED;
}

/* move_addr_to_user of an unnamed peer: *ulen = 0 after its checks. */
static long sys_sock_addr_out(uint64_t uaddr, uint64_t ulen)
{
	int32_t len, zero = 0;

	if (!uaddr)
		return 0;
	if (copy_from_user(&len, ulen, sizeof(len)))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	return copy_to_user(ulen, &zero, sizeof(zero)) ? -EFAULT : 0;
}

/* sendto(2) (send(2) is sendto without an address). */
static long sys_sendto(struct proc *p, struct uregs *r)
{
	struct sys_iov iov = { r->rsi, r->rdx };
	uint8_t sun[SYS_SOCKADDR_MAX];
	unsigned flags = (unsigned)r->r10;
	struct usock *s;
	struct sys_uio u;
	long fl, alen;

	if ((int64_t)r->rdx < 0 || !user_range_ok(r->rsi, r->rdx))
		return -EFAULT;
	fl = sys_sock_get(p, r->rdi, &s);
	if (fl < 0)
		return fl;
	alen = sys_sock_addr_in(r->r8, (int64_t)r->r9, sun);
	if (alen < 0)
		return alen;
	alen = sys_sock_addr_use(s, sun, alen, flags);
	if (alen < 0)
		return alen;
	sys_uio_init(&u, &iov, 1, false);
	return sys_sock_send(p, s, &u.io, flags | (unsigned)fl);
}

/* recvfrom(2): the peer is unnamed, so an address length comes back 0. */
static long sys_recvfrom(struct proc *p, struct uregs *r)
{
	struct sys_iov iov = { r->rsi, r->rdx };
	unsigned flags = (unsigned)r->r10, mf;
	struct usock *s;
	struct sys_uio u;
	long fl, n, err;

	if ((int64_t)r->rdx < 0 || !user_range_ok(r->rsi, r->rdx))
		return -EFAULT;
	fl = sys_sock_get(p, r->rdi, &s);
	if (fl < 0)
		return fl;
	sys_uio_init(&u, &iov, 1, true);
	n = sys_sock_recv(p, s, &u.io, flags | (unsigned)fl, &mf);
	if (n >= 0) {
		err = sys_sock_addr_out(r->r8, r->r9);
		if (err)
			return err;
	}
	return n;
}

/* struct user_msghdr */
struct sys_msghdr {
	uint64_t name;
	int32_t namelen, pad0;
	uint64_t iov, iovlen, control, controllen;
	uint32_t flags, pad1;
};

/* copy_msghdr_from_user and the iovec import: -EFAULT, -EINVAL, -EMSGSIZE. */
static long sys_msghdr_get(uint64_t umsg, struct sys_msghdr *m, struct sys_iov *iov)
{
	if (copy_from_user(m, umsg, sizeof(*m)))
		return -EFAULT;
	if (!m->name)
		m->namelen = 0;
	if (m->namelen < 0)
		return -EINVAL;
	if (m->namelen > SYS_SOCKADDR_MAX)
		m->namelen = SYS_SOCKADDR_MAX;
	if (m->iovlen > SYS_UIO_MAXIOV)
		return -EMSGSIZE;
	return sys_iov_get(m->iov, m->iovlen, iov);
}

static struct sys_iov sys_msg_iov[SYS_UIO_MAXIOV];

/* sendmsg(2) with plain iovecs; control data is refused (EINVAL). */
static long sys_sendmsg(struct proc *p, int64_t fd, uint64_t umsg, uint64_t flags)
{
	uint8_t sun[SYS_SOCKADDR_MAX];
	struct sys_msghdr m;
	struct usock *s;
	struct sys_uio u;
	long fl = sys_sock_get(p, fd, &s), err;

	if (fl < 0)
		return fl;
	err = sys_msghdr_get(umsg, &m, sys_msg_iov);
	if (err)
		return err;
	if (m.controllen)
		return -EINVAL;
	err = sys_sock_addr_in(m.name, m.namelen, sun);
	if (err >= 0)
		err = sys_sock_addr_use(s, sun, err, (unsigned)flags);
	if (err < 0)
		return err;
	sys_uio_init(&u, sys_msg_iov, m.iovlen, false);
	return sys_sock_send(p, s, &u.io, (unsigned)flags | (unsigned)fl);
}

/* recvmsg(2): msg_namelen and msg_controllen come back 0, msg_flags MSG_TRUNC when cut. */
static long sys_recvmsg(struct proc *p, int64_t fd, uint64_t umsg, uint64_t flags)
{
	struct sys_msghdr m;
	struct usock *s;
	struct sys_uio u;
	unsigned mf = 0;
	long fl = sys_sock_get(p, fd, &s), n, err;

	if (fl < 0)
		return fl;
	err = sys_msghdr_get(umsg, &m, sys_msg_iov);
	if (err)
		return err;
	sys_uio_init(&u, sys_msg_iov, m.iovlen, true);
	n = sys_sock_recv(p, s, &u.io, (unsigned)flags | (unsigned)fl, &mf);
	if (n < 0)
		return n;
	m.namelen = 0;
	m.controllen = 0;
	m.flags = mf | ((unsigned)flags & MSG_CMSG_CLOEXEC);
	if (copy_to_user(umsg + __builtin_offsetof(struct sys_msghdr, namelen), &m.namelen,
			 sizeof(m.namelen)) ||
	    copy_to_user(umsg + __builtin_offsetof(struct sys_msghdr, controllen), &m.controllen,
			 sizeof(m.controllen)) ||
	    copy_to_user(umsg + __builtin_offsetof(struct sys_msghdr, flags), &m.flags,
			 sizeof(m.flags)))
		return -EFAULT;
	return n;
}

static long sys_shutdown(struct proc *p, int64_t fd, int64_t how)
{
	struct usock *s;
	long fl = sys_sock_get(p, fd, &s);

	return fl < 0 ? fl : usock_shutdown(s, (int)(int32_t)how);
}

/* ---- fcntl and ioctl on pipes and sockets ---- */

long sys_pipe_fcntl(struct proc *p, struct file *f, uint32_t cmd, uint64_t arg)
{
	struct pipe *pp = pipe_of(f);

	if (!pp)
		return -EBADF;
	if (cmd == F_GETPIPE_SZ)
		return pipe_get_size(pp);
	return pipe_set_size(pp, (uint32_t)arg, cred_capable(&p->cred, CAP_SYS_RESOURCE) ?
			     PIPE_SZ_PRIVILEGED : 0);
}

long sys_pipe_ioctl(struct proc *p, struct file *f, uint64_t cmd, uint64_t arg)
{
	int32_t n;

	if ((uint32_t)cmd != SYS_FIONREAD || !sys_pipe_is_stream(f))
		return -ENOTTY;
	n = (int32_t)(pipe_of(f) ? pipe_bytes(pipe_of(f)) : usock_bytes(usock_of(f)));
	return copy_to_user(arg, &n, sizeof(n)) ? -EFAULT : 0;
}

/* The calls on a socket at fd rdi. */
static long sys_sock_call(struct proc *p, uint64_t nr, struct uregs *r)
{
	switch (nr) {
	case SYS_sendto: return sys_sendto(p, r);
	case SYS_recvfrom: return sys_recvfrom(p, r);
	case SYS_sendmsg: return sys_sendmsg(p, (int64_t)r->rdi, r->rsi, r->rdx);
	case SYS_recvmsg: return sys_recvmsg(p, (int64_t)r->rdi, r->rsi, r->rdx);
	default: return sys_shutdown(p, (int64_t)r->rdi, (int64_t)r->rsi);
	}
}

long sys_pipe_call(struct proc *p, uint64_t nr, struct uregs *r)
{
	struct file *f;
	long ret;

	switch (nr) {
	case SYS_pipe: return sys_pipe2(p, r->rdi, 0);
	case SYS_vmsplice: return sys_vmsplice(p, (int64_t)r->rdi, r->rsi, r->rdx, r->r10);
	case SYS_pipe2: return sys_pipe2(p, r->rdi, r->rsi);
	case SYS_socketpair:
		return sys_socketpair(p, (int64_t)r->rdi, (int64_t)r->rsi, (int64_t)r->rdx, r->r10);
	case SYS_sendto: case SYS_recvfrom: case SYS_sendmsg: case SYS_recvmsg: case SYS_shutdown:
		/* the file stays while the call sleeps, whoever closes the fd */
		f = sys_file(p, (int64_t)r->rdi);
		if (f)
			file_get(f);
		ret = sys_sock_call(p, nr, r);
		if (f)
			file_put(f);
		return ret;
	default:
		return SYS_NOT_MINE;
	}
}
