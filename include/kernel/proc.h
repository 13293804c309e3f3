/*
 * proc: processes and the program runner. One scenario program at a time
 * runs as a process tree: its first process (pid 1) is loaded from a static
 * ELF image (include/kernel/elf.h) in a fresh address space with the
 * initial stack Linux builds (argc, argv = { name }, empty envp, auxv, 16
 * random bytes for AT_RANDOM) below AS_TASK_SIZE; it may fork, vfork and
 * clone more (src/kernel/fork.c), each with its own kernel stack (a vmarea
 * with a guard page), address space, files and signal state, scheduled
 * round robin on the timer (include/kernel/sched.h).
 *
 * The test ends when the first process exits or dies: the rest of the tree
 * is killed and reaped, every address space is checked (as_check) and
 * destroyed, and every frame comes back. A watchdog that ends the test early
 * abandons the tree (proc_abort).
 */
#ifndef KERNEL_PROC_H
#define KERNEL_PROC_H

#include "lib/list.h"
#include "lib/types.h"
#include "lib/waitq.h"
#include "kernel/cred.h"
#include "kernel/ptrace.h"
#include "kernel/signal.h"
#include "kernel/syscall.h"

#define PROC_STACK_TOP 0x7ffffffff000ULL /* AS_TASK_SIZE: Linux without ASLR */
#define PROC_KSTACK_SIZE KiB(16)
#define PROC_CAPTURE 256 /* bytes of stdout kept in the result */
#define PROC_PID 1
#define PROC_RLIM_NLIMITS 16
#define PROC_RLIM_STACK 3
#define PROC_RLIM_NOFILE 7
#define PROC_NOFILE_CUR 1024  /* Linux's default RLIMIT_NOFILE: soft */
#define PROC_NOFILE_MAX 4096  /* and hard (INR_OPEN_MAX) */
#define PROC_RLIM_MEMLOCK 8
#define PROC_RLIM_INFINITY (~0ULL)

/* proc_run flags. */
#define PROC_OUT_COM2 (1u << 0) /* frame stdout/stderr and the status on COM2 */
#define PROC_DIAG (1u << 1)     /* name unknown syscalls and fatal faults to the diag hook */

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
	int as_check;            /* as_check of its address space at the end: 0 or -EINVAL */
};

/* Saved kernel context to come back to when the program ends (arch). */
struct proc_kctx {
	uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rflags;
};

#define USER_FPU_SIZE 512 /* fxsave area: the sigframe's fpstate */
#define PROC_COMM_LEN 16 /* TASK_COMM_LEN: prctl PR_SET_NAME / PR_GET_NAME */

struct fdtable;
struct vfs_node;
struct proc_tree;

/* Where a process is in its life (the scheduler's view). */
enum proc_state {
	PROC_RUNNABLE, /* running, or on the run queue */
	PROC_SLEEPING, /* in sched_sleep */
	PROC_STOPPED,  /* by SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU */
	PROC_ZOMBIE,   /* exited, waiting for its parent to reap it */
};

/* Bits of a node mask as Linux's MAX_NUMNODES (CONFIG_NODES_SHIFT 10, the oracle's). */
#define PROC_MAX_NUMNODES 1024

/*
 * A process's NUMA memory policy (Linux's task mempolicy): mode and mode
 * flags as set_mempolicy took them (mode 0, MPOL_DEFAULT: none), and the
 * node mask as the user gave it for MPOL_F_STATIC_NODES and
 * MPOL_F_RELATIVE_NODES (get_mempolicy returns that one). Inherited by
 * fork, kept by exec.
 */
struct proc_mempolicy {
	uint16_t mode, flags;
	uint64_t user_nodes[PROC_MAX_NUMNODES / 64];
};

