/*
 * Host tests of the THP policy and its knobs (src/mm/thp.c) and of the
 * faults it steers (src/mm/fault.c): multi-size anonymous THP blocks, their
 * page-table entries and the frames they take, and MAP_HUGETLB without a pool.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "lib/errno.h"
#include "mm/aspace.h"
#include "mm/mmarch.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "mm/thp.h"
#include "mm/zpage.h"
#include "support/host_mm.h"

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define MADV_HUGEPAGE_ 14
#define MADV_NOHUGEPAGE_ 15
#define WRITE_FAULT (AS_PF_USER | AS_PF_WRITE)
#define READ_FAULT AS_PF_USER
#define ORD(kb) ((unsigned)__builtin_ctz((kb) / 4))

static struct aspace *as;
static size_t free0, tables0, used0;

static void setup(void)
{
	host_mm_setup(MiB(512));
	thp_reset();
	free0 = pmm_free_frames();
	tables0 = pt_table_frames();
	as = as_create();
	cr_assert_not_null(as);
	used0 = 0;
}

static void teardown(void)
{
	as_destroy(as);
	thp_reset();
	cr_assert_eq(pmm_free_frames(), free0, "leaked %zd frames",
		     (ssize_t)(free0 - pmm_free_frames()));
	cr_assert_eq(pt_table_frames(), tables0);
}

TestSuite(thp, .init = setup, .fini = teardown);

/* The text of knob k (of order) now. */
static const char *show(enum thp_knob k, unsigned order)
{
	static char text[THP_KNOB_TEXT_MAX];

	cr_assert_gt(thp_knob_show(k, order, text), 0, "knob %d", k);
	return text;
}

/* Store a C string into knob k. */
static long store(enum thp_knob k, unsigned order, const char *s)
{
	return thp_knob_store(k, order, s, strlen(s));
}

/* Frames in use since mark_frames(), page tables excluded. */
static size_t data_frames(void)
{
	return free0 - pmm_free_frames() - (pt_table_frames() - tables0) - used0;
}

/* Start counting data_frames from now (after the space and its VMAs took theirs). */
static void mark_frames(void)
{
	used0 = 0;
	used0 = data_frames();
}

Test(thp, knob_defaults_as_linux_prints_them)
{
	static const struct { enum thp_knob k; const char *text; } want[] = {
		{THP_KNOB_ENABLED, "[always] madvise never\n"},
		{THP_KNOB_DEFRAG, "always defer defer+madvise madvise [never]\n"},
		{THP_KNOB_SHMEM_ENABLED, "always within_size advise [never] deny force\n"},
		{THP_KNOB_USE_ZERO_PAGE, "1\n"},
		{THP_KNOB_HPAGE_PMD_SIZE, "2097152\n"},
		{THP_KNOB_KH_DEFRAG, "1\n"},
		{THP_KNOB_KH_ALLOC_SLEEP, "60000\n"},
		{THP_KNOB_KH_SCAN_SLEEP, "10000\n"},
		{THP_KNOB_KH_MAX_PTES_NONE, "511\n"},
		{THP_KNOB_KH_MAX_PTES_SWAP, "64\n"},
		{THP_KNOB_KH_MAX_PTES_SHARED, "256\n"},
		{THP_KNOB_KH_PAGES_TO_SCAN, "4096\n"},
		{THP_KNOB_KH_FULL_SCANS, "0\n"},
		{THP_KNOB_KH_PAGES_COLLAPSED, "0\n"},
	};
	char text[THP_KNOB_TEXT_MAX];

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_expect_str_eq(show(want[i].k, 0), want[i].text);
	cr_expect_eq(thp_anon_supported_orders(), 0x3fcu, "16 KiB .. 2 MiB");
	cr_expect_eq(thp_pmd_order(), 9);
	cr_expect_str_eq(show(THP_KNOB_SIZE_ENABLED, 9), "always [inherit] madvise never\n");
	for (unsigned o = 2; o < 9; o++)
		cr_expect_str_eq(show(THP_KNOB_SIZE_ENABLED, o), "always inherit madvise [never]\n");
	cr_expect_eq(thp_knob_show(THP_KNOB_SIZE_ENABLED, 1, text), -EINVAL, "no 8 KiB size");
	cr_expect_eq(thp_knob_show(THP_KNOB_SIZE_ENABLED, 10, text), -EINVAL);
	cr_expect_eq(thp_knob_show(THP_KNOB_COUNT, 0, text), -EINVAL);
}

