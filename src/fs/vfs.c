/*
 * The in-memory file tree. See include/fs/vfs.h.
 */
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/mobj.h"

#define VFS_BUCKETS_MIN 8

static void vfs_trim(struct vfs_node *dir);

static uint64_t (*vfs_clock)(void);
static uint64_t vfs_next_ino = 1;

void vfs_set_clock(uint64_t (*now)(void))
{
	vfs_clock = now;
}

uint64_t vfs_now(void)
{
	return vfs_clock ? vfs_clock() : 0;
}

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
	n->ino = vfs_next_ino++;
	n->mtime = vfs_now();
	return n;
}

struct vfs_node *vfs_new_root(uint32_t mode)
{
	return vfs_alloc("", 0, VFS_S_IFDIR | (mode & ~VFS_S_IFMT));
}

struct vfs_node *vfs_new_node(const char *name, size_t len, uint32_t mode)
{
	struct vfs_node *n = vfs_alloc(name, len, mode);

	if (n)
		n->flags |= VFS_NODE_UNLINKED;
	return n;
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

/* Put n (named already) last in dir, which has buckets. Cannot fail. */
static void vfs_attach(struct vfs_node *dir, struct vfs_node *n)
{
	struct vfs_node **head = vfs_bucket(dir, n->name, strlen(n->name));

	n->parent = dir;
	n->prev = dir->last;
	n->next = NULL;
	if (dir->last)
		dir->last->next = n;
	else
		dir->first = n;
	dir->last = n;
	n->hnext = *head;
	*head = n;
	if (++dir->nchildren > dir->nbuckets)
		vfs_rehash(dir, dir->nbuckets * 2); /* best effort */
}

int vfs_create(struct vfs_node *dir, const char *name, size_t len, uint32_t mode,
	       struct vfs_node **out)
{
	struct vfs_node *n;

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
	if (!n) {
		vfs_trim(dir); /* an empty directory gives back the table it just got */
		return -ENOMEM;
	}
	vfs_attach(dir, n);
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
	struct vfs_node *file = n->link_to;

	if (n->refs) {
		/* still open or named by hard links: out of the tree, freed at vfs_put */
		n->flags |= VFS_NODE_UNLINKED;
		n->parent = n->next = n->prev = NULL;
		n->first = n->last = NULL; /* its children went before it */
		n->nchildren = 0;
		vfs_trim(n);
		return;
	}
	if (n->obj) { /* no mapping holds n: only the object may outlive it */
		n->obj->owner = NULL;
		n->obj->owner_ref = NULL;
	}
	mobj_put(n->obj);
	if (n->data_flags & VFS_DATA_OWNED)
		kfree((void *)n->data);
	kfree(n->buckets);
	kfree(n->name);
	kfree(n);
	if (file) {
		file->aliases--;
		vfs_put(file);
	}
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

void vfs_get(struct vfs_node *n)
{
	n->refs++;
}

void vfs_put(struct vfs_node *n)
{
	if (--n->refs == 0 && (n->flags & VFS_NODE_UNLINKED))
		vfs_free(n);
}

/*
 * A directory gives back what its hash table no longer needs: all of it
 * when empty (the heap as before its first child), half of it while a
 * quarter or less is used, down to VFS_BUCKETS_MIN, so a directory that
 * grew and shrank back (/proc over a tree of processes) holds the table it
 * had. Best effort: a failed allocation keeps the larger table.
 */
static void vfs_trim(struct vfs_node *dir)
{
	size_t nb;

	if (!dir)
		return;
	if (!dir->nchildren) {
		kfree(dir->buckets);
		dir->buckets = NULL;
		dir->nbuckets = 0;
		return;
	}
	for (nb = dir->nbuckets; nb > VFS_BUCKETS_MIN && dir->nchildren <= nb / 4; nb /= 2)
		;
	if (nb != dir->nbuckets)
		vfs_rehash(dir, nb);
}

void vfs_prune(struct vfs_node *n)
{
	struct vfs_node *dir = n->parent;

	vfs_free(n);
	vfs_trim(dir);
}

int vfs_unlink(struct vfs_node *n)
{
	struct vfs_node *dir = n->parent;

	if (!dir)
		return -EBUSY;
	if (n->nchildren)
		return -ENOTEMPTY;
	vfs_detach(n);
	vfs_trim(dir);
	n->flags |= VFS_NODE_UNLINKED;
	if (!n->refs)
		vfs_free(n);
	return 0;
}

void vfs_exchange(struct vfs_node *a, struct vfs_node *b)
{
	struct vfs_node *pa = a->parent, *pb = b->parent;
	char *na = a->name;

	vfs_detach(a);
	vfs_detach(b); /* the directories keep their tables: attach needs no memory */
	a->name = b->name;
	b->name = na;
	vfs_attach(pb, a);
	vfs_attach(pa, b);
}

int vfs_link(struct vfs_node *target, struct vfs_node *dir, const char *name, size_t len,
	     struct vfs_node **out)
{
	struct vfs_node *file = vfs_file_of(target);
	int err;

