/*
 * Helpers for the file programs: errno names for the file calls, and a
 * unique scratch path under a directory (the pid makes it unique on the
 * host, where programs may run side by side; the name is never printed).
 */
#ifndef FILES_H
#define FILES_H

#include "prog.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

/* The symbolic name of the errnos file calls give. */
static inline const char *files_errname(int e)
{
	switch (e) {
	case 0: return "OK";
	case ENOENT: return "ENOENT";
	case ENOTDIR: return "ENOTDIR";
	case EISDIR: return "EISDIR";
	case EEXIST: return "EEXIST";
	case ENOTEMPTY: return "ENOTEMPTY";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case ELOOP: return "ELOOP";
	case EMFILE: return "EMFILE";
	case ESPIPE: return "ESPIPE";
	case ENXIO: return "ENXIO";
	case EFBIG: return "EFBIG";
	case EBUSY: return "EBUSY";
	case ERANGE: return "ERANGE";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENODEV: return "ENODEV";
	case EXDEV: return "EXDEV";
	case ENOSPC: return "ENOSPC";
	case ENOEXEC: return "ENOEXEC";
	case E2BIG: return "E2BIG";
	default: return prog_errname(e);
	}
}

/* Print "what: <errno name>" (or the value, when `show` and it succeeded). */
#define FR(what, call)                                                        \
	do {                                                                  \
		errno = 0;                                                    \
		long r_ = (long)(call);                                       \
		printf("%s: %s\n", what, r_ < 0 ? files_errname(errno) : "OK"); \
	} while (0)

#define FV(what, call)                                                        \
	do {                                                                  \
		errno = 0;                                                    \
		long r_ = (long)(call);                                       \
		if (r_ < 0)                                                   \
			printf("%s: %s\n", what, files_errname(errno));       \
		else                                                          \
			printf("%s: %ld\n", what, r_);                        \
	} while (0)

/* "<dir>/bootmm_<tag>_<pid>" into buf. */
static inline void files_scratch(char *buf, size_t size, const char *dir, const char *tag)
{
	snprintf(buf, size, "%s/bootmm_%s_%d", dir, tag, (int)getpid());
}

#endif
