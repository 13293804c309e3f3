/*
 * Connected AF_UNIX socket pairs: message queues with Linux's flow control
 * and shutdown rules (see include/fs/usock.h), and the ends as struct file.
 */
#include "fs/usock.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"

#define USOCK_S_IFSOCK 0140000
#define USOCK_FS_MINOR 9          /* sockfs's anonymous device 0:9 */
#define USOCK_VFS_ATTRS (STATX_ATTR_AUTOMOUNT | STATX_ATTR_MOUNT_ROOT | STATX_ATTR_DAX)
#define USOCK_SEQ_MAX (USOCK_SNDBUF - 32) /* largest seqpacket message */

/* One message (skb) in a receive queue. */
struct usock_msg {
	struct list_node link;
	struct usock *from;  /* its cost is charged to from->wmem until read */
	uint32_t len, off;   /* unread bytes: data[off, off + len) */
	uint32_t cost;
	uint8_t data[];
};

static uint64_t usock_next_ino = 5000;

static const struct file_ops usock_ops;

static struct usock *usock_peer(const struct usock *s)
{
	struct usock_pair *pr = s->pair;

	return s == &pr->end[0] ? &pr->end[1] : &pr->end[0];
}

int usock_type(const struct usock *s)
{
	return s->pair->type;
}

static void usock_wake(struct usock *s)
{
	if (s->pair->wake)
		s->pair->wake(&s->wait);
}

/* Unlink and free a read message; its sender may send again. */
static void usock_msg_free(struct usock_msg *m)
{
	list_del(&m->link);
	m->from->wmem -= m->cost;
	usock_wake(m->from);
	kfree(m);
}

static struct usock_msg *usock_first(const struct usock *s)
{
	struct list_node *n = list_first(&s->rq);

	return n ? list_entry(n, struct usock_msg, link) : NULL;
}

size_t usock_bytes(const struct usock *s)
{
	size_t n = 0;

	for (struct list_node *l = s->rq.next; l != &s->rq; l = l->next)
		n += list_entry(l, struct usock_msg, link)->len;
	return n;
}

/*
 * Queue one message of n bytes of io from s at its peer, when flow control
 * lets s allocate it. Returns n, -EAGAIN, -ENOMEM or -EFAULT (nothing queued).
 */
static long usock_queue(struct usock *s, struct usock *peer, struct pipe_io *io, size_t n)
{
	struct usock_msg *m;

	if (s->wmem >= USOCK_SNDBUF)
		return -EAGAIN;
	m = kmalloc(sizeof(*m) + n + 1);
	if (!m)
		return -ENOMEM;
	if (n && io->copy(io, m->data, n)) {
		kfree(m);
		return -EFAULT;
	}
	m->from = s;
	m->len = (uint32_t)n;
	m->off = 0;
	m->cost = (uint32_t)n + USOCK_MSG_OVERHEAD;
	s->wmem += m->cost;
	list_add_tail(&peer->rq, &m->link);
	usock_wake(peer);
	return (long)n;
}

/* True when s may not send: shut for sending, or the peer gone or shut for receiving. */
static bool usock_send_closed(const struct usock *s)
{
	const struct usock *peer = usock_peer(s);

	return (s->shutdown & USOCK_SEND_SHUTDOWN) || !peer->open ||
	       (peer->shutdown & USOCK_RCV_SHUTDOWN);
}

/* unix_stream_sendmsg: messages of at most USOCK_STREAM_CHUNK while flow control allows. */
static long usock_send_stream(struct usock *s, struct pipe_io *io)
{
	long done = 0;

	if (usock_send_closed(s))
		return -EPIPE;
	while (io->left) {
		long n = usock_queue(s, usock_peer(s), io, MIN(io->left, USOCK_STREAM_CHUNK));

		if (n < 0)
			return done ? done : n;
		done += n;
	}
	return done;
}

/* unix_dgram_sendmsg for a connected seqpacket end: one whole message. */
static long usock_send_seq(struct usock *s, struct pipe_io *io)
{
	if (io->left > USOCK_SEQ_MAX)
		return -EMSGSIZE;
	if (s->shutdown & USOCK_SEND_SHUTDOWN)
		return -EPIPE;
	if (s->wmem >= USOCK_SNDBUF)
		return -EAGAIN;
	if (usock_send_closed(s))
		return -EPIPE;
	return usock_queue(s, usock_peer(s), io, io->left);
}

/*
 * unix_dgram_disconnected: the peer is gone; what it sent is dropped and
 * s has no peer from now on.
 */
