/*
 * Host tests of the /proc generators (src/fs/procfs.c) over address spaces
 * built with as_* calls: the exact text of maps, smaps, statm and status
 * (addresses, rights, padding, kB figures after touching pages, 2 MiB leaves
 * in AnonHugePages), pagemap entries, meminfo and the knobs.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/procfs.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "mm/aspace.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "mm/thp.h"
#include "mm/zpage.h"
#include "support/as_testlib.h"
#include "support/host_mm.h"

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define SHARED_ANON (MAP_SHARED | MAP_ANONYMOUS) /* a VMA with an object */
#define STACK_TOP 0x7ffffffff000ULL

static struct aspace *as;
static struct procfs_task task;
static struct procfs_buf buf;
static size_t free0, heap0;

static void setup(void)
{
	host_mm_setup(MiB(512));
	free0 = pmm_free_frames();
	heap0 = heap_bytes_in_use();
	as = as_create();
	cr_assert_not_null(as);
	task = (struct procfs_task){
		.as = as, .pid = 1, .ppid = 0, .pgid = 1, .sid = 1, .comm = "prog",
		.umask = 022, .fd_size = 64, .threads = 1,
		.start_stack = STACK_TOP - 0x100, .flags = PROCFS_TASK_ADMIN,
		.cap = {0, 0x1ffffffffffULL, 0x1ffffffffffULL, 0x1ffffffffffULL, 0}, /* root's */
	};
	procfs_buf_init(&buf);
}

static void teardown(void)
{
	procfs_buf_free(&buf);
	as_destroy(as);
	cr_assert_eq(pmm_free_frames(), free0, "leaked %zd frames",
		     (ssize_t)(free0 - pmm_free_frames()));
	cr_assert_eq(heap_bytes_in_use(), heap0);
}

TestSuite(procfs, .init = setup, .fini = teardown);

/* Write one byte at va as a user write would (faulting pages in). */
static void touch(vaddr_t va)
{
	char c = 1;

	cr_assert_eq(as_test_write(as, va, &c, 1), AS_FAULT_OK, "write %#llx",
		     (unsigned long long)va);
}

/* Regenerate with fn and compare with the expected text, line by line for a readable failure. */
static void expect_text(int (*fn)(const struct procfs_task *, struct procfs_buf *),
			const char *want)
{
	procfs_buf_free(&buf);
	procfs_buf_init(&buf);
	cr_assert_eq(fn(&task, &buf), 0);
	cr_assert_eq(buf.len, strlen(buf.data));
	if (strcmp(buf.data, want) != 0) {
		const char *a = buf.data, *b = want;
		int line = 1;

		while (*a && *a == *b) {
			line += *a == '\n';
			a++, b++;
		}
		cr_assert_fail("line %d differs:\n got: %.120s\nwant: %.120s", line, a, b);
	}
}

/* The text of one smaps entry of the VMA starting at `start`, in `out`. */
static void smaps_entry(vaddr_t start, char *out, size_t size)
{
	char head[32];
	const char *p, *q;

	procfs_buf_free(&buf);
	procfs_buf_init(&buf);
	cr_assert_eq(procfs_smaps(&task, &buf), 0);
	snprintf(head, sizeof(head), "%08llx-", (unsigned long long)start);
	p = strstr(buf.data, head);
	cr_assert_not_null(p, "no entry for %s in\n%s", head, buf.data);
	q = strstr(p, "VmFlags:");
	cr_assert_not_null(q);
	q = strchr(q, '\n') + 1;
	cr_assert_lt((size_t)(q - p), size);
	memcpy(out, p, (size_t)(q - p));
	out[q - p] = '\0';
}

Test(procfs, maps_heap_stack_anon_exact)
{
	long a, b;

	as_brk_init(as, 0x401234);
	cr_assert_eq(as_brk(as, 0x403000), 0x403000);
	cr_assert_eq(as_stack_init(as, STACK_TOP, 0x21000), 0);
	a = as_mmap(as, 0, 0x3000, RW, ANON);
	b = as_mmap(as, 0, 0x1000, PROT_READ, MAP_SHARED | MAP_ANONYMOUS);
	cr_assert_eq(a, 0x7ffff7ffc000);
	cr_assert_eq(b, 0x7ffff7ffb000);
	cr_assert_eq(as_mprotect(as, a + 0x1000, 0x1000, PROT_READ | PROT_EXEC), 0);
	expect_text(procfs_maps,
		    "00402000-00403000 rw-p 00000000 00:00 0 "
		    "                                 [heap]\n"
		    "7ffff7ffb000-7ffff7ffc000 r--s 00000000 00:00 0 \n"
		    "7ffff7ffc000-7ffff7ffd000 rw-p 00000000 00:00 0 \n"
		    "7ffff7ffd000-7ffff7ffe000 r-xp 00000000 00:00 0 \n"
		    "7ffff7ffe000-7ffff7fff000 rw-p 00000000 00:00 0 \n"
		    "7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0 "
		    "                         [stack]\n");
}

