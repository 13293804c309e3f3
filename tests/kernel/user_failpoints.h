/*
 * Run a small ring-3 scenario (code wrapped by uimg_code) at every frame and
 * every heap allocation failure point it has: each run must end cleanly
 * (refused with ENOMEM, killed as out of memory, or exit 0 with a sound
 * address space) and give every frame and heap byte back. For the suites
 * whose scenarios go through files and memory objects (tmpfs, mmap_obj).
 */
#ifndef TESTS_KERNEL_USER_FAILPOINTS_H
#define TESTS_KERNEL_USER_FAILPOINTS_H

#include "harness/ktest.h"
#include "kernel/proc.h"
#include "kernel/rootfs.h"
#include "kernel/signal.h"
#include "lib/errno.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "user_image.h"

struct ufail_scenario {
	const char *name;
	const uint8_t *code, *end;  /* the ring-3 code */
	uint8_t *img;               /* UIMG_SIZE bytes for its ELF image */
	struct proc_result *res;    /* the last run's result */
};

enum ufail_kind { UFAIL_FRAME, UFAIL_HEAP };

/*
 * Run the scenario with the n-th allocation of `kind` failing (n 0: none),
 * then sweep what it left in the tree; 0 when it ended cleanly, 1 otherwise.
 */
static inline int ufail_run(const struct ufail_scenario *s, unsigned long n, enum ufail_kind kind)
{
	size_t size = uimg_code(s->img, s->code, (size_t)(s->end - s->code));
	int err;

	if (kind == UFAIL_HEAP)
		heap_fail_nth(n);
	else
		pmm_fail_nth(n);
	err = proc_run(s->name, s->img, size, 0, s->res);
	pmm_fail_nth(0);
	heap_fail_nth(0);
	rootfs_sweep();
	if (err)
		return err == -ENOMEM ? 0 : 1;
	if (s->res->signal)
		return s->res->signal == SIGKILL ? 0 : 1;
	return s->res->status == 0 && s->res->as_check == 0 ? 0 : 1;
}

/*
 * The clean run (at least min_syscalls calls, memory back), then every frame
 * and every heap failure point it met, each clean with memory back.
 */
static inline void ufail_every_point(const struct ufail_scenario *s, unsigned long min_syscalls)
{
	size_t free0 = pmm_free_frames(), heap0 = heap_bytes_in_use();
	unsigned long frames = pmm_alloc_calls(), allocs = heap_alloc_calls(), nf, nh;
	int bad = 0;

	ASSERT_EQ(ufail_run(s, 0, UFAIL_FRAME), 0);
	nf = pmm_alloc_calls() - frames;
	nh = heap_alloc_calls() - allocs;
	ASSERT_GT(s->res->syscalls, min_syscalls);
	ASSERT_EQ(pmm_free_frames(), free0);
	for (unsigned long n = 1; n <= nf + nh; n++) {
		enum ufail_kind kind = n > nf ? UFAIL_HEAP : UFAIL_FRAME;
		unsigned long at = kind == UFAIL_HEAP ? n - nf : n;

		bad += ufail_run(s, at, kind);
		if (pmm_free_frames() != free0 || heap_bytes_in_use() != heap0)
			ktest_fail("%s failure point %lu: memory not back",
				   kind == UFAIL_HEAP ? "heap" : "frame", at);
	}
	ktest_diag("%lu frame and %lu heap failure points", nf, nh);
	EXPECT_EQ(bad, 0);
}

#endif
