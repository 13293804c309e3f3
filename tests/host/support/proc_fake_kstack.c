/*
 * Kernel stacks for test_proc_tree (see proc_fake.h): the link wraps
 * vmarea_alloc/vmarea_free, so each area is real vmarea frames (counted by
 * pmm) with a host buffer standing for its mapping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/vmarea.h"
#include "proc_fake.h"

unsigned fake_kstacks;

/* A broken expectation of the fake itself: stop the test binary loudly. */
static void fake_die(const char *what)
{
	fprintf(stderr, "proc_fake: %s\n", what);
	abort();
}

void *__real_vmarea_alloc(size_t size, unsigned flags);
void __real_vmarea_free(void *addr);
void *__wrap_vmarea_alloc(size_t size, unsigned flags);
void __wrap_vmarea_free(void *addr);

/* A kernel stack: its real vmarea (frames) and the host buffer standing for its mapping. */
struct fake_kstack {
	void *host, *real;
	struct fake_kstack *next;
};

static struct fake_kstack *fake_kstack_list;

void *__wrap_vmarea_alloc(size_t size, unsigned flags)
{
	void *real = __real_vmarea_alloc(size, flags);
	struct fake_kstack *k;

	if (!real)
		return NULL;
	k = calloc(1, sizeof(*k));
	if (!k || !(k->host = aligned_alloc(4096, (size + 4095) & ~4095UL)))
		fake_die("host out of memory");
	memset(k->host, 0, size);
	k->real = real;
	k->next = fake_kstack_list;
	fake_kstack_list = k;
	fake_kstacks++;
	return k->host;
}

void __wrap_vmarea_free(void *addr)
{
	struct fake_kstack **pk;

	if (!addr)
		return;
	for (pk = &fake_kstack_list; *pk; pk = &(*pk)->next) {
		struct fake_kstack *k = *pk;

		if (k->host != addr)
			continue;
		*pk = k->next;
		__real_vmarea_free(k->real);
		free(k->host);
		free(k);
		fake_kstacks--;
		return;
	}
	fake_die("vmarea_free of an area the fake never handed out");
}