Test(thp, word_knobs_take_linux_words_and_nothing_else)
{
	cr_assert_eq(store(THP_KNOB_ENABLED, 0, "madvise\n"), 8);
	cr_expect_str_eq(show(THP_KNOB_ENABLED, 0), "always [madvise] never\n");
	cr_assert_eq(store(THP_KNOB_ENABLED, 0, "never"), 5);
	cr_expect_str_eq(show(THP_KNOB_ENABLED, 0), "always madvise [never]\n");
	cr_expect_eq(store(THP_KNOB_ENABLED, 0, "inherit"), -EINVAL, "per-size word only");
	cr_expect_eq(store(THP_KNOB_ENABLED, 0, "never\n\n"), -EINVAL);
	cr_expect_eq(store(THP_KNOB_ENABLED, 0, " never"), -EINVAL);
	cr_expect_eq(store(THP_KNOB_ENABLED, 0, "Never"), -EINVAL);
	cr_expect_eq(store(THP_KNOB_ENABLED, 0, ""), -EINVAL);
	cr_expect_eq(thp_knob_store(THP_KNOB_ENABLED, 0, "always\0junk", 11), 11,
		     "the text ends at a NUL, as sysfs's copy");
	cr_expect_str_eq(show(THP_KNOB_ENABLED, 0), "[always] madvise never\n");

	cr_assert_eq(store(THP_KNOB_DEFRAG, 0, "defer+madvise"), 13);
	cr_expect_str_eq(show(THP_KNOB_DEFRAG, 0), "always defer [defer+madvise] madvise never\n");
	cr_expect_eq(store(THP_KNOB_DEFRAG, 0, "defer+"), -EINVAL);

	cr_assert_eq(store(THP_KNOB_SIZE_ENABLED, ORD(64), "inherit\n"), 8);
	cr_expect_str_eq(show(THP_KNOB_SIZE_ENABLED, ORD(64)), "always [inherit] madvise never\n");
	cr_expect_eq(store(THP_KNOB_SIZE_ENABLED, 1, "always"), -EINVAL);

	cr_assert_eq(store(THP_KNOB_SHMEM_ENABLED, 0, "deny\n"), 5);
	cr_expect_str_eq(show(THP_KNOB_SHMEM_ENABLED, 0),
			 "always within_size advise never [deny] force\n");
	cr_expect_eq(store(THP_KNOB_SHMEM_ENABLED, 0, "always"), -EINVAL, "shmem: 4 KiB pages");
	cr_expect_eq(store(THP_KNOB_SHMEM_ENABLED, 0, "never"), 5);
	cr_expect_str_eq(show(THP_KNOB_SHMEM_ENABLED, 0),
			 "always within_size advise [never] deny force\n");
}

Test(thp, number_knobs_check_linux_bounds)
{
	cr_expect_eq(store(THP_KNOB_USE_ZERO_PAGE, 0, "1\n"), 2);
	cr_expect(thp_use_zero_page());
	cr_expect_eq(store(THP_KNOB_USE_ZERO_PAGE, 0, "2"), -EINVAL);
	cr_expect_eq(store(THP_KNOB_USE_ZERO_PAGE, 0, "99999999999999999999"), -ERANGE);
	cr_expect_eq(store(THP_KNOB_USE_ZERO_PAGE, 0, "x"), -EINVAL);
	cr_expect_eq(store(THP_KNOB_USE_ZERO_PAGE, 0, "+0"), 2);
	cr_expect_not(thp_use_zero_page());

	cr_expect_eq(store(THP_KNOB_KH_MAX_PTES_NONE, 0, "511"), 3);
	cr_expect_eq(store(THP_KNOB_KH_MAX_PTES_NONE, 0, "512"), -EINVAL);
	cr_expect_eq(store(THP_KNOB_KH_MAX_PTES_SHARED, 0, "0\n"), 2);
	cr_expect_str_eq(show(THP_KNOB_KH_MAX_PTES_SHARED, 0), "0\n");
	cr_expect_eq(store(THP_KNOB_KH_PAGES_TO_SCAN, 0, "0"), -EINVAL);
	cr_expect_eq(store(THP_KNOB_KH_PAGES_TO_SCAN, 0, "4294967295"), 10);
	cr_expect_eq(store(THP_KNOB_KH_PAGES_TO_SCAN, 0, "4294967296"), -EINVAL);
	cr_expect_str_eq(show(THP_KNOB_KH_PAGES_TO_SCAN, 0), "4294967295\n");
	cr_expect_eq(store(THP_KNOB_KH_SCAN_SLEEP, 0, "-1"), -EINVAL);
	cr_expect_eq(store(THP_KNOB_KH_SCAN_SLEEP, 0, "12 "), -EINVAL);
	cr_expect_eq(store(THP_KNOB_KH_SCAN_SLEEP, 0, "12"), 2);
	cr_expect_str_eq(show(THP_KNOB_KH_SCAN_SLEEP, 0), "12\n");

	cr_expect_eq(store(THP_KNOB_HPAGE_PMD_SIZE, 0, "4096"), -EINVAL);
	cr_expect_eq(store(THP_KNOB_KH_FULL_SCANS, 0, "1"), -EINVAL);
	cr_expect_not(thp_knob_writable(THP_KNOB_HPAGE_PMD_SIZE));
	cr_expect(thp_knob_writable(THP_KNOB_KH_DEFRAG));
}

