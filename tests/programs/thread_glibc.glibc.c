/* thread_basic built with glibc: its pthreads make threads with clone3 and register rseq per thread. */
#include "thread_basic.c"
