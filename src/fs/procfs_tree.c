/*
 * The /proc and /sys nodes: generated files in the vfs tree whose content
 * fs/procfs.c makes when they are opened (pagemap: when read). See
 * include/fs/procfs.h.
 */
#include "fs/procfs.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/pt.h"
#include "mm/thp.h"

#define PROCFS_DIR (VFS_S_IFDIR | 0555)
#define PROCFS_RO (VFS_S_IFREG | 0444)
#define PROCFS_RW (VFS_S_IFREG | 0644)
#define PROCFS_OWNER_RO (VFS_S_IFREG | 0400)
#define PROCFS_OWNER_RW (VFS_S_IFREG | 0600)
#define PROCFS_OWNER_WO (VFS_S_IFREG | 0200)
#define PROCFS_LINK (VFS_S_IFLNK | 0777)
#define PROCFS_PID_DIGITS 12

static procfs_task_fn procfs_task_source;
static const struct procfs_pids *procfs_pid_source;

const struct procfs_pids *procfs_set_pid_source(const struct procfs_pids *src)
{
	const struct procfs_pids *old = procfs_pid_source;

	procfs_pid_source = src;
	return old;
}

procfs_task_fn procfs_set_task_source(procfs_task_fn fn)
{
	procfs_task_fn old = procfs_task_source;

	procfs_task_source = fn;
	return old;
}

/* The process of a per-process file (gen_arg is its pid; a zombie has no space); 0 or -ESRCH. */
static int procfs_task_of(const struct vfs_node *n, struct procfs_task *t)
{
	*t = (struct procfs_task){0};
	if (!procfs_task_source || procfs_task_source((int)n->gen_arg, t) != 0)
		return -ESRCH;
	return 0;
}

/* Generators of struct vfs_gen for per-process text files. */
#define PROCFS_TASK_TEXT(file)                                                   \
	static int procfs_gen_##file(const struct vfs_node *n, struct procfs_buf *b) \
	{                                                                        \
		struct procfs_task t;                                            \
		int err = procfs_task_of(n, &t);                                 \
		return err ? err : procfs_##file(&t, b);                         \
	}                                                                        \
	static const struct vfs_gen procfs_ops_##file = {.text = procfs_gen_##file}

PROCFS_TASK_TEXT(maps);
PROCFS_TASK_TEXT(smaps);
PROCFS_TASK_TEXT(statm);
PROCFS_TASK_TEXT(status);
PROCFS_TASK_TEXT(cmdline);
PROCFS_TASK_TEXT(smaps_rollup);
PROCFS_TASK_TEXT(stat);

/* mem: the process's memory at the file position, read and written (procfs_mem). */
static long procfs_gen_mem_read(const struct vfs_node *n, uint64_t pos, void *buf, size_t len)
{
	struct procfs_task t;
	int err = procfs_task_of(n, &t);

	return err ? err : procfs_mem(&t, pos, buf, len, PROCFS_MEM_READ);
}

static long procfs_gen_mem_write(const struct vfs_node *n, uint64_t pos, const void *buf,
				 size_t len)
{
	struct procfs_task t;
	int err = procfs_task_of(n, &t);

	return err ? err : procfs_mem(&t, pos, (void *)buf, len, PROCFS_MEM_WRITE);
}

/*
 * The open of mem and pagemap: the file's permission check (a reader that
 * does not own the process's 0600 files), then mem_open's and
 * pagemap_open's mm_access (a reader that may not attach to a process with
 * memory) say EACCES.
 */
static int procfs_gen_mem_open(const struct vfs_node *n)
{
	struct procfs_task t;
	int err = procfs_task_of(n, &t);

	if (err)
		return err;
	if (!(t.flags & PROCFS_TASK_OWNER))
		return -EACCES;
	return t.as && !(t.flags & PROCFS_TASK_ATTACH) ? -EACCES : 0;
}

static const struct vfs_gen procfs_ops_mem = {
	.open = procfs_gen_mem_open, .read_at = procfs_gen_mem_read,
	.write_at = procfs_gen_mem_write,
};

/* clear_refs: write-only (read: EINVAL, as Linux's file without read). */
static long procfs_gen_clear_refs(const struct vfs_node *n, uint64_t pos, const void *buf,
				  size_t len)
{
	struct procfs_task t;
	int err = procfs_task_of(n, &t);

	return err ? err : procfs_clear_refs(&t, buf, len);
}