static void usock_disconnect(struct usock *s)
{
	struct usock_msg *m;

	s->connected = false;
	while ((m = usock_first(s)))
		usock_msg_free(m);
}

/* unix_dgram_sendmsg for a datagram pair, in Linux's order of checks. */
static long usock_send_dgram(struct usock *s, struct pipe_io *io)
{
	struct usock *peer = usock_peer(s);

	if (io->left > USOCK_SEQ_MAX)
		return -EMSGSIZE;
	if (!s->connected)
		return -ENOTCONN;
	if (s->shutdown & USOCK_SEND_SHUTDOWN)
		return -EPIPE;
	if (s->wmem >= USOCK_SNDBUF)
		return -EAGAIN;
	if (!peer->open) {
		usock_disconnect(s);
		return -ECONNREFUSED;
	}
	if (peer->shutdown & USOCK_RCV_SHUTDOWN)
		return -EPIPE;
	return usock_queue(s, peer, io, io->left);
}

long usock_send(struct usock *s, struct pipe_io *io, unsigned flags)
{
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	switch (usock_type(s)) {
	case SOCK_SEQPACKET: return usock_send_seq(s, io);
	case SOCK_DGRAM: return usock_send_dgram(s, io);
	default: return usock_send_stream(s, io);
	}
}

/* unix_stream_read_generic: bytes across messages, up to io->left. */
static long usock_recv_stream(struct usock *s, struct pipe_io *io, unsigned flags)
{
	struct list_node *l = s->rq.next;
	long done = 0;

	while (io->left && l != &s->rq) {
		struct usock_msg *m = list_entry(l, struct usock_msg, link);
		size_t n = MIN((size_t)m->len, io->left);

		if (io->copy(io, m->data + m->off, n))
			return done ? done : -EFAULT;
		done += (long)n;
		l = l->next;
		if (flags & MSG_PEEK)
			continue;
		m->off += (uint32_t)n;
		m->len -= (uint32_t)n;
		if (!m->len)
			usock_msg_free(m);
	}
	if (done || !io->left)
		return done;
	return (s->shutdown & USOCK_RCV_SHUTDOWN) ? 0 : -EAGAIN;
}

/* unix_dgram_recvmsg (seqpacket and datagram): one message, truncated to io->left. */
static long usock_recv_seq(struct usock *s, struct pipe_io *io, unsigned flags,
			   unsigned *msg_flags)
{
	struct usock_msg *m = usock_first(s);
	size_t n;

	if (!m && usock_type(s) == SOCK_DGRAM)
		return (s->shutdown & USOCK_RCV_SHUTDOWN) && !(flags & MSG_DONTWAIT) ? 0 : -EAGAIN;
	if (!m)
		return (s->shutdown & USOCK_RCV_SHUTDOWN) ? 0 : -EAGAIN;
	n = MIN((size_t)m->len, io->left);
	if (n < m->len)
		*msg_flags |= MSG_TRUNC;
	if (n && io->copy(io, m->data + m->off, n))
		return -EFAULT;
	if (flags & MSG_TRUNC)
		n = m->len;
	if (!(flags & MSG_PEEK))
		usock_msg_free(m);
	return (long)n;
}

long usock_recv(struct usock *s, struct pipe_io *io, unsigned flags, unsigned *msg_flags)
{
	*msg_flags = 0;
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (usock_type(s) != SOCK_STREAM)
		return usock_recv_seq(s, io, flags, msg_flags);
	return usock_recv_stream(s, io, flags);
}

int usock_shutdown(struct usock *s, int how)
{
	struct usock *peer = usock_peer(s);
	unsigned mode, peer_mode = 0;

	if (how < 0 || how > 2)
		return -EINVAL;
	mode = (unsigned)how + 1; /* SHUT_RD -> RCV, SHUT_WR -> SEND, SHUT_RDWR -> both */
	s->shutdown |= mode;
	if (peer->open && usock_type(s) != SOCK_DGRAM) {
		if (mode & USOCK_RCV_SHUTDOWN)
			peer_mode |= USOCK_SEND_SHUTDOWN;
		if (mode & USOCK_SEND_SHUTDOWN)
			peer_mode |= USOCK_RCV_SHUTDOWN;
		peer->shutdown |= peer_mode;
		usock_wake(peer);
	}
	usock_wake(s);
	return 0;
}

struct usock *usock_of(const struct file *f)
{
	return f->ops == &usock_ops ? f->priv : NULL;
}

