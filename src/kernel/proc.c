/*
 * The program runner: load, set up the initial stack, run in ring 3, end
 * cleanly whatever the program does. See include/kernel/proc.h.
 */
#include <stdarg.h>

#include "kernel/boot.h"
#include "kernel/console.h"
#include "kernel/elf.h"
#include "kernel/exec.h"
#include "kernel/itimer.h"
#include "kernel/proc.h"
#include "kernel/sched.h"
#include "kernel/sys_lock.h"
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
#include "proc_internal.h"


static proc_diag_fn proc_diag_hook;

/* What the first process runs: bytes of no file, or a file of the tree. */
struct proc_image {
	const void *img;
	size_t size;
	struct vfs_node *file; /* when set: its mappings name it */
};

/*
 * Files, address space, image and stack (the kernel stack came with the
 * process). Returns 0 or -errno with res->why.
 */
static int proc_setup(struct proc *p, const struct proc_image *im, struct elf_info *info,
		      uint64_t *sp)
{
	char *why = p->res->why;
	size_t wl = sizeof(p->res->why);
	int err;

	if (exec_take_image_path(p)) {
		ksnprintf(why, wl, "proc: no memory for the program's path");
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
	as_set_memlock(p->as, p->rlim[PROC_RLIM_MEMLOCK].cur, cred_as_caps(&p->cred));
	sys_mm_rlimits(p);
	as_pick_layout(p->as, p->rlim[PROC_RLIM_STACK].cur); /* as exec does */
	if (im->file)
		err = exec_load_file(p->as, im->file, info, why, wl);
	else
		err = elf_load(p->as, im->img, im->size, NULL, info, why, wl);
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

void proc_abort(void)
{
	proc_tree_abandon();
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

/* Make the first process runnable at `entry` with stack `sp`, a clean x87/SSE state. */
static void proc_start_first(struct proc *p, vaddr_t entry, uint64_t sp)
{
	uint64_t top = (uint64_t)p->kstack + PROC_KSTACK_SIZE;
	struct uregs *regs = (struct uregs *)(top - sizeof(*regs));

	exec_set_regs(regs, entry, sp);
	user_prepare_start(&p->kctx, regs);
	user_fpu_reset();
	user_fpu_save(p->fpu);
	p->pkru = USER_PKRU_INIT;
	p->start_ns = user_clock_mono_ns();
	sched_start(p);
}

/* Name, path, command, flags and signal state of the first process. */
static void proc_init_first(struct proc *p, const char *name, unsigned flags)
{
	p->name = name;
	ksnprintf(p->path_buf, sizeof(p->path_buf), "/%s", name);
	p->path = p->path_buf;
	ksnprintf(p->comm, sizeof(p->comm), "%s", name);
	p->flags = flags;
	p->res = p->tree->res;
	sig_init(&p->sig);
}

/* A first process that could not start: give back what it holds (its space checked). */
static void proc_discard_first(struct proc *p)
{
	proc_files_exit(p);
	proc_release_mm(p);
	proc_tree_free(p);
}

/* proc_run and proc_run_file: run the image im as the first process. */
static int proc_run_image(const char *name, const struct proc_image *im, unsigned flags,
			  struct proc_result *res)
{
	struct proc *p;
	struct elf_info info;
	uint64_t sp = 0;
	int err;

	memset(res, 0, sizeof(*res));
	user_arch_init();
	proc_tree_begin(res, flags);
	p = proc_tree_alloc(NULL, &err);
	if (!p) {
		ksnprintf(res->why, sizeof(res->why), "proc: out of memory");
		return -ENOMEM;
	}
	proc_init_first(p, name, flags);
	err = proc_setup(p, im, &info, &sp);
	if (err) {
		proc_discard_first(p);
	} else {
		proc_start_first(p, info.entry, sp);
		proc_tree_run();
	}
	res->as_check = proc_tree_now()->as_check;
	return err;
}

int proc_run(const char *name, const void *img, size_t size, unsigned flags,
	     struct proc_result *res)
{
	const struct proc_image im = { .img = img, .size = size };

	return proc_run_image(name, &im, flags, res);
}

int proc_run_file(const char *name, struct vfs_node *file, unsigned flags,
		  struct proc_result *res)
{
	const struct proc_image im = { .file = file };

	return proc_run_image(name, &im, flags, res);
}

/* Wait status of death by `sig`: the core flag as Linux sets it when RLIMIT_CORE allows a dump. */
static int proc_signal_wstatus(const struct proc *p, int sig)
{
	bool core = sig_default_action(sig) == SIG_DEF_CORE && p->rlim[PROC_RLIM_CORE].cur != 0;

	return sig | (core ? 0x80 : 0);
}

void proc_record_end(struct proc *p, int status)
{
	if (p != p->tree->init)
		return;
	p->res->status = status;
	if (p->flags & PROC_OUT_COM2)
		proc_frame_status(p, status);
}

void proc_exit(int status)
{
	struct proc *p = proc_current();

	KASSERT(p);
	proc_group_exit(p, (status & 0xff) << 8);
}

void proc_exit_thread(int status)
{
	struct proc *p = proc_current();

	KASSERT(p);
	proc_do_exit(p, (status & 0xff) << 8);
}

/*
 * True when the group of p is ending already (exit_group, a fatal signal,
 * an exec's de_thread): a fatal signal then ends p alone.
 */
static bool proc_group_ending(const struct proc *p)
{
	return p->leader->group_exit || (p->leader->group_exec && p->leader->group_exec != p);
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
	struct proc *p = proc_current();
	char vma[64];

	KASSERT(p);
	if (proc_group_ending(p))
		proc_do_exit(p, proc_signal_wstatus(p, sig));
	if (p->leader != p->tree->init)
		proc_group_exit(p, proc_signal_wstatus(p, sig));
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
	proc_group_exit(p, proc_signal_wstatus(p, sig));
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
	if (proc_group_ending(p))
		proc_do_exit(p, SIGKILL);
	if (p->leader != p->tree->init)
		proc_group_exit(p, SIGKILL);
	p->res->signal = SIGKILL;
	p->res->fault_addr = addr;
	p->res->fault_rip = rip;
	ksnprintf(p->res->why, sizeof(p->res->why),
		  "out of memory: killed by SIGKILL (9): page fault at 0x%lx, RIP 0x%lx, "
		  "%zu free frames", addr, rip, pmm_free_frames());
	proc_diag(p, "%s", p->res->why);
	proc_group_exit(p, SIGKILL);
}

/*
 * sig_deliver for p; a handler reset by SA_RESETHAND is reset for every
 * task sharing the table (CLONE_SIGHAND).
 */
static int proc_deliver(struct proc *p, struct uregs *regs, const struct sig_fault *f)
{
	bool reset = p->sig.act[f->signo - 1].flags & SA_RESETHAND;
	int err = sig_deliver(&p->sig, regs, f);

	if (!err && reset)
		proc_sighand_sync(p, 0);
	return err;
}

static bool proc_act(struct proc *p, int sig, struct sig_info *info, struct uregs *regs);

/*
 * Raise fault `f` in the program: run its handler, or end it. A tracee
 * stops first; when its tracer cancels the signal or hands another one,
 * that one is acted on instead, then the pending ones.
 */
static void proc_signal(struct proc *p, struct uregs *regs,
			const struct sig_fault *f, uint64_t where)
{
	uint64_t rip = regs->rip;
	struct sig_info info;
	int err, sig;

	if (p->pt.tracer && (sig = ptrace_fault(p, f, &info)) != f->signo) {
		if (sig)
			proc_act(p, sig, &info, regs);
		proc_pending_signals(p, regs);
		return;
	}
	err = proc_deliver(p, regs, f);
	if (!err && uregs_canonical(regs->rip))
		return;
	proc_kill(err == -EFAULT || !err ? SIGSEGV : f->signo, where, rip);
}

/* Go back to the syscall instruction: the call runs again (rax = its number). */
static void proc_restart(struct uregs *regs)
{
	regs->rax = regs->orig_rax;
	regs->rip -= 2;
}

/*
 * A syscall that a signal interrupted (-ERESTART*) before a handler runs
 * (handler) or when none runs: restart it or make it -EINTR, as Linux's
 * handle_signal and arch_do_signal_or_restart.
 */
static bool proc_syscall_restart(struct uregs *regs, const struct k_sigaction *handler)
{
	if ((int64_t)regs->orig_rax < 0)
		return false;
	switch ((long)regs->rax) {
	case -ERESTARTNOHAND:
		if (handler)
			regs->rax = (uint64_t)-EINTR;
		else
			proc_restart(regs);
		return true;
	case -ERESTARTSYS:
		if (handler && !(handler->flags & SA_RESTART))
			regs->rax = (uint64_t)-EINTR;
		else
			proc_restart(regs);
		return true;
	case -ERESTARTNOINTR:
		proc_restart(regs);
		return true;
	default:
		return false;
	}
}

/*
 * Signal `sig` has its default action: nothing, stop until continued, or
 * death (which does not return). Returns when the process goes on.
 */
static void proc_default_action(struct proc *p, int sig, const struct sig_info *info,
				struct uregs *regs)
{
	switch (sig_default_action(sig)) {
	case SIG_DEF_IGNORE:
	case SIG_DEF_CONT:
		return;
	case SIG_DEF_STOP:
		if (sig != SIGSTOP && proc_pgrp_orphaned(p))
			return; /* SIGTSTP, SIGTTIN, SIGTTOU in an orphaned group: dropped */
		proc_group_stop(p, sig);
		return;
	default:
		p->killed_by_self = info->code <= 0 && info->pid == p->tgid;
		proc_kill(sig, 0, regs->rip);
	}
}

/*
 * Act on signal `sig` (*info) taken for delivery: nothing (ignored), its
 * default action, or a frame for its handler. True when *regs now runs
 * the handler.
 */
static bool proc_act(struct proc *p, int sig, struct sig_info *info, struct uregs *regs)
{
	const struct k_sigaction *ka = &p->sig.act[sig - 1];
	struct sig_fault f = { sig, info->code, 0, 0, 0, info, 0 };

	if (ka->handler == SIG_IGN)
		return false;
	if (ka->handler == SIG_DFL) {
		proc_default_action(p, sig, info, regs);
		return false;
	}
	proc_syscall_restart(regs, ka);
	if (proc_deliver(p, regs, &f) || !uregs_canonical(regs->rip))
		proc_kill(SIGSEGV, regs->rsp, regs->rip);
	return true;
}

bool proc_pending_signals(struct proc *p, struct uregs *regs)
{
	struct sig_info info;
	bool handled = false;
	int sig;

	while ((sig = sig_take_pending(&p->sig, &info)) != 0 ||
	       (sig = proc_take_shared(p, ~p->sig.blocked, &info)) != 0) {
		proc_itimer_taken(p, sig);
		if (sig == SIGKILL)
			proc_kill(SIGKILL, 0, regs->rip);
		if (p->pt.tracer && !(sig = ptrace_signal(p, sig, &info)))
			continue; /* the tracer cancelled it */
		/* a handler's frame: the next deliverable one gets a frame on top */
		handled |= proc_act(p, sig, &info, regs);
	}
	return proc_syscall_restart(regs, NULL) || handled;
}

void proc_irq_return(struct uregs *regs)
{
	struct proc *p;

	regs->orig_rax = (uint64_t)-1;
	sched_preempt();
	p = proc_current();
	if (p && (p->sig.pending || proc_shared_pending(p)))
		proc_pending_signals(p, regs);
}

/* The protection key of the VMA at va (si_pkey of SEGV_PKUERR). */
static uint32_t proc_fault_pkey(const struct aspace *as, vaddr_t va)
{
	struct as_vma_info vi;

	return as_vma_at(as, va, &vi) ? (uint32_t)AS_VMA_PKEY(vi.flags) : 0;
}

void proc_user_trap(unsigned vec, uint64_t error_code, uint64_t cr2,
		    struct uregs *regs)
{
	struct proc *p = proc_current();
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
		f = (struct sig_fault){ SIGSEGV, SEGV_ACCERR, cr2, TRAP_VEC_PF, error_code, NULL,
					0 };
		break;
	case AS_FAULT_SIGBUS:
		f = (struct sig_fault){ SIGBUS, BUS_ADRERR, cr2, TRAP_VEC_PF, error_code, NULL, 0 };
		break;
	case AS_FAULT_PKUERR:
		f = (struct sig_fault){ SIGSEGV, SEGV_PKUERR, cr2, TRAP_VEC_PF, error_code, NULL,
					proc_fault_pkey(p->as, cr2) };
		break;
	default:
		f = (struct sig_fault){ SIGSEGV, SEGV_MAPERR, cr2, TRAP_VEC_PF, error_code, NULL,
					0 };
		break;
	}
	proc_signal(p, regs, &f, cr2);
}
