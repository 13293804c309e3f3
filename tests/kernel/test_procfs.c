/*
 * In-image tests of /proc and /sys as the kernel mounts them at boot
 * (kernel/proc_procfs.c): the nodes in the root tree, /proc/self, and the
 * generated text read through the node's generator (the read path's side of
 * struct vfs_gen) for an address space built with as_* calls and touched
 * through mm/access.h on the real MMU's tables, line by line. The THP knob
 * is checked against what a fault really maps. A program's tree of
 * processes: /proc/<pid> of a forked child while it runs and as a zombie,
 * gone once reaped, and its memory read through /proc/<pid>/mem.
 */
#include "fs/file.h"
#include "fs/namei.h"
#include "fs/procfs.h"
#include "fs/vfs.h"
#include "harness/ktest.h"
#include "kernel/proc.h"
#include "kernel/proc_procfs.h"
#include "kernel/rootfs.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/access.h"
#include "mm/aspace.h"
#include "mm/pmm.h"
#include "mm/vmarea.h"
#include "user_image.h"

#define KP_RW (PROT_READ | PROT_WRITE)
#define KP_ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static struct aspace *kp_as;

/* The test's task source: pid PROC_PID is kp_as. */
static int kp_task(int pid, struct procfs_task *out)
{
	if (pid != PROC_PID || !kp_as)
		return -ESRCH;
	*out = (struct procfs_task){
		.as = kp_as, .pid = PROC_PID, .pgid = PROC_PID, .sid = PROC_PID, .comm = "kp",
		.umask = 022, .fd_size = 64, .threads = 1, .start_stack = PROC_STACK_TOP - 8,
		.flags = PROCFS_TASK_ADMIN | PROCFS_TASK_ATTACH,
	};
	return 0;
}

/* The test's pid source: PROC_PID while kp_as exists, and it reads. */
static int kp_next(int after)
{
	return kp_as && after < PROC_PID ? PROC_PID : 0;
}

static int kp_self(void)
{
	return kp_as ? PROC_PID : 0;
}

static const struct procfs_pids kp_pids = {.next = kp_next, .self = kp_self};
static procfs_task_fn kp_old_task;
static const struct procfs_pids *kp_old_pids;

/* Put the test's sources in place of the kernel's. */
static void kp_sources(void)
{
	kp_old_task = procfs_set_task_source(kp_task);
	kp_old_pids = procfs_set_pid_source(&kp_pids);
}

/* The kernel's sources back; /proc/<PROC_PID> made for kp_as goes (nothing leaks). */
static void kp_sources_restore(void)
{
	procfs_set_task_source(kp_old_task);
	procfs_set_pid_source(kp_old_pids);
	procfs_drop(rootfs_root(), PROC_PID);
}

/* The node at an absolute path, resolved as the read path does (links followed). */
static struct vfs_node *kp_walk(const char *path)
{
	struct namei nd;

	if (namei(rootfs_root(), rootfs_root(), path, strlen(path), NAMEI_FOLLOW, &nd))
		return NULL;
	return nd.node;
}

/* Generate the file at path (absolute) into b through its node; 0 or -errno. */
static int kp_read(const char *path, struct procfs_buf *b)
{
	struct vfs_node *n = kp_walk(path);

	procfs_buf_free(b);
	procfs_buf_init(b);
	if (!n)
		return -ENOENT;
	return procfs_node_text(n, b);
}

/* Line `i` (0-based) of text into line (without its newline); false when there is none. */
static bool kp_line(const char *text, int i, char *line, size_t size)
{
	const char *end;

	for (; i > 0 && text; i--) {
		text = strchr(text, '\n');
		text = text ? text + 1 : NULL;
	}
	if (!text || !*text)
		return false;
	end = strchr(text, '\n');
	if (!end || (size_t)(end - text) >= size)
		return false;
	memcpy(line, text, (size_t)(end - text));
	line[end - text] = '\0';
	return true;
}

/* True when needle occurs in text. */
static bool kp_has(const char *text, const char *needle)
{
	size_t n = strlen(needle);

	for (; *text; text++)
		if (strncmp(text, needle, n) == 0)
			return true;
	return false;
}

