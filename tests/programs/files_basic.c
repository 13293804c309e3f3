/*
 * Regular files in /tmp: open flags, read/write/pread/pwrite/readv/writev,
 * lseek, fstat, truncate and ftruncate, unlink while open, descriptors
 * (dup, dup2, dup3, fcntl), EMFILE at RLIMIT_NOFILE, and the errnos of bad
 * paths and pointers. Every file is removed at the end.
 */
#include "files.h"
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

static char path[128], path2[160];

static void open_flags(void)
{
	int fd, fd2;
	char buf[64] = {0};

	FR("open missing", open(path, O_RDONLY));
	fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0600);
	CHECK(fd >= 3);
	FR("O_EXCL again", open(path, O_CREAT | O_EXCL | O_RDWR, 0600));
	FV("write hello", write(fd, "hello world", 11));
	FV("lseek cur", lseek(fd, 0, SEEK_CUR));
	FV("lseek end", lseek(fd, 0, SEEK_END));
	FV("lseek set 6", lseek(fd, 6, SEEK_SET));
	FV("read 5", read(fd, buf, 5));
	printf("read: %s\n", buf);
	FV("read at eof", read(fd, buf, 5));
	FR("lseek negative", lseek(fd, -100, SEEK_CUR));
	FR("lseek whence 9", lseek(fd, 0, 9));
	FV("lseek past end", lseek(fd, 100, SEEK_SET));
	FV("write past end", write(fd, "!", 1));
	FV("pread 0", pread(fd, buf, 5, 0));
	FV("pread hole", pread(fd, buf, 4, 50));
	CHECK(buf[0] == 0 && buf[3] == 0);
	FR("pread negative", pread(fd, buf, 4, -1));
	FV("pwrite", pwrite(fd, "HELLO", 5, 0));
	FV("position after pwrite", lseek(fd, 0, SEEK_CUR));
	close(fd);

	fd = open(path, O_WRONLY | O_APPEND);
	FV("append write", write(fd, "++", 2));
	FV("append pos", lseek(fd, 0, SEEK_CUR));
	FR("read on O_WRONLY", read(fd, buf, 1));
	FV("F_GETFL", fcntl(fd, F_GETFL) & ~O_LARGEFILE);
	close(fd);
	fd = open(path, O_RDONLY);
	FR("write on O_RDONLY", write(fd, "x", 1));
	FR("ftruncate on O_RDONLY", ftruncate(fd, 0));
	FV("F_GETFL ro", fcntl(fd, F_GETFL) & ~O_LARGEFILE);
	fd2 = open(path, O_RDWR | O_TRUNC);
	FV("size after O_TRUNC", lseek(fd2, 0, SEEK_END));
	FV("read ro after trunc", read(fd, buf, 10));
	close(fd);
	close(fd2);
	FR("O_DIRECTORY on file", open(path, O_RDONLY | O_DIRECTORY));
	FR("O_CREAT on dir", open("/tmp", O_CREAT | O_RDWR, 0600));
	FR("write-open a dir", open("/tmp", O_RDWR));
	FR("file as a dir", open(strcat(strcpy(path2, path), "/x"), O_RDONLY));
	FR("O_CREAT trailing slash", open("/tmp/bootmm_never_there/", O_CREAT | O_RDWR, 0600));
}

static void sizes(void)
{
	struct stat st;
	int fd = open(path, O_RDWR | O_TRUNC);
	char buf[8];

	FR("ftruncate grow", ftruncate(fd, 10000));
	FR("fstat", fstat(fd, &st));
	printf("size %ld mode %o nlink %ld\n", (long)st.st_size, st.st_mode & 07777,
	       (long)st.st_nlink);
	CHECK(S_ISREG(st.st_mode));
	FV("read in sparse", pread(fd, buf, 8, 9990));
	FR("ftruncate negative", ftruncate(fd, -1));
	FR("truncate path", truncate(path, 3));
	FR("stat", stat(path, &st));
	printf("size %ld\n", (long)st.st_size);
	FR("truncate dir", truncate("/tmp", 0));
	FR("truncate missing", truncate("/tmp/bootmm_never_there", 0));
	FR("unlink while open", unlink(path));
	FR("stat unlinked", stat(path, &st));
	FV("write to unlinked", pwrite(fd, "abc", 3, 0));
	FR("fstat unlinked", fstat(fd, &st));
	printf("nlink %ld size %ld\n", (long)st.st_nlink, (long)st.st_size);
	FR("unlink again", unlink(path));
	close(fd);
}

