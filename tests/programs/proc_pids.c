/*
 * /proc for every process: a forked child gets its /proc/<pid>/ (status,
 * stat, mem, exe), /proc/self is the reader's pid, readdir of /proc lists
 * both, a zombie shows as one, and the directory is gone once the child is
 * reaped; a child that dropped root cannot open its parent's mem. Only
 * relations are printed, never pids or addresses.
 */
#include "files.h"
#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>

static char secret[64];

/* The whole text of path into buf (NUL-terminated); the length or -1 with errno. */
static long slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	long n, total = 0;

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + total, size - 1 - (size_t)total)) > 0)
		total += n;
	close(fd);
	buf[total] = '\0';
	return n < 0 ? -1 : total;
}

/* The line of text starting with key (without its newline) into out; 0 when none. */
static int line_of(const char *text, const char *key, char *out, size_t size)
{
	size_t k = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, k) == 0) {
			size_t n = strcspn(p, "\n");

			snprintf(out, size, "%.*s", (int)n, p);
			return 1;
		}
	}
	out[0] = '\0';
	return 0;
}

/* "/proc/<pid>/<file>" into buf. */
static void proc_path(char *buf, size_t size, pid_t pid, const char *file)
{
	snprintf(buf, size, "/proc/%d%s%s", (int)pid, file[0] ? "/" : "", file);
}

/* True when readdir of /proc lists pid. */
static int proc_lists(pid_t pid)
{
	char name[16];
	struct dirent *d;
	DIR *dir = opendir("/proc");
	int found = 0;

	snprintf(name, sizeof(name), "%d", (int)pid);
	while (dir && (d = readdir(dir)))
		found |= strcmp(d->d_name, name) == 0 && d->d_type == DT_DIR;
	if (dir)
		closedir(dir);
	return found;
}

/* The child: a secret in private memory, stop, then report what the parent wrote. */
static void child(char *ro)
{
	strcpy(secret, "child secret");
	kill(getpid(), SIGSTOP);
	_exit((strcmp(secret, "parent wrote") == 0 ? 1 : 0) |
	      (strcmp(ro, "forced") == 0 ? 2 : 0) | 4);
}

/* status and stat of the stopped child, against the parent's own. */
static void check_status(pid_t c)
{
	char path[64], text[4096], mine[4096], line[256], own[256], want[64];

	proc_path(path, sizeof(path), c, "status");
	FR("read child status", slurp(path, text, sizeof(text)));
	FR("read own status", slurp("/proc/self/status", mine, sizeof(mine)));
	line_of(text, "Name:", line, sizeof(line));
	line_of(mine, "Name:", own, sizeof(own));
	CHECK(line[0] && strcmp(line, own) == 0);
	line_of(text, "State:", line, sizeof(line));
	printf("child %s\n", line);
	line_of(mine, "State:", line, sizeof(line));
	printf("own %s\n", line);
	snprintf(want, sizeof(want), "PPid:\t%d", (int)getpid());
	CHECK(line_of(text, want, line, sizeof(line)) && strcmp(line, want) == 0);
	snprintf(want, sizeof(want), "Pid:\t%d", (int)c);
	CHECK(line_of(text, want, line, sizeof(line)) && strcmp(line, want) == 0);
	snprintf(want, sizeof(want), "Uid:\t%d\t%d\t%d\t%d", getuid(), geteuid(), getuid(), getuid());
	CHECK(line_of(text, "Uid:", line, sizeof(line)) && strcmp(line, want) == 0);
	snprintf(want, sizeof(want), "Gid:\t%d\t%d\t%d\t%d", getgid(), getegid(), getgid(), getgid());
	CHECK(line_of(text, "Gid:", line, sizeof(line)) && strcmp(line, want) == 0);
	proc_path(path, sizeof(path), c, "stat");
	FR("read child stat", slurp(path, text, sizeof(text)));
	snprintf(want, sizeof(want), "%d (", (int)c);
	CHECK(strncmp(text, want, strlen(want)) == 0);
	snprintf(want, sizeof(want), ") T %d ", (int)getpid());
	CHECK(strstr(text, want) != NULL);
}

/* /proc/<c>/mem: read the child's secret, write it and a read-only page, EIO where unmapped. */
static void check_mem(pid_t c, char *ro)
{
	char path[64], buf[64] = {0};
	int fd;

	proc_path(path, sizeof(path), c, "mem");
	fd = open(path, O_RDWR);
	FR("open child mem", fd);
	FV("pread secret", pread(fd, buf, 13, (off_t)(uintptr_t)secret));
	printf("child's secret: %s, mine: \"%s\"\n", buf, secret);
	FV("pwrite secret", pwrite(fd, "parent wrote", 13, (off_t)(uintptr_t)secret));
	FV("pwrite read-only page", pwrite(fd, "forced", 7, (off_t)(uintptr_t)ro));
	printf("my read-only page still: \"%s\"\n", ro);
	errno = 0;
	printf("pread unmapped: %s\n", pread(fd, buf, 8, 0x10000) < 0 && errno == EIO ? "EIO" : "?");
	FV("pread last page then hole", pread(fd, buf, 16, (off_t)(uintptr_t)(ro + PG - 8)));
	close(fd);
}

