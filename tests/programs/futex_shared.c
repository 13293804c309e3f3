/*
 * Futexes between processes: a shared futex word in MAP_SHARED memory
 * meets across fork (one waits, the other wakes it; FUTEX_WAKE says how
 * many woke), a private futex (or one in private memory) does not, requeue
 * and wake-op move and wake waiters of another process, and a CLONE_VM
 * child's CLONE_CHILD_CLEARTID word is cleared and woken at its exit.
 */
#include "prog.h"
#include <limits.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

/* <linux/futex.h>, which musl's headers do not carry. */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_OP_SET 0
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP(op, oparg, cmp, cmparg)                                   \
	((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | \
	 ((cmparg) & 0xfff))

struct shared {
	volatile uint32_t word, word2, ready;
};

static struct shared *sh;

static long futex(volatile uint32_t *uaddr, int op, uint32_t val, long val2,
		  volatile uint32_t *uaddr2, uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

/* The result of a call: "OK"/"N woken" or the errno's name. */
static const char *fx_err(long rc)
{
	if (rc != -1)
		return "OK";
	switch (errno) {
	case ETIMEDOUT: return "ETIMEDOUT";
	case EINTR: return "EINTR";
	default: return prog_errname(errno);
	}
}

/* Fork a child that says it is ready, then waits on `w` (value 0) with `op`; exit 0 when woken. */
static pid_t waiter(volatile uint32_t *w, int op, long timeout_ms)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct timespec ts = { timeout_ms / 1000, timeout_ms % 1000 * 1000000 };
		long r;

		__atomic_add_fetch(&sh->ready, 1, __ATOMIC_SEQ_CST);
		r = futex(w, op, 0, timeout_ms ? (long)&ts : 0, NULL, 0xffffffffu);
		_exit(r == 0 ? 0 : errno == ETIMEDOUT ? 2 : errno == EAGAIN ? 3 : 4);
	}
	return pid;
}

/* Wait until `n` children said they are ready, then give them time to fall asleep. */
static void settle(unsigned n)
{
	struct timespec ts = { 0, 100000000 };

	for (int i = 0; i < 5000 && sh->ready < n; i++)
		usleep(1000);
	nanosleep(&ts, NULL);
}

/* Let any waiter still asleep go (a late one would otherwise wait forever). */
static void release_all(void)
{
	sh->word = sh->word2 = 1;
	futex(&sh->word, FUTEX_WAKE, INT_MAX, 0, NULL, 0);
	futex(&sh->word2, FUTEX_WAKE, INT_MAX, 0, NULL, 0);
}

