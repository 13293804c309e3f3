/*
 * itimer: alarm, setitimer and getitimer (ITIMER_REAL, ITIMER_VIRTUAL,
 * ITIMER_PROF) with Linux's rules.
 *
 * ITIMER_REAL runs on CLOCK_MONOTONIC: an armed one is on one list that the
 * timer tick walks (O(armed timers)); when due it sends SIGALRM (SI_KERNEL)
 * and stops, and, as Linux does, comes back with its interval when the
 * process takes that SIGALRM (proc_itimer_taken). ITIMER_VIRTUAL runs on the
 * user time the tick samples (a tick that interrupts ring 3 counts 1 ms to
 * the process it interrupted), ITIMER_PROF on that plus the time spent
 * serving syscalls; each sends SIGVTALRM or SIGPROF and re-arms with its
 * interval at once. Timers are not inherited by fork and die with their
 * process (proc_itimers_exit).
 */
#ifndef KERNEL_ITIMER_H
#define KERNEL_ITIMER_H

#include "lib/types.h"

struct proc;

#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2
#define ITIMER_TICK_NS 1000000ULL /* the tick: what Linux's TICK_NSEC is at HZ=1000 */

/*
 * The timer tick (interrupts off): fire the due ITIMER_REAL timers, and
 * account one tick of user time to `cur` (the process the tick interrupted
 * in ring 3; NULL when the idle context ran), firing its CPU timers.
 */
void proc_itimers_tick(struct proc *cur, uint64_t now_ns);

/* `p` took signal `sig` (delivered or waited for): SIGALRM re-arms an interval ITIMER_REAL. */
void proc_itimer_taken(struct proc *p, int sig);

/* `p` exits (or is freed): its timers stop. */
void proc_itimers_exit(struct proc *p);

/* exec's de_thread: the timers of leader `from` go to `to`, the thread taking its place. */
void proc_itimers_move(struct proc *to, struct proc *from);

/* Number of ITIMER_REAL timers armed now, over every process. */
unsigned proc_itimers_armed(void);

#endif
