/* Syscall fuzz, seed 2 (see fuzz_syscalls.h). */
#define FUZZ_SEED 0x25eedULL
#include "fuzz_syscalls.h"
