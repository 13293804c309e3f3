/*
 * Directories and names in /tmp: mkdir, rmdir, unlink, unlinkat, rename,
 * renameat2, symlink, readlink, symlink loops, getdents64 (names sorted),
 * chdir, fchdir, getcwd (only relative facts: the cwd itself differs on the
 * host), *at calls relative to a directory fd, access, chmod, umask, stat
 * of directories. Everything made is removed at the end.
 */
#include "files.h"
#include <dirent.h>
#include <sys/stat.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#endif

static char top[128], p1[256], p2[256];

/* p = top + "/" + rel */
static char *at(char *p, const char *rel)
{
	snprintf(p, 256, "%s/%s", top, rel);
	return p;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* List dir's names sorted, on one line. */
static void list(const char *what, const char *dir)
{
	char buf[1024], *names[64];
	int fd = open(dir, O_RDONLY | O_DIRECTORY), n = 0;
	long got;

	if (fd < 0) {
		printf("%s: %s\n", what, files_errname(errno));
		return;
	}
	while ((got = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < got;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);

			if (n < 64)
				names[n++] = strdup(d->d_name);
			off += d->d_reclen;
		}
	}
	qsort(names, (size_t)n, sizeof(names[0]), cmp);
	printf("%s:", what);
	for (int i = 0; i < n; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
	close(fd);
}

static void make_tree(void)
{
	struct stat st;
	int fd;

	umask(022);
	FR("mkdir top", mkdir(top, 0777));
	FR("mkdir again", mkdir(top, 0777));
	FR("mkdir a", mkdir(at(p1, "a"), 0750));
	FR("mkdir a/b", mkdir(at(p1, "a/b"), 0777));
	FR("mkdir missing parent", mkdir(at(p1, "x/y"), 0777));
	FR("mkdir dot", mkdir(at(p1, "a/."), 0777));
	FR("mkdir trailing slash", mkdir(at(p1, "c/"), 0777));
	fd = open(at(p1, "a/f"), O_CREAT | O_WRONLY, 0666);
	FV("write f", write(fd, "12345", 5));
	close(fd);
	FR("mkdir under file", mkdir(at(p1, "a/f/z"), 0777));
	FR("stat a", stat(at(p1, "a"), &st));
	printf("a: dir %d mode %o nlink %ld\n", S_ISDIR(st.st_mode), st.st_mode & 07777,
	       (long)st.st_nlink);
	FR("stat f", stat(at(p1, "a/f"), &st));
	printf("f: mode %o size %ld\n", st.st_mode & 07777, (long)st.st_size);
	FR("stat f/", stat(at(p1, "a/f/"), &st));
	list("top", top);
	list("a", at(p1, "a"));
	list("not a dir", at(p1, "a/f"));
}

static void links(void)
{
	char buf[64] = {0};
	struct stat st;

	FR("symlink", symlink("a/f", at(p1, "lf")));
	FR("symlink exists", symlink("a/f", at(p1, "lf")));
	FR("symlink empty target", symlink("", at(p1, "le")));
	FR("symlink dangling", symlink("nowhere", at(p1, "ld")));
	FR("symlink dir", symlink("a", at(p1, "la")));
	FV("readlink", readlink(at(p1, "lf"), buf, sizeof(buf)));
	printf("target %s\n", buf);
	FV("readlink short", readlink(at(p1, "lf"), buf, 2));
	FR("readlink not link", readlink(at(p1, "a"), buf, sizeof(buf)));
	FR("readlink bufsiz 0", readlink(at(p1, "lf"), buf, 0));
	FR("stat through link", stat(at(p1, "lf"), &st));
	printf("size via link %ld\n", (long)st.st_size);
	FR("lstat link", lstat(at(p1, "lf"), &st));
	printf("lstat: lnk %d size %ld\n", S_ISLNK(st.st_mode), (long)st.st_size);
	FR("open dangling", open(at(p1, "ld"), O_RDONLY));
	FR("open nofollow", open(at(p1, "lf"), O_RDONLY | O_NOFOLLOW));
	FR("path through dir link", stat(at(p1, "la/b"), &st));
	FR("loop a", symlink("loop_b", at(p1, "loop_a")));
	FR("loop b", symlink("loop_a", at(p1, "loop_b")));
	FR("open loop", open(at(p1, "loop_a"), O_RDONLY));
	FR("create through dangling", close(open(at(p1, "ld"), O_CREAT | O_WRONLY, 0600)));
	FR("target made", stat(at(p1, "nowhere"), &st));
	FR("O_EXCL on link", open(at(p1, "lf"), O_CREAT | O_EXCL | O_WRONLY, 0600));
	list("top with links", top);
}

static void renames(void)
{
	struct stat st;

	FR("rename file", rename(at(p1, "a/f"), at(p2, "g")));
	FR("old gone", stat(at(p1, "a/f"), &st));
	FR("rename missing", rename(at(p1, "a/f"), at(p2, "h")));
	FR("rename over file", rename(at(p1, "g"), at(p2, "nowhere")));
	FR("rename back", rename(at(p1, "nowhere"), at(p2, "g")));
	FR("rename file over dir", rename(at(p1, "g"), at(p2, "a")));
	FR("mkdir d", mkdir(at(p1, "d"), 0777));
	FR("rename dir over file", rename(at(p1, "d"), at(p2, "g")));
	FR("rename dir into itself", rename(at(p1, "a"), at(p2, "a/b/c")));
	FR("rename dir over nonempty", rename(at(p1, "d"), at(p2, "a")));
	FR("rename dir over empty", rename(at(p1, "d"), at(p2, "a/b")));
	FR("noreplace", syscall(SYS_renameat2, AT_FDCWD, at(p1, "g"), AT_FDCWD,
				  at(p2, "lf"), RENAME_NOREPLACE));
	FR("noreplace free", syscall(SYS_renameat2, AT_FDCWD, at(p1, "g"), AT_FDCWD,
				       at(p2, "n2"), RENAME_NOREPLACE));
	FR("renameat2 bad flags", syscall(SYS_renameat2, AT_FDCWD, at(p1, "n2"), AT_FDCWD,
					   at(p2, "n3"), 8));
	FR("rename to itself", rename(at(p1, "n2"), at(p2, "n2")));
	FR("rename n2 to g", rename(at(p1, "n2"), at(p2, "g")));
	FR("rename dot", rename(at(p1, "a/."), at(p2, "z")));
	FR("exchange file and dir", syscall(SYS_renameat2, AT_FDCWD, at(p1, "g"), AT_FDCWD,
					     at(p2, "c"), RENAME_EXCHANGE));
	FR("g is a dir now", stat(at(p1, "g"), &st) || !S_ISDIR(st.st_mode) ? -1 : 0);
	FR("exchange back", syscall(SYS_renameat2, AT_FDCWD, at(p1, "c"), AT_FDCWD,
				     at(p2, "g"), RENAME_EXCHANGE));
	FR("exchange missing", syscall(SYS_renameat2, AT_FDCWD, at(p1, "g"), AT_FDCWD,
					at(p2, "none"), RENAME_EXCHANGE));
	FR("exchange into own subtree", syscall(SYS_renameat2, AT_FDCWD, at(p1, "a"), AT_FDCWD,
						 at(p2, "a/b"), RENAME_EXCHANGE));
	FR("exchange|noreplace", syscall(SYS_renameat2, AT_FDCWD, at(p1, "g"), AT_FDCWD,
					  at(p2, "c"), RENAME_EXCHANGE | RENAME_NOREPLACE));
	list("after renames", top);
	list("a after renames", at(p1, "a"));
}

static void cwd_and_at(void)
{
	char buf[512];
	int dfd, fd;
	struct stat st;

	dfd = open(top, O_RDONLY | O_DIRECTORY);
	FR("openat rel", fd = openat(dfd, "a/b/rel", O_CREAT | O_RDWR, 0600));
	close(fd);
	FR("fstatat rel", fstatat(dfd, "a/b/rel", &st, 0));
	FR("openat file dirfd", openat(fd = open(at(p1, "g"), O_RDONLY), "x", O_RDONLY));
	close(fd);
	FR("openat bad dirfd", openat(999, "x", O_RDONLY));
	FR("openat abs ignores dirfd", close(openat(999, at(p1, "g"), O_RDONLY)));
	FR("unlinkat bad flag", unlinkat(dfd, "a/b/rel", 1));
	FR("unlinkat rel", unlinkat(dfd, "a/b/rel", 0));
	FR("unlinkat dir no flag", unlinkat(dfd, "a/b", 0));
	FR("unlinkat removedir file", unlinkat(dfd, "g", AT_REMOVEDIR));
	FR("mkdirat", mkdirat(dfd, "m", 0700));
	FR("chdir", chdir(at(p1, "a")));
	FR("getcwd", getcwd(buf, sizeof(buf)) ? 0 : -1);
	printf("cwd ends with /a: %d\n", strlen(buf) >= 2 && !strcmp(buf + strlen(buf) - 2, "/a"));
	FR("getcwd ERANGE", getcwd(buf, 2) ? 0 : -1);
	FR("relative open", close(open("b/../b/.", O_RDONLY)));
	FR("stat ..", stat("..", &st));
	FR("fchdir", fchdir(dfd));
	FR("relative after fchdir", stat("a/b", &st));
	FR("fchdir file", fchdir(0));
	FR("chdir file", chdir(at(p1, "g")));
	FR("chdir missing", chdir(at(p1, "none")));
	FR("chdir /", chdir("/"));
	close(dfd);
}

static void o_path(void)
{
	char b[8];
	struct stat st;
	int d = open(top, O_PATH | O_DIRECTORY), f = open(at(p1, "g"), O_PATH | O_RDWR | O_CREAT);
	int l = open(at(p1, "lf"), O_PATH | O_NOFOLLOW), n = open("/dev/null", O_PATH);

	FV("F_GETFL dir", fcntl(d, F_GETFL));
	FV("F_GETFL file", fcntl(f, F_GETFL));
	FR("read", read(f, b, 1));
	FR("write", write(f, b, 1));
	FR("lseek", lseek(f, 0, SEEK_SET));
	FR("fsync", fsync(f));
	/* the raw call: musl's fchmod falls back to /proc/self/fd, which is not here yet */
	FR("fchmod", syscall(SYS_fchmod, f, 0644));
	FR("F_SETFL", fcntl(f, F_SETFL, O_APPEND));
	FR("F_GET_SEALS", fcntl(f, F_GET_SEALS));
	FV("F_SETFD", fcntl(f, F_SETFD, FD_CLOEXEC));
	FR("fstat", fstat(f, &st));
	printf("regular %d\n", S_ISREG(st.st_mode));
	FR("fstat link", fstat(l, &st));
	printf("link %d\n", S_ISLNK(st.st_mode));
	FR("fstat null", fstat(n, &st));
	printf("chr %d\n", S_ISCHR(st.st_mode));
	FR("openat via O_PATH dir", close(openat(d, "g", O_RDONLY)));
	FR("getdents", syscall(SYS_getdents64, d, b, sizeof(b)));
	FR("O_PATH|O_DIRECTORY on file", open(at(p1, "g"), O_PATH | O_DIRECTORY));
	FR("O_PATH missing", open(at(p1, "none"), O_PATH));
	FR("fchdir O_PATH", fchdir(d));
	FR("chdir back", chdir("/"));
	FR("close", close(d) | close(f) | close(l) | close(n));
}

static void access_modes(void)
{
	struct stat st;

	FR("access F_OK", access(at(p1, "g"), F_OK));
	FR("access R|W", access(at(p1, "g"), R_OK | W_OK));
	FR("access X no x bit", access(at(p1, "g"), X_OK));
	FR("access X dir", access(top, X_OK));
	FR("access bad mode", access(top, 8));
	FR("access missing", access(at(p1, "none"), F_OK));
	FR("faccessat bad flag", syscall(SYS_faccessat2, AT_FDCWD, top, F_OK, 0x1));
	FR("chmod", chmod(at(p1, "g"), 0741));
	FR("stat", stat(at(p1, "g"), &st));
	printf("mode %o\n", st.st_mode & 07777);
	FR("access X now", access(at(p1, "g"), X_OK));
	FV("umask", umask(077));
	FR("create under 077", close(open(at(p1, "u"), O_CREAT | O_WRONLY, 0666)));
	FR("stat u", stat(at(p1, "u"), &st));
	printf("u mode %o\n", st.st_mode & 07777);
	FV("umask back", umask(022));
}

static void clean(void)
{
	static const char *files[] = { "u", "g", "lf", "ld", "la", "le", "loop_a", "loop_b",
				       "nowhere", "n2", "a/b/c" };
	static const char *dirs[] = { "m", "a/b", "a", "c", "d" };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(at(p1, files[i]));
	FR("rmdir nonempty", rmdir(at(p1, ".")));
	FR("rmdir dot", rmdir(at(p1, "m/.")));
	FR("rmdir file", rmdir(at(p1, "g")));
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		rmdir(at(p1, dirs[i]));
	list("left", top);
	FR("rmdir top", rmdir(top));
	FR("rmdir again", rmdir(top));
}

int main(void)
{
	files_scratch(top, sizeof(top), "/tmp", "dirs");
	make_tree();
	links();
	renames();
	cwd_and_at();
	o_path();
	access_modes();
	clean();
	return prog_done();
}
