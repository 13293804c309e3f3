/*
 * usock: connected AF_UNIX socket pairs (socketpair(2)), SOCK_STREAM,
 * SOCK_SEQPACKET and SOCK_DGRAM, as Linux's net/unix/af_unix.c behaves for
 * them.
 *
 * Each end has a receive queue of messages (Linux's skbs) that the other
 * end sends. A stream send is cut into messages of at most
 * USOCK_STREAM_CHUNK bytes and a stream read takes bytes across messages;
 * a seqpacket send is one message (at most USOCK_SNDBUF - 32 bytes, else
 * EMSGSIZE, an empty one included) and a read takes at most one message,
 * the rest of it dropped (MSG_TRUNC). A datagram pair moves messages as
 * seqpacket does, but has no end of file and shutdown is not mirrored on the
 * peer; once the peer is closed a send is ECONNREFUSED (dropping what the
 * peer had sent) and then ENOTCONN. Flow control is Linux's: a sender may
 * queue a new message while what it has queued and the peer not yet read
 * costs less than its send buffer (USOCK_SNDBUF), a message costing its
 * length plus USOCK_MSG_OVERHEAD (the skb's truesize for small messages:
 * 278 one-byte messages fill a pair, as on Linux); it is writable for poll
 * while that cost is at most a quarter of the buffer. Not modelled: the
 * slab rounding of truesize for mid-sized messages, SCM_RIGHTS and
 * SCM_CREDENTIALS (the caller refuses control messages), MSG_OOB
 * (EOPNOTSUPP), sending to a named address (nothing can bind).
 *
 * Nothing here sleeps: usock_send and usock_recv return -EAGAIN where
 * they would block; the caller sleeps on the end's `wait` queue and tries
 * again. Every change calls the pair's wake function on the queue of the
 * end concerned.
 */
#ifndef FS_USOCK_H
#define FS_USOCK_H

#include "fs/file.h"
#include "fs/pipe.h"
#include "lib/list.h"
#include "lib/types.h"
#include "lib/waitq.h"

#define AF_UNIX 1
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define SOCK_SEQPACKET 5
#define SOCK_TYPE_MASK 0xf
#define SOCK_MAX 11
#define SOCK_NONBLOCK O_NONBLOCK
#define SOCK_CLOEXEC O_CLOEXEC

#define USOCK_SNDBUF 212992      /* net.core.wmem_default */
#define USOCK_MSG_OVERHEAD 767   /* truesize - len of a small skb */
#define USOCK_STREAM_CHUNK 36544 /* the largest skb a stream send makes */

/* sk_shutdown bits. */
#define USOCK_RCV_SHUTDOWN 1
#define USOCK_SEND_SHUTDOWN 2
#define USOCK_SHUTDOWN_MASK 3

/* send / recv flags (Linux values). */
#define MSG_OOB 0x1
#define MSG_PEEK 0x2
#define MSG_TRUNC 0x20
#define MSG_DONTWAIT 0x40
#define MSG_EOR 0x80
#define MSG_WAITALL 0x100
#define MSG_NOSIGNAL 0x4000
#define MSG_CMSG_CLOEXEC 0x40000000

struct usock_pair;

/* One end of a pair. */
struct usock {
	struct usock_pair *pair;
	unsigned shutdown;      /* USOCK_*_SHUTDOWN */
	bool open;
	bool connected;         /* a datagram end still has its peer */
	struct list_node rq;    /* messages to read (struct usock_msg) */
	size_t wmem;            /* cost of this end's messages the peer has not read */
	struct waitq wait;      /* readers and writers of this end */
	uint64_t ino;
};

struct usock_pair {
	int type;               /* SOCK_STREAM, SOCK_SEQPACKET or SOCK_DGRAM */
	struct usock end[2];
	pipe_wake_fn wake;
	int64_t time_ns;
};

/*
 * A connected pair of `type` (SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM) opened O_RDWR
 * | (oflags & O_NONBLOCK) as *a and *b. 0, -ENOMEM (nothing held).
 */
int usock_pair_create(int type, unsigned oflags, pipe_wake_fn wake, int64_t now_ns,
		      struct file **a, struct file **b);

/* The end behind f, or NULL when f is no socket. */
struct usock *usock_of(const struct file *f);

/* SOCK_STREAM, SOCK_SEQPACKET or SOCK_DGRAM. */
int usock_type(const struct usock *s);

/*
 * Send io's bytes from s to its peer (one attempt; flags MSG_*). Stream:
 * as many messages as flow control allows; the count (> 0), 0 for an
 * empty io, -EAGAIN (nothing sent), -EPIPE (s shut for sending, or the
 * peer for receiving or gone: the caller raises SIGPIPE when nothing was
 * sent in the call and MSG_NOSIGNAL is clear), -EFAULT, -ENOMEM.
 * Seqpacket: one message, whole: its length, -EMSGSIZE, -EPIPE (no
 * SIGPIPE), -EAGAIN, -EFAULT, -ENOMEM. Datagram: the same, and -ENOTCONN
 * (disconnected), -ECONNREFUSED (the peer is gone: s disconnects).
 * MSG_OOB: -EOPNOTSUPP.
 */
long usock_send(struct usock *s, struct pipe_io *io, unsigned flags);

/*
 * Receive into io (one attempt; flags MSG_PEEK, MSG_TRUNC). Stream: the
 * bytes available up to io->left. Seqpacket: one message, truncated to
 * io->left (*msg_flags gets MSG_TRUNC), its whole length returned with
 * MSG_TRUNC in flags; datagram: the same. 0 at end of file (shut for
 * receiving or the peer gone, nothing queued; a stream read of 0 bytes; a
 * datagram end only when shut for receiving and MSG_DONTWAIT is clear),
 * -EAGAIN (nothing yet), -EFAULT (nothing consumed), -EOPNOTSUPP for MSG_OOB.
 */
long usock_recv(struct usock *s, struct pipe_io *io, unsigned flags, unsigned *msg_flags);

/* shutdown(2): how = SHUT_RD 0, SHUT_WR 1, SHUT_RDWR 2; -EINVAL otherwise. */
int usock_shutdown(struct usock *s, int how);

/* Bytes waiting to be read at s (FIONREAD: every message's, as unix_inq_len). */
size_t usock_bytes(const struct usock *s);

#endif
