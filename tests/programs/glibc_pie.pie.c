/*
 * A glibc static-pie (gcc -static-pie): the kernel loads it at a bias and
 * glibc relocates itself. Checks what a relocated program relies on:
 * pointers in data (relocated), function pointers, AT_ENTRY/AT_PHDR/AT_BASE
 * against the loaded image, malloc (brk after the image), stdio. First,
 * its /proc/self/maps as a static-pie's (elf_maps.h: each PT_LOAD a window
 * onto the file at the bias, the bss, the [heap] at ELF_ET_DYN_BASE).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include "elf_maps.h"

static int failed;

#define CHECK(cond)                                                        \
	do {                                                               \
		int ok_ = !!(cond);                                        \
		printf("%s: %s\n", #cond, ok_ ? "yes" : "NO");             \
		failed |= !ok_;                                            \
	} while (0)

extern const ElfW(Ehdr) __ehdr_start;
extern void _start(void);
static const char *const words[] = { "relocated", "pointers", "in", "data" };
static int twice(int x) { return 2 * x; }
static int (*const op)(int) = twice;

int main(int argc, char **argv)
{
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)getauxval(AT_PHDR);
	char *heap;
	size_t n = 0;

	(void)argc;
	if (elf_maps_show(argv))
		return 1;
	heap = malloc(100000);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		n += strlen(words[i]);
	printf("%s %s %s %s: %zu letters\n", words[0], words[1], words[2], words[3], n);
	CHECK(op(21) == 42);
	CHECK(__ehdr_start.e_type == ET_DYN);
	CHECK(getauxval(AT_ENTRY) == (unsigned long)_start);
	CHECK(ph == (const ElfW(Phdr) *)((const char *)&__ehdr_start + __ehdr_start.e_phoff));
	CHECK(getauxval(AT_BASE) == 0);
	CHECK((unsigned long)&__ehdr_start % 4096 == 0);
	CHECK(heap != NULL);
	memset(heap, 'x', 100000);
	free(heap);
	return failed;
}
