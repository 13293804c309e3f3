/*
 * What the kernel keeps from the multiboot2 boot information: usable RAM,
 * the command line, the modules and where the boot info itself lies. All of
 * it is copied into kernel memory by boot_parse, before pmm hands frames out.
 */
#ifndef KERNEL_BOOT_H
#define KERNEL_BOOT_H

#include "lib/types.h"
#include "mm/pmm.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289

#define BOOT_MAX_RAM 64
#define BOOT_MAX_MODULES 128
#define BOOT_CMDLINE_MAX 65536 /* room for long bootmm.filter lists */
#define BOOT_MODULE_CMDLINE_MAX 256

struct boot_module {
	paddr_t start, end;                   /* [start, end) physical */
	char cmdline[BOOT_MODULE_CMDLINE_MAX]; /* e.g. "hello expect=139" */
};

struct boot_info {
	char cmdline[BOOT_CMDLINE_MAX];
	struct pmm_range ram[BOOT_MAX_RAM]; /* available (type 1) ranges */
	size_t nram;
	struct boot_module modules[BOOT_MAX_MODULES];
	size_t nmodules;
	struct pmm_range info; /* the boot info structure itself */
	size_t dropped;        /* ranges or modules that did not fit */
};

/*
 * Parse the multiboot2 info at physical `mbi_phys` (reachable through the
 * boot identity map) into the kernel's copy. Returns 0, or -EINVAL when
 * `magic` is wrong or the info is malformed.
 */
int boot_parse(uint32_t magic, paddr_t mbi_phys);

/* The parsed boot information. */
const struct boot_info *boot_info(void);

#endif
