/*
 * Linux's kselftest_harness.h, unmodified (tools/testing/selftests of
 * linux-source-6.12; the build rule finds it), with tests that all pass:
 * plain TESTs, one forking inside the test, a fixture with setup, teardown
 * and two variants, a TEST_SIGNAL expecting SIGSEGV and a SKIP. The harness
 * forks once per test (setpgrp, waitpid, alarm for its timeout, MAP_SHARED
 * results); stdout is its TAP (names and ok/not ok, no pids).
 */
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

TEST(arithmetic_holds)
{
	EXPECT_EQ(4, 2 + 2);
	ASSERT_NE(0, 1);
	EXPECT_LT(1, 2);
	EXPECT_STREQ("bootmm", "bootmm");
}

TEST(runs_in_a_child_of_its_own_group)
{
	/* the harness calls setpgrp() in the test's child */
	EXPECT_EQ(getpid(), getpgrp());
}

TEST(forks_inside_the_test)
{
	int status = 0;
	pid_t pid = fork();

	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(17);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(17, WEXITSTATUS(status));
}

FIXTURE(region) {
	char *base;
	size_t len;
};

FIXTURE_VARIANT(region) {
	size_t pages;
};

FIXTURE_VARIANT_ADD(region, one_page) {
	.pages = 1,
};

FIXTURE_VARIANT_ADD(region, sixteen_pages) {
	.pages = 16,
};

FIXTURE_SETUP(region)
{
	self->len = variant->pages * 4096;
	self->base = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->base);
	memset(self->base, 0x3c, self->len);
}

FIXTURE_TEARDOWN(region)
{
	EXPECT_EQ(0, munmap(self->base, self->len));
}

TEST_F(region, filled_by_setup)
{
	for (size_t i = 0; i < self->len; i += 512)
		ASSERT_EQ(0x3c, self->base[i]);
}

TEST_F(region, copy_on_write_in_a_child)
{
	int status = 0;
	pid_t pid = fork();

	ASSERT_GE(pid, 0);
	if (pid == 0) {
		self->base[0] = 1;
		_exit(self->base[0] == 1 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_EQ(0x3c, self->base[0]);
}

TEST_SIGNAL(null_write_is_sigsegv, SIGSEGV)
{
	*(volatile int *)(uintptr_t)0 = 1;
}

TEST(skips_itself)
{
	SKIP(return, "skipped on purpose");
	EXPECT_TRUE(0);
}

TEST_HARNESS_MAIN
