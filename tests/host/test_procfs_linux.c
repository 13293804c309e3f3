/*
 * Differential tests of the /proc generators against this Linux host: the
 * test process maps and touches memory in a private window of its own
 * address space with real syscalls and does the same through as_* on an
 * aspace at the same addresses; then the lines of its /proc/self/maps and
 * the entries of /proc/self/smaps for the window must equal what
 * procfs_maps/procfs_smaps print, byte for byte.
 *
 * Normalised, because this host's kernel is not the reference's build:
 * "sd " is dropped from our VmFlags when the host kernel has no
 * CONFIG_MEM_SOFT_DIRTY (its VmFlags never say sd), and THPeligible is
 * compared only where the host's THP mode is "always" or the VMA holds no
 * aligned 2 MiB block (0 in every mode). Reads map the shared zero page on
 * both sides: present in pagemap, counted nowhere in smaps.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "fs/procfs.h"
#include "mm/aspace.h"
#include "support/as_testlib.h"
#include "support/host_mm.h"

#define LX_BASE (0x500000000000ULL + GiB(192)) /* 2 MiB aligned, far from the test's own maps */
#define LX_SPAN MiB(8)

static struct aspace *as;
static struct procfs_task task;
static bool host_sd, host_thp_always;

static void setup(void)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	char mode[128] = "";

	host_mm_setup(MiB(512));
	as = as_create();
	cr_assert_not_null(as);
	task = (struct procfs_task){.as = as, .pid = 1, .comm = "t", .threads = 1};
	if (f) {
		if (!fgets(mode, sizeof(mode), f))
			mode[0] = '\0';
		fclose(f);
	}
	host_thp_always = strstr(mode, "[always]") != NULL;
}

static void teardown(void)
{
	munmap((void *)LX_BASE, LX_SPAN);
	as_destroy(as);
}

TestSuite(procfs_linux, .init = setup, .fini = teardown);

