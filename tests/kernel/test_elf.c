/*
 * The ELF validator and loader: a corpus of malformed images, each rejected
 * with its reason, and valid ones loaded into a fresh address space.
 */
#include "harness/ktest.h"
#include "kernel/elf.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/access.h"
#include "mm/aspace.h"
#include "mm/mmarch.h"
#include "mm/mobj.h"
#include "mm/pt.h"
#include "user_image.h"

static uint8_t elf_t_buf[UIMG_SIZE] __attribute__((aligned(16)));
static const uint8_t elf_t_code[] = { 0xb8, 0x3c, 0x00, 0x00, 0x00, 0xbf, 0x2a,
				      0x00, 0x00, 0x00, 0x0f, 0x05 };

/* True when `needle` occurs in `s`. */
static bool elf_t_has(const char *s, const char *needle)
{
	size_t n = strlen(needle);

	for (; *s; s++)
		if (strncmp(s, needle, n) == 0)
			return true;
	return false;
}

/* A valid one-segment image in elf_t_buf; returns its size. */
static size_t elf_t_valid(void)
{
	return uimg_code(elf_t_buf, elf_t_code, sizeof(elf_t_code));
}

static struct elf64_ehdr *elf_t_eh(void)
{
	return (struct elf64_ehdr *)elf_t_buf;
}

static struct elf64_phdr *elf_t_ph(unsigned i)
{
	return (struct elf64_phdr *)(elf_t_buf + sizeof(struct elf64_ehdr)) + i;
}

/* elf_check must reject elf_t_buf[0..size) with a reason containing `want`. */
static void elf_t_reject(size_t size, const char *want)
{
	struct elf_info info;
	char why[128] = "";

	EXPECT_EQ(elf_check(elf_t_buf, size, &info, why, sizeof(why)), -ENOEXEC);
	if (!elf_t_has(why, want))
		ktest_fail("reason \"%s\" does not mention \"%s\"", why, want);
}

TEST(elf, valid_minimal_accepted)
{
	size_t size = elf_t_valid();
	struct elf_info info;
	char why[128] = "";

	ASSERT_EQ(elf_check(elf_t_buf, size, &info, why, sizeof(why)), 0);
	EXPECT_EQ(info.entry, UIMG_BASE);
	EXPECT_EQ(info.phnum, 1);
	EXPECT_EQ(info.phent, sizeof(struct elf64_phdr));
	EXPECT_EQ(info.image_end, UIMG_BASE + PAGE_SIZE);
}

TEST(elf, truncated_header)
{
	elf_t_valid();
	elf_t_reject(40, "truncated header");
}

TEST(elf, bad_magic)
{
	size_t size = elf_t_valid();

	elf_t_buf[1] = 'X';
	elf_t_reject(size, "bad magic");
}

TEST(elf, wrong_class)
{
	size_t size = elf_t_valid();

	elf_t_eh()->e_ident[EI_CLASS] = 1;
	elf_t_reject(size, "not ELFCLASS64");
}

TEST(elf, big_endian)
{
	size_t size = elf_t_valid();

	elf_t_eh()->e_ident[EI_DATA] = 2;
	elf_t_reject(size, "not little endian");
}

TEST(elf, wrong_machine)
{
	size_t size = elf_t_valid();

	elf_t_eh()->e_machine = 3;
	elf_t_reject(size, "machine 3 is not x86_64");
}

TEST(elf, et_rel)
{
	size_t size = elf_t_valid();

	elf_t_eh()->e_type = ET_REL;
	elf_t_reject(size, "type 1 is not ET_EXEC");
}

TEST(elf, bad_phentsize)
{
	size_t size = elf_t_valid();

	elf_t_eh()->e_phentsize = 32;
	elf_t_reject(size, "e_phentsize 32");
}

TEST(elf, phdrs_out_of_bounds)
{
	size_t size = elf_t_valid();

	elf_t_eh()->e_phoff = size - 20;
	elf_t_reject(size, "program headers out of file bounds");
	elf_t_eh()->e_phoff = ~0ULL - 8;
	elf_t_reject(size, "program headers out of file bounds");
}

TEST(elf, phnum_absurd)
{
	size_t size = elf_t_valid();

	elf_t_eh()->e_phnum = 65535;
	elf_t_reject(size, "e_phnum 65535 exceeds 64");
	elf_t_eh()->e_phnum = 0;
	elf_t_reject(size, "no program headers");
}

