/*
 * NUMA memory policies on one node: set_mempolicy / get_mempolicy of the
 * process, mbind on VMAs (split and merged back, holes, errnos),
 * MPOL_F_ADDR / MPOL_F_NODE / MPOL_F_MEMS_ALLOWED, move_pages and
 * migrate_pages, and fork keeping both kinds of policy. Node 0 is the only
 * node here and on the host.
 */
#include "prog.h"
#include <sys/syscall.h>
#include <sys/wait.h>

#define MPOL_DEFAULT 0
#define MPOL_PREFERRED 1
#define MPOL_BIND 2
#define MPOL_INTERLEAVE 3
#define MPOL_LOCAL 4
#define MPOL_F_STATIC_NODES (1 << 15)
#define MPOL_F_NODE (1 << 0)
#define MPOL_F_ADDR (1 << 1)
#define MPOL_F_MEMS_ALLOWED (1 << 2)
#define MPOL_MF_STRICT (1 << 0)
#define MPOL_MF_MOVE (1 << 1)
#define MPOL_MF_MOVE_ALL (1 << 2)

static unsigned long node0 = 1, node1 = 2, nodes03 = 9, none;

static long set_pol(int mode, unsigned long *mask, unsigned long maxnode)
{
	return syscall(SYS_set_mempolicy, mode, mask, maxnode);
}

static long get_pol(int *mode, unsigned long *mask, unsigned long maxnode, void *addr,
		    unsigned long flags)
{
	return syscall(SYS_get_mempolicy, mode, mask, maxnode, addr, flags);
}

static long mbind_(void *addr, unsigned long len, int mode, unsigned long *mask,
		   unsigned long maxnode, unsigned flags)
{
	return syscall(SYS_mbind, addr, len, mode, mask, maxnode, flags);
}

/* The process policy as "mode/mask". */
static void show_task_policy(const char *what)
{
	int mode = -1;
	unsigned long mask[2] = {0x5a, 0x5a};
	long rc = get_pol(&mode, mask, 128, NULL, 0);

	printf("%s: rc %ld mode %#x mask %#lx %#lx\n", what, rc, mode, mask[0], mask[1]);
}

/* The policy of the VMA at p as "mode/mask". */
static void show_addr_policy(const char *what, void *p)
{
	int mode = -1;
	unsigned long mask = 0x5a;
	long rc = get_pol(&mode, &mask, 64, p, MPOL_F_ADDR);

	printf("%s: rc %ld mode %d mask %#lx\n", what, rc, mode, mask);
}

/* Number of lines of /proc/self/maps whose range starts in [lo, hi). */
static int vmas_in(char *lo, char *hi)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long s, e;
	char line[512];
	int n = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &s, &e) == 2 && s >= (unsigned long)lo &&
		    s < (unsigned long)hi)
			n++;
	if (f)
		fclose(f);
	return n;
}

static void task_policies(void)
{
	int mode = -1;

	show_task_policy("default");
	EXPECT_ERRNO(0, set_pol(MPOL_BIND, &node0, 64));
	show_task_policy("bind {0}");
	EXPECT_ERRNO(EINVAL, set_pol(MPOL_BIND, &node1, 64));
	EXPECT_ERRNO(EINVAL, set_pol(MPOL_BIND, NULL, 0));
	EXPECT_ERRNO(EINVAL, set_pol(99, &node0, 64));
	EXPECT_ERRNO(EINVAL, set_pol(MPOL_DEFAULT, &node0, 64));
	EXPECT_ERRNO(EINVAL, set_pol(MPOL_LOCAL, &node0, 64));
	EXPECT_ERRNO(EFAULT, set_pol(MPOL_BIND, (unsigned long *)8, 64));
	EXPECT_ERRNO(0, set_pol(MPOL_PREFERRED, NULL, 0));
	show_task_policy("preferred {} is local");
	EXPECT_ERRNO(0, set_pol(MPOL_INTERLEAVE | MPOL_F_STATIC_NODES, &nodes03, 64));
	show_task_policy("interleave static {0,3}");
	EXPECT_ERRNO(0, get_pol(&mode, NULL, 0, NULL, MPOL_F_NODE));
	printf("interleave next node: %d\n", mode);
	EXPECT_ERRNO(0, set_pol(MPOL_BIND, &nodes03, 64));
	show_task_policy("bind {0,3} keeps {0}");
	EXPECT_ERRNO(EINVAL, get_pol(&mode, NULL, 0, NULL, MPOL_F_NODE));
	EXPECT_ERRNO(0, get_pol(&mode, &none, 64, NULL, MPOL_F_MEMS_ALLOWED));
	printf("mems allowed: mode %d mask %#lx\n", mode, none);
	none = 0;
	EXPECT_ERRNO(EINVAL, get_pol(&mode, NULL, 0, NULL, MPOL_F_MEMS_ALLOWED | MPOL_F_NODE));
	EXPECT_ERRNO(EINVAL, get_pol(&mode, NULL, 0, &mode, 0));
	EXPECT_ERRNO(EINVAL, get_pol(&mode, NULL, 0, NULL, 8));
	EXPECT_ERRNO(EINVAL, get_pol(&mode, &none, 0, NULL, 0));
	EXPECT_ERRNO(EFAULT, get_pol((int *)8, NULL, 0, NULL, 0));
}