static const struct vfs_gen procfs_ops_clear_refs = {.write_at = procfs_gen_clear_refs};

/* exe: the executable's path (-ENOENT for a zombie or a process without one). */
static int procfs_gen_exe(const struct vfs_node *n, char *buf, size_t size)
{
	struct procfs_task t;
	size_t len;
	int err = procfs_task_of(n, &t);

	if (err)
		return err == -ESRCH ? -ENOENT : err;
	if (!t.exe || !t.exe[0])
		return -ENOENT;
	len = strlen(t.exe);
	if (len > size)
		return -ENAMETOOLONG;
	memcpy(buf, t.exe, len);
	return (int)len;
}

static const struct vfs_gen procfs_ops_exe = {.link = procfs_gen_exe};

/* /proc/self: the reader's pid in decimal (-ENOENT outside any process). */
static int procfs_gen_self(const struct vfs_node *n, char *buf, size_t size)
{
	int pid = procfs_pid_source && procfs_pid_source->self ? procfs_pid_source->self() : 0;
	char num[PROCFS_PID_DIGITS];
	int len;

	if (pid <= 0)
		return -ENOENT;
	len = ksnprintf(num, sizeof(num), "%d", pid);
	if ((size_t)len > size)
		return -ENAMETOOLONG;
	memcpy(buf, num, (size_t)len);
	return len;
}

static const struct vfs_gen procfs_ops_self = {.link = procfs_gen_self};

/* pagemap: read_at over the process's address space. */
static long procfs_gen_pagemap(const struct vfs_node *n, uint64_t pos, void *buf, size_t len)
{
	struct procfs_task t;
	int err = procfs_task_of(n, &t);

	return err ? err : procfs_pagemap_read(&t, pos, buf, len);
}

static int procfs_gen_mem_open(const struct vfs_node *n);

static const struct vfs_gen procfs_ops_pagemap = {
	.open = procfs_gen_mem_open, .read_at = procfs_gen_pagemap,
};

/* meminfo: the frame allocator's figures, with the reader's space if any. */
static int procfs_gen_meminfo(const struct vfs_node *n, struct procfs_buf *b)
{
	int pid = procfs_pid_source && procfs_pid_source->self ? procfs_pid_source->self() : 0;
	struct procfs_task t = {0};

	if (pid <= 0 || !procfs_task_source || procfs_task_source(pid, &t) != 0)
		t.as = NULL;
	return procfs_meminfo(t.as, b);
}

static const struct vfs_gen procfs_ops_meminfo = {.text = procfs_gen_meminfo};

/* A sysctl or sysfs knob (gen_arg is its enum procfs_knob). */
static int procfs_gen_knob(const struct vfs_node *n, struct procfs_buf *b)
{
	return procfs_knob((enum procfs_knob)n->gen_arg, b);
}

static const struct vfs_gen procfs_ops_knob = {.text = procfs_gen_knob};

/* nr_hugepages: a knob that takes writes (procfs_nr_hugepages_write). */
static long procfs_gen_hugepages_write(const struct vfs_node *n, uint64_t pos, const void *buf,
				       size_t len)
{
	return procfs_nr_hugepages_write(buf, len);
}

static const struct vfs_gen procfs_ops_hugepages = {
	.text = procfs_gen_knob, .write_at = procfs_gen_hugepages_write,
};

int procfs_node_text(const struct vfs_node *n, struct procfs_buf *out)
{
	if (!n->gen || !n->gen->text)
		return -EINVAL;
	return n->gen->text(n, out);
}

/* The directory `name` under dir, created (mode PROCFS_DIR) when missing; NULL on error in *err. */
static struct vfs_node *procfs_dir(struct vfs_node *dir, const char *name, int *err)
{
	struct vfs_node *n;
	int e = vfs_create(dir, name, strlen(name), PROCFS_DIR, &n);

	if (e == -EEXIST && VFS_IS_DIR(n->mode))
		e = 0;
	else if (e == -EEXIST)
		e = -ENOTDIR;
	*err = e;
	return e ? NULL : n;
}

/* A generated file `name` under dir (an existing generated one is kept). */
static int procfs_file(struct vfs_node *dir, const char *name, uint32_t mode,
		       const struct vfs_gen *gen, uintptr_t arg)
{
	struct vfs_node *n;
	int err = vfs_create(dir, name, strlen(name), mode, &n);

	if (err == -EEXIST && n->gen == gen && n->gen_arg == arg)
		return 0;
	if (err)
		return err;
	return vfs_set_gen(n, gen, arg);
}

