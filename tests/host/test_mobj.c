/*
 * Host tests of memory objects (src/mm/mobj.c): the page cache against a
 * byte-array model, sparse offsets, truncate and punch with the reverse map,
 * the shmem budget, injected frame and heap failures (all or nothing), and
 * free-frame counts before and after.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "mm/heap.h"
#include "mm/mmarch.h"
#include "mm/mobj.h"
#include "mm/pmm.h"
#include "support/host_mm.h"

static size_t frames0;

static void setup(void)
{
	host_mm_setup(MiB(64));
	mobj_shmem_set_limit(0);
	frames0 = pmm_free_frames();
}

/* Everything came back. */
static void teardown(void)
{
	cr_expect_eq(pmm_free_frames(), frames0, "frames leaked: %ld",
		     (long)frames0 - (long)pmm_free_frames());
	cr_expect_eq(heap_bytes_in_use(), 0, "heap bytes left: %zu", heap_bytes_in_use());
	cr_expect_eq(mobj_shmem_charged(), 0);
	pmm_fail_nth(0);
	heap_fail_nth(0);
}

TestSuite(mobj, .init = setup, .fini = teardown);

Test(mobj, empty_reads_zero_and_frees)
{
	struct mobj *o = mobj_create(MOBJ_SHMEM);
	char buf[16];
	paddr_t pa;

	cr_assert_not_null(o);
	cr_expect_eq(mobj_read(o, 0, buf, sizeof(buf)), 0);
	cr_expect_eq(mobj_page(o, 5, MOBJ_LOOKUP, &pa), -ENOENT);
	cr_expect_eq(mobj_truncate(o, 10000), 0);
	memset(buf, 'x', sizeof(buf));
	cr_expect_eq(mobj_read(o, 9990, buf, sizeof(buf)), 10);
	for (int i = 0; i < 10; i++)
		cr_expect_eq(buf[i], 0);
	cr_expect_eq(buf[10], 'x');
	cr_expect_eq(o->pages, 0, "a sparse grow takes no frame");
	mobj_put(o);
}

Test(mobj, write_read_against_model)
{
	enum { SIZE = 5 * 4096 + 123 };
	static uint8_t model[SIZE], got[SIZE], chunk[9000];
	struct mobj *o = mobj_create(MOBJ_SHMEM);
	uint64_t size = 0;

	srand(7);
	for (int i = 0; i < 300; i++) {
		uint64_t off = (uint64_t)rand() % (SIZE - 1);
		size_t len = (size_t)rand() % MIN(sizeof(chunk), SIZE - off);

		for (size_t k = 0; k < len; k++)
			chunk[k] = (uint8_t)rand();
		cr_assert_eq(mobj_write(o, off, chunk, len), (long)len);
		memcpy(model + off, chunk, len);
		if (len && off + len > size)
			size = off + len;
		cr_assert_eq(o->size, size);
	}
	cr_expect_eq(mobj_read(o, 0, got, SIZE), size);
	cr_expect(memcmp(got, model, size) == 0);
	cr_expect_eq(o->pages, (size + 4095) / 4096, "one frame per page written");
	mobj_put(o);
}

Test(mobj, sparse_big_offsets_stay_cheap)
{
	struct mobj *o = mobj_create(MOBJ_SHMEM);
	uint64_t offs[] = { 0, GiB(1), GiB(1024), (1ull << 50) - 7 };
	char c;

	for (size_t i = 0; i < ARRAY_SIZE(offs); i++) {
		c = (char)('a' + i);
		cr_assert_eq(mobj_write(o, offs[i], &c, 1), 1);
	}
	cr_expect_eq(o->pages, 4);
	cr_expect_lt(heap_bytes_in_use(), 40 * 512, "only the nodes on 4 paths: %zu",
		     heap_bytes_in_use());
	for (size_t i = 0; i < ARRAY_SIZE(offs); i++) {
		cr_expect_eq(mobj_read(o, offs[i], &c, 1), 1);
		cr_expect_eq(c, (char)('a' + i));
	}
	cr_expect_eq(mobj_seek(o, 1, UINT64_MAX, MOBJ_SEEK_DATA), GiB(1) / PAGE_SIZE);
	cr_expect_eq(mobj_seek(o, 0, UINT64_MAX, MOBJ_SEEK_HOLE), 1);
	cr_expect_eq(mobj_write(o, MOBJ_MAX_SIZE, &c, 1), -EFBIG);
	mobj_put(o);
}

/*
 * mobj_lookup_pages gives, page by page, what mobj_page with MOBJ_LOOKUP
 * gives: across leaf nodes (64 pages each), holes, a missing leaf node, a
 * run past the tree's height, and the last pages below MOBJ_MAX_SIZE.
 */
