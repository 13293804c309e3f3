/*
 * elf: validate and load static x86_64 ELF executables into a user address
 * space (the program runner's loader).
 *
 * elf_check accepts only what the runner can run: ELFCLASS64, little endian,
 * EM_X86_64, ET_EXEC or ET_DYN without PT_INTERP (a static-pie; an image
 * with PT_INTERP is dynamically linked and is rejected with a reason naming
 * its interpreter), e_phentsize == sizeof(struct elf64_phdr), the program headers
 * inside the file, 1..ELF_MAX_PHNUM of them, every PT_LOAD inside the user
 * half [AS_MMAP_MIN_ADDR, AS_TASK_SIZE) with p_filesz <= p_memsz and its file
 * range inside the file, no two PT_LOAD segments overlapping, and the entry
 * inside an executable PT_LOAD. On failure it writes a one-line reason such
 * as "elf: segment 2 overlaps segment 1" into `why`.
 *
 * Segment numbers in reasons are program-header indexes.
 *
 * An ET_DYN image without PT_INTERP (a static-pie) is loaded as Linux 6.x
 * loads it with randomization off: when its PT_LOADs ask for page alignment
 * at most, top-down in the mmap region (the first PT_LOAD at mmap_base minus
 * the image's span: 0x7ffff7fff000 - span in a fresh address space); with
 * a larger p_align, its first PT_LOAD at ELF_ET_DYN_BASE aligned down to it.
 * Its program break starts at ELF_ET_DYN_BASE, page aligned (Linux moves a
 * static-pie's brk there), or after the image when the image covers that
 * address. Every address checked and reported (segments, entry, AT_PHDR) is
 * biased; elf_check reports the mmap-region case at ELF_ET_DYN_BASE (the
 * placement needs the address space). For ET_EXEC the bias is 0 and the
 * break starts after the image.
 */
#ifndef KERNEL_ELF_H
#define KERNEL_ELF_H

#include "lib/types.h"

struct aspace;
struct mobj;

#define ELF_MAX_PHNUM 64
/* Linux x86-64: DEFAULT_MAP_WINDOW / 3 * 2 (0x555555554aaa, not page aligned). */
#define ELF_ET_DYN_BASE (0x7ffffffff000ULL / 3 * 2)

/* e_ident */
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define EI_NIDENT 16
#define ELFCLASS64 2
#define ELFDATA2LSB 1

#define ET_REL 1
#define ET_EXEC 2
#define ET_DYN 3
#define ET_CORE 4
#define EM_X86_64 62

#define PT_NULL 0
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_PHDR 6
#define PT_TLS 7

#define PF_X 0x1
#define PF_W 0x2
#define PF_R 0x4

struct elf64_ehdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header is 64 bytes");

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header is 56 bytes");

/* What the runner needs to know about a checked image. */
struct elf_info {
	vaddr_t entry;     /* biased: AT_ENTRY */
	uint64_t bias;     /* load bias: 0 for ET_EXEC */
	vaddr_t phdr;      /* biased user address of the program headers (AT_PHDR), 0 if not loaded */
	uint16_t phnum;    /* AT_PHNUM */
	uint16_t phent;    /* AT_PHENT */
	vaddr_t image_end; /* page-aligned end of the highest PT_LOAD */
	vaddr_t brk;       /* where the program break starts */
};

/*
 * Check the image [img, img+size) (no alignment required). Returns 0 and
 * fills *info, or -ENOEXEC with a reason in why[whylen].
 */
int elf_check(const void *img, size_t size, struct elf_info *info, char *why,
	      size_t whylen);

/*
 * elf_check, then map every PT_LOAD into `as` (which should be empty), then
 * start the program break at info->brk. With `obj`, the memory object of
 * the file the image [img, img+size) was read from, as Linux's binfmt_elf:
 * each segment a private window onto obj at its page-aligned file offset
 * with its rights, the rest of its last file page zeroed if writable, the
 * bss past that page anonymous read-write memory (/proc/<pid>/maps names the
 * file); a segment whose p_offset and p_vaddr differ within a page is
 * -EINVAL. Without obj (an image with no file): an anonymous private mapping
 * per segment, the file bytes copied in, the rest zero, then the segment's
 * final rights. Returns 0, -ENOEXEC (bad image; why says which check),
 * -ENOMEM (why says so) or another -errno from the address space (why names
 * the segment). On failure `as` may hold partial mappings: destroy it.
 */
int elf_load(struct aspace *as, const void *img, size_t size, struct mobj *obj,
	     struct elf_info *info, char *why, size_t whylen);

/*
 * Copy `len` bytes into the user address range [va, va+len) of `as`, which
 * need not be the current address space, faulting pages in as a user write
 * would (the VMA must allow writing); src NULL writes zeros. Returns 0,
 * -EFAULT (no writable VMA there) or -ENOMEM. (access_copy_to, mm/access.h.)
 */
int elf_poke(struct aspace *as, vaddr_t va, const void *src, size_t len);

#endif
