/*
 * A handler moves RIP past the faulting instruction and changes RAX in the
 * saved context; rt_sigreturn brings back every other register, SSE included,
 * although the handler itself used SSE.
 */
#include "prog.h"
#include <ucontext.h>

static volatile double handler_sum;

/* Skip the 3-byte "movq (%rax), %rax" that faulted and put 1234 in RAX. */
static void skip(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	volatile double x = 1.5;

	(void)sig;
	(void)si;
	handler_sum = x * 7.25 + handler_sum;
	uc->uc_mcontext.gregs[REG_RIP] += 3;
	uc->uc_mcontext.gregs[REG_RAX] = 1234;
}

int main(void)
{
	struct sigaction sa;
	unsigned long rax = 16, r12 = 0x1212, r13 = 0x1313, r14 = 0x1414, r15 = 0x1515;
	unsigned long rbx = 0xb0b0, rcx = 0xc0c0, rdx = 0xd0d0, rsi = 0x5151, rdi = 0xd1d1;
	unsigned long r8 = 0x88, r9 = 0x99, r10 = 0x1010, r11 = 0x1111;
	double xmm_in = 3.25, xmm_out;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = skip;
	sa.sa_flags = SA_SIGINFO;
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
	__asm__ volatile(
		"movq %[x], %%xmm7\n\t"
		".byte 0x48, 0x8b, 0x00\n\t" /* movq (%%rax), %%rax */
		"movq %%xmm7, %[y]\n\t"
		: "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx), "+S"(rsi), "+D"(rdi),
		  "+r"(r8), "+r"(r9), "+r"(r10), "+r"(r11), "+r"(r12), "+r"(r13),
		  "+r"(r14), "+r"(r15), [y] "=m"(xmm_out)
		: [x] "m"(xmm_in)
		: "xmm7", "memory");
	CHECK(rax == 1234);
	CHECK(rbx == 0xb0b0 && rcx == 0xc0c0 && rdx == 0xd0d0);
	CHECK(rsi == 0x5151 && rdi == 0xd1d1);
	CHECK(r8 == 0x88 && r9 == 0x99 && r10 == 0x1010 && r11 == 0x1111);
	CHECK(r12 == 0x1212 && r13 == 0x1313 && r14 == 0x1414 && r15 == 0x1515);
	CHECK(xmm_out == 3.25);
	CHECK(handler_sum == 10.875);
	return prog_done();
}
