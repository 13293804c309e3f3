/*
 * Host tests of the pipe and socket-pair buffers (src/fs/pipe.c, usock.c):
 * the slot ring's wrap-around, merges and Linux's partial counts, PIPE_BUF
 * atomicity, packet mode, EOF, EPIPE, a faulting copy, resizing, the wake
 * calls a sleeper relies on; seqpacket boundaries and truncation, stream
 * joins, flow control, shutdown and close. Heap and frames back after each.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "fs/pipe.h"
#include "fs/usock.h"
#include "lib/errno.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "support/host_mm.h"

static size_t frames0;
static struct waitq *woken[64];
static unsigned nwoken;

static void setup(void)
{
	host_mm_setup(MiB(16));
	frames0 = pmm_free_frames();
	nwoken = 0;
}

static void teardown(void)
{
	heap_fail_nth(0);
	cr_expect_eq(heap_bytes_in_use(), 0, "heap bytes left: %zu", heap_bytes_in_use());
	cr_expect_eq(pmm_free_frames(), frames0);
}

TestSuite(pipe, .init = setup, .fini = teardown);

static void record_wake(struct waitq *wq)
{
	if (nwoken < 64)
		woken[nwoken++] = wq;
}

/* True when wq was woken since the last call; forgets the record. */
static bool was_woken(struct waitq *wq)
{
	bool hit = false;

	for (unsigned i = 0; i < nwoken; i++)
		hit |= woken[i] == wq;
	nwoken = 0;
	return hit;
}

/* A pipe_io over a buffer; `fault_at` bytes in, a copy faults (SIZE_MAX: never). */
struct tio {
	struct pipe_io io;
	uint8_t *at;
	size_t fault_at, moved;
	bool in; /* into the pipe */
};

static int tio_copy(struct pipe_io *io, void *k, size_t n)
{
	struct tio *t = (struct tio *)io;

	if (t->moved + n > t->fault_at)
		return -EFAULT;
	if (t->in)
		memcpy(k, t->at, n);
	else
		memcpy(t->at, k, n);
	t->at += n;
	t->moved += n;
	io->left -= n;
	return 0;
}

static struct tio tio(void *buf, size_t len, bool in)
{
	struct tio t = { { tio_copy, len, NULL }, buf, SIZE_MAX, 0, in };

	return t;
}

static uint8_t src[300000], dst[300000];

static long pwrite_(struct pipe *p, size_t len, unsigned flags)
{
	struct tio t = tio(src, len, true);

	return pipe_write(p, &t.io, flags | PIPE_W_MERGE);
}

static long pread_(struct pipe *p, size_t len)
{
	struct tio t = tio(dst, len, false);

	return pipe_read(p, &t.io);
}

static void fill_src(void)
{
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 7 + 3);
}

Test(pipe, bytes_wrap_around_the_ring)
{
	struct file *rd, *wr;
	struct pipe *p;
	size_t in = 0, out = 0;

	fill_src();
	cr_assert_eq(pipe_create(O_NONBLOCK, record_wake, 0, &rd, &wr), 0);
	p = pipe_of(rd);
	cr_assert_eq(pipe_of(wr), p);
	cr_expect_eq(rd->flags, O_RDONLY | O_NONBLOCK);
	cr_expect_eq(wr->flags, O_WRONLY | O_NONBLOCK);
	/* 40 rounds of 3000 bytes in, 3000 out: the slots wrap many times */
	for (int r = 0; r < 40; r++) {
		struct tio w = tio(src + in, 3000, true), rr = tio(dst + out, 3000, false);

		cr_assert_eq(pipe_write(p, &w.io, PIPE_W_MERGE), 3000);
		in += 3000;
		cr_assert_eq(pipe_read(p, &rr.io), 3000);
		out += 3000;
	}
	cr_expect_eq(memcmp(src, dst, out), 0);
	cr_expect_gt(p->head, PIPE_DEF_SLOTS * 2);
	cr_expect_eq(pipe_bytes(p), 0);
	cr_expect_eq(pread_(p, 10), -EAGAIN);
	file_put(rd);
	file_put(wr);
}

