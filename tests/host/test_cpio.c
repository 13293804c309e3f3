/*
 * Host tests of the cpio "newc" unpacker (src/fs/cpio.c) and the in-memory
 * file tree (src/fs/vfs.c) over the host heap: good archives, every
 * truncation, each malformation with its reason, allocation failure at
 * every point, big directories. Every test ends with the heap empty.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/cpio.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "support/host_mm.h"

struct arc {
	uint8_t *buf;
	size_t len, cap;
};

static void arc_put(struct arc *a, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (a->len + n > a->cap) {
		a->cap = (a->len + n) * 2 + 256;
		a->buf = realloc(a->buf, a->cap);
		cr_assert_not_null(a->buf);
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void arc_pad(struct arc *a)
{
	static const uint8_t zeros[4];

	arc_put(a, zeros, (4 - a->len % 4) % 4);
}

/* One newc entry (magic 070701, or 070702 with the data's checksum when crc). */
static void arc_entry_x(struct arc *a, const char *name, uint32_t mode, const void *data,
			size_t size, bool crc)
{
	char h[CPIO_HEADER_SIZE + 1];
	uint32_t sum = 0;

	for (size_t i = 0; crc && i < size; i++)
		sum += ((const uint8_t *)data)[i];
	snprintf(h, sizeof(h), "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 crc ? "070702" : "070701", 1u, mode, 0u, 0u, 1u, 1700000000u, (unsigned)size,
		 0u, 0u, 1u, 3u, (unsigned)strlen(name) + 1, sum);
	arc_put(a, h, CPIO_HEADER_SIZE);
	arc_put(a, name, strlen(name) + 1);
	arc_pad(a);
	arc_put(a, data, size);
	arc_pad(a);
}

static void arc_entry(struct arc *a, const char *name, uint32_t mode, const char *data)
{
	arc_entry_x(a, name, mode, data, data ? strlen(data) : 0, false);
}

static void arc_trailer(struct arc *a)
{
	arc_entry(a, "TRAILER!!!", 0, NULL);
}

static size_t frames0;

static void setup(void)
{
	host_mm_setup(MiB(64));
	frames0 = pmm_free_frames();
}

/* Everything the tree took is back. */
static void expect_all_freed(void)
{
	cr_expect_eq(heap_bytes_in_use(), 0, "heap: %zu bytes in use", heap_bytes_in_use());
	cr_expect_eq(pmm_free_frames(), frames0);
}

TestSuite(cpio, .init = setup);

/* A small tree of every kind, as the runner writes it. */
static void sample(struct arc *a)
{
	arc_entry(a, ".", VFS_S_IFDIR | 0700, NULL);
	arc_entry(a, "bootmm", VFS_S_IFDIR | 0755, NULL);
	arc_entry(a, "bootmm/manifest", VFS_S_IFREG | 0644, "prog 0 hello /bin/hello\n");
	arc_entry(a, "bin/hello", VFS_S_IFREG | 0755, "\177ELF...");
	arc_entry(a, "./data/deep/er/file.txt", VFS_S_IFREG | 0600, "x");
	arc_entry(a, "/empty", VFS_S_IFREG | 0644, NULL);
	arc_entry(a, "lnk", VFS_S_IFLNK | 0777, "bin/hello");
	arc_entry(a, "dev/null", VFS_S_IFCHR | 0666, NULL);
	arc_trailer(a);
}

