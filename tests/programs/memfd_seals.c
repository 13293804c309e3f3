/*
 * memfd_create and seals: flags and name rules, what each seal refuses
 * (write, ftruncate, fallocate) with Linux's errnos, F_SEAL_SEAL, seals on
 * tmpfs files and other files, MFD_NOEXEC_SEAL, SEEK_DATA/SEEK_HOLE and
 * hole punching on a memfd (mmap of memfds and their seals: mmap_memfd).
 */
#include "files.h"
#include <sys/stat.h>

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#define MFD_EXEC 0x0010U
#endif

static int mfd(const char *name, unsigned flags)
{
	return (int)syscall(SYS_memfd_create, name, flags);
}

static void names_and_flags(void)
{
	static char name[300];
	int fd;

	memset(name, 'n', 249);
	FR("name 249", fd = mfd(name, 0));
	close(fd);
	memset(name, 'n', 250);
	FR("name 250", mfd(name, 0));
	FR("bad name pointer", mfd((char *)16, 0));
	FR("unknown flag", mfd("x", 0x100));
	FR("EXEC|NOEXEC_SEAL", mfd("x", MFD_EXEC | MFD_NOEXEC_SEAL));
	FR("empty name", fd = mfd("", MFD_CLOEXEC));
	FV("cloexec", fcntl(fd, F_GETFD));
	FV("flags", fcntl(fd, F_GETFL) & ~O_LARGEFILE);
	close(fd);
}

static void seals(void)
{
	int fd = mfd("sealed", MFD_ALLOW_SEALING);
	char buf[8];

	FV("initial seals", fcntl(fd, F_GET_SEALS));
	FV("write", write(fd, "abcdefgh", 8));
	FR("unknown seal", fcntl(fd, F_ADD_SEALS, 0x1000));
	FR("seal shrink", fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK));
	FR("shrink", ftruncate(fd, 4));
	FR("grow ok", ftruncate(fd, 16));
	FR("seal grow", fcntl(fd, F_ADD_SEALS, F_SEAL_GROW));
	FR("grow", ftruncate(fd, 32));
	FR("same size", ftruncate(fd, 16));
	FV("write inside", pwrite(fd, "XY", 2, 14));
	FR("write past end", pwrite(fd, "XYZ", 3, 15));
	FR("write at end", pwrite(fd, "Z", 1, 16));
	FR("fallocate past end", fallocate(fd, 0, 0, 100));
	FR("fallocate keep size past end", fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 100));
	FR("fallocate inside", fallocate(fd, 0, 0, 8));
	FR("seal write", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	FV("seals now", fcntl(fd, F_GET_SEALS));
	FR("write sealed", write(fd, "q", 1));
	FV("write 0 bytes sealed", write(fd, "q", 0));
	FR("punch sealed", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4));
	FV("read sealed", pread(fd, buf, 8, 0));
	printf("content %.8s\n", buf);
	FR("seal seal", fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL));
	FR("seal after seal", fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE));
	FV("final seals", fcntl(fd, F_GET_SEALS));
	close(fd);

	fd = mfd("noseal", 0);
	FV("no sealing: seals", fcntl(fd, F_GET_SEALS));
	FR("no sealing: add", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	close(fd);

	fd = mfd("future", MFD_ALLOW_SEALING);
	FR("seal future write", fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE));
	FR("write future-sealed", write(fd, "a", 1));
	FR("truncate future-sealed", ftruncate(fd, 100));
	close(fd);
}

static void noexec_and_modes(void)
{
	struct stat st;
	int fd = mfd("noexec", MFD_NOEXEC_SEAL), fd2;

	FV("noexec seals", fcntl(fd, F_GET_SEALS));
	FR("fstat", fstat(fd, &st));
	printf("noexec mode %o\n", st.st_mode & 07777);
	FR("chmod +x", fchmod(fd, 0755));
	FR("chmod same x bits", fchmod(fd, 0644));
	close(fd);
	fd = mfd("exec", MFD_ALLOW_SEALING);
	FR("fstat", fstat(fd, &st));
	printf("exec mode %o reg %d size %ld\n", st.st_mode & 07777, S_ISREG(st.st_mode),
	       (long)st.st_size);
	FR("seal exec on 0777", fcntl(fd, F_ADD_SEALS, F_SEAL_EXEC));
	FV("seals implied", fcntl(fd, F_GET_SEALS));
	close(fd);

	fd2 = open("/dev/zero", O_RDWR);
	FR("seals on /dev/zero", fcntl(fd2, F_GET_SEALS));
	FR("add seals on /dev/zero", fcntl(fd2, F_ADD_SEALS, F_SEAL_WRITE));
	close(fd2);
	fd2 = open("/dev/shm", O_RDONLY | O_DIRECTORY);
	FR("seals on a dir", fcntl(fd2, F_GET_SEALS));
	close(fd2);
}

static void tmpfs_file_seals(void)
{
	char path[128];
	int fd, ro;

	files_scratch(path, sizeof(path), "/dev/shm", "seal");
	fd = open(path, O_CREAT | O_RDWR | O_EXCL, 0600);
	FV("tmpfs file seals", fcntl(fd, F_GET_SEALS));
	FR("tmpfs file add seal", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	ro = open(path, O_RDONLY);
	FR("add seal read-only fd", fcntl(ro, F_ADD_SEALS, F_SEAL_WRITE));
	close(ro);
	close(fd);
	CHECK(unlink(path) == 0);
}

static void holes(void)
{
	int fd = mfd("holes", 0);
	char buf[4];

	FR("ftruncate", ftruncate(fd, 10 * PG));
	FV("pwrite page 3", pwrite(fd, "data", 4, 3 * PG + 10));
	FV("pwrite page 4", pwrite(fd, "data", 4, 4 * PG));
	FV("SEEK_DATA 0", lseek(fd, 0, SEEK_DATA));
	FV("SEEK_HOLE 3p", lseek(fd, 3 * PG, SEEK_HOLE));
	FV("SEEK_DATA 5p", lseek(fd, 5 * PG, SEEK_DATA));
	FV("SEEK_HOLE 0", lseek(fd, 0, SEEK_HOLE));
	FV("SEEK_HOLE past", lseek(fd, 10 * PG, SEEK_HOLE));
	FV("SEEK_DATA past", lseek(fd, 11 * PG, SEEK_DATA));
	FR("punch no keep", fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, PG));
	FR("punch page 3", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 3 * PG, PG));
	FV("SEEK_DATA after punch", lseek(fd, 0, SEEK_DATA));
	FV("read punched", pread(fd, buf, 4, 3 * PG + 10));
	CHECK(buf[0] == 0);
	FR("fallocate grow", fallocate(fd, 0, 12 * PG, 2 * PG));
	FV("size", lseek(fd, 0, SEEK_END));
	FR("fallocate bad len", fallocate(fd, 0, 0, 0));
	FR("fallocate bad off", fallocate(fd, 0, -1, 10));
	FR("fallocate mode", fallocate(fd, 0x40, 0, 10));
	FR("fallocate huge", fallocate(fd, 0, 0x7fffffffffffff00LL, 0x1000));
	close(fd);
}

int main(void)
{
	names_and_flags();
	seals();
	noexec_and_modes();
	tmpfs_file_seals();
	holes();
	return prog_done();
}