/* One generated file of a table: name, mode, ops, argument. */
struct procfs_entry {
	const char *name;
	uint32_t mode;
	const struct vfs_gen *gen;
	uintptr_t arg;
};

/* Create every entry of a table under dir; stops at the first error. */
static int procfs_files(struct vfs_node *dir, const struct procfs_entry *e, size_t n)
{
	int err = 0;

	for (size_t i = 0; i < n && !err; i++)
		err = procfs_file(dir, e[i].name, e[i].mode, e[i].gen, e[i].arg);
	return err;
}

/* A generated node `name` of type mode under dir (an existing one with gen is kept). */
static int procfs_gen_node(struct vfs_node *dir, const char *name, uint32_t mode,
			   const struct vfs_gen *gen, uintptr_t arg)
{
	struct vfs_node *n;
	int err = vfs_create(dir, name, strlen(name), mode, &n);

	if (err == -EEXIST && n->gen == gen && VFS_MODE_TYPE(n->mode) == VFS_MODE_TYPE(mode))
		return 0;
	if (err)
		return err;
	return vfs_set_gen(n, gen, arg);
}

/* The per-task files of /proc/<pid>/ and /proc/<pid>/task/<tid>/ into dir. 0 or -ENOMEM. */
static int procfs_task_files(struct vfs_node *dir, int pid)
{
	const struct procfs_entry files[] = {
		{"maps", PROCFS_RO, &procfs_ops_maps, (uintptr_t)pid},
		{"smaps", PROCFS_RO, &procfs_ops_smaps, (uintptr_t)pid},
		{"smaps_rollup", PROCFS_RO, &procfs_ops_smaps_rollup, (uintptr_t)pid},
		{"statm", PROCFS_RO, &procfs_ops_statm, (uintptr_t)pid},
		{"status", PROCFS_RO, &procfs_ops_status, (uintptr_t)pid},
		{"stat", PROCFS_RO, &procfs_ops_stat, (uintptr_t)pid},
		{"cmdline", PROCFS_RO, &procfs_ops_cmdline, (uintptr_t)pid},
		{"pagemap", PROCFS_OWNER_RO, &procfs_ops_pagemap, (uintptr_t)pid},
		{"mem", PROCFS_OWNER_RW, &procfs_ops_mem, (uintptr_t)pid},
		{"clear_refs", PROCFS_OWNER_WO, &procfs_ops_clear_refs, (uintptr_t)pid},
	};
	int err = procfs_files(dir, files, ARRAY_SIZE(files));

	return err ? err :
		     procfs_gen_node(dir, "exe", PROCFS_LINK, &procfs_ops_exe, (uintptr_t)pid);
}

/* dir/<id>/ with the per-task files of `id`, all or nothing (-ENOMEM: nothing added). */
static int procfs_add_task_dir(struct vfs_node *dir, int id, struct vfs_node **out)
{
	char name[PROCFS_PID_DIGITS];
	struct vfs_node *d;
	int err;

	ksnprintf(name, sizeof(name), "%d", id);
	d = procfs_dir(dir, name, &err);
	if (!d)
		return err;
	err = procfs_task_files(d, id);
	if (err)
		vfs_prune(d);
	*out = err ? NULL : d;
	return err;
}

static const struct vfs_gen procfs_ops_task;

/* /proc/<pid>/ with its files and task/, all or nothing (-ENOMEM: nothing added). */
static int procfs_add_pid(struct vfs_node *proc, int pid)
{
	struct vfs_node *dir;
	int err = procfs_add_task_dir(proc, pid, &dir);

	if (err)
		return err;
	err = procfs_gen_node(dir, "task", PROCFS_DIR, &procfs_ops_task, (uintptr_t)pid);
	if (err)
		vfs_prune(dir);
	return err;
}

/* True when the pid source lists `tid` as a task of group `tgid`. */
static bool procfs_tid_listed(int tgid, int tid)
{
	return procfs_pid_source && procfs_pid_source->next_tid &&
	       procfs_pid_source->next_tid(tgid, tid - 1) == tid;
}

static int procfs_name_pid(const char *name);

