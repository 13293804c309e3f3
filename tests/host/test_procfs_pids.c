/*
 * Host tests of /proc for every process: the /proc directory's refresh
 * (one /proc/<pid>/ per listed pid, made in pid order, gone when the pid is
 * no longer listed, the heap as before once all are gone, all or nothing
 * under allocation failures), the /proc/self and exe links, a path walk
 * through them, and the generators added for processes: a zombie's status,
 * stat, smaps_rollup, mem (forced access: copy-on-write break into a
 * read-only private page, EIO where nothing is mapped or a shared page is
 * read-only, partial transfers) and clear_refs' parsing.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "fs/file.h"
#include "fs/namei.h"
#include "fs/procfs.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "mm/access.h"
#include "mm/aspace.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "support/as_testlib.h"
#include "support/host_mm.h"

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define MAXPID 8

static struct aspace *as;
static struct procfs_task task;
static struct procfs_buf buf;
static size_t free0, heap0;
static bool listed[MAXPID + 1];
static int self_pid;

static void setup(void)
{
	host_mm_setup(MiB(64));
	free0 = pmm_free_frames();
	heap0 = heap_bytes_in_use();
	as = as_create();
	cr_assert_not_null(as);
	task = (struct procfs_task){
		.as = as, .pid = 3, .ppid = 1, .pgid = 1, .sid = 1, .state = 'S', .comm = "kid",
		.uid = {1000, 1000, 1000, 1000}, .gid = {100, 100, 100, 100}, .umask = 022,
		.fd_size = 64, .threads = 1, .exe = "/programs/kid", .exit_signal = 17,
		.flags = PROCFS_TASK_ADMIN | PROCFS_TASK_ATTACH | PROCFS_TASK_OWNER,
	};
	memset(listed, 0, sizeof(listed));
	self_pid = 0;
	procfs_buf_init(&buf);
}

static void teardown(void)
{
	procfs_buf_free(&buf);
	as_destroy(as);
	cr_assert_eq(pmm_free_frames(), free0);
	cr_assert_eq(heap_bytes_in_use(), heap0, "heap %zd bytes off",
		     (ssize_t)(heap_bytes_in_use() - heap0));
}

TestSuite(procfs_pids, .init = setup, .fini = teardown);

static int next_pid(int after)
{
	for (int p = after + 1; p <= MAXPID; p++)
		if (p > 0 && listed[p])
			return p;
	return 0;
}

static int my_pid(void)
{
	return self_pid;
}

/* Thread groups: tasks 2, 6 and 7 are group 2's (group_of[tid] = its tgid, 0: none). */
static int group_of[MAXPID + 1];

static int next_tid(int tgid, int after)
{
	for (int t = after + 1; t <= MAXPID; t++)
		if (t > 0 && group_of[t] == tgid)
			return t;
	return 0;
}

static const struct procfs_pids pids = {.next = next_pid, .self = my_pid, .next_tid = next_tid};

/* Every listed pid is `task` with its pid. */
static int task_source(int pid, struct procfs_task *out)
{
	if (pid < 1 || pid > MAXPID || !listed[pid])
		return -ESRCH;
	*out = task;
	out->pid = pid;
	return 0;
}

/* The names of /proc's pid directories in order, "1 2 5". */
static void pid_dirs(struct vfs_node *proc, char *out, size_t size)
{
	size_t n = 0;

	out[0] = '\0';
	for (struct vfs_node *c = vfs_first_child(proc); c; c = vfs_next_sibling(c))
		if (VFS_IS_DIR(c->mode) && c->name[0] >= '1' && c->name[0] <= '9')
			n += (size_t)snprintf(out + n, size - n, "%s%s", n ? " " : "", c->name);
}

/* A root with /proc mounted and the test's sources installed. */
static struct vfs_node *mounted(void)
{
	struct vfs_node *root = vfs_new_root(0755);

	cr_assert_not_null(root);
	cr_assert_eq(procfs_mount(root), 0);
	procfs_set_pid_source(&pids);
	procfs_set_task_source(task_source);
	return root;
}

static void unmount(struct vfs_node *root)
{
	procfs_set_pid_source(NULL);
	procfs_set_task_source(NULL);
	vfs_free(root);
}

/* Regenerate with fn and compare with the expected text. */
static void expect_text(int (*fn)(const struct procfs_task *, struct procfs_buf *),
			const char *want)
{
	procfs_buf_free(&buf);
	procfs_buf_init(&buf);
	cr_assert_eq(fn(&task, &buf), 0);
	cr_assert_str_eq(buf.data ? buf.data : "", want);
}

Test(procfs_pids, directories_follow_the_pid_list)
{
	struct vfs_node *root = mounted(), *proc = vfs_walk(root, "proc");
	size_t heap_mounted = heap_bytes_in_use();
	char names[64];

	listed[1] = listed[2] = listed[5] = true;
	cr_assert_eq(vfs_refresh(proc), 0);
	pid_dirs(proc, names, sizeof(names));
	cr_assert_str_eq(names, "1 2 5");
	cr_assert_not_null(vfs_walk(root, "proc/5/status"));
	cr_assert_not_null(vfs_walk(root, "proc/5/exe"));
	listed[2] = false;
	listed[7] = true;
	cr_assert_eq(vfs_refresh(proc), 0);
	pid_dirs(proc, names, sizeof(names));
	cr_assert_str_eq(names, "1 5 7");
	cr_assert_null(vfs_walk(root, "proc/2"));
	cr_assert_eq(vfs_check(root), 0);
	memset(listed, 0, sizeof(listed));
	cr_assert_eq(vfs_refresh(proc), 0);
	pid_dirs(proc, names, sizeof(names));
	cr_assert_str_eq(names, "");
	cr_assert_eq(heap_bytes_in_use(), heap_mounted, "the pid directories gave everything back");
	unmount(root);
}

Test(procfs_pids, many_processes_then_none_leave_the_table_as_it_was)
{
	struct vfs_node *root = mounted(), *proc = vfs_walk(root, "proc");
	size_t heap_mounted = heap_bytes_in_use();

	for (int p = 1; p <= MAXPID; p++)
		listed[p] = true;
	cr_assert_eq(vfs_refresh(proc), 0);
	cr_assert_eq(proc->nchildren, 3 + MAXPID); /* self, meminfo, sys */
	cr_assert_gt(proc->nbuckets, 8, "the table grew");
	memset(listed, 0, sizeof(listed));
	cr_assert_eq(vfs_refresh(proc), 0);
	cr_assert_eq(proc->nbuckets, 8);
	cr_assert_eq(heap_bytes_in_use(), heap_mounted);
	unmount(root);
}

Test(procfs_pids, refresh_out_of_memory_is_all_or_nothing_per_process)
{
	struct vfs_node *root = mounted(), *proc = vfs_walk(root, "proc");
	size_t heap_mounted = heap_bytes_in_use();
	char names[64];

	listed[2] = listed[4] = true;
	for (unsigned long k = 1; k < 80; k++) {
		int err;

		heap_fail_nth(k);
		err = vfs_refresh(proc);
		heap_fail_nth(0);
		cr_assert(err == 0 || err == -ENOMEM, "k=%lu err=%d", k, err);
		cr_assert_eq(vfs_check(root), 0);
		for (int p = 2; p <= 4; p += 2) {
			char path[32];
			struct vfs_node *d;

			snprintf(path, sizeof(path), "proc/%d", p);
			d = vfs_walk(root, path);
			if (d)
				cr_assert_eq(d->nchildren, 12, "k=%lu: /proc/%d complete", k, p); /* and task/ */
		}
		cr_assert_eq(vfs_refresh(proc), 0, "k=%lu: a later refresh completes it", k);
		pid_dirs(proc, names, sizeof(names));
		cr_assert_str_eq(names, "2 4");
		memset(listed, 0, sizeof(listed));
		cr_assert_eq(vfs_refresh(proc), 0);
		cr_assert_eq(heap_bytes_in_use(), heap_mounted, "k=%lu", k);
		listed[2] = listed[4] = true;
	}
	unmount(root);
}

