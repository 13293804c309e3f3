/* Process groups and sessions (setpgid/getpgid/getpgrp/setsid/getsid and their EPERM/ESRCH/EINVAL), then credentials: setuid/setgid/setresuid/setresgid/getresuid as root, EPERM once unprivileged, kill of a root process EPERM. Everything runs in children: whether the first process leads a group or a session depends on who started it. */
#include "proc.h"

#define NO_PID 999999999	/* above PID_MAX_LIMIT: no such process anywhere */

/* A new session: the caller leads it and its group; a leader cannot setsid or move groups. */
static __attribute__((noreturn)) void session_child(void)
{
	pid_t me = getpid(), leader, g;

	prog_failed = 0;	/* its exit status says whether its own checks held */
	REPORT("child: not a group leader before setsid", getpgrp() != me);
	CHECK(setsid() == me);
	REPORT("getsid(0) == getpid()", getsid(0) == me);
	REPORT("getpgrp() == getpid() == getpgid(0)", getpgrp() == me && getpgid(0) == me);
	PROC_ERRNO(EPERM, setsid());
	PROC_ERRNO(EPERM, setpgid(0, 0));
	leader = me;
	g = proc_fork();
	if (g == 0) {
		pid_t gme = getpid();

		prog_failed = 0;
		REPORT("grandchild: in its parent's session and group",
		       getsid(0) == leader && getpgrp() == leader);
		CHECK(setpgid(0, 0) == 0);
		REPORT("grandchild: leads its own group now", getpgid(0) == gme);
		PROC_ERRNO(EPERM, setsid());
		CHECK(setpgid(0, leader) == 0);
		REPORT("grandchild: back in the leader's group", getpgrp() == leader);
		proc_exit(prog_failed);
	}
	REPORT("grandchild checks held", proc_status(g) == 0);
	proc_exit(prog_failed);
}

/* Ids of the caller, the errnos of missing processes, a session child, and setpgid on a child (EPERM once it has its own session). */
static void groups_sessions(void)
{
	pid_t pid, me = getpid();
	int go[2] = { -1, -1 }, back[2] = { -1, -1 };

	CHECK(getpgrp() == getpgid(0) && getpgid(0) == getpgid(me));
	CHECK(getsid(0) == getsid(me));
	PROC_ERRNO(ESRCH, getpgid(NO_PID));
	PROC_ERRNO(ESRCH, getsid(NO_PID));
	PROC_ERRNO(ESRCH, setpgid(NO_PID, 0));
	PROC_ERRNO(EINVAL, setpgid(0, -1));
	pid = proc_fork();
	if (pid == 0)
		session_child();
	REPORT("session child's checks held", proc_status(pid) == 0);

	CHECK(pipe(go) == 0 && pipe(back) == 0);
	pid = proc_fork();
	if (pid == 0) {
		proc_await(go[0]);
		if (setsid() < 0)
			_exit(1);
		proc_signal(back[1]);
		proc_await(go[0]);
		_exit(0);
	}
	PROC_ERRNO(0, setpgid(pid, pid));
	REPORT("parent put the child in a group of its own", getpgid(pid) == pid);
	PROC_ERRNO(0, setpgid(pid, getpgrp()));
	REPORT("and back into the parent's", getpgid(pid) == getpgrp());
	REPORT("the child shares the parent's session", getsid(pid) == getsid(0));
	proc_signal(go[1]);
	proc_await(back[0]);
	REPORT("after its setsid the child leads a session", getsid(pid) == pid);
	PROC_ERRNO(EPERM, setpgid(pid, getpgrp()));	/* another session */
	proc_signal(go[1]);
	CHECK(proc_status(pid) == 0);
	close(go[0]);
	close(go[1]);
	close(back[0]);
	close(back[1]);
}

/* Root sets ids freely; unprivileged, setuid(0) is EPERM and kill of a root process too. */
static __attribute__((noreturn)) void creds_child(pid_t root_pid)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;

	prog_failed = 0;	/* its exit status says whether its own checks held */
	CHECK(getresuid(&r, &e, &s) == 0 && r == 0 && e == 0 && s == 0);
	CHECK(getuid() == 0 && geteuid() == 0 && getgid() == 0 && getegid() == 0);
	CHECK(setgid(700) == 0);
	CHECK(getresgid(&gr, &ge, &gs) == 0 && gr == 700 && ge == 700 && gs == 700);
	CHECK(setresgid(1000, 1001, 1002) == 0);
	CHECK(getresgid(&gr, &ge, &gs) == 0 && gr == 1000 && ge == 1001 && gs == 1002);
	CHECK(getgid() == 1000 && getegid() == 1001);
	CHECK(setresuid(1000, 1001, 1002) == 0);
	CHECK(getresuid(&r, &e, &s) == 0 && r == 1000 && e == 1001 && s == 1002);
	CHECK(getuid() == 1000 && geteuid() == 1001);
	PROC_ERRNO(EPERM, setuid(0));
	PROC_ERRNO(EPERM, setresuid(0, 0, 0));
	PROC_ERRNO(EPERM, setresuid(-1, 1234, -1));
	PROC_ERRNO(EPERM, setgid(0));
	PROC_ERRNO(0, setuid(1002));	/* the saved uid: allowed, sets the effective one */
	CHECK(getresuid(&r, &e, &s) == 0 && r == 1000 && e == 1002 && s == 1002);
	PROC_ERRNO(0, setresuid(-1, 1000, -1));
	CHECK(geteuid() == 1000);
	PROC_ERRNO(EPERM, kill(root_pid, 0));
	PROC_ERRNO(EPERM, kill(root_pid, SIGKILL));
	PROC_ERRNO(ESRCH, kill(NO_PID, 0));
	proc_exit(prog_failed);
}

/* The credential checks in children, so the first process stays root. */
static void credentials(void)
{
	pid_t root_pid = getpid(), pid;

	pid = proc_fork();
	if (pid == 0)
		creds_child(root_pid);
	REPORT("credential checks held", proc_status(pid) == 0);
	pid = proc_fork();
	if (pid == 0) {
		uid_t r, e, s;

		/* root's setuid sets all three ids, for good */
		if (setuid(500) != 0)
			_exit(2);
		getresuid(&r, &e, &s);
		_exit(r == 500 && e == 500 && s == 500 && setuid(0) == -1 && errno == EPERM ? 0 : 1);
	}
	REPORT("root's setuid(500) drops all three, then setuid(0) EPERM", proc_status(pid) == 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	groups_sessions();
	credentials();
	return prog_done();
}
