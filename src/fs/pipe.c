/*
 * Anonymous pipes: a ring of page slots as Linux's fs/pipe.c (see
 * include/fs/pipe.h), and the two ends as struct file.
 */
#include "fs/pipe.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"

#define PIPE_SLOT_CAN_MERGE (1u << 0) /* PIPE_BUF_FLAG_CAN_MERGE */
#define PIPE_SLOT_PACKET (1u << 1)    /* PIPE_BUF_FLAG_PACKET */
#define PIPE_S_IFIFO 0010000
#define PIPE_FS_MINOR 15              /* pipefs's anonymous device 0:15 */
#define PIPE_FS_MNT_ID 16
#define PIPE_VFS_ATTRS (STATX_ATTR_AUTOMOUNT | STATX_ATTR_MOUNT_ROOT | STATX_ATTR_DAX)

static uint64_t pipe_next_ino = 1000;

static const struct file_ops pipe_rd_ops, pipe_wr_ops;

/* The slot at free-running index i. */
static struct pipe_slot *pipe_slot(const struct pipe *p, unsigned i)
{
	return &p->slots[i & (p->nslots - 1)];
}

static bool pipe_empty(const struct pipe *p)
{
	return p->head == p->tail;
}

bool pipe_full(const struct pipe *p)
{
	return p->head - p->tail >= p->nslots;
}

/* Tell sleepers on wq that something changed. */
static void pipe_wake(struct pipe *p, struct waitq *wq)
{
	if (p->wake)
		p->wake(wq);
}

size_t pipe_bytes(const struct pipe *p)
{
	size_t n = 0;

	for (unsigned i = p->tail; i != p->head; i++)
		n += pipe_slot(p, i)->len;
	return n;
}

/* Drop the oldest slot (pipe_update_tail) and free its page. */
static void pipe_pop(struct pipe *p)
{
	struct pipe_slot *s = pipe_slot(p, p->tail);

	kfree(s->page);
	memset(s, 0, sizeof(*s));
	p->tail++;
}

/*
 * Copy out of the oldest slot: up to io->left bytes (a packet whole, the
 * rest dropped). Returns the count, or -EFAULT with nothing consumed.
 */
static long pipe_read_slot(struct pipe *p, struct pipe_io *io)
{
	struct pipe_slot *s = pipe_slot(p, p->tail);
	size_t n = MIN((size_t)s->len, io->left);

	if (n && io->copy(io, s->page + s->off, n))
		return -EFAULT;
	s->off += (uint32_t)n;
	s->len -= (uint32_t)n;
	if (s->flags & PIPE_SLOT_PACKET) {
		s->len = 0;
		io->left = 0; /* a packet ends the read */
	}
	if (!s->len)
		pipe_pop(p);
	return (long)n;
}

long pipe_read(struct pipe *p, struct pipe_io *io)
{
	bool was_full = pipe_full(p);
	long done = 0;

	if (!io->left)
		return 0;
	while (io->left && !pipe_empty(p)) {
		long n = pipe_read_slot(p, io);

		if (n < 0) {
			if (done)
				break;
			return n;
		}
		done += n;
	}
	if (done || (was_full && !pipe_full(p)))
		pipe_wake(p, &p->wwait);
	if (done)
		return done;
	return p->writers ? -EAGAIN : 0;
}

/*
 * The merge of a write's last len % PAGE_SIZE bytes into the last slot
 * when the pipe holds data and they fit whole. Returns the bytes merged
 * (0: no merge) or -EFAULT.
 */
static long pipe_merge(struct pipe *p, struct pipe_io *io)
{
	size_t chars = io->left & (PAGE_SIZE - 1);
	struct pipe_slot *s;

	if (!chars || pipe_empty(p))
		return 0;
	s = pipe_slot(p, p->head - 1);
	if (!(s->flags & PIPE_SLOT_CAN_MERGE) || s->off + s->len + chars > PAGE_SIZE)
		return 0;
	if (io->copy(io, s->page + s->off + s->len, chars))
		return -EFAULT;
	s->len += (uint32_t)chars;
	return (long)chars;
}

