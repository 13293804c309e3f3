/* Capabilities: capget/capset with the three header versions (probing writes the preferred one back), capset's EPERM rules, prctl's bounding set, keepcaps, securebits and ambient set, the sets after setuid & co, and after execve as root, as a non-root user and with ambient capabilities. It starts by dropping CAP_SYS_RESOURCE, which a container's root may lack, so the sets printed are the same everywhere. */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "proc.h"

#define V1 0x19980330u
#define V2 0x20071026u
#define V3 0x20080522u
#define CAP_CHOWN 0
#define CAP_KILL 5
#define CAP_SETGID 6
#define CAP_SETUID 7
#define CAP_SETPCAP 8
#define CAP_IPC_LOCK 14
#define CAP_SYS_RESOURCE 24
#define BIT(c) (1ULL << (c))
#define SECBIT_KEEP_CAPS (1u << 4)
#define SECBIT_KEEP_CAPS_LOCKED (1u << 5)

struct sets {
	unsigned long long eff, prm, inh;
};

/* capget v3 of pid: the three sets; -1 and errno on error. */
static int get_sets(int pid, struct sets *s)
{
	uint32_t hdr[2] = { V3, (uint32_t)pid }, d[6] = { 0 };

	if (syscall(SYS_capget, hdr, d))
		return -1;
	s->eff = d[0] | (unsigned long long)d[3] << 32;
	s->prm = d[1] | (unsigned long long)d[4] << 32;
	s->inh = d[2] | (unsigned long long)d[5] << 32;
	return 0;
}

/* capset v3 of the caller. */
static long set_sets(unsigned long long eff, unsigned long long prm, unsigned long long inh)
{
	uint32_t hdr[2] = { V3, 0 };
	uint32_t d[6] = { (uint32_t)eff, (uint32_t)prm, (uint32_t)inh,
			  (uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32) };

	return syscall(SYS_capset, hdr, d);
}

/* The bounding and ambient sets, read one capability at a time. */
static void bnd_amb(unsigned long long *bnd, unsigned long long *amb)
{
	*bnd = *amb = 0;
	for (int c = 0; c < 64; c++) {
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			*bnd |= BIT(c);
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) == 1)
			*amb |= BIT(c);
	}
}

