/*
 * Host tests of the process tree's wait/reap logic (issue 13): the kernel's
 * src/kernel/proc_tree.c, sys_proc.c, fork.c and signal.c built unchanged
 * over the fakes of support/proc_fake.h (a scheduler that runs no code: the
 * test plays each process), on the host mm (real address spaces, heap and
 * frames, counted before and after every test).
 *
 * Every expectation is Linux's (checked on Linux 6.x with small programs;
 * the credential and kill-permission rules are compared at run time with
 * this host's kernel in forked children: support/host_proc.h).
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

/* <stdlib.h> (through Criterion) has the same wait flags as the kernel's: take the kernel's. */
#undef WNOHANG
#undef WUNTRACED
#undef WSTOPPED
#undef WEXITED
#undef WCONTINUED
#include "../../src/kernel/proc_internal.h"
#include "../../src/kernel/sys.h"
#include "fs/file.h"
#include "kernel/sched.h"
#include "lib/errno.h"
#include "mm/aspace.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "mm/vmarea.h"
#include "support/as_testlib.h"
#include "support/host_mm.h"
#include "support/host_proc.h"
#include "support/proc_fake.h"

/* Linux x86-64 numbers the kernel headers do not export. */
#define NR_clone 56
#define NR_fork 57
#define NR_vfork 58
#define NR_wait4 61
#define NR_setuid 105
#define NR_setgid 106
#define NR_setpgid 109
#define NR_getppid 110
#define NR_getpgrp 111
#define NR_setsid 112
#define NR_setreuid 113
#define NR_setregid 114
#define NR_setresuid 117
#define NR_getresuid 118
#define NR_setresgid 119
#define NR_getpgid 121
#define NR_setfsuid 122
#define NR_setfsgid 123
#define NR_getsid 124
#define NR_waitid 247

#define P_ALL 0
#define P_PID 1
#define P_PGID 2

#define SIGHUP 1

#define HANDLER 0x401000ULL  /* a handler address (never run: the fake builds its frame) */
#define RESTORER 0x401800ULL

/* waitid's siginfo as Linux x86-64 lays it out. */
struct wsi {
	int32_t signo, errno_, code, pad;
	int32_t pid;
	uint32_t uid;
	int32_t status;
	uint8_t rest[128 - 28];
};
_Static_assert(sizeof(struct wsi) == 128, "siginfo_t");

static paddr_t kroot;
static size_t free0, heap0;
static struct proc_result res;

static void setup(void)
{
	void *warm;

	host_mm_setup(MiB(256));
	cr_assert_eq(pt_create(&kroot), 0);
	vmarea_init(kroot);
	/* the kernel half's tables stay once made: make them before counting */
	warm = vmarea_alloc(PROC_KSTACK_SIZE, 0);
	cr_assert_not_null(warm);
	vmarea_free(warm);
	fake_reset();
	memset(&res, 0, sizeof(res));
	proc_tree_begin(&res, 0);
	free0 = pmm_free_frames();
	heap0 = heap_bytes_in_use();
}

/* The tree's end as proc_run does it: the rest killed and reaped; then nothing held. */
static void teardown(void)
{
	proc_tree_end();
	cr_expect_eq(fake_idle_stuck, 0, "the tree's end found nothing to run (a hang)");
	cr_expect_eq(proc_tree_now()->count, 0, "processes left in the tree");
	cr_expect_eq(proc_tree_now()->as_check, 0, "an address space failed as_check");
	cr_expect_eq(fake_kstacks, 0, "kernel stacks left");
	cr_expect_eq(pmm_free_frames(), free0, "leaked %zd frames",
		     (ssize_t)(free0 - pmm_free_frames()));
	cr_expect_eq(heap_bytes_in_use(), heap0, "leaked %zd heap bytes",
		     (ssize_t)(heap_bytes_in_use() - heap0));
}

TestSuite(proc, .init = setup, .fini = teardown);

/* ---------------------------------------------------------------- helpers */

/* The first process (pid 1) as proc_run sets it up: files, a space, default signals, runnable. */
static struct proc *mk_init(void)
{
	int err;
	struct proc *p = proc_tree_alloc(NULL, &err);

	cr_assert_not_null(p, "proc_tree_alloc: %d", err);
	p->name = "init";
	p->res = &res;
	sig_init(&p->sig);
	p->fdt = fdt_create();
	p->as = as_create();
	cr_assert(p->fdt && p->as);
	sched_start(p);
	return p;
}

/* A syscall by p that must return; its result. */
static long sc(struct proc *p, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
	       uint64_t a4)
{
	enum fake_end end;
	long r = fake_syscall(p, &end, nr, a0, a1, a2, a3, a4);

	cr_assert_eq(end, FAKE_RETURNED, "syscall %lu of pid %d did not return (%d)",
		     (unsigned long)nr, p->pid, end);
	return r;
}

/* fork(2) by p: the child. */
static struct proc *fork_of(struct proc *p)
{
	long pid = sc(p, NR_fork, 0, 0, 0, 0, 0);
	struct proc *c;

	cr_assert_gt(pid, 1, "fork: %ld", pid);
	c = proc_find((int)pid);
	cr_assert_not_null(c);
	cr_assert_eq(c->parent, p);
	return c;
}

/* clone(2) by p with `flags` (exit signal in the low byte), no new stack: the child. */
static struct proc *clone_of(struct proc *p, uint64_t flags)
{
	long pid = sc(p, NR_clone, flags, 0, 0, 0, 0);

	cr_assert_gt(pid, 1, "clone: %ld", pid);
	return proc_find((int)pid);
}

static void exit_fn(struct proc *p, void *arg)
{
	proc_do_exit(p, *(int *)arg);
}

/* p ends with wait status `wstatus` (Linux's encoding); it must be a zombie or freed after. */
static void end_with(struct proc *p, int wstatus)
{
	cr_assert_eq(fake_run(p, exit_fn, &wstatus), FAKE_EXITED);
}

/* p calls exit(code). */
static void exit_code(struct proc *p, int code)
{
	end_with(p, (code & 0xff) << 8);
}

static long wait4_of(struct proc *p, int pid, int *status, unsigned options)
{
	return sc(p, NR_wait4, (uint64_t)(int64_t)pid, (uint64_t)status, options, 0, 0);
}

/* wait4 that must block (FAKE_BLOCKED): p is left asleep on its child queue. */
static void wait4_blocks(struct proc *p, int pid, unsigned options)
{
	enum fake_end end;
	int st;

	fake_syscall(p, &end, NR_wait4, (uint64_t)(int64_t)pid, (uint64_t)&st, options, 0, 0);
	cr_assert_eq(end, FAKE_BLOCKED, "wait4 did not block (%d)", end);
	cr_assert_eq(p->state, PROC_SLEEPING);
	cr_assert_eq(p->waiting_on, &p->child_wq);
}

static long waitid_of(struct proc *p, int idtype, int id, struct wsi *si, unsigned options)
{
	return sc(p, NR_waitid, (uint64_t)idtype, (uint64_t)(int64_t)id, (uint64_t)si, options, 0);
}

static long kill_of(struct proc *p, int pid, int sig)
{
	return sc(p, SYS_kill, (uint64_t)(int64_t)pid, (uint64_t)(int64_t)sig, 0, 0, 0);
}

/* rt_sigaction(sig, {handler, flags}) in p, through signal.c. */
static void set_action(struct proc *p, int sig, uint64_t handler, uint64_t flags)
{
	struct k_sigaction ka = { .handler = handler, .flags = flags | SA_RESTORER,
				  .restorer = RESTORER };

	cr_assert_eq(sys_rt_sigaction(&p->sig, sig, (uint64_t)&ka, 0, 8), 0);
}

/* A SIGCHLD handler with SA_SIGINFO (and extra flags) in p. */
static void catch_sigchld(struct proc *p, uint64_t flags)
{
	set_action(p, SIGCHLD, HANDLER, SA_SIGINFO | flags);
}

static bool pending(const struct proc *p, int sig)
{
	return (p->sig.pending & SIG_BIT(sig)) != 0;
}

/* The pending SIGCHLD's siginfo in p must say code, pid, uid and status. */
static void expect_chld(const struct proc *p, int sig, int code, int pid, int status)
{
	const struct sig_info *in = &p->sig.info[sig - 1];

	cr_assert(pending(p, sig), "signal %d not pending in pid %d", sig, p->pid);
	cr_expect_eq(in->code, code, "si_code");
	cr_expect_eq(in->pid, pid, "si_pid");
	cr_expect_eq(in->uid, 0, "si_uid");
	cr_expect_eq(in->status, status, "si_status");
}

static bool is_child(const struct proc *parent, const struct proc *c)
{
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &parent->children)
		if (list_entry(n, struct proc, sibling) == c)
			return true;
	return false;
}

/* ---------------------------------------------------------------- exit and wait4 */

/* exit(3): a zombie, SIGCHLD with CLD_EXITED; wait4 says 0x0300, frees it; then ECHILD. */
Test(proc, exit_zombie_sigchld_wait4)
{
	struct proc *init = mk_init(), *c;
	unsigned count0;
	int pid, st = -1;

	catch_sigchld(init, 0);
	c = fork_of(init);
	pid = c->pid;
	cr_expect_eq(pid, 2);
	count0 = proc_tree_now()->count;
	exit_code(c, 3);
	cr_expect_eq(c->state, PROC_ZOMBIE);
	cr_expect_eq(c->wait_status, 0x300);
	cr_expect(is_child(init, c), "a zombie stays its parent's child");
	cr_expect_null(c->as, "a zombie keeps no address space");
	cr_expect_null(c->fdt, "a zombie keeps no files");
	expect_chld(init, SIGCHLD, CLD_EXITED, pid, 3);
	cr_expect_eq(proc_find(pid), c, "a zombie keeps its pid");
	cr_expect_eq(wait4_of(init, -1, &st, 0), pid);
	cr_expect_eq(st, 0x300);
	cr_expect_null(proc_find(pid), "the zombie is freed by the wait");
	cr_expect_eq(proc_tree_now()->count, count0 - 1);
	cr_expect_eq(wait4_of(init, -1, &st, 0), -ECHILD);
	cr_expect_eq(wait4_of(init, -1, &st, WNOHANG), -ECHILD);
}

/* The handler sees SIGCHLD's siginfo where glibc's siginfo_t has it. */
Test(proc, sigchld_frame_siginfo_layout)
{
	struct proc *init = mk_init(), *c;
	size_t o_pid, o_uid, o_status, size;
	const uint8_t *si;
	int32_t v;
	int pid;

	host_siginfo_layout(&o_pid, &o_uid, &o_status, &size);
	cr_assert_eq(size, 128);
	catch_sigchld(init, 0);
	c = fork_of(init);
	pid = c->pid;
	exit_code(c, 42);
	cr_assert_eq(fake_user_return(init), FAKE_RETURNED);
	cr_assert_eq(fake_frame_sig(), SIGCHLD);
	cr_expect_not(pending(init, SIGCHLD), "the handler took it");
	si = fake_frame_info();
	memcpy(&v, si, 4);
	cr_expect_eq(v, SIGCHLD, "si_signo");
	memcpy(&v, si + 8, 4);
	cr_expect_eq(v, CLD_EXITED, "si_code");
	memcpy(&v, si + o_pid, 4);
	cr_expect_eq(v, pid, "si_pid");
	memcpy(&v, si + o_uid, 4);
	cr_expect_eq(v, 0, "si_uid");
	memcpy(&v, si + o_status, 4);
	cr_expect_eq(v, 42, "si_status");
	cr_expect_eq(wait4_of(init, pid, NULL, 0), pid);
}

