/*
 * Process syscalls: ids, sessions and groups, credentials, wait4 and
 * waitid, kill/tkill/tgkill; fork & co. route to fork.c. Results and
 * errnos are Linux's.
 */
#include "kernel/sched.h"
#include "kernel/syscall.h"
#include "kernel/usercopy.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/aspace.h"
#include "proc_internal.h"
#include "sys.h"

#define SYS_clone 56
#define SYS_fork 57
#define SYS_vfork 58
#define SYS_wait4 61
#define SYS_getppid 110
#define SYS_getpgrp 111
#define SYS_setsid 112
#define SYS_setpgid 109
#define SYS_setuid 105
#define SYS_setgid 106
#define SYS_setreuid 113
#define SYS_setregid 114
#define SYS_setresuid 117
#define SYS_getresuid 118
#define SYS_setresgid 119
#define SYS_getresgid 120
#define SYS_getpgid 121
#define SYS_setfsuid 122
#define SYS_setfsgid 123
#define SYS_getsid 124
#define SYS_waitid 247
#define SYS_clone3 435

#define P_ALL 0
#define P_PID 1
#define P_PGID 2
#define WAIT_NO_ID ((uint32_t)-1)

/* ---------------------------------------------------------------- wait */

/* Which children a wait asks for: wait4's pid or waitid's idtype/id. */
struct proc_wait {
	int idtype, id;
	unsigned options;
	int pid;          /* found: the child's pid */
	int wstatus;      /* wait4's status word */
	int code, status; /* waitid's si_code and si_status */
	uint32_t uid;
	uint64_t maxrss_kb; /* the child's ru_maxrss (getrusage RUSAGE_BOTH) */
};

/*
 * True when child `c` is one the wait asks for (id, and __WALL/__WCLONE
 * unless the waiter traces it: Linux's eligible_child).
 */
static bool proc_wait_matches(const struct proc *p, const struct proc *c,
			      const struct proc_wait *w, bool ptrace)
{
	bool clone_child = c->exit_signal != SIGCHLD;

	if (!ptrace && !(w->options & __WALL) && clone_child != !!(w->options & __WCLONE))
		return false;
	switch (w->idtype) {
	case P_PID: return c->pid == w->id;
	case P_PGID: return c->pgid == w->id;
	default: return true;
	}
}

/* Collect zombie `c` into *w (reaped and freed unless WNOWAIT). */
static void proc_wait_reap(struct proc_wait *w, struct proc *c)
{
	int s = c->wait_status;

	w->pid = c->pid;
	w->uid = c->cred.uid;
	w->wstatus = s;
	w->maxrss_kb = proc_maxrss_kb(c, PROC_MAXRSS_SELF | PROC_MAXRSS_CHILDREN);
	if ((s & 0x7f) == 0) {
		w->code = CLD_EXITED;
		w->status = (s >> 8) & 0xff;
	} else {
		w->code = (s & 0x80) ? CLD_DUMPED : CLD_KILLED;
		w->status = s & 0x7f;
	}
	if (!(w->options & WNOWAIT)) {
		if (c->pt.tracer && ptrace_reap(c))
			return; /* a tracer's: the real parent reaps it now */
		if (c->parent) /* wait_task_zombie: the parent keeps the largest */
			c->parent->cmaxrss = MAX(c->parent->cmaxrss, MAX(c->maxrss, c->cmaxrss));
		proc_tree_free(c);
	}
}

/*
 * A ptrace stop of tracee `c` not yet reported to its tracer: any options
 * see it (Linux's wait_task_stopped for a ptracer). True when taken.
 */
static bool proc_wait_traced(struct proc_wait *w, struct proc *c)
{
	int code = c->pt.code;

	if (!c->pt.stopped || !code)
		return false;
	w->pid = c->pid;
	w->uid = c->cred.uid;
	w->maxrss_kb = proc_maxrss_kb(c, PROC_MAXRSS_SELF | PROC_MAXRSS_CHILDREN);
	w->code = CLD_TRAPPED;
	w->status = code;
	w->wstatus = (code << 8) | 0x7f;
	if (!(w->options & WNOWAIT))
		c->pt.code = 0;
	return true;
}

