/*
 * The ELF loader: checks a static x86_64 executable and maps its PT_LOAD
 * segments into a user address space. See include/kernel/elf.h.
 */
#include <stdarg.h>

#include "kernel/elf.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/access.h"
#include "mm/aspace.h"
#include "mm/heap.h"

/* Everything elf_check learns about the file, shared with the mapper. */
struct elf_image {
	const uint8_t *base;
	size_t size;
	struct elf64_ehdr eh;
	struct elf64_phdr ph[ELF_MAX_PHNUM];
	unsigned order[ELF_MAX_PHNUM]; /* indexes of non-empty PT_LOADs, by p_vaddr */
	unsigned nload;
	uint64_t bias; /* added to every p_vaddr and e_entry: 0 for ET_EXEC */
};

/* Write a reason into why and return -ENOEXEC. */
static int elf_reject(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (why && whylen)
		kvsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -ENOEXEC;
}

/* Check e_ident, type, machine and the program-header table's shape. */
static int elf_check_header(const struct elf_image *im, char *why, size_t wl)
{
	const struct elf64_ehdr *eh = &im->eh;
	uint64_t table;

	if (memcmp(eh->e_ident, "\177ELF", 4) != 0)
		return elf_reject(why, wl, "elf: bad magic");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return elf_reject(why, wl, "elf: class %u is not ELFCLASS64",
				  eh->e_ident[EI_CLASS]);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return elf_reject(why, wl, "elf: not little endian");
	if (eh->e_ident[EI_VERSION] != 1 || eh->e_version != 1)
		return elf_reject(why, wl, "elf: bad version");
	if (eh->e_machine != EM_X86_64)
		return elf_reject(why, wl, "elf: machine %u is not x86_64",
				  eh->e_machine);
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return elf_reject(why, wl, "elf: type %u is not ET_EXEC or ET_DYN",
				  eh->e_type);
	if (eh->e_phentsize != sizeof(struct elf64_phdr))
		return elf_reject(why, wl, "elf: e_phentsize %u, expected %u",
				  eh->e_phentsize, (unsigned)sizeof(struct elf64_phdr));
	if (eh->e_phnum == 0)
		return elf_reject(why, wl, "elf: no program headers");
	if (eh->e_phnum > ELF_MAX_PHNUM)
		return elf_reject(why, wl, "elf: e_phnum %u exceeds %u",
				  eh->e_phnum, ELF_MAX_PHNUM);
	table = (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr);
	if (eh->e_phoff > im->size || table > im->size - eh->e_phoff)
		return elf_reject(why, wl, "elf: program headers out of file bounds");
	return 0;
}

/* Check one program header on its own. */
static int elf_check_phdr(const struct elf_image *im, unsigned i, char *why,
			  size_t wl)
{
	const struct elf64_phdr *ph = &im->ph[i];

	if (ph->p_type != PT_LOAD)
		return 0;
	if (ph->p_filesz > ph->p_memsz)
		return elf_reject(why, wl, "elf: segment %u filesz > memsz", i);
	if (ph->p_offset > im->size || ph->p_filesz > im->size - ph->p_offset)
		return elf_reject(why, wl,
				  "elf: segment %u file range past end of file", i);
	if (ph->p_memsz == 0)
		return 0;
	if (ph->p_vaddr < AS_MMAP_MIN_ADDR || ph->p_vaddr >= AS_TASK_SIZE ||
	    ph->p_memsz > AS_TASK_SIZE - ph->p_vaddr)
		return elf_reject(why, wl,
				  "elf: segment %u [0x%lx+0x%lx) outside the user half",
				  i, ph->p_vaddr, ph->p_memsz);
	return 0;
}

/*
 * Reject a dynamically linked image (one with PT_INTERP), naming the
 * interpreter it asks for: there is no dynamic loader here.
 */
static int elf_check_interp(const struct elf_image *im, char *why, size_t wl)
{
	for (unsigned i = 0; i < im->eh.e_phnum; i++) {
		const struct elf64_phdr *ph = &im->ph[i];
		size_t len;

		if (ph->p_type != PT_INTERP)
			continue;
		if (ph->p_offset > im->size || ph->p_filesz > im->size - ph->p_offset)
			return elf_reject(why, wl, "elf: dynamically linked (PT_INTERP "
					  "past end of file); only static executables run here");
		len = strnlen((const char *)im->base + ph->p_offset, MIN(ph->p_filesz, 96));
		return elf_reject(why, wl, "elf: dynamically linked: PT_INTERP asks for "
				  "interpreter %.*s; only static executables (-static, "
				  "-static-pie) run here",
				  (int)len, (const char *)im->base + ph->p_offset);
	}
	return 0;
}

