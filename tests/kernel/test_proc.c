/*
 * Processes in the image: fork + wait at every failure point, a tree whose
 * first process leaves children behind, a fork bomb, and the watchdog
 * ending a whole tree. Each checks that every frame and heap byte comes back.
 */
#include "harness/ktest.h"
#include "kernel/proc.h"
#include "lib/errno.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "user_failpoints.h"

/*
 * fork; the child writes its stack (a copy-on-write fault) and exits 7; the
 * parent waits for it and exits 0 when the status was exit 7 or SIGKILL (a
 * child out of memory), 1 otherwise; a failed fork exits 0 (refused cleanly).
 */
extern const uint8_t proc_fork_code[], proc_fork_code_end[];
__asm__(".pushsection .rodata\n"
	"proc_fork_code:\n"
	"	sub $64, %rsp\n"
	"	movq $0, (%rsp)\n"
	"	mov $57, %eax\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jz 2f\n"
	"	js 3f\n"
	"	mov $61, %eax\n"
	"	mov $-1, %rdi\n"
	"	mov %rsp, %rsi\n"
	"	xor %edx, %edx\n"
	"	xor %r10d, %r10d\n"
	"	syscall\n"
	"	mov (%rsp), %edi\n"
	"	cmp $0x700, %edi\n"
	"	je 3f\n"
	"	cmp $9, %edi\n"
	"	je 3f\n"
	"	mov $60, %eax\n"
	"	mov $1, %edi\n"
	"	syscall\n"
	"2:	movq $42, 8(%rsp)\n"
	"	mov $60, %eax\n"
	"	mov $7, %edi\n"
	"	syscall\n"
	"3:	mov $60, %eax\n"
	"	xor %edi, %edi\n"
	"	syscall\n"
	"proc_fork_code_end:\n"
	".popsection\n");

static uint8_t proc_img[UIMG_SIZE] __attribute__((aligned(16)));
static struct proc_result proc_res;

/* Every frame and heap failure point of fork + exit + wait: clean ends, memory back. */
TEST(proc, fork_wait_every_failure)
{
	static const struct ufail_scenario s = {
		"fork_wait", proc_fork_code, proc_fork_code_end, proc_img, &proc_res,
	};

	ufail_every_point(&s, 2);
}

/* The first process forks a child that spins in ring 3, then exits 5: the child is killed. */
extern const uint8_t proc_orphan_code[], proc_orphan_code_end[];
__asm__(".pushsection .rodata\n"
	"proc_orphan_code:\n"
	"	mov $57, %eax\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz 1f\n"
	"2:	jmp 2b\n"
	"1:	mov $24, %eax\n" /* sched_yield: let the child run a little */
	"	syscall\n"
	"	mov $60, %eax\n"
	"	mov $5, %edi\n"
	"	syscall\n"
	"proc_orphan_code_end:\n"
	".popsection\n");

/* A tree whose first process exits while a child spins: the test ends, memory back. */
TEST(proc, spinning_child_killed_at_end)
{
	size_t free0 = pmm_free_frames(), heap0 = heap_bytes_in_use();
	size_t size = uimg_code(proc_img, proc_orphan_code,
				(size_t)(proc_orphan_code_end - proc_orphan_code));

	ASSERT_EQ(proc_run("orphan", proc_img, size, 0, &proc_res), 0);
	EXPECT_EQ(proc_res.status, 5);
	EXPECT_EQ(proc_res.signal, 0);
	EXPECT_EQ(proc_res.as_check, 0);
	EXPECT_EQ(proc_res.syscalls, 3);
	EXPECT_EQ(pmm_free_frames(), free0);
	EXPECT_EQ(heap_bytes_in_use(), heap0);
}

/*
 * A fork bomb: fork until it fails, each child asleep (pause-like: a long
 * nanosleep); the first process exits with the errno of the failure.
 */
extern const uint8_t proc_bomb_code[], proc_bomb_code_end[];
__asm__(".pushsection .rodata\n"
	"proc_bomb_code:\n"
	"	sub $32, %rsp\n"
	"	movq $1000000, (%rsp)\n" /* 1e6 seconds */
	"	movq $0, 8(%rsp)\n"
	"1:	mov $57, %eax\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jz 2f\n"
	"	jns 1b\n"
	"	neg %rax\n"
	"	mov %rax, %rdi\n"
	"	mov $60, %eax\n"
	"	syscall\n"
	"2:	mov $35, %eax\n"
	"	mov %rsp, %rdi\n"
	"	xor %esi, %esi\n"
	"	syscall\n"
	"	jmp 2b\n"
	"proc_bomb_code_end:\n"
	".popsection\n");

/*
 * The bomb ends on the process limit (EAGAIN) or memory (ENOMEM); the
 * kernel stays up, memory back. The limit is Linux's threads-max for the
 * memory, at most 2048 here so that the test stays short on a large guest.
 */
TEST(proc, fork_bomb_ends_cleanly)
{
	size_t free0 = pmm_free_frames(), heap0 = heap_bytes_in_use();
	size_t size = uimg_code(proc_img, proc_bomb_code,
				(size_t)(proc_bomb_code_end - proc_bomb_code));
	unsigned linux_max = (unsigned)(pmm_total_frames() / 32);

	ktest_set_timeout(120);
	int err;

	proc_set_max_procs(MIN(linux_max, 2048u));
	err = proc_run("bomb", proc_img, size, 0, &proc_res);
	proc_set_max_procs(0);
	ASSERT_EQ(err, 0);
	EXPECT_EQ(proc_res.signal, 0);
	EXPECT_TRUE(proc_res.status == EAGAIN || proc_res.status == ENOMEM);
	ktest_diag("ended with errno %d after %lu syscalls", proc_res.status, proc_res.syscalls);
	EXPECT_EQ(proc_res.as_check, 0);
	EXPECT_EQ(pmm_free_frames(), free0);
	EXPECT_EQ(heap_bytes_in_use(), heap0);
}

#ifdef BOOTMM_SELFTEST
/*
 * Fails on purpose: the first process waits for a child that spins for
 * ever, so the watchdog ends the test after 1 s; the whole tree is
 * abandoned and freed (ci/test_runner.py: TIMEOUT, and no "leak:" line).
 */
extern const uint8_t proc_hang_code[], proc_hang_code_end[];
__asm__(".pushsection .rodata\n"
	"proc_hang_code:\n"
	"	mov $57, %eax\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz 1f\n"
	"2:	jmp 2b\n"
	"1:	mov $61, %eax\n"
	"	mov $-1, %rdi\n"
	"	xor %esi, %esi\n"
	"	xor %edx, %edx\n"
	"	xor %r10d, %r10d\n"
	"	syscall\n"
	"	jmp 1b\n"
	"proc_hang_code_end:\n"
	".popsection\n");

TEST(selftest, program_tree_timeout)
{
	size_t size = uimg_code(proc_img, proc_hang_code,
				(size_t)(proc_hang_code_end - proc_hang_code));

	ktest_set_timeout(1);
	proc_run("hang", proc_img, size, 0, &proc_res);
	ktest_fail("the hanging tree returned");
}
#endif
