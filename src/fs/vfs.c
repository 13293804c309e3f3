/*
 * The in-memory file tree. See include/fs/vfs.h.
 */
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/heap.h"

#define VFS_BUCKETS_MIN 8

/* FNV-1a of the name: the bucket index is its low bits. */
static uint64_t vfs_hash(const char *name, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)name[i]) * 0x100000001b3ULL;
	return h;
}

/* The chain head for `name` in dir (which has buckets). */
static struct vfs_node **vfs_bucket(const struct vfs_node *dir, const char *name, size_t len)
{
	return &dir->buckets[vfs_hash(name, len) & (dir->nbuckets - 1)];
}

/* A node with a copy of the name, zeroed otherwise; NULL when out of memory. */
static struct vfs_node *vfs_alloc(const char *name, size_t len, uint32_t mode)
{
	struct vfs_node *n = kzalloc(sizeof(*n));

	if (!n)
		return NULL;
	n->name = kmalloc(len + 1);
	if (!n->name) {
		kfree(n);
		return NULL;
	}
	memcpy(n->name, name, len);
	n->name[len] = '\0';
	n->mode = mode;
	return n;
}

struct vfs_node *vfs_new_root(uint32_t mode)
{
	return vfs_alloc("", 0, VFS_S_IFDIR | (mode & ~VFS_S_IFMT));
}

bool vfs_name_ok(const char *name, size_t len)
{
	if (len == 0 || len > VFS_NAME_MAX)
		return false;
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == '\0')
			return false;
	return true;
}

struct vfs_node *vfs_lookup(const struct vfs_node *dir, const char *name, size_t len)
{
	struct vfs_node *n;

	if (!VFS_IS_DIR(dir->mode) || !dir->nbuckets)
		return NULL;
	for (n = *vfs_bucket(dir, name, len); n; n = n->hnext)
		if (strlen(n->name) == len && memcmp(n->name, name, len) == 0)
			return n;
	return NULL;
}

/*
 * Give dir a table of `nb` buckets (a power of two) holding its children.
 * On -ENOMEM the old table stays (lookups stay right, only slower).
 */
static int vfs_rehash(struct vfs_node *dir, size_t nb)
{
	struct vfs_node **b = kzalloc(nb * sizeof(*b));

	if (!b)
		return -ENOMEM;
	kfree(dir->buckets);
	dir->buckets = b;
	dir->nbuckets = nb;
	for (struct vfs_node *c = dir->first; c; c = c->next) {
		struct vfs_node **head = vfs_bucket(dir, c->name, strlen(c->name));

		c->hnext = *head;
		*head = c;
	}
	return 0;
}

/* True for the mode types a node may have. */
static bool vfs_type_ok(uint32_t mode)
{
	switch (VFS_MODE_TYPE(mode)) {
	case VFS_S_IFREG: case VFS_S_IFDIR: case VFS_S_IFLNK: case VFS_S_IFCHR:
	case VFS_S_IFBLK: case VFS_S_IFIFO: case VFS_S_IFSOCK:
		return true;
	default:
		return false;
	}
}

int vfs_create(struct vfs_node *dir, const char *name, size_t len, uint32_t mode,
	       struct vfs_node **out)
{
	struct vfs_node *n, **head;

	if (!vfs_name_ok(name, len) || !vfs_type_ok(mode))
		return -EINVAL;
	if (!VFS_IS_DIR(dir->mode))
		return -ENOTDIR;
	*out = vfs_lookup(dir, name, len);
	if (*out)
		return -EEXIST;
	if (!dir->nbuckets && vfs_rehash(dir, VFS_BUCKETS_MIN))
		return -ENOMEM;
	n = vfs_alloc(name, len, mode);
	if (!n)
		return -ENOMEM;
	n->parent = dir;
	n->prev = dir->last;
	if (dir->last)
		dir->last->next = n;
	else
		dir->first = n;
	dir->last = n;
	head = vfs_bucket(dir, name, len);
	n->hnext = *head;
	*head = n;
	if (++dir->nchildren > dir->nbuckets)
		vfs_rehash(dir, dir->nbuckets * 2); /* best effort */
	*out = n;
	return 0;
}

/* Take n out of its parent's list and hash chain. */
static void vfs_detach(struct vfs_node *n)
{
	struct vfs_node *dir = n->parent, **pp;

	if (!dir)
		return;
	for (pp = vfs_bucket(dir, n->name, strlen(n->name)); *pp != n; pp = &(*pp)->hnext)
		;
	*pp = n->hnext;
	if (n->prev)
		n->prev->next = n->next;
	else
		dir->first = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		dir->last = n->prev;
	dir->nchildren--;
	n->parent = NULL;
}