/* A file hook naming every shared VMA with wide columns: 40-bit offset, dev fd:1a3, max inode. */
static bool wide_vma_file(const struct procfs_task *t, const struct as_vma_info *v,
			  struct procfs_vma_id *id)
{
	*id = (struct procfs_vma_id){.offset = 0x123456789000ULL, .dev_major = 0xfd,
				     .dev_minor = 0x1a3, .ino = UINT64_MAX, .name = "/f"};
	return true;
}

Test(procfs, maps_wide_columns_as_printf)
{
	char want[256];
	long a = as_mmap(as, 0x10000, 0x1000, RW, SHARED_ANON | MAP_FIXED);
	long b = as_mmap(as, 0x123456789000ULL, 0x2000, PROT_READ, SHARED_ANON | MAP_FIXED);

	cr_assert_eq(a, 0x10000);
	cr_assert_eq(b, 0x123456789000LL);
	task.vma_file = wide_vma_file;
	/* Headers of 64 and 72 bytes: the name still starts at column 73. */
	snprintf(want, sizeof(want),
		 "%08llx-%08llx rw-s %08llx %02x:%02x %llu %*s/f\n"
		 "%08llx-%08llx r--s %08llx %02x:%02x %llu %*s/f\n",
		 0x10000ULL, 0x11000ULL, 0x123456789000ULL, 0xfd, 0x1a3,
		 (unsigned long long)UINT64_MAX, 9, "",
		 0x123456789000ULL, 0x12345678b000ULL, 0x123456789000ULL, 0xfd, 0x1a3,
		 (unsigned long long)UINT64_MAX, 1, "");
	expect_text(procfs_maps, want);
}

/* A file hook whose columns grow with a shared VMA's start: 10 to 16 offset digits, wide dev. */
static bool digits_vma_file(const struct procfs_task *t, const struct as_vma_info *v,
			    struct procfs_vma_id *id)
{
	*id = (struct procfs_vma_id){.offset = v->start << 20, .dev_major = (v->start >> 12) & 0xfff,
				     .dev_minor = (v->start >> 24) & 0xfffff, .ino = v->start * 977,
				     .name = "/d"};
	return true;
}

Test(procfs, maps_hex_digit_counts_as_printf)
{
	static const unsigned long long starts[] = {
		0x10000, 0xfffff000, 0x100001000, 0xffffffff000, 0x7fffffffe000,
	};
	char want[1024], head[128];
	size_t len = 0;

	for (size_t i = 0; i < ARRAY_SIZE(starts); i++) {
		unsigned long long s = starts[i];

		cr_assert_eq(as_mmap(as, s, 0x1000, RW, SHARED_ANON | MAP_FIXED), (long)s);
		snprintf(head, sizeof(head), "%08llx-%08llx rw-s %08llx %02llx:%02llx %llu ", s,
			 s + 0x1000, s << 20, (s >> 12) & 0xfff, (s >> 24) & 0xfffff, s * 977);
		len += (size_t)snprintf(want + len, sizeof(want) - len, "%-72s /d\n", head);
	}
	task.vma_file = digits_vma_file;
	expect_text(procfs_maps, want);
}

Test(procfs, maps_name_column_is_73)
{
	char line[128];

	as_brk_init(as, 0x600000);
	cr_assert_eq(as_brk(as, 0x601000), 0x601000);
	procfs_buf_free(&buf);
	procfs_buf_init(&buf);
	cr_assert_eq(procfs_maps(&task, &buf), 0);
	cr_assert_eq(sscanf(buf.data, "%127[^\n]", line), 1);
	cr_assert_eq(strlen(line), 73 + strlen("[heap]"), "%s", line);
	cr_assert_str_eq(line + 73, "[heap]");
	cr_assert_eq(line[72], ' ');
}

Test(procfs, smaps_after_touching_pages)
{
	long a = as_mmap(as, 0, 0x5000, RW, ANON);
	char got[2048];

	touch(a);
	touch(a + 0x2000);
	touch(a + 0x2010);
	smaps_entry(a, got, sizeof(got));
	cr_assert_str_eq(got,
		"7ffff7ffa000-7ffff7fff000 rw-p 00000000 00:00 0 \n"
		"Size:                 20 kB\n"
		"KernelPageSize:        4 kB\n"
		"MMUPageSize:           4 kB\n"
		"Rss:                   8 kB\n"
		"Pss:                   8 kB\n"
		"Pss_Dirty:             8 kB\n"
		"Shared_Clean:          0 kB\n"
		"Shared_Dirty:          0 kB\n"
		"Private_Clean:         0 kB\n"
		"Private_Dirty:         8 kB\n"
		"Referenced:            8 kB\n"
		"Anonymous:             8 kB\n"
		"KSM:                   0 kB\n"
		"LazyFree:              0 kB\n"
		"AnonHugePages:         0 kB\n"
		"ShmemPmdMapped:        0 kB\n"
		"FilePmdMapped:         0 kB\n"
		"Shared_Hugetlb:        0 kB\n"
		"Private_Hugetlb:       0 kB\n"
		"Swap:                  0 kB\n"
		"SwapPss:               0 kB\n"
		"Locked:                0 kB\n"
		"THPeligible:           0\n"
		"VmFlags: rd wr mr mw me ac sd \n");
}

