/*
 * Multiboot2 entry. GRUB jumps to _start in 32-bit protected mode with paging
 * off, EAX = multiboot2 magic and EBX = physical address of the boot info.
 * We build early page tables (identity [0, 4 GiB), the same 4 GiB at the
 * direct map, the first GiB at the kernel image base), enter long mode, jump
 * to the higher half and call kmain(magic, mbi_phys) on the .bss boot stack.
 */
#include "arch/x86_64/gdt.h"

#define KERNEL_VMA	0xffffffff80000000
#define MB2_MAGIC	0xe85250d6
#define MB2_ARCH_I386	0
#define PG_P		0x001
#define PG_W		0x002
#define PG_PS		0x080
#define CR4_PAE		(1 << 5)
#define CR0_PG		(1 << 31)
#define CR0_PE		(1 << 0)
#define MSR_EFER	0xc0000080
#define EFER_LME	(1 << 8)
#define EFER_NXE	(1 << 11)

	.section .boot.header, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* information request: command line (1), modules (3), memory map (6) */
	.balign 8
mb2_info_req:
	.short 1, 0
	.long mb2_info_req_end - mb2_info_req
	.long 1, 3, 6
mb2_info_req_end:
	/* page-align modules */
	.balign 8
	.short 6, 0
	.long 8
	/* end tag */
	.balign 8
	.short 0, 0
	.long 8
mb2_header_end:

	.section .boot.text, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	movl %eax, %edi			/* magic, first argument of kmain */
	movl %ebx, %esi			/* boot info, second argument */
	movl $(boot_stack_top - KERNEL_VMA), %esp
	call boot_check_long_mode
	call boot_build_tables
	call boot_enable_long_mode
	lgdt boot_gdt_ptr
	ljmp $GDT_KERNEL_CS, $boot_long_entry

/* Halt with a message on port 0xE9 and the fail code on isa-debug-exit. */
boot_no_long_mode:
	movl $boot_msg_no_lm, %ebx
1:	movb (%ebx), %al
	testb %al, %al
	jz 2f
	outb %al, $0xe9
	movw $0x3f8, %dx
	outb %al, %dx
	incl %ebx
	jmp 1b
2:	movl $0x11, %eax
	outl %eax, $0xf4
3:	hlt
	jmp 3b

/* Return when CPUID reports long mode; halt otherwise. */
boot_check_long_mode:
	pushl %edi
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb boot_no_long_mode
	movl $0x80000001, %eax
	cpuid
	testl $(1 << 29), %edx
	jz boot_no_long_mode
	popl %edi
	ret

/*
 * Fill the early tables: 4 page directories of 2 MiB leaves for [0, 4 GiB),
 * one PDPT for them used at PML4[0] (identity) and PML4[256] (direct map),
 * and a PDPT at PML4[511] whose entry 510 maps the first GiB at KERNEL_VMA.
 */
boot_build_tables:
	pushl %edi
	movl $boot_pd, %edi
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $(PG_P | PG_W | PG_PS), %eax
	movl %eax, (%edi, %ecx, 8)
	movl $0, 4(%edi, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jb 1b
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $12, %eax
	addl $(boot_pd + PG_P + PG_W), %eax
	movl %eax, boot_pdpt_low(, %ecx, 8)
	incl %ecx
	cmpl $4, %ecx
	jb 2b
	movl $(boot_pd + PG_P + PG_W), boot_pdpt_high + 510 * 8
	movl $(boot_pdpt_low + PG_P + PG_W), boot_pml4
	movl $(boot_pdpt_low + PG_P + PG_W), boot_pml4 + 256 * 8
	movl $(boot_pdpt_high + PG_P + PG_W), boot_pml4 + 511 * 8
	popl %edi
	ret

/* PAE, EFER.LME and EFER.NXE, CR3 = boot_pml4, then paging on. */
boot_enable_long_mode:
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $(EFER_LME | EFER_NXE), %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_PE), %eax
	movl %eax, %cr0
	ret

	.code64
boot_long_entry:
	movl %edi, %edi			/* upper halves are undefined after the switch */
	movl %esi, %esi
	movw $GDT_KERNEL_DS, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorl %eax, %eax
	movw %ax, %fs
	movw %ax, %gs
	movabsq $boot_higher_half, %rax
	jmp *%rax

	.section .boot.data, "aw"
boot_msg_no_lm:
	.asciz "bootmm: this CPU has no long mode\n"
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08 kernel code, 64-bit */
	.quad 0x00cf92000000ffff	/* 0x10 kernel data */
boot_gdt_end:
boot_gdt_ptr:
	.short boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.section .boot.tables, "aw"
	.balign 4096
boot_pml4:
	.fill 512, 8, 0
boot_pdpt_low:
	.fill 512, 8, 0
boot_pdpt_high:
	.fill 512, 8, 0
boot_pd:
	.fill 4 * 512, 8, 0

	.text
boot_higher_half:
	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	call kmain
1:	cli
	hlt
	jmp 1b

/* The boot stack; an unmapped guard page lies below it (see linker.ld). */
	.section .stack, "aw", @nobits
	.balign 4096
	.globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
	.skip 65536
boot_stack_top:
