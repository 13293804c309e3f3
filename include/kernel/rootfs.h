/*
 * rootfs: the file tree the boot modules unpack into. Every multiboot2
 * module is a cpio "newc" archive (the initramfs; the runner writes one);
 * they unpack in order into one root, their file bytes borrowed in place
 * (the modules stay reserved in pmm for the whole run: no copy at boot).
 *
 * The root is a tmpfs (include/fs/vfs.h): /tmp and /dev/shm (mode 1777),
 * /dev/null and /dev/zero are added when the archive does not bring them.
 *
 * A malformed archive never panics: unpacking stops at the bad entry, what
 * came before stays, and rootfs_status() says where and why.
 */
#ifndef KERNEL_ROOTFS_H
#define KERNEL_ROOTFS_H

#include "fs/cpio.h"
#include "fs/vfs.h"

struct rootfs_status {
	int err;                   /* 0, or the first module's error (-EINVAL, -EEXIST, -ENOMEM) */
	size_t modules;            /* modules unpacked (or tried) */
	size_t bad_module;         /* index of the module that failed */
	struct cpio_report report; /* totals over the modules; why for the failure */
	size_t archive_bytes;      /* sum of the module sizes */
	uint64_t unpack_ns;        /* time spent unpacking */
};

/* Create the root and unpack every boot module into it. Returns status->err. */
int rootfs_init(void);

/* The root directory (NULL before rootfs_init or when it had no memory for it). */
struct vfs_node *rootfs_root(void);

/*
 * Take the tree as it is now as the booted one (kmain calls it once /proc
 * and /sys are in; rootfs_init takes the first snapshot).
 */
void rootfs_snapshot(void);

/*
 * Remove every node made after the snapshot (what a program left in /tmp or
 * elsewhere), so that each program test starts from the tree as booted and
 * the leak check sees its frames and heap back. Returns how many subtrees
 * went. Bytes a program wrote into a file of the archive stay (copied up).
 */
size_t rootfs_sweep(void);

/* What rootfs_init did. */
const struct rootfs_status *rootfs_status(void);

#endif