Test(procfs, smaps_2mib_leaf_is_anon_huge)
{
	long a = as_mmap(as, 0x40000000, MiB(4), RW, ANON | MAP_FIXED);
	char got[2048];
	struct as_page_info pg;

	cr_assert_eq(a, 0x40000000);
	touch(a + 0x1234);
	cr_assert(as_page_query(as, a, &pg));
	cr_assert_eq(pg.leaf_size, MiB(2));
	smaps_entry(a, got, sizeof(got));
	cr_assert(strstr(got, "\nSize:               4096 kB\n"), "%s", got);
	cr_assert(strstr(got, "\nRss:                2048 kB\n"), "%s", got);
	cr_assert(strstr(got, "\nPrivate_Dirty:      2048 kB\n"), "%s", got);
	cr_assert(strstr(got, "\nAnonymous:          2048 kB\n"), "%s", got);
	cr_assert(strstr(got, "\nAnonHugePages:      2048 kB\n"), "%s", got);
	cr_assert(strstr(got, "\nTHPeligible:           1\n"), "%s", got);
}

Test(procfs, smaps_shared_after_clone_halves_pss)
{
	long a = as_mmap(as, 0, 0x2000, RW, ANON);
	struct aspace *child;
	char got[2048];

	touch(a);
	touch(a + 0x1000);
	child = as_clone(as);
	cr_assert_not_null(child);
	smaps_entry(a, got, sizeof(got));
	cr_assert(strstr(got, "\nRss:                   8 kB\n"), "%s", got);
	cr_assert(strstr(got, "\nPss:                   4 kB\n"), "%s", got);
	cr_assert(strstr(got, "\nShared_Dirty:          8 kB\n"), "%s", got);
	cr_assert(strstr(got, "\nPrivate_Dirty:         0 kB\n"), "%s", got);
	/* The child's write breaks the sharing of one page: 4 kB private, 4 kB shared. */
	cr_assert_eq(as_test_write(child, a, "x", 1), AS_FAULT_OK);
	smaps_entry(a, got, sizeof(got));
	cr_assert(strstr(got, "\nPss:                   6 kB\n"), "%s", got);
	cr_assert(strstr(got, "\nShared_Dirty:          4 kB\n"), "%s", got);
	cr_assert(strstr(got, "\nPrivate_Dirty:         4 kB\n"), "%s", got);
	as_destroy(child);
}

Test(procfs, smaps_shared_anon_is_shmem)
{
	long a = as_mmap(as, 0, 0x1000, RW, MAP_SHARED | MAP_ANONYMOUS);
	char got[2048];

	touch(a);
	smaps_entry(a, got, sizeof(got));
	cr_assert(strstr(got, " rw-s "), "%s", got);
	cr_assert(strstr(got, "\nRss:                   4 kB\n"), "%s", got);
	cr_assert(strstr(got, "\nAnonymous:             0 kB\n"), "%s", got);
	cr_assert(strstr(got, "\nVmFlags: rd wr sh mr mw me ms sd \n"), "%s", got);
}

Test(procfs, smaps_stack_and_noreserve_flags)
{
	long a = as_mmap(as, 0, 0x1000, PROT_READ, ANON | MAP_NORESERVE);
	char got[2048];

	cr_assert_eq(as_stack_init(as, STACK_TOP, 0x1000), 0);
	smaps_entry(a, got, sizeof(got));
	cr_assert(strstr(got, "\nVmFlags: rd mr mw me nr sd \n"), "%s", got);
	smaps_entry(STACK_TOP - 0x1000, got, sizeof(got));
	cr_assert(strstr(got, "[stack]\n"), "%s", got);
	cr_assert(strstr(got, "\nVmFlags: rd wr mr mw me gd ac sd \n"), "%s", got);
}

Test(procfs, statm_and_status_vm_lines)
{
	long a;

	task.start_code = 0x401000;
	task.end_code = 0x402800;
	cr_assert_eq(as_mmap(as, 0x400000, 0x1000, PROT_READ, ANON | MAP_FIXED), 0x400000);
	cr_assert_eq(as_mmap(as, 0x401000, 0x2000, PROT_READ | PROT_EXEC, ANON | MAP_FIXED),
		     0x401000);
	as_brk_init(as, 0x404000);
	cr_assert_eq(as_brk(as, 0x406000), 0x406000);
	cr_assert_eq(as_stack_init(as, STACK_TOP, 0x3000), 0);
	a = as_mmap(as, 0, 0x10000, RW, ANON);
	touch(a);
	touch(a + 0x5000);
	touch(0x404000);
	touch(STACK_TOP - 8);
	/*
	 * total 1 + 2 + 2 + 3 + 16 = 24 pages; resident: 3 touched + the 3 stack
	 * pages as_stack_init maps; text 2; data 2 + 16, stack 3.
	 */
	expect_text(procfs_statm, "24 6 0 2 0 21 0\n");
	procfs_buf_free(&buf);
	procfs_buf_init(&buf);
	cr_assert_eq(procfs_status(&task, &buf), 0);
	cr_assert(strstr(buf.data,
			 "Name:\tprog\nUmask:\t0022\nState:\tR (running)\nTgid:\t1\nNgid:\t0\n"
			 "Pid:\t1\nPPid:\t0\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"
			 "FDSize:\t64\nGroups:\t \nNStgid:\t1\nNSpid:\t1\nNSpgid:\t1\nNSsid:\t1\n"
			 "Kthread:\t0\n"
			 "VmPeak:\t      96 kB\nVmSize:\t      96 kB\nVmLck:\t       0 kB\n"
			 "VmPin:\t       0 kB\nVmHWM:\t      24 kB\nVmRSS:\t      24 kB\n"
			 "RssAnon:\t      24 kB\nRssFile:\t       0 kB\nRssShmem:\t       0 kB\n"
			 "VmData:\t      72 kB\nVmStk:\t      12 kB\nVmExe:\t       8 kB\n"
			 "VmLib:\t       0 kB\nVmPTE:\t      "),
		  "%s", buf.data);
	cr_assert(strstr(buf.data, "Threads:\t1\n"), "%s", buf.data);
	cr_assert(strstr(buf.data, "\nSigBlk:\t0000000000000000\n"), "%s", buf.data);
}