/* unix_poll / unix_dgram_poll. */
static unsigned usock_file_poll(struct file *f)
{
	struct usock *s = f->priv;
	unsigned mask = 0;

	if (s->shutdown == USOCK_SHUTDOWN_MASK)
		mask |= FILE_POLLHUP;
	if (s->shutdown & USOCK_RCV_SHUTDOWN)
		mask |= FILE_POLLRDHUP | FILE_POLLIN | FILE_POLLRDNORM;
	if (!list_empty(&s->rq))
		mask |= FILE_POLLIN | FILE_POLLRDNORM;
	if (s->wmem * 4 <= USOCK_SNDBUF)
		mask |= FILE_POLLOUT | FILE_POLLWRNORM | FILE_POLLWRBAND;
	return mask;
}

/* A pipe_io over kernel memory, for the plain read and write ops. */
static int usock_kcopy_out(struct pipe_io *io, void *k, size_t n)
{
	memcpy(io->ctx, k, n);
	io->ctx = (uint8_t *)io->ctx + n;
	io->left -= n;
	return 0;
}

static int usock_kcopy_in(struct pipe_io *io, void *k, size_t n)
{
	memcpy(k, io->ctx, n);
	io->ctx = (uint8_t *)io->ctx + n;
	io->left -= n;
	return 0;
}

/* read op: one non-blocking attempt (the kernel's socket path has its own loop). */
static long usock_file_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	struct pipe_io io = { usock_kcopy_out, len, buf };
	unsigned mf;

	return len ? usock_recv(f->priv, &io, 0, &mf) : 0;
}

static long usock_file_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	struct pipe_io io = { usock_kcopy_in, len, (void *)buf };

	return usock_send(f->priv, &io, 0);
}

/* fstat: a socket on sockfs, mode 0777, size 0. */
static int usock_file_stat(struct file *f, struct file_stat *st)
{
	struct usock *s = f->priv;

	memset(st, 0, sizeof(*st));
	st->mode = USOCK_S_IFSOCK | 0777;
	st->nlink = 1;
	st->dev_minor = USOCK_FS_MINOR;
	st->ino = s->ino;
	st->blksize = PAGE_SIZE;
	st->mask = STATX_BASIC_STATS;
	st->attr_mask = USOCK_VFS_ATTRS;
	st->time_ns = s->pair->time_ns;
	return 0;
}

/* Free every message queued at s. */
static void usock_purge(struct usock *s)
{
	struct usock_msg *m;

	while ((m = usock_first(s)))
		usock_msg_free(m);
}

/*
 * unix_release_sock: a stream or seqpacket peer sees both directions shut (a
 * datagram peer finds out at its next send); the last end frees the pair.
 */
static void usock_file_release(struct file *f)
{
	struct usock *s = f->priv, *peer = usock_peer(s);
	struct usock_pair *pr = s->pair;

	s->open = false;
	s->shutdown = USOCK_SHUTDOWN_MASK;
	usock_purge(s);
	if (peer->open) {
		if (usock_type(s) != SOCK_DGRAM)
			peer->shutdown = USOCK_SHUTDOWN_MASK;
		usock_wake(peer);
		return;
	}
	usock_purge(peer);
	kfree(pr);
}

static const struct file_ops usock_ops = {
	.read = usock_file_read, .write = usock_file_write, .stat = usock_file_stat,
	.poll = usock_file_poll, .release = usock_file_release,
};

/* Set up end i of pr. */
static void usock_end_init(struct usock_pair *pr, int i)
{
	struct usock *s = &pr->end[i];

	s->pair = pr;
	s->open = true;
	s->connected = true;
	list_init(&s->rq);
	waitq_init(&s->wait);
	s->ino = usock_next_ino++;
}

int usock_pair_create(int type, unsigned oflags, pipe_wake_fn wake, int64_t now_ns,
		      struct file **a, struct file **b)
{
	struct usock_pair *pr = kzalloc(sizeof(*pr));
	unsigned fl = O_RDWR | (oflags & O_NONBLOCK);

	if (!pr)
		return -ENOMEM;
	*a = file_new(&usock_ops, NULL, fl);
	*b = file_new(&usock_ops, NULL, fl);
	if (!*a || !*b) {
		kfree(*a);
		kfree(*b);
		kfree(pr);
		return -ENOMEM;
	}
	pr->type = type;
	pr->wake = wake;
	pr->time_ns = now_ns;
	usock_end_init(pr, 0);
	usock_end_init(pr, 1);
	(*a)->priv = &pr->end[0];
	(*b)->priv = &pr->end[1];
	return 0;
}
