/*
 * Ring 3 entry and exit: the syscall entry point (LSTAR), the iretq and
 * sysretq return paths, and user_switch, which switches kernel contexts
 * (processes and the idle context).
 *
 * The saved user registers form a struct uregs (arch/x86_64/regs.h, Linux
 * pt_regs order) on the program's kernel stack. One CPU and FMASK clearing
 * IF make a static scratch slot for the user rsp safe: no swapgs needed.
 */
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/regs.h"

	.bss
	.balign 8
	.globl syscall_kstack_top
syscall_kstack_top:
	.quad 0
syscall_user_rsp:
	.quad 0

	.text

/* syscall: rcx = user rip, r11 = user rflags, IF/DF/TF/AC cleared by FMASK. */
	.globl syscall_entry
	.type syscall_entry, @function
syscall_entry:
	movq %rsp, syscall_user_rsp(%rip)
	movq syscall_kstack_top(%rip), %rsp
	pushq $GDT_USER_DS		/* ss */
	pushq syscall_user_rsp(%rip)	/* rsp */
	pushq %r11			/* rflags */
	pushq $GDT_USER_CS		/* cs */
	pushq %rcx			/* rip */
	pushq %rax			/* orig_rax */
	pushq %rdi
	UREGS_PUSH_FROM_RSI
	movq %rsp, %rdi
	call syscall_dispatch
	testb %al, %al
	jnz user_iret
	UREGS_POP_TO_RDI
	/* rsp -> orig_rax, rip, cs, rflags, rsp, ss */
	movq 8(%rsp), %rcx
	movq 24(%rsp), %r11
	movq 32(%rsp), %rsp
	sysretq

/* Return to ring 3 with every register from the struct uregs at rsp. */
	.globl user_iret
	.type user_iret, @function
user_iret:
	UREGS_POP_TO_RDI
	addq $8, %rsp			/* orig_rax */
	iretq

/*
 * void user_switch(struct proc_kctx *from, struct proc_kctx *to)
 * Save the callee-saved registers, rsp and rflags in *from, load them from
 * *to and return on to's stack: where to last called user_switch, or, for
 * a context made by user_prepare_start, into user_iret.
 */
	.globl user_switch
	.type user_switch, @function
user_switch:
	pushfq
	popq 56(%rdi)
	movq %rbx, 0(%rdi)
	movq %rbp, 8(%rdi)
	movq %r12, 16(%rdi)
	movq %r13, 24(%rdi)
	movq %r14, 32(%rdi)
	movq %r15, 40(%rdi)
	movq %rsp, 48(%rdi)
	movq 0(%rsi), %rbx
	movq 8(%rsi), %rbp
	movq 16(%rsi), %r12
	movq 24(%rsi), %r13
	movq 32(%rsi), %r14
	movq 40(%rsi), %r15
	movq 48(%rsi), %rsp
	pushq 56(%rsi)
	popfq
	ret
