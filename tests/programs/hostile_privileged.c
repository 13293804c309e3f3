// expect: 139
/* A privileged instruction with no handler (loading CR3): SIGSEGV. */
#include "prog.h"

int main(void)
{
	printf("loading cr3\n");
	fflush(stdout);
	__asm__ volatile("mov %0, %%cr3" ::"r"(0x1000UL));
	printf("loaded\n");
	return 0;
}
