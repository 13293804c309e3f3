/*
 * The process tree of a program test: pids, parents and children, exit,
 * zombies and their reaping, signals sent between processes, stop and
 * continue. See src/kernel/proc_internal.h.
 */
#include "kernel/exec.h"
#include "kernel/futex.h"
#include "kernel/itimer.h"
#include "kernel/proc_procfs.h"
#include "kernel/ptrace.h"
#include "kernel/sched.h"
#include "kernel/usercopy.h"
#include "lib/assert.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/aspace.h"
#include "mm/heap.h"
#include "mm/mmarch.h"
#include "mm/pmm.h"
#include "mm/vmarea.h"
#include "proc_internal.h"

#define PROC_STACK_PAGES (PROC_KSTACK_SIZE / PAGE_SIZE)
#define PROC_MIN_MAX 20 /* Linux's MIN_THREADS */

static struct proc_tree proc_tree = {
	.procs = { &proc_tree.procs, &proc_tree.procs },
	.dead = { &proc_tree.dead, &proc_tree.dead },
};

static unsigned proc_max_override; /* proc_set_max_procs */

/*
 * The kernel stack of the last process freed, kept for the next one (Linux
 * keeps two a CPU, cached_stacks): a fork then maps and zeroes no pages,
 * and an exit unmaps none. Freed with the tree's last process, so that a
 * run holds no frame once it is over.
 */
static void *proc_kstack_spare;
static void *proc_kstack_lent; /* the spare proc_kstack_alloc handed out last, or NULL */

void proc_set_max_procs(unsigned max)
{
	proc_max_override = max;
}

struct proc_tree *proc_tree_now(void)
{
	return &proc_tree;
}

void proc_tree_begin(struct proc_result *res, unsigned flags)
{
	struct proc_tree *t = &proc_tree;

	memset(t, 0, sizeof(*t));
	list_init(&t->procs);
	list_init(&t->dead);
	t->next_pid = 1;
	t->res = res;
	t->flags = flags;
	/* Linux's threads-max: a kernel stack per 8 of its size in RAM */
	t->max = (unsigned)MAX(pmm_total_frames() / (8 * PROC_STACK_PAGES), PROC_MIN_MAX);
	if (proc_max_override)
		t->max = proc_max_override;
}

/*
 * Default limits: Linux's for init (RLIMIT_NPROC and RLIMIT_SIGPENDING half
 * of threads-max, no core files).
 */
static void proc_default_limits(struct proc *p, const struct proc_tree *t)
{
	for (size_t i = 0; i < PROC_RLIM_NLIMITS; i++)
		p->rlim[i].cur = p->rlim[i].max = PROC_RLIM_INFINITY;
	p->rlim[PROC_RLIM_STACK].cur = AS_STACK_LIMIT;
	p->rlim[PROC_RLIM_NOFILE].cur = PROC_NOFILE_CUR;
	p->rlim[PROC_RLIM_NOFILE].max = PROC_NOFILE_MAX;
	p->rlim[PROC_RLIM_MEMLOCK].cur = p->rlim[PROC_RLIM_MEMLOCK].max = AS_MEMLOCK_DEFAULT;
	p->rlim[PROC_RLIM_NPROC].cur = p->rlim[PROC_RLIM_NPROC].max = t->max / 2;
	p->rlim[PROC_RLIM_SIGPENDING].cur = p->rlim[PROC_RLIM_SIGPENDING].max = t->max / 2;
	p->rlim[PROC_RLIM_CORE].cur = 0;
}

/* The links and ids of a new process (child of parent, or the first one). */
static void proc_tree_link(struct proc_tree *t, struct proc *p, struct proc *parent)
{
	list_init(&p->children);
	list_init(&p->sibling);
	list_init(&p->run_link);
	list_init(&p->wait_link);
	list_init(&p->timer_link);
	list_init(&p->itimer_link);
	waitq_init(&p->child_wq);
	p->tree = t;
	p->pid = t->next_pid++;
	proc_thread_init(p);
	p->parent = parent;
	p->exit_signal = SIGCHLD;
	ptrace_init(p);
	if (parent) {
		p->pgid = parent->pgid;
		p->sid = parent->sid;
		list_add_tail(&parent->children, &p->sibling);
	} else {
		p->pgid = p->sid = p->pid;
		t->init = p;
	}
	list_add_tail(&t->procs, &p->tree_link);
	t->count++;
}

