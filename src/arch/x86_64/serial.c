/*
 * 16550 UARTs, polled. COM1 is the console (every byte mirrored to port
 * 0xE9, Bochs' debug console); COM2 carries raw program output.
 */
#include "arch/x86_64/cpu.h"
#include "kernel/console.h"
#include "lib/printf.h"

#define COM1 0x3f8
#define COM2 0x2f8
#define PORT_E9 0xe9

#define UART_DATA 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_DLL 0 /* with LCR.DLAB */
#define UART_DLM 1

#define LSR_THRE 0x20 /* transmit holding register empty */
#define LSR_TEMT 0x40 /* transmitter empty */

/* 115200 baud, 8N1, FIFOs on and cleared, interrupts off. */
static void uart_init(uint16_t base)
{
	outb(base + UART_IER, 0x00);
	outb(base + UART_LCR, 0x80);
	outb(base + UART_DLL, 0x01);
	outb(base + UART_DLM, 0x00);
	outb(base + UART_LCR, 0x03);
	outb(base + UART_FCR, 0xc7);
	outb(base + UART_MCR, 0x03);
}

/* Send one byte once the holding register is free. */
static void uart_put(uint16_t base, uint8_t c)
{
	while (!(inb(base + UART_LSR) & LSR_THRE))
		;
	outb(base + UART_DATA, c);
}

void console_init(void)
{
	uart_init(COM1);
}

void console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uart_put(COM1, (uint8_t)s[i]);
		outb(PORT_E9, (uint8_t)s[i]);
	}
}

void console_flush(void)
{
	while (!(inb(COM1 + UART_LSR) & LSR_TEMT))
		;
}

void com2_init(void)
{
	uart_init(COM2);
}

void com2_write(const void *buf, size_t n)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < n; i++)
		uart_put(COM2, p[i]);
}