Test(procfs_pids, self_and_exe_links_resolve_in_a_path_walk)
{
	struct vfs_node *root = mounted();
	struct namei nd;
	char link[64];
	const char *path = "/proc/self/status";

	listed[3] = true;
	cr_assert_eq(namei(root, root, "/proc/self", 10, NAMEI_NOFOLLOW, &nd), 0);
	cr_assert_eq(vfs_readlink(nd.node, link, sizeof(link)), -ENOENT, "no reader: ENOENT");
	cr_assert_eq(namei(root, root, path, strlen(path), NAMEI_FOLLOW, &nd), -ENOENT);
	self_pid = 3;
	cr_assert_eq(vfs_readlink(nd.node, link, sizeof(link)), 1);
	cr_assert_eq(link[0], '3');
	cr_assert_eq(vfs_readlink(nd.node, link, 0), -ENAMETOOLONG);
	cr_assert_eq(namei(root, root, path, strlen(path), NAMEI_FOLLOW, &nd), 0);
	cr_assert_eq(nd.node, vfs_walk(root, "proc/3/status"));
	cr_assert_str_eq(nd.node->name, "status");
	cr_assert_eq(nd.len, 6);
	cr_assert_eq(namei(root, root, "/proc/self", 10, NAMEI_FOLLOW, &nd), 0);
	cr_assert_eq(nd.node, vfs_walk(root, "proc/3"));
	cr_assert_eq(memcmp(nd.last, "3", nd.len), 0);
	cr_assert_eq(vfs_readlink(vfs_walk(root, "proc/3/exe"), link, sizeof(link)), 13);
	cr_assert_eq(memcmp(link, "/programs/kid", 13), 0);
	task.exe = NULL;
	cr_assert_eq(vfs_readlink(vfs_walk(root, "proc/3/exe"), link, sizeof(link)), -ENOENT);
	listed[3] = false;
	cr_assert_eq(namei(root, root, path, strlen(path), NAMEI_FOLLOW, &nd), -ENOENT,
		     "reaped: the directory is gone");
	unmount(root);
}

Test(procfs_pids, zombie_status_is_linux_short_form)
{
	task.as = NULL;
	task.state = 'Z';
	task.fd_size = 0;
	task.uid[1] = 0;
	task.cap[1] = task.cap[2] = task.cap[3] = 0x1ffffffffffULL; /* euid 0: root's sets */
	expect_text(procfs_status,
		    "Name:\tkid\nState:\tZ (zombie)\nTgid:\t3\nNgid:\t0\nPid:\t3\nPPid:\t1\n"
		    "TracerPid:\t0\nUid:\t1000\t0\t1000\t1000\nGid:\t100\t100\t100\t100\n"
		    "FDSize:\t0\nGroups:\t \nNStgid:\t3\nNSpid:\t3\nNSpgid:\t1\nNSsid:\t1\n"
		    "Kthread:\t0\nThreads:\t1\nSigQ:\t0/0\n"
		    "SigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n"
		    "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n"
		    "SigCgt:\t0000000000000000\nCapInh:\t0000000000000000\n"
		    "CapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\n"
		    "CapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\n"
		    "Seccomp:\t0\nSeccomp_filters:\t0\nSpeculation_Store_Bypass:\tunknown\n"
		    "SpeculationIndirectBranch:\tunsupported\nCpus_allowed:\t1\n"
		    "Cpus_allowed_list:\t0\nMems_allowed:\t"
		    "00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,"
		    "00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,"
		    "00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,"
		    "00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000001\n"
		    "Mems_allowed_list:\t0\nvoluntary_ctxt_switches:\t0\n"
		    "nonvoluntary_ctxt_switches:\t0\nx86_Thread_features:\t\n"
		    "x86_Thread_features_locked:\t\n");
	expect_text(procfs_maps, "");
	expect_text(procfs_smaps, "");
	expect_text(procfs_statm, "0 0 0 0 0 0 0\n");
	procfs_buf_free(&buf);
	procfs_buf_init(&buf);
	cr_assert_eq(procfs_smaps_rollup(&task, &buf), -ESRCH);
	cr_assert_eq(procfs_mem(&task, 0x400000, &buf, 0, PROCFS_MEM_READ), 0);
}