/* A kernel stack: the spare one, else a new area. NULL when out of memory. */
static void *proc_kstack_alloc(void)
{
	void *s = proc_kstack_spare;

	proc_kstack_lent = s;
	if (s) {
		proc_kstack_spare = NULL;
		return s;
	}
	/*
	 * Zeroed, though no byte is read before it is written: under QEMU TCG a
	 * frame that held code the emulator translated (GRUB's, at the top of
	 * memory) keeps its stale translations until each is overwritten, and
	 * every store to such a page takes the emulator's slow self-modifying-
	 * code path; a kernel stack there made every syscall and fault of
	 * the process ~20x slower (bench/vs_linux, issue 15). A spare stack was
	 * written all over already.
	 */
	return vmarea_alloc(PROC_KSTACK_SIZE, VMAREA_ZERO);
}

/* Give back kernel stack s (NULL: none): it becomes the spare one unless there is one. */
static void proc_kstack_free(void *s)
{
	if (s && !proc_kstack_spare) {
		proc_kstack_spare = s;
		return;
	}
	vmarea_free(s);
}

/* Free the spare kernel stack (the tree is over). */
static void proc_kstack_drain(void)
{
	vmarea_free(proc_kstack_spare);
	proc_kstack_spare = NULL;
}

struct proc *proc_tree_alloc(struct proc *parent, int *err)
{
	struct proc_tree *t = &proc_tree;
	struct proc *p;

	*err = -EAGAIN;
	if (t->count >= t->max)
		return NULL;
	*err = -ENOMEM;
	p = kzalloc(sizeof(*p));
	if (!p)
		return NULL;
	p->kstack = proc_kstack_alloc();
	if (!p->kstack) {
		kfree(p);
		return NULL;
	}
	if (!parent) {
		proc_default_limits(p, t);
		cred_init_root(&p->cred);
	}
	proc_tree_link(t, p, parent);
	*err = 0;
	return p;
}

void proc_tree_discard(struct proc *p)
{
	void *s = p->kstack;
	bool lent = s == proc_kstack_lent;

	p->kstack = NULL; /* proc_tree_free has none to free */
	proc_tree_free(p);
	if (lent && !proc_kstack_spare && proc_tree.count)
		proc_kstack_spare = s; /* back where it came from */
	else
		vmarea_free(s);
}

void proc_tree_free(struct proc *p)
{
	list_del(&p->thread_link);
	list_del(&p->tree_link);
	list_del(&p->sibling);
	list_del(&p->run_link);
	list_del(&p->wait_link);
	list_del(&p->timer_link);
	ptrace_release(p);
	proc_itimers_exit(p);
	sig_flush(&p->sig);
	p->tree->count--;
	if (p->tree->init == p)
		p->tree->init = NULL;
	exec_proc_free(p);
	proc_procfs_reaped(p->pid);
	proc_kstack_free(p->kstack);
	if (!p->tree->count)
		proc_kstack_drain(); /* the tree's last process: no stack outlives the run */
	kfree(p);
}

struct proc *proc_find(int pid)
{
	struct list_node *n, *tmp;

	if (pid <= 0)
		return NULL;
	list_for_each_safe(n, tmp, &proc_tree.procs) {
		struct proc *p = list_entry(n, struct proc, tree_link);

		if (p->pid == pid)
			return p;
	}
	return NULL;
}

struct proc *proc_lookup(struct proc *self, int32_t pid)
{
	struct proc *t = pid == 0 ? self : proc_find(pid);

	if (t && t->state == PROC_ZOMBIE && t->leader == t)
		return proc_group_live(t, NULL); /* a group lives on after its leader */
	return t && t->state != PROC_ZOMBIE ? t : NULL;
}

