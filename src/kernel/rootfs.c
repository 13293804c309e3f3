/*
 * Boot modules -> the root file tree. See include/kernel/rootfs.h.
 */
#include "kernel/boot.h"
#include "kernel/proc.h"
#include "kernel/rootfs.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/mmarch.h"

static struct vfs_node *rootfs;
static uint64_t rootfs_first_new = UINT64_MAX; /* inode numbers from here on came after the boot */
static struct rootfs_status rootfs_st;

struct vfs_node *rootfs_root(void)
{
	return rootfs;
}

const struct rootfs_status *rootfs_status(void)
{
	return &rootfs_st;
}

/* Add one module's report to the totals. */
static void rootfs_add(struct cpio_report *sum, const struct cpio_report *r)
{
	sum->entries += r->entries;
	sum->files += r->files;
	sum->dirs += r->dirs;
	sum->symlinks += r->symlinks;
	sum->special += r->special;
	sum->bytes += r->bytes;
}

/* Seconds since the epoch, for the times of new nodes. */
static uint64_t rootfs_clock(void)
{
	return user_clock_real_ns() / 1000000000ULL;
}

/* What every root has beside the archive's files: /tmp, /dev/shm, /dev/null, /dev/zero. */
static const struct rootfs_node {
	const char *dir, *name;
	uint32_t mode, major, minor;
} rootfs_nodes[] = {
	{ "", "tmp", VFS_S_IFDIR | 01777, 0, 0 },
	{ "", "dev", VFS_S_IFDIR | 0755, 0, 0 },
	{ "dev", "shm", VFS_S_IFDIR | 01777, 0, 0 },
	{ "dev", "null", VFS_S_IFCHR | 0666, 1, 3 },
	{ "dev", "zero", VFS_S_IFCHR | 0666, 1, 5 },
};

/* Create the nodes of rootfs_nodes that the archive did not bring. 0 or -errno. */
static int rootfs_add_nodes(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(rootfs_nodes); i++) {
		const struct rootfs_node *d = &rootfs_nodes[i];
		struct vfs_node *dir = vfs_walk(rootfs, d->dir), *n;
		int err;

		if (!dir)
			return -ENOTDIR;
		err = vfs_create(dir, d->name, strlen(d->name), d->mode, &n);
		if (err == -EEXIST)
			continue;
		if (err)
			return err;
		n->rdev_major = d->major;
		n->rdev_minor = d->minor;
	}
	return 0;
}

int rootfs_init(void)
{
	const struct boot_info *bi = boot_info();
	struct rootfs_status *st = &rootfs_st;
	uint64_t t0 = user_clock_mono_ns();

	vfs_set_clock(rootfs_clock);
	rootfs = vfs_new_root(0755);
	if (!rootfs) {
		ksnprintf(st->report.why, sizeof(st->report.why), "no memory for the root");
		return st->err = -ENOMEM;
	}
	for (size_t i = 0; i < bi->nmodules; i++) {
		const struct boot_module *m = &bi->modules[i];
		struct cpio_report r;
		int err = cpio_unpack(rootfs, mm_phys_to_virt(m->start), m->end - m->start, 0, &r);

		st->modules++;
		st->archive_bytes += m->end - m->start;
		rootfs_add(&st->report, &r);
		if (err) {
			st->err = err;
			st->bad_module = i;
			memcpy(st->report.why, r.why, sizeof(r.why));
			st->report.err_offset = r.err_offset;
			break;
		}
	}
	if (!st->err && rootfs_add_nodes())
		ksnprintf(st->report.why, sizeof(st->report.why), "no room for /tmp and /dev");
	rootfs_snapshot();
	st->unpack_ns = user_clock_mono_ns() - t0;
	return st->err;
}

void rootfs_snapshot(void)
{
	rootfs_first_new = vfs_next_ino_peek();
}

size_t rootfs_sweep(void)
{
	return rootfs ? vfs_sweep(rootfs, rootfs_first_new) : 0;
}
