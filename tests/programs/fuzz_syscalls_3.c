/* Syscall fuzz, seed 3 (see fuzz_syscalls.h): table compared with Linux. */
#define FUZZ_SEED 0x35eedULL
#include "fuzz_syscalls.h"
