/*
 * procfs: the text of /proc and /sys files, generated from the kernel's state
 * when they are read, in Linux 6.12's exact formats (fs/proc/task_mmu.c,
 * fs/proc/array.c, fs/proc/meminfo.c, mm/huge_memory.c).
 *
 * The generators are pure: they read an address space (mm/aspace.h queries)
 * and a description of the process (struct procfs_task, filled by the kernel
 * layer, which fs cannot see) and write into a procfs_buf, either the
 * caller's fixed buffer or one that grows on the kernel heap. They build on
 * the host unchanged (tests/host/test_procfs.c).
 *
 * What the figures mean here (where bootmm differs from Linux, the truth):
 *  - every mapped anonymous page counts as dirty (no backing store it could
 *    be dropped to); Referenced counts the pages of young leaves (mapped or
 *    accessed since the last clear_refs 1-3). A read fault maps a
 *    private zeroed frame, which counts in Rss (Linux maps its shared zero
 *    page there, which smaps does not count);
 *  - a page is shared when its frame's reference count (its mappings) is 2
 *    or more, and its Pss is 4 KiB / mappings, as smaps_account;
 *  - MAP_SHARED anonymous memory counts as shmem (RssShmem, ShmemPmdMapped,
 *    not Anonymous), as on Linux;
 *  - Locked, VmLck and the lo/lf/dc/wf/dd/hg/nh/dp/sl flags come from
 *    as_vma_marks, the VMA's lock, seal and advice flags (MADV_HUGEPAGE and
 *    MADV_NOHUGEPAGE recorded; nh keeps 2 MiB leaves out);
 *  - VmPeak/VmHWM: the address space's high-water marks (mm/aspace.h
 *    as_hiwater_vm_pages, as_hiwater_rss_pages), taken before memory is
 *    given back, as Linux's hiwater_vm and hiwater_rss;
 *  - soft-dirty: a VMA is VM_SOFTDIRTY ("sd", bit 55 on each of its pagemap
 *    entries) from birth until clear_refs 4; a page is soft-dirty when
 *    written since (its leaf's state, set by the write fault);
 *  - clear_refs 1..4 as Linux (mm/aspace.h as_clear_refs); 5 resets the
 *    resident high-water mark to the resident count (as_reset_hiwater_rss);
 *  - a zombie (state 'Z', no address space) has Linux's short status (no
 *    Umask, FDSize 0, no memory lines), empty maps, smaps, cmdline and mem,
 *    statm of zeros, exe and smaps_rollup refused (ENOENT, ESRCH).
 */
#ifndef FS_PROCFS_H
#define FS_PROCFS_H

#include <stdarg.h>
#include "lib/types.h"
#include "mm/aspace.h"

/* A text being generated. */
struct procfs_buf {
	char *data;   /* len bytes (at most cap), NUL after them when room */
	size_t len;   /* bytes generated (may exceed cap for a fixed buffer) */
	size_t cap;
	int err;      /* 0, -ENOMEM (growing buffer) or -EOVERFLOW (fixed buffer full) */
	unsigned flags;
};

#define PROCFS_BUF_GROW (1u << 0) /* data is kmalloc'd and grows; free with procfs_buf_free */

/* An empty buffer that grows on the kernel heap. */
void procfs_buf_init(struct procfs_buf *b);

/* A buffer over the caller's [mem, mem+cap): what does not fit sets -EOVERFLOW. */
void procfs_buf_fixed(struct procfs_buf *b, char *mem, size_t cap);

/* Free a growing buffer's bytes (a fixed one is left alone). */
void procfs_buf_free(struct procfs_buf *b);

/* Append [s, s+n). Returns b->err. */
int procfs_put(struct procfs_buf *b, const char *s, size_t n);

