/*
 * /proc/self/maps of file and shared mappings: the file's path, its offset
 * and the 's'/'p' bit; "/memfd:name (deleted)" (also once the memfd's fd is
 * closed: the mapping keeps the file); "/dev/zero (deleted)" for shared
 * anonymous memory and shared /dev/zero; mremap and mprotect keep the
 * offsets right. A maps file read again from the start (rewind, pread at 0)
 * shows the mappings of then, not of its open. Addresses, devices and inode
 * numbers are not printed (they differ between machines).
 */
#include "files.h"
#include <stdbool.h>

static char file_path[64];

/* Print the maps line holding addr: rights, offset and the name (the scratch file as "FILE"). */
static void show(const char *what, const void *addr)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512], perms[8], name[400];
	unsigned long start, end, off, ino;
	unsigned dmaj, dmin;

	while (f && fgets(line, sizeof(line), f)) {
		name[0] = 0;
		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %399[^\n]", &start, &end, perms, &off,
			   &dmaj, &dmin, &ino, name) < 7)
			continue;
		if ((uintptr_t)addr < start || (uintptr_t)addr >= end)
			continue;
		if (strcmp(name, file_path) == 0)
			strcpy(name, "FILE");
		printf("%s: %s %lx pages %lu %s\n", what, perms, off, (end - start) / PG,
		       name[0] ? name : "(none)");
		fclose(f);
		return;
	}
	printf("%s: not found\n", what);
	if (f)
		fclose(f);
}

/* Whether the maps text read from f (from where it stands) has a line starting at addr. */
static bool maps_has(FILE *f, const void *addr)
{
	char line[512];
	unsigned long start;

	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-", &start) == 1 && start == (uintptr_t)addr)
			return true;
	return false;
}

/* One open maps file over a mapping made, grown and removed after the open. */
static void rewound(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char *r = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char buf[64];
	int fd = open("/proc/self/maps", O_RDONLY);

	CHECK(f && r != MAP_FAILED && fd >= 0);
	printf("made after the open: %s\n", maps_has(f, r) ? "listed" : "missing");
	CHECK(munmap(r + PG, PG) == 0);
	rewind(f);
	printf("rewound, after a hole: %s\n", maps_has(f, r + 2 * PG) ? "listed" : "missing");
	CHECK(pread(fd, buf, sizeof(buf), 0) > 0);
	CHECK(munmap(r, 3 * PG) == 0);
	CHECK(read(fd, buf, sizeof(buf)) > 0);
	CHECK(pread(fd, buf, sizeof(buf), 0) > 0);
	rewind(f);
	printf("rewound, after munmap: %s\n", maps_has(f, r + 2 * PG) ? "listed" : "missing");
	fclose(f);
	close(fd);
}

int main(void)
{
	int fd, m, z;
	char *s, *p, *a, *mm, *zs, *zp, *q;

	files_scratch(file_path, sizeof(file_path), "/dev/shm", "mmapm");
	fd = open(file_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && ftruncate(fd, 8 * PG) == 0);
	s = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 2 * PG);
	p = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, 5 * PG);
	show("shared file at page 2", s);
	show("private file at page 5", p);
	CHECK(mprotect(s + PG, PG, PROT_READ) == 0);
	show("after mprotect, head", s);
	show("after mprotect, middle", s + PG);
	show("after mprotect, tail", s + 2 * PG);
	CHECK(mprotect(s + PG, PG, PROT_READ | PROT_WRITE) == 0);
	show("merged back", s + 3 * PG);
	q = mremap(s + 2 * PG, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, s + 16 * PG);
	CHECK(q == s + 16 * PG);
	show("moved tail", q);
	m = (int)syscall(SYS_memfd_create, "maps_test", 0);
	CHECK(m >= 0 && ftruncate(m, PG) == 0);
	mm = mmap(NULL, PG, PROT_READ, MAP_SHARED, m, 0);
	show("memfd", mm);
	close(m);
	show("memfd after close", mm);
	a = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	show("shared anonymous", a);
	z = open("/dev/zero", O_RDWR);
	zs = mmap(NULL, PG, PROT_READ, MAP_SHARED, z, 3 * PG);
	zp = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, z, 0);
	show("shared /dev/zero at page 3", zs);
	(void)zp; /* Linux 6.12 names private /dev/zero "/dev/zero" (vm_file kept): not here */
	close(z);
	close(fd);
	unlink(file_path);
	rewound();
	return prog_done();
}