/*
 * A stop or continue of `c` waiting to be reported, when the wait asks for
 * it (its tracer sees ptrace stops instead of job-control ones). True when taken.
 */
static bool proc_wait_state(struct proc_wait *w, struct proc *c, bool ptrace)
{
	bool stop = !ptrace && c->stop_report == PROC_REPORT_STOPPED && c->state == PROC_STOPPED;

	if (ptrace && proc_wait_traced(w, c))
		return true;
	bool cont = c->stop_report == PROC_REPORT_CONTINUED;

	if (!(stop && (w->options & WUNTRACED)) && !(cont && (w->options & WCONTINUED)))
		return false;
	w->pid = c->pid;
	w->uid = c->cred.uid;
	w->maxrss_kb = proc_maxrss_kb(c, PROC_MAXRSS_SELF | PROC_MAXRSS_CHILDREN);
	w->code = stop ? CLD_STOPPED : CLD_CONTINUED;
	w->status = stop ? c->stop_sig : SIGCONT;
	w->wstatus = stop ? (c->stop_sig << 8) | 0x7f : 0xffff;
	if (!(w->options & WNOWAIT))
		c->stop_report = PROC_REPORT_NONE;
	return true;
}

/*
 * Linux's wait_consider_task for `c`, a child of `p` or (ptrace) a tracee:
 * 1 when collected into *w, 0 when it matches but is not ready, -1 when it
 * does not match (a zombie matches only when WEXITED is asked). A child
 * its parent traces is seen as a tracee; a zombie traced by another is its
 * tracer's to reap first.
 */
static int proc_wait_consider(struct proc *p, struct proc *c, struct proc_wait *w, bool ptrace)
{
	bool dead = c->state == PROC_ZOMBIE && !proc_group_live(c, NULL);

	if (!proc_wait_matches(p, c, w, ptrace) || (dead && !(w->options & WEXITED)))
		return -1;
	ptrace |= c->pt.tracer == p;
	if (dead) {
		if (c->pt.tracer && !ptrace)
			return 0;
		proc_wait_reap(w, c);
		return 1;
	}
	if (c->state == PROC_ZOMBIE)
		return 0; /* a leader whose threads live on: the group ends later */
	return proc_wait_state(w, c, ptrace) ? 1 : 0;
}

/*
 * One look over the children, then the tracees: 1 when one was collected
 * into *w, 0 when some match but none is ready, -ECHILD when none matches.
 */
static int proc_wait_scan(struct proc *p, struct proc_wait *w)
{
	struct list_node *n, *tmp;
	bool any = false;
	int r;

	list_for_each_safe(n, tmp, &p->children) {
		r = proc_wait_consider(p, list_entry(n, struct proc, sibling), w, false);
		if (r == 1)
			return 1;
		any |= r == 0;
	}
	for (struct proc *t = p;;) { /* any thread's tracees: Linux's while_each_thread */
		list_for_each_safe(n, tmp, &t->pt.tracees) {
			r = proc_wait_consider(t, list_entry(n, struct proc, pt.link), w, true);
			if (r == 1)
				return 1;
			any |= r == 0;
		}
		if ((t = proc_thread_next(t)) == p)
			break;
	}
	return any ? 0 : -ECHILD;
}

/*
 * Wait as *w asks: 1 (collected), 0 (WNOHANG, nothing ready), or -errno.
 * The children are the group's (its leader's), whichever thread waits.
 */
static long proc_wait(struct proc *p, struct proc_wait *w)
{
	struct proc *l = p->leader;

	for (;;) {
		int r = proc_wait_scan(l, w);

		if (r != 0 || (w->options & WNOHANG))
			return r;
		if (proc_sig_wakes(p))
			return -ERESTARTSYS;
		sched_sleep(&l->child_wq, SCHED_FOREVER);
	}
}

