/*
 * What runtimes ask of the kernel at start-up and now and then: robust
 * futex lists, rseq, the process name, capabilities, memory and usage
 * totals, CPU affinity.
 * Results and errnos are Linux's for a single-threaded root process on one
 * CPU.
 */
#include "kernel/proc.h"
#include "kernel/usercopy.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/aspace.h"
#include "mm/pmm.h"
#include "proc_internal.h"
#include "sys.h"

#define SYS_getrusage 98
#define SYS_sysinfo 99
#define SYS_capget 125
#define SYS_capset 126
#define SYS_process_vm_readv 310
#define SYS_process_vm_writev 311
#define SYS_ptrace 101
#define SYS_prctl 157
#define SYS_sched_getaffinity 204
#define SYS_set_robust_list 273
#define SYS_get_robust_list 274
#define SYS_rseq 334

#define SYS_ROBUST_HEAD_LEN 24  /* sizeof(struct robust_list_head) */
#define SYS_RSEQ_ORIG_SIZE 32   /* ORIG_RSEQ_SIZE, also the struct's alignment */
#define SYS_RSEQ_UNREGISTER 1
#define SYS_RSEQ_CPU_UNINIT 0xffffffffu /* RSEQ_CPU_ID_UNINITIALIZED */
#define PR_SET_PDEATHSIG 1
#define PR_GET_PDEATHSIG 2
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define PR_SET_CHILD_SUBREAPER 36
#define PR_SET_MDWE 65
#define PR_GET_MDWE 66
#define PR_GET_CHILD_SUBREAPER 37
#define CAP_V1 0x19980330
#define CAP_V2 0x20071026
#define CAP_V3 0x20080522
#define RUSAGE_SELF 0
#define RUSAGE_CHILDREN (-1)
#define RUSAGE_THREAD 1

/* set_robust_list(2): record the head; EINVAL unless len is the head's size. */
static long sys_set_robust_list(struct proc *p, uint64_t head, uint64_t len)
{
	if (len != SYS_ROBUST_HEAD_LEN)
		return -EINVAL;
	p->robust_list = head;
	return 0;
}

/* get_robust_list(2) of pid 0 or ourselves: the recorded head and its size. */
static long sys_get_robust_list(struct proc *p, int64_t pid, uint64_t head_ptr,
				uint64_t len_ptr)
{
	uint64_t len = SYS_ROBUST_HEAD_LEN;

	if (!proc_lookup(p, (int32_t)pid))
		return -ESRCH;
	if (copy_to_user(len_ptr, &len, sizeof(len)))
		return -EFAULT;
	return copy_to_user(head_ptr, &p->robust_list, sizeof(p->robust_list));
}

/*
 * Write the rseq area's cpu_id_start, cpu_id, node_id and mm_cid as the
 * return to user mode does (cpu_id = `cpu`: 0 on our one CPU, or
 * RSEQ_CPU_ID_UNINITIALIZED on unregistering). Returns 0 or -EFAULT.
 */
static int sys_rseq_write(uint64_t rseq, uint32_t cpu)
{
	uint32_t ids[2] = { 0, cpu }, node_cid[2] = { 0, 0 };

	if (copy_to_user(rseq, ids, sizeof(ids)))
		return -EFAULT;
	return copy_to_user(rseq + 20, node_cid, sizeof(node_cid));
}

/* rseq(2) unregistration: EINVAL for another area or length, EPERM for another signature. */
static long sys_rseq_unregister(struct proc *p, uint64_t rseq, uint32_t len, uint32_t flags,
				uint32_t sig)
{
	if (flags & ~SYS_RSEQ_UNREGISTER)
		return -EINVAL;
	if (!p->rseq || p->rseq != rseq || len != p->rseq_len)
		return -EINVAL;
	if (p->rseq_sig != sig)
		return -EPERM;
	if (sys_rseq_write(rseq, SYS_RSEQ_CPU_UNINIT))
		return -EFAULT;
	p->rseq = 0;
	p->rseq_len = p->rseq_sig = 0;
	return 0;
}

/*
 * rseq(2), Linux 6.3+ rules: registering again is EBUSY (EINVAL for another
 * area or length, EPERM for another signature); a new area needs len >= 32
 * and 32-byte alignment (EINVAL) inside the user half (EFAULT). The ids are
 * written at once, as the return to user mode does; when that faults the
 * program dies of SIGSEGV, as Linux's force_sigsegv.
 */
