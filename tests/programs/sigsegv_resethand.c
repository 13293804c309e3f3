// expect: 139
/* SA_RESETHAND: the first fault reaches the handler, which restores the default; the second one is fatal. */
#include "prog.h"

static char *page;
static volatile int hits;

static void once(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	hits++;
	printf("handler: code %s\n", si->si_code == SEGV_ACCERR ? "SEGV_ACCERR" : "other");
	mprotect(page, PG, PROT_READ | PROT_WRITE);
}

int main(void)
{
	struct sigaction sa, old;

	page = prog_map(NULL, 2 * PG, PROT_READ, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = once;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
	page[5] = 1;
	CHECK(hits == 1 && page[5] == 1);
	CHECK(sigaction(SIGSEGV, NULL, &old) == 0);
	CHECK(old.sa_handler == SIG_DFL);
	printf("second fault\n");
	fflush(stdout);
	page[PG + 5] = 1;
	printf("still running\n");
	return 0;
}
