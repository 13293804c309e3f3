/*
 * Ending the run. QEMU's isa-debug-exit (iobase 0xf4) turns a write of v into
 * exit status (v << 1) | 1; Bochs stops on "Shutdown" written to port 0x8900.
 * 0 and 1 never mean pass: a triple fault or a plain QEMU exit reads as failure.
 */
#ifndef KERNEL_EXIT_H
#define KERNEL_EXIT_H

#include "lib/types.h"

#define BOOTMM_EXIT_PORT 0xf4
#define BOOTMM_EXIT_PASS_VALUE 0x10
#define BOOTMM_EXIT_FAIL_VALUE 0x11
#define BOOTMM_EXIT_PASS_QEMU 33 /* (0x10 << 1) | 1 */
#define BOOTMM_EXIT_FAIL_QEMU 35 /* (0x11 << 1) | 1 */
#define BOOTMM_BOCHS_SHUTDOWN_PORT 0x8900

/* Tell the emulator pass or fail, then stop the CPU. */
__attribute__((noreturn)) void machine_exit(bool pass);

/* Reset through the keyboard controller (outb 0xFE to port 0x64). */
__attribute__((noreturn)) void machine_reset(void);

/* Load an empty IDT and raise an exception: a triple fault. */
__attribute__((noreturn)) void machine_triple_fault(void);

#endif