struct proc {
	const char *name;
	const char *path;        /* the executable's path: readlink /proc/self/exe */
	char path_buf[72];       /* "/" + name, until programs come from files */
	char *path_owned;        /* kmalloc'd p->path (exec, exec_take_image_path), or NULL */
	char comm[PROC_COMM_LEN];
	uint64_t robust_list;    /* set_robust_list head */
	uint64_t rseq;           /* registered struct rseq, 0 when none */
	uint32_t rseq_len, rseq_sig;
	unsigned flags;
	struct aspace *as;
	void *kstack;            /* vmarea, PROC_KSTACK_SIZE */
	uint64_t fs_base;
	uint64_t tid_address;    /* set_tid_address */
	bool killed_by_self;     /* the fatal signal came from kill/tkill/tgkill */
	uint64_t gs_base;
	uint64_t start_ns;       /* CLOCK_MONOTONIC at the start (CPU-time clocks) */
	uint64_t idle_ns;        /* spent asleep (nanosleep, futex, poll...): not CPU time */
	uint64_t sys_ns;         /* spent serving syscalls, sleeps excluded (ru_stime) */
	uint64_t maxrss;         /* pages: VmHWM of the spaces given up (signal->maxrss) */
	uint64_t cmaxrss;        /* pages: largest maxrss of the children waited for */
	struct sig_state sig;
	struct {
		uint64_t cur, max;
	} rlim[PROC_RLIM_NLIMITS];
	uint64_t unknown_seen[8]; /* bitmap of unknown syscall numbers already named */
	struct proc_kctx kctx;
	struct proc_result *res;
	struct fdtable *fdt;     /* open files (src/kernel/sys_fd.c) */
	struct vfs_node *cwd;    /* working directory (a reference), NULL: the root */
	uint32_t umask;

	/*
	 * Threads (src/kernel/proc_thread.c). A struct proc is a task: a
	 * process, or one thread of a thread group (CLONE_THREAD). pid is the
	 * task's id (gettid), tgid the group's (getpid: the leader's pid).
	 */
	int tgid;
	struct proc *leader;          /* the group's leader: itself for a process */
	struct list_node thread_link; /* ring of the group's tasks not yet released */
	bool group_exit;              /* leader: exit_group or a fatal signal ends the group */
	int group_exit_status;        /* leader: the group's wait status then */
	struct proc *group_exec;      /* leader: the thread that execs (de_thread), or NULL */
	uint64_t sig_shared;          /* leader: its pending signals that are the group's */
	int group_stop_sig;           /* leader: the signal stopping the group, 0 when none */
	uint64_t sighand_id;          /* tasks with the same id share handlers (CLONE_SIGHAND) */
	uint64_t fs_id;               /* and working directory and umask (CLONE_FS) */

	/* The process tree (src/kernel/proc_tree.c) */
	int pid, pgid, sid;
	struct proc *parent;         /* NULL for the tree's first process */
	struct list_node children;   /* their sibling links */
	struct list_node sibling;
	struct list_node tree_link;  /* in tree->procs */
	struct proc_tree *tree;      /* the program test it belongs to */
	struct waitq child_wq;       /* wait4/waitid sleep here; a child's change wakes it */
	int wait_status;             /* for wait4, once a zombie (Linux's encoding) */
	bool is_subreaper;           /* PR_SET_CHILD_SUBREAPER */
	bool did_exec;               /* execve succeeded since fork (setpgid says EACCES) */
	int exit_signal;             /* sent to the parent at exit: SIGCHLD, or clone's choice */
	struct proc *vfork_parent;   /* sleeping until this child execs or exits */
	bool vfork_waiting;          /* this parent waits for its vfork child */
	int stop_sig;                /* the signal that stopped it */
	enum {
		PROC_REPORT_NONE,
		PROC_REPORT_STOPPED,   /* a stop waiting for WUNTRACED */
		PROC_REPORT_CONTINUED, /* a continue waiting for WCONTINUED */
	} stop_report;
	struct proc_cred cred;
	bool nondumpable;            /* its ids changed (suid_dumpable 0): /proc/<pid> is root's */
	int pdeath_sig;              /* PR_SET_PDEATHSIG: sent when the parent exits */
	struct ptrace_state pt;      /* tracer and tracees (src/kernel/sys_ptrace.c) */

	/* Interval timers (src/kernel/itimer.c): not inherited by fork, kept by exec */
	struct proc_itimer {
		uint64_t expires;    /* REAL: CLOCK_MONOTONIC ns; VIRTUAL, PROF: CPU ns; 0: off */
		uint64_t incr;       /* the interval; 0: one shot */
	} itimer[3];                 /* ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF */
	struct list_node itimer_link; /* on the armed ITIMER_REAL list while it runs */
	uint64_t utime_ns;           /* user time as the tick samples it (ITIMER_VIRTUAL) */

