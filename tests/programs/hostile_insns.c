/*
 * A program that tries what ring 3 must not do: touch kernel memory, jump
 * into the kernel, run privileged instructions, raise interrupt vectors.
 * Each attempt must end in the signal Linux gives (caught here, reported
 * with its si_code), and the program goes on to the next.
 */
#include "prog.h"

static sigjmp_buf hj;
static volatile int hsig, hcode;
static volatile uintptr_t haddr;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	hsig = sig;
	hcode = si->si_code;
	haddr = (uintptr_t)si->si_addr;
	siglongjmp(hj, 1);
}

#define TRY(name, want_addr, ...)                                                  \
	do {                                                                       \
		hsig = 0;                                                          \
		if (sigsetjmp(hj, 1) == 0) {                                       \
			__VA_ARGS__;                                               \
		}                                                                  \
		printf("%-22s signal %d code %d addr %s\n", name, hsig, hcode,    \
		       haddr == (uintptr_t)(want_addr) ? "as expected" : "other"); \
	} while (0)

static volatile uintptr_t kernel_text = 0xffffffff80100000UL;
static volatile uintptr_t direct_map = 0xffff800000100000UL;
static volatile uintptr_t noncanon = 0x8000000000000000UL;

int main(void)
{
	struct sigaction sa;
	static const int sigs[] = {SIGSEGV, SIGILL, SIGTRAP, SIGBUS, SIGFPE};

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);

	TRY("read kernel text", kernel_text, (void)*(volatile char *)kernel_text);
	TRY("write kernel text", kernel_text, *(volatile char *)kernel_text = 0);
	TRY("read direct map", direct_map, (void)*(volatile char *)direct_map);
	TRY("write direct map", direct_map, *(volatile char *)direct_map = 0);
	TRY("read non-canonical", 0, (void)*(volatile char *)noncanon);
	TRY("jump to kernel", kernel_text, ((void (*)(void))kernel_text)());
	TRY("hlt", 0, __asm__ volatile("hlt"));
	TRY("cli", 0, __asm__ volatile("cli"));
	TRY("outb", 0, __asm__ volatile("outb %%al, $0x80" ::"a"(0)));
	TRY("inb", 0, __asm__ volatile("inb $0x64, %%al" ::: "rax"));
	TRY("mov to cr3", 0, __asm__ volatile("mov %0, %%cr3" ::"r"(0UL)));
	TRY("mov from cr0", 0, __asm__ volatile("mov %%cr0, %%rax" ::: "rax"));
	TRY("wrmsr", 0, __asm__ volatile("wrmsr" ::"c"(0xc0000082), "a"(0), "d"(0)));
	TRY("lgdt", 0, __asm__ volatile("lgdt (%0)" ::"r"(&sa)));
	TRY("int $0x41", 0, __asm__ volatile("int $0x41"));
	TRY("int $0x0e", 0, __asm__ volatile("int $0x0e"));
	TRY("int $0xff", 0, __asm__ volatile("int $0xff"));
	TRY("int3", 0, __asm__ volatile("int3"));
	TRY("ud2", 0, __asm__ volatile("ud2"));
	TRY("divide by zero", 0, __asm__ volatile("xor %%ecx, %%ecx; div %%ecx" ::"a"(1), "d"(0) : "rcx"));
	printf("still running\n");
	return 0;
}
