/*
 * The programs suite: one test programs.<name> per program that the
 * initramfs manifest lists. The runner writes the manifest as the file
 * /bootmm/manifest of the archive, one program per line:
 *
 *     <expected exit status 0..255> <test name> <path in the archive>
 *
 * ('#' lines and empty lines are comments). A test name is 1..100 printable
 * ASCII bytes without space, '#' or '/', unique in the manifest. Each test
 * runs its file with proc_run and passes when it ends with the expected
 * status. Problems with the archive or the manifest fail the unfiltered test
 * programs.initramfs with the reason (a bad archive never panics); a listed
 * file that is missing fails its own test. There is no limit on the number
 * of programs other than memory.
 */
#include <stdarg.h>

#include "harness/ktest.h"
#include "internal.h"
#include "fs/vfs.h"
#include "harness/options.h"
#include "kernel/exec.h"
#include "kernel/harness.h"
#include "kernel/proc.h"
#include "kernel/rootfs.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/pmm.h"

#define PROG_MANIFEST "bootmm/manifest"
#define PROG_NAME_MAX 100
#define PROG_LINE_MAX (VFS_PATH_MAX + PROG_NAME_MAX + 8)

struct prog {
	struct ktest test;
	struct vfs_node *file; /* NULL: why says what is wrong */
	int expect;
	char why[160];
	char name[PROG_NAME_MAX + 1];
};

/* What registration found, for ktest_programs_report and programs.initramfs. */
static struct {
	size_t programs;
	bool have_manifest;
	char setup_error[256]; /* "" when the archive and manifest are sound */
	struct ktest setup_test;
} prog_state;

static char prog_line[PROG_LINE_MAX + 1];

/* Parse a decimal status 0..255 filling [s, end). */
static bool prog_parse_status(const char *s, const char *end, int *out)
{
	int v = 0;

	if (s == end)
		return false;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
		if (v > 255)
			return false;
	}
	*out = v;
	return true;
}

/* True for a usable test name [s, s+len) (see the top of the file). */
static bool prog_name_ok(const char *s, size_t len)
{
	if (len == 0 || len > PROG_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '#' || s[i] == '/')
			return false;
	return true;
}

/* Record the first setup error (later ones are counted in the message). */
__attribute__((format(printf, 1, 2))) static void prog_setup_fail(const char *fmt, ...)
{
	va_list ap;

	if (prog_state.setup_error[0])
		return;
	va_start(ap, fmt);
	kvsnprintf(prog_state.setup_error, sizeof(prog_state.setup_error), fmt, ap);
	va_end(ap);
}

/* Tell proc_run where the program's file is (its /proc/self/exe). */
static void prog_set_path(const struct prog *pg)
{
	static char path[VFS_PATH_MAX];

	exec_set_image_path(vfs_path(pg->file, path, sizeof(path)) ? NULL : path);
}

/*
 * Soak (bootmm.repeat=<n>): run the program n - 1 more times, silently; each
 * run must end exactly as the first (status, signal, output) and give back
 * every frame and heap byte.
 */
static void prog_soak(const struct prog *pg, const struct proc_result *first)
{
	static struct proc_result again;
	size_t free0 = pmm_free_frames(), heap0 = heap_bytes_in_use();

	ktest_set_timeout(1800);
	for (unsigned long i = 1; i < bootmm_opts.repeat; i++) {
		int err;

		prog_set_path(pg);
		err = proc_run_file(pg->name, pg->file, 0, &again);

		rootfs_sweep();

		if (err)
			ktest_fail("run %lu: %s", i + 1, again.why);
		EXPECT_EQ(again.as_check, 0);
		if (again.status != first->status || again.out_bytes != first->out_bytes ||
		    again.err_bytes != first->err_bytes || again.out_len != first->out_len ||
		    memcmp(again.out, first->out, first->out_len) != 0)
			ktest_fail("run %lu ended differently: status %d, %lu bytes out", i + 1,
				   again.status, (unsigned long)again.out_bytes);
		if (pmm_free_frames() != free0 || heap_bytes_in_use() != heap0)
			ktest_fail("run %lu: %ld frames and %ld heap bytes not given back", i + 1,
				   (long)(free0 - pmm_free_frames()),
				   (long)(heap_bytes_in_use() - heap0));
	}
	ktest_diag("soak: %lu runs alike; free frames %zu before, %zu after", bootmm_opts.repeat,
		   free0, pmm_free_frames());
}

/* Test body of programs.<name>: run it, compare its status with the manifest's. */
static void prog_test(void *arg)
{
	const struct prog *pg = arg;
	static struct proc_result res;
	int err;

	if (!pg->file)
		ktest_fail("%s", pg->why);
	prog_set_path(pg);
	pmm_fail_nth(bootmm_opts.failalloc);
	err = proc_run_file(pg->name, pg->file, PROC_OUT_COM2 | PROC_DIAG, &res);
	pmm_fail_nth(0);
	rootfs_sweep(); /* what it left in /tmp goes: the next program starts as booted */
	EXPECT_EQ(res.as_check, 0);
	if (err && bootmm_opts.failalloc && err == -ENOMEM) {
		/* The injected failure hit the set-up: a clean refusal is the pass. */
		ktest_diag("failalloc=%lu: not started: %s", bootmm_opts.failalloc, res.why);
		return;
	}
	if (err)
		ktest_fail("%s", res.why);
	if (bootmm_opts.failalloc) {
		/* Any ending is right under injection; the harness checks nothing leaked. */
		ktest_diag("failalloc=%lu: exit status %d%s%s", bootmm_opts.failalloc, res.status,
			   res.signal ? ": " : "", res.signal ? res.why : "");
		return;
	}
	ktest_diag("exit status %d, %lu syscalls (%lu unimplemented), %lu bytes out, %lu bytes err",
		   res.status, res.syscalls, res.unknown, res.out_bytes, res.err_bytes);
	if (res.status != pg->expect)
		ktest_fail("exit status %d, expected %d%s%s", res.status, pg->expect,
			   res.signal ? ": " : "", res.signal ? res.why : "");
	if (bootmm_opts.repeat > 1)
		prog_soak(pg, &res);
}