TEST(elf, segment_in_kernel_half)
{
	size_t size = elf_t_valid();

	elf_t_ph(0)->p_vaddr = 0xffffffff80000000ULL;
	elf_t_eh()->e_entry = 0xffffffff80000000ULL;
	elf_t_reject(size, "segment 0 [0xffffffff80000000+0x");
	elf_t_reject(size, "outside the user half");
}

TEST(elf, segment_below_mmap_min_addr_or_crossing_task_size)
{
	size_t size = elf_t_valid();

	elf_t_ph(0)->p_vaddr = 0x1000;
	elf_t_eh()->e_entry = 0x1000;
	elf_t_reject(size, "outside the user half");
	elf_t_ph(0)->p_vaddr = AS_TASK_SIZE - 0x1000;
	elf_t_ph(0)->p_memsz = 0x2000;
	elf_t_eh()->e_entry = AS_TASK_SIZE - 0x1000;
	elf_t_reject(size, "outside the user half");
	elf_t_ph(0)->p_memsz = ~0ULL - 0x100;
	elf_t_reject(size, "outside the user half");
}

TEST(elf, filesz_greater_than_memsz)
{
	size_t size = elf_t_valid();

	elf_t_ph(0)->p_memsz = elf_t_ph(0)->p_filesz - 1;
	elf_t_reject(size, "segment 0 filesz > memsz");
}

TEST(elf, segment_file_range_past_end)
{
	size_t size = elf_t_valid();

	elf_t_ph(0)->p_offset = size - 4;
	elf_t_reject(size, "segment 0 file range past end of file");
	elf_t_ph(0)->p_offset = ~0ULL - 2;
	elf_t_reject(size, "segment 0 file range past end of file");
}

TEST(elf, overlapping_segments)
{
	struct uimg_seg s[3] = {
		{ UIMG_BASE, PF_R | PF_X, elf_t_code, sizeof(elf_t_code), 0x2000 },
		{ UIMG_BASE + 0x10000, PF_R | PF_W, NULL, 0, 0x1000 },
		{ UIMG_BASE + 0x1800, PF_R | PF_W, NULL, 0, 0x100 },
	};
	size_t size = uimg_build(elf_t_buf, UIMG_BASE, s, 3);

	elf_t_reject(size, "elf: segment 2 overlaps segment 0");
}

TEST(elf, entry_outside_any_segment)
{
	size_t size = elf_t_valid();

	elf_t_eh()->e_entry = 0x900000;
	elf_t_reject(size, "entry 0x900000 not in an executable segment");
	elf_t_eh()->e_entry = UIMG_BASE;
	elf_t_ph(0)->p_flags = PF_R | PF_W;
	elf_t_reject(size, "not in an executable segment");
}

TEST(elf, interp_and_no_load_rejected)
{
	size_t size = elf_t_valid();

	elf_t_ph(0)->p_type = PT_INTERP;
	elf_t_reject(size, "PT_INTERP");
	elf_t_ph(0)->p_type = 4; /* PT_NOTE */
	elf_t_reject(size, "no PT_LOAD segment");
}

TEST(elf, null_image_rejected)
{
	struct elf_info info;
	char why[64] = "";

	EXPECT_EQ(elf_check(NULL, 100, &info, why, sizeof(why)), -ENOEXEC);
	EXPECT_TRUE(elf_t_has(why, "truncated"));
}

/* Read `len` bytes at user `va` of `as` as they are now (nothing faulted in); false if unmapped. */
static bool elf_t_peek(struct aspace *as, vaddr_t va, void *out, size_t len)
{
	return access_user(as, va, out, len, ACCESS_READ | ACCESS_PEEK) == AS_FAULT_OK;
}

