/*
 * Host fakes under src/kernel/{proc_tree,sys_proc,fork,signal,sys_ptrace}.c: the
 * scheduler, user copies, the arch's clock and FPU calls, the files of a
 * process (kernel stacks: proc_fake_kstack.c). See proc_fake.h. Built only
 * into test_proc_tree.
 */
#include "mm/heap.h"
#include "proc_fake.h"

#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "../../../src/kernel/proc_internal.h"
#include "../../../src/kernel/sys.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "kernel/sched.h"
#include "kernel/usercopy.h"
#include "lib/errno.h"
#include "mm/aspace.h"

unsigned fake_idle_stuck;

struct fake_frame {
	jmp_buf jb;
	struct fake_frame *up;
};

static struct fake_frame *fake_top;     /* innermost fake_run */
static struct proc *fake_cur;           /* proc_current() */
static struct list_node fake_runq = { &fake_runq, &fake_runq };
static uint64_t fake_now_ns;
static void (*fake_sleep_fn)(void *arg);
static void *fake_sleep_arg;
static int fake_last_sig;
static uint64_t fake_last_info;
static uint8_t fake_ustack[65536] __attribute__((aligned(64))); /* handlers' frames */

/* A broken expectation of the fake itself: stop the test binary loudly. */
static void fake_die(const char *what)
{
	fprintf(stderr, "proc_fake: %s\n", what);
	__builtin_abort(); /* <stdlib.h> and proc_internal.h both define W* */
}

void fake_reset(void)
{
	fake_top = NULL;
	fake_cur = NULL;
	list_init(&fake_runq);
	fake_now_ns = 1000000000ULL;
	fake_sleep_fn = NULL;
	fake_idle_stuck = 0;
	fake_last_sig = 0;
}

enum fake_end fake_run(struct proc *p, void (*fn)(struct proc *p, void *arg), void *arg)
{
	struct fake_frame f = { .up = fake_top };
	struct proc *saved = fake_cur;
	int r;

	if (p->state != PROC_RUNNABLE)
		fake_die("fake_run of a process that cannot run");
	list_del(&p->run_link);
	fake_top = &f;
	fake_cur = p;
	r = setjmp(f.jb);
	if (r == 0) {
		fn(p, arg);
		r = FAKE_RETURNED;
	}
	fake_top = f.up;
	fake_cur = saved;
	if (r == FAKE_RETURNED && p->state == PROC_RUNNABLE)
		list_add_tail(&fake_runq, &p->run_link);
	if (r == FAKE_EXITED)
		proc_free_dead(); /* what the next context does after the switch */
	return (enum fake_end)r;
}

struct fake_call {
	uint64_t nr;
	struct uregs regs;
	long ret;
};

static void fake_call_fn(struct proc *p, void *arg)
{
	struct fake_call *c = arg;

	c->ret = sys_proc_call(p, c->nr, &c->regs);
}

long fake_syscall(struct proc *p, enum fake_end *end, uint64_t nr, uint64_t a0, uint64_t a1,
		  uint64_t a2, uint64_t a3, uint64_t a4)
{
	struct fake_call c = { .nr = nr, .ret = LONG_MIN };
	enum fake_end e;

	c.regs.orig_rax = nr;
	c.regs.rdi = a0, c.regs.rsi = a1, c.regs.rdx = a2, c.regs.r10 = a3, c.regs.r8 = a4;
	e = fake_run(p, fake_call_fn, &c);
	if (end)
		*end = e;
	return e == FAKE_RETURNED ? c.ret : LONG_MIN;
}

void fake_on_sleep(void (*fn)(void *arg), void *arg)
{
	fake_sleep_fn = fn;
	fake_sleep_arg = arg;
}

/* ---------------------------------------------------------------- signals on return */

/* Build the frame of handled signal `sig` on the host stack (sig_deliver). */
static void fake_handler(struct proc *p, int sig, const struct sig_info *info)
{
	struct uregs regs;
	struct sig_fault f = { sig, info->code, 0, 0, 0, info, 0 };

	memset(&regs, 0, sizeof(regs));
	regs.rsp = (uint64_t)(fake_ustack + sizeof(fake_ustack));
	if (sig_deliver(&p->sig, &regs, &f))
		fake_die("sig_deliver failed on the host stack");
	fake_last_sig = sig;
	fake_last_info = regs.rsi;
}