/* SIGCHLD with SIG_DFL is discarded on arrival unless blocked (then it waits, with its siginfo). */
Test(proc, sigchld_default_discarded_unless_blocked)
{
	struct proc *init = mk_init(), *a, *b;
	int apid, bpid;

	a = fork_of(init);
	b = fork_of(init);
	apid = a->pid;
	bpid = b->pid;
	exit_code(b, 2);
	cr_expect_not(pending(init, SIGCHLD));
	init->sig.blocked = SIG_BIT(SIGCHLD);
	exit_code(a, 1);
	expect_chld(init, SIGCHLD, CLD_EXITED, apid, 1);
	cr_expect_eq(wait4_of(init, -1, NULL, 0), apid, "the oldest child first");
	cr_expect_eq(wait4_of(init, -1, NULL, 0), bpid);
}

/* A second SIGCHLD while one is pending is merged: the first child's siginfo stays. */
Test(proc, sigchld_pending_keeps_first_siginfo)
{
	struct proc *init = mk_init(), *a, *b;
	int apid;

	catch_sigchld(init, 0);
	a = fork_of(init);
	b = fork_of(init);
	apid = a->pid;
	exit_code(a, 5);
	exit_code(b, 6);
	expect_chld(init, SIGCHLD, CLD_EXITED, apid, 5);
}

/* Death by a signal: CLD_KILLED and the signal; with the core flag, CLD_DUMPED and WCOREDUMP. */
Test(proc, killed_and_dumped_status)
{
	struct proc *init = mk_init(), *c, *d;
	struct wsi si;
	int st, cpid, dpid;

	catch_sigchld(init, 0);
	c = fork_of(init);
	cpid = c->pid;
	cr_expect_eq(kill_of(init, cpid, SIGTERM), 0);
	cr_expect_eq(c->state, PROC_RUNNABLE);
	cr_assert_eq(fake_user_return(c), FAKE_EXITED);
	expect_chld(init, SIGCHLD, CLD_KILLED, cpid, SIGTERM);
	cr_expect_eq(wait4_of(init, cpid, &st, 0), cpid);
	cr_expect_eq(st, SIGTERM, "WIFSIGNALED, WTERMSIG 15, no core");

	init->sig.pending = 0;
	d = fork_of(init);
	dpid = d->pid;
	d->rlim[PROC_RLIM_CORE].cur = PROC_RLIM_INFINITY;
	cr_expect_eq(kill_of(init, dpid, SIGSEGV), 0);
	cr_assert_eq(fake_user_return(d), FAKE_EXITED);
	expect_chld(init, SIGCHLD, CLD_DUMPED, dpid, SIGSEGV);
	memset(&si, 0, sizeof(si));
	cr_expect_eq(waitid_of(init, P_PID, dpid, &si, WEXITED | WNOWAIT), 0);
	cr_expect_eq(si.signo, SIGCHLD);
	cr_expect_eq(si.code, CLD_DUMPED);
	cr_expect_eq(si.status, SIGSEGV);
	cr_expect_eq(si.pid, dpid);
	cr_expect_eq(wait4_of(init, dpid, &st, 0), dpid);
	cr_expect_eq(st, 0x80 | SIGSEGV, "WCOREDUMP and WTERMSIG 11");
}

/* SIGKILL from the parent: status 9, CLD_KILLED; killing a zombie says 0 and changes nothing. */
Test(proc, sigkill_and_zombie_target)
{
	struct proc *init = mk_init(), *c;
	int st, pid;

	catch_sigchld(init, 0);
	c = fork_of(init);
	pid = c->pid;
	cr_expect_eq(kill_of(init, pid, SIGKILL), 0);
	cr_assert_eq(fake_user_return(c), FAKE_EXITED);
	expect_chld(init, SIGCHLD, CLD_KILLED, pid, SIGKILL);
	cr_expect_eq(kill_of(init, pid, SIGTERM), 0, "a zombie can still be signalled");
	cr_expect_eq(kill_of(init, pid, 0), 0);
	cr_expect_eq(wait4_of(init, pid, &st, 0), pid);
	cr_expect_eq(st, SIGKILL);
	cr_expect_eq(kill_of(init, pid, 0), -ESRCH, "reaped: no such process");
}

/* WNOHANG while children run: 0, the status word untouched; without it the parent sleeps. */
Test(proc, wnohang_and_blocking_wait)
{
	struct proc *init = mk_init(), *c;
	int st = 0x5a5a, pid;

	c = fork_of(init);
	pid = c->pid;
	cr_expect_eq(wait4_of(init, -1, &st, WNOHANG), 0);
	cr_expect_eq(st, 0x5a5a, "status untouched when nothing was collected");
	wait4_blocks(init, -1, 0);
	exit_code(c, 7);
	cr_expect_eq(init->state, PROC_RUNNABLE, "the child's exit wakes the waiting parent");
	cr_expect_eq(init->wake_reason, 0);
	cr_expect_eq(wait4_of(init, -1, &st, 0), pid);
	cr_expect_eq(st, 0x700);
}

static void exit_child_hook(void *arg)
{
	exit_code(arg, 9);
}

/* A wait4 asleep when the child exits returns that child in the same call. */
Test(proc, blocking_wait_returns_child)
{
	struct proc *init = mk_init(), *c;
	int st = 0, pid;

	c = fork_of(init);
	pid = c->pid;
	fake_on_sleep(exit_child_hook, c);
	cr_expect_eq(wait4_of(init, pid, &st, 0), pid);
	cr_expect_eq(st, 0x900);
}

/* An unblocked signal ends a sleeping wait4: -ERESTARTSYS (proc.c restarts it or says EINTR). */
Test(proc, wait_interrupted_by_signal)
{
	struct proc *init = mk_init(), *c;

	c = fork_of(init);
	set_action(init, SIGUSR1, HANDLER, 0);
	wait4_blocks(init, -1, 0);
	cr_expect_eq(kill_of(c, 1, SIGUSR1), 0);
	cr_expect_eq(init->state, PROC_RUNNABLE);
	cr_expect_eq(init->wake_reason, -EINTR);
	cr_expect_eq(wait4_of(init, -1, NULL, 0), -ERESTARTSYS);
}

/* A status pointer that faults: -EFAULT, and the child is reaped all the same (Linux). */
Test(proc, wait4_efault_still_reaps)
{
	struct proc *init = mk_init(), *c;
	int pid;

	c = fork_of(init);
	pid = c->pid;
	exit_code(c, 1);
	cr_expect_eq(wait4_of(init, pid, (int *)8, 0), -EFAULT);
	cr_expect_null(proc_find(pid));
	cr_expect_eq(wait4_of(init, pid, NULL, 0), -ECHILD);
}

/* waitid(WNOWAIT) reports and leaves the zombie; the next waitid reaps it. */
Test(proc, waitid_wnowait_leaves_zombie)
{
	struct proc *init = mk_init(), *c;
	struct wsi si;
	int pid;

	c = fork_of(init);
	pid = c->pid;
	exit_code(c, 4);
	for (int i = 0; i < 2; i++) {
		memset(&si, 0, sizeof(si));
		cr_expect_eq(waitid_of(init, P_ALL, 0, &si, WEXITED | WNOWAIT), 0);
		cr_expect_eq(si.signo, SIGCHLD);
		cr_expect_eq(si.code, CLD_EXITED);
		cr_expect_eq(si.pid, pid);
		cr_expect_eq(si.uid, 0);
		cr_expect_eq(si.status, 4);
		cr_expect_eq(proc_find(pid), c, "WNOWAIT leaves the zombie");
	}
	memset(&si, 0, sizeof(si));
	cr_expect_eq(waitid_of(init, P_PID, pid, &si, WEXITED), 0);
	cr_expect_eq(si.pid, pid);
	cr_expect_null(proc_find(pid));
	cr_expect_eq(waitid_of(init, P_ALL, 0, &si, WEXITED | WNOHANG), -ECHILD);
}

/* waitid(WNOHANG) with nothing ready: 0, si_signo and si_pid 0. */
Test(proc, waitid_wnohang_nothing)
{
	struct proc *init = mk_init();
	struct wsi si;

	fork_of(init);
	memset(&si, 0xaa, sizeof(si));
	cr_expect_eq(waitid_of(init, P_ALL, 0, &si, WEXITED | WNOHANG), 0);
	cr_expect_eq(si.signo, 0);
	cr_expect_eq(si.errno_, 0);
	cr_expect_eq(si.code, 0);
	cr_expect_eq(si.pid, 0);
	cr_expect_eq(si.uid, 0);
	cr_expect_eq(si.status, 0);
}

/* Bad arguments: Linux's errnos, checked before anything is collected. */
Test(proc, wait_argument_errors)
{
	struct proc *init = mk_init(), *c;
	struct wsi si;
	int cpid;

	c = fork_of(init);
	cpid = c->pid;
	exit_code(c, 0);
	cr_expect_eq(wait4_of(init, -1, NULL, WNOWAIT), -EINVAL, "wait4 takes no WNOWAIT");
	cr_expect_eq(wait4_of(init, -1, NULL, 0x10), -EINVAL);
	cr_expect_eq(wait4_of(init, INT_MIN, NULL, 0), -ESRCH);
	cr_expect_eq(waitid_of(init, P_ALL, 0, &si, WNOHANG), -EINVAL,
		     "no WEXITED|WSTOPPED|WCONTINUED");
	cr_expect_eq(waitid_of(init, P_PID, 0, &si, WEXITED), -EINVAL);
	cr_expect_eq(waitid_of(init, P_PID, -1, &si, WEXITED), -EINVAL);
	cr_expect_eq(waitid_of(init, P_PGID, -1, &si, WEXITED), -EINVAL);
	cr_expect_eq(waitid_of(init, 7, 0, &si, WEXITED), -EINVAL);
	cr_expect_eq(waitid_of(init, P_ALL, 0, &si, WEXITED | 0x10), -EINVAL);
	cr_expect_eq(wait4_of(init, 9999, NULL, WNOHANG), -ECHILD, "not a child");
	cr_expect_eq(wait4_of(init, -1, NULL, 0), cpid);
}

