/*
 * pte: the contract between generic mm and the machine's page-table format.
 * Generic mm (src/mm) builds, reads and changes entries only through what
 * this header names; it never spells a hardware bit, shift or table size.
 * The architecture implements it in arch/<arch>/pte.h, included at the end
 * (pure static inline functions: the same code runs in the kernel and in the
 * host tests). What the arch header provides:
 *
 *   pte_t                      one table entry (an opaque scalar)
 *   PT_LEVELS                  levels of tables; level 0 holds the smallest
 *                              leaves, level PT_LEVELS - 1 is the root
 *   PT_ENTRIES                 entries per table
 *   PT_INDEX(level, va)        index of va in a table of `level`
 *   PT_LEVEL_SIZE(level)       bytes one entry of `level` covers
 *   PT_USER_TOP                end of the lower (user) canonical half
 *   PT_KERNEL_BASE             start of the upper (kernel) half
 *
 *   bool pte_present(pte_t e)                      maps a leaf or a table
 *   bool pte_none_present(const pte_t *t, size_t n) no entry of t[0..n) is
 *                                                  present (n a multiple of 8)
 *   bool pte_is_leaf(pte_t e, int level)           present e maps memory
 *   paddr_t pte_addr(pte_t e, int level)           frame or table it points to
 *   pte_t pte_make_leaf(paddr_t, unsigned, int)    leaf of level with PT_* flags
 *   pte_t pte_leaf_repoint(pte_t, paddr_t, int)    the same leaf at another frame
 *   unsigned pte_leaf_flags(pte_t e)               PT_* flags of a leaf
 *   pte_t pte_make_table(paddr_t table)            entry pointing to a table
 *   bool pte_same_leaf(pte_t a, pte_t b)           equal but for the bits the
 *                                                  MMU sets (accessed, dirty)
 *   bool pte_leaf_supported(int level)             the MMU can hold a leaf at
 *                                                  level (on this CPU)
 *
 * A leaf's state (PT_STATE_*): what the MMU and the fault path record about
 * its use, beside the rights. A new leaf is young (accessed), clean and not
 * soft-dirty, as Linux's protections carry the accessed bit; the MMU sets
 * young and dirty on access; soft-dirty is set by software (the write fault
 * path) and survives everything but pte_clear_soft_dirty.
 *
 *   unsigned pte_state(pte_t e)                    PT_STATE_* of a leaf
 *   pte_t pte_with_state(pte_t e, unsigned state)  e with its state replaced
 *   bool pte_young(pte_t e), pte_t pte_mkold(pte_t e)
 *   bool pte_soft_dirty(pte_t e)
 *   pte_t pte_mksoft_dirty(pte_t e), pte_t pte_clear_soft_dirty(pte_t e)
 *   pte_t pte_wrprotect(pte_t e)                   e without the write right
 *
 * Which supported size a mapping actually gets is policy, not format: that is
 * pt_leaf_size() in mm/pt.h.
 */
#ifndef MM_PTE_H
#define MM_PTE_H

#include "lib/types.h"

/* Leaf flags (generic; the arch turns them into entry bits). */
#define PT_WRITE (1u << 0)    /* writable */
#define PT_USER (1u << 1)     /* reachable from user mode */
#define PT_NX (1u << 2)       /* no instruction fetch */
#define PT_GLOBAL (1u << 3)   /* survives root switches (kernel only) */
#define PT_NOCACHE (1u << 4)  /* cache disable */
#define PT_WRTHRU (1u << 5)   /* write-through */
#define PT_FLAGS_ALL 0xf3fu
/*
 * The leaf's protection key (0-15, in bits 8-11 of the flags): an abstract
 * number the arch stores in the entry where its MMU checks it against the
 * per-thread rights register (x86: PTE bits 59-62, PKRU). Key 0 is every
 * mapping's default; an arch without keys keeps only key 0.
 */
#define PT_PKEY_SHIFT 8
#define PT_PKEY_MASK (0xfu << PT_PKEY_SHIFT)
#define PT_PKEY(k) (((unsigned)(k) << PT_PKEY_SHIFT) & PT_PKEY_MASK)
#define PT_PKEY_OF(flags) (((flags) & PT_PKEY_MASK) >> PT_PKEY_SHIFT)

/* Leaf state (generic; see above). */
#define PT_STATE_YOUNG (1u << 0)      /* accessed since the last pte_mkold */
#define PT_STATE_DIRTY (1u << 1)      /* written through this leaf (MMU) */
#define PT_STATE_SOFT_DIRTY (1u << 2) /* written since the last pte_clear_soft_dirty */
#define PT_STATE_ALL 0x7u

#define MM_PTE_ARCH_INCLUDE
#include "arch/x86_64/pte.h"
#undef MM_PTE_ARCH_INCLUDE

#endif
