/*
 * The multiboot2 memory map as pmm uses it (suite `memmap`): every
 * available range is accounted for (less what is reserved), and RAM above
 * 4 GiB is used when the machine has it (QEMU -m 6G).
 */
#include "harness/ktest.h"
#include "kernel/boot.h"
#include "kernel/sections.h"
#include "mm/pmm.h"

/* Bytes of the available ranges. */
static uint64_t mm_ram_bytes(const struct boot_info *bi, uint64_t above)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < bi->nram; i++)
		if (bi->ram[i].end > above)
			sum += bi->ram[i].end - (bi->ram[i].start > above ? bi->ram[i].start : above);
	return sum;
}

/* pmm manages all available RAM except what is reserved (low 1 MiB, image, modules, boot info, metadata). */
TEST(memmap, available_ram_accounted)
{
	const struct boot_info *bi = boot_info();
	uint64_t ram = mm_ram_bytes(bi, 0), reserved = MiB(1), managed, top = 0;

	ASSERT_GT(bi->nram, 0);
	reserved += (uint64_t)(__kernel_phys_end - __kernel_phys_start);
	reserved += bi->info.end - bi->info.start;
	for (size_t i = 0; i < bi->nmodules; i++)
		reserved += bi->modules[i].end - bi->modules[i].start + PAGE_SIZE;
	/* Frame metadata: 16 bytes a frame up to the highest address; and rounding. */
	for (size_t i = 0; i < bi->nram; i++)
		top = bi->ram[i].end > top ? bi->ram[i].end : top;
	reserved += top / 256 + MiB(1);
	managed = pmm_total_frames() * PAGE_SIZE;
	ktest_diag("%zu available ranges, %llu MiB; pmm manages %llu MiB", bi->nram,
		   (unsigned long long)(ram >> 20), (unsigned long long)(managed >> 20));
	EXPECT_LE(managed, ram);
	EXPECT_GE(managed + reserved, ram);
	EXPECT_EQ(bi->dropped, 0);
}

/* With RAM above 4 GiB, pmm manages more than the RAM below 4 GiB could give. */
TEST(memmap, ram_above_4g_used)
{
	const struct boot_info *bi = boot_info();
	uint64_t high = mm_ram_bytes(bi, GiB(4)), low = mm_ram_bytes(bi, 0) - high;

	if (!high)
		ktest_skip("no RAM above 4 GiB (boot with MEM=6G)");
	ktest_diag("%llu MiB above 4 GiB", (unsigned long long)(high >> 20));
	EXPECT_GT(pmm_total_frames() * PAGE_SIZE, low);
}
