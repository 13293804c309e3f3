/*
 * exec in the image: ring-3 scenarios write a small ELF program to /tmp and
 * execve it (first while still empty: ENOEXEC, the caller goes on; then for
 * good), directly or in a forked child that the parent waits for; the new
 * program checks its first frame (every general register 0, argc 2) and
 * says "ok". Each runs clean, then at every frame and heap failure point:
 * each run ends cleanly, nothing leaks.
 */
#include "harness/ktest.h"
#include "kernel/proc.h"
#include "lib/string.h"
#include "user_failpoints.h"
#include "user_image.h"

/*
 * Ring-3 pieces the scenarios share, their labels prefixed by `p` (a string).
 *
 * EXEC_ARGS: "/tmp/e" at 0(%rsp), argv { "/tmp/e", "x" } at 32(%rsp), envp
 * { "K=V" } at 56(%rsp).
 */
#define EXEC_ARGS                                                      \
	"	sub $128, %rsp\n"                                      \
	"	movabs $0x0000652f706d742f, %rax\n"                    \
	"	mov %rax, 0(%rsp)\n"                                   \
	"	movq $0x78, 8(%rsp)\n"                                 \
	"	movq $0x563d4b, 16(%rsp)\n"                            \
	"	lea 0(%rsp), %rax\n"                                   \
	"	mov %rax, 32(%rsp)\n"                                  \
	"	lea 8(%rsp), %rax\n"                                   \
	"	mov %rax, 40(%rsp)\n"                                  \
	"	movq $0, 48(%rsp)\n"                                   \
	"	lea 16(%rsp), %rax\n"                                  \
	"	mov %rax, 56(%rsp)\n"                                  \
	"	movq $0, 64(%rsp)\n"

/* open("/tmp/e", O_CREAT|O_WRONLY|O_TRUNC, 0755) into %r12. */
#define EXEC_OPEN                                                      \
	"	mov $2, %eax\n"                                        \
	"	lea 0(%rsp), %rdi\n"                                   \
	"	mov $0x241, %esi\n"                                    \
	"	mov $0755, %edx\n"                                     \
	"	syscall\n"                                             \
	"	mov %rax, %r12\n"

/* Write the target ELF (labels p_elf..p_end) into %r12 and close it. */
#define EXEC_WRITE(p)                                                  \
	"	mov $1, %eax\n"                                        \
	"	mov %r12, %rdi\n"                                      \
	"	lea " p "_elf(%rip), %rsi\n"                           \
	"	mov $(" p "_end - " p "_elf), %edx\n"                  \
	"	syscall\n"                                             \
	"	mov $3, %eax\n"                                        \
	"	mov %r12, %rdi\n"                                      \
	"	syscall\n"

/* execve("/tmp/e", argv, envp). */
#define EXEC_EXECVE                                                    \
	"	mov $59, %eax\n"                                       \
	"	lea 0(%rsp), %rdi\n"                                   \
	"	lea 32(%rsp), %rsi\n"                                  \
	"	lea 56(%rsp), %rdx\n"                                  \
	"	syscall\n"

#define EXEC_EXIT0                                                     \
	"	mov $60, %eax\n"                                       \
	"	xor %edi, %edi\n"                                      \
	"	syscall\n"

/*
 * The program the scenarios exec, as data: an ELF image (header, one R+X
 * PT_LOAD from offset 0 at 0x400000) whose code exits 3 unless rax..r15
 * (rsp aside) are all 0 and argc is 2, and else writes "ok\n" and exits 0.
 */
#define EXEC_TARGET(p)                                                 \
	p "_elf:\n"                                                    \
	"	.byte 0x7f, 'E', 'L', 'F', 2, 1, 1, 0\n"               \
	"	.zero 8\n"                                             \
	"	.word 2, 62\n"                 /* ET_EXEC, EM_X86_64 */ \
	"	.long 1\n"                                             \
	"	.quad 0x400000 + (" p "_code - " p "_elf)\n" /* entry */ \
	"	.quad 64, 0\n"                 /* e_phoff, e_shoff */   \
	"	.long 0\n"                                             \
	"	.word 64, 56, 1, 0, 0, 0\n"                            \
	"	.long 1, 5\n"                  /* PT_LOAD, PF_R|PF_X */ \
	"	.quad 0, 0x400000, 0x400000\n" /* offset, vaddr, paddr */ \
	"	.quad " p "_end - " p "_elf\n" /* filesz */             \
	"	.quad " p "_end - " p "_elf\n" /* memsz */              \
	"	.quad 0x1000\n"                                        \
	p "_code:\n"                                                   \
	"	or %rbx, %rax\n"                                       \
	"	or %rcx, %rax\n"                                       \
	"	or %rdx, %rax\n"                                       \
	"	or %rsi, %rax\n"                                       \
	"	or %rdi, %rax\n"                                       \
	"	or %rbp, %rax\n"                                       \
	"	or %r8, %rax\n"                                        \
	"	or %r9, %rax\n"                                        \
	"	or %r10, %rax\n"                                       \
	"	or %r11, %rax\n"                                       \
	"	or %r12, %rax\n"                                       \
	"	or %r13, %rax\n"                                       \
	"	or %r14, %rax\n"                                       \
	"	or %r15, %rax\n"                                       \
	"	jnz 1f\n"                                              \
	"	cmpq $2, (%rsp)\n"                                     \
	"	jne 1f\n"                                              \
	"	mov $1, %eax\n"                                        \
	"	mov $1, %edi\n"                                        \
	"	lea 2f(%rip), %rsi\n"                                  \
	"	mov $3, %edx\n"                                        \
	"	syscall\n"                                             \
	EXEC_EXIT0                                                     \
	"1:	mov $60, %eax\n"                                       \
	"	mov $3, %edi\n"                                        \
	"	syscall\n"                                             \
	"2:	.ascii \"ok\\n\"\n"                                    \
	p "_end:\n"