/* statx(2) of a path and of an fd: the basic fields (the raw 256-byte struct). */
static void statx_checks(void)
{
	unsigned char sx[256];
	uint32_t mask, nlink;
	uint16_t mode;
	uint64_t size;
	int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0640);

	FV("write", write(fd, "statx!", 6));
	FR("statx path", syscall(SYS_statx, AT_FDCWD, path, 0, 0x7ff, sx));
	memcpy(&mask, sx, 4);
	memcpy(&nlink, sx + 16, 4);
	memcpy(&mode, sx + 28, 2);
	memcpy(&size, sx + 40, 8);
	printf("basic stats %d nlink %u mode %o size %lu\n", (mask & 0x7ff) == 0x7ff, nlink,
	       mode & 07777, (unsigned long)size);
	memset(sx, 0, sizeof(sx));
	FR("statx fd", syscall(SYS_statx, fd, "", AT_EMPTY_PATH, 0x7ff, sx));
	memcpy(&size, sx + 40, 8);
	printf("fd size %lu\n", (unsigned long)size);
	FR("statx bad flags", syscall(SYS_statx, AT_FDCWD, path, 0x80000000, 0x7ff, sx));
	FR("statx reserved mask", syscall(SYS_statx, AT_FDCWD, path, 0, 0x80000000u, sx));
	FR("statx missing", syscall(SYS_statx, AT_FDCWD, "/tmp/bootmm_never_there", 0, 0x7ff, sx));
	FR("statx bad buffer", syscall(SYS_statx, AT_FDCWD, path, 0, 0x7ff, (void *)16));
	FR("newfstatat nofollow", fstatat(AT_FDCWD, path, (struct stat *)sx, AT_SYMLINK_NOFOLLOW));
	close(fd);
	FR("unlink", unlink(path));
}

static void vectors(void)
{
	char a[4], b[8];
	struct iovec w[3] = { { "abc", 3 }, { "", 0 }, { "defghij", 7 } };
	struct iovec r[2] = { { a, 4 }, { b, 8 } };
	int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);

	FV("writev", writev(fd, w, 3));
	FV("lseek 0", lseek(fd, 0, SEEK_SET));
	memset(b, 0, sizeof(b));
	FV("readv", readv(fd, r, 2));
	printf("readv: %.4s %.6s\n", a, b);
	FR("read bad buffer", read(fd, (void *)16, 4));
	FR("write bad buffer", write(fd, (void *)16, 4));
	close(fd);
	FR("unlink", unlink(path));
}

static void descriptors(void)
{
	struct rlimit rl = { 40, 40 };
	int fd = open("/dev/null", O_RDWR), d, n = 0, last = -1;

	FV("dup2 to 100", dup2(fd, 100));
	{
		fd_set rd;
		struct timeval tv = { 0, 0 };

		FD_ZERO(&rd);
		FD_SET(100, &rd);
		FV("select fd 100", select(101, &rd, NULL, NULL, &tv));
		FV("fd 100 readable", FD_ISSET(100, &rd));
		FD_ZERO(&rd);
		FD_SET(99, &rd);
		FR("select closed fd 99", select(100, &rd, NULL, NULL, &tv));
	}
	FV("F_GETFD", fcntl(100, F_GETFD));
	FV("dup3 cloexec", dup3(fd, 101, O_CLOEXEC));
	FV("F_GETFD cloexec", fcntl(101, F_GETFD));
	FR("dup3 same", dup3(fd, fd, 0));
	FV("dup2 same", dup2(fd, fd) == fd);
	FR("dup3 bad flags", syscall(SYS_dup3, fd, 102, 1));
	FV("F_DUPFD 50", fcntl(fd, F_DUPFD, 50));
	FV("F_DUPFD_CLOEXEC 50", fcntl(fd, F_DUPFD_CLOEXEC, 50));
	FV("F_SETFD", fcntl(50, F_SETFD, FD_CLOEXEC));
	FV("F_GETFD after", fcntl(50, F_GETFD));
	FV("F_SETFL append", fcntl(fd, F_SETFL, O_APPEND | O_RDONLY));
	FV("F_GETFL", fcntl(fd, F_GETFL) & ~O_LARGEFILE);
	FR("close 100", close(100));
	FR("close 100 again", close(100));
	FR("dup bad", dup(999));
	FR("fcntl bad", fcntl(999, F_GETFD));
	FR("fcntl bad cmd", fcntl(fd, 9999));
	close(101);
	close(50);
	close(51);
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	FR("dup2 past limit", dup2(fd, 40));
	FR("F_DUPFD past limit", fcntl(fd, F_DUPFD, 40));
	while ((d = dup(fd)) >= 0) {
		last = d;
		n++;
	}
	printf("dups before EMFILE: %d (%s), last fd %d\n", n, files_errname(errno), last);
	FR("open at limit", open("/dev/null", O_RDONLY));
	FR("memfd at limit", syscall(SYS_memfd_create, "x", 0));
	for (d = 0; d <= last; d++)
		if (d > fd)
			close(d);
	close(fd);
}

