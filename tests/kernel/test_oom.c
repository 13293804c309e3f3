/*
 * Lack of memory at every point (suite `oom`): a representative run is
 * repeated with the n-th allocation failing, for every n from 1 to the
 * number it makes. Every run must end cleanly (an -ENOMEM, or a program
 * ended by a signal as Linux would when a fault cannot be served), the
 * invariants must hold, and every frame and heap byte must come back.
 */
#include "harness/ktest.h"
#include "kernel/proc.h"
#include "lib/errno.h"
#include "mm/aspace.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "user_image.h"

#define OOM_RW (PROT_READ | PROT_WRITE)
#define OOM_ANON (MAP_PRIVATE | MAP_ANONYMOUS)

/* True when r is a success (>= 0) or -ENOMEM. */
static bool oom_clean(long r)
{
	return r >= 0 || r == -ENOMEM;
}

/* A write fault at va that must be served or refused for lack of memory. */
static bool oom_fault_clean(struct aspace *as, vaddr_t va, bool present)
{
	int r = as_fault(as, va, AS_PF_WRITE | AS_PF_USER | (present ? AS_PF_PRESENT : 0));

	return r == AS_FAULT_OK || r == AS_FAULT_OOM;
}

/*
 * The aspace scenario: map, fault in (4 KiB and 2 MiB), split with
 * mprotect, move with mremap, clone and break COW, unmap, destroy. Returns
 * the number of steps that ended neither in success nor in -ENOMEM, or in
 * a failed as_check.
 */
static int oom_aspace_scenario(void)
{
	struct aspace *as = as_create(), *child;
	int bad = 0;
	long p;

	if (!as)
		return 0;
	p = as_mmap(as, 0x40000000, 4 * PAGE_2M, OOM_RW, OOM_ANON | MAP_FIXED);
	if (p < 0) {
		as_destroy(as);
		return p != -ENOMEM;
	}
	for (int i = 0; i < 4; i++)
		bad += !oom_fault_clean(as, 0x40000000 + i * PAGE_2M + 5 * PAGE_SIZE, false);
	bad += !oom_clean(as_mprotect(as, 0x40000000 + 3 * PAGE_SIZE, PAGE_SIZE, PROT_READ));
	bad += !oom_clean(as_munmap(as, 0x40000000 + PAGE_2M + 7 * PAGE_SIZE, PAGE_SIZE));
	bad += !oom_clean(as_mremap(as, 0x40000000 + 2 * PAGE_2M, PAGE_2M, 2 * PAGE_2M,
				    MREMAP_MAYMOVE, 0));
	bad += !oom_clean(as_mmap(as, 0x40000000 + 8 * PAGE_SIZE, 4 * PAGE_SIZE, PROT_READ,
				  OOM_ANON | MAP_FIXED | MAP_POPULATE));
	bad += as_check(as) != 0;
	child = as_clone(as);
	if (child) {
		bad += !oom_fault_clean(child, 0x40000000 + 5 * PAGE_SIZE, true);
		bad += as_check(child) != 0;
		as_destroy(child);
	}
	bad += as_check(as) != 0;
	as_destroy(as);
	return bad;
}

/* Every frame-allocation failure point of the aspace scenario. */
TEST(oom, aspace_every_frame_failure)
{
	size_t free0 = pmm_free_frames(), heap0 = heap_bytes_in_use();
	unsigned long calls = pmm_alloc_calls(), total;
	int bad = 0;

	EXPECT_EQ(oom_aspace_scenario(), 0);
	total = pmm_alloc_calls() - calls;
	ASSERT_GT(total, 5);
	for (unsigned long n = 1; n <= total; n++) {
		pmm_fail_nth(n);
		bad += oom_aspace_scenario();
		pmm_fail_nth(0);
		if (pmm_free_frames() != free0 || heap_bytes_in_use() != heap0) {
			ktest_fail("failure point %lu: %ld frames, %ld heap bytes not back", n,
				   (long)(free0 - pmm_free_frames()),
				   (long)(heap_bytes_in_use() - heap0));
		}
	}
	ktest_diag("%lu frame failure points, each clean", total);
	EXPECT_EQ(bad, 0);
}