/* wait4's pid argument as an idtype and id. */
static void proc_wait4_target(const struct proc *p, int pid, struct proc_wait *w)
{
	if (pid > 0) {
		w->idtype = P_PID, w->id = pid;
	} else if (pid == 0) {
		w->idtype = P_PGID, w->id = p->pgid;
	} else if (pid == -1) {
		w->idtype = P_ALL;
	} else {
		w->idtype = P_PGID, w->id = -pid;
	}
}

/*
 * The struct rusage of the child *w collected: its ru_maxrss (KiB), the
 * rest zero (bootmm does not account children's time).
 */
static long proc_put_rusage(uint64_t uru, const struct proc_wait *w)
{
	int64_t ru[18]; /* 2 timevals, then ru_maxrss */

	memset(ru, 0, sizeof(ru));
	ru[4] = (int64_t)w->maxrss_kb;
	return uru && copy_to_user(uru, ru, sizeof(ru)) ? -EFAULT : 0;
}

static long sys_wait4(struct proc *p, int pid, uint64_t ustatus, unsigned options, uint64_t uru)
{
	struct proc_wait w = { .options = options | WEXITED };
	long r;

	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL))
		return -EINVAL;
	if (pid == INT32_MIN)
		return -ESRCH;
	proc_wait4_target(p, pid, &w);
	r = proc_wait(p, &w);
	if (r <= 0)
		return r;
	if (ustatus && copy_to_user(ustatus, &w.wstatus, sizeof(w.wstatus)))
		return -EFAULT;
	return proc_put_rusage(uru, &w) ? -EFAULT : w.pid;
}

/*
 * waitid's siginfo: SIGCHLD with the child's pid, uid, code and status (all
 * zero when none). As Linux, only si_signo, si_errno, si_code (bytes 0..12)
 * and si_pid, si_uid, si_status (16..28) are written; the rest stays.
 */
static long proc_put_waitid_info(uint64_t uinfo, const struct proc_wait *w, bool found)
{
	int32_t head[3] = { 0 }, tail[3] = { 0 };

	if (found) {
		head[0] = SIGCHLD;
		head[2] = w->code;
		tail[0] = w->pid;
		tail[1] = (int32_t)w->uid;
		tail[2] = w->status;
	}
	if (uinfo && (copy_to_user(uinfo, head, sizeof(head)) ||
		      copy_to_user(uinfo + 16, tail, sizeof(tail))))
		return -EFAULT;
	return 0;
}

static long sys_waitid(struct proc *p, int idtype, int id, uint64_t uinfo, unsigned options,
		       uint64_t uru)
{
	struct proc_wait w = { .idtype = idtype, .id = id, .options = options };
	long r;

	if (options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD |
			__WCLONE | __WALL))
		return -EINVAL;
	if (!(options & (WEXITED | WSTOPPED | WCONTINUED)))
		return -EINVAL;
	if (idtype == P_PGID && id == 0)
		w.id = p->pgid;
	else if ((idtype == P_PID || idtype == P_PGID) && id <= 0)
		return -EINVAL;
	else if (idtype != P_ALL && idtype != P_PID && idtype != P_PGID)
		return -EINVAL;
	r = proc_wait(p, &w);
	if (r < 0)
		return r;
	if (proc_put_waitid_info(uinfo, &w, r == 1) || (r == 1 && proc_put_rusage(uru, &w)))
		return -EFAULT; /* the rusage only for a child collected, as Linux */
	return 0;
}

/* ---------------------------------------------------------------- groups, sessions */

/* The process `pid` names for setpgid/getpgid/getsid: 0 is the caller. */
static struct proc *proc_by_pid(struct proc *p, int pid)
{
	return pid == 0 ? p : proc_find(pid);
}

/* True when some process of session `sid`, zombies too (Linux), is in group `pgid`. */
static bool proc_group_in_session(int pgid, int sid)
{
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &proc_tree_now()->procs) {
		struct proc *q = list_entry(n, struct proc, tree_link);

		if (q->pgid == pgid && q->sid == sid)
			return true;
	}
	return false;
}