/* wait4's pid: > 0 that child, 0 the caller's group, -1 any, < -1 that group. */
Test(proc, wait4_pid_selection)
{
	struct proc *init = mk_init(), *a, *b, *c, *g;
	struct wsi si;
	int st, apid, bpid, cpid;

	a = fork_of(init);
	b = fork_of(init);
	c = fork_of(init);
	g = fork_of(a); /* a grandchild: never init's to wait for */
	apid = a->pid, bpid = b->pid, cpid = c->pid;
	cr_assert_eq(sc(init, NR_setpgid, bpid, bpid, 0, 0, 0), 0);
	cr_assert_eq(sc(init, NR_setpgid, cpid, bpid, 0, 0, 0), 0);
	cr_expect_eq(wait4_of(init, g->pid, NULL, WNOHANG), -ECHILD);
	exit_code(g, 1);
	exit_code(c, 3);
	exit_code(b, 2);
	cr_expect_eq(wait4_of(init, 0, &st, WNOHANG), 0, "a (init's group) still runs");
	cr_expect_eq(wait4_of(init, apid, &st, WNOHANG), 0);
	cr_expect_eq(wait4_of(init, -bpid, &st, 0), bpid,
		     "the group's oldest zombie first (c exited first)");
	cr_expect_eq(st, 0x200);
	memset(&si, 0, sizeof(si));
	cr_expect_eq(waitid_of(init, P_PGID, bpid, &si, WEXITED), 0);
	cr_expect_eq(si.pid, cpid);
	cr_expect_eq(si.status, 3);
	cr_expect_eq(wait4_of(init, -bpid, &st, WNOHANG), -ECHILD, "the group has no child left");
	cr_expect_eq(waitid_of(init, P_PGID, 0, &si, WEXITED | WNOHANG), 0, "P_PGID 0: own group");
	exit_code(a, 0);
	cr_expect_eq(wait4_of(init, 0, &st, 0), apid);
}

/* ---------------------------------------------------------------- clone children */

/*
 * A child whose exit signal is not SIGCHLD is a "clone" child: only
 * __WCLONE or __WALL waits see it; its exit signal carries CLD_EXITED.
 */
Test(proc, wclone_and_wall)
{
	struct proc *init = mk_init(), *k, *f;
	int st, kpid, fpid;

	set_action(init, SIGUSR1, HANDLER, SA_SIGINFO);
	catch_sigchld(init, 0);
	k = clone_of(init, SIGUSR1);
	kpid = k->pid;
	cr_expect_eq(k->exit_signal, SIGUSR1);
	exit_code(k, 6);
	expect_chld(init, SIGUSR1, CLD_EXITED, kpid, 6);
	cr_expect_not(pending(init, SIGCHLD));
	cr_expect_eq(wait4_of(init, -1, &st, WNOHANG), -ECHILD, "no SIGCHLD child at all");
	cr_expect_eq(wait4_of(init, kpid, &st, WNOHANG), -ECHILD, "even by pid");
	f = fork_of(init);
	fpid = f->pid;
	cr_expect_eq(wait4_of(init, -1, &st, WNOHANG | __WCLONE), kpid);
	cr_expect_eq(st, 0x600);
	cr_expect_eq(wait4_of(init, -1, &st, WNOHANG | __WCLONE), -ECHILD);
	exit_code(f, 1);
	cr_expect_eq(wait4_of(init, -1, &st, __WALL), fpid);
}

/* Exit signal 0: nothing is sent, the parent is still woken and can reap with __WALL. */
Test(proc, exit_signal_zero)
{
	struct proc *init = mk_init(), *k;
	int kpid;

	catch_sigchld(init, 0);
	k = clone_of(init, 0);
	kpid = k->pid;
	wait4_blocks(init, -1, __WALL);
	exit_code(k, 2);
	cr_expect_eq(init->sig.pending, 0, "no signal at all");
	cr_expect_eq(init->state, PROC_RUNNABLE, "but the parent is woken");
	cr_expect_eq(wait4_of(init, -1, NULL, __WALL), kpid);
}

/* ---------------------------------------------------------------- reparenting */

/* The children of an exiting process go to init (the tree's first process): getppid says 1. */
Test(proc, orphans_go_to_init)
{
	struct proc *init = mk_init(), *a, *b, *c;
	int apid, cpid, st;

	a = fork_of(init);
	b = fork_of(a);
	c = fork_of(a);
	apid = a->pid;
	cpid = c->pid;
	cr_expect_eq(sc(b, NR_getppid, 0, 0, 0, 0, 0), apid);
	exit_code(a, 0);
	cr_expect_eq(b->parent, init);
	cr_expect_eq(c->parent, init);
	cr_expect(is_child(init, b) && is_child(init, c));
	cr_expect_eq(sc(b, NR_getppid, 0, 0, 0, 0, 0), 1);
	cr_expect_eq(wait4_of(init, -1, &st, 0), apid);
	exit_code(c, 5);
	cr_expect_eq(wait4_of(init, -1, &st, 0), cpid);
	cr_expect_eq(st, 0x500);
	cr_expect_eq(wait4_of(init, -1, &st, WNOHANG), 0, "b still runs");
}

/* The nearest living subreaper above takes them; a dead one is passed over. */
Test(proc, orphans_go_to_nearest_subreaper)
{
	struct proc *init = mk_init(), *s1, *s2, *m, *g, *h;
	int s2pid;

	s1 = fork_of(init);
	s1->is_subreaper = true; /* prctl(PR_SET_CHILD_SUBREAPER) lives in sys_misc.c */
	s2 = fork_of(s1);
	s2->is_subreaper = true;
	m = fork_of(s2);
	g = fork_of(m);
	h = fork_of(g);
	exit_code(g, 0); /* h: m is no subreaper, s2 is the nearest */
	cr_expect_eq(h->parent, s2);
	s2pid = s2->pid;
	exit_code(s2, 0); /* m and h: s1 */
	cr_expect_eq(m->parent, s1);
	cr_expect_eq(h->parent, s1);
	cr_expect_eq(sc(s1, NR_wait4, (uint64_t)s2pid, 0, 0, 0, 0), s2pid);
	cr_expect_eq(g->parent, m, "g, a zombie, stays m's");
	cr_expect_eq(sc(s1, NR_wait4, (uint64_t)-1, 0, WNOHANG, 0, 0), 0, "m and h still run");
	s1->is_subreaper = false;
	exit_code(s1, 0); /* no subreaper left: init */
	cr_expect_eq(m->parent, init);
	cr_expect_eq(h->parent, init);
}

/* A zombie grandchild is announced to its new parent (its SIGCHLD first) and reaped by it. */
Test(proc, zombie_grandchild_announced)
{
	struct proc *init = mk_init(), *s, *m, *g;
	int gpid, mpid, st;

	s = fork_of(init);
	s->is_subreaper = true;
	catch_sigchld(s, 0);
	m = fork_of(s);
	set_action(m, SIGCHLD, SIG_DFL, 0); /* the handler came with fork */
	g = fork_of(m);
	gpid = g->pid;
	mpid = m->pid;
	exit_code(g, 8);
	cr_expect_not(pending(m, SIGCHLD), "m does not catch SIGCHLD");
	exit_code(m, 1);
	cr_expect_eq(g->parent, s);
	expect_chld(s, SIGCHLD, CLD_EXITED, gpid, 8);
	cr_expect_eq(sc(s, NR_wait4, (uint64_t)gpid, (uint64_t)&st, 0, 0, 0), gpid);
	cr_expect_eq(st, 0x800);
	cr_expect_eq(sc(s, NR_wait4, (uint64_t)mpid, (uint64_t)&st, 0, 0, 0), mpid);
	cr_expect_eq(st, 0x100);
}

/*
 * Linux (reparent_leader) makes a reparented child's exit signal SIGCHLD:
 * a clone child of an exiting parent is then seen by its new parent's plain
 * wait4 and announced with SIGCHLD.
 */
Test(proc, reparented_clone_child_exit_signal_becomes_sigchld)
{
	struct proc *init = mk_init(), *m, *k, *z;
	int kpid, zpid, st;

	catch_sigchld(init, 0);
	m = fork_of(init);
	k = clone_of(m, SIGUSR1);
	z = clone_of(m, 0);
	kpid = k->pid;
	zpid = z->pid;
	exit_code(z, 4); /* a zombie when m goes */
	init->sig.pending = 0;
	exit_code(m, 0);
	cr_expect_eq(k->exit_signal, SIGCHLD);
	expect_chld(init, SIGCHLD, CLD_EXITED, zpid, 4);
	cr_expect_eq(wait4_of(init, zpid, &st, WNOHANG), zpid);
	cr_expect_eq(st, 0x400);
	init->sig.pending = 0;
	exit_code(k, 9);
	expect_chld(init, SIGCHLD, CLD_EXITED, kpid, 9);
	cr_expect_eq(wait4_of(init, kpid, &st, WNOHANG), kpid);
}

/* SIGCHLD ignored: children leave no zombie; a sleeping wait4 wakes and says ECHILD. */
Test(proc, autoreap_sig_ign)
{
	struct proc *init = mk_init(), *a, *b;
	int apid, bpid;
	unsigned count0;

	set_action(init, SIGCHLD, SIG_IGN, 0);
	a = fork_of(init);
	b = fork_of(init);
	apid = a->pid;
	bpid = b->pid;
	count0 = proc_tree_now()->count;
	exit_code(a, 1);
	cr_expect_null(proc_find(apid), "reaped at once");
	cr_expect_eq(proc_tree_now()->count, count0 - 1);
	cr_expect_not(pending(init, SIGCHLD));
	wait4_blocks(init, -1, 0);
	exit_code(b, 2);
	cr_expect_null(proc_find(bpid));
	cr_expect_eq(init->state, PROC_RUNNABLE, "the wait wakes");
	cr_expect_eq(wait4_of(init, -1, NULL, 0), -ECHILD);
}

/* SA_NOCLDWAIT: no zombies either, but SIGCHLD still comes (Linux sends it). */
Test(proc, autoreap_sa_nocldwait)
{
	struct proc *init = mk_init(), *a;
	int apid;

	catch_sigchld(init, SA_NOCLDWAIT);
	a = fork_of(init);
	apid = a->pid;
	exit_code(a, 3);
	cr_expect_null(proc_find(apid));
	expect_chld(init, SIGCHLD, CLD_EXITED, apid, 3);
	cr_expect_eq(wait4_of(init, -1, NULL, 0), -ECHILD);
}

/* A clone child (exit signal not SIGCHLD) is not reaped automatically (Linux: sig == SIGCHLD). */
Test(proc, autoreap_only_sigchld_children)
{
	struct proc *init = mk_init(), *k;
	int kpid;

	set_action(init, SIGCHLD, SIG_IGN, 0);
	k = clone_of(init, SIGUSR2);
	kpid = k->pid;
	init->sig.blocked = SIG_BIT(SIGUSR2);
	exit_code(k, 1);
	cr_expect_eq(proc_find(kpid), k, "a zombie");
	cr_expect(pending(init, SIGUSR2));
	cr_expect_eq(wait4_of(init, -1, NULL, __WALL), kpid);
}

/* Zombies made before SIGCHLD was ignored stay until waited for. */
Test(proc, zombie_before_sig_ign_stays)
{
	struct proc *init = mk_init(), *a;
	int apid, st;

	a = fork_of(init);
	apid = a->pid;
	exit_code(a, 5);
	set_action(init, SIGCHLD, SIG_IGN, 0);
	cr_expect_eq(proc_find(apid), a);
	cr_expect_eq(wait4_of(init, -1, &st, 0), apid);
	cr_expect_eq(st, 0x500);
}

