/* Frame-pointer backtraces over the known kernel stacks. */
#ifndef KERNEL_BACKTRACE_H
#define KERNEL_BACKTRACE_H

#include "lib/types.h"

/* Print "<prefix>  #i 0x<return address>" lines walking the rbp chain from `rbp`. */
void backtrace_print(uint64_t rbp, const char *prefix);

/* Register a stack [lo, hi) the walk may read (the boot stack is known already). */
void backtrace_add_stack(uint64_t lo, uint64_t hi);

#endif