Test(procfs, status_vmpte_counts_tables)
{
	char want[64];

	cr_assert_eq(as_mmap(as, 0x400000, 0x1000, RW, ANON | MAP_FIXED), 0x400000);
	touch(0x400000);
	/* One table per level below the root: PDPT, PD, PT. */
	cr_assert_eq(as_table_frames(as), 3);
	procfs_buf_free(&buf);
	procfs_buf_init(&buf);
	cr_assert_eq(procfs_status(&task, &buf), 0);
	snprintf(want, sizeof(want), "\nVmPTE:\t%8d kB\nVmSwap:\t       0 kB\n", 12);
	cr_assert(strstr(buf.data, want), "%s", buf.data);
}

Test(procfs, pagemap_bits)
{
	long a = as_mmap(as, 0, 0x3000, RW, ANON);
	uint64_t e[5];
	struct as_page_info pg;
	struct aspace *child;

	touch(a + 0x1000);
	touch(a + 0x2000);
	child = as_clone(as);
	cr_assert_not_null(child);
	cr_assert_eq(as_test_write(as, a + 0x2000, "y", 1), AS_FAULT_OK);
	cr_assert_eq(procfs_pagemap_read(&task, (uint64_t)(a - 0x1000) / 4096 * 8, e, sizeof(e)),
		     (long)sizeof(e));
	cr_assert_eq(e[0], 0, "below the VMA: nothing");
	cr_assert_eq(e[1], PROCFS_PM_SOFT_DIRTY, "in the VMA, not present: soft-dirty");
	cr_assert(as_page_query(as, a + 0x1000, &pg));
	cr_assert_eq(e[2], PROCFS_PM_PRESENT | PROCFS_PM_SOFT_DIRTY | pg.pa / 4096,
		     "shared with the child: not exclusive");
	cr_assert(as_page_query(as, a + 0x2000, &pg));
	cr_assert_eq(e[3], PROCFS_PM_PRESENT | PROCFS_PM_EXCLUSIVE | PROCFS_PM_SOFT_DIRTY |
			       pg.pa / 4096);
	cr_assert_eq(e[4], 0, "above the VMA (the top of the space): nothing");
	task.flags = 0;
	cr_assert_eq(procfs_pagemap_read(&task, (uint64_t)(a + 0x2000) / 4096 * 8, e, 8), 8);
	cr_assert_eq(e[0], PROCFS_PM_PRESENT | PROCFS_PM_EXCLUSIVE | PROCFS_PM_SOFT_DIRTY,
		     "no PFN without CAP_SYS_ADMIN");
	cr_assert_eq(procfs_pagemap_read(&task, 4, e, 8), -EINVAL);
	cr_assert_eq(procfs_pagemap_read(&task, 8, e, 12), -EINVAL);
	cr_assert_eq(procfs_pagemap_read(&task, AS_TASK_SIZE / 4096 * 8, e, 8), 0);
	cr_assert_eq(procfs_pagemap_read(&task, AS_TASK_SIZE / 4096 * 8 - 8, e, 16), 8);
	as_destroy(child);
}

Test(procfs, cmdline_bytes)
{
	static const char argv[] = "prog\0-x\0";

	task.cmdline = argv;
	task.cmdline_len = sizeof(argv) - 1;
	procfs_buf_free(&buf);
	procfs_buf_init(&buf);
	cr_assert_eq(procfs_cmdline(&task, &buf), 0);
	cr_assert_eq(buf.len, 8);
	cr_assert_eq(memcmp(buf.data, argv, 8), 0);
}

