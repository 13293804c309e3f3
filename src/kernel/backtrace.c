/*
 * Frame-pointer backtraces. The walk only reads frames lying inside a known
 * stack (the boot stack, the #DF stack, ...), so a corrupt rbp ends it instead
 * of faulting.
 */
#include "kernel/backtrace.h"
#include "kernel/sections.h"
#include "lib/printf.h"

#define BACKTRACE_MAX_DEPTH 32
#define BACKTRACE_MAX_STACKS 8

struct bt_stack {
	uint64_t lo, hi;
};

static struct bt_stack bt_stacks[BACKTRACE_MAX_STACKS];
static size_t bt_nstacks;

void backtrace_add_stack(uint64_t lo, uint64_t hi)
{
	if (bt_nstacks < BACKTRACE_MAX_STACKS)
		bt_stacks[bt_nstacks++] = (struct bt_stack){lo, hi};
}

/* True when the 16-byte frame record at `rbp` lies inside a known stack. */
static bool bt_frame_ok(uint64_t rbp)
{
	struct bt_stack boot = {(uint64_t)boot_stack_bottom, (uint64_t)boot_stack_top};

	if (rbp & 7)
		return false;
	if (rbp >= boot.lo && rbp + 16 <= boot.hi)
		return true;
	for (size_t i = 0; i < bt_nstacks; i++)
		if (rbp >= bt_stacks[i].lo && rbp + 16 <= bt_stacks[i].hi)
			return true;
	return false;
}

void backtrace_print(uint64_t rbp, const char *prefix)
{
	for (int depth = 1; depth <= BACKTRACE_MAX_DEPTH && bt_frame_ok(rbp); depth++) {
		const uint64_t *frame = (const uint64_t *)rbp;

		if (frame[1] == 0)
			break;
		kprintf("%s  #%d 0x%016lx\n", prefix, depth, frame[1]);
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}
