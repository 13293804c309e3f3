/*
 * The program exec_basic and exec_errnos run with execve (directly and as
 * a "#!" interpreter): prints its arguments after argv[0] (which names a
 * host path when run as a test of its own), its environment and its comm.
 * Alone it prints "argc: 1" and an empty environment. EXEC_CHILD_UNLINK=<path>
 * in the environment: it removes that file and its directory (its caller's
 * scratch files, as it cannot after exec).
 */
#include "prog.h"
#include <sys/prctl.h>

int main(int argc, char **argv, char **envp)
{
	char comm[17] = {0}, *unl = getenv("EXEC_CHILD_UNLINK");

	printf("exec_child argc: %d\n", argc);
	for (int i = 1; i < argc; i++)
		printf("exec_child argv[%d]: \"%s\"\n", i, argv[i]);
	for (int i = 0; envp[i]; i++)
		printf("exec_child envp[%d]: \"%s\"\n", i, envp[i]);
	prctl(PR_GET_NAME, comm);
	printf("exec_child comm: %s\n", comm);
	if (unl && unlink(unl) == 0 && strrchr(unl, '/') > unl) {
		*strrchr(unl, '/') = 0;
		rmdir(unl);
	}
	return 0;
}
