/*
 * The program runner: load, set up the initial stack, run in ring 3, end
 * cleanly whatever the program does. See include/kernel/proc.h.
 */
#include <stdarg.h>

#include "kernel/boot.h"
#include "kernel/console.h"
#include "kernel/elf.h"
#include "kernel/exec.h"
#include "kernel/proc.h"
#include "kernel/trap.h"
#include "kernel/usercopy.h"
#include "arch/x86_64/gdt.h"
#include "lib/assert.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/aspace.h"
#include "mm/heap.h"
#include "mm/mmarch.h"
#include "mm/pmm.h"
#include "mm/vmarea.h"

#define PROC_RFLAGS_INIT 0x202ULL   /* IF and the reserved bit */

static struct proc *proc_cur;  /* running in ring 3 (or in a syscall or trap) */
static struct proc *proc_live; /* allocated by proc_run, not yet freed */
static proc_diag_fn proc_diag_hook;
static paddr_t proc_saved_root;
static uint64_t proc_saved_fs, proc_saved_gs;

struct proc *proc_current(void)
{
	return proc_cur;
}

/*
 * Default resource limits: RLIMIT_STACK and RLIMIT_MEMLOCK 8 MiB,
 * RLIMIT_NOFILE 1024 (hard 4096), everything else unlimited.
 */
static void proc_rlimits(struct proc *p)
{
	for (size_t i = 0; i < PROC_RLIM_NLIMITS; i++)
		p->rlim[i].cur = p->rlim[i].max = PROC_RLIM_INFINITY;
	p->rlim[PROC_RLIM_STACK].cur = AS_STACK_LIMIT;
	p->rlim[PROC_RLIM_NOFILE].cur = PROC_NOFILE_CUR;
	p->rlim[PROC_RLIM_NOFILE].max = PROC_NOFILE_MAX;
	p->rlim[PROC_RLIM_MEMLOCK].cur = p->rlim[PROC_RLIM_MEMLOCK].max = AS_MEMLOCK_DEFAULT;
}

/*
 * Kernel stack, address space, image and stack. The kernel stack comes first
 * so that the kernel half the new address space copies already maps it.
 * Returns 0 or -errno with res->why.
 */
static int proc_setup(struct proc *p, const void *img, size_t size,
		      struct elf_info *info, uint64_t *sp)
{
	char *why = p->res->why;
	size_t wl = sizeof(p->res->why);
	int err;

	if (exec_take_image_path(p)) {
		ksnprintf(why, wl, "proc: no memory for the program's path");
		return -ENOMEM;
	}
	p->kstack = vmarea_alloc(PROC_KSTACK_SIZE, 0);
	if (!p->kstack) {
		ksnprintf(why, wl, "proc: no memory for a kernel stack");
		return -ENOMEM;
	}
	if (proc_files_init(p)) {
		ksnprintf(why, wl, "proc: no memory for the file table");
		return -ENOMEM;
	}
	p->as = as_create();
	if (!p->as) {
		ksnprintf(why, wl, "proc: no memory for an address space");
		return -ENOMEM;
	}
	as_set_memlock(p->as, p->rlim[PROC_RLIM_MEMLOCK].cur, AS_CAP_IPC_LOCK); /* uid 0 */
	err = elf_load(p->as, img, size, info, why, wl);
	if (err)
		return err;
	err = as_stack_init(p->as, PROC_STACK_TOP, EXEC_STACK_INITIAL);
	if (!err)
		err = exec_first_stack(p, info, sp);
	if (err) {
		ksnprintf(why, wl, "proc: cannot set up the stack (%d)", err);
		return err;
	}
	return 0;
}

/* Back to the kernel's own state after the program ended or was aborted. */
static void proc_leave_cpu(void)
{
	mm_load_root(proc_saved_root);
	user_set_fs(proc_saved_fs);
	user_set_gs(proc_saved_gs);
	usercopy_bind(NULL);
	proc_cur = NULL;
}

/* How proc_free treats the address space it destroys. */
enum proc_free_mode {
	PROC_FREE_CHECK,   /* the program ended: check its address space first */
	PROC_FREE_ABANDON, /* torn down mid-flight (proc_abort): no check */
};

/*
 * Free everything the program holds; safe on a partly set up proc. With
 * PROC_FREE_CHECK, returns as_check's verdict on the address space (0 or
 * -EINVAL: whatever the program did, it must still be sound), else 0.
 */
static int proc_free(struct proc *p, enum proc_free_mode mode)
{
	int err = 0;

	if (p->as && mode == PROC_FREE_CHECK)
		err = as_check(p->as);
	proc_files_exit(p);
	exec_proc_free(p);
	as_destroy(p->as);
	vmarea_free(p->kstack);
	kfree(p);
	return err;
}

void proc_abort(void)
{
	if (proc_cur)
		proc_leave_cpu();
	if (proc_live)
		proc_free(proc_live, PROC_FREE_ABANDON);
	proc_live = NULL;
}

