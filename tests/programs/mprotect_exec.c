/* Code runs from a page only once it is executable; a jump to a data page is SEGV_ACCERR. */
#include "prog.h"

int main(void)
{
	/* mov $42, %eax; ret */
	static const unsigned char code[] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3};
	char *p = prog_map(NULL, PG, PROT_READ | PROT_WRITE, 0);
	int (*fn)(void) = (int (*)(void))(void *)p;

	memcpy(p, code, sizeof(code));
	prog_catch_segv();
	if (sigsetjmp(prog_jmp, 1) == 0) {
		fn();
		CHECK(!"data page executed");
	} else {
		CHECK(prog_last_code == SEGV_ACCERR);
		CHECK(prog_last_addr == (uintptr_t)p);
	}
	CHECK(mprotect(p, PG, PROT_READ | PROT_EXEC) == 0);
	CHECK(fn() == 42);
	CHECK(!prog_writable(p));
	return prog_done();
}
