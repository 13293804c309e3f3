/*
 * Thread groups (CLONE_THREAD) and what tasks share: the handler table
 * (CLONE_SIGHAND), the working directory and umask (CLONE_FS), signals to a
 * whole group, exit_group, and de_thread for exec. See
 * src/kernel/proc_internal.h.
 *
 * A group is a ring of tasks (thread_link) holding its leader and every
 * thread not yet released; a thread leaves the ring when it exits, the
 * leader when it is freed. The leader stays a zombie until the ring holds
 * nobody else alive, then the group's end is reported to its parent.
 * Handler tables and fs state are kept in each task and copied to every
 * task with the same id when one changes them: one CPU, so every sharer
 * sees the change before it runs again.
 */
#include "fs/vfs.h"
#include "kernel/sched.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "proc_internal.h"

static uint64_t proc_share_next = 1; /* sighand_id and fs_id of the next unshared task */

struct proc *proc_thread_next(const struct proc *q)
{
	return list_entry(q->thread_link.next, struct proc, thread_link);
}

void proc_thread_init(struct proc *p)
{
	p->tgid = p->pid;
	p->leader = p;
	list_init(&p->thread_link);
	p->sighand_id = proc_share_next++;
	p->fs_id = proc_share_next++;
}

void proc_thread_join(struct proc *c, struct proc *p)
{
	struct proc *l = p->leader;

	list_del(&c->sibling); /* a thread is nobody's child: its group's leader is */
	c->parent = NULL;
	c->exit_signal = 0;
	c->tgid = l->tgid;
	c->leader = l;
	list_add_tail(&l->thread_link, &c->thread_link);
}

void proc_unshare_sighand(struct proc *p)
{
	p->sighand_id = proc_share_next++;
}

struct proc *proc_group_live(struct proc *l, const struct proc *except)
{
	struct proc *q = l;

	do {
		if (q != except && q->state != PROC_ZOMBIE)
			return q;
		q = proc_thread_next(q);
	} while (q != l);
	return NULL;
}

unsigned proc_group_count(const struct proc *l)
{
	const struct proc *q = l;
	unsigned n = 0;

	do {
		n += q->state != PROC_ZOMBIE;
		q = proc_thread_next(q);
	} while (q != l);
	return n ? n : 1;
}

bool proc_group_has_threads(const struct proc *p)
{
	return !list_empty(&p->thread_link);
}

/*
 * The live task of t's group that takes a process-directed `sig`, as
 * Linux's complete_signal: t when it does not block it, else the first that
 * does not, else t (or the first live task when t is a zombie).
 */
static struct proc *proc_group_target(struct proc *t, int sig)
{
	struct proc *q = t, *live = NULL;

	do {
		if (q->state != PROC_ZOMBIE) {
			if (!(q->sig.blocked & SIG_BIT(sig)))
				return q;
			live = live ? live : q;
		}
		q = proc_thread_next(q);
	} while (q != t);
	return t->state != PROC_ZOMBIE || !live ? t : live;
}

/* True when `sig` reaches every task of a group: SIGKILL, SIGCONT, a stop by default. */
static bool proc_sig_to_all(const struct proc *t, int sig)
{
	if (sig == SIGKILL || sig == SIGCONT)
		return true;
	return sig_default_action(sig) == SIG_DEF_STOP && t->sig.act[sig - 1].handler == SIG_DFL;
}

/*
 * A process-directed `sig` that every task of t's group blocks: pending on
 * the leader as the group's (sig_shared), for the first task that unblocks
 * it (proc_take_shared); on a live task when the leader is gone.
 */
static long proc_send_shared(struct proc *sender, struct proc *t, int sig,
			     const struct sig_info *info)
{
	struct proc *l = t->leader;
	long err;

	if (l->state == PROC_ZOMBIE)
		return proc_send(sender, proc_group_target(t, sig), sig, info);
	err = proc_send(sender, l, sig, info);
	if (!err && (l->sig.pending & SIG_BIT(sig)))
		l->sig_shared |= SIG_BIT(sig);
	return err;
}

long proc_send_group(struct proc *sender, struct proc *t, int sig, const struct sig_info *info)
{
	struct proc *q;
	long err;

	if (!proc_group_has_threads(t) || sig <= 0 || sig > SIG_NSIG)
		return proc_send(sender, t, sig, info);
	if (!proc_sig_to_all(t, sig)) {
		q = proc_group_target(t, sig);
		if (q->state != PROC_ZOMBIE && !(q->sig.blocked & SIG_BIT(sig)))
			return proc_send(sender, q, sig, info);
		return proc_send_shared(sender, t, sig, info);
	}
	err = proc_send(sender, t, sig, info); /* permission checked on t */
	if (err)
		return err;
	for (q = proc_thread_next(t); q != t; q = proc_thread_next(q))
		proc_send(sender, q, sig, info);
	return 0;
}

/* The group's pending signals (on its leader) that p does not block; 0 for the leader itself. */
static uint64_t proc_shared_open(const struct proc *p)
{
	const struct proc *l = p->leader;

	if (l == p)
		return 0;
	return l->sig.pending & l->sig_shared & ~p->sig.blocked;
}

bool proc_shared_pending(const struct proc *p)
{
	return proc_shared_open(p) != 0;
}

uint64_t proc_shared_set(const struct proc *p)
{
	const struct proc *l = p->leader;

	return l == p ? 0 : l->sig.pending & l->sig_shared;
}

bool proc_sig_wakes(const struct proc *p)
{
	return sig_wakes(&p->sig) || proc_shared_pending(p);
}

