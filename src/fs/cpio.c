/*
 * cpio "newc" unpacking into the vfs tree. See include/fs/cpio.h.
 */
#include <stdarg.h>

#include "fs/cpio.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/heap.h"

#define CPIO_NFIELDS 13
#define CPIO_TRAILER "TRAILER!!!"
#define CPIO_DIR_MODE (VFS_S_IFDIR | 0755)

/* The header fields, in archive order. */
enum cpio_field {
	CPIO_INO, CPIO_MODE, CPIO_UID, CPIO_GID, CPIO_NLINK, CPIO_MTIME, CPIO_FILESIZE,
	CPIO_DEVMAJOR, CPIO_DEVMINOR, CPIO_RDEVMAJOR, CPIO_RDEVMINOR, CPIO_NAMESIZE,
	CPIO_CHECK,
};

/* One parsed entry. */
struct cpio_entry {
	uint32_t f[CPIO_NFIELDS];
	const char *name;        /* NUL-terminated, inside the archive */
	const uint8_t *data;
	size_t next;             /* offset of the next header */
};

/* The parse state: archive, flags, report. */
struct cpio_ctx {
	const uint8_t *buf;
	size_t size, off;
	unsigned flags;
	struct cpio_report *r;
};

/* Record why the entry at c->off failed; returns err. */
__attribute__((format(printf, 3, 4)))
static int cpio_fail(struct cpio_ctx *c, int err, const char *fmt, ...)
{
	va_list ap;
	int n = ksnprintf(c->r->why, sizeof(c->r->why), "offset %zu: ", c->off);

	va_start(ap, fmt);
	kvsnprintf(c->r->why + n, sizeof(c->r->why) - (size_t)n, fmt, ap);
	va_end(ap);
	c->r->err_offset = c->off;
	return err;
}

/* Copy up to 60 bytes of a name for a message, '?' for unprintable bytes. */
static const char *cpio_quote(const char *name, char *buf, size_t size)
{
	size_t i = 0;

	for (; name[i] && i + 4 < size && i < 60; i++)
		buf[i] = (name[i] >= 0x20 && name[i] < 0x7f) ? name[i] : '?';
	if (name[i] && i + 4 < size)
		buf[i++] = '.', buf[i++] = '.', buf[i++] = '.';
	buf[i] = '\0';
	return buf;
}

