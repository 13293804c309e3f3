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
#include "kernel/proc.h"
#include "kernel/proc_procfs.h"
#include "kernel/rootfs.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

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

int proc_procfs_task(int pid, struct procfs_task *out)
{
	struct proc *p = proc_current();

	if (!p || !p->as || pid != PROC_PID)
		return -ESRCH;
	*out = (struct procfs_task){
		.as = p->as, .pid = PROC_PID, .ppid = 0, .pgid = PROC_PID, .sid = PROC_PID,
		.comm = p->comm, .umask = p->umask,
		.fd_size = p->fdt && p->fdt->size ? p->fdt->size : PROC_PROCFS_FDSIZE,
		.threads = 1, .cmdline = p->name, .cmdline_len = strlen(p->name) + 1,
		.start_stack = PROC_STACK_TOP - 8, .flags = PROCFS_TASK_ADMIN,
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