proc_diag_fn proc_set_diag_hook(proc_diag_fn fn)
{
	proc_diag_fn old = proc_diag_hook;

	proc_diag_hook = fn;
	return old;
}

/* Hand one diagnostic line about `p` to the diag hook (PROC_DIAG runs only). */
__attribute__((format(printf, 2, 3)))
static void proc_diag(const struct proc *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!(p->flags & PROC_DIAG) || !proc_diag_hook)
		return;
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	proc_diag_hook(p->name, msg);
}

/* Frame the exit status on COM2: "@@BOOTMM status <len> <name>\n<n>\n". */
static void proc_frame_status(const struct proc *p, int status)
{
	char body[16], head[320];
	int n = ksnprintf(body, sizeof(body), "%d\n", status);
	int h = ksnprintf(head, sizeof(head), "@@BOOTMM status %d %s\n", n, p->name);

	com2_write(head, (size_t)h);
	com2_write(body, (size_t)n);
}

/* Enter ring 3 at `entry` with stack `sp`; returns when the program has ended. */
static void proc_enter(struct proc *p, vaddr_t entry, uint64_t sp)
{
	uint64_t top = (uint64_t)p->kstack + PROC_KSTACK_SIZE;
	struct uregs *regs = (struct uregs *)(top - sizeof(*regs));
	long status;

	memset(regs, 0, sizeof(*regs));
	regs->rip = entry;
	regs->rsp = sp;
	regs->cs = GDT_USER_CS;
	regs->ss = GDT_USER_DS;
	regs->rflags = PROC_RFLAGS_INIT;
	user_arch_init();
	user_fpu_reset();
	p->start_ns = user_clock_mono_ns();
	proc_saved_root = mm_current_root();
	proc_saved_fs = user_get_fs();
	proc_saved_gs = user_get_gs();
	user_set_kernel_stack(top);
	usercopy_bind(p->as);
	proc_cur = p;
	mm_load_root(as_root(p->as));
	user_set_fs(0);
	user_set_gs(0);
	status = user_enter(&p->kctx, regs);
	proc_leave_cpu();
	p->res->status = (int)status;
	if (p->flags & PROC_OUT_COM2)
		proc_frame_status(p, (int)status);
}

int proc_run(const char *name, const void *img, size_t size, unsigned flags,
	     struct proc_result *res)
{
	struct proc *p;
	struct elf_info info;
	uint64_t sp = 0;
	int err;

	memset(res, 0, sizeof(*res));
	p = kzalloc(sizeof(*p));
	if (!p) {
		ksnprintf(res->why, sizeof(res->why), "proc: out of memory");
		return -ENOMEM;
	}
	p->name = name;
	ksnprintf(p->path_buf, sizeof(p->path_buf), "/%s", name);
	p->path = p->path_buf;
	ksnprintf(p->comm, sizeof(p->comm), "%s", name);
	p->flags = flags;
	p->res = res;
	sig_init(&p->sig);
	proc_rlimits(p);
	proc_live = p;
	err = proc_setup(p, img, size, &info, &sp);
	if (!err)
		proc_enter(p, info.entry, sp);
	proc_live = NULL;
	res->as_check = proc_free(p, PROC_FREE_CHECK);
	return err;
}

void proc_exit(int status)
{
	struct proc *p = proc_cur;

	KASSERT(p);
	user_leave(&p->kctx, status & 0xff);
}

/* Describe the VMA around addr ("[start, end) rwx" or "none") into buf. */
static void proc_describe_vma(const struct proc *p, uint64_t addr, char *buf,
			      size_t size)
{
	struct as_vma_info vi;

	if (!as_vma_at(p->as, addr, &vi)) {
		ksnprintf(buf, size, "none");
		return;
	}
	ksnprintf(buf, size, "[0x%lx, 0x%lx) %c%c%c", vi.start, vi.end,
		  (vi.prot & PROT_READ) ? 'r' : '-', (vi.prot & PROT_WRITE) ? 'w' : '-',
		  (vi.prot & PROT_EXEC) ? 'x' : '-');
}

/* Signal names for diagnostics. */
static const char *proc_signame(int sig)
{
	switch (sig) {
	case SIGILL: return "SIGILL";
	case SIGTRAP: return "SIGTRAP";
	case SIGABRT: return "SIGABRT";
	case SIGBUS: return "SIGBUS";
	case SIGFPE: return "SIGFPE";
	case SIGKILL: return "SIGKILL";
	case SIGSEGV: return "SIGSEGV";
	default: return "signal";
	}
}

void proc_kill(int sig, uint64_t addr, uint64_t rip)
{
	struct proc *p = proc_cur;
	char vma[64];

	KASSERT(p);
	proc_describe_vma(p, addr, vma, sizeof(vma));
	p->res->signal = sig;
	p->res->fault_addr = addr;
	p->res->fault_rip = rip;
	if (p->killed_by_self)
		ksnprintf(p->res->why, sizeof(p->res->why),
			  "killed by %s (%d) it sent itself, RIP 0x%lx",
			  proc_signame(sig), sig, rip);
	else
		ksnprintf(p->res->why, sizeof(p->res->why),
			  "killed by %s (%d): address 0x%lx, RIP 0x%lx, VMA %s",
			  proc_signame(sig), sig, addr, rip, vma);
	proc_diag(p, "%s", p->res->why);
	user_leave(&p->kctx, 128 + sig);
}