/* Zombies reparented to a parent that takes none go to the dead list and are freed. */
Test(proc, reparented_zombies_to_autoreaping_init_freed)
{
	struct proc *init = mk_init(), *m, *g1, *g2;
	int g1pid, g2pid;
	unsigned count0;

	set_action(init, SIGCHLD, SIG_IGN, 0);
	m = fork_of(init);
	set_action(m, SIGCHLD, SIG_DFL, 0); /* SIG_IGN came with fork */
	g1 = fork_of(m);
	g2 = fork_of(m);
	g1pid = g1->pid;
	g2pid = g2->pid;
	exit_code(g1, 0);
	exit_code(g2, 0);
	count0 = proc_tree_now()->count;
	cr_expect_eq(count0, 4);
	exit_code(m, 0);
	cr_expect_null(proc_find(g1pid));
	cr_expect_null(proc_find(g2pid));
	cr_expect_eq(proc_tree_now()->count, 1, "only init is left");
	cr_expect(list_empty(&proc_tree_now()->dead));
	cr_expect(list_empty(&init->children));
}

/* The first process's exit kills the rest; proc_tree_end reaps sleepers and stopped ones. */
Test(proc, first_exit_kills_the_tree)
{
	struct proc *init = mk_init(), *a, *b, *c;

	a = fork_of(init);
	b = fork_of(a);
	c = fork_of(b);
	wait4_blocks(a, -1, 0);
	cr_expect_eq(kill_of(init, c->pid, SIGSTOP), 0);
	cr_assert_eq(fake_user_return(c), FAKE_STOPPED);
	exit_code(init, 0);
	cr_expect(proc_tree_now()->init_exited);
	cr_expect(pending(a, SIGKILL) && pending(b, SIGKILL) && pending(c, SIGKILL));
	cr_expect_eq(a->state, PROC_RUNNABLE, "the sleeper is woken");
	cr_expect_eq(c->state, PROC_RUNNABLE, "the stopped one continues to die");
	/* teardown: proc_tree_end runs them to their death and frees all */
}

/* ---------------------------------------------------------------- stop and continue */

/* kill(c, sig) by `sender`, then c stops on its way to ring 3. */
static void stop_child(struct proc *sender, struct proc *c, int sig)
{
	cr_assert_eq(kill_of(sender, c->pid, sig), 0);
	cr_assert_eq(fake_user_return(c), FAKE_STOPPED);
	cr_assert_eq(c->state, PROC_STOPPED);
}

/*
 * A stop: SIGCHLD CLD_STOPPED with the signal; WUNTRACED reports it once
 * as 0x7f | sig << 8. A continue: CLD_CONTINUED, SIGCONT; WCONTINUED reports
 * 0xffff once. Plain waits see neither.
 */
Test(proc, stop_continue_reports)
{
	struct proc *init = mk_init(), *c;
	struct wsi si;
	int st, pid;

	catch_sigchld(init, 0);
	c = fork_of(init);
	pid = c->pid;
	stop_child(init, c, SIGSTOP);
	expect_chld(init, SIGCHLD, CLD_STOPPED, pid, SIGSTOP);
	cr_expect_eq(wait4_of(init, -1, &st, WNOHANG), 0, "no WUNTRACED: not reported");
	memset(&si, 0, sizeof(si));
	cr_expect_eq(waitid_of(init, P_PID, pid, &si, WSTOPPED | WNOWAIT), 0);
	cr_expect_eq(si.signo, SIGCHLD);
	cr_expect_eq(si.code, CLD_STOPPED);
	cr_expect_eq(si.status, SIGSTOP);
	cr_expect_eq(si.pid, pid);
	cr_expect_eq(wait4_of(init, -1, &st, WUNTRACED), pid, "WNOWAIT left the report");
	cr_expect_eq(st, 0x137f);
	cr_expect_eq(wait4_of(init, -1, &st, WUNTRACED | WNOHANG), 0, "reported once");
	cr_expect_eq(c->state, PROC_STOPPED);

	init->sig.pending = 0;
	cr_expect_eq(kill_of(init, pid, SIGCONT), 0);
	cr_expect_eq(c->state, PROC_RUNNABLE);
	expect_chld(init, SIGCHLD, CLD_CONTINUED, pid, SIGCONT);
	cr_expect_eq(wait4_of(init, -1, &st, WNOHANG | WUNTRACED), 0);
	memset(&si, 0, sizeof(si));
	cr_expect_eq(waitid_of(init, P_ALL, 0, &si, WCONTINUED | WNOHANG), 0);
	cr_expect_eq(si.code, CLD_CONTINUED);
	cr_expect_eq(si.status, SIGCONT);
	cr_expect_eq(si.pid, pid);
	cr_expect_eq(wait4_of(init, -1, &st, WCONTINUED | WNOHANG), 0, "reported once");

	stop_child(init, c, SIGTSTP);
	cr_expect_eq(kill_of(init, pid, SIGCONT), 0);
	cr_expect_eq(wait4_of(init, -1, &st, WCONTINUED | WNOHANG), pid);
	cr_expect_eq(st, 0xffff);
	cr_expect_eq(wait4_of(init, -1, &st, WUNTRACED | WNOHANG), 0,
		     "continued before the wait: the stop is no longer reported");
}

/* SA_NOCLDSTOP: no SIGCHLD for stops and continues; the waits still report; exit still signals. */
Test(proc, sa_nocldstop)
{
	struct proc *init = mk_init(), *c;
	int st, pid;

	catch_sigchld(init, SA_NOCLDSTOP);
	c = fork_of(init);
	pid = c->pid;
	wait4_blocks(init, -1, WUNTRACED);
	stop_child(c, c, SIGSTOP); /* init sleeps: the child stops itself (raise) */
	cr_expect_not(pending(init, SIGCHLD));
	cr_expect_eq(init->state, PROC_RUNNABLE, "the waiting parent is woken all the same");
	cr_expect_eq(wait4_of(init, -1, &st, WUNTRACED), pid);
	cr_expect_eq(st, 0x137f);
	cr_expect_eq(kill_of(init, pid, SIGCONT), 0);
	cr_expect_not(pending(init, SIGCHLD));
	cr_expect_eq(wait4_of(init, -1, &st, WCONTINUED), pid);
	cr_expect_eq(st, 0xffff);
	exit_code(c, 2);
	expect_chld(init, SIGCHLD, CLD_EXITED, pid, 2);
}

/* A stop signal drops a pending SIGCONT and SIGCONT drops pending stops: the child never stops. */
Test(proc, stop_and_cont_cancel)
{
	struct proc *init = mk_init(), *c;
	int pid;

	c = fork_of(init);
	pid = c->pid;
	c->sig.blocked = SIG_BIT(SIGCONT);
	cr_expect_eq(kill_of(init, pid, SIGCONT), 0);
	cr_expect(pending(c, SIGCONT));
	cr_expect_eq(kill_of(init, pid, SIGTSTP), 0);
	cr_expect_not(pending(c, SIGCONT), "a stop signal drops SIGCONT");
	cr_expect(pending(c, SIGTSTP));
	cr_expect_eq(kill_of(init, pid, SIGCONT), 0);
	cr_expect_not(pending(c, SIGTSTP), "SIGCONT drops pending stop signals");
	c->sig.blocked = 0;
	cr_expect_eq(fake_user_return(c), FAKE_RETURNED);
	cr_expect_eq(c->state, PROC_RUNNABLE);
	cr_expect_eq(wait4_of(init, -1, NULL, WUNTRACED | WCONTINUED | WNOHANG), 0);
}

/* SIGKILL ends a stopped child: status 9, no continue report. */
Test(proc, sigkill_stopped_child)
{
	struct proc *init = mk_init(), *c;
	int st, pid;

	catch_sigchld(init, 0);
	c = fork_of(init);
	pid = c->pid;
	stop_child(init, c, SIGSTOP);
	init->sig.pending = 0;
	cr_expect_eq(kill_of(init, pid, SIGKILL), 0);
	cr_expect_eq(c->state, PROC_RUNNABLE);
	cr_expect_not(pending(init, SIGCHLD), "no CLD_CONTINUED for SIGKILL");
	cr_assert_eq(fake_user_return(c), FAKE_EXITED);
	expect_chld(init, SIGCHLD, CLD_KILLED, pid, SIGKILL);
	cr_expect_eq(wait4_of(init, -1, &st, WUNTRACED | WCONTINUED), pid);
	cr_expect_eq(st, SIGKILL);
}

/*
 * Linux: a zombie is not a stopped or continued child. With only zombies
 * left, a waitid for stops or continues alone has nothing to wait for:
 * ECHILD (wait_consider_task leaves notask_error set).
 */
Test(proc, waitid_stopped_only_with_zombie_says_echild)
{
	struct proc *init = mk_init(), *c;
	struct wsi si;

	c = fork_of(init);
	exit_code(c, 3);
	cr_expect_eq(waitid_of(init, P_ALL, 0, &si, WSTOPPED | WNOHANG), -ECHILD);
	cr_expect_eq(waitid_of(init, P_ALL, 0, &si, WCONTINUED | WNOHANG), -ECHILD);
	cr_expect_eq(waitid_of(init, P_ALL, 0, &si, WSTOPPED | WCONTINUED), -ECHILD,
		     "and it does not block");
	cr_expect_eq(waitid_of(init, P_ALL, 0, &si, WEXITED), 0);
}

/* Linux's waitid writes si_signo, si_errno, si_code, si_pid, si_uid, si_status and nothing else. */
Test(proc, waitid_writes_only_its_fields)
{
	struct proc *init = mk_init(), *c;
	struct wsi si;
	uint8_t tail[sizeof(si.rest)];

	c = fork_of(init);
	exit_code(c, 3);
	memset(&si, 0xaa, sizeof(si));
	memset(tail, 0xaa, sizeof(tail));
	cr_expect_eq(waitid_of(init, P_ALL, 0, &si, WEXITED), 0);
	cr_expect_eq(si.pad, (int32_t)0xaaaaaaaa, "bytes 12..16 untouched");
	cr_expect_arr_eq(si.rest, tail, sizeof(tail), "bytes 28..128 untouched");
	cr_expect_eq(si.status, 3);
}

/* ---------------------------------------------------------------- kill */

/*
 * kill(0) to the caller's group (itself too), kill(-pgid) to a group,
 * kill(-1) to all but init and the caller.
 */