/* Free one node that has no children left. */
static void vfs_free_one(struct vfs_node *n)
{
	if (n->data_flags & VFS_DATA_OWNED)
		kfree((void *)n->data);
	kfree(n->buckets);
	kfree(n->name);
	kfree(n);
}

/* Iterative (no recursion: trees may be deep): free the leaves bottom up. */
void vfs_free(struct vfs_node *top)
{
	struct vfs_node *n = top;

	if (!top)
		return;
	vfs_detach(top);
	while (n) {
		struct vfs_node *up = n->parent;

		if (n->first) {
			n = n->first;
			continue;
		}
		if (n == top) {
			vfs_free_one(n);
			break;
		}
		up->first = n->next;
		vfs_free_one(n);
		n = up;
	}
}

int vfs_set_data(struct vfs_node *n, const void *data, size_t size, unsigned flags)
{
	if ((!VFS_IS_REG(n->mode) && !VFS_IS_LNK(n->mode)) || n->gen)
		return -EINVAL;
	if (n->data_flags & VFS_DATA_OWNED)
		kfree((void *)n->data);
	n->data = data;
	n->size = size;
	n->data_flags = flags;
	return 0;
}

int vfs_set_gen(struct vfs_node *n, const struct vfs_gen *gen, uintptr_t arg)
{
	if (!VFS_IS_REG(n->mode) || n->data)
		return -EINVAL;
	n->gen = gen;
	n->gen_arg = arg;
	return 0;
}

struct vfs_node *vfs_walk(struct vfs_node *root, const char *path)
{
	struct vfs_node *n = root;

	while (n && *path) {
		const char *end = path;

		while (*end && *end != '/')
			end++;
		if (end - path == 2 && path[0] == '.' && path[1] == '.')
			n = n->parent && n != root ? n->parent : n;
		else if (end > path && !(end - path == 1 && path[0] == '.'))
			n = VFS_IS_DIR(n->mode) ? vfs_lookup(n, path, (size_t)(end - path)) : NULL;
		path = *end ? end + 1 : end;
	}
	return n;
}

struct vfs_node *vfs_first_child(const struct vfs_node *dir)
{
	return VFS_IS_DIR(dir->mode) ? dir->first : NULL;
}

struct vfs_node *vfs_next_sibling(const struct vfs_node *n)
{
	return n->next;
}

int vfs_path(const struct vfs_node *n, char *buf, size_t size)
{
	size_t pos = size;
	bool fits = true;

	if (size == 0)
		return -ENAMETOOLONG;
	buf[--pos] = '\0';
	for (; n && n->parent; n = n->parent) {
		size_t len = strlen(n->name);

		if (pos < len + 1) {
			fits = false;
			break;
		}
		pos -= len;
		memcpy(buf + pos, n->name, len);
		buf[--pos] = '/';
	}
	if (pos == size - 1 && fits)
		buf[--pos] = '/';
	memmove(buf, buf + pos, size - pos);
	return fits ? 0 : -ENAMETOOLONG;
}

/* Check one directory's list, chains and counts. */
static int vfs_check_dir(const struct vfs_node *d)
{
	size_t count = 0, chained = 0;
	const struct vfs_node *prev = NULL;

	for (const struct vfs_node *c = d->first; c; prev = c, c = c->next) {
		if (c->parent != d || c->prev != prev || !vfs_name_ok(c->name, strlen(c->name)) ||
		    vfs_lookup(d, c->name, strlen(c->name)) != c) {
			kprintf("vfs_check: bad child %s of %s\n", c->name, d->name);
			return -EINVAL;
		}
		count++;
	}
	for (size_t b = 0; b < d->nbuckets; b++)
		for (const struct vfs_node *c = d->buckets[b]; c; c = c->hnext)
			chained++;
	if (prev != d->last || count != d->nchildren || chained != count) {
		kprintf("vfs_check: %s: %zu children listed, %zu chained, count %zu\n",
			d->name, count, chained, d->nchildren);
		return -EINVAL;
	}
	return 0;
}

int vfs_check(const struct vfs_node *root)
{
	const struct vfs_node *n = root;

	/* Pre-order walk without recursion. */
	while (n) {
		if (VFS_IS_DIR(n->mode) && vfs_check_dir(n))
			return -EINVAL;
		if (!VFS_IS_DIR(n->mode) && (n->first || n->nchildren)) {
			kprintf("vfs_check: %s is not a directory but has children\n", n->name);
			return -EINVAL;
		}
		if (n->first) {
			n = n->first;
			continue;
		}
		while (n != root && !n->next)
			n = n->parent;
		n = n == root ? NULL : n->next;
	}
	return 0;
}