void proc_output(struct proc *p, int fd, const void *buf, size_t n)
{
	struct proc_result *r = p->res;
	char head[320];
	int h;

	if (fd == 1) {
		size_t room = sizeof(r->out) - r->out_len;

		memcpy(r->out + r->out_len, buf, MIN(room, n));
		r->out_len += MIN(room, n);
		r->out_bytes += n;
	} else {
		r->err_bytes += n;
	}
	if (!(p->flags & PROC_OUT_COM2) || n == 0)
		return;
	h = ksnprintf(head, sizeof(head), "@@BOOTMM %s %zu %s\n",
		      fd == 1 ? "out" : "err", n, p->name);
	com2_write(head, (size_t)h);
	com2_write(buf, n);
}

void proc_unknown_syscall(struct proc *p, uint64_t nr)
{
	const char *name = syscall_name(nr);

	p->res->unknown++;
	if (nr < 64 * ARRAY_SIZE(p->unknown_seen)) {
		if (p->unknown_seen[nr / 64] & (1ULL << (nr % 64)))
			return;
		p->unknown_seen[nr / 64] |= 1ULL << (nr % 64);
	}
	proc_diag(p, "unimplemented syscall %lu (%s)", nr, name ? name : "?");
}

/*
 * A page fault that no free frame can serve: end the program with SIGKILL
 * (status 137), as Linux's OOM killer does, saying so with the free-frame
 * count.
 */
static __attribute__((noreturn)) void proc_oom_kill(struct proc *p, uint64_t addr,
						    uint64_t rip)
{
	p->res->signal = SIGKILL;
	p->res->fault_addr = addr;
	p->res->fault_rip = rip;
	ksnprintf(p->res->why, sizeof(p->res->why),
		  "out of memory: killed by SIGKILL (9): page fault at 0x%lx, RIP 0x%lx, "
		  "%zu free frames", addr, rip, pmm_free_frames());
	proc_diag(p, "%s", p->res->why);
	user_leave(&p->kctx, 128 + SIGKILL);
}

/* Raise fault `f` in the program: run its handler, or end it. */
static void proc_signal(struct proc *p, struct uregs *regs,
			const struct sig_fault *f, uint64_t where)
{
	uint64_t rip = regs->rip;
	int err = sig_deliver(&p->sig, regs, f);

	if (!err && uregs_canonical(regs->rip))
		return;
	proc_kill(err == -EFAULT || !err ? SIGSEGV : f->signo, where, rip);
}

bool proc_pending_signals(struct proc *p, struct uregs *regs)
{
	int sig, code;

	while ((sig = sig_take_pending(&p->sig, &code)) != 0) {
		const struct k_sigaction *ka = &p->sig.act[sig - 1];
		struct sig_fault f = { sig, code, PROC_PID, 0, 0 };

		if (ka->handler == SIG_IGN ||
		    (ka->handler == SIG_DFL && sig_default_ignored(sig)))
			continue;
		p->killed_by_self = ka->handler == SIG_DFL;
		if (ka->handler == SIG_DFL)
			proc_kill(sig, 0, regs->rip);
		if (sig_deliver(&p->sig, regs, &f) || !uregs_canonical(regs->rip))
			proc_kill(SIGSEGV, regs->rsp, regs->rip);
		return true;
	}
	return false;
}

void proc_user_trap(unsigned vec, uint64_t error_code, uint64_t cr2,
		    struct uregs *regs)
{
	struct proc *p = proc_cur;
	struct sig_fault f;

	if (!p)
		panic("proc_user_trap: exception %u from ring 3 without a program", vec);
	if (vec != TRAP_VEC_PF) {
		sig_from_exception(vec, error_code, regs->rip, &f);
		proc_signal(p, regs, &f, regs->rip);
		return;
	}
	switch (as_fault(p->as, cr2, (unsigned)error_code)) {
	case AS_FAULT_OK:
		return;
	case AS_FAULT_OOM:
		proc_oom_kill(p, cr2, regs->rip);
	case AS_FAULT_ACCERR:
		f = (struct sig_fault){ SIGSEGV, SEGV_ACCERR, cr2, TRAP_VEC_PF, error_code };
		break;
	case AS_FAULT_SIGBUS:
		f = (struct sig_fault){ SIGBUS, BUS_ADRERR, cr2, TRAP_VEC_PF, error_code };
		break;
	default:
		f = (struct sig_fault){ SIGSEGV, SEGV_MAPERR, cr2, TRAP_VEC_PF, error_code };
		break;
	}
	proc_signal(p, regs, &f, cr2);
}