Test(proc, kill_targets)
{
	struct proc *init = mk_init(), *a, *b, *c, *d, *all[5];
	const struct sig_info *in;

	a = fork_of(init);
	b = fork_of(init);
	c = fork_of(init);
	d = fork_of(c);
	all[0] = init, all[1] = a, all[2] = b, all[3] = c, all[4] = d;
	cr_assert_eq(sc(c, NR_setpgid, 0, 0, 0, 0, 0), 0);
	cr_assert_eq(proc_find(d->pid)->pgid, 1, "d stays in init's group");
	cr_assert_eq(sc(c, NR_setpgid, d->pid, c->pid, 0, 0, 0), 0);
	cr_assert_eq(sc(a, NR_setresuid, 1000, 1000, 1000, 0, 0), 0);
	for (int i = 0; i < 5; i++)
		all[i]->sig.blocked = ~0ULL; /* everything stays pending to be looked at */

	cr_expect_eq(kill_of(a, 0, SIGUSR1), 0, "EPERM for init and b, but a itself got it");
	cr_expect(pending(a, SIGUSR1));
	cr_expect_not(pending(init, SIGUSR1) || pending(b, SIGUSR1), "a (uid 1000) may not");
	cr_expect_not(pending(c, SIGUSR1) || pending(d, SIGUSR1), "other group");
	in = &a->sig.info[SIGUSR1 - 1];
	cr_expect_eq(in->code, SI_USER);
	cr_expect_eq(in->pid, a->pid);
	cr_expect_eq(in->uid, 1000);

	cr_expect_eq(kill_of(b, 0, SIGUSR2), 0, "root: the whole group");
	cr_expect(pending(init, SIGUSR2) && pending(a, SIGUSR2) && pending(b, SIGUSR2));
	cr_expect_not(pending(c, SIGUSR2) || pending(d, SIGUSR2));

	cr_expect_eq(kill_of(init, -c->pid, SIGTERM), 0);
	cr_expect(pending(c, SIGTERM) && pending(d, SIGTERM));
	cr_expect_not(pending(init, SIGTERM) || pending(a, SIGTERM) || pending(b, SIGTERM));

	cr_expect_eq(kill_of(b, -1, SIGHUP), 0);
	cr_expect_not(pending(init, SIGHUP), "never init");
	cr_expect_not(pending(b, SIGHUP), "never the caller");
	cr_expect(pending(a, SIGHUP) && pending(c, SIGHUP) && pending(d, SIGHUP));

	cr_expect_eq(kill_of(init, 9999, 0), -ESRCH);
	cr_expect_eq(kill_of(init, -9999, 0), -ESRCH);
	cr_expect_eq(kill_of(init, INT_MIN, 0), -ESRCH);
	cr_expect_eq(kill_of(init, b->pid, 65), -EINVAL);
	cr_expect_eq(kill_of(init, b->pid, -1), -EINVAL);
	cr_expect_eq(kill_of(a, 1, 0), -EPERM);
	cr_expect_eq(kill_of(a, -c->pid, 0), -EPERM, "every member refused: the last error");
	for (int i = 0; i < 5; i++)
		all[i]->sig.pending = 0;
}

/* kill(-1) with nobody else: ESRCH. */
Test(proc, kill_minus_one_alone)
{
	struct proc *init = mk_init();

	cr_expect_eq(kill_of(init, -1, 0), -ESRCH);
}

/* Linux's kill(-1) counts EPERM as success when it had targets: 0 (kill_something_info). */
Test(proc, kill_minus_one_all_refused_says_0)
{
	struct proc *init = mk_init(), *a;

	fork_of(init);
	a = fork_of(init);
	cr_assert_eq(sc(a, NR_setresuid, 1000, 1000, 1000, 0, 0), 0);
	cr_expect_eq(kill_of(a, -1, 0), 0);
}

#define NIDS 3
static const uint32_t kill_ids[NIDS] = { 0, 1000, 1001 };

/* The 27 uid triples over kill_ids. */
static void kill_who(size_t i, struct host_kill_who *w, int own_session)
{
	w->uid = kill_ids[i / 9];
	w->euid = kill_ids[i / 3 % 3];
	w->suid = kill_ids[i % 3];
	w->own_session = own_session;
}

/* sp (uids sw) kills every target with every signal; the answers unlike Linux's are logged. */
static int kill_compare(struct proc *sp, const struct host_kill_who *sw, struct proc **tp,
			const struct host_kill_who *targets, size_t nt, const int *sigs, size_t nk,
			const long *host)
{
	int bad = 0;

	for (size_t i = 0; i < nt * nk; i++) {
		const struct host_kill_who *tw = &targets[i / nk];
		long got = kill_of(sp, tp[i / nk]->pid, sigs[i % nk]);

		tp[i / nk]->sig.pending = 0;
		if (got == host[i] || bad++ >= 10)
			continue;
		cr_log_error("sender %u/%u/%u target %u/%u/%u%s sig %d: bootmm %ld, Linux %ld",
			     sw->uid, sw->euid, sw->suid, tw->uid, tw->euid, tw->suid,
			     tw->own_session ? " (own session)" : "", sigs[i % nk], got, host[i]);
	}
	return bad;
}

/*
 * kill permission (kill_ok_by_cred, SIGCONT in the same session) for every
 * sender and target uid triple over {0, 1000, 1001}, the target in the
 * sender's session or its own, signals 0 and SIGCONT: the same answers as
 * this host's kernel.
 */
Test(proc, kill_permission_matches_linux)
{
	enum { NS = 27, NT = 54, NK = 2 };
	static struct host_kill_who senders[NS], targets[NT];
	static long host[NS * NT * NK];
	static const int sigs[NK] = { 0, SIGCONT };
	struct proc *init = mk_init(), *tp[NT];
	int bad = 0;

	if (geteuid() != 0)
		cr_skip_test("needs root to make processes of other uids");
	for (size_t i = 0; i < NS; i++)
		kill_who(i, &senders[i], 0);
	for (size_t i = 0; i < NT; i++)
		kill_who(i % NS, &targets[i], i >= NS);
	cr_assert_eq(host_kill_run(senders, NS, targets, NT, sigs, NK, host), 0);
	for (size_t t = 0; t < NT; t++) {
		tp[t] = fork_of(init);
		if (targets[t].own_session)
			cr_assert_eq(sc(tp[t], NR_setsid, 0, 0, 0, 0, 0), tp[t]->pid);
		cr_assert_eq(sc(tp[t], NR_setresuid, targets[t].uid, targets[t].euid,
				targets[t].suid, 0, 0), 0);
	}
	for (size_t s = 0; s < NS; s++) {
		struct proc *sp = fork_of(init);
		int spid = sp->pid;

		cr_assert_eq(sc(sp, NR_setresuid, senders[s].uid, senders[s].euid,
				senders[s].suid, 0, 0), 0);
		bad += kill_compare(sp, &senders[s], tp, targets, NT, sigs, NK, host + s * NT * NK);
		exit_code(sp, 0);
		cr_assert_eq(wait4_of(init, spid, NULL, 0), spid);
	}
	cr_expect_eq(bad, 0, "%d answers differ from Linux", bad);
}

/* ---------------------------------------------------------------- groups and sessions */

/* setpgid's rules and errnos, Linux's order of checks. */
Test(proc, setpgid_rules)
{
	struct proc *init = mk_init(), *a, *b, *c, *g, *x;

	a = fork_of(init);
	b = fork_of(init);
	c = fork_of(init);
	x = fork_of(init);
	g = fork_of(a);
	cr_expect_eq(sc(init, NR_setpgid, 0, 0, 0, 0, 0), -EPERM, "a session leader");
	cr_expect_eq(sc(a, NR_setpgid, 0, 0, 0, 0, 0), 0);
	cr_expect_eq(a->pgid, a->pid);
	cr_expect_eq(sc(a, NR_getpgrp, 0, 0, 0, 0, 0), a->pid);
	cr_expect_eq(sc(b, NR_getpgid, 0, 0, 0, 0, 0), 1);
	cr_expect_eq(sc(b, NR_getpgid, (uint64_t)a->pid, 0, 0, 0, 0), a->pid);
	cr_expect_eq(sc(init, NR_setpgid, (uint64_t)b->pid, (uint64_t)a->pid, 0, 0, 0), 0,
		     "a child into another group of the session");
	cr_expect_eq(b->pgid, a->pid);
	cr_expect_eq(sc(init, NR_setpgid, (uint64_t)g->pid, 0, 0, 0, 0), -ESRCH, "a grandchild");
	cr_expect_eq(sc(a, NR_setpgid, 1, 0, 0, 0, 0), -ESRCH, "the parent");
	cr_expect_eq(sc(init, NR_setpgid, 9999, 0, 0, 0, 0), -ESRCH);
	cr_expect_eq(sc(init, NR_setpgid, (uint64_t)-5, 7, 0, 0, 0), -ESRCH);
	cr_expect_eq(sc(a, NR_setpgid, 0, (uint64_t)-1, 0, 0, 0), -EINVAL);
	cr_expect_eq(sc(a, NR_setpgid, 0, 9999, 0, 0, 0), -EPERM, "no such group");
	cr_expect_eq(sc(x, NR_setsid, 0, 0, 0, 0, 0), x->pid);
	cr_expect_eq(sc(init, NR_setpgid, (uint64_t)x->pid, (uint64_t)x->pid, 0, 0, 0), -EPERM,
		     "a child in another session");
	cr_expect_eq(sc(x, NR_setpgid, 0, 0, 0, 0, 0), -EPERM, "x leads its session");
	cr_expect_eq(sc(a, NR_setpgid, 0, (uint64_t)x->pid, 0, 0, 0), -EPERM,
		     "a group of another session");
	c->did_exec = true; /* as execve sets it (sys_exec is not built here) */
	cr_expect_eq(sc(init, NR_setpgid, (uint64_t)c->pid, 0, 0, 0, 0), -EACCES, "after exec");
	cr_expect_eq(sc(c, NR_setpgid, 0, 0, 0, 0, 0), 0, "but it may itself");
	cr_expect_eq(sc(a, NR_setpgid, 0, 1, 0, 0, 0), 0, "back into init's group");
	cr_expect_eq(sc(a, NR_setsid, 0, 0, 0, 0, 0), -EPERM, "b still makes a group of a's pid");
}

/* setpgid(-5, 0): pgid becomes the pid, -5, so Linux says EINVAL before looking anyone up. */
Test(proc, setpgid_negative_pid_einval)
{
	struct proc *init = mk_init();

	cr_expect_eq(sc(init, NR_setpgid, (uint64_t)-5, 0, 0, 0, 0), -EINVAL);
}

/* Linux checks the session (EPERM) before exec (EACCES). */
Test(proc, setpgid_execd_child_other_session_eperm)
{
	struct proc *init = mk_init(), *c;

	c = fork_of(init);
	cr_assert_eq(sc(c, NR_setsid, 0, 0, 0, 0, 0), c->pid);
	c->did_exec = true;
	cr_expect_eq(sc(init, NR_setpgid, (uint64_t)c->pid, (uint64_t)c->pid, 0, 0, 0), -EPERM);
}