/*
 * The refresh of /proc/<pid>/task: one <tid>/ per task of the group the
 * pid source lists (the threads, the leader first), the gone ones dropped.
 * 0, or -ENOMEM (the directories made so far stay).
 */
static int procfs_refresh_task(struct vfs_node *task)
{
	struct vfs_node *c, *next, *made;
	int tgid = (int)task->gen_arg, tid = 0, err = 0;
	char name[PROCFS_PID_DIGITS];

	for (c = vfs_first_child(task); c; c = next) {
		int t = procfs_name_pid(c->name);

		next = vfs_next_sibling(c);
		if (t && VFS_IS_DIR(c->mode) && !procfs_tid_listed(tgid, t))
			vfs_prune(c);
	}
	while (!err && procfs_pid_source && procfs_pid_source->next_tid &&
	       (tid = procfs_pid_source->next_tid(tgid, tid)) > 0) {
		int len = ksnprintf(name, sizeof(name), "%d", tid);

		if (!vfs_lookup(task, name, (size_t)len))
			err = procfs_add_task_dir(task, tid, &made);
	}
	return err;
}

static const struct vfs_gen procfs_ops_task = {.refresh = procfs_refresh_task};

/* The pid a child name of /proc stands for (decimal, no leading zero), or 0. */
static int procfs_name_pid(const char *name)
{
	int pid = 0;

	if (name[0] < '1' || name[0] > '9')
		return 0;
	for (; *name; name++) {
		if (*name < '0' || *name > '9' || pid > 100000000)
			return 0;
		pid = pid * 10 + (*name - '0');
	}
	return pid;
}

/* True when the pid source lists pid. */
static bool procfs_pid_listed(int pid)
{
	return procfs_pid_source && procfs_pid_source->next(pid - 1) == pid;
}

/*
 * The refresh of /proc: drop the directories of processes no longer listed
 * (reaped), then add one for each listed process without one, in pid
 * order. 0, or -ENOMEM (the directories made so far stay).
 */
static int procfs_refresh(struct vfs_node *proc)
{
	struct vfs_node *c, *next;
	char name[PROCFS_PID_DIGITS];
	int pid = 0, err = 0;

	for (c = vfs_first_child(proc); c; c = next) {
		int p = procfs_name_pid(c->name);

		next = vfs_next_sibling(c);
		if (p && VFS_IS_DIR(c->mode) && !procfs_pid_listed(p))
			vfs_prune(c);
	}
	while (!err && procfs_pid_source && (pid = procfs_pid_source->next(pid)) > 0) {
		int len = ksnprintf(name, sizeof(name), "%d", pid);

		if (!vfs_lookup(proc, name, (size_t)len))
			err = procfs_add_pid(proc, pid);
	}
	return err;
}

static const struct vfs_gen procfs_ops_proc = {.refresh = procfs_refresh};

void procfs_drop(struct vfs_node *root, int pid)
{
	struct vfs_node *proc = vfs_lookup(root, "proc", 4), *dir;
	char name[PROCFS_PID_DIGITS];
	int len = ksnprintf(name, sizeof(name), "%d", pid);

	dir = proc && proc->gen == &procfs_ops_proc ? vfs_lookup(proc, name, (size_t)len) : NULL;
	if (dir && VFS_IS_DIR(dir->mode))
		vfs_prune(dir);
}

/* /proc/self, /proc/meminfo and /proc/sys/vm/. */
static int procfs_mount_global(struct vfs_node *proc)
{
	static const struct procfs_entry vm[] = {
		{"mmap_min_addr", PROCFS_RW, &procfs_ops_knob, PROCFS_VM_MMAP_MIN_ADDR},
		{"max_map_count", PROCFS_RW, &procfs_ops_knob, PROCFS_VM_MAX_MAP_COUNT},
		{"overcommit_memory", PROCFS_RW, &procfs_ops_knob, PROCFS_VM_OVERCOMMIT_MEMORY},
		{"overcommit_ratio", PROCFS_RW, &procfs_ops_knob, PROCFS_VM_OVERCOMMIT_RATIO},
		{"nr_hugepages", PROCFS_RW, &procfs_ops_hugepages, PROCFS_HUGETLB_POOL},
	};
	struct vfs_node *sys, *dir;
	int err = procfs_gen_node(proc, "self", PROCFS_LINK, &procfs_ops_self, 0);

	if (!err)
		err = procfs_file(proc, "meminfo", PROCFS_RO, &procfs_ops_meminfo, 0);
	if (err)
		return err;
	sys = procfs_dir(proc, "sys", &err);
	dir = sys ? procfs_dir(sys, "vm", &err) : NULL;
	return dir ? procfs_files(dir, vm, ARRAY_SIZE(vm)) : err;
}

