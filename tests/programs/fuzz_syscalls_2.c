/* Syscall fuzz, seed 2 (see fuzz_syscalls.h): table compared with Linux. */
#define FUZZ_SEED 0x25eedULL
#include "fuzz_syscalls.h"