/* Test body of programs.initramfs: the archive or the manifest is broken. */
static void prog_setup_test(void *arg)
{
	ktest_fail("%s", (const char *)arg);
}

/* Find the file at path for pg, or say in pg->why why there is none. */
static void prog_resolve(struct prog *pg, const char *path)
{
	struct vfs_node *n = vfs_walk(rootfs_root(), path);

	if (!n)
		ksnprintf(pg->why, sizeof(pg->why), "no file %.100s in the initramfs", path);
	else if (!VFS_IS_REG(n->mode))
		ksnprintf(pg->why, sizeof(pg->why), "%.100s is not a regular file", path);
	else
		pg->file = n;
	if (pg->file) /* a program may unlink it: the node stays for the runs to come */
		vfs_get(n);
}

/*
 * One manifest line (NUL-terminated, no newline) -> a registered test.
 * `names` is a scratch directory holding the names seen. 0, -EINVAL (a bad
 * line, recorded as the setup error) or -ENOMEM.
 */
static int prog_line_add(const char *line, size_t lineno, struct vfs_node *names)
{
	const char *sp1 = strchr(line, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	struct vfs_node *seen;
	struct prog *pg;
	int expect, err;

	if (!sp2 || !prog_parse_status(line, sp1, &expect) ||
	    !prog_name_ok(sp1 + 1, (size_t)(sp2 - sp1 - 1)) || !sp2[1]) {
		prog_setup_fail("manifest line %zu: want \"<status 0..255> <name> <path>\"", lineno);
		return -EINVAL;
	}
	err = vfs_create(names, sp1 + 1, (size_t)(sp2 - sp1 - 1), VFS_S_IFREG, &seen);
	if (err == -EEXIST) {
		prog_setup_fail("manifest line %zu: name %.*s used twice", lineno,
				(int)(sp2 - sp1 - 1), sp1 + 1);
		return -EINVAL;
	}
	pg = err ? NULL : kzalloc(sizeof(*pg));
	if (!pg)
		return -ENOMEM;
	memcpy(pg->name, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	pg->expect = expect;
	prog_resolve(pg, sp2 + 1);
	pg->test = (struct ktest){ "programs", pg->name, prog_test, __FILE__, __LINE__, pg, 0 };
	err = ktest_register(&pg->test);
	if (err) {
		kfree(pg);
		return err;
	}
	prog_state.programs++;
	return 0;
}

/* Register every line of the manifest [data, data+size). 0 or -ENOMEM. */
static int prog_manifest(const char *data, size_t size, struct vfs_node *names)
{
	size_t lineno = 0, pos = 0;

	while (pos < size) {
		size_t len = 0;
		int err = 0;

		lineno++;
		while (pos + len < size && data[pos + len] != '\n')
			len++;
		if (len > PROG_LINE_MAX || strnlen(data + pos, len) != len) {
			prog_setup_fail("manifest line %zu: too long or with a NUL", lineno);
		} else if (len && data[pos] != '#') {
			memcpy(prog_line, data + pos, len);
			prog_line[len] = '\0';
			err = prog_line_add(prog_line, lineno, names);
		}
		if (err == -ENOMEM)
			return err;
		pos += len + 1;
	}
	return 0;
}

int ktest_programs_register(char *why, size_t size)
{
	const struct rootfs_status *st = rootfs_status();
	const struct vfs_node *m = rootfs_root() ? vfs_walk(rootfs_root(), PROG_MANIFEST) : NULL;
	struct vfs_node *names = vfs_new_root(0);
	int err = names ? 0 : -ENOMEM;

	if (st->err)
		prog_setup_fail("initramfs module %zu: %s", st->bad_module, st->report.why);
	prog_state.have_manifest = m && VFS_IS_REG(m->mode);
	if (!err && prog_state.have_manifest)
		err = prog_manifest(m->data, m->size, names);
	vfs_free(names);
	if (!err && prog_state.setup_error[0]) {
		prog_state.setup_test = (struct ktest){ "programs", "initramfs", prog_setup_test,
							__FILE__, __LINE__, prog_state.setup_error,
							KTEST_F_UNFILTERED };
		err = ktest_register(&prog_state.setup_test);
	}
	if (err)
		ksnprintf(why, size, "out of memory registering program tests (%zu registered)",
			  prog_state.programs);
	return err;
}

void ktest_programs_report(void)
{
	const struct rootfs_status *st = rootfs_status();
	const struct cpio_report *r = &st->report;

	if (!st->modules)
		return;
	kprintf("# initramfs: %zu bytes in %zu module(s): %zu files (%zu bytes, borrowed in "
		"place), %zu dirs, %zu symlinks, %zu special; unpacked in %lu us\n",
		st->archive_bytes, st->modules, r->files, r->bytes, r->dirs, r->symlinks,
		r->special, (unsigned long)(st->unpack_ns / 1000));
	if (!prog_state.have_manifest)
		kprintf("# initramfs: no /%s: no programs\n", PROG_MANIFEST);
	else
		kprintf("# initramfs: %zu programs in /%s\n", prog_state.programs, PROG_MANIFEST);
	if (prog_state.setup_error[0])
		kprintf("# initramfs: error: %s\n", prog_state.setup_error);
}
