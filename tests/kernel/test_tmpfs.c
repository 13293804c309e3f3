/*
 * In-image tests of the tmpfs (suite `tmpfs`): the root the initramfs
 * unpacked into has /tmp, /dev/shm, /dev/null and /dev/zero; shmem takes at
 * most half of RAM (ENOSPC past it, nothing kept); what a program would
 * leave in /tmp is swept with every frame and heap byte back.
 */
#include "harness/ktest.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "kernel/rootfs.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/mobj.h"
#include "mm/pmm.h"

TEST(tmpfs, root_has_tmp_and_devices)
{
	struct vfs_node *r = rootfs_root(), *n;

	ASSERT_NE(r, NULL);
	n = vfs_walk(r, "tmp");
	ASSERT_NE(n, NULL);
	EXPECT_EQ(n->mode, VFS_S_IFDIR | 01777);
	n = vfs_walk(r, "dev/shm");
	ASSERT_NE(n, NULL);
	EXPECT_EQ(n->mode, VFS_S_IFDIR | 01777);
	n = vfs_walk(r, "dev/null");
	ASSERT_NE(n, NULL);
	EXPECT_EQ(n->rdev_major, 1);
	EXPECT_EQ(n->rdev_minor, 3);
	n = vfs_walk(r, "dev/zero");
	ASSERT_NE(n, NULL);
	EXPECT_EQ(n->rdev_minor, 5);
}

TEST(tmpfs, enospc_past_half_of_ram)
{
	size_t charged = mobj_shmem_charged();
	uint64_t pos;
	struct file *f;

	EXPECT_EQ(mobj_shmem_limit(), pmm_total_frames() / 2); /* Linux's tmpfs default */
	ASSERT_EQ(file_memfd("big", 0, &f), 0);
	mobj_shmem_set_limit(charged + 64);
	EXPECT_EQ(f->ops->allocate(f, 0, 0, 65 * PAGE_SIZE), -ENOSPC);
	EXPECT_EQ(mobj_shmem_charged(), charged);
	EXPECT_EQ(f->ops->allocate(f, 0, 0, 64 * PAGE_SIZE), 0);
	pos = 64 * PAGE_SIZE;
	EXPECT_EQ(f->ops->write(f, "x", 1, &pos), -ENOSPC);
	pos = 10;
	EXPECT_EQ(f->ops->write(f, "x", 1, &pos), 1); /* inside: no new page */
	mobj_shmem_set_limit(0);
	file_put(f);
	EXPECT_EQ(mobj_shmem_charged(), charged);
}

TEST(tmpfs, sweep_gives_everything_back)
{
	struct vfs_node *tmp = vfs_walk(rootfs_root(), "tmp"), *d, *f;

	ASSERT_NE(tmp, NULL);
	ASSERT_EQ(vfs_create(tmp, "left", 4, VFS_S_IFDIR | 0700, &d), 0);
	ASSERT_EQ(vfs_create(d, "file", 4, VFS_S_IFREG | 0600, &f), 0);
	ASSERT_EQ(vfs_write(f, 5 * PAGE_SIZE, "data", 4), 4);
	EXPECT_EQ(rootfs_sweep(), 1);
	EXPECT_EQ(vfs_walk(rootfs_root(), "tmp/left"), NULL);
	EXPECT_NE(vfs_walk(rootfs_root(), "dev/null"), NULL); /* booted nodes stay */
}