Test(procfs, fixed_buffer_overflows)
{
	char small[40];
	struct procfs_buf fb;

	as_brk_init(as, 0x600000);
	cr_assert_eq(as_brk(as, 0x601000), 0x601000);
	procfs_buf_fixed(&fb, small, sizeof(small));
	cr_assert_eq(procfs_maps(&task, &fb), -EOVERFLOW);
	cr_assert_eq(fb.len, 80, "the length it needs");
	cr_assert_eq(strlen(small), sizeof(small) - 1);
	cr_assert_eq(strncmp(small, "00600000-00601000 rw-p 00000000 00:00 0 ", 39), 0);
}

Test(procfs, meminfo_lines)
{
	char want[64];

	procfs_buf_free(&buf);
	procfs_buf_init(&buf);
	cr_assert_eq(procfs_meminfo(as, &buf), 0);
	snprintf(want, sizeof(want), "MemTotal:       %8zu kB\n", pmm_total_frames() * 4);
	cr_assert(strncmp(buf.data, want, strlen(want)) == 0, "%s", buf.data);
	cr_assert(strstr(buf.data, "\nSwapTotal:             0 kB\n"));
	cr_assert(strstr(buf.data, "\nHugePages_Total:       0\n"));
	cr_assert(strstr(buf.data, "\nHugepagesize:       2048 kB\n"));
	cr_assert(strstr(buf.data, "\nHardwareCorrupted:     0 kB\n"));
	snprintf(want, sizeof(want), "\nCommitLimit:    %8zu kB\n", pmm_total_frames() * 2);
	cr_assert(strstr(buf.data, want), "%s", buf.data);
}

Test(procfs, knobs)
{
	static const char *const want[PROCFS_KNOB_COUNT] = {
		"65536\n", "65530\n", "0\n", "50\n", "0\n",
	};

	for (int k = 0; k < PROCFS_KNOB_COUNT; k++) {
		procfs_buf_free(&buf);
		procfs_buf_init(&buf);
		cr_assert_eq(procfs_knob(k, &buf), 0);
		cr_assert_str_eq(buf.data, want[k]);
	}
	cr_assert_eq(procfs_knob(PROCFS_KNOB_COUNT, &buf), -EINVAL);
}

Test(procfs, growing_buffer_out_of_memory)
{
	for (int i = 0; i < 40; i++)
		cr_assert_eq(as_mmap(as, 0x400000 + i * 0x2000, 0x1000, RW, ANON | MAP_FIXED),
			     0x400000 + i * 0x2000);
	for (unsigned long k = 1; k < 8; k++) {
		procfs_buf_free(&buf);
		procfs_buf_init(&buf);
		heap_fail_nth(k);
		int err = procfs_smaps(&task, &buf);
		heap_fail_nth(0);
		cr_assert(err == 0 || err == -ENOMEM);
	}
}

/* ------------------------------------------------------------ the tree */

/* The task source of the tree tests: pid 1 is `task`. */
static int test_task_source(int pid, struct procfs_task *out)
{
	if (pid != 1)
		return -ESRCH;
	*out = task;
	return 0;
}

/* The pid source of the tree tests: pid 1 alone, reading itself. */
static int test_next_pid(int after)
{
	return after < 1 ? 1 : 0;
}

static int test_self_pid(void)
{
	return 1;
}

static const struct procfs_pids test_pids = {.next = test_next_pid, .self = test_self_pid};

/* Bring root's /proc up to date, as a lookup or a listing of it does. */
static void tree_refresh(struct vfs_node *root)
{
	cr_assert_eq(vfs_refresh(vfs_walk(root, "proc")), 0);
}

/* The text of the generated file at path under root, into buf. */
static int tree_text(struct vfs_node *root, const char *path)
{
	struct vfs_node *n = vfs_walk(root, path);

	cr_assert_not_null(n, "%s missing", path);
	cr_assert(n->gen, "%s is not generated", path);
	procfs_buf_free(&buf);
	procfs_buf_init(&buf);
	return procfs_node_text(n, &buf);
}

