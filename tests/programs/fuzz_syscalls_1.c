/* Syscall fuzz, seed 1 (see fuzz_syscalls.h): table compared with Linux. */
#define FUZZ_SEED 0x15eedULL
#include "fuzz_syscalls.h"
