/*
 * Build small ELF64 executables in memory for the elf and user suites: a
 * header, n program headers right after it, and segment i's file bytes at
 * offset UIMG_DATA_OFF + i * UIMG_SEG_STRIDE.
 */
#ifndef TESTS_KERNEL_USER_IMAGE_H
#define TESTS_KERNEL_USER_IMAGE_H

#include "kernel/elf.h"
#include "lib/string.h"

#define UIMG_BASE 0x400000ULL
#define UIMG_DATA_OFF 0x1000
#define UIMG_SEG_STRIDE 0x1000
#define UIMG_MAX_SEGS 4
#define UIMG_SIZE (UIMG_DATA_OFF + UIMG_MAX_SEGS * UIMG_SEG_STRIDE)

struct uimg_seg {
	uint64_t vaddr;
	uint32_t flags; /* PF_* */
	const void *data;
	size_t filesz;
	uint64_t memsz;
};

/* Write an ET_EXEC image into buf[UIMG_SIZE]; returns its size in bytes. */
static inline size_t uimg_build(uint8_t *buf, uint64_t entry,
				const struct uimg_seg *segs, unsigned n)
{
	struct elf64_ehdr eh = {
		.e_ident = { 0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB, 1 },
		.e_type = ET_EXEC,
		.e_machine = EM_X86_64,
		.e_version = 1,
		.e_entry = entry,
		.e_phoff = sizeof(struct elf64_ehdr),
		.e_ehsize = sizeof(struct elf64_ehdr),
		.e_phentsize = sizeof(struct elf64_phdr),
		.e_phnum = (uint16_t)n,
	};
	size_t size = UIMG_DATA_OFF;

	memset(buf, 0, UIMG_SIZE);
	memcpy(buf, &eh, sizeof(eh));
	for (unsigned i = 0; i < n && i < UIMG_MAX_SEGS; i++) {
		uint64_t off = UIMG_DATA_OFF + (uint64_t)i * UIMG_SEG_STRIDE;
		struct elf64_phdr ph = {
			.p_type = PT_LOAD,
			.p_flags = segs[i].flags,
			.p_offset = off,
			.p_vaddr = segs[i].vaddr,
			.p_paddr = segs[i].vaddr,
			.p_filesz = segs[i].filesz,
			.p_memsz = segs[i].memsz,
			.p_align = 0x1000,
		};

		memcpy(buf + sizeof(eh) + i * sizeof(ph), &ph, sizeof(ph));
		if (segs[i].data)
			memcpy(buf + off, segs[i].data, MIN(segs[i].filesz, UIMG_SEG_STRIDE));
		size = off + UIMG_SEG_STRIDE;
	}
	return size;
}

/* One read+execute segment at UIMG_BASE holding `code`, entered at its start. */
static inline size_t uimg_code(uint8_t *buf, const void *code, size_t len)
{
	struct uimg_seg s = { UIMG_BASE, PF_R | PF_X, code, len, len };

	return uimg_build(buf, UIMG_BASE, &s, 1);
}

#endif
