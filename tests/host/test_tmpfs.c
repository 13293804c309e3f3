/*
 * Host tests of the tmpfs layer (src/fs/vfs.c, namei.c, file.c, fdtable.c)
 * over the host arena: path walks with links and every errno, node lifetime
 * (unlink while open, rename over a victim), copy-up of borrowed bytes,
 * seals, getdents, memfds, descriptor tables, injected heap and frame
 * failures (all or nothing), and the heap and free frames back at the end.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "fs/file.h"
#include "fs/namei.h"
#include "fs/procfs.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "mm/heap.h"
#include "mm/mobj.h"
#include "mm/pmm.h"
#include "support/host_mm.h"

static size_t frames0;
static struct vfs_node *root;

static void setup(void)
{
	host_mm_setup(MiB(64));
	mobj_shmem_set_limit(0);
	frames0 = pmm_free_frames();
	root = vfs_new_root(0755);
	cr_assert_not_null(root);
}

static void teardown(void)
{
	pmm_fail_nth(0);
	heap_fail_nth(0);
	cr_expect_eq(vfs_check(root), 0);
	vfs_free(root);
	cr_expect_eq(heap_bytes_in_use(), 0, "heap bytes left: %zu", heap_bytes_in_use());
	cr_expect_eq(pmm_free_frames(), frames0);
}

TestSuite(tmpfs, .init = setup, .fini = teardown);

/* Make node `name` of `mode` under dir. */
static struct vfs_node *mk(struct vfs_node *dir, const char *name, uint32_t mode)
{
	struct vfs_node *n;

	cr_assert_eq(vfs_create(dir, name, strlen(name), mode, &n), 0, "%s", name);
	return n;
}

static struct vfs_node *mklink(struct vfs_node *dir, const char *name, const char *target)
{
	struct vfs_node *n = mk(dir, name, VFS_S_IFLNK | 0777);

	vfs_set_data(n, target, strlen(target), VFS_DATA_BORROWED);
	return n;
}

static int walk(struct vfs_node *start, const char *path, unsigned flags, struct namei *nd)
{
	return namei(root, start, path, strlen(path), flags, nd);
}

Test(tmpfs, namei_paths_links_and_errnos)
{
	struct vfs_node *a = mk(root, "a", VFS_S_IFDIR | 0755), *b = mk(a, "b", VFS_S_IFDIR | 0755);
	struct vfs_node *f = mk(b, "f", VFS_S_IFREG | 0644);
	struct namei nd;
	char longname[300];

	mklink(root, "la", "a/b");
	mklink(b, "up", "../..");
	mklink(root, "l1", "l2");
	mklink(root, "l2", "l1");
	mklink(root, "dangling", "nothere");
	cr_expect_eq(walk(root, "/a/b/f", NAMEI_FOLLOW, &nd), 0);
	cr_expect_eq(nd.node, f);
	cr_expect_eq(nd.dir, b);
	cr_expect_eq(walk(b, "../../a/./b//f", NAMEI_FOLLOW, &nd), 0);
	cr_expect_eq(nd.node, f);
	cr_expect_eq(walk(root, "/../../a", NAMEI_FOLLOW, &nd), 0, ".. stops at the root");
	cr_expect_eq(nd.node, a);
	cr_expect_eq(walk(root, "la/f", NAMEI_NOFOLLOW, &nd), 0);
	cr_expect_eq(nd.node, f);
	cr_expect_eq(walk(root, "la", NAMEI_NOFOLLOW, &nd), 0);
	cr_expect(VFS_IS_LNK(nd.node->mode));
	cr_expect_eq(walk(root, "la/", NAMEI_NOFOLLOW, &nd), 0, "a slash follows the link");
	cr_expect_eq(nd.node, b);
	cr_expect_eq(walk(root, "la/up/a", NAMEI_FOLLOW, &nd), 0);
	cr_expect_eq(nd.node, a);
	cr_expect_eq(walk(root, "/a/b/f/x", NAMEI_FOLLOW, &nd), -ENOTDIR);
	cr_expect_eq(walk(root, "/a/b/f/", NAMEI_FOLLOW, &nd), -ENOTDIR);
	cr_expect_eq(walk(root, "/a/x/y", NAMEI_FOLLOW, &nd), -ENOENT);
	cr_expect_eq(walk(root, "/a/x", NAMEI_FOLLOW, &nd), 0);
	cr_expect_null(nd.node);
	cr_expect_eq(nd.dir, a);
	cr_expect_eq(nd.len, 1);
	cr_expect_eq(walk(root, "l1", NAMEI_FOLLOW, &nd), -ELOOP);
	cr_expect_eq(walk(root, "l1", NAMEI_NOFOLLOW, &nd), 0);
	cr_expect_eq(walk(root, "dangling", NAMEI_FOLLOW, &nd), 0);
	cr_expect_null(nd.node);
	cr_expect_eq(strncmp(nd.last, "nothere", nd.len), 0);
	cr_expect_eq(walk(root, "", NAMEI_FOLLOW, &nd), -ENOENT);
	cr_expect_eq(walk(root, "/", NAMEI_FOLLOW, &nd), 0);
	cr_expect_eq(nd.type, NAMEI_ROOT);
	cr_expect_eq(walk(a, "b/..", NAMEI_FOLLOW, &nd), 0);
	cr_expect_eq(nd.type, NAMEI_DOTDOT);
	cr_expect_eq(nd.node, a);
	memset(longname, 'x', 256);
	longname[256] = 0;
	cr_expect_eq(walk(root, longname, NAMEI_FOLLOW, &nd), -ENAMETOOLONG);
	longname[255] = 0;
	cr_expect_eq(walk(root, longname, NAMEI_FOLLOW, &nd), 0);
}