Test(pipe, capacity_and_linux_partial_counts)
{
	struct file *rd, *wr;
	struct pipe *p;
	long total = 0, n;

	cr_assert_eq(pipe_create(0, NULL, 0, &rd, &wr), 0);
	p = pipe_of(rd);
	while ((n = pwrite_(p, 4096, 0)) > 0)
		total += n;
	cr_expect_eq(total, 65536);
	cr_expect_eq(n, -EAGAIN);
	cr_expect(pipe_full(p));
	cr_expect_eq(pwrite_(p, 1, 0), -EAGAIN);
	cr_expect_eq(pread_(p, 70000), 65536);
	/* one byte takes a slot: a 65536-byte write then gets 15 pages */
	cr_expect_eq(pwrite_(p, 1, 0), 1);
	cr_expect_eq(pwrite_(p, 65536, 0), 61440);
	cr_expect_eq(pread_(p, 70000), 61441);
	/* small writes merge into the last page */
	for (int i = 0; i < 40; i++)
		cr_expect_eq(pwrite_(p, 100, 0), 100);
	cr_expect_eq(p->head - p->tail, 1);
	cr_expect_eq(pipe_get_size(p), 65536);
	file_put(wr);
	cr_expect_eq(pread_(p, 70000), 4000);
	cr_expect_eq(pread_(p, 10), 0, "end of file once the writer is gone");
	file_put(rd);
}

Test(pipe, pipe_buf_writes_are_atomic)
{
	struct file *rd, *wr;
	struct pipe *p;
	long n;

	cr_assert_eq(pipe_create(0, NULL, 0, &rd, &wr), 0);
	p = pipe_of(rd);
	cr_expect_eq(pwrite_(p, 4000, 0), 4000);
	while (pwrite_(p, 4096, 0) > 0)
		;
	/* the last slot is full: no room for even one byte, whole or nothing */
	cr_expect_eq(pwrite_(p, 10, 0), -EAGAIN);
	cr_expect_eq(pwrite_(p, PIPE_BUF, 0), -EAGAIN);
	cr_expect_eq(pread_(p, 100), 100);
	/* reading from the first slot frees none: still full */
	cr_expect_eq(pwrite_(p, 50, 0), -EAGAIN);
	cr_expect_eq(pread_(p, 3900), 3900);
	/* a write above PIPE_BUF may be split */
	n = pwrite_(p, 5000, 0);
	cr_expect_eq(n, 4096);
	file_put(rd);
	cr_expect_eq(pwrite_(p, 1, 0), -EPIPE, "no reader left");
	cr_expect_eq(pwrite_(p, 0, 0), 0, "an empty write succeeds anyway");
	file_put(wr);
}

Test(pipe, packets_keep_their_boundaries)
{
	struct file *rd, *wr;
	struct pipe *p;

	cr_assert_eq(pipe_create(O_DIRECT, NULL, 0, &rd, &wr), 0);
	p = pipe_of(rd);
	cr_expect_eq(wr->flags, O_WRONLY | O_DIRECT);
	cr_expect_eq(rd->flags, O_RDONLY);
	cr_expect_eq(pwrite_(p, 3, PIPE_W_PACKET), 3);
	cr_expect_eq(pwrite_(p, 5, PIPE_W_PACKET), 5);
	cr_expect_eq(pwrite_(p, 6000, PIPE_W_PACKET), 6000);
	cr_expect_eq(pread_(p, 100), 3);
	cr_expect_eq(pread_(p, 2), 2, "the rest of a cut packet is dropped");
	cr_expect_eq(pread_(p, 100000), 4096);
	cr_expect_eq(pread_(p, 100000), 1904);
	cr_expect_eq(pread_(p, 1), -EAGAIN);
	file_put(rd);
	file_put(wr);
}