/*
 * Fill one fresh slot with up to a page of io. The slot is taken before
 * the copy, as Linux does: a faulting copy leaves it empty (a reader skips
 * it). Returns the count, -ENOMEM (no page) or -EFAULT.
 */
static long pipe_fill_slot(struct pipe *p, struct pipe_io *io, unsigned flags)
{
	size_t n = MIN(io->left, (size_t)PAGE_SIZE);
	uint8_t *page = kmalloc(PAGE_SIZE);
	struct pipe_slot *s;

	if (!page)
		return -ENOMEM;
	s = pipe_slot(p, p->head++);
	s->page = page;
	s->off = 0;
	s->len = 0;
	s->flags = (flags & PIPE_W_PACKET) ? PIPE_SLOT_PACKET : PIPE_SLOT_CAN_MERGE;
	if (flags & PIPE_W_SPLICE)
		s->flags = 0; /* user_page_pipe_buf_ops: no later write merges into it */
	if (io->copy(io, page, n))
		return -EFAULT;
	s->len = (uint32_t)n;
	return (long)n;
}

long pipe_write(struct pipe *p, struct pipe_io *io, unsigned flags)
{
	bool was_empty = pipe_empty(p);
	long done = 0, n = 0;

	if (!io->left)
		return 0;
	if (!p->readers)
		return -EPIPE;
	if (flags & PIPE_W_MERGE) {
		n = pipe_merge(p, io);
		if (n < 0)
			return n;
		done = n;
	}
	while (n >= 0 && io->left && !pipe_full(p)) {
		n = pipe_fill_slot(p, io, flags);
		if (n > 0)
			done += n;
	}
	if (done > 0 || (was_empty && !pipe_empty(p)))
		pipe_wake(p, &p->rwait);
	if (done > 0)
		return done;
	if (n < 0)
		return n;
	return -EAGAIN;
}

long pipe_get_size(const struct pipe *p)
{
	return (long)p->nslots * PAGE_SIZE;
}

/* round_pipe_size: a power of two of at least a page; 0 above 2^31. */
static uint64_t pipe_round_size(uint64_t size)
{
	uint64_t r = PAGE_SIZE;

	if (size > (1ULL << 31))
		return 0;
	while (r < size)
		r <<= 1;
	return r;
}

long pipe_set_size(struct pipe *p, uint64_t size, unsigned flags)
{
	uint64_t bytes = pipe_round_size(size);
	unsigned n = (unsigned)(bytes / PAGE_SIZE), used = p->head - p->tail;
	struct pipe_slot *slots;

	if (!n)
		return -EINVAL;
	if (n > p->nslots && bytes > PIPE_MAX_SIZE && !(flags & PIPE_SZ_PRIVILEGED))
		return -EPERM;
	if (n < used)
		return -EBUSY;
	slots = kzalloc(n * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (unsigned i = 0; i < used; i++)
		slots[i] = *pipe_slot(p, p->tail + i);
	kfree(p->slots);
	p->slots = slots;
	p->nslots = n;
	p->tail = 0;
	p->head = used;
	pipe_wake(p, &p->wwait);
	return pipe_get_size(p);
}

struct pipe *pipe_of(const struct file *f)
{
	return f->ops == &pipe_rd_ops || f->ops == &pipe_wr_ops ? f->priv : NULL;
}

/* A pipe_io over kernel memory: the ops' read and write. */
static int pipe_kcopy_out(struct pipe_io *io, void *k, size_t n)
{
	memcpy(io->ctx, k, n);
	io->ctx = (uint8_t *)io->ctx + n;
	io->left -= n;
	return 0;
}

static int pipe_kcopy_in(struct pipe_io *io, void *k, size_t n)
{
	memcpy(k, io->ctx, n);
	io->ctx = (uint8_t *)io->ctx + n;
	io->left -= n;
	return 0;
}

/* read op: one non-blocking attempt (the kernel's read path has its own loop). */
static long pipe_file_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	struct pipe_io io = { pipe_kcopy_out, len, buf };

	return pipe_read(f->priv, &io);
}

