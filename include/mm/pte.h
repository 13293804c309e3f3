/* Dispatch to the architecture's PTE encoding (pure functions, host-buildable). */
#ifndef MM_PTE_H
#define MM_PTE_H
#include "arch/x86_64/pte.h"
#endif
