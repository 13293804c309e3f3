/* Syscall fuzz, seed 2 (see fuzz_syscalls.h). */
#define FUZZ_SEED 0x25eedULL
#define FZ_COMPARE 1 /* matches Linux call for call */
#include "fuzz_syscalls.h"
