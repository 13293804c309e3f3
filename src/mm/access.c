/*
 * Copies to and from the user memory of any address space, through its
 * page tables and as_fault. See include/mm/access.h.
 */
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/access.h"
#include "mm/aspace.h"
#include "mm/mmarch.h"
#include "mm/pt.h"

#define ACCESS_MAX_TRIES 4 /* as_fault resolved the page this often and it is still out */

/* True when the leaf lets this access through as it is. */
static bool access_leaf_ok(const struct pt_leaf *leaf, unsigned flags)
{
	if (flags & ACCESS_PEEK)
		return true;
	if ((flags & ACCESS_FORCE) && !(flags & ACCESS_WRITE))
		return true;
	if (!(leaf->flags & PT_USER))
		return false;
	return !(flags & ACCESS_WRITE) || (leaf->flags & PT_WRITE);
}

/*
 * Make the page holding va usable for the access, faulting it in as the
 * user access would (ACCESS_FORCE: as a forced access, see access.h; once
 * such a fault has served the page, it is used as it is mapped, read-only
 * or not). Returns AS_FAULT_OK with *out pointing at va's byte (through the
 * direct map), the leaf marked young (and dirty for a write) as the MMU
 * marks it for a user access, or the verdict that refused it.
 */
static int access_page(struct aspace *as, vaddr_t va, unsigned flags, uint8_t **out)
{
	struct as_vma_info vi;
	bool forced = false;

	if (as_vma_at(as, va, &vi) && (vi.flags & AS_VMA_SECRET))
		return AS_FAULT_MAPERR; /* GUP refuses secretmem: only its mappings reach it */
	for (int tries = 0; tries < ACCESS_MAX_TRIES; tries++) {
		struct pt_leaf leaf;
		bool present = pt_query(as_root(as), va, &leaf);
		unsigned code = AS_PF_USER | ((flags & ACCESS_WRITE) ? AS_PF_WRITE : 0) |
				((flags & ACCESS_FORCE) ? AS_PF_FORCE : 0);
		int v;

		if (present && (forced || access_leaf_ok(&leaf, flags))) {
			*out = (uint8_t *)mm_phys_to_virt(leaf.pa + (va - leaf.va));
			if (!(flags & ACCESS_PEEK)) /* as the MMU marks a user access */
				pt_add_state(as_root(as), ALIGN_DOWN(va, PAGE_SIZE), PAGE_SIZE, PT_STATE_YOUNG |
					     ((flags & ACCESS_WRITE) ? PT_STATE_DIRTY : 0));
			return AS_FAULT_OK;
		}
		if (flags & ACCESS_PEEK)
			return AS_FAULT_MAPERR;
		v = as_fault(as, va, code | (present ? AS_PF_PRESENT : 0));
		if (v != AS_FAULT_OK)
			return v;
		forced = flags & ACCESS_FORCE;
	}
	return ACCESS_FAULT_LOOP;
}

/* Move n bytes between the user byte at p and buf (NULL: zeros in, or nothing out). */
static void access_move(uint8_t *p, uint8_t *buf, size_t n, unsigned flags)
{
	if (!(flags & ACCESS_WRITE)) {
		if (buf)
			memcpy(buf, p, n);
	} else if (buf) {
		memcpy(p, buf, n);
	} else {
		memset(p, 0, n);
	}
}

int access_user(struct aspace *as, vaddr_t va, void *buf, size_t len, unsigned flags)
{
	uint8_t *b = buf;

	if (len > AS_TASK_SIZE || va > AS_TASK_SIZE - len)
		return AS_FAULT_MAPERR;
	while (len) {
		size_t n = MIN(len, ALIGN_DOWN(va, PAGE_SIZE) + PAGE_SIZE - va);
		uint8_t *p;
		int v = access_page(as, va, flags, &p);

		if (v != AS_FAULT_OK)
			return v;
		access_move(p, b, n, flags);
		b = b ? b + n : NULL;
		va += n;
		len -= n;
	}
	return AS_FAULT_OK;
}

int access_errno(int verdict)
{
	if (verdict == AS_FAULT_OK)
		return 0;
	return verdict == AS_FAULT_OOM ? -ENOMEM : -EFAULT;
}

int access_copy_to(struct aspace *as, vaddr_t va, const void *src, size_t len)
{
	return access_errno(access_user(as, va, (void *)src, len, ACCESS_WRITE));
}

int access_copy_from(struct aspace *as, void *dst, vaddr_t va, size_t len)
{
	return access_errno(access_user(as, va, dst, len, ACCESS_READ));
}

int access_fault_in(struct aspace *as, vaddr_t va, size_t len, unsigned flags)
{
	uint64_t first;

	if (len == 0)
		return 0;
	if (len > AS_TASK_SIZE || va > AS_TASK_SIZE - len)
		return -EFAULT;
	first = ALIGN_DOWN(va, PAGE_SIZE);
	for (uint64_t pg = first; pg < va + len; pg += PAGE_SIZE) {
		uint8_t *p;
		int v = access_page(as, pg < va ? va : pg, flags & ACCESS_WRITE, &p);

		if (v != AS_FAULT_OK)
			return access_errno(v);
	}
	return 0;
}