/* proc.c's proc_pending_signals for the default actions; a handler ends the loop. */
static void fake_deliver(struct proc *p, void *arg)
{
	struct sig_info info;
	int sig;

	fake_last_sig = 0;
	while ((sig = sig_take_pending(&p->sig, &info)) != 0) {
		const struct k_sigaction *ka = &p->sig.act[sig - 1];
		enum sig_default def = sig_default_action(sig);
		bool core;

		if (sig == SIGKILL)
			proc_do_exit(p, SIGKILL);
		if (ka->handler == SIG_IGN)
			continue;
		if (ka->handler != SIG_DFL) {
			fake_handler(p, sig, &info);
			return;
		}
		if (def == SIG_DEF_IGNORE || def == SIG_DEF_CONT)
			continue;
		if (def == SIG_DEF_STOP) {
			proc_stop_self(p, sig);
			continue;
		}
		core = def == SIG_DEF_CORE && p->rlim[PROC_RLIM_CORE].cur != 0;
		proc_do_exit(p, sig | (core ? 0x80 : 0));
	}
}

enum fake_end fake_user_return(struct proc *p)
{
	return fake_run(p, fake_deliver, NULL);
}

const void *fake_frame_info(void)
{
	return (const void *)fake_last_info;
}

int fake_frame_sig(void)
{
	return fake_last_sig;
}

/* ---------------------------------------------------------------- the scheduler */

struct proc *proc_current(void)
{
	return fake_cur;
}

/* sched.c's wake-up: off its queue, runnable, its sleep returns `reason`. */
static void fake_wake(struct proc *p, long reason)
{
	if (p->state != PROC_SLEEPING)
		return;
	list_del(&p->wait_link);
	list_del(&p->timer_link);
	p->waiting_on = NULL;
	p->wake_reason = reason;
	p->state = PROC_RUNNABLE;
	list_add_tail(&fake_runq, &p->run_link);
}

/* The sleep of sched_sleep and sched_sleep_killable once their signal checks passed. */
static long fake_sleep_now(struct proc *p, struct waitq *wq, uint64_t deadline_ns)
{
	void (*hook)(void *) = fake_sleep_fn;

	if (deadline_ns <= fake_now_ns)
		return -ETIMEDOUT;
	p->state = PROC_SLEEPING;
	p->wake_reason = 0;
	p->waiting_on = wq;
	if (wq)
		list_add_tail(&wq->sleepers, &p->wait_link);
	p->wake_at = deadline_ns;
	fake_sleep_fn = NULL;
	if (hook)
		hook(fake_sleep_arg);
	if (p->state == PROC_SLEEPING)
		longjmp(fake_top->jb, FAKE_BLOCKED);
	list_del(&p->run_link); /* woken: it runs on */
	return p->wake_reason;
}

long sched_sleep(struct waitq *wq, uint64_t deadline_ns)
{
	struct proc *p = fake_cur;

	if (!p)
		fake_die("sched_sleep with no running process");
	if (sig_wakes(&p->sig))
		return -EINTR;
	return fake_sleep_now(p, wq, deadline_ns);
}

long sched_sleep_killable(struct waitq *wq, uint64_t deadline_ns)
{
	struct proc *p = fake_cur;

	if (!p)
		fake_die("sched_sleep_killable with no running process");
	if (p->sig.pending & SIG_BIT(SIGKILL))
		return -EINTR;
	return fake_sleep_now(p, wq, deadline_ns);
}

void sched_wake_all(struct waitq *wq)
{
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &wq->sleepers)
		fake_wake(list_entry(n, struct proc, wait_link), 0);
}

void sched_interrupt(struct proc *p)
{
	fake_wake(p, -EINTR);
}

void sched_start(struct proc *p)
{
	list_init(&p->run_link);
	list_init(&p->wait_link);
	list_init(&p->timer_link);
	p->state = PROC_RUNNABLE;
	list_add_tail(&fake_runq, &p->run_link);
}

void sched_exit(void)
{
	if (!fake_cur || fake_cur->state != PROC_ZOMBIE || !fake_top)
		fake_die("sched_exit of a process that is not a zombie");
	longjmp(fake_top->jb, FAKE_EXITED);
}

void sched_stop(struct proc *p)
{
	if (p != fake_cur || !fake_top)
		fake_die("sched_stop of a process that is not running");
	p->state = PROC_STOPPED;
	longjmp(fake_top->jb, FAKE_STOPPED);
}