Test(cpio, unpacks_every_kind_without_copying)
{
	struct arc a = {0};
	struct cpio_report r;
	struct vfs_node *root = vfs_new_root(0755), *n;
	char path[64];

	sample(&a);
	cr_assert_eq(cpio_unpack(root, a.buf, a.len, 0, &r), 0, "%s", r.why);
	cr_expect_str_empty(r.why);
	cr_expect_eq(r.entries, 8);
	cr_expect_eq(r.files, 4);
	cr_expect_eq(r.dirs, 2);
	cr_expect_eq(r.symlinks, 1);
	cr_expect_eq(r.special, 1);
	cr_expect_eq(r.bytes, strlen("prog 0 hello /bin/hello\n") + 7 + 1);
	cr_expect_eq(root->mode, VFS_S_IFDIR | 0700);
	n = vfs_walk(root, "/bin/hello");
	cr_assert_not_null(n);
	cr_expect_eq(n->mode, VFS_S_IFREG | 0755);
	cr_expect_eq(n->size, 7);
	cr_expect(n->data > (void *)a.buf && n->data < (void *)(a.buf + a.len), "borrowed");
	cr_expect_eq(memcmp(n->data, "\177ELF...", 7), 0);
	cr_expect_eq(n->mtime, 1700000000u);
	cr_expect_eq(vfs_walk(root, "bin")->mode, VFS_S_IFDIR | 0755); /* created as parent */
	n = vfs_walk(root, "data/deep/./er/../er/file.txt");
	cr_assert_not_null(n);
	cr_expect_eq(vfs_path(n, path, sizeof(path)), 0);
	cr_expect_str_eq(path, "/data/deep/er/file.txt");
	cr_expect_eq(vfs_path(root, path, sizeof(path)), 0);
	cr_expect_str_eq(path, "/");
	cr_expect_eq(vfs_path(n, path, 10), -ENAMETOOLONG);
	cr_expect_eq(vfs_walk(root, "empty")->size, 0);
	n = vfs_walk(root, "lnk");
	cr_expect_eq(n->size, 9);
	cr_expect_eq(memcmp(n->data, "bin/hello", 9), 0);
	n = vfs_walk(root, "dev/null");
	cr_expect_eq(n->mode, VFS_S_IFCHR | 0666);
	cr_expect_eq(n->rdev_major, 1);
	cr_expect_eq(n->rdev_minor, 3);
	cr_expect_null(vfs_walk(root, "bin/hello/x"));
	cr_expect_null(vfs_walk(root, "nothing"));
	cr_expect_eq(vfs_walk(root, ".."), root);
	cr_expect_eq(vfs_check(root), 0);
	/* creation order: bootmm, bin, data, empty, lnk, dev */
	n = vfs_first_child(root);
	cr_expect_str_eq(n->name, "bootmm");
	cr_expect_str_eq(vfs_next_sibling(n)->name, "bin");
	cr_expect_str_eq(root->last->name, "dev");
	vfs_free(root);
	free(a.buf);
	expect_all_freed();
}

Test(cpio, copy_flag_copies)
{
	struct arc a = {0};
	struct cpio_report r;
	struct vfs_node *root = vfs_new_root(0755), *n;

	sample(&a);
	cr_assert_eq(cpio_unpack(root, a.buf, a.len, CPIO_COPY, &r), 0, "%s", r.why);
	n = vfs_walk(root, "bin/hello");
	cr_expect(n->data < (void *)a.buf || n->data >= (void *)(a.buf + a.len));
	cr_expect_eq(n->data_flags, VFS_DATA_OWNED);
	memset(a.buf, 0, a.len);
	cr_expect_eq(memcmp(n->data, "\177ELF...", 7), 0);
	vfs_free(root);
	free(a.buf);
	expect_all_freed();
}

Test(cpio, every_truncation_fails_cleanly)
{
	struct arc a = {0};
	struct cpio_report r;

	sample(&a);
	for (size_t len = 0; len < a.len; len++) {
		struct vfs_node *root = vfs_new_root(0755);
		uint8_t *copy = malloc(len + 1); /* exact size: ASan sees any overread */
		int err;

		memcpy(copy, a.buf, len);
		err = cpio_unpack(root, copy, len, 0, &r);
		/* Only the trailer's own padding may be missing. */
		if (len >= a.len - 3) {
			cr_expect_eq(err, 0, "len %zu: %s", len, r.why);
		} else {
			cr_expect_eq(err, -EINVAL, "len %zu of %zu: %d", len, a.len, err);
			cr_expect_str_neq(r.why, "");
			cr_expect_leq(r.err_offset, len);
		}
		cr_expect_eq(vfs_check(root), 0);
		vfs_free(root);
		free(copy);
	}
	free(a.buf);
	expect_all_freed();
}

/* Unpack [buf, len) into a fresh root; returns the error and frees the tree. */
static int unpack_err(const void *buf, size_t len, struct cpio_report *r)
{
	struct vfs_node *root = vfs_new_root(0755);
	int err = cpio_unpack(root, buf, len, 0, r);

	cr_expect_eq(vfs_check(root), 0);
	vfs_free(root);
	return err;
}

/* An archive with the single entry (name, mode, data) and a trailer. */
static int one_entry(const char *name, uint32_t mode, const char *data, struct cpio_report *r)
{
	struct arc a = {0};
	int err;

	arc_entry(&a, name, mode, data);
	arc_trailer(&a);
	err = unpack_err(a.buf, a.len, r);
	free(a.buf);
	return err;
}

