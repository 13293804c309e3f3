/*
 * Linux capabilities in a process's credentials: include/kernel/cred.h.
 * The rules are Linux 6.12's security/commoncap.c, kernel/capability.c.
 */
#include "kernel/cred.h"
#include "lib/errno.h"
#include "mm/aspace.h"

#define PR_GET_KEEPCAPS 7
#define PR_SET_KEEPCAPS 8
#define PR_CAPBSET_READ 23
#define PR_CAPBSET_DROP 24
#define PR_GET_SECUREBITS 27
#define PR_SET_SECUREBITS 28
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_IS_SET 1
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_LOWER 3
#define PR_CAP_AMBIENT_CLEAR_ALL 4

/* The capabilities that follow the fsuid (CAP_FS_MASK). */
#define CRED_FS_MASK (CAP_BIT(CAP_CHOWN) | CAP_BIT(CAP_MKNOD) | CAP_BIT(CAP_DAC_OVERRIDE) | \
		      CAP_BIT(CAP_DAC_READ_SEARCH) | CAP_BIT(CAP_FOWNER) |                   \
		      CAP_BIT(CAP_FSETID) | CAP_BIT(CAP_LINUX_IMMUTABLE) |                   \
		      CAP_BIT(CAP_MAC_OVERRIDE))

/* True when every capability of a is in b. */
static bool cred_subset(uint64_t a, uint64_t b)
{
	return (a & ~b) == 0;
}

void cred_init_root(struct proc_cred *c)
{
	*c = (struct proc_cred){ .cap_eff = CAP_FULL_SET, .cap_prm = CAP_FULL_SET,
				 .cap_bnd = CAP_FULL_SET };
}

bool cred_capable(const struct proc_cred *c, int cap)
{
	return (c->cap_eff & CAP_BIT(cap)) != 0;
}

bool cred_cap_valid(uint64_t cap)
{
	return cap <= CAP_LAST_CAP;
}

unsigned cred_as_caps(const struct proc_cred *c)
{
	return (cred_capable(c, CAP_IPC_LOCK) ? AS_CAP_IPC_LOCK : 0) |
	       (cred_capable(c, CAP_SYS_RAWIO) ? AS_CAP_SYS_RAWIO : 0);
}

int cred_capset(struct proc_cred *c, uint64_t eff, uint64_t prm, uint64_t inh)
{
	if (!cred_capable(c, CAP_SETPCAP) && !cred_subset(inh, c->cap_inh | c->cap_prm))
		return -EPERM;
	if (!cred_subset(inh, c->cap_inh | c->cap_bnd))
		return -EPERM;
	if (!cred_subset(prm, c->cap_prm))
		return -EPERM;
	if (!cred_subset(eff, prm))
		return -EPERM;
	c->cap_eff = eff;
	c->cap_prm = prm;
	c->cap_inh = inh;
	c->cap_amb &= prm & inh;
	return 0;
}

/* cap_emulate_setxuid: the real, effective and saved uids changed from old's. */
static void cred_fix_xuid(struct proc_cred *c, const struct proc_cred *old)
{
	bool was_root = !old->uid || !old->euid || !old->suid;

	if (was_root && c->uid && c->euid && c->suid) {
		if (!(old->securebits & SECBIT_KEEP_CAPS))
			c->cap_prm = c->cap_eff = 0;
		c->cap_amb = 0;
	}
	if (!old->euid && c->euid)
		c->cap_eff = 0;
	if (old->euid && !c->euid)
		c->cap_eff = c->cap_prm;
}

void cred_fix_setuid(struct proc_cred *c, const struct proc_cred *old, bool fs_only)
{
	if (old->securebits & SECBIT_NO_SETUID_FIXUP)
		return;
	if (!fs_only) {
		cred_fix_xuid(c, old);
		return;
	}
	if (!old->fsuid && c->fsuid)
		c->cap_eff &= ~CRED_FS_MASK;
	if (old->fsuid && !c->fsuid)
		c->cap_eff |= c->cap_prm & CRED_FS_MASK;
}

void cred_exec(struct proc_cred *c)
{
	bool root = !(c->securebits & SECBIT_NOROOT) && (!c->euid || !c->uid);

	c->cap_prm = root ? c->cap_bnd | c->cap_inh : 0;
	c->cap_prm |= c->cap_amb;
	c->cap_eff = root && !c->euid ? c->cap_prm : c->cap_amb;
	c->securebits &= ~SECBIT_KEEP_CAPS;
}

/* PR_SET_SECUREBITS: no locked bit changed, no lock undone, no unknown bit, CAP_SETPCAP. */
static long cred_set_securebits(struct proc_cred *c, uint64_t bits)
{
	uint64_t old = c->securebits;

	if ((((old & SECURE_ALL_LOCKS) >> 1) & (old ^ bits)) || (old & SECURE_ALL_LOCKS & ~bits) ||
	    (bits & ~(uint64_t)(SECURE_ALL_LOCKS | SECURE_ALL_BITS)) ||
	    !cred_capable(c, CAP_SETPCAP))
		return -EPERM;
	c->securebits = (uint32_t)bits;
	return 0;
}

/* PR_CAP_AMBIENT (arg2 the operation, arg3 the capability). */
static long cred_ambient(struct proc_cred *c, uint64_t op, uint64_t cap, uint64_t a4, uint64_t a5)
{
	if (op == PR_CAP_AMBIENT_CLEAR_ALL) {
		if (cap || a4 || a5)
			return -EINVAL;
		c->cap_amb = 0;
		return 0;
	}
	if (!cred_cap_valid(cap) || a4 || a5)
		return -EINVAL;
	if (op == PR_CAP_AMBIENT_IS_SET)
		return (c->cap_amb & CAP_BIT(cap)) != 0;
	if (op == PR_CAP_AMBIENT_LOWER) {
		c->cap_amb &= ~CAP_BIT(cap);
		return 0;
	}
	if (op != PR_CAP_AMBIENT_RAISE)
		return -EINVAL;
	if (!(c->cap_prm & c->cap_inh & CAP_BIT(cap)) ||
	    (c->securebits & SECBIT_NO_CAP_AMBIENT_RAISE))
		return -EPERM;
	c->cap_amb |= CAP_BIT(cap);
	return 0;
}

long cred_prctl(struct proc_cred *c, int op, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	switch (op) {
	case PR_CAPBSET_READ:
		return cred_cap_valid(a2) ? (c->cap_bnd & CAP_BIT(a2)) != 0 : -EINVAL;
	case PR_CAPBSET_DROP:
		if (!cred_capable(c, CAP_SETPCAP))
			return -EPERM;
		if (!cred_cap_valid(a2))
			return -EINVAL;
		c->cap_bnd &= ~CAP_BIT(a2);
		return 0;
	case PR_GET_SECUREBITS:
		return c->securebits;
	case PR_SET_SECUREBITS:
		return cred_set_securebits(c, a2);
	case PR_GET_KEEPCAPS:
		return (c->securebits & SECBIT_KEEP_CAPS) != 0;
	case PR_SET_KEEPCAPS:
		if (a2 > 1)
			return -EINVAL;
		if (c->securebits & SECBIT_KEEP_CAPS_LOCKED)
			return -EPERM;
		c->securebits = a2 ? c->securebits | SECBIT_KEEP_CAPS :
				     c->securebits & ~SECBIT_KEEP_CAPS;
		return 0;
	case PR_CAP_AMBIENT:
		return cred_ambient(c, a2, a3, a4, a5);
	default:
		return -ENOSYS;
	}
}
