/*
 * exec: execve(2) and execveat(2), and the initial stack every program
 * starts with (the first program of a test as well).
 *
 * The initial stack is Linux's (fs/exec.c, binfmt_elf.c's create_elf_tables),
 * from the top of the user half down: 8 zero bytes, the AT_EXECFN string
 * (the path as given), the envp strings, the argv strings (in order upwards),
 * then 16-byte aligned: 16 random bytes (AT_RANDOM); then, 16-byte aligned,
 * argc, argv[], NULL, envp[], NULL and the auxiliary vector (AT_PHDR ...
 * AT_UID/EUID/GID/EGID from the process's credentials, AT_SECURE 0, AT_RANDOM,
 * AT_EXECFN). The strings may take at most a quarter of RLIMIT_STACK (at
 * most 6 MiB, at least 128 KiB) less 8 bytes per argv and envp pointer, each
 * string at most EXEC_MAX_ARG_STRLEN bytes with its NUL (-E2BIG otherwise),
 * as Linux's bprm_stack_limits and copy_strings.
 *
 * execve(path, argv, envp) and execveat(dirfd, path, argv, envp, flags):
 * errors come in Linux's order, and before the point of no return the
 * caller keeps running with the error and nothing held:
 *   path: EFAULT, ENAMETOOLONG (PATH_MAX), ENOENT (empty without AT_EMPTY_PATH);
 *   flags other than AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH: EINVAL;
 *   the walk (fs/namei.h): ENOENT, ENOTDIR, ELOOP (also a symbolic link as
 *   last component with AT_SYMLINK_NOFOLLOW), ENAMETOOLONG, EBADF (dirfd);
 *   EACCES: not a regular file, or no execute bit the caller may use (root:
 *   any of the three);
 *   argv, envp: EFAULT (a bad vector or string pointer), E2BIG (limits above);
 *   ENOEXEC: neither an ELF image the loader takes (kernel/elf.h: static or
 *   static-pie, no PT_INTERP) nor a "#!" script; ENOMEM.
 * A "#!interp [arg]" script (the first line, at most EXEC_BUF_SIZE bytes
 * read) runs interp with argv { interp, [arg], path, argv[1..] }; the
 * interpreter is looked up from the working directory (ENOENT when it is
 * missing); scripts may nest as in Linux (ELOOP past 5 rewrites).
 *
 * At the point of no return the process gets the new address space (the old
 * one released with proc_release_mm), signal handlers back to SIG_DFL
 * except ignored ones (flags and masks cleared), no alternate signal stack,
 * its O_CLOEXEC descriptors closed, FS/GS base 0, a clean FPU, no robust
 * list, rseq or clear_child_tid, /proc/self/exe the file's absolute path,
 * comm the basename of the path as given (15 bytes); it resumes at the entry
 * point with every general register 0 and rsp at the new stack, through
 * iretq (the register frame no longer says sysretq: syscall_dispatch).
 * A vfork parent is released (proc_vfork_done).
 *
 * Exec never sleeps: its scratch buffers are static (one CPU, a kernel that
 * is not preemptible).
 *
 * Not yet as Linux: ETXTBSY (nothing counts a file's writers: a file open for
 * writing runs, and a running program's file may be opened for writing);
 * /proc/<pid>/cmdline keeps the test's name after an exec; /proc/self/exe
 * is a path, not the file, so once that path is gone exec of it is ENOENT;
 * a dynamically linked image (PT_INTERP) is ENOEXEC, its reason unsaid.
 */
#ifndef KERNEL_EXEC_H
#define KERNEL_EXEC_H

#include "lib/types.h"

struct proc;
struct uregs;
struct elf_info;
struct aspace;
struct vfs_node;

#define EXEC_MAX_ARG_STRLEN (32 * 4096ULL) /* MAX_ARG_STRLEN: one string, its NUL included */
#define EXEC_ARG_MAX (32 * 4096ULL)        /* ARG_MAX: the least room for strings */
#define EXEC_STK_LIM MiB(8)                /* _STK_LIM */
#define EXEC_MAX_ARG_STRINGS 0x7fffffffULL /* MAX_ARG_STRINGS */
#define EXEC_BUF_SIZE 256                  /* BINPRM_BUF_SIZE: bytes read to tell the kind */
#define EXEC_MAX_DEPTH 5                   /* binfmt rewrites (#! scripts) before ELOOP */
#define EXEC_STACK_INITIAL KiB(128)        /* Linux's stack_expand */

/* execveat flags (Linux values). */
#define EXEC_AT_SYMLINK_NOFOLLOW 0x100
#define EXEC_AT_EMPTY_PATH 0x1000

/*
 * The first program's stack in p->as (its stack VMA made, the image loaded
 * as `info` says): argv = { p->name }, no environment, AT_EXECFN p->name.
 * *sp gets the initial rsp. 0, -E2BIG (a name past EXEC_MAX_ARG_STRLEN),
 * -ENOMEM.
 */
int exec_first_stack(struct proc *p, const struct elf_info *info, uint64_t *sp);

/*
 * execveat(dirfd, upath, uargv, uenvp, flags) for the running process p
 * (execve: dirfd AT_FDCWD, flags 0), its syscall frame in *regs. On success
 * *regs is the new program's first frame and 0 is returned (what rax
 * holds); otherwise -errno as above and nothing changed.
 */
long exec_execveat(struct proc *p, int32_t dirfd, uint64_t upath, uint64_t uargv,
		   uint64_t uenvp, uint64_t flags, struct uregs *regs);

/*
 * Load the ELF executable in regular file f into the empty space `as` as
 * exec does: elf_load with the file's memory object (made now when the file
 * has none), so every segment maps the file. 0, or -errno with a reason in
 * why[whylen]: elf_load's, -ENOMEM / -ENOSPC (no room for the file's pages).
 */
int exec_load_file(struct aspace *as, struct vfs_node *f, struct elf_info *info, char *why,
		   size_t whylen);

/*
 * The path of the image the next proc_run runs (the program's file in the
 * tree: readlink /proc/self/exe, execve("/proc/self/exe")); proc_run takes
 * it once. NULL (or never called): "/" + the program's name.
 */
void exec_set_image_path(const char *path);

/*
 * Give p the path the last exec_set_image_path named, as its p->path (an
 * owned copy). 0, or -ENOMEM (p->path unchanged).
 */
int exec_take_image_path(struct proc *p);

/*
 * fork: child c gets its own copy of the path parent p owns (c->path points
 * at it), if p owns one. 0 or -ENOMEM (c owns nothing then).
 */
int exec_fork_path(struct proc *c, const struct proc *p);

/* Free what exec gave p (its owned path); when p is freed. */
void exec_proc_free(struct proc *p);

/* A program's first frame: ring 3 at `entry` with stack `sp`, every other register 0. */
struct uregs;
void exec_set_regs(struct uregs *regs, uint64_t entry, uint64_t sp);

#endif
