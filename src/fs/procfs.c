/*
 * /proc and /sys text, generated on read. See include/fs/procfs.h.
 */
#include "fs/procfs.h"
#include "lib/errno.h"
#include "mm/access.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/kmap.h"
#include "mm/mmarch.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "mm/vmarea.h"

#define PROCFS_MAPS_PAD 72 /* seq_setwidth(m, 25 + sizeof(void *) * 6 - 1) */
#define PROCFS_BUF_MIN 256
#define PROCFS_MAPS_HEAD_ROOM 128 /* a maps header (95 at most), pad, " ", "\n", word stores */
#define PROCFS_MAPS_LINE_GUESS 56 /* bytes a maps line takes, for the first reserve */
#define PROCFS_MAPS_BATCH 16      /* VMAs fetched per as_vmas_from */
#define PROCFS_MAPS_NO_FILE " 00000000 00:00 0 " /* the file columns of anonymous memory */

/* ---------------------------------------------------------------- buffers */

void procfs_buf_init(struct procfs_buf *b)
{
	*b = (struct procfs_buf){.flags = PROCFS_BUF_GROW};
}

void procfs_buf_fixed(struct procfs_buf *b, char *mem, size_t cap)
{
	*b = (struct procfs_buf){.data = mem, .cap = cap};
	if (cap)
		mem[0] = '\0';
}

