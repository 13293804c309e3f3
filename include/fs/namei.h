/*
 * namei: path resolution in the vfs tree, as Linux's path walk sees it.
 *
 * A path is absolute (from `root`) or relative (from `start`); empty
 * components and "." stay, ".." goes up but never above root. Symbolic links
 * met before the last component are always followed, relative to the
 * directory holding them; the last one only with NAMEI_FOLLOW or when a '/'
 * follows it. At most NAMEI_SYMLOOP_MAX links are followed in one walk
 * (-ELOOP past it).
 *
 * The result names the last component: its directory, its name (pointing
 * into `path` or into a link's target, both outliving the result) and its
 * node, NULL when that name is missing from an existing directory (the
 * caller may create it there). A path with no component ("/", or a
 * relative path of only "." / "..") resolves to a directory with type
 * NAMEI_DOT, NAMEI_DOTDOT or NAMEI_ROOT.
 */
#ifndef FS_NAMEI_H
#define FS_NAMEI_H

#include "fs/vfs.h"

#define NAMEI_SYMLOOP_MAX 40

/* namei flags. */
#define NAMEI_NOFOLLOW 0u
#define NAMEI_FOLLOW (1u << 0) /* follow a symbolic link in the last component */

enum namei_type {
	NAMEI_NORMAL, /* a name */
	NAMEI_DOT,    /* "." */
	NAMEI_DOTDOT, /* ".." */
	NAMEI_ROOT,   /* "/" alone */
};

struct namei {
	struct vfs_node *dir;  /* the directory holding the last component */
	struct vfs_node *node; /* the last component's node, NULL when missing */
	const char *last;      /* its name (not NUL-terminated) */
	size_t len;
	enum namei_type type;
	bool slash;            /* a '/' followed the last component */
};

/*
 * Resolve `path` (plen bytes) as above into *nd. 0 (nd->node may be NULL),
 * -ENOENT a missing directory on the way or an empty path, -ENOTDIR a
 * component used as a directory is not one (also the last one when a '/'
 * follows it), -ELOOP, -ENAMETOOLONG a component of more than VFS_NAME_MAX
 * bytes.
 */
int namei(struct vfs_node *root, struct vfs_node *start, const char *path, size_t plen,
	  unsigned flags, struct namei *nd);

#endif