Test(procfs, tree_nodes_and_self_link)
{
	struct vfs_node *root = vfs_new_root(0755), *self, *n;
	static const char *const files[] = {
		"proc/1/maps", "proc/1/smaps", "proc/1/statm", "proc/1/status",
		"proc/1/cmdline", "proc/1/pagemap", "proc/1/smaps_rollup", "proc/1/stat",
		"proc/1/mem", "proc/1/clear_refs", "proc/meminfo",
		"proc/sys/vm/mmap_min_addr", "proc/sys/vm/max_map_count",
		"proc/sys/vm/overcommit_memory", "proc/sys/vm/overcommit_ratio",
		"proc/sys/vm/nr_hugepages",
		"sys/kernel/mm/transparent_hugepage/enabled",
		"sys/kernel/mm/transparent_hugepage/defrag",
		"sys/kernel/mm/transparent_hugepage/hpage_pmd_size",
		"sys/kernel/mm/transparent_hugepage/use_zero_page",
		"sys/kernel/mm/transparent_hugepage/hugepages-2048kB/enabled",
		"sys/kernel/mm/transparent_hugepage/hugepages-16kB/enabled",
		"sys/kernel/mm/transparent_hugepage/shmem_enabled",
		"sys/kernel/mm/transparent_hugepage/khugepaged/defrag",
		"sys/kernel/mm/transparent_hugepage/khugepaged/alloc_sleep_millisecs",
		"sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs",
		"sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none",
		"sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_swap",
		"sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_shared",
		"sys/kernel/mm/transparent_hugepage/khugepaged/pages_to_scan",
		"sys/kernel/mm/transparent_hugepage/khugepaged/full_scans",
		"sys/kernel/mm/transparent_hugepage/khugepaged/pages_collapsed",
		"sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages",
		"sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages",
	};
	uint64_t e;
	char link[16];

	cr_assert_not_null(root);
	cr_assert_eq(procfs_mount(root), 0);
	cr_assert_eq(procfs_mount(root), 0, "a second mount finds everything in place");
	cr_assert_null(vfs_walk(root, "proc/1"), "no pid source: no process directory");
	cr_assert_null(procfs_set_pid_source(&test_pids));
	tree_refresh(root);
	cr_assert_eq(vfs_check(root), 0);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		n = vfs_walk(root, files[i]);
		cr_assert_not_null(n, "%s", files[i]);
		cr_assert(VFS_IS_REG(n->mode) && n->gen && n->size == 0, "%s", files[i]);
	}
	cr_assert_eq(vfs_walk(root, "proc/1/maps")->mode & 0777, 0444);
	cr_assert_eq(vfs_walk(root, "proc/1/pagemap")->mode & 0777, 0400);
	cr_assert_eq(vfs_walk(root, "proc/1/mem")->mode & 0777, 0600);
	cr_assert_eq(vfs_walk(root, "proc/1/clear_refs")->mode & 0777, 0200);
	cr_assert_eq(vfs_walk(root, "proc/sys/vm/max_map_count")->mode & 0777, 0644);
	cr_assert_null(vfs_walk(root, "sys/kernel/mm/transparent_hugepage/hugepages-8kB"));
	cr_assert_null(vfs_walk(root, "sys/kernel/mm/transparent_hugepage/hugepages-4096kB"));
	cr_assert_eq(vfs_walk(root, "sys/kernel/mm/transparent_hugepage/enabled")->mode & 0777,
		     0644);
	cr_assert_eq(vfs_walk(root, "sys/kernel/mm/transparent_hugepage/hpage_pmd_size")->mode &
		     0777, 0444);
	cr_assert_eq(vfs_walk(root, "sys/kernel/mm/transparent_hugepage/khugepaged/full_scans")
		     ->mode & 0777, 0444);
	self = vfs_walk(root, "proc/self");
	cr_assert(VFS_IS_LNK(self->mode) && self->gen && self->size == 0);
	cr_assert_eq(vfs_readlink(self, link, sizeof(link)), 1);
	cr_assert_eq(memcmp(link, "1", 1), 0);
	cr_assert(VFS_IS_LNK(vfs_walk(root, "proc/1/exe")->mode));

	/* No task source: per-process files answer ESRCH, global ones still work. */
	procfs_set_task_source(NULL);
	cr_assert_eq(tree_text(root, "proc/1/maps"), -ESRCH);
	cr_assert_eq(vfs_walk(root, "proc/1/pagemap")->gen->read_at(
			     vfs_walk(root, "proc/1/pagemap"), 0, &e, 8), -ESRCH);
	cr_assert_eq(tree_text(root, "sys/kernel/mm/transparent_hugepage/enabled"), 0);
	cr_assert_str_eq(buf.data, "[always] madvise never\n");
	n = vfs_walk(root, "sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled");
	cr_assert_eq(n->gen->write_at(n, 0, "always\n", 7), 7, "written through to mm");
	cr_assert_eq(thp_anon_orders(THP_ADVICE_NONE), (1u << 4) | (1u << 9));
	cr_assert_eq(tree_text(root, "sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled"),
		     0);
	cr_assert_str_eq(buf.data, "[always] inherit madvise never\n");
	cr_assert_eq(n->gen->write_at(n, 0, "sometimes", 9), -EINVAL);
	thp_reset();
	cr_assert_eq(tree_text(root, "sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none"),
		     0);
	cr_assert_str_eq(buf.data, "511\n");
	cr_assert_eq(tree_text(root, "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"), 0);
	cr_assert_str_eq(buf.data, "0\n");
	cr_assert_eq(tree_text(root, "proc/meminfo"), 0);
	n = vfs_walk(root, "proc/sys/vm/nr_hugepages");
	cr_assert_eq(n->gen->write_at(n, 0, "10", 2), 2, "a count is taken");
	cr_assert_eq(n->gen->write_at(n, 0, " 10\n", 4), 4);
	cr_assert_eq(n->gen->write_at(n, 0, "ten", 3), -EINVAL);
	cr_assert_eq(n->gen->write_at(n, 0, "-1", 2), -EINVAL);
	cr_assert_eq(tree_text(root, "proc/sys/vm/nr_hugepages"), 0);
	cr_assert_str_eq(buf.data, "0\n", "no hugetlb pool: no page was found");

	/* With one: the text is the generator's for this address space. */
	as_brk_init(as, 0x600000);
	cr_assert_eq(as_brk(as, 0x601000), 0x601000);
	cr_assert_null(procfs_set_task_source(test_task_source));
	cr_assert_eq(tree_text(root, "proc/1/maps"), 0);
	cr_assert_str_eq(buf.data, "00600000-00601000 rw-p 00000000 00:00 0 "
				   "                                 [heap]\n");
	touch(0x600000);
	n = vfs_walk(root, "proc/1/pagemap");
	cr_assert_eq(n->gen->read_at(n, 0x600000 / 4096 * 8, &e, 8), 8);
	cr_assert(e & PROCFS_PM_PRESENT);
	cr_assert_eq(vfs_set_data(n, "x", 1, VFS_DATA_BORROWED), -EINVAL);
	cr_assert_eq(procfs_set_task_source(NULL), test_task_source);
	cr_assert_eq(procfs_set_pid_source(NULL), &test_pids);
	vfs_free(root);
}

