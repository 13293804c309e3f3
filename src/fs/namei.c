/*
 * Path resolution. See include/fs/namei.h.
 */
#include "fs/namei.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"

struct namei_ctx {
	struct vfs_node *root;
	unsigned links; /* symbolic links followed so far */
};

static int namei_walk(struct namei_ctx *c, struct vfs_node *dir, const char *p,
		      const char *end, unsigned flags, struct namei *nd);

/* The node of component [p, p+len) in dir, and its type. */
static struct vfs_node *namei_step(struct namei_ctx *c, struct vfs_node *dir, const char *p,
				   size_t len, enum namei_type *type)
{
	if (len == 1 && p[0] == '.') {
		*type = NAMEI_DOT;
		return dir;
	}
	if (len == 2 && p[0] == '.' && p[1] == '.') {
		*type = NAMEI_DOTDOT;
		return dir == c->root || !dir->parent ? dir : dir->parent;
	}
	*type = NAMEI_NORMAL;
	vfs_refresh(dir); /* /proc: a process's directory appears or goes (best effort) */
	return vfs_lookup(dir, p, len);
}

/*
 * Follow generated link `link` (/proc/self, /proc/<pid>/exe): its target is
 * made into a heap buffer that lives only as long as the walk through it,
 * so the result's name is pointed at the node's own; a missing last name
 * (nothing to point at) is -ENOENT: nothing is created through such a link.
 */
static int namei_follow_gen(struct namei_ctx *c, struct vfs_node *dir, struct vfs_node *link,
			    unsigned flags, struct namei *nd)
{
	char *t = kmalloc(VFS_PATH_MAX);
	long n;
	int err;

	if (!t)
		return -ENOMEM;
	n = vfs_readlink(link, t, VFS_PATH_MAX);
	if (n <= 0) {
		kfree(t);
		return n ? (int)n : -ENOENT;
	}
	err = namei_walk(c, dir, t, t + n, flags, nd);
	kfree(t);
	if (!err && !nd->node)
		return -ENOENT;
	if (!err && nd->type == NAMEI_NORMAL) {
		nd->last = nd->node->name;
		nd->len = strlen(nd->node->name);
	} else if (!err) {
		nd->last = nd->len == 2 ? ".." : nd->len == 1 ? "." : "";
	}
	return err;
}

/* Follow symbolic link `link` found in dir into *nd (its target resolved). */
static int namei_follow(struct namei_ctx *c, struct vfs_node *dir, struct vfs_node *link,
			unsigned flags, struct namei *nd)
{
	const char *t = vfs_file_of(link)->data;
	size_t n = vfs_file_of(link)->size;

	if (++c->links > NAMEI_SYMLOOP_MAX)
		return -ELOOP;
	if (vfs_file_of(link)->gen)
		return namei_follow_gen(c, dir, link, flags, nd);
	if (!n)
		return -ENOENT;
	return namei_walk(c, dir, t, t + n, flags, nd);
}

/* Resolve an intermediate component's node (following links) to a directory. */
static int namei_through(struct namei_ctx *c, struct vfs_node *dir, struct vfs_node **child)
{
	struct namei sub;
	int err;

	if (!*child)
		return -ENOENT;
	if (VFS_IS_LNK((*child)->mode)) {
		err = namei_follow(c, dir, *child, NAMEI_FOLLOW, &sub);
		if (err)
			return err;
		if (!sub.node)
			return -ENOENT;
		*child = sub.node;
	}
	return VFS_IS_DIR((*child)->mode) ? 0 : -ENOTDIR;
}

/* The last component [p, p+len) of dir into *nd. */
static int namei_last(struct namei_ctx *c, struct vfs_node *dir, const char *p, size_t len,
		      bool slash, unsigned flags, struct namei *nd)
{
	enum namei_type type;
	struct vfs_node *child = namei_step(c, dir, p, len, &type);
	int err;

	if (child && VFS_IS_LNK(child->mode) && ((flags & NAMEI_FOLLOW) || slash)) {
		err = namei_follow(c, dir, child, flags, nd);
		if (err)
			return err;
		nd->slash = nd->slash || slash;
	} else {
		nd->dir = dir;
		nd->node = child;
		nd->last = p;
		nd->len = len;
		nd->type = type;
		nd->slash = slash;
	}
	if (nd->slash && nd->node && !VFS_IS_DIR(nd->node->mode))
		return -ENOTDIR;
	return 0;
}

static int namei_walk(struct namei_ctx *c, struct vfs_node *dir, const char *p,
		      const char *end, unsigned flags, struct namei *nd)
{
	bool abs = p < end && *p == '/';
	int err;

	if (abs)
		dir = c->root;
	while (p < end && *p == '/')
		p++;
	while (p < end) {
		const char *e = p, *next;
		struct vfs_node *child;
		enum namei_type type;

		while (e < end && *e != '/')
			e++;
		for (next = e; next < end && *next == '/'; next++)
			;
		if ((size_t)(e - p) > VFS_NAME_MAX)
			return -ENAMETOOLONG;
		if (!VFS_IS_DIR(dir->mode))
			return -ENOTDIR;
		if (next == end)
			return namei_last(c, dir, p, (size_t)(e - p), e < end, flags, nd);
		child = namei_step(c, dir, p, (size_t)(e - p), &type);
		err = namei_through(c, dir, &child);
		if (err)
			return err;
		dir = child;
		p = next;
	}
	nd->dir = dir;
	nd->node = dir;
	nd->last = p;
	nd->len = 0;
	nd->type = abs ? NAMEI_ROOT : NAMEI_DOT;
	nd->slash = false;
	return 0;
}

int namei(struct vfs_node *root, struct vfs_node *start, const char *path, size_t plen,
	  unsigned flags, struct namei *nd)
{
	struct namei_ctx c = { root, 0 };

	if (!plen)
		return -ENOENT;
	return namei_walk(&c, start, path, path + plen, flags, nd);
}