static long pipe_file_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	struct pipe_io io = { pipe_kcopy_in, len, (void *)buf };

	return pipe_write(f->priv, &io, PIPE_W_MERGE | ((f->flags & O_DIRECT) ? PIPE_W_PACKET : 0));
}

/* pipe_poll: data / room, POLLHUP with no writer (read end), POLLERR with no reader. */
static unsigned pipe_file_poll(struct file *f)
{
	struct pipe *p = f->priv;
	unsigned mask = 0;

	if (f->ops == &pipe_rd_ops) {
		if (!pipe_empty(p))
			mask |= FILE_POLLIN | FILE_POLLRDNORM;
		if (!p->writers)
			mask |= FILE_POLLHUP;
	} else {
		if (!pipe_full(p))
			mask |= FILE_POLLOUT | FILE_POLLWRNORM;
		if (!p->readers)
			mask |= FILE_POLLERR;
	}
	return mask;
}

/* fstat of either end: a FIFO on pipefs, mode 0600, size 0. */
static int pipe_file_stat(struct file *f, struct file_stat *st)
{
	struct pipe *p = f->priv;

	memset(st, 0, sizeof(*st));
	st->mode = PIPE_S_IFIFO | 0600;
	st->nlink = 1;
	st->dev_minor = PIPE_FS_MINOR;
	st->ino = p->ino;
	st->blksize = PAGE_SIZE;
	st->mnt_id = PIPE_FS_MNT_ID;
	st->mask = STATX_BASIC_STATS | STATX_MNT_ID;
	st->attr_mask = PIPE_VFS_ATTRS;
	st->time_ns = p->time_ns;
	return 0;
}

/* Free the ring, every page and the pipe. */
static void pipe_free(struct pipe *p)
{
	while (!pipe_empty(p))
		pipe_pop(p);
	kfree(p->slots);
	kfree(p);
}

/* The last reference to one end went: the other side's sleepers wake to see it. */
static void pipe_file_release(struct file *f)
{
	struct pipe *p = f->priv;

	if (f->ops == &pipe_rd_ops) {
		p->readers--;
		pipe_wake(p, &p->wwait);
	} else {
		p->writers--;
		pipe_wake(p, &p->rwait);
	}
	if (!p->readers && !p->writers)
		pipe_free(p);
}

static const struct file_ops pipe_rd_ops = {
	.read = pipe_file_read, .stat = pipe_file_stat, .poll = pipe_file_poll,
	.release = pipe_file_release,
};

static const struct file_ops pipe_wr_ops = {
	.write = pipe_file_write, .stat = pipe_file_stat, .poll = pipe_file_poll,
	.release = pipe_file_release,
};

/* A pipe with no end yet: an empty ring of PIPE_DEF_SLOTS. NULL: -ENOMEM. */
static struct pipe *pipe_new(pipe_wake_fn wake, int64_t now_ns)
{
	struct pipe *p = kzalloc(sizeof(*p));

	if (!p)
		return NULL;
	p->slots = kzalloc(PIPE_DEF_SLOTS * sizeof(*p->slots));
	if (!p->slots) {
		kfree(p);
		return NULL;
	}
	p->nslots = PIPE_DEF_SLOTS;
	waitq_init(&p->rwait);
	waitq_init(&p->wwait);
	p->wake = wake;
	p->ino = pipe_next_ino++;
	p->time_ns = now_ns;
	return p;
}

int pipe_create(unsigned oflags, pipe_wake_fn wake, int64_t now_ns, struct file **rd,
		struct file **wr)
{
	struct pipe *p = pipe_new(wake, now_ns);

	if (!p)
		return -ENOMEM;
	*rd = file_new(&pipe_rd_ops, NULL, O_RDONLY | (oflags & O_NONBLOCK));
	*wr = file_new(&pipe_wr_ops, NULL, O_WRONLY | (oflags & (O_NONBLOCK | O_DIRECT)));
	if (!*rd || !*wr) {
		kfree(*rd);
		kfree(*wr);
		pipe_free(p);
		return -ENOMEM;
	}
	(*rd)->priv = (*wr)->priv = p;
	p->readers = p->writers = 1;
	return 0;
}
