/* A stack overflow caught by a SIGSEGV handler running on a sigaltstack. */
#include "prog.h"

static sigjmp_buf back;
static volatile int code;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	code = si->si_code;
	siglongjmp(back, 1);
}

static unsigned long down(unsigned long n)
{
	volatile char buf[4096];

	buf[0] = (char)n;
	if (n == ~0UL)
		return 0;
	return down(n + 1) + buf[0];
}

int main(void)
{
	static char alt[64 * 1024];
	stack_t ss = {.ss_sp = alt, .ss_size = sizeof(alt)};
	struct sigaction sa;

	CHECK(sigaltstack(&ss, NULL) == 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
	if (sigsetjmp(back, 1) == 0)
		down(0);
	CHECK(code == SEGV_MAPERR || code == SEGV_ACCERR);
	/* The stack still works after the overflow. */
	char small[256];
	memset(small, 1, sizeof(small));
	CHECK(small[255] == 1);
	return prog_done();
}
