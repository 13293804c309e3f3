/*
 * execve, execveat and the initial stack. See include/kernel/exec.h.
 *
 * The shape is Linux's fs/exec.c: a "bprm" gathers the file, the strings
 * (copied straight into the new address space's stack, Linux's bprm->p
 * moving down) and the image; only when everything succeeded does
 * exec_commit switch the process over.
 */
#include "arch/x86_64/gdt.h"
#include "fs/file.h"
#include "fs/namei.h"
#include "kernel/elf.h"
#include "kernel/exec.h"
#include "kernel/futex.h"
#include "kernel/proc.h"
#include "kernel/rootfs.h"
#include "kernel/sys_lock.h"
#include "kernel/usercopy.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/access.h"
#include "mm/aspace.h"
#include "mm/heap.h"
#include "mm/mmarch.h"
#include "proc_internal.h"
#include "sys.h"

#define EXEC_RFLAGS_INIT 0x202ULL /* IF and the reserved bit */
#define EXEC_FDPATH_MAX (SYS_PATH_MAX + 32) /* "/dev/fd/<fd>/" + a path */

/* auxv tags */
#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_EXECFN 31

/* The strings of a stack being built (Linux's bprm->p, argmin, argc, envc, exec). */
struct exec_stack {
	struct aspace *as;
	uint64_t p;      /* lowest string byte so far */
	uint64_t argmin; /* the strings may not go below */
	uint64_t argc, envc;
	uint64_t execfn; /* AT_EXECFN */
};

/* One execve in progress (Linux's struct linux_binprm). */
struct exec_bprm {
	struct exec_stack st;
	struct vfs_node *name;   /* the name opened (its node: comm for AT_EMPTY_PATH) */
	struct vfs_node *file;   /* the file it stands for, to load now */
	const char *filename;    /* the path as given, or /dev/fd/<fd>[/path] */
	const char *interp;      /* the name the next script level pushes as its path */
	bool comm_from_dentry;   /* AT_EMPTY_PATH: comm from the file's name */
	bool path_inaccessible;  /* filename goes with an O_CLOEXEC fd: no script */
	struct elf_info info;
	char *exe_path;          /* kmalloc'd absolute path of the file loaded */
	struct proc_cred cred;   /* the credential after exec (cred_exec) */
	char comm[PROC_COMM_LEN]; /* the new comm, made before de_thread sleeps */
};

/* Scratch: exec sleeps only past its last use (de_thread), and one CPU runs the kernel. */
static char exec_path[SYS_PATH_BUF];
static char exec_fdpath[EXEC_FDPATH_MAX];
static char exec_abs[VFS_PATH_MAX];
static char exec_interp[EXEC_BUF_SIZE + 1];
static char exec_hdr[EXEC_BUF_SIZE + 1];
static uint8_t exec_chunk[PAGE_SIZE];
static char exec_why[160]; /* the loader's reason; the caller sees only its errno */
static const char *exec_image_path; /* exec_set_image_path */

/* ---------------------------------------------------------------- the stack */

/*
 * Start a stack's strings in `as` for argc + envc strings, as Linux's
 * bprm_stack_limits: room for a quarter of RLIMIT_STACK (at most 3/4 of
 * _STK_LIM, at least ARG_MAX) less the pointers. -E2BIG.
 */
static int exec_stack_start(struct exec_stack *st, struct aspace *as, const struct proc *p,
			    uint64_t argc, uint64_t envc)
{
	uint64_t limit = MIN(EXEC_STK_LIM / 4 * 3, p->rlim[PROC_RLIM_STACK].cur / 4);
	uint64_t ptrs = (MAX(argc, 1) + envc) * sizeof(uint64_t);

	limit = MAX(limit, EXEC_ARG_MAX);
	st->as = as;
	st->p = PROC_STACK_TOP - sizeof(uint64_t);
	st->argc = argc;
	st->envc = envc;
	st->execfn = 0;
	if (limit <= ptrs)
		return -E2BIG;
	st->argmin = st->p - (limit - ptrs);
	return 0;
}

