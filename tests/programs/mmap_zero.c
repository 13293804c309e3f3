/* Address 0 and the rest below vm.mmap_min_addr: root (CAP_SYS_RAWIO) maps page 0 with MAP_FIXED and MAP_FIXED_NOREPLACE, uses it (the kernel reads a buffer at address 0), and moves a mapping there with mremap; without CAP_SYS_RAWIO (dropped with capset, or a non-root uid) both are EPERM. The addresses used are 0 and what mmap returns only: the hosts' mmap_min_addr may differ. */
#include <sys/syscall.h>
#include <fcntl.h>
#include "proc.h"

#define CAP_SYS_RAWIO 17
#define V3 0x20080522u

/* Drop CAP_SYS_RAWIO from the effective and permitted sets. */
static long drop_rawio(void)
{
	uint32_t hdr[2] = { V3, 0 }, d[6];

	if (syscall(SYS_capget, hdr, d))
		return -1;
	d[0] &= ~(1u << CAP_SYS_RAWIO);
	d[1] &= ~(1u << CAP_SYS_RAWIO);
	return syscall(SYS_capset, hdr, d);
}

/* The first line of /proc/self/maps, up to the permissions. */
static void first_map(void)
{
	char buf[64] = "";
	int fd = open("/proc/self/maps", O_RDONLY);

	if (fd >= 0 && read(fd, buf, 29) == 29)
		buf[29] = 0;
	if (fd >= 0)
		close(fd);
	printf("first mapping: %s\n", buf);
}

/* Root: page 0 is an ordinary page. */
static void as_root(void)
{
	volatile char *z;
	char *m, *moved;
	int fd = open("/dev/null", O_WRONLY);

	z = mmap(NULL, 4 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(z == NULL);
	first_map();
	PROC_ERRNO(0, mprotect((void *)z, PG, PROT_READ | PROT_WRITE));
	z[0] = 42;
	z[PG - 1] = 7;
	CHECK(z[0] == 42 && z[PG - 1] == 7);
	CHECK(write(fd, (const void *)z, 16) == 16);
	CHECK(prog_readable(z + PG) == 0);
	PROC_ERRNO(0, munmap((void *)z, 4 * PG));
	CHECK(mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
		   0) == NULL);
	PROC_ERRNO(EEXIST, mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
				MAP_FIXED_NOREPLACE, -1, 0));
	m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	memset(m, 0x33, 2 * PG);
	moved = mremap(m, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, NULL);
	CHECK(moved == NULL);
	CHECK(((volatile char *)moved)[PG + 5] == 0x33);
	first_map();
	PROC_ERRNO(0, munmap(NULL, 2 * PG));
	close(fd);
}

/* Without CAP_SYS_RAWIO: EPERM, and the source of the mremap stays. */
static __attribute__((noreturn)) void without_rawio(int how)
{
	char *m;

	prog_failed = 0;
	if (how)
		PROC_ERRNO(0, setresuid(1000, 1000, 1000));
	else
		PROC_ERRNO(0, drop_rawio());
	PROC_ERRNO(EPERM, mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	/* the kernel says EPERM; musl's mmap turns it into ENOMEM (NULL, anonymous, no MAP_FIXED) */
	PROC_ERRNO(ENOMEM, mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
				MAP_FIXED_NOREPLACE, -1, 0));
	m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	m[0] = 1;
	PROC_ERRNO(EPERM, mremap(m, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, NULL));
	CHECK(m[0] == 1);
	proc_exit(prog_failed);
}

int main(void)
{
	pid_t pid;

	prog_catch_segv();
	as_root();
	for (int how = 0; how < 2; how++) {
		pid = proc_fork();
		if (pid == 0)
			without_rawio(how);
		printf("without CAP_SYS_RAWIO (%s): status %d\n", how ? "uid 1000" : "capset",
		       proc_status(pid));
	}
	return prog_failed;
}