/* A zombie still makes its process group: another may join it (Linux: pid_task finds zombies). */
Test(proc, setpgid_join_zombie_group)
{
	struct proc *init = mk_init(), *a, *b;
	int apid;

	a = fork_of(init);
	b = fork_of(init);
	apid = a->pid;
	cr_assert_eq(sc(a, NR_setpgid, 0, 0, 0, 0, 0), 0);
	exit_code(a, 0);
	cr_expect_eq(kill_of(init, -apid, 0), 0, "the group still exists");
	cr_expect_eq(sc(init, NR_setpgid, (uint64_t)b->pid, (uint64_t)apid, 0, 0, 0), 0);
	cr_expect_eq(wait4_of(init, apid, NULL, 0), apid);
}

/* setsid: a new session and group led by the caller; EPERM for a group leader; getsid/getpgid. */
Test(proc, setsid_getsid_getpgid)
{
	struct proc *init = mk_init(), *a, *b;
	int bpid;

	a = fork_of(init);
	b = fork_of(a);
	bpid = b->pid;
	cr_expect_eq(sc(init, NR_setsid, 0, 0, 0, 0, 0), -EPERM, "already a session leader");
	cr_expect_eq(sc(b, NR_setsid, 0, 0, 0, 0, 0), bpid);
	cr_expect_eq(b->sid, bpid);
	cr_expect_eq(b->pgid, bpid);
	cr_expect_eq(sc(b, NR_setsid, 0, 0, 0, 0, 0), -EPERM);
	cr_expect_eq(sc(a, NR_getsid, 0, 0, 0, 0, 0), 1);
	cr_expect_eq(sc(a, NR_getsid, (uint64_t)bpid, 0, 0, 0, 0), bpid);
	cr_expect_eq(sc(a, NR_getpgid, (uint64_t)bpid, 0, 0, 0, 0), bpid);
	cr_expect_eq(sc(a, NR_getsid, 9999, 0, 0, 0, 0), -ESRCH);
	cr_expect_eq(sc(a, NR_getsid, (uint64_t)-1, 0, 0, 0, 0), -ESRCH);
	cr_expect_eq(sc(a, NR_getpgid, (uint64_t)-1, 0, 0, 0, 0), -ESRCH);
	cr_expect_eq(sc(a, NR_setpgid, 0, 0, 0, 0, 0), 0);
	cr_expect_eq(sc(a, NR_setsid, 0, 0, 0, 0, 0), -EPERM, "a group leader");
	exit_code(b, 0);
	cr_expect_eq(sc(a, NR_getsid, (uint64_t)bpid, 0, 0, 0, 0), bpid, "a zombie keeps its ids");
	cr_expect_eq(sc(a, NR_getppid, 0, 0, 0, 0, 0), 1);
	cr_expect_eq(sc(init, NR_getppid, 0, 0, 0, 0, 0), 0);
	cr_expect_eq(sc(a, SYS_getpid, 0, 0, 0, 0, 0), a->pid);
}

/* ---------------------------------------------------------------- credentials */

/* Linux: setuid(-1) and setgid(-1) are EINVAL (not a valid id); nothing changes. */
Test(proc, setuid_minus_one_einval)
{
	struct proc *init = mk_init();

	cr_expect_eq(sc(init, NR_setuid, (uint32_t)-1, 0, 0, 0, 0), -EINVAL);
	cr_expect_eq(sc(init, NR_setgid, (uint32_t)-1, 0, 0, 0, 0), -EINVAL);
	cr_expect_eq(init->cred.uid, 0);
	cr_expect_eq(init->cred.euid, 0);
	cr_expect_eq(init->cred.gid, 0);
}

/* Linux: setfsuid(-1) changes nothing, even for root, and says the current fsuid. */
Test(proc, setfsuid_minus_one_queries)
{
	struct proc *init = mk_init();

	cr_expect_eq(sc(init, NR_setfsuid, (uint32_t)-1, 0, 0, 0, 0), 0);
	cr_expect_eq(sc(init, NR_setfsuid, (uint32_t)-1, 0, 0, 0, 0), 0);
	cr_expect_eq(init->cred.fsuid, 0);
	cr_expect_eq(sc(init, NR_setfsgid, (uint32_t)-1, 0, 0, 0, 0), 0);
	cr_expect_eq(init->cred.fsgid, 0);
}

/*
 * Linux 6.x: a setresuid/setresgid that changes nothing (every id -1 or
 * equal, the euid equal to the fsuid too) returns at once: the fsuid set by
 * setfsuid stays. One that changes something makes fsuid the euid.
 */
Test(proc, setresuid_noop_keeps_fsuid)
{
	struct proc *init = mk_init();

	cr_assert_eq(sc(init, NR_setfsuid, 1002, 0, 0, 0, 0), 0);
	cr_expect_eq(sc(init, NR_setresuid, (uint32_t)-1, (uint32_t)-1, 0, 0, 0), 0);
	cr_expect_eq(init->cred.fsuid, 1002);
	cr_expect_eq(sc(init, NR_setresuid, 0, (uint32_t)-1, (uint32_t)-1, 0, 0), 0);
	cr_expect_eq(init->cred.fsuid, 1002);
	cr_expect_eq(sc(init, NR_setresuid, 0, 0, 0, 0, 0), 0, "euid 0 is not the fsuid: a change");
	cr_expect_eq(init->cred.fsuid, 0);
	cr_assert_eq(sc(init, NR_setfsgid, 1002, 0, 0, 0, 0), 0);
	cr_expect_eq(sc(init, NR_setresgid, (uint32_t)-1, (uint32_t)-1, (uint32_t)-1, 0, 0), 0);
	cr_expect_eq(init->cred.fsgid, 1002);
	cr_assert_eq(sc(init, NR_setfsuid, 1002, 0, 0, 0, 0), 0);
	cr_expect_eq(sc(init, NR_setreuid, (uint32_t)-1, (uint32_t)-1, 0, 0, 0), 0);
	cr_expect_eq(init->cred.fsuid, 0, "setreuid always sets the fsuid");
}

/* Hand-checked rules: dropping root for good, saved-id games, fsuid following the euid. */
Test(proc, credential_rules)
{
	struct proc *init = mk_init(), *c;
	uint32_t r, e, s;

	c = fork_of(init);
	cr_expect_eq(sc(c, NR_setresuid, 1000, 1001, 0, 0, 0), 0);
	cr_expect_eq(c->cred.fsuid, 1001, "fsuid follows the euid");
	cr_expect_eq(sc(c, NR_getresuid, (uint64_t)&r, (uint64_t)&e, (uint64_t)&s, 0, 0), 0);
	cr_expect(r == 1000 && e == 1001 && s == 0);
	cr_expect_eq(sc(c, NR_setresuid, (uint32_t)-1, 0, (uint32_t)-1, 0, 0), 0,
		     "back to euid 0 from the suid");
	cr_expect_eq(sc(c, NR_setuid, 1002, 0, 0, 0, 0), 0, "root: all three");
	cr_expect(c->cred.uid == 1002 && c->cred.euid == 1002 && c->cred.suid == 1002);
	cr_expect_eq(sc(c, NR_setuid, 0, 0, 0, 0, 0), -EPERM, "root is gone");
	cr_expect_eq(sc(c, NR_setresuid, 1002, 1003, 1002, 0, 0), -EPERM);
	cr_expect_eq(sc(c, NR_setgid, 5, 0, 0, 0, 0), -EPERM, "no CAP_SETGID either");
	cr_expect_eq(sc(c, NR_setfsuid, 0, 0, 0, 0, 0), 1002, "refused: the old value");
	cr_expect_eq(c->cred.fsuid, 1002);
	cr_expect_eq(sc(c, NR_getresuid, 8, (uint64_t)&e, (uint64_t)&s, 0, 0), -EFAULT);
}

/* A seeded xorshift for the random sequences. */
static uint64_t rng_state;