/* The largest power-of-two p_align of the PT_LOADs (Linux's maximum_alignment). */
static uint64_t elf_max_align(const struct elf_image *im)
{
	uint64_t align = 0;

	for (unsigned i = 0; i < im->eh.e_phnum; i++) {
		uint64_t a = im->ph[i].p_align;

		if (im->ph[i].p_type == PT_LOAD && a && !(a & (a - 1)) && a > align)
			align = a;
	}
	return align;
}

/*
 * Move every PT_LOAD, PT_PHDR and the entry by `delta` (mod 2^64) and add it
 * to the bias. -ENOEXEC when a moved segment would wrap.
 */
static int elf_shift(struct elf_image *im, uint64_t delta, char *why, size_t wl)
{
	for (unsigned i = 0; i < im->eh.e_phnum; i++) {
		struct elf64_phdr *ph = &im->ph[i];

		if (ph->p_type != PT_LOAD && ph->p_type != PT_PHDR)
			continue;
		if (ph->p_vaddr + delta < ph->p_vaddr && (int64_t)delta > 0)
			return elf_reject(why, wl, "elf: segment %u [0x%lx+0x%lx) outside "
					  "the user half", i, ph->p_vaddr, ph->p_memsz);
		ph->p_vaddr += delta;
	}
	im->eh.e_entry += delta;
	im->bias += delta;
	return 0;
}

/*
 * The provisional load bias: 0 for ET_EXEC. For an ET_DYN image without
 * interpreter (a static-pie) Linux's load_elf_binary puts the first PT_LOAD
 * at ELF_ET_DYN_BASE aligned down to the largest p_align when that is more
 * than a page (final), else in the mmap region, top-down (elf_place moves
 * it there when loading; checks meanwhile see it at ELF_ET_DYN_BASE).
 * -ENOEXEC when the first PT_LOAD lies above that base.
 */
static int elf_rebase(struct elf_image *im, char *why, size_t wl)
{
	uint64_t base = ALIGN_DOWN(ELF_ET_DYN_BASE, PAGE_SIZE), align = elf_max_align(im);
	uint64_t first = 0;
	bool found = false;

	im->bias = 0;
	if (im->eh.e_type != ET_DYN)
		return 0;
	for (unsigned i = 0; i < im->eh.e_phnum && !found; i++)
		if (im->ph[i].p_type == PT_LOAD) {
			first = im->ph[i].p_vaddr;
			found = true;
		}
	if (align > PAGE_SIZE)
		base &= ~(align - 1);
	if (!found || first > base)
		return elf_reject(why, wl, "elf: ET_DYN first PT_LOAD 0x%lx above 0x%lx",
				  first, base);
	return elf_shift(im, ALIGN_DOWN(base - first, PAGE_SIZE), why, wl);
}

/* Sort the non-empty PT_LOADs by address and reject any overlapping pair. */
static int elf_check_overlap(struct elf_image *im, char *why, size_t wl)
{
	unsigned n = 0;

	for (unsigned i = 0; i < im->eh.e_phnum; i++) {
		const struct elf64_phdr *a = &im->ph[i];
		unsigned pos;

		if (a->p_type != PT_LOAD || a->p_memsz == 0)
			continue;
		for (unsigned k = 0; k < n; k++) {
			const struct elf64_phdr *b = &im->ph[im->order[k]];

			if (a->p_vaddr < b->p_vaddr + b->p_memsz &&
			    b->p_vaddr < a->p_vaddr + a->p_memsz)
				return elf_reject(why, wl,
						  "elf: segment %u overlaps segment %u",
						  i, im->order[k]);
		}
		for (pos = n++; pos > 0 && im->ph[im->order[pos - 1]].p_vaddr > a->p_vaddr; pos--)
			im->order[pos] = im->order[pos - 1];
		im->order[pos] = i;
	}
	im->nload = n;
	if (n == 0)
		return elf_reject(why, wl, "elf: no PT_LOAD segment");
	return 0;
}

