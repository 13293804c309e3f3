/* The initial stack as Linux builds it: argc, argv[0], an empty environment and the auxiliary vector. */
#include "prog.h"
#include <elf.h>
#include <sys/auxv.h>

extern char **environ;
extern char _start[];

int main(int argc, char **argv)
{
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	const char *base = strrchr(argv[0], '/');
	const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
	const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
	int any = 0, has_load = 0;

	printf("argc %d argv[0] %s\n", argc, base ? base + 1 : argv[0]);
	CHECK(argv[argc] == NULL);
	CHECK(environ != NULL && environ[0] == NULL);
	CHECK(getauxval(AT_PAGESZ) == 4096);
	CHECK(getauxval(AT_CLKTCK) == 100);
	CHECK(getauxval(AT_ENTRY) == (unsigned long)_start);
	CHECK(getauxval(AT_PHENT) == sizeof(Elf64_Phdr));
	CHECK(getauxval(AT_SECURE) == 0);
	CHECK(getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid());
	CHECK(getauxval(AT_GID) == getgid() && getauxval(AT_EGID) == getegid());
	CHECK(execfn != NULL && strcmp(execfn, argv[0]) == 0);
	CHECK(rnd != NULL);
	for (int i = 0; rnd && i < 16; i++)
		any |= rnd[i];
	CHECK(any != 0);
	CHECK(ph != NULL && getauxval(AT_PHNUM) > 0);
	for (unsigned long i = 0; ph && i < getauxval(AT_PHNUM); i++)
		has_load |= ph[i].p_type == PT_LOAD;
	CHECK(has_load);
	/* The stack pointer at entry was 16-byte aligned: a local long double shows it. */
	long double ld = 1.0L;
	CHECK(((uintptr_t)&ld & 15) == 0);
	return prog_done();
}