Test(thp, policy_combines_sizes_top_level_and_madvise)
{
	uint32_t pmd = 1u << 9, k64 = 1u << ORD(64), k16 = 1u << ORD(16);

	cr_expect_eq(thp_anon_orders(THP_ADVICE_NONE), pmd, "default: 2 MiB inherits always");
	cr_expect_eq(thp_anon_orders(THP_ADVICE_NOHUGEPAGE), 0);
	store(THP_KNOB_ENABLED, 0, "madvise");
	cr_expect_eq(thp_anon_orders(THP_ADVICE_NONE), 0);
	cr_expect_eq(thp_anon_orders(THP_ADVICE_HUGEPAGE), pmd);
	store(THP_KNOB_SIZE_ENABLED, ORD(64), "always");
	store(THP_KNOB_SIZE_ENABLED, ORD(16), "madvise");
	cr_expect_eq(thp_anon_orders(THP_ADVICE_NONE), k64);
	cr_expect_eq(thp_anon_orders(THP_ADVICE_HUGEPAGE), pmd | k64 | k16);
	cr_expect_eq(thp_anon_orders(THP_ADVICE_NOHUGEPAGE), 0);
	store(THP_KNOB_ENABLED, 0, "never");
	cr_expect_eq(thp_anon_orders(THP_ADVICE_HUGEPAGE), k64 | k16, "inherit follows never");
	store(THP_KNOB_SIZE_ENABLED, 9, "never");
	store(THP_KNOB_ENABLED, 0, "always");
	cr_expect_eq(thp_anon_orders(THP_ADVICE_NONE), k64);
}

/*
 * Assert [va, va+size) is mapped by 4 KiB leaves onto one physically
 * contiguous block aligned to size, each frame with `refs` references.
 */
static void expect_block(vaddr_t va, uint64_t size, uint32_t refs)
{
	struct pt_leaf leaf;
	paddr_t pa0 = 0;

	for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
		cr_assert(pt_query(as_root(as), va + off, &leaf), "%#llx unmapped",
			  (unsigned long long)(va + off));
		cr_expect_eq(leaf.size, PAGE_SIZE);
		if (off == 0)
			pa0 = leaf.pa;
		cr_expect_eq(leaf.pa, pa0 + off, "not contiguous at +%#llx",
			     (unsigned long long)off);
		cr_expect_eq(pmm_refcount(leaf.pa), refs);
	}
	cr_expect(IS_ALIGNED(pa0, size), "block at %#llx", (unsigned long long)pa0);
}

Test(thp, write_fault_maps_a_whole_mthp_block_at_once)
{
	vaddr_t a = 0x40000000;
	struct pt_leaf leaf;

	cr_assert_eq(store(THP_KNOB_SIZE_ENABLED, 9, "never"), 5);
	cr_assert_eq(store(THP_KNOB_SIZE_ENABLED, ORD(64), "always"), 6);
	cr_assert_eq(as_mmap(as, a, KiB(256), RW, ANON | MAP_FIXED), (long)a);
	mark_frames();
	cr_assert_eq(as_fault(as, a + KiB(64) + 0x3000, WRITE_FAULT), AS_FAULT_OK);
	expect_block(a + KiB(64), KiB(64), 1);
	cr_expect_not(pt_query(as_root(as), a, &leaf), "the block before stays empty");
	cr_expect_not(pt_query(as_root(as), a + KiB(128), &leaf));
	cr_expect_eq(data_frames(), 16);

	/* A read fault maps the 4 KiB zero page (Linux maps reads with order 0). */
	cr_assert_eq(as_fault(as, a + KiB(128), READ_FAULT), AS_FAULT_OK);
	cr_assert(pt_query(as_root(as), a + KiB(128), &leaf));
	cr_expect(zpage_is(leaf.pa));
	cr_expect_not(pt_query(as_root(as), a + KiB(128) + 0x1000, &leaf));
	cr_expect_eq(data_frames(), 16);

	/* A block that holds a page already falls back to 4 KiB. */
	cr_assert_eq(as_fault(as, a + KiB(192), WRITE_FAULT), AS_FAULT_OK);
	expect_block(a + KiB(192), KiB(64), 1);
	cr_assert_eq(as_fault(as, a + KiB(160), WRITE_FAULT), AS_FAULT_OK);
	cr_expect_not(pt_query(as_root(as), a + KiB(164), &leaf));
	cr_expect_eq(data_frames(), 33);
	cr_assert_eq(as_check(as), 0);
}

