/*
 * Host tests of VMAs as windows onto memory objects (src/mm/vma.c, fault.c,
 * aspace.c with mm/mobj.h): offsets through split, merge and mremap, the
 * merge rule (same object, contiguous offsets), shared and private faults,
 * SIGBUS past the end, zap through the reverse map on truncate and punch,
 * MAP_SHARED|MAP_ANONYMOUS as a shmem object shared by as_clone, and
 * free-frame counts before and after.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "lib/errno.h"
#include "mm/aspace.h"
#include "mm/heap.h"
#include "mm/mmarch.h"
#include "mm/mobj.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "support/as_testlib.h"
#include "support/host_mm.h"

#define RW (PROT_READ | PROT_WRITE)
#define P 4096ULL
#define AT 0x40000000ULL
#define MADV_REMOVE_ 9

static struct aspace *as;
static size_t free0;

static void setup(void)
{
	host_mm_setup(MiB(64));
	mobj_shmem_set_limit(0);
	free0 = pmm_free_frames();
	as = as_create();
	cr_assert_not_null(as);
}

static void teardown(void)
{
	as_destroy(as);
	cr_expect_eq(pmm_free_frames(), free0, "leaked %zd frames",
		     (ssize_t)(free0 - pmm_free_frames()));
	cr_expect_eq(heap_bytes_in_use(), 0, "heap bytes left: %zu", heap_bytes_in_use());
	cr_expect_eq(mobj_shmem_charged(), 0);
}

TestSuite(aspace_obj, .init = setup, .fini = teardown);

#define CHECK() cr_assert_eq(as_check(as), 0, "as_check failed")

/* A shmem object of `pages` pages whose page i starts with the byte 'A' + i. */
static struct mobj *obj_new(unsigned pages)
{
	struct mobj *o = mobj_create(MOBJ_SHMEM);

	cr_assert_not_null(o);
	for (unsigned i = 0; i < pages; i++) {
		char c = (char)('A' + i);

		cr_assert_eq(mobj_write(o, i * P, &c, 1), 1);
	}
	cr_assert_eq(mobj_truncate(o, pages * P), 0);
	return o;
}

/* The first byte at va as a user read sees it; -1 on a fault verdict other than OK. */
static int peek(vaddr_t va)
{
	unsigned char c;

	return as_test_read(as, va, &c, 1) == AS_FAULT_OK ? c : -1;
}

static int poke(vaddr_t va, char c)
{
	return as_test_write(as, va, &c, 1);
}

static void window(vaddr_t va, const struct mobj *want, uint64_t pgoff)
{
	const struct mobj *o;
	uint64_t off;

	cr_assert(as_vma_object(as, va, &o, &off), "no VMA at %#llx", (unsigned long long)va);
	cr_expect_eq(o, want);
	cr_expect_eq(off, pgoff, "pgoff at %#llx: %llu, want %llu", (unsigned long long)va,
		     (unsigned long long)off, (unsigned long long)pgoff);
}

Test(aspace_obj, shared_reads_object_pages_at_offset)
{
	struct mobj *o = obj_new(8);

	cr_assert_eq(as_mmap_obj(as, AT, 4 * P, RW, MAP_SHARED | MAP_FIXED, o, 2, 0), (long)AT);
	cr_expect_eq(peek(AT), 'C');
	cr_expect_eq(peek(AT + 3 * P), 'F');
	cr_expect_eq(poke(AT + P, 'z'), AS_FAULT_OK);
	{
		char c;

		cr_expect_eq(mobj_read(o, 3 * P, &c, 1), 1);
		cr_expect_eq(c, 'z', "a shared write reaches the object");
	}
	CHECK();
	mobj_put(o); /* the mapping keeps its own reference */
	cr_expect_eq(peek(AT + 2 * P), 'E');
	cr_expect_eq(as_munmap(as, AT, 4 * P), 0);
}