TEST(procfs, nodes_mounted_at_boot)
{
	static const char *const files[] = {
		"/proc/meminfo",
		"/proc/sys/vm/mmap_min_addr", "/proc/sys/vm/max_map_count",
		"/proc/sys/vm/overcommit_memory", "/proc/sys/vm/overcommit_ratio",
		"/sys/kernel/mm/transparent_hugepage/enabled",
		"/sys/kernel/mm/transparent_hugepage/defrag",
		"/sys/kernel/mm/transparent_hugepage/hpage_pmd_size",
	};
	struct vfs_node *self;

	ASSERT_NE(rootfs_root(), NULL);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		struct vfs_node *n = vfs_walk(rootfs_root(), files[i]);

		ASSERT_NE(n, NULL);
		EXPECT_TRUE(VFS_IS_REG(n->mode) && n->gen != NULL && n->size == 0);
	}
	self = vfs_walk(rootfs_root(), "/proc/self");
	ASSERT_NE(self, NULL);
	ASSERT_TRUE(VFS_IS_LNK(self->mode));
	EXPECT_TRUE(self->gen != NULL && self->size == 0);
	/* No process runs: /proc lists none and /proc/self names nothing. */
	EXPECT_EQ(kp_walk("/proc/1"), NULL);
	EXPECT_EQ(kp_walk("/proc/self"), NULL);
	EXPECT_TRUE(vfs_walk(rootfs_root(), "/proc")->gen != NULL);
}

TEST(procfs, no_program_no_process)
{
	struct procfs_task t;
	struct procfs_buf b;

	procfs_buf_init(&b);
	EXPECT_EQ(proc_procfs_task(PROC_PID, &t), -ESRCH);
	EXPECT_EQ(kp_read("/proc/1/maps", &b), -ENOENT);
	EXPECT_EQ(kp_read("/proc/sys/vm/max_map_count", &b), 0);
	EXPECT_EQ(strcmp(b.data, "65530\n"), 0);
	procfs_buf_free(&b);
}

TEST(procfs, maps_smaps_status_of_a_built_space)
{
	int pk = as_pkeys_enabled();
	struct procfs_buf b;
	char line[160];
	long a;

	procfs_buf_init(&b);
	kp_as = as_create();
	ASSERT_NE(kp_as, NULL);
	kp_sources();
	as_brk_init(kp_as, 0x600000);
	EXPECT_EQ(as_brk(kp_as, 0x602000), 0x602000);
	EXPECT_EQ(as_stack_init(kp_as, PROC_STACK_TOP, 0x1000), 0);
	a = as_mmap(kp_as, 0, 0x3000, KP_RW, KP_ANON);
	EXPECT_EQ(a, 0x7ffff7ffc000);
	EXPECT_EQ(access_copy_to(kp_as, a + 0x1000, "x", 1), 0);
	EXPECT_EQ(access_copy_to(kp_as, 0x600000, "y", 1), 0);

	EXPECT_EQ(kp_read("/proc/self/maps", &b), 0);
	EXPECT_TRUE(kp_line(b.data, 0, line, sizeof(line)));
	EXPECT_EQ(strcmp(line, "00600000-00602000 rw-p 00000000 00:00 0"
			       "                                  [heap]"), 0);
	EXPECT_TRUE(kp_line(b.data, 1, line, sizeof(line)));
	EXPECT_EQ(strcmp(line, "7ffff7ffc000-7ffff7fff000 rw-p 00000000 00:00 0 "), 0);
	EXPECT_TRUE(kp_line(b.data, 2, line, sizeof(line)));
	EXPECT_EQ(strcmp(line, "7fffffffe000-7ffffffff000 rw-p 00000000 00:00 0"
			       "                          [stack]"), 0);
	EXPECT_FALSE(kp_line(b.data, 3, line, sizeof(line)));

	EXPECT_EQ(kp_read("/proc/1/smaps", &b), 0);
	EXPECT_TRUE(kp_line(b.data, 1, line, sizeof(line)));
	EXPECT_EQ(strcmp(line, "Size:                  8 kB"), 0);
	EXPECT_TRUE(kp_line(b.data, 4, line, sizeof(line)));
	EXPECT_EQ(strcmp(line, "Rss:                   4 kB"), 0);
	if (pk) { /* a CPU with protection keys: Linux adds the line before VmFlags */
		EXPECT_TRUE(kp_line(b.data, 24, line, sizeof(line)));
		EXPECT_EQ(strcmp(line, "ProtectionKey:         0"), 0);
	}
	EXPECT_TRUE(kp_line(b.data, 24 + pk, line, sizeof(line)));
	EXPECT_EQ(strcmp(line, "VmFlags: rd wr mr mw me ac sd "), 0);
	EXPECT_TRUE(kp_line(b.data, 29 + pk, line, sizeof(line)));
	EXPECT_EQ(strcmp(line, "Rss:                   4 kB"), 0);

	EXPECT_EQ(kp_read("/proc/1/statm", &b), 0);
	EXPECT_EQ(strcmp(b.data, "6 3 0 0 0 6 0\n"), 0);
	EXPECT_EQ(kp_read("/proc/1/status", &b), 0);
	EXPECT_TRUE(kp_has(b.data, "\nVmSize:\t      24 kB\n"));
	EXPECT_TRUE(kp_has(b.data, "\nVmRSS:\t      12 kB\n"));
	EXPECT_TRUE(kp_has(b.data, "\nVmStk:\t       4 kB\n"));
	EXPECT_TRUE(kp_has(b.data, "\nVmLck:\t       0 kB\n"));
	EXPECT_EQ(kp_read("/proc/1/smaps_rollup", &b), 0);
	EXPECT_TRUE(kp_has(b.data, "00600000-7ffffffff000 ---p 00000000 00:00 0 "));
	EXPECT_TRUE(kp_has(b.data, "\nRss:                  12 kB\n"));

	procfs_buf_free(&b);
	as_destroy(kp_as);
	kp_as = NULL;
	kp_sources_restore();
}

