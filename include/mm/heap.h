/*
 * heap: kmalloc/kfree for kernel objects. Size classes from 16 bytes to
 * 2 KiB carved from 4 KiB frames (a slab page returns to pmm as soon as it is
 * empty, so the free-frame count is exact between tests); larger requests get
 * whole frames (order of the size). Freed memory is poisoned (0x6b) in debug
 * builds; kfree of a pointer not from kmalloc, or twice, panics there.
 */
#ifndef MM_HEAP_H
#define MM_HEAP_H

#include "lib/types.h"

/* Returns 16-byte aligned memory, or NULL when out of memory or size is 0. */
void *kmalloc(size_t size);

/* kmalloc, then zero. */
void *kzalloc(size_t size);

/* Free what kmalloc returned; NULL is ignored. */
void kfree(void *ptr);

/* Bytes currently handed out (requested sizes rounded to their class). */
size_t heap_bytes_in_use(void);

/*
 * Failure injection in the heap: the n-th kmalloc from now returns NULL
 * (n >= 1), 0 turns it off.
 */
void heap_fail_nth(unsigned long n);

/* Number of kmalloc calls since boot. */
unsigned long heap_alloc_calls(void);

#endif
