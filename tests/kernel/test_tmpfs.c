/*
 * In-image tests of the tmpfs (suite `tmpfs`): the root the initramfs
 * unpacked into has /tmp, /dev/shm, /dev/null and /dev/zero; shmem takes at
 * most half of RAM (ENOSPC past it, nothing kept); what a program would
 * leave in /tmp is swept with every frame and heap byte back; a program
 * using memfds and /tmp files ends cleanly at every frame and heap failure.
 */
#include "harness/ktest.h"
#include "fs/file.h"
#include "kernel/proc.h"
#include "mm/heap.h"
#include "user_failpoints.h"
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

/*
 * A file scenario in ring 3: memfd_create(""), ftruncate 1 MiB (sparse),
 * pwrite a page at 0x5000, close; open("/tmp/x", O_CREAT|O_RDWR), write a
 * page, unlink, close; exit 0. Errors are ignored: each call fails or not.
 */
extern const uint8_t tmpfs_user_code[], tmpfs_user_code_end[];
__asm__(".pushsection .rodata\n"
	"tmpfs_user_code:\n"
	"	sub $64, %rsp\n"
	"	movq $0, (%rsp)\n"
	"	mov $319, %eax\n"
	"	mov %rsp, %rdi\n"
	"	xor %esi, %esi\n"
	"	syscall\n"
	"	mov %rax, %r12\n"
	"	mov $77, %eax\n"
	"	mov %r12, %rdi\n"
	"	mov $0x100000, %esi\n"
	"	syscall\n"
	"	mov $18, %eax\n"
	"	mov %r12, %rdi\n"
	"	mov $0x400000, %esi\n"
	"	mov $4096, %edx\n"
	"	mov $0x5000, %r10d\n"
	"	syscall\n"
	"	mov $3, %eax\n"
	"	mov %r12, %rdi\n"
	"	syscall\n"
	"	movabs $0x0000782f706d742f, %rax\n"
	"	mov %rax, 8(%rsp)\n"
	"	mov $2, %eax\n"
	"	lea 8(%rsp), %rdi\n"
	"	mov $0102, %esi\n"
	"	mov $0600, %edx\n"
	"	syscall\n"
	"	mov %rax, %r12\n"
	"	mov $1, %eax\n"
	"	mov %r12, %rdi\n"
	"	mov $0x400000, %esi\n"
	"	mov $4096, %edx\n"
	"	syscall\n"
	"	mov $87, %eax\n"
	"	lea 8(%rsp), %rdi\n"
	"	syscall\n"
	"	mov $3, %eax\n"
	"	mov %r12, %rdi\n"
	"	syscall\n"
	"	mov $60, %eax\n"
	"	xor %edi, %edi\n"
	"	syscall\n"
	"tmpfs_user_code_end:\n"
	".popsection\n");

static uint8_t tmpfs_img[UIMG_SIZE] __attribute__((aligned(16)));
static struct proc_result tmpfs_res;

/* Every frame and heap failure point of the file scenario: clean ends, memory back. */
TEST(tmpfs, files_every_failure)
{
	static const struct ufail_scenario s = {
		"tmpfs", tmpfs_user_code, tmpfs_user_code_end, tmpfs_img, &tmpfs_res,
	};

	ufail_every_point(&s, 8);
}