TEST(procfs, thp_enabled_says_what_faults_do)
{
	struct procfs_buf b;
	struct as_page_info pg;
	vaddr_t a = 0x40000000;

	procfs_buf_init(&b);
	kp_as = as_create();
	ASSERT_NE(kp_as, NULL);
	kp_sources();
	EXPECT_EQ(kp_read("/sys/kernel/mm/transparent_hugepage/enabled", &b), 0);
	EXPECT_EQ(strcmp(b.data, "[always] madvise never\n"), 0);
	EXPECT_EQ(kp_read("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", &b), 0);
	EXPECT_EQ(strcmp(b.data, "2097152\n"), 0);
	EXPECT_EQ(as_mmap(kp_as, a, MiB(4), KP_RW, KP_ANON | MAP_FIXED), (long)a);
	EXPECT_EQ(access_copy_to(kp_as, a + 0x1234, "z", 1), 0);
	EXPECT_TRUE(as_page_query(kp_as, a, &pg));
	/* Memory is plentiful at this point of the run: the fault took a 2 MiB leaf, no madvise. */
	EXPECT_EQ(pg.leaf_size, MiB(2));
	EXPECT_EQ(kp_read("/proc/1/smaps", &b), 0);
	EXPECT_TRUE(kp_has(b.data, "\nAnonHugePages:      2048 kB\n"));
	EXPECT_TRUE(kp_has(b.data, "\nTHPeligible:           1\n"));
	EXPECT_EQ(kp_read("/proc/meminfo", &b), 0);
	EXPECT_TRUE(kp_has(b.data, "\nAnonHugePages:      2048 kB\n"));
	procfs_buf_free(&b);
	as_destroy(kp_as);
	kp_as = NULL;
	kp_sources_restore();
}

/* ------------------------------------------------------------ a real program */

/* mov eax, 500 (no such syscall); syscall; mov eax, 60; xor edi, edi; syscall */
static const uint8_t kp_prog[] = {
	0xb8, 0xf4, 0x01, 0x00, 0x00, 0x0f, 0x05, 0xb8, 0x3c, 0x00, 0x00, 0x00,
	0x31, 0xff, 0x0f, 0x05,
};
static uint8_t kp_img[UIMG_SIZE];
static char kp_maps[1024], kp_status[4096], kp_cmdline[32];
static size_t kp_cmdline_len;
static int kp_seen_err = 1;

