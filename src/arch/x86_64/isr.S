/*
 * Interrupt and exception stubs for vectors 0..47. Each pushes a zero error
 * code where the CPU pushes none (it becomes orig_rax), then every general
 * register in the order of struct uregs (arch/x86_64/regs.h, Linux's
 * pt_regs, the same frame syscall_entry.S builds), and calls
 * trap_dispatch(vector, struct uregs *) (arch/x86_64/trap.h).
 * The table isr_stubs holds the address of each stub, in vector order.
 */
#include "arch/x86_64/regs.h"

	.text

/* rdi is saved first so that it can carry the vector to isr_common. */
.macro ISR_NOERR vec
	.balign 16
isr_\vec:
	pushq $0
	pushq %rdi
	movl $\vec, %edi
	jmp isr_common
.endm

.macro ISR_ERR vec
	.balign 16
isr_\vec:
	pushq %rdi
	movl $\vec, %edi
	jmp isr_common
.endm

/* Vectors where the CPU pushes an error code: 8 10-14 17 21 29 30. */
.macro ISR vec
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || \
	    (\vec == 21) || (\vec == 29) || (\vec == 30)
	ISR_ERR \vec
	.else
	ISR_NOERR \vec
	.endif
.endm

	.altmacro
.set vec, 0
.rept 48
	ISR %vec
	.set vec, vec + 1
.endr

isr_common:
	cld
	/*
	 * Clear RFLAGS.AC: ring 3 may set it, and with AC set SMAP would not
	 * stop this handler from touching user memory. The interrupted
	 * context's own RFLAGS (in the frame) comes back with iretq.
	 */
	pushfq
	andq $~(1 << 18), (%rsp)
	popfq
	UREGS_PUSH_FROM_RSI
	movq %rsp, %rsi
	subq $8, %rsp			/* 21 words: keep the call 16-byte aligned */
	call trap_dispatch
	addq $8, %rsp
	UREGS_POP_TO_RDI
	addq $8, %rsp			/* orig_rax: the error code */
	iretq

.macro ISR_ADDR vec
	.quad isr_\vec
.endm

	.section .rodata
	.balign 8
	.globl isr_stubs
isr_stubs:
.set vec, 0
.rept 48
	ISR_ADDR %vec
	.set vec, vec + 1
.endr
