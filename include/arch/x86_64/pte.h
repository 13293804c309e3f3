/*
 * x86_64 4-level paging entries (Intel SDM Vol. 3A, 4.5): the implementation
 * of the mm/pte.h contract. Include mm/pte.h, never this file.
 *
 *  63  62..59  58..52  51........12  11  10..9  8  7   6  5  4   3   2  1  0
 *  NX  PK      avail   phys addr     SD  avail  G  PS  D  A  PCD PWT U  W  P
 *
 * PK (bits 59-62) is the protection key of a leaf, checked against PKRU on
 * user-page data accesses when CR4.PKE is set (SDM 4.6.2); ignored otherwise.
 *
 * SD (bit 11, ignored by the MMU at every level) is Linux's software
 * soft-dirty bit (_PAGE_SOFT_DIRTY); A and D are set by the MMU.
 *
 * Virtual address: [47:39] PML4 | [38:30] PDPT | [29:21] PD | [20:12] PT | offset
 * Level 3 = PML4, 2 = PDPT (PS: 1 GiB leaf), 1 = PD (PS: 2 MiB leaf), 0 = PT.
 * In a 4 KiB PTE bit 7 is PAT, not PS; bit 12 of a large leaf is PAT.
 */
#ifndef ARCH_X86_64_PTE_H
#define ARCH_X86_64_PTE_H

#ifndef MM_PTE_ARCH_INCLUDE
#error "include mm/pte.h, not arch/x86_64/pte.h"
#endif

#include "lib/types.h"
#include "mm/mmarch.h"

typedef uint64_t pte_t;
_Static_assert(sizeof(pte_t) == 8, "a PTE is 8 bytes");

#define PTE_P (1ULL << 0)    /* present */
#define PTE_W (1ULL << 1)    /* writable */
#define PTE_U (1ULL << 2)    /* user */
#define PTE_PWT (1ULL << 3)  /* write-through */
#define PTE_PCD (1ULL << 4)  /* cache disable */
#define PTE_A (1ULL << 5)    /* accessed */
#define PTE_D (1ULL << 6)    /* dirty */
#define PTE_PS (1ULL << 7)   /* large leaf (levels 1 and 2) */
#define PTE_G (1ULL << 8)    /* global */
#define PTE_SD (1ULL << 11)  /* soft-dirty (software, as Linux's _PAGE_SOFT_DIRTY) */
#define PTE_NX (1ULL << 63)  /* no execute (needs EFER.NXE) */
#define PTE_PKEY_SHIFT 59    /* protection key, bits 59-62 (leaves only) */
#define PTE_PKEY_MASK (0xfULL << PTE_PKEY_SHIFT)
#define PTE_STATE_MASK (PTE_A | PTE_D | PTE_SD)
#define PTE_ADDR_MASK 0x000ffffffffff000ULL
#define PTE_LARGE_ADDR_MASK 0x000fffffffffe000ULL /* bit 12 is PAT in large leaves */

#define PT_LEVELS 4
#define PT_ENTRIES 512
#define PT_INDEX(level, va) (((uint64_t)(va) >> (12 + 9 * (level))) & 0x1ff)
#define PT_LEVEL_SIZE(level) (1ULL << (12 + 9 * (level))) /* bytes one entry covers */

/* Lower 48-bit canonical user half, and the kernel half start. */
#define PT_USER_TOP 0x0000800000000000ULL
#define PT_KERNEL_BASE 0xffff800000000000ULL

static inline bool pte_present(pte_t e)
{
	return e & PTE_P;
}

/* True when no entry of t[0..n) is present: eight a step, one test of their OR (n % 8 == 0). */
static inline bool pte_none_present(const pte_t *t, size_t n)
{
	for (size_t i = 0; i < n; i += 8)
		if ((t[i] | t[i + 1] | t[i + 2] | t[i + 3] | t[i + 4] | t[i + 5] | t[i + 6] |
		     t[i + 7]) & PTE_P)
			return false;
	return true;
}

/* True when `e` (present, at `level`) maps memory rather than a table. */
static inline bool pte_is_leaf(pte_t e, int level)
{
	return level == 0 || (e & PTE_PS);
}

