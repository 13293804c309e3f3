/* The kernel command line: words separated by spaces or tabs. */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include "lib/types.h"

/*
 * The next word at or after *pos: returns its start and sets *len, and
 * moves *pos past it; NULL (and *pos at the end) when no word is left.
 */
const char *cmdline_word(const char **pos, size_t *len);

#endif