static int status_of(pid_t pid)
{
	int st;

	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

/* One waiter in a child, woken from the parent: wake says 1, the child's wait returns 0. */
static void one_waiter(void)
{
	pid_t pid;
	long n = 0;

	sh->word = 0;
	pid = waiter(&sh->word, FUTEX_WAIT, 0);
	for (int i = 0; i < 5000 && n == 0; i++) {
		n = futex(&sh->word, FUTEX_WAKE, 1, 0, NULL, 0);
		if (n == 0)
			usleep(1000);
	}
	printf("woken across fork: %ld\n", n);
	printf("child's wait: %d\n", status_of(pid));
}

/* Three waiters: FUTEX_WAKE of 2 wakes 2, the next wakes the last one. */
static void wake_count(void)
{
	pid_t pids[3];
	int st = 0;

	sh->word = 0;
	sh->ready = 0;
	for (int i = 0; i < 3; i++)
		pids[i] = waiter(&sh->word, FUTEX_WAIT_BITSET, 0);
	settle(3);
	printf("wake 2 of 3: %ld\n", futex(&sh->word, FUTEX_WAKE, 2, 0, NULL, 0));
	printf("wake the rest: %ld\n", futex(&sh->word, FUTEX_WAKE, INT_MAX, 0, NULL, 0));
	printf("wake none left: %ld\n", futex(&sh->word, FUTEX_WAKE, INT_MAX, 0, NULL, 0));
	release_all();
	for (int i = 0; i < 3; i++)
		st |= status_of(pids[i]);
	printf("children woken: %d\n", st);
}

/*
 * A child waiting with FUTEX_PRIVATE_FLAG on the shared word is not met by
 * the parent (another address space), private or shared: it times out.
 */
static void private_not_shared(void)
{
	pid_t pid;

	sh->word = 0;
	sh->ready = 0;
	pid = waiter(&sh->word, FUTEX_WAIT_PRIVATE, 300);
	settle(1);
	printf("private wake from the parent: %ld\n",
	       futex(&sh->word, FUTEX_WAKE_PRIVATE, 1, 0, NULL, 0));
	printf("shared wake of a private waiter: %ld\n",
	       futex(&sh->word, FUTEX_WAKE, 1, 0, NULL, 0));
	printf("child's private wait: %d\n", status_of(pid));
}

/* A shared futex in private (copy-on-write) memory is per process after fork. */
static void private_memory(void)
{
	static volatile uint32_t priv;
	pid_t pid;

	sh->ready = 0;
	pid = waiter(&priv, FUTEX_WAIT, 300);
	settle(1);
	printf("wake in private memory: %ld\n", futex(&priv, FUTEX_WAKE, 1, 0, NULL, 0));
	printf("child's wait in private memory: %d\n", status_of(pid));
}

/* CMP_REQUEUE moves a waiter of another process to word2; WAKE_OP wakes on its comparison. */
static void requeue_wake_op(void)
{
	pid_t pid;

	sh->word = sh->word2 = 0;
	sh->ready = 0;
	pid = waiter(&sh->word, FUTEX_WAIT, 0);
	settle(1);
	printf("cmp_requeue, wrong value: %s\n",
	       fx_err(futex(&sh->word, FUTEX_CMP_REQUEUE, 0, 1, &sh->word2, 7)));
	printf("cmp_requeue: %ld\n", futex(&sh->word, FUTEX_CMP_REQUEUE, 0, 1, &sh->word2, 0));
	printf("wake the old word: %ld\n", futex(&sh->word, FUTEX_WAKE, 1, 0, NULL, 0));
	printf("wake_op (set word2 = 1 if it was 0): %ld\n",
	       futex(&sh->word, FUTEX_WAKE_OP, 1, 1, &sh->word2,
		     FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0)));
	printf("word2: %u\n", sh->word2);
	release_all();
	printf("requeued child: %d\n", status_of(pid));
}

static int clone_child(void *arg)
{
	(void)arg;
	return 7;
}

/* CLONE_VM|CLONE_CHILD_CLEARTID: the tid word goes to 0 at the child's exit, waiters woken. */
static void clear_tid(void)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	static volatile pid_t tid;
	long r = 0;
	pid_t pid;
	uint32_t v;

	pid = clone(clone_child, stack + sizeof(stack),
		    CLONE_VM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, NULL,
		    &tid, NULL, &tid);
	CHECK(pid > 0);
	while ((v = (uint32_t)tid) != 0) {
		struct timespec ts = { 5, 0 };

		r = futex((volatile uint32_t *)&tid, FUTEX_WAIT, v, (long)&ts, NULL, 0);
		if (r == -1 && errno == ETIMEDOUT)
			break;
	}
	printf("tid cleared: %s\n", tid == 0 ? "yes" : "no");
	printf("tid wait: %s\n", r == -1 && errno == ETIMEDOUT ? "timed out" : "woken or done");
	printf("clone child: %d\n", status_of(pid));
}

static void errno_checks(void)
{
	EXPECT_ERRNO(EINVAL, futex((uint32_t *)((char *)&sh->word + 1), FUTEX_WAKE, 1, 0, NULL, 0));
	EXPECT_ERRNO(EFAULT, futex((uint32_t *)8, FUTEX_WAKE, 1, 0, NULL, 0));
	EXPECT_ERRNO(EINVAL, futex(&sh->word, FUTEX_WAKE_BITSET, 1, 0, NULL, 0));
	EXPECT_ERRNO(EAGAIN, futex(&sh->word, FUTEX_WAIT, 12345, 0, NULL, 0));
	EXPECT_ERRNO(EINVAL, futex(&sh->word, FUTEX_CMP_REQUEUE, 1, -1, &sh->word2, 0));
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	sh = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 2;
	one_waiter();
	wake_count();
	private_not_shared();
	private_memory();
	requeue_wake_op();
	clear_tid();
	errno_checks();
	return prog_done();
}