Test(thp, fault_falls_back_size_by_size)
{
	vaddr_t a = 0x40000000;
	struct pt_leaf leaf;

	store(THP_KNOB_SIZE_ENABLED, 9, "never");
	store(THP_KNOB_SIZE_ENABLED, ORD(64), "always");
	store(THP_KNOB_SIZE_ENABLED, ORD(16), "always");
	/* 48 KiB VMA: no whole 64 KiB block inside, 16 KiB blocks are. */
	cr_assert_eq(as_mmap(as, a, KiB(48), RW, ANON | MAP_FIXED), (long)a);
	mark_frames();
	cr_assert_eq(as_fault(as, a + KiB(20), WRITE_FAULT), AS_FAULT_OK);
	expect_block(a + KiB(16), KiB(16), 1);
	cr_expect_not(pt_query(as_root(as), a + KiB(32), &leaf));
	cr_expect_eq(data_frames(), 4);

	/* No free 16 KiB block either: 4 KiB. */
	pmm_fail_nth(1);
	cr_assert_eq(as_fault(as, a + KiB(36), WRITE_FAULT), AS_FAULT_OK);
	pmm_fail_nth(0);
	cr_expect(pt_query(as_root(as), a + KiB(36), &leaf));
	cr_expect_not(pt_query(as_root(as), a + KiB(32), &leaf));
	cr_expect_eq(data_frames(), 5);
}

Test(thp, madvise_modes_and_nohugepage)
{
	vaddr_t a = 0x40000000;
	struct pt_leaf leaf;

	store(THP_KNOB_SIZE_ENABLED, 9, "never");
	store(THP_KNOB_SIZE_ENABLED, ORD(32), "madvise");
	cr_assert_eq(as_mmap(as, a, KiB(128), RW, ANON | MAP_FIXED), (long)a);
	mark_frames();
	cr_assert_eq(as_fault(as, a, WRITE_FAULT), AS_FAULT_OK);
	cr_expect_not(pt_query(as_root(as), a + 0x1000, &leaf), "madvise size without advice");
	cr_assert_eq(as_madvise(as, a + KiB(64), KiB(64), MADV_HUGEPAGE_), 0);
	cr_assert_eq(as_fault(as, a + KiB(64), WRITE_FAULT), AS_FAULT_OK);
	expect_block(a + KiB(64), KiB(32), 1);
	store(THP_KNOB_SIZE_ENABLED, ORD(32), "always");
	cr_assert_eq(as_madvise(as, a + KiB(96), KiB(32), MADV_NOHUGEPAGE_), 0);
	cr_assert_eq(as_fault(as, a + KiB(96), WRITE_FAULT), AS_FAULT_OK);
	cr_expect_not(pt_query(as_root(as), a + KiB(100), &leaf), "MADV_NOHUGEPAGE");
	cr_expect(as_vma_thp_eligible(as, a));
	cr_expect_not(as_vma_thp_eligible(as, a + KiB(96)));
	cr_expect_eq(data_frames(), 1 + 8 + 1);
}

