/*
 * fork, vfork, clone and clone3: a new task as a copy of the caller: a
 * process, or a thread of the caller's group (CLONE_THREAD), sharing what
 * the flags say (CLONE_VM, CLONE_SIGHAND, CLONE_FILES, CLONE_FS).
 * Namespaces, pidfds and cgroups say EINVAL.
 */
#include "arch/x86_64/regs.h"
#include "fs/file.h"
#include "kernel/exec.h"
#include "kernel/sched.h"
#include "kernel/usercopy.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/access.h"
#include "mm/aspace.h"
#include "proc_internal.h"
#include "sys.h"

#define CSIGNAL 0x000000ffULL
#define CLONE_VM 0x00000100ULL
#define CLONE_FS 0x00000200ULL
#define CLONE_FILES 0x00000400ULL
#define CLONE_SIGHAND 0x00000800ULL
#define CLONE_PIDFD 0x00001000ULL
#define CLONE_PTRACE 0x00002000ULL
#define CLONE_VFORK 0x00004000ULL
#define CLONE_PARENT 0x00008000ULL
#define CLONE_THREAD 0x00010000ULL
#define CLONE_NEWNS 0x00020000ULL
#define CLONE_SYSVSEM 0x00040000ULL
#define CLONE_SETTLS 0x00080000ULL
#define CLONE_PARENT_SETTID 0x00100000ULL
#define CLONE_CHILD_CLEARTID 0x00200000ULL
#define CLONE_DETACHED 0x00400000ULL
#define CLONE_UNTRACED 0x00800000ULL
#define CLONE_CHILD_SETTID 0x01000000ULL
#define CLONE_NEWCGROUP 0x02000000ULL
#define CLONE_IO 0x80000000ULL
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#define CLONE_NEWUSER 0x10000000ULL
#define CLONE_NEWPID 0x20000000ULL
/* What bootmm does: the rest (namespaces, pidfd, cgroup) is EINVAL. */
#define CLONE_SERVED (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_PTRACE | \
		      CLONE_VFORK | CLONE_PARENT | CLONE_THREAD | CLONE_SYSVSEM | \
		      CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | \
		      CLONE_DETACHED | CLONE_UNTRACED | CLONE_CHILD_SETTID | CLONE_IO | \
		      CLONE_CLEAR_SIGHAND)
#define CLONE_ARGS_SIZE_VER0 64

/* struct clone_args (clone3), the fields bootmm reads. */
struct proc_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

