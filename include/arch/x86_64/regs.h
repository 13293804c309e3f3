/*
 * The one register frame of every kernel entry from an interrupt, an
 * exception or a syscall, in the layout of Linux's struct pt_regs (lowest
 * address first). isr.S and syscall_entry.S build it on the stack; the trap
 * router, the syscalls, signal delivery and user entry read and rewrite it.
 */
#ifndef ARCH_X86_64_REGS_H
#define ARCH_X86_64_REGS_H

#ifdef __ASSEMBLY__
/*
 * The general registers of struct uregs, pushed and popped in one place.
 * UREGS_PUSH_FROM_RSI pushes rsi .. r15 onto a stack that already holds the
 * iretq frame, orig_rax and rdi; UREGS_POP_TO_RDI pops r15 .. rdi, leaving
 * rsp at orig_rax.
 */
.macro UREGS_PUSH_FROM_RSI
	pushq %rsi
	pushq %rdx
	pushq %rcx
	pushq %rax
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm

.macro UREGS_POP_TO_RDI
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rax
	popq %rcx
	popq %rdx
	popq %rsi
	popq %rdi
.endm
#else

#include "lib/types.h"

struct uregs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	uint64_t rax, rcx, rdx, rsi, rdi;
	/*
	 * syscall: the number. Exception: the CPU's error code (0 when the
	 * vector has none); the ring-3 path then sets it to -1, as Linux does.
	 */
	uint64_t orig_rax;
	uint64_t rip, cs, rflags, rsp, ss; /* the iretq frame */
};
_Static_assert(sizeof(struct uregs) == 21 * 8, "uregs is pt_regs");

#define UREGS_RIP_OFFSET 128 /* offsetof(struct uregs, rip), for assembly */
_Static_assert(__builtin_offsetof(struct uregs, rip) == UREGS_RIP_OFFSET, "rip offset");

#endif /* __ASSEMBLY__ */
#endif
