/* SA_NODEFER: a handler can fault again and be entered again; each level leaves by siglongjmp. */
#include "prog.h"

static volatile uintptr_t bad = 16; /* unmapped: below mmap_min_addr */

static sigjmp_buf outer, inner;
static volatile int depth, codes[3];

static void nest(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	codes[depth++] = si->si_code;
	if (depth == 1) {
		if (sigsetjmp(inner, 1) == 0)
			*(volatile char *)"const" = 1;
		siglongjmp(outer, 2);
	}
	siglongjmp(inner, 1);
}

int main(void)
{
	struct sigaction sa;
	sigset_t now;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = nest;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
	int r = sigsetjmp(outer, 1);
	if (r == 0)
		*(volatile char *)bad = 1;
	CHECK(r == 2 && depth == 2);
	CHECK(codes[0] == SEGV_MAPERR && codes[1] == SEGV_ACCERR);
	CHECK(sigprocmask(SIG_BLOCK, NULL, &now) == 0);
	CHECK(!sigismember(&now, SIGSEGV));
	return prog_done();
}
