/* Thread-local storage through the FS base: arch_prctl get/set and its errors. */
#include "prog.h"

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#include <pthread.h>
#include <sys/syscall.h>

static __thread int counter = 41;
static __thread char name[16] = "tls";

/* arch_prctl without libc: errno itself lives behind the FS base. */
static long raw_arch_prctl(long code, unsigned long arg)
{
	long rc;

	__asm__ volatile("syscall"
			 : "=a"(rc)
			 : "a"((long)SYS_arch_prctl), "D"(code), "S"(arg)
			 : "rcx", "r11", "memory");
	return rc;
}

int main(void)
{
	unsigned long fs = 0, other;

	counter++;
	CHECK(counter == 42 && strcmp(name, "tls") == 0);
	EXPECT_ERRNO(0, syscall(SYS_arch_prctl, ARCH_GET_FS, &fs));
	CHECK(fs == (unsigned long)pthread_self());
	CHECK((unsigned long)&counter < fs);
	EXPECT_ERRNO(EFAULT, syscall(SYS_arch_prctl, ARCH_GET_FS, (void *)16));
	EXPECT_ERRNO(EINVAL, syscall(SYS_arch_prctl, 0x1999, 0));
	EXPECT_ERRNO(EPERM, syscall(SYS_arch_prctl, ARCH_SET_FS, 0x800000000000UL));
	/* A second block: the same variable reads through the new base. */
	char *blk = prog_map(NULL, PG, PROT_READ | PROT_WRITE, 0);
	size_t off = fs - (unsigned long)&counter;
	*(unsigned long *)(blk + 2048) = (unsigned long)(blk + 2048);
	*(int *)(blk + 2048 - off) = 7;
	long rc1 = raw_arch_prctl(ARCH_SET_FS, (unsigned long)(blk + 2048));
	int seen = counter;
	long rc2 = raw_arch_prctl(ARCH_GET_FS, (unsigned long)&other);
	long rc3 = raw_arch_prctl(ARCH_SET_FS, fs);
	CHECK(rc1 == 0 && rc2 == 0 && rc3 == 0);
	CHECK(seen == 7 && other == (unsigned long)(blk + 2048));
	CHECK(counter == 42);
	return prog_done();
}