/* True when `va` lies inside an executable, non-empty PT_LOAD. */
static bool elf_entry_ok(const struct elf_image *im, uint64_t va)
{
	for (unsigned k = 0; k < im->nload; k++) {
		const struct elf64_phdr *ph = &im->ph[im->order[k]];

		if ((ph->p_flags & PF_X) && va >= ph->p_vaddr &&
		    va - ph->p_vaddr < ph->p_memsz)
			return true;
	}
	return false;
}

/* AT_PHDR: PT_PHDR's address, else where a PT_LOAD maps the table, else 0. */
static vaddr_t elf_phdr_addr(const struct elf_image *im)
{
	uint64_t off = im->eh.e_phoff;
	uint64_t len = (uint64_t)im->eh.e_phnum * sizeof(struct elf64_phdr);

	for (unsigned i = 0; i < im->eh.e_phnum; i++)
		if (im->ph[i].p_type == PT_PHDR)
			return im->ph[i].p_vaddr;
	for (unsigned k = 0; k < im->nload; k++) {
		const struct elf64_phdr *ph = &im->ph[im->order[k]];

		if (off >= ph->p_offset && off - ph->p_offset <= ph->p_filesz &&
		    len <= ph->p_filesz - (off - ph->p_offset))
			return ph->p_vaddr + (off - ph->p_offset);
	}
	return 0;
}

/* What the runner needs from a checked image. */
static void elf_fill_info(const struct elf_image *im, struct elf_info *info)
{
	const struct elf64_phdr *top = &im->ph[im->order[im->nload - 1]];

	info->entry = im->eh.e_entry;
	info->bias = im->bias;
	info->phdr = elf_phdr_addr(im);
	info->phnum = im->eh.e_phnum;
	info->phent = im->eh.e_phentsize;
	info->image_end = ALIGN_UP(top->p_vaddr + top->p_memsz, PAGE_SIZE);
	info->brk = info->image_end;
	if (im->eh.e_type == ET_DYN) { /* Linux moves a static-pie's break out of the way */
		vaddr_t lo = ALIGN_DOWN(im->ph[im->order[0]].p_vaddr, PAGE_SIZE);
		vaddr_t base = ALIGN_UP(ELF_ET_DYN_BASE, PAGE_SIZE);

		info->brk = base >= lo && base < info->image_end ? info->image_end : base;
	}
}

/* Parse and check into *im; fill *info. */
static int elf_parse(struct elf_image *im, const void *img, size_t size,
		     struct elf_info *info, char *why, size_t wl)
{
	int err;

	im->base = img;
	im->size = size;
	if (!img || size < sizeof(im->eh))
		return elf_reject(why, wl, "elf: truncated header (%zu bytes)",
				  img ? size : 0);
	memcpy(&im->eh, img, sizeof(im->eh));
	err = elf_check_header(im, why, wl);
	if (err)
		return err;
	memcpy(im->ph, im->base + im->eh.e_phoff,
	       im->eh.e_phnum * sizeof(struct elf64_phdr));
	err = elf_check_interp(im, why, wl);
	if (!err)
		err = elf_rebase(im, why, wl);
	if (err)
		return err;
	for (unsigned i = 0; i < im->eh.e_phnum; i++) {
		err = elf_check_phdr(im, i, why, wl);
		if (err)
			return err;
	}
	err = elf_check_overlap(im, why, wl);
	if (err)
		return err;
	if (!elf_entry_ok(im, im->eh.e_entry))
		return elf_reject(why, wl,
				  "elf: entry 0x%lx not in an executable segment",
				  im->eh.e_entry);
	elf_fill_info(im, info);
	return 0;
}

int elf_check(const void *img, size_t size, struct elf_info *info, char *why,
	      size_t whylen)
{
	struct elf_image *im = kmalloc(sizeof(*im));
	int err;

	if (!im) {
		ksnprintf(why, whylen, "elf: out of memory");
		return -ENOMEM;
	}
	err = elf_parse(im, img, size, info, why, whylen);
	kfree(im);
	return err;
}

int elf_poke(struct aspace *as, vaddr_t va, const void *src, size_t len)
{
	return access_copy_to(as, va, src, len);
}

