/*
 * Memory protection keys (pkey_alloc, pkey_free, pkey_mprotect) and NUMA
 * memory policies (mbind, set_mempolicy, get_mempolicy, migrate_pages,
 * move_pages), with Linux 6.12's argument checks and errnos.
 *
 * bootmm has one NUMA node, node 0, holding all memory: policies are
 * recorded (per VMA by mbind, per process by set_mempolicy) and answered
 * back by get_mempolicy, and every page is on node 0, so MPOL_MF_MOVE,
 * MPOL_MF_MOVE_ALL, migrate_pages and move_pages never find a page to move
 * (Linux on a one-node machine does not either). Linux's node masks are
 * PROC_MAX_NUMNODES (1024) bits, its CONFIG_NODES_SHIFT of the oracle.
 * Not kept: the user's node mask of an mbind with MPOL_F_STATIC_NODES or
 * MPOL_F_RELATIVE_NODES (get_mempolicy(MPOL_F_ADDR) answers the effective
 * mask, {0}), and a shared memory object's policy (kept per VMA, not in
 * the object as Linux's shmem does).
 */
#include "kernel/proc.h"
#include "kernel/usercopy.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/aspace.h"
#include "mm/mmarch.h"
#include "sys.h"

#define SYS_mbind 237
#define SYS_set_mempolicy 238
#define SYS_get_mempolicy 239
#define SYS_migrate_pages 256
#define SYS_move_pages 279
#define SYS_pkey_mprotect 329
#define SYS_pkey_alloc 330
#define SYS_pkey_free 331

#define PKEY_ACCESS_MASK 0x3u /* PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE */

#define MPOL_DEFAULT 0
#define MPOL_PREFERRED 1
#define MPOL_BIND 2
#define MPOL_INTERLEAVE 3
#define MPOL_LOCAL 4
#define MPOL_PREFERRED_MANY 5
#define MPOL_WEIGHTED_INTERLEAVE 6
#define MPOL_MAX 7
#define MPOL_F_STATIC_NODES (1u << 15)
#define MPOL_F_RELATIVE_NODES (1u << 14)
#define MPOL_F_NUMA_BALANCING (1u << 13)
#define MPOL_MODE_FLAGS (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES | MPOL_F_NUMA_BALANCING)
#define MPOL_F_NODE (1u << 0)
#define MPOL_F_ADDR (1u << 1)
#define MPOL_F_MEMS_ALLOWED (1u << 2)
#define MPOL_MF_STRICT (1u << 0)
#define MPOL_MF_MOVE (1u << 1)
#define MPOL_MF_MOVE_ALL (1u << 2)
#define MPOL_MF_VALID (MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)

#define NODE_WORDS (PROC_MAX_NUMNODES / 64)
#define NODE_MASK_MAX_BITS (PAGE_SIZE * 8) /* get_nodes' limit */
#define MOVE_PAGES_CHUNK 16                /* do_pages_stat's DO_PAGES_STAT_CHUNK_NR */

/* Linux's capable(CAP_SYS_NICE): euid 0 has it (bootmm keeps no capability sets). */
static bool sys_nice_capable(const struct proc *p)
{
	return p->cred.euid == 0;
}

/* A node mask as Linux's nodemask_t. */
struct sys_nodes {
	uint64_t w[NODE_WORDS];
};

/* ---------------------------------------------------------------- pkeys */

/* pkey_alloc(flags, init_val): EINVAL (flags, unknown rights), ENOSPC (no key left). */
static long sys_pkey_alloc(struct proc *p, uint64_t flags, uint64_t init_val)
{
	if (flags || (init_val & ~(uint64_t)PKEY_ACCESS_MASK))
		return -EINVAL;
	return as_pkey_alloc(p->as, (unsigned)init_val);
}

/* ---------------------------------------------------------------- node masks */

