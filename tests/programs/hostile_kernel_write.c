// expect: 139
/* A write into the kernel image with no handler: SIGSEGV ends the program, nothing else. */
#include "prog.h"

static volatile uintptr_t target = 0xffffffff80100000UL;

int main(void)
{
	printf("writing\n");
	fflush(stdout);
	*(volatile uint64_t *)target = 0;
	printf("wrote\n");
	return 0;
}
