/*
 * proc_procfs: the kernel's side of /proc (fs/procfs.h): the processes of
 * the running program's tree described as /proc/<pid> shows them, which
 * pids /proc lists and which one reads, and the mount of the /proc and /sys
 * nodes into the root file tree.
 */
#ifndef KERNEL_PROC_PROCFS_H
#define KERNEL_PROC_PROCFS_H

#include "fs/procfs.h"

/*
 * The task source: fill *out for process `pid` of the running tree (a
 * zombie too: no address space then); -ESRCH when there is none.
 */
int proc_procfs_task(int pid, struct procfs_task *out);

/*
 * Process `pid` was freed: its /proc/<pid>/ goes now (an open file of it
 * answers ESRCH), so that nothing /proc made for it outlives it.
 */
void proc_procfs_reaped(int pid);

/*
 * Add /proc and /sys to the root tree (rootfs) and install the task source.
 * Returns 0 or -errno (-ENOMEM; no root: -ENOENT); a warning is printed.
 */
int proc_procfs_init(void);

#endif
