/* Host tests of kmalloc/kfree (src/mm/heap.c) over the host arena. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "mm/heap.h"
#include "mm/mmarch.h"
#include "mm/pmm.h"
#include "support/host_mm.h"

/* What heap_bytes_in_use should count for a request of `size`. */
static size_t charged(size_t size)
{
	size_t c = 16;

	if (size <= 2048) {
		while (c < size)
			c *= 2;
		return c;
	}
	for (c = PAGE_SIZE; c < size + 16; c *= 2)
		;
	return c;
}

static void setup(void)
{
	host_mm_setup(MiB(64));
}

TestSuite(heap, .init = setup);

Test(heap, zero_size_is_null)
{
	size_t frames = pmm_free_frames();

	cr_expect_null(kmalloc(0));
	cr_expect_null(kzalloc(0));
	cr_expect_eq(heap_bytes_in_use(), 0);
	cr_expect_eq(pmm_free_frames(), frames);
	kfree(NULL);
}

Test(heap, sizes_alignment_and_accounting)
{
	static const size_t sizes[] = {1, 15, 16, 17, 31, 32, 33, 64, 100, 128, 200, 256,
				       257, 511, 512, 513, 1000, 1024, 1025, 2047, 2048,
				       2049, 4000, 4080, 4081, 4096, 10000, 65536, MiB(1),
				       MiB(3)};
	void *p[ARRAY_SIZE(sizes)];
	size_t frames = pmm_free_frames(), want = 0;

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		p[i] = kmalloc(sizes[i]);
		cr_assert_not_null(p[i], "size %zu", sizes[i]);
		cr_expect(IS_ALIGNED((uintptr_t)p[i], 16), "size %zu at %p", sizes[i], p[i]);
		memset(p[i], (int)i, sizes[i]);
		want += charged(sizes[i]);
		cr_expect_eq(heap_bytes_in_use(), want, "after size %zu: %zu, expected %zu",
			     sizes[i], heap_bytes_in_use(), want);
	}
	/* No object overlaps another: each still holds its own pattern. */
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned char *b = p[i];

		for (size_t j = 0; j < sizes[i]; j++)
			cr_assert_eq(b[j], (unsigned char)i, "size %zu byte %zu", sizes[i], j);
	}
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		kfree(p[i]);
		want -= charged(sizes[i]);
		cr_expect_eq(heap_bytes_in_use(), want);
	}
	cr_expect_eq(pmm_free_frames(), frames);
}

Test(heap, kzalloc_zeroes_reused_memory)
{
	unsigned char *a = kmalloc(200);

	cr_assert_not_null(a);
	memset(a, 0xee, 200);
	kfree(a);
	unsigned char *b = kzalloc(200);

	cr_assert_not_null(b);
	for (int i = 0; i < 200; i++)
		cr_assert_eq(b[i], 0);
	kfree(b);
	unsigned char *c = kzalloc(9000);

	cr_assert_not_null(c);
	for (int i = 0; i < 9000; i++)
		cr_assert_eq(c[i], 0);
	kfree(c);
}

Test(heap, freed_object_is_reused_and_poisoned)
{
	void *keep = kmalloc(64); /* keeps the slab page alive */
	unsigned char *a = kmalloc(64);

	cr_assert(keep && a);
	kfree(a);
	for (int i = 0; i < 64; i++)
		cr_expect_eq(a[i], 0x6b, "byte %d not poisoned", i);
	cr_expect_eq(kmalloc(64), a);
	kfree(a);
	kfree(keep);
}

Test(heap, slab_pages_return_to_pmm)
{
	static void *objs[2000];
	size_t frames = pmm_free_frames();

	/* 2000 objects of 48 -> class 64, 63 a page: 32 slab pages. */
	for (int i = 0; i < 2000; i++) {
		objs[i] = kmalloc(48);
		cr_assert_not_null(objs[i]);
	}
	cr_expect_eq(pmm_free_frames(), frames - 32);
	cr_expect_eq(heap_bytes_in_use(), 2000 * 64);
	/* Free every other object: no page empties. */
	for (int i = 0; i < 2000; i += 2)
		kfree(objs[i]);
	cr_expect_eq(pmm_free_frames(), frames - 32);
	for (int i = 1; i < 2000; i += 2)
		kfree(objs[i]);
	cr_expect_eq(pmm_free_frames(), frames);
	cr_expect_eq(heap_bytes_in_use(), 0);
}

Test(heap, every_class_fills_and_empties)
{
	static void *objs[600];
	size_t frames = pmm_free_frames();

	for (size_t size = 16; size <= 2048; size *= 2) {
		for (int i = 0; i < 600; i++) {
			objs[i] = kmalloc(size);
			cr_assert_not_null(objs[i]);
			*(uint64_t *)objs[i] = size * 1000 + i;
		}
		for (int i = 599; i >= 0; i--) {
			cr_assert_eq(*(uint64_t *)objs[i], size * 1000 + i);
			kfree(objs[i]);
		}
		cr_expect_eq(pmm_free_frames(), frames, "class %zu", size);
	}
	cr_expect_eq(heap_bytes_in_use(), 0);
}