/* ---------------------------------------------------------------- /sys/kernel/mm */

/* The generator argument of a THP knob node: the knob, and the order of a per-size one. */
#define PROCFS_THP_ARG(k, order) ((uintptr_t)(k) | (uintptr_t)(order) << 8)
#define PROCFS_THP_KNOB(arg) ((enum thp_knob)((arg) & 0xff))
#define PROCFS_THP_ORDER(arg) ((unsigned)((arg) >> 8))

/* A THP knob's text, from mm's state. */
static int procfs_gen_thp(const struct vfs_node *n, struct procfs_buf *b)
{
	char text[THP_KNOB_TEXT_MAX];
	int len = thp_knob_show(PROCFS_THP_KNOB(n->gen_arg), PROCFS_THP_ORDER(n->gen_arg), text);

	return len < 0 ? len : procfs_put(b, text, (size_t)len);
}

/* A write to a THP knob: mm's store (at any position, as sysfs). len or -EINVAL/-ERANGE. */
static long procfs_gen_thp_store(const struct vfs_node *n, uint64_t pos, const void *buf,
				 size_t len)
{
	return thp_knob_store(PROCFS_THP_KNOB(n->gen_arg), PROCFS_THP_ORDER(n->gen_arg), buf,
			      MIN(len, PAGE_SIZE));
}

static const struct vfs_gen procfs_ops_thp_ro = {.text = procfs_gen_thp};
static const struct vfs_gen procfs_ops_thp = {
	.text = procfs_gen_thp, .write_at = procfs_gen_thp_store,
};

/* Knob k (of `order`) as file `name` in dir: 0644 when it takes writes, else 0444. */
static int procfs_thp_file(struct vfs_node *dir, const char *name, enum thp_knob k,
			   unsigned order)
{
	bool rw = thp_knob_writable(k);

	return procfs_file(dir, name, rw ? PROCFS_RW : PROCFS_RO,
			   rw ? &procfs_ops_thp : &procfs_ops_thp_ro, PROCFS_THP_ARG(k, order));
}

/* A THP knob file of a directory that is not per size. */
struct procfs_thp_entry {
	const char *name;
	enum thp_knob knob;
};

/* The knobs of the table t[0, n) in dir. */
static int procfs_thp_files(struct vfs_node *dir, const struct procfs_thp_entry *t, size_t n)
{
	int err = 0;

	for (size_t i = 0; i < n && !err; i++)
		err = procfs_thp_file(dir, t[i].name, t[i].knob, 0);
	return err;
}

/* transparent_hugepage/khugepaged/: values mm keeps (no daemon reads them, see mm/thp.h). */
static int procfs_mount_khugepaged(struct vfs_node *thp_dir)
{
	static const struct procfs_thp_entry kh[] = {
		{"defrag", THP_KNOB_KH_DEFRAG},
		{"alloc_sleep_millisecs", THP_KNOB_KH_ALLOC_SLEEP},
		{"scan_sleep_millisecs", THP_KNOB_KH_SCAN_SLEEP},
		{"max_ptes_none", THP_KNOB_KH_MAX_PTES_NONE},
		{"max_ptes_swap", THP_KNOB_KH_MAX_PTES_SWAP},
		{"max_ptes_shared", THP_KNOB_KH_MAX_PTES_SHARED},
		{"pages_to_scan", THP_KNOB_KH_PAGES_TO_SCAN},
		{"full_scans", THP_KNOB_KH_FULL_SCANS},
		{"pages_collapsed", THP_KNOB_KH_PAGES_COLLAPSED},
	};
	int err;
	struct vfs_node *dir = procfs_dir(thp_dir, "khugepaged", &err);

	return dir ? procfs_thp_files(dir, kh, ARRAY_SIZE(kh)) : err;
}