/* The ids and state, and the capability sets as the kernel hands them over (kernel/cred.c). */
Test(procfs_pids, status_ids_state_and_dropped_capabilities)
{
	task.uid[0] = 1000;
	task.uid[1] = 1001;
	task.uid[2] = 1002;
	task.uid[3] = 1003;
	task.gid[3] = 7;
	procfs_buf_free(&buf);
	procfs_buf_init(&buf);
	cr_assert_eq(procfs_status(&task, &buf), 0);
	cr_assert_not_null(strstr(buf.data, "\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t3\n"));
	cr_assert_not_null(strstr(buf.data, "\nPid:\t3\nPPid:\t1\n"));
	cr_assert_not_null(strstr(buf.data, "\nUid:\t1000\t1001\t1002\t1003\nGid:\t100\t100\t100\t7\n"));
	cr_assert_not_null(strstr(buf.data, "\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n"));
	task.uid[2] = 0; /* a saved root uid keeps the permitted set, not the effective one */
	task.cap[0] = 1ULL << 7, task.cap[1] = 0x1ffffffffffULL, task.cap[3] = 0xffULL;
	task.cap[4] = 1ULL << 7;
	procfs_buf_free(&buf);
	procfs_buf_init(&buf);
	cr_assert_eq(procfs_status(&task, &buf), 0);
	cr_assert_not_null(strstr(buf.data, "\nCapInh:\t0000000000000080\n"
				  "CapPrm:\t000001ffffffffff\nCapEff:\t0000000000000000\n"
				  "CapBnd:\t00000000000000ff\nCapAmb:\t0000000000000080\n"));
	task.state = 'T';
	procfs_buf_free(&buf);
	procfs_buf_init(&buf);
	cr_assert_eq(procfs_status(&task, &buf), 0);
	cr_assert_not_null(strstr(buf.data, "\nState:\tT (stopped)\n"));
}