Test(heap, out_of_memory_returns_null)
{
	static void *objs[20000];
	size_t frames = pmm_free_frames(), n = 0;

	host_mm_setup(MiB(4));
	frames = pmm_free_frames();
	while (n < 20000 && (objs[n] = kmalloc(1000)) != NULL)
		n++;
	cr_assert_lt(n, 20000);
	cr_expect_eq(n, frames * 3);
	cr_expect_null(kmalloc(5000));
	cr_expect_null(kmalloc(SIZE_MAX));
	cr_expect_null(kmalloc(((size_t)PAGE_SIZE << PMM_MAX_ORDER) + 1));
	while (n > 0)
		kfree(objs[--n]);
	cr_expect_eq(pmm_free_frames(), frames);
	cr_expect_eq(heap_bytes_in_use(), 0);
}

Test(heap, failure_injection)
{
	unsigned long calls = heap_alloc_calls();
	void *a, *b, *c;

	heap_fail_nth(2);
	a = kmalloc(32);
	b = kmalloc(32);
	c = kzalloc(32);
	cr_expect_not_null(a);
	cr_expect_null(b);
	cr_expect_not_null(c);
	cr_expect_eq(heap_alloc_calls(), calls + 3);
	heap_fail_nth(1);
	cr_expect_null(kmalloc(100000));
	heap_fail_nth(3);
	heap_fail_nth(0);
	for (int i = 0; i < 4; i++) {
		void *p = kmalloc(8);

		cr_expect_not_null(p);
		kfree(p);
	}
	kfree(a);
	kfree(c);
	cr_expect_eq(heap_bytes_in_use(), 0);
}

Test(heap, large_failure_when_pmm_fails)
{
	size_t frames = pmm_free_frames();

	pmm_fail_nth(1);
	cr_expect_null(kmalloc(10000));
	pmm_fail_nth(1);
	cr_expect_null(kmalloc(10));
	cr_expect_eq(heap_bytes_in_use(), 0);
	cr_expect_eq(pmm_free_frames(), frames);
}

/* ------------------------------------------------------------ debug checks */

Test(heap, use_after_free_detected_on_reuse, .signal = SIGABRT)
{
	void *keep = kmalloc(128);
	unsigned char *a = kmalloc(128);

	kfree(a);
	a[77] = 1;
	(void)keep;
	kmalloc(128);
}

Test(heap, double_free_small_panics, .signal = SIGABRT)
{
	void *keep = kmalloc(32);
	void *a = kmalloc(32);

	(void)keep;
	kfree(a);
	kfree(a);
}

Test(heap, double_free_of_last_object_panics, .signal = SIGABRT)
{
	void *a = kmalloc(32);

	kfree(a); /* the slab page goes back to pmm */
	kfree(a);
}

Test(heap, double_free_large_panics, .signal = SIGABRT)
{
	void *a = kmalloc(5000);

	kfree(a);
	kfree(a);
}

Test(heap, kfree_inside_object_panics, .signal = SIGABRT)
{
	char *a = kmalloc(256);

	kfree(a + 16);
}

Test(heap, kfree_inside_large_panics, .signal = SIGABRT)
{
	char *a = kmalloc(20000);

	kfree(a + PAGE_SIZE - 16);
}

Test(heap, kfree_of_foreign_frame_panics, .signal = SIGABRT)
{
	paddr_t pa = pmm_alloc(0);

	kfree((char *)mm_phys_to_virt(pa) + 64);
}

Test(heap, kfree_of_misaligned_pointer_panics, .signal = SIGABRT)
{
	char *a = kmalloc(64);

	kfree(a + 1);
}

Test(heap, kfree_of_stack_pointer_panics, .signal = SIGABRT)
{
	uint64_t local[4] __attribute__((aligned(16)));

	kfree(local);
}

/* ------------------------------------------------------------ randomized */

struct obj {
	unsigned char *p;
	size_t size;
	unsigned char tag;
};

/* Check an object still holds its tag in every byte. */
static void check_obj(const struct obj *o)
{
	for (size_t j = 0; j < o->size; j++)
		cr_assert_eq(o->p[j], o->tag, "object %p size %zu byte %zu", o->p, o->size, j);
}

Test(heap, randomized_churn_against_model)
{
	static struct obj live[3000];
	size_t nlive = 0, bytes = 0, frames = pmm_free_frames();

	srand(777);
	for (int step = 0; step < 30000; step++) {
		unsigned r = (unsigned)rand();

		if (nlive < 3000 && (r % 2 == 0 || nlive == 0)) {
			size_t size = (r >> 4) % 100 < 95 ? 1 + (r >> 8) % 2048
							  : 2049 + (r >> 8) % 20000;
			struct obj o = {kmalloc(size), size, (unsigned char)(r >> 20)};

			cr_assert_not_null(o.p);
			cr_assert(IS_ALIGNED((uintptr_t)o.p, 16));
			memset(o.p, o.tag, size);
			live[nlive++] = o;
			bytes += charged(size);
		} else {
			size_t i = (r >> 3) % nlive;

			check_obj(&live[i]);
			kfree(live[i].p);
			bytes -= charged(live[i].size);
			live[i] = live[--nlive];
		}
		cr_assert_eq(heap_bytes_in_use(), bytes);
	}
	while (nlive > 0) {
		check_obj(&live[--nlive]);
		kfree(live[nlive].p);
	}
	cr_expect_eq(heap_bytes_in_use(), 0);
	cr_expect_eq(pmm_free_frames(), frames);
}