/* PF_* to PROT_*. */
static int elf_prot(uint32_t pflags)
{
	return ((pflags & PF_R) ? PROT_READ : 0) |
	       ((pflags & PF_W) ? PROT_WRITE : 0) |
	       ((pflags & PF_X) ? PROT_EXEC : 0);
}

/*
 * Map segment `i` read-write and copy its file bytes in (the rest stays
 * demand-zero). `*mapped` is the end of what earlier segments mapped: a page
 * shared with the previous segment is mapped only once.
 */
static long elf_map_one(struct aspace *as, const struct elf_image *im,
			unsigned i, vaddr_t *mapped)
{
	const struct elf64_phdr *ph = &im->ph[i];
	vaddr_t s = MAX(ALIGN_DOWN(ph->p_vaddr, PAGE_SIZE), *mapped);
	vaddr_t e = ALIGN_UP(ph->p_vaddr + ph->p_memsz, PAGE_SIZE);

	if (s < e) {
		long r = as_mmap(as, s, e - s, PROT_READ | PROT_WRITE,
				 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS);
		if (r < 0)
			return r;
		*mapped = e;
	}
	return elf_poke(as, ph->p_vaddr, im->base + ph->p_offset, ph->p_filesz);
}

/* Map and fill every PT_LOAD in address order. */
static int elf_map_segments(struct aspace *as, const struct elf_image *im,
			    char *why, size_t wl)
{
	vaddr_t mapped = 0;

	for (unsigned k = 0; k < im->nload; k++) {
		long r = elf_map_one(as, im, im->order[k], &mapped);

		if (r < 0) {
			ksnprintf(why, wl, "elf: mapping segment %u failed (%ld)",
				  im->order[k], r);
			return (int)r;
		}
	}
	return 0;
}

/*
 * Give each segment its final rights; a page shared by two segments gets the
 * union of their rights (as Linux ends up with, at page granularity).
 */
static int elf_protect_segments(struct aspace *as, const struct elf_image *im,
				char *why, size_t wl)
{
	vaddr_t tail = 0; /* last page of the previous segment */
	int tail_prot = 0;

	for (unsigned k = 0; k < im->nload; k++) {
		unsigned i = im->order[k];
		const struct elf64_phdr *ph = &im->ph[i];
		vaddr_t s = ALIGN_DOWN(ph->p_vaddr, PAGE_SIZE);
		vaddr_t e = ALIGN_UP(ph->p_vaddr + ph->p_memsz, PAGE_SIZE);
		int prot = elf_prot(ph->p_flags);
		bool shared = k > 0 && s == tail;
		int err = as_mprotect(as, s, e - s, prot);

		if (!err && shared)
			err = as_mprotect(as, s, PAGE_SIZE, prot | tail_prot);
		if (err) {
			ksnprintf(why, wl, "elf: protecting segment %u failed (%d)", i, err);
			return err;
		}
		tail_prot = (shared && e - PAGE_SIZE == s) ? prot | tail_prot : prot;
		tail = e - PAGE_SIZE;
	}
	return 0;
}

/*
 * Map segment `ph` as Linux's elf_load does from the file object `obj`: its
 * file pages as a private window with the segment's rights (a later segment
 * replaces what it overlaps, MAP_FIXED), the tail of the last file page past
 * p_filesz zeroed when the segment is writable (padzero: that page gets its
 * private copy), and the bss past that page anonymous memory, read-write
 * (plus exec for an executable segment), as vm_brk_flags maps it. -EINVAL
 * when p_offset and p_vaddr disagree within a page (mmap's unaligned offset),
 * else the address space's errors.
 */
static long elf_map_file_one(struct aspace *as, const struct elf64_phdr *ph, struct mobj *obj)
{
	uint64_t pad = ph->p_vaddr & (PAGE_SIZE - 1);
	vaddr_t start = ph->p_vaddr - pad, zero = ph->p_vaddr + ph->p_filesz;
	vaddr_t end = ALIGN_UP(ph->p_vaddr + ph->p_memsz, PAGE_SIZE);
	int prot = elf_prot(ph->p_flags);
	long r = 0;

	if (ph->p_filesz) {
		if ((ph->p_offset & (PAGE_SIZE - 1)) != pad)
			return -EINVAL;
		r = as_mmap_obj(as, start, pad + ph->p_filesz, prot, MAP_FIXED | MAP_PRIVATE,
				obj, (ph->p_offset - pad) / PAGE_SIZE, 0);
		if (r >= 0 && ph->p_memsz > ph->p_filesz && (zero & (PAGE_SIZE - 1)) &&
		    (prot & PROT_WRITE))
			r = elf_poke(as, zero, NULL, ALIGN_UP(zero, PAGE_SIZE) - zero);
		start = ALIGN_UP(zero, PAGE_SIZE);
	}
	if (r >= 0 && start < end)
		r = as_mmap(as, start, end - start,
			    PROT_READ | PROT_WRITE | (prot & PROT_EXEC),
			    MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS);
	return r < 0 ? r : 0;
}

