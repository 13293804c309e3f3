/* Syscall fuzz, eight seeds in a row (see fuzz_syscalls.h); `make fuzz-image SEEDS=N` runs N. */
#define FUZZ_SEED 0x45eedULL
#define FZ_SEEDS 8
#include "fuzz_syscalls.h"