void procfs_buf_free(struct procfs_buf *b)
{
	if (b->flags & PROCFS_BUF_GROW)
		kfree(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* Make room for `more` bytes and a NUL after b->len; 0, or sets and returns b->err. */
static int procfs_reserve(struct procfs_buf *b, size_t more)
{
	size_t need = b->len + more + 1, cap;
	char *d;

	if (b->err || need <= b->cap)
		return b->err;
	if (!(b->flags & PROCFS_BUF_GROW))
		return b->err = -EOVERFLOW;
	for (cap = MAX(b->cap, (size_t)PROCFS_BUF_MIN); cap < need; cap *= 2)
		;
	d = kmalloc(cap);
	if (!d)
		return b->err = -ENOMEM;
	if (b->data)
		memcpy(d, b->data, b->len + 1);
	else
		d[0] = '\0';
	kfree(b->data);
	b->data = d;
	b->cap = cap;
	return 0;
}

/*
 * True when b has room for `more` bytes and a NUL after b->len, growing a
 * growing buffer (-ENOMEM in b->err when it cannot). A fixed buffer is
 * left as it is: false, no error.
 */
static bool procfs_room(struct procfs_buf *b, size_t more)
{
	if (!b->err && b->len + more + 1 <= b->cap)
		return true;
	return (b->flags & PROCFS_BUF_GROW) && procfs_reserve(b, more) == 0;
}

int procfs_put(struct procfs_buf *b, const char *s, size_t n)
{
	if (procfs_reserve(b, n) == 0) {
		memcpy(b->data + b->len, s, n);
		b->data[b->len + n] = '\0';
	} else if (b->err == -EOVERFLOW && b->len < b->cap) {
		size_t fit = MIN(n, b->cap - 1 - b->len);

		memcpy(b->data + b->len, s, fit);
		b->data[b->len + fit] = '\0';
	}
	b->len += n;
	return b->err;
}

int procfs_printf(struct procfs_buf *b, const char *fmt, ...)
{
	char small[160];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < (int)sizeof(small))
		return procfs_put(b, small, (size_t)n);
	if (procfs_reserve(b, (size_t)n)) {
		b->len += (size_t)n;
		return b->err;
	}
	va_start(ap, fmt);
	kvsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return b->err;
}

/* Append spaces until the current line (started at line_start) is `col` bytes long. */
static void procfs_pad(struct procfs_buf *b, size_t line_start, size_t col)
{
	static const char spaces[] = "                                        ";

	while (b->len - line_start < col) {
		size_t n = MIN(col - (b->len - line_start), sizeof(spaces) - 1);

		procfs_put(b, spaces, n);
	}
}

/* ---------------------------------------------------------------- maps */

/* True when the VMA is the initial heap (vma_is_initial_heap: it meets [start_brk, brk)). */
static bool procfs_is_heap(const struct procfs_task *t, const struct as_vma_info *v)
{
	vaddr_t start, brk;

	as_brk_range(t->as, &start, &brk);
	return start && v->start < brk && v->end > start;
}

/* True when the VMA holds the initial stack pointer (vma_is_initial_stack). */
static bool procfs_is_stack(const struct procfs_task *t, const struct as_vma_info *v)
{
	return v->start <= t->start_stack && v->end >= t->start_stack;
}

/*
 * The file columns and name of v: the file hook's for a VMA with an object,
 * else [heap], [stack] or none.
 */
static void procfs_vma_ident(const struct procfs_task *t, const struct as_vma_info *v,
			     struct procfs_vma_id *id)
{
	if (v->obj && t->vma_file && t->vma_file(t, v, id))
		return;
	*id = (struct procfs_vma_id){0};
	if (procfs_is_heap(t, v))
		id->name = "[heap]";
	else if (procfs_is_stack(t, v))
		id->name = "[stack]";
}

/* An 8-byte word at any address (x86 allows unaligned loads and stores). */
typedef uint64_t __attribute__((may_alias, aligned(1))) procfs_word_t;

/*
 * The 8 lowercase hex digits of x as 8 ASCII bytes, the most significant
 * first in memory (a little-endian word): each nibble spread to a byte,
 * '0' added, and 'a' - '0' - 10 more to the bytes above 9. No loop.
 */
static inline uint64_t procfs_hex8(uint32_t x)
{
	uint64_t n = x, over;

	n = (n | (n << 16)) & 0x0000ffff0000ffffULL;
	n = (n | (n << 8)) & 0x00ff00ff00ff00ffULL;
	n = (n | (n << 4)) & 0x0f0f0f0f0f0f0f0fULL;
	over = ((n + 0x0606060606060606ULL) >> 4) & 0x0101010101010101ULL;
	return __builtin_bswap64(n + 0x3030303030303030ULL + over * ('a' - '0' - 10));
}

/*
 * Write v in lowercase hex, zero-padded to at least `width` digits (printf's
 * "%0*llx", seq_put_hex_ll), at p; returns the end. Stores whole words: wants
 * room for 16 bytes at p, and the bytes after the end are left undefined.
 */
static inline char *procfs_hex(char *p, uint64_t v, unsigned width)
{
	unsigned n = v ? (67 - (unsigned)__builtin_clzll(v)) / 4 : 1;

	n = MAX(n, width);
	if (n > 8) {
		*(procfs_word_t *)p = procfs_hex8((uint32_t)(v >> 32)) >> (8 * (16 - n));
		p += n - 8;
		n = 8;
	}
	*(procfs_word_t *)p = procfs_hex8((uint32_t)v) >> (8 * (8 - n));
	return p + n;
}

/* Write v in decimal ("%llu") at p; returns the end. Wants room for 20 digits. */
static inline char *procfs_dec(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	if (v < 10) {
		*p = (char)('0' + v);
		return p + 1;
	}
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/*
 * The header of a maps line at p, as show_map_vma's "%08lx-%08lx %c%c%c%c
 * %08llx %02x:%02x %lu " (its seq_put_hex_ll fast path; the file columns
 * of anonymous memory copied whole): returns the end. Wants
 * PROCFS_MAPS_HEAD_ROOM bytes at p; the bytes after the end are undefined.
 */
static inline char *procfs_map_head(char *p, const struct as_vma_info *v,
				    const struct procfs_vma_id *id)
{
	p = procfs_hex(p, v->start, 8);
	*p++ = '-';
	p = procfs_hex(p, v->end, 8);
	*p++ = ' ';
	*p++ = v->prot & PROT_READ ? 'r' : '-';
	*p++ = v->prot & PROT_WRITE ? 'w' : '-';
	*p++ = v->prot & PROT_EXEC ? 'x' : '-';
	*p++ = v->flags & MAP_SHARED ? 's' : 'p';
	if (!id->offset && !id->dev_major && !id->dev_minor && !id->ino) {
		__builtin_memcpy(p, PROCFS_MAPS_NO_FILE, sizeof(PROCFS_MAPS_NO_FILE) - 1);
		return p + sizeof(PROCFS_MAPS_NO_FILE) - 1;
	}
	*p++ = ' ';
	p = procfs_hex(p, id->offset, 8);
	*p++ = ' ';
	p = procfs_hex(p, id->dev_major, 2);
	*p++ = ':';
	p = procfs_hex(p, id->dev_minor, 2);
	*p++ = ' ';
	p = procfs_dec(p, id->ino);
	*p++ = ' ';
	return p;
}

/*
 * The whole maps line of v at line (show_map_vma): the header, then the
 * name, if any, at column 73, then '\n'. Returns the end. Wants
 * PROCFS_MAPS_HEAD_ROOM + namelen bytes.
 */
static char *procfs_map_render(char *line, const struct as_vma_info *v,
			       const struct procfs_vma_id *id, size_t namelen)
{
	char *p = procfs_map_head(line, v, id);

	if (namelen) {
		while (p < line + PROCFS_MAPS_PAD)
			*p++ = ' ';
		*p++ = ' ';
		memcpy(p, id->name, namelen);
		p += namelen;
	}
	*p++ = '\n';
	return p;
}

/*
 * Append one maps line (show_map_vma), rendered in place when the buffer
 * has room for the longest line; a fixed buffer without that room gets it
 * through procfs_put (what fits, and the length it needs). Sets b->err.
 */
static void procfs_map_line(const struct procfs_task *t, const struct as_vma_info *v,
			    struct procfs_buf *b)
{
	struct procfs_buf tmp;
	struct procfs_vma_id id;
	size_t namelen;

	procfs_vma_ident(t, v, &id);
	namelen = id.name ? strlen(id.name) : 0;
	if (procfs_room(b, PROCFS_MAPS_HEAD_ROOM + namelen)) {
		b->len = (size_t)(procfs_map_render(b->data + b->len, v, &id, namelen) - b->data);
		b->data[b->len] = '\0';
		return;
	}
	if (b->err)
		return;
	procfs_buf_init(&tmp);
	if (procfs_reserve(&tmp, PROCFS_MAPS_HEAD_ROOM + namelen) == 0) {
		tmp.len = (size_t)(procfs_map_render(tmp.data, v, &id, namelen) - tmp.data);
		procfs_put(b, tmp.data, tmp.len);
	} else {
		b->err = tmp.err;
	}
	procfs_buf_free(&tmp);
}

int procfs_maps(const struct procfs_task *t, struct procfs_buf *b)
{
	struct as_vma_info v[PROCFS_MAPS_BATCH];
	vaddr_t va = 0;
	size_t n;

	if (!t->as)
		return b->err;
	if (b->flags & PROCFS_BUF_GROW)
		procfs_reserve(b, as_vma_count(t->as) * PROCFS_MAPS_LINE_GUESS);
	while (!b->err && (n = as_vmas_from(t->as, va, v, PROCFS_MAPS_BATCH))) {
		for (size_t i = 0; i < n && !b->err; i++)
			procfs_map_line(t, &v[i], b);
		va = v[n - 1].end;
	}
	return b->err;
}

/* ---------------------------------------------------------------- smaps */

/* Linux vm_flags bits that VmFlags names, in bit order (show_smap_vma_flags). */
#define VM_READ 0x1ULL
#define VM_WRITE 0x2ULL
#define VM_EXEC 0x4ULL
#define VM_SHARED 0x8ULL
#define VM_MAYREAD 0x10ULL
#define VM_MAYWRITE 0x20ULL
#define VM_MAYEXEC 0x40ULL
#define VM_MAYSHARE 0x80ULL
#define VM_GROWSDOWN 0x100ULL
#define VM_LOCKED 0x2000ULL
#define VM_DONTCOPY 0x20000ULL
#define VM_LOCKONFAULT 0x80000ULL
#define VM_ACCOUNT 0x100000ULL
#define VM_NORESERVE 0x200000ULL
#define VM_WIPEONFORK 0x2000000ULL
#define VM_DONTDUMP 0x4000000ULL
#define VM_SOFTDIRTY 0x8000000ULL
#define VM_HUGEPAGE 0x20000000ULL
#define VM_NOHUGEPAGE 0x40000000ULL
#define VM_DROPPABLE (1ULL << 40)
#define VM_SEALED (1ULL << 63)

static const struct {
	uint64_t bit;
	char name[3];
} procfs_vm_names[] = {
	{VM_READ, "rd"}, {VM_WRITE, "wr"}, {VM_EXEC, "ex"}, {VM_SHARED, "sh"},
	{VM_MAYREAD, "mr"}, {VM_MAYWRITE, "mw"}, {VM_MAYEXEC, "me"}, {VM_MAYSHARE, "ms"},
	{VM_GROWSDOWN, "gd"}, {VM_LOCKED, "lo"}, {VM_DONTCOPY, "dc"}, {VM_LOCKONFAULT, "lf"},
	{VM_ACCOUNT, "ac"}, {VM_NORESERVE, "nr"}, {VM_WIPEONFORK, "wf"}, {VM_DONTDUMP, "dd"},
	{VM_SOFTDIRTY, "sd"}, {VM_HUGEPAGE, "hg"}, {VM_NOHUGEPAGE, "nh"}, {VM_DROPPABLE, "dp"},
	{VM_SEALED, "sl"},
};

/* VMA marks and the vm_flags bits they stand for. */
static const struct {
	unsigned mark;
	uint64_t bit;
} procfs_mark_bits[] = {
	{AS_MARK_LOCKED, VM_LOCKED}, {AS_MARK_LOCKONFAULT, VM_LOCKONFAULT},
	{AS_MARK_DONTFORK, VM_DONTCOPY}, {AS_MARK_WIPEONFORK, VM_WIPEONFORK},
	{AS_MARK_DONTDUMP, VM_DONTDUMP}, {AS_MARK_HUGEPAGE, VM_HUGEPAGE},
	{AS_MARK_NOHUGEPAGE, VM_NOHUGEPAGE}, {AS_MARK_DROPPABLE, VM_DROPPABLE},
	{AS_MARK_SEALED, VM_SEALED}, {AS_MARK_SOFTDIRTY, VM_SOFTDIRTY},
};

/* True when the VMA holding va is locked (VM_LOCKED, with or without on-fault). */
static bool procfs_locked(const struct procfs_task *t, vaddr_t va)
{
	return as_vma_marks(t->as, va) & AS_MARK_LOCKED;
}

/*
 * Linux's vm_flags for v. Accounting ("ac") as mmap sets it: private,
 * writable and not MAP_NORESERVE (Linux keeps it after an mprotect that
 * drops the write right; VMAs here do not remember that).
 */
static uint64_t procfs_vm_flags(const struct procfs_task *t, const struct as_vma_info *v)
{
	uint64_t f = VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
	unsigned marks = as_vma_marks(t->as, v->start);

	f |= v->prot & PROT_READ ? VM_READ : 0;
	f |= v->prot & PROT_WRITE ? VM_WRITE : 0;
	f |= v->prot & PROT_EXEC ? VM_EXEC : 0;
	if (v->flags & MAP_SHARED)
		f |= VM_SHARED | VM_MAYSHARE;
	else if ((v->prot & PROT_WRITE) && !(v->flags & MAP_NORESERVE))
		f |= VM_ACCOUNT;
	f |= v->flags & MAP_GROWSDOWN ? VM_GROWSDOWN : 0;
	f |= v->flags & MAP_NORESERVE ? VM_NORESERVE : 0;
	for (size_t i = 0; i < ARRAY_SIZE(procfs_mark_bits); i++)
		f |= marks & procfs_mark_bits[i].mark ? procfs_mark_bits[i].bit : 0;
	return f;
}

/* One "Name:   %8lu kB" line of smaps (SEQ_PUT_DEC), value in bytes. */
static void procfs_kb(struct procfs_buf *b, const char *label, uint64_t bytes)
{
	procfs_printf(b, "%s%8llu kB\n", label, (unsigned long long)(bytes >> 10));
}

/* What smaps sums over one VMA or all (Linux's mem_size_stats); pss fields keep AS_PSS_SHIFT. */
struct procfs_mss {
	uint64_t resident, shared, priv, anon, anon_huge, shmem_huge, referenced;
	uint64_t pss, pss_anon, pss_shmem, pss_locked;
};

/* Add VMA v's page-table figures to *m (smaps_account's rules, see the top of procfs.h). */
static void procfs_mss_add(const struct procfs_task *t, const struct as_vma_info *v,
			   struct procfs_mss *m)
{
	struct as_mem_stats st;
	bool shmem = v->flags & MAP_SHARED;

	as_mem_stats(t->as, v->start, v->end, &st);
	m->resident += st.resident;
	m->referenced += st.referenced;
	m->shared += st.shared;
	m->priv += st.priv;
	m->anon += shmem ? 0 : st.anon;
	m->anon_huge += shmem ? 0 : st.huge;
	m->shmem_huge += shmem ? st.huge : 0;
	m->pss += st.pss;
	m->pss_anon += shmem ? 0 : st.pss;
	m->pss_shmem += shmem ? st.pss : 0;
	m->pss_locked += procfs_locked(t, v->start) ? st.pss : 0;
}

/*
 * The memory lines (__show_smap) of *m; `rollup` adds Pss_Anon, Pss_File
 * and Pss_Shmem as smaps_rollup does.
 */
static void procfs_smap_mem(const struct procfs_mss *m, bool rollup, struct procfs_buf *b)
{
	procfs_kb(b, "Rss:            ", m->resident);
	procfs_kb(b, "Pss:            ", m->pss >> AS_PSS_SHIFT);
	procfs_kb(b, "Pss_Dirty:      ", m->pss >> AS_PSS_SHIFT);
	if (rollup) {
		procfs_kb(b, "Pss_Anon:       ", m->pss_anon >> AS_PSS_SHIFT);
		procfs_kb(b, "Pss_File:       ", 0);
		procfs_kb(b, "Pss_Shmem:      ", m->pss_shmem >> AS_PSS_SHIFT);
	}
	procfs_kb(b, "Shared_Clean:   ", 0);
	procfs_kb(b, "Shared_Dirty:   ", m->shared);
	procfs_kb(b, "Private_Clean:  ", 0);
	procfs_kb(b, "Private_Dirty:  ", m->priv);
	procfs_kb(b, "Referenced:     ", m->referenced);
	procfs_kb(b, "Anonymous:      ", m->anon);
	procfs_kb(b, "KSM:            ", 0);
	procfs_kb(b, "LazyFree:       ", 0);
	procfs_kb(b, "AnonHugePages:  ", m->anon_huge);
	procfs_kb(b, "ShmemPmdMapped: ", m->shmem_huge);
	procfs_kb(b, "FilePmdMapped:  ", 0);
	procfs_kb(b, "Shared_Hugetlb: ", 0);
	procfs_printf(b, "Private_Hugetlb: %7u kB\n", 0);
	procfs_kb(b, "Swap:           ", 0);
	procfs_kb(b, "SwapPss:        ", 0);
	procfs_kb(b, "Locked:         ", m->pss_locked >> AS_PSS_SHIFT);
}

/* THPeligible: mm's answer (as_vma_thp_eligible: the THP knobs, madvise, anonymous only). */
static unsigned procfs_thp_eligible(const struct procfs_task *t, const struct as_vma_info *v)
{
	return as_vma_thp_eligible(t->as, v->start) ? 1 : 0;
}

/* One VMA's smaps entry (show_smap). */
static void procfs_smap(const struct procfs_task *t, const struct as_vma_info *v,
			struct procfs_buf *b)
{
	uint64_t flags = procfs_vm_flags(t, v);
	struct procfs_mss m = {0};

	procfs_map_line(t, v, b);
	procfs_kb(b, "Size:           ", v->end - v->start);
	procfs_kb(b, "KernelPageSize: ", PAGE_SIZE);
	procfs_kb(b, "MMUPageSize:    ", PAGE_SIZE);
	procfs_mss_add(t, v, &m);
	procfs_smap_mem(&m, false, b);
	procfs_printf(b, "THPeligible:    %8u\n", procfs_thp_eligible(t, v));
	if (as_pkeys_enabled()) /* Linux prints it when the CPU has protection keys */
		procfs_printf(b, "ProtectionKey:  %8u\n", (unsigned)AS_VMA_PKEY(v->flags));
	procfs_put(b, "VmFlags: ", 9);
	for (size_t i = 0; i < ARRAY_SIZE(procfs_vm_names); i++)
		if (flags & procfs_vm_names[i].bit)
			procfs_printf(b, "%s ", procfs_vm_names[i].name);
	procfs_put(b, "\n", 1);
}

int procfs_smaps(const struct procfs_task *t, struct procfs_buf *b)
{
	struct as_vma_info v;
	vaddr_t va = 0;

	while (!b->err && t->as && as_vma_next(t->as, va, &v)) {
		procfs_smap(t, &v, b);
		va = v.end;
	}
	return b->err;
}

/*
 * show_smaps_rollup: "first-start-last-end ---p 00000000 00:00 0" padded to
 * the name column, "[rollup]", then the sums (a space without VMAs shows
 * 0-0, as Linux's empty mm).
 */
int procfs_smaps_rollup(const struct procfs_task *t, struct procfs_buf *b)
{
	struct procfs_mss m = {0};
	struct as_vma_info v;
	vaddr_t va = 0, first = 0, last = 0;
	size_t line = b->len;

	if (!t->as)
		return -ESRCH;
	while (as_vma_next(t->as, va, &v)) {
		first = va ? first : v.start;
		procfs_mss_add(t, &v, &m);
		last = va = v.end;
	}
	procfs_printf(b, "%08llx-%08llx ---p 00000000 00:00 0 ", (unsigned long long)first,
		      (unsigned long long)last);
	procfs_pad(b, line, PROCFS_MAPS_PAD);
	procfs_put(b, " [rollup]\n", 10);
	procfs_smap_mem(&m, true, b);
	return b->err;
}

/* ---------------------------------------------------------------- statm, status */

/* The mm counters of task_mem and task_statm, in pages. */
struct procfs_mm_counts {
	uint64_t total_vm, data_vm, stack_vm, exec_vm, locked_vm;
	uint64_t anon, shmem; /* resident pages (MM_ANONPAGES, MM_SHMEMPAGES) */
};

/* Add one VMA to the counters (vm_stat_account's rules; VM_STACK is VM_GROWSDOWN). */
static void procfs_count_vma(const struct procfs_task *t, const struct as_vma_info *v,
			     struct procfs_mm_counts *c)
{
	uint64_t pages = (v->end - v->start) / PAGE_SIZE;
	struct as_mem_stats st;

	c->total_vm += pages;
	if (v->flags & MAP_GROWSDOWN)
		c->stack_vm += pages;
	else if ((v->prot & PROT_WRITE) && !(v->flags & MAP_SHARED))
		c->data_vm += pages;
	else if ((v->prot & (PROT_EXEC | PROT_WRITE)) == PROT_EXEC)
		c->exec_vm += pages;
	if (procfs_locked(t, v->start))
		c->locked_vm += pages;
	as_mem_stats(t->as, v->start, v->end, &st);
	if (v->flags & MAP_SHARED) {
		c->shmem += st.resident / PAGE_SIZE;
	} else { /* a tmpfs file's own pages count as shmem (mm_counter_file) */
		c->anon += st.anon / PAGE_SIZE;
		c->shmem += (st.resident - st.anon) / PAGE_SIZE;
	}
}

/* Sum the counters over every VMA. */
static void procfs_mm_count(const struct procfs_task *t, struct procfs_mm_counts *c)
{
	struct as_vma_info v;
	vaddr_t va = 0;

	*c = (struct procfs_mm_counts){0};
	while (t->as && as_vma_next(t->as, va, &v)) {
		procfs_count_vma(t, &v, c);
		va = v.end;
	}
}

/* Bytes of text: PAGE_ALIGN(end_code) - (start_code & PAGE_MASK). */
static uint64_t procfs_text_bytes(const struct procfs_task *t)
{
	if (t->end_code <= t->start_code)
		return 0;
	return ALIGN_UP(t->end_code, PAGE_SIZE) - ALIGN_DOWN(t->start_code, PAGE_SIZE);
}

int procfs_statm(const struct procfs_task *t, struct procfs_buf *b)
{
	struct procfs_mm_counts c;

	procfs_mm_count(t, &c);
	return procfs_printf(b, "%llu %llu %llu %llu 0 %llu 0\n",
			     (unsigned long long)c.total_vm,
			     (unsigned long long)(c.anon + c.shmem), (unsigned long long)c.shmem,
			     (unsigned long long)(procfs_text_bytes(t) / PAGE_SIZE),
			     (unsigned long long)(c.data_vm + c.stack_vm));
}

/* The command name as proc_task_name(escape) prints it: '\n' and '\\' escaped. */
static void procfs_put_comm(struct procfs_buf *b, const char *comm)
{
	for (; comm && *comm; comm++) {
		if (*comm == '\n')
			procfs_put(b, "\\n", 2);
		else if (*comm == '\\')
			procfs_put(b, "\\\\", 2);
		else
			procfs_put(b, comm, 1);
	}
}

/* The state as status spells it (task_state_array); stat takes its letter. */
static const char *procfs_state_name(char state)
{
	switch (state) {
	case 'S': return "S (sleeping)";
	case 'T': return "T (stopped)";
	case 't': return "t (tracing stop)";
	case 'Z': return "Z (zombie)";
	default: return "R (running)";
	}
}

/* The identity lines of status (proc_pid_status's Name and task_state); a zombie has no Umask. */
static void procfs_status_ids(const struct procfs_task *t, struct procfs_buf *b)
{
	procfs_put(b, "Name:\t", 6);
	procfs_put_comm(b, t->comm);
	procfs_put(b, "\n", 1);
	if (t->state != 'Z')
		procfs_printf(b, "Umask:\t0%c%c%c\n", '0' + (t->umask >> 6 & 7),
			      '0' + (t->umask >> 3 & 7), '0' + (t->umask & 7));
	procfs_printf(b, "State:\t%s\n", procfs_state_name(t->state));
	procfs_printf(b, "Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t%d\n",
		      t->tgid ? t->tgid : t->pid, t->pid, t->ppid, t->tracer_pid);
	procfs_printf(b, "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n",
		      t->uid[0], t->uid[1], t->uid[2], t->uid[3],
		      t->gid[0], t->gid[1], t->gid[2], t->gid[3]);
	procfs_printf(b, "FDSize:\t%u\nGroups:\t \nNStgid:\t%d\nNSpid:\t%d\n", t->fd_size,
		      t->pid, t->pid);
	procfs_printf(b, "NSpgid:\t%d\nNSsid:\t%d\nKthread:\t0\n", t->pgid, t->sid);
}

/* The memory lines of status (task_mem), in kB with width 8. */
static void procfs_status_mem(const struct procfs_task *t, struct procfs_buf *b)
{
	struct procfs_mm_counts c;
	uint64_t text, lib;

	procfs_mm_count(t, &c);
	text = MIN(procfs_text_bytes(t), c.exec_vm * PAGE_SIZE);
	lib = c.exec_vm * PAGE_SIZE - text;
	procfs_kb(b, "VmPeak:\t", MAX(as_hiwater_vm_pages(t->as), c.total_vm) * PAGE_SIZE);
	procfs_kb(b, "VmSize:\t", c.total_vm * PAGE_SIZE);
	procfs_kb(b, "VmLck:\t", c.locked_vm * PAGE_SIZE);
	procfs_kb(b, "VmPin:\t", 0);
	procfs_kb(b, "VmHWM:\t", MAX(as_hiwater_rss_pages(t->as), c.anon + c.shmem) * PAGE_SIZE);
	procfs_kb(b, "VmRSS:\t", (c.anon + c.shmem) * PAGE_SIZE);
	procfs_kb(b, "RssAnon:\t", c.anon * PAGE_SIZE);
	procfs_kb(b, "RssFile:\t", 0);
	procfs_kb(b, "RssShmem:\t", c.shmem * PAGE_SIZE);
	procfs_kb(b, "VmData:\t", c.data_vm * PAGE_SIZE);
	procfs_kb(b, "VmStk:\t", c.stack_vm * PAGE_SIZE);
	procfs_kb(b, "VmExe:\t", text);
	procfs_kb(b, "VmLib:\t", lib);
	procfs_kb(b, "VmPTE:\t", as_table_frames(t->as) * PAGE_SIZE);
	procfs_kb(b, "VmSwap:\t", 0);
	procfs_kb(b, "HugetlbPages:\t", 0);
	procfs_printf(b, "CoreDumping:\t0\nTHP_enabled:\t1\nuntag_mask:\t0x%llx\n", ~0ULL);
}

/* The signal, capability and scheduling lines of status (task_sig ... thread features). */
static void procfs_status_rest(const struct procfs_task *t, struct procfs_buf *b)
{
	procfs_printf(b, "Threads:\t%u\nSigQ:\t%llu/%llu\n", t->threads,
		      (unsigned long long)t->sig_queued, (unsigned long long)t->sig_queue_limit);
	procfs_printf(b, "SigPnd:\t%016llx\nShdPnd:\t%016llx\nSigBlk:\t%016llx\n",
		      (unsigned long long)t->sig_pending, (unsigned long long)t->sig_shpending,
		      (unsigned long long)t->sig_blocked);
	procfs_printf(b, "SigIgn:\t%016llx\nSigCgt:\t%016llx\n",
		      (unsigned long long)t->sig_ignored, (unsigned long long)t->sig_caught);
	procfs_printf(b, "CapInh:\t%016llx\nCapPrm:\t%016llx\nCapEff:\t%016llx\n",
		      (unsigned long long)t->cap[0], (unsigned long long)t->cap[1],
		      (unsigned long long)t->cap[2]);
	procfs_printf(b, "CapBnd:\t%016llx\nCapAmb:\t%016llx\n", (unsigned long long)t->cap[3],
		      (unsigned long long)t->cap[4]);
	procfs_printf(b, "NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n");
	procfs_printf(b, "Speculation_Store_Bypass:\t%s\nSpeculationIndirectBranch:\t%s\n",
		      "unknown", "unsupported");
	procfs_printf(b, "Cpus_allowed:\t1\nCpus_allowed_list:\t0\nMems_allowed:\t");
	for (int i = 0; i < 31; i++)
		procfs_put(b, "00000000,", 9);
	procfs_printf(b, "00000001\nMems_allowed_list:\t0\n");
	procfs_printf(b, "voluntary_ctxt_switches:\t%llu\nnonvoluntary_ctxt_switches:\t%llu\n",
		      (unsigned long long)t->nvcsw, (unsigned long long)t->nivcsw);
	procfs_printf(b, "x86_Thread_features:\t\nx86_Thread_features_locked:\t\n");
}

int procfs_status(const struct procfs_task *t, struct procfs_buf *b)
{
	procfs_status_ids(t, b);
	if (t->as)
		procfs_status_mem(t, b);
	procfs_status_rest(t, b);
	return b->err;
}

int procfs_cmdline(const struct procfs_task *t, struct procfs_buf *b)
{
	return procfs_put(b, t->cmdline ? t->cmdline : "", t->cmdline ? t->cmdline_len : 0);
}

/* ---------------------------------------------------------------- stat */

/* stat's memory figures (zeros for a zombie or a reader that may not attach). */
struct procfs_stat_mm {
	uint64_t vsize, rss, start_code, end_code, start_stack, start_brk, start_data, end_data;
};

/* Fill *s from t's space: sizes always, addresses only for a reader that may attach. */
#define PROCFS_STAT_SIGMASK 0x7fffffffULL /* stat shows the first 31 signals */
static void procfs_stat_mm(const struct procfs_task *t, struct procfs_stat_mm *s)
{
	struct procfs_mm_counts c;
	vaddr_t brk;

	*s = (struct procfs_stat_mm){0};
	if (!t->as)
		return;
	procfs_mm_count(t, &c);
	s->vsize = c.total_vm * PAGE_SIZE;
	s->rss = c.anon + c.shmem;
	if (!(t->flags & PROCFS_TASK_ATTACH)) {
		s->start_code = s->end_code = 1; /* do_task_stat hides them so */
		return;
	}
	s->start_code = t->start_code;
	s->end_code = t->end_code;
	s->start_data = t->start_data;
	s->end_data = t->end_data;
	s->start_stack = t->start_stack;
	as_brk_range(t->as, &s->start_brk, &brk);
}

/*
 * do_task_stat: pid (comm) state ppid pgrp session tty_nr tpgid flags
 * minflt cminflt majflt cmajflt utime stime cutime cstime priority nice
 * num_threads itrealvalue starttime vsize rss rsslim startcode endcode
 * startstack kstkesp kstkeip signal blocked sigignore sigcatch wchan nswap
 * cnswap exit_signal processor rt_priority policy delayacct_blkio_ticks
 * guest_time cguest_time start_data end_data start_brk arg_start arg_end
 * env_start env_end exit_code. No tty (0, -1); no fault counts, children's
 * times or argument bounds kept: 0. wchan is 1 for a process that is
 * not running, as Linux's "is it waiting" answer. The name is not escaped
 * (proc_task_name without escape, unlike status).
 */
int procfs_stat(const struct procfs_task *t, struct procfs_buf *b)
{
	bool attach = t->flags & PROCFS_TASK_ATTACH;
	char state = t->state ? t->state : 'R';
	struct procfs_stat_mm m;

	procfs_stat_mm(t, &m);
	procfs_printf(b, "%d (%s) %c %d %d %d 0 -1 %u 0 0 0 0 %llu %llu 0 0 20 0 %u 0 %llu ",
		      t->pid, t->comm ? t->comm : "", state, t->ppid, t->pgid, t->sid, t->task_flags,
		      (unsigned long long)t->utime, (unsigned long long)t->stime, t->threads,
		      (unsigned long long)t->start_time);
	procfs_printf(b, "%llu %llu %llu %llu %llu %llu 0 0 ", (unsigned long long)m.vsize,
		      (unsigned long long)m.rss, (unsigned long long)t->rsslim,
		      (unsigned long long)m.start_code, (unsigned long long)m.end_code,
		      (unsigned long long)m.start_stack);
	procfs_printf(b, "%llu %llu %llu %llu %d 0 0 %d 0 0 0 0 0 0 %llu %llu %llu 0 0 0 0 %d\n",
		      (unsigned long long)(t->sig_pending & PROCFS_STAT_SIGMASK),
		      (unsigned long long)(t->sig_blocked & PROCFS_STAT_SIGMASK),
		      (unsigned long long)(t->sig_ignored & PROCFS_STAT_SIGMASK),
		      (unsigned long long)(t->sig_caught & PROCFS_STAT_SIGMASK),
		      attach && state != 'R', t->exit_signal, (unsigned long long)m.start_data,
		      (unsigned long long)m.end_data, (unsigned long long)m.start_brk,
		      attach ? t->exit_code : 0);
	return b->err;
}

/* ---------------------------------------------------------------- mem, clear_refs */

long procfs_mem(const struct procfs_task *t, uint64_t pos, void *buf, size_t len,
		unsigned flags)
{
	unsigned access = ACCESS_FORCE | ((flags & PROCFS_MEM_WRITE) ? ACCESS_WRITE : ACCESS_READ);
	size_t done = 0;

	if (!t->as || !len)
		return 0;
	if (!(t->flags & PROCFS_TASK_ATTACH))
		return -EACCES;
	while (done < len) {
		uint64_t va = pos + done;
		size_t n = (size_t)MIN((uint64_t)(len - done), PAGE_SIZE - va % PAGE_SIZE);

		if (va < pos || access_user(t->as, va, (char *)buf + done, n, access) != AS_FAULT_OK)
			break;
		done += n;
	}
	return done ? (long)done : -EIO;
}

#define PROCFS_CLEAR_REFS_BUF 12 /* PROC_NUMBUF - 1 */
#define PROCFS_CLEAR_REFS_LAST 6 /* CLEAR_REFS_ALL 1 .. CLEAR_REFS_MM_HIWATER_RSS 5 */
#define PROCFS_CLEAR_REFS_HIWATER 5 /* reset_mm_hiwater_rss: VmHWM becomes VmRSS */

/* True for a blank as isspace() takes it (strstrip). */
static bool procfs_blank(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

long procfs_clear_refs(const struct procfs_task *t, const void *buf, size_t len)
{
	char num[PROCFS_CLEAR_REFS_BUF + 1];
	size_t n = MIN(len, (size_t)PROCFS_CLEAR_REFS_BUF), i = 0, end;
	int type = 0;

	memcpy(num, buf, n);
	num[n] = '\0';
	end = strlen(num);
	while (end && procfs_blank(num[end - 1]))
		end--;
	while (i < end && procfs_blank(num[i]))
		i++;
	if (i < end && num[i] == '+')
		i++;
	if (i == end)
		return -EINVAL;
	for (; i < end; i++) {
		if (num[i] < '0' || num[i] > '9' || type > 1000)
			return -EINVAL;
		type = type * 10 + (num[i] - '0');
	}
	if (type < 1 || type >= PROCFS_CLEAR_REFS_LAST)
		return -EINVAL;
	if (t->as && type == PROCFS_CLEAR_REFS_HIWATER)
		as_reset_hiwater_rss(t->as);
	else if (t->as)
		as_clear_refs(t->as, (enum as_clear_refs)type);
	return (long)n;
}

/* ---------------------------------------------------------------- pagemap */

/*
 * The pagemap entry of the page at va (pte_to_pagemap_entry and
 * pagemap_pte_hole): soft-dirty for every page of a VM_SOFTDIRTY VMA and
 * for a page whose leaf is soft-dirty, present with its PFN (for an admin
 * reader), exclusive when mapped once, "file" for a page of a file or of
 * shared memory (a private window's page not yet copied included: such
 * pages are not anonymous). A zero frame is present, never exclusive, and
 * "file" while a 2 MiB leaf maps it (the huge zero page is no anonymous
 * folio; the 4 KiB zero page is no normal page at all).
 */
static uint64_t procfs_pagemap_entry(const struct procfs_task *t, vaddr_t va,
				     const struct as_vma_info *v)
{
	struct as_page_info pg;
	uint64_t e = 0;

	if (!v || va < v->start)
		return 0;
	if (as_vma_marks(t->as, va) & AS_MARK_SOFTDIRTY)
		e = PROCFS_PM_SOFT_DIRTY;
	if (!as_page_query(t->as, va, &pg))
		return e;
	if (pg.state & PT_STATE_SOFT_DIRTY)
		e |= PROCFS_PM_SOFT_DIRTY;
	e |= PROCFS_PM_PRESENT;
	if (t->flags & PROCFS_TASK_ADMIN)
		e |= (pg.pa / PAGE_SIZE) & PROCFS_PM_PFN_MASK;
	if (pg.mapcount == 1)
		e |= PROCFS_PM_EXCLUSIVE;
	if (pg.kind == AS_PAGE_OBJ || (pg.zero && pg.leaf_size > PAGE_SIZE))
		e |= PROCFS_PM_FILE;
	return e;
}

long procfs_pagemap_read(const struct procfs_task *t, uint64_t pos, void *buf, size_t len)
{
	uint64_t page = pos / PROCFS_PM_ENTRY, n = len / PROCFS_PM_ENTRY;
	uint64_t last = AS_TASK_SIZE / PAGE_SIZE;
	struct as_vma_info v;
	bool have = false;
	size_t i;

	if (pos % PROCFS_PM_ENTRY || len % PROCFS_PM_ENTRY)
		return -EINVAL;
	if (!t->as)
		return 0;
	if (page >= last)
		return 0;
	n = MIN(n, last - page);
	for (i = 0; i < n; i++) {
		vaddr_t va = (page + i) * PAGE_SIZE;
		uint64_t e;

		if (!have || va >= v.end)
			have = as_vma_next(t->as, va, &v);
		e = procfs_pagemap_entry(t, va, have ? &v : NULL);
		memcpy((char *)buf + i * PROCFS_PM_ENTRY, &e, PROCFS_PM_ENTRY);
	}
	return (long)(n * PROCFS_PM_ENTRY);
}

/* ---------------------------------------------------------------- meminfo */

/* One meminfo line (show_val_kb), value in 4 KiB pages. */
static void procfs_mem_kb(struct procfs_buf *b, const char *label, uint64_t pages)
{
	procfs_printf(b, "%s%8llu kB\n", label, (unsigned long long)(pages * 4));
}

/* Pages a mapping of v commits (Linux's accounting: private writable or shared, not NORESERVE). */
static uint64_t procfs_committed(const struct aspace *as)
{
	struct as_vma_info v;
	uint64_t pages = 0;
	vaddr_t va = 0;

	while (as && as_vma_next(as, va, &v)) {
		if (!(v.flags & MAP_NORESERVE) && ((v.flags & MAP_SHARED) || (v.prot & PROT_WRITE)))
			pages += (v.end - v.start) / PAGE_SIZE;
		va = v.end;
	}
	return pages;
}

/* Resident pages of the running space: anonymous, shared, and in 2 MiB leaves. */
static void procfs_running_mem(const struct aspace *as, struct as_mem_stats *anon,
			       struct as_mem_stats *shmem)
{
	struct as_vma_info v;
	struct as_mem_stats st;
	vaddr_t va = 0;

	*anon = *shmem = (struct as_mem_stats){0};
	while (as && as_vma_next(as, va, &v)) {
		struct as_mem_stats *sum = v.flags & MAP_SHARED ? shmem : anon;

		as_mem_stats(as, v.start, v.end, &st);
		sum->resident += st.resident;
		sum->huge += st.huge;
		va = v.end;
	}
}

/* Bytes mapped in the kernel root by leaves of each level, over [va, va+len). */
struct procfs_leaf_tally {
	uint64_t bytes[PT_LEVELS];
};

/* pt_walk callback: count the leaf under its level. */
static int procfs_tally_cb(void *ctx, const struct pt_leaf *leaf)
{
	struct procfs_leaf_tally *t = ctx;

	for (int level = 0; level < PT_LEVELS; level++)
		if (leaf->size == PT_LEVEL_SIZE(level))
			t->bytes[level] += leaf->size;
	return 0;
}

/* Tally the kernel's leaves over [va, va+len) (nothing before kmap_init). */
static void procfs_kernel_leaves(vaddr_t va, uint64_t len, struct procfs_leaf_tally *t)
{
	*t = (struct procfs_leaf_tally){0};
	if (kmap_root())
		pt_walk(kmap_root(), va, len, procfs_tally_cb, t);
}

/*
 * DirectMap4k/2M/1G (x86's arch_report_meminfo): the direct map's leaves by
 * size, 1G only where the CPU has 1 GiB leaves (Linux: direct_gbpages).
 */
static void procfs_meminfo_direct(struct procfs_buf *b)
{
	struct procfs_leaf_tally t;

	procfs_kernel_leaves(KMAP_DIRECT_BASE, PT_LEVEL_SIZE(PT_LEVELS - 1), &t);
	procfs_printf(b, "DirectMap4k:    %8llu kB\n", (unsigned long long)(t.bytes[0] >> 10));
	procfs_printf(b, "DirectMap2M:    %8llu kB\n", (unsigned long long)(t.bytes[1] >> 10));
	if (mm_cpu_has_1g())
		procfs_printf(b, "DirectMap1G:    %8llu kB\n",
			      (unsigned long long)(t.bytes[2] >> 10));
}

/* Pages mapped in the kernel's virtual areas (vmarea: stacks and buffers), for VmallocUsed. */
static uint64_t procfs_vmalloc_pages(void)
{
	struct procfs_leaf_tally t;
	uint64_t bytes = 0;

	procfs_kernel_leaves(VMAREA_BASE, VMAREA_SIZE, &t);
	for (int level = 0; level < PT_LEVELS; level++)
		bytes += t.bytes[level];
	return bytes / PAGE_SIZE;
}

/*
 * The lines of meminfo_proc_show after Shmem, for what the kernel itself
 * holds: the heap as unreclaimable slab, the running space's page tables,
 * commitments as Linux accounts them (no swap: CommitLimit is half of RAM,
 * vm.overcommit_ratio 50), 2 MiB leaves as AnonHugePages/ShmemPmdMapped.
 * VmallocUsed counts the pages of the kernel's virtual areas (program
 * kernel stacks among them). KernelStack and Percpu are not tracked: 0.
 */
static void procfs_meminfo_kernel(const struct aspace *as, uint64_t anon_huge,
				  uint64_t shmem_huge, struct procfs_buf *b)
{
	uint64_t slab = ALIGN_UP(heap_bytes_in_use(), PAGE_SIZE) / PAGE_SIZE;

	procfs_mem_kb(b, "KReclaimable:   ", 0);
	procfs_mem_kb(b, "Slab:           ", slab);
	procfs_mem_kb(b, "SReclaimable:   ", 0);
	procfs_mem_kb(b, "SUnreclaim:     ", slab);
	procfs_printf(b, "KernelStack:    %8u kB\n", 0);
	procfs_mem_kb(b, "PageTables:     ", as ? as_table_frames(as) + 1 : 0);
	procfs_mem_kb(b, "SecPageTables:  ", 0);
	procfs_mem_kb(b, "NFS_Unstable:   ", 0);
	procfs_mem_kb(b, "Bounce:         ", 0);
	procfs_mem_kb(b, "WritebackTmp:   ", 0);
	procfs_mem_kb(b, "CommitLimit:    ", pmm_total_frames() * 50 / 100);
	procfs_mem_kb(b, "Committed_AS:   ", procfs_committed(as));
	procfs_printf(b, "VmallocTotal:   %8llu kB\n", (unsigned long long)(VMAREA_SIZE >> 10));
	procfs_mem_kb(b, "VmallocUsed:    ", procfs_vmalloc_pages());
	procfs_mem_kb(b, "VmallocChunk:   ", 0);
	procfs_mem_kb(b, "Percpu:         ", 0);
	procfs_printf(b, "HardwareCorrupted: %5u kB\n", 0);
	procfs_mem_kb(b, "AnonHugePages:  ", anon_huge / PAGE_SIZE);
	procfs_mem_kb(b, "ShmemHugePages: ", shmem_huge / PAGE_SIZE);
	procfs_mem_kb(b, "ShmemPmdMapped: ", shmem_huge / PAGE_SIZE);
	procfs_mem_kb(b, "FileHugePages:  ", 0);
	procfs_mem_kb(b, "FilePmdMapped:  ", 0);
	procfs_mem_kb(b, "Unaccepted:     ", 0);
	procfs_printf(b, "HugePages_Total:   %5u\nHugePages_Free:    %5u\n", 0, 0);
	procfs_printf(b, "HugePages_Rsvd:    %5u\nHugePages_Surp:    %5u\n", 0, 0);
	procfs_printf(b, "Hugepagesize:   %8llu kB\nHugetlb:        %8u kB\n",
		      (unsigned long long)(PT_LEVEL_SIZE(1) >> 10), 0);
	procfs_meminfo_direct(b);
}

/* The lines of meminfo_proc_show up to Percpu. */
static void procfs_meminfo_main(const struct aspace *as, struct procfs_buf *b)
{
	uint64_t total = pmm_total_frames(), free = pmm_free_frames();
	struct as_mem_stats anon, shmem;
	static const char *const zero_lru[] = {
		"Buffers:        ", "Cached:         ", "SwapCached:     ",
	};

	procfs_running_mem(as, &anon, &shmem);
	procfs_mem_kb(b, "MemTotal:       ", total);
	procfs_mem_kb(b, "MemFree:        ", free);
	procfs_mem_kb(b, "MemAvailable:   ", free);
	for (size_t i = 0; i < ARRAY_SIZE(zero_lru); i++)
		procfs_mem_kb(b, zero_lru[i], 0);
	procfs_mem_kb(b, "Active:         ", (anon.resident + shmem.resident) / PAGE_SIZE);
	procfs_mem_kb(b, "Inactive:       ", 0);
	procfs_mem_kb(b, "Active(anon):   ", (anon.resident + shmem.resident) / PAGE_SIZE);
	procfs_mem_kb(b, "Inactive(anon): ", 0);
	procfs_mem_kb(b, "Active(file):   ", 0);
	procfs_mem_kb(b, "Inactive(file): ", 0);
	procfs_mem_kb(b, "Unevictable:    ", 0);
	procfs_mem_kb(b, "Mlocked:        ", 0);
	procfs_mem_kb(b, "SwapTotal:      ", 0);
	procfs_mem_kb(b, "SwapFree:       ", 0);
	procfs_mem_kb(b, "Dirty:          ", 0);
	procfs_mem_kb(b, "Writeback:      ", 0);
	procfs_mem_kb(b, "AnonPages:      ", anon.resident / PAGE_SIZE);
	procfs_mem_kb(b, "Mapped:         ", 0);
	procfs_mem_kb(b, "Shmem:          ", shmem.resident / PAGE_SIZE);
	procfs_meminfo_kernel(as, anon.huge, shmem.huge, b);
}

int procfs_meminfo(const struct aspace *running, struct procfs_buf *b)
{
	procfs_meminfo_main(running, b);
	return b->err;
}

/* ---------------------------------------------------------------- knobs */

/* One number, blanks (procfs_blank, as proc_doulongvec_minmax skips them) around it. */
long procfs_nr_hugepages_write(const void *buf, size_t len)
{
	const char *s = buf;
	size_t i = 0, digits = 0;

	while (i < len && procfs_blank(s[i]))
		i++;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		digits++;
	while (i < len && procfs_blank(s[i]))
		i++;
	return digits && i == len ? (long)len : -EINVAL;
}

/*
 * The sysctls are the constants mm enforces (mm/aspace.h; overcommit: the
 * heuristic of as_commit_fits). The hugetlb pool counts are 0: bootmm has
 * no hugetlb pool. The THP knobs are mm/thp.h's (procfs_tree.c).
 */
int procfs_knob(enum procfs_knob k, struct procfs_buf *b)
{
	switch (k) {
	case PROCFS_VM_MMAP_MIN_ADDR:
		return procfs_printf(b, "%llu\n", (unsigned long long)AS_MMAP_MIN_ADDR);
	case PROCFS_VM_MAX_MAP_COUNT:
		return procfs_printf(b, "%d\n", AS_MAX_MAP_COUNT);
	case PROCFS_VM_OVERCOMMIT_MEMORY:
		return procfs_printf(b, "0\n");
	case PROCFS_VM_OVERCOMMIT_RATIO:
		return procfs_printf(b, "50\n");
	case PROCFS_HUGETLB_POOL:
		return procfs_printf(b, "0\n");
	default:
		return -EINVAL;
	}
}
