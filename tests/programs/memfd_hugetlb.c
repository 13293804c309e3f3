/* memfd_create(MFD_HUGETLB) with empty hugetlb pools: the huge page size from the MFD_HUGE_* bits (ENODEV for a size with no pool, EINVAL without MFD_HUGETLB), seals and mode by flag, fstat (st_blksize the huge page size), ftruncate in whole huge pages, fallocate (ENOSPC from the empty pool, punch 0, other modes EOPNOTSUPP), write EINVAL, reads of holes as zeros, lseek, mmap ENOMEM (no reservation) or EINVAL (offset off a huge page). */
#include "proc.h"
#include <sys/stat.h>

#define MFD_NOEXEC_SEAL_ 0x0008u
#define MFD_EXEC_ 0x0010u
#define HUGE_LOG(l) ((unsigned)(l) << 26)
#define M2 (2UL << 20)
#define FALLOC_FL_COLLAPSE_RANGE 0x08
#define FALLOC_FL_ZERO_RANGE 0x10
#define FALLOC_FL_INSERT_RANGE 0x20

/* proc_errname and the file errnos it does not name. */
static const char *huge_errname(int e)
{
	switch (e) {
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENXIO: return "ENXIO";
	case EFBIG: return "EFBIG";
	default: return proc_errname(e);
	}
}

/* Check that `call` (-1 and errno on error) ends with errno `want` (0: success). */
#define HUGE_ERRNO(want, call)                                           \
	do {                                                             \
		errno = 0;                                               \
		long rc_ = (long)(call);                                 \
		int got_ = rc_ == -1 ? errno : 0;                        \
		printf("%s: %s\n", #call, huge_errname(got_));           \
		if (got_ != (want))                                      \
			prog_failed = 1;                                 \
	} while (0)

/* memfd_create through syscall(2): the fd, or -errno. */
static int huge_memfd(const char *name, unsigned flags)
{
	long fd = syscall(SYS_memfd_create, name, flags);

	return fd < 0 ? -errno : (int)fd;
}

/* Create a memfd with `flags`, print its fd's errno or seals, mode, size and block size. */
static void show_create(unsigned flags, int want)
{
	int fd = huge_memfd("h", flags);
	struct stat st;

	if (fd < 0) {
		printf("flags %#x: %s\n", flags, huge_errname(-fd));
		CHECK(-fd == want);
		return;
	}
	CHECK(want == 0 && fstat(fd, &st) == 0);
	printf("flags %#x: seals %d mode %o size %lld blksize %ld blocks %lld cloexec %d\n",
	       flags, fcntl(fd, F_GET_SEALS), st.st_mode, (long long)st.st_size,
	       (long)st.st_blksize, (long long)st.st_blocks, fcntl(fd, F_GETFD));
	close(fd);
}

/* The flags' answers: sizes, bad sizes, sealing and exec flags. */
static void create_calls(void)
{
	show_create(MFD_HUGETLB, 0);
	show_create(MFD_HUGETLB | HUGE_LOG(21), 0);
	show_create(MFD_HUGETLB | HUGE_LOG(30), 0);
	show_create(MFD_HUGETLB | HUGE_LOG(22), ENODEV);
	show_create(MFD_HUGETLB | HUGE_LOG(12), ENODEV);
	show_create(MFD_HUGETLB | HUGE_LOG(63), ENODEV);
	show_create(HUGE_LOG(21), EINVAL);
	show_create(MFD_HUGETLB | 0x20, EINVAL);
	show_create(MFD_HUGETLB | MFD_ALLOW_SEALING, 0);
	show_create(MFD_HUGETLB | MFD_NOEXEC_SEAL_, 0);
	show_create(MFD_HUGETLB | MFD_EXEC_, 0);
	show_create(MFD_HUGETLB | MFD_EXEC_ | MFD_NOEXEC_SEAL_, EINVAL);
	show_create(MFD_HUGETLB | MFD_CLOEXEC | HUGE_LOG(30), 0);
	HUGE_ERRNO(EFAULT, syscall(SYS_memfd_create, (char *)8, MFD_HUGETLB | HUGE_LOG(22)));
}

/* Sizes, fallocate, write and read of a 2 MiB hugetlb memfd. */
static void file_calls(int fd)
{
	char buf[16];
	struct stat st;
	ssize_t n;

	HUGE_ERRNO(EINVAL, ftruncate(fd, 4096));
	HUGE_ERRNO(0, ftruncate(fd, M2));
	HUGE_ERRNO(EINVAL, ftruncate(fd, 3 * M2 / 2));
	HUGE_ERRNO(0, ftruncate(fd, 2 * M2));
	HUGE_ERRNO(EINVAL, ftruncate(fd, -1));
	CHECK(fstat(fd, &st) == 0);
	printf("size %lld blocks %lld\n", (long long)st.st_size, (long long)st.st_blocks);
	HUGE_ERRNO(ENOSPC, fallocate(fd, 0, 0, M2));
	HUGE_ERRNO(ENOSPC, fallocate(fd, 0, 0, 4096));
	HUGE_ERRNO(ENOSPC, fallocate(fd, FALLOC_FL_KEEP_SIZE, 8 * M2, M2));
	HUGE_ERRNO(EINVAL, fallocate(fd, 0, 0, 0));
	HUGE_ERRNO(0, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, M2));
	HUGE_ERRNO(0, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 4096));
	HUGE_ERRNO(EOPNOTSUPP, fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, M2));
	HUGE_ERRNO(EOPNOTSUPP, fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 0, M2));
	HUGE_ERRNO(EOPNOTSUPP, fallocate(fd, FALLOC_FL_INSERT_RANGE, 0, M2));
	HUGE_ERRNO(EOPNOTSUPP, fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, M2));
	HUGE_ERRNO(EFBIG, fallocate(fd, 0, 1L << 62, 1L << 62));
	CHECK(fstat(fd, &st) == 0);
	printf("size %lld blocks %lld\n", (long long)st.st_size, (long long)st.st_blocks);
	HUGE_ERRNO(EINVAL, write(fd, "x", 1));
	HUGE_ERRNO(EINVAL, pwrite(fd, "x", 1, 0));
	HUGE_ERRNO(EINVAL, write(fd, "x", 0));
	memset(buf, 'q', sizeof(buf));
	n = read(fd, buf, sizeof(buf));
	printf("read %zd first %d last %d\n", n, buf[0], buf[15]);
	printf("pread at 4 MiB %zd\n", pread(fd, buf, sizeof(buf), 2 * M2));
	printf("lseek cur %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
	printf("lseek data %lld\n", (long long)lseek(fd, 5, SEEK_DATA));
	printf("lseek hole %lld\n", (long long)lseek(fd, 5, SEEK_HOLE));
	printf("lseek end %lld\n", (long long)lseek(fd, 0, SEEK_END));
	HUGE_ERRNO(ENXIO, lseek(fd, 2 * M2, SEEK_DATA));
	HUGE_ERRNO(ENXIO, lseek(fd, 2 * M2, SEEK_HOLE));
}

