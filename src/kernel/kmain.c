/*
 * kmain: bring the machine up in order (console, GDT/TSS, IDT, boot info,
 * frames, kernel tables, CPU protections, virtual areas, timer, ring 3
 * support, the initramfs unpacked into the root file tree) and hand over to
 * the test harness, which ends the run.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trap.h"
#include "kernel/boot.h"
#include "kernel/console.h"
#include "kernel/harness.h"
#include "kernel/proc.h"
#include "kernel/proc_procfs.h"
#include "kernel/rootfs.h"
#include "kernel/sections.h"
#include "kernel/timer.h"
#include "lib/assert.h"
#include "lib/printf.h"
#include "mm/kmap.h"
#include "mm/zpage.h"
#include "mm/pmm.h"
#include "mm/vmarea.h"

#define KMAIN_META_LIMIT GiB(4) /* what the boot tables' direct map reaches */
#define KMAIN_MAX_RESERVED (3 + BOOT_MAX_MODULES)

/* Start the frame allocator: usable RAM minus low memory, image, boot info, modules. */
static void kmain_pmm(const struct boot_info *bi)
{
	static struct pmm_range res[KMAIN_MAX_RESERVED];
	size_t n = 0;
	int err;

	res[n++] = (struct pmm_range){0, MiB(1)};
	res[n++] = (struct pmm_range){(paddr_t)__kernel_phys_start,
				      (paddr_t)__kernel_phys_end};
	res[n++] = bi->info;
	for (size_t i = 0; i < bi->nmodules; i++)
		res[n++] = (struct pmm_range){bi->modules[i].start, bi->modules[i].end};
	err = pmm_init(bi->ram, bi->nram, res, n, KMAIN_META_LIMIT);
	if (err)
		panic("kmain: pmm_init failed (%d)", err);
}

/* Replace the boot tables with the kernel's own (sections with their real rights). */
static void kmain_kmap(const struct boot_info *bi)
{
	struct kmap_image img = {
		.phys_base = 0,
		.text_start = (vaddr_t)__text_start,
		.text_end = (vaddr_t)__text_end,
		.rodata_start = (vaddr_t)__rodata_start,
		.rodata_end = (vaddr_t)__rodata_end,
		.data_start = (vaddr_t)__data_start,
		.data_end = (vaddr_t)__data_end,
	};
	int err = kmap_init(bi->ram, bi->nram, &img);

	if (err)
		panic("kmain: kmap_init failed (%d)", err);
}

void kmain(uint32_t magic, paddr_t mbi_phys)
{
	const struct boot_info *bi = boot_info();
	int err;

	console_init();
	com2_init();
	gdt_init();
	idt_init();
	err = boot_parse(magic, mbi_phys);
	if (err)
		panic("kmain: bad multiboot2 info (magic 0x%x, %d)", magic, err);
	kmain_pmm(bi);
	kmain_kmap(bi);
	if (zpage_init() != 0)
		panic("kmain: no frame for the zero page");
	cpu_enable_protections();
	vmarea_init(kmap_root());
	pic_init();
	timer_init();
	irq_enable();
	user_arch_init();
	rootfs_init(); /* a bad archive is reported by the harness (programs.initramfs) */
	proc_procfs_init();
	rootfs_snapshot(); /* /proc and /sys belong to the tree as booted: no sweep takes them */
	if (bi->dropped)
		kprintf("bootmm: warning: %zu memory ranges or modules did not fit (limits %d and %d)\n",
			bi->dropped, BOOT_MAX_RAM, BOOT_MAX_MODULES);
	harness_run(bi->cmdline);
}
