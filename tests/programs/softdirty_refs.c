/*
 * /proc/self/clear_refs as Linux 6.12: 1 (all), 2 (anonymous), 3 (file and
 * shmem mappings) make pages old, so that smaps' Referenced counts only the
 * pages touched since (only faults are printed: like Linux, clear_refs 1-3
 * flush no TLB entry, so an access through one the CPU still holds marks
 * nothing); 4 (soft-dirty) write-protects every page and the
 * next write faults, yet copy-on-write still copies and a shared mapping
 * stays shared; 5 is taken; anything else is EINVAL. pagemap's present and
 * exclusively-mapped bits. (The soft-dirty bit itself is not printed: the
 * host kernel this is compared with may be built without it.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096

/* Write `what` to /proc/self/clear_refs; prints the result. */
static void clear_refs(const char *what)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);
	ssize_t n;

	if (fd < 0) {
		printf("open clear_refs: %s\n", strerror(errno));
		return;
	}
	n = write(fd, what, strlen(what));
	if (n < 0)
		printf("clear_refs %.1s (%zu bytes): %s\n", what, strlen(what), strerror(errno));
	else
		printf("clear_refs %.1s (%zu bytes): %zd\n", what, strlen(what), n);
	close(fd);
}

/* The kB value of smaps line `key` for the VMA starting at p; -1 when not found. */
static long smaps_kb(void *p, const char *key)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[256];
	int in = 0;
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;

		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, ' ') &&
		    line[strlen(line) - 1] == '\n' && !strstr(line, "kB")) {
			in = s == (unsigned long)p;
			continue;
		}
		if (in && !strncmp(line, key, strlen(key))) {
			v = strtol(line + strlen(key) + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

static void show(const char *what, void *p)
{
	printf("%s: Rss %ld Referenced %ld\n", what, smaps_kb(p, "Rss:"),
	       smaps_kb(p, "Referenced:"));
}

/* pagemap bits 63 (present) and 56 (exclusively mapped) of the page at p. */
static void pagemap(const char *what, void *p)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	uint64_t e = 0;

	if (fd < 0 || pread(fd, &e, 8, (uintptr_t)p / PG * 8) != 8)
		printf("%s: pagemap unreadable\n", what);
	else
		printf("%s: present %d exclusive %d\n", what, (int)(e >> 63 & 1),
		       (int)(e >> 56 & 1));
	if (fd >= 0)
		close(fd);
}

int main(void)
{
	char *a = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *s = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid;
	int st;

	if (a == MAP_FAILED || s == MAP_FAILED)
		return 1;
	memset(a, 1, 4 * PG);
	memset(s, 2, 2 * PG);
	show("anon written", a);
	show("shared written", s);
	pagemap("anon page", a);

	clear_refs("1");
	show("anon after 1", a);
	show("shared after 1", s);
	munmap(a + 3 * PG, PG);
	if (mmap(a + 3 * PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0) == MAP_FAILED)
		return 1;
	a[3 * PG] = 4; /* a fault: a young page */
	show("anon after a fault", a);

	clear_refs("2");
	show("anon after 2", a);
	show("shared after 2", s);
	munmap(a + 3 * PG, PG);
	if (mmap(a + 3 * PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0) == MAP_FAILED)
		return 1;
	a[3 * PG] = 4;
	clear_refs("3");
	show("anon after 3", a);
	show("shared after 3", s);
	memset(a, 4, 3 * PG);

	clear_refs("4");
	a[0] = 9;
	s[0] = 9;
	printf("after 4: %d %d %d %d\n", a[0], a[PG], s[0], s[PG]);

	pid = fork();
	if (pid == 0) {
		clear_refs("4");
		s[PG] = 42; /* shared: the parent sees it */
		a[PG] = 43; /* private: a copy */
		_exit(a[0] == 9 ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	printf("child status %d, parent sees shared %d private %d\n", WEXITSTATUS(st), s[PG],
	       a[PG]);
	pid = fork();
	if (pid == 0) {
		usleep(1000);
		_exit(a[2 * PG] == 4 ? 0 : 1);
	}
	pagemap("anon page shared with a child", a + 2 * PG);
	clear_refs("4");
	a[2 * PG] = 44; /* copy-on-write after the clear */
	waitpid(pid, &st, 0);
	printf("child saw the old byte: %s\n", WEXITSTATUS(st) == 0 ? "yes" : "no");
	pagemap("anon page after the copy", a + 2 * PG);

	clear_refs("5");
	clear_refs("0");
	clear_refs("6");
	clear_refs(" 4\n");
	clear_refs("x");
	munmap(a, 4 * PG);
	munmap(s, 2 * PG);
	return 0;
}