static void vma_policies(void)
{
	char *p = prog_map_fenced(4);

	EXPECT_ERRNO(0, mbind_(p + PG, 2 * PG, MPOL_BIND, &node0, 64, 0));
	show_addr_policy("page 0", p);
	show_addr_policy("page 1", p + PG);
	show_addr_policy("page 2", p + 2 * PG + 100);
	printf("vmas after mbind: %d\n", vmas_in(p, p + 4 * PG));
	EXPECT_ERRNO(0, mbind_(p + 2 * PG, PG, MPOL_INTERLEAVE, &node0, 64, MPOL_MF_STRICT));
	printf("vmas after a second mbind: %d\n", vmas_in(p, p + 4 * PG));
	EXPECT_ERRNO(0, mbind_(p, 4 * PG, MPOL_DEFAULT, NULL, 0, 0));
	printf("vmas after MPOL_DEFAULT: %d\n", vmas_in(p, p + 4 * PG));
	show_addr_policy("page 1 default", p + PG);
	EXPECT_ERRNO(0, mbind_(p, PG, MPOL_LOCAL, NULL, 0x7ff, MPOL_MF_MOVE));
	show_addr_policy("local", p);
	EXPECT_ERRNO(0, mbind_(p + PG, PG, MPOL_PREFERRED, NULL, 0, MPOL_MF_MOVE_ALL));
	show_addr_policy("preferred {}", p + PG);
	EXPECT_ERRNO(EINVAL, mbind_(p + 1, PG, MPOL_BIND, &node0, 64, 0));
	EXPECT_ERRNO(EINVAL, mbind_(p, PG, MPOL_BIND, &node0, 64, 8));
	EXPECT_ERRNO(EINVAL, mbind_(p, PG, MPOL_BIND, &node1, 64, 0));
	EXPECT_ERRNO(EINVAL, mbind_(p, PG, MPOL_LOCAL, &node0, 64, 0));
	EXPECT_ERRNO(0, mbind_(p, 0, MPOL_BIND, &node1, 64, 0));
	CHECK(munmap(p + 2 * PG, PG) == 0);
	EXPECT_ERRNO(EFAULT, mbind_(p, 4 * PG, MPOL_BIND, &node0, 64, 0));
	show_addr_policy("page 0 after EFAULT", p);
	EXPECT_ERRNO(0, mbind_(p, 4 * PG, MPOL_DEFAULT, NULL, 0, 0));
	EXPECT_ERRNO(EFAULT, mbind_(p + 2 * PG, PG, MPOL_DEFAULT, NULL, 0, 0));
	show_addr_policy("hole", p + 2 * PG);
	munmap(p - PG, 6 * PG);
}

static void page_nodes(void)
{
	char *p = prog_map(NULL, 2 * PG, PROT_READ | PROT_WRITE, 0);
	void *pages[3] = {p, p + PG, (void *)0x10000};
	int nodes[3] = {0, 0, 0}, status[3] = {9, 9, 9}, node = -1;
	unsigned long n0 = 1, n1 = 2;

	p[0] = 1;
	EXPECT_ERRNO(0, syscall(SYS_move_pages, 0, 3, pages, NULL, status, 0));
	printf("status: %d %d %d\n", status[0], status[1], status[2]);
	EXPECT_ERRNO(0, syscall(SYS_move_pages, 0, 3, pages, nodes, status, MPOL_MF_MOVE));
	printf("status moved: %d %d %d\n", status[0], status[1], status[2]);
	nodes[0] = 1;
	EXPECT_ERRNO(ENODEV, syscall(SYS_move_pages, 0, 1, pages, nodes, status, 0));
	EXPECT_ERRNO(EINVAL, syscall(SYS_move_pages, 0, 1, pages, NULL, status, 8));
	EXPECT_ERRNO(ESRCH, syscall(SYS_move_pages, 999999, 1, pages, NULL, status, 0));
	EXPECT_ERRNO(0, get_pol(&node, NULL, 0, p + PG, MPOL_F_NODE | MPOL_F_ADDR));
	printf("node of page 1: %d\n", node);
	CHECK(mprotect(p + PG, PG, PROT_NONE) == 0);
	EXPECT_ERRNO(EFAULT, get_pol(&node, NULL, 0, p + PG, MPOL_F_NODE | MPOL_F_ADDR));
	EXPECT_ERRNO(0, syscall(SYS_migrate_pages, 0, 64, &n0, &n0));
	EXPECT_ERRNO(EINVAL, syscall(SYS_migrate_pages, 0, 64, &n1, &n1));
	EXPECT_ERRNO(ESRCH, syscall(SYS_migrate_pages, 999999, 64, &n0, &n0));
	EXPECT_ERRNO(EFAULT, syscall(SYS_migrate_pages, 0, 64, (void *)8, &n0));
	munmap(p, 2 * PG);
}

static void fork_keeps(void)
{
	char *p = prog_map(NULL, 2 * PG, PROT_READ | PROT_WRITE, 0);
	int st;
	pid_t pid;

	EXPECT_ERRNO(0, mbind_(p, PG, MPOL_BIND, &node0, 64, 0));
	EXPECT_ERRNO(0, set_pol(MPOL_PREFERRED, &node0, 64));
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		show_task_policy("child task policy");
		show_addr_policy("child page 0", p);
		show_addr_policy("child page 1", p + PG);
		fflush(stdout);
		_exit(0);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	EXPECT_ERRNO(0, set_pol(MPOL_DEFAULT, NULL, 0));
	show_task_policy("back to default");
	munmap(p, 2 * PG);
}

int main(void)
{
	task_policies();
	vma_policies();
	page_nodes();
	fork_keeps();
	return prog_done();
}