Test(tmpfs, unlink_while_open_and_heap_back)
{
	struct vfs_node *tmp = mk(root, "tmp", VFS_S_IFDIR | 01777), *f;
	size_t heap0 = heap_bytes_in_use(), frames = pmm_free_frames();
	struct file *fp;
	char buf[8];

	for (int i = 0; i < 40; i++) {
		char name[16];

		snprintf(name, sizeof(name), "f%d", i);
		f = mk(tmp, name, VFS_S_IFREG | 0600);
		cr_assert_eq(vfs_write(f, 0, "data", 4), 4);
	}
	while (tmp->first)
		cr_assert_eq(vfs_unlink(tmp->first), 0);
	cr_expect_eq(heap_bytes_in_use(), heap0, "an emptied directory gives its table back");
	cr_expect_eq(pmm_free_frames(), frames);

	heap_fail_nth(2); /* the table comes, the node does not */
	cr_expect_eq(vfs_create(tmp, "x", 1, VFS_S_IFREG, &f), -ENOMEM);
	heap_fail_nth(0);
	cr_expect_eq(heap_bytes_in_use(), heap0, "the empty directory's new table went back");
	f = mk(tmp, "open", VFS_S_IFREG | 0600);
	cr_assert_eq(file_open_node(f, O_RDWR, &fp), 0);
	cr_expect_eq(fp->ops->write(fp, "hello", 5, &fp->pos), 5);
	cr_expect_eq(vfs_unlink(f), 0);
	cr_expect_null(vfs_lookup(tmp, "open", 4));
	fp->pos = 0;
	cr_expect_eq(fp->ops->read(fp, buf, sizeof(buf), &fp->pos), 5, "still readable");
	cr_expect_eq(memcmp(buf, "hello", 5), 0);
	file_put(fp); /* frees the node and its pages */
	cr_expect_eq(heap_bytes_in_use(), heap0);
	cr_expect_eq(pmm_free_frames(), frames);
	cr_expect_eq(vfs_unlink(root), -EBUSY);
	mk(tmp, "x", VFS_S_IFREG | 0600);
	cr_expect_eq(vfs_unlink(tmp), -ENOTEMPTY);
}

Test(tmpfs, rename_rules_all_or_nothing)
{
	struct vfs_node *a = mk(root, "a", VFS_S_IFDIR | 0755), *b = mk(a, "b", VFS_S_IFDIR | 0755);
	struct vfs_node *f = mk(root, "f", VFS_S_IFREG | 0644), *g = mk(root, "g", VFS_S_IFREG);

	cr_expect_eq(vfs_rename(a, b, "x", 1, NULL), -EINVAL, "into its own subtree");
	cr_expect_eq(vfs_rename(f, root, "g", 1, NULL), -EEXIST);
	for (unsigned long n = 1; n < 4; n++) {
		heap_fail_nth(n);
		int err = vfs_rename(f, b, "moved", 5, NULL);

		heap_fail_nth(0);
		if (err) {
			cr_expect_eq(err, -ENOMEM);
			cr_expect_eq(vfs_lookup(root, "f", 1), f, "n=%lu: nothing changed", n);
			cr_expect_eq(vfs_check(root), 0);
		} else {
			cr_expect_eq(vfs_lookup(b, "moved", 5), f);
			cr_assert_eq(vfs_rename(f, root, "f", 1, NULL), 0);
		}
	}
	cr_expect_eq(vfs_rename(f, root, "g", 1, g), 0, "over a victim");
	cr_expect_eq(vfs_lookup(root, "g", 1), f);
	cr_expect_null(vfs_lookup(root, "f", 1));
	cr_expect_eq(vfs_check(root), 0);
}