/* Take len bytes (a string with its NUL) below the strings. -E2BIG past the limits. */
static int exec_stack_take(struct exec_stack *st, uint64_t len)
{
	if (len > EXEC_MAX_ARG_STRLEN || st->p - st->argmin < len)
		return -E2BIG;
	st->p -= len;
	return 0;
}

/* Push kernel string s (copy_string_kernel). 0, -E2BIG, -ENOMEM. */
static int exec_push_kstr(struct exec_stack *st, const char *s)
{
	size_t len = strnlen(s, EXEC_MAX_ARG_STRLEN) + 1;
	int err = exec_stack_take(st, len);

	return err ? err : elf_poke(st->as, st->p, s, len);
}

/*
 * strnlen_user(ustr, MAX_ARG_STRLEN) of the running process: the length
 * with the NUL, EXEC_MAX_ARG_STRLEN + 1 when longer, 0 on a fault.
 */
static uint64_t exec_strnlen_user(uint64_t ustr)
{
	uint64_t done = 0;

	while (done < EXEC_MAX_ARG_STRLEN) {
		size_t n = MIN(sizeof(exec_chunk), EXEC_MAX_ARG_STRLEN - done);
		long r = strncpy_from_user((char *)exec_chunk, ustr + done, n);

		if (r < 0)
			return 0;
		if ((size_t)r < n)
			return done + (uint64_t)r + 1;
		done += n;
	}
	return EXEC_MAX_ARG_STRLEN + 1;
}

/* Push the running process's string at ustr. 0, -EFAULT, -E2BIG, -ENOMEM. */
static int exec_push_ustr(struct exec_stack *st, uint64_t ustr)
{
	uint64_t len = exec_strnlen_user(ustr);
	int err;

	if (!len)
		return -EFAULT;
	err = exec_stack_take(st, len);
	for (uint64_t off = 0, n; !err && off < len; off += n) {
		n = MIN(len - off, sizeof(exec_chunk));
		if (copy_from_user(exec_chunk, ustr + off, n))
			return -EFAULT;
		if (off + n == len)
			exec_chunk[n - 1] = 0; /* the NUL strnlen saw */
		err = elf_poke(st->as, st->p + off, exec_chunk, n);
	}
	return err;
}

/* The i-th pointer of the running process's vector uvec. 0 or -EFAULT. */
static int exec_uvec_get(uint64_t uvec, uint64_t i, uint64_t *out)
{
	return copy_from_user(out, uvec + i * sizeof(uint64_t), sizeof(*out)) ? -EFAULT : 0;
}

/* Count the strings of vector uvec (NULL: none), as Linux's count(). -EFAULT, -E2BIG. */
static long exec_count(uint64_t uvec)
{
	uint64_t i = 0, s;

	if (!uvec)
		return 0;
	for (;; i++) {
		if (exec_uvec_get(uvec, i, &s))
			return -EFAULT;
		if (!s)
			return (long)i;
		if (i >= EXEC_MAX_ARG_STRINGS)
			return -E2BIG;
	}
}

/* Push the n strings of vector uvec, the last first (copy_strings). */
static int exec_push_uvec(struct exec_stack *st, uint64_t uvec, uint64_t n)
{
	while (n-- > 0) {
		uint64_t s;
		int err = exec_uvec_get(uvec, n, &s);

		if (!err)
			err = exec_push_ustr(st, s);
		if (err)
			return err;
	}
	return 0;
}

/* Move *va past the NUL of the string there in `as`. 0 or -EFAULT / -ENOMEM. */
static int exec_next_str(struct aspace *as, uint64_t *va)
{
	for (;;) {
		size_t n = PAGE_SIZE - (*va & (PAGE_SIZE - 1)), len;
		int err = access_copy_from(as, exec_chunk, *va, n);

		if (err)
			return err;
		len = strnlen((const char *)exec_chunk, n);
		*va += len;
		if (len < n) {
			*va += 1;
			return 0;
		}
	}
}

/* remove_arg_zero: drop argv[0], the lowest string. */
static int exec_drop_arg0(struct exec_stack *st)
{
	int err;

	if (!st->argc)
		return 0;
	err = exec_next_str(st->as, &st->p);
	if (!err)
		st->argc--;
	return err;
}

