/*
 * The scheduler: a run queue, sleepers with deadlines, the switch between
 * processes and the idle context. See include/kernel/sched.h.
 */
#include "arch/x86_64/cpu.h"
#include "kernel/itimer.h"
#include "kernel/proc.h"
#include "kernel/sched.h"
#include "kernel/usercopy.h"
#include "lib/assert.h"
#include "lib/errno.h"
#include "mm/aspace.h"
#include "mm/mmarch.h"
#include "proc_internal.h"

#define SCHED_SLICE_NS (SCHED_SLICE_MS * 1000000ULL)

static struct list_node sched_runq = { &sched_runq, &sched_runq };
static struct list_node sched_timed = { &sched_timed, &sched_timed }; /* sleepers with a deadline */
static struct proc *sched_cur;          /* NULL: the idle context runs */
static struct proc_kctx sched_idle_ctx; /* proc_run's context while a process runs */
static paddr_t sched_kernel_root;       /* the idle context's page tables */
static uint64_t sched_kernel_fs, sched_kernel_gs;
static bool sched_resched;              /* the running process's slice is over */
static struct aspace *sched_dead_mm;    /* sched_put_mm_at_switch's space, put at the switch */

struct proc *proc_current(void)
{
	return sched_cur;
}

/* Queue `p` (runnable) at the tail of the run queue. */
static void sched_enqueue(struct proc *p)
{
	list_add_tail(&sched_runq, &p->run_link);
}

/* The process at the head of the run queue, taken off it; NULL when none. */
static struct proc *sched_dequeue(void)
{
	struct list_node *n = list_first(&sched_runq);

	if (!n)
		return NULL;
	list_del(n);
	return list_entry(n, struct proc, run_link);
}

/* Load the CPU state of `p` that the kernel switch does not carry. */
static void sched_load_proc(struct proc *p)
{
	paddr_t root = as_root(p->as);

	if (mm_current_root() != root)
		mm_load_root(root);
	user_set_kernel_stack((uint64_t)p->kstack + PROC_KSTACK_SIZE);
	usercopy_bind(p->as);
	user_set_fs(p->fs_base);
	user_set_gs(p->gs_base);
	user_fpu_load(p->fpu);
	user_pkru_set(p->pkru);
	p->slice_end_ns = user_clock_mono_ns() + SCHED_SLICE_NS;
}

/* Back to the idle context's page tables and bases. */
static void sched_load_kernel(void)
{
	mm_load_root(sched_kernel_root);
	usercopy_bind(NULL);
	user_set_fs(sched_kernel_fs);
	user_set_gs(sched_kernel_gs);
	user_pkru_set(0); /* the kernel's own: every key open */
}

/* Drop the space sched_put_mm_at_switch left, its tables no longer loaded. */
static void sched_put_dead_mm(void)
{
	struct aspace *as = sched_dead_mm;

	sched_dead_mm = NULL;
	as_put(as);
}

/* Switch from the running context to `next` (NULL: the idle context). */
static void sched_switch_to(struct proc *next)
{
	struct proc *prev = sched_cur;

	if (prev == next)
		return;
	if (prev && prev->as) {
		user_fpu_save(prev->fpu);
		prev->pkru = user_pkru_get();
	}
	if (next)
		sched_load_proc(next);
	else
		sched_load_kernel();
	sched_put_dead_mm();
	sched_cur = next;
	sched_resched = false;
	user_switch(prev ? &prev->kctx : &sched_idle_ctx,
		    next ? &next->kctx : &sched_idle_ctx);
	proc_free_dead();
}

/*
 * Give the CPU to the next runnable process; the running one, when still
 * runnable, goes to the tail first (so it runs on when it is alone).
 */
static void sched_schedule(void)
{
	struct proc *prev = sched_cur;

	if (prev && prev->state == PROC_RUNNABLE)
		sched_enqueue(prev);
	sched_switch_to(sched_dequeue());
}

/* Take sleeping `p` off its queue and deadline and make it runnable; its sleep returns `reason`. */
static void sched_wake(struct proc *p, long reason)
{
	if (p->state != PROC_SLEEPING)
		return;
	list_del(&p->wait_link);
	list_del(&p->timer_link);
	p->waiting_on = NULL;
	p->wake_reason = reason;
	p->state = PROC_RUNNABLE;
	sched_enqueue(p);
}