Test(procfs, tree_mount_out_of_memory_then_complete)
{
	for (unsigned long k = 1; k < 60; k++) {
		struct vfs_node *root = vfs_new_root(0755);
		int err;

		cr_assert_not_null(root);
		heap_fail_nth(k);
		err = procfs_mount(root);
		heap_fail_nth(0);
		cr_assert(err == 0 || err == -ENOMEM, "k=%lu err=%d", k, err);
		cr_assert_eq(vfs_check(root), 0);
		cr_assert_eq(procfs_mount(root), 0, "k=%lu: a second mount completes it", k);
		cr_assert_not_null(vfs_walk(root, "sys/kernel/mm/transparent_hugepage/defrag"));
		cr_assert_not_null(vfs_walk(root, "proc/self"));
		vfs_free(root);
	}
}

Test(procfs, status_full_text)
{
	task.sig_queue_limit = 449;
	task.sig_blocked = 1ULL << 9;
	task.sig_ignored = 1ULL << 12;
	task.sig_caught = (1ULL << 10) | (1ULL << 16);
	expect_text(procfs_status,
		    "Name:\tprog\nUmask:\t0022\nState:\tR (running)\nTgid:\t1\nNgid:\t0\nPid:\t1\n"
		    "PPid:\t0\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\n"
		    "Groups:\t \nNStgid:\t1\nNSpid:\t1\nNSpgid:\t1\nNSsid:\t1\nKthread:\t0\n"
		    "VmPeak:\t       0 kB\nVmSize:\t       0 kB\nVmLck:\t       0 kB\n"
		    "VmPin:\t       0 kB\nVmHWM:\t       0 kB\nVmRSS:\t       0 kB\n"
		    "RssAnon:\t       0 kB\nRssFile:\t       0 kB\nRssShmem:\t       0 kB\n"
		    "VmData:\t       0 kB\nVmStk:\t       0 kB\nVmExe:\t       0 kB\n"
		    "VmLib:\t       0 kB\nVmPTE:\t       0 kB\nVmSwap:\t       0 kB\n"
		    "HugetlbPages:\t       0 kB\nCoreDumping:\t0\nTHP_enabled:\t1\n"
		    "untag_mask:\t0xffffffffffffffff\nThreads:\t1\nSigQ:\t0/449\n"
		    "SigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n"
		    "SigBlk:\t0000000000000200\nSigIgn:\t0000000000001000\n"
		    "SigCgt:\t0000000000010400\nCapInh:\t0000000000000000\n"
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
}

Test(procfs, heap_name_needs_a_byte_of_the_break)
{
	cr_assert_eq(as_mmap(as, 0x400000, 0x1000, PROT_READ | PROT_EXEC, ANON | MAP_FIXED),
		     0x400000);
	as_brk_init(as, 0x401000);
	expect_text(procfs_maps, "00400000-00401000 r-xp 00000000 00:00 0 \n");
	cr_assert_eq(as_brk(as, 0x401001), 0x401001);
	expect_text(procfs_maps, "00400000-00401000 r-xp 00000000 00:00 0 \n"
				 "00401000-00402000 rw-p 00000000 00:00 0 "
				 "                                 [heap]\n");
}

Test(procfs, pagemap_of_a_2mib_leaf)
{
	long a = as_mmap(as, 0x40000000, MiB(2), RW, ANON | MAP_FIXED);
	struct as_page_info pg;
	uint64_t e[3];

	cr_assert_eq(a, 0x40000000);
	touch(a);
	cr_assert(as_page_query(as, a, &pg));
	cr_assert_eq(pg.leaf_size, MiB(2));
	cr_assert_eq(procfs_pagemap_read(&task, (uint64_t)a / 4096 * 8 + 8 * 510, e, sizeof(e)),
		     (long)sizeof(e));
	for (int i = 0; i < 2; i++)
		cr_assert_eq(e[i], PROCFS_PM_PRESENT | PROCFS_PM_EXCLUSIVE | PROCFS_PM_SOFT_DIRTY |
				       (pg.pa / 4096 + 510 + (uint64_t)i));
	cr_assert_eq(e[2], 0, "past the VMA");
}

/* ------------------------------------------------------------ invariants under random ops */

#define PM_WIN_BASE 0x40000000ULL
#define PM_WIN_PAGES (MiB(16) / PAGE_SIZE)

static void pm_setup(void)
{
	host_mm_setup(MiB(512));
}

TestSuite(procfs_model, .init = pm_setup);

/* The number after `key` on a line of text, summed over every such line. */
static uint64_t pm_sum(const char *text, const char *key)
{
	uint64_t sum = 0;
	size_t n = strlen(key);

	for (const char *p = text; (p = strstr(p, key)) != NULL; p += n)
		if (p == text || p[-1] == '\n')
			sum += strtoull(p + n, NULL, 10);
	return sum;
}

/* maps: one line per VMA, ascending, with the VMA's range and rights. */
static void pm_check_maps(struct aspace *a, const char *maps)
{
	size_t lines = 0;
	unsigned long long prev_end = 0;

	for (const char *l = maps; *l; l = strchr(l, '\n') + 1) {
		unsigned long long s, e;
		char perm[5];
		struct as_vma_info v;

		cr_assert_eq(sscanf(l, "%llx-%llx %4s", &s, &e, perm), 3, "%s", l);
		cr_assert(s >= prev_end && s < e);
		cr_assert(as_vma_at(a, s, &v) && v.start == s && v.end == e);
		cr_assert_eq(perm[0] == 'r', !!(v.prot & PROT_READ));
		cr_assert_eq(perm[1] == 'w', !!(v.prot & PROT_WRITE));
		cr_assert_eq(perm[3] == 's', !!(v.flags & MAP_SHARED));
		prev_end = e;
		lines++;
	}
	cr_assert_eq(lines, as_vma_count(a));
}

/* smaps, statm, status and pagemap agree with each other and with as_resident_frames. */
static void pm_check_space(struct aspace *a)
{
	struct procfs_task t = {.as = a, .pid = 1, .comm = "m", .threads = 1,
				.flags = PROCFS_TASK_ADMIN};
	struct procfs_buf maps, smaps, statm, status;
	uint64_t rss = as_resident_frames(a) * 4, present = 0, e;
	unsigned long long size_pages, res_pages;

	procfs_buf_init(&maps);
	procfs_buf_init(&smaps);
	procfs_buf_init(&statm);
	procfs_buf_init(&status);
	cr_assert_eq(procfs_maps(&t, &maps) | procfs_smaps(&t, &smaps) |
		     procfs_statm(&t, &statm) | procfs_status(&t, &status), 0);
	pm_check_maps(a, maps.data ? maps.data : "");
	cr_assert_eq(pm_sum(smaps.data ? smaps.data : "", "Rss:"), rss);
	cr_assert_eq(pm_sum(status.data, "VmRSS:"), rss);
	cr_assert_eq(pm_sum(smaps.data ? smaps.data : "", "Shared_Dirty:") +
		     pm_sum(smaps.data ? smaps.data : "", "Private_Dirty:"), rss);
	cr_assert_leq(pm_sum(smaps.data ? smaps.data : "", "Pss:"), rss);
	cr_assert_eq(pm_sum(smaps.data ? smaps.data : "", "Size:"), pm_sum(status.data, "VmSize:"));
	cr_assert_eq(sscanf(statm.data, "%llu %llu", &size_pages, &res_pages), 2);
	cr_assert_eq(res_pages * 4, rss);
	cr_assert_eq(size_pages * 4, pm_sum(status.data, "VmSize:"));
	for (uint64_t i = 0; i < PM_WIN_PAGES; i++) {
		cr_assert_eq(procfs_pagemap_read(&t, (PM_WIN_BASE / PAGE_SIZE + i) * 8, &e, 8), 8);
		present += (e & PROCFS_PM_PRESENT) &&
			   !zpage_is((e & PROCFS_PM_PFN_MASK) * PAGE_SIZE);
	}
	cr_assert_eq(present * 4, rss, "pagemap: %llu present pages, Rss %llu kB",
		     (unsigned long long)present, (unsigned long long)rss);
	procfs_buf_free(&maps);
	procfs_buf_free(&smaps);
	procfs_buf_free(&statm);
	procfs_buf_free(&status);
}

Test(procfs_model, figures_agree_under_random_ops)
{
	struct asm_ctx c;
	struct asm_op op;
	uint64_t rng = 0x9c0f5, max_rss = 0;
	unsigned max_spaces = 0;

	cr_assert_eq(asm_init(&c, PM_WIN_BASE, PM_WIN_PAGES), 0);
	for (int i = 0; i < 300; i++) {
		asm_random_op(&c, &rng, &op, false);
		cr_assert_eq(asm_step(&c, &op), 0, "model mismatch at step %d", i);
		for (unsigned s = 0; s < c.nspaces; s++) {
			pm_check_space(c.sp[s].as);
			max_rss = MAX(max_rss, as_resident_frames(c.sp[s].as));
		}
		max_spaces = MAX(max_spaces, c.nspaces);
	}
	cr_assert_eq(asm_fini(&c), 0);
	cr_assert_gt(max_rss, 0, "the ops touched no page");
	cr_assert_eq(max_spaces, 2, "the ops never cloned (no sharing checked)");
}
