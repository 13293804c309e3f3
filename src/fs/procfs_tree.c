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

#define PROCFS_DIR (VFS_S_IFDIR | 0555)
#define PROCFS_RO (VFS_S_IFREG | 0444)
#define PROCFS_RW (VFS_S_IFREG | 0644)
#define PROCFS_OWNER_RO (VFS_S_IFREG | 0400)

static procfs_task_fn procfs_task_source;

procfs_task_fn procfs_set_task_source(procfs_task_fn fn)
{
	procfs_task_fn old = procfs_task_source;

	procfs_task_source = fn;
	return old;
}

/* The process of a per-process file (gen_arg is its pid); 0 or -ESRCH. */
static int procfs_task_of(const struct vfs_node *n, struct procfs_task *t)
{
	*t = (struct procfs_task){0};
	if (!procfs_task_source || procfs_task_source((int)n->gen_arg, t) != 0 || !t->as)
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

/* pagemap: read_at over the process's address space. */
static long procfs_gen_pagemap(const struct vfs_node *n, uint64_t pos, void *buf, size_t len)
{
	struct procfs_task t;
	int err = procfs_task_of(n, &t);

	return err ? err : procfs_pagemap_read(&t, pos, buf, len);
}

static const struct vfs_gen procfs_ops_pagemap = {.read_at = procfs_gen_pagemap};

/* meminfo: the frame allocator's figures, with the process of the running pid if any. */
static int procfs_gen_meminfo(const struct vfs_node *n, struct procfs_buf *b)
{
	struct procfs_task t;

	return procfs_meminfo(procfs_task_of(n, &t) == 0 ? t.as : NULL, b);
}

static const struct vfs_gen procfs_ops_meminfo = {.text = procfs_gen_meminfo};

/* A sysctl or sysfs knob (gen_arg is its enum procfs_knob). */
static int procfs_gen_knob(const struct vfs_node *n, struct procfs_buf *b)
{
	return procfs_knob((enum procfs_knob)n->gen_arg, b);
}

static const struct vfs_gen procfs_ops_knob = {.text = procfs_gen_knob};

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

/* Point symbolic link n at a copy of [target, target+len); 0 or -ENOMEM. */
static int procfs_set_link(struct vfs_node *n, const char *target, size_t len)
{
	char *copy = kmalloc(len);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, target, len);
	return vfs_set_data(n, copy, len, VFS_DATA_OWNED);
}

/* /proc/<pid>/ and /proc/self. */
static int procfs_mount_pid(struct vfs_node *proc, int pid)
{
	char name[16];
	struct vfs_node *dir, *self;
	const struct procfs_entry files[] = {
		{"maps", PROCFS_RO, &procfs_ops_maps, (uintptr_t)pid},
		{"smaps", PROCFS_RO, &procfs_ops_smaps, (uintptr_t)pid},
		{"statm", PROCFS_RO, &procfs_ops_statm, (uintptr_t)pid},
		{"status", PROCFS_RO, &procfs_ops_status, (uintptr_t)pid},
		{"cmdline", PROCFS_RO, &procfs_ops_cmdline, (uintptr_t)pid},
		{"pagemap", PROCFS_OWNER_RO, &procfs_ops_pagemap, (uintptr_t)pid},
	};
	int len = ksnprintf(name, sizeof(name), "%d", pid), err;

	dir = procfs_dir(proc, name, &err);
	if (!dir)
		return err;
	err = procfs_files(dir, files, ARRAY_SIZE(files));
	if (err)
		return err;
	err = vfs_create(proc, "self", 4, VFS_S_IFLNK | 0777, &self);
	if (err == -EEXIST && VFS_IS_LNK(self->mode))
		err = 0;
	if (err)
		return err;
	return self->data && self->size == (size_t)len && !memcmp(self->data, name, len) ? 0 :
	       procfs_set_link(self, name, (size_t)len);
}

/* /proc/meminfo and /proc/sys/vm/. */
static int procfs_mount_global(struct vfs_node *proc, int pid)
{
	static const struct procfs_entry vm[] = {
		{"mmap_min_addr", PROCFS_RW, &procfs_ops_knob, PROCFS_VM_MMAP_MIN_ADDR},
		{"max_map_count", PROCFS_RW, &procfs_ops_knob, PROCFS_VM_MAX_MAP_COUNT},
		{"overcommit_memory", PROCFS_RW, &procfs_ops_knob, PROCFS_VM_OVERCOMMIT_MEMORY},
		{"overcommit_ratio", PROCFS_RW, &procfs_ops_knob, PROCFS_VM_OVERCOMMIT_RATIO},
	};
	struct vfs_node *sys, *dir;
	int err = procfs_file(proc, "meminfo", PROCFS_RO, &procfs_ops_meminfo, (uintptr_t)pid);

	if (err)
		return err;
	sys = procfs_dir(proc, "sys", &err);
	dir = sys ? procfs_dir(sys, "vm", &err) : NULL;
	return dir ? procfs_files(dir, vm, ARRAY_SIZE(vm)) : err;
}

/* /sys/kernel/mm/transparent_hugepage/ and its hugepages-2048kB/ (the one large size). */
static int procfs_mount_thp(struct vfs_node *root)
{
	static const struct procfs_entry thp[] = {
		{"enabled", PROCFS_RW, &procfs_ops_knob, PROCFS_THP_ENABLED},
		{"defrag", PROCFS_RW, &procfs_ops_knob, PROCFS_THP_DEFRAG},
		{"hpage_pmd_size", PROCFS_RO, &procfs_ops_knob, PROCFS_THP_HPAGE_PMD_SIZE},
		{"use_zero_page", PROCFS_RW, &procfs_ops_knob, PROCFS_THP_USE_ZERO_PAGE},
	};
	static const char *const path[] = {"sys", "kernel", "mm", "transparent_hugepage"};
	struct vfs_node *dir = root;
	char size_dir[32];
	int err = 0;

	ksnprintf(size_dir, sizeof(size_dir), "hugepages-%llukB",
		  (unsigned long long)(PT_LEVEL_SIZE(1) >> 10));
	for (size_t i = 0; i < ARRAY_SIZE(path) && dir; i++)
		dir = procfs_dir(dir, path[i], &err);
	if (dir)
		err = procfs_files(dir, thp, ARRAY_SIZE(thp));
	dir = dir && !err ? procfs_dir(dir, size_dir, &err) : NULL;
	return dir ? procfs_file(dir, "enabled", PROCFS_RW, &procfs_ops_knob,
				 PROCFS_THP_2M_ENABLED) : err;
}

int procfs_mount(struct vfs_node *root, int pid)
{
	int err;
	struct vfs_node *proc = procfs_dir(root, "proc", &err);

	if (!proc)
		return err;
	err = procfs_mount_pid(proc, pid);
	if (!err)
		err = procfs_mount_global(proc, pid);
	if (!err)
		err = procfs_mount_thp(root);
	return err;
}
