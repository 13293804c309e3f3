/*
 * In-image `make bench` figures for processes, in rdtsc cycles: a ring-3
 * program that touches `bytes` of private memory and then forks, exits and
 * waits `count` times, timing the loop itself with rdtsc and writing the
 * cycles to stdout (8 bytes). A figure is those cycles / count: one fork +
 * exit + wait round trip, everything in it (the copy of the space, the
 * child's run to exit, the reaping).
 */
#include "arch/x86_64/cpu.h"
#include "harness/ktest.h"
#include "harness/options.h"
#include "kernel/elf.h"
#include "kernel/proc.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "lib/string.h"
#include "user_image.h"

#define BENCH_PROC_REPS 5
#define BENCH_PROC_DATA 0x600000ULL /* the program's parameters: count, bytes */

/*
 * r12 = count, r13 = bytes (read from BENCH_PROC_DATA); mmap and touch
 * bytes; then, timed, count times: fork, the child exits 0, the parent
 * wait4s; write the cycles (8 bytes) to fd 1 and exit 0.
 */
extern const uint8_t bench_fork_code[], bench_fork_code_end[];
__asm__(".pushsection .rodata\n"
	"bench_fork_code:\n"
	"	mov 0x600000, %r12\n"
	"	mov 0x600008, %r13\n"
	"	test %r13, %r13\n"
	"	jz 1f\n"
	"	mov $9, %eax\n"
	"	xor %edi, %edi\n"
	"	mov %r13, %rsi\n"
	"	mov $3, %edx\n"
	"	mov $0x22, %r10d\n"
	"	mov $-1, %r8\n"
	"	xor %r9d, %r9d\n"
	"	syscall\n"
	"	mov %rax, %r14\n"
	"	xor %r15, %r15\n"
	"2:	movb $1, (%r14, %r15)\n"
	"	add $4096, %r15\n"
	"	cmp %r13, %r15\n"
	"	jb 2b\n"
	"1:	rdtsc\n"
	"	shl $32, %rdx\n"
	"	or %rax, %rdx\n"
	"	mov %rdx, %rbx\n"
	"3:	mov $57, %eax\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jz 9f\n"
	"	mov $61, %eax\n"
	"	mov $-1, %rdi\n"
	"	xor %esi, %esi\n"
	"	xor %edx, %edx\n"
	"	xor %r10d, %r10d\n"
	"	syscall\n"
	"	dec %r12\n"
	"	jnz 3b\n"
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
	"9:	mov $60, %eax\n"
	"	xor %edi, %edi\n"
	"	syscall\n"
	"bench_fork_code_end:\n"
	".popsection\n");

static uint8_t bench_proc_img[UIMG_SIZE] __attribute__((aligned(16)));
static struct proc_result bench_proc_res;

/* Cycles per round trip in one run of the program (count > 0) after touching `bytes`. */
static unsigned long long bench_proc_run(uint64_t count, uint64_t bytes)
{
	uint64_t params[2] = { count, bytes };
	struct uimg_seg segs[2] = {
		{ UIMG_BASE, PF_R | PF_X, bench_fork_code,
		  (size_t)(bench_fork_code_end - bench_fork_code),
		  (size_t)(bench_fork_code_end - bench_fork_code) },
		{ BENCH_PROC_DATA, PF_R, params, sizeof(params), sizeof(params) },
	};
	size_t size = uimg_build(bench_proc_img, UIMG_BASE, segs, 2);
	unsigned long long cycles = 0;

	if (proc_run("bench_fork", bench_proc_img, size, 0, &bench_proc_res) ||
	    bench_proc_res.status != 0 || bench_proc_res.out_len != sizeof(cycles))
		ktest_fail("the fork program failed: status %d", bench_proc_res.status);
	memcpy(&cycles, bench_proc_res.out, sizeof(cycles));
	return cycles / count;
}

/* Sort v[0..n) (insertion: n is small). */
static void bench_proc_sort(unsigned long long *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			unsigned long long t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/* Report `key`: the median, min and max per round trip over BENCH_PROC_REPS runs. */
static void bench_proc_figure(const char *key, uint64_t count, uint64_t bytes)
{
	unsigned long long v[BENCH_PROC_REPS];

	for (int i = 0; i < BENCH_PROC_REPS; i++)
		v[i] = bench_proc_run(count, bytes);
	bench_proc_sort(v, BENCH_PROC_REPS);
	ktest_diag("bench %s %llu %llu %llu", key, v[BENCH_PROC_REPS / 2], v[0],
		   v[BENCH_PROC_REPS - 1]);
}

/* fork + exit + wait of a small process, and of one with 64 MiB touched. */
TEST(bench, proc_fork_exit_wait)
{
	size_t free0 = pmm_free_frames(), heap0 = heap_bytes_in_use();

	if (!bootmm_opts.bench)
		ktest_skip("benchmarks run with bootmm.bench (make bench)");
	ktest_set_timeout(600);
	bench_proc_figure("proc.fork_exit_wait", 200, 0);
	bench_proc_figure("proc.fork_exit_wait.64m", 20, MiB(64));
	EXPECT_EQ(pmm_free_frames(), free0);
	EXPECT_EQ(heap_bytes_in_use(), heap0);
}