/* The child as a zombie, then reaped. */
static void check_zombie(pid_t c)
{
	char path[64], text[4096], line[256];
	siginfo_t si;
	int st = 0;

	FR("waitid WNOWAIT", waitid(P_PID, (id_t)c, &si, WEXITED | WNOWAIT));
	proc_path(path, sizeof(path), c, "status");
	FR("read zombie status", slurp(path, text, sizeof(text)));
	line_of(text, "State:", line, sizeof(line));
	printf("zombie %s\n", line);
	CHECK(strstr(text, "Umask:") == NULL && strstr(text, "VmRSS:") == NULL);
	proc_path(path, sizeof(path), c, "maps");
	FV("zombie maps bytes", slurp(path, text, sizeof(text)));
	proc_path(path, sizeof(path), c, "exe");
	FR("readlink zombie exe", readlink(path, line, sizeof(line)));
	CHECK(proc_lists(c));
	FR("waitpid", waitpid(c, &st, 0));
	printf("child exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
	proc_path(path, sizeof(path), c, "status");
	FR("open reaped status", open(path, O_RDONLY));
	proc_path(path, sizeof(path), c, "");
	FR("stat reaped dir", stat(path, &(struct stat){0}));
	CHECK(!proc_lists(c));
}

/* /proc/self, exe and smaps_rollup of the reader. */
static void check_self(void)
{
	char link[256], want[16], text[8192], line[256];
	long n = readlink("/proc/self", link, sizeof(link) - 1);

	link[n > 0 ? n : 0] = '\0';
	snprintf(want, sizeof(want), "%d", (int)getpid());
	CHECK(strcmp(link, want) == 0);
	n = readlink("/proc/self/exe", link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	CHECK(n >= 10 && strcmp(link + n - 10, "/proc_pids") == 0);
	FR("read smaps_rollup", slurp("/proc/self/smaps_rollup", text, sizeof(text)));
	CHECK(line_of(text, "Rss:", line, sizeof(line)) && strstr(text, "[rollup]\n") != NULL);
	CHECK(line_of(text, "Pss_Anon:", line, sizeof(line)));
}

/* A child that dropped root: its status ids, the parent's mem refused, its own allowed. */
static void check_dropped(void)
{
	char path[64], text[4096], line[256];
	pid_t parent = getpid(), c = fork();
	int st = 0, fd, bits;

	if (c == 0) {
		bits = setresgid(100, 100, 100) == 0 && setresuid(1000, 1000, 1000) == 0;
		proc_path(path, sizeof(path), parent, "mem");
		errno = 0;
		fd = open(path, O_RDONLY);
		bits |= (fd < 0 && errno == EACCES) << 1;
		slurp("/proc/self/status", text, sizeof(text));
		line_of(text, "Uid:", line, sizeof(line));
		bits |= (strcmp(line, "Uid:\t1000\t1000\t1000\t1000") == 0) << 2;
		line_of(text, "Gid:", line, sizeof(line));
		bits |= (strcmp(line, "Gid:\t100\t100\t100\t100") == 0) << 3;
		fd = open("/proc/self/mem", O_RDONLY);
		bits |= (fd >= 0) << 4;
		_exit(bits);
	}
	FR("waitpid dropped", waitpid(c, &st, 0));
	bits = WEXITSTATUS(st);
	printf("dropped: setres %d, parent's mem EACCES %d, Uid %d, Gid %d, own mem %d\n",
	       bits & 1, bits >> 1 & 1, bits >> 2 & 1, bits >> 3 & 1, bits >> 4 & 1);
}

int main(void)
{
	char *ro = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int st = 0;
	pid_t c;

	munmap(ro + PG, PG); /* a hole after the page */
	strcpy(ro, "read-only");
	mprotect(ro, PG, PROT_READ);
	c = fork();
	if (c == 0)
		child(ro);
	FR("fork", c);
	FR("waitpid WUNTRACED", waitpid(c, &st, WUNTRACED));
	printf("child stopped %d\n", WIFSTOPPED(st));
	CHECK(proc_lists(c) && proc_lists(getpid()));
	check_self();
	check_status(c);
	check_mem(c, ro);
	kill(c, SIGCONT);
	check_zombie(c);
	check_dropped();
	return prog_done();
}
