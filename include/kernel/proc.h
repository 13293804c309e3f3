/*
 * proc: the program runner. One scenario program at a time runs in ring 3 in
 * a fresh user address space, on its own kernel stack (a vmarea with a guard
 * page), until it exits, dies of a signal or the watchdog ends its test.
 *
 * proc_run loads a static ELF image (include/kernel/elf.h), builds the
 * initial stack as Linux does (argc, argv = { name }, empty envp, auxv, 16
 * random bytes for AT_RANDOM) below AS_TASK_SIZE, enters ring 3 with iretq
 * and serves syscalls (include/kernel/syscall.h) and faults until the end.
 * Then it destroys the address space and the kernel stack: every frame comes
 * back.
 */
#ifndef KERNEL_PROC_H
#define KERNEL_PROC_H

#include "lib/types.h"
#include "kernel/signal.h"
#include "kernel/syscall.h"

#define PROC_STACK_TOP 0x7ffffffff000ULL /* AS_TASK_SIZE: Linux without ASLR */
#define PROC_KSTACK_SIZE KiB(16)
#define PROC_CAPTURE 256 /* bytes of stdout kept in the result */
#define PROC_PID 1
#define PROC_RLIM_NLIMITS 16
#define PROC_RLIM_STACK 3
#define PROC_RLIM_MEMLOCK 8
#define PROC_CAP_IPC_LOCK (1u << 0) /* may lock memory past RLIMIT_MEMLOCK */
#define PROC_RLIM_INFINITY (~0ULL)

/* proc_run flags. */
#define PROC_OUT_COM2 (1u << 0) /* frame stdout/stderr and the status on COM2 */
#define PROC_DIAG (1u << 1)     /* name unknown syscalls and fatal faults in ktest diagnostics */

struct proc_result {
	int status;              /* exit status, or 128 + signal */
	int signal;              /* the signal that ended it; 0 when it exited */
	unsigned long syscalls;  /* system calls served */
	unsigned long unknown;   /* of which unimplemented */
	uint64_t out_bytes, err_bytes; /* written to fd 1 and fd 2 */
	char out[PROC_CAPTURE];  /* the first bytes written to fd 1 */
	size_t out_len;
	uint64_t fault_addr, fault_rip; /* of the fatal fault, when signal != 0 */
	char why[192];           /* why it did not start, or how it died */
};

/* Saved kernel context to come back to when the program ends (arch). */
struct proc_kctx {
	uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rflags;
};

struct proc {
	const char *name;
	unsigned flags;
	struct aspace *as;
	void *kstack;            /* vmarea, PROC_KSTACK_SIZE */
	uint64_t fs_base;
	uint64_t tid_address;    /* set_tid_address */
	bool killed_by_self;     /* the fatal signal came from kill/tkill/tgkill */
	uint64_t gs_base;
	uint64_t start_ns;       /* CLOCK_MONOTONIC at the start (CPU-time clocks) */
	struct sig_state sig;
	struct {
		uint64_t cur, max;
	} rlim[PROC_RLIM_NLIMITS];
	unsigned caps;           /* PROC_CAP_*: uid 0 has them all */
	uint64_t unknown_seen[8]; /* bitmap of unknown syscall numbers already named */
	struct proc_kctx kctx;
	struct proc_result *res;
};

/*
 * Run the static ELF image [img, img+size) as program `name` (argv[0]).
 * Returns 0 when it ran (res->status tells how it ended), -ENOEXEC when the
 * image is rejected, -ENOMEM when the program could not be set up (res->why
 * says why in both cases).
 */
int proc_run(const char *name, const void *img, size_t size, unsigned flags,
	     struct proc_result *res);

/* The running program, or NULL. */
struct proc *proc_current(void);

/* End the running program with `status` (from syscall or trap context). */
__attribute__((noreturn)) void proc_exit(int status);