/* Linux's get_bitmap: `bits` bits from user `at` into w (the rest of the last word cleared). */
static int sys_get_bitmap(uint64_t *w, uint64_t at, uint64_t bits)
{
	uint64_t words = (bits + 63) / 64;

	if (copy_from_user(w, at, words * 8))
		return -EFAULT;
	if (bits % 64)
		w[words - 1] &= (1ULL << (bits % 64)) - 1;
	return 0;
}

/*
 * Linux's get_nodes: the node mask of maxnode - 1 bits at user `at` (NULL
 * or maxnode 1: empty). EINVAL past a page of bits or for a node set past
 * PROC_MAX_NUMNODES, EFAULT.
 */
static int sys_get_nodes(struct sys_nodes *n, uint64_t at, uint64_t maxnode)
{
	uint64_t bits, t;

	memset(n, 0, sizeof(*n));
	maxnode--;
	if (maxnode == 0 || !at)
		return 0;
	if (maxnode > NODE_MASK_MAX_BITS)
		return -EINVAL;
	while (maxnode > PROC_MAX_NUMNODES) {
		bits = MIN(maxnode, 64);
		if (sys_get_bitmap(&t, at + (maxnode - 1) / 64 * 8, bits))
			return -EFAULT;
		if (maxnode - bits >= PROC_MAX_NUMNODES)
			maxnode -= bits;
		else
			maxnode = PROC_MAX_NUMNODES; /* 1024 is a multiple of 64: t stays whole */
		if (t)
			return -EINVAL;
	}
	return sys_get_bitmap(n->w, at, maxnode);
}

/* True when no node is set. */
static bool sys_nodes_empty(const struct sys_nodes *n)
{
	for (unsigned i = 0; i < NODE_WORDS; i++)
		if (n->w[i])
			return false;
	return true;
}

/*
 * Linux's copy_nodes_to_user with nr_node_ids 1: the word of node 0 out of
 * n, the rest of the ALIGN(maxnode - 1, 64) bits cleared. EINVAL past a
 * page, EFAULT.
 */
static int sys_put_nodes(uint64_t at, uint64_t maxnode, const struct sys_nodes *n)
{
	uint64_t copy = ALIGN_UP(maxnode - 1, 64) / 8;

	if (copy > 8) {
		if (copy > PAGE_SIZE)
			return -EINVAL;
		if (clear_user(at + 8, copy - 8))
			return -EFAULT;
		copy = 8;
	}
	return copy_to_user(at, n->w, copy) ? -EFAULT : 0;
}

/* ---------------------------------------------------------------- policies */

/* Linux's sanitize_mpol_flags: split `mode` (an int) into mode and flags; EINVAL. */
static int sys_mpol_split(uint64_t arg, unsigned *mode, unsigned *flags)
{
	*flags = (uint32_t)arg & MPOL_MODE_FLAGS;
	*mode = (uint32_t)arg & ~MPOL_MODE_FLAGS;
	if (*mode >= MPOL_MAX)
		return -EINVAL;
	if ((*flags & MPOL_F_STATIC_NODES) && (*flags & MPOL_F_RELATIVE_NODES))
		return -EINVAL;
	if ((*flags & MPOL_F_NUMA_BALANCING) && *mode != MPOL_BIND &&
	    *mode != MPOL_PREFERRED_MANY)
		return -EINVAL;
	return 0;
}

/*
 * Linux's mpol_new and mpol_set_nodemask on node 0 alone: the policy's
 * final mode into *mode (MPOL_PREFERRED without nodes is MPOL_LOCAL), or
 * EINVAL: nodes with MPOL_DEFAULT or MPOL_LOCAL, none (or none left once
 * cut to node 0; MPOL_F_RELATIVE_NODES folds any onto node 0) for the rest.
 */
static int sys_mpol_check(unsigned *mode, unsigned flags, const struct sys_nodes *n)
{
	bool empty = sys_nodes_empty(n), relative = flags & MPOL_F_RELATIVE_NODES;

	if (*mode == MPOL_DEFAULT)
		return empty ? 0 : -EINVAL;
	if (*mode == MPOL_PREFERRED && empty) {
		if (flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES))
			return -EINVAL;
		*mode = MPOL_LOCAL;
	}
	if (*mode == MPOL_LOCAL)
		return empty && !(flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES)) ?
		       0 : -EINVAL;
	if (empty || (!relative && !(n->w[0] & 1)))
		return -EINVAL;
	return 0;
}

