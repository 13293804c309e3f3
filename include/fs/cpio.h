/*
 * cpio: unpack a cpio "newc" archive (the initramfs format Linux reads:
 * magic 070701, or 070702 with a checksum) into a vfs tree.
 *
 * Each entry is a 110-byte header of ASCII hex fields, the NUL-terminated
 * path (header + path padded to 4 bytes), then the data (padded to 4). The
 * entry "TRAILER!!!" ends an archive; zero bytes may follow, and so may
 * another archive (concatenated archives unpack in order, as in Linux).
 *
 * Paths are relative to root ("/" and "./" prefixes are dropped, "."
 * components skipped); a missing parent directory is created (mode 0755).
 * A directory entry for an existing directory updates its mode, owner and
 * time; a file entry replaces an existing non-directory; any other clash is
 * an error. Regular files borrow their bytes from the archive unless
 * CPIO_COPY is given. Hard links (nlink > 1) are not joined: each entry is
 * its own file.
 *
 * Malformed input is an error with a reason, never a crash or panic: a
 * truncated header, name or data, a bad magic, a field that is not hex, a
 * name whose size is 0, too long, or without its NUL (or with one inside), a
 * path with "..", an unknown file type, a directory or special file with
 * data, an empty symlink, a checksum mismatch, or no trailer.
 */
#ifndef FS_CPIO_H
#define FS_CPIO_H

#include "fs/vfs.h"
#include "lib/types.h"

#define CPIO_HEADER_SIZE 110
#define CPIO_COPY (1u << 0) /* copy file data into the heap instead of borrowing it */

struct cpio_report {
	size_t entries;          /* entries applied (trailers excluded) */
	size_t files, dirs, symlinks, special;
	size_t bytes;            /* regular file data */
	size_t err_offset;       /* offset of the entry that failed */
	char why[192];           /* the reason, "" on success */
};

/*
 * Unpack the archive [buf, buf+size) into the tree under `root`; *r says
 * what was done, or where and why it stopped. Returns 0; -EINVAL for a
 * malformed archive, -EEXIST for a clash with an existing node (r->why says
 * which), -ENOMEM when out of memory. Entries before the failing one stay
 * in the tree. Without CPIO_COPY the tree keeps pointers into buf, which
 * must then outlive it.
 */
int cpio_unpack(struct vfs_node *root, const void *buf, size_t size, unsigned flags,
		struct cpio_report *r);

#endif