Test(cpio, malformed_entries_say_why)
{
	static const struct {
		const char *name;
		uint32_t mode;
		const char *data;
		const char *why;
	} bad[] = {
		{"../etc/passwd", VFS_S_IFREG | 0644, "x", "path with \"..\""},
		{"a/../../b", VFS_S_IFREG | 0644, "x", "path with \"..\""},
		{"a/..", VFS_S_IFDIR | 0755, NULL, "path with \"..\""},
		{"d", VFS_S_IFDIR | 0755, "data", "directory with 4 bytes"},
		{"c", VFS_S_IFCHR | 0644, "data", "special file with 4 bytes"},
		{"weird", 0170000 | 0644, NULL, "unknown file type"},
		{"zero", 0644, NULL, "unknown file type"},
		{"l", VFS_S_IFLNK | 0777, NULL, "empty symlink"},
		{".", VFS_S_IFREG | 0644, "x", "root must be a directory"},
	};
	struct cpio_report r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_neq(one_entry(bad[i].name, bad[i].mode, bad[i].data, &r), 0, "%s",
			      bad[i].name);
		cr_expect(strstr(r.why, bad[i].why) != NULL, "%s: \"%s\"", bad[i].name, r.why);
		cr_expect(strncmp(r.why, "offset 0: ", 10) == 0, "%s", r.why);
	}
	expect_all_freed();
}

Test(cpio, bad_headers_say_why)
{
	struct arc a = {0};
	struct cpio_report r;
	uint8_t *b;

	arc_entry(&a, "f", VFS_S_IFREG | 0644, "hello");
	arc_trailer(&a);
	b = malloc(a.len);
	memcpy(b, a.buf, a.len);
	b[5] = '7';
	cr_expect_eq(unpack_err(b, a.len, &r), -EINVAL);
	cr_expect(strstr(r.why, "bad magic"), "%s", r.why);
	memcpy(b, a.buf, a.len);
	b[6 + 8 * 1 + 3] = 'g'; /* mode */
	cr_expect_eq(unpack_err(b, a.len, &r), -EINVAL);
	cr_expect(strstr(r.why, "field 1 is not hex"), "%s", r.why);
	memcpy(b, a.buf, a.len);
	memcpy(b + 6 + 8 * 11, "00000000", 8); /* namesize 0 */
	cr_expect_eq(unpack_err(b, a.len, &r), -EINVAL);
	cr_expect(strstr(r.why, "bad name size 0"), "%s", r.why);
	memcpy(b, a.buf, a.len);
	memcpy(b + 6 + 8 * 11, "00002000", 8); /* 8 KiB name */
	cr_expect_eq(unpack_err(b, a.len, &r), -EINVAL);
	cr_expect(strstr(r.why, "bad name size 8192"), "%s", r.why);
	memcpy(b, a.buf, a.len);
	b[CPIO_HEADER_SIZE + 1] = 'x'; /* the name's NUL */
	cr_expect_eq(unpack_err(b, a.len, &r), -EINVAL);
	cr_expect(strstr(r.why, "name without its NUL"), "%s", r.why);
	memcpy(b, a.buf, a.len);
	memcpy(b + 6 + 8 * 11, "00000001", 8); /* name "f" without room for its NUL */
	cr_expect_eq(unpack_err(b, a.len, &r), -EINVAL);
	cr_expect(strstr(r.why, "name without its NUL"), "%s", r.why);
	memcpy(b, a.buf, a.len);
	memcpy(b + 6 + 8 * 6, "7FFFFFF0", 8); /* file size past the end */
	cr_expect_eq(unpack_err(b, a.len, &r), -EINVAL);
	cr_expect(strstr(r.why, "truncated data (2147483632 bytes announced"), "%s", r.why);
	memcpy(b, a.buf, a.len);
	memcpy(b + 6 + 8 * 6, "FFFFFFFF", 8);
	cr_expect_eq(unpack_err(b, a.len, &r), -EINVAL);
	cr_expect(strstr(r.why, "truncated data"), "%s", r.why);
	/* no trailer */
	cr_expect_eq(unpack_err(a.buf, a.len - 124, &r), -EINVAL);
	cr_expect(strstr(r.why, "no TRAILER!!! entry"), "%s", r.why);
	cr_expect_eq(unpack_err(a.buf, 0, &r), -EINVAL);
	cr_expect(strstr(r.why, "empty archive"), "%s", r.why);
	free(b);
	free(a.buf);
	expect_all_freed();
}