static long sys_rseq(struct proc *p, struct uregs *r)
{
	uint64_t rseq = r->rdi;
	uint32_t len = (uint32_t)r->rsi, flags = (uint32_t)r->rdx, sig = (uint32_t)r->r10;

	if (flags & SYS_RSEQ_UNREGISTER)
		return sys_rseq_unregister(p, rseq, len, flags, sig);
	if (flags)
		return -EINVAL;
	if (p->rseq) {
		if (p->rseq != rseq || len != p->rseq_len)
			return -EINVAL;
		return p->rseq_sig != sig ? -EPERM : -EBUSY;
	}
	if (len < SYS_RSEQ_ORIG_SIZE || !IS_ALIGNED(rseq, SYS_RSEQ_ORIG_SIZE))
		return -EINVAL;
	if (!user_range_ok(rseq, len))
		return -EFAULT;
	p->rseq = rseq;
	p->rseq_len = len;
	p->rseq_sig = sig;
	if (sys_rseq_write(rseq, 0))
		proc_kill(SIGSEGV, rseq, r->rip);
	return 0;
}

/*
 * PR_SET_MDWE (Linux's prctl_set_mdwe): EINVAL for other bits, for arg3..5
 * not 0 or NO_INHERIT without REFUSE_EXEC_GAIN; EPERM to change bits once set.
 */
static long sys_prctl_set_mdwe(struct proc *p, uint64_t bits, const struct uregs *r)
{
	unsigned cur = as_mdwe(p->as);

	if (r->rdx || r->r10 || r->r8)
		return -EINVAL;
	if (bits & ~(uint64_t)(AS_MDWE_REFUSE_EXEC_GAIN | AS_MDWE_NO_INHERIT))
		return -EINVAL;
	if ((bits & AS_MDWE_NO_INHERIT) && !(bits & AS_MDWE_REFUSE_EXEC_GAIN))
		return -EINVAL;
	if (cur && cur != bits)
		return -EPERM;
	as_set_mdwe(p->as, (unsigned)bits);
	return 0;
}

/*
 * The capability options of prctl (cred_prctl); EINVAL for any other
 * option. A change of the sets reaches the address space.
 */
static long sys_prctl_cred(struct proc *p, int64_t option, uint64_t arg2, const struct uregs *r)
{
	long ret = cred_prctl(&p->cred, (int32_t)option, arg2, r->rdx, r->r10, r->r8);

	if (ret == -ENOSYS)
		return -EINVAL;
	proc_cred_changed(p);
	return ret;
}

/*
 * prctl(2): PR_SET_NAME and PR_GET_NAME (16 bytes, NUL-terminated);
 * PR_SET_PDEATHSIG (0..64, else EINVAL) and PR_GET_PDEATHSIG (an int);
 * PR_SET_CHILD_SUBREAPER (any non-zero sets) and PR_GET_CHILD_SUBREAPER
 * (an int, 0 or 1); PR_SET_MDWE / PR_GET_MDWE; the capability options
 * (sys_prctl_cred); EFAULT; EINVAL for other options.
 */
static long sys_prctl(struct proc *p, int64_t option, uint64_t arg2, const struct uregs *r)
{
	char comm[PROC_COMM_LEN];
	int32_t v;

	switch ((int32_t)option) {
	case PR_SET_PDEATHSIG:
		if (arg2 > SIG_NSIG)
			return -EINVAL;
		p->pdeath_sig = (int)arg2;
		return 0;
	case PR_GET_PDEATHSIG:
		v = p->pdeath_sig;
		return copy_to_user(arg2, &v, sizeof(v));
	case PR_SET_CHILD_SUBREAPER:
		p->is_subreaper = arg2 != 0;
		return 0;
	case PR_GET_CHILD_SUBREAPER:
		v = p->is_subreaper;
		return copy_to_user(arg2, &v, sizeof(v));
	case PR_SET_NAME:
		memset(comm, 0, sizeof(comm));
		if (strncpy_from_user(comm, arg2, sizeof(comm) - 1) < 0)
			return -EFAULT;
		memcpy(p->comm, comm, sizeof(comm));
		return 0;
	case PR_GET_NAME:
		return copy_to_user(arg2, p->comm, sizeof(p->comm));
	case PR_SET_MDWE:
		return sys_prctl_set_mdwe(p, arg2, r);
	case PR_GET_MDWE:
		return arg2 || r->rdx || r->r10 || r->r8 ? -EINVAL : (long)as_mdwe(p->as);
	default:
		return sys_prctl_cred(p, option, arg2, r);
	}
}

/*
 * Linux's cap_validate_magic: the 32-bit words per set a header's version
 * asks for (1 for v1, 2 for v2 and v3); an unknown version gets v3 written
 * back and -EINVAL. -EFAULT.
 */
static int sys_cap_version(uint64_t hdr, size_t *words)
{
	uint32_t v;

	if (copy_from_user(&v, hdr, sizeof(v)))
		return -EFAULT;
	if (v == CAP_V1 || v == CAP_V2 || v == CAP_V3) {
		*words = v == CAP_V1 ? 1 : 2;
		return 0;
	}
	v = CAP_V3;
	return copy_to_user(hdr, &v, sizeof(v)) ? -EFAULT : -EINVAL;
}

/*
 * capget(2): the effective, permitted and inheritable sets of the header's
 * pid (0: the caller) as `words` {effective, permitted, inheritable} 32-bit
 * triples (v1: the low 32 capabilities). A NULL data pointer is a probe: 0,
 * even for an unknown version (written back). EINVAL for a negative pid or
 * an unknown version, ESRCH for no such process, EFAULT.
 */
static long sys_capget(struct proc *p, uint64_t hdr, uint64_t data)
{
	const struct proc_cred *c;
	uint32_t d[6];
	size_t words;
	int32_t pid;
	int err = sys_cap_version(hdr, &words);
	struct proc *t;

	if (!data || err)
		return !data && err == -EINVAL ? 0 : err;
	if (copy_from_user(&pid, hdr + 4, sizeof(pid)))
		return -EFAULT;
	if (pid < 0)
		return -EINVAL;
	t = proc_lookup(p, pid);
	if (!t)
		return -ESRCH;
	c = &t->cred;
	for (size_t i = 0; i < 2; i++) {
		d[i * 3] = (uint32_t)(c->cap_eff >> (32 * i));
		d[i * 3 + 1] = (uint32_t)(c->cap_prm >> (32 * i));
		d[i * 3 + 2] = (uint32_t)(c->cap_inh >> (32 * i));
	}
	return copy_to_user(data, d, words * 3 * sizeof(d[0]));
}

/*
 * capset(2) of the caller's own sets (pid 0 or its own, else EPERM) from
 * `words` triples (v1: the upper capabilities 0), under cred_capset's
 * rules (EPERM). EINVAL for an unknown version (written back), EFAULT.
 */
static long sys_capset(struct proc *p, uint64_t hdr, uint64_t data)
{
	uint32_t d[6] = { 0 };
	uint64_t set[3];
	size_t words;
	int32_t pid;
	int err = sys_cap_version(hdr, &words);

	if (err)
		return err;
	if (copy_from_user(&pid, hdr + 4, sizeof(pid)))
		return -EFAULT;
	if (pid != 0 && pid != p->pid)
		return -EPERM;
	if (copy_from_user(d, data, words * 3 * sizeof(d[0])))
		return -EFAULT;
	for (size_t i = 0; i < 3; i++)
		set[i] = ((uint64_t)d[i] | (uint64_t)d[i + 3] << 32) & CAP_FULL_SET;
	err = cred_capset(&p->cred, set[0], set[1], set[2]);
	if (!err)
		proc_cred_changed(p);
	return err;
}

/* sysinfo(2): uptime (rounded up), memory totals from the frame allocator, one process. */
static long sys_sysinfo(uint64_t info)
{
	struct {
		int64_t uptime;
		uint64_t loads[3];
		uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
		uint16_t procs, pad;
		uint64_t totalhigh, freehigh;
		uint32_t mem_unit;
		char f[4];
	} si;
	uint64_t ns = user_clock_mono_ns();

	_Static_assert(sizeof(si) == 112, "struct sysinfo is 112 bytes");
	memset(&si, 0, sizeof(si));
	si.uptime = (int64_t)(ns / SYS_NSEC_PER_SEC + (ns % SYS_NSEC_PER_SEC ? 1 : 0));
	si.totalram = pmm_total_frames() * PAGE_SIZE;
	si.freeram = pmm_free_frames() * PAGE_SIZE;
	si.procs = 1;
	si.mem_unit = 1;
	return copy_to_user(info, &si, sizeof(si));
}

/*
 * getrusage(2): RUSAGE_SELF and RUSAGE_THREAD report the CPU time used so
 * far (time asleep excluded), split into system time (serving syscalls)
 * and user time (the rest, page faults included), and as ru_maxrss (KiB)
 * the largest VmHWM of the process's spaces, the current one's and those
 * it gave up at exec (Linux's signal->maxrss); RUSAGE_CHILDREN has the
 * largest ru_maxrss of the children waited for, its times zero (children's
 * time is not accounted). EINVAL for another `who`, EFAULT.
 */
static long sys_getrusage(struct proc *p, int64_t who, uint64_t uru)
{
	struct {
		struct sys_timeval utime, stime;
		int64_t maxrss, rest[13];
	} ru;
	uint64_t ns, cpu;

	_Static_assert(sizeof(ru) == 144, "struct rusage is 144 bytes");
	if ((int32_t)who != RUSAGE_SELF && (int32_t)who != RUSAGE_CHILDREN &&
	    (int32_t)who != RUSAGE_THREAD)
		return -EINVAL;
	memset(&ru, 0, sizeof(ru));
	if ((int32_t)who != RUSAGE_CHILDREN) {
		cpu = sys_cpu_ns(p);
		ns = cpu > p->sys_ns ? cpu - p->sys_ns : 0;
		ru.utime.tv_sec = (int64_t)(ns / SYS_NSEC_PER_SEC);
		ru.utime.tv_usec = (int64_t)(ns % SYS_NSEC_PER_SEC / 1000);
		ru.stime.tv_sec = (int64_t)(p->sys_ns / SYS_NSEC_PER_SEC);
		ru.stime.tv_usec = (int64_t)(p->sys_ns % SYS_NSEC_PER_SEC / 1000);
		ru.maxrss = (int64_t)proc_maxrss_kb(p, PROC_MAXRSS_SELF);
	} else {
		ru.maxrss = (int64_t)proc_maxrss_kb(p, PROC_MAXRSS_CHILDREN);
	}
	return copy_to_user(uru, &ru, sizeof(ru));
}

/*
 * sched_getaffinity(2): CPU 0 only. EINVAL when len is 0 or not a multiple
 * of 8, ESRCH for another pid, EFAULT; returns the bytes written (8).
 */
static long sys_sched_getaffinity(int64_t pid, uint64_t len, uint64_t umask)
{
	uint64_t mask = 1;

	len = (uint32_t)len;
	if (len * 8 < 1 || (len & (sizeof(uint64_t) - 1)))
		return -EINVAL;
	if (!proc_lookup(proc_current(), (int32_t)pid))
		return -ESRCH;
	if (copy_to_user(umask, &mask, sizeof(mask)))
		return -EFAULT;
	return sizeof(mask);
}

long sys_misc(struct proc *p, uint64_t nr, struct uregs *r)
{
	switch (nr) {
	case SYS_set_robust_list: return sys_set_robust_list(p, r->rdi, r->rsi);
	case SYS_get_robust_list:
		return sys_get_robust_list(p, (int64_t)r->rdi, r->rsi, r->rdx);
	case SYS_rseq: return sys_rseq(p, r);
	case SYS_prctl: return sys_prctl(p, (int64_t)r->rdi, r->rsi, r);
	case SYS_capget: return sys_capget(p, r->rdi, r->rsi);
	case SYS_capset: return sys_capset(p, r->rdi, r->rsi);
	case SYS_process_vm_readv: case SYS_process_vm_writev: return sys_process_vm(p, nr, r);
	case SYS_ptrace: return sys_ptrace(p, r);
	case SYS_sysinfo: return sys_sysinfo(r->rdi);
	case SYS_getrusage: return sys_getrusage(p, (int64_t)r->rdi, r->rsi);
	case SYS_sched_getaffinity:
		return sys_sched_getaffinity((int64_t)r->rdi, r->rsi, r->rdx);
	default:
		proc_unknown_syscall(p, nr);
		return -ENOSYS;
	}
}
