/*
 * pipe: anonymous pipes (pipe(2), pipe2(2)) as Linux's fs/pipe.c keeps them.
 *
 * A pipe is a ring of slots (16 by default: 64 KiB, Linux's default), each
 * slot one page holding [off, off+len) of data. A write first tries to
 * merge its last `len % PAGE_SIZE` bytes into the last slot (only when the
 * pipe was not empty and they fit whole), then fills fresh pages one slot
 * at a time until the ring is full; a read takes bytes from the oldest slot
 * on and frees every slot it empties. So a write of at most PIPE_BUF bytes
 * goes in whole or not at all, larger ones may be split, the pipe is "full"
 * when every slot is taken (even with room left in them), and a
 * non-blocking writer sees exactly Linux's partial counts.
 *
 * Packet mode (O_DIRECT on the write end): every write of up to a page is
 * one packet, and a read takes at most one packet, dropping what did not
 * fit.
 *
 * Nothing here sleeps (fs sits below the scheduler): pipe_read and
 * pipe_write return -EAGAIN where they would block, and the caller sleeps
 * on rwait (readers) or wwait (writers) and tries again. Every change a
 * sleeper may wait for (data in, room made, the last reader or writer gone)
 * calls the pipe's wake function on the queue concerned, which the kernel
 * supplies (sched_wake_all and its poll queue) and host tests observe.
 */
#ifndef FS_PIPE_H
#define FS_PIPE_H

#include "fs/file.h"
#include "lib/types.h"
#include "lib/waitq.h"

#define PIPE_BUF 4096                 /* writes up to this size are atomic */
#define PIPE_DEF_SLOTS 16             /* PIPE_DEF_BUFFERS: 64 KiB */
#define PIPE_MAX_SIZE MiB(1)          /* /proc/sys/fs/pipe-max-size */

/* fcntl commands on pipes (Linux values). */
#define F_SETPIPE_SZ 1031
#define F_GETPIPE_SZ 1032

/*
 * Where a read puts bytes or a write takes them from (Linux's iov_iter):
 * `copy` moves n <= left bytes between the pipe's memory k and the io's
 * current place (into k for a write, out of k for a read), then advances;
 * it returns 0, or -EFAULT having advanced nothing.
 */
struct pipe_io {
	int (*copy)(struct pipe_io *io, void *k, size_t n);
	size_t left;
	void *ctx;
};

/* Called on every change a process sleeping on wq may wait for. */
typedef void (*pipe_wake_fn)(struct waitq *wq);

struct pipe_slot {
	uint8_t *page;  /* PAGE_SIZE bytes; NULL while the slot is unused */
	uint32_t off, len;
	uint32_t flags; /* PIPE_SLOT_* */
};

struct pipe {
	struct pipe_slot *slots; /* ring of `nslots` (a power of two) */
	unsigned head, tail;     /* free-running: slots [tail, head) hold data */
	unsigned nslots;
	unsigned readers, writers; /* open read and write ends */
	struct waitq rwait, wwait; /* readers wait for data, writers for room */
	pipe_wake_fn wake;
	uint64_t ino;
	int64_t time_ns;           /* creation, for fstat */
};

/* pipe_write flags. */
#define PIPE_W_MERGE (1u << 0)  /* the call's first attempt: try to merge into the last slot */
#define PIPE_W_PACKET (1u << 1) /* packet mode (O_DIRECT) */
#define PIPE_W_SPLICE (1u << 2) /* vmsplice: one slot per call, never merged into */

/*
 * Make a pipe with one reader and one writer and its two ends: *rd opened
 * O_RDONLY | (oflags & O_NONBLOCK), *wr O_WRONLY | (oflags & (O_NONBLOCK |
 * O_DIRECT)), as Linux's create_pipe_files. `wake` may be NULL. `now_ns`
 * is the time fstat shows. 0 or -ENOMEM (nothing held).
 */
int pipe_create(unsigned oflags, pipe_wake_fn wake, int64_t now_ns, struct file **rd,
		struct file **wr);

/* The pipe behind file f (either end), or NULL when f is no pipe. */
struct pipe *pipe_of(const struct file *f);

/*
 * Move up to io->left bytes out of the pipe into io. Returns the count
 * (> 0), 0 at end of file (empty and no writer left, or io->left == 0),
 * -EAGAIN when empty with a writer still open, -EFAULT when the first
 * copy faulted (nothing consumed).
 */
long pipe_read(struct pipe *p, struct pipe_io *io);

/*
 * Move io's bytes into the pipe until io is empty or the ring is full
 * (flags: PIPE_W_*). Returns the count (> 0), or -EAGAIN (full, nothing
 * written), -EPIPE (no reader left: the caller raises SIGPIPE), -EFAULT
 * (the first copy faulted), -ENOMEM (no page for the first slot). After a
 * count, io->left > 0 means the ring is full or the reader went away.
 */
long pipe_write(struct pipe *p, struct pipe_io *io, unsigned flags);

/* Bytes waiting in the pipe (FIONREAD). */
size_t pipe_bytes(const struct pipe *p);

/* True when every slot is taken (a writer would wait). */
bool pipe_full(const struct pipe *p);

/*
 * F_SETPIPE_SZ: resize the ring to `size` bytes rounded up to a power of
 * two pages (at least one page). Returns the new size, -EINVAL (size above
 * 2^31), -EPERM (above PIPE_MAX_SIZE without PIPE_SZ_PRIVILEGED in
 * flags: the caller's CAP_SYS_RESOURCE), -EBUSY (the data would not fit),
 * -ENOMEM.
 */
#define PIPE_SZ_PRIVILEGED (1u << 0)
long pipe_set_size(struct pipe *p, uint64_t size, unsigned flags);

/* F_GETPIPE_SZ: the capacity in bytes. */
long pipe_get_size(const struct pipe *p);

/* Poll bits beyond FILE_POLL* (Linux values). */
#define FILE_POLLPRI 0x002
#define FILE_POLLERR 0x008
#define FILE_POLLHUP 0x010
#define FILE_POLLWRBAND 0x200
#define FILE_POLLRDHUP 0x2000

#endif
