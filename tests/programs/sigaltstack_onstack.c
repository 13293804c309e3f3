/* sigaltstack from inside a handler running on it: SS_ONSTACK reported, changes refused (EPERM); SS_AUTODISARM. */
#include "prog.h"
#include <sys/syscall.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

static char alt[65536];
static volatile int on_alt, flags_seen, change_err, handled;
static volatile uintptr_t bad = 8;

static void h(int sig)
{
	stack_t cur, ss = { .ss_sp = alt, .ss_size = sizeof(alt), .ss_flags = 0 };
	char here;

	(void)sig;
	handled++;
	on_alt = &here >= alt && &here < alt + sizeof(alt);
	sigaltstack(NULL, &cur);
	flags_seen = cur.ss_flags;
	change_err = syscall(SYS_sigaltstack, &ss, NULL) == -1 ? errno : 0;
	siglongjmp(prog_jmp, 1);
}

/* Fault once with the handler on the alternate stack. */
static void fault(void)
{
	if (sigsetjmp(prog_jmp, 1) == 0)
		*(volatile char *)bad = 1;
}

int main(void)
{
	struct sigaction sa;
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt), .ss_flags = 0 }, cur;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sa.sa_flags = SA_ONSTACK | SA_NODEFER;
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
	CHECK(sigaltstack(&ss, NULL) == 0);
	fault();
	CHECK(handled == 1 && on_alt);
	CHECK(flags_seen == SS_ONSTACK);
	printf("change on the stack: %s\n", prog_errname(change_err));
	CHECK(sigaltstack(NULL, &cur) == 0 && cur.ss_flags == 0);
	/* SS_AUTODISARM: inside the handler the alternate stack reads as disabled. */
	ss.ss_flags = SS_AUTODISARM;
	CHECK(sigaltstack(&ss, NULL) == 0);
	CHECK(sigaltstack(NULL, &cur) == 0 && cur.ss_flags == (int)SS_AUTODISARM);
	fault();
	CHECK(handled == 2 && on_alt);
	printf("flags in handler with autodisarm: %#x\n", flags_seen);
	printf("change with autodisarm: %s\n", prog_errname(change_err));
	return prog_done();
}
