/* Splitting the kernel command line into words. See include/kernel/cmdline.h. */
#include "kernel/cmdline.h"

/* True for the characters that separate words. */
static bool cmdline_space(char c)
{
	return c == ' ' || c == '\t';
}

const char *cmdline_word(const char **pos, size_t *len)
{
	const char *p = *pos, *w;

	while (cmdline_space(*p))
		p++;
	if (!*p) {
		*pos = p;
		return NULL;
	}
	w = p;
	while (*p && !cmdline_space(*p))
		p++;
	*pos = p;
	*len = (size_t)(p - w);
	return w;
}