Test(tmpfs, borrowed_bytes_copy_up_all_or_nothing)
{
	static const char module[] = "0123456789abcdef";
	struct vfs_node *f = mk(root, "init", VFS_S_IFREG | 0755);
	char buf[32];

	vfs_set_data(f, module, 16, VFS_DATA_BORROWED);
	cr_expect_eq(vfs_read(f, 4, buf, 4), 4);
	cr_expect_eq(memcmp(buf, "4567", 4), 0);
	for (unsigned long n = 1; n < 6; n++) {
		for (int heap = 0; heap < 2; heap++) {
			long r;

			if (heap)
				heap_fail_nth(n);
			else
				pmm_fail_nth(n);
			r = vfs_write(f, 2, "XY", 2);
			pmm_fail_nth(0);
			heap_fail_nth(0);
			if (r < 0) {
				cr_expect_eq(r, -ENOMEM);
				cr_expect_eq(f->data, module, "n=%lu: still borrowed", n);
				cr_expect_null(f->obj);
			} else {
				cr_expect_null(f->data);
				cr_expect_eq(vfs_size(f), 16);
				cr_expect_eq(vfs_read(f, 0, buf, 32), 16);
				cr_expect_eq(memcmp(buf, "01XY456789abcdef", 16), 0);
				cr_expect_eq(strcmp(module, "0123456789abcdef"), 0,
					     "module untouched");
				return;
			}
		}
	}
	cr_assert_fail("never succeeded");
}

/*
 * A file unpacked from borrowed bytes and copied up (an exec or mmap of it)
 * shows them in place (vfs_bytes) while its object still holds exactly
 * them; the sweep gives such an object back (frames and heap as before the
 * copy), but keeps one that changed, one held by a mapper, or a new file.
 */
Test(tmpfs, copied_up_file_given_back_while_unchanged)
{
	static char module[3 * 4096 + 100];
	struct vfs_node *f = mk(root, "prog", VFS_S_IFREG | 0755);
	size_t frames = pmm_free_frames(), heap = heap_bytes_in_use(), size;
	struct mobj *o;

	for (size_t i = 0; i < sizeof(module); i++)
		module[i] = (char)(i * 7);
	vfs_set_data(f, module, sizeof(module), VFS_DATA_BORROWED);
	cr_expect_eq(vfs_bytes(f, &size), module);
	cr_expect_eq(size, sizeof(module));
	cr_assert_eq(vfs_obj(f, &o), 0);
	cr_expect_eq(vfs_bytes(f, &size), module, "unchanged: the borrowed bytes");
	mobj_get(o); /* a mapper */
	cr_expect_eq(vfs_sweep(root, UINT64_MAX), 0);
	cr_expect_eq(f->obj, o, "held: kept");
	mobj_put(o);
	cr_expect_eq(vfs_write(f, 5, "x", 1), 1);
	cr_expect_null(vfs_bytes(f, &size), "changed: read the object");
	cr_expect_eq(size, sizeof(module));
	vfs_sweep(root, UINT64_MAX);
	cr_expect_eq(f->obj, o, "changed: kept");
	cr_expect_eq(vfs_write(f, 5, &module[5], 1), 1);
	vfs_sweep(root, UINT64_MAX);
	cr_expect_null(f->obj, "the same bytes again: given back");
	cr_expect_eq(f->data, module);
	cr_expect_eq(vfs_size(f), sizeof(module));
	cr_expect_eq(pmm_free_frames(), frames);
	cr_expect_eq(heap_bytes_in_use(), heap);
	cr_assert_eq(vfs_obj(f, &o), 0);
	cr_expect_eq(vfs_truncate(f, 10), 0);
	vfs_sweep(root, UINT64_MAX);
	cr_expect_eq(f->obj, o, "truncated: kept");
	cr_expect_eq(vfs_size(f), 10);
}

