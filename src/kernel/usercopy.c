/*
 * Copies between the kernel and the running program's memory, with a fault
 * fixup. See include/kernel/usercopy.h.
 *
 * The raw routines below are leaf functions that never touch the stack, so a
 * fault anywhere inside them can be resumed at uc_fixup, which returns
 * -EFAULT straight to the caller.
 */
#include "kernel/usercopy.h"
#include "lib/errno.h"
#include "mm/aspace.h"

#define CR4_SMAP (1ULL << 21)
#define UC_MAX_RETRIES 4 /* the same fault resolved this often: give up */

extern char uc_text_start[], uc_fixup[];
long uc_copy_raw(void *dst, const void *src, size_t n);
long uc_clear_raw(void *dst, size_t n);
long uc_strncpy_raw(char *dst, const char *src, size_t max);

__asm__(".text\n"
	".type uc_copy_raw, @function\n"
	"uc_text_start:\n"
	"uc_copy_raw:\n"
	"	mov %rdx, %rcx\n"
	"	rep movsb\n"
	"	xor %eax, %eax\n"
	"	ret\n"
	".type uc_clear_raw, @function\n"
	"uc_clear_raw:\n"
	"	mov %rsi, %rcx\n"
	"	xor %eax, %eax\n"
	"	rep stosb\n"
	"	ret\n"
	".type uc_strncpy_raw, @function\n"
	"uc_strncpy_raw:\n"
	"	xor %eax, %eax\n"
	"1:	cmp %rdx, %rax\n"
	"	je 2f\n"
	"	movb (%rsi,%rax), %cl\n"
	"	movb %cl, (%rdi,%rax)\n"
	"	test %cl, %cl\n"
	"	je 2f\n"
	"	inc %rax\n"
	"	jmp 1b\n"
	"2:	ret\n"
	"uc_fixup:\n"
	"	mov $-14, %rax\n"
	"	ret\n");

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

/* Allow supervisor access to user pages when SMAP is on; returns whether it was. */
static bool uc_open(void)
{
	uint64_t cr4;

	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	if (!(cr4 & CR4_SMAP))
		return false;
	__asm__ volatile("stac" ::: "memory", "cc");
	return true;
}

/* Undo uc_open. */
static void uc_close(bool smap)
{
	if (smap)
		__asm__ volatile("clac" ::: "memory", "cc");
}

int copy_from_user(void *dst, uint64_t usrc, size_t n)
{
	long r;
	bool smap;

	if (n == 0)
		return 0;
	if (!user_range_ok(usrc, n) || !uc_rights_ok(usrc, n))
		return -EFAULT;
	smap = uc_open();
	r = uc_copy_raw(dst, (const void *)usrc, n);
	uc_close(smap);
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
	smap = uc_open();
	r = uc_copy_raw((void *)udst, src, n);
	uc_close(smap);
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
	smap = uc_open();
	r = uc_clear_raw((void *)udst, n);
	uc_close(smap);
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
	smap = uc_open();
	r = uc_strncpy_raw(dst, (const char *)usrc, room);
	uc_close(smap);
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
	if (*rip < (uint64_t)uc_text_start || *rip >= (uint64_t)uc_fixup)
		return false;
	if (vec == 14) {
		if (cr2 >= AS_TASK_SIZE)
			return false; /* a kernel pointer went bad: a kernel bug */
		if (uc_as && !uc_looping(*rip, cr2) &&
		    as_fault(uc_as, cr2, (unsigned)error_code | AS_PF_USER) == AS_FAULT_OK)
			return true;
	}
	uc_last_rip = 0;
	*rip = (uint64_t)uc_fixup;
	return true;
}
