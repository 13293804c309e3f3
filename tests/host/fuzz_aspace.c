/*
 * libFuzzer target for the user address space: the input bytes are an op
 * sequence (12 bytes per op) run through the model engine of
 * support/as_testlib.c, which checks every result, every page of the window,
 * as_check, ENOMEM rollbacks under injected failures and, at the end, that
 * as_destroy returned every frame, table and heap byte. Any mismatch aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/aspace.h"
#include "support/as_testlib.h"
#include "support/host_mm.h"

#define FZ_BASE 0x40000000ULL
#define FZ_PAGES (MiB(8) / PAGE_SIZE)
#define FZ_OP_BYTES 12
#define FZ_MAX_OPS 256

static const int fz_mmap_modes[] = {MAP_FIXED, MAP_FIXED, MAP_FIXED_NOREPLACE, 0};
static const int fz_mremap_flags[] = {0, MREMAP_MAYMOVE, MREMAP_MAYMOVE | MREMAP_FIXED,
				      MREMAP_FIXED, 8, 0, MREMAP_MAYMOVE, MREMAP_MAYMOVE | MREMAP_FIXED};
static const int fz_advice[] = {MADV_DONTNEED, MADV_DONTNEED, MADV_WILLNEED, MADV_NORMAL,
				MADV_RANDOM, MADV_SEQUENTIAL, 99, MADV_DONTNEED};

/* A length in pages from selector byte s, inside the window from page p. */
static size_t fz_pages(uint8_t s, size_t p)
{
	size_t n = (s & 0x80) ? (1 + (s & 3)) * (PAGE_2M / PAGE_SIZE) : 1 + (s & 0x3f);

	return MIN(n, FZ_PAGES - p);
}

/* Range fields: page, length, and the unaligned/empty tweaks. */
static void fz_range(const uint8_t *b, struct asm_op *op)
{
	size_t p = (b[1] | b[2] << 8) % FZ_PAGES;

	if (b[3] & 0x40)
		p = ALIGN_DOWN(p, PAGE_2M / PAGE_SIZE);
	op->off = p * PAGE_SIZE;
	op->len = fz_pages(b[3], p) * PAGE_SIZE;
	if (b[4] < 6)
		op->off += 1 + b[5] * 16;
	else if (b[4] < 12)
		op->len = 0;
	else if (b[4] < 40)
		op->len -= b[5] * 13;
}

/* Kind-specific fields. */
static void fz_args(const uint8_t *b, struct asm_op *op, vaddr_t brk_off)
{
	size_t q = (b[8] | b[9] << 8) % FZ_PAGES;

	switch (op->kind) {
	case ASM_MMAP:
		op->prot = b[6] & 7;
		op->flags = (b[7] >= 0xf8 ? 0 : MAP_PRIVATE) | fz_mmap_modes[b[7] & 3] |
			    ((b[7] & 0x40) ? MAP_POPULATE : 0) | ((b[7] & 0x20) ? MAP_NORESERVE : 0);
		break;
	case ASM_MPROTECT:
		op->prot = (b[6] & 0x80) ? 0x10 : (b[6] & 7);
		break;
	case ASM_MREMAP:
		op->flags = fz_mremap_flags[b[7] & 7];
		op->off2 = q * PAGE_SIZE;
		op->len2 = fz_pages(b[10], q) * PAGE_SIZE;
		break;
	case ASM_MADVISE:
		op->flags = fz_advice[b[7] & 7];
		break;
	case ASM_BRK:
		op->off = b[6] == 0 ? 0 : brk_off + (int64_t)((b[1] % 96) - 8) * PAGE_SIZE + b[5];
		break;
	case ASM_WRITE:
		op->val = b[10] | 1;
		/* fall through */
	case ASM_READ:
		op->off = ALIGN_DOWN(op->off, PAGE_SIZE);
		break;
	default:
		break;
	}
}

/* Decode one op from FZ_OP_BYTES bytes. */
static void fz_decode(const struct asm_ctx *c, const uint8_t *b, struct asm_op *op)
{
	memset(op, 0, sizeof(*op));
	op->kind = b[0] % ASM_NKINDS;
	op->space = (b[0] >> 4) & 1;
	fz_range(b, op);
	fz_args(b, op, c->brk_start - c->base);
	if (b[11] & 0x80)
		op->fail = (1 + (b[11] & 7)) | ((unsigned)((b[11] >> 6) & 1) << 31);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct asm_ctx c;
	struct asm_op op;

	if (!ready) {
		host_mm_setup(MiB(256));
		ready = true;
	}
	if (asm_init(&c, FZ_BASE, FZ_PAGES))
		abort();
	c.verbose = getenv("FZ_VERBOSE") != NULL; /* FZ_VERBOSE=1: print every op of a reproducer */
	for (size_t i = 0; i + FZ_OP_BYTES <= size && i / FZ_OP_BYTES < FZ_MAX_OPS;
	     i += FZ_OP_BYTES) {
		fz_decode(&c, data + i, &op);
		if (asm_step(&c, &op)) {
			fflush(stdout);
			abort();
		}
	}
	if (asm_fini(&c)) {
		fflush(stdout);
		abort();
	}
	return 0;
}
