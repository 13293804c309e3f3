/*
 * cred: Linux capabilities in a process's credentials (struct proc_cred in
 * kernel/proc.h), Linux 6.12's rules in pure functions over one credential:
 * the five sets (effective, permitted, inheritable, bounding, ambient) and
 * the securebits, capset's checks, the uid-change fix-ups
 * (cap_task_fix_setuid), execve's new sets for a file without file
 * capabilities (cap_bprm_creds_from_file), and prctl's PR_CAPBSET_*,
 * PR_*_KEEPCAPS, PR_*_SECUREBITS and PR_CAP_AMBIENT.
 *
 * Every privilege check of the kernel asks cred_capable, never uid 0.
 */
#ifndef KERNEL_CRED_H
#define KERNEL_CRED_H

#include "lib/types.h"

/* The capabilities the kernel checks (Linux's numbers). */
#define CAP_CHOWN 0
#define CAP_DAC_OVERRIDE 1
#define CAP_DAC_READ_SEARCH 2
#define CAP_FOWNER 3
#define CAP_FSETID 4
#define CAP_KILL 5
#define CAP_SETGID 6
#define CAP_SETUID 7
#define CAP_SETPCAP 8
#define CAP_LINUX_IMMUTABLE 9
#define CAP_IPC_LOCK 14
#define CAP_SYS_RAWIO 17
#define CAP_SYS_PTRACE 19
#define CAP_SYS_ADMIN 21
#define CAP_SYS_RESOURCE 24
#define CAP_MKNOD 27
#define CAP_MAC_OVERRIDE 32
#define CAP_LAST_CAP 40 /* CAP_CHECKPOINT_RESTORE */
#define CAP_FULL_SET ((1ULL << (CAP_LAST_CAP + 1)) - 1)
#define CAP_BIT(cap) (1ULL << (cap))

/* securebits (linux/securebits.h) */
#define SECBIT_NOROOT (1u << 0)
#define SECBIT_NO_SETUID_FIXUP (1u << 2)
#define SECBIT_KEEP_CAPS (1u << 4)
#define SECBIT_KEEP_CAPS_LOCKED (1u << 5)
#define SECBIT_NO_CAP_AMBIENT_RAISE (1u << 6)
#define SECURE_ALL_BITS 0x55u
#define SECURE_ALL_LOCKS 0xaau

/* Credentials (setuid & co). The first process is root with every capability. */
struct proc_cred {
	uint32_t uid, euid, suid, fsuid;
	uint32_t gid, egid, sgid, fsgid;
	uint64_t cap_eff, cap_prm, cap_inh, cap_bnd, cap_amb;
	uint32_t securebits;
};

/* Root's credential: every id 0, every capability effective, permitted and bounding. */
void cred_init_root(struct proc_cred *c);

/* True when capability `cap` is in c's effective set (Linux's capable()). */
bool cred_capable(const struct proc_cred *c, int cap);

/* True when `cap` names a capability (0..CAP_LAST_CAP): cap_valid. */
bool cred_cap_valid(uint64_t cap);

/* The capabilities the address space checks: AS_CAP_IPC_LOCK, AS_CAP_SYS_RAWIO (mm/aspace.h). */
unsigned cred_as_caps(const struct proc_cred *c);

/*
 * capset(2)'s rules (cap_capset) for new sets eff, prm, inh: EPERM when
 * inh adds beyond the old inheritable and permitted sets without
 * CAP_SETPCAP, or beyond the old inheritable and bounding sets, when prm
 * adds to the old permitted set, or eff is not within prm. On success the
 * ambient set keeps only what is still permitted and inheritable.
 */
int cred_capset(struct proc_cred *c, uint64_t eff, uint64_t prm, uint64_t inh);

/*
 * The capability fix-up after a setuid-family call changed c from old
 * (cap_task_fix_setuid), unless SECBIT_NO_SETUID_FIXUP: leaving uid 0 in
 * all of real, effective and saved clears permitted and effective (not with
 * SECBIT_KEEP_CAPS) and ambient; the euid leaving 0 clears effective, and
 * coming back to 0 makes effective the permitted set. `fs_only` (setfsuid):
 * the fsuid leaving 0 drops the file-system capabilities from effective,
 * coming back raises those that are permitted.
 */
void cred_fix_setuid(struct proc_cred *c, const struct proc_cred *old, bool fs_only);

/*
 * execve of a file without file capabilities (cap_bprm_creds_from_file):
 * with euid or uid 0 (and not SECBIT_NOROOT) permitted becomes bounding |
 * inheritable, else ambient only; effective is permitted when the euid is 0,
 * else ambient. SECBIT_KEEP_CAPS is cleared.
 */
void cred_exec(struct proc_cred *c);

/*
 * The capability options of prctl(2) (cap_task_prctl) for option `op` and
 * arguments a2..a5: PR_CAPBSET_READ (0/1; EINVAL for no capability),
 * PR_CAPBSET_DROP (EPERM without CAP_SETPCAP, EINVAL), PR_GET_KEEPCAPS,
 * PR_SET_KEEPCAPS (EINVAL above 1, EPERM when locked), PR_GET_SECUREBITS,
 * PR_SET_SECUREBITS (EPERM: a locked bit, an unlock, an unknown bit, no
 * CAP_SETPCAP), PR_CAP_AMBIENT (IS_SET, RAISE: EPERM unless permitted and
 * inheritable and raising allowed, LOWER, CLEAR_ALL; EINVAL). Returns the
 * result, -errno, or -ENOSYS for an option that is not about capabilities.
 */
long cred_prctl(struct proc_cred *c, int op, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);

#endif
