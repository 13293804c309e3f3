/*
 * execve and execveat errors, after each of which the caller goes on:
 * ENOENT, ENOTDIR, ENAMETOOLONG, ELOOP, EACCES (a directory, a device, a
 * file without x bit), ENOEXEC (malformed ELF images and a garbage file
 * written to /tmp, a "#!" line without interpreter), ENOENT for a "#!"
 * with a missing interpreter, EFAULT (path, argv, envp, a string), E2BIG
 * (one string, the total), EINVAL, EBADF. Then execveat(AT_EMPTY_PATH) of
 * an fd of itself, where O_CLOEXEC descriptors are gone and the others
 * kept, and last a "#!" script in /tmp whose interpreter is another script
 * whose interpreter is this program again (the Linux oracle has only the
 * programs it compares), which prints what the script lines gave it and
 * removes the scripts. The scratch files
 * have fixed names: the script's path is printed.
 */
#include "files.h"
#include <limits.h>
#include <sys/prctl.h>

#define DIR_ "/tmp/bootmm_exec_errnos"
#define NOX DIR_ "/nox"
#define GARBAGE DIR_ "/garbage"
#define SHORT DIR_ "/short_elf"
#define MACHINE DIR_ "/machine_elf"
#define PHENT DIR_ "/phent_elf"
#define NOINTERP DIR_ "/nointerp"
#define MISSING DIR_ "/missing_interp"
#define SCRIPT DIR_ "/script"
#define NESTED DIR_ "/nested"
#define SELF_LOOP DIR_ "/self_loop"
#define DIR_INTERP DIR_ "/dir_interp"
#define LOOP_A DIR_ "/loop_a"
#define LOOP_B DIR_ "/loop_b"
#define LINK DIR_ "/link"

static char self[PATH_MAX];
static char *argv_ok[] = { "exec_errnos", "never", NULL };
static char *envp_ok[] = { "A=1", NULL };

/* Print the errno of an execve that must fail (and did). */
#define EXEC_ERR(what, want, call)                                          \
	do {                                                                \
		errno = 0;                                                  \
		long r_ = (long)(call);                                     \
		printf("%s: %s\n", what, r_ < 0 ? files_errname(errno) : "OK"); \
		if (r_ >= 0 || errno != (want))                             \
			prog_failed = 1;                                    \
	} while (0)

/* Write a file of n bytes with mode. */
static void put_file(const char *path, const void *data, size_t n, mode_t mode)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, mode);

	if (fd < 0 || write(fd, data, n) != (ssize_t)n || close(fd) != 0) {
		printf("cannot write %s: %s\n", path, files_errname(errno));
		exit(1);
	}
}

/* Our own ELF header (the first 64 bytes of this program). */
static void read_self_header(unsigned char *hdr)
{
	int fd = open(self, O_RDONLY);

	if (fd < 0 || read(fd, hdr, 64) != 64) {
		printf("cannot read %s\n", self);
		exit(1);
	}
	close(fd);
}

/* The scratch files in DIR_. */
static void make_files(void)
{
	unsigned char hdr[64];
	char line[PATH_MAX + 64];

	mkdir(DIR_, 0755);
	put_file(NOX, "#!/bin/sh\n", 10, 0644);
	put_file(GARBAGE, "hello, this is no program\n", 26, 0755);
	put_file(SHORT, "\177ELF\2\1\1\0", 8, 0755);
	read_self_header(hdr);
	hdr[18] = 3; /* e_machine EM_386 */
	put_file(MACHINE, hdr, sizeof(hdr), 0755);
	read_self_header(hdr);
	hdr[54] = 0; /* e_phentsize 0 */
	put_file(PHENT, hdr, sizeof(hdr), 0755);
	put_file(NOINTERP, "#!   \n", 6, 0755);
	put_file(MISSING, "#!" DIR_ "/no_such_interp arg\n", strlen(DIR_) + 25, 0755);
	snprintf(line, sizeof(line), "#! %s  first-arg  \necho not reached\n", self);
	put_file(SCRIPT, line, strlen(line), 0755);
	put_file(NESTED, "#!" SCRIPT "\n", strlen(SCRIPT) + 3, 0755);
	put_file(SELF_LOOP, "#!" SELF_LOOP "\n", strlen(SELF_LOOP) + 3, 0755);
	put_file(DIR_INTERP, "#!/tmp\n", 7, 0755);
	symlink(LOOP_B, LOOP_A);
	symlink(LOOP_A, LOOP_B);
	symlink(self, LINK);
}

