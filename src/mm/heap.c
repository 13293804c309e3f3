/*
 * heap: kmalloc/kfree over pmm frames reached through the direct map.
 *
 * Small requests (up to 2 KiB) come from slab pages: one 4 KiB frame per
 * slab, a 64-byte descriptor at its start (magic, class, a bitmap of free
 * objects, links of the class's list of slabs with room), objects after it.
 * A slab returns to pmm the moment its last object is freed. Larger requests
 * get 2^order frames with a 16-byte header at the start.
 *
 * kfree finds the descriptor by rounding the pointer down to 4 KiB; the
 * magic there tells a slab page from a large block (whose object always sits
 * at offset HEAP_LARGE_HDR, where no slab object starts).
 *
 * Debug builds poison free objects with 0x6b and check the poison when the
 * object is handed out again; a bad or double kfree panics.
 */
#include "mm/heap.h"

#include "lib/assert.h"
#include "lib/string.h"
#include "mm/mmarch.h"
#include "mm/pmm.h"

#define HEAP_NCLASSES 8          /* 16, 32, ..., 2048 */
#define HEAP_MIN_SHIFT 4
#define HEAP_MAX_SMALL 2048
#define HEAP_SLAB_MAGIC 0x534c4142u  /* "SLAB" */
#define HEAP_LARGE_MAGIC 0x4c415247u /* "LARG" */
#define HEAP_DEAD_MAGIC 0x6b6b6b6bu
#define HEAP_POISON 0x6b
#define HEAP_LARGE_HDR 16

struct heap_slab {
	uint32_t magic;
	uint16_t cls;
	uint16_t inuse;
	uint16_t nobj;
	uint16_t unused[3];
	struct heap_slab *next; /* the class's list of slabs with a free object */
	struct heap_slab *prev;
	uint64_t freemap[4];    /* bit i set: object i is free */
};

struct heap_large {
	uint32_t magic;
	uint32_t order;
	uint64_t bytes; /* what heap_bytes_in_use counts for this block */
};

#define HEAP_SLAB_HDR sizeof(struct heap_slab)

_Static_assert(sizeof(struct heap_slab) == 64, "slab descriptor is 64 bytes");
_Static_assert(sizeof(struct heap_large) == HEAP_LARGE_HDR, "large header is 16 bytes");
_Static_assert((PAGE_SIZE - 64) / 16 <= 256, "freemap covers the smallest class");

static struct heap_slab *heap_partial[HEAP_NCLASSES];
static size_t heap_in_use;
static unsigned long heap_calls;
static unsigned long heap_fail_countdown;

/* ------------------------------------------------------------ helpers */

/* Size of the objects of class `cls`. */
static size_t heap_class_size(unsigned cls)
{
	return (size_t)1 << (cls + HEAP_MIN_SHIFT);
}

/* Smallest class holding `size` bytes (size <= HEAP_MAX_SMALL). */
static unsigned heap_class_of(size_t size)
{
	unsigned cls = 0;

	while (heap_class_size(cls) < size)
		cls++;
	return cls;
}