void proc_free_dead(void)
{
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &proc_tree.dead) {
		struct proc *p = list_entry(n, struct proc, sibling);

		if (p != proc_current())
			proc_tree_free(p);
	}
}

uint64_t proc_maxrss_kb(const struct proc *p, unsigned which)
{
	uint64_t pages = 0;

	if (which & PROC_MAXRSS_CHILDREN)
		pages = p->cmaxrss;
	if (which & PROC_MAXRSS_SELF) {
		pages = MAX(pages, p->maxrss);
		if (p->as)
			pages = MAX(pages, as_hiwater_rss_pages(p->as));
	}
	return pages * (PAGE_SIZE / 1024);
}

/*
 * What giving up p's space `as` records first: its check when p is its last
 * user (a failure fails the run), and its VmHWM into p->maxrss.
 */
static void proc_mm_account(struct proc *p, struct aspace *as)
{
	if (as_users(as) == 1 && as_check(as))
		p->tree->as_check = -EINVAL;
	p->maxrss = MAX(p->maxrss, as_hiwater_rss_pages(as));
}

void proc_release_mm(struct proc *p)
{
	struct aspace *as = p->as;

	if (!as)
		return;
	if (proc_current() == p)
		sched_drop_mm();
	proc_mm_account(p, as);
	p->as = NULL;
	as_put(as);
}

/*
 * proc_release_mm for the exiting running process: its space stays loaded
 * until the switch away from it, which drops it (sched_put_mm_at_switch),
 * so the exit costs no load of the kernel's tables in between.
 */
static void proc_exit_mm(struct proc *p)
{
	struct aspace *as = p->as;

	if (!as)
		return;
	proc_mm_account(p, as);
	p->as = NULL;
	sched_put_mm_at_switch(as);
}

static void proc_tree_kill_all(void);

/* ---------------------------------------------------------------- exit */

/* True when `p`'s parent takes no zombies: SIGCHLD ignored or SA_NOCLDWAIT. */
static bool proc_parent_autoreaps(const struct proc *p)
{
	const struct k_sigaction *ka = &p->parent->sig.act[SIGCHLD - 1];

	return p->exit_signal == SIGCHLD &&
	       (ka->handler == SIG_IGN || (ka->flags & SA_NOCLDWAIT));
}

/* The siginfo a parent gets about child `c` (code CLD_*, status the code or signal). */
static struct sig_info proc_child_info(const struct proc *c, int code, int status)
{
	return (struct sig_info){ .code = code, .pid = c->pid, .uid = c->cred.uid,
				  .status = status };
}

/* The si_code and si_status of a dead child's wait status. */
static void proc_exit_code(int wstatus, int *code, int *status)
{
	if ((wstatus & 0x7f) == 0) {
		*code = CLD_EXITED;
		*status = (wstatus >> 8) & 0xff;
	} else {
		*code = (wstatus & 0x80) ? CLD_DUMPED : CLD_KILLED;
		*status = wstatus & 0x7f;
	}
}

void proc_tell_exit(struct proc *c, struct proc *to, int sig)
{
	int code, status;
	struct sig_info info;

	proc_exit_code(c->wait_status, &code, &status);
	info = proc_child_info(c, code, status);
	if (sig)
		proc_send_group(NULL, to, sig, &info);
	sched_wake_all(&to->child_wq);
}

void proc_zombie_to_parent(struct proc *c)
{
	if (!c->parent || proc_parent_autoreaps(c)) {
		list_del(&c->sibling);
		list_add_tail(&proc_tree.dead, &c->sibling);
		if (!c->parent)
			return;
	}
	proc_tell_exit(c, c->parent, c->exit_signal);
}

/* Where the children of exiting `p` go: the nearest living subreaper above it, else init. */
static struct proc *proc_reaper_for(const struct proc *p)
{
	for (struct proc *a = p->parent; a; a = a->parent)
		if (a->is_subreaper && a->state != PROC_ZOMBIE)
			return a;
	if (proc_tree.init && proc_tree.init != p && proc_tree.init->state != PROC_ZOMBIE)
		return proc_tree.init;
	return NULL;
}

