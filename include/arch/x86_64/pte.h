/*
 * x86_64 4-level paging entries (Intel SDM Vol. 3A, 4.5).
 *
 *  63  62..52  51........12  11..9  8  7   6  5  4   3   2  1  0
 *  NX  avail   phys addr     avail  G  PS  D  A  PCD PWT U  W  P
 *
 * Virtual address: [47:39] PML4 | [38:30] PDPT | [29:21] PD | [20:12] PT | offset
 * Level 3 = PML4, 2 = PDPT (PS: 1 GiB leaf), 1 = PD (PS: 2 MiB leaf), 0 = PT.
 * In a 4 KiB PTE bit 7 is PAT, not PS; bit 12 of a large leaf is PAT.
 */
#ifndef ARCH_X86_64_PTE_H
#define ARCH_X86_64_PTE_H

#include "lib/types.h"

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
#define PTE_NX (1ULL << 63)  /* no execute (needs EFER.NXE) */
#define PTE_ADDR_MASK 0x000ffffffffff000ULL
#define PTE_LARGE_ADDR_MASK 0x000fffffffffe000ULL /* bit 12 is PAT in large leaves */

#define PT_LEVELS 4
#define PT_ENTRIES 512
#define PT_INDEX(level, va) (((uint64_t)(va) >> (12 + 9 * (level))) & 0x1ff)
#define PT_LEVEL_SIZE(level) (1ULL << (12 + 9 * (level))) /* bytes one entry covers */

#endif