/* mmap on both sides at LX_BASE + off; both must give that address. */
static void both_mmap(uint64_t off, uint64_t len, int prot)
{
	void *p = mmap((void *)(LX_BASE + off), len, prot,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	cr_assert_eq((uint64_t)p, LX_BASE + off, "host mmap: %m");
	cr_assert_eq(as_mmap(as, LX_BASE + off, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED),
		     (long)(LX_BASE + off));
}

/* mprotect on both sides. */
static void both_mprotect(uint64_t off, uint64_t len, int prot)
{
	cr_assert_eq(mprotect((void *)(LX_BASE + off), len, prot), 0);
	cr_assert_eq(as_mprotect(as, LX_BASE + off, len, prot), 0);
}

/* Write one byte at LX_BASE + off on both sides. */
static void both_write(uint64_t off)
{
	*(volatile char *)(LX_BASE + off) = 1;
	cr_assert_eq(as_test_write(as, LX_BASE + off, "\1", 1), AS_FAULT_OK);
}

/* Read one byte at LX_BASE + off on both sides (a zero page where nothing was written). */
static void both_read(uint64_t off)
{
	char b;

	(void)*(volatile char *)(LX_BASE + off);
	cr_assert_eq(as_test_read(as, LX_BASE + off, &b, 1), AS_FAULT_OK);
}

/* The pagemap entries of n pages from LX_BASE + off, the host's and ours. */
static void both_pagemap(uint64_t off, int n, uint64_t *host, uint64_t *ours)
{
	uint64_t pos = (LX_BASE + off) / PAGE_SIZE * 8;
	FILE *f = fopen("/proc/self/pagemap", "r");

	cr_assert_not_null(f);
	cr_assert_eq(fseek(f, (long)pos, SEEK_SET), 0);
	cr_assert_eq(fread(host, 8, (size_t)n, f), (size_t)n);
	fclose(f);
	cr_assert_eq(procfs_pagemap_read(&task, pos, ours, (size_t)n * 8), (long)n * 8);
}

/* Keep the lines of text (maps) or the entries (smaps) whose range starts in the window. */
static char *window_part(const char *text)
{
	size_t cap = strlen(text) + 1, len = 0;
	char *out = calloc(1, cap);
	bool keep = false;

	cr_assert_not_null(out);
	for (const char *line = text; *line;) {
		const char *end = strchr(line, '\n');
		unsigned long long s;
		char dash;
		size_t n = end ? (size_t)(end - line + 1) : strlen(line);

		if (sscanf(line, "%llx%c", &s, &dash) == 2 && dash == '-')
			keep = s >= LX_BASE && s < LX_BASE + LX_SPAN;
		if (keep) {
			memcpy(out + len, line, n);
			len += n;
		}
		line += n;
	}
	return out;
}

/* The whole of a /proc/self file. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t cap = 1 << 16, len = 0, n;
	char *buf = malloc(cap);

	cr_assert(f && buf);
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
			cr_assert_not_null(buf);
		}
	}
	buf[len] = '\0';
	fclose(f);
	return buf;
}

/* Drop each line starting with `prefix` from text (in place). */
static void drop_lines(char *text, const char *prefix)
{
	char *r = text, *w = text;

	while (*r) {
		char *end = strchr(r, '\n');
		size_t n = end ? (size_t)(end - r + 1) : strlen(r);

		if (strncmp(r, prefix, strlen(prefix)) != 0) {
			memmove(w, r, n);
			w += n;
		}
		r += n;
	}
	*w = '\0';
}

/* Drop every "sd " token from text (in place). */
static void drop_sd(char *text)
{
	char *p;

	while ((p = strstr(text, " sd ")) != NULL)
		memmove(p + 1, p + 4, strlen(p + 4) + 1);
}

/* Compare the window's part of a host file with ours; prints both on a difference. */
static void compare(const char *path, int (*gen)(const struct procfs_task *, struct procfs_buf *),
		    bool thp_comparable)
{
	char *host_all = slurp(path), *host = window_part(host_all), *ours;
	struct procfs_buf b;

	procfs_buf_init(&b);
	cr_assert_eq(gen(&task, &b), 0);
	ours = window_part(b.data);
	cr_assert_neq(host[0], '\0', "the host shows nothing in the window");
	host_sd = strstr(host, "VmFlags:") == NULL || strstr(host, " sd ") != NULL;
	if (!host_sd)
		drop_sd(ours);
	if (!thp_comparable && !host_thp_always) {
		drop_lines(host, "THPeligible:");
		drop_lines(ours, "THPeligible:");
	}
	if (getenv("PROCFS_LINUX_SHOW"))
		fprintf(stderr, "%s", host);
	cr_assert_str_eq(ours, host, "%s differs:\n--- ours\n%s--- host\n%s", path, ours, host);
	free(host_all);
	free(host);
	free(ours);
	procfs_buf_free(&b);
}

Test(procfs_linux, private_pages_touched)
{
	both_mmap(0, 5 * PAGE_SIZE, PROT_READ | PROT_WRITE);
	both_write(0);
	both_write(2 * PAGE_SIZE + 100);
	compare("/proc/self/maps", procfs_maps, true);
	compare("/proc/self/smaps", procfs_smaps, true);
}

Test(procfs_linux, mprotect_splits_and_accounts)
{
	both_mmap(0, 6 * PAGE_SIZE, PROT_READ);
	both_mprotect(2 * PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE);
	both_write(3 * PAGE_SIZE);
	both_mmap(MiB(1), 3 * PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC);
	both_write(MiB(1) + PAGE_SIZE);
	both_mmap(MiB(2), PAGE_SIZE, PROT_NONE);
	compare("/proc/self/maps", procfs_maps, true);
	compare("/proc/self/smaps", procfs_smaps, true);
}

Test(procfs_linux, munmap_hole_and_merge)
{
	both_mmap(0, 8 * PAGE_SIZE, PROT_READ | PROT_WRITE);
	for (int i = 0; i < 8; i++)
		both_write((uint64_t)i * PAGE_SIZE);
	cr_assert_eq(munmap((void *)(LX_BASE + 3 * PAGE_SIZE), 2 * PAGE_SIZE), 0);
	cr_assert_eq(as_munmap(as, LX_BASE + 3 * PAGE_SIZE, 2 * PAGE_SIZE), 0);
	compare("/proc/self/maps", procfs_maps, true);
	compare("/proc/self/smaps", procfs_smaps, true);
}

Test(procfs_linux, large_vma_thp)
{
	both_mmap(0, MiB(4), PROT_READ | PROT_WRITE);
	/* Eligibility of a VMA holding two aligned 2 MiB blocks: 1 under "always". */
	compare("/proc/self/maps", procfs_maps, true);
	compare("/proc/self/smaps", procfs_smaps, false);
}

/* The line of the window's smaps text starting with `field` (copied into out). */
static void smaps_field(const char *text, const char *field, char *out, size_t size)
{
	const char *p = strstr(text, field);
	const char *end = p ? strchr(p, '\n') : NULL;

	cr_assert(p && end && (size_t)(end - p) < size, "no %s in\n%s", field, text);
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
}

Test(procfs_linux, touched_2mib_block_is_one_huge_leaf)
{
	char *host_all, *host, h[64], o[64];
	struct procfs_buf b;

	both_mmap(0, MiB(4), PROT_READ | PROT_WRITE);
	/* The host takes THP here only when asked (its mode may be madvise); ours always. */
	cr_assert_eq(madvise((void *)LX_BASE, MiB(4), MADV_HUGEPAGE), 0);
	both_write(MiB(2) + 0x1234);
	host_all = slurp("/proc/self/smaps");
	host = window_part(host_all);
	smaps_field(host, "AnonHugePages:", h, sizeof(h));
	if (strcmp(h, "AnonHugePages:      2048 kB") != 0) {
		cr_log_warn("the host found no free 2 MiB page (%s): nothing to compare", h);
		free(host_all);
		free(host);
		return;
	}
	procfs_buf_init(&b);
	cr_assert_eq(procfs_smaps(&task, &b), 0);
	for (int i = 0; i < 4; i++) {
		static const char *const fields[] = {"Rss:", "Private_Dirty:", "Anonymous:",
						     "AnonHugePages:"};

		smaps_field(host, fields[i], h, sizeof(h));
		smaps_field(b.data, fields[i], o, sizeof(o));
		cr_assert_str_eq(o, h);
	}
	procfs_buf_free(&b);
	free(host_all);
	free(host);
}

/* The keys ("Name:" ...) of a status text, one per line, into out. */
static void status_keys(const char *text, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (const char *line = text; *line;) {
		const char *colon = strchr(line, ':'), *end = strchr(line, '\n');

		cr_assert(colon && end && colon < end, "bad status line in\n%s", text);
		cr_assert_lt(len + (size_t)(colon - line) + 2, size);
		memcpy(out + len, line, (size_t)(colon - line));
		len += (size_t)(colon - line);
		out[len++] = '\n';
		out[len] = '\0';
		line = end + 1;
	}
}

Test(procfs_linux, status_lines_in_linux_order)
{
	char *host_all = slurp("/proc/self/status"), host[2048], ours[2048];
	struct procfs_buf b;

	procfs_buf_init(&b);
	cr_assert_eq(procfs_status(&task, &b), 0);
	status_keys(host_all, host, sizeof(host));
	status_keys(b.data, ours, sizeof(ours));
	/* x86_Thread_features* print only in kernels with user shadow stacks (Debian 6.12's). */
	if (!strstr(host, "x86_Thread_features\n")) {
		char *p = strstr(ours, "x86_Thread_features\n");

		cr_assert_not_null(p);
		*p = '\0';
	}
	cr_assert_str_eq(ours, host);
	procfs_buf_free(&b);
	free(host_all);
}

Test(procfs_linux, pagemap_present_and_exclusive_bits)
{
	const uint64_t mask = ~(PROCFS_PM_PFN_MASK | PROCFS_PM_SOFT_DIRTY);
	uint64_t host[6], ours[6], pos = (LX_BASE - PAGE_SIZE) / PAGE_SIZE * 8;
	FILE *f;

	both_mmap(0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE);
	both_write(0);
	both_write(2 * PAGE_SIZE);
	f = fopen("/proc/self/pagemap", "r");
	cr_assert_not_null(f);
	cr_assert_eq(fseek(f, (long)pos, SEEK_SET), 0);
	cr_assert_eq(fread(host, 8, 6, f), 6);
	fclose(f);
	cr_assert_eq(procfs_pagemap_read(&task, pos, ours, sizeof(ours)), (long)sizeof(ours));
	for (int i = 0; i < 6; i++)
		cr_assert_eq(ours[i] & mask, host[i] & mask, "page %d: ours %#llx host %#llx",
			     i - 1, (unsigned long long)ours[i], (unsigned long long)host[i]);
	cr_assert(ours[1] & PROCFS_PM_PRESENT, "the written page is present");
	cr_assert(!(ours[2] & PROCFS_PM_PRESENT));
}

/*
 * Reads map the zero page on both sides: smaps counts none of it (Rss,
 * Anonymous, Referenced), pagemap shows it present but not exclusive; a
 * write after the read takes a page of its own; MADV_POPULATE_READ too.
 */
Test(procfs_linux, zero_page_reads)
{
	const uint64_t mask = ~(PROCFS_PM_PFN_MASK | PROCFS_PM_SOFT_DIRTY);
	uint64_t host[8], ours[8];

	both_mmap(0, 8 * PAGE_SIZE, PROT_READ | PROT_WRITE);
	both_read(PAGE_SIZE);
	both_read(3 * PAGE_SIZE + 5);
	both_read(4 * PAGE_SIZE);
	both_write(4 * PAGE_SIZE + 9);
	both_write(6 * PAGE_SIZE);
	cr_assert_eq(madvise((void *)(LX_BASE + 7 * PAGE_SIZE), PAGE_SIZE, 22), 0);
	cr_assert_eq(as_madvise(as, LX_BASE + 7 * PAGE_SIZE, PAGE_SIZE, 22), 0);
	compare("/proc/self/smaps", procfs_smaps, true);
	both_pagemap(0, 8, host, ours);
	for (int i = 0; i < 8; i++)
		cr_assert_eq(ours[i] & mask, host[i] & mask, "page %d: ours %#llx host %#llx", i,
			     (unsigned long long)ours[i], (unsigned long long)host[i]);
	cr_assert(ours[1] & PROCFS_PM_PRESENT);
	cr_assert(!(ours[1] & PROCFS_PM_EXCLUSIVE));
	cr_assert_eq(ours[1] & PROCFS_PM_PFN_MASK, 0, "no PFN for a non-admin reader");
}

/* A read of an aligned 2 MiB block under MADV_HUGEPAGE maps the huge zero page on both sides. */
Test(procfs_linux, huge_zero_page_read)
{
	const uint64_t mask = ~(PROCFS_PM_PFN_MASK | PROCFS_PM_SOFT_DIRTY);
	uint64_t host[4], ours[4];

	both_mmap(0, MiB(4), PROT_READ | PROT_WRITE);
	cr_assert_eq(madvise((void *)LX_BASE, MiB(4), MADV_HUGEPAGE), 0);
	cr_assert_eq(as_madvise(as, LX_BASE, MiB(4), MADV_HUGEPAGE), 0);
	both_read(MiB(2) + 0x1234);
	both_pagemap(MiB(2), 4, host, ours);
	if (!(host[0] & PROCFS_PM_FILE)) {
		cr_log_warn("the host mapped no huge zero page (%#llx): nothing to compare",
			    (unsigned long long)host[0]);
		return;
	}
	for (int i = 0; i < 4; i++)
		cr_assert_eq(ours[i] & mask, host[i] & mask, "page %d: ours %#llx host %#llx", i,
			     (unsigned long long)ours[i], (unsigned long long)host[i]);
	compare("/proc/self/smaps", procfs_smaps, true);
}

Test(procfs_linux, status_name_escaped_as_linux)
{
	static const char comm[] = "a\nb\\c d";
	char *host_all, *end;
	struct procfs_buf b;

	cr_assert_eq(prctl(PR_SET_NAME, (unsigned long)comm, 0, 0, 0), 0);
	host_all = slurp("/proc/self/status");
	end = strchr(host_all, '\n');
	cr_assert_not_null(end);
	end[1] = '\0';
	task.comm = comm;
	procfs_buf_init(&b);
	cr_assert_eq(procfs_status(&task, &b), 0);
	cr_assert_eq(strncmp(b.data, host_all, strlen(host_all)), 0, "ours %.20s, host %s",
		     b.data, host_all);
	cr_assert_str_eq(host_all, "Name:\ta\\nb\\\\c d\n");
	procfs_buf_free(&b);
	free(host_all);
}
