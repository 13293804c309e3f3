/* Syscall fuzz, seed 1 (see fuzz_syscalls.h): reaches a Linux unmerged-VMA case, step count compared. */
#define FUZZ_SEED 0x15eedULL
#include "fuzz_syscalls.h"
