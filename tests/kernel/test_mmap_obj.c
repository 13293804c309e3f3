/*
 * In-image tests of file and shared mappings (suite `mmap_obj`): a ring-3
 * scenario that maps a memfd shared and private, writes through both, maps
 * shared anonymous memory, shrinks the memfd under its mappings and exits
 * with them still mapped ends cleanly at every frame and heap failure
 * point, with every frame and heap byte back.
 */
#include "harness/ktest.h"
#include "kernel/proc.h"
#include "kernel/rootfs.h"
#include "lib/errno.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "user_failpoints.h"

/*
 * memfd_create(""), ftruncate 3 pages, mmap it MAP_SHARED rw and write two
 * pages, mmap it MAP_PRIVATE rw, read one page and write another (a copy),
 * mmap 2 pages MAP_SHARED|MAP_ANONYMOUS and write one, ftruncate to 1 page
 * (zaps both file mappings), close, exit 0 with everything mapped. A failed
 * mmap skips its writes; a failed fault is the OOM kill.
 */
extern const uint8_t mobj_user_code[], mobj_user_code_end[];
__asm__(".pushsection .rodata\n"
	"mobj_user_code:\n"
	"	sub $64, %rsp\n"
	"	movq $0, (%rsp)\n"
	"	mov $319, %eax\n"
	"	mov %rsp, %rdi\n"
	"	xor %esi, %esi\n"
	"	syscall\n"
	"	mov %rax, %r12\n"
	"	mov $77, %eax\n"
	"	mov %r12, %rdi\n"
	"	mov $0x3000, %esi\n"
	"	syscall\n"
	"	mov $9, %eax\n"
	"	xor %edi, %edi\n"
	"	mov $0x3000, %esi\n"
	"	mov $3, %edx\n"
	"	mov $1, %r10d\n"
	"	mov %r12, %r8\n"
	"	xor %r9d, %r9d\n"
	"	syscall\n"
	"	cmp $-4096, %rax\n"
	"	ja 1f\n"
	"	movb $1, (%rax)\n"
	"	movb $2, 0x1000(%rax)\n"
	"1:\n"
	"	mov $9, %eax\n"
	"	xor %edi, %edi\n"
	"	mov $0x3000, %esi\n"
	"	mov $3, %edx\n"
	"	mov $2, %r10d\n"
	"	mov %r12, %r8\n"
	"	xor %r9d, %r9d\n"
	"	syscall\n"
	"	cmp $-4096, %rax\n"
	"	ja 2f\n"
	"	movb (%rax), %cl\n"
	"	movb $3, 0x1000(%rax)\n"
	"2:\n"
	"	mov $9, %eax\n"
	"	xor %edi, %edi\n"
	"	mov $0x2000, %esi\n"
	"	mov $3, %edx\n"
	"	mov $0x21, %r10d\n"
	"	mov $-1, %r8\n"
	"	xor %r9d, %r9d\n"
	"	syscall\n"
	"	cmp $-4096, %rax\n"
	"	ja 3f\n"
	"	movb $4, 0x1000(%rax)\n"
	"3:\n"
	"	mov $77, %eax\n"
	"	mov %r12, %rdi\n"
	"	mov $0x1000, %esi\n"
	"	syscall\n"
	"	mov $3, %eax\n"
	"	mov %r12, %rdi\n"
	"	syscall\n"
	"	mov $60, %eax\n"
	"	xor %edi, %edi\n"
	"	syscall\n"
	"mobj_user_code_end:\n"
	".popsection\n");

static uint8_t mobj_img[UIMG_SIZE] __attribute__((aligned(16)));
static struct proc_result mobj_res;

/* Every frame and heap failure point of the mapping scenario: clean ends, memory back. */
TEST(mmap_obj, every_failure_point)
{
	static const struct ufail_scenario s = {
		"mmap_obj", mobj_user_code, mobj_user_code_end, mobj_img, &mobj_res,
	};

	ufail_every_point(&s, 6);
}