Test(procfs_pids, stat_has_linux_52_fields)
{
	char want[512];

	cr_assert_eq(as_mmap(as, 0x400000, 0x2000, PROT_READ | PROT_EXEC, ANON | MAP_FIXED),
		     0x400000);
	cr_assert_eq(as_mmap(as, 0x600000, 0x3000, RW, ANON | MAP_FIXED), 0x600000);
	as_brk_init(as, 0x603000);
	cr_assert_eq(as_test_write(as, 0x600000, "x", 1), AS_FAULT_OK);
	task.start_code = 0x400000;
	task.end_code = 0x401800;
	task.start_stack = 0x7ffffffff000ULL - 8;
	task.utime = 3;
	task.stime = 2;
	task.start_time = 42;
	task.rsslim = ~0ULL;
	task.sig_blocked = 1ULL << 9 | 1ULL << 40; /* stat shows the first 31 signals */
	task.task_flags = 0x40;
	snprintf(want, sizeof(want),
		 "3 (kid) S 1 1 1 0 -1 64 0 0 0 0 3 2 0 0 20 0 1 0 42 20480 1 "
		 "18446744073709551615 4194304 4200448 140737488351224 0 0 0 512 0 0 1 0 0 17 0 "
		 "0 0 0 0 0 0 0 6303744 0 0 0 0 0\n");
	expect_text(procfs_stat, want);
	task.flags = 0; /* a reader that may not attach: no addresses, as Linux hides them */
	expect_text(procfs_stat,
		    "3 (kid) S 1 1 1 0 -1 64 0 0 0 0 3 2 0 0 20 0 1 0 42 20480 1 "
		    "18446744073709551615 1 1 0 0 0 0 512 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 "
		    "0\n");
	task.as = NULL;
	task.state = 'Z';
	task.exit_code = 768;
	task.flags = PROCFS_TASK_ATTACH;
	expect_text(procfs_stat,
		    "3 (kid) Z 1 1 1 0 -1 64 0 0 0 0 3 2 0 0 20 0 1 0 42 0 0 "
		    "18446744073709551615 0 0 0 0 0 0 512 0 0 1 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 "
		    "768\n");
	task.comm = "a\nb\\"; /* stat prints the name as it is, status escapes it */
	procfs_buf_free(&buf);
	procfs_buf_init(&buf);
	cr_assert_eq(procfs_stat(&task, &buf), 0);
	cr_assert_eq(strncmp(buf.data, "3 (a\nb\\) Z ", 11), 0, "%s", buf.data);
	procfs_buf_free(&buf);
	procfs_buf_init(&buf);
	cr_assert_eq(procfs_status(&task, &buf), 0);
	cr_assert_eq(strncmp(buf.data, "Name:\ta\\nb\\\\\n", 13), 0, "%s", buf.data);
}

Test(procfs_pids, smaps_rollup_sums_every_vma)
{
	cr_assert_eq(as_mmap(as, 0x10000000, 0x4000, RW, ANON | MAP_FIXED), 0x10000000);
	cr_assert_eq(as_mmap(as, 0x20000000, 0x2000, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED),
		     0x20000000);
	for (vaddr_t va = 0x10000000; va < 0x10003000; va += 0x1000)
		cr_assert_eq(as_test_write(as, va, "x", 1), AS_FAULT_OK);
	cr_assert_eq(as_test_write(as, 0x20000000, "y", 1), AS_FAULT_OK);
	/*
	 * The shmem page is mapped once: private, whole in Pss (its object's own
	 * reference is no mapping: Linux's mapcount 1), as Linux's smaps shows it.
	 */
	expect_text(procfs_smaps_rollup,
		    "10000000-20002000 ---p 00000000 00:00 0" "                                  " "[rollup]\n"
		    "Rss:                  16 kB\nPss:                  16 kB\n"
		    "Pss_Dirty:            16 kB\nPss_Anon:             12 kB\n"
		    "Pss_File:              0 kB\nPss_Shmem:             4 kB\n"
		    "Shared_Clean:          0 kB\nShared_Dirty:          0 kB\n"
		    "Private_Clean:         0 kB\nPrivate_Dirty:        16 kB\n"
		    "Referenced:           16 kB\nAnonymous:            12 kB\n"
		    "KSM:                   0 kB\nLazyFree:              0 kB\n"
		    "AnonHugePages:         0 kB\nShmemPmdMapped:        0 kB\n"
		    "FilePmdMapped:         0 kB\nShared_Hugetlb:        0 kB\n"
		    "Private_Hugetlb:       0 kB\nSwap:                  0 kB\n"
		    "SwapPss:               0 kB\nLocked:                0 kB\n");
}

