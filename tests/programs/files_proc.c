/*
 * /proc through the file calls: generated files open, read (a snapshot per
 * open), seek only with SEEK_SET/SEEK_CUR, stat with size 0; /proc/self is
 * a link. Only layout-independent facts are printed.
 */
#include "files.h"
#include <sys/stat.h>

int main(void)
{
	char buf[4096], again[64], link[32];
	struct stat st;
	long n, m;
	int fd = open("/proc/self/maps", O_RDONLY);

	FR("open maps", fd);
	n = read(fd, buf, sizeof(buf) - 1);
	CHECK(n > 0);
	buf[n > 0 ? n : 0] = 0;
	CHECK(strchr(buf, '-') != NULL && strchr(buf, '\n') != NULL);
	FR("fstat", fstat(fd, &st));
	printf("regular %d size %ld\n", S_ISREG(st.st_mode), (long)st.st_size);
	FR("SEEK_END", lseek(fd, 0, SEEK_END));
	FV("SEEK_SET 0", lseek(fd, 0, SEEK_SET));
	m = read(fd, again, sizeof(again));
	CHECK(m > 0 && memcmp(again, buf, (size_t)m) == 0);
	FR("write", write(fd, "x", 1));
	FR("ftruncate", ftruncate(fd, 0));
	close(fd);
	FR("lstat /proc/self", lstat("/proc/self", &st));
	printf("self is a link %d\n", S_ISLNK(st.st_mode));
	n = readlink("/proc/self", link, sizeof(link) - 1);
	CHECK(n > 0);
	fd = open("/proc/meminfo", O_RDONLY);
	FR("open meminfo", fd);
	n = read(fd, buf, 9);
	printf("meminfo starts with %.*s\n", (int)(n > 0 ? n : 0), buf);
	close(fd);
	FR("open missing", open("/proc/self/bootmm_none", O_RDONLY));
	return prog_done();
}
