/*
 * host_proc: the same process operations run against this host's Linux
 * kernel, in forked children, for differential host tests of the process
 * tree (tests/host/test_proc_tree.c). Plain integers only: the kernel's
 * headers and the host's <signal.h> do not mix.
 */
#ifndef HOST_PROC_H
#define HOST_PROC_H

#include <stddef.h>
#include <stdint.h>

/*
 * One credential call: Linux x86-64 number and up to three id arguments.
 * Two are not plain: capset (HOST_NR_CAPSET) takes the low 32 capabilities
 * of the effective, permitted and inheritable sets in a, b, c (the upper
 * ones stay as they are, read by capget first), and prctl (HOST_NR_PRCTL)
 * takes option, arg2, arg3 (arg4 and arg5 0).
 */
struct host_cred_op {
	long nr;
	uint32_t a, b, c;
};

#define HOST_NR_CAPSET 126
#define HOST_NR_PRCTL 157

/* What one call returned (value or -errno), every id and the capabilities after it. */
struct host_cred_res {
	long ret;
	uint32_t uid, euid, suid, fsuid;
	uint32_t gid, egid, sgid, fsgid;
	uint64_t cap_eff, cap_prm, cap_inh, cap_bnd, cap_amb;
	uint32_t securebits;
};

/* This process's ids and capabilities (the sequences' starting point), as after a call. */
void host_cred_now(struct host_cred_res *res);

/*
 * Run ops[0..n) in order in a forked child of this (root) process, with
 * the raw syscalls; res[i] what call i returned and the ids after it
 * (fsuid and fsgid read with setfsuid(-1)/setfsgid(-1), which change
 * nothing). 0, or -1 when the child could not run.
 */
int host_cred_run(const struct host_cred_op *ops, size_t n, struct host_cred_res *res);

/* Credentials of a process in host_kill_run: real, effective, saved uid. */
struct host_kill_who {
	uint32_t uid, euid, suid;
	int own_session; /* targets only: setsid() first */
};

/*
 * For every sender s, target t and signal k: what kill(t, sigs[k]) returns
 * (0 or -errno) when sent by a process with senders[s]'s uids (in this
 * process's session) to a live process with targets[t]'s (sigs: 0 or
 * SIGCONT only: nothing dies). out[(s * nt + t) * nk + k]. 0 or -1.
 */
int host_kill_run(const struct host_kill_who *senders, size_t ns,
		  const struct host_kill_who *targets, size_t nt, const int *sigs, size_t nk,
		  long *out);

/* Where glibc's siginfo_t keeps si_pid, si_uid and si_status (SIGCHLD), and its size. */
void host_siginfo_layout(size_t *pid, size_t *uid, size_t *status, size_t *size);

#endif
