/* Rights of the program's own memory: text not writable, data and stack and heap not executable. */
#include "prog.h"

static int data_word = 5;
static volatile int code;

/* Call code at p (a single "ret"); true when it ran. */
static int prog_callable(unsigned char *p)
{
	if (sigsetjmp(prog_jmp, 1))
		return 0;
	((void (*)(void))p)();
	return 1;
}

int main(void)
{
	unsigned char on_stack[64];
	unsigned char *heap = malloc(64);
	unsigned char *exec = (unsigned char *)prog_map(NULL, PG, PROT_READ | PROT_WRITE | PROT_EXEC, 0);
	static unsigned char in_data[64] = {0xc3};

	prog_catch_segv();
	on_stack[0] = heap[0] = exec[0] = 0xc3;
	CHECK(!prog_writable((char *)main));
	CHECK(prog_last_code == SEGV_ACCERR);
	CHECK(prog_readable((char *)main));
	CHECK(prog_writable((char *)&data_word) && data_word == 5);
	CHECK(!prog_callable(on_stack) && prog_last_code == SEGV_ACCERR);
	CHECK(prog_last_addr == (uintptr_t)on_stack);
	CHECK(!prog_callable(heap) && prog_last_code == SEGV_ACCERR);
	CHECK(!prog_callable(in_data) && prog_last_code == SEGV_ACCERR);
	CHECK(prog_callable(exec));
	CHECK(!prog_callable((unsigned char *)(PG * 20)) && prog_last_code == SEGV_MAPERR);
	free(heap);
	return prog_done();
}