/* setpgid(2) with Linux's checks: ESRCH, EACCES (child exec'd), EPERM (leader, session). */
static long sys_setpgid(struct proc *p, int pid, int pgid)
{
	struct proc *t = proc_by_pid(p, pid);

	p = p->leader; /* ids are the group's */
	t = t ? t->leader : NULL;
	if (pgid < 0 || (pgid == 0 && pid < 0)) /* pgid 0 is the pid: Linux checks it after */
		return -EINVAL;
	if (!t || (t != p && t->parent != p))
		return -ESRCH;
	if (pgid == 0)
		pgid = t->pid;
	if (t->sid != p->sid) /* Linux: the session before the exec */
		return -EPERM;
	if (t != p && t->did_exec)
		return -EACCES;
	if (t->sid == t->pid)
		return -EPERM;
	if (pgid != t->pid && !proc_group_in_session(pgid, p->sid))
		return -EPERM;
	t->pgid = pgid;
	proc_group_sync(t);
	return 0;
}

/* setsid(2): EPERM for a group leader (or when its pid names a group). */
static long sys_setsid(struct proc *p)
{
	struct list_node *n, *tmp;

	p = p->leader; /* ids are the group's */
	list_for_each_safe(n, tmp, &proc_tree_now()->procs)
		if (list_entry(n, struct proc, tree_link)->pgid == p->pid)
			return -EPERM;
	p->sid = p->pgid = p->pid;
	proc_group_sync(p);
	return p->sid;
}

/* getpgid/getsid of `pid` (0: the caller). */
static long sys_getpgid_sid(struct proc *p, int pid, bool sid)
{
	struct proc *t = proc_by_pid(p, pid);

	if (pid < 0 || !t)
		return -ESRCH;
	return sid ? t->sid : t->pgid;
}

/* ---------------------------------------------------------------- credentials */

/* True when `id` (uid_t/gid_t) is one of a, b, c. */
static bool proc_id_in(uint32_t id, uint32_t a, uint32_t b, uint32_t c)
{
	return id == a || id == b || id == c;
}

void proc_cred_changed(struct proc *p)
{
	as_set_memlock(p->as, p->rlim[PROC_RLIM_MEMLOCK].cur, cred_as_caps(&p->cred));
}

/*
 * setresuid/setresgid on one id triple (r, e, s, fs); -1 keeps a value. 0 or
 * -EPERM. As Linux 6.x, a call that changes nothing (the euid equal to the
 * fsuid too) returns at once: the fsuid stays.
 */
static long proc_set_res(uint32_t *id, bool privileged, uint32_t r, uint32_t e, uint32_t s)
{
	uint32_t want[3] = { r, e, s };

	if ((r == WAIT_NO_ID || r == id[0]) && (e == WAIT_NO_ID || (e == id[1] && e == id[3])) &&
	    (s == WAIT_NO_ID || s == id[2]))
		return 0;

	for (int i = 0; i < 3 && !privileged; i++)
		if (want[i] != WAIT_NO_ID && !proc_id_in(want[i], id[0], id[1], id[2]))
			return -EPERM;
	for (int i = 0; i < 3; i++)
		if (want[i] != WAIT_NO_ID)
			id[i] = want[i];
	id[3] = id[1]; /* fsuid follows the euid */
	return 0;
}

/* setreuid/setregid: r must be uid or euid, e one of uid, euid, suid; suid follows. */
static long proc_set_re(uint32_t *id, bool privileged, uint32_t r, uint32_t e)
{
	uint32_t old_r = id[0];

	if (!privileged && r != WAIT_NO_ID && r != id[0] && r != id[1])
		return -EPERM;
	if (!privileged && e != WAIT_NO_ID && !proc_id_in(e, id[0], id[1], id[2]))
		return -EPERM;
	if (r != WAIT_NO_ID)
		id[0] = r;
	if (e != WAIT_NO_ID)
		id[1] = e;
	if (r != WAIT_NO_ID || (e != WAIT_NO_ID && e != old_r))
		id[2] = id[1];
	id[3] = id[1];
	return 0;
}

/* setuid/setgid: root sets all three; others only the euid, to uid or suid. -1: EINVAL. */
static long proc_set_one(uint32_t *id, bool privileged, uint32_t v)
{
	if (v == WAIT_NO_ID)
		return -EINVAL;
	if (privileged) {
		id[0] = id[1] = id[2] = id[3] = v;
		return 0;
	}
	if (v != id[0] && v != id[2])
		return -EPERM;
	id[1] = id[3] = v;
	return 0;
}