Test(mobj, lookup_pages_matches_page_by_page)
{
	struct mobj *o = mobj_create(MOBJ_SHMEM);
	uint64_t present[] = { 60, 61, 63, 64, 66, 200, 4095, MOBJ_MAX_SIZE / PAGE_SIZE - 1 };
	uint64_t starts[] = { 0, 50, 62, 63, 190, 4090, MOBJ_MAX_SIZE / PAGE_SIZE - 8 };
	paddr_t pa[20], one;
	char c = 'x';

	for (size_t i = 0; i < ARRAY_SIZE(present); i++)
		cr_assert_eq(mobj_write(o, present[i] * PAGE_SIZE, &c, 1), 1);
	for (size_t k = 0; k < ARRAY_SIZE(starts); k++) {
		memset(pa, 0xff, sizeof(pa));
		mobj_lookup_pages(o, starts[k], ARRAY_SIZE(pa), pa);
		for (size_t i = 0; i < ARRAY_SIZE(pa); i++) {
			int err = mobj_page(o, starts[k] + i, MOBJ_LOOKUP, &one);

			cr_expect_eq(pa[i], err ? 0 : one, "page %llu: %#llx, mobj_page %d %#llx",
				     (unsigned long long)(starts[k] + i), (unsigned long long)pa[i],
				     err, (unsigned long long)one);
		}
	}
	cr_expect_neq(pa[7], 0, "the last page written, just below the last page");
	cr_expect_eq(pa[9], 0, "past the last page an object can have");
	mobj_put(o);
}

struct zap_log {
	struct mobj_map map;
	uint64_t pgoff[8], n[8];
	int calls;
};

static void zap_record(struct mobj_map *m, uint64_t pgoff, uint64_t n)
{
	struct zap_log *z = (struct zap_log *)m;

	cr_assert_lt(z->calls, 8);
	z->pgoff[z->calls] = pgoff;
	z->n[z->calls++] = n;
}

Test(mobj, truncate_and_punch_zap_every_mapping)
{
	struct mobj *o = mobj_create(MOBJ_SHMEM);
	struct zap_log a = { .map = { .pgoff = 0, .npages = 4, .zap = zap_record } };
	struct zap_log b = { .map = { .pgoff = 6, .npages = 10, .zap = zap_record,
				      .flags = MOBJ_MAP_SHARED_WRITE } };
	static uint8_t data[10 * 4096];
	uint8_t got[4096];

	memset(data, 0xab, sizeof(data));
	cr_assert_eq(mobj_write(o, 0, data, sizeof(data)), (long)sizeof(data));
	mobj_map_add(o, &a.map);
	mobj_map_add(o, &b.map);
	cr_expect(mobj_mapped_with(o, MOBJ_MAP_SHARED_WRITE));
	mobj_punch(o, 4096 + 100, 2 * 4096); /* zero 100.., free page 2, zero ..100 of 3 */
	cr_expect_eq(a.calls, 1);
	cr_expect_eq(a.pgoff[0], 2);
	cr_expect_eq(a.n[0], 1);
	cr_expect_eq(b.calls, 0);
	cr_expect_eq(o->pages, 9);
	cr_expect_eq(mobj_read(o, 4096, got, 4096), 4096);
	cr_expect_eq(got[99], 0xab);
	cr_expect_eq(got[100], 0);
	cr_expect_eq(mobj_read(o, 3 * 4096, got, 4096), 4096);
	cr_expect_eq(got[99], 0);
	cr_expect_eq(got[100], 0xab);
	cr_expect_eq(mobj_truncate(o, 7 * 4096 + 1), 0);
	cr_expect_eq(b.calls, 1);
	cr_expect_eq(b.pgoff[0], 8);
	cr_expect_eq(b.n[0], 8);
	cr_expect_eq(o->pages, 7);
	cr_expect_eq(mobj_truncate(o, 10 * 4096), 0);
	cr_expect_eq(mobj_read(o, 7 * 4096, got, 4096), 4096);
	cr_expect_eq(got[0], 0xab);
	cr_expect_eq(got[1], 0, "the tail of the last page was zeroed by the shrink");
	mobj_map_del(o, &a.map);
	mobj_map_del(o, &b.map);
	cr_expect(!mobj_mapped_with(o, 0));
	mobj_put(o);
}

Test(mobj, shmem_budget_is_enospc)
{
	struct mobj *o = mobj_create(MOBJ_SHMEM), *anon = mobj_create(MOBJ_ANON);
	static uint8_t data[5 * 4096];

	mobj_shmem_set_limit(4);
	cr_expect_eq(mobj_write(o, 0, data, sizeof(data)), -ENOSPC);
	cr_expect_eq(o->pages, 0, "nothing kept");
	cr_expect_eq(o->size, 0);
	cr_expect_eq(mobj_allocate(o, 0, 5 * 4096, MOBJ_ALLOC_GROW), -ENOSPC);
	cr_expect_eq(mobj_allocate(o, 0, 4 * 4096, MOBJ_ALLOC_GROW), 0);
	cr_expect_eq(o->size, 4 * 4096);
	cr_expect_eq(mobj_shmem_charged(), 4);
	cr_expect_eq(mobj_write(anon, 0, data, sizeof(data)), (long)sizeof(data),
		     "anonymous memory is not charged");
	mobj_put(o);
	mobj_put(anon);
}

