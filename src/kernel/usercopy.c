/*
 * Copies between the kernel and the running program's memory: the policy
 * (ranges, rights, which faults are resolved). The raw routines, their
 * fixup and SMAP's stac/clac are the machine's: arch/x86_64/uaccess.h.
 * See include/kernel/usercopy.h.
 */
#include "arch/x86_64/uaccess.h"
#include "kernel/usercopy.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/access.h"
#include "mm/aspace.h"
#include "mm/mmarch.h"

#define UC_MAX_RETRIES 4 /* the same fault resolved this often: give up */

static struct aspace *uc_as;
static uint64_t uc_last_rip, uc_last_cr2;
static unsigned uc_retries;

void usercopy_bind(struct aspace *as)
{
	uc_as = as;
	uc_retries = 0;
}

bool user_range_ok(uint64_t uaddr, uint64_t n)
{
	return n <= AS_TASK_SIZE && uaddr <= AS_TASK_SIZE - n;
}

/*
 * PROT_NONE pages may be present but supervisor-only, which the kernel could
 * read and write without a fault: refuse any range touching one.
 */
static bool uc_rights_ok(uint64_t uaddr, size_t n)
{
	struct as_vma_info vi;
	uint64_t va = ALIGN_DOWN(uaddr, PAGE_SIZE);

	if (!uc_as)
		return true;
	for (; va < uaddr + n; va += PAGE_SIZE) {
		if (!as_vma_at(uc_as, va, &vi))
			continue;
		if (vi.prot == PROT_NONE)
			return false;
		va = ALIGN_DOWN(MIN(vi.end, uaddr + n) - 1, PAGE_SIZE);
	}
	return true;
}

/*
 * True when the bound address space is not the loaded one (a copy on behalf
 * of another process): such copies go through mm/access.h, not the MMU.
 */
static bool uc_foreign(void)
{
	return uc_as && as_root(uc_as) != mm_current_root();
}

/* strncpy_from_user of up to `room` bytes from a space that is not loaded. */
static long uc_strncpy_foreign(char *dst, uint64_t usrc, size_t room)
{
	size_t done = 0;

	while (done < room) {
		uint64_t at = usrc + done;
		size_t n = MIN(room - done, ALIGN_DOWN(at, PAGE_SIZE) + PAGE_SIZE - at);
		size_t len;

		if (access_copy_from(uc_as, dst + done, at, n))
			return -EFAULT;
		len = strnlen(dst + done, n);
		if (len < n)
			return (long)(done + len);
		done += n;
	}
	return (long)room;
}

int copy_from_user(void *dst, uint64_t usrc, size_t n)
{
	long r;
	bool smap;

	if (n == 0)
		return 0;
	if (!user_range_ok(usrc, n) || !uc_rights_ok(usrc, n))
		return -EFAULT;
	if (uc_foreign())
		return access_copy_from(uc_as, dst, usrc, n) ? -EFAULT : 0;
	smap = uaccess_open();
	r = uaccess_copy_raw(dst, (const void *)usrc, n);
	uaccess_close(smap);
	return (int)r;
}

int copy_to_user(uint64_t udst, const void *src, size_t n)
{
	long r;
	bool smap;

	if (n == 0)
		return 0;
	if (!user_range_ok(udst, n) || !uc_rights_ok(udst, n))
		return -EFAULT;
	if (uc_foreign())
		return access_copy_to(uc_as, udst, src, n) ? -EFAULT : 0;
	smap = uaccess_open();
	r = uaccess_copy_raw((void *)udst, src, n);
	uaccess_close(smap);
	return (int)r;
}

int clear_user(uint64_t udst, size_t n)
{
	long r;
	bool smap;

	if (n == 0)
		return 0;
	if (!user_range_ok(udst, n) || !uc_rights_ok(udst, n))
		return -EFAULT;
	if (uc_foreign())
		return access_copy_to(uc_as, udst, NULL, n) ? -EFAULT : 0;
	smap = uaccess_open();
	r = uaccess_clear_raw((void *)udst, n);
	uaccess_close(smap);
	return (int)r;
}

long strncpy_from_user(char *dst, uint64_t usrc, size_t max)
{
	size_t room;
	long r;
	bool smap;

	if (max == 0)
		return 0;
	if (usrc >= AS_TASK_SIZE)
		return -EFAULT;
	room = MIN(max, AS_TASK_SIZE - usrc);
	if (uc_foreign()) {
		r = uc_strncpy_foreign(dst, usrc, room);
	} else {
		smap = uaccess_open();
		r = uaccess_strncpy_raw(dst, (const char *)usrc, room);
		uaccess_close(smap);
	}
	if (r == (long)room && room < max)
		return -EFAULT; /* the string runs into the kernel half */
	if (r >= 0 && !uc_rights_ok(usrc, MIN((size_t)r + 1, room)))
		return -EFAULT;
	return r;
}

/* True when the same fault keeps coming back although as_fault "resolved" it. */
static bool uc_looping(uint64_t rip, uint64_t cr2)
{
	if (rip == uc_last_rip && cr2 == uc_last_cr2)
		return ++uc_retries >= UC_MAX_RETRIES;
	uc_last_rip = rip;
	uc_last_cr2 = cr2;
	uc_retries = 0;
	return false;
}

bool usercopy_fixup(unsigned vec, uint64_t *rip, uint64_t cr2, uint64_t error_code)
{
	if (!uaccess_in_raw(*rip))
		return false;
	if (vec == 14) {
		if (cr2 >= AS_TASK_SIZE)
			return false; /* a kernel pointer went bad: a kernel bug */
		if (uc_as && !uc_looping(*rip, cr2) &&
		    as_fault(uc_as, cr2, (unsigned)error_code | AS_PF_USER) == AS_FAULT_OK)
			return true;
	}
	uc_last_rip = 0;
	*rip = uaccess_fixup_rip();
	return true;
}