Test(cpio, name_with_nul_inside)
{
	struct arc a = {0};
	struct cpio_report r;
	char h[CPIO_HEADER_SIZE + 1];

	snprintf(h, sizeof(h), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", 1,
		 VFS_S_IFREG | 0644, 0, 0, 1, 0, 0, 0, 0, 0, 0, 4, 0);
	arc_put(&a, h, CPIO_HEADER_SIZE);
	arc_put(&a, "a\0b", 4);
	arc_pad(&a);
	arc_trailer(&a);
	cr_expect_eq(unpack_err(a.buf, a.len, &r), -EINVAL);
	cr_expect(strstr(r.why, "with a NUL inside"), "%s", r.why);
	free(a.buf);
	expect_all_freed();
}

Test(cpio, long_names)
{
	char name[300];
	struct cpio_report r;

	memset(name, 'n', sizeof(name));
	name[255] = '\0';
	cr_expect_eq(one_entry(name, VFS_S_IFREG | 0644, "x", &r), 0, "%s", r.why);
	name[255] = 'n';
	name[256] = '\0';
	cr_expect_eq(one_entry(name, VFS_S_IFREG | 0644, "x", &r), -EINVAL);
	cr_expect(strstr(r.why, "longer than 255"), "%s", r.why);
	expect_all_freed();
}

Test(cpio, checksum_format)
{
	struct arc a = {0};
	struct cpio_report r;

	arc_entry_x(&a, "f", VFS_S_IFREG | 0644, "\xff\xfe", 2, true);
	arc_trailer(&a);
	cr_expect_eq(unpack_err(a.buf, a.len, &r), 0, "%s", r.why);
	a.buf[CPIO_HEADER_SIZE + 2] ^= 1; /* the first data byte */
	cr_expect_eq(unpack_err(a.buf, a.len, &r), -EINVAL);
	cr_expect(strstr(r.why, "checksum 0x1fc, header says 0x1fd"), "%s", r.why);
	free(a.buf);
	expect_all_freed();
}

Test(cpio, clashes_and_replacement)
{
	struct arc a = {0};
	struct cpio_report r;
	struct vfs_node *root = vfs_new_root(0755);

	arc_entry(&a, "f", VFS_S_IFREG | 0644, "first");
	arc_entry(&a, "f", VFS_S_IFREG | 0600, "second!");
	arc_entry(&a, "d", VFS_S_IFDIR | 0700, NULL);
	arc_entry(&a, "d/x", VFS_S_IFREG | 0644, "x");
	arc_entry(&a, "d", VFS_S_IFDIR | 0750, NULL);
	arc_trailer(&a);
	cr_assert_eq(cpio_unpack(root, a.buf, a.len, 0, &r), 0, "%s", r.why);
	cr_expect_eq(vfs_walk(root, "f")->size, 7);
	cr_expect_eq(vfs_walk(root, "f")->mode, VFS_S_IFREG | 0600);
	cr_expect_eq(root->nchildren, 2);
	cr_expect_eq(vfs_walk(root, "d")->mode, VFS_S_IFDIR | 0750);
	cr_expect_not_null(vfs_walk(root, "d/x")); /* a repeated dir entry keeps its children */
	vfs_free(root);
	free(a.buf);
	a = (struct arc){0};
	arc_entry(&a, "f", VFS_S_IFREG | 0644, "x");
	arc_entry(&a, "f/g", VFS_S_IFREG | 0644, "y");
	arc_trailer(&a);
	cr_expect_eq(unpack_err(a.buf, a.len, &r), -EEXIST);
	cr_expect(strstr(r.why, "f is not a directory"), "%s", r.why);
	cr_expect_eq(r.err_offset, 116);
	free(a.buf);
	a = (struct arc){0};
	arc_entry(&a, "d", VFS_S_IFDIR | 0755, NULL);
	arc_entry(&a, "d", VFS_S_IFREG | 0644, "y");
	arc_trailer(&a);
	cr_expect_eq(unpack_err(a.buf, a.len, &r), -EEXIST);
	cr_expect(strstr(r.why, "d exists and is a directory"), "%s", r.why);
	free(a.buf);
	expect_all_freed();
}

