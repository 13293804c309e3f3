/* SIGSEGV to a handler: si_addr, SEGV_MAPERR vs SEGV_ACCERR, return through sigreturn. */
#include "prog.h"

static char *page;
static volatile int hits;

/* Make the page writable and return: the faulting write runs again and succeeds. */
static void fixup(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	hits++;
	printf("signal %d code %s addr-in-page %s\n", sig,
	       si->si_code == SEGV_ACCERR ? "SEGV_ACCERR" : si->si_code == SEGV_MAPERR ? "SEGV_MAPERR" : "other",
	       (char *)si->si_addr - page == 100 ? "yes" : "no");
	mprotect(page, PG, PROT_READ | PROT_WRITE);
}

int main(void)
{
	struct sigaction sa;

	page = prog_map(NULL, PG, PROT_READ, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fixup;
	sa.sa_flags = SA_SIGINFO;
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
	((volatile char *)page)[100] = 42;
	CHECK(hits == 1 && page[100] == 42);
	/* Unmapped: SEGV_MAPERR, caught and left with siglongjmp. */
	prog_catch_segv();
	CHECK(munmap(page, PG) == 0);
	CHECK(!prog_readable(page + 100));
	CHECK(prog_last_code == SEGV_MAPERR && prog_last_addr == (uintptr_t)(page + 100));
	CHECK(!prog_readable((char *)8));
	CHECK(prog_last_addr == 8);
	/* The handler runs again after a siglongjmp (the mask was restored). */
	CHECK(!prog_writable((char *)"literal"));
	CHECK(prog_last_code == SEGV_ACCERR);
	return prog_done();
}
