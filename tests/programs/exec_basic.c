/*
 * execve of itself through /proc/self/exe, execveat by name in its directory
 * (AT_EXECFN /dev/fd/<fd>/<name>) and execve of its absolute path, with
 * arguments and environment: each stage checks argv, envp, the auxiliary
 * vector (AT_EXECFN is the path as given), comm, and what exec resets
 * (handlers back to SIG_DFL but SIG_IGN kept, the blocked mask kept, no
 * alternate stack, the FPU control word), with NULL argv and envp, and with
 * 800 KB of arguments; then execve of a copy of itself written to /tmp
 * (a file whose bytes live in a tmpfs object), in the role of a second
 * program that prints its arguments, environment and comm and removes the
 * copy. (Only this binary is sure to be there in every reference run: the
 * Linux oracle boots just the programs it compares.)
 */
#include "prog.h"
#include <fcntl.h>
#include <limits.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#define BIG_ARGS 8
#define BIG_LEN 100000
#define COPY "/tmp/bootmm_exec_basic_copy"

static char self[PATH_MAX];
static char bigs[BIG_ARGS][BIG_LEN + 1];

/* The absolute path of this program (readlink /proc/self/exe). */
static void find_self(void)
{
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0) {
		printf("readlink /proc/self/exe failed\n");
		exit(1);
	}
	self[n] = 0;
}

/* Print the comm the kernel gave this image. */
static void show_comm(void)
{
	char comm[17] = {0};

	prctl(PR_GET_NAME, comm);
	printf("comm: %s\n", comm);
}

/* execve (when every check so far passed) that only returns on failure: say so and fail. */
static void run(const char *path, char *const argv[], char *const envp[])
{
	if (prog_failed)
		exit(1);
	fflush(stdout);
	execve(path, argv, envp);
	printf("execve %s: %s\n", argv && argv[1] ? argv[1] : "?", prog_errname(errno));
	exit(1);
}

/* Stage 1: handlers, mask and altstack to see after exec; exec /proc/self/exe. */
static void stage1(void)
{
	static char altstack[16384];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	sigset_t set;
	unsigned short cw = 0x27f & ~0x300; /* single precision */
	char *argv[] = { "exec_basic", "stage2", "a b", "", "tail", NULL };
	char *envp[] = { "FOO=bar", "EMPTY=", "X=1", NULL };

	signal(SIGUSR1, SIG_IGN);
	signal(SIGUSR2, (void (*)(int))find_self);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	CHECK(sigaltstack(&ss, NULL) == 0);
	__asm__ volatile("fldcw %0" : : "m"(cw));
	run("/proc/self/exe", argv, envp);
}

/* What exec reset and kept, seen from the new image. */
static void check_reset(void)
{
	struct sigaction sa;
	stack_t ss;
	sigset_t set;
	unsigned short cw;

	sigaction(SIGUSR1, NULL, &sa);
	CHECK(sa.sa_handler == SIG_IGN);
	sigaction(SIGUSR2, NULL, &sa);
	CHECK(sa.sa_handler == SIG_DFL);
	sigprocmask(SIG_BLOCK, NULL, &set);
	CHECK(sigismember(&set, SIGTERM));
	sigaltstack(NULL, &ss);
	CHECK(ss.ss_flags == SS_DISABLE);
	__asm__ volatile("fnstcw %0" : "=m"(cw));
	CHECK(cw == 0x37f);
}

/* execveat of this program by its name in its directory, opened as a descriptor. */
static void exec_in_dir(char *const argv[])
{
	char dir[PATH_MAX];
	char *slash;
	int fd;

	strcpy(dir, self);
	slash = strrchr(dir, '/');
	slash[slash == dir] = 0; /* "/name": the root */
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	printf("directory fd: %d\n", fd);
	if (prog_failed)
		exit(1);
	fflush(stdout);
	syscall(SYS_execveat, fd, strrchr(self, '/') + 1, argv, NULL, 0);
	printf("execveat by directory fd: %s\n", prog_errname(errno));
	exit(1);
}

