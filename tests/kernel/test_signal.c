/*
 * Signals, interval timers and futexes below the syscalls: the real-time
 * queue's bound and its failure to allocate (sig_post, sig_take, sig_flush
 * on a struct sig_state), and a program that arms a timer and queues
 * signals to itself, then exits: nothing armed, waiting or allocated stays
 * behind (the harness checks frames and heap after every test).
 */
#include "harness/ktest.h"
#include "kernel/futex.h"
#include "kernel/itimer.h"
#include "kernel/proc.h"
#include "lib/errno.h"
#include "mm/heap.h"
#include "user_image.h"

#define KS_RT 40 /* a real-time signal */
#define KS_LIMIT 8

static struct sig_state ks_s;

/* A sigqueue siginfo carrying `value`. */
static struct sig_info ks_queued(uint64_t value)
{
	return (struct sig_info){ .code = SI_QUEUE, .pid = 1, .value = value };
}

TEST(signal, rt_queue_keeps_every_instance_up_to_the_bound)
{
	struct sig_info info, user = { .code = SI_USER, .pid = 3 };
	size_t heap0 = heap_bytes_in_use();

	sig_init(&ks_s);
	for (uint64_t i = 0; i < KS_LIMIT; i++) {
		info = ks_queued(i);
		ASSERT_EQ(sig_post(&ks_s, KS_RT, &info, KS_LIMIT), 0);
	}
	info = ks_queued(99);
	EXPECT_EQ(sig_post(&ks_s, KS_RT, &info, KS_LIMIT), -EAGAIN);
	EXPECT_EQ(ks_s.queued, KS_LIMIT);
	EXPECT_EQ(sig_post(&ks_s, KS_RT, &user, KS_LIMIT), 0); /* kill: pending, siginfo lost */
	EXPECT_GT(heap_bytes_in_use(), heap0);
	for (uint64_t i = 0; i < KS_LIMIT; i++) {
		ASSERT_TRUE(sig_take(&ks_s, KS_RT, &info));
		EXPECT_EQ(info.code, SI_QUEUE);
		EXPECT_EQ(info.value, i);
	}
	EXPECT_FALSE(sig_take(&ks_s, KS_RT, &info)); /* the lost one merged into the last */
	EXPECT_EQ(ks_s.queued, 0);
	EXPECT_EQ(heap_bytes_in_use(), heap0);
}

TEST(signal, standard_signal_past_the_bound_loses_its_siginfo)
{
	struct sig_info info;

	sig_init(&ks_s);
	for (uint64_t i = 0; i < KS_LIMIT; i++) {
		info = ks_queued(i);
		ASSERT_EQ(sig_post(&ks_s, KS_RT, &info, KS_LIMIT), 0);
	}
	info = ks_queued(5);
	EXPECT_EQ(sig_post(&ks_s, SIGUSR1, &info, KS_LIMIT), 0);
	ASSERT_TRUE(sig_take(&ks_s, SIGUSR1, &info));
	EXPECT_EQ(info.code, SI_USER);
	EXPECT_EQ(info.pid, 0);
	sig_flush(&ks_s);
	EXPECT_EQ(ks_s.queued, 0);
	EXPECT_EQ(ks_s.pending, 0);
}

TEST(signal, rt_queue_allocation_failure_is_eagain_for_sigqueue_only)
{
	struct sig_info info = ks_queued(1), user = { .code = SI_USER };

	sig_init(&ks_s);
	heap_fail_nth(1);
	EXPECT_EQ(sig_post(&ks_s, KS_RT, &info, KS_LIMIT), -EAGAIN);
	EXPECT_EQ(ks_s.pending, 0);
	heap_fail_nth(1);
	EXPECT_EQ(sig_post(&ks_s, KS_RT, &user, KS_LIMIT), 0);
	EXPECT_EQ(ks_s.pending, SIG_BIT(KS_RT));
	EXPECT_EQ(ks_s.queued, 0);
	heap_fail_nth(0);
	sig_flush(&ks_s);
}

/*
 * setitimer(ITIMER_REAL, 2.5 s, interval 1 s); block signal 40; queue it
 * three times to itself (pid 1) with rt_sigqueueinfo; getitimer; exit with
 * 10 + the seconds left (12), or 1 when a call failed.
 */
static const uint8_t ks_timer_prog[] = {
	0xb8, 0x26, 0x00, 0x00, 0x00, 0x31, 0xff, 0x48, 0x8d, 0x35, 0x6d, 0x00, 0x00, 0x00, 0x31,
	0xd2, 0x0f, 0x05, 0x89, 0xc3, 0xb8, 0x0e, 0x00, 0x00, 0x00, 0x31, 0xff, 0x48, 0x8d, 0x35,
	0x79, 0x00, 0x00, 0x00, 0x31, 0xd2, 0x41, 0xba, 0x08, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x09,
	0xc3, 0x41, 0xbc, 0x03, 0x00, 0x00, 0x00, 0xb8, 0x81, 0x00, 0x00, 0x00, 0xbf, 0x01, 0x00,
	0x00, 0x00, 0xbe, 0x28, 0x00, 0x00, 0x00, 0x48, 0x8d, 0x15, 0x59, 0x00, 0x00, 0x00, 0x0f,
	0x05, 0x09, 0xc3, 0x41, 0xff, 0xcc, 0x75, 0xe1, 0xb8, 0x24, 0x00, 0x00, 0x00, 0x31, 0xff,
	0x48, 0x8d, 0x74, 0x24, 0xe0, 0x0f, 0x05, 0x09, 0xc3, 0x48, 0x8b, 0x7c, 0x24, 0xf0, 0x83,
	0xc7, 0x0a, 0x85, 0xdb, 0x74, 0x05, 0xbf, 0x01, 0x00, 0x00, 0x00, 0xb8, 0x3c, 0x00, 0x00,
	0x00, 0x0f, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0xa1, 0x07,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x28, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,
};

static uint8_t ks_img[UIMG_SIZE] __attribute__((aligned(16)));
static struct proc_result ks_res;

TEST(signal, timers_and_queued_signals_die_with_their_process)
{
	/* the siginfo runs 96 zero bytes past the code: a zero-filled tail */
	struct uimg_seg seg = { UIMG_BASE, PF_R | PF_X, ks_timer_prog, sizeof(ks_timer_prog),
				sizeof(ks_timer_prog) + 128 };
	size_t size = uimg_build(ks_img, UIMG_BASE, &seg, 1);
	int err = proc_run("ks_timer", ks_img, size, 0, &ks_res);

	ASSERT_EQ(err, 0);
	EXPECT_EQ(ks_res.status, 12);
	EXPECT_EQ(ks_res.as_check, 0);
	EXPECT_EQ(proc_itimers_armed(), 0);
	EXPECT_EQ(futex_waiters(), 0);
}