Test(tmpfs, getdents_lists_dot_dotdot_and_children)
{
	struct vfs_node *d = mk(root, "d", VFS_S_IFDIR | 0755);
	struct file *fp;
	uint8_t buf[4096];
	long n;
	int count = 0;

	mk(d, "one", VFS_S_IFREG);
	mk(d, "two", VFS_S_IFDIR | 0700);
	cr_assert_eq(file_open_node(d, O_RDONLY, &fp), 0);
	cr_expect_eq(file_getdents(fp, buf, 10), -EINVAL, "too small for one record");
	n = file_getdents(fp, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	for (long off = 0; off < n; count++) {
		uint16_t reclen;

		memcpy(&reclen, buf + off + 16, 2);
		if (count == 3) {
			cr_expect_str_eq((char *)buf + off + 19, "two");
			cr_expect_eq(buf[off + 18], 4, "DT_DIR");
		}
		off += reclen;
	}
	cr_expect_eq(count, 4);
	cr_expect_eq(file_getdents(fp, buf, sizeof(buf)), 0, "end");
	cr_expect_eq(fp->ops->read(fp, buf, 1, &fp->pos), -EISDIR);
	file_put(fp);
	cr_expect_eq(file_open_node(d, O_RDWR, &fp), -EISDIR);
}

Test(tmpfs, memfd_seals_and_budget)
{
	struct file *fp;
	struct file_stat st;
	char name[8] = "m";

	cr_assert_eq(file_memfd(name, MFD_ALLOW_SEALING, &fp), 0);
	cr_expect_eq(file_get_seals(fp), 0);
	cr_expect_eq(fp->ops->write(fp, "abc", 3, &fp->pos), 3);
	cr_expect_eq(file_add_seals(fp, MOBJ_SEAL_GROW | MOBJ_SEAL_SHRINK), 0);
	cr_expect_eq(fp->ops->truncate(fp, 1), -EPERM);
	cr_expect_eq(fp->ops->truncate(fp, 10), -EPERM);
	cr_expect_eq(fp->ops->write(fp, "d", 1, &fp->pos), -EPERM);
	cr_expect_eq(file_add_seals(fp, MOBJ_SEAL_SEAL), 0);
	cr_expect_eq(file_add_seals(fp, MOBJ_SEAL_WRITE), -EPERM);
	fp->ops->stat(fp, &st);
	cr_expect_eq(st.nlink, 0);
	cr_expect_eq(st.mode, VFS_S_IFREG | 0777);
	cr_expect_str_eq(fp->node->name, "memfd:m");
	file_put(fp);

	cr_assert_eq(file_memfd(name, 0, &fp), 0);
	mobj_shmem_set_limit(2);
	cr_expect_eq(fp->ops->allocate(fp, 0, 0, 3 * 4096), -ENOSPC);
	cr_expect_eq(fp->ops->write(fp, "x", 1, &fp->pos), 1);
	cr_expect_eq(fp->ops->truncate(fp, 5 * 4096), 0, "a sparse grow is free");
	cr_expect_eq(fp->ops->allocate(fp, 0, 4096, 4096), 0);
	cr_expect_eq(fp->ops->allocate(fp, 0, 8192, 4096), -ENOSPC, "past half of RAM");
	mobj_shmem_set_limit(0);
	file_put(fp);
	cr_expect_eq(mobj_shmem_charged(), 0);
}

Test(tmpfs, memfd_hugetlb_empty_pool)
{
	struct file *fp;
	struct file_stat st;
	char name[8] = "h", buf[8] = "qqqqqqq";
	size_t frames;

	cr_expect_eq(file_memfd(name, MFD_HUGETLB | (22u << MFD_HUGE_SHIFT), &fp), -ENODEV);
	cr_expect_eq(file_memfd(name, 21u << MFD_HUGE_SHIFT, &fp), -EINVAL, "size without HUGETLB");
	cr_assert_eq(file_memfd(name, MFD_HUGETLB | (30u << MFD_HUGE_SHIFT), &fp), 0);
	cr_expect(file_is_hugetlb(fp));
	fp->ops->stat(fp, &st);
	cr_expect_eq(st.blksize, 1ULL << 30);
	cr_expect_eq(fp->ops->truncate(fp, 2ULL << 20), -EINVAL);
	file_put(fp);

	cr_assert_eq(file_memfd(name, MFD_HUGETLB | MFD_ALLOW_SEALING, &fp), 0);
	frames = pmm_free_frames();
	fp->ops->stat(fp, &st);
	cr_expect_eq(st.blksize, 2ULL << 20);
	cr_expect_eq(st.mode, VFS_S_IFREG | 0777);
	cr_expect_str_eq(fp->node->name, "memfd:h");
	cr_expect_eq(file_get_seals(fp), 0);
	cr_expect_eq(fp->ops->truncate(fp, 4096), -EINVAL);
	cr_expect_eq(fp->ops->truncate(fp, 4ULL << 20), 0);
	cr_expect_eq(fp->ops->allocate(fp, 0, 0, 4096), -ENOSPC, "the pool is empty");
	cr_expect_eq(fp->ops->allocate(fp, 0x10, 0, 2ULL << 20), -EOPNOTSUPP);
	cr_expect_eq(fp->ops->allocate(fp, 3, 0, 2ULL << 20), 0, "punch");
	cr_expect_eq(fp->ops->write(fp, "x", 1, &fp->pos), -EINVAL);
	cr_expect_eq(fp->ops->read(fp, buf, 4, &fp->pos), 4);
	cr_expect_eq(memcmp(buf, "\0\0\0\0qqq", 7), 0, "a hole reads as zeros");
	cr_expect_eq(fp->ops->lseek(fp, 5, FILE_SEEK_HOLE), 4 << 20);
	cr_expect_eq(file_add_seals(fp, MOBJ_SEAL_WRITE), 0);
	cr_expect_eq(fp->ops->allocate(fp, 3, 4096, 4096), -EPERM, "punch under a write seal");
	fp->ops->stat(fp, &st);
	cr_expect_eq(st.blocks, 0);
	cr_expect_eq(pmm_free_frames(), frames, "no page was taken");
	file_put(fp);
}

Test(tmpfs, fdtable_limits_and_failures)
{
	struct fdtable *t = fdt_create();
	struct vfs_node *f = mk(root, "f", VFS_S_IFREG | 0644);
	struct file *fp;
	int fd;

	cr_assert_not_null(t);
	for (int i = 0; i < 10; i++) {
		cr_assert_eq(file_open_node(f, O_RDONLY, &fp), 0);
		cr_expect_eq(fdt_install(t, 0, fp, 0, 10), i);
	}
	cr_assert_eq(file_open_node(f, O_RDONLY, &fp), 0);
	cr_expect_eq(fdt_install(t, 0, fp, 0, 10), -EMFILE);
	cr_expect_eq(fdt_install_at(t, 10, fp, 0, 10), -EBADF);
	cr_expect_eq(fdt_install_at(t, 3, fp, FD_CLOEXEC, 10), 3, "replaces fd 3");
	cr_expect_eq(fdt_get_fdflags(t, 3), FD_CLOEXEC);
	cr_expect_eq(fdt_close(t, 4), 0);
	cr_expect_eq(fdt_close(t, 4), -EBADF);
	cr_expect_eq(fdt_count(t), 9);
	cr_assert_eq(file_open_node(f, O_RDONLY, &fp), 0);
	heap_fail_nth(1);
	fd = fdt_install(t, 200, fp, 0, 1024);
	heap_fail_nth(0);
	cr_expect_eq(fd, -ENOMEM, "growing the table failed");
	cr_expect_eq(fdt_install(t, 200, fp, 0, 1024), 200);
	cr_expect_eq(fdt_get(t, 200), fp);
	cr_expect_eq(f->refs, 10);
	fdt_destroy(t);
	cr_expect_eq(f->refs, 0);
}

Test(tmpfs, devices_and_open_flags)
{
	struct vfs_node *dev = mk(root, "dev", VFS_S_IFDIR | 0755);
	struct vfs_node *z = mk(dev, "zero", VFS_S_IFCHR | 0666), *s = mk(dev, "odd", VFS_S_IFCHR);
	struct vfs_node *f = mk(root, "f", VFS_S_IFREG | 0644);
	struct file *fp;
	char buf[4] = "xxx";

	z->rdev_major = 1;
	z->rdev_minor = 5;
	cr_assert_eq(file_open_node(z, O_RDWR, &fp), 0);
	cr_expect_eq(fp->ops->read(fp, buf, 3, &fp->pos), 3);
	cr_expect_eq(buf[0], 0);
	file_put(fp);
	cr_expect_eq(file_open_node(s, O_RDONLY, &fp), -ENXIO);
	cr_expect_eq(file_open_node(f, O_RDONLY | O_DIRECTORY, &fp), -ENOTDIR);
	cr_assert_eq(vfs_write(f, 0, "abc", 3), 3);
	cr_assert_eq(file_open_node(f, O_WRONLY | O_TRUNC | O_APPEND, &fp), 0);
	cr_expect_eq(vfs_size(f), 0);
	cr_expect_eq(fp->flags, O_WRONLY | O_APPEND | O_LARGEFILE);
	cr_expect_eq(file_lseek_size(fp, -1, FILE_SEEK_SET, 0), -EINVAL);
	file_put(fp);
}

Test(tmpfs, hard_links_share_the_file)
{
	struct vfs_node *d = mk(root, "d", VFS_S_IFDIR | 0755), *f = mk(root, "f", VFS_S_IFREG | 0640);
	struct vfs_node *l1, *l2, *t;
	struct file_stat st;
	struct file *fp;
	char buf[8] = {0};

	cr_assert_eq(vfs_write(f, 0, "shared", 6), 6);
	cr_expect_eq(vfs_link(d, root, "dl", 2, &l1), -EPERM);
	cr_assert_eq(vfs_link(f, d, "l1", 2, &l1), 0);
	cr_assert_eq(vfs_link(l1, root, "l2", 2, &l2), 0, "a link to a link names the file");
	cr_expect_eq(vfs_link(f, d, "l1", 2, &t), -EEXIST);
	cr_expect_eq(l2->link_to, f);
	file_stat_node(l2, &st);
	cr_expect_eq(st.nlink, 3);
	cr_expect_eq(st.ino, f->ino);
	cr_expect_eq(st.mode, VFS_S_IFREG | 0640);
	cr_expect_eq(vfs_unlink(f), 0, "the first name goes, the file stays");
	file_stat_node(l1, &st);
	cr_expect_eq(st.nlink, 2);
	cr_assert_eq(file_open_node(l1, O_RDONLY, &fp), 0);
	cr_expect_eq(fp->node, f);
	cr_expect_eq(fp->ops->read(fp, buf, 6, &fp->pos), 6);
	cr_expect_str_eq(buf, "shared");
	cr_expect_eq(vfs_unlink(l1), 0);
	cr_expect_eq(vfs_unlink(l2), 0);
	cr_expect_eq(vfs_nlink(f), 0);
	cr_expect_eq(vfs_link(fp->node, root, "again", 5, &t), -ENOENT, "no name, not linkable");
	file_put(fp); /* the last reference: the file goes */
	t = vfs_new_node("", 0, VFS_S_IFREG | 0600);
	t->flags |= VFS_NODE_LINKABLE;
	vfs_get(t);
	cr_expect_eq(vfs_link(t, d, "named", 5, &l1), 0, "O_TMPFILE gets a name");
	cr_expect_eq(vfs_nlink(t), 1);
	vfs_put(t);
	cr_expect_eq(vfs_sweep(root, 0), 1, "sweeping d frees the name and the file");
}

/* A generated file as procfs makes one (struct vfs_gen): text made at open. */
static int gen_text(const struct vfs_node *n, struct procfs_buf *b)
{
	return procfs_printf(b, "%s 42\n", (const char *)n->gen_arg);
}

static const struct vfs_gen gen_ops = { .text = gen_text };

Test(tmpfs, generated_file_snapshot_at_open)
{
	struct vfs_node *n = mk(root, "meminfo", VFS_S_IFREG | 0444);
	struct file *fp;
	struct file_stat st;
	char buf[32] = {0};

	cr_assert_eq(vfs_set_gen(n, &gen_ops, (uintptr_t)"MemTotal:"), 0);
	cr_assert_eq(file_open_node(n, O_RDONLY | O_TRUNC, &fp), 0);
	cr_expect_eq(fp->ops->read(fp, buf, sizeof(buf), &fp->pos), 13);
	cr_expect_str_eq(buf, "MemTotal: 42\n");
	cr_expect_eq(fp->ops->lseek(fp, 3, FILE_SEEK_SET), 3);
	cr_expect_eq(fp->ops->lseek(fp, -3, FILE_SEEK_END), -EINVAL, "seq_lseek");
	cr_expect_null(fp->ops->write, "read-only");
	fp->ops->stat(fp, &st);
	cr_expect_eq(st.size, 0, "as Linux's /proc files");
	cr_expect_eq(vfs_write(n, 0, "x", 1), -EINVAL, "never turned into a stored file");
	file_put(fp);
	heap_fail_nth(2); /* the snapshot's buffer (the file is the first) */
	cr_expect_eq(file_open_node(n, O_RDONLY, &fp), -ENOMEM);
	heap_fail_nth(0);
}
