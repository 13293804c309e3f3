/*
 * /proc over locked, sealed and advised memory (src/fs/procfs.c reading the
 * VMA flags through as_vma_marks): smaps Locked: and the lo/lf/sl/dc/wf/dd/dp
 * VmFlags, and VmLck in status, after mlock, mlock2(MLOCK_ONFAULT), mseal,
 * madvise and MAP_DROPPABLE.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "fs/procfs.h"
#include "mm/aspace.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "support/host_mm.h"

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)
#define X 0x100000000ULL

static struct aspace *as;
static struct procfs_task task;
static struct procfs_buf buf;
static size_t free0, heap0;

static void setup(void)
{
	host_mm_setup(MiB(256));
	free0 = pmm_free_frames();
	heap0 = heap_bytes_in_use();
	as = as_create();
	cr_assert_not_null(as);
	as_set_memlock(as, AS_MEMLOCK_DEFAULT, AS_CAP_IPC_LOCK);
	task = (struct procfs_task){.as = as, .pid = 1, .pgid = 1, .sid = 1, .comm = "prog",
				    .threads = 1, .flags = PROCFS_TASK_ADMIN};
	procfs_buf_init(&buf);
}

static void teardown(void)
{
	procfs_buf_free(&buf);
	as_destroy(as);
	cr_assert_eq(pmm_free_frames(), free0);
	cr_assert_eq(heap_bytes_in_use(), heap0);
}

TestSuite(procfs_lock, .init = setup, .fini = teardown);

/* Regenerate with fn into buf. */
static void gen(int (*fn)(const struct procfs_task *, struct procfs_buf *))
{
	procfs_buf_free(&buf);
	procfs_buf_init(&buf);
	cr_assert_eq(fn(&task, &buf), 0);
}

/* The smaps entry of the VMA starting at page i of X (a pointer into buf, cut after VmFlags). */
static const char *entry(int i)
{
	char head[32];
	char *p, *q;

	gen(procfs_smaps);
	snprintf(head, sizeof(head), "%llx-", (unsigned long long)(X + i * PAGE_SIZE));
	p = strstr(buf.data, head);
	cr_assert_not_null(p, "no VMA at page %d:\n%s", i, buf.data);
	q = strstr(p, "VmFlags:");
	cr_assert_not_null(q);
	*strchr(q, '\n') = '\0';
	return p;
}

/* True when the VmFlags of the entry hold the two-letter flag f (each is followed by a space). */
static bool has_flag(const char *e, const char *f)
{
	char tok[5];

	snprintf(tok, sizeof(tok), " %s ", f);
	return strstr(strstr(e, "VmFlags:") + 7, tok) != NULL;
}

Test(procfs_lock, locked_and_onfault)
{
	const char *e;

	cr_assert_eq(as_mmap(as, X, 8 * PAGE_SIZE, RW, ANON), (long)X);
	cr_assert_eq(as_mlock(as, X, 2 * PAGE_SIZE, 0), 0);
	cr_assert_eq(as_mlock(as, X + 2 * PAGE_SIZE, 2 * PAGE_SIZE, MLOCK_ONFAULT), 0);
	e = entry(0);
	cr_expect(strstr(e, "\nLocked:                8 kB\n"), "%s", e);
	cr_expect(has_flag(e, "lo") && !has_flag(e, "lf"), "%s", e);
	e = entry(2);
	cr_expect(strstr(e, "\nLocked:                0 kB\n"), "nothing resident: %s", e);
	cr_expect(has_flag(e, "lo") && has_flag(e, "lf"), "%s", e);
	e = entry(4);
	cr_expect(!has_flag(e, "lo"), "%s", e);
	gen(procfs_status);
	cr_expect(strstr(buf.data, "\nVmLck:\t      16 kB\n"), "%s", buf.data);
	cr_assert_eq(as_munlockall(as), 0);
	gen(procfs_status);
	cr_expect(strstr(buf.data, "\nVmLck:\t       0 kB\n"), "%s", buf.data);
}

Test(procfs_lock, sealed_advised_droppable)
{
	const char *e;

	cr_assert_eq(as_mmap(as, X, 8 * PAGE_SIZE, RW, ANON), (long)X);
	cr_assert_eq(as_mseal(as, X, PAGE_SIZE, 0), 0);
	cr_assert_eq(as_madvise(as, X + 2 * PAGE_SIZE, PAGE_SIZE, 10), 0);
	cr_assert_eq(as_madvise(as, X + 4 * PAGE_SIZE, PAGE_SIZE, 18), 0);
	cr_assert_eq(as_madvise(as, X + 6 * PAGE_SIZE, PAGE_SIZE, 16), 0);
	cr_expect(has_flag(entry(0), "sl"));
	cr_expect(has_flag(entry(2), "dc") && !has_flag(entry(2), "sl"));
	cr_expect(has_flag(entry(4), "wf"));
	cr_expect(has_flag(entry(6), "dd"));
	cr_assert_eq(as_mmap(as, X + 16 * PAGE_SIZE, 2 * PAGE_SIZE, RW,
			     MAP_DROPPABLE | MAP_ANONYMOUS | MAP_FIXED), (long)(X + 16 * PAGE_SIZE));
	e = entry(16);
	cr_expect(has_flag(e, "nr") && has_flag(e, "wf") && has_flag(e, "dd") &&
		  has_flag(e, "dp") && !has_flag(e, "ac"), "%s", e);
}
