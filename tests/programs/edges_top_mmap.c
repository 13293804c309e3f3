/*
 * mmap hints, MAP_FIXED, MAP_FIXED_NOREPLACE and MREMAP_FIXED at and past the
 * top of the user half. A hint there is no hint (the mapping goes below the
 * top, never at the hint); a fixed address there is ENOMEM (mmap) or EINVAL
 * (mremap). Linux's virtual_address_range selftest maps at 1 << 47 this way.
 */
#include "prog.h"

#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)
#define TOP 0x7ffffffff000UL

static const struct {
	const char *name;
	uintptr_t addr;
	size_t len;
} edges[] = {
	{ "top", TOP, PG },
	{ "top-1page+2pages", TOP - PG, 2 * PG },
	{ "1<<47", 1UL << 47, PG },
	{ "1<<47 1GiB", 1UL << 47, 1UL << 30 },
	{ "1<<47+page", (1UL << 47) + PG, PG },
	{ "kernel half", 0xffff800000000000UL, PG },
	{ "last page", -PG, PG },
	{ "top-1page+huge", TOP - PG, 1UL << 46 },
};

#define NEDGES (sizeof(edges) / sizeof(edges[0]))

/* A hint at an edge: placed, below the top, not at the hint; then unmapped. */
static void hint_is_no_hint(size_t i)
{
	char *p = prog_map((void *)edges[i].addr, edges[i].len, RW, MAP_NORESERVE);
	int placed = p != MAP_FAILED;

	printf("hint %s: placed %s, below the top %s, at the hint %s\n", edges[i].name,
	       placed ? "yes" : "no", placed && (uintptr_t)p + edges[i].len <= TOP ? "yes" : "no",
	       (uintptr_t)p == edges[i].addr ? "yes" : "no");
	if (!placed || (uintptr_t)p == edges[i].addr || (uintptr_t)p + edges[i].len > TOP)
		prog_failed = 1;
	if (placed) {
		p[0] = 1;
		p[edges[i].len - 1] = 2;
		munmap(p, edges[i].len);
	}
}

/* mmap with `flag` at an edge must fail with ENOMEM. */
static void fixed_is_enomem(size_t i, int flag, const char *fname)
{
	char *p;

	errno = 0;
	p = prog_map((void *)edges[i].addr, edges[i].len, RW, flag);
	printf("%s %s: %s\n", fname, edges[i].name, prog_errname(p == MAP_FAILED ? errno : 0));
	if (p != MAP_FAILED || errno != ENOMEM)
		prog_failed = 1;
}

/* mremap MREMAP_FIXED of a live page to an edge must fail with EINVAL. */
static void mremap_fixed_is_einval(size_t i, char *src)
{
	void *r;

	errno = 0;
	r = mremap(src, PG, edges[i].len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)edges[i].addr);
	printf("mremap fixed %s: %s\n", edges[i].name, prog_errname(r == MAP_FAILED ? errno : 0));
	if (r != MAP_FAILED || errno != EINVAL)
		prog_failed = 1;
}

int main(void)
{
	char *src = prog_map(NULL, PG, RW, 0);

	CHECK(src != MAP_FAILED);
	src[0] = 42;
	for (size_t i = 0; i < NEDGES; i++)
		hint_is_no_hint(i);
	for (size_t i = 0; i < NEDGES; i++)
		fixed_is_enomem(i, MAP_FIXED, "MAP_FIXED");
	for (size_t i = 0; i < NEDGES; i++)
		fixed_is_enomem(i, MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE");
	for (size_t i = 0; i < NEDGES; i++)
		mremap_fixed_is_einval(i, src);
	CHECK(src[0] == 42);
	/* A hint just below the top that leaves no room for the length is no hint either. */
	EXPECT_ERRNO(0, prog_map((void *)(TOP - PG), 3 * PG, RW, 0));
	return prog_done();
}