	/* The scheduler (src/kernel/sched.c) */
	enum proc_state state;
	struct list_node run_link;   /* on the run queue */
	struct list_node wait_link;  /* on a waitq */
	struct list_node timer_link; /* on the sleepers-with-a-deadline list */
	struct waitq *waiting_on;
	uint64_t wake_at;            /* CLOCK_MONOTONIC deadline of the sleep */
	long wake_reason;            /* what sched_sleep returns */
	uint64_t slice_end_ns;
	uint8_t fpu[USER_FPU_SIZE] __attribute__((aligned(16))); /* x87/SSE while switched out */
	uint32_t pkru;               /* protection-key rights while switched out (user_pkru_get) */
	struct proc_mempolicy mpol;  /* set_mempolicy's (src/kernel/sys_mempolicy.c) */
};

/*
 * The program's files at start: fds 0, 1, 2 (the console: stdin reads end
 * of file as /dev/null, stdout and stderr go to proc_output), the root as
 * working directory, umask 022. 0 or -ENOMEM (nothing held).
 */
int proc_files_init(struct proc *p);

/* Close every descriptor and drop the working directory. */
void proc_files_exit(struct proc *p);

/*
 * Run the static ELF image [img, img+size) as program `name` (argv[0]).
 * Returns 0 when it ran (res->status tells how it ended), -ENOEXEC when the
 * image is rejected, -ENOMEM when the program could not be set up (res->why
 * says why in both cases). In every case res->as_check tells whether the
 * address space was still sound when it was destroyed (the caller asserts
 * it). When the caller unwinds out of proc_run (a watchdog, a failed
 * assertion), it must call proc_abort.
 */
int proc_run(const char *name, const void *img, size_t size, unsigned flags,
	     struct proc_result *res);

/*
 * proc_run of the ELF executable in regular file `file` of the tree, loaded
 * as exec loads it (exec_load_file): its segments map the file, as
 * /proc/<pid>/maps shows.
 */
int proc_run_file(const char *name, struct vfs_node *file, unsigned flags,
		  struct proc_result *res);

/*
 * The most processes a program's tree may have at once (fork says EAGAIN
 * past it, root too): Linux's threads-max for this memory, or `max` when
 * not 0 (tests that want a fork bomb to end soon on a large machine).
 */
void proc_set_max_procs(unsigned max);

/* The running process, or NULL (in the idle context). */
struct proc *proc_current(void);

/* The process `pid` names in a syscall: 0 is `self`; NULL when there is none (or a zombie). */
struct proc *proc_lookup(struct proc *self, int32_t pid);

/* `p` sends itself `sig` with si_code `code` (SIGPIPE from a write, abort's SIGABRT...). */
void proc_signal_self(struct proc *p, int sig, int code);

/* Free the processes that died with nobody to reap them (not the running one). */
void proc_free_dead(void);

/* A vfork child `p` execs or exits: its parent goes on. */
void proc_vfork_done(struct proc *p);

/* End the running program, every thread of it, with `status` (exit_group). */
__attribute__((noreturn)) void proc_exit(int status);

/* End the running task alone (exit(2): a thread; the last one ends its group). */
__attribute__((noreturn)) void proc_exit_thread(int status);

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
 * end the program, or run handlers by rewriting *regs: as Linux, every
 * signal still deliverable under the mask of the handler before gets its
 * own frame on top, so the last one set up runs first). Returns true when
 * *regs was rewritten (the return must use iretq).
 */
bool proc_pending_signals(struct proc *p, struct uregs *regs);

/*
 * On the way back to ring 3 from the timer interrupt (regs: the interrupted
 * registers): switch away when the slice is over, then act on pending
 * signals as the syscall return does.
 */
void proc_irq_return(struct uregs *regs);

/*
 * For the exception path: exception `vec` with `error_code` and `cr2` taken
 * in ring 3, the interrupted registers in *regs (orig_rax -1).
 * Resolves page faults, delivers a signal to the program's handler by
 * rewriting *regs, or ends the program (then it does not return). When it
 * returns, the caller must iretq to *regs.
 */
void proc_user_trap(unsigned vec, uint64_t error_code, uint64_t cr2,
		    struct uregs *regs);

/*
 * For a caller that unwound out of proc_run (the harness, when a test ends
 * early: watchdog, failure). Tear the program down (CR3, FS/GS base,
 * address space, kernel stack) so the leak check sees every frame back.
 * Does nothing when no program is set up.
 */
void proc_abort(void);

/*
 * A diag hook receives one line about program `prog` (how it was killed,
 * an unimplemented syscall named the first time) for runs with PROC_DIAG.
 */
typedef void (*proc_diag_fn)(const char *prog, const char *msg);

