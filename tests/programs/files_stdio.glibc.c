/*
 * glibc's stdio and dirent over the file calls: fopen modes, fseek/ftell,
 * mkstemp, tmpfile (glibc tries O_TMPFILE first), fdopen, opendir/readdir,
 * remove, realpath of a relative path. Files live in /tmp and go at the end.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failed;

#define CHECK(c)                                                                 \
	do {                                                                     \
		int ok_ = !!(c);                                                 \
		printf("%s: %s\n", #c, ok_ ? "yes" : "NO");                      \
		failed |= !ok_;                                                  \
	} while (0)

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	char dir[64], path[128], line[64], *names[16];
	int n = 0, fd;
	FILE *f;
	DIR *d;
	struct dirent *e;
	struct stat st;

	snprintf(dir, sizeof(dir), "/tmp/bootmm_stdio_%d", (int)getpid());
	CHECK(mkdir(dir, 0700) == 0);
	snprintf(path, sizeof(path), "%s/a.txt", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	for (int i = 0; i < 1000; i++)
		fprintf(f, "line %04d\n", i);
	CHECK(fclose(f) == 0);
	CHECK(stat(path, &st) == 0 && st.st_size == 10000);
	f = fopen(path, "r+");
	CHECK(fseek(f, 5000, SEEK_SET) == 0 && ftell(f) == 5000);
	CHECK(fgets(line, sizeof(line), f) && !strcmp(line, "line 0500\n"));
	CHECK(fseek(f, -10, SEEK_END) == 0);
	CHECK(fputs("LAST LINE\n", f) >= 0);
	CHECK(fclose(f) == 0);
	f = fopen(path, "r");
	CHECK(fseek(f, -10, SEEK_END) == 0 && fgets(line, sizeof(line), f));
	printf("last: %s", line);
	fclose(f);
	CHECK(fopen(path, "wx") == NULL && errno == EEXIST);
	CHECK(fopen("/tmp/bootmm_never/x", "w") == NULL && errno == ENOENT);

	snprintf(path, sizeof(path), "%s/tmpXXXXXX", dir);
	fd = mkstemp(path);
	CHECK(fd >= 0);
	f = fdopen(fd, "w+");
	CHECK(fprintf(f, "%s", "mkstemp\n") == 8);
	rewind(f);
	CHECK(fgets(line, sizeof(line), f) && !strcmp(line, "mkstemp\n"));
	fclose(f);

	f = tmpfile();
	CHECK(f != NULL);
	CHECK(fwrite("anonymous", 1, 9, f) == 9);
	rewind(f);
	memset(line, 0, sizeof(line));
	CHECK(fread(line, 1, 64, f) == 9 && !strcmp(line, "anonymous"));
	CHECK(fstat(fileno(f), &st) == 0 && st.st_nlink == 0);
	fclose(f);

	d = opendir(dir);
	CHECK(d != NULL);
	while ((e = readdir(d)) && n < 16)
		names[n++] = strdup(strncmp(e->d_name, "tmp", 3) ? e->d_name : "tmpXXXXXX");
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp);
	printf("entries:");
	for (int i = 0; i < n; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
	CHECK(chdir(dir) == 0);
	char *rp = realpath("./a.txt", NULL);
	CHECK(rp && strlen(rp) > 6 && !strcmp(rp + strlen(rp) - 6, "/a.txt"));
	free(rp);
	CHECK(remove("a.txt") == 0);
	CHECK(remove(path) == 0);
	CHECK(chdir("/") == 0);
	CHECK(remove(dir) == 0);
	CHECK(access(dir, F_OK) == -1 && errno == ENOENT);
	printf("%s\n", failed ? "FAILED" : "done");
	return failed;
}