int proc_take_shared(struct proc *p, uint64_t set, struct sig_info *info)
{
	uint64_t open = proc_shared_set(p) & set;
	struct proc *l = p->leader;
	int sig;

	if (!open)
		return 0;
	sig = __builtin_ctzll(open) + 1;
	sig_take(&l->sig, sig, info);
	if (!(l->sig.pending & SIG_BIT(sig)))
		l->sig_shared &= ~SIG_BIT(sig);
	return sig;
}

/* The live task of l's group other than l that should take `sig`: one not blocking it first. */
static struct proc *proc_heir_for(struct proc *l, int sig)
{
	struct proc *first = NULL;

	for (struct proc *q = proc_thread_next(l); q != l; q = proc_thread_next(q)) {
		if (q->state == PROC_ZOMBIE)
			continue;
		if (!(q->sig.blocked & SIG_BIT(sig)))
			return q;
		first = first ? first : q;
	}
	return first;
}

void proc_shared_handoff(struct proc *l)
{
	struct sig_info info;
	struct proc *heir;
	uint64_t left;

	while ((left = l->sig.pending & l->sig_shared) != 0) {
		int sig = __builtin_ctzll(left) + 1;

		sig_take(&l->sig, sig, &info);
		if (!(l->sig.pending & SIG_BIT(sig)))
			l->sig_shared &= ~SIG_BIT(sig);
		heir = proc_heir_for(l, sig);
		if (heir)
			proc_send(NULL, heir, sig, &info);
	}
	l->sig_shared = 0;
}

/* True when `handler` makes `sig` ignored (Linux's sig_handler_ignored). */
static bool proc_handler_ignores(uint64_t handler, int sig)
{
	return handler == SIG_IGN ||
	       (handler == SIG_DFL && sig_default_action(sig) == SIG_DEF_IGNORE);
}

void proc_sighand_sync(struct proc *p, int sig)
{
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &p->tree->procs) {
		struct proc *q = list_entry(n, struct proc, tree_link);

		if (q == p || q->sighand_id != p->sighand_id)
			continue;
		memcpy(q->sig.act, p->sig.act, sizeof(q->sig.act));
		if (sig > 0 && proc_handler_ignores(q->sig.act[sig - 1].handler, sig))
			sig_discard(&q->sig, sig);
	}
}

void proc_fs_sync(struct proc *p)
{
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &p->tree->procs) {
		struct proc *q = list_entry(n, struct proc, tree_link);

		if (q == p || q->fs_id != p->fs_id || q->state == PROC_ZOMBIE)
			continue;
		if (p->cwd)
			vfs_get(p->cwd);
		if (q->cwd)
			vfs_put(q->cwd);
		q->cwd = p->cwd;
		q->umask = p->umask;
	}
}

void proc_group_exit(struct proc *p, int wstatus)
{
	struct proc *l = p->leader;
	struct sig_info info = { .code = SI_KERNEL };

	if (!l->group_exit) {
		l->group_exit = true;
		l->group_exit_status = wstatus;
	}
	for (struct proc *q = proc_thread_next(p); q != p; q = proc_thread_next(q))
		if (q->state != PROC_ZOMBIE)
			proc_send(NULL, q, SIGKILL, &info);
	proc_do_exit(p, wstatus);
}

void proc_group_sync(struct proc *p)
{
	for (struct proc *q = proc_thread_next(p); q != p; q = proc_thread_next(q)) {
		q->pgid = p->pgid;
		q->sid = p->sid;
		memcpy(q->rlim, p->rlim, sizeof(q->rlim));
	}
}

void proc_group_stop(struct proc *p, int sig)
{
	struct proc *l = p->leader;
	struct sig_info info = { .code = SI_KERNEL };

	if (proc_group_has_threads(p)) {
		if (!l->group_stop_sig)
			l->group_stop_sig = sig;
		sig = l->group_stop_sig;
		for (struct proc *q = proc_thread_next(p); q != p; q = proc_thread_next(q))
			if (q->state != PROC_ZOMBIE && q->state != PROC_STOPPED)
				proc_send(NULL, q, SIGSTOP, &info);
	}
	proc_stop_self(p, sig);
	l->group_stop_sig = 0; /* continued: the next stop is a new one */
}

void proc_continue_group(struct proc *t)
{
	for (struct proc *q = proc_thread_next(t); q != t; q = proc_thread_next(q))
		if (q->state != PROC_ZOMBIE)
			proc_continue(q, SIGCONT);
}

/* True when the exec of `p` must give up: a fatal signal came (or the group ends). */
static bool proc_exec_killed(const struct proc *p)
{
	return (p->sig.pending & SIG_BIT(SIGKILL)) || p->leader->group_exit;
}

/*
 * Wait until every other task of p's group is dead (they were sent
 * SIGKILL). -EAGAIN when p itself is killed meanwhile.
 */
static int proc_exec_wait_others(struct proc *p)
{
	struct proc *l = p->leader;

	while (proc_group_live(l, p)) {
		if (proc_exec_killed(p))
			return -EAGAIN;
		if (sched_sleep(&l->child_wq, SCHED_FOREVER) == -EINTR)
			sched_yield(); /* a pending signal ends every sleep at once */
	}
	return 0;
}

int proc_de_thread(struct proc *p)
{
	struct proc *l = p->leader;
	struct sig_info info = { .code = SI_KERNEL };
	int err;

	if (!proc_group_has_threads(p))
		return 0;
	if (proc_exec_killed(p) || (l->group_exec && l->group_exec != p))
		return -EAGAIN;
	l->group_exec = p;
	for (struct proc *q = proc_thread_next(p); q != p; q = proc_thread_next(q))
		if (q->state != PROC_ZOMBIE)
			proc_send(NULL, q, SIGKILL, &info);
	err = proc_exec_wait_others(p);
	l->group_exec = NULL;
	if (err)
		return err;
	if (p != l)
		proc_take_leader(p, l);
	return 0;
}
