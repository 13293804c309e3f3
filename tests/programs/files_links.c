/*
 * Hard links: link and linkat (AT_SYMLINK_FOLLOW, AT_EMPTY_PATH with an
 * O_TMPFILE file), st_nlink as names come and go, data shared by every name,
 * rename between two names of one file, and the errnos (EEXIST, EPERM for a
 * directory, ENOENT, EINVAL). Made in /tmp, removed at the end.
 */
#include "files.h"
#include <sys/stat.h>

static char a[128], b[160], c[160], s[160], dir[160], inside[200];

static long nlink_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : (long)st.st_nlink;
}

int main(void)
{
	struct stat sa, sb;
	char buf[16] = {0};
	int fd;

	files_scratch(a, sizeof(a), "/tmp", "links");
	snprintf(b, sizeof(b), "%s.b", a);
	snprintf(c, sizeof(c), "%s.c", a);
	snprintf(s, sizeof(s), "%s.s", a);
	snprintf(dir, sizeof(dir), "%s.d", a);
	snprintf(inside, sizeof(inside), "%s/x", dir);
	fd = open(a, O_CREAT | O_EXCL | O_RDWR, 0640);
	FV("write", write(fd, "one", 3));
	FR("link", link(a, b));
	FV("nlink a", nlink_of(a));
	FR("link exists", link(a, b));
	FR("link missing", link(c, b));
	FR("same inode", stat(a, &sa) || stat(b, &sb) ? -1 : (sa.st_ino == sb.st_ino ? 0 : -1));
	FV("write via b", pwrite(fd = (close(fd), open(b, O_WRONLY)), "TWO", 3, 0));
	close(fd);
	fd = open(a, O_RDONLY);
	FV("read via a", read(fd, buf, sizeof(buf)));
	printf("content %s\n", buf);
	close(fd);
	FR("chmod via b", chmod(b, 0600));
	FR("stat a", stat(a, &sa));
	printf("a mode %o\n", sa.st_mode & 07777);
	FR("rename a onto b (same file)", rename(a, b));
	FV("both still there", nlink_of(a) + nlink_of(b));
	FR("unlink a", unlink(a));
	FV("nlink b", nlink_of(b));
	FR("mkdir", mkdir(dir, 0700));
	FR("link a dir", link(dir, c));
	FR("symlink", symlink(b, s));
	FR("linkat no follow", linkat(AT_FDCWD, s, AT_FDCWD, c, 0));
	FR("lstat c", lstat(c, &sa));
	printf("c is a link %d\n", S_ISLNK(sa.st_mode));
	FR("unlink c", unlink(c));
	FR("linkat follow", linkat(AT_FDCWD, s, AT_FDCWD, c, AT_SYMLINK_FOLLOW));
	FV("nlink b", nlink_of(b));
	FR("linkat bad flags", linkat(AT_FDCWD, b, AT_FDCWD, a, 0x1));
	FR("link into missing dir", link(b, "/tmp/bootmm_never_there/x"));
	fd = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	FR("O_TMPFILE", fd);
	FV("tmpfile write", write(fd, "anon", 4));
	FR("fstat tmpfile", fstat(fd, &sa));
	printf("tmpfile nlink %ld size %ld\n", (long)sa.st_nlink, (long)sa.st_size);
	FR("linkat AT_EMPTY_PATH", linkat(fd, "", AT_FDCWD, a, AT_EMPTY_PATH));
	FV("named tmpfile nlink", nlink_of(a));
	FR("fstat again", fstat(fd, &sa));
	printf("tmpfile nlink now %ld\n", (long)sa.st_nlink);
	close(fd);
	fd = open("/tmp", O_TMPFILE | O_RDWR | O_EXCL, 0600);
	FR("linkat O_EXCL tmpfile", linkat(fd, "", AT_FDCWD, inside, AT_EMPTY_PATH));
	FR("linkat onto existing", linkat(fd, "", AT_FDCWD, dir, AT_EMPTY_PATH));
	close(fd);
	FR("O_TMPFILE read-only", open("/tmp", O_TMPFILE | O_RDONLY, 0600));
	FR("O_TMPFILE on a file", open(b, O_TMPFILE | O_RDWR, 0600));
	FR("unlink a", unlink(a));
	FR("unlink b", unlink(b));
	FR("unlink c", unlink(c));
	FR("unlink s", unlink(s));
	FR("rmdir", rmdir(dir));
	return prog_done();
}