Test(pipe, faults_and_out_of_memory)
{
	struct file *rd, *wr;
	struct pipe *p;
	struct tio t;

	fill_src();
	cr_assert_eq(pipe_create(0, NULL, 0, &rd, &wr), 0);
	p = pipe_of(rd);
	t = tio(src, 10000, true);
	t.fault_at = 5000; /* the second page faults */
	cr_expect_eq(pipe_write(p, &t.io, PIPE_W_MERGE), 4096);
	t = tio(src, 100, true);
	t.fault_at = 0;
	cr_expect_eq(pipe_write(p, &t.io, PIPE_W_MERGE), -EFAULT, "a merge that faults");
	t = tio(dst, 100, false);
	t.fault_at = 0;
	cr_expect_eq(pipe_read(p, &t.io), -EFAULT);
	cr_expect_eq(pipe_bytes(p), 4096, "a faulting read consumes nothing");
	cr_expect_eq(pread_(p, 100000), 4096);
	cr_expect_eq(memcmp(dst, src, 4096), 0);
	cr_expect_eq(pread_(p, 1), -EAGAIN, "the empty slot the fault left is skipped");
	heap_fail_nth(1);
	cr_expect_eq(pwrite_(p, 10, 0), -ENOMEM);
	cr_expect_eq(pipe_bytes(p), 0);
	file_put(rd);
	file_put(wr);
	heap_fail_nth(1);
	cr_expect_eq(pipe_create(0, NULL, 0, &rd, &wr), -ENOMEM);
	heap_fail_nth(3);
	cr_expect_eq(pipe_create(0, NULL, 0, &rd, &wr), -ENOMEM);
}

Test(pipe, resize)
{
	struct file *rd, *wr;
	struct pipe *p;

	cr_assert_eq(pipe_create(0, NULL, 0, &rd, &wr), 0);
	p = pipe_of(rd);
	cr_expect_eq(pipe_set_size(p, 100, 0), 4096);
	cr_expect_eq(pwrite_(p, 5000, 0), 4096);
	cr_expect_eq(pipe_set_size(p, 0, 0), 4096, "one page holds the data");
	cr_expect_eq(pwrite_(p, 1, 0), -EAGAIN);
	cr_expect_eq(pipe_set_size(p, 100000, 0), 131072);
	cr_expect_eq(pwrite_(p, 200000, 0), 126976);
	cr_expect_eq(pipe_set_size(p, 4096, 0), -EBUSY);
	cr_expect_eq(pipe_set_size(p, MiB(2), 0), -EPERM);
	cr_expect_eq(pipe_set_size(p, (1ULL << 31) + 1, PIPE_SZ_PRIVILEGED), -EINVAL);
	cr_expect_eq(pread_(p, 200000), 131072);
	file_put(rd);
	file_put(wr);
}

Test(pipe, wakes_the_other_side)
{
	struct file *rd, *wr;
	struct pipe *p;

	cr_assert_eq(pipe_create(0, record_wake, 0, &rd, &wr), 0);
	p = pipe_of(rd);
	cr_expect_eq(pwrite_(p, 10, 0), 10);
	cr_expect(was_woken(&p->rwait), "data in wakes readers");
	cr_expect_eq(pread_(p, 10), 10);
	cr_expect(was_woken(&p->wwait), "room made wakes writers");
	cr_expect_eq(pread_(p, 10), -EAGAIN);
	cr_expect(!was_woken(&p->wwait));
	file_put(wr);
	cr_expect(was_woken(&p->rwait), "the last writer gone wakes readers");
	file_put(rd);
}

/* ---- socket pairs ---- */

static long ssend(struct usock *s, const void *buf, size_t len, unsigned flags)
{
	struct tio t = tio((void *)buf, len, true);

	return usock_send(s, &t.io, flags);
}

static long srecv(struct usock *s, size_t len, unsigned flags, unsigned *mf)
{
	struct tio t = tio(dst, len, false);
	unsigned dummy;

	return usock_recv(s, &t.io, flags, mf ? mf : &dummy);
}