static uint32_t rng(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

/* Low capability words for capset: all, all but CAP_SETUID, a few, none. */
static const uint32_t cred_masks[] = {
	0xffffffffu, 0xffffffffu & ~(1u << CAP_SETUID),
	(1u << CAP_SETUID) | (1u << CAP_SETGID) | (1u << CAP_CHOWN),
	(1u << CAP_CHOWN) | (1u << CAP_FOWNER) | (1u << CAP_SETPCAP), 0,
};

/* A random prctl capability option: keepcaps, bounding set, securebits, ambient. */
static struct host_cred_op cred_prctl_op(void)
{
	static const uint32_t caps[] = { CAP_CHOWN, CAP_SETUID, CAP_SETPCAP, 41 };
	static const uint32_t bits[] = { 0, SECBIT_KEEP_CAPS, SECBIT_NO_SETUID_FIXUP,
					 SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED };
	struct host_cred_op op = { .nr = HOST_NR_PRCTL };

	switch (rng(4)) {
	case 0: op.a = 8, op.b = rng(3); break;                        /* PR_SET_KEEPCAPS */
	case 1: op.a = 24, op.b = caps[rng(4)]; break;                 /* PR_CAPBSET_DROP */
	case 2: op.a = 28, op.b = bits[rng(4)]; break;                 /* PR_SET_SECUREBITS */
	default: op.a = 47, op.b = 1 + rng(4), op.c = caps[rng(4)]; break; /* PR_CAP_AMBIENT */
	}
	return op;
}

/* A random credential call over ids {0, 1000, 1001, 1002, -1}, or a capability call. */
static struct host_cred_op cred_op(void)
{
	static const long nrs[] = { NR_setuid, NR_setreuid, NR_setresuid, NR_setfsuid,
				    NR_setgid, NR_setregid, NR_setresgid, NR_setfsgid };
	static const uint32_t ids[] = { 0, 1000, 1001, 1002, (uint32_t)-1 };
	struct host_cred_op op = { .nr = nrs[rng(8)] };

	op.a = ids[rng(5)], op.b = ids[rng(5)], op.c = ids[rng(5)];
	switch (rng(4)) {
	case 0:
		op.nr = HOST_NR_CAPSET;
		op.a = cred_masks[rng(5)], op.b = cred_masks[rng(5)], op.c = cred_masks[rng(5)];
		break;
	case 1:
		return cred_prctl_op();
	}
	return op;
}

/*
 * One step in bootmm: the uid calls through the syscall table, capset and
 * prctl's capability options through the credential rules they call
 * (cred_capset, cred_prctl: sys_misc.c is not in the host build).
 */
static long cred_step(struct proc *c, const struct host_cred_op *op)
{
	struct proc_cred *k = &c->cred;

	if (op->nr == HOST_NR_CAPSET)
		return cred_capset(k, (k->cap_eff & ~0xffffffffULL) | op->a,
				   (k->cap_prm & ~0xffffffffULL) | op->b,
				   (k->cap_inh & ~0xffffffffULL) | op->c);
	if (op->nr == HOST_NR_PRCTL)
		return cred_prctl(k, (int)op->a, op->b, op->c, 0, 0);
	return sc(c, (uint64_t)op->nr, op->a, op->b, op->c, 0, 0);
}

/* True when bootmm's credential k is the one Linux reported in w. */
static bool cred_same(const struct proc_cred *k, const struct host_cred_res *w)
{
	return k->uid == w->uid && k->euid == w->euid && k->suid == w->suid &&
	       k->fsuid == w->fsuid && k->gid == w->gid && k->egid == w->egid &&
	       k->sgid == w->sgid && k->fsgid == w->fsgid && k->cap_eff == w->cap_eff &&
	       k->cap_prm == w->cap_prm && k->cap_inh == w->cap_inh &&
	       k->cap_bnd == w->cap_bnd && k->cap_amb == w->cap_amb &&
	       k->securebits == w->securebits;
}

/* Apply ops in a fresh child of init in bootmm, and compare each step with Linux's. */
static int cred_compare(struct proc *init, const struct host_cred_op *ops, size_t n,
			const struct host_cred_res *want)
{
	struct proc *c = fork_of(init);
	int pid = c->pid, bad = 0;

	for (size_t i = 0; i < n && !bad; i++) {
		long ret = cred_step(c, &ops[i]);
		const struct host_cred_res *w = &want[i];
		const struct proc_cred *k = &c->cred;

		if (ret == w->ret && cred_same(k, w))
			continue;
		bad = 1;
		cr_log_error("step %zu: call %ld(%d, %d, %d): bootmm %ld uid %u/%u/%u/%u "
			     "gid %u/%u/%u/%u, Linux %ld uid %u/%u/%u/%u gid %u/%u/%u/%u",
			     i, ops[i].nr, (int)ops[i].a, (int)ops[i].b, (int)ops[i].c, ret,
			     k->uid, k->euid, k->suid, k->fsuid, k->gid, k->egid, k->sgid,
			     k->fsgid, w->ret, w->uid, w->euid, w->suid, w->fsuid, w->gid,
			     w->egid, w->sgid, w->fsgid);
		cr_log_error("  caps e/p/i/b/a sb: bootmm %llx/%llx/%llx/%llx/%llx %x, "
			     "Linux %llx/%llx/%llx/%llx/%llx %x",
			     (unsigned long long)k->cap_eff, (unsigned long long)k->cap_prm,
			     (unsigned long long)k->cap_inh, (unsigned long long)k->cap_bnd,
			     (unsigned long long)k->cap_amb, k->securebits,
			     (unsigned long long)w->cap_eff, (unsigned long long)w->cap_prm,
			     (unsigned long long)w->cap_inh, (unsigned long long)w->cap_bnd,
			     (unsigned long long)w->cap_amb, w->securebits);
		for (size_t j = 0; j < i; j++)
			cr_log_error("  after step %zu: %ld(%d, %d, %d)", j, ops[j].nr,
				     (int)ops[j].a, (int)ops[j].b, (int)ops[j].c);
	}
	exit_code(c, 0);
	cr_assert_eq(wait4_of(init, pid, NULL, 0), pid);
	return bad;
}

/*
 * setuid, setreuid, setresuid, setfsuid and their gid twins, capset and
 * prctl's capability options: 400 random sequences of 8 calls from root
 * (with this host's root capabilities), each step's result, every id and
 * every capability set after it the same as this host's kernel gives (raw
 * syscalls in a forked child).
 */
Test(proc, credentials_match_linux)
{
	enum { SEQS = 400, LEN = 8 };
	struct proc *init = mk_init();
	struct host_cred_op ops[LEN];
	struct host_cred_res want[LEN], now;
	int bad = 0;

	if (geteuid() != 0)
		cr_skip_test("the sequences start from root");
	host_cred_now(&now);
	init->cred.cap_eff = now.cap_eff, init->cred.cap_prm = now.cap_prm;
	init->cred.cap_inh = now.cap_inh, init->cred.cap_bnd = now.cap_bnd;
	init->cred.cap_amb = now.cap_amb, init->cred.securebits = now.securebits;
	rng_state = 0x9e3779b97f4a7c15ULL;
	for (int s = 0; s < SEQS; s++) {
		for (int i = 0; i < LEN; i++)
			ops[i] = cred_op();
		cr_assert_eq(host_cred_run(ops, LEN, want), 0);
		bad += cred_compare(init, ops, LEN, want);
	}
	cr_expect_eq(bad, 0, "%d of %d sequences differ from Linux", bad, SEQS);
}

/* ---------------------------------------------------------------- fork's side */

/* si_uid and waitid's uid: the child's real uid. */
Test(proc, child_uid_in_sigchld_and_waitid)
{
	struct proc *init = mk_init(), *c;
	struct wsi si;
	int pid;

	catch_sigchld(init, 0);
	c = fork_of(init);
	pid = c->pid;
	cr_assert_eq(sc(c, NR_setresuid, 1000, 1001, 1002, 0, 0), 0);
	exit_code(c, 0);
	cr_expect_eq(init->sig.info[SIGCHLD - 1].uid, 1000);
	memset(&si, 0, sizeof(si));
	cr_expect_eq(waitid_of(init, P_PID, pid, &si, WEXITED), 0);
	cr_expect_eq(si.uid, 1000);
}

static void vfork_child_exits(void *arg)
{
	struct proc *parent = arg;
	struct proc *c = list_entry(parent->children.prev, struct proc, sibling);

	cr_expect_eq(c->vfork_parent, parent);
	exit_code(c, 3);
}

/* vfork: the parent sleeps until its child exits (or execs), then returns the child's pid. */
Test(proc, vfork_parent_waits_for_child)
{
	struct proc *init = mk_init();
	long pid;
	int st;

	fake_on_sleep(vfork_child_exits, init);
	pid = sc(init, NR_vfork, 0, 0, 0, 0, 0);
	cr_expect_gt(pid, 1);
	cr_expect_not(init->vfork_waiting);
	cr_expect_eq(wait4_of(init, (int)pid, &st, 0), pid);
	cr_expect_eq(st, 0x300);
}

/* RLIMIT_NPROC counts the real user's processes, zombies too; root is exempt. */
Test(proc, nproc_limit_counts_zombies)
{
	struct proc *init = mk_init(), *w, *a;
	int apid;

	w = fork_of(init);
	w->rlim[PROC_RLIM_NPROC].cur = 2;
	cr_assert_eq(sc(w, NR_setresuid, 1000, 1000, 1000, 0, 0), 0);
	a = fork_of(w);
	apid = a->pid;
	exit_code(a, 0);
	cr_expect_eq(sc(w, NR_fork, 0, 0, 0, 0, 0), -EAGAIN, "w and its zombie make 2");
	cr_expect_eq(wait4_of(w, apid, NULL, 0), apid);
	cr_expect_gt(sc(w, NR_fork, 0, 0, 0, 0, 0), 1, "reaped: room again");
	init->rlim[PROC_RLIM_NPROC].cur = 1;
	cr_expect_gt(sc(init, NR_fork, 0, 0, 0, 0, 0), 1, "root is exempt");
}

/* fork at every frame and heap failure point: -ENOMEM, and nothing held or changed after. */
Test(proc, fork_every_failure_point_leaks_nothing)
{
	struct proc *init = mk_init();
	unsigned char byte = 7;
	int points = 0;

	cr_assert_eq(as_mmap(init->as, 0x40000000, 64 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS), 0x40000000);
	for (int i = 0; i < 64; i += 8)
		cr_assert_eq(as_test_write(init->as, 0x40000000 + i * PAGE_SIZE, &byte, 1),
			     AS_FAULT_OK);
	for (int kind = 0; kind < 2; kind++) {
		for (unsigned long n = 1;; n++) {
			size_t frames = pmm_free_frames(), heap = heap_bytes_in_use();
			unsigned count = proc_tree_now()->count, stacks = fake_kstacks;
			long r;

			(kind ? heap_fail_nth : pmm_fail_nth)(n);
			r = sc(init, NR_fork, 0, 0, 0, 0, 0);
			heap_fail_nth(0);
			pmm_fail_nth(0);
			if (r > 0) {
				exit_code(proc_find((int)r), 0);
				cr_assert_eq(wait4_of(init, (int)r, NULL, 0), r);
				break;
			}
			points++;
			cr_assert_eq(r, -ENOMEM, "%s failure %lu: %ld", kind ? "heap" : "frame", n,
				     r);
			cr_assert_eq(pmm_free_frames(), frames, "frame failure point %lu leaks", n);
			cr_assert_eq(heap_bytes_in_use(), heap, "failure point %lu leaks heap", n);
			cr_assert_eq(proc_tree_now()->count, count);
			cr_assert_eq(fake_kstacks, stacks);
			cr_assert(list_empty(&init->children));
		}
	}
	cr_expect_gt(points, 4);
	cr_log_info("fork: %d failure points, each clean", points);
}

/* waitid copies the rusage only when it collected a child (Linux: err > 0). */
Test(proc, waitid_rusage_only_when_found)
{
	struct proc *init = mk_init(), *c;
	struct wsi si;
	uint8_t ru[144], want[144];
	int pid;

	c = fork_of(init);
	pid = c->pid;
	memset(ru, 0xaa, sizeof(ru));
	memset(want, 0xaa, sizeof(want));
	cr_expect_eq(sc(init, NR_waitid, P_ALL, 0, (uint64_t)&si, WEXITED | WNOHANG,
			(uint64_t)ru), 0);
	cr_expect_arr_eq(ru, want, sizeof(ru), "rusage untouched when nothing was collected");
	cr_expect_eq(sc(init, NR_waitid, P_ALL, 0, (uint64_t)&si, WEXITED | WNOHANG, 8), 0,
		     "so a bad rusage pointer is no error then");
	exit_code(c, 0);
	cr_expect_eq(sc(init, NR_waitid, P_ALL, 0, (uint64_t)&si, WEXITED, 8), -EFAULT);
	cr_expect_null(proc_find(pid), "reaped all the same");
}

#define CLONE_PARENT_ 0x00008000ULL

/*
 * clone(CLONE_PARENT): a sibling of the caller, whose exit signal is the
 * caller's own, whatever the flags say (Linux's copy_process).
 */
Test(proc, clone_parent_takes_callers_exit_signal)
{
	struct proc *init = mk_init(), *m, *k, *s, *t;
	int spid, st;

	catch_sigchld(init, 0);
	init->sig.blocked = SIG_BIT(SIGUSR1) | SIG_BIT(SIGUSR2);
	m = fork_of(init);
	s = clone_of(m, CLONE_PARENT_ | SIGUSR1);
	spid = s->pid;
	cr_expect_eq(s->parent, init);
	cr_expect_eq(s->exit_signal, SIGCHLD);
	exit_code(s, 6);
	expect_chld(init, SIGCHLD, CLD_EXITED, spid, 6);
	cr_expect_not(pending(init, SIGUSR1));
	cr_expect_eq(wait4_of(init, -1, &st, WNOHANG), spid);
	cr_expect_eq(st, 0x600);
	k = clone_of(init, SIGUSR2);
	t = clone_of(k, CLONE_PARENT_ | SIGUSR1);
	cr_expect_eq(t->parent, init);
	cr_expect_eq(t->exit_signal, SIGUSR2, "the caller's exit signal");
}

/* At threads-max (the tree's process limit) fork says EAGAIN, even for root. */
Test(proc, fork_at_threads_max_eagain)
{
	struct proc *init = mk_init();

	fork_of(init);
	proc_tree_now()->max = proc_tree_now()->count;
	cr_expect_eq(sc(init, NR_fork, 0, 0, 0, 0, 0), -EAGAIN);
	cr_expect_eq(sc(init, NR_vfork, 0, 0, 0, 0, 0), -EAGAIN);
}

/* A stopped child keeps its stop report when it changes parent: the new parent collects it. */
Test(proc, stop_report_follows_reparenting)
{
	struct proc *init = mk_init(), *m, *c;
	int cpid, st;

	m = fork_of(init);
	c = fork_of(m);
	cpid = c->pid;
	stop_child(m, c, SIGSTOP);
	exit_code(m, 0);
	cr_expect_eq(c->parent, init);
	cr_expect_eq(wait4_of(init, cpid, &st, WUNTRACED | WNOHANG), cpid);
	cr_expect_eq(st, 0x137f);
}

/*
 * execve's new capability sets (cap_bprm_creds_from_file for a file
 * without file capabilities), hand-checked against Linux (caps_sets
 * compares the same cases with the host): root gets bounding | inheritable
 * and all of it effective; ruid 0 alone gets them permitted, ambient
 * effective; a non-root user keeps only the ambient set; SECBIT_NOROOT
 * treats root as anyone; SECBIT_KEEP_CAPS goes.
 */
Test(proc, exec_capability_rules)
{
	struct proc_cred c;

	cred_init_root(&c);
	c.cap_bnd = CAP_FULL_SET & ~CAP_BIT(CAP_SYS_ADMIN);
	c.cap_prm = c.cap_eff = CAP_BIT(CAP_CHOWN);
	c.cap_inh = CAP_BIT(CAP_SYS_ADMIN);
	c.securebits = SECBIT_KEEP_CAPS;
	cred_exec(&c);
	cr_expect_eq(c.cap_prm, CAP_FULL_SET);
	cr_expect_eq(c.cap_eff, CAP_FULL_SET);
	cr_expect_eq(c.securebits, 0);

	cred_init_root(&c);
	c.euid = 1000;
	c.cap_amb = c.cap_inh = CAP_BIT(CAP_KILL);
	cred_exec(&c);
	cr_expect_eq(c.cap_prm, CAP_FULL_SET);
	cr_expect_eq(c.cap_eff, CAP_BIT(CAP_KILL), "ruid 0 only: the ambient set is effective");

	cred_init_root(&c);
	c.uid = c.euid = c.suid = 1000;
	c.cap_inh = c.cap_amb = CAP_BIT(CAP_CHOWN);
	cred_exec(&c);
	cr_expect_eq(c.cap_prm, CAP_BIT(CAP_CHOWN));
	cr_expect_eq(c.cap_eff, CAP_BIT(CAP_CHOWN));
	cr_expect_eq(c.cap_bnd, CAP_FULL_SET, "the bounding set stays");

	cred_init_root(&c);
	c.securebits = SECBIT_NOROOT;
	cred_exec(&c);
	cr_expect_eq(c.cap_prm, 0);
	cr_expect_eq(c.cap_eff, 0);
}

/* ---------------------------------------------------------------- threads */

#define CLONE_VM 0x00000100
#define CLONE_FS 0x00000200
#define CLONE_FILES 0x00000400
#define CLONE_SIGHAND 0x00000800
#define CLONE_THREAD 0x00010000
#define CLONE_SYSVSEM 0x00040000

/* What glibc's and musl's pthread_create ask of clone (the exit signal 0). */
#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | \
		      CLONE_SYSVSEM)

