/*
 * execve of a glibc static-pie: it execs itself (/proc/self/exe) twice with
 * arguments and environment; each image checks that it was loaded whole at
 * its bias (AT_ENTRY is _start, AT_PHDR its program headers, relocated
 * pointers in data), that the arguments and AT_EXECFN arrived, and that
 * malloc works (a break of its own, after exec too).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

static int failed;

#define CHECK(cond)                                                        \
	do {                                                               \
		int ok_ = !!(cond);                                        \
		printf("%s: %s\n", #cond, ok_ ? "yes" : "NO");             \
		failed |= !ok_;                                            \
	} while (0)

extern const ElfW(Ehdr) __ehdr_start;
extern void _start(void);
static const char *const words[] = { "relocated", "after", "exec" };

/* What every image checks about itself. */
static void check_image(void)
{
	char *p = malloc(100000);

	CHECK(getauxval(AT_ENTRY) == (unsigned long)_start);
	CHECK(getauxval(AT_PHDR) == (unsigned long)&__ehdr_start + __ehdr_start.e_phoff);
	CHECK(strcmp(words[2], "exec") == 0);
	CHECK(p != NULL);
	if (p)
		memset(p, 1, 100000);
	free(p);
}

int main(int argc, char **argv)
{
	int round = argc > 1 ? atoi(argv[1]) : 0;
	char next[16];
	char *nargv[] = { "exec_pie", next, "second arg", NULL };
	char *nenv[] = { "PIE=1", NULL };

	printf("round %d: argc %d", round, argc);
	for (int i = 2; i < argc; i++)
		printf(" [%s]", argv[i]);
	printf(" PIE=%s AT_EXECFN=%s\n", getenv("PIE") ? getenv("PIE") : "(none)",
	       round ? (const char *)getauxval(AT_EXECFN) : "(first)");
	check_image();
	if (round == 2 || failed)
		return failed;
	snprintf(next, sizeof(next), "%d", round + 1);
	fflush(stdout);
	execve("/proc/self/exe", nargv, nenv);
	printf("execve: %s\n", strerror(errno));
	return 1;
}