Test(mobj, write_all_or_nothing_under_failures)
{
	static uint8_t data[3 * 4096 + 10], got[sizeof(data)];

	memset(data, 0x5a, sizeof(data));
	for (unsigned long n = 1; n < 20; n++) {
		for (int heap = 0; heap < 2; heap++) {
			size_t before = pmm_free_frames();
			struct mobj *o = mobj_create(MOBJ_SHMEM);
			long r;

			cr_assert_not_null(o);
			cr_assert_eq(mobj_write(o, 0, "x", 1), 1);
			if (heap)
				heap_fail_nth(n);
			else
				pmm_fail_nth(n);
			r = mobj_write(o, GiB(2) - 5, data, sizeof(data));
			pmm_fail_nth(0);
			heap_fail_nth(0);
			if (r < 0) {
				cr_expect_eq(r, -ENOMEM);
				cr_expect_eq(o->size, 1, "n=%lu heap=%d", n, heap);
				cr_expect_eq(o->pages, 1);
			} else {
				cr_expect_eq(r, (long)sizeof(data));
				cr_expect_eq(mobj_read(o, GiB(2) - 5, got, sizeof(got)),
					     sizeof(got));
				cr_expect(memcmp(got, data, sizeof(got)) == 0);
			}
			mobj_put(o);
			cr_expect_eq(pmm_free_frames(), before, "n=%lu heap=%d", n, heap);
		}
	}
}

Test(mobj, page_get_and_refcounts)
{
	struct mobj *o = mobj_create(MOBJ_ANON);
	paddr_t pa, pb;

	cr_assert_eq(mobj_page(o, 3, MOBJ_ALLOC, &pa), 0);
	cr_expect_eq(pmm_refcount(pa), 1);
	cr_expect_eq(*(uint8_t *)mm_phys_to_virt(pa), 0);
	cr_assert_eq(mobj_page(o, 3, MOBJ_LOOKUP, &pb), 0);
	cr_expect_eq(pa, pb);
	pmm_ref(pa); /* a mapper's own reference */
	mobj_get(o);
	mobj_put(o);
	cr_expect_eq(o->pages, 1);
	mobj_put(o);
	cr_expect_eq(pmm_refcount(pa), 1, "the mapper's reference outlives the object");
	pmm_unref(pa);
}

Test(mobj, allocate_and_seek)
{
	struct mobj *o = mobj_create(MOBJ_SHMEM);

	cr_assert_eq(mobj_truncate(o, 10 * 4096), 0);
	cr_assert_eq(mobj_allocate(o, 2 * 4096 + 1, 4096, MOBJ_ALLOC_KEEP_SIZE), 0);
	cr_expect_eq(o->pages, 2);
	cr_expect_eq(o->size, 10 * 4096);
	cr_expect_eq(mobj_seek(o, 0, 10, MOBJ_SEEK_DATA), 2);
	cr_expect_eq(mobj_seek(o, 2, 10, MOBJ_SEEK_HOLE), 4);
	cr_expect_eq(mobj_seek(o, 4, 10, MOBJ_SEEK_DATA), UINT64_MAX);
	for (unsigned long n = 1; n < 4; n++) {
		pmm_fail_nth(n);
		cr_expect_eq(mobj_allocate(o, 0, 8 * 4096, MOBJ_ALLOC_GROW), -ENOMEM);
		pmm_fail_nth(0);
		cr_expect_eq(o->pages, 2, "n=%lu: the pages added are given back", n);
	}
	mobj_put(o);
}

Test(mobj, hugetlb_sizes_and_empty_pools)
{
	struct mobj *o = mobj_create(MOBJ_SHMEM);

	cr_expect_eq(mobj_hugetlb_size(0), MiB(2), "the default pool");
	cr_expect_eq(mobj_hugetlb_size(21), MiB(2));
	cr_expect_eq(mobj_hugetlb_size(30), GiB(1));
	cr_expect_eq(mobj_hugetlb_size(22), 0);
	cr_expect_eq(mobj_hugetlb_size(12), 0);
	cr_assert_not_null(o);
	mobj_set_hugetlb(o, MiB(2));
	cr_expect(o->flags & MOBJ_HUGETLB);
	cr_expect_eq(o->huge_size, MiB(2));
	cr_expect_eq(mobj_hugetlb_allocate(o, 0, 4096), -ENOSPC);
	cr_expect_eq(mobj_hugetlb_allocate(o, MiB(4), MiB(2)), -ENOSPC);
	cr_expect_eq(mobj_hugetlb_allocate(o, 1, MOBJ_MAX_SIZE), -EFBIG);
	cr_expect_eq(mobj_hugetlb_allocate(o, 0, 0), 0, "nothing to take");
	cr_expect_eq(mobj_hugetlb_reserve(o, 0, 4096), -ENOMEM);
	cr_expect_eq(mobj_hugetlb_reserve(o, 0, 0), 0);
	cr_expect_eq(o->pages, 0);
	cr_expect_eq(o->size, 0);
	mobj_put(o);
}