Test(thp, frames_of_a_block_live_and_die_one_by_one)
{
	vaddr_t a = 0x40000000;
	struct aspace *child;

	store(THP_KNOB_SIZE_ENABLED, 9, "never");
	store(THP_KNOB_SIZE_ENABLED, ORD(64), "always");
	cr_assert_eq(as_mmap(as, a, KiB(64), RW, ANON | MAP_FIXED), (long)a);
	mark_frames();
	cr_assert_eq(as_fault(as, a, WRITE_FAULT), AS_FAULT_OK);
	expect_block(a, KiB(64), 1);
	child = as_clone(as);
	cr_assert_not_null(child);
	expect_block(a, KiB(64), 2);
	cr_assert_eq(as_fault(child, a + 0x2000, WRITE_FAULT | AS_PF_PRESENT), AS_FAULT_OK);
	cr_expect_eq(data_frames(), 17, "one page copied, the other 15 stay shared");
	as_destroy(child);
	expect_block(a, KiB(64), 1);
	cr_assert_eq(as_madvise(as, a + KiB(16), KiB(16), MADV_DONTNEED), 0);
	cr_expect_eq(data_frames(), 12);
	cr_assert_eq(as_munmap(as, a, KiB(8)), 0);
	cr_expect_eq(data_frames(), 10);
	cr_assert_eq(as_check(as), 0);
}

Test(thp, top_level_never_keeps_2m_faults_at_4k)
{
	vaddr_t a = 0x40000000;
	struct pt_leaf leaf;

	cr_assert_eq(as_mmap(as, a, MiB(4), RW, ANON | MAP_FIXED), (long)a);
	mark_frames();
	cr_assert_eq(as_fault(as, a, READ_FAULT), AS_FAULT_OK);
	cr_assert(pt_query(as_root(as), a, &leaf));
	cr_expect_eq(leaf.size, MiB(2), "default: a 2 MiB leaf, of the huge zero page for a read");
	cr_expect(zpage_is(leaf.pa));
	store(THP_KNOB_ENABLED, 0, "never");
	cr_assert_eq(as_fault(as, a + MiB(2), WRITE_FAULT), AS_FAULT_OK);
	cr_assert(pt_query(as_root(as), a + MiB(2), &leaf));
	cr_expect_eq(leaf.size, PAGE_SIZE);
	cr_expect_eq(data_frames(), 1);
	cr_expect_not(as_vma_thp_eligible(as, a));
}

Test(thp, map_hugetlb_answers_as_an_empty_pool)
{
	int hflags = ANON | MAP_HUGETLB;

	mark_frames();
	cr_expect_eq(as_mmap(as, 0, MiB(2), RW, hflags), -ENOMEM);
	cr_expect_eq(as_mmap(as, 0, PAGE_SIZE, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB),
		     -ENOMEM);
	cr_expect_eq(as_mmap(as, 0, GiB(1), RW, hflags | (30 << MAP_HUGE_SHIFT)), -ENOMEM);
	cr_expect_eq(as_mmap(as, 0, MiB(2), RW, hflags | (21 << MAP_HUGE_SHIFT)), -ENOMEM);
	cr_expect_eq(as_mmap(as, 0, MiB(2), RW, hflags | (14 << MAP_HUGE_SHIFT)), -EINVAL);
	cr_expect_eq(as_mmap(as, 0, MiB(2), RW, hflags | (12 << MAP_HUGE_SHIFT)), -EINVAL);
	cr_expect_eq(as_mmap(as, 0, 0, RW, hflags), -EINVAL);
	cr_expect_eq(as_mmap(as, 0x40001000, MiB(2), RW, hflags | MAP_FIXED), -EINVAL);
	cr_expect_eq(as_mmap(as, 0x40000000, MiB(2), RW, hflags | MAP_FIXED), -ENOMEM);
	cr_expect_eq(as_mmap(as, 0, MiB(2), RW, MAP_DROPPABLE | MAP_ANONYMOUS | MAP_HUGETLB),
		     -EINVAL);
	cr_expect_eq(data_frames(), 0);
}

/* use_zero_page 0: a read fault of a 2 MiB block takes a zeroed 2 MiB leaf (Linux's THP). */
Test(thp, use_zero_page_off_makes_a_read_take_a_2m_leaf)
{
	vaddr_t a = 0x40000000;
	struct pt_leaf leaf;

	cr_assert_eq(as_mmap(as, a, MiB(2), RW, ANON | MAP_FIXED), (long)a);
	cr_assert_eq(store(THP_KNOB_USE_ZERO_PAGE, 0, "0"), 1);
	mark_frames();
	cr_assert_eq(as_fault(as, a + 0x5000, READ_FAULT), AS_FAULT_OK);
	cr_assert(pt_query(as_root(as), a, &leaf));
	cr_expect_eq(leaf.size, MiB(2));
	cr_expect_not(zpage_is(leaf.pa));
	cr_expect_eq(data_frames(), 512);
	cr_assert_eq(as_check(as), 0);
}