/*
 * Child `c` of exiting `p` asked for a signal when its parent dies
 * (PR_SET_PDEATHSIG): sent as from `p` (SI_USER, Linux's SEND_SIG_NOINFO).
 */
static void proc_send_pdeath(struct proc *p, struct proc *c)
{
	struct sig_info info = { .code = SI_USER, .pid = p->tgid, .uid = p->cred.uid };

	if (c->pdeath_sig && c->state != PROC_ZOMBIE)
		proc_send_group(p, c, c->pdeath_sig, &info);
}

/*
 * Hand the children of exiting `p` to their new parent, their exit signal
 * now SIGCHLD; zombies among them are announced, the living told when they
 * asked (PR_SET_PDEATHSIG).
 */
static void proc_reparent_children(struct proc *p)
{
	struct proc *reaper = proc_reaper_for(p);
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &p->children) {
		struct proc *c = list_entry(n, struct proc, sibling);

		list_del(&c->sibling);
		c->parent = reaper;
		c->exit_signal = SIGCHLD; /* as Linux's reparent_leader */
		if (c->vfork_parent == p)
			c->vfork_parent = NULL;
		if (reaper)
			list_add_tail(&reaper->children, &c->sibling);
		proc_send_pdeath(p, c);
		if (c->state == PROC_ZOMBIE && !c->pt.tracer) /* a tracee's: once untraced */
			proc_zombie_to_parent(c);
	}
}

/* No task waits for `p` to exec or exit any more: vfork children it made forget it. */
static void proc_forget_vfork_parent(const struct proc *p)
{
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &proc_tree.procs) {
		struct proc *c = list_entry(n, struct proc, tree_link);

		if (c->vfork_parent == p)
			c->vfork_parent = NULL;
	}
}

/* The test's status of a wait status: the exit code, or 128 + the signal. */
static int proc_test_status(int wstatus)
{
	return (wstatus & 0x7f) ? 128 + (wstatus & 0x7f) : (wstatus >> 8) & 0xff;
}

/*
 * The last task of leader l's group has exited (l a zombie): the group's
 * wait status is the group exit's (exit_group, a fatal signal, else the
 * last task's exit); its children go to the reaper and its parent is told.
 */
static void proc_group_dead(struct proc *l)
{
	if (l->group_exit)
		l->wait_status = l->group_exit_status;
	proc_itimers_exit(l);
	if (l == proc_tree.init) {
		proc_record_end(l, proc_test_status(l->wait_status));
		proc_tree.init_exited = true;
		proc_tree_kill_all(); /* the test is over: the rest of the tree dies */
	}
	proc_reparent_children(l);
	if (!ptrace_tracee_exited(l))
		proc_zombie_to_parent(l);
}

void proc_do_exit(struct proc *p, int wstatus)
{
	struct proc *l = p->leader;

	if (!l->group_exit && !proc_group_live(l, p)) {
		/* the last task's code is the group's (synchronize_group_exit) */
		l->group_exit = true;
		l->group_exit_status = wstatus;
	}
	if (p != l)
		proc_itimers_exit(p); /* the group's timers live on its leader until the end */
	futex_mm_release(p);
	proc_vfork_done(p);
	proc_forget_vfork_parent(p);
	proc_files_exit(p);
	proc_exit_mm(p);
	if (p == l && proc_group_live(l, l))
		proc_shared_handoff(l);
	sig_flush(&p->sig);
	p->wait_status = wstatus;
	p->state = PROC_ZOMBIE;
	ptrace_tracer_exit(p);
	if (p != l || proc_group_has_threads(p))
		sched_wake_all(&l->child_wq); /* an exec waiting for the rest of the group to go */
	if (p != l) {
		list_del(&p->thread_link); /* released: nobody waits for a thread */
		ptrace_release(p); /* a traced thread's end is not reported: only the group's */
		proc_zombie_to_parent(p);
	}
	if (l->state == PROC_ZOMBIE && !proc_group_live(l, NULL))
		proc_group_dead(l);
	sched_exit();
}

