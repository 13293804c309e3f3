/*
 * For the thread scenario programs: start a thread or end the program. A
 * thread that could not be made (EAGAIN: no memory for its stack or its
 * task, as under bootmm.failalloc) ends the program with status 1 and a
 * line saying so, instead of leaving a join or a wait that never ends.
 */
#ifndef THREADS_H
#define THREADS_H

#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static inline void thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	int err = pthread_create(t, NULL, fn, arg);

	if (err) {
		printf("pthread_create: error %d\n", err);
		fflush(stdout);
		_exit(1);
	}
}

#endif