/* Copy the generated text of path (through the node and the kernel's task source) into out. */
static int kp_capture(const char *path, char *out, size_t size, size_t *len)
{
	struct procfs_buf b;
	int err = kp_read(path, &b);

	if (!err && b.len < size) {
		memcpy(out, b.data, b.len + 1);
		if (len)
			*len = b.len;
	} else if (!err) {
		err = -EOVERFLOW;
	}
	procfs_buf_free(&b);
	return err;
}

/* Diag hook: the program is in its unknown syscall; read its /proc files now. */
static void kp_diag(const char *prog, const char *msg)
{
	kp_seen_err = kp_capture("/proc/self/maps", kp_maps, sizeof(kp_maps), NULL);
	if (!kp_seen_err)
		kp_seen_err = kp_capture("/proc/1/status", kp_status, sizeof(kp_status), NULL);
	if (!kp_seen_err)
		kp_seen_err = kp_capture("/proc/1/cmdline", kp_cmdline, sizeof(kp_cmdline),
					 &kp_cmdline_len);
}

TEST(procfs, files_of_a_running_program)
{
	static struct proc_result res;
	size_t size = uimg_code(kp_img, kp_prog, sizeof(kp_prog));
	proc_diag_fn old = proc_set_diag_hook(kp_diag);
	char line[160];
	int err = proc_run("kprog", kp_img, size, PROC_DIAG, &res);

	proc_set_diag_hook(old);
	ASSERT_EQ(err, 0);
	EXPECT_EQ(res.status, 0);
	ASSERT_EQ(kp_seen_err, 0);
	/* The text ends where the break starts (no heap yet): no [heap] on it, as Linux. */
	EXPECT_TRUE(kp_line(kp_maps, 0, line, sizeof(line)));
	EXPECT_EQ(strcmp(line, "00400000-00401000 r-xp 00000000 00:00 0 "), 0);
	EXPECT_TRUE(kp_line(kp_maps, 1, line, sizeof(line)));
	EXPECT_EQ(strcmp(line, "7ffffffdf000-7ffffffff000 rw-p 00000000 00:00 0"
			       "                          [stack]"), 0);
	EXPECT_FALSE(kp_line(kp_maps, 2, line, sizeof(line)));
	EXPECT_TRUE(kp_has(kp_status, "Name:\tkprog\n"));
	EXPECT_TRUE(kp_has(kp_status, "\nVmExe:\t       4 kB\nVmLib:\t       0 kB\n"));
	EXPECT_TRUE(kp_has(kp_status, "\nVmStk:\t     128 kB\n"));
	EXPECT_EQ(kp_cmdline_len, 6);
	EXPECT_MEMEQ(kp_cmdline, "kprog\0", 6);
	/* After the program: no process, nothing under /proc names it. */
	EXPECT_EQ(kp_capture("/proc/self/maps", kp_maps, sizeof(kp_maps), NULL), -ENOENT);
	EXPECT_EQ(kp_walk("/proc/1"), NULL);
}

/* The number after `key` in text (0 when absent). */
static uint64_t kp_value(const char *text, const char *key)
{
	size_t n = strlen(key);
	uint64_t v = 0;

	for (; *text; text++) {
		if (strncmp(text, key, n) != 0)
			continue;
		for (text += n; *text == ' ' || *text == '\t'; text++)
			;
		for (; *text >= '0' && *text <= '9'; text++)
			v = v * 10 + (uint64_t)(*text - '0');
		return v;
	}
	return 0;
}

TEST(procfs, meminfo_figures)
{
	struct procfs_buf b;
	uint64_t direct;

	procfs_buf_init(&b);
	ASSERT_EQ(kp_read("/proc/meminfo", &b), 0);
	EXPECT_EQ(kp_value(b.data, "MemTotal:"), pmm_total_frames() * 4);
	EXPECT_GT(kp_value(b.data, "MemFree:"), 0);
	EXPECT_LE(kp_value(b.data, "MemFree:"), kp_value(b.data, "MemTotal:"));
	EXPECT_EQ(kp_value(b.data, "CommitLimit:"), pmm_total_frames() * 50 / 100 * 4);
	EXPECT_EQ(kp_value(b.data, "Hugepagesize:"), 2048);
	/* The direct map covers all usable RAM; the harness's areas are mapped. */
	direct = kp_value(b.data, "DirectMap4k:") + kp_value(b.data, "DirectMap2M:") +
		 kp_value(b.data, "DirectMap1G:");
	EXPECT_GE(direct, kp_value(b.data, "MemTotal:"));
	procfs_buf_free(&b);
}

