/*
 * The smallest multiboot2 kernel: the floor for boot-time measurements.
 * GRUB enters it in 32-bit protected mode; it prints a done line on COM1
 * (mirrored to port 0xE9), writes 0x10 to QEMU's isa-debug-exit port (exit
 * code 33) and "Shutdown" to Bochs's shutdown port, then halts.
 *
 * The runner's tests build variants of it to play a kernel's part:
 * -DTRANSCRIPT=\"file\" sends that file on COM1 instead of the done line,
 * -DCOM2_DATA=\"file\" sends that file on COM2 first, -DEXIT_VALUE=n writes
 * n to port 0xf4, -DHANG stops after the transcript without exiting.
 */
#define MB2_MAGIC	0xe85250d6
#define MB2_ARCH_I386	0
#define COM1		0x3f8
#define COM2		0x2f8
#ifndef EXIT_VALUE
#define EXIT_VALUE	0x10
#endif

	.text
	.balign 8
mb2_header:
	.long	MB2_MAGIC
	.long	MB2_ARCH_I386
	.long	mb2_header_end - mb2_header
	.long	-(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	.balign 8
	.short	0, 0			/* end tag */
	.long	8
mb2_header_end:

	.code32
	.globl	_start
_start:
	cli
	mov	$stack_top, %esp	/* multiboot2 leaves %esp undefined */
	mov	$COM2, %ebx
	mov	$com2_data, %esi
	mov	$com2_end, %edi
	call	uart_write
	mov	$COM1, %ebx
	mov	$msg, %esi
	mov	$msg_end, %edi
	call	uart_write
#ifdef HANG
1:	hlt
	jmp	1b
#endif
	mov	$EXIT_VALUE, %al
	outb	%al, $0xf4
	mov	$0x8900, %dx
	mov	$shutdown, %esi
2:	lodsb
	test	%al, %al
	jz	3f
	outb	%al, %dx
	jmp	2b
3:	hlt
	jmp	3b

/*
 * Send the bytes [%esi, %edi) on the UART at port %ebx, 8N1, polling the
 * line status; COM1's bytes also go to port 0xE9. Returns once the last
 * byte has left the transmitter. Clobbers %eax, %ecx, %edx, %esi.
 */
uart_write:
	lea	3(%ebx), %edx		/* line control: 8 data bits, no parity */
	mov	$0x03, %al
	outb	%al, %dx
1:	cmp	%edi, %esi
	jae	3f
	lodsb
	mov	%al, %cl
	cmp	$COM1, %ebx
	jne	2f
	outb	%al, $0xe9
2:	lea	5(%ebx), %edx		/* wait for an empty holding register */
	inb	%dx, %al
	test	$0x20, %al
	jz	2b
	mov	%ebx, %edx
	mov	%cl, %al
	outb	%al, %dx
	jmp	1b
3:	lea	5(%ebx), %edx		/* wait until the last byte has left */
	inb	%dx, %al
	test	$0x40, %al
	jz	3b
	ret

msg:
#ifdef TRANSCRIPT
	.incbin	TRANSCRIPT
#else
	.ascii	"bootmm: done empty pass=0 fail=0 skip=0\n"
#endif
msg_end:
com2_data:
#ifdef COM2_DATA
	.incbin	COM2_DATA
#endif
com2_end:
shutdown:
	.asciz	"Shutdown"
	.balign 16
	.skip	256
stack_top:
