/*
 * Ring 3 through the program runner: tiny hand-assembled programs wrapped in
 * ELF images (tests/kernel/user_image.h) go through proc_run exactly as the
 * initramfs programs do. Also the usercopy helpers against a bound
 * address space.
 */
#include "harness/ktest.h"
#include "kernel/proc.h"
#include "kernel/usercopy.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/aspace.h"
#include "mm/mmarch.h"
#include "user_image.h"

static uint8_t user_t_buf[UIMG_SIZE] __attribute__((aligned(16)));
static struct proc_result user_t_res;

/* mov $60,%eax; mov $42,%edi; syscall */
static const uint8_t user_exit42[] = { 0xb8, 0x3c, 0x00, 0x00, 0x00, 0xbf, 0x2a,
				       0x00, 0x00, 0x00, 0x0f, 0x05 };
/* write(1, "hi\n", 3); exit(0) */
static const uint8_t user_hi[] = {
	0xb8, 0x01, 0x00, 0x00, 0x00, 0xbf, 0x01, 0x00, 0x00, 0x00, 0x48, 0x8d,
	0x35, 0x10, 0x00, 0x00, 0x00, 0xba, 0x03, 0x00, 0x00, 0x00, 0x0f, 0x05,
	0xb8, 0x3c, 0x00, 0x00, 0x00, 0x31, 0xff, 0x0f, 0x05, 0x68, 0x69, 0x0a,
};
/* xor %eax,%eax; mov (%rax),%rax; ud2 */
static const uint8_t user_null[] = { 0x31, 0xc0, 0x48, 0x8b, 0x00, 0x0f, 0x0b };
/* hlt; ud2 */
static const uint8_t user_hlt[] = { 0xf4, 0x0f, 0x0b };
/* int3; ud2 */
static const uint8_t user_int3[] = { 0xcc, 0x0f, 0x0b };
/* ud2 */
static const uint8_t user_ud2[] = { 0x0f, 0x0b };
/* mov $1,%eax; xor %ecx,%ecx; div %ecx */
static const uint8_t user_div0[] = { 0xb8, 0x01, 0x00, 0x00, 0x00, 0x31, 0xc9, 0xf7, 0xf1 };
/* movb $0x90, 0x400000 (a write to the read+execute text) */
static const uint8_t user_write_text[] = { 0xc6, 0x04, 0x25, 0x00, 0x00, 0x40, 0x00, 0x90 };
/* kill(1, SIGABRT); ud2 */
static const uint8_t user_abort[] = { 0xb8, 0x3e, 0x00, 0x00, 0x00, 0xbf, 0x01, 0x00, 0x00,
				      0x00, 0xbe, 0x06, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x0f, 0x0b };
/* r = syscall(999); exit(-r) */
static const uint8_t user_enosys[] = { 0xb8, 0xe7, 0x03, 0x00, 0x00, 0x0f, 0x05, 0x89, 0xc7,
				       0xf7, 0xdf, 0xb8, 0x3c, 0x00, 0x00, 0x00, 0x0f, 0x05 };
/*
 * rt_sigaction(SIGSEGV, {handler, SA_SIGINFO|SA_RESTORER, restorer}); touch
 * 0x1000; the handler exits with si_signo + 100 * (si_addr == 0x1000) +
 * 50 * (si_code == SEGV_MAPERR).
 */
static const uint8_t user_handler[] = {
	0x48, 0x8d, 0x05, 0x46, 0x00, 0x00, 0x00, 0x48, 0x89, 0x44, 0x24, 0xe0, 0x48, 0xc7,
	0x44, 0x24, 0xe8, 0x04, 0x00, 0x00, 0x04, 0x48, 0x8d, 0x05, 0x50, 0x00, 0x00, 0x00,
	0x48, 0x89, 0x44, 0x24, 0xf0, 0x48, 0xc7, 0x44, 0x24, 0xf8, 0x00, 0x00, 0x00, 0x00,
	0xb8, 0x0d, 0x00, 0x00, 0x00, 0xbf, 0x0b, 0x00, 0x00, 0x00, 0x48, 0x8d, 0x74, 0x24,
	0xe0, 0x31, 0xd2, 0x41, 0xba, 0x08, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xb9, 0x00, 0x10,
	0x00, 0x00, 0x48, 0x8b, 0x01, 0x0f, 0x0b, 0x8b, 0x3e, 0x48, 0x81, 0x7e, 0x10, 0x00,
	0x10, 0x00, 0x00, 0x75, 0x03, 0x83, 0xc7, 0x64, 0x83, 0x7e, 0x08, 0x01, 0x75, 0x03,
	0x83, 0xc7, 0x32, 0xb8, 0x3c, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xb8, 0x0f, 0x00, 0x00,
	0x00, 0x0f, 0x05,
};
/*
 * r12 = 7; install a SIGSEGV handler; load from NULL (3 bytes); exit(r12).
 * The handler adds 3 to uc_mcontext.rip, sets uc_mcontext.r12 = 9 and
 * returns through the restorer (rt_sigreturn): exit status 9.
 */
static const uint8_t user_sigreturn[] = {
	0x41, 0xbc, 0x07, 0x00, 0x00, 0x00, 0x48, 0x8d, 0x05, 0x4b, 0x00, 0x00, 0x00, 0x48,
	0x89, 0x44, 0x24, 0xe0, 0x48, 0xc7, 0x44, 0x24, 0xe8, 0x04, 0x00, 0x00, 0x04, 0x48,
	0x8d, 0x05, 0x4c, 0x00, 0x00, 0x00, 0x48, 0x89, 0x44, 0x24, 0xf0, 0x48, 0xc7, 0x44,
	0x24, 0xf8, 0x00, 0x00, 0x00, 0x00, 0xb8, 0x0d, 0x00, 0x00, 0x00, 0xbf, 0x0b, 0x00,
	0x00, 0x00, 0x48, 0x8d, 0x74, 0x24, 0xe0, 0x31, 0xd2, 0x41, 0xba, 0x08, 0x00, 0x00,
	0x00, 0x0f, 0x05, 0x31, 0xc9, 0x48, 0x8b, 0x01, 0x44, 0x89, 0xe7, 0xb8, 0x3c, 0x00,
	0x00, 0x00, 0x0f, 0x05, 0x48, 0x83, 0x82, 0xa8, 0x00, 0x00, 0x00, 0x03, 0x48, 0xc7,
	0x42, 0x48, 0x00, 0x00, 0x00, 0x00, 0x48, 0x83, 0x42, 0x48, 0x09, 0xc3, 0xb8, 0x0f,
	0x00, 0x00, 0x00, 0x0f, 0x05,
};
/*
 * p = mmap(0, 4096, RW, PRIVATE|ANON); status = (write(1, p, 4096) == 4096)
 * + 2 * (write(1, 0x10, 1) == -EFAULT) + 4 * (write(1, kernel half, 1) == -EFAULT).
 */
static const uint8_t user_ucopy[] = {
	0xb8, 0x09, 0x00, 0x00, 0x00, 0x31, 0xff, 0xbe, 0x00, 0x10, 0x00, 0x00, 0xba, 0x03,
	0x00, 0x00, 0x00, 0x41, 0xba, 0x22, 0x00, 0x00, 0x00, 0x49, 0xc7, 0xc0, 0xff, 0xff,
	0xff, 0xff, 0x45, 0x31, 0xc9, 0x0f, 0x05, 0x48, 0x89, 0xc6, 0xb8, 0x01, 0x00, 0x00,
	0x00, 0xbf, 0x01, 0x00, 0x00, 0x00, 0xba, 0x00, 0x10, 0x00, 0x00, 0x0f, 0x05, 0x31,
	0xdb, 0x48, 0x3d, 0x00, 0x10, 0x00, 0x00, 0x75, 0x02, 0xff, 0xc3, 0xb8, 0x01, 0x00,
	0x00, 0x00, 0xbf, 0x01, 0x00, 0x00, 0x00, 0xbe, 0x10, 0x00, 0x00, 0x00, 0xba, 0x01,
	0x00, 0x00, 0x00, 0x0f, 0x05, 0x48, 0x83, 0xf8, 0xf2, 0x75, 0x03, 0x83, 0xc3, 0x02,
	0xb8, 0x01, 0x00, 0x00, 0x00, 0xbf, 0x01, 0x00, 0x00, 0x00, 0x48, 0xbe, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x80, 0xff, 0xff, 0xba, 0x01, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x48,
	0x83, 0xf8, 0xf2, 0x75, 0x03, 0x83, 0xc3, 0x04, 0x89, 0xdf, 0xb8, 0x3c, 0x00, 0x00,
	0x00, 0x0f, 0x05,
};