/* The VMA policy value (mm's AS_VMA_MPOL) of a mode and its flags: mode, then 3 flag bits. */
static unsigned sys_mpol_value(unsigned mode, unsigned flags)
{
	return mode | ((flags & MPOL_MODE_FLAGS) >> 13) << 3;
}

/* The mode and flags get_mempolicy reports for VMA policy value v. */
static unsigned sys_mpol_of_value(unsigned v)
{
	return (v & 7) | ((v >> 3) << 13);
}

/* The effective node mask of a policy mode: node 0, or none for default and local. */
static void sys_mpol_nodes(unsigned mode, struct sys_nodes *n)
{
	memset(n, 0, sizeof(*n));
	if (mode != MPOL_DEFAULT && mode != MPOL_LOCAL)
		n->w[0] = 1;
}

/*
 * mbind(start, len, mode, nmask, maxnode, flags) after the mode and the mask
 * are read (Linux's do_mbind): EINVAL (flags, unaligned, wraps, policy),
 * EPERM (MPOL_MF_MOVE_ALL without CAP_SYS_NICE), EFAULT (a hole, unless
 * MPOL_DEFAULT; nothing mapped), ENOMEM (a split).
 */
static long sys_do_mbind(struct proc *p, uint64_t start, uint64_t len, unsigned mode,
			 unsigned mflags, const struct sys_nodes *n, uint64_t flags)
{
	uint64_t end;
	int err;

	if (flags & ~(uint64_t)MPOL_MF_VALID)
		return -EINVAL;
	if ((flags & MPOL_MF_MOVE_ALL) && !sys_nice_capable(p))
		return -EPERM;
	if (!IS_ALIGNED(start, PAGE_SIZE))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	err = sys_mpol_check(&mode, mflags, n);
	if (err)
		return err;
	/* one node: MPOL_MF_MOVE(_ALL) finds no page off the nodes, STRICT none misplaced */
	return as_set_policy(p->as, start, end, sys_mpol_value(mode, mflags),
			     mode == MPOL_DEFAULT ? AS_POLICY_HOLES_OK : AS_POLICY_NO_HOLES);
}

static long sys_mbind(struct proc *p, struct uregs *r)
{
	struct sys_nodes n;
	unsigned mode, mflags;
	int err = sys_mpol_split(r->rdx, &mode, &mflags);

	if (!err)
		err = sys_get_nodes(&n, r->r10, r->r8);
	if (err)
		return err;
	return sys_do_mbind(p, r->rdi, r->rsi, mode, mflags, &n, (uint32_t)r->r9);
}

/* set_mempolicy(mode, nmask, maxnode): EINVAL, EFAULT. */
static long sys_set_mempolicy(struct proc *p, uint64_t mode_arg, uint64_t nmask, uint64_t maxnode)
{
	struct sys_nodes n;
	unsigned mode, flags;
	int err = sys_mpol_split(mode_arg, &mode, &flags);

	if (!err)
		err = sys_get_nodes(&n, nmask, maxnode);
	if (!err)
		err = sys_mpol_check(&mode, flags, &n);
	if (err)
		return err;
	memset(&p->mpol, 0, sizeof(p->mpol));
	if (mode == MPOL_DEFAULT)
		return 0;
	p->mpol.mode = (uint16_t)mode;
	p->mpol.flags = (uint16_t)flags;
	if (flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES))
		memcpy(p->mpol.user_nodes, n.w, sizeof(n.w));
	return 0;
}

