/*
 * /proc/self/maps of the program's own image, as Linux's binfmt_elf maps it:
 * one private window onto the executable per PT_LOAD (its path, its page
 * offset in the file, the file's device and inode), the bss past the last
 * file page as anonymous memory, and the [heap] after a brk. Addresses are
 * printed relative to the image's first page; the device and inode as
 * "exe" when they are the executable's (stat of /proc/self/exe). smaps'
 * Anonymous counts the pages copied on write only; status's VmExe is the
 * text segment, VmData the private writable mappings (VmLib would count
 * Linux's vdso, which bootmm has not); stat's code and data bounds are the
 * segments' (load_elf_binary's start_code, end_code, start_data,
 * end_data). Linux randomizes the break: the program runs itself again
 * with ADDR_NO_RANDOMIZE (bootmm never randomizes and has no
 * personality(2)), so the break starts after the bss on both.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static char exe[4096];
static struct stat exe_st;
static unsigned long image_base;

/* Print the device and inode columns: "exe" when they are the executable's. */
static void show_ids(unsigned dmaj, unsigned dmin, unsigned long ino)
{
	if (dmaj == major(exe_st.st_dev) && dmin == minor(exe_st.st_dev) && ino == exe_st.st_ino)
		printf("dev=exe ino=exe");
	else if (ino == 0)
		printf("%02x:%02x 0", dmaj, dmin);
	else
		printf("dev=? ino=?");
}

/* The smaps field `key` (kB) of the VMA starting at start, or -1. */
static long smaps_field(unsigned long start, const char *key)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	unsigned long s, e;
	long v = -1, kb;
	int in = 0;

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, ' ') &&
		    line[strcspn(line, " ")] == ' ' && strchr(line, '-') < strchr(line, ' '))
			in = s == start;
		else if (in && strncmp(line, key, strlen(key)) == 0 &&
			 sscanf(line + strlen(key), "%ld", &kb) == 1)
			v = kb;
	}
	if (f)
		fclose(f);
	return v;
}

/* Print one maps line, its addresses relative to base. */
static void show_line(unsigned long start, unsigned long end, unsigned long base,
		      const char *perms, unsigned long off, unsigned dmaj, unsigned dmin,
		      unsigned long ino, const char *name)
{
	printf("+%06lx-+%06lx %s %08lx ", start - base, end - base, perms, off);
	show_ids(dmaj, dmin, ino);
	printf(" %s", strcmp(name, exe) == 0 ? "EXE" : name[0] ? name : "(none)");
	if (base == image_base) /* the heap's pages follow libc's stdio buffers: not shown */
		printf(" anon=%ld", smaps_field(start, "Anonymous:"));
	printf("\n");
}

/*
 * Print the image's lines (its mappings of the executable and the lines
 * right after them, the bss), relative to its first page, then the [heap]
 * line relative to the break's start brk0.
 */
static void show_maps(unsigned long brk0)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512], perms[8], name[400];
	unsigned long start, end, off, ino, last = 0;
	unsigned dmaj, dmin;
	int seen = 0;

	while (f && fgets(line, sizeof(line), f)) {
		name[0] = 0;
		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %399[^\n]", &start, &end, perms, &off,
			   &dmaj, &dmin, &ino, name) < 7)
			continue;
		if (strcmp(name, "[heap]") == 0) {
			printf("heap: ");
			show_line(start, end, brk0, perms, off, dmaj, dmin, ino, name);
		}
		if (!seen && strcmp(name, exe) == 0) {
			image_base = last = start;
			seen = 1;
		}
		if (!seen || start != last || (strcmp(name, exe) != 0 && name[0]))
			continue;
		show_line(start, end, image_base, perms, off, dmaj, dmin, ino, name);
		last = end;
	}
	if (f)
		fclose(f);
	if (!seen)
		printf("no mapping of %s\n", exe);
}

/* Print the status lines named. */
static void show_status(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmExe:", 6) || !strncmp(line, "VmData:", 7))
			fputs(line, stdout);
	if (f)
		fclose(f);
}

/* Print stat's startcode, endcode, start_data and end_data relative to the image. */
static void show_stat_ranges(void)
{
	FILE *f = fopen("/proc/self/stat", "r");
	char buf[1024], *p = NULL;
	unsigned long v[52];
	int n = 0;

	if (f && fgets(buf, sizeof(buf), f))
		p = strrchr(buf, ')');
	if (f)
		fclose(f);
	while (p && n < 50) { /* v[k] is field k + 3 (after the pid and name) */
		p = strchr(p + 1, ' ');
		if (p)
			v[n++] = strtoul(p + 1, NULL, 10);
	}
	if (n < 44) {
		printf("stat: short\n");
		return;
	}
	printf("stat: code +%lx-+%lx data +%lx-+%lx\n", v[23] - image_base, v[24] - image_base,
	       v[42] - image_base, v[43] - image_base);
}

/*
 * Run the program again without randomization if needed (argv: its
 * arguments), then print what the top of the file says. 0, or 1 when the
 * executable or the break cannot be had.
 */
static int elf_maps_show(char **argv)
{
	int persona = personality(0xffffffff);
	long len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	unsigned long brk0;

	if (persona != -1 && !(persona & ADDR_NO_RANDOMIZE)) {
		personality(persona | ADDR_NO_RANDOMIZE);
		execv("/proc/self/exe", argv);
		perror("execv");
		return 1;
	}
	if (len <= 0 || stat(exe, &exe_st) != 0) {
		perror("exe");
		return 1;
	}
	exe[len] = 0;
	brk0 = syscall(SYS_brk, 0);
	printf("brk after the bss: %s\n", brk0 % 4096 == 0 ? "page aligned" : "unaligned");
	if ((unsigned long)syscall(SYS_brk, brk0 + 3 * 4096) != brk0 + 3 * 4096) {
		printf("brk failed\n");
		return 1;
	}
	((volatile char *)brk0)[0] = 1;
	show_maps(brk0);
	show_status();
	show_stat_ranges();
	return 0;
}