/* Linux's flag checks (copy_process), then bootmm's: EINVAL for what it does not do. */
static long proc_clone_check(const struct proc_clone_args *a)
{
	if ((a->flags & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS) ||
	    (a->flags & (CLONE_NEWUSER | CLONE_FS)) == (CLONE_NEWUSER | CLONE_FS))
		return -EINVAL;
	if ((a->flags & CLONE_THREAD) && !(a->flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((a->flags & CLONE_SIGHAND) && !(a->flags & CLONE_VM))
		return -EINVAL;
	if ((a->flags & (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND)) ==
	    (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND))
		return -EINVAL;
	if ((a->flags & CLONE_THREAD) && (a->flags & (CLONE_NEWUSER | CLONE_NEWPID)))
		return -EINVAL;
	if ((a->flags & CLONE_PIDFD) && (a->flags & CLONE_DETACHED))
		return -EINVAL;
	if (a->exit_signal > SIG_NSIG)
		return -EINVAL;
	if (a->flags & ~CLONE_SERVED)
		return -EINVAL;
	return 0;
}

/*
 * True when the real user of `p` is at RLIMIT_NPROC; as Linux's
 * copy_process, real uid 0 (INIT_USER), CAP_SYS_RESOURCE and CAP_SYS_ADMIN
 * are exempt.
 */
static bool proc_nproc_over(const struct proc *p)
{
	struct list_node *n, *tmp;
	uint64_t count = 0;

	if (p->cred.uid == 0 || cred_capable(&p->cred, CAP_SYS_RESOURCE) ||
	    cred_capable(&p->cred, CAP_SYS_ADMIN))
		return false;
	list_for_each_safe(n, tmp, &p->tree->procs)
		count += list_entry(n, struct proc, tree_link)->cred.uid == p->cred.uid;
	return count >= p->rlim[PROC_RLIM_NPROC].cur;
}

/* Name, limits, credentials, signal state, files and working directory of the child. */
static int proc_fork_copy(const struct proc *p, struct proc *c, uint64_t flags)
{
	c->name = p->name;
	memcpy(c->path_buf, p->path_buf, sizeof(c->path_buf));
	c->path = p->path == p->path_buf ? c->path_buf : p->path;
	memcpy(c->comm, p->comm, sizeof(c->comm));
	c->flags = p->flags;
	c->res = p->res;
	sig_fork(&c->sig, &p->sig);
	if (flags & CLONE_CLEAR_SIGHAND)
		sig_exec_reset(&c->sig);
	if ((flags & (CLONE_VM | CLONE_VFORK)) == CLONE_VM)
		c->sig.ss_sp = c->sig.ss_size = 0, c->sig.ss_flags = SS_DISABLE;
	memcpy(c->rlim, p->rlim, sizeof(c->rlim));
	c->cred = p->cred;
	c->nondumpable = p->nondumpable; /* a flag of the mm, copied with it */
	c->umask = p->umask;
	c->mpol = p->mpol;
	c->fs_base = p->fs_base;
	c->gs_base = p->gs_base;
	c->rseq = (flags & CLONE_VM) ? 0 : p->rseq;
	c->rseq_len = p->rseq_len;
	c->rseq_sig = p->rseq_sig;
	c->start_ns = user_clock_mono_ns();
	c->cwd = p->cwd;
	if (c->cwd)
		vfs_get(c->cwd);
	if (flags & CLONE_SIGHAND)
		c->sighand_id = p->sighand_id;
	if (flags & CLONE_FS)
		c->fs_id = p->fs_id;
	if (exec_fork_path(c, p))
		return -ENOMEM;
	c->fdt = (flags & CLONE_FILES) ? fdt_share(p->fdt) : fdt_clone(p->fdt);
	return c->fdt ? 0 : -ENOMEM;
}

/* The child's address space: the parent's borrowed (CLONE_VM) or a copy-on-write copy. */
static int proc_fork_mm(struct proc *p, struct proc *c, uint64_t flags)
{
	c->as = (flags & CLONE_VM) ? as_get(p->as) : as_clone(p->as);
	return c->as ? 0 : -ENOMEM;
}

/* The child's first return to ring 3: the caller's registers, rax 0, its own stack and TLS. */
static void proc_fork_regs(struct proc *c, const struct uregs *r, const struct proc_clone_args *a)
{
	uint64_t top = (uint64_t)c->kstack + PROC_KSTACK_SIZE;
	struct uregs *cr = (struct uregs *)(top - sizeof(*cr));

	*cr = *r;
	cr->rax = 0;
	cr->orig_rax = (uint64_t)-1;
	if (a->stack)
		cr->rsp = a->stack + a->stack_size;
	if (a->flags & CLONE_SETTLS)
		c->fs_base = a->tls;
	user_prepare_start(&c->kctx, cr);
	user_fpu_save(c->fpu);
	c->pkru = user_pkru_get(); /* the keys' rights go with the copied space */
}

/* CLONE_PARENT_SETTID, CLONE_CHILD_SETTID, CLONE_CHILD_CLEARTID. 0 or -EFAULT. */
static int proc_fork_tids(struct proc *c, const struct proc_clone_args *a)
{
	int32_t pid = c->pid;

	if ((a->flags & CLONE_PARENT_SETTID) && copy_to_user(a->parent_tid, &pid, sizeof(pid)))
		return -EFAULT;
	if ((a->flags & CLONE_CHILD_SETTID) &&
	    access_errno(access_copy_to(c->as, a->child_tid, &pid, sizeof(pid))))
		return -EFAULT;
	if (a->flags & CLONE_CHILD_CLEARTID)
		c->tid_address = a->child_tid;
	return 0;
}

/*
 * A vfork parent sleeps until its child execs or exits (or a fatal signal
 * comes): killable only, as Linux's wait_for_vfork_done, so every other
 * signal (kill, a tracer's SIGSTOP) waits for the end of the sleep instead
 * of waking it again and again.
 */
static void proc_vfork_wait(struct proc *p)
{
	while (p->vfork_waiting && !(p->sig.pending & SIG_BIT(SIGKILL)))
		sched_sleep_killable(&p->child_wq, SCHED_FOREVER);
	p->vfork_waiting = false;
}

/* Undo a child that never ran. */
static void proc_fork_undo(struct proc *c)
{
	proc_files_exit(c);
	if (c->as)
		as_put(c->as);
	c->as = NULL;
	proc_tree_discard(c);
}

/*
 * Whose child a new task is: the group's (its leader's, since children
 * belong to the group), or with CLONE_PARENT the group's parent. A thread
 * is made the leader's child, then joins its group (proc_thread_join).
 */
static struct proc *proc_clone_parent(struct proc *p, uint64_t flags)
{
	struct proc *l = p->leader;

	return (flags & CLONE_PARENT) && l->parent ? l->parent : l;
}

/* The common part of the four calls: the child's pid or -errno. */
static long proc_clone(struct proc *p, struct uregs *r, const struct proc_clone_args *a)
{
	struct proc *c;
	int err = (int)proc_clone_check(a);

	if (!err && proc_nproc_over(p))
		err = -EAGAIN;
	if (err)
		return err;
	c = proc_tree_alloc(proc_clone_parent(p, a->flags), &err);
	if (!c)
		return err;
	/* Linux: a CLONE_PARENT child reports to the parent as the caller does */
	c->exit_signal = (a->flags & CLONE_PARENT) ? p->leader->exit_signal : (int)a->exit_signal;
	c->pgid = p->pgid;
	c->sid = p->sid;
	if (a->flags & CLONE_THREAD)
		proc_thread_join(c, p);
	err = proc_fork_copy(p, c, a->flags);
	err = err ? err : proc_fork_mm(p, c, a->flags);
	err = err ? err : proc_fork_tids(c, a);
	if (err) {
		proc_fork_undo(c);
		return err;
	}
	proc_fork_regs(c, r, a);
	if (a->flags & CLONE_VFORK) {
		c->vfork_parent = p;
		p->vfork_waiting = true;
	}
	sched_start(c);
	if (a->flags & CLONE_VFORK)
		proc_vfork_wait(p);
	return c->pid;
}

long sys_fork(struct proc *p, struct uregs *r, int vfork)
{
	struct proc_clone_args a = { .exit_signal = SIGCHLD };

	if (vfork)
		a.flags = CLONE_VM | CLONE_VFORK;
	return proc_clone(p, r, &a);
}

long sys_clone(struct proc *p, struct uregs *r)
{
	struct proc_clone_args a = {
		/* Linux reads the lower 32 bits: CLONE_CLEAR_SIGHAND is clone3's alone */
		.flags = (uint32_t)r->rdi & ~CSIGNAL, .exit_signal = r->rdi & CSIGNAL,
		.stack = r->rsi, .parent_tid = r->rdx, .child_tid = r->r10, .tls = r->r8,
	};

	if (a.flags & CLONE_PIDFD)
		return -EINVAL;
	return proc_clone(p, r, &a);
}

/* True when bytes [from, size) of the user's struct are all zero (clone3's E2BIG rule). */
static long proc_clone3_tail(uint64_t uargs, size_t from, size_t size)
{
	uint8_t b;

	for (size_t i = from; i < size; i++) {
		if (copy_from_user(&b, uargs + i, 1))
			return -EFAULT;
		if (b)
			return -E2BIG;
	}
	return 0;
}

long sys_clone3(struct proc *p, struct uregs *r)
{
	struct proc_clone_args a = { 0 };
	uint64_t uargs = r->rdi, size = r->rsi;
	long err;

	if (size < CLONE_ARGS_SIZE_VER0)
		return -EINVAL;
	if (size > PAGE_SIZE)
		return -E2BIG;
	err = proc_clone3_tail(uargs, MIN(size, sizeof(a)), size);
	if (err)
		return err;
	if (copy_from_user(&a, uargs, MIN(size, sizeof(a))))
		return -EFAULT;
	if ((a.flags & (CSIGNAL | CLONE_DETACHED)) || a.set_tid || a.set_tid_size || a.cgroup)
		return -EINVAL;
	if (!!a.stack != !!a.stack_size)
		return -EINVAL;
	if ((a.flags & (CLONE_THREAD | CLONE_PARENT)) && a.exit_signal)
		return -EINVAL;
	return proc_clone(p, r, &a);
}
