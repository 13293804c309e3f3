/*
 * kmap: the kernel's own page tables, built by kmain to replace the boot
 * tables: the direct map of all usable RAM at KMAP_DIRECT_BASE with the
 * largest leaves possible (RW, NX, global); the kernel image sections with
 * their real rights (text RX, rodata R+NX, data/bss RW+NX, global); a
 * supervisor-only identity map of low memory [4 KiB, KMAP_IDENTITY_LOW) (page
 * 0 stays unmapped); identity mappings asked for later (e.g. MMIO).
 */
#ifndef MM_KMAP_H
#define MM_KMAP_H

#include "lib/types.h"
#include "mm/pmm.h"

#define KMAP_DIRECT_BASE 0xffff800000000000ULL
#define KMAP_IMAGE_BASE 0xffffffff80000000ULL
#define KMAP_IDENTITY_LOW MiB(2)

struct kmap_image {
	paddr_t phys_base;         /* physical address of KMAP_IMAGE_BASE */
	vaddr_t text_start, text_end;
	vaddr_t rodata_start, rodata_end;
	vaddr_t data_start, data_end; /* data and bss */
};

/*
 * Build the kernel root from `ram` (usable RAM ranges) and `img`, switch CR3
 * to it (through the arch), and remember it. Returns 0 or -ENOMEM.
 */
int kmap_init(const struct pmm_range *ram, size_t nram, const struct kmap_image *img);

/* The kernel root (physical). */
paddr_t kmap_root(void);

/*
 * Identity-map [pa, pa+len) (rounded out to 4 KiB) supervisor-only with
 * PT_* `flags` (PT_WRITE, PT_NX, PT_NOCACHE, PT_WRTHRU). Errors: -EINVAL
 * (page 0, above the user half, PT_USER given), -EEXIST (overlaps an identity mapping), -ENOMEM.
 */
int kmap_identity(paddr_t pa, uint64_t len, unsigned flags);

/* Remove an identity mapping made by kmap_identity (same pa and len). Returns 0 or -EINVAL. */
int kmap_unmap_identity(paddr_t pa, uint64_t len);

/*
 * Take frame pa out of the direct map (memfd_secret's pages): its 4 KiB
 * there is unmapped, splitting larger leaves, and flushed from the TLB, so
 * a stray kernel access faults. 0, or -ENOMEM (a split needed a table;
 * nothing changed). Without a kernel root (host tests) nothing is done.
 */
int kmap_direct_hide(paddr_t pa);

/*
 * Put frame pa back in the direct map (RW, NX, global) and fold the tables
 * kmap_direct_hide split when they are uniform again. 0, or -ENOMEM (a
 * table freed meanwhile could not be made again: the frame stays out).
 */
int kmap_direct_show(paddr_t pa);

#endif
