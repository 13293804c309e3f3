/*
 * sys_lock: mlock, mlock2, munlock, mlockall, munlockall and mseal, straight
 * to the address space (include/kernel/sys_lock.h). Arguments are read as
 * Linux reads them: mlock2's and mlockall's flags as int, mseal's as
 * unsigned long.
 */
#include "kernel/sys_lock.h"
#include "kernel/syscall.h"
#include "lib/errno.h"
#include "mm/aspace.h"

#define SYS_RLIMIT_DATA 2 /* Linux's resource numbers (uapi asm-generic/resource.h) */
#define SYS_RLIMIT_AS 9

bool sys_lock_serves(uint64_t nr)
{
	switch (nr) {
	case SYS_mlock:
	case SYS_mlock2:
	case SYS_munlock:
	case SYS_mlockall:
	case SYS_munlockall:
	case SYS_mseal:
		return true;
	default:
		return false;
	}
}

long sys_lock(struct proc *p, uint64_t nr, const struct uregs *r)
{
	switch (nr) {
	case SYS_mlock:
		return as_mlock(p->as, r->rdi, r->rsi, 0);
	case SYS_mlock2:
		return as_mlock(p->as, r->rdi, r->rsi, (int)r->rdx);
	case SYS_munlock:
		return as_munlock(p->as, r->rdi, r->rsi);
	case SYS_mlockall:
		return as_mlockall(p->as, (int)r->rdi);
	case SYS_munlockall:
		return as_munlockall(p->as);
	case SYS_mseal:
		return as_mseal(p->as, r->rdi, r->rsi, r->rdx);
	default:
		return -ENOSYS;
	}
}

void sys_mm_rlimits_to(const struct proc *p, struct aspace *as)
{
	struct as_limits lim = {
		.as_bytes = p->rlim[SYS_RLIMIT_AS].cur,
		.data_bytes = p->rlim[SYS_RLIMIT_DATA].cur,
		.data_max_bytes = p->rlim[SYS_RLIMIT_DATA].max,
		.stack_bytes = p->rlim[PROC_RLIM_STACK].cur,
		.memlock_bytes = p->rlim[PROC_RLIM_MEMLOCK].cur,
	};

	_Static_assert(PROC_RLIM_INFINITY == AS_RLIM_INFINITY, "one RLIM_INFINITY");
	as_set_limits(as, &lim);
}

void sys_mm_rlimits(struct proc *p)
{
	if (p->as) /* none once the process has let go of its memory */
		sys_mm_rlimits_to(p, p->as);
}