/* The process policy's mode, flags and node mask as get_mempolicy reports them. */
static unsigned sys_task_policy(const struct proc *p, struct sys_nodes *n)
{
	sys_mpol_nodes(p->mpol.mode, n);
	if (p->mpol.flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES))
		memcpy(n->w, p->mpol.user_nodes, sizeof(n->w));
	return p->mpol.mode | p->mpol.flags;
}

/*
 * MPOL_F_NODE (Linux's do_get_mempolicy): with MPOL_F_ADDR the node of the
 * page at addr, faulted in for reading (EFAULT when it cannot be); without,
 * the next interleave node of the process's interleave policy (EINVAL for
 * another policy). One node: 0.
 */
static long sys_policy_node(struct proc *p, uint64_t addr, unsigned flags, int *node)
{
	*node = 0;
	if (flags & MPOL_F_ADDR)
		return as_fault(p->as, ALIGN_DOWN(addr, PAGE_SIZE), AS_PF_USER) == AS_FAULT_OK ?
		       0 : -EFAULT;
	if (p->mpol.mode == MPOL_INTERLEAVE || p->mpol.mode == MPOL_WEIGHTED_INTERLEAVE)
		return 0;
	return -EINVAL;
}

/* Linux's do_get_mempolicy: the policy word into *pol and its nodes into *n. */
static long sys_do_get_mempolicy(struct proc *p, uint64_t addr, uint64_t flags, int *pol,
				 struct sys_nodes *n)
{
	unsigned v;
	int err;

	if (flags & ~(uint64_t)(MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED))
		return -EINVAL;
	if (flags & MPOL_F_MEMS_ALLOWED) {
		if (flags & (MPOL_F_NODE | MPOL_F_ADDR))
			return -EINVAL;
		*pol = 0;
		sys_mpol_nodes(MPOL_BIND, n); /* node 0 */
		return 0;
	}
	if (!(flags & MPOL_F_ADDR) && addr)
		return -EINVAL;
	if (flags & MPOL_F_ADDR) {
		err = as_policy_at(p->as, addr, &v);
		if (err)
			return err;
		*pol = (int)sys_mpol_of_value(v);
		sys_mpol_nodes(v & 7, n);
	} else {
		*pol = (int)sys_task_policy(p, n);
	}
	return (flags & MPOL_F_NODE) ? sys_policy_node(p, addr, (unsigned)flags, pol) : 0;
}

/* get_mempolicy(policy, nmask, maxnode, addr, flags): EINVAL, EFAULT. */
static long sys_get_mempolicy(struct proc *p, struct uregs *r)
{
	uint64_t upol = r->rdi, nmask = r->rsi, maxnode = r->rdx;
	struct sys_nodes n;
	int pol = 0;
	long err;

	if (nmask && maxnode < 1) /* nr_node_ids */
		return -EINVAL;
	err = sys_do_get_mempolicy(p, r->r10, r->r8, &pol, &n);
	if (err)
		return err;
	if (upol && copy_to_user(upol, &pol, sizeof(pol)))
		return -EFAULT;
	return nmask ? sys_put_nodes(nmask, maxnode, &n) : 0;
}

/* The process `pid` of migrate_pages and move_pages (0: p). ESRCH, EINVAL (no memory). */
static struct proc *sys_mpol_target(struct proc *p, int32_t pid, long *err)
{
	struct proc *t = proc_lookup(p, pid);

	*err = t ? (t->as ? 0 : -EINVAL) : -ESRCH;
	return *err ? NULL : t;
}

/*
 * migrate_pages(pid, maxnode, old_nodes, new_nodes): EINVAL (masks, no
 * node of new_nodes has memory), EFAULT, ESRCH, EPERM (new nodes beyond
 * node 0 without CAP_SYS_NICE; the ptrace access check on another process
 * is not made: bootmm's programs are all root). Pages leave the old nodes
 * for the new ones; all are on node 0, which new_nodes must hold: none
 * moves, 0 pages are left behind.
 */