/* Physical address a present entry of `level` points to (frame or table). */
static inline paddr_t pte_addr(pte_t e, int level)
{
	return level > 0 && (e & PTE_PS) ? e & PTE_LARGE_ADDR_MASK : e & PTE_ADDR_MASK;
}

/* Encode a leaf of `level` mapping `pa` with PT_* `flags` (young, clean, not soft-dirty). */
static inline pte_t pte_make_leaf(paddr_t pa, unsigned flags, int level)
{
	pte_t e = pa | PTE_P | PTE_A;

	if (level > 0)
		e |= PTE_PS;
	if (flags & PT_WRITE)
		e |= PTE_W;
	if (flags & PT_USER)
		e |= PTE_U;
	if (flags & PT_NX)
		e |= PTE_NX;
	if (flags & PT_GLOBAL)
		e |= PTE_G;
	if (flags & PT_NOCACHE)
		e |= PTE_PCD;
	if (flags & PT_WRTHRU)
		e |= PTE_PWT;
	e |= (pte_t)PT_PKEY_OF(flags) << PTE_PKEY_SHIFT;
	return e;
}

/* The leaf e of `level` pointing to `pa` instead (aligned to the leaf), all else kept. */
static inline pte_t pte_leaf_repoint(pte_t e, paddr_t pa, int level)
{
	return (e & ~(level > 0 ? PTE_LARGE_ADDR_MASK : PTE_ADDR_MASK)) | pa;
}

/* PT_* flags of a leaf entry. */
static inline unsigned pte_leaf_flags(pte_t e)
{
	return (e & PTE_W ? PT_WRITE : 0) | (e & PTE_U ? PT_USER : 0) |
	       (e & PTE_NX ? PT_NX : 0) | (e & PTE_G ? PT_GLOBAL : 0) |
	       (e & PTE_PCD ? PT_NOCACHE : 0) | (e & PTE_PWT ? PT_WRTHRU : 0) |
	       PT_PKEY((e & PTE_PKEY_MASK) >> PTE_PKEY_SHIFT);
}

/* A table entry: permissive; the leaf decides the rights. */
static inline pte_t pte_make_table(paddr_t table)
{
	return table | PTE_P | PTE_W | PTE_U;
}

/* Equal entries but for their state (accessed, dirty, soft-dirty). */
static inline bool pte_same_leaf(pte_t a, pte_t b)
{
	return ((a ^ b) & ~PTE_STATE_MASK) == 0;
}

/* PT_STATE_* of a leaf. */
static inline unsigned pte_state(pte_t e)
{
	return (e & PTE_A ? PT_STATE_YOUNG : 0) | (e & PTE_D ? PT_STATE_DIRTY : 0) |
	       (e & PTE_SD ? PT_STATE_SOFT_DIRTY : 0);
}

/* Leaf e with its state replaced by `state` (PT_STATE_*). */
static inline pte_t pte_with_state(pte_t e, unsigned state)
{
	e &= ~PTE_STATE_MASK;
	e |= state & PT_STATE_YOUNG ? PTE_A : 0;
	e |= state & PT_STATE_DIRTY ? PTE_D : 0;
	e |= state & PT_STATE_SOFT_DIRTY ? PTE_SD : 0;
	return e;
}

/* Accessed since the last pte_mkold (the MMU sets A on every access). */
static inline bool pte_young(pte_t e)
{
	return e & PTE_A;
}

static inline pte_t pte_mkold(pte_t e)
{
	return e & ~PTE_A;
}

/* Written since the soft-dirty bit was last cleared (set by the write fault path). */
static inline bool pte_soft_dirty(pte_t e)
{
	return e & PTE_SD;
}

static inline pte_t pte_mksoft_dirty(pte_t e)
{
	return e | PTE_SD;
}

static inline pte_t pte_clear_soft_dirty(pte_t e)
{
	return e & ~PTE_SD;
}

/* e without the write right (the next write through it faults). */
static inline pte_t pte_wrprotect(pte_t e)
{
	return e & ~PTE_W;
}

/* 4 KiB and 2 MiB leaves always; 1 GiB ones when the CPU has them. */
static inline bool pte_leaf_supported(int level)
{
	return level <= 1 || (level == 2 && mm_cpu_has_1g());
}

#endif
