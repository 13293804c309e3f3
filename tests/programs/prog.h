/*
 * Helpers shared by the scenario programs. A program prints one line per
 * fact it checks ("name: value"), never an address or a time, so that its
 * output is the same in the image and on the Linux host, and exits 1 when
 * a check failed (after printing every line).
 */
#ifndef PROG_H
#define PROG_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096UL

static int prog_failed __attribute__((unused));

/* The symbolic name of an errno value (the ones the memory calls give). */
static inline const char *prog_errname(int e)
{
	switch (e) {
	case 0: return "OK";
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	case EFAULT: return "EFAULT";
	case EEXIST: return "EEXIST";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case EBADF: return "EBADF";
	case ENOSYS: return "ENOSYS";
	case ENOTTY: return "ENOTTY";
	case EAGAIN: return "EAGAIN";
	case ENOSPC: return "ENOSPC";
	case ESRCH: return "ESRCH";
	case ENODEV: return "ENODEV";
	case ENOENT: return "ENOENT";
	default: return "E?";
	}
}

/* Print "what: <errno name>" for a call that returned rc (-1 and errno on error). */
static inline void prog_result(const char *what, long rc)
{
	printf("%s: %s\n", what, prog_errname(rc == -1 ? errno : 0));
}

/* Check a condition; print it either way. */
#define CHECK(cond)                                                      \
	do {                                                             \
		int ok_ = !!(cond);                                      \
		printf("%s: %s\n", #cond, ok_ ? "yes" : "NO");           \
		if (!ok_)                                                \
			prog_failed = 1;                                 \
	} while (0)

/* Check that `call` (returning -1/MAP_FAILED and errno on error) ends with errno `want` (0: success). */
#define EXPECT_ERRNO(want, call)                                         \
	do {                                                             \
		errno = 0;                                               \
		long rc_ = (long)(call);                                 \
		int got_ = rc_ == -1 ? errno : 0;                        \
		printf("%s: %s\n", #call, prog_errname(got_));           \
		if (got_ != (want))                                      \
			prog_failed = 1;                                 \
	} while (0)

/* mmap of anonymous private memory; MAP_FAILED on error. */
static inline char *prog_map(void *addr, size_t len, int prot, int extra)
{
	return mmap(addr, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | extra, -1, 0);
}

/* The /proc/self/pagemap entry of the page at p; ~0 when it cannot be read. */
static inline uint64_t prog_pagemap(const void *p)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	uint64_t e = 0;

	if (fd < 0 || pread(fd, &e, sizeof(e), (uintptr_t)p / PG * sizeof(e)) != sizeof(e))
		e = ~0ULL;
	close(fd);
	return e;
}

/* n read-write pages between two PROT_NONE ones (so no neighbour merges with them). */
static inline char *prog_map_fenced(size_t n)
{
	char *f = prog_map(NULL, (n + 2) * PG, PROT_NONE, 0);

	mprotect(f + PG, n * PG, PROT_READ | PROT_WRITE);
	return f + PG;
}

/*
 * Probing pages: prog_readable/prog_writable try an access under a SIGSEGV
 * handler and report whether it faulted (and the si_code of the fault).
 */
static sigjmp_buf prog_jmp __attribute__((unused));
static volatile int prog_last_code __attribute__((unused));
static volatile uintptr_t prog_last_addr __attribute__((unused));

static __attribute__((unused)) void prog_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	prog_last_code = si->si_code;
	prog_last_addr = (uintptr_t)si->si_addr;
	siglongjmp(prog_jmp, 1);
}

static inline void prog_catch_segv(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = prog_segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

/* True when a byte read at p works (needs prog_catch_segv). */
static inline int prog_readable(const volatile char *p)
{
	if (sigsetjmp(prog_jmp, 1))
		return 0;
	(void)*p;
	return 1;
}

/* True when a byte write at p works (writes the byte it read back). */
static inline int prog_writable(volatile char *p)
{
	if (sigsetjmp(prog_jmp, 1))
		return 0;
	*p = *p;
	return 1;
}

/* Resident pages among the n (at most 64) from p, by mincore; -1 when it fails. */
static inline int prog_resident(const char *p, int n)
{
	unsigned char v[64];
	int c = 0;

	if (mincore((void *)p, (size_t)n * PG, v) != 0)
		return -1;
	for (int i = 0; i < n; i++)
		c += v[i] & 1;
	return c;
}

/*
 * The number after `name` (with its colon: "Threads:") in /proc/self/status,
 * from one read(2) and no malloc; -1 when the file or the line is missing.
 */
static inline long prog_status_number(const char *name)
{
	char buf[4096], *at;
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	at = strstr(buf, name);
	return at ? strtol(at + strlen(name), NULL, 10) : -1;
}

/* The exit status: 0 when every check held. */
static inline int prog_done(void)
{
	printf("%s\n", prog_failed ? "FAILED" : "done");
	return prog_failed;
}

#endif