static void devices(void)
{
	char buf[16];
	int z = open("/dev/zero", O_RDWR), nl = open("/dev/null", O_RDWR);
	struct stat st;

	memset(buf, 'x', sizeof(buf));
	FV("read zero", read(z, buf, sizeof(buf)));
	CHECK(buf[0] == 0 && buf[15] == 0);
	FV("write zero", write(z, "abc", 3));
	FV("read null", read(nl, buf, sizeof(buf)));
	FV("write null", write(nl, "abc", 3));
	FV("lseek null", lseek(nl, 100, SEEK_SET));
	FR("fstat null", fstat(nl, &st));
	printf("null: chr %d rdev %u:%u mode %o\n", S_ISCHR(st.st_mode), major(st.st_rdev),
	       minor(st.st_rdev), st.st_mode & 0777);
	FR("stat zero", stat("/dev/zero", &st));
	printf("zero: chr %d rdev %u:%u\n", S_ISCHR(st.st_mode), major(st.st_rdev),
	       minor(st.st_rdev));
	FR("ftruncate null", ftruncate(nl, 0));
	FR("fsync null", fsync(nl));
	close(z);
	close(nl);
	/*
	 * Only what stdin (/dev/null) answers alike whether it was opened
	 * read-write (the runner on the host) or read-only (the Linux oracle);
	 * stdout and stderr are pipes on the host and files in the oracle.
	 */
	FR("pread bad fd, negative offset", pread(999, buf, 1, -1));
	FV("pread 0", pread(0, buf, 1, 0));
	FV("lseek 0", lseek(0, 5, SEEK_SET));
}

static void bad_paths(void)
{
	static char longname[300], longpath[4200];

	memset(longname, 'a', 256);
	snprintf(longpath, sizeof(longpath), "/tmp/%s", longname);
	FR("name 256", open(longpath, O_CREAT | O_RDWR, 0600));
	memset(longpath, 'b', 4096);
	longpath[0] = '/';
	longpath[4096] = 0;
	FR("path 4096", open(longpath, O_RDONLY));
	FR("empty path", open("", O_RDONLY));
	FR("bad pointer", open((char *)16, O_RDONLY));
	FR("mkdir bad pointer", mkdir((char *)16, 0700));
	FR("unlink dir", unlink("/tmp"));
	FR("missing middle", open("/tmp/bootmm_never_there/x", O_RDONLY));
}

static void stdio(void)
{
	char tmpl[64] = "/tmp/bootmm_stdioXXXXXX", line[32] = {0};
	int fd = mkstemp(tmpl);
	FILE *f;

	CHECK(fd >= 0);
	f = fdopen(fd, "w+");
	fprintf(f, "line %d\n", 42);
	rewind(f);
	CHECK(fgets(line, sizeof(line), f) != NULL);
	printf("mkstemp read back: %s", line);
	fclose(f);
	f = fopen(tmpl, "a");
	fputs("more\n", f);
	fclose(f);
	f = fopen(tmpl, "r");
	CHECK(fgets(line, sizeof(line), f) && fgets(line, sizeof(line), f));
	printf("fopen append: %s", line);
	fclose(f);
	CHECK(unlink(tmpl) == 0);
	f = tmpfile();
	CHECK(f != NULL);
	fputs("tmp", f);
	rewind(f);
	memset(line, 0, sizeof(line));
	CHECK(fread(line, 1, 3, f) == 3);
	printf("tmpfile: %s\n", line);
	fclose(f);
	CHECK(fopen("/tmp/bootmm_never_there/x", "r") == NULL && errno == ENOENT);
}

int main(void)
{
	files_scratch(path, sizeof(path), "/tmp", "basic");
	open_flags();
	sizes();
	statx_checks();
	vectors();
	devices();
	bad_paths();
	stdio();
	descriptors();
	return prog_done();
}