/* mmap: no reservation can be made from the empty pool. */
static void map_calls(int fd)
{
	HUGE_ERRNO(ENOMEM, mmap(NULL, M2, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
	HUGE_ERRNO(ENOMEM, mmap(NULL, M2, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
	HUGE_ERRNO(ENOMEM, mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0));
	HUGE_ERRNO(ENOMEM, mmap(NULL, M2, PROT_READ, MAP_SHARED | MAP_HUGETLB, fd, 0));
	HUGE_ERRNO(EINVAL, mmap(NULL, M2, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096));
	HUGE_ERRNO(EINVAL, mmap(NULL, M2, PROT_READ, MAP_SHARED, fd, M2 / 2));
}

/* Seals: F_SEAL_SEAL by default, MFD_ALLOW_SEALING lets seals in and they hold. */
static void seal_calls(int fd)
{
	int fd2 = huge_memfd("s", MFD_HUGETLB | MFD_ALLOW_SEALING);

	HUGE_ERRNO(EPERM, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	printf("default seals %d\n", fcntl(fd, F_GET_SEALS));
	CHECK(fd2 >= 0);
	HUGE_ERRNO(0, fcntl(fd2, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_WRITE));
	HUGE_ERRNO(EPERM, ftruncate(fd2, M2));
	HUGE_ERRNO(EPERM, fallocate(fd2, 0, 0, M2));
	HUGE_ERRNO(EPERM, fallocate(fd2, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 4096));
	HUGE_ERRNO(0, fcntl(fd2, F_ADD_SEALS, F_SEAL_SHRINK));
	printf("seals %d\n", fcntl(fd2, F_GET_SEALS));
	close(fd2);
}

/* A 1 GiB hugetlb memfd: its sizes. */
static void giga_calls(void)
{
	int fd = huge_memfd("g", MFD_HUGETLB | HUGE_LOG(30));
	struct stat st;

	CHECK(fd >= 0);
	HUGE_ERRNO(EINVAL, ftruncate(fd, M2));
	HUGE_ERRNO(0, ftruncate(fd, 1L << 30));
	CHECK(fstat(fd, &st) == 0);
	printf("1g size %lld blksize %ld\n", (long long)st.st_size, (long)st.st_blksize);
	HUGE_ERRNO(ENOSPC, fallocate(fd, 0, 0, 4096));
	HUGE_ERRNO(ENOMEM, mmap(NULL, 1L << 30, PROT_READ, MAP_SHARED, fd, 0));
	HUGE_ERRNO(EINVAL, mmap(NULL, M2, PROT_READ, MAP_SHARED, fd, M2));
	close(fd);
}

int main(void)
{
	int fd;

	create_calls();
	fd = huge_memfd("hug", MFD_HUGETLB);
	CHECK(fd >= 0);
	file_calls(fd);
	map_calls(fd);
	seal_calls(fd);
	giga_calls();
	HUGE_ERRNO(0, ftruncate(fd, 0));
	HUGE_ERRNO(ENOMEM, mmap(NULL, M2, PROT_READ, MAP_SHARED, fd, 0));
	close(fd);
	return prog_done();
}