Test(procfs_pids, mem_reads_and_forces_writes_as_ptrace)
{
	struct aspace *child;
	char got[16] = {0};

	cr_assert_eq(as_mmap(as, 0x10000000, 0x1000, RW, ANON | MAP_FIXED), 0x10000000);
	cr_assert_eq(as_test_write(as, 0x10000000, "parent", 7), AS_FAULT_OK);
	cr_assert_eq(as_mprotect(as, 0x10000000, 0x1000, PROT_READ), 0);
	child = as_clone(as);
	cr_assert_not_null(child);
	task.as = child;
	cr_assert_eq(procfs_mem(&task, 0x10000000, got, 7, PROCFS_MEM_READ), 7);
	cr_assert_str_eq(got, "parent");
	/* A forced write into the child's read-only private page copies it for the child. */
	cr_assert_eq(procfs_mem(&task, 0x10000000, "forced", 7, PROCFS_MEM_WRITE), 7);
	cr_assert_eq(as_test_read(child, 0x10000000, got, 7), AS_FAULT_OK);
	cr_assert_str_eq(got, "forced");
	cr_assert_eq(as_test_read(as, 0x10000000, got, 7), AS_FAULT_OK);
	cr_assert_str_eq(got, "parent", "the parent's page stays its own");
	cr_assert_eq(as_test_write(child, 0x10000000, "x", 1), AS_FAULT_ACCERR,
		     "the copy stays read-only for the program");
	cr_assert_eq(as_check(child), 0);
	/* A page up to a hole: the bytes before it; the hole alone: EIO. */
	cr_assert_eq(procfs_mem(&task, 0x10000ff8, got, 16, PROCFS_MEM_READ), 8);
	cr_assert_eq(procfs_mem(&task, 0x10001000, got, 16, PROCFS_MEM_READ), -EIO);
	cr_assert_eq(procfs_mem(&task, ~0ULL - 3, got, 8, PROCFS_MEM_READ), -EIO);
	task.flags = 0;
	cr_assert_eq(procfs_mem(&task, 0x10000000, got, 7, PROCFS_MEM_READ), -EACCES);
	task.as = as;
	as_destroy(child);
}

Test(procfs_pids, mem_reads_prot_none_and_refuses_read_only_shared)
{
	char got[8] = {0};

	cr_assert_eq(as_mmap(as, 0x10000000, 0x1000, RW, ANON | MAP_FIXED), 0x10000000);
	cr_assert_eq(as_test_write(as, 0x10000000, "hidden", 7), AS_FAULT_OK);
	cr_assert_eq(as_mprotect(as, 0x10000000, 0x1000, PROT_NONE), 0);
	cr_assert_eq(procfs_mem(&task, 0x10000000, got, 7, PROCFS_MEM_READ), 7);
	cr_assert_str_eq(got, "hidden");
	cr_assert_eq(as_mmap(as, 0x20000000, 0x1000, PROT_READ,
			     MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED), 0x20000000);
	cr_assert_eq(procfs_mem(&task, 0x20000000, "x", 1, PROCFS_MEM_WRITE), -EIO);
	cr_assert_eq(procfs_mem(&task, 0x20000000, got, 1, PROCFS_MEM_READ), 1);
	cr_assert_eq(got[0], 0);
	cr_assert_eq(as_check(as), 0);
}

