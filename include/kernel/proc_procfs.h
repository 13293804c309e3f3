/*
 * proc_procfs: the kernel's side of /proc (fs/procfs.h): the running program
 * described as /proc/<PROC_PID> shows it, and the mount of the /proc and /sys
 * nodes into the root file tree.
 */
#ifndef KERNEL_PROC_PROCFS_H
#define KERNEL_PROC_PROCFS_H

#include "fs/procfs.h"

/*
 * The task source: fill *out for `pid` when it is the running program's
 * (PROC_PID); -ESRCH otherwise or when no program runs.
 */
int proc_procfs_task(int pid, struct procfs_task *out);

/*
 * Add /proc and /sys to the root tree (rootfs) and install the task source.
 * Returns 0 or -errno (-ENOMEM; no root: -ENOENT); a warning is printed.
 */
int proc_procfs_init(void);

#endif
