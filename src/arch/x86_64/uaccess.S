/*
 * Raw user-copy routines (arch/x86_64/uaccess.h). They are leaves that
 * never touch the stack, so a fault anywhere between uaccess_text_start and
 * uaccess_fixup can be resumed at uaccess_fixup, which returns -EFAULT.
 */
	.text
	.globl uaccess_text_start, uaccess_fixup
	.globl uaccess_copy_raw, uaccess_clear_raw, uaccess_strncpy_raw

/* long uaccess_copy_raw(void *dst, const void *src, size_t n) */
	.type uaccess_copy_raw, @function
uaccess_text_start:
uaccess_copy_raw:
	mov %rdx, %rcx
	shr $3, %rcx
	rep movsq
	mov %rdx, %rcx
	and $7, %rcx
	rep movsb
	xor %eax, %eax
	ret

/* long uaccess_clear_raw(void *dst, size_t n) */
	.type uaccess_clear_raw, @function
uaccess_clear_raw:
	mov %rsi, %rcx
	xor %eax, %eax
	rep stosb
	ret

/* long uaccess_strncpy_raw(char *dst, const char *src, size_t max) */
	.type uaccess_strncpy_raw, @function
uaccess_strncpy_raw:
	xor %eax, %eax
1:	cmp %rdx, %rax
	je 2f
	movb (%rsi,%rax), %cl
	movb %cl, (%rdi,%rax)
	test %cl, %cl
	je 2f
	inc %rax
	jmp 1b
2:	ret

uaccess_fixup:
	mov $-14, %rax			/* -EFAULT */
	ret