/* Words written to a stack through a small buffer; the first error sticks. */
struct exec_words {
	struct aspace *as;
	uint64_t at;
	uint64_t buf[64];
	size_t n;
	int err;
};

static void exec_words_flush(struct exec_words *w)
{
	if (!w->err && w->n)
		w->err = elf_poke(w->as, w->at, w->buf, w->n * sizeof(w->buf[0]));
	w->at += w->n * sizeof(w->buf[0]);
	w->n = 0;
}

static void exec_word(struct exec_words *w, uint64_t v)
{
	w->buf[w->n++] = v;
	if (w->n == ARRAY_SIZE(w->buf))
		exec_words_flush(w);
}

/* Write n pointers to the consecutive strings from *str on, then NULL. */
static void exec_words_strs(struct exec_words *w, uint64_t *str, uint64_t n)
{
	for (uint64_t i = 0; i < n && !w->err; i++) {
		exec_word(w, *str);
		w->err = exec_next_str(w->as, str);
	}
	exec_word(w, 0);
}

/* Fill v[] with the auxiliary vector; returns the number of words. */
static size_t exec_auxv(uint64_t *v, const struct elf_info *info, const struct proc_cred *c,
			uint64_t random, uint64_t execfn)
{
	const uint64_t aux[][2] = {
		{ AT_PHDR, info->phdr },  { AT_PHENT, info->phent },
		{ AT_PHNUM, info->phnum }, { AT_PAGESZ, PAGE_SIZE },
		{ AT_BASE, 0 },           { AT_FLAGS, 0 },
		{ AT_ENTRY, info->entry }, { AT_UID, c->uid },
		{ AT_EUID, c->euid },     { AT_GID, c->gid },
		{ AT_EGID, c->egid },     { AT_HWCAP, user_hwcap() },
		{ AT_CLKTCK, 100 },       { AT_SECURE, 0 },
		{ AT_RANDOM, random },    { AT_EXECFN, execfn },
		{ AT_NULL, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(aux); i++) {
		v[2 * i] = aux[i][0];
		v[2 * i + 1] = aux[i][1];
	}
	return 2 * ARRAY_SIZE(aux);
}

/*
 * Below the strings (create_elf_tables): 16 random bytes, 16-byte aligned,
 * then argc, argv[], NULL, envp[], NULL and auxv, 16-byte aligned at *sp.
 */
static int exec_stack_finish(struct exec_stack *st, const struct elf_info *info,
			     const struct proc_cred *cred, uint64_t *sp)
{
	uint64_t rnd[2] = { user_random(), user_random() }, aux[48];
	uint64_t at = ALIGN_DOWN(st->p, 16) - sizeof(rnd), str = st->p;
	struct exec_words w = { .as = st->as };
	size_t naux = exec_auxv(aux, info, cred, at, st->execfn);
	uint64_t items = 1 + st->argc + 1 + st->envc + 1 + naux;
	int err = elf_poke(st->as, at, rnd, sizeof(rnd));

	if (err)
		return err;
	w.at = ALIGN_DOWN(at - items * sizeof(uint64_t), 16);
	*sp = w.at;
	exec_word(&w, st->argc);
	exec_words_strs(&w, &str, st->argc);
	exec_words_strs(&w, &str, st->envc);
	for (size_t i = 0; i < naux; i++)
		exec_word(&w, aux[i]);
	exec_words_flush(&w);
	return w.err;
}

int exec_first_stack(struct proc *p, const struct elf_info *info, uint64_t *sp)
{
	struct exec_stack st;
	int err = exec_stack_start(&st, p->as, p, 1, 0);

	if (!err)
		err = exec_push_kstr(&st, p->name);
	st.execfn = st.p;
	if (!err)
		err = exec_push_kstr(&st, p->name);
	return err ? err : exec_stack_finish(&st, info, &p->cred, sp);
}

/* ---------------------------------------------------------------- the file */

/* True when cred c may execute regular file f (CAP_DAC_OVERRIDE: any x bit). */
static bool exec_may_run(const struct proc_cred *c, const struct vfs_node *f)
{
	uint32_t m = f->mode;

	if (cred_capable(c, CAP_DAC_OVERRIDE))
		return (m & 0111) != 0;
	if (c->euid == f->uid)
		return (m & 0100) != 0;
	if (c->egid == f->gid)
		return (m & 0010) != 0;
	return (m & 0001) != 0;
}

/* Check the node a walk gave: the file to run. -ELOOP, -EACCES. */
static int exec_check(const struct proc *p, struct vfs_node *n, struct exec_bprm *b)
{
	struct vfs_node *f = vfs_file_of(n);

	if (VFS_IS_LNK(n->mode))
		return -ELOOP; /* AT_SYMLINK_NOFOLLOW met a link */
	if (!VFS_IS_REG(n->mode) || f->gen || !exec_may_run(&p->cred, f))
		return -EACCES;
	b->name = n;
	b->file = f;
	return 0;
}

/* Resolve kernel path `path` from dirfd (namei flags nflags) to the file to run in b. */
static int exec_open(struct proc *p, int32_t dirfd, const char *path, unsigned nflags,
		     struct exec_bprm *b)
{
	struct vfs_node *start = rootfs_root();
	struct namei nd;
	int err = 0;

	if (!start)
		return -ENOENT;
	if (path[0] != '/')
		err = (int)sys_start_dir(p, dirfd, &start);
	if (!err)
		err = namei(rootfs_root(), start, path, strlen(path), nflags, &nd);
	if (err)
		return err;
	if (!nd.node)
		return -ENOENT;
	return exec_check(p, nd.node, b);
}

/*
 * The file execveat names (do_open_execat, alloc_bprm): b->file, and
 * b->filename, the path as given or /dev/fd/<fd>[/path] when relative to a
 * descriptor. -EINVAL bad flags, the walk's errors, -EBADF, -EACCES.
 */
static int exec_open_at(struct proc *p, int32_t dirfd, const char *path, uint64_t flags,
			struct exec_bprm *b)
{
	struct file *f;

	if (flags & ~(uint64_t)(EXEC_AT_SYMLINK_NOFOLLOW | EXEC_AT_EMPTY_PATH))
		return -EINVAL;
	b->filename = path;
	if (dirfd != AT_FDCWD && path[0] != '/') {
		if (path[0])
			ksnprintf(exec_fdpath, sizeof(exec_fdpath), "/dev/fd/%d/%s", dirfd, path);
		else
			ksnprintf(exec_fdpath, sizeof(exec_fdpath), "/dev/fd/%d", dirfd);
		b->filename = exec_fdpath;
		b->comm_from_dentry = !path[0];
		b->path_inaccessible = fdt_get_fdflags(p->fdt, dirfd) > 0 &&
				       (fdt_get_fdflags(p->fdt, dirfd) & FD_CLOEXEC);
	}
	b->interp = b->filename;
	if (path[0])
		return exec_open(p, dirfd, path, (flags & EXEC_AT_SYMLINK_NOFOLLOW) ?
				 NAMEI_NOFOLLOW : NAMEI_FOLLOW, b);
	if (dirfd == AT_FDCWD)
		return exec_check(p, p->cwd ? p->cwd : rootfs_root(), b);
	f = sys_file_raw(p, dirfd);
	if (!f)
		return -EBADF;
	if (!f->node)
		return -EACCES; /* a pipe, the console */
	return exec_check(p, f->node, b);
}

/* ---------------------------------------------------------------- #! scripts */

static bool exec_spacetab(char c)
{
	return c == ' ' || c == '\t';
}

/* The first byte of [s, end) that is not a space or tab, or NULL. */
static const char *exec_skip_spacetab(const char *s, const char *end)
{
	for (; s < end; s++)
		if (!exec_spacetab(*s))
			return s;
	return NULL;
}

/* The first space, tab or NUL of [s, end), or NULL. */
static const char *exec_next_terminator(const char *s, const char *end)
{
	for (; s < end; s++)
		if (exec_spacetab(*s) || !*s)
			return s;
	return NULL;
}

/*
 * Parse the "#!" line in buf (EXEC_BUF_SIZE bytes, zero padded) as Linux's
 * load_script: *name and *arg (NULL when none) NUL-terminated in buf.
 * -ENOEXEC when no interpreter name is found or it may be truncated.
 */
static int exec_parse_script(char *buf, const char **name, const char **arg)
{
	const char *end = buf + EXEC_BUF_SIZE - 1, *i_end, *i_name, *i_sep;

	for (i_end = buf; i_end < buf + EXEC_BUF_SIZE && *i_end && *i_end != '\n'; i_end++)
		;
	if (i_end == buf + EXEC_BUF_SIZE || *i_end != '\n') { /* strnchr: none before a NUL */
		i_end = exec_skip_spacetab(buf + 2, end);
		if (!i_end || !exec_next_terminator(i_end, end))
			return -ENOEXEC;
		i_end = end;
	}
	while (exec_spacetab(i_end[-1]))
		i_end--;
	i_name = exec_skip_spacetab(buf + 2, i_end);
	if (!i_name || i_name == i_end)
		return -ENOEXEC;
	*arg = NULL;
	i_sep = exec_next_terminator(i_name, i_end);
	if (i_sep && *i_sep)
		*arg = exec_skip_spacetab(i_sep, i_end);
	buf[i_end - buf] = '\0';
	if (*arg)
		buf[i_sep - buf] = '\0';
	*name = i_name;
	return 0;
}

/*
 * A script: argv[0] gives way to { interp, [arg], the script's path }, and
 * the interpreter becomes the file to load (load_script, bprm_change_interp).
 */
static int exec_script(struct proc *p, struct exec_bprm *b)
{
	const char *name, *arg;
	int err = exec_parse_script(exec_hdr, &name, &arg);

	if (err)
		return err;
	if (b->path_inaccessible)
		return -ENOENT;
	err = exec_drop_arg0(&b->st);
	err = err ? err : exec_push_kstr(&b->st, b->interp);
	if (!err && arg) {
		b->st.argc++;
		err = exec_push_kstr(&b->st, arg);
	}
	err = err ? err : exec_push_kstr(&b->st, name);
	if (err)
		return err;
	b->st.argc += 2;
	memmove(exec_interp, name, strlen(name) + 1);
	b->interp = exec_interp;
	return exec_open(p, AT_FDCWD, exec_interp, NAMEI_FOLLOW, b);
}

/* ---------------------------------------------------------------- loading */

int exec_load_file(struct aspace *as, struct vfs_node *f, struct elf_info *info, char *why,
		   size_t whylen)
{
	struct mobj *obj = NULL;
	void *copy = NULL;
	const void *img;
	size_t size;
	int err = vfs_obj(f, &obj);

	if (err) {
		ksnprintf(why, whylen, "exec: no memory for the file's pages (%d)", err);
		return err;
	}
	img = vfs_bytes(f, &size);
	if (!img && size) {
		copy = kmalloc(size);
		if (!copy || vfs_read(f, 0, copy, size) != size) {
			ksnprintf(why, whylen, "exec: no memory for a copy of the image");
			kfree(copy);
			return -ENOMEM;
		}
		img = copy;
	}
	err = elf_load(as, img, size, obj, info, why, whylen);
	kfree(copy);
	return err;
}

/* Load b->file, an ELF image, into the new address space. -ENOEXEC, -ENOMEM. */
static int exec_load_elf(struct exec_bprm *b)
{
	return exec_load_file(b->st.as, b->file, &b->info, exec_why, sizeof(exec_why));
}

/*
 * Read the files and load the image (search_binary_handler and its
 * loop): scripts rewrite the arguments and name the next file; an ELF
 * image ends it. -ENOEXEC, -ELOOP, the lookup's errors, -ENOMEM.
 */
static int exec_load(struct proc *p, struct exec_bprm *b)
{
	for (int depth = 0;; depth++) {
		int err;

		if (depth > EXEC_MAX_DEPTH)
			return -ELOOP;
		memset(exec_hdr, 0, sizeof(exec_hdr));
		vfs_read(b->file, 0, exec_hdr, EXEC_BUF_SIZE);
		if (exec_hdr[0] != '#' || exec_hdr[1] != '!')
			return exec_load_elf(b);
		err = exec_script(p, b);
		if (err)
			return err;
	}
}

/* The strings of the new stack: filename (AT_EXECFN), envp, argv. */
static int exec_copy_strings(struct proc *p, struct exec_bprm *b, uint64_t uargv,
			     uint64_t uenvp)
{
	long argc = exec_count(uargv), envc;
	int err;

	if (argc < 0)
		return (int)argc;
	envc = exec_count(uenvp);
	if (envc < 0)
		return (int)envc;
	err = exec_stack_start(&b->st, b->st.as, p, (uint64_t)argc, (uint64_t)envc);
	err = err ? err : exec_push_kstr(&b->st, b->filename);
	b->st.execfn = b->st.p;
	err = err ? err : exec_push_uvec(&b->st, uenvp, (uint64_t)envc);
	err = err ? err : exec_push_uvec(&b->st, uargv, (uint64_t)argc);
	if (!err && argc == 0) { /* Linux adds "" as argv[0] */
		err = exec_push_kstr(&b->st, "");
		b->st.argc = 1;
	}
	return err;
}

/* A kmalloc'd copy of the absolute path of f into *out. -ENOMEM. */
static int exec_abs_path(const struct vfs_node *f, char **out)
{
	size_t len;

	if (vfs_path(f, exec_abs, sizeof(exec_abs)))
		return -ENAMETOOLONG;
	len = strlen(exec_abs) + 1;
	*out = kmalloc(len);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, exec_abs, len);
	return 0;
}

