/*
 * Formatted output for the kernel and the host build of src/mm: one
 * formatter writing through a sink, used by kprintf (console) and ksnprintf
 * (buffer). See include/lib/printf.h for the supported conversions.
 */
#include "lib/printf.h"

#include "lib/string.h"

struct sink {
	void (*put)(struct sink *s, const char *p, size_t n);
	char *buf;     /* ksnprintf: destination */
	size_t size;   /* ksnprintf: capacity incl. NUL */
	size_t len;    /* characters produced so far */
};

struct spec {
	bool left;     /* '-' */
	bool zero;     /* '0' */
	bool alt;      /* '#' */
	int width;
	int prec;      /* -1: none */
	int lng;       /* 0 int, 1 long, 2 long long, 3 size_t */
};

/* Emit `n` copies of `c`. */
static void sink_pad(struct sink *s, char c, int n)
{
	while (n-- > 0)
		s->put(s, &c, 1);
}

/* Emit `p` (length n) padded to the spec's width. */
static void sink_field(struct sink *s, const struct spec *sp, const char *p, int n)
{
	int pad = sp->width > n ? sp->width - n : 0;

	if (!sp->left)
		sink_pad(s, ' ', pad);
	s->put(s, p, (size_t)n);
	if (sp->left)
		sink_pad(s, ' ', pad);
}

/* Format an unsigned number in `base`, with an optional sign or prefix. */
static void fmt_number(struct sink *s, const struct spec *sp, uint64_t v,
		       unsigned base, bool upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, plen = (int)strlen(prefix), pad;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	pad = sp->width - n - plen;
	if (!sp->left && !sp->zero)
		sink_pad(s, ' ', pad);
	s->put(s, prefix, (size_t)plen);
	if (!sp->left && sp->zero)
		sink_pad(s, '0', pad);
	while (n)
		s->put(s, &tmp[--n], 1);
	if (sp->left)
		sink_pad(s, ' ', pad);
}

/* Read an integer argument of the spec's length. */
static uint64_t arg_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->lng) {
	case 0: return va_arg(*ap, unsigned int);
	case 1: return va_arg(*ap, unsigned long);
	case 2: return va_arg(*ap, unsigned long long);
	default: return va_arg(*ap, size_t);
	}
}

static int64_t arg_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->lng) {
	case 0: return va_arg(*ap, int);
	case 1: return va_arg(*ap, long);
	case 2: return va_arg(*ap, long long);
	default: return (int64_t)va_arg(*ap, size_t);
	}
}

/* Parse flags, width, precision and length at *fmt; advance past them. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){.prec = -1};
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else if (*f == '#')
			sp->alt = true;
		else if (*f != ' ' && *f != '+')
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	if (*f == '.') {
		sp->prec = 0;
		if (*++f == '*') {
			sp->prec = va_arg(*ap, int);
			f++;
		}
		while (*f >= '0' && *f <= '9')
			sp->prec = sp->prec * 10 + (*f++ - '0');
	}
	for (; *f == 'l' || *f == 'z'; f++)
		sp->lng = *f == 'z' ? 3 : sp->lng + 1;
	return f;
}

/* Format one conversion `c`. */
static void fmt_one(struct sink *s, const struct spec *sp, char c, va_list *ap)
{
	const char *str;
	int64_t sv;
	char ch;

	switch (c) {
	case 'd':
	case 'i':
		sv = arg_signed(sp, ap);
		fmt_number(s, sp, sv < 0 ? (uint64_t)0 - (uint64_t)sv : (uint64_t)sv,
			   10, false, sv < 0 ? "-" : "");
		break;
	case 'u':
		fmt_number(s, sp, arg_unsigned(sp, ap), 10, false, "");
		break;
	case 'x':
	case 'X':
		fmt_number(s, sp, arg_unsigned(sp, ap), 16, c == 'X',
			   sp->alt ? "0x" : "");
		break;
	case 'p':
		fmt_number(s, sp, (uint64_t)(uintptr_t)va_arg(*ap, void *), 16,
			   false, "0x");
		break;
	case 's':
		str = va_arg(*ap, const char *);
		if (!str)
			str = "(null)";
		sink_field(s, sp, str, (int)(sp->prec >= 0 ? strnlen(str, (size_t)sp->prec)
							   : strlen(str)));
		break;
	case 'c':
		ch = (char)va_arg(*ap, int);
		sink_field(s, sp, &ch, 1);
		break;
	default:
		ch = c;
		s->put(s, "%", 1);
		if (c)
			s->put(s, &ch, 1);
	}
}

/* Run the formatter over `fmt`, writing through `s`. Returns the length produced. */
static int format(struct sink *s, const char *fmt, va_list ap)
{
	va_list aq;
	struct spec sp;
	const char *lit;

	va_copy(aq, ap);
	while (*fmt) {
		for (lit = fmt; *fmt && *fmt != '%'; fmt++)
			;
		if (fmt > lit)
			s->put(s, lit, (size_t)(fmt - lit));
		if (!*fmt)
			break;
		if (fmt[1] == '%') {
			s->put(s, "%", 1);
			fmt += 2;
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &aq);
		fmt_one(s, &sp, *fmt, &aq);
		if (*fmt)
			fmt++;
	}
	va_end(aq);
	return (int)s->len;
}

static void put_console(struct sink *s, const char *p, size_t n)
{
	console_write(p, n);
	s->len += n;
}

static void put_buffer(struct sink *s, const char *p, size_t n)
{
	size_t used = s->size ? MIN(s->len, s->size - 1) : 0;
	size_t room = s->size ? s->size - 1 - used : 0;

	if (room)
		memcpy(s->buf + used, p, MIN(n, room));
	s->len += n;
}

int kvprintf(const char *fmt, va_list ap)
{
	struct sink s = {.put = put_console};

	return format(&s, fmt, ap);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = {.put = put_buffer, .buf = buf, .size = size};
	int n = format(&s, fmt, ap);

	if (size)
		buf[MIN(s.len, size - 1)] = '\0';
	return n;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