/* sched_sleep once the signal check passed: the sleep itself. */
static long sched_sleep_now(struct proc *p, struct waitq *wq, uint64_t deadline_ns)
{
	uint64_t t0 = user_clock_mono_ns();

	if (deadline_ns <= t0)
		return -ETIMEDOUT;
	p->state = PROC_SLEEPING;
	p->wake_reason = 0;
	p->waiting_on = wq;
	if (wq)
		list_add_tail(&wq->sleepers, &p->wait_link);
	p->wake_at = deadline_ns;
	if (deadline_ns != SCHED_FOREVER)
		list_add_tail(&sched_timed, &p->timer_link);
	sched_schedule();
	p->idle_ns += user_clock_mono_ns() - t0;
	return p->wake_reason;
}

long sched_sleep(struct waitq *wq, uint64_t deadline_ns)
{
	struct proc *p = sched_cur;

	KASSERT(p);
	if (proc_sig_wakes(p))
		return -EINTR;
	return sched_sleep_now(p, wq, deadline_ns);
}

long sched_sleep_killable(struct waitq *wq, uint64_t deadline_ns)
{
	struct proc *p = sched_cur;

	KASSERT(p);
	if (p->sig.pending & SIG_BIT(SIGKILL))
		return -EINTR;
	return sched_sleep_now(p, wq, deadline_ns);
}

void sched_wake_all(struct waitq *wq)
{
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &wq->sleepers)
		sched_wake(list_entry(n, struct proc, wait_link), 0);
}

void sched_interrupt(struct proc *p)
{
	sched_wake(p, -EINTR);
}

void sched_yield(void)
{
	sched_schedule();
}

void sched_tick(uint64_t now_ns)
{
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &sched_timed) {
		struct proc *p = list_entry(n, struct proc, timer_link);

		if (p->wake_at <= now_ns)
			sched_wake(p, -ETIMEDOUT);
	}
	proc_itimers_tick(sched_cur, now_ns); /* a tick with a process current interrupted ring 3 */
	if (sched_cur && now_ns >= sched_cur->slice_end_ns && !list_empty(&sched_runq))
		sched_resched = true;
}

void sched_preempt(void)
{
	if (sched_cur && sched_resched)
		sched_schedule();
}

void sched_start(struct proc *p)
{
	bool irqs = irq_save();

	list_init(&p->run_link);
	list_init(&p->wait_link);
	list_init(&p->timer_link);
	p->state = PROC_RUNNABLE;
	sched_enqueue(p);
	irq_restore(irqs);
}

void sched_exit(void)
{
	KASSERT(sched_cur && sched_cur->state == PROC_ZOMBIE);
	sched_schedule();
	panic("sched_exit: a dead process was switched to");
}

void sched_run_until(bool (*done)(void *arg), void *arg)
{
	bool irqs = irq_save(); /* the timer's tick moves sleepers to the run queue */

	KASSERT(!sched_cur);
	sched_kernel_root = mm_current_root();
	sched_kernel_fs = user_get_fs();
	sched_kernel_gs = user_get_gs();
	while (!done(arg)) {
		struct proc *next = sched_dequeue();

		if (next)
			sched_switch_to(next);
		else
			user_idle();
		proc_free_dead();
	}
	irq_restore(irqs);
}

void sched_drop_mm(void)
{
	sched_load_kernel();
}

void sched_put_mm_at_switch(struct aspace *as)
{
	KASSERT(!sched_dead_mm);
	usercopy_bind(NULL);
	sched_dead_mm = as;
}

void sched_reset(void)
{
	if (sched_cur)
		sched_load_kernel();
	sched_put_dead_mm();
	sched_cur = NULL;
	sched_resched = false;
	list_init(&sched_runq);
	list_init(&sched_timed);
}

void sched_stop(struct proc *p)
{
	KASSERT(p == sched_cur);
	p->state = PROC_STOPPED;
	sched_schedule();
}

void sched_continue(struct proc *p)
{
	if (p->state != PROC_STOPPED)
		return;
	p->state = PROC_RUNNABLE;
	sched_enqueue(p);
}
