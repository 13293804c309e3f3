/*
 * vmarea: kernel virtual areas in a dedicated higher-half window
 * [VMAREA_BASE, VMAREA_BASE + VMAREA_SIZE), backed by 4 KiB frames mapped
 * read/write NX global in the kernel root, each followed by one unmapped
 * guard page. Placement is O(log n) (rtree, bottom-up).
 */
#ifndef MM_VMAREA_H
#define MM_VMAREA_H

#include "lib/types.h"

#define VMAREA_BASE 0xffffc90000000000ULL
#define VMAREA_SIZE GiB(1024)

#define VMAREA_EXEC (1u << 0) /* map executable (default NX) */
#define VMAREA_ZERO (1u << 1) /* zero the memory */

/* Set the root the areas are mapped in (the kernel root). */
void vmarea_init(paddr_t kernel_root);

/*
 * Allocate `size` bytes (rounded up to 4 KiB, > 0). Returns the start, or NULL
 * when size is 0 or memory (frames, tables, the heap, the window) runs out;
 * nothing is leaked on failure.
 */
void *vmarea_alloc(size_t size, unsigned flags);

/* Unmap and free an area returned by vmarea_alloc; NULL is ignored; anything else panics (debug). */
void vmarea_free(void *addr);

/* Number of live areas. */
size_t vmarea_count(void);

#endif
