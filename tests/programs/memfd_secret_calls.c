/* memfd_secret(2): flags, the file's errnos (read/write EINVAL, pread/pwrite/lseek ESPIPE, fallocate EOPNOTSUPP, seals EINVAL, ftruncate once), fstat, mmap only shared and never executable, zeroed pages that are locked (VmLck, munlock keeps them, RLIMIT_MEMLOCK without CAP_IPC_LOCK is EAGAIN), SIGBUS past the size, shared with a child, copied by the process's own write(2), and out of reach of /proc/self/mem (EIO). */
#include "proc.h"
#include <sys/stat.h>

#define NR_memfd_secret 447
#define CAP_IPC_LOCK 14

/* proc_errname and the file errnos it does not name. */
static const char *secret_errname(int e)
{
	switch (e) {
	case ESPIPE: return "ESPIPE";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EIO: return "EIO";
	default: return proc_errname(e);
	}
}

/* Check that `call` (-1 and errno on error) ends with errno `want` (0: success). */
#define SECRET_ERRNO(want, call)                                         \
	do {                                                             \
		errno = 0;                                               \
		long rc_ = (long)(call);                                 \
		int got_ = rc_ == -1 ? errno : 0;                        \
		printf("%s: %s\n", #call, secret_errname(got_));         \
		if (got_ != (want))                                      \
			prog_failed = 1;                                 \
	} while (0)

/* A shared read-only mapping of len bytes of fd: 0, or -1 and errno. */
static int map_shared(int fd, size_t len)
{
	return mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0;
}

/* The VmLck line of /proc/self/status, printed. */
static void show_vmlck(const char *when)
{
	char buf[4096], *l;
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	l = strstr(buf, "VmLck:");
	if (l)
		*strchr(l, '\n') = 0;
	printf("%s: %s\n", when, l ? l : "no VmLck");
}

/* The name /proc/self/maps gives the mapping at p. */
static void show_map_name(const char *p)
{
	char buf[8192], want[32], *l;
	int fd = open("/proc/self/maps", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	snprintf(want, sizeof(want), "%lx-", (unsigned long)p);
	l = strstr(buf, want);
	if (l) {
		*strchr(l, '\n') = 0;
		l = strchr(l, '/');
	}
	printf("maps name: %s\n", l ? l : "none");
}

/* The descriptor's file calls. */
static void file_calls(int fd)
{
	struct stat st;
	char b[8] = { 0 };

	SECRET_ERRNO(EINVAL, read(fd, b, sizeof(b)));
	SECRET_ERRNO(EINVAL, write(fd, b, sizeof(b)));
	SECRET_ERRNO(ESPIPE, pread(fd, b, sizeof(b), 0));
	SECRET_ERRNO(ESPIPE, pwrite(fd, b, sizeof(b), 0));
	SECRET_ERRNO(ESPIPE, lseek(fd, 0, SEEK_SET));
	SECRET_ERRNO(EOPNOTSUPP, fallocate(fd, 0, 0, PG));
	SECRET_ERRNO(EINVAL, fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL));
	SECRET_ERRNO(0, ftruncate(fd, 0));
	SECRET_ERRNO(0, ftruncate(fd, 2 * PG));
	SECRET_ERRNO(EINVAL, ftruncate(fd, PG));
	SECRET_ERRNO(EINVAL, ftruncate(fd, 2 * PG));
	CHECK(fstat(fd, &st) == 0);
	printf("mode %o size %lld blocks %lld blksize %ld nlink %ld uid %u\n", st.st_mode,
	       (long long)st.st_size, (long long)st.st_blocks, (long)st.st_blksize,
	       (long)st.st_nlink, st.st_uid);
	printf("F_GETFL: %#x\n", fcntl(fd, F_GETFL));
}

/* mmap's rules, and the pages. */
static char *map_calls(int fd)
{
	int pp[2];
	char b[8] = { 0 }, *p;

	SECRET_ERRNO(EINVAL, mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
	SECRET_ERRNO(EPERM, mmap(NULL, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0));
	SECRET_ERRNO(EPERM, mmap(NULL, PG, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0));
	show_vmlck("before mmap");
	p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	show_vmlck("after mmap");
	show_map_name(p);
	CHECK(prog_resident(p, 3) == 0);
	CHECK(p[0] == 0 && p[2 * PG - 1] == 0);
	memset(p, 0x55, 2 * PG);
	CHECK(prog_readable(p + 2 * PG) == 0);
	printf("past the size: %s\n", prog_last_code == BUS_ADRERR ? "SIGBUS BUS_ADRERR" : "?");
	SECRET_ERRNO(0, munlock(p, 2 * PG));
	show_vmlck("after munlock");
	SECRET_ERRNO(EACCES, mprotect(p, PG, PROT_READ | PROT_EXEC));
	CHECK(pipe(pp) == 0);
	SECRET_ERRNO(0, write(pp[1], p, 8));
	CHECK(read(pp[0], b, 8) == 8 && b[0] == 0x55 && b[7] == 0x55);
	close(pp[0]);
	close(pp[1]);
	return p;
}

/* Another way in than the mapping: /proc/self/mem. */
static void remote_calls(char *p)
{
	char b[8] = { 0 };
	int fd = open("/proc/self/mem", O_RDWR);

	CHECK(fd >= 0);
	SECRET_ERRNO(EIO, pread(fd, b, sizeof(b), (off_t)(uintptr_t)p));
	SECRET_ERRNO(EIO, pwrite(fd, b, sizeof(b), (off_t)(uintptr_t)p));
	CHECK(pread(fd, b, sizeof(b), (off_t)(uintptr_t)b) == sizeof(b));
	close(fd);
}

/*
 * A child shares the pages (but not their lock: fork drops VM_LOCKED);
 * without CAP_IPC_LOCK, RLIMIT_MEMLOCK bounds its new mappings.
 */
static __attribute__((noreturn)) void child(int fd, char *p)
{
	struct rlimit rl = { PG, PG };
	uint32_t hdr[2] = { 0x20080522u, 0 }, d[6];

	prog_failed = 0;
	CHECK(p[PG + 3] == 0x55);
	p[1] = 0x66;
	CHECK(setrlimit(RLIMIT_MEMLOCK, &rl) == 0);
	CHECK(syscall(SYS_capget, hdr, d) == 0);
	d[0] &= ~(1u << CAP_IPC_LOCK);
	d[1] &= ~(1u << CAP_IPC_LOCK);
	CHECK(syscall(SYS_capset, hdr, d) == 0);
	show_vmlck("child");
	SECRET_ERRNO(0, map_shared(fd, PG));
	SECRET_ERRNO(EAGAIN, map_shared(fd, PG));
	SECRET_ERRNO(0, munmap(p, 3 * PG));
	SECRET_ERRNO(EAGAIN, map_shared(fd, PG));
	proc_exit(prog_failed);
}

int main(void)
{
	int fd, fd2;
	pid_t pid;
	char *p;

	prog_catch_segv();
	SECRET_ERRNO(EINVAL, syscall(NR_memfd_secret, 1));
	fd2 = syscall(NR_memfd_secret, O_CLOEXEC);
	CHECK(fd2 >= 0 && fcntl(fd2, F_GETFD) == FD_CLOEXEC);
	close(fd2);
	fd = syscall(NR_memfd_secret, 0);
	CHECK(fd >= 0 && fcntl(fd, F_GETFD) == 0);
	file_calls(fd);
	p = map_calls(fd);
	remote_calls(p);
	pid = proc_fork();
	if (pid == 0)
		child(fd, p);
	printf("child: status %d\n", proc_status(pid));
	CHECK(p[1] == 0x66);
	SECRET_ERRNO(0, munmap(p, 3 * PG));
	show_vmlck("after munmap");
	close(fd);
	return prog_failed;
}
