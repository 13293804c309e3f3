/*
 * GDT layout (a contract: syscall/sysret derive selectors from STAR).
 *
 *   0x00 null
 *   0x08 kernel code (64-bit)      STAR[47:32] = 0x08: syscall CS=0x08, SS=0x10
 *   0x10 kernel data
 *   0x18 user data  (RPL 3: 0x1b)  STAR[63:48] = 0x10: sysret SS=0x18|3, CS=0x20|3
 *   0x20 user code  (RPL 3: 0x23)
 *   0x28 TSS (16-byte descriptor)
 */
#ifndef ARCH_X86_64_GDT_H
#define ARCH_X86_64_GDT_H

#define GDT_KERNEL_CS 0x08
#define GDT_KERNEL_DS 0x10
#define GDT_USER_DS 0x1b
#define GDT_USER_CS 0x23
#define GDT_TSS 0x28

#ifndef __ASSEMBLY__
#include "lib/types.h"

/* Load the GDT and TSS (once, at boot). */
void gdt_init(void);

/* Stack the CPU switches to on an interrupt or exception from ring 3. */
void gdt_set_kernel_stack(uint64_t rsp0);
#endif

#endif