/* Run `code` as a one-segment program; returns its exit status. */
static int user_t_run(const char *name, const uint8_t *code, size_t len)
{
	size_t size = uimg_code(user_t_buf, code, len);
	int err = proc_run(name, user_t_buf, size, 0, &user_t_res);

	EXPECT_EQ(user_t_res.as_check, 0);
	if (err)
		ktest_fail("proc_run: %d (%s)", err, user_t_res.why);
	return user_t_res.status;
}

TEST(user, exit_status_42)
{
	EXPECT_EQ(user_t_run("exit42", user_exit42, sizeof(user_exit42)), 42);
	EXPECT_EQ(user_t_res.signal, 0);
	EXPECT_EQ(user_t_res.syscalls, 1);
}

TEST(user, write_hi_to_stdout)
{
	EXPECT_EQ(user_t_run("hi", user_hi, sizeof(user_hi)), 0);
	EXPECT_EQ(user_t_res.out_len, 3);
	EXPECT_MEMEQ(user_t_res.out, "hi\n", 3);
	EXPECT_EQ(user_t_res.out_bytes, 3);
}

TEST(user, null_dereference_is_sigsegv)
{
	EXPECT_EQ(user_t_run("null", user_null, sizeof(user_null)), 139);
	EXPECT_EQ(user_t_res.signal, 11);
	EXPECT_EQ(user_t_res.fault_addr, 0);
	EXPECT_EQ(user_t_res.fault_rip, UIMG_BASE + 2);
}

TEST(user, hlt_is_sigsegv)
{
	EXPECT_EQ(user_t_run("hlt", user_hlt, sizeof(user_hlt)), 139);
	EXPECT_EQ(user_t_res.fault_rip, UIMG_BASE);
}

TEST(user, int3_is_sigtrap)
{
	EXPECT_EQ(user_t_run("int3", user_int3, sizeof(user_int3)), 128 + 5);
}

TEST(user, ud2_is_sigill)
{
	EXPECT_EQ(user_t_run("ud2", user_ud2, sizeof(user_ud2)), 128 + 4);
}

TEST(user, divide_by_zero_is_sigfpe)
{
	EXPECT_EQ(user_t_run("div0", user_div0, sizeof(user_div0)), 128 + 8);
}

TEST(user, write_to_text_is_sigsegv_accerr)
{
	EXPECT_EQ(user_t_run("rotext", user_write_text, sizeof(user_write_text)), 139);
	EXPECT_EQ(user_t_res.fault_addr, UIMG_BASE);
}

TEST(user, unknown_syscall_returns_enosys)
{
	EXPECT_EQ(user_t_run("enosys", user_enosys, sizeof(user_enosys)), ENOSYS);
	EXPECT_EQ(user_t_res.unknown, 1);
}

TEST(user, kill_self_sigabrt_ends_with_134)
{
	EXPECT_EQ(user_t_run("abort", user_abort, sizeof(user_abort)), 128 + 6);
	EXPECT_EQ(user_t_res.signal, 6);
}

TEST(user, sigsegv_handler_gets_siginfo)
{
	EXPECT_EQ(user_t_run("handler", user_handler, sizeof(user_handler)), 11 + 100 + 50);
}

TEST(user, rt_sigreturn_restores_edited_context)
{
	EXPECT_EQ(user_t_run("sigreturn", user_sigreturn, sizeof(user_sigreturn)), 9);
}

TEST(user, syscall_buffers_demand_page_and_efault)
{
	EXPECT_EQ(user_t_run("ucopy", user_ucopy, sizeof(user_ucopy)), 7);
	EXPECT_EQ(user_t_res.out_bytes, 4096);
}

TEST(user, bad_image_is_rejected_with_reason)
{
	size_t size = uimg_code(user_t_buf, user_exit42, sizeof(user_exit42));

	user_t_buf[18] = 3; /* e_machine */
	EXPECT_EQ(proc_run("bad", user_t_buf, size, 0, &user_t_res), -ENOEXEC);
	EXPECT_EQ(strncmp(user_t_res.why, "elf: machine 3", 14), 0);
}

/* Bind a fresh address space with one page mapped `prot` at 0x10000000. */
static struct aspace *user_t_bind(int prot, paddr_t *saved)
{
	struct aspace *as = as_create();

	if (!as)
		return NULL;
	if (as_mmap(as, 0x10000000, PAGE_SIZE, prot,
		    MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS) != 0x10000000) {
		as_destroy(as);
		return NULL;
	}
	*saved = mm_current_root();
	mm_load_root(as_root(as));
	usercopy_bind(as);
	return as;
}