Test(procfs_pids, clear_refs_parses_as_linux)
{
	static const struct {
		const char *in;
		long want;
	} cases[] = {
		{"1", 1}, {"1\n", 2}, {" 4 \n", 4}, {"5", 1}, {"+3", 2}, {"0", -EINVAL},
		{"6", -EINVAL}, {"x", -EINVAL}, {"", -EINVAL}, {"1x", -EINVAL}, {"-1", -EINVAL},
		{"1                   ", 12},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_eq(procfs_clear_refs(&task, cases[i].in, strlen(cases[i].in)),
			     cases[i].want, "\"%s\"", cases[i].in);
}

Test(procfs_pids, mem_and_clear_refs_through_open_files)
{
	struct vfs_node *root = mounted();
	struct file *f;
	uint64_t pos = 0x10000000;
	char got[8] = {0};

	listed[3] = true;
	cr_assert_eq(as_mmap(as, 0x10000000, 0x1000, RW, ANON | MAP_FIXED), 0x10000000);
	cr_assert_eq(vfs_refresh(vfs_walk(root, "proc")), 0);
	cr_assert_eq(file_open_node(vfs_walk(root, "proc/3/mem"), O_RDWR, &f), 0);
	cr_assert_eq(f->ops->write(f, "abc", 3, &pos), 3);
	cr_assert_eq(pos, 0x10000003);
	pos = 0x10000000;
	cr_assert_eq(f->ops->read(f, got, 3, &pos), 3);
	cr_assert_str_eq(got, "abc");
	file_put(f);
	cr_assert_eq(file_open_node(vfs_walk(root, "proc/3/clear_refs"), O_RDWR, &f), 0);
	cr_assert_eq(f->ops->write(f, "4\n", 2, &f->pos), 2);
	cr_assert_eq(f->ops->read(f, got, 1, &f->pos), -EINVAL, "no read op: EINVAL");
	file_put(f);
	cr_assert_eq(file_open_node(vfs_walk(root, "proc/3/status"), O_RDONLY, &f), 0);
	cr_assert_null(f->ops->write, "a text file stays read-only");
	file_put(f);
	/* mem and pagemap: the 0600/0400 file's owner check, then attach (mm_access). */
	task.flags = PROCFS_TASK_ATTACH;
	cr_assert_eq(file_open_node(vfs_walk(root, "proc/3/mem"), O_RDWR, &f), -EACCES);
	cr_assert_eq(file_open_node(vfs_walk(root, "proc/3/pagemap"), O_RDONLY, &f), -EACCES);
	task.flags = PROCFS_TASK_OWNER;
	cr_assert_eq(file_open_node(vfs_walk(root, "proc/3/mem"), O_RDWR, &f), -EACCES);
	task.as = NULL; /* a zombie: nothing to attach to, the open succeeds and reads nothing */
	cr_assert_eq(file_open_node(vfs_walk(root, "proc/3/mem"), O_RDWR, &f), 0);
	pos = 0x10000000;
	cr_assert_eq(f->ops->read(f, got, 3, &pos), 0);
	file_put(f);
	task.as = as;
	unmount(root);
}

/* /proc/<pid>/task: one <tid>/ per task of the group, each with the files; gone tasks go. */
Test(procfs_pids, task_directories_follow_the_group)
{
	struct vfs_node *root = mounted(), *task;
	size_t heap_mounted = heap_bytes_in_use();
	char names[64];

	listed[2] = true;
	group_of[2] = group_of[6] = group_of[7] = 2;
	cr_assert_eq(vfs_refresh(vfs_walk(root, "proc")), 0);
	task = vfs_walk(root, "proc/2/task");
	cr_assert_not_null(task);
	cr_assert_eq(vfs_refresh(task), 0);
	pid_dirs(task, names, sizeof(names));
	cr_assert_str_eq(names, "2 6 7");
	cr_assert_eq(vfs_check(root), 0);
	cr_assert_eq(vfs_walk(root, "proc/2/task/6")->nchildren, 11);
	cr_assert_not_null(vfs_walk(root, "proc/2/task/7/status"));
	group_of[6] = 0;
	cr_assert_eq(vfs_refresh(task), 0);
	pid_dirs(task, names, sizeof(names));
	cr_assert_str_eq(names, "2 7");
	for (unsigned long k = 1; k < 40; k++) {
		struct vfs_node *d;
		int err;

		group_of[6] = 2;
		heap_fail_nth(k);
		err = vfs_refresh(task);
		heap_fail_nth(0);
		cr_assert(err == 0 || err == -ENOMEM, "k=%lu err=%d", k, err);
		d = vfs_walk(root, "proc/2/task/6");
		if (d)
			cr_assert_eq(d->nchildren, 11, "k=%lu: task/6 complete", k);
		group_of[6] = 0;
		cr_assert_eq(vfs_refresh(task), 0);
	}
	memset(listed, 0, sizeof(listed));
	memset(group_of, 0, sizeof(group_of));
	cr_assert_eq(vfs_refresh(vfs_walk(root, "proc")), 0);
	cr_assert_eq(heap_bytes_in_use(), heap_mounted);
	unmount(root);
}