/* Paths that name no file to run. */
static void bad_paths(void)
{
	static char longpath[PATH_MAX + 100], longname[300];

	EXEC_ERR("missing file", ENOENT, execve(DIR_ "/nothing", argv_ok, envp_ok));
	EXEC_ERR("missing directory", ENOENT, execve("/no_such_dir/x", argv_ok, envp_ok));
	EXEC_ERR("file as directory", ENOTDIR, execve(GARBAGE "/x", argv_ok, envp_ok));
	EXEC_ERR("trailing slash", ENOTDIR, execve(GARBAGE "/", argv_ok, envp_ok));
	EXEC_ERR("empty path", ENOENT, execve("", argv_ok, envp_ok));
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	EXEC_ERR("path past PATH_MAX", ENAMETOOLONG, execve(longpath, argv_ok, envp_ok));
	memset(longname, 'b', sizeof(longname) - 1);
	longname[0] = '/';
	EXEC_ERR("name past NAME_MAX", ENAMETOOLONG, execve(longname, argv_ok, envp_ok));
	EXEC_ERR("symlink loop", ELOOP, execve(LOOP_A, argv_ok, envp_ok));
	EXEC_ERR("directory", EACCES, execve("/tmp", argv_ok, envp_ok));
	EXEC_ERR("root", EACCES, execve("/", argv_ok, envp_ok));
	EXEC_ERR("device", EACCES, execve("/dev/null", argv_ok, envp_ok));
	EXEC_ERR("no x bit", EACCES, execve(NOX, argv_ok, envp_ok));
}

/* Files that are no program. */
static void bad_images(void)
{
	EXEC_ERR("garbage file", ENOEXEC, execve(GARBAGE, argv_ok, envp_ok));
	EXEC_ERR("8-byte ELF", ENOEXEC, execve(SHORT, argv_ok, envp_ok));
	EXEC_ERR("ELF for i386", ENOEXEC, execve(MACHINE, argv_ok, envp_ok));
	EXEC_ERR("ELF e_phentsize 0", ENOEXEC, execve(PHENT, argv_ok, envp_ok));
	EXEC_ERR("#! without interpreter", ENOEXEC, execve(NOINTERP, argv_ok, envp_ok));
	EXEC_ERR("#! missing interpreter", ENOENT, execve(MISSING, argv_ok, envp_ok));
	EXEC_ERR("#! a directory as interpreter", EACCES, execve(DIR_INTERP, argv_ok, envp_ok));
	EXEC_ERR("#! itself as interpreter", ELOOP, execve(SELF_LOOP, argv_ok, envp_ok));
}

/* Bad pointers and sizes. */
static void bad_args(void)
{
	static char huge[140000], chunk[120000];
	char *one_huge[] = { "x", huge, NULL }, *many[24] = { "x" };
	char *bad_str[] = { "x", (char *)8, NULL };

	EXEC_ERR("path EFAULT", EFAULT, syscall(SYS_execve, 8, argv_ok, envp_ok));
	EXEC_ERR("argv EFAULT", EFAULT, syscall(SYS_execve, self, 8, envp_ok));
	EXEC_ERR("envp EFAULT", EFAULT, syscall(SYS_execve, self, argv_ok, 8));
	EXEC_ERR("argv string EFAULT", EFAULT, execve(self, bad_str, envp_ok));
	EXEC_ERR("envp string EFAULT", EFAULT, execve(self, argv_ok, bad_str));
	memset(huge, 'h', sizeof(huge) - 1);
	EXEC_ERR("string past MAX_ARG_STRLEN", E2BIG, execve(self, one_huge, envp_ok));
	memset(chunk, 'c', sizeof(chunk) - 1);
	for (int i = 1; i < 23; i++)
		many[i] = chunk;
	EXEC_ERR("2.6 MB of arguments", E2BIG, execve(self, many, envp_ok));
	EXEC_ERR("execveat bad flags", EINVAL, syscall(SYS_execveat, AT_FDCWD, self, argv_ok,
							envp_ok, 1));
	EXEC_ERR("execveat bad dirfd", EBADF, syscall(SYS_execveat, 99, "x", argv_ok, envp_ok, 0));
	EXEC_ERR("execveat dirfd not a directory", ENOTDIR,
		 syscall(SYS_execveat, 0, "x", argv_ok, envp_ok, 0));
	EXEC_ERR("execveat empty path without AT_EMPTY_PATH", ENOENT,
		 syscall(SYS_execveat, AT_FDCWD, "", argv_ok, envp_ok, 0));
	EXEC_ERR("execveat NOFOLLOW on a link", ELOOP,
		 syscall(SYS_execveat, AT_FDCWD, LINK, argv_ok, envp_ok, AT_SYMLINK_NOFOLLOW));
	EXEC_ERR("execveat NOFOLLOW, a link before the last component", ENOTDIR,
		 syscall(SYS_execveat, AT_FDCWD, LINK "/x", argv_ok, envp_ok, AT_SYMLINK_NOFOLLOW));
	EXEC_ERR("execveat AT_EMPTY_PATH of a directory fd", EACCES,
		 syscall(SYS_execveat, open("/tmp", O_RDONLY | O_DIRECTORY), "", argv_ok, envp_ok,
			 AT_EMPTY_PATH));
}