/* ---------------------------------------------------------------- commit */

/* Close every O_CLOEXEC descriptor (do_close_on_exec). */
static void exec_close_on_exec(struct fdtable *t)
{
	for (unsigned fd = 0; t && fd < t->size; fd++)
		if (t->files[fd] && (t->fdflags[fd] & FD_CLOEXEC))
			fdt_close(t, (int)fd);
}

/* comm: the basename of the path as given, or the file's own name (15 bytes), into b->comm. */
static void exec_set_comm(struct exec_bprm *b)
{
	const char *base = b->filename;

	for (const char *s = b->filename; *s; s++)
		if (*s == '/')
			base = s + 1;
	if (b->comm_from_dentry)
		base = b->name->name;
	ksnprintf(b->comm, sizeof(b->comm), "%s", base);
}

void exec_set_regs(struct uregs *regs, uint64_t entry, uint64_t sp)
{
	memset(regs, 0, sizeof(*regs));
	regs->rip = entry;
	regs->rsp = sp;
	regs->cs = GDT_USER_CS;
	regs->ss = GDT_USER_DS;
	regs->rflags = EXEC_RFLAGS_INIT;
}

/* The point of no return: p becomes the new program (nothing can fail). */
static void exec_commit(struct proc *p, struct exec_bprm *b, uint64_t sp, struct uregs *regs)
{
	struct aspace *as = b->st.as;

	futex_mm_release(p); /* a vfork parent's clear-tid word, as Linux's exec_mm_release */
	as_set_mdwe(as, as_mdwe_inherited(p->as));
	proc_release_mm(p); /* the kernel's tables are loaded meanwhile */
	p->as = as;
	mm_load_root(as_root(as));
	usercopy_bind(as);
	kfree(p->path_owned);
	p->path_owned = b->exe_path;
	p->path = b->exe_path;
	p->did_exec = true;
	p->cred = b->cred;
	memcpy(p->comm, b->comm, sizeof(p->comm));
	proc_unshare_sighand(p); /* its handlers are its own from now on */
	sig_exec_reset(&p->sig);
	exec_close_on_exec(p->fdt);
	p->fs_base = p->gs_base = 0;
	user_set_fs(0);
	user_set_gs(0);
	user_fpu_reset();
	user_pkru_set(USER_PKRU_INIT); /* the new space has key 0 alone */
	p->robust_list = 0;
	p->rseq = 0;
	p->rseq_len = p->rseq_sig = 0;
	p->tid_address = 0;
	exec_set_regs(regs, b->info.entry, sp);
	proc_vfork_done(p);
	ptrace_exec(p);
}