/*
 * Scenario 1: open /tmp/e; execve it empty (ENOEXEC, the caller goes on);
 * write the program into it, close; execve it. Exit 0 when that fails
 * (whatever failed under injection; the clean run must reach the program).
 */
extern const uint8_t exec_user_code[], exec_user_code_end[];
__asm__(".pushsection .rodata\n"
	"exec_user_code:\n"
	EXEC_ARGS EXEC_OPEN EXEC_EXECVE EXEC_WRITE("exec_t1") EXEC_EXECVE EXEC_EXIT0
	EXEC_TARGET("exec_t1")
	"exec_user_code_end:\n"
	".popsection\n");

/*
 * Scenario 2: write the program to /tmp/e; fork; the child execves it (exit
 * 0 when that fails), the parent waits for any child (wait4(-1, NULL, 0,
 * NULL)) and exits 0.
 */
extern const uint8_t exec_fork_code[], exec_fork_code_end[];
__asm__(".pushsection .rodata\n"
	"exec_fork_code:\n"
	EXEC_ARGS EXEC_OPEN EXEC_WRITE("exec_t2")
	"	mov $57, %eax\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz 3f\n"
	EXEC_EXECVE EXEC_EXIT0
	"3:	mov $61, %eax\n"
	"	mov $-1, %rdi\n"
	"	xor %esi, %esi\n"
	"	xor %edx, %edx\n"
	"	xor %r10d, %r10d\n"
	"	syscall\n"
	EXEC_EXIT0
	EXEC_TARGET("exec_t2")
	"exec_fork_code_end:\n"
	".popsection\n");

static uint8_t exec_img[UIMG_SIZE] __attribute__((aligned(16)));
static struct proc_result exec_res;

/* The clean run reaches the new program, which saw a clean frame and argc 2. */
TEST(exec, clean_frame_after_execve)
{
	size_t size = uimg_code(exec_img, exec_user_code,
				(size_t)(exec_user_code_end - exec_user_code));

	ASSERT_EQ(proc_run("exec", exec_img, size, 0, &exec_res), 0);
	rootfs_sweep();
	EXPECT_EQ(exec_res.status, 0);
	EXPECT_EQ(exec_res.signal, 0);
	EXPECT_EQ(exec_res.as_check, 0);
	ASSERT_EQ(exec_res.out_len, 3);
	EXPECT_EQ(memcmp(exec_res.out, "ok\n", 3), 0);
	EXPECT_EQ(exec_res.syscalls, 7); /* open, execve, write, close, execve, write, exit */
}

/* Every frame and heap failure point of scenario 1: clean ends, memory back. */
TEST(exec, every_failure_point)
{
	static const struct ufail_scenario s = {
		"exec", exec_user_code, exec_user_code_end, exec_img, &exec_res,
	};

	ufail_every_point(&s, 5);
}

/* Scenario 2 clean: the forked child's new program says "ok"; the parent reaped it. */
TEST(exec, fork_exec_wait)
{
	size_t size = uimg_code(exec_img, exec_fork_code,
				(size_t)(exec_fork_code_end - exec_fork_code));

	ASSERT_EQ(proc_run("exec_fork", exec_img, size, 0, &exec_res), 0);
	rootfs_sweep();
	EXPECT_EQ(exec_res.status, 0);
	EXPECT_EQ(exec_res.as_check, 0);
	ASSERT_EQ(exec_res.out_len, 3);
	EXPECT_EQ(memcmp(exec_res.out, "ok\n", 3), 0);
	/* open, write, close, fork; child: execve, write, exit; parent: wait4, exit */
	EXPECT_EQ(exec_res.syscalls, 9);
}

/* Every frame and heap failure point of fork + exec + wait: clean ends, memory back. */
TEST(exec, fork_exec_wait_every_failure_point)
{
	static const struct ufail_scenario s = {
		"exec_fork", exec_fork_code, exec_fork_code_end, exec_img, &exec_res,
	};

	ufail_every_point(&s, 5);
}