void proc_take_leader(struct proc *p, struct proc *l)
{
	struct list_node *n, *tmp;
	int tid = p->pid;

	p->pid = l->pid;
	l->pid = tid; /* freed below: /proc/<tid> goes */
	p->parent = l->parent;
	list_insert_before(&l->sibling, &p->sibling);
	list_del(&l->sibling);
	list_for_each_safe(n, tmp, &l->children) {
		struct proc *c = list_entry(n, struct proc, sibling);

		list_del(&c->sibling);
		c->parent = p;
		list_add_tail(&p->children, &c->sibling);
	}
	p->exit_signal = l->exit_signal;
	p->is_subreaper = l->is_subreaper;
	p->start_ns = l->start_ns;
	p->maxrss = MAX(p->maxrss, l->maxrss);
	p->cmaxrss = MAX(p->cmaxrss, l->cmaxrss);
	if (proc_tree.init == l)
		proc_tree.init = p;
	proc_itimers_move(p, l);
	list_del(&l->thread_link);
	p->leader = p;
	l->parent = NULL;
	proc_tree_free(l);
}

void proc_vfork_done(struct proc *p)
{
	struct proc *parent = p->vfork_parent;

	if (!parent)
		return;
	p->vfork_parent = NULL;
	parent->vfork_waiting = false;
	sched_wake_all(&parent->child_wq);
}

/* ---------------------------------------------------------------- signals */

/* Linux's kill_ok_by_cred: CAP_KILL, or the sender's uid or euid is the target's uid or suid. */
static bool proc_may_signal(const struct proc *s, const struct proc *t, int sig)
{
	if (!s || cred_capable(&s->cred, CAP_KILL) || (sig == SIGCONT && s->sid == t->sid))
		return true;
	return s->cred.euid == t->cred.suid || s->cred.euid == t->cred.uid ||
	       s->cred.uid == t->cred.suid || s->cred.uid == t->cred.uid;
}

/* Tell the parent of `p` that it stopped (CLD_STOPPED) or continued (CLD_CONTINUED). */
static void proc_tell_parent_state(struct proc *p, int code, int sig)
{
	struct proc *par = p->parent;
	struct sig_info info;

	if (!par)
		return;
	if (!(par->sig.act[SIGCHLD - 1].flags & SA_NOCLDSTOP)) {
		info = proc_child_info(p, code, sig);
		proc_send_group(NULL, par, SIGCHLD, &info);
	}
	sched_wake_all(&par->child_wq);
}

void proc_continue(struct proc *t, int sig)
{
	struct sig_info drop;

	for (int s = SIGSTOP; s <= SIGTTOU; s++)
		sig_take(&t->sig, s, &drop);
	if (ptrace_sigcont(t) && sig == SIGCONT)
		return; /* a ptrace stop of no job-control stop: SIGCONT does not touch it */
	if (t->state != PROC_STOPPED)
		return;
	sched_continue(t);
	if (sig != SIGCONT)
		return;
	t->stop_report = PROC_REPORT_CONTINUED;
	proc_tell_parent_state(t, CLD_CONTINUED, SIGCONT);
}

long proc_send(struct proc *sender, struct proc *t, int sig, const struct sig_info *info)
{
	struct sig_info drop;
	int err;

	if (sig < 0 || sig > SIG_NSIG)
		return -EINVAL;
	if (!proc_may_signal(sender, t, sig))
		return -EPERM;
	if (sig == 0 || t->state == PROC_ZOMBIE)
		return 0;
	if (sig == SIGCONT || sig == SIGKILL)
		proc_continue(t, sig);
	if (sig == SIGCONT)
		proc_continue_group(t); /* a group stops and continues as one */
	if (sig_default_action(sig) == SIG_DEF_STOP)
		sig_take(&t->sig, SIGCONT, &drop);
	if (!t->pt.tracer && sig_ignored(&t->sig, sig)) /* a tracer sees ignored ones too */
		return 0;
	err = sig_post(&t->sig, sig, info, t->rlim[PROC_RLIM_SIGPENDING].cur);
	if (err)
		return err;
	if (sig_wakes(&t->sig))
		sched_interrupt(t);
	return 0;
}