/* One line with every set and the securebits. */
static void show(const char *what)
{
	struct sets s;
	unsigned long long bnd, amb;

	CHECK(get_sets(0, &s) == 0);
	bnd_amb(&bnd, &amb);
	printf("%s: eff %llx prm %llx inh %llx bnd %llx amb %llx secbits %x\n", what, s.eff,
	       s.prm, s.inh, bnd, amb, (unsigned)prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
}

/* Drop CAP_SYS_RESOURCE everywhere (a container's root may not have it). */
static void normalise(void)
{
	struct sets s;

	prctl(PR_CAPBSET_DROP, CAP_SYS_RESOURCE, 0, 0, 0);
	if (get_sets(0, &s) == 0)
		set_sets(s.eff & ~BIT(CAP_SYS_RESOURCE), s.prm & ~BIT(CAP_SYS_RESOURCE), s.inh);
}

/* The header versions: probing, v1's one word per set, v2/v3's two, and the pid errors. */
static void versions(void)
{
	uint32_t hdr[2] = { 0x12345678u, 0 }, d[6];

	PROC_ERRNO(0, syscall(SYS_capget, hdr, NULL));
	printf("probe wrote back: %x\n", hdr[0]);
	hdr[0] = 0x12345678u;
	PROC_ERRNO(EINVAL, syscall(SYS_capget, hdr, d));
	printf("and again: %x\n", hdr[0]);
	hdr[0] = 0;
	PROC_ERRNO(EINVAL, syscall(SYS_capset, hdr, d));
	memset(d, 0xee, sizeof(d));
	hdr[0] = V1;
	PROC_ERRNO(0, syscall(SYS_capget, hdr, d));
	printf("v1: %x %x %x, untouched %x\n", d[0], d[1], d[2], d[3]);
	hdr[0] = V2;
	PROC_ERRNO(0, syscall(SYS_capget, hdr, d));
	printf("v2: %x %x %x %x %x %x\n", d[0], d[1], d[2], d[3], d[4], d[5]);
	hdr[0] = V3, hdr[1] = (uint32_t)-1;
	PROC_ERRNO(EINVAL, syscall(SYS_capget, hdr, d));
	hdr[1] = 999999999;
	PROC_ERRNO(ESRCH, syscall(SYS_capget, hdr, d));
	PROC_ERRNO(EPERM, syscall(SYS_capset, hdr, d));
	hdr[1] = (uint32_t)getpid();
	PROC_ERRNO(0, syscall(SYS_capget, hdr, d));
	PROC_ERRNO(EFAULT, syscall(SYS_capget, hdr, (void *)8));
	PROC_ERRNO(EFAULT, syscall(SYS_capset, (void *)8, d));
}

/* capset's rules, in a child: no new permitted bits, effective within permitted, inheritable within inheritable|permitted and bounding. */
static __attribute__((noreturn)) void capset_rules(void)
{
	struct sets s;
	unsigned long long prm;

	prog_failed = 0;
	CHECK(get_sets(0, &s) == 0);
	prm = s.prm & ~BIT(CAP_KILL);
	PROC_ERRNO(0, set_sets(s.eff & ~BIT(CAP_KILL), prm, BIT(CAP_CHOWN)));
	show("dropped CAP_KILL, inheritable CHOWN");
	PROC_ERRNO(EPERM, set_sets(s.eff, s.prm, 0));
	PROC_ERRNO(EPERM, set_sets(prm, prm & ~BIT(CAP_CHOWN), 0));
	PROC_ERRNO(0, prctl(PR_CAPBSET_DROP, CAP_IPC_LOCK, 0, 0, 0));
	prm &= ~(BIT(CAP_IPC_LOCK) | BIT(CAP_SETGID));
	PROC_ERRNO(EPERM, set_sets(0, prm, BIT(CAP_CHOWN) | BIT(CAP_IPC_LOCK)));
	PROC_ERRNO(0, set_sets(0, prm, BIT(CAP_CHOWN) | BIT(CAP_KILL)));
	show("effective empty; KILL inheritable, not permitted (CAP_SETPCAP was effective)");
	PROC_ERRNO(EPERM, prctl(PR_CAPBSET_DROP, CAP_CHOWN, 0, 0, 0));
	PROC_ERRNO(EPERM, prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS, 0, 0, 0));
	PROC_ERRNO(EPERM, set_sets(0, prm, BIT(CAP_CHOWN) | BIT(CAP_SETGID)));
	PROC_ERRNO(0, set_sets(0, prm, BIT(CAP_CHOWN) | BIT(CAP_SETUID)));
	PROC_ERRNO(0, set_sets(BIT(CAP_SETUID), BIT(CAP_SETUID) | BIT(CAP_CHOWN), BIT(CAP_CHOWN)));
	show("permitted SETUID and CHOWN");
	PROC_ERRNO(0, set_sets(0, BIT(CAP_SETUID) | BIT(CAP_CHOWN), BIT(CAP_SETUID)));
	PROC_ERRNO(EPERM, set_sets(BIT(CAP_KILL), BIT(CAP_SETUID), 0));
	PROC_ERRNO(0, set_sets(0, 0, 0));
	show("nothing");
	proc_exit(prog_failed);
}

/* prctl's bounding-set, keepcaps, securebits and ambient options. */
static __attribute__((noreturn)) void prctl_options(void)
{
	struct sets s;

	prog_failed = 0;
	PROC_ERRNO(0, prctl(PR_CAPBSET_READ, 40, 0, 0, 0));
	PROC_ERRNO(EINVAL, prctl(PR_CAPBSET_READ, 41, 0, 0, 0));
	PROC_ERRNO(EINVAL, prctl(PR_CAPBSET_READ, -1L, 0, 0, 0));
	printf("PR_CAPBSET_READ(CHOWN): %d\n", prctl(PR_CAPBSET_READ, CAP_CHOWN, 0, 0, 0));
	PROC_ERRNO(EINVAL, prctl(PR_CAPBSET_DROP, 41, 0, 0, 0));
	PROC_ERRNO(0, prctl(PR_CAPBSET_DROP, CAP_KILL, 0, 0, 0));
	printf("PR_CAPBSET_READ(KILL): %d\n", prctl(PR_CAPBSET_READ, CAP_KILL, 0, 0, 0));
	printf("PR_GET_KEEPCAPS: %d\n", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
	PROC_ERRNO(EINVAL, prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0));
	PROC_ERRNO(0, prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
	printf("PR_GET_KEEPCAPS: %d\n", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
	PROC_ERRNO(EPERM, prctl(PR_SET_SECUREBITS, 0x1000, 0, 0, 0));
	PROC_ERRNO(0, prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0));
	PROC_ERRNO(EPERM, prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0));
	PROC_ERRNO(EPERM, prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0));
	PROC_ERRNO(EPERM, prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0));
	CHECK(get_sets(0, &s) == 0);
	PROC_ERRNO(0, set_sets(s.eff, s.prm, BIT(CAP_CHOWN) | BIT(CAP_SETUID)));
	PROC_ERRNO(0, prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0));
	PROC_ERRNO(0, prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SETUID, 0, 0));
	PROC_ERRNO(EINVAL, prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, 41, 0, 0));
	PROC_ERRNO(EINVAL, prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 1, 0));
	PROC_ERRNO(EINVAL, prctl(PR_CAP_AMBIENT, 9, CAP_CHOWN, 0, 0));
	PROC_ERRNO(EINVAL, prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 1, 0, 0));
	show("ambient CHOWN and SETUID");
	PROC_ERRNO(0, set_sets(s.eff, s.prm, BIT(CAP_CHOWN)));
	show("inheritable SETUID gone: so is its ambient bit");
	PROC_ERRNO(0, prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_CHOWN, 0, 0));
	printf("IS_SET(CHOWN): %d\n", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0));
	PROC_ERRNO(0, prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0));
	proc_exit(prog_failed);
}

