/* Kernel image layout, from boot/linker.ld. */
#ifndef KERNEL_SECTIONS_H
#define KERNEL_SECTIONS_H

#include "lib/types.h"

extern char __kernel_phys_start[], __kernel_phys_end[];
extern char __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[];
extern char boot_stack_bottom[], boot_stack_top[];

#endif