Test(aspace_obj, private_copies_on_write_and_stays_private)
{
	struct mobj *o = obj_new(4);
	char c;

	cr_assert_eq(as_mmap_obj(as, AT, 4 * P, RW, MAP_PRIVATE | MAP_FIXED, o, 0, 0), (long)AT);
	cr_expect_eq(peek(AT + P), 'B');
	cr_expect_eq(poke(AT + P, 'p'), AS_FAULT_OK);
	cr_expect_eq(peek(AT + P), 'p');
	cr_expect_eq(mobj_read(o, P, &c, 1), 1);
	cr_expect_eq(c, 'B', "the object keeps its page");
	c = 'w';
	cr_expect_eq(mobj_write(o, 2 * P, &c, 1), 1);
	cr_expect_eq(peek(AT + 2 * P), 'w', "an uncopied page shows the object's writes");
	cr_expect_eq(mobj_write(o, P, &c, 1), 1);
	cr_expect_eq(peek(AT + P), 'p', "a copied page does not");
	CHECK();
	mobj_put(o);
}

/*
 * smaps' Anonymous: of a private window, only the pages copied on write
 * (a page read maps the object's own); of a shared one, none; of anonymous
 * memory, every page. An object's page mapped once counts one mapping
 * (Linux's mapcount), not the object's own reference.
 */
Test(aspace_obj, mem_stats_anon_counts_private_copies_only)
{
	struct mobj *o = obj_new(5);
	vaddr_t b = AT + 8 * P, c = AT + 16 * P;
	struct as_page_info pg;
	struct as_mem_stats st;

	cr_assert_eq(as_mmap_obj(as, AT, 4 * P, RW, MAP_PRIVATE | MAP_FIXED, o, 0, 0), (long)AT);
	cr_assert_eq(as_mmap_obj(as, b, P, RW, MAP_SHARED | MAP_FIXED, o, 4, 0), (long)b);
	cr_assert_eq(as_mmap(as, c, 2 * P, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), (long)c);
	cr_expect_eq(peek(AT), 'A');
	cr_expect_eq(peek(AT + P), 'B');
	cr_expect_eq(poke(AT + 2 * P, 'p'), AS_FAULT_OK);
	cr_expect_eq(poke(b, 's'), AS_FAULT_OK);
	cr_expect_eq(poke(c, 'a'), AS_FAULT_OK);
	as_mem_stats(as, AT, AT + 4 * P, &st);
	cr_expect_eq(st.resident, 4 * P, "the read's fault-around maps all four");
	cr_expect_eq(st.anon, P, "only the copied page");
	as_mem_stats(as, b, b + P, &st);
	cr_expect_eq(st.resident, P);
	cr_expect_eq(st.anon, 0);
	as_mem_stats(as, c, c + 2 * P, &st);
	cr_expect_eq(st.anon, P);
	cr_assert(as_page_query(as, AT, &pg));
	cr_expect_eq(pg.kind, AS_PAGE_OBJ);
	cr_expect_eq(pg.mapcount, 1, "the object's own reference is no mapping");
	cr_assert(as_page_query(as, AT + 2 * P, &pg));
	cr_expect_eq(pg.kind, AS_PAGE_ANON);
	cr_expect_eq(pg.mapcount, 1);
	cr_assert(as_page_query(as, b, &pg));
	cr_expect_eq(pg.kind, AS_PAGE_OBJ);
	cr_expect_eq(pg.mapcount, 1);
	as_mem_stats(as, AT, AT + P, &st);
	cr_expect_eq(st.priv, P, "a file page mapped once is private");
	cr_expect_eq(st.pss, P << AS_PSS_SHIFT);
	CHECK();
	mobj_put(o);
}

Test(aspace_obj, split_and_merge_keep_offsets)
{
	struct mobj *o = obj_new(8);

	cr_assert_eq(as_mmap_obj(as, AT, 8 * P, RW, MAP_SHARED | MAP_FIXED, o, 0, 0), (long)AT);
	cr_assert_eq(as_mprotect(as, AT + 2 * P, 2 * P, PROT_READ), 0);
	cr_expect_eq(as_vma_count(as), 3);
	window(AT, o, 0);
	window(AT + 2 * P, o, 2);
	window(AT + 5 * P, o, 4);
	cr_expect_eq(peek(AT + 5 * P), 'F');
	cr_assert_eq(as_mprotect(as, AT + 2 * P, 2 * P, RW), 0);
	cr_expect_eq(as_vma_count(as), 1, "contiguous windows of one object merge");
	window(AT + 7 * P, o, 0);
	/* munmap of the front moves pgoff with the start */
	cr_assert_eq(as_munmap(as, AT, 3 * P), 0);
	window(AT + 3 * P, o, 3);
	cr_expect_eq(peek(AT + 3 * P), 'D');
	CHECK();
	mobj_put(o);
}

