/*
 * The running program as /proc shows it. See include/kernel/proc_procfs.h.
 *
 * What is approximated until exec records it: start_stack is the top word
 * of the stack (Linux's mm->start_stack lies in the same topmost stack
 * pages: only which VMA holds it matters, for [stack]).
 */
#include "fs/file.h"
#include "fs/vfs.h"
#include "kernel/proc.h"
#include "kernel/proc_procfs.h"
#include "kernel/rootfs.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/mobj.h"
#include "proc_internal.h"

#define PROC_PROCFS_FDSIZE 64 /* NR_OPEN_DEFAULT: a new process's fd table */
#define PROC_PROCFS_RLIMIT_RSS 5
#define PROC_PROCFS_RLIMIT_SIGPENDING 11
#define PROC_PROCFS_NS_PER_TICK 10000000ULL /* USER_HZ 100 */
#define PROC_PROCFS_PF_EXITING 0x4u
#define PROC_PROCFS_PF_FORKNOEXEC 0x40u

/* The image's code and data ranges, as exec recorded them (as_set_image). */
static void proc_procfs_text(struct aspace *as, struct procfs_task *t)
{
	struct as_image r;

	as_get_image(as, &r);
	t->start_code = r.start_code;
	t->end_code = r.end_code;
	t->start_data = r.start_data;
	t->end_data = r.end_data;
}

/* Signal sets of status: pending, blocked, ignored and caught (handler installed). */
static void proc_procfs_signals(const struct sig_state *s, struct procfs_task *t)
{
	t->sig_pending = s->pending;
	t->sig_blocked = s->blocked;
	for (int sig = 1; sig <= SIG_NSIG; sig++) {
		uint64_t bit = 1ULL << (sig - 1);

		if (s->act[sig - 1].handler == SIG_IGN)
			t->sig_ignored |= bit;
		else if (s->act[sig - 1].handler != SIG_DFL)
			t->sig_caught |= bit;
	}
}

/* The name maps gives a mapping of a file or shared memory (Linux's d_path of vm_file). */
static char proc_procfs_vma_name[VFS_PATH_MAX + sizeof(" (deleted)")];

/*
 * Name the file a mapping of v has: the tmpfs file's path, with " (deleted)"
 * once unlinked ("/memfd:name (deleted)" for a memfd); an object of no file
 * (MAP_SHARED|MAP_ANONYMOUS, shared /dev/zero) is "/dev/zero (deleted)" on
 * Linux's internal shmem mount. An unlinked file has lost its directory
 * here: it shows as "/name (deleted)". False for anonymous private memory.
 */
static bool proc_procfs_vma_file(const struct procfs_task *t, const struct as_vma_info *v,
				 struct procfs_vma_id *id)
{
	char *buf = proc_procfs_vma_name;
	const struct mobj *o = v->obj;
	struct vfs_node *n;
	struct file_stat st;

	if (!o)
		return false;
	*id = (struct procfs_vma_id){.offset = v->pgoff * PAGE_SIZE, .dev_minor = 1, .name = buf};
	n = o->owner;
	if (!n) {
		ksnprintf(buf, sizeof(proc_procfs_vma_name), "/dev/zero (deleted)");
		return true;
	}
	file_stat_node(n, &st);
	id->dev_major = st.dev_major;
	id->dev_minor = st.dev_minor;
	id->ino = st.ino;
	if (n->parent)
		vfs_path(n, buf, VFS_PATH_MAX);
	else
		ksnprintf(buf, VFS_PATH_MAX, "/%s", n->name);
	if (n->flags & VFS_NODE_UNLINKED)
		memcpy(buf + strlen(buf), " (deleted)", sizeof(" (deleted)"));
	return true;
}

/* The state letter of status and stat. */
static char proc_procfs_state(const struct proc *p)
{
	switch (p->state) {
	case PROC_SLEEPING: return 'S';
	case PROC_STOPPED: return p->pt.stopped ? 't' : 'T';
	case PROC_ZOMBIE: return 'Z';
	default: return 'R';
	}
}

/*
 * What the reader may see of p. Attach (ptrace_may_access,
 * PTRACE_MODE_*_FSCREDS): itself, or with CAP_SYS_PTRACE, or when its
 * fsuid and fsgid equal each of p's real, effective and saved ids and p is
 * dumpable; CAP_SYS_ADMIN shows pagemap's PFNs. Owner (the permission
 * check of p's 0600 files, owned by p's euid, by root once p is not
 * dumpable): CAP_DAC_OVERRIDE or the owner's fsuid.
 */
static unsigned proc_procfs_access(const struct proc *r, const struct proc *p)
{
	const struct proc_cred *c = &p->cred;
	uint32_t owner = p->nondumpable ? 0 : c->euid;
	unsigned f = 0;

	if (!r)
		return PROCFS_TASK_ADMIN | PROCFS_TASK_ATTACH | PROCFS_TASK_OWNER;
	if (cred_capable(&r->cred, CAP_SYS_ADMIN))
		f |= PROCFS_TASK_ADMIN;
	if (r->cred.fsuid == owner || cred_capable(&r->cred, CAP_DAC_OVERRIDE))
		f |= PROCFS_TASK_OWNER;
	if (r == p || cred_capable(&r->cred, CAP_SYS_PTRACE))
		return f | PROCFS_TASK_ATTACH;
	if (!p->nondumpable && r->cred.fsuid == c->uid && r->cred.fsuid == c->euid &&
	    r->cred.fsuid == c->suid && r->cred.fsgid == c->gid && r->cred.fsgid == c->egid &&
	    r->cred.fsgid == c->sgid)
		f |= PROCFS_TASK_ATTACH;
	return f;
}