/*
 * The new program is a process alone: the other threads of p's group die
 * and p takes the group's pid (de_thread), and a descriptor table shared
 * with another process (CLONE_FILES) is copied (unshare_files). 0, -EAGAIN
 * when p was killed meanwhile, -ENOMEM.
 */
static int exec_unshare(struct proc *p)
{
	struct fdtable *t;
	int err = proc_de_thread(p);

	if (err || !p->fdt || !fdt_shared(p->fdt))
		return err;
	t = fdt_clone(p->fdt);
	if (!t)
		return -ENOMEM;
	fdt_destroy(p->fdt);
	p->fdt = t;
	return 0;
}

/* Everything up to the point of no return into b, its address space made. */
static int exec_prepare(struct proc *p, struct exec_bprm *b, uint64_t uargv, uint64_t uenvp,
			uint64_t *sp)
{
	int err = exec_copy_strings(p, b, uargv, uenvp);

	err = err ? err : exec_load(p, b);
	err = err ? err : exec_abs_path(b->file, &b->exe_path);
	err = err ? err : exec_stack_finish(&b->st, &b->info, &p->cred, sp);
	if (!err)
		exec_set_comm(b);
	return err;
}

long exec_execveat(struct proc *p, int32_t dirfd, uint64_t upath, uint64_t uargv,
		   uint64_t uenvp, uint64_t flags, struct uregs *regs)
{
	struct exec_bprm b;
	long n = strncpy_from_user(exec_path, upath, SYS_PATH_MAX);
	uint64_t sp = 0;
	int err;

	if (n < 0)
		return n;
	if (n == SYS_PATH_MAX)
		return -ENAMETOOLONG;
	if (n == 0 && !(flags & EXEC_AT_EMPTY_PATH))
		return -ENOENT;
	memset(&b, 0, sizeof(b));
	err = exec_open_at(p, dirfd, exec_path, flags, &b);
	if (err)
		return err;
	b.st.as = as_create();
	if (!b.st.as)
		return -ENOMEM;
	b.cred = p->cred;
	cred_exec(&b.cred);
	as_set_memlock(b.st.as, p->rlim[PROC_RLIM_MEMLOCK].cur, cred_as_caps(&b.cred));
	sys_mm_rlimits_to(p, b.st.as);
	as_pick_layout(b.st.as, p->rlim[PROC_RLIM_STACK].cur);
	err = as_stack_init(b.st.as, PROC_STACK_TOP, EXEC_STACK_INITIAL);
	err = err ? err : exec_prepare(p, &b, uargv, uenvp, &sp);
	err = err ? err : exec_unshare(p);
	if (err) {
		kfree(b.exe_path);
		as_destroy(b.st.as);
		return err;
	}
	exec_commit(p, &b, sp, regs);
	return 0;
}

/* ---------------------------------------------------------------- the first program */

void exec_set_image_path(const char *path)
{
	exec_image_path = path;
}

int exec_take_image_path(struct proc *p)
{
	const char *path = exec_image_path;
	size_t len;

	exec_image_path = NULL;
	if (!path)
		return 0;
	len = strlen(path) + 1;
	p->path_owned = kmalloc(len);
	if (!p->path_owned)
		return -ENOMEM;
	memcpy(p->path_owned, path, len);
	p->path = p->path_owned;
	return 0;
}

int exec_fork_path(struct proc *c, const struct proc *p)
{
	size_t len;

	c->path_owned = NULL;
	if (!p->path_owned)
		return 0;
	len = strlen(p->path_owned) + 1;
	c->path_owned = kmalloc(len);
	if (!c->path_owned)
		return -ENOMEM;
	memcpy(c->path_owned, p->path_owned, len);
	c->path = c->path_owned;
	return 0;
}

void exec_proc_free(struct proc *p)
{
	kfree(p->path_owned);
	p->path_owned = NULL;
}