/* Install the diag hook (NULL: the lines are dropped). Returns the previous one. */
proc_diag_fn proc_set_diag_hook(proc_diag_fn fn);

/* ---- arch side (src/arch/x86_64/user.c, syscall_entry.S) ---- */

/* Once: SSE for ring 3, EFER.SCE, STAR, LSTAR, FMASK, TSC calibration against the PIT clock. */
void user_arch_init(void);

/* A clean x87/SSE state for a new program (fninit, default MXCSR, zero XMM). */
void user_fpu_reset(void);


/* fxrstor a state this kernel saved with user_fpu_save (no checks). */
void user_fpu_load(const void *buf);

/*
 * Make *ctx a context that, once user_switch'ed to, returns to ring 3 with
 * the registers of *regs (which must lie on the kernel stack the context
 * runs on: the words below it are its stack).
 */
void user_prepare_start(struct proc_kctx *ctx, struct uregs *regs);

/* Save the current kernel context in *from and continue in *to. */
void user_switch(struct proc_kctx *from, struct proc_kctx *to);

/* fxsave the program's x87/SSE state into buf (16-byte aligned). */
void user_fpu_save(void *buf);

/* fxrstor from buf (16-byte aligned), MXCSR reserved bits cleared first. */
void user_fpu_restore(void *buf);

/* Linux's init_pkru_value: key 0 open, keys 1-15 access-disabled (exec, signal handlers). */
#define USER_PKRU_INIT 0x55555554u

/*
 * The running program's protection-key rights register (x86 PKRU). Without
 * keys (no PKU, or CR4.PKE off) get answers 0 and set does nothing.
 */
uint32_t user_pkru_get(void);
void user_pkru_set(uint32_t pkru);

/*
 * The fpstate of a signal frame (Linux's sigframe xstate): the fxsave image,
 * and with protection keys an XSAVE-format area past it as Linux writes one
 * (sw_reserved bytes with FP_XSTATE_MAGIC1, the XSAVE header, PKRU at the
 * offset CPUID leaf 0xd gives component 9, FP_XSTATE_MAGIC2 at the end).
 * USER_SIGFRAME_FPU_MAX bounds its size.
 */
#define USER_SIGFRAME_FPU_MAX 4096

/* Bytes of the fpstate a signal frame holds (512 without protection keys). */
size_t user_sigframe_fpu_size(void);

/* Complete buf (user_fpu_save'd, user_sigframe_fpu_size bytes) with the xstate holding pkru. */
void user_sigframe_fpu_fill(uint8_t *buf, uint32_t pkru);

/*
 * Bytes of the fpstate at buf (its first 512 read) rt_sigreturn reads in
 * all: the size user_sigframe_fpu_fill wrote when its magic is intact, else
 * 512 (a legacy fxsave image alone, as Linux's fx_only).
 */
size_t user_sigframe_fpu_extent(const uint8_t *buf);

/*
 * The PKRU rt_sigreturn restores from the fpstate at buf of `size` bytes
 * (user_sigframe_fpu_extent), as Linux's XRSTOR of the frame: the frame's
 * PKRU when its XSTATE_BV has the component, 0 (its init state) when not,
 * USER_PKRU_INIT for a legacy image.
 */
uint32_t user_sigframe_pkru(const uint8_t *buf, size_t size);

/* The stack syscall entry switches to (the running program's kernel stack top). */
void user_set_kernel_stack(uint64_t top);


/* FS and GS base MSRs. */
uint64_t user_get_fs(void);
void user_set_fs(uint64_t base);
uint64_t user_get_gs(void);
void user_set_gs(uint64_t base);

/* Nanoseconds since boot (CLOCK_MONOTONIC) and since the epoch (CLOCK_REALTIME). */
uint64_t user_clock_mono_ns(void);

/* Nanoseconds in `ticks` TSC ticks, at most 1 below the exact quotient (a TSC is calibrated). */
uint64_t user_ticks_ns(uint64_t ticks);
uint64_t user_clock_real_ns(void);

/* TSC ticks per millisecond as calibrated against the PIT at start-up (0: none). */
uint64_t user_tsc_khz(void);


/* Halt with interrupts on until the next interrupt; interrupts are off again on return. */
void user_idle(void);

/* 64 bits from a xorshift generator seeded from the TSC. */
uint64_t user_random(void);

/* CPUID 1 EDX, for AT_HWCAP. */
uint64_t user_hwcap(void);

#endif