	if (VFS_IS_DIR(target->mode))
		return -EPERM;
	if (!vfs_nlink(file) && !(file->flags & VFS_NODE_LINKABLE))
		return -ENOENT;
	err = vfs_create(dir, name, len, target->mode & VFS_S_IFMT, out);
	if (err)
		return err;
	(*out)->link_to = file;
	file->aliases++;
	vfs_get(file);
	return 0;
}

bool vfs_is_below(const struct vfs_node *n, const struct vfs_node *anc)
{
	for (; n; n = n->parent)
		if (n == anc)
			return true;
	return false;
}

int vfs_rename(struct vfs_node *n, struct vfs_node *dir, const char *name, size_t len,
	       struct vfs_node *victim)
{
	struct vfs_node *old = n->parent;
	char *copy;

	if (!vfs_name_ok(name, len) || !old || vfs_is_below(dir, n))
		return -EINVAL;
	if (!VFS_IS_DIR(dir->mode))
		return -ENOTDIR;
	if (vfs_lookup(dir, name, len) != victim || victim == n)
		return -EEXIST;
	copy = kmalloc(len + 1);
	if (!copy)
		return -ENOMEM;
	if (!dir->nbuckets && vfs_rehash(dir, VFS_BUCKETS_MIN)) {
		kfree(copy);
		return -ENOMEM;
	}
	memcpy(copy, name, len);
	copy[len] = '\0';
	if (victim) {
		vfs_detach(victim); /* not vfs_unlink: dir keeps its table */
		victim->flags |= VFS_NODE_UNLINKED;
		if (!victim->refs)
			vfs_free(victim);
	}
	vfs_detach(n);
	kfree(n->name);
	n->name = copy;
	vfs_attach(dir, n);
	vfs_trim(old);
	return 0;
}

uint64_t vfs_size(const struct vfs_node *n)
{
	return n->obj ? n->obj->size : n->size;
}

size_t vfs_read(struct vfs_node *n, uint64_t off, void *buf, size_t len)
{
	if (n->obj)
		return mobj_read(n->obj, off, buf, len);
	if (off >= n->size)
		return 0;
	len = MIN(len, n->size - (size_t)off);
	memcpy(buf, (const uint8_t *)n->data + off, len);
	return len;
}

/* mobj owner_ref of a tmpfs file's object: its mappings hold the node as an open file does. */
static void vfs_obj_owner_ref(void *owner, int delta)
{
	if (delta > 0)
		vfs_get(owner);
	else
		vfs_put(owner);
}

int vfs_obj(struct vfs_node *n, struct mobj **out)
{
	struct mobj *o;
	long w;

	if (n->gen)
		return -EINVAL; /* generated: no bytes to store */
	if (!n->obj) {
		o = mobj_create(MOBJ_SHMEM);
		if (!o)
			return -ENOMEM;
		o->seals = MOBJ_SEAL_SEAL; /* tmpfs files take no seals; memfds clear it */
		w = n->size ? mobj_write(o, 0, n->data, n->size) : 0;
		if (w < 0) {
			mobj_put(o);
			return (int)w;
		}
		if (n->data_flags & VFS_DATA_OWNED) {
			kfree((void *)n->data);
		} else {
			n->orig = n->data;
			n->orig_size = n->size;
			n->flags |= VFS_NODE_UNPACKED;
		}
		n->data = NULL;
		n->size = 0;
		n->data_flags = 0;
		o->owner = n;
		o->owner_ref = vfs_obj_owner_ref;
		n->obj = o;
	}
	*out = n->obj;
	return 0;
}

/* True when n's object holds exactly the borrowed bytes it was unpacked with. */
static bool vfs_obj_unchanged(struct vfs_node *n)
{
	static uint8_t page[PAGE_SIZE];
	const uint8_t *orig = n->orig;

	if (!n->obj || !(n->flags & VFS_NODE_UNPACKED) || n->obj->size != n->orig_size)
		return false;
	for (size_t off = 0; off < n->orig_size; off += sizeof(page)) {
		size_t len = MIN(sizeof(page), n->orig_size - off);

		if (mobj_read(n->obj, off, page, len) != len || memcmp(page, orig + off, len))
			return false;
	}
	return true;
}

const void *vfs_bytes(struct vfs_node *n, size_t *size)
{
	*size = (size_t)vfs_size(n);
	if (!n->obj)
		return n->data;
	return vfs_obj_unchanged(n) ? n->orig : NULL;
}

/*
 * Give back the object of file n when it was copied up from borrowed bytes,
 * still holds exactly them, nothing maps or holds it and it took no seal:
 * n reads its borrowed bytes again (see vfs_sweep).
 */
static void vfs_uncopy(struct vfs_node *n)
{
	struct mobj *o = n->obj;

	if (!o || o->refs != 1 || o->maps || o->seals != MOBJ_SEAL_SEAL ||
	    !vfs_obj_unchanged(n))
		return;
	n->obj = NULL;
	mobj_put(o);
	n->data = n->orig;
	n->size = n->orig_size;
	n->data_flags = VFS_DATA_BORROWED;
	n->orig = NULL;
	n->orig_size = 0;
	n->flags &= ~VFS_NODE_UNPACKED;
}

long vfs_write(struct vfs_node *n, uint64_t off, const void *buf, size_t len)
{
	struct mobj *o = NULL;
	int err = vfs_obj(n, &o);

	return err ? err : mobj_write(o, off, buf, len);
}

int vfs_truncate(struct vfs_node *n, uint64_t size)
{
	struct mobj *o = NULL;
	int err = vfs_obj(n, &o);

	return err ? err : mobj_truncate(o, size);
}

uint64_t vfs_next_ino_peek(void)
{
	return vfs_next_ino;
}

/* The pre-order successor of a node whose subtree is done: up from dir. */
static struct vfs_node *vfs_sweep_up(struct vfs_node *dir, const struct vfs_node *root)
{
	while (dir && dir != root && !dir->next)
		dir = dir->parent;
	return !dir || dir == root ? NULL : dir->next;
}

size_t vfs_sweep(struct vfs_node *root, uint64_t first_new)
{
	struct vfs_node *n = root->first, *next, *dir;
	size_t count = 0;

	while (n) {
		if (n->ino >= first_new) {
			dir = n->parent;
			next = n->next;
			vfs_free(n);
			vfs_trim(dir);
			count++;
			n = next ? next : vfs_sweep_up(dir, root);
		} else if (n->first) {
			n = n->first;
		} else {
			vfs_uncopy(n);
			n = n->next ? n->next : vfs_sweep_up(n->parent, root);
		}
	}
	return count;
}

int vfs_set_gen(struct vfs_node *n, const struct vfs_gen *gen, uintptr_t arg)
{
	bool ok = VFS_IS_REG(n->mode) || (VFS_IS_LNK(n->mode) && gen->link) ||
		  (VFS_IS_DIR(n->mode) && gen->refresh);

	if (!ok || n->data)
		return -EINVAL;
	n->gen = gen;
	n->gen_arg = arg;
	return 0;
}

int vfs_refresh(struct vfs_node *dir)
{
	if (!VFS_IS_DIR(dir->mode) || !dir->gen || !dir->gen->refresh)
		return 0;
	return dir->gen->refresh(dir);
}

long vfs_readlink(const struct vfs_node *n, char *buf, size_t size)
{
	const struct vfs_node *f = vfs_file_of((struct vfs_node *)n);
	size_t len;

	if (f->gen && f->gen->link)
		return f->gen->link(f, buf, size);
	len = MIN(f->size, size);
	memcpy(buf, f->data, len);
	return (long)len;
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