/* Smallest order whose block holds `bytes`, or PMM_MAX_ORDER + 1 if none. */
static unsigned heap_order_of(size_t bytes)
{
	unsigned order = 0;

	while (order <= PMM_MAX_ORDER && (PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

/* Address of object `i` of `slab`. */
static void *heap_obj(struct heap_slab *slab, unsigned i)
{
	return (char *)slab + HEAP_SLAB_HDR + (size_t)i * heap_class_size(slab->cls);
}

/* True when an injected failure is due for this call. */
static bool heap_inject_failure(void)
{
	if (heap_fail_countdown == 0)
		return false;
	return --heap_fail_countdown == 0;
}

/* ------------------------------------------------------------ slab lists */

/* Put `slab` at the front of its class's list of slabs with room. */
static void heap_list_add(struct heap_slab *slab)
{
	struct heap_slab **head = &heap_partial[slab->cls];

	slab->prev = NULL;
	slab->next = *head;
	if (*head)
		(*head)->prev = slab;
	*head = slab;
}

/* Take `slab` off its class's list. */
static void heap_list_del(struct heap_slab *slab)
{
	if (slab->prev)
		slab->prev->next = slab->next;
	else
		heap_partial[slab->cls] = slab->next;
	if (slab->next)
		slab->next->prev = slab->prev;
	slab->next = slab->prev = NULL;
}

/*
 * A fresh slab page for class `cls`, all objects free (and poisoned in
 * debug), already on the class's list. NULL when pmm has no frame.
 */
static struct heap_slab *heap_slab_create(unsigned cls)
{
	paddr_t pa = pmm_alloc(0);
	struct heap_slab *slab;
	unsigned i;

	if (pa == 0)
		return NULL;
	slab = mm_phys_to_virt(pa);
	memset(slab, 0, HEAP_SLAB_HDR);
	slab->magic = HEAP_SLAB_MAGIC;
	slab->cls = cls;
	slab->nobj = (PAGE_SIZE - HEAP_SLAB_HDR) / heap_class_size(cls);
	for (i = 0; i < slab->nobj; i++)
		slab->freemap[i / 64] |= 1ULL << (i % 64);
	if (BOOTMM_DEBUG)
		memset(heap_obj(slab, 0), HEAP_POISON, PAGE_SIZE - HEAP_SLAB_HDR);
	heap_list_add(slab);
	return slab;
}

/*
 * Panic unless the free object `obj` of `size` bytes (a class size: a
 * multiple of 8, 8-aligned) still holds the poison. Compares a word at a
 * time (under TCG a byte loop over a 128-byte VMA cost more than the rest of
 * its kmalloc), then finds the first changed byte for the message.
 */
static void heap_check_poison(const void *obj, size_t size)
{
	const uint64_t *w = obj, poison = HEAP_POISON * 0x0101010101010101ULL;
	const unsigned char *p = obj;
	size_t i;

	for (i = 0; i < size / 8; i++)
		if (w[i] != poison)
			break;
	if (i == size / 8)
		return;
	for (i *= 8; p[i] == HEAP_POISON; i++)
		;
	panic("kmalloc: free object %p (size %zu) modified at offset %zu (use after free?)",
	      obj, size, i);
}

/* Take the first free object of `slab`; drops the slab from the list when full. */
static void *heap_slab_take(struct heap_slab *slab)
{
	unsigned w, i;
	void *obj;

	for (w = 0; slab->freemap[w] == 0; w++)
		;
	i = w * 64 + (unsigned)__builtin_ctzll(slab->freemap[w]);
	slab->freemap[w] &= ~(1ULL << (i % 64));
	slab->inuse++;
	if (slab->inuse == slab->nobj)
		heap_list_del(slab);
	obj = heap_obj(slab, i);
	if (BOOTMM_DEBUG)
		heap_check_poison(obj, heap_class_size(slab->cls));
	return obj;
}

/* kmalloc for sizes up to HEAP_MAX_SMALL. */
static void *heap_alloc_small(size_t size)
{
	unsigned cls = heap_class_of(size);
	struct heap_slab *slab = heap_partial[cls];

	if (!slab)
		slab = heap_slab_create(cls);
	if (!slab)
		return NULL;
	heap_in_use += heap_class_size(cls);
	return heap_slab_take(slab);
}

/* kmalloc for sizes above HEAP_MAX_SMALL: whole frames with a header. */
static void *heap_alloc_large(size_t size)
{
	unsigned order = heap_order_of(size + HEAP_LARGE_HDR);
	struct heap_large *hdr;
	paddr_t pa;

	if (size > ((size_t)PAGE_SIZE << PMM_MAX_ORDER) || order > PMM_MAX_ORDER)
		return NULL;
	pa = pmm_alloc(order);
	if (pa == 0)
		return NULL;
	hdr = mm_phys_to_virt(pa);
	hdr->magic = HEAP_LARGE_MAGIC;
	hdr->order = order;
	hdr->bytes = PAGE_SIZE << order;
	heap_in_use += hdr->bytes;
	return (char *)hdr + HEAP_LARGE_HDR;
}

void *kmalloc(size_t size)
{
	heap_calls++;
	if (heap_inject_failure() || size == 0)
		return NULL;
	if (size <= HEAP_MAX_SMALL)
		return heap_alloc_small(size);
	return heap_alloc_large(size);
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

/* ------------------------------------------------------------ kfree */

/* A kfree of something kmalloc did not hand out (or handed out and got back). */
__attribute__((noreturn)) static void heap_bad_free(const void *ptr, const char *why)
{
	panic("kfree: %s %p", why, ptr);
}

/* Give object `obj` back to `slab`; the slab goes back to pmm when empty. */
static void heap_free_small(struct heap_slab *slab, void *obj)
{
	size_t size = heap_class_size(slab->cls);
	size_t off = (size_t)((char *)obj - (char *)slab) - HEAP_SLAB_HDR;
	unsigned i = off / size;

	if ((char *)obj < (char *)slab + HEAP_SLAB_HDR || off % size || i >= slab->nobj)
		heap_bad_free(obj, "pointer inside a slab but not an object:");
	if (slab->freemap[i / 64] & (1ULL << (i % 64)))
		heap_bad_free(obj, "double free of");
	if (slab->inuse == slab->nobj)
		heap_list_add(slab);
	slab->freemap[i / 64] |= 1ULL << (i % 64);
	slab->inuse--;
	heap_in_use -= size;
	if (BOOTMM_DEBUG)
		memset(obj, HEAP_POISON, size);
	if (slab->inuse == 0) {
		heap_list_del(slab);
		slab->magic = HEAP_DEAD_MAGIC;
		pmm_free(mm_virt_to_phys(slab), 0);
	}
}

/* Give a large block back to pmm, poisoned in debug. */
static void heap_free_large(struct heap_large *hdr)
{
	unsigned order = hdr->order;

	heap_in_use -= hdr->bytes;
	if (BOOTMM_DEBUG)
		memset(hdr + 1, HEAP_POISON, hdr->bytes - HEAP_LARGE_HDR);
	hdr->magic = HEAP_DEAD_MAGIC;
	pmm_free(mm_virt_to_phys(hdr), order);
}

void kfree(void *ptr)
{
	uintptr_t page;
	uint32_t magic;

	if (!ptr)
		return;
	if (!IS_ALIGNED((uintptr_t)ptr, 16))
		heap_bad_free(ptr, "misaligned pointer");
	page = ALIGN_DOWN((uintptr_t)ptr, PAGE_SIZE);
	if (BOOTMM_DEBUG && !pmm_is_allocated(mm_virt_to_phys((void *)page)))
		heap_bad_free(ptr, "pointer to a frame not allocated (double free?):");
	magic = *(uint32_t *)page;
	if (magic == HEAP_SLAB_MAGIC)
		heap_free_small((struct heap_slab *)page, ptr);
	else if (magic == HEAP_LARGE_MAGIC && (uintptr_t)ptr == page + HEAP_LARGE_HDR)
		heap_free_large((struct heap_large *)page);
	else
		heap_bad_free(ptr, magic == HEAP_DEAD_MAGIC ? "double free of" : "unknown pointer");
}

/* ------------------------------------------------------------ counters */

size_t heap_bytes_in_use(void)
{
	return heap_in_use;
}

void heap_fail_nth(unsigned long n)
{
	heap_fail_countdown = n;
}

unsigned long heap_alloc_calls(void)
{
	return heap_calls;
}