/* getresuid/getresgid: three ids to user memory. */
static long proc_get_res(const uint32_t *id, uint64_t ur, uint64_t ue, uint64_t us)
{
	if (copy_to_user(ur, &id[0], 4) || copy_to_user(ue, &id[1], 4) ||
	    copy_to_user(us, &id[2], 4))
		return -EFAULT;
	return 0;
}

/* setfsuid/setfsgid: the old value; the new one only when allowed (-1 never: a query). */
static long proc_set_fs(uint32_t *id, bool privileged, uint32_t v)
{
	uint32_t old = id[3];

	if (v == WAIT_NO_ID)
		return old;
	if (privileged || proc_id_in(v, id[0], id[1], id[2]) || v == id[3])
		id[3] = v;
	return old;
}

/*
 * commit_creds: a change of the effective or filesystem ids makes the
 * process non-dumpable (fs.suid_dumpable 0): its /proc/<pid> files become
 * root's and only a privileged process may attach to it.
 */
static void proc_cred_dumpable(struct proc *p, const struct proc_cred *old)
{
	if (old->euid != p->cred.euid || old->egid != p->cred.egid ||
	    old->fsuid != p->cred.fsuid || old->fsgid != p->cred.fsgid)
		p->nondumpable = true;
}

/*
 * The uid and gid calls: CAP_SETUID (uids) or CAP_SETGID (gids) lifts the
 * limits; a uid change then fixes the capability sets up (cred_fix_setuid).
 */
static long sys_cred_set(struct proc *p, uint64_t nr, struct uregs *r)
{
	uint32_t *uid = &p->cred.uid, *gid = &p->cred.gid;
	bool su = cred_capable(&p->cred, CAP_SETUID), sg = cred_capable(&p->cred, CAP_SETGID);
	uint32_t a = (uint32_t)r->rdi, b = (uint32_t)r->rsi, c = (uint32_t)r->rdx;
	struct proc_cred old = p->cred;
	long ret;

	switch (nr) {
	case SYS_setuid: ret = proc_set_one(uid, su, a); break;
	case SYS_setgid: ret = proc_set_one(gid, sg, a); break;
	case SYS_setreuid: ret = proc_set_re(uid, su, a, b); break;
	case SYS_setregid: ret = proc_set_re(gid, sg, a, b); break;
	case SYS_setresuid: ret = proc_set_res(uid, su, a, b, c); break;
	case SYS_setresgid: ret = proc_set_res(gid, sg, a, b, c); break;
	case SYS_getresuid: return proc_get_res(uid, r->rdi, r->rsi, r->rdx);
	case SYS_getresgid: return proc_get_res(gid, r->rdi, r->rsi, r->rdx);
	case SYS_setfsuid: ret = proc_set_fs(uid, su, a); break;
	default: ret = proc_set_fs(gid, sg, a); break; /* setfsgid */
	}
	if (nr == SYS_setuid || nr == SYS_setreuid || nr == SYS_setresuid || nr == SYS_setfsuid)
		cred_fix_setuid(&p->cred, &old, nr == SYS_setfsuid);
	proc_cred_dumpable(p, &old);
	proc_cred_changed(p);
	return ret;
}

/*
 * The uid and gid calls; as Linux's commit_creds, a change of the
 * effective or file-system uid or gid forgets PR_SET_PDEATHSIG.
 */
static long sys_cred(struct proc *p, uint64_t nr, struct uregs *r)
{
	struct proc_cred old = p->cred;
	long ret = sys_cred_set(p, nr, r);

	if (old.euid != p->cred.euid || old.egid != p->cred.egid ||
	    old.fsuid != p->cred.fsuid || old.fsgid != p->cred.fsgid)
		p->pdeath_sig = 0;
	return ret;
}

/* ---------------------------------------------------------------- kill */

