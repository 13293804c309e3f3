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

int rootfs_init(void)
{
	const struct boot_info *bi = boot_info();
	struct rootfs_status *st = &rootfs_st;
	uint64_t t0 = user_clock_mono_ns();

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
	st->unpack_ns = user_clock_mono_ns() - t0;
	return st->err;
}