/* The sets after the uid calls: leaving root, keepcaps, the euid alone, the fsuid. */
static __attribute__((noreturn)) void uid_rules(int step)
{
	prog_failed = 0;
	switch (step) {
	case 0:
		PROC_ERRNO(0, setresuid(1000, 1000, 1000));
		show("setresuid(1000, 1000, 1000)");
		PROC_ERRNO(EPERM, setuid(0));
		break;
	case 1:
		PROC_ERRNO(0, prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
		PROC_ERRNO(0, setresuid(1000, 1000, 1000));
		show("keepcaps, setresuid(1000, 1000, 1000)");
		PROC_ERRNO(0, syscall(SYS_setresuid, -1, -1, -1));
		break;
	case 2:
		PROC_ERRNO(0, seteuid(1000));
		show("seteuid(1000)");
		PROC_ERRNO(0, seteuid(0));
		show("seteuid(0)");
		PROC_ERRNO(0, syscall(SYS_setfsuid, 1000));
		show("setfsuid(1000)");
		PROC_ERRNO(0, syscall(SYS_setfsuid, 0));
		show("setfsuid(0)");
		break;
	default:
		PROC_ERRNO(0, setresgid(5, 5, 5));
		PROC_ERRNO(0, setresuid(0, 1000, 0));
		show("setresgid(5, 5, 5), setresuid(0, 1000, 0)");
		PROC_ERRNO(EPERM, setresgid(6, 6, 6));
		PROC_ERRNO(EPERM, setgid(7));
		break;
	}
	proc_exit(prog_failed);
}

/* execve of this program again with one word: the new image prints its sets. */
static void exec_self(const char *word)
{
	char *argv[] = { "caps_sets", (char *)word, NULL };

	fflush(stdout);
	execv("/proc/self/exe", argv);
	printf("execv: %s\n", prog_errname(errno));
	proc_exit(1);
}

/* execve's new sets, in children: root, a plain user, a user with ambient capabilities, ruid 0 only. */
static __attribute__((noreturn)) void exec_rules(int step)
{
	struct sets s;

	switch (step) {
	case 0:
		set_sets(0, BIT(CAP_CHOWN) | BIT(CAP_SETUID) | BIT(CAP_SETPCAP), BIT(CAP_CHOWN));
		exec_self("root: permitted = bounding | inheritable");
		break;
	case 1:
		setresuid(1000, 1000, 1000);
		exec_self("user: nothing");
		break;
	case 2:
		get_sets(0, &s);
		set_sets(s.eff, s.prm, BIT(CAP_CHOWN) | BIT(CAP_SETUID));
		prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
		setresuid(1000, 1000, 1000);
		get_sets(0, &s);
		set_sets(s.prm, s.prm, s.inh);
		prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0);
		exec_self("user with ambient CHOWN, keepcaps cleared");
		break;
	default:
		setresuid(0, 1000, 1000);
		exec_self("ruid 0 euid 1000: permitted, nothing effective");
		break;
	}
	proc_exit(1);
}

/* Run body(step) in a child and say whether its checks held. */
static void in_child(const char *what, void (*body)(int), int step)
{
	pid_t pid = proc_fork();

	if (pid == 0)
		body(step);
	printf("%s (%d): status %d\n", what, step, proc_status(pid));
}

static void capset_body(int step)
{
	(void)step;
	capset_rules();
}

static void prctl_body(int step)
{
	(void)step;
	prctl_options();
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		show(argv[1]);
		printf("PR_GET_KEEPCAPS: %d\n", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
		return prog_failed;
	}
	normalise();
	show("start");
	versions();
	in_child("capset rules", capset_body, 0);
	in_child("prctl options", prctl_body, 0);
	for (int i = 0; i < 4; i++)
		in_child("uid rules", uid_rules, i);
	for (int i = 0; i < 4; i++)
		in_child("exec rules", exec_rules, i);
	return prog_failed;
}