Test(aspace_obj, no_merge_across_objects_or_gaps_in_offsets)
{
	struct mobj *o = obj_new(8), *q = obj_new(8);

	cr_assert_eq(as_mmap_obj(as, AT, 2 * P, RW, MAP_SHARED | MAP_FIXED, o, 0, 0), (long)AT);
	cr_assert_eq(as_mmap_obj(as, AT + 2 * P, 2 * P, RW, MAP_SHARED | MAP_FIXED, o, 3, 0),
		     (long)(AT + 2 * P));
	cr_expect_eq(as_vma_count(as), 2, "offsets 0-1 then 3-4 do not merge");
	cr_assert_eq(as_mmap_obj(as, AT + 4 * P, 2 * P, RW, MAP_SHARED | MAP_FIXED, q, 5, 0),
		     (long)(AT + 4 * P));
	cr_expect_eq(as_vma_count(as), 3, "another object does not merge");
	cr_assert_eq(as_mmap_obj(as, AT + 6 * P, 2 * P, RW, MAP_SHARED | MAP_FIXED, q, 7, 0),
		     (long)(AT + 6 * P));
	cr_expect_eq(as_vma_count(as), 3, "contiguous offsets merge");
	cr_assert_eq(as_mmap(as, AT + 8 * P, P, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED),
		     (long)(AT + 8 * P));
	cr_assert_eq(as_mmap(as, AT + 9 * P, P, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED),
		     (long)(AT + 9 * P));
	cr_expect_eq(as_vma_count(as), 5, "two shared anonymous mappings are two objects");
	CHECK();
	mobj_put(o);
	mobj_put(q);
}

Test(aspace_obj, sigbus_past_end_and_truncate_zaps_every_mapping)
{
	struct mobj *o = obj_new(4);
	vaddr_t b = AT + 16 * P;
	size_t held;

	cr_assert_eq(as_mmap_obj(as, AT, 6 * P, RW, MAP_SHARED | MAP_FIXED, o, 0, 0), (long)AT);
	cr_assert_eq(as_mmap_obj(as, b, 4 * P, RW, MAP_PRIVATE | MAP_FIXED, o, 0, 0), (long)b);
	cr_expect_eq(as_fault(as, AT + 4 * P, AS_PF_USER), AS_FAULT_SIGBUS);
	for (unsigned i = 0; i < 4; i++) {
		cr_expect_eq(peek(AT + i * P), 'A' + (int)i);
		cr_expect_eq(peek(b + i * P), 'A' + (int)i);
	}
	cr_expect_eq(poke(b + 3 * P, 'c'), AS_FAULT_OK); /* a private copy */
	held = pmm_free_frames();
	cr_assert_eq(mobj_truncate(o, 2 * P), 0);
	cr_expect_eq(pmm_free_frames(), held + 3, "two object pages and one copy freed");
	cr_expect_eq(as_fault(as, AT + 2 * P, AS_PF_USER), AS_FAULT_SIGBUS);
	cr_expect_eq(as_fault(as, b + 3 * P, AS_PF_USER), AS_FAULT_SIGBUS);
	cr_expect_eq(peek(AT + P), 'B');
	cr_assert_eq(mobj_truncate(o, 4 * P), 0);
	cr_expect_eq(peek(b + 3 * P), 0, "grown back: a hole reads zero");
	CHECK();
	mobj_put(o);
}

