/* Host implementation of include/mm/mmarch.h and the kernel's panic/console. */
#include "host_mm.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lib/assert.h"
#include "lib/printf.h"
#include "mm/mmarch.h"
#include "mm/pmm.h"
#include "mm/zpage.h"

unsigned long host_tlb_flush_page_count;
unsigned long host_tlb_flush_all_count;
bool host_has_1g = true;

static unsigned char *arena;
static paddr_t current_root;

/* Map the arena once; later calls drop its contents so each setup starts clean. */
static void host_arena_reset(void)
{
	if (!arena) {
		arena = mmap(NULL, HOST_ARENA_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (arena == MAP_FAILED) {
			perror("host_mm: mmap arena");
			abort();
		}
	} else {
		madvise(arena, HOST_ARENA_SIZE, MADV_DONTNEED);
	}
}

void host_pmm_setup(uint64_t ram_bytes)
{
	struct pmm_range ram = {MiB(1), ram_bytes};

	if (ram_bytes > HOST_ARENA_SIZE) {
		fprintf(stderr, "host_mm: %llu bytes of RAM exceed the arena\n",
			(unsigned long long)ram_bytes);
		abort();
	}
	host_arena_reset();
	host_tlb_flush_page_count = 0;
	host_tlb_flush_all_count = 0;
	host_has_1g = true;
	host_pkey_count = 1;
	host_pkru = 0;
	current_root = 0;
	if (pmm_init(&ram, 1, NULL, 0, ram_bytes) != 0) {
		fprintf(stderr, "host_mm: pmm_init failed\n");
		abort();
	}
}

void host_mm_setup(uint64_t ram_bytes)
{
	host_pmm_setup(ram_bytes);
	if (zpage_init() != 0) {
		fprintf(stderr, "host_mm: zpage_init failed\n");
		abort();
	}
}

void *host_arena(void)
{
	return arena;
}

void *mm_phys_to_virt(paddr_t pa)
{
	if (!arena || pa >= HOST_ARENA_SIZE)
		panic("mm_phys_to_virt: %#llx outside the arena", (unsigned long long)pa);
	return arena + pa;
}

paddr_t mm_virt_to_phys(const void *va)
{
	const unsigned char *p = va;

	if (!arena || p < arena || p >= arena + HOST_ARENA_SIZE)
		panic("mm_virt_to_phys: %p outside the arena", va);
	return (paddr_t)(p - arena);
}

void mm_tlb_flush_page(vaddr_t va)
{
	(void)va;
	host_tlb_flush_page_count++;
}

void mm_tlb_flush_all(void)
{
	host_tlb_flush_all_count++;
}

bool mm_cpu_has_1g(void)
{
	return host_has_1g;
}

unsigned host_pkey_count = 1;
uint32_t host_pkru;

unsigned mm_pkey_count(void)
{
	return host_pkey_count;
}

unsigned mm_pkey_rights(unsigned pkey)
{
	return pkey < host_pkey_count ? (host_pkru >> (2 * pkey)) & MM_PKEY_RIGHTS_MASK : 0;
}

void mm_pkey_set_rights(unsigned pkey, unsigned rights)
{
	if (pkey >= host_pkey_count)
		return;
	host_pkru &= ~(MM_PKEY_RIGHTS_MASK << (2 * pkey));
	host_pkru |= (rights & MM_PKEY_RIGHTS_MASK) << (2 * pkey);
}

void mm_load_root(paddr_t root)
{
	current_root = root;
}

paddr_t mm_current_root(void)
{
	return current_root;
}

void mm_page_zero(void *dst, size_t size)
{
	memset(dst, 0, size);
}

void mm_page_copy(void *dst, const void *src, size_t size)
{
	memcpy(dst, src, size);
}

uint64_t mm_cycles(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void console_write(const char *s, size_t n)
{
	fwrite(s, 1, n, stdout);
	fflush(stdout);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "panic: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}
