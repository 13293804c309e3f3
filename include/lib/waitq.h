/*
 * waitq: a wait queue, the data half. Lower layers (fs: pipes, sockets)
 * embed one where a process may wait for them to change; the scheduler
 * (include/kernel/sched.h: sched_sleep, sched_wake_all) puts processes on it
 * and takes them off. Nothing here sleeps.
 */
#ifndef LIB_WAITQ_H
#define LIB_WAITQ_H

#include "lib/list.h"

struct waitq {
	struct list_node sleepers; /* struct proc's wait_link, in arrival order */
};

/* An empty queue. */
static inline void waitq_init(struct waitq *wq)
{
	list_init(&wq->sleepers);
}

/* True when nobody sleeps on wq. */
static inline bool waitq_idle(const struct waitq *wq)
{
	return list_empty(&wq->sleepers);
}

#endif
