/*
 * process_vm_readv(2) and process_vm_writev(2), Linux 6.12's
 * mm/process_vm_access.c: bytes move between the caller's local iovecs and
 * another process's remote ones, page by page through access_user (Linux
 * pins the remote pages with GUP: a page GUP refuses, such as
 * memfd_secret's, ends the transfer with EFAULT). The result is the bytes
 * moved, or the error when none moved.
 */
#include "kernel/proc.h"
#include "kernel/usercopy.h"
#include "lib/errno.h"
#include "mm/access.h"
#include "mm/aspace.h"
#include "proc_internal.h"
#include "sys.h"

#define SYS_process_vm_readv 310
#define SYS_process_vm_writev 311

/* Where the transfer stands in the local iovecs. */
struct pvm_cursor {
	const struct sys_iov *iov;
	uint64_t cnt, idx, off;
};

static struct sys_iov pvm_local[SYS_UIO_MAXIOV], pvm_remote[SYS_UIO_MAXIOV];
static uint8_t pvm_buf[PAGE_SIZE]; /* never held across a sleep: one CPU runs the kernel */

/* iovec_from_user for the remote iovecs: EINVAL (too many, a negative length), EFAULT. */
static long pvm_remote_get(uint64_t uiov, uint64_t cnt)
{
	if (cnt > SYS_UIO_MAXIOV)
		return -EINVAL;
	if (cnt && copy_from_user(pvm_remote, uiov, cnt * sizeof(pvm_remote[0])))
		return -EFAULT;
	for (uint64_t i = 0; i < cnt; i++)
		if ((int64_t)pvm_remote[i].len < 0)
			return -EINVAL;
	return 0;
}

/* True when the remote iovecs hold no byte (Linux returns 0 before the pid lookup). */
static bool pvm_remote_empty(uint64_t cnt)
{
	for (uint64_t i = 0; i < cnt; i++)
		if (pvm_remote[i].len)
			return false;
	return true;
}

/* The next local piece of at most `max` bytes: its address and length (0 when all used). */
static uint64_t pvm_local_next(struct pvm_cursor *cur, uint64_t max, uint64_t *base)
{
	while (cur->idx < cur->cnt && cur->off == cur->iov[cur->idx].len)
		cur->idx++, cur->off = 0;
	if (cur->idx == cur->cnt)
		return 0;
	*base = cur->iov[cur->idx].base + cur->off;
	return MIN(max, cur->iov[cur->idx].len - cur->off);
}

/*
 * Move up to n bytes (within one remote page) between remote address ra of
 * t and the local iovecs. The bytes moved, or -EFAULT when the remote page
 * or the first local byte is refused.
 */
static long pvm_page(struct proc *t, uint64_t ra, uint64_t n, struct pvm_cursor *cur, bool write)
{
	uint64_t done = 0, base, k;

	while (done < n && (k = pvm_local_next(cur, n - done, &base))) {
		if (write ? copy_from_user(pvm_buf + done, base, k) :
			    access_user(t->as, ra + done, pvm_buf, k, ACCESS_READ) != AS_FAULT_OK)
			return done ? (long)done : -EFAULT;
		if (write ? access_user(t->as, ra + done, pvm_buf + done, k, ACCESS_WRITE) !=
				    AS_FAULT_OK :
			    copy_to_user(base, pvm_buf, k) != 0)
			return done ? (long)done : -EFAULT;
		cur->off += k;
		done += k;
	}
	return (long)done;
}

/* Every remote iovec in turn until the local ones are used up or a page is refused. */
static long pvm_move(struct proc *t, uint64_t rcnt, struct pvm_cursor *cur, bool write)
{
	uint64_t total = 0, base;

	for (uint64_t i = 0; i < rcnt && pvm_local_next(cur, 1, &base); i++) {
		uint64_t ra = pvm_remote[i].base, left = pvm_remote[i].len;

		while (left && pvm_local_next(cur, 1, &base)) {
			uint64_t n = MIN(left, PAGE_SIZE - (ra & (PAGE_SIZE - 1)));
			long got = ra < AS_TASK_SIZE ? pvm_page(t, ra, n, cur, write) : -EFAULT;

			if (got < 0)
				return total ? (long)total : got;
			total += (uint64_t)got;
			if ((uint64_t)got < n)
				return (long)total;
			ra += n;
			left -= n;
		}
	}
	return (long)total;
}

/*
 * process_vm_readv/writev(pid, lvec, liovcnt, rvec, riovcnt, flags): EINVAL
 * (flags, too many iovecs, a negative length), EFAULT (an iovec array, a
 * local buffer outside the user half, the first page), then 0 when there is
 * nothing to move locally or remotely, ESRCH (no such live process), EPERM
 * (not allowed to attach).
 */
long sys_process_vm(struct proc *p, uint64_t nr, struct uregs *r)
{
	bool write = nr == SYS_process_vm_writev;
	struct pvm_cursor cur = { pvm_local, r->rdx, 0, 0 };
	uint64_t rcnt = r->r8, want = 0;
	struct proc *t;
	long err;

	if (r->r9)
		return -EINVAL;
	err = sys_iov_get(r->rsi, r->rdx, pvm_local);
	for (uint64_t i = 0; !err && i < r->rdx; i++)
		want += pvm_local[i].len;
	if (err || !want)
		return err;
	err = pvm_remote_get(r->r10, rcnt);
	if (err)
		return err;
	if (pvm_remote_empty(rcnt))
		return 0;
	t = proc_find((int32_t)r->rdi);
	if ((int32_t)r->rdi <= 0 || !t || t->state == PROC_ZOMBIE || !t->as)
		return -ESRCH;
	if (!ptrace_may_access(p, t)) /* PTRACE_MODE_ATTACH_REALCREDS */
		return -EPERM;
	return pvm_move(t, rcnt, &cur, write);
}