/* Stage 1: every error; then descriptors 10 (kept) and 11 (O_CLOEXEC), and exec by fd. */
static void stage1(void)
{
	char *argv[] = { "exec_errnos", "byfd", NULL };
	int fd;

	make_files();
	bad_paths();
	bad_images();
	bad_args();
	EXEC_ERR("execveat AT_EMPTY_PATH of a script by an O_CLOEXEC fd", ENOENT,
		 syscall(SYS_execveat, open(SCRIPT, O_RDONLY | O_CLOEXEC), "", argv_ok, envp_ok,
			 AT_EMPTY_PATH));
	CHECK(dup2(open("/dev/null", O_RDONLY), 10) == 10);
	CHECK(dup3(open("/dev/null", O_RDONLY), 11, O_CLOEXEC) == 11);
	fd = open(self, O_RDONLY | O_CLOEXEC);
	if (prog_failed)
		exit(1);
	fflush(stdout);
	syscall(SYS_execveat, fd, "", argv, envp_ok, AT_EMPTY_PATH);
	printf("execveat AT_EMPTY_PATH: %s\n", files_errname(errno));
	exit(1);
}

/*
 * Stage "byfd": what came across; then a script whose interpreter is a
 * script whose interpreter is this program.
 */
static void stage_byfd(char **envp)
{
	char comm[17] = {0};
	char *argv[] = { "script-argv0", "tail", NULL };
	char *env[] = { "FROM=script", NULL };

	prctl(PR_GET_NAME, comm);
	printf("comm after execveat by fd: %s\n", comm);
	printf("envp[0]: %s\n", envp[0]);
	CHECK(fcntl(10, F_GETFD) == 0);
	CHECK(fcntl(11, F_GETFD) == -1 && errno == EBADF);
	if (prog_failed)
		exit(1);
	fflush(stdout);
	execve(NESTED, argv, env);
	printf("execve script: %s\n", files_errname(errno));
	exit(1);
}

/* The scratch files go before the script runs (which removes the script). */
static void remove_files(void)
{
	static const char *const files[] = { NOX, GARBAGE, SHORT, MACHINE, PHENT, NOINTERP,
					     MISSING, LOOP_A, LOOP_B, LINK, SELF_LOOP,
					     DIR_INTERP };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(files[i]);
}

/* Stage "first-arg": run by the script line; what it gave, then the script goes. */
static void stage_script(int argc, char **argv, char **envp)
{
	char comm[17] = {0};

	printf("interpreter argc: %d\n", argc);
	for (int i = 1; i < argc; i++)
		printf("interpreter argv[%d]: \"%s\"\n", i, argv[i]);
	for (int i = 0; envp[i]; i++)
		printf("interpreter envp[%d]: \"%s\"\n", i, envp[i]);
	prctl(PR_GET_NAME, comm);
	printf("interpreter comm: %s\n", comm);
	CHECK(unlink(SCRIPT) == 0 && unlink(NESTED) == 0 && rmdir(DIR_) == 0);
	exit(prog_failed);
}

int main(int argc, char **argv, char **envp)
{
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return 1;
	self[n] = 0;
	if (argc >= 2 && !strcmp(argv[1], "first-arg"))
		stage_script(argc, argv, envp);
	if (argc < 2)
		stage1();
	if (!strcmp(argv[1], "byfd")) {
		remove_files();
		stage_byfd(envp);
	}
	printf("unknown stage %s\n", argv[1]);
	return 1;
}
