/* Syscall fuzz, seed 3 (see fuzz_syscalls.h): reaches a Linux unmerged-VMA case, step count compared. */
#define FUZZ_SEED 0x35eedULL
#include "fuzz_syscalls.h"