/* transparent_hugepage/hugepages-<N>kB/enabled for every anonymous THP size, smallest first. */
static int procfs_mount_thp_sizes(struct vfs_node *thp_dir)
{
	uint32_t orders = thp_anon_supported_orders();
	char name[32];
	int err = 0;

	for (unsigned o = 0; o < 32 && !err; o++) {
		struct vfs_node *dir;

		if (!(orders & (1u << o)))
			continue;
		ksnprintf(name, sizeof(name), "hugepages-%llukB",
			  (unsigned long long)((PAGE_SIZE << o) >> 10));
		dir = procfs_dir(thp_dir, name, &err);
		if (dir)
			err = procfs_thp_file(dir, "enabled", THP_KNOB_SIZE_ENABLED, o);
	}
	return err;
}

/* /sys/kernel/mm/transparent_hugepage/ (Linux 6.12's files; the state is mm/thp.h's). */
static int procfs_mount_thp(struct vfs_node *mm_dir)
{
	static const struct procfs_thp_entry thp[] = {
		{"enabled", THP_KNOB_ENABLED},
		{"defrag", THP_KNOB_DEFRAG},
		{"use_zero_page", THP_KNOB_USE_ZERO_PAGE},
		{"hpage_pmd_size", THP_KNOB_HPAGE_PMD_SIZE},
		{"shmem_enabled", THP_KNOB_SHMEM_ENABLED},
	};
	int err;
	struct vfs_node *dir = procfs_dir(mm_dir, "transparent_hugepage", &err);

	if (dir)
		err = procfs_thp_files(dir, thp, ARRAY_SIZE(thp));
	if (!err)
		err = procfs_mount_khugepaged(dir);
	return err ? err : procfs_mount_thp_sizes(dir);
}

/*
 * /sys/kernel/mm/hugepages/hugepages-{2048,1048576}kB/: the hugetlb pools of
 * the two sizes x86-64 has, in Linux's order. bootmm has no hugetlb pool:
 * every count reads 0 (a Linux whose pools are empty) and the files take
 * no writes, so MAP_HUGETLB gets what Linux gives with an empty pool.
 */
static int procfs_mount_hugetlb(struct vfs_node *mm_dir)
{
	static const struct procfs_entry pool[] = {
		{"free_hugepages", PROCFS_RO, &procfs_ops_knob, PROCFS_HUGETLB_POOL},
		{"nr_hugepages", PROCFS_RO, &procfs_ops_knob, PROCFS_HUGETLB_POOL},
		{"nr_hugepages_mempolicy", PROCFS_RO, &procfs_ops_knob, PROCFS_HUGETLB_POOL},
		{"nr_overcommit_hugepages", PROCFS_RO, &procfs_ops_knob, PROCFS_HUGETLB_POOL},
		{"resv_hugepages", PROCFS_RO, &procfs_ops_knob, PROCFS_HUGETLB_POOL},
		{"surplus_hugepages", PROCFS_RO, &procfs_ops_knob, PROCFS_HUGETLB_POOL},
	};
	static const char *const sizes[] = {"hugepages-2048kB", "hugepages-1048576kB"};
	int err;
	struct vfs_node *dir = procfs_dir(mm_dir, "hugepages", &err), *sub;

	for (size_t i = 0; dir && i < ARRAY_SIZE(sizes) && !err; i++) {
		sub = procfs_dir(dir, sizes[i], &err);
		if (sub)
			err = procfs_files(sub, pool, ARRAY_SIZE(pool));
	}
	return err;
}

/* /sys/kernel/mm/: transparent_hugepage/ and hugepages/. */
static int procfs_mount_sys_mm(struct vfs_node *root)
{
	static const char *const path[] = {"sys", "kernel", "mm"};
	struct vfs_node *dir = root;
	int err = 0;

	for (size_t i = 0; i < ARRAY_SIZE(path) && dir; i++)
		dir = procfs_dir(dir, path[i], &err);
	if (dir)
		err = procfs_mount_thp(dir);
	return dir && !err ? procfs_mount_hugetlb(dir) : err;
}

int procfs_mount(struct vfs_node *root)
{
	int err;
	struct vfs_node *proc = procfs_dir(root, "proc", &err);

	if (!proc)
		return err;
	if (!proc->gen)
		err = vfs_set_gen(proc, &procfs_ops_proc, 0);
	else if (proc->gen != &procfs_ops_proc)
		err = -EEXIST;
	if (!err)
		err = procfs_mount_global(proc);
	if (!err)
		err = procfs_mount_sys_mm(root);
	return err;
}