/* Stage 2: argv, envp and auxv as stage 1 gave them; then exec the absolute path. */
static void stage2(int argc, char **argv, char **envp)
{
	char *next[] = { "x", "stage3", NULL };
	const char *execfn = (const char *)getauxval(AT_EXECFN);

	printf("argc: %d\n", argc);
	for (int i = 1; i < argc; i++)
		printf("argv[%d]: \"%s\"\n", i, argv[i]);
	for (int i = 0; envp[i]; i++)
		printf("envp[%d]: \"%s\"\n", i, envp[i]);
	CHECK(argv[argc] == NULL);
	CHECK(strcmp(argv[0], "exec_basic") == 0);
	printf("getenv FOO: %s\n", getenv("FOO"));
	printf("AT_EXECFN: %s\n", execfn);
	CHECK(getauxval(AT_PAGESZ) == 4096);
	CHECK(getauxval(AT_PHDR) != 0 && getauxval(AT_ENTRY) != 0);
	CHECK(getauxval(AT_RANDOM) != 0);
	CHECK(getauxval(AT_UID) == getuid() && getauxval(AT_EGID) == getegid());
	CHECK(getauxval(AT_SECURE) == 0);
	CHECK((char *)execfn > envp[2] && (char *)envp[0] > argv[4]);
	check_reset();
	show_comm();
	exec_in_dir(next);
}

/* Stage 3: no environment; AT_EXECFN /dev/fd/<fd>/<name>; exec with NULL argv. */
static void stage3(int argc, char **argv, char **envp)
{
	char *env[] = { "STAGE=nullargv", NULL };

	printf("argc: %d argv[0]: %s\n", argc, argv[0]);
	CHECK(envp[0] == NULL);
	printf("AT_EXECFN: %s\n", (const char *)getauxval(AT_EXECFN));
	show_comm();
	if (prog_failed)
		exit(1);
	fflush(stdout);
	execve(self, NULL, env);
	printf("execve NULL argv: %s\n", prog_errname(errno));
	exit(1);
}

/* Stage "NULL argv": Linux passes argv { "" }; then 800 KB of arguments. */
static void stage_nullargv(int argc, char **argv)
{
	char *big[BIG_ARGS + 3] = { "exec_basic", "big" };

	printf("argc: %d argv[0]: \"%s\" STAGE=%s\n", argc, argv[0], getenv("STAGE"));
	for (int i = 0; i < BIG_ARGS; i++) {
		memset(bigs[i], 'a' + i, BIG_LEN);
		big[2 + i] = bigs[i];
	}
	run(self, big, NULL);
}

/* Copy this program to `path` (mode 0755). */
static void copy_self(const char *path)
{
	static char buf[1 << 16];
	int in = open(self, O_RDONLY), out = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0755);
	ssize_t n;

	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			break;
	if (in < 0 || out < 0 || close(out) != 0) {
		printf("cannot copy myself to %s\n", path);
		exit(1);
	}
	close(in);
}

/* Stage "big": the long arguments arrived whole; then the copy, as a second program. */
static void stage_big(int argc, char **argv)
{
	char *cargv[] = { "exec_child", "child", "one", "two words", NULL };
	char *cenv[] = { "K=V", "EMPTY=", NULL };
	int ok = argc == BIG_ARGS + 2;

	for (int i = 0; ok && i < BIG_ARGS; i++) {
		ok = strlen(argv[2 + i]) == BIG_LEN;
		for (size_t k = 0; ok && k < BIG_LEN; k++)
			ok = argv[2 + i][k] == 'a' + i;
	}
	printf("big arguments: %d of %d bytes: %s\n", BIG_ARGS, BIG_LEN, ok ? "whole" : "BROKEN");
	if (!ok)
		exit(1);
	copy_self(COPY);
	run(COPY, cargv, cenv);
}

/* Stage "child": the copy prints what it was given, and removes itself. */
static void stage_child(int argc, char **argv, char **envp)
{
	printf("child argc: %d\n", argc);
	for (int i = 1; i < argc; i++)
		printf("child argv[%d]: \"%s\"\n", i, argv[i]);
	for (int i = 0; envp[i]; i++)
		printf("child envp[%d]: \"%s\"\n", i, envp[i]);
	printf("child /proc/self/exe: %s\n", self);
	show_comm();
	CHECK(unlink(COPY) == 0);
	exit(prog_failed);
}

int main(int argc, char **argv, char **envp)
{
	find_self();
	if (argc == 1 && argv[0][0] == 0 && getenv("STAGE"))
		stage_nullargv(argc, argv);
	if (argc < 2)
		stage1();
	if (!strcmp(argv[1], "stage2"))
		stage2(argc, argv, envp);
	if (!strcmp(argv[1], "stage3"))
		stage3(argc, argv, envp);
	if (!strcmp(argv[1], "big"))
		stage_big(argc, argv);
	if (!strcmp(argv[1], "child"))
		stage_child(argc, argv, envp);
	printf("unknown stage %s\n", argv[1]);
	return 1;
}
