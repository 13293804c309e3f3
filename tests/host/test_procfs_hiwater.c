/*
 * Host tests of the high-water marks of /proc/<pid>/status (VmPeak, VmHWM)
 * and clear_refs 5, against Linux 6.12's rules (fs/proc/task_mmu.c
 * task_mem, mm/vma.c update_hiwater_vm/_rss, kernel/fork.c dup_mm): the
 * marks are taken before total_vm or the resident count drops, a reader
 * sees the larger of mark and current figure, clear_refs 5 sets the
 * resident mark to the current count, a fork's copy starts with its own
 * figures. Every figure exact, in kB.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/procfs.h"
#include "mm/aspace.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "support/as_testlib.h"
#include "support/host_mm.h"

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static struct aspace *as;
static size_t free0, heap0;

static void setup(void)
{
	host_mm_setup(MiB(512));
	free0 = pmm_free_frames();
	heap0 = heap_bytes_in_use();
	as = as_create();
	cr_assert_not_null(as);
}

static void teardown(void)
{
	as_destroy(as);
	cr_assert_eq(pmm_free_frames(), free0, "leaked %zd frames",
		     (ssize_t)(free0 - pmm_free_frames()));
	cr_assert_eq(heap_bytes_in_use(), heap0);
}

TestSuite(hiwater, .init = setup, .fini = teardown);

/* The four figures of status this file checks, in kB. */
struct hw_figs {
	unsigned long long peak, size, hwm, rss;
};

/* The kB value of status line `name` (with its colon) in text; fails when missing. */
static unsigned long long hw_field(const char *text, const char *name)
{
	const char *p = strstr(text, name);

	cr_assert_not_null(p, "no %s in\n%s", name, text);
	return strtoull(p + strlen(name), NULL, 10);
}

/* Read status of space a (checked with as_check first: the running counts hold). */
static struct hw_figs hw_read(struct aspace *a)
{
	struct procfs_task t = {.as = a, .pid = 1, .comm = "m", .threads = 1,
				.flags = PROCFS_TASK_ADMIN};
	struct procfs_buf b;
	struct hw_figs f;

	cr_assert_eq(as_check(a), 0);
	procfs_buf_init(&b);
	cr_assert_eq(procfs_status(&t, &b), 0);
	f.peak = hw_field(b.data, "\nVmPeak:");
	f.size = hw_field(b.data, "\nVmSize:");
	f.hwm = hw_field(b.data, "\nVmHWM:");
	f.rss = hw_field(b.data, "\nVmRSS:");
	procfs_buf_free(&b);
	return f;
}

#define hw_expect(a, p, s, h, r)                                                              \
	do {                                                                                  \
		struct hw_figs f_ = hw_read(a);                                               \
		cr_assert(f_.peak == (p) && f_.size == (s) && f_.hwm == (h) && f_.rss == (r), \
			  "VmPeak %llu VmSize %llu VmHWM %llu VmRSS %llu, want %d %d %d %d",  \
			  f_.peak, f_.size, f_.hwm, f_.rss, (p), (s), (h), (r));              \
	} while (0)

/* Write one byte at each page of [va, va + pages * 4 KiB). */
static void hw_touch(struct aspace *a, vaddr_t va, unsigned pages)
{
	for (unsigned i = 0; i < pages; i++)
		cr_assert_eq(as_test_write(a, va + i * PAGE_SIZE, "x", 1), AS_FAULT_OK);
}

/* clear_refs with the text `what`, as a write(2) of it. */
static void hw_clear_refs(struct aspace *a, const char *what)
{
	struct procfs_task t = {.as = a, .pid = 1, .flags = PROCFS_TASK_ADMIN};

	cr_assert_eq(procfs_clear_refs(&t, what, strlen(what)), (long)strlen(what));
}