/* Undo user_t_bind. */
static void user_t_unbind(struct aspace *as, paddr_t saved)
{
	usercopy_bind(NULL);
	mm_load_root(saved);
	as_destroy(as);
}

TEST(user, usercopy_demand_pages_and_rejects_bad_pointers)
{
	paddr_t saved;
	struct aspace *as = user_t_bind(PROT_READ | PROT_WRITE, &saved);
	char buf[16] = "hello, world";
	char back[16];

	ASSERT_TRUE(as != NULL);
	EXPECT_EQ(copy_to_user(0x10000000, buf, sizeof(buf)), 0);
	EXPECT_EQ(copy_from_user(back, 0x10000000, sizeof(back)), 0);
	EXPECT_MEMEQ(back, buf, sizeof(buf));
	EXPECT_EQ(strncpy_from_user(back, 0x10000000, sizeof(back)), 12);
	EXPECT_EQ(strncpy_from_user(back, 0x10000000, 5), 5);
	EXPECT_EQ(copy_from_user(back, 0, 1), -EFAULT);
	EXPECT_EQ(copy_from_user(back, 0x10000000 + PAGE_SIZE - 8, 16), -EFAULT);
	EXPECT_EQ(copy_to_user(0xffff800000000000ULL, buf, 1), -EFAULT);
	EXPECT_EQ(copy_from_user(back, ~0ULL - 4, 8), -EFAULT);
	EXPECT_EQ(strncpy_from_user(back, 0x20000000, sizeof(back)), -EFAULT);
	EXPECT_EQ(clear_user(0x10000000, 8), 0);
	EXPECT_EQ(copy_from_user(back, 0, 0), 0);
	user_t_unbind(as, saved);
}

/* Bound but not loaded (a copy for another process): the same results through mm/access.h. */
TEST(user, usercopy_into_a_space_not_loaded)
{
	struct aspace *as = as_create();
	char buf[16] = "hello, world", back[16];

	ASSERT_TRUE(as != NULL);
	ASSERT_EQ(as_mmap(as, 0x10000000, PAGE_SIZE, PROT_READ | PROT_WRITE,
			  MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS), 0x10000000);
	usercopy_bind(as);
	EXPECT_EQ(copy_to_user(0x10000000 + PAGE_SIZE - 8, buf, 8), 0);
	EXPECT_EQ(copy_to_user(0x10000000, buf, sizeof(buf)), 0);
	EXPECT_EQ(copy_from_user(back, 0x10000000, sizeof(back)), 0);
	EXPECT_MEMEQ(back, buf, sizeof(buf));
	EXPECT_EQ(strncpy_from_user(back, 0x10000000, sizeof(back)), 12);
	EXPECT_EQ(strncpy_from_user(back, 0x10000000, 5), 5);
	EXPECT_EQ(strncpy_from_user(back, 0x10000000 + PAGE_SIZE - 8, 16), -EFAULT);
	EXPECT_EQ(copy_from_user(back, 0x10000000 + PAGE_SIZE - 8, 16), -EFAULT);
	EXPECT_EQ(clear_user(0x10000000, 4), 0);
	EXPECT_EQ(copy_from_user(back, 0x10000000, 8), 0);
	EXPECT_MEMEQ(back, "\0\0\0\0o, w", 8);
	EXPECT_EQ(as_mprotect(as, 0x10000000, PAGE_SIZE, PROT_READ), 0);
	EXPECT_EQ(copy_to_user(0x10000000, buf, 1), -EFAULT);
	EXPECT_EQ(as_resident_frames(as), 1);
	usercopy_bind(NULL);
	as_destroy(as);
}

TEST(user, usercopy_respects_rights)
{
	paddr_t saved;
	struct aspace *as = user_t_bind(PROT_READ, &saved);
	char buf[8] = "abc";

	ASSERT_TRUE(as != NULL);
	EXPECT_EQ(copy_from_user(buf, 0x10000000, sizeof(buf)), 0);
	EXPECT_EQ(buf[0], 0);
	EXPECT_EQ(copy_to_user(0x10000000, buf, sizeof(buf)), -EFAULT);
	EXPECT_EQ(as_mprotect(as, 0x10000000, PAGE_SIZE, PROT_NONE), 0);
	EXPECT_EQ(copy_from_user(buf, 0x10000000, sizeof(buf)), -EFAULT);
	user_t_unbind(as, saved);
}
