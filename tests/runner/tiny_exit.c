/*
 * The smallest static x86_64 Linux program: exit(EXIT_CODE) at _start, no
 * libc (build with -nostdlib -static). The runner's 1,000-program test boots
 * copies of it.
 */
#ifndef EXIT_CODE
#define EXIT_CODE 0
#endif
#define STR_(x) #x
#define STR(x) STR_(x)

void _start(void)
{
	__asm__ volatile("mov $60, %eax\n\tmov $" STR(EXIT_CODE) ", %edi\n\tsyscall");
}
