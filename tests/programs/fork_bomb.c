/* Fork bombs that end: under RLIMIT_NPROC as an unprivileged user fork fails with EAGAIN below the limit (root is exempt); without a limit, children holding memory until fork or mmap fails or 200 of them, all reaped. */
#include "proc.h"

#define LIMIT 20
#define BOMB_UID 61234	/* a uid no other process on the machine uses */
#define MAX_KIDS 200
#define KID_MEM (256UL << 10)

/*
 * Fork children that block reading `hold` until fork fails or max are
 * alive; their pids go to kids. Returns the count and the errno of the
 * failing fork in *err (0 when max was reached).
 */
static int bomb(int hold[2], pid_t *kids, int max, size_t mem, int *err)
{
	int n = 0;

	*err = 0;
	while (n < max) {
		pid_t pid = proc_fork();

		if (pid == 0) {
			close(hold[1]);
			if (mem) {
				char *p = prog_map(NULL, mem, PROT_READ | PROT_WRITE, 0);

				if (p == MAP_FAILED)
					_exit(errno == ENOMEM ? 2 : 3);
				memset(p, 0x5c, mem);
			}
			proc_await(hold[0]);	/* EOF when the parent lets go */
			_exit(0);
		}
		if (pid < 0) {
			*err = errno;
			break;
		}
		kids[n++] = pid;
	}
	return n;
}

/* Let the n children go and reap them; how many ended with exit 0 (or, when oom_ok, SIGKILL or 2). */
static int release(int hold[2], pid_t *kids, int n, int oom_ok)
{
	int clean = 0;

	close(hold[1]);
	for (int i = 0; i < n; i++) {
		int s = proc_status(kids[i]);

		clean += s == 0 || (oom_ok && (s == 128 + SIGKILL || s == 2));
	}
	close(hold[0]);
	return clean;
}

/* The unprivileged half, in a child: drop to BOMB_UID under RLIMIT_NPROC = LIMIT, fork until EAGAIN. */
static __attribute__((noreturn)) void limited(void)
{
	struct rlimit rl = { LIMIT, LIMIT };
	static pid_t kids[MAX_KIDS];
	int hold[2] = { -1, -1 }, err, n;

	prog_failed = 0;	/* its exit status says whether its own checks held */
	CHECK(setrlimit(RLIMIT_NPROC, &rl) == 0);
	CHECK(setresgid(BOMB_UID, BOMB_UID, BOMB_UID) == 0);
	CHECK(setresuid(BOMB_UID, BOMB_UID, BOMB_UID) == 0);
	CHECK(pipe(hold) == 0);
	n = bomb(hold, kids, MAX_KIDS, 0, &err);
	printf("fork under RLIMIT_NPROC ends with: %s\n", proc_errname(err));
	REPORT("children forked before it: at least 1, fewer than the limit", n >= 1 && n < LIMIT);
	REPORT("every child exited and was reaped", release(hold, kids, n, 0) == n);
	PROC_ERRNO(ECHILD, waitpid(-1, NULL, WNOHANG));
	pid_t again = proc_fork();

	if (again == 0)
		_exit(0);
	REPORT("fork works again once they are reaped", again > 0 && proc_status(again) == 0);
	proc_exit(prog_failed);
}

/* Root (uid 0) is exempt from RLIMIT_NPROC: with a soft limit of 2 it forks 5 children. */
static void root_exempt(void)
{
	struct rlimit old, rl;
	pid_t kids[5];
	int hold[2] = { -1, -1 }, err, n;

	/* the soft limit only: raising a hard limit back needs CAP_SYS_RESOURCE */
	CHECK(getrlimit(RLIMIT_NPROC, &old) == 0);
	rl.rlim_cur = 2;
	rl.rlim_max = old.rlim_max;
	CHECK(setrlimit(RLIMIT_NPROC, &rl) == 0);
	CHECK(pipe(hold) == 0);
	n = bomb(hold, kids, 5, 0, &err);
	REPORT("root forks past RLIMIT_NPROC", n == 5 && err == 0);
	REPORT("all reaped", release(hold, kids, n, 0) == n);
	CHECK(setrlimit(RLIMIT_NPROC, &old) == 0);
}

/* No limit: children each touch KID_MEM until fork or mmap fails or MAX_KIDS live. */
static void memory_bomb(void)
{
	static pid_t kids[MAX_KIDS];
	int hold[2] = { -1, -1 }, err, n;

	if (pipe(hold) != 0) {
		printf("pipe failed\n");
		prog_failed = 1;
		return;
	}
	n = bomb(hold, kids, MAX_KIDS, KID_MEM, &err);
	int ended = err == 0 || err == EAGAIN || err == ENOMEM;
	int clean = release(hold, kids, n, 1) == n;

	REPORT("stopped cleanly", ended && clean && n > 0);
	PROC_ERRNO(ECHILD, waitpid(-1, NULL, WNOHANG));
}

int main(void)
{
	pid_t pid;

	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	root_exempt();
	pid = proc_fork();
	if (pid == 0)
		limited();
	REPORT("the unprivileged bomber ended well", proc_status(pid) == 0);
	memory_bomb();
	return prog_done();
}