/* Map every PT_LOAD from the file object, in address order (elf_map_file_one). */
static int elf_map_file(struct aspace *as, const struct elf_image *im, struct mobj *obj,
			char *why, size_t wl)
{
	for (unsigned k = 0; k < im->nload; k++) {
		long r = elf_map_file_one(as, &im->ph[im->order[k]], obj);

		if (r < 0) {
			ksnprintf(why, wl, "elf: mapping segment %u failed (%ld)",
				  im->order[k], r);
			return (int)r;
		}
	}
	return 0;
}

/*
 * A static-pie whose segments ask for no more than page alignment goes
 * where Linux maps it: top-down in the mmap region, as a mapping of the
 * image's whole span would land (found by making that mapping and removing
 * it again). Other images stay where elf_rebase put them. Returns 0 or
 * -errno with a reason.
 */
static int elf_place(struct aspace *as, struct elf_image *im, struct elf_info *info,
		     char *why, size_t wl)
{
	vaddr_t lo = ALIGN_DOWN(im->ph[im->order[0]].p_vaddr, PAGE_SIZE);
	uint64_t span = info->image_end - lo;
	long at;
	int err;

	if (im->eh.e_type != ET_DYN || elf_max_align(im) > PAGE_SIZE)
		return 0;
	at = as_mmap(as, 0, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (at < 0) {
		ksnprintf(why, wl, "elf: no room for the %lu-byte image (%ld)", span, at);
		return (int)at;
	}
	err = as_munmap(as, (vaddr_t)at, span);
	if (!err)
		err = elf_shift(im, (uint64_t)at - lo, why, wl);
	if (err) {
		ksnprintf(why, wl, "elf: placing the image failed (%d)", err);
		return err;
	}
	elf_fill_info(im, info);
	return 0;
}

/*
 * The image's code and data ranges as load_elf_binary records them in the
 * mm (start_code, end_code, start_data, end_data; biased).
 */
static void elf_image_ranges(const struct elf_image *im, struct as_image *r)
{
	*r = (struct as_image){ .start_code = ~0ULL };
	for (unsigned i = 0; i < im->eh.e_phnum; i++) {
		const struct elf64_phdr *ph = &im->ph[i];
		vaddr_t end = ph->p_vaddr + ph->p_filesz;

		if (ph->p_type != PT_LOAD)
			continue;
		if ((ph->p_flags & PF_X) && ph->p_vaddr < r->start_code)
			r->start_code = ph->p_vaddr;
		if ((ph->p_flags & PF_X) && end > r->end_code)
			r->end_code = end;
		r->start_data = MAX(r->start_data, ph->p_vaddr);
		r->end_data = MAX(r->end_data, end);
	}
}

int elf_load(struct aspace *as, const void *img, size_t size, struct mobj *obj,
	     struct elf_info *info, char *why, size_t whylen)
{
	struct elf_image *im = kmalloc(sizeof(*im));
	int err;

	if (!im) {
		ksnprintf(why, whylen, "elf: out of memory");
		return -ENOMEM;
	}
	err = elf_parse(im, img, size, info, why, whylen);
	if (!err)
		err = elf_place(as, im, info, why, whylen);
	if (!err && obj)
		err = elf_map_file(as, im, obj, why, whylen);
	if (!err && !obj)
		err = elf_map_segments(as, im, why, whylen);
	if (!err && !obj)
		err = elf_protect_segments(as, im, why, whylen);
	if (!err) {
		struct as_image r;

		elf_image_ranges(im, &r);
		as_set_image(as, &r);
		as_brk_init(as, info->brk);
		as_brk_data(as, r.end_data - r.start_data);
	}
	kfree(im);
	return err;
}
