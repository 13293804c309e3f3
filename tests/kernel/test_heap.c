/* In-image tests of kmalloc/kfree (suite `heap`). */
#include "harness/ktest.h"
#include "lib/assert.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/pmm.h"

#define HEAP_TEST_LIVE 400

struct heap_test_obj {
	unsigned char *p;
	size_t size;
	unsigned char tag;
};

/* What heap_bytes_in_use counts for a request of `size`. */
static size_t heap_test_charge(size_t size)
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

/* Number of bytes of the object that lost their tag. */
static size_t heap_test_damage(const struct heap_test_obj *o)
{
	size_t bad = 0;

	for (size_t i = 0; i < o->size; i++)
		bad += o->p[i] != o->tag;
	return bad;
}

/* Every size class and some large sizes: aligned, accounted, writable. */
TEST(heap, sizes_aligned_and_accounted)
{
	static const size_t sizes[] = {1, 16, 24, 48, 64, 120, 250, 500, 1000,
				       2000, 2048, 3000, 8000, 70000};
	struct heap_test_obj o[ARRAY_SIZE(sizes)];
	size_t bytes = heap_bytes_in_use();

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		o[i] = (struct heap_test_obj){kmalloc(sizes[i]), sizes[i], (unsigned char)(i + 1)};
		ASSERT_NE(o[i].p, NULL);
		EXPECT_TRUE(IS_ALIGNED(o[i].p, 16));
		memset(o[i].p, o[i].tag, sizes[i]);
		bytes += heap_test_charge(sizes[i]);
		EXPECT_EQ(heap_bytes_in_use(), bytes);
	}
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		EXPECT_EQ(heap_test_damage(&o[i]), 0);
		kfree(o[i].p);
	}
}

/* A freed object is poisoned (debug builds) and handed out again. */
TEST(heap, poison_and_reuse)
{
	unsigned char *keep = kmalloc(512);
	unsigned char *a = kmalloc(512);
	size_t bad = 0;

	ASSERT_NE(keep, NULL);
	ASSERT_NE(a, NULL);
	memset(a, 0x11, 512);
	kfree(a);
	if (BOOTMM_DEBUG) {
		for (int i = 0; i < 512; i++)
			bad += a[i] != 0x6b;
		EXPECT_EQ(bad, 0);
	}
	unsigned char *b = kzalloc(512);

	EXPECT_EQ(b, a);
	bad = 0;
	for (int i = 0; b && i < 512; i++)
		bad += b[i] != 0;
	EXPECT_EQ(bad, 0);
	kfree(b);
	kfree(keep);
}

/* Freeing everything gives every slab page back to pmm. */
TEST(heap, slab_pages_go_back)
{
	static void *p[1000];
	size_t frames = pmm_free_frames();

	for (int i = 0; i < 1000; i++) {
		p[i] = kmalloc(100);
		ASSERT_NE(p[i], NULL);
	}
	/* 1000 objects of class 128, 31 a page: 33 pages (plus none before). */
	EXPECT_LE(pmm_free_frames(), frames - 32);
	for (int i = 0; i < 1000; i += 2)
		kfree(p[i]);
	for (int i = 1; i < 1000; i += 2)
		kfree(p[i]);
	EXPECT_EQ(pmm_free_frames(), frames);
}

/* Random kmalloc/kfree churn with tagged contents checked on every free. */
TEST(heap, churn)
{
	static struct heap_test_obj live[HEAP_TEST_LIVE];
	size_t nlive = 0, bytes = heap_bytes_in_use(), frames = pmm_free_frames();
	uint64_t seed = 42;

	for (int step = 0; step < 6000; step++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		unsigned r = (unsigned)(seed >> 33);

		if (nlive < HEAP_TEST_LIVE && (r % 2 == 0 || nlive == 0)) {
			size_t size = r % 64 ? 1 + (r >> 6) % 2048 : 2049 + (r >> 6) % 12000;
			struct heap_test_obj o = {kmalloc(size), size, (unsigned char)(r >> 24)};

			ASSERT_NE(o.p, NULL);
			memset(o.p, o.tag, size);
			live[nlive++] = o;
			bytes += heap_test_charge(size);
		} else {
			size_t i = (r >> 3) % nlive;

			EXPECT_EQ(heap_test_damage(&live[i]), 0);
			kfree(live[i].p);
			bytes -= heap_test_charge(live[i].size);
			live[i] = live[--nlive];
		}
		ASSERT_EQ(heap_bytes_in_use(), bytes);
	}
	while (nlive > 0) {
		nlive--;
		EXPECT_EQ(heap_test_damage(&live[nlive]), 0);
		kfree(live[nlive].p);
	}
	EXPECT_EQ(pmm_free_frames(), frames);
}

/* Injected failures and zero-size requests return NULL. */
TEST(heap, failure_injection_and_zero)
{
	unsigned long calls = heap_alloc_calls();
	void *a;

	EXPECT_EQ(kmalloc(0), NULL);
	heap_fail_nth(1);
	a = kmalloc(64);
	heap_fail_nth(0);
	EXPECT_EQ(a, NULL);
	EXPECT_EQ(heap_alloc_calls(), calls + 2);
	kfree(a);
	kfree(NULL);
}