/* Ids, state and credentials of p (every process, zombies too). */
static void proc_procfs_ids(const struct proc *p, struct procfs_task *t)
{
	const struct proc_cred *c = &p->cred;

	t->pid = p->pid;
	t->tgid = p->tgid;
	t->ppid = p->leader->parent ? p->leader->parent->tgid : 0;
	t->pgid = p->pgid;
	t->sid = p->sid;
	t->tracer_pid = p->pt.tracer ? p->pt.tracer->pid : 0;
	t->state = proc_procfs_state(p);
	t->comm = p->comm;
	t->uid[0] = c->uid, t->uid[1] = c->euid, t->uid[2] = c->suid, t->uid[3] = c->fsuid;
	t->gid[0] = c->gid, t->gid[1] = c->egid, t->gid[2] = c->sgid, t->gid[3] = c->fsgid;
	t->cap[0] = c->cap_inh, t->cap[1] = c->cap_prm, t->cap[2] = c->cap_eff;
	t->cap[3] = c->cap_bnd, t->cap[4] = c->cap_amb;
	t->threads = proc_group_count(p->leader);
	t->exit_signal = p->exit_signal;
	t->task_flags = (p->parent && !p->did_exec ? PROC_PROCFS_PF_FORKNOEXEC : 0) |
			(p->state == PROC_ZOMBIE ? PROC_PROCFS_PF_EXITING : 0);
	t->exit_code = p->state == PROC_ZOMBIE ? p->wait_status : 0;
	t->start_time = p->start_ns / PROC_PROCFS_NS_PER_TICK;
	t->rsslim = p->rlim[PROC_PROCFS_RLIMIT_RSS].cur;
	t->flags = proc_procfs_access(proc_current(), p);
}

/* What only a living process has: its space, files, command line, times. */
static void proc_procfs_live(struct proc *p, struct procfs_task *t)
{
	t->as = p->as;
	t->umask = p->umask;
	t->fd_size = p->fdt && p->fdt->size ? p->fdt->size : PROC_PROCFS_FDSIZE;
	t->cmdline = p->name;
	t->cmdline_len = strlen(p->name) + 1;
	t->exe = p->path;
	t->start_stack = PROC_STACK_TOP - 8;
	t->vma_file = proc_procfs_vma_file;
	t->stime = p->sys_ns / PROC_PROCFS_NS_PER_TICK;
	t->utime = p->utime_ns / PROC_PROCFS_NS_PER_TICK; /* as the tick samples it */
	if (p->as)
		proc_procfs_text(p->as, t);
}

int proc_procfs_task(int pid, struct procfs_task *out)
{
	struct proc *p = pid > 0 ? proc_find(pid) : NULL;

	if (!p)
		return -ESRCH;
	*out = (struct procfs_task){0};
	proc_procfs_ids(p, out);
	if (p->state != PROC_ZOMBIE)
		proc_procfs_live(p, out);
	proc_procfs_signals(&p->sig, out);
	out->sig_queued = (uint64_t)__builtin_popcountll(p->sig.pending);
	out->sig_queue_limit = p->rlim[PROC_PROCFS_RLIMIT_SIGPENDING].cur;
	return 0;
}

/* The lowest group id above `after` in the running tree (zombies too), 0 when none. */
static int proc_procfs_next_pid(int after)
{
	struct proc_tree *t = proc_tree_now();
	struct list_node *n, *tmp;
	int best = 0;

	list_for_each_safe(n, tmp, &t->procs) {
		struct proc *p = list_entry(n, struct proc, tree_link);

		if (p == p->leader && p->pid > after && (!best || p->pid < best))
			best = p->pid;
	}
	return best;
}

/* The lowest task id above `after` in thread group `tgid` (its zombie leader too), 0 when none. */
static int proc_procfs_next_tid(int tgid, int after)
{
	struct proc_tree *t = proc_tree_now();
	struct list_node *n, *tmp;
	int best = 0;

	list_for_each_safe(n, tmp, &t->procs) {
		struct proc *p = list_entry(n, struct proc, tree_link);

		if (p->tgid != tgid || (p->state == PROC_ZOMBIE && p != p->leader))
			continue;
		if (p->pid > after && (!best || p->pid < best))
			best = p->pid;
	}
	return best;
}

/* The reader's process id (its group's: /proc/self), 0 in the kernel's own context. */
static int proc_procfs_self(void)
{
	struct proc *p = proc_current();

	return p ? p->tgid : 0;
}

static const struct procfs_pids proc_procfs_pids = {
	.next = proc_procfs_next_pid, .self = proc_procfs_self, .next_tid = proc_procfs_next_tid,
};

void proc_procfs_reaped(int pid)
{
	if (rootfs_root())
		procfs_drop(rootfs_root(), pid);
}

int proc_procfs_init(void)
{
	int err = rootfs_root() ? procfs_mount(rootfs_root()) : -ENOENT;

	procfs_set_task_source(proc_procfs_task);
	procfs_set_pid_source(&proc_procfs_pids);
	if (err)
		kprintf("bootmm: warning: /proc and /sys not complete (%d)\n", err);
	return err;
}
