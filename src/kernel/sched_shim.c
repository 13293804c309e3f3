/*
 * TEMPORARY: stands in for the scheduler (src/kernel/sched.c, being written
 * on another branch) so that the image links. With one process nothing can
 * wake a sleeper: sched_sleep halts until its deadline (SCHED_FOREVER: until
 * the test's watchdog ends it) and returns -ETIMEDOUT; sched_wake_all has no
 * sleeper to wake. Drop this file when sched.c is merged.
 */
#include "kernel/proc.h"
#include "kernel/sched.h"
#include "lib/errno.h"

long sched_sleep(struct waitq *wq, uint64_t deadline_ns)
{
	struct proc *p = proc_current();
	uint64_t t0 = user_clock_mono_ns();

	user_wait_until(deadline_ns);
	if (p)
		p->idle_ns += user_clock_mono_ns() - t0;
	return -ETIMEDOUT;
}

void sched_wake_all(struct waitq *wq)
{
}