/* Append formatted text (lib/printf conversions). Returns b->err. */
int procfs_printf(struct procfs_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* What maps shows of a VMA besides its range and rights (Linux's file columns and name). */
struct procfs_vma_id {
	uint64_t offset;               /* byte offset in the file (0 for anonymous) */
	uint32_t dev_major, dev_minor; /* 00:00 for anonymous */
	uint64_t ino;
	const char *name;              /* NULL or "" for none; the hook keeps the bytes alive */
};

struct procfs_task;

/*
 * The hook for mappings of files and shared memory, asked only about VMAs
 * with an object (v->obj; private anonymous memory never reaches it): fill
 * every field of *id and return true (path in name, e.g. "/tmp/f",
 * "/memfd:x (deleted)", "/dev/zero (deleted)"), or false to show v as
 * anonymous memory. NULL: every VMA shows as anonymous.
 */
typedef bool (*procfs_vma_file_fn)(const struct procfs_task *t, const struct as_vma_info *v,
				   struct procfs_vma_id *id);

/* One process as /proc/<pid> shows it (filled by the kernel layer). */
struct procfs_task {
	struct aspace *as;          /* NULL for a zombie */
	int pid, ppid, pgid, sid;
	int tgid;                   /* Tgid: the thread group's id; 0 when it is pid */
	int tracer_pid;             /* TracerPid: (0: not traced) */
	char state;                 /* 'R' running, 'S' sleeping, 'T' stopped, 't' traced,
				      'Z' zombie */
	const char *comm;           /* Name: (at most 15 bytes) */
	uint32_t uid[4], gid[4];    /* real, effective, saved, filesystem */
	uint64_t cap[5];            /* inheritable, permitted, effective, bounding, ambient */
	uint32_t umask;
	unsigned fd_size;           /* FDSize: */
	unsigned threads;
	const char *cmdline;        /* argv strings, each with its NUL */
	size_t cmdline_len;
	vaddr_t start_stack;        /* the VMA holding it is [stack] */
	vaddr_t start_code, end_code; /* VmExe, statm text, stat */
	vaddr_t start_data, end_data; /* stat */
	uint64_t sig_pending, sig_shpending, sig_blocked, sig_ignored, sig_caught;
	uint64_t sig_queued, sig_queue_limit; /* SigQ: queued signals / RLIMIT_SIGPENDING */
	uint64_t nvcsw, nivcsw;     /* context switches */
	const char *exe;            /* /proc/<pid>/exe's target; NULL: none (ENOENT) */
	/* stat's figures that status does not show */
	unsigned task_flags;        /* Linux's PF_* */
	uint64_t utime, stime, start_time; /* clock ticks (USER_HZ 100); start: since boot */
	uint64_t rsslim;            /* RLIMIT_RSS soft limit, bytes */
	int exit_signal;            /* sent to the parent at exit (SIGCHLD) */
	int exit_code;              /* a zombie's wait status; 0 otherwise */
	unsigned flags;             /* PROCFS_TASK_* */
	procfs_vma_file_fn vma_file; /* NULL: no file mappings */
};

#define PROCFS_TASK_ADMIN (1u << 0) /* the reader has CAP_SYS_ADMIN: pagemap shows PFNs */
#define PROCFS_TASK_ATTACH (1u << 1) /* the reader may ptrace it: mem, stat's addresses */
#define PROCFS_TASK_OWNER (1u << 2)  /* the reader may open its 0600 files (mem, pagemap) */

/* /proc/<pid>/maps. Returns b->err. */
int procfs_maps(const struct procfs_task *t, struct procfs_buf *b);

/* /proc/<pid>/smaps. Returns b->err. */
int procfs_smaps(const struct procfs_task *t, struct procfs_buf *b);

/* /proc/<pid>/statm. Returns b->err. */
int procfs_statm(const struct procfs_task *t, struct procfs_buf *b);

/* /proc/<pid>/status. Returns b->err. */
int procfs_status(const struct procfs_task *t, struct procfs_buf *b);

/* /proc/<pid>/cmdline (the argv bytes as they are). Returns b->err. */
int procfs_cmdline(const struct procfs_task *t, struct procfs_buf *b);

/* /proc/<pid>/smaps_rollup: the sums of smaps under a [rollup] line. -ESRCH for a zombie. */
int procfs_smaps_rollup(const struct procfs_task *t, struct procfs_buf *b);

/* /proc/<pid>/stat: Linux's 52 fields (do_task_stat). Returns b->err. */
int procfs_stat(const struct procfs_task *t, struct procfs_buf *b);

/* procfs_mem flags. */
#define PROCFS_MEM_READ 0u
#define PROCFS_MEM_WRITE (1u << 0)

/*
 * read(2) / write(2) of /proc/<pid>/mem at file position pos (the address):
 * a forced access (mm/access.h ACCESS_FORCE, Linux's FOLL_FORCE) page by
 * page. The bytes moved up to the first page that refuses, or -EIO when
 * the first one does (no VMA, a write into a read-only shared mapping, no
 * memory); 0 for a zombie (no address space); -EACCES when the reader may
 * not attach (no PROCFS_TASK_ATTACH: the open of /proc/<pid>/mem says so
 * first, as Linux's mem_open).
 */
long procfs_mem(const struct procfs_task *t, uint64_t pos, void *buf, size_t len,
		unsigned flags);

/*
 * write(2) of /proc/<pid>/clear_refs: buf holds a number 1..5 (Linux's
 * CLEAR_REFS_*, at most 12 bytes are read, blanks stripped). The count
 * taken (len, or 12 when longer), -EINVAL for anything else. What it can
 * clear here: see the top of this file.
 */
long procfs_clear_refs(const struct procfs_task *t, const void *buf, size_t len);

/* pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst). */
#define PROCFS_PM_PFN_MASK ((1ULL << 55) - 1)
#define PROCFS_PM_SOFT_DIRTY (1ULL << 55)
#define PROCFS_PM_EXCLUSIVE (1ULL << 56)
#define PROCFS_PM_FILE (1ULL << 61)
#define PROCFS_PM_PRESENT (1ULL << 63)
#define PROCFS_PM_ENTRY 8

/*
 * read(2) of /proc/<pid>/pagemap at file position pos: one 64-bit entry per
 * virtual page (entry i is page i), up to AS_TASK_SIZE. Fills buf with up to
 * len bytes and returns how many (0 at or past the end). Errors: -EINVAL
 * when pos or len is not a multiple of 8 (Linux's pagemap_read).
 */
long procfs_pagemap_read(const struct procfs_task *t, uint64_t pos, void *buf, size_t len);

/* /proc/meminfo from the frame allocator's figures and the running space (may be NULL). */
int procfs_meminfo(const struct aspace *running, struct procfs_buf *b);

/* The files under /proc/sys/vm and /sys/kernel/mm/hugepages with a generator. */
enum procfs_knob {
	PROCFS_VM_MMAP_MIN_ADDR,
	PROCFS_VM_MAX_MAP_COUNT,
	PROCFS_VM_OVERCOMMIT_MEMORY,
	PROCFS_VM_OVERCOMMIT_RATIO,
	PROCFS_HUGETLB_POOL,    /* a pool count: hugepages-<N>kB/ and /proc/sys/vm/nr_hugepages */
	PROCFS_KNOB_COUNT,
};

/*
 * A write to /proc/sys/vm/nr_hugepages (Linux's proc_doulongvec_minmax):
 * len for one unsigned decimal number (blanks around it allowed), -EINVAL
 * otherwise. bootmm has no hugetlb pool (no MAP_HUGETLB, no hugetlbfs), so
 * the number of persistent huge pages stays 0, as on a Linux machine that
 * cannot find any: reading the file back says 0.
 */
long procfs_nr_hugepages_write(const void *buf, size_t len);

/* The text of knob k (one line). Returns b->err, or -EINVAL for an unknown k. */
int procfs_knob(enum procfs_knob k, struct procfs_buf *b);

/* ---- the tree (procfs_tree.c) ---- */

struct vfs_node;

/*
 * Where per-process files get their process: fill *out for `pid` and return
 * 0, or -ESRCH when no such process runs. The kernel layer installs it (fs
 * cannot see processes); NULL: every per-process file answers -ESRCH.
 */
typedef int (*procfs_task_fn)(int pid, struct procfs_task *out);

/* Install the task source (NULL removes it). Returns the previous one. */
procfs_task_fn procfs_set_task_source(procfs_task_fn fn);

/* Which processes /proc lists, and which one is reading (installed by the kernel layer). */
struct procfs_pids {
	int (*next)(int after); /* the lowest pid above `after` (living or zombie), 0: none */
	int (*self)(void);      /* the calling process's pid, 0 when none (kernel context) */
	/* the lowest task id above `after` of thread group `tgid` (its leader's too), 0: none */
	int (*next_tid)(int tgid, int after);
};

/* Install the pid source (NULL removes it: /proc lists no process). Returns the previous one. */
const struct procfs_pids *procfs_set_pid_source(const struct procfs_pids *src);

/*
 * Add under `root`: /proc as a generated directory whose refresh keeps one
 * /proc/<pid>/ per process the pid source lists (made at the first lookup
 * or listing after it appears, gone at the first one after it is reaped)
 * with {maps, smaps, smaps_rollup, statm, status, stat, cmdline, pagemap,
 * mem, clear_refs, exe} and task/<tid>/ with the same files for each task
 * of its thread group (the pid source's next_tid; none when NULL);
 * /proc/self, a generated link to the reader's pid;
 * /proc/meminfo, /proc/sys/vm/{mmap_min_addr, max_map_count,
 * overcommit_memory, overcommit_ratio},
 * /sys/kernel/mm/transparent_hugepage/{enabled, defrag, use_zero_page,
 * hpage_pmd_size, shmem_enabled, khugepaged/{9 files}, hugepages-<N>kB/enabled}
 * (mm/thp.h's knobs, written through to mm) and
 * /sys/kernel/mm/hugepages/hugepages-{2048,1048576}kB/ (empty hugetlb
 * pools), as generated nodes (vfs_set_gen) with Linux's modes. Directories that exist already are
 * used. 0, or -ENOMEM (what was added stays; a later call completes it),
 * -ENOTDIR/-EEXIST when a path is taken by something else.
 */
int procfs_mount(struct vfs_node *root);

/* Remove root's /proc/<pid>/ now if it is there (a process freed). Cannot fail. */
void procfs_drop(struct vfs_node *root, int pid);

/* The generated text of file n (struct vfs_gen's text, for n made by procfs_mount). */
int procfs_node_text(const struct vfs_node *n, struct procfs_buf *out);

#endif