void sched_continue(struct proc *p)
{
	if (p->state != PROC_STOPPED)
		return;
	p->state = PROC_RUNNABLE;
	list_add_tail(&fake_runq, &p->run_link);
}

/* Run processes (each acts on its pending signals) until done; a hang is counted, not waited. */
void sched_run_until(bool (*done)(void *arg), void *arg)
{
	unsigned runs = 0;

	if (fake_cur)
		fake_die("sched_run_until from a process");
	while (!done(arg)) {
		struct list_node *n = list_first(&fake_runq);

		if (!n || ++runs > 100000) {
			fake_idle_stuck++;
			return;
		}
		fake_user_return(list_entry(n, struct proc, run_link));
		proc_free_dead();
	}
}

void sched_drop_mm(void)
{
}

/* No tables are loaded on the host: the exiting process's space is put at once. */
void sched_put_mm_at_switch(struct aspace *as)
{
	as_put(as);
}

void sched_reset(void)
{
	fake_cur = NULL;
	fake_top = NULL;
	list_init(&fake_runq);
}

/* proc.c's proc_kill: the running process dies of `sig` (sys_ptrace.c, registers it cannot resume with). */
void proc_kill(int sig, uint64_t addr, uint64_t rip)
{
	proc_do_exit(proc_current(), sig);
}

/* ---------------------------------------------------------------- arch, files, user memory */

uint64_t user_clock_mono_ns(void)
{
	return fake_now_ns;
}

void user_fpu_save(void *buf)
{
	memset(buf, 0, USER_FPU_SIZE);
}

void user_fpu_restore(void *buf)
{
}

void user_fpu_reset(void)
{
}

/* No protection keys on the fake machine: PKRU reads 0, frames hold the fxsave image alone. */
uint32_t user_pkru_get(void)
{
	return 0;
}

void user_pkru_set(uint32_t pkru)
{
}

size_t user_sigframe_fpu_size(void)
{
	return USER_FPU_SIZE;
}

void user_sigframe_fpu_fill(uint8_t *buf, uint32_t pkru)
{
}

size_t user_sigframe_fpu_extent(const uint8_t *buf)
{
	return USER_FPU_SIZE;
}

uint32_t user_sigframe_pkru(const uint8_t *buf, size_t size)
{
	return USER_PKRU_INIT;
}

void user_prepare_start(struct proc_kctx *ctx, struct uregs *regs)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->rsp = (uint64_t)regs;
}

/* sys_fd.c's proc_files_exit. */
void proc_files_exit(struct proc *p)
{
	fdt_destroy(p->fdt);
	p->fdt = NULL;
	if (p->cwd)
		vfs_put(p->cwd);
	p->cwd = NULL;
}

int copy_to_user(uint64_t udst, const void *src, size_t n)
{
	if (n && udst < FAKE_USER_MIN)
		return -EFAULT;
	memcpy((void *)udst, src, n);
	return 0;
}

int copy_from_user(void *dst, uint64_t usrc, size_t n)
{
	if (n && usrc < FAKE_USER_MIN)
		return -EFAULT;
	memcpy(dst, (const void *)usrc, n);
	return 0;
}

/* itimer.c's proc_itimers_exit: the host tests arm no timers. */
void proc_itimers_exit(struct proc *p)
{
	(void)p;
}

/* itimer.c's proc_itimers_move: no timers to move. */
void proc_itimers_move(struct proc *to, struct proc *from)
{
	(void)to;
	(void)from;
}

/* proc.c's proc_record_end: the tests read the wait status themselves. */
void proc_record_end(struct proc *p, int status)
{
	(void)p;
	(void)status;
}

/* futex.c's futex_mm_release: no other user of the space to wake here; the word is forgotten. */
void futex_mm_release(struct proc *p)
{
	p->tid_address = 0;
}

/* futex.c's futex_reset: no futex waits on the host. */
void futex_reset(void)
{
}

/* proc_procfs.c's proc_procfs_reaped: no /proc on the host. */
void proc_procfs_reaped(int pid)
{
	(void)pid;
}

/* exec.c's exec_fork_path: the host tests never exec, so no process owns a path. */
int exec_fork_path(struct proc *c, const struct proc *p)
{
	(void)p;
	c->path_owned = NULL;
	return 0;
}

/* exec.c's exec_proc_free. */
void exec_proc_free(struct proc *p)
{
	kfree(p->path_owned);
	p->path_owned = NULL;
}
