/*
 * exec in the image: a ring-3 scenario writes a small ELF program to /tmp,
 * tries to execve it while still empty (ENOEXEC, the caller goes on), then
 * execves it for good; the new program checks its first frame (every
 * general register 0, argc 2) and says "ok". Run clean, then at every
 * frame and heap failure point: each run ends cleanly, nothing leaks.
 */
#include "harness/ktest.h"
#include "kernel/proc.h"
#include "lib/string.h"
#include "user_failpoints.h"
#include "user_image.h"

/*
 * The scenario, with the program it execs as data after its code (an ELF
 * image: header, one R+X PT_LOAD from offset 0 at 0x400000, then code that
 * exits 3 unless rax..r15 (rsp aside) are all 0 and argc is 2, and else
 * writes "ok\n" and exits 0).
 *
 * open("/tmp/e", O_CREAT|O_WRONLY|O_TRUNC, 0755); execve it empty
 * (ENOEXEC); write the ELF into it, close; execve it with argv { "/tmp/e",
 * "x" }, envp { "K=V" }. Exit 0 if that fails (whatever failed under
 * injection; the clean run must reach the new program).
 */
extern const uint8_t exec_user_code[], exec_user_code_end[];
__asm__(".pushsection .rodata\n"
	"exec_user_code:\n"
	"	sub $128, %rsp\n"
	"	movabs $0x0000652f706d742f, %rax\n"
	"	mov %rax, 0(%rsp)\n"
	"	movq $0x78, 8(%rsp)\n"
	"	movq $0x563d4b, 16(%rsp)\n"
	"	lea 0(%rsp), %rax\n"
	"	mov %rax, 32(%rsp)\n"
	"	lea 8(%rsp), %rax\n"
	"	mov %rax, 40(%rsp)\n"
	"	movq $0, 48(%rsp)\n"
	"	lea 16(%rsp), %rax\n"
	"	mov %rax, 56(%rsp)\n"
	"	movq $0, 64(%rsp)\n"
	"	mov $2, %eax\n"
	"	lea 0(%rsp), %rdi\n"
	"	mov $0x241, %esi\n"
	"	mov $0755, %edx\n"
	"	syscall\n"
	"	mov %rax, %r12\n"
	"	mov $59, %eax\n"
	"	lea 0(%rsp), %rdi\n"
	"	lea 32(%rsp), %rsi\n"
	"	lea 56(%rsp), %rdx\n"
	"	syscall\n"
	"	mov $1, %eax\n"
	"	mov %r12, %rdi\n"
	"	lea exec_target_elf(%rip), %rsi\n"
	"	mov $(exec_target_end - exec_target_elf), %edx\n"
	"	syscall\n"
	"	mov $3, %eax\n"
	"	mov %r12, %rdi\n"
	"	syscall\n"
	"	mov $59, %eax\n"
	"	lea 0(%rsp), %rdi\n"
	"	lea 32(%rsp), %rsi\n"
	"	lea 56(%rsp), %rdx\n"
	"	syscall\n"
	"	mov $60, %eax\n"
	"	xor %edi, %edi\n"
	"	syscall\n"
	"exec_target_elf:\n"
	"	.byte 0x7f, 'E', 'L', 'F', 2, 1, 1, 0\n"   /* ELFCLASS64, LSB, version 1 */
	"	.zero 8\n"
	"	.word 2, 62\n"                             /* ET_EXEC, EM_X86_64 */
	"	.long 1\n"
	"	.quad 0x400000 + (exec_target_code - exec_target_elf)\n" /* e_entry */
	"	.quad 64, 0\n"                             /* e_phoff, e_shoff */
	"	.long 0\n"                                 /* e_flags */
	"	.word 64, 56, 1, 0, 0, 0\n"                /* ehsize, phentsize, phnum, sh* */
	"	.long 1, 5\n"                              /* PT_LOAD, PF_R | PF_X */
	"	.quad 0, 0x400000, 0x400000\n"             /* offset, vaddr, paddr */
	"	.quad exec_target_end - exec_target_elf\n" /* filesz */
	"	.quad exec_target_end - exec_target_elf\n" /* memsz */
	"	.quad 0x1000\n"
	"exec_target_code:\n"
	"	or %rbx, %rax\n"
	"	or %rcx, %rax\n"
	"	or %rdx, %rax\n"
	"	or %rsi, %rax\n"
	"	or %rdi, %rax\n"
	"	or %rbp, %rax\n"
	"	or %r8, %rax\n"
	"	or %r9, %rax\n"
	"	or %r10, %rax\n"
	"	or %r11, %rax\n"
	"	or %r12, %rax\n"
	"	or %r13, %rax\n"
	"	or %r14, %rax\n"
	"	or %r15, %rax\n"
	"	jnz 1f\n"
	"	cmpq $2, (%rsp)\n"
	"	jne 1f\n"
	"	mov $1, %eax\n"
	"	mov $1, %edi\n"
	"	lea 2f(%rip), %rsi\n"
	"	mov $3, %edx\n"
	"	syscall\n"
	"	mov $60, %eax\n"
	"	xor %edi, %edi\n"
	"	syscall\n"
	"1:	mov $60, %eax\n"
	"	mov $3, %edi\n"
	"	syscall\n"
	"2:	.ascii \"ok\\n\"\n"
	"exec_target_end:\n"
	"exec_user_code_end:\n"
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

/* Every frame and heap failure point of the exec scenario: clean ends, memory back. */
TEST(exec, every_failure_point)
{
	static const struct ufail_scenario s = {
		"exec", exec_user_code, exec_user_code_end, exec_img, &exec_res,
	};

	ufail_every_point(&s, 5);
}