static void group_exit_fn(struct proc *p, void *arg)
{
	proc_group_exit(p, *(int *)arg);
}

/* A thread: the group's pid, nobody's child, the leader's descriptors and handlers. */
Test(proc, thread_ids_and_sharing)
{
	struct proc *init = mk_init(), *c = fork_of(init), *t = clone_of(c, THREAD_FLAGS);
	int pid;

	cr_assert_not_null(t);
	cr_expect_eq(t->leader, c);
	cr_expect_eq(sc(t, SYS_getpid, 0, 0, 0, 0, 0), c->pid);
	cr_expect_eq(sc(t, SYS_gettid, 0, 0, 0, 0, 0), t->pid);
	cr_expect_eq(sc(t, NR_getppid, 0, 0, 0, 0, 0), init->pid);
	cr_expect(!is_child(c, t) && !is_child(init, t), "a thread is nobody's child");
	cr_expect_eq(t->fdt, c->fdt, "CLONE_FILES: one table");
	cr_expect_eq(t->as, c->as, "CLONE_VM: one space");
	set_action(c, SIGUSR2, HANDLER, 0);
	proc_sighand_sync(c, SIGUSR2);
	cr_expect_eq(t->sig.act[SIGUSR2 - 1].handler, HANDLER, "CLONE_SIGHAND: one table");
	cr_expect_eq(sc(c, NR_clone, CLONE_THREAD | CLONE_VM, 0, 0, 0, 0), -EINVAL);
	cr_expect_eq(sc(c, NR_clone, CLONE_SIGHAND, 0, 0, 0, 0), -EINVAL);
	pid = c->pid;
	exit_code(t, 0);
	exit_code(c, 0);
	cr_expect_eq(wait4_of(init, -1, NULL, 0), pid);
}

/*
 * The leader exits first: a zombie nobody may reap while its thread runs;
 * the last thread's exit code is the group's (synchronize_group_exit).
 */
Test(proc, thread_leader_exits_first)
{
	struct proc *init = mk_init(), *c = fork_of(init), *t = clone_of(c, THREAD_FLAGS);
	int pid = c->pid, tid = t->pid, st = 0;

	catch_sigchld(init, 0);
	exit_code(c, 3);
	cr_expect_eq(c->state, PROC_ZOMBIE);
	cr_expect_eq(wait4_of(init, pid, &st, WNOHANG), 0, "the group lives on");
	cr_expect(!pending(init, SIGCHLD), "no SIGCHLD before the group ends");
	exit_code(t, 9);
	cr_expect_null(proc_find(tid), "a thread is released at its exit");
	cr_expect(pending(init, SIGCHLD));
	cr_expect_eq(wait4_of(init, pid, &st, 0), pid);
	cr_expect_eq(st, 9 << 8);
	cr_expect_eq(wait4_of(init, -1, &st, WNOHANG), -ECHILD);
}

/* exit_group from a thread: the others get SIGKILL, the group's status is the exit's. */
Test(proc, thread_exit_group_kills_the_group)
{
	struct proc *init = mk_init(), *c = fork_of(init), *t = clone_of(c, THREAD_FLAGS);
	int pid = c->pid, st = 0, ws = 7 << 8;

	cr_assert_eq(fake_run(t, group_exit_fn, &ws), FAKE_EXITED);
	cr_expect(pending(c, SIGKILL), "the leader is killed");
	cr_expect_eq(fake_user_return(c), FAKE_EXITED);
	cr_expect_eq(wait4_of(init, pid, &st, 0), pid);
	cr_expect_eq(st, 7 << 8);
}

/*
 * kill(2) to a group goes to a thread that does not block the signal; one
 * every thread blocks waits on the leader for the first that unblocks it.
 */
Test(proc, thread_process_signal_target)
{
	struct proc *init = mk_init(), *c = fork_of(init), *t = clone_of(c, THREAD_FLAGS);
	struct sig_info info;

	c->sig.blocked = SIG_BIT(SIGUSR1);
	cr_expect_eq(kill_of(init, c->pid, SIGUSR1), 0);
	cr_expect(pending(t, SIGUSR1) && !pending(c, SIGUSR1), "the thread that takes it");
	sig_take(&t->sig, SIGUSR1, &info);
	t->sig.blocked = SIG_BIT(SIGUSR1);
	cr_expect_eq(kill_of(init, c->pid, SIGUSR1), 0);
	cr_expect(pending(c, SIGUSR1) && !pending(t, SIGUSR1), "the group's, on its leader");
	cr_expect(!proc_shared_pending(t));
	cr_expect_eq(proc_shared_set(t), SIG_BIT(SIGUSR1));
	t->sig.blocked = 0;
	cr_expect(proc_shared_pending(t));
	cr_expect_eq(proc_take_shared(t, ~t->sig.blocked, &info), SIGUSR1);
	cr_expect_eq(info.pid, init->pid);
	cr_expect(!pending(c, SIGUSR1), "taken once");
	cr_expect_eq(sc(init, SYS_tgkill, c->pid, t->pid, SIGUSR2, 0, 0), 0);
	cr_expect(pending(t, SIGUSR2) && !pending(c, SIGUSR2), "tgkill: the thread named");
	cr_expect_eq(sc(init, SYS_tgkill, init->pid, t->pid, SIGUSR2, 0, 0), -ESRCH);
}

/* clone(CLONE_THREAD) at every frame and heap failure point: -ENOMEM, nothing held after. */
Test(proc, thread_clone_every_failure_point_leaks_nothing)
{
	struct proc *init = mk_init();
	int points = 0;

	for (int kind = 0; kind < 2; kind++) {
		for (unsigned long n = 1;; n++) {
			size_t frames = pmm_free_frames(), heap = heap_bytes_in_use();
			unsigned count = proc_tree_now()->count, stacks = fake_kstacks;
			long r;

			(kind ? heap_fail_nth : pmm_fail_nth)(n);
			r = sc(init, NR_clone, THREAD_FLAGS, 0, 0, 0, 0);
			heap_fail_nth(0);
			pmm_fail_nth(0);
			if (r > 0) {
				exit_code(proc_find((int)r), 0);
				cr_assert_null(proc_find((int)r), "the thread is released");
				break;
			}
			points++;
			cr_assert_eq(r, -ENOMEM, "%s failure %lu: %ld", kind ? "heap" : "frame", n,
				     r);
			cr_assert_eq(pmm_free_frames(), frames, "frame failure point %lu leaks", n);
			cr_assert_eq(heap_bytes_in_use(), heap, "failure point %lu leaks heap", n);
			cr_assert_eq(proc_tree_now()->count, count);
			cr_assert_eq(fake_kstacks, stacks);
			cr_assert(!proc_group_has_threads(init));
			cr_assert_eq(init->fdt->refs, 1);
		}
	}
	cr_expect_gt(points, 1);
	cr_log_info("clone(CLONE_THREAD): %d failure points, each clean", points);
}

/* A leader that exits hands the group's pending signals to a thread that lives on. */
Test(proc, thread_leader_exit_hands_over_group_signals)
{
	struct proc *init = mk_init(), *c = fork_of(init), *t = clone_of(c, THREAD_FLAGS);

	c->sig.blocked = t->sig.blocked = SIG_BIT(SIGUSR1);
	cr_expect_eq(kill_of(init, c->pid, SIGUSR1), 0);
	cr_expect(pending(c, SIGUSR1) && !pending(t, SIGUSR1));
	exit_code(c, 0);
	cr_expect(pending(t, SIGUSR1), "the thread holds it now");
	cr_expect_eq(t->sig.info[SIGUSR1 - 1].pid, init->pid);
	exit_code(t, 0);
	cr_expect_eq(wait4_of(init, -1, NULL, 0), 2);
}