Test(aspace_obj, shared_anon_survives_dontneed_and_remove_punches)
{
	vaddr_t a = (vaddr_t)as_mmap(as, 0, 4 * P, RW, MAP_SHARED | MAP_ANONYMOUS);
	size_t before;

	cr_assert_lt(a, AS_TASK_SIZE);
	cr_expect_eq(poke(a, 'x'), AS_FAULT_OK);
	cr_expect_eq(poke(a + P, 'y'), AS_FAULT_OK);
	cr_expect_eq(as_madvise(as, a, 2 * P, MADV_DONTNEED), 0);
	cr_expect_eq(as_resident_frames(as), 0);
	cr_expect_eq(peek(a), 'x', "the object keeps the page");
	cr_expect_eq(peek(a + P), 'y'); /* mapped again: its tables stay */
	before = pmm_free_frames();
	cr_expect_eq(as_madvise(as, a, P, MADV_REMOVE_), 0);
	cr_expect_eq(pmm_free_frames(), before + 1, "freed %zd",
		     (ssize_t)(pmm_free_frames() - before));
	cr_expect_eq(peek(a), 0, "punched: zero again");
	cr_expect_eq(peek(a + P), 'y');
	cr_expect_eq(as_fault(as, a + 4 * P, AS_PF_USER), AS_FAULT_MAPERR);
	CHECK();
}

Test(aspace_obj, shared_anon_is_shared_by_clone)
{
	vaddr_t a = (vaddr_t)as_mmap(as, 0, 2 * P, RW, MAP_SHARED | MAP_ANONYMOUS);
	struct aspace *c;
	unsigned char x;

	cr_assert_lt(a, AS_TASK_SIZE);
	c = as_clone(as);
	cr_assert_not_null(c);
	cr_expect_eq(as_resident_frames(as), 0, "no population at clone");
	x = 'q';
	cr_expect_eq(as_test_write(c, a + P, &x, 1), AS_FAULT_OK);
	cr_expect_eq(peek(a + P), 'q', "the parent sees the child's write");
	cr_expect_eq(poke(a, 'r'), AS_FAULT_OK);
	cr_expect_eq(as_test_read(c, a, &x, 1), AS_FAULT_OK);
	cr_expect_eq(x, 'r');
	cr_expect_eq(as_check(c), 0);
	as_destroy(c);
	cr_expect_eq(peek(a + P), 'q');
	CHECK();
}

Test(aspace_obj, mremap_keeps_object_and_offset)
{
	struct mobj *o = obj_new(8);
	long to;

	cr_assert_eq(as_mmap_obj(as, AT, 4 * P, RW, MAP_SHARED | MAP_FIXED, o, 1, 0), (long)AT);
	cr_expect_eq(peek(AT + P), 'C');
	to = as_mremap(as, AT + P, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, AT + 32 * P);
	cr_assert_eq(to, (long)(AT + 32 * P));
	window(AT + 32 * P, o, 2);
	cr_expect_eq(peek(AT + 32 * P), 'C', "the moved page");
	cr_expect_eq(peek(AT + 33 * P), 'D', "a page faulted after the move");
	window(AT + 3 * P, o, 4);
	to = as_mremap(as, AT + 32 * P, 0, 3 * P, MREMAP_MAYMOVE, 0);
	cr_assert_gt(to, 0);
	window((vaddr_t)to, o, 2);
	cr_expect_eq(peek((vaddr_t)to + 2 * P), 'E', "old_len 0: a second window");
	/* grow the tail mapping in place past the object's end: SIGBUS there */
	cr_assert_eq(as_mremap(as, AT + 3 * P, P, 8 * P, 0, 0), (long)(AT + 3 * P));
	cr_expect_eq(peek(AT + 6 * P), 'H');
	cr_expect_eq(as_fault(as, AT + 7 * P, AS_PF_USER), AS_FAULT_SIGBUS);
	CHECK();
	mobj_put(o);
}