static long sys_migrate_pages(struct proc *p, struct uregs *r)
{
	struct sys_nodes from, to;
	long err = sys_get_nodes(&from, r->rdx, r->rsi);
	uint64_t to_node0;

	if (!err)
		err = sys_get_nodes(&to, r->r10, r->rsi);
	if (err)
		return err;
	to_node0 = to.w[0];
	if (!sys_mpol_target(p, (int32_t)r->rdi, &err))
		return err;
	to.w[0] &= ~1ULL;
	if (!sys_nodes_empty(&to) && !sys_nice_capable(p))
		return -EPERM; /* new nodes outside the target's allowed ones ({0}) */
	if (!(to_node0 & 1))
		return -EINVAL; /* nothing left once cut to the allowed nodes */
	return 0;
}

/*
 * The status move_pages reports for the page at addr of t: its node (0)
 * when present, -ENOENT when not, -EFAULT outside every VMA.
 */
static int sys_page_status(struct proc *t, uint64_t addr)
{
	struct as_vma_info vi;
	struct as_page_info pi;

	if (!as_vma_at(t->as, addr, &vi))
		return -EFAULT;
	return as_page_query(t->as, addr, &pi) ? 0 : -ENOENT;
}

/* One entry of move_pages with nodes: its node checked (ENODEV, EACCES), then its status. */
static long sys_move_one(struct proc *t, uint64_t page, uint64_t node_at, int *status)
{
	int32_t node;

	if (copy_from_user(&node, node_at, sizeof(node)))
		return -EFAULT;
	if (node < 0 || node >= PROC_MAX_NUMNODES || node != 0)
		return -ENODEV; /* only node 0 has memory */
	*status = sys_page_status(t, page);
	return 0;
}

/*
 * move_pages(pid, count, pages, nodes, status, flags): EINVAL (flags),
 * EPERM (MPOL_MF_MOVE_ALL without CAP_SYS_NICE), ESRCH, EFAULT (the
 * arrays), ENODEV (a node without memory). Each status is the page's
 * node, 0 (nothing moves: all memory is node 0), or -ENOENT / -EFAULT for
 * a page absent or outside every VMA.
 */
static long sys_move_pages(struct proc *p, struct uregs *r)
{
	uint64_t count = r->rsi, pages = r->rdx, nodes = r->r10, status = r->r8;
	struct proc *t;
	uint64_t page;
	long err;
	int st;

	if ((uint32_t)r->r9 & ~(MPOL_MF_MOVE | MPOL_MF_MOVE_ALL))
		return -EINVAL;
	if (((uint32_t)r->r9 & MPOL_MF_MOVE_ALL) && !sys_nice_capable(p))
		return -EPERM;
	if (!(t = sys_mpol_target(p, (int32_t)r->rdi, &err)))
		return err;
	for (uint64_t i = 0; i < count; i++) {
		if (copy_from_user(&page, pages + i * 8, sizeof(page)))
			return -EFAULT;
		if (nodes) {
			err = sys_move_one(t, page, nodes + i * 4, &st);
			if (err)
				return err;
		} else {
			st = sys_page_status(t, page);
		}
		if (copy_to_user(status + i * 4, &st, sizeof(st)))
			return -EFAULT;
	}
	return 0;
}

long sys_mempolicy_call(struct proc *p, uint64_t nr, struct uregs *r)
{
	switch (nr) {
	case SYS_pkey_alloc: return sys_pkey_alloc(p, r->rdi, r->rsi);
	case SYS_pkey_free: return as_pkey_free(p->as, (int)r->rdi);
	case SYS_pkey_mprotect:
		return as_mprotect_pkey(p->as, r->rdi, r->rsi, (int)r->rdx, (int)r->r10);
	case SYS_mbind: return sys_mbind(p, r);
	case SYS_set_mempolicy: return sys_set_mempolicy(p, r->rdi, r->rsi, r->rdx);
	case SYS_get_mempolicy: return sys_get_mempolicy(p, r);
	case SYS_migrate_pages: return sys_migrate_pages(p, r);
	case SYS_move_pages: return sys_move_pages(p, r);
	default: return SYS_NOT_MINE;
	}
}
