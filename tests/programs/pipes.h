/*
 * Helpers for the pipe and socket programs: errno names for their calls,
 * a SIGPIPE counter, and the poll bits of an fd as names.
 */
#ifndef PIPES_H
#define PIPES_H

#include "files.h"
#include <poll.h>

static volatile int pipes_sigpipes, pipes_sigpipe_code;

static inline const char *pipes_errname(int e)
{
	switch (e) {
	case EPIPE: return "EPIPE";
	case ENOPKG: return "ENOPKG";
	case ENOTSOCK: return "ENOTSOCK";
	case EMSGSIZE: return "EMSGSIZE";
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
	case EISCONN: return "EISCONN";
	case ENOTCONN: return "ENOTCONN";
	case EINTR: return "EINTR";
	case ECONNREFUSED: return "ECONNREFUSED";
	default: return files_errname(e);
	}
}

/* Print "what: <errno name>" or "what: <value>". */
#define PV(what, call)                                                        \
	do {                                                                  \
		errno = 0;                                                    \
		long r_ = (long)(call);                                       \
		if (r_ < 0)                                                   \
			printf("%s: %s\n", what, pipes_errname(errno));       \
		else                                                          \
			printf("%s: %ld\n", what, r_);                        \
	} while (0)

static void pipes_on_sigpipe(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	pipes_sigpipes++;
	pipes_sigpipe_code = si->si_code;
}

/* Count SIGPIPEs in pipes_sigpipes. */
static inline void pipes_catch_sigpipe(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = pipes_on_sigpipe;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGPIPE, &sa, NULL);
}

/* Print the revents poll gives fd for `events` at once, as names. */
static inline void pipes_poll(const char *what, int fd, short events)
{
	struct pollfd p = { fd, events, 0 };
	int n = poll(&p, 1, 0);

	printf("%s: n=%d%s%s%s%s%s%s\n", what, n, p.revents & POLLIN ? " IN" : "",
	       p.revents & POLLOUT ? " OUT" : "", p.revents & POLLERR ? " ERR" : "",
	       p.revents & POLLHUP ? " HUP" : "", p.revents & POLLRDHUP ? " RDHUP" : "",
	       p.revents & POLLNVAL ? " NVAL" : "");
}

#endif