Test(aspace_obj, mincore_sees_object_pages)
{
	struct mobj *o = obj_new(3);
	uint8_t vec[4];

	cr_assert_eq(mobj_truncate(o, 4 * P), 0);
	cr_assert_eq(as_mmap_obj(as, AT, 4 * P, PROT_READ, MAP_PRIVATE | MAP_FIXED, o, 0, 0),
		     (long)AT);
	cr_expect_eq(as_mincore(as, AT, 4, vec), 4);
	cr_expect(vec[0] == 1 && vec[1] == 1 && vec[2] == 1 && vec[3] == 0,
		  "object pages resident, the hole not");
	mobj_put(o);
}

Test(aspace_obj, never_writable_shared_and_the_writable_mapping_mark)
{
	struct mobj *o = obj_new(4);

	cr_assert_eq(as_mmap_obj(as, AT, 4 * P, PROT_READ, MAP_SHARED | MAP_FIXED, o, 0,
				 AS_VMA_NOMAYWRITE), (long)AT);
	cr_expect_not(mobj_mapped_with(o, MOBJ_MAP_SHARED_WRITE));
	cr_assert_eq(as_mprotect(as, AT + P, P, PROT_READ | PROT_EXEC), 0);
	cr_expect_eq(as_mprotect(as, AT, 4 * P, RW), -EACCES);
	cr_expect_eq(as_madvise(as, AT, P, MADV_REMOVE_), -EACCES);
	cr_assert_eq(as_mmap_obj(as, AT + 8 * P, P, PROT_READ, MAP_SHARED | MAP_FIXED, o, 0, 0),
		     (long)(AT + 8 * P));
	cr_expect(mobj_mapped_with(o, MOBJ_MAP_SHARED_WRITE), "a shared map that may be written");
	cr_expect_eq(as_munmap(as, AT + 8 * P, P), 0);
	cr_expect_not(mobj_mapped_with(o, MOBJ_MAP_SHARED_WRITE));
	cr_expect_eq(as_mlock(as, AT, P, 0), 0);
	cr_expect_eq(as_msync(as, AT, 2 * P, MS_INVALIDATE), -EBUSY);
	cr_expect_eq(as_msync(as, AT + P, P, MS_INVALIDATE), 0);
	CHECK();
	mobj_put(o);
}

/*
 * Linux's fault-around: a read fault on a file window maps the object's
 * pages that exist in the 64 KiB-aligned block around it (clipped to the
 * VMA and the object's size), private ones read-only, and leaves holes and
 * everything outside the block to their own faults. A write fault maps
 * only its page.
 */
Test(aspace_obj, a_read_fault_maps_the_existing_pages_of_its_64k_block)
{
	struct mobj *o = obj_new(20);
	struct pt_leaf leaf;
	paddr_t pa;
	size_t before;

	mobj_punch(o, 6 * P, P);
	cr_assert_eq(as_mmap_obj(as, AT + P, 19 * P, RW, MAP_PRIVATE | MAP_FIXED, o, 1, 0),
		     (long)(AT + P));
	cr_expect_eq(poke(AT + 17 * P, 'w'), AS_FAULT_OK);
	cr_expect_not(pt_query(as_root(as), AT + 18 * P, &leaf), "a write fault maps one page");
	before = pmm_free_frames(); /* the tables exist now */
	cr_expect_eq(peek(AT + 3 * P), 'D');
	for (unsigned i = 1; i < 16; i++) {
		bool mapped = pt_query(as_root(as), AT + i * P, &leaf);

		cr_expect_eq(mapped, i != 6, "page %u: mapped %d", i, mapped);
		if (!mapped)
			continue;
		cr_expect_eq(mobj_page(o, i, MOBJ_LOOKUP, &pa), 0);
		cr_expect_eq(leaf.pa, pa, "page %u maps the object's frame", i);
		cr_expect_not(leaf.flags & PT_WRITE, "page %u is read-only until written", i);
		cr_expect_eq(pmm_refcount(pa), 2, "page %u: the object's and the mapping's", i);
	}
	cr_expect_not(pt_query(as_root(as), AT + 16 * P, &leaf), "the next block waits");
	cr_expect_eq(pmm_free_frames(), before, "no frame allocated: the object's pages are mapped");
	cr_expect_eq(peek(AT + 6 * P), 0, "the hole reads as zero");
	CHECK();
	mobj_put(o);
}