/*
 * kill(2) to a group (pgid > 0): 0 when one member took it, else the last
 * error; or to every process but init and the caller (pgid 0): as Linux's
 * kill_something_info, a refusal (EPERM) counts as sent there, ESRCH when
 * there is nobody.
 */
static long proc_kill_many(struct proc *p, int pgid, int sig, const struct sig_info *info)
{
	struct list_node *n, *tmp;
	long ret = -ESRCH;
	bool sent = false;

	list_for_each_safe(n, tmp, &proc_tree_now()->procs) {
		struct proc *t = list_entry(n, struct proc, tree_link);
		long err;

		if (t != t->leader || (pgid ? t->pgid != pgid : (t->pid == 1 || t == p->leader)))
			continue; /* once per group: to its leader, zombie or not */
		err = proc_send_group(p, t, sig, info);
		sent |= err == 0 || (!pgid && err == -EPERM);
		ret = err;
	}
	return sent ? 0 : ret;
}

static long sys_kill(struct proc *p, uint64_t nr, struct uregs *r)
{
	int32_t a = (int32_t)r->rdi, b = (int32_t)r->rsi;
	int sig = (int)(nr == SYS_tgkill ? r->rdx : r->rsi);
	struct sig_info info = { .code = nr == SYS_kill ? SI_USER : SI_TKILL,
				 .pid = p->tgid, .uid = p->cred.uid };
	struct proc *t;

	if (sig < 0 || sig > SIG_NSIG)
		return -EINVAL;
	if (nr == SYS_kill && a == -1)
		return proc_kill_many(p, 0, sig, &info);
	if (nr == SYS_kill && a <= 0)
		return a == INT32_MIN ? -ESRCH : proc_kill_many(p, a ? -a : p->pgid, sig, &info);
	if ((nr == SYS_tkill && a <= 0) || (nr == SYS_tgkill && (a <= 0 || b <= 0)))
		return -EINVAL;
	t = proc_find(nr == SYS_tgkill ? b : a);
	if (!t || (nr == SYS_tgkill && t->tgid != a))
		return -ESRCH;
	if (nr == SYS_kill)
		return proc_send_group(p, t->leader, sig, &info);
	return proc_send(p, t, sig, &info);
}

/* ---------------------------------------------------------------- dispatch */

long sys_proc_call(struct proc *p, uint64_t nr, struct uregs *r)
{
	switch (nr) {
	case SYS_getpid: return p->tgid;
	case SYS_gettid: return p->pid;
	case SYS_getppid: return p->leader->parent ? p->leader->parent->tgid : 0;
	case SYS_getpgrp: return p->pgid;
	case SYS_getpgid: return sys_getpgid_sid(p, (int32_t)r->rdi, false);
	case SYS_getsid: return sys_getpgid_sid(p, (int32_t)r->rdi, true);
	case SYS_setpgid: return sys_setpgid(p, (int32_t)r->rdi, (int32_t)r->rsi);
	case SYS_setsid: return sys_setsid(p);
	case SYS_getuid: return p->cred.uid;
	case SYS_geteuid: return p->cred.euid;
	case SYS_getgid: return p->cred.gid;
	case SYS_getegid: return p->cred.egid;
	case SYS_setuid: case SYS_setgid: case SYS_setreuid: case SYS_setregid:
	case SYS_setresuid: case SYS_setresgid: case SYS_getresuid: case SYS_getresgid:
	case SYS_setfsuid: case SYS_setfsgid:
		return sys_cred(p, nr, r);
	case SYS_kill: case SYS_tkill: case SYS_tgkill: return sys_kill(p, nr, r);
	case SYS_wait4:
		return sys_wait4(p, (int32_t)r->rdi, r->rsi, (unsigned)r->rdx, r->r10);
	case SYS_waitid:
		return sys_waitid(p, (int)r->rdi, (int32_t)r->rsi, r->rdx, (unsigned)r->r10, r->r8);
	case SYS_fork: return sys_fork(p, r, 0);
	case SYS_vfork: return sys_fork(p, r, 1);
	case SYS_clone: return sys_clone(p, r);
	case SYS_clone3: return sys_clone3(p, r);
	default: return SYS_NOT_MINE;
	}
}