Test(cpio, concatenated_archives_and_padding)
{
	struct arc a = {0};
	struct cpio_report r;
	struct vfs_node *root = vfs_new_root(0755);
	static const uint8_t zeros[512];

	arc_entry(&a, "one", VFS_S_IFREG | 0644, "1");
	arc_trailer(&a);
	arc_put(&a, zeros, 512);
	arc_entry(&a, "two", VFS_S_IFREG | 0644, "22");
	arc_trailer(&a);
	arc_put(&a, zeros, 100);
	cr_assert_eq(cpio_unpack(root, a.buf, a.len, 0, &r), 0, "%s", r.why);
	cr_expect_eq(r.files, 2);
	cr_expect_not_null(vfs_walk(root, "one"));
	cr_expect_not_null(vfs_walk(root, "two"));
	vfs_free(root);
	/* garbage after the trailer */
	arc_put(&a, "junk", 4);
	cr_expect_eq(unpack_err(a.buf, a.len, &r), -EINVAL);
	cr_expect(strstr(r.why, "truncated header (4 of 110"), "%s", r.why);
	memset(a.buf + a.len - 4, 'j', 4);
	arc_put(&a, zeros, 200);
	memset(a.buf + a.len - 200, 'j', 200);
	cr_expect_eq(unpack_err(a.buf, a.len, &r), -EINVAL);
	cr_expect(strstr(r.why, "bad magic"), "%s", r.why);
	free(a.buf);
	expect_all_freed();
}

Test(cpio, out_of_memory_at_every_allocation)
{
	struct arc a = {0};
	struct cpio_report r;
	int err = -ENOMEM;

	sample(&a);
	for (unsigned long n = 1; err == -ENOMEM; n++) {
		struct vfs_node *root = vfs_new_root(0755);

		cr_assert_not_null(root);
		heap_fail_nth(n);
		err = cpio_unpack(root, a.buf, a.len, CPIO_COPY, &r);
		heap_fail_nth(0);
		cr_expect(err == 0 || err == -ENOMEM, "n=%lu: %d %s", n, err, r.why);
		cr_expect_eq(vfs_check(root), 0, "n=%lu", n);
		vfs_free(root);
		cr_assert_lt(n, 1000);
	}
	free(a.buf);
	expect_all_freed();
}

Test(cpio, big_directory)
{
	struct vfs_node *root = vfs_new_root(0755), *n;
	char name[32];

	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "prog_%04d", i);
		cr_assert_eq(vfs_create(root, name, strlen(name), VFS_S_IFREG | 0755, &n), 0);
	}
	cr_expect_eq(root->nchildren, 5000);
	cr_expect_geq(root->nbuckets, 4096);
	cr_expect_eq(vfs_create(root, "prog_0042", 9, VFS_S_IFREG | 0644, &n), -EEXIST);
	cr_expect_str_eq(n->name, "prog_0042");
	for (int i = 0; i < 5000; i += 2) {
		snprintf(name, sizeof(name), "prog_%04d", i);
		n = vfs_lookup(root, name, strlen(name));
		cr_assert_not_null(n, "%s", name);
		vfs_free(n);
	}
	cr_expect_eq(root->nchildren, 2500);
	cr_expect_null(vfs_lookup(root, "prog_0042", 9));
	cr_expect_not_null(vfs_lookup(root, "prog_0043", 9));
	cr_expect_eq(vfs_check(root), 0);
	cr_expect_eq(vfs_create(root, "..", 2, VFS_S_IFDIR, &n), -EINVAL);
	cr_expect_eq(vfs_create(root, "a/b", 3, VFS_S_IFDIR, &n), -EINVAL);
	cr_expect_eq(vfs_create(root, "", 0, VFS_S_IFDIR, &n), -EINVAL);
	cr_expect_eq(vfs_create(vfs_lookup(root, "prog_0043", 9), "x", 1, VFS_S_IFDIR, &n),
		     -ENOTDIR);
	vfs_free(root);
	expect_all_freed();
}

Test(cpio, deep_tree_frees_without_recursion)
{
	struct vfs_node *root = vfs_new_root(0755), *d = root;

	for (int i = 0; i < 20000; i++)
		cr_assert_eq(vfs_create(d, "d", 1, VFS_S_IFDIR | 0755, &d), 0);
	cr_expect_eq(vfs_check(root), 0);
	vfs_free(root);
	expect_all_freed();
}