Test(pipe, seqpacket_boundaries)
{
	struct file *a, *b;
	struct usock *x, *y;
	unsigned mf;

	cr_assert_eq(usock_pair_create(SOCK_SEQPACKET, O_NONBLOCK, record_wake, 0, &a, &b), 0);
	x = usock_of(a);
	y = usock_of(b);
	cr_expect_eq(a->flags, O_RDWR | O_NONBLOCK);
	cr_expect_eq(ssend(x, "hello", 5, 0), 5);
	cr_expect(was_woken(&y->wait));
	cr_expect_eq(ssend(x, "world!", 6, 0), 6);
	cr_expect_eq(ssend(x, "", 0, 0), 0);
	cr_expect_eq(usock_bytes(y), 11);
	cr_expect_eq(srecv(y, 3, MSG_PEEK, &mf), 3);
	cr_expect_eq(mf, MSG_TRUNC);
	cr_expect_eq(srecv(y, 3, 0, &mf), 3);
	cr_expect_eq(memcmp(dst, "hel", 3), 0);
	cr_expect(was_woken(&x->wait), "a read message frees its sender's room");
	cr_expect_eq(srecv(y, 100, 0, &mf), 6);
	cr_expect_eq(mf, 0);
	cr_expect_eq(srecv(y, 100, 0, NULL), 0, "the empty message");
	cr_expect_eq(srecv(y, 100, 0, NULL), -EAGAIN);
	cr_expect_eq(ssend(x, src, 4000, 0), 4000);
	cr_expect_eq(srecv(y, 10, MSG_TRUNC, NULL), 4000);
	cr_expect_eq(ssend(x, src, USOCK_SNDBUF - 31, 0), -EMSGSIZE);
	cr_expect_eq(ssend(x, src, USOCK_SNDBUF - 32, 0), USOCK_SNDBUF - 32);
	cr_expect_eq(ssend(x, src, 1, 0), -EAGAIN);
	cr_expect_eq(ssend(x, src, 1, MSG_OOB), -EOPNOTSUPP);
	cr_expect_eq(usock_shutdown(x, 1), 0);
	cr_expect_eq(ssend(x, src, 1, 0), -EPIPE, "SHUT_WR is checked before flow control");
	cr_expect_eq(srecv(y, sizeof(dst), 0, NULL), USOCK_SNDBUF - 32);
	cr_expect_eq(srecv(y, 10, 0, NULL), 0, "end of file after SHUT_WR");
	cr_expect_eq(usock_shutdown(x, 3), -EINVAL);
	file_put(a);
	file_put(b);
}

Test(pipe, stream_joins_flow_and_close)
{
	struct file *a, *b;
	struct usock *x, *y;
	long total = 0, n;

	cr_assert_eq(usock_pair_create(SOCK_STREAM, 0, NULL, 0, &a, &b), 0);
	x = usock_of(a);
	y = usock_of(b);
	cr_expect_eq(ssend(x, "abc", 3, 0), 3);
	cr_expect_eq(ssend(x, "def", 3, 0), 3);
	cr_expect_eq(ssend(x, "", 0, 0), 0);
	cr_expect_eq(srecv(y, 4, MSG_PEEK, NULL), 4);
	cr_expect_eq(srecv(y, 100, 0, NULL), 6);
	cr_expect_eq(memcmp(dst, "abcdef", 6), 0);
	cr_expect_eq(srecv(y, 0, 0, NULL), 0);
	/* 278 one-byte sends fill the pair, as on Linux */
	while ((n = ssend(x, "z", 1, 0)) > 0)
		total += n;
	cr_expect_eq(total, 278);
	cr_expect_eq(srecv(y, 1000, 0, NULL), 278);
	total = 0;
	while ((n = ssend(x, src, sizeof(src), 0)) > 0)
		total += n;
	cr_expect_eq(total, 219264, "six 36544-byte messages, as Linux");
	cr_expect_eq(usock_bytes(y), 219264);
	cr_expect_eq(srecv(y, 100, 0, NULL), 100);
	cr_expect_eq(ssend(x, "q", 1, 0), -EAGAIN);
	cr_expect_eq(srecv(y, 36444, 0, NULL), 36444);
	cr_expect_eq(ssend(x, "q", 1, 0), 1);
	file_put(a);
	cr_expect_eq(ssend(y, "x", 1, 0), -EPIPE, "the peer is gone");
	cr_expect_gt(srecv(y, sizeof(dst), 0, NULL), 0, "what it sent stays readable");
	cr_expect_eq(srecv(y, 10, 0, NULL), 0);
	cr_expect_eq(y->shutdown, USOCK_SHUTDOWN_MASK);
	file_put(b);
}