TEST(elf, load_maps_segments_with_rights_and_bss)
{
	static const uint8_t data[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct uimg_seg s[2] = {
		{ UIMG_BASE, PF_R | PF_X, elf_t_code, sizeof(elf_t_code), sizeof(elf_t_code) },
		{ UIMG_BASE + 0x2010, PF_R | PF_W, data, sizeof(data), 0x3000 },
	};
	size_t size = uimg_build(elf_t_buf, UIMG_BASE, s, 2);
	struct aspace *as = as_create();
	struct as_vma_info vi;
	struct elf_info info;
	uint8_t got[16];
	char why[128] = "";

	ASSERT_TRUE(as != NULL);
	EXPECT_EQ(elf_load(as, elf_t_buf, size, NULL, &info, why, sizeof(why)), 0);
	EXPECT_TRUE(as_vma_at(as, UIMG_BASE, &vi) && vi.prot == (PROT_READ | PROT_EXEC));
	EXPECT_TRUE(as_vma_at(as, UIMG_BASE + 0x2000, &vi) &&
		    vi.prot == (PROT_READ | PROT_WRITE) && vi.end == UIMG_BASE + 0x6000);
	EXPECT_FALSE(as_vma_at(as, UIMG_BASE + 0x1000, &vi));
	EXPECT_TRUE(elf_t_peek(as, UIMG_BASE, got, sizeof(elf_t_code)));
	EXPECT_MEMEQ(got, elf_t_code, sizeof(elf_t_code));
	EXPECT_TRUE(elf_t_peek(as, UIMG_BASE + 0x2010, got, 16));
	EXPECT_MEMEQ(got, data, sizeof(data));
	EXPECT_EQ(got[8] | got[15], 0); /* bss after the file bytes */
	EXPECT_EQ(info.image_end, UIMG_BASE + 0x6000);
	EXPECT_EQ(as_brk(as, 0), UIMG_BASE + 0x6000);
	EXPECT_EQ(as_check(as), 0);
	as_destroy(as);
}

/*
 * An image in elf_t_buf for the file loader: text at 0x401000 (file page 1),
 * data at 0x402010 (file offset 0x2010: 8 bytes, then 0xaa bytes in the
 * file up to the page's end) with bss to 0x405010. Returns its size.
 */
static size_t elf_t_file_image(const uint8_t *data, size_t len)
{
	struct uimg_seg s[2] = {
		{ UIMG_BASE + 0x1000, PF_R | PF_X, elf_t_code, sizeof(elf_t_code),
		  sizeof(elf_t_code) },
		{ UIMG_BASE + 0x2010, PF_R | PF_W, NULL, 0, 0x3000 },
	};
	size_t size = uimg_build(elf_t_buf, UIMG_BASE + 0x1000, s, 2);

	memset(elf_t_buf + 0x2000, 0xaa, UIMG_SEG_STRIDE);
	memcpy(elf_t_buf + 0x2010, data, len);
	elf_t_ph(1)->p_offset = 0x2010;
	elf_t_ph(1)->p_filesz = len;
	return size;
}

/* The object page at pgoff is the frame mapped at va (read through first). */
static bool elf_t_maps_obj_page(struct aspace *as, vaddr_t va, struct mobj *o, uint64_t pgoff)
{
	struct as_page_info pi;
	paddr_t pa;
	uint8_t b;

	return access_copy_from(as, &b, va, 1) == 0 && as_page_query(as, va, &pi) &&
	       mobj_page(o, pgoff, MOBJ_LOOKUP, &pa) == 0 && pa == pi.pa;
}

TEST(elf, load_from_file_maps_windows_padzero_and_bss)
{
	static const uint8_t data[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	size_t size = elf_t_file_image(data, sizeof(data));
	struct mobj *o = mobj_create(MOBJ_SHMEM);
	struct aspace *as = as_create();
	const struct mobj *wo;
	struct as_vma_info vi;
	struct elf_info info;
	uint64_t pgoff;
	uint8_t got[16];
	char why[128] = "";

	ASSERT_TRUE(o && as);
	ASSERT_EQ(mobj_write(o, 0, elf_t_buf, size), (long)size);
	EXPECT_EQ(elf_load(as, elf_t_buf, size, o, &info, why, sizeof(why)), 0);
	EXPECT_TRUE(as_vma_at(as, UIMG_BASE + 0x1000, &vi) && vi.end == UIMG_BASE + 0x2000 &&
		    vi.prot == (PROT_READ | PROT_EXEC));
	EXPECT_TRUE(as_vma_object(as, UIMG_BASE + 0x1000, &wo, &pgoff) && wo == o && pgoff == 1);
	EXPECT_TRUE(as_vma_at(as, UIMG_BASE + 0x2000, &vi) && vi.end == UIMG_BASE + 0x3000 &&
		    vi.prot == (PROT_READ | PROT_WRITE));
	EXPECT_TRUE(as_vma_object(as, UIMG_BASE + 0x2000, &wo, &pgoff) && wo == o && pgoff == 2);
	EXPECT_TRUE(as_vma_at(as, UIMG_BASE + 0x3000, &vi) && vi.end == UIMG_BASE + 0x6000 &&
		    vi.prot == (PROT_READ | PROT_WRITE));
	EXPECT_TRUE(as_vma_object(as, UIMG_BASE + 0x3000, &wo, &pgoff) && wo == NULL);
	EXPECT_TRUE(elf_t_maps_obj_page(as, UIMG_BASE + 0x1000, o, 1)); /* text: the file's page */
	EXPECT_FALSE(elf_t_maps_obj_page(as, UIMG_BASE + 0x2000, o, 2)); /* data: a copy */
	EXPECT_TRUE(elf_t_peek(as, UIMG_BASE + 0x2010, got, 16));
	EXPECT_MEMEQ(got, data, sizeof(data));
	EXPECT_EQ(got[8] | got[15], 0);                 /* padzero */
	EXPECT_EQ(mobj_read(o, 0x2018, got, 1), 1u);
	EXPECT_EQ(got[0], 0xaa);                        /* the file keeps its bytes */
	EXPECT_EQ(as_brk(as, 0), UIMG_BASE + 0x6000);
	EXPECT_EQ(as_check(as), 0);
	as_destroy(as);
	mobj_put(o);
}

TEST(elf, load_from_file_rejects_offset_not_congruent)
{
	static const uint8_t data[] = { 1 };
	size_t size = elf_t_file_image(data, sizeof(data));
	struct mobj *o = mobj_create(MOBJ_SHMEM);
	struct aspace *as = as_create();
	struct elf_info info;
	char why[128] = "";

	ASSERT_TRUE(o && as);
	elf_t_ph(1)->p_offset = 0x2018;
	ASSERT_EQ(mobj_write(o, 0, elf_t_buf, size), (long)size);
	EXPECT_EQ(elf_load(as, elf_t_buf, size, o, &info, why, sizeof(why)), -EINVAL);
	EXPECT_TRUE(elf_t_has(why, "segment 1"));
	as_destroy(as);
	mobj_put(o);
}

TEST(elf, load_shared_page_gets_union_of_rights)
{
	struct uimg_seg s[2] = {
		{ UIMG_BASE, PF_R | PF_X, elf_t_code, sizeof(elf_t_code), 0x200 },
		{ UIMG_BASE + 0x800, PF_R | PF_W, NULL, 0, 0x1000 },
	};
	size_t size = uimg_build(elf_t_buf, UIMG_BASE, s, 2);
	struct aspace *as = as_create();
	struct as_vma_info vi;
	struct elf_info info;
	char why[128] = "";

	ASSERT_TRUE(as != NULL);
	EXPECT_EQ(elf_load(as, elf_t_buf, size, NULL, &info, why, sizeof(why)), 0);
	EXPECT_TRUE(as_vma_at(as, UIMG_BASE, &vi) &&
		    vi.prot == (PROT_READ | PROT_WRITE | PROT_EXEC) &&
		    vi.end == UIMG_BASE + 0x1000);
	EXPECT_TRUE(as_vma_at(as, UIMG_BASE + 0x1000, &vi) &&
		    vi.prot == (PROT_READ | PROT_WRITE));
	as_destroy(as);
}

TEST(elf, load_rejects_bad_image_without_mapping)
{
	size_t size = elf_t_valid();
	struct aspace *as = as_create();
	struct elf_info info;
	char why[128] = "";

	ASSERT_TRUE(as != NULL);
	elf_t_ph(0)->p_memsz = 1;
	EXPECT_EQ(elf_load(as, elf_t_buf, size, NULL, &info, why, sizeof(why)), -ENOEXEC);
	EXPECT_TRUE(elf_t_has(why, "filesz > memsz"));
	EXPECT_EQ(as_vma_count(as), 0);
	as_destroy(as);
}

/*
 * A static-pie shape: ET_DYN, segment 0 at vaddr 0 mapping the headers and
 * the code (at 0x1000, the entry), segment 1 data at 0x2010 with bss.
 */
static size_t elf_t_pie(uint64_t align)
{
	static const uint8_t data[] = { 9, 8, 7, 6 };
	struct uimg_seg s[2] = {
		{ 0, PF_R | PF_X, NULL, 0, 0 },
		{ 0x2010, PF_R | PF_W, data, sizeof(data), 0x3000 },
	};
	size_t size = uimg_build(elf_t_buf, 0x1000, s, 2);

	elf_t_eh()->e_type = ET_DYN;
	elf_t_ph(0)->p_offset = 0;
	elf_t_ph(0)->p_filesz = elf_t_ph(0)->p_memsz = UIMG_DATA_OFF + sizeof(elf_t_code);
	elf_t_ph(1)->p_offset = UIMG_DATA_OFF + UIMG_SEG_STRIDE + 0x10;
	memcpy(elf_t_buf + elf_t_ph(1)->p_offset, data, sizeof(data));
	memcpy(elf_t_buf + UIMG_DATA_OFF, elf_t_code, sizeof(elf_t_code));
	elf_t_ph(0)->p_align = elf_t_ph(1)->p_align = align;
	return size;
}

TEST(elf, static_pie_loads_top_down_in_the_mmap_region)
{
	/* Linux 6.x, randomization off: mmap_base 0x7ffff7fff000 minus the 0x6000 span. */
	const uint64_t bias = 0x7ffff7ff9000ULL, brk = 0x555555555000ULL;
	size_t size = elf_t_pie(0x1000);
	struct aspace *as = as_create();
	struct as_vma_info vi;
	struct elf_info info;
	uint8_t got[16];
	char why[128] = "";

	ASSERT_TRUE(as != NULL);
	EXPECT_EQ(ELF_ET_DYN_BASE, 0x555555554aaaULL);
	EXPECT_EQ(elf_load(as, elf_t_buf, size, NULL, &info, why, sizeof(why)), 0);
	EXPECT_EQ(info.bias, bias);
	EXPECT_EQ(info.entry, bias + 0x1000);
	EXPECT_EQ(info.phdr, bias + sizeof(struct elf64_ehdr)); /* AT_PHDR, biased */
	EXPECT_EQ(info.image_end, bias + 0x6000);
	EXPECT_EQ(info.brk, brk);
	EXPECT_EQ(as_brk(as, 0), brk);          /* Linux moves a static-pie's break */
	EXPECT_EQ(as_brk(as, brk + 0x3000), brk + 0x3000);
	EXPECT_TRUE(as_vma_at(as, bias, &vi) && vi.start == bias &&
		    vi.prot == (PROT_READ | PROT_EXEC));
	EXPECT_TRUE(elf_t_peek(as, bias + 0x1000, got, sizeof(elf_t_code)));
	EXPECT_MEMEQ(got, elf_t_code, sizeof(elf_t_code));
	EXPECT_TRUE(elf_t_peek(as, bias, got, 4));
	EXPECT_MEMEQ(got, "\177ELF", 4);
	EXPECT_TRUE(elf_t_peek(as, bias + 0x2010, got, 8));
	EXPECT_EQ(got[0], 9);
	EXPECT_EQ(got[3], 6);
	EXPECT_EQ(got[4], 0);
	EXPECT_TRUE(as_vma_at(as, bias + 0x2000, &vi) && vi.end == bias + 0x6000 &&
		    vi.prot == (PROT_READ | PROT_WRITE));
	EXPECT_FALSE(as_vma_at(as, 0x2000, &vi)); /* nothing at the unbiased address */
	EXPECT_EQ(as_vma_count(as), 3u);          /* text, data, the break */
	EXPECT_EQ(as_check(as), 0);
	as_destroy(as);
}

TEST(elf, static_pie_large_align_goes_to_et_dyn_base)
{
	size_t size = elf_t_pie(0x200000);
	struct aspace *as = as_create();
	struct elf_info info;
	char why[128] = "";

	ASSERT_TRUE(as != NULL);
	ASSERT_EQ(elf_check(elf_t_buf, size, &info, why, sizeof(why)), 0);
	EXPECT_EQ(info.bias, 0x555555400000ULL);
	EXPECT_EQ(elf_load(as, elf_t_buf, size, NULL, &info, why, sizeof(why)), 0);
	EXPECT_EQ(info.bias, 0x555555400000ULL);
	EXPECT_EQ(info.entry, 0x555555401000ULL);
	EXPECT_EQ(as_brk(as, 0), 0x555555555000ULL);
	as_destroy(as);
}

TEST(elf, static_pie_above_base_rejected)
{
	size_t size = elf_t_pie(0x1000);

	elf_t_ph(0)->p_vaddr = 0x600000000000ULL;
	elf_t_ph(1)->p_vaddr = 0x600000002010ULL;
	elf_t_reject(size, "above");
}

TEST(elf, dynamically_linked_names_its_interpreter)
{
	static const char interp[] = "/lib64/ld-linux-x86-64.so.2";
	size_t size = elf_t_pie(0x1000);

	elf_t_ph(1)->p_type = PT_INTERP;
	elf_t_ph(1)->p_offset = UIMG_DATA_OFF + UIMG_SEG_STRIDE + 0x100;
	elf_t_ph(1)->p_filesz = sizeof(interp);
	memcpy(elf_t_buf + elf_t_ph(1)->p_offset, interp, sizeof(interp));
	elf_t_reject(size, "dynamically linked");
	elf_t_reject(size, interp);
	elf_t_eh()->e_type = ET_EXEC; /* a non-PIE dynamic executable: the same */
	elf_t_reject(size, interp);
}