/* Eight ASCII hex digits at s into *out; false when one is not hex. */
static bool cpio_hex8(const uint8_t *s, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		uint8_t ch = s[i];
		uint32_t d;

		if (ch >= '0' && ch <= '9')
			d = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			d = ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			d = ch - 'A' + 10;
		else
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

/* Parse the header, name and data bounds of the entry at c->off into *e. */
static int cpio_parse_entry(struct cpio_ctx *c, struct cpio_entry *e)
{
	const uint8_t *h = c->buf + c->off;
	size_t left = c->size - c->off, name_end, data_off;
	uint32_t ns;

	if (left < CPIO_HEADER_SIZE)
		return cpio_fail(c, -EINVAL, "truncated header (%zu of %d bytes)", left,
				 CPIO_HEADER_SIZE);
	if (memcmp(h, "07070", 5) != 0 || (h[5] != '1' && h[5] != '2'))
		return cpio_fail(c, -EINVAL, "bad magic (want 070701 or 070702)");
	for (int i = 0; i < CPIO_NFIELDS; i++)
		if (!cpio_hex8(h + 6 + 8 * i, &e->f[i]))
			return cpio_fail(c, -EINVAL, "header field %d is not hex", i);
	ns = e->f[CPIO_NAMESIZE];
	if (ns == 0 || ns > VFS_PATH_MAX)
		return cpio_fail(c, -EINVAL, "bad name size %u", ns);
	if (ns > left - CPIO_HEADER_SIZE)
		return cpio_fail(c, -EINVAL, "truncated name (%u bytes announced)", ns);
	e->name = (const char *)h + CPIO_HEADER_SIZE;
	if (e->name[ns - 1] != '\0' || strnlen(e->name, ns) != ns - 1)
		return cpio_fail(c, -EINVAL, "name without its NUL or with a NUL inside");
	name_end = c->off + CPIO_HEADER_SIZE + ns;
	data_off = ALIGN_UP(name_end, 4);
	if (e->f[CPIO_FILESIZE] &&
	    (data_off > c->size || e->f[CPIO_FILESIZE] > c->size - data_off))
		return cpio_fail(c, -EINVAL, "truncated data (%u bytes announced, %zu left)",
				 e->f[CPIO_FILESIZE], data_off > c->size ? 0 : c->size - data_off);
	e->data = c->buf + MIN(data_off, c->size);
	e->next = ALIGN_UP(data_off + e->f[CPIO_FILESIZE], 4);
	if (h[5] == '2') {
		uint32_t sum = 0;

		for (size_t i = 0; i < e->f[CPIO_FILESIZE]; i++)
			sum += e->data[i];
		if (sum != e->f[CPIO_CHECK])
			return cpio_fail(c, -EINVAL, "checksum 0x%x, header says 0x%x", sum,
					 e->f[CPIO_CHECK]);
	}
	return 0;
}

/*
 * The directory that holds the last component of path p (created as
 * needed) into *dir, and that component into *last and *len. -EINVAL for "..",
 * -EEXIST when a component is not a directory, -ENOMEM.
 */
static int cpio_parent(struct cpio_ctx *c, struct vfs_node *root, const char *path,
		       struct vfs_node **dir, const char **last, size_t *len)
{
	struct vfs_node *d = root;
	const char *p = path;
	char q[72];

	*last = NULL;
	*len = 0;
	for (;;) {
		const char *end = p;
		size_t n;

		while (*end && *end != '/')
			end++;
		n = (size_t)(end - p);
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return cpio_fail(c, -EINVAL, "path with \"..\": %s",
					 cpio_quote(path, q, sizeof(q)));
		if (n > VFS_NAME_MAX)
			return cpio_fail(c, -EINVAL, "name longer than %d bytes", VFS_NAME_MAX);
		if (n && !(n == 1 && p[0] == '.')) {
			if (*last) {
				struct vfs_node *sub;
				int err = vfs_create(d, *last, *len, CPIO_DIR_MODE, &sub);

				if (err == -EEXIST && !VFS_IS_DIR(sub->mode))
					return cpio_fail(c, -EEXIST, "%s is not a directory",
							 cpio_quote(sub->name, q, sizeof(q)));
				if (err && err != -EEXIST)
					return cpio_fail(c, err, "no memory for a directory");
				d = sub;
			}
			*last = p;
			*len = n;
		}
		if (!*end)
			break;
		p = end + 1;
	}
	*dir = d;
	return 0;
}

/* Set the metadata an entry carries on node n. */
static void cpio_set_meta(struct vfs_node *n, const struct cpio_entry *e)
{
	n->mode = e->f[CPIO_MODE];
	n->uid = e->f[CPIO_UID];
	n->gid = e->f[CPIO_GID];
	n->mtime = e->f[CPIO_MTIME];
	n->rdev_major = e->f[CPIO_RDEVMAJOR];
	n->rdev_minor = e->f[CPIO_RDEVMINOR];
}

/* Check the entry's type against its size; 0 or a reason through cpio_fail. */
static int cpio_check_type(struct cpio_ctx *c, const struct cpio_entry *e)
{
	uint32_t mode = e->f[CPIO_MODE], size = e->f[CPIO_FILESIZE];

	switch (VFS_MODE_TYPE(mode)) {
	case VFS_S_IFREG:
		return 0;
	case VFS_S_IFLNK:
		return size ? 0 : cpio_fail(c, -EINVAL, "empty symlink");
	case VFS_S_IFDIR: case VFS_S_IFCHR: case VFS_S_IFBLK: case VFS_S_IFIFO:
	case VFS_S_IFSOCK:
		return size ? cpio_fail(c, -EINVAL, "%s with %u bytes of data",
					VFS_IS_DIR(mode) ? "directory" : "special file", size) : 0;
	default:
		return cpio_fail(c, -EINVAL, "unknown file type (mode 0%o)", mode);
	}
}

/* Give a new regular file or symlink its bytes (borrowed or copied). */
static int cpio_set_data(struct cpio_ctx *c, struct vfs_node *n, const struct cpio_entry *e)
{
	size_t size = e->f[CPIO_FILESIZE];
	void *copy;

	if (!(c->flags & CPIO_COPY) || size == 0)
		return vfs_set_data(n, e->data, size, VFS_DATA_BORROWED);
	copy = kmalloc(size);
	if (!copy)
		return cpio_fail(c, -ENOMEM, "no memory for %zu bytes of data", size);
	memcpy(copy, e->data, size);
	return vfs_set_data(n, copy, size, VFS_DATA_OWNED);
}

/* Count what one entry added. */
static void cpio_count(struct cpio_report *r, uint32_t mode, size_t size)
{
	r->entries++;
	if (VFS_IS_REG(mode)) {
		r->files++;
		r->bytes += size;
	} else if (VFS_IS_DIR(mode)) {
		r->dirs++;
	} else if (VFS_IS_LNK(mode)) {
		r->symlinks++;
	} else {
		r->special++;
	}
}

/* Apply entry e (not a trailer) to the tree. */
static int cpio_apply(struct cpio_ctx *c, struct vfs_node *root, const struct cpio_entry *e)
{
	uint32_t mode = e->f[CPIO_MODE];
	struct vfs_node *dir = root, *n = NULL;
	const char *last;
	size_t len;
	char q[72];
	int err = cpio_check_type(c, e);

	err = err ? err : cpio_parent(c, root, e->name, &dir, &last, &len);
	if (err)
		return err;
	if (!last) { /* the root itself ("." or "/") */
		if (!VFS_IS_DIR(mode))
			return cpio_fail(c, -EEXIST, "the root must be a directory");
		cpio_set_meta(root, e);
		cpio_count(c->r, mode, 0);
		return 0;
	}
	err = vfs_create(dir, last, len, mode, &n);
	if (err == -EEXIST && VFS_IS_DIR(n->mode) != VFS_IS_DIR(mode))
		return cpio_fail(c, -EEXIST, "%s exists and is %sa directory",
				 cpio_quote(n->name, q, sizeof(q)), VFS_IS_DIR(n->mode) ? "" : "not ");
	if (err == -EEXIST && !VFS_IS_DIR(mode)) { /* a later file replaces the earlier one */
		vfs_free(n);
		err = vfs_create(dir, last, len, mode, &n);
	}
	if (err && err != -EEXIST)
		return cpio_fail(c, err, "cannot create %s (%d)", cpio_quote(e->name, q, sizeof(q)),
				 err);
	cpio_set_meta(n, e);
	if (VFS_IS_REG(mode) || VFS_IS_LNK(mode)) {
		err = cpio_set_data(c, n, e);
		if (err) {
			vfs_free(n);
			return err;
		}
	}
	cpio_count(c->r, mode, e->f[CPIO_FILESIZE]);
	return 0;
}

/* Skip a trailer's zero padding; true when nothing but zeros is left. */
static bool cpio_skip_zeros(struct cpio_ctx *c)
{
	while (c->off < c->size && c->buf[c->off] == 0)
		c->off++;
	return c->off == c->size;
}

int cpio_unpack(struct vfs_node *root, const void *buf, size_t size, unsigned flags,
		struct cpio_report *r)
{
	struct cpio_ctx c = { buf, size, 0, flags, r };

	memset(r, 0, sizeof(*r));
	if (size == 0)
		return cpio_fail(&c, -EINVAL, "empty archive");
	for (;;) {
		struct cpio_entry e = {0};
		int err = cpio_parse_entry(&c, &e);

		if (err)
			return err;
		if (strcmp(e.name, CPIO_TRAILER) == 0) {
			c.off = MIN(e.next, size);
			if (cpio_skip_zeros(&c))
				return 0;
			c.off = ALIGN_DOWN(c.off, 4);
			continue;
		}
		err = cpio_apply(&c, root, &e);
		if (err)
			return err;
		if (e.next >= size)
			return cpio_fail(&c, -EINVAL, "no %s entry at the end", CPIO_TRAILER);
		c.off = e.next;
	}
}
