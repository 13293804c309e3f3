/*
 * The running program as /proc shows it. See include/kernel/proc_procfs.h.
 *
 * What is approximated until the loader and exec record it: start_stack is
 * the top word of the stack (Linux's mm->start_stack lies in the same
 * topmost stack pages: only which VMA holds it matters, for [stack]), and
 * the text range (VmExe, statm's text) is the lowest executable VMA (a
 * static binary's text segment, page aligned as VmExe prints it).
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

#define PROC_PROCFS_FDSIZE 64 /* NR_OPEN_DEFAULT: a new process's fd table */
#define PROC_PROCFS_RLIMIT_SIGPENDING 11

/* The lowest executable, non-writable VMA of as: start and end in *t. */
static void proc_procfs_text(struct aspace *as, struct procfs_task *t)
{
	struct as_vma_info v;
	vaddr_t va = 0;

	while (as_vma_next(as, va, &v)) {
		if ((v.prot & (PROT_EXEC | PROT_WRITE)) == PROT_EXEC) {
			t->start_code = v.start;
			t->end_code = v.end;
			return;
		}
		va = v.end;
	}
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
	const struct mobj *o;
	struct vfs_node *n;
	struct file_stat st;
	uint64_t pgoff;

	if (!as_vma_object(t->as, v->start, &o, &pgoff) || !o)
		return false;
	*id = (struct procfs_vma_id){.offset = pgoff * PAGE_SIZE, .dev_minor = 1, .name = buf};
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

int proc_procfs_task(int pid, struct procfs_task *out)
{
	struct proc *p = proc_lookup(proc_current(), pid);

	if (!p || !p->as)
		return -ESRCH;
	*out = (struct procfs_task){
		.as = p->as, .pid = p->pid, .ppid = p->parent ? p->parent->pid : 0,
		.pgid = p->pgid, .sid = p->sid,
		.comm = p->comm, .umask = p->umask,
		.fd_size = p->fdt && p->fdt->size ? p->fdt->size : PROC_PROCFS_FDSIZE,
		.threads = 1, .cmdline = p->name, .cmdline_len = strlen(p->name) + 1,
		.start_stack = PROC_STACK_TOP - 8, .flags = PROCFS_TASK_ADMIN,
		.vma_file = proc_procfs_vma_file,
	};
	proc_procfs_text(p->as, out);
	proc_procfs_signals(&p->sig, out);
	out->sig_queued = (uint64_t)__builtin_popcountll(p->sig.pending);
	out->sig_queue_limit = p->rlim[PROC_PROCFS_RLIMIT_SIGPENDING].cur;
	return 0;
}

int proc_procfs_init(void)
{
	int err = rootfs_root() ? procfs_mount(rootfs_root(), PROC_PID) : -ENOENT;

	procfs_set_task_source(proc_procfs_task);
	if (err)
		kprintf("bootmm: warning: /proc and /sys not complete (%d)\n", err);
	return err;
}
