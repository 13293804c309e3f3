/*
 * exec in the image: a ring-3 scenario writes a small ELF program to /tmp,
 * tries to execve it while still empty (ENOEXEC, the caller goes on), then
 * execves it for good; the new program checks its first frame (every
 * general register 0, argc 2) and says "ok". Run clean, then at every
 * frame and heap failure point: each run ends cleanly, nothing leaks.
 */
#include "harness/ktest.h"
#include "kernel/elf.h"
#include "kernel/proc.h"
#include "lib/assert.h"
#include "lib/string.h"
#include "user_failpoints.h"
#include "user_image.h"

#define EXEC_TARGET_VA 0x400000ULL
#define EXEC_DATA_VA 0x600000ULL /* the scenario's second segment: length, then the ELF */

/*
 * The exec'd program: exit 3 unless rax..r15 (rsp aside) are all 0 and
 * argc is 2; else write "ok\n" and exit 0.
 */
extern const uint8_t exec_target_code[], exec_target_code_end[];
__asm__(".pushsection .rodata\n"
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
	"exec_target_code_end:\n"
	".popsection\n");

/*
 * The scenario: open("/tmp/e", O_CREAT|O_WRONLY|O_TRUNC, 0755); execve it
 * empty (ENOEXEC); write the ELF from EXEC_DATA_VA into it, close; execve
 * it with argv { "/tmp/e", "x" }, envp { "K=V" }. Exit 0 if that fails
 * (whatever failed under injection; the clean run must reach the target).
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
	"	mov $0x600008, %esi\n"
	"	mov $0x600000, %edx\n"
	"	mov (%rdx), %rdx\n"
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
	"exec_user_code_end:\n"
	".popsection\n");

/* Length (8 bytes) then the target ELF: header, one PT_LOAD (R+X, from offset 0), code. */
static size_t exec_build_target(uint8_t *out, size_t room)
{
	size_t code = (size_t)(exec_target_code_end - exec_target_code);
	size_t hdrs = sizeof(struct elf64_ehdr) + sizeof(struct elf64_phdr), len = hdrs + code;
	struct elf64_ehdr eh = {
		.e_ident = { 0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB, 1 },
		.e_type = ET_EXEC, .e_machine = EM_X86_64, .e_version = 1,
		.e_entry = EXEC_TARGET_VA + hdrs, .e_phoff = sizeof(eh),
		.e_ehsize = sizeof(eh), .e_phentsize = sizeof(struct elf64_phdr), .e_phnum = 1,
	};
	struct elf64_phdr ph = {
		.p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0,
		.p_vaddr = EXEC_TARGET_VA, .p_paddr = EXEC_TARGET_VA,
		.p_filesz = len, .p_memsz = len, .p_align = PAGE_SIZE,
	};
	uint64_t n = len;

	KASSERT(8 + len <= room);
	memcpy(out, &n, 8);
	memcpy(out + 8, &eh, sizeof(eh));
	memcpy(out + 8 + sizeof(eh), &ph, sizeof(ph));
	memcpy(out + 8 + hdrs, exec_target_code, code);
	return 8 + len;
}

static uint8_t exec_img[UIMG_SIZE] __attribute__((aligned(16)));
static uint8_t exec_data[UIMG_SEG_STRIDE];
static struct proc_result exec_res;

/* The scenario image into img: its code at UIMG_BASE, the target ELF at EXEC_DATA_VA. */
static size_t exec_build(uint8_t *img)
{
	size_t data = exec_build_target(exec_data, sizeof(exec_data));
	size_t code = (size_t)(exec_user_code_end - exec_user_code);
	struct uimg_seg segs[2] = {
		{ UIMG_BASE, PF_R | PF_X, exec_user_code, code, code },
		{ EXEC_DATA_VA, PF_R, exec_data, data, data },
	};

	return uimg_build(img, UIMG_BASE, segs, 2);
}

/* The clean run reaches the target, which saw a clean frame and argc 2. */
TEST(exec, clean_frame_after_execve)
{
	size_t size = exec_build(exec_img);

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
	struct ufail_scenario s = {
		"exec", exec_user_code, exec_user_code_end, exec_img, &exec_res, exec_build,
	};

	ufail_every_point(&s, 5);
}