Test(hiwater, munmap_keeps_the_marks_at_the_peak)
{
	long a = as_mmap(as, 0, 16 * PAGE_SIZE, RW, ANON);

	cr_assert_gt(a, 0);
	hw_expect(as, 64, 64, 0, 0);
	hw_touch(as, a, 10);
	hw_expect(as, 64, 64, 40, 40);
	cr_assert_eq(as_munmap(as, a + 4 * PAGE_SIZE, 8 * PAGE_SIZE), 0);
	hw_expect(as, 64, 32, 40, 16);
	/* below the mark, new pages do not move it; past it they do (read as max) */
	hw_touch(as, a + 12 * PAGE_SIZE, 4);
	hw_expect(as, 64, 32, 40, 32);
	cr_assert_eq(as_mmap(as, a + 4 * PAGE_SIZE, 8 * PAGE_SIZE, RW, ANON | MAP_FIXED),
		     a + 4 * PAGE_SIZE);
	hw_touch(as, a + 4 * PAGE_SIZE, 8);
	hw_expect(as, 64, 64, 64, 64);
	cr_assert_eq(as_munmap(as, a, 16 * PAGE_SIZE), 0);
	hw_expect(as, 64, 0, 64, 0);
}

Test(hiwater, clear_refs_5_resets_vmhwm_to_vmrss)
{
	long a = as_mmap(as, 0, 8 * PAGE_SIZE, RW, ANON);

	hw_touch(as, a, 8);
	cr_assert_eq(as_madvise(as, a, 6 * PAGE_SIZE, MADV_DONTNEED), 0);
	hw_expect(as, 32, 32, 32, 8);
	hw_clear_refs(as, "5\n");
	hw_expect(as, 32, 32, 8, 8);
	hw_touch(as, a, 3);
	hw_expect(as, 32, 32, 20, 20);
	cr_assert_eq(as_madvise(as, a, PAGE_SIZE, MADV_DONTNEED), 0);
	hw_expect(as, 32, 32, 20, 16);
	/* 1..4 leave the marks alone; VmPeak never resets */
	hw_clear_refs(as, "1");
	hw_expect(as, 32, 32, 20, 16);
	cr_assert_eq(as_munmap(as, a, 8 * PAGE_SIZE), 0);
	hw_clear_refs(as, "5");
	hw_expect(as, 32, 0, 0, 0);
}

Test(hiwater, zero_page_reads_count_nowhere)
{
	long a = as_mmap(as, 0, 4 * PAGE_SIZE, PROT_READ, ANON);
	char c;

	for (int i = 0; i < 4; i++)
		cr_assert_eq(as_test_read(as, a + i * PAGE_SIZE, &c, 1), AS_FAULT_OK);
	hw_expect(as, 16, 16, 0, 0);
	cr_assert_eq(as_munmap(as, a, 4 * PAGE_SIZE), 0);
	hw_expect(as, 16, 0, 0, 0);
}

Test(hiwater, mremap_shrink_and_move_keep_the_peak)
{
	long a = as_mmap(as, 0, 8 * PAGE_SIZE, RW, ANON), b;

	hw_touch(as, a, 8);
	cr_assert_eq(as_mremap(as, a, 8 * PAGE_SIZE, 2 * PAGE_SIZE, 0, 0), a);
	hw_expect(as, 32, 8, 32, 8);
	/* a move carries its pages: neither figure drops, nothing double counts */
	b = as_mremap(as, a, 2 * PAGE_SIZE, 4 * PAGE_SIZE, MREMAP_MAYMOVE, 0);
	cr_assert_gt(b, 0);
	hw_expect(as, 32, 16, 32, 8);
	cr_assert_eq(as_munmap(as, b, 4 * PAGE_SIZE), 0);
}

Test(hiwater, fork_copy_starts_with_its_own_marks)
{
	long a = as_mmap(as, 0, 8 * PAGE_SIZE, RW, ANON);
	struct aspace *child;

	hw_touch(as, a, 8);
	cr_assert_eq(as_munmap(as, a + 2 * PAGE_SIZE, 6 * PAGE_SIZE), 0);
	hw_expect(as, 32, 8, 32, 8);
	child = as_clone(as);
	cr_assert_not_null(child);
	/* dup_mm: hiwater_rss = get_mm_rss, hiwater_vm = total_vm of the copy */
	hw_expect(child, 8, 8, 8, 8);
	hw_expect(as, 32, 8, 32, 8);
	/* the child's copy-on-write breaks count once in its own figures */
	hw_touch(child, a, 2);
	hw_expect(child, 8, 8, 8, 8);
	cr_assert_eq(as_munmap(child, a, 2 * PAGE_SIZE), 0);
	hw_expect(child, 8, 0, 8, 0);
	hw_expect(as, 32, 8, 32, 8);
	as_destroy(child);
}
