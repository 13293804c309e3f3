/*
 * as_testlib: host-test helpers for the user address space (mm/aspace.h).
 *
 * - user accesses: as_test_read/as_test_write are access_user (mm/access.h):
 *   the page tables walked like the MMU, as_fault on a miss with the x86
 *   error code, the copy through mm_phys_to_virt once the access is allowed;
 * - snapshots: VMAs, every present leaf and a hash of each leaf's contents,
 *   compared with a report of the first difference;
 * - a per-page view (mapped? prot?);
 * - a page-array model of the documented semantics over a window of the
 *   address space and an op engine that applies one op to the real object
 *   and to the model and compares them (shared by test_aspace_model.c and
 *   fuzz_aspace.c).
 */
#ifndef AS_TESTLIB_H
#define AS_TESTLIB_H

#include "lib/types.h"
#include "mm/access.h"
#include "mm/aspace.h"

/* Extra verdict of the access helpers: as_fault said OK but the access still missed. */
#define AS_TEST_FAULT_LOOP ACCESS_FAULT_LOOP

/*
 * Copy len bytes from user address va of `as` into buf, as a user-mode read
 * would. Returns AS_FAULT_OK, or the first verdict of as_fault that was not
 * OK (nothing after the faulting page is copied), or AS_TEST_FAULT_LOOP.
 */
int as_test_read(struct aspace *as, vaddr_t va, void *buf, size_t len);

/* The same for a user-mode write of buf to va. */
int as_test_write(struct aspace *as, vaddr_t va, const void *buf, size_t len);

/* The VMA view of one page: true when mapped, with its PROT_* bits in *prot. */
bool as_test_page(const struct aspace *as, vaddr_t va, int *prot);

/* A copy of everything observable about an address space. */
struct as_snap {
	size_t nvmas;
	struct as_vma_info *vmas;
	size_t nleaves, cap_leaves;
	struct as_snap_leaf {
		vaddr_t va;
		paddr_t pa;
		uint64_t size;
		unsigned flags;
		uint64_t hash; /* FNV-1a of the leaf's bytes */
	} *leaves;
};

/* Take a snapshot (aborts when the host is out of memory). */
void as_snap_take(struct aspace *as, struct as_snap *snap);

/* Free what as_snap_take allocated. */
void as_snap_free(struct as_snap *snap);

/* 0 when equal; otherwise print the first difference (prefixed by `what`) and return -1. */
int as_snap_compare(const struct as_snap *a, const struct as_snap *b, const char *what);

/* FNV-1a over len bytes. */
uint64_t as_test_hash(const void *p, size_t len);

/* splitmix64 step. */
uint64_t as_test_rand(uint64_t *state);

/* ------------------------------------------------------------ model engine */

#define ASM_MAX_SPACES 2

enum asm_op_kind {
	ASM_MMAP,     /* MAP_FIXED, MAP_FIXED_NOREPLACE or a hint */
	ASM_MUNMAP,
	ASM_MPROTECT,
	ASM_MREMAP,
	ASM_MADVISE,
	ASM_BRK,
	ASM_WRITE,    /* fill one page with `val` */
	ASM_READ,     /* read one page back and compare */
	ASM_CLONE,    /* as_clone of the space into the other slot */
	ASM_DESTROY,  /* as_destroy of a space (when two exist) */
	ASM_NKINDS,
};

/* One operation; offsets and lengths are bytes relative to the window. */
struct asm_op {
	enum asm_op_kind kind;
	unsigned space;      /* which of the live spaces */
	uint64_t off, len;   /* range (off may be unaligned on purpose) */
	uint64_t off2, len2; /* mremap: new length, MREMAP_FIXED target */
	int prot, flags;     /* PROT_*, MAP_* / MREMAP_* / advice */
	uint8_t val;         /* ASM_WRITE fill byte */
	unsigned fail;       /* 0, or n-th allocation to fail: bit 31 selects the heap */
};

/* One modelled address space: per page of the window, state and content. */
struct asm_space {
	struct aspace *as;
	uint8_t *state;   /* 0 unmapped, else 1 + prot + 8 * kind */
	uint8_t *content; /* byte every byte of the page holds */
	vaddr_t brk;      /* modelled break (exact value) */
};

struct asm_ctx {
	vaddr_t base;       /* window start, 2 MiB aligned */
	size_t npages;      /* window size in pages */
	vaddr_t brk_start;  /* inside the window */
	unsigned nspaces;
	struct asm_space sp[ASM_MAX_SPACES];
	size_t free0, tables0, heap0; /* counters at start, for the leak check */
	unsigned long steps, injected, enomem_rollbacks;
	bool verbose;       /* print every op */
};

/* Create the first space over [base, base + npages pages). Returns 0 or -1. */
int asm_init(struct asm_ctx *c, vaddr_t base, size_t npages);

/*
 * Apply `op` to the real space and to the model; check the result, every page
 * of the window (mapping, prot, kind, contents), the VMA count and as_check.
 * Returns 0, or -1 after printing the mismatch.
 */
int asm_step(struct asm_ctx *c, const struct asm_op *op);

/* Destroy every space; check frames, tables and heap are back. Returns 0 or -1. */
int asm_fini(struct asm_ctx *c);

/* Fill `op` with a random op biased to overlap the current mappings. */
void asm_random_op(struct asm_ctx *c, uint64_t *rng, struct asm_op *op, bool inject);

/* Print an op in a form that reads as a repro line. */
void asm_print_op(const struct asm_ctx *c, const struct asm_op *op);

#endif
