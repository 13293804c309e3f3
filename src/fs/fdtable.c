/*
 * Descriptor tables. See include/fs/file.h.
 */
#include "fs/file.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"

#define FDT_MIN 64 /* NR_OPEN_DEFAULT */

struct fdtable *fdt_create(void)
{
	struct fdtable *t = kzalloc(sizeof(struct fdtable));

	if (t)
		t->refs = 1;
	return t;
}

struct fdtable *fdt_share(struct fdtable *t)
{
	t->refs++;
	return t;
}

bool fdt_shared(const struct fdtable *t)
{
	return t->refs > 1;
}

void fdt_destroy(struct fdtable *t)
{
	if (!t || --t->refs > 0)
		return;
	for (unsigned i = 0; i < t->size; i++)
		if (t->files[i])
			file_put(t->files[i]);
	kfree(t->files);
	kfree(t->fdflags);
	kfree(t);
}

struct fdtable *fdt_clone(const struct fdtable *t)
{
	struct fdtable *c = fdt_create();

	if (!c)
		return NULL;
	if (t->size) {
		c->files = kzalloc(t->size * sizeof(*c->files));
		c->fdflags = kzalloc(t->size);
		if (!c->files || !c->fdflags) {
			fdt_destroy(c);
			return NULL;
		}
		c->size = t->size;
		memcpy(c->fdflags, t->fdflags, t->size);
	}
	for (unsigned i = 0; i < t->size; i++) {
		c->files[i] = t->files[i];
		if (c->files[i])
			file_get(c->files[i]);
	}
	return c;
}

/* Make room for descriptor fd (doubling from FDT_MIN). 0 or -ENOMEM. */
static int fdt_grow(struct fdtable *t, unsigned fd)
{
	unsigned size = t->size ? t->size : FDT_MIN;
	struct file **files;
	uint8_t *fl;

	if (fd < t->size)
		return 0;
	while (size <= fd)
		size *= 2;
	files = kzalloc(size * sizeof(*files));
	fl = kzalloc(size);
	if (!files || !fl) {
		kfree(files);
		kfree(fl);
		return -ENOMEM;
	}
	if (t->size) {
		memcpy(files, t->files, t->size * sizeof(*files));
		memcpy(fl, t->fdflags, t->size);
	}
	kfree(t->files);
	kfree(t->fdflags);
	t->files = files;
	t->fdflags = fl;
	t->size = size;
	return 0;
}

int fdt_free_fd(const struct fdtable *t, unsigned minfd, unsigned limit)
{
	unsigned fd = minfd;

	while (fd < t->size && t->files[fd])
		fd++;
	return fd < limit ? (int)fd : -EMFILE;
}

int fdt_install(struct fdtable *t, unsigned minfd, struct file *f, unsigned fdflags,
		unsigned limit)
{
	int fd = fdt_free_fd(t, minfd, limit), err;

	if (fd < 0)
		return fd;
	err = fdt_grow(t, (unsigned)fd);
	if (err)
		return err;
	t->files[fd] = f;
	t->fdflags[fd] = (uint8_t)(fdflags & FD_CLOEXEC);
	return fd;
}

int fdt_install_at(struct fdtable *t, unsigned fd, struct file *f, unsigned fdflags,
		   unsigned limit)
{
	struct file *old;
	int err;

	if (fd >= limit)
		return -EBADF;
	err = fdt_grow(t, fd);
	if (err)
		return err;
	old = t->files[fd];
	t->files[fd] = f;
	t->fdflags[fd] = (uint8_t)(fdflags & FD_CLOEXEC);
	if (old)
		file_put(old);
	return (int)fd;
}

struct file *fdt_get(const struct fdtable *t, int fd)
{
	if (!t || fd < 0 || (unsigned)fd >= t->size)
		return NULL;
	return t->files[fd];
}

int fdt_close(struct fdtable *t, int fd)
{
	struct file *f = fdt_get(t, fd);

	if (!f)
		return -EBADF;
	t->files[fd] = NULL;
	t->fdflags[fd] = 0;
	file_put(f);
	return 0;
}

int fdt_get_fdflags(const struct fdtable *t, int fd)
{
	return fdt_get(t, fd) ? t->fdflags[fd] : -EBADF;
}

int fdt_set_fdflags(struct fdtable *t, int fd, unsigned fdflags)
{
	if (!fdt_get(t, fd))
		return -EBADF;
	t->fdflags[fd] = (uint8_t)(fdflags & FD_CLOEXEC);
	return 0;
}

unsigned fdt_count(const struct fdtable *t)
{
	unsigned n = 0;

	for (unsigned i = 0; t && i < t->size; i++)
		n += t->files[i] != NULL;
	return n;
}
