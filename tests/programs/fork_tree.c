/* A tree of 100 processes (process i forks 2i+1 and 2i+2), each exiting with its index after reaping its children; orphans reparented to the subreaper. */
#include "proc.h"
#include <sys/prctl.h>

#define NPROC 100
#define BAD_CHILD 200

/*
 * Process `index` of the tree: fork the children 2i+1 and 2i+2 that are
 * below NPROC, write the index as one byte on fd, reap the children and
 * exit with the index, or BAD_CHILD when a child ended otherwise than with
 * its own index (or could not be forked).
 */
static __attribute__((noreturn)) void tree_node(int index, int fd)
{
	int code = index;
	pid_t kid[2];
	int n = 0;

	for (int c = 2 * index + 1; c <= 2 * index + 2 && c < NPROC; c++) {
		kid[n] = proc_fork();
		if (kid[n] == 0)
			tree_node(c, fd);
		if (kid[n] < 0)
			code = BAD_CHILD;
		else
			n++;
	}
	unsigned char b = (unsigned char)index;
	if (write(fd, &b, 1) != 1)
		code = BAD_CHILD;
	for (int k = 0; k < n; k++)
		if (proc_status(kid[k]) != 2 * index + 1 + k)
			code = BAD_CHILD;
	_exit(code);
}

/* The root forks processes 1 and 2; the pipe collects every index once, the statuses say each parent reaped its children. */
static void tree(void)
{
	int p[2] = { -1, -1 }, seen[NPROC] = { 0 }, count = 0, sum = 0, codes = 0;
	unsigned char b;
	pid_t kid[2];

	CHECK(pipe(p) == 0);
	for (int k = 0; k < 2; k++) {
		kid[k] = proc_fork();
		if (kid[k] == 0) {
			close(p[0]);
			tree_node(1 + k, p[1]);
		}
	}
	close(p[1]);
	for (int k = 0; k < 2; k++)
		codes += proc_status(kid[k]) == 1 + k;
	while (read(p[0], &b, 1) == 1) {
		count++;
		if (b < NPROC && !seen[b]++)
			sum += b;
	}
	close(p[0]);
	REPORT("both subtrees exited with their index, every parent reaped its children",
	       codes == 2);
	printf("processes that reported: %d\n", count + 1);
	printf("sum of their indices: %d\n", sum);
	REPORT("each index once", count == NPROC - 1 && sum == NPROC * (NPROC - 1) / 2);
	PROC_ERRNO(ECHILD, waitpid(-1, NULL, WNOHANG));
}

/*
 * The middle process forks a grandchild and exits; once the root reaped it,
 * the grandchild's parent is the root (a subreaper): it says so in its exit
 * status, which the root, its new parent, collects.
 */
static void orphan(void)
{
	int go[2] = { -1, -1 }, back[2] = { -1, -1 };
	pid_t root = getpid(), mid, got;
	int st = 0;

	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0);
	int on = 0;
	CHECK(prctl(PR_GET_CHILD_SUBREAPER, &on, 0, 0, 0) == 0 && on == 1);
	CHECK(pipe(go) == 0 && pipe(back) == 0);
	mid = proc_fork();
	if (mid == 0) {
		pid_t g = fork();

		if (g == 0) {
			pid_t first = getppid();

			proc_signal(back[1]);
			proc_await(go[0]);
			_exit(first != root && getppid() == root ? 0 : 1);
		}
		proc_await(back[0]);	/* the grandchild runs */
		_exit(g > 0 ? 0 : 1);
	}
	REPORT("middle process exited", proc_status(mid) == 0);
	proc_signal(go[1]);
	got = waitpid(-1, &st, 0);
	REPORT("the subreaper reaps the orphan", got > 0 && got != mid);
	REPORT("reparented to the subreaper", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	PROC_ERRNO(ECHILD, waitpid(-1, NULL, 0));
}

int main(void)
{
	tree();
	orphan();
	return prog_done();
}