Test(pipe, stream_shutdown_mirrors_on_the_peer)
{
	struct file *a, *b;
	struct usock *x, *y;

	cr_assert_eq(usock_pair_create(SOCK_STREAM, 0, NULL, 0, &a, &b), 0);
	x = usock_of(a);
	y = usock_of(b);
	cr_expect_eq(ssend(y, "up", 2, 0), 2);
	cr_expect_eq(usock_shutdown(x, 0), 0);
	cr_expect_eq(x->shutdown, USOCK_RCV_SHUTDOWN);
	cr_expect_eq(y->shutdown, USOCK_SEND_SHUTDOWN);
	cr_expect_eq(ssend(y, "x", 1, 0), -EPIPE);
	cr_expect_eq(ssend(y, "", 0, 0), -EPIPE);
	cr_expect_eq(srecv(x, 10, 0, NULL), 2, "queued data first");
	cr_expect_eq(srecv(x, 10, 0, NULL), 0);
	cr_expect_eq(ssend(x, "ok", 2, 0), 2);
	cr_expect_eq(srecv(y, 10, 0, NULL), 2);
	cr_expect_eq(srecv(y, 10, 0, NULL), -EAGAIN);
	file_put(b);
	file_put(a);
}

Test(pipe, dgram_disconnects_when_the_peer_goes)
{
	struct file *a, *b;
	struct usock *x, *y;

	cr_assert_eq(usock_pair_create(SOCK_DGRAM, 0, record_wake, 0, &a, &b), 0);
	x = usock_of(a);
	y = usock_of(b);
	cr_expect_eq(ssend(x, "hello", 5, 0), 5);
	cr_expect_eq(ssend(x, "", 0, 0), 0);
	cr_expect_eq(srecv(y, 2, 0, NULL), 2);
	cr_expect_eq(srecv(y, 2, 0, NULL), 0, "the empty datagram");
	cr_expect_eq(srecv(y, 2, MSG_DONTWAIT, NULL), -EAGAIN);
	cr_expect_eq(usock_shutdown(x, 1), 0);
	cr_expect_eq(y->shutdown, 0, "a datagram shutdown is not mirrored");
	cr_expect_eq(ssend(x, "x", 1, 0), -EPIPE);
	cr_expect_eq(usock_shutdown(x, 0), 0);
	cr_expect_eq(ssend(y, "y", 1, 0), -EPIPE, "the peer no longer receives");
	cr_expect_eq(srecv(x, 2, MSG_DONTWAIT, NULL), -EAGAIN);
	cr_expect_eq(srecv(x, 2, 0, NULL), 0, "a blocking read of a shut end ends");
	file_put(a);
	cr_expect(was_woken(&y->wait));
	cr_expect_eq(y->shutdown, 0);
	cr_expect_eq(srecv(y, 2, MSG_DONTWAIT, NULL), -EAGAIN, "no end of file for datagrams");
	cr_expect_eq(ssend(y, "z", 1, 0), -ECONNREFUSED);
	cr_expect_eq(ssend(y, "z", 1, 0), -ENOTCONN);
	file_put(b);
}

/*
 * vmsplice's slots (PIPE_W_SPLICE): each call takes a slot of its own that no
 * later write merges into, so 16 one-byte calls fill the ring; a reader
 * reads across them as across any slots.
 */
Test(pipe, splice_slots_never_merge)
{
	struct file *rd, *wr;
	struct pipe *p;

	fill_src();
	cr_assert_eq(pipe_create(O_NONBLOCK, record_wake, 0, &rd, &wr), 0);
	p = pipe_of(rd);
	for (int i = 0; i < PIPE_DEF_SLOTS; i++) {
		struct tio t = tio(src + i, 1, true);

		cr_assert_eq(pipe_write(p, &t.io, PIPE_W_SPLICE), 1, "slot %d", i);
	}
	cr_expect(pipe_full(p));
	cr_expect_eq(pwrite_(p, 1, 0), -EAGAIN, "a write merges into no splice slot");
	cr_expect_eq(pipe_bytes(p), PIPE_DEF_SLOTS);
	cr_expect_eq(pread_(p, 100), PIPE_DEF_SLOTS);
	cr_expect_eq(memcmp(dst, src, PIPE_DEF_SLOTS), 0);
	cr_expect_eq(pwrite_(p, 10, 0), 10);
	cr_expect_eq(pwrite_(p, 10, 0), 10);
	cr_expect_eq(p->head - p->tail, 1, "plain writes still merge");
	file_put(rd);
	file_put(wr);
}