void proc_signal_self(struct proc *p, int sig, int code)
{
	struct sig_info info = { .code = code, .pid = p->tgid, .uid = p->cred.uid };

	proc_send(p, p, sig, &info);
}

bool proc_pgrp_orphaned(const struct proc *p)
{
	const struct proc *l = p->leader;
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &proc_tree.procs) {
		struct proc *q = list_entry(n, struct proc, tree_link);
		const struct proc *par = q->parent;

		if (q != q->leader || q->pgid != l->pgid ||
		    (q->state == PROC_ZOMBIE && !proc_group_live(q, NULL)))
			continue;
		if (par && par->leader->pgid != q->pgid && par->leader->sid == q->sid)
			return false;
	}
	return true;
}

void proc_stop_self(struct proc *p, int sig)
{
	p->stop_sig = sig;
	p->stop_report = PROC_REPORT_STOPPED;
	if (p->pt.tracer != p->parent) /* a tracer that is the parent hears it as tracer */
		proc_tell_parent_state(p, CLD_STOPPED, sig);
	if (p->pt.tracer) {
		ptrace_stop(p, sig, CLD_STOPPED);
		return;
	}
	sched_stop(p);
	ptrace_stay_stopped(p); /* attached while stopped: until the tracer lets go */
}

/* ---------------------------------------------------------------- the end */

/* True once the first process exited. */
static bool proc_tree_init_gone(void *arg)
{
	return proc_tree.init_exited;
}

/* True once no process of the tree is alive (all zombies). */
static bool proc_tree_all_dead(void *arg)
{
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &proc_tree.procs)
		if (list_entry(n, struct proc, tree_link)->state != PROC_ZOMBIE)
			return false;
	return true;
}

/* SIGKILL to every living process of the tree. */
static void proc_tree_kill_all(void)
{
	struct list_node *n, *tmp;
	struct sig_info info = { .code = SI_KERNEL };

	list_for_each_safe(n, tmp, &proc_tree.procs) {
		struct proc *p = list_entry(n, struct proc, tree_link);

		if (p->state != PROC_ZOMBIE)
			proc_send(NULL, p, SIGKILL, &info);
	}
}

void proc_tree_run(void)
{
	sched_run_until(proc_tree_init_gone, NULL);
	proc_tree_end();
}

/*
 * Unlink every parent-child and dead-list link of the tree, so that the
 * processes can then be freed in any order (a child's link may point into
 * a parent freed first).
 */
static void proc_tree_unlink_family(void)
{
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &proc_tree.procs)
		list_del(&list_entry(n, struct proc, tree_link)->sibling);
	list_for_each_safe(n, tmp, &proc_tree.procs)
		list_init(&list_entry(n, struct proc, tree_link)->children);
}

void proc_tree_end(void)
{
	struct list_node *n, *tmp;

	proc_tree_kill_all();
	sched_run_until(proc_tree_all_dead, NULL);
	proc_tree_unlink_family();
	list_for_each_safe(n, tmp, &proc_tree.procs)
		proc_tree_free(list_entry(n, struct proc, tree_link));
}

void proc_tree_abandon(void)
{
	struct list_node *n, *tmp;

	sched_reset();
	futex_reset(); /* the waiters lived on the stacks freed below; timers go with each proc */
	proc_tree_unlink_family();
	list_for_each_safe(n, tmp, &proc_tree.procs) {
		struct proc *p = list_entry(n, struct proc, tree_link);

		proc_files_exit(p);
		if (p->as)
			as_put(p->as);
		p->as = NULL;
		proc_tree_free(p);
	}
}
