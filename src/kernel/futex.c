/*
 * futex(2) across processes: wait, wake, requeue and wake-op on wait
 * queues keyed by the futex word. See include/kernel/futex.h.
 */
#include "kernel/futex.h"
#include "kernel/proc.h"
#include "kernel/sched.h"
#include "kernel/usercopy.h"
#include "lib/errno.h"
#include "mm/access.h"
#include "mm/aspace.h"
#include "sys.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_LOCK_PI 6
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_WAIT_REQUEUE_PI 11
#define FUTEX_LOCK_PI2 13
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_CMD_MASK (~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu
#define FUTEX_BUCKETS 64

/* What a futex word is: a space and an address, or an object and an offset. */
struct futex_key {
	const void *base; /* struct aspace, or struct mobj (shared mapping) */
	uint64_t off;     /* the address, or the byte offset in the object */
};

/* A process waiting on a futex (on its kernel stack while it sleeps). */
struct futex_waiter {
	struct list_node link; /* in its bucket, arrival order */
	struct futex_key key;
	uint32_t bitset;
	struct waitq wq;       /* the waiter sleeps here, alone */
	bool woken;
};

static struct list_node futex_hash[FUTEX_BUCKETS];
static bool futex_ready;

void futex_reset(void)
{
	for (size_t i = 0; i < FUTEX_BUCKETS; i++)
		list_init(&futex_hash[i]);
	futex_ready = true;
}

/* The bucket of `k`. */
static struct list_node *futex_bucket(const struct futex_key *k)
{
	uint64_t h = (uint64_t)(uintptr_t)k->base ^ (k->off * 0x9e3779b97f4a7c15ULL);

	if (!futex_ready)
		futex_reset();
	return &futex_hash[(h >> 32) % FUTEX_BUCKETS];
}

/* True when a and b name the same futex word. */
static bool futex_match(const struct futex_key *a, const struct futex_key *b)
{
	return a->base == b->base && a->off == b->off;
}

unsigned futex_waiters(void)
{
	unsigned n = 0;
	struct list_node *l, *tmp;

	for (size_t i = 0; futex_ready && i < FUTEX_BUCKETS; i++)
		list_for_each_safe(l, tmp, &futex_hash[i])
			n++;
	return n;
}

/*
 * The key of the futex word at `uaddr` in `as` (get_futex_key): EINVAL
 * when not 4-byte aligned, EFAULT outside the user half, and for a shared
 * futex (op without FUTEX_PRIVATE_FLAG) when the word cannot be read.
 */
static long futex_key_of(struct aspace *as, uint64_t uaddr, int op, struct futex_key *k)
{
	struct as_vma_info vi;
	const struct mobj *obj;
	uint64_t pgoff;
	uint32_t v;

	if (uaddr % sizeof(uint32_t))
		return -EINVAL;
	if (!user_range_ok(uaddr, sizeof(uint32_t)))
		return -EFAULT;
	k->base = as;
	k->off = uaddr;
	if (op & FUTEX_PRIVATE_FLAG)
		return 0;
	if (access_copy_from(as, &v, uaddr, sizeof(v)))
		return -EFAULT;
	if (as_vma_at(as, uaddr, &vi) && (vi.flags & MAP_SHARED) &&
	    as_vma_object(as, uaddr, &obj, &pgoff) && obj) {
		k->base = obj;
		k->off = pgoff * PAGE_SIZE + (uaddr - vi.start);
	}
	return 0;
}

/* Wake waiter `w`: off its bucket, its sleep ends. */
static void futex_wake_one(struct futex_waiter *w)
{
	list_del(&w->link);
	w->woken = true;
	sched_wake_all(&w->wq);
}

/*
 * Wake up to `nr` waiters of `k` whose bitset meets `bitset` (at least one
 * when nr <= 0, as Linux's loop); returns the number woken.
 */
static long futex_wake_key(const struct futex_key *k, int nr, uint32_t bitset)
{
	struct list_node *n, *tmp, *b = futex_bucket(k);
	long woken = 0;

	list_for_each_safe(n, tmp, b) {
		struct futex_waiter *w = list_entry(n, struct futex_waiter, link);

		if (!futex_match(&w->key, k) || !(w->bitset & bitset))
			continue;
		futex_wake_one(w);
		if (++woken >= nr)
			break;
	}
	return woken;
}

/*
 * FUTEX_WAIT / FUTEX_WAIT_BITSET: EAGAIN when *uaddr != val; otherwise
 * sleep on the key until a wake (0), the deadline (ETIMEDOUT) or a signal
 * (restarted when no handler runs; with a handler EINTR, or a restart under
 * SA_RESTART when there is no timeout). EINVAL for an empty bitset.
 */
static long futex_wait(struct proc *p, uint64_t uaddr, int op, uint32_t val,
		       uint32_t bitset, uint64_t deadline)
{
	struct futex_waiter w = { .bitset = bitset };
	uint32_t cur;
	long err;

	if (!bitset)
		return -EINVAL;
	err = futex_key_of(p->as, uaddr, op, &w.key);
	if (err)
		return err;
	if (copy_from_user(&cur, uaddr, sizeof(cur)))
		return -EFAULT;
	if (cur != val)
		return -EAGAIN;
	waitq_init(&w.wq);
	list_add_tail(futex_bucket(&w.key), &w.link);
	do
		err = sched_sleep(&w.wq, deadline);
	while (!w.woken && !err);
	if (w.woken)
		return 0;
	list_del(&w.link);
	if (err == -ETIMEDOUT)
		return -ETIMEDOUT;
	return deadline == SCHED_FOREVER ? -ERESTARTSYS : -ERESTARTNOHAND;
}

/*
 * The wait's deadline on CLOCK_MONOTONIC: FUTEX_WAIT's timeout is relative,
 * the others' absolute (CLOCK_REALTIME with FUTEX_CLOCK_REALTIME).
 * SCHED_FOREVER without a timeout. Returns 0, -EFAULT or -EINVAL.
 */
static long futex_deadline(int cmd, int op, uint64_t utime, uint64_t *deadline)
{
	int64_t ns;
	long err;

	*deadline = SCHED_FOREVER;
	if (!utime)
		return 0;
	err = sys_get_timespec(utime, &ns);
	if (err)
		return err;
	if (cmd != FUTEX_WAIT) {
		int64_t now = (op & FUTEX_CLOCK_REALTIME) ? (int64_t)user_clock_real_ns()
							  : (int64_t)user_clock_mono_ns();
		ns = ns > now ? ns - now : 0;
	}
	*deadline = sys_deadline(ns);
	return 0;
}

/*
 * FUTEX_REQUEUE / FUTEX_CMP_REQUEUE (futex_requeue): EINVAL for negative
 * counts; with cmpval, EAGAIN when *uaddr differs. Wakes up to nwake
 * waiters of uaddr and moves up to nreq more to uaddr2; returns how many
 * were woken or moved.
 */
static long futex_requeue(struct proc *p, uint64_t uaddr, int op, int32_t nwake, int32_t nreq,
			  uint64_t uaddr2, const uint32_t *cmpval)
{
	struct futex_key k1, k2;
	struct list_node *n, *tmp;
	long count = 0;
	uint32_t cur;
	long err;

	if (nwake < 0 || nreq < 0)
		return -EINVAL;
	err = futex_key_of(p->as, uaddr, op, &k1);
	if (!err)
		err = futex_key_of(p->as, uaddr2, op, &k2);
	if (err)
		return err;
	if (cmpval && copy_from_user(&cur, uaddr, sizeof(cur)))
		return -EFAULT;
	if (cmpval && cur != *cmpval)
		return -EAGAIN;
	list_for_each_safe(n, tmp, futex_bucket(&k1)) {
		struct futex_waiter *w = list_entry(n, struct futex_waiter, link);

		if (count - nwake >= nreq)
			break;
		if (!futex_match(&w->key, &k1))
			continue;
		if (++count <= nwake) {
			futex_wake_one(w);
			continue;
		}
		list_del(&w->link);
		w->key = k2;
		list_add_tail(futex_bucket(&k2), &w->link);
	}
	return count;
}

/*
 * The FUTEX_WAKE_OP operation on *uaddr2 (futex_atomic_op_inuser): the
 * new value is stored, then the comparison of the old one with cmparg
 * is returned (0 or 1); -ENOSYS for an unknown operation or comparison
 * (an unknown comparison after the store, as Linux), -EFAULT.
 */
static long futex_atomic_op(uint64_t uaddr2, uint32_t enc)
{
	unsigned fop = (enc >> 28) & 7, cmp = (enc >> 24) & 15;
	int32_t oparg = (int32_t)(enc << 8) >> 20, cmparg = (int32_t)(enc << 20) >> 20;
	uint32_t old, val;

	if (enc & (8u << 28))
		oparg = (int32_t)(1u << (oparg & 31));
	if (fop > 4)
		return -ENOSYS;
	if (copy_from_user(&old, uaddr2, sizeof(old)))
		return -EFAULT;
	val = fop == 0 ? (uint32_t)oparg : fop == 1 ? old + (uint32_t)oparg :
	      fop == 2 ? old | (uint32_t)oparg : fop == 3 ? old & ~(uint32_t)oparg :
	      old ^ (uint32_t)oparg;
	if (copy_to_user(uaddr2, &val, sizeof(val)))
		return -EFAULT;
	switch (cmp) {
	case 0: return (int32_t)old == cmparg;
	case 1: return (int32_t)old != cmparg;
	case 2: return (int32_t)old < cmparg;
	case 3: return (int32_t)old <= cmparg;
	case 4: return (int32_t)old > cmparg;
	case 5: return (int32_t)old >= cmparg;
	default: return -ENOSYS;
	}
}

/*
 * FUTEX_WAKE_OP (futex_wake_op): apply the operation to *uaddr2, wake up
 * to nwake waiters of uaddr, and, when the comparison held, up to nwake2
 * of uaddr2. Returns the number woken.
 */
static long futex_wake_op(struct proc *p, uint64_t uaddr, int op, int32_t nwake,
			  int32_t nwake2, uint64_t uaddr2, uint32_t enc)
{
	struct futex_key k1, k2;
	long err = futex_key_of(p->as, uaddr, op, &k1), cmp, woken;

	if (!err)
		err = futex_key_of(p->as, uaddr2, op, &k2);
	if (err)
		return err;
	cmp = futex_atomic_op(uaddr2, enc);
	if (cmp < 0)
		return cmp;
	woken = futex_wake_key(&k1, nwake, FUTEX_BITSET_MATCH_ANY);
	if (cmp)
		woken += futex_wake_key(&k2, nwake2, FUTEX_BITSET_MATCH_ANY);
	return woken;
}

/* FUTEX_WAKE / FUTEX_WAKE_BITSET: EINVAL for an empty bitset; the number woken. */
static long futex_wake(struct proc *p, uint64_t uaddr, int op, int32_t nr, uint32_t bitset)
{
	struct futex_key k;
	long err;

	if (!bitset)
		return -EINVAL;
	err = futex_key_of(p->as, uaddr, op, &k);
	return err ? err : futex_wake_key(&k, nr, bitset);
}

void futex_mm_release(struct proc *p)
{
	uint64_t tid = p->tid_address;
	struct futex_key k;
	uint32_t zero = 0;

	p->tid_address = 0;
	if (!tid || !p->as || as_users(p->as) <= 1)
		return;
	if (access_copy_to(p->as, tid, &zero, sizeof(zero)))
		return;
	if (!futex_key_of(p->as, tid, 0, &k))
		futex_wake_key(&k, 1, FUTEX_BITSET_MATCH_ANY);
}

/*
 * futex(2): WAIT/WAIT_BITSET, WAKE/WAKE_BITSET, REQUEUE/CMP_REQUEUE and
 * WAKE_OP between processes. The PI operations are not served (ENOSYS,
 * named as unimplemented); an unknown operation is ENOSYS, as Linux, and
 * FUTEX_CLOCK_REALTIME is ENOSYS but for the bitset and PI waits.
 */
long sys_futex(struct proc *p, struct uregs *r)
{
	int op = (int)r->rsi, cmd = op & FUTEX_CMD_MASK;
	uint64_t uaddr = r->rdi, utime = r->r10, uaddr2 = r->r8, deadline;
	uint32_t val = (uint32_t)r->rdx, val3 = (uint32_t)r->r9;
	long err;

	if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT_BITSET &&
	    cmd != FUTEX_WAIT_REQUEUE_PI && cmd != FUTEX_LOCK_PI2)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		err = futex_deadline(cmd, op, utime, &deadline);
		if (err)
			return err;
		return futex_wait(p, uaddr, op, val,
				  cmd == FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : val3, deadline);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		return futex_wake(p, uaddr, op, (int32_t)val,
				  cmd == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : val3);
	case FUTEX_REQUEUE:
		return futex_requeue(p, uaddr, op, (int32_t)val, (int32_t)utime, uaddr2, NULL);
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(p, uaddr, op, (int32_t)val, (int32_t)utime, uaddr2, &val3);
	case FUTEX_WAKE_OP:
		return futex_wake_op(p, uaddr, op, (int32_t)val, (int32_t)utime, uaddr2, val3);
	case FUTEX_LOCK_PI: case 7: case 8: case FUTEX_WAIT_REQUEUE_PI: case 12:
	case FUTEX_LOCK_PI2:
		proc_unknown_syscall(p, SYS_futex);
		return -ENOSYS;
	default:
		return -ENOSYS;
	}
}
