/*
 * The one register frame of every kernel entry from an interrupt, an
 * exception or a syscall, in the layout of Linux's struct pt_regs (lowest
 * address first). isr.S and syscall_entry.S build it on the stack; the trap
 * router, the syscalls, signal delivery and user entry read and rewrite it.
 */
#ifndef ARCH_X86_64_REGS_H
#define ARCH_X86_64_REGS_H

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

#endif