TEST(procfs, meminfo_vmalloc_used_counts_areas)
{
	struct procfs_buf b;
	uint64_t before;
	void *area;

	procfs_buf_init(&b);
	ASSERT_EQ(kp_read("/proc/meminfo", &b), 0);
	before = kp_value(b.data, "VmallocUsed:");
	area = vmarea_alloc(KiB(16), 0);
	ASSERT_NE(area, NULL);
	EXPECT_EQ(kp_read("/proc/meminfo", &b), 0);
	EXPECT_EQ(kp_value(b.data, "VmallocUsed:"), before + 16);
	vmarea_free(area);
	procfs_buf_free(&b);
}

/* ------------------------------------------------------------ a tree of two */

/*
 * fork; the child exits 0 at once. The parent: syscall 500 (unknown: the
 * diag hook looks at /proc with the child alive), waitid(P_ALL, WEXITED |
 * WNOWAIT) until the child is a zombie, syscall 501 (the hook again),
 * wait4(-1) reaps it, syscall 502 (the hook: it is gone), exit 0.
 */
static const uint8_t kp_tree_prog[] = {
	0xb8, 0x39, 0x00, 0x00, 0x00, 0x0f, 0x05,             /* mov eax, 57; syscall */
	0x85, 0xc0, 0x75, 0x09,                               /* test eax, eax; jnz parent */
	0xb8, 0x3c, 0x00, 0x00, 0x00, 0x31, 0xff, 0x0f, 0x05, /* exit(0) */
	0xb8, 0xf4, 0x01, 0x00, 0x00, 0x0f, 0x05,             /* parent: syscall 500 */
	0x31, 0xff, 0x31, 0xf6, 0x31, 0xd2,                   /* P_ALL, 0, NULL */
	0x41, 0xba, 0x04, 0x00, 0x00, 0x01,                   /* mov r10d, WEXITED|WNOWAIT */
	0x45, 0x31, 0xc0,                                     /* xor r8d, r8d */
	0xb8, 0xf7, 0x00, 0x00, 0x00, 0x0f, 0x05,             /* waitid */
	0xb8, 0xf5, 0x01, 0x00, 0x00, 0x0f, 0x05,             /* syscall 501 */
	0x48, 0xc7, 0xc7, 0xff, 0xff, 0xff, 0xff,             /* mov rdi, -1 */
	0x31, 0xf6, 0x31, 0xd2, 0x45, 0x31, 0xd2,             /* NULL, 0, NULL */
	0xb8, 0x3d, 0x00, 0x00, 0x00, 0x0f, 0x05,             /* wait4 */
	0xb8, 0xf6, 0x01, 0x00, 0x00, 0x0f, 0x05,             /* syscall 502 */
	0xb8, 0x3c, 0x00, 0x00, 0x00, 0x31, 0xff, 0x0f, 0x05, /* exit(0) */
};

/* What the hook saw at each stage. */
static struct {
	int stage;
	char self[8];
	bool listed[3];                 /* /proc lists pid 1, 2 */
	bool alive_status, zombie_status, zombie_maps_empty, zombie_exe_enoent, reaped_gone;
	uint8_t child_code[2], child_forced, parent_byte;
	long forced_write;
} kp_tree;

/* Which of pids 1 and 2 a listing of /proc shows. */
static void kp_tree_list(void)
{
	struct vfs_node *proc = vfs_walk(rootfs_root(), "/proc");
	static uint8_t dents[2048];
	struct file *f;
	long n;

	if (!proc || file_open_node(proc, O_RDONLY | O_DIRECTORY, &f))
		return;
	while ((n = file_getdents(f, dents, sizeof(dents))) > 0) {
		for (long off = 0; off < n;) {
			uint16_t reclen;
			const char *name = (const char *)dents + off + 19;

			memcpy(&reclen, dents + off + 16, 2);
			if (name[0] >= '1' && name[0] <= '2' && !name[1])
				kp_tree.listed[name[0] - '0'] = true;
			off += reclen;
		}
	}
	file_put(f);
}

