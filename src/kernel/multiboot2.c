/*
 * Multiboot2 boot information parser. Reads the info GRUB left in low memory
 * (through the early direct map) and copies what the kernel keeps.
 */
#include "kernel/boot.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/mmarch.h"

#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_MODULE 3
#define MB2_TAG_MMAP 6
#define MB2_MMAP_AVAILABLE 1
#define MB2_INFO_MAX (1u << 20) /* sanity bound on total_size */

struct mb2_tag {
	uint32_t type;
	uint32_t size;
};

struct mb2_tag_module {
	struct mb2_tag tag;
	uint32_t mod_start, mod_end;
	char cmdline[];
};

struct mb2_tag_mmap {
	struct mb2_tag tag;
	uint32_t entry_size, entry_version;
};

struct mb2_mmap_entry {
	uint64_t base, len;
	uint32_t type, reserved;
};

static struct boot_info boot;

const struct boot_info *boot_info(void)
{
	return &boot;
}

/* Copy a NUL-terminated string of at most `max` bytes (tag payload) into dst. */
static void boot_copy_str(char *dst, size_t dsize, const char *src, size_t max)
{
	size_t n = strnlen(src, max);

	if (n >= dsize)
		n = dsize - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Record every available range of a memory-map tag. */
static void boot_parse_mmap(const struct mb2_tag_mmap *t)
{
	const uint8_t *p = (const uint8_t *)(t + 1);
	const uint8_t *end = (const uint8_t *)t + t->tag.size;

	if (t->entry_size < sizeof(struct mb2_mmap_entry))
		return;
	for (; p + t->entry_size <= end; p += t->entry_size) {
		const struct mb2_mmap_entry *e = (const void *)p;

		if (e->type != MB2_MMAP_AVAILABLE || e->len == 0)
			continue;
		if (boot.nram == BOOT_MAX_RAM) {
			boot.dropped++;
			continue;
		}
		boot.ram[boot.nram].start = e->base;
		boot.ram[boot.nram].end = e->base + e->len;
		boot.nram++;
	}
}

/* Record one module: its physical extent and its command line. */
static void boot_parse_module(const struct mb2_tag_module *t)
{
	struct boot_module *m;

	if (boot.nmodules == BOOT_MAX_MODULES) {
		boot.dropped++;
		return;
	}
	m = &boot.modules[boot.nmodules++];
	m->start = t->mod_start;
	m->end = t->mod_end;
	boot_copy_str(m->cmdline, sizeof(m->cmdline), t->cmdline,
		      t->tag.size - sizeof(*t));
}

/* Dispatch one tag by type; unknown tags are skipped. */
static void boot_parse_tag(const struct mb2_tag *t)
{
	switch (t->type) {
	case MB2_TAG_CMDLINE:
		boot_copy_str(boot.cmdline, sizeof(boot.cmdline),
			      (const char *)(t + 1), t->size - sizeof(*t));
		break;
	case MB2_TAG_MODULE:
		boot_parse_module((const void *)t);
		break;
	case MB2_TAG_MMAP:
		boot_parse_mmap((const void *)t);
		break;
	}
}

int boot_parse(uint32_t magic, paddr_t mbi_phys)
{
	const uint8_t *base = mm_phys_to_virt(mbi_phys);
	uint32_t total = *(const uint32_t *)base;
	uint32_t off = 8;

	if (magic != MB2_BOOTLOADER_MAGIC || total < 16 || total > MB2_INFO_MAX)
		return -EINVAL;
	boot.info.start = mbi_phys;
	boot.info.end = mbi_phys + total;
	while (off + sizeof(struct mb2_tag) <= total) {
		const struct mb2_tag *t = (const void *)(base + off);

		if (t->type == MB2_TAG_END)
			return 0;
		if (t->size < sizeof(*t) || off + t->size > total)
			return -EINVAL;
		boot_parse_tag(t);
		off += ALIGN_UP(t->size, 8);
	}
	return -EINVAL;
}
