/*
 * In-image `make bench` figure for the whole page fault as a program sees
 * it, in rdtsc cycles: a ring-3 program maps `pages` pages of private
 * anonymous memory without huge pages (MADV_NOHUGEPAGE), then, timed with
 * rdtsc, writes one byte to each page: every write takes the trap, the
 * demand-zero fault (bench fault.zero_4k is that alone) and the return to
 * the program, which writes the cycles to stdout (8 bytes) and checks
 * nothing else: the kernel's own tests check what a fault maps.
 */
#include "harness/ktest.h"
#include "harness/options.h"
#include "kernel/elf.h"
#include "kernel/proc.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "lib/string.h"
#include "user_image.h"

#define BENCH_FAULT_REPS 9
#define BENCH_FAULT_DATA 0x600000ULL /* the program's parameter: pages */
#define BENCH_FAULT_USER_PAGES 256

/*
 * r13 = pages * 4096 (pages read from BENCH_FAULT_DATA); mmap r13 bytes
 * read-write private anonymous, madvise(MADV_NOHUGEPAGE); timed: a byte
 * written at the start of each page; write the cycles (8 bytes) to fd 1 and
 * exit 0 (exit 1 when mmap or madvise failed).
 */
extern const uint8_t bench_fault_code[], bench_fault_code_end[];
__asm__(".pushsection .rodata\n"
	"bench_fault_code:\n"
	"	mov 0x600000, %r13\n"
	"	shl $12, %r13\n"
	"	mov $9, %eax\n"
	"	xor %edi, %edi\n"
	"	mov %r13, %rsi\n"
	"	mov $3, %edx\n"
	"	mov $0x22, %r10d\n"
	"	mov $-1, %r8\n"
	"	xor %r9d, %r9d\n"
	"	syscall\n"
	"	cmp $-4096, %rax\n"
	"	ja 8f\n"
	"	mov %rax, %r14\n"
	"	mov $28, %eax\n"
	"	mov %r14, %rdi\n"
	"	mov %r13, %rsi\n"
	"	mov $15, %edx\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz 8f\n"
	"	xor %r15, %r15\n"
	"	rdtsc\n"
	"	shl $32, %rdx\n"
	"	or %rax, %rdx\n"
	"	mov %rdx, %rbx\n"
	"2:	movb $1, (%r14, %r15)\n"
	"	add $4096, %r15\n"
	"	cmp %r13, %r15\n"
	"	jb 2b\n"
	"	rdtsc\n"
	"	shl $32, %rdx\n"
	"	or %rax, %rdx\n"
	"	sub %rbx, %rdx\n"
	"	push %rdx\n"
	"	mov $1, %eax\n"
	"	mov $1, %edi\n"
	"	mov %rsp, %rsi\n"
	"	mov $8, %edx\n"
	"	syscall\n"
	"	mov $60, %eax\n"
	"	xor %edi, %edi\n"
	"	syscall\n"
	"8:	mov $60, %eax\n"
	"	mov $1, %edi\n"
	"	syscall\n"
	"bench_fault_code_end:\n"
	".popsection\n");

static uint8_t bench_fault_img[UIMG_SIZE] __attribute__((aligned(16)));
static struct proc_result bench_fault_res;

/* Cycles per page of one run of the program over `pages` pages. */
static unsigned long long bench_fault_run(uint64_t pages)
{
	struct uimg_seg segs[2] = {
		{ UIMG_BASE, PF_R | PF_X, bench_fault_code,
		  (size_t)(bench_fault_code_end - bench_fault_code),
		  (size_t)(bench_fault_code_end - bench_fault_code) },
		{ BENCH_FAULT_DATA, PF_R, &pages, sizeof(pages), sizeof(pages) },
	};
	size_t size = uimg_build(bench_fault_img, UIMG_BASE, segs, 2);
	unsigned long long cycles = 0;

	if (proc_run("bench_fault", bench_fault_img, size, 0, &bench_fault_res) ||
	    bench_fault_res.status != 0 || bench_fault_res.out_len != sizeof(cycles))
		ktest_fail("the fault program failed: status %d", bench_fault_res.status);
	memcpy(&cycles, bench_fault_res.out, sizeof(cycles));
	return cycles / pages;
}

/* Demand-zero write faults taken from ring 3, per 4 KiB page. */
TEST(bench, fault_from_ring3)
{
	size_t free0 = pmm_free_frames(), heap0 = heap_bytes_in_use();
	unsigned long long v[BENCH_FAULT_REPS], t;

	if (!bootmm_opts.bench)
		ktest_skip("benchmarks run with bootmm.bench (make bench)");
	ktest_set_timeout(600);
	for (int i = 0; i < BENCH_FAULT_REPS; i++) {
		v[i] = bench_fault_run(BENCH_FAULT_USER_PAGES);
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	}
	ktest_diag("bench fault.user_zero_4k %llu %llu %llu", v[BENCH_FAULT_REPS / 2], v[0],
		   v[BENCH_FAULT_REPS - 1]);
	EXPECT_EQ(pmm_free_frames(), free0);
	EXPECT_EQ(heap_bytes_in_use(), heap0);
}