/* Stage 1: the child runs. /proc/self, the listing, status and mem of the child. */
static void kp_tree_alive(void)
{
	struct vfs_node *self = kp_walk("/proc/self"), *mem = kp_walk("/proc/2/mem");
	struct procfs_buf b;

	if (self)
		memcpy(kp_tree.self, self->name, MIN(strlen(self->name) + 1, sizeof(kp_tree.self)));
	kp_tree_list();
	procfs_buf_init(&b);
	kp_tree.alive_status = kp_read("/proc/2/status", &b) == 0 &&
			       kp_has(b.data, "\nState:\tR (running)\n") &&
			       kp_has(b.data, "\nPid:\t2\nPPid:\t1\n");
	procfs_buf_free(&b);
	if (!mem)
		return;
	mem->gen->read_at(mem, UIMG_BASE, kp_tree.child_code, 2);
	/* A forced write into the child's read-only text: its own copy, the parent's untouched. */
	kp_tree.forced_write = mem->gen->write_at(mem, UIMG_BASE + 0x800, "\x5a", 1);
	mem->gen->read_at(mem, UIMG_BASE + 0x800, &kp_tree.child_forced, 1);
	mem = kp_walk("/proc/1/mem");
	if (mem)
		mem->gen->read_at(mem, UIMG_BASE + 0x800, &kp_tree.parent_byte, 1);
}

/* Stage 2: the child is a zombie. */
static void kp_tree_zombie(void)
{
	struct vfs_node *exe = kp_walk("/proc/2/exe");
	struct procfs_buf b;
	char link[64];

	procfs_buf_init(&b);
	kp_tree.zombie_status = kp_read("/proc/2/status", &b) == 0 &&
				kp_has(b.data, "\nState:\tZ (zombie)\n") && !kp_has(b.data, "Umask");
	kp_tree.zombie_maps_empty = kp_read("/proc/2/maps", &b) == 0 && b.len == 0;
	procfs_buf_free(&b);
	exe = vfs_walk(rootfs_root(), "/proc/2/exe");
	kp_tree.zombie_exe_enoent = exe && vfs_readlink(exe, link, sizeof(link)) == -ENOENT;
}

/* Diag hook: the parent's unknown syscalls 500, 501, 502 in turn. */
static void kp_tree_diag(const char *prog, const char *msg)
{
	switch (++kp_tree.stage) {
	case 1:
		kp_tree_alive();
		break;
	case 2:
		kp_tree_zombie();
		break;
	case 3:
		kp_tree.reaped_gone = !kp_walk("/proc/2") && kp_walk("/proc/1/status");
		break;
	}
}

TEST(procfs, a_child_appears_becomes_a_zombie_and_goes)
{
	static struct proc_result res;
	size_t size = uimg_code(kp_img, kp_tree_prog, sizeof(kp_tree_prog));
	proc_diag_fn old = proc_set_diag_hook(kp_tree_diag);
	int err;

	memset(&kp_tree, 0, sizeof(kp_tree));
	err = proc_run("kptree", kp_img, size, PROC_DIAG, &res);
	proc_set_diag_hook(old);
	ASSERT_EQ(err, 0);
	EXPECT_EQ(res.status, 0);
	EXPECT_EQ(kp_tree.stage, 3);
	EXPECT_EQ(strcmp(kp_tree.self, "1"), 0);
	EXPECT_TRUE(kp_tree.listed[1] && kp_tree.listed[2]);
	EXPECT_TRUE(kp_tree.alive_status);
	EXPECT_EQ(kp_tree.child_code[0], 0xb8);
	EXPECT_EQ(kp_tree.child_code[1], 0x39);
	EXPECT_EQ(kp_tree.forced_write, 1);
	EXPECT_EQ(kp_tree.child_forced, 0x5a);
	EXPECT_EQ(kp_tree.parent_byte, 0);
	EXPECT_TRUE(kp_tree.zombie_status);
	EXPECT_TRUE(kp_tree.zombie_maps_empty);
	EXPECT_TRUE(kp_tree.zombie_exe_enoent);
	EXPECT_TRUE(kp_tree.reaped_gone);
	EXPECT_EQ(kp_walk("/proc/1"), NULL);
}
