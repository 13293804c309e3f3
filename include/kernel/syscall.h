/*
 * syscall: the Linux x86-64 system-call subset served to scenario programs.
 *
 * src/arch/x86_64/syscall_entry.S saves the user registers as a struct uregs
 * (arch/x86_64/regs.h: Linux's struct pt_regs) on the program's kernel
 * stack and calls syscall_dispatch; numbers, arguments (rdi, rsi, rdx, r10, r8, r9)
 * and results (rax: value or -errno) are Linux's. Unknown numbers return
 * -ENOSYS and are named once in the test's diagnostics.
 */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#include "arch/x86_64/regs.h"
#include "lib/types.h"

/* Syscall numbers used by the kernel side (Linux x86-64). */
#define SYS_read 0
#define SYS_write 1
#define SYS_mmap 9
#define SYS_mprotect 10
#define SYS_munmap 11
#define SYS_brk 12
#define SYS_rt_sigaction 13
#define SYS_rt_sigprocmask 14
#define SYS_rt_sigreturn 15
#define SYS_ioctl 16
#define SYS_writev 20
#define SYS_sched_yield 24
#define SYS_mremap 25
#define SYS_msync 26
#define SYS_mincore 27
#define SYS_madvise 28
#define SYS_getpid 39
#define SYS_kill 62
#define SYS_exit 60
#define SYS_uname 63
#define SYS_getuid 102
#define SYS_getgid 104
#define SYS_geteuid 107
#define SYS_getegid 108
#define SYS_sigaltstack 131
#define SYS_arch_prctl 158
#define SYS_gettid 186
#define SYS_tkill 200
#define SYS_set_tid_address 218
#define SYS_clock_gettime 228
#define SYS_clock_getres 229
#define SYS_exit_group 231
#define SYS_tgkill 234
#define SYS_prlimit64 302
#define SYS_getrlimit 97
#define SYS_setrlimit 160
#define SYS_getrandom 318
#define SYS_fstat 5
#define SYS_poll 7
#define SYS_select 23
#define SYS_nanosleep 35
#define SYS_gettimeofday 96
#define SYS_time 201
#define SYS_futex 202
#define SYS_clock_nanosleep 230
#define SYS_newfstatat 262
#define SYS_pselect6 270
#define SYS_ppoll 271
#define SYS_statx 332
/* files (src/kernel/sys_fd.c, sys_file.c) */
#define SYS_open 2
#define SYS_close 3
#define SYS_stat 4
#define SYS_lstat 6
#define SYS_lseek 8
#define SYS_pread64 17
#define SYS_pwrite64 18
#define SYS_readv 19
#define SYS_access 21
#define SYS_dup 32
#define SYS_dup2 33
#define SYS_fcntl 72
#define SYS_fsync 74
#define SYS_fdatasync 75
#define SYS_truncate 76
#define SYS_ftruncate 77
#define SYS_getcwd 79
#define SYS_chdir 80
#define SYS_fchdir 81
#define SYS_rename 82
#define SYS_mkdir 83
#define SYS_rmdir 84
#define SYS_creat 85
#define SYS_link 86
#define SYS_unlink 87
#define SYS_symlink 88
#define SYS_readlink 89
#define SYS_chmod 90
#define SYS_fchmod 91
#define SYS_umask 95
#define SYS_sync 162
#define SYS_getdents64 217
#define SYS_openat 257
#define SYS_mkdirat 258
#define SYS_unlinkat 263
#define SYS_renameat 264
#define SYS_linkat 265
#define SYS_symlinkat 266
#define SYS_readlinkat 267
#define SYS_fchmodat 268
#define SYS_faccessat 269
#define SYS_fallocate 285
#define SYS_dup3 292
#define SYS_renameat2 316
#define SYS_memfd_create 319
#define SYS_memfd_secret 447
#define SYS_faccessat2 439
#define SYS_mlock 149
#define SYS_munlock 150
#define SYS_mlockall 151
#define SYS_munlockall 152
#define SYS_mlock2 325
#define SYS_mseal 462
/* exec (src/kernel/exec.c) */
#define SYS_execve 59
#define SYS_execveat 322
/* pipes and socket pairs (src/kernel/sys_pipe.c) */
#define SYS_pipe 22
#define SYS_sendto 44
#define SYS_recvfrom 45
#define SYS_sendmsg 46
#define SYS_recvmsg 47
#define SYS_shutdown 48
#define SYS_socketpair 53
#define SYS_pipe2 293
#define SYS_vmsplice 278

/*
 * Serve the system call in *regs (number in orig_rax), storing the result in
 * regs->rax (or, for rt_sigreturn and a successful execve, replacing every
 * register). Returns true when the return to user mode must use iretq
 * (registers replaced: rcx and r11 no longer hold rip and rflags, as Linux
 * checks; or a non-canonical return address that sysretq must never see),
 * false when sysretq may return to regs->rip with regs->rflags.
 */
bool syscall_dispatch(struct uregs *regs);

/* The Linux name of syscall `nr`, or NULL when not in the table. */
const char *syscall_name(uint64_t nr);

/* True when `va` is a canonical 48-bit address. */
static inline bool uregs_canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

#endif