/* Every heap-allocation failure point of the aspace scenario. */
TEST(oom, aspace_every_heap_failure)
{
	size_t free0 = pmm_free_frames(), heap0 = heap_bytes_in_use();
	unsigned long calls = heap_alloc_calls(), total;
	int bad = 0;

	EXPECT_EQ(oom_aspace_scenario(), 0);
	total = heap_alloc_calls() - calls;
	ASSERT_GT(total, 3);
	for (unsigned long n = 1; n <= total; n++) {
		heap_fail_nth(n);
		bad += oom_aspace_scenario();
		heap_fail_nth(0);
		if (pmm_free_frames() != free0 || heap_bytes_in_use() != heap0)
			ktest_fail("heap failure point %lu: memory not back", n);
	}
	ktest_diag("%lu heap failure points, each clean", total);
	EXPECT_EQ(bad, 0);
}

/*
 * A user program: mmap 64 KiB, touch two pages, munmap, exit 0; exit 12 when
 * mmap fails. Built into the kernel's rodata and wrapped in an ELF image.
 */
extern const uint8_t oom_user_code[], oom_user_code_end[];
__asm__(".pushsection .rodata\n"
	"oom_user_code:\n"
	"	mov $9, %eax\n"
	"	xor %edi, %edi\n"
	"	mov $0x10000, %esi\n"
	"	mov $3, %edx\n"
	"	mov $0x22, %r10d\n"
	"	mov $-1, %r8\n"
	"	xor %r9d, %r9d\n"
	"	syscall\n"
	"	cmp $-4095, %rax\n"
	"	jae 1f\n"
	"	movb $1, (%rax)\n"
	"	movb $1, 0x8000(%rax)\n"
	"	mov %rax, %rdi\n"
	"	mov $11, %eax\n"
	"	mov $0x10000, %esi\n"
	"	syscall\n"
	"	mov $60, %eax\n"
	"	xor %edi, %edi\n"
	"	syscall\n"
	"1:	mov $60, %eax\n"
	"	mov $12, %edi\n"
	"	syscall\n"
	"oom_user_code_end:\n"
	".popsection\n");

static uint8_t oom_img[UIMG_SIZE] __attribute__((aligned(16)));
static struct proc_result oom_res;

/* Run the program with the n-th frame allocation failing (0: none); 0 when the ending is clean. */
static int oom_program_run(unsigned long n)
{
	size_t size = uimg_code(oom_img, oom_user_code, oom_user_code_end - oom_user_code);
	int err;

	pmm_fail_nth(n);
	err = proc_run("oom", oom_img, size, 0, &oom_res);
	pmm_fail_nth(0);
	if (err)
		return err == -ENOMEM ? 0 : 1;
	if (oom_res.signal)
		/* A fault no frame can serve: SIGKILL (137), as the OOM killer. */
		return (oom_res.signal == SIGKILL && oom_res.status == 128 + SIGKILL) ||
		       oom_res.signal == SIGSEGV ? 0 : 1;
	return oom_res.status == 0 || oom_res.status == 12 ? 0 : 1;
}

/* Every frame-allocation failure point of a program run (load, stack, mmap, faults). */
TEST(oom, program_every_frame_failure)
{
	size_t free0 = pmm_free_frames(), heap0 = heap_bytes_in_use();
	unsigned long calls = pmm_alloc_calls(), total;
	int bad = 0, enomem = 0, signalled = 0;

	ASSERT_EQ(oom_program_run(0), 0);
	ASSERT_EQ(oom_res.status, 0);
	total = pmm_alloc_calls() - calls;
	ASSERT_GT(total, 3);
	for (unsigned long n = 1; n <= total; n++) {
		bad += oom_program_run(n);
		enomem += oom_res.status == 12;
		signalled += oom_res.signal != 0;
		if (pmm_free_frames() != free0 || heap_bytes_in_use() != heap0)
			ktest_fail("failure point %lu: memory not back", n);
	}
	ktest_diag("%lu failure points: %d saw ENOMEM from mmap, %d ended by a signal", total,
		   enomem, signalled);
	EXPECT_EQ(bad, 0);
}
