/* Where the raw user-copy routines of uaccess.S start and resume. See arch/x86_64/uaccess.h. */
#include "arch/x86_64/uaccess.h"

extern char uaccess_text_start[], uaccess_fixup[];

bool uaccess_in_raw(uint64_t rip)
{
	return rip >= (uint64_t)uaccess_text_start && rip < (uint64_t)uaccess_fixup;
}

uint64_t uaccess_fixup_rip(void)
{
	return (uint64_t)uaccess_fixup;
}