/*
 * End the running program by signal `sig` (status 128 + sig), recording the
 * fault address and RIP, and naming the VMA hit (or "none") in res->why.
 */
__attribute__((noreturn)) void proc_kill(int sig, uint64_t addr, uint64_t rip);

/* Send n bytes written to fd 1 or 2 to the program's output channel. */
void proc_output(struct proc *p, int fd, const void *buf, size_t n);

/* Count an unimplemented syscall; name it in the diagnostics the first time. */
void proc_unknown_syscall(struct proc *p, uint64_t nr);

/*
 * On the way back from a syscall: act on pending unblocked signals (ignore,
 * end the program, or run one handler by rewriting *regs). Returns true when
 * *regs was rewritten (the return must use iretq).
 */
bool proc_pending_signals(struct proc *p, struct uregs *regs);

/*
 * For the exception path: exception `vec` with `error_code` and `cr2` taken
 * in ring 3, the interrupted registers in *regs (vector in orig_rax).
 * Resolves page faults, delivers a signal to the program's handler by
 * rewriting *regs, or ends the program (then it does not return). When it
 * returns, the caller must iretq to *regs.
 */
void proc_user_trap(unsigned vec, uint64_t error_code, uint64_t cr2,
		    struct uregs *regs);

/*
 * For the harness (registered with ktest_on_abort during proc_run): the
 * test was ended early (watchdog, failure) inside proc_run. Tear the program
 * down (CR3, FS/GS base, address space, kernel stack) so the leak check sees
 * every frame back. Does nothing when no program is set up.
 */
void proc_abort(void);

/*
 * Register one test `programs.<name>` per program module
 * (module cmdline "<name>[ expect=<status>]").
 */
void proc_register_modules(void);

/* ---- arch side (src/arch/x86_64/user.c, syscall_entry.S) ---- */

struct trap_frame;

/* Once: SSE for ring 3, EFER.SCE, STAR, LSTAR, FMASK, TSC calibration against the PIT clock. */
void user_arch_init(void);

/* A clean x87/SSE state for a new program (fninit, default MXCSR, zero XMM). */
void user_fpu_reset(void);

#define USER_FPU_SIZE 512 /* fxsave area: the sigframe's fpstate */

/* fxsave the program's x87/SSE state into buf (16-byte aligned). */
void user_fpu_save(void *buf);

/* fxrstor from buf (16-byte aligned), MXCSR reserved bits cleared first. */
void user_fpu_restore(void *buf);

/* The stack syscall entry switches to (the running program's kernel stack top). */
void user_set_kernel_stack(uint64_t top);

/*
 * Save the kernel context in *ctx and enter ring 3 with the registers in
 * *regs (which lies at the top of the program's kernel stack). Returns the
 * status passed to user_leave.
 */
long user_enter(struct proc_kctx *ctx, struct uregs *regs);

/* Return from user_enter(ctx, ...) with `status`, abandoning the current stack. */
__attribute__((noreturn)) void user_leave(struct proc_kctx *ctx, long status);

/*
 * For trap_dispatch: an exception taken in ring 3 (f->cs has RPL 3).
 * Converts the frame to struct uregs, calls proc_user_trap, and writes the
 * (possibly rewritten) registers back for the stub's iretq; when the
 * program ends it does not return. An NMI is only returned from.
 */
void user_trap(struct trap_frame *f);

/* FS and GS base MSRs. */
uint64_t user_get_fs(void);
void user_set_fs(uint64_t base);
uint64_t user_get_gs(void);
void user_set_gs(uint64_t base);

/* Nanoseconds since boot (CLOCK_MONOTONIC) and since the epoch (CLOCK_REALTIME). */
uint64_t user_clock_mono_ns(void);
uint64_t user_clock_real_ns(void);

/* 64 bits from a xorshift generator seeded from the TSC. */
uint64_t user_random(void);

/* CPUID 1 EDX, for AT_HWCAP. */
uint64_t user_hwcap(void);

#endif
