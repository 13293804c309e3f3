/*
 * kmap: the kernel's own page tables (see include/mm/kmap.h).
 *
 * kmap_init builds a fresh root with pt_create_kernel: every top-level entry
 * of the kernel half gets its table up front, so address spaces created later
 * (pt_create_user shares those entries) see every kernel mapping made
 * afterwards; then the direct map
 * of RAM, the image sections with their real rights, and a supervisor-only
 * identity map of low memory. Identity mappings asked for later are tracked
 * in a small table so they can be removed exactly.
 */
#include "mm/kmap.h"

#include "lib/errno.h"
#include "lib/string.h"
#include "mm/mmarch.h"
#include "mm/pt.h"

#define KMAP_MAX_IDENTITY 16

struct kmap_identity_range {
	paddr_t pa;
	uint64_t len; /* 0: slot free */
};

static paddr_t kmap_root_pa;
static struct kmap_identity_range kmap_ids[KMAP_MAX_IDENTITY];

paddr_t kmap_root(void)
{
	return kmap_root_pa;
}

/* Direct map of every usable RAM range, RW NX global, largest leaves. */
static int kmap_direct(paddr_t root, const struct pmm_range *ram, size_t nram)
{
	for (size_t i = 0; i < nram; i++) {
		paddr_t start = ALIGN_DOWN(ram[i].start, PAGE_SIZE);
		paddr_t end = ALIGN_UP(ram[i].end, PAGE_SIZE);
		int err;

		if (end <= start)
			continue;
		/* Ranges may overlap or touch: map page runs not yet mapped. */
		for (paddr_t pa = start; pa < end;) {
			struct pt_leaf leaf;
			paddr_t run = pa;

			if (pt_query(root, KMAP_DIRECT_BASE + pa, &leaf)) {
				pa = leaf.va + leaf.size - KMAP_DIRECT_BASE;
				continue;
			}
			while (run < end && !pt_query(root, KMAP_DIRECT_BASE + run, &leaf))
				run += PAGE_SIZE;
			err = pt_map(root, KMAP_DIRECT_BASE + pa, pa, run - pa,
				     PT_WRITE | PT_NX | PT_GLOBAL);
			if (err)
				return err;
			pa = run;
		}
	}
	return 0;
}

/* Map one image section [start, end) with `flags`. */
static int kmap_section(paddr_t root, const struct kmap_image *img,
			vaddr_t start, vaddr_t end, unsigned flags)
{
	start = ALIGN_DOWN(start, PAGE_SIZE);
	end = ALIGN_UP(end, PAGE_SIZE);
	if (end <= start)
		return 0;
	return pt_map(root, start, img->phys_base + (start - KMAP_IMAGE_BASE),
		      end - start, flags | PT_GLOBAL);
}

/* The image: text RX, rodata R NX, data and bss RW NX. */
static int kmap_image_sections(paddr_t root, const struct kmap_image *img)
{
	int err = kmap_section(root, img, img->text_start, img->text_end, 0);

	if (!err)
		err = kmap_section(root, img, img->rodata_start, img->rodata_end, PT_NX);
	if (!err)
		err = kmap_section(root, img, img->data_start, img->data_end,
				   PT_WRITE | PT_NX);
	return err;
}

int kmap_init(const struct pmm_range *ram, size_t nram, const struct kmap_image *img)
{
	paddr_t root;
	int err = pt_create_kernel(&root);

	if (err)
		return err;
	err = kmap_direct(root, ram, nram);
	if (!err)
		err = kmap_image_sections(root, img);
	if (!err)
		err = pt_map(root, PAGE_SIZE, PAGE_SIZE, KMAP_IDENTITY_LOW - PAGE_SIZE,
			     PT_WRITE | PT_NX);
	if (err) {
		pt_destroy(root, PT_DESTROY_ALL);
		return err;
	}
	memset(kmap_ids, 0, sizeof(kmap_ids));
	kmap_root_pa = root;
	mm_load_root(root);
	return 0;
}

/* The identity slot holding exactly [pa, pa+len), or NULL. */
static struct kmap_identity_range *kmap_identity_find(paddr_t pa, uint64_t len)
{
	for (int i = 0; i < KMAP_MAX_IDENTITY; i++)
		if (kmap_ids[i].len && kmap_ids[i].pa == pa && kmap_ids[i].len == len)
			return &kmap_ids[i];
	return NULL;
}

int kmap_identity(paddr_t pa, uint64_t len, unsigned flags)
{
	paddr_t start = ALIGN_DOWN(pa, PAGE_SIZE);
	paddr_t end = ALIGN_UP(pa + len, PAGE_SIZE);
	struct kmap_identity_range *slot = NULL;
	int err;

	if (!len || start == 0 || end <= start || end > PT_USER_TOP ||
	    (flags & ~(PT_WRITE | PT_NX | PT_NOCACHE | PT_WRTHRU)))
		return -EINVAL;
	for (int i = 0; !slot && i < KMAP_MAX_IDENTITY; i++)
		if (!kmap_ids[i].len)
			slot = &kmap_ids[i];
	if (!slot)
		return -ENOMEM;
	err = pt_map(kmap_root_pa, start, start, end - start, flags);
	if (err)
		return err;
	*slot = (struct kmap_identity_range){start, end - start};
	return 0;
}

int kmap_unmap_identity(paddr_t pa, uint64_t len)
{
	paddr_t start = ALIGN_DOWN(pa, PAGE_SIZE);
	struct kmap_identity_range *slot;
	int err;

	if (!len)
		return -EINVAL;
	slot = kmap_identity_find(start, ALIGN_UP(pa + len, PAGE_SIZE) - start);
	if (!slot)
		return -EINVAL;
	err = pt_unmap(kmap_root_pa, slot->pa, slot->len);
	if (err)
		return err;
	slot->len = 0;
	return 0;
}

int kmap_direct_hide(paddr_t pa)
{
	vaddr_t va = KMAP_DIRECT_BASE + pa;
	int err;

	if (!kmap_root_pa)
		return 0;
	err = pt_unmap(kmap_root_pa, va, PAGE_SIZE);
	if (!err)
		mm_tlb_flush_page(va);
	return err;
}

int kmap_direct_show(paddr_t pa)
{
	vaddr_t va = KMAP_DIRECT_BASE + pa;
	int err;

	if (!kmap_root_pa)
		return 0;
	err = pt_map(kmap_root_pa, va, pa, PAGE_SIZE, PT_WRITE | PT_NX | PT_GLOBAL);
	if (!err)
		pt_fold_at(kmap_root_pa, va);
	return err;
}
