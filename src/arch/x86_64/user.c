/*
 * The x86_64 side of running programs: syscall MSRs, the FS/GS base,
 * the x87/SSE state, and the clocks and random numbers the syscalls
 * hand out.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "kernel/proc.h"
#include "kernel/timer.h"
#include "lib/string.h"

#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_FMASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define EFER_SCE (1ULL << 0)
/* Cleared on syscall entry: IF, TF, DF, AC. */
#define USER_FMASK ((1ULL << 9) | (1ULL << 8) | (1ULL << 10) | (1ULL << 18))
#define USER_CALIBRATE_MS 20
#define CR0_MP (1ULL << 1)          /* wait/fwait honour TS */
#define CR0_EM (1ULL << 2)          /* x87 emulation: must be off */
#define CR4_OSFXSR (1ULL << 9)      /* fxsave/fxrstor and SSE */
#define CR4_OSXMMEXCPT (1ULL << 10) /* SIMD exceptions as #XM */
#define USER_MXCSR_DEFAULT 0x1f80

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71

extern uint64_t syscall_kstack_top;
void syscall_entry(void);
void user_iret(void);

#define USER_KERNEL_RFLAGS 0x2ULL /* the reserved bit; interrupts off */

static bool user_ready;
static uint64_t user_tsc_per_ms;  /* 0: fall back to the PIT millisecond clock */
static uint64_t user_ns_per_tick;  /* 10^6 / user_tsc_per_ms as a 0.64 fixed-point fraction */
static uint64_t user_tsc0, user_ms0; /* a TSC reading and timer_ms() at that moment */
static uint64_t user_epoch_s;     /* CMOS time at user_ms0 */
static uint64_t user_rng;

/* Read CMOS register `reg` as binary (the RTC may use BCD). */
static unsigned user_cmos(uint8_t reg, bool bcd)
{
	uint8_t v;

	outb(CMOS_INDEX, reg);
	v = inb(CMOS_DATA);
	return bcd ? (v & 0x0f) + (v >> 4) * 10 : v;
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static uint64_t user_days(unsigned y, unsigned m, unsigned d)
{
	y -= m <= 2;
	unsigned era = y / 400, yoe = y - era * 400;
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return (uint64_t)era * 146097 + doe - 719468;
}

/* The CMOS real-time clock in seconds since the epoch (UTC assumed). */
static uint64_t user_rtc_seconds(void)
{
	bool bcd;
	unsigned s, mi, h, d, mo, y;

	outb(CMOS_INDEX, 0x0a);
	for (unsigned spin = 0; spin < 100000 && (inb(CMOS_DATA) & 0x80); spin++)
		outb(CMOS_INDEX, 0x0a); /* update in progress */
	outb(CMOS_INDEX, 0x0b);
	bcd = !(inb(CMOS_DATA) & 0x04);
	s = user_cmos(0x00, bcd), mi = user_cmos(0x02, bcd);
	h = user_cmos(0x04, bcd), d = user_cmos(0x07, bcd);
	mo = user_cmos(0x08, bcd), y = user_cmos(0x09, bcd) + 2000;
	if (mo < 1 || mo > 12 || d < 1 || d > 31)
		return 0;
	return user_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

/*
 * 10^6 / tsc_per_ms as a fraction of 2^64 (0 for 0, or for a TSC slower than
 * 1 GHz, where the fraction would not fit: the clock then divides), in two
 * 64-bit divisions: the first 32 bits of the quotient, then the next 32 from
 * the remainder (below tsc_per_ms, itself below 2^32, so nothing overflows).
 */
static uint64_t user_ns_scale(uint64_t tsc_per_ms)
{
	uint64_t num = 1000000ULL << 32;

	if (tsc_per_ms <= 1000000 || tsc_per_ms >= (1ULL << 32))
		return 0;
	return (num / tsc_per_ms) << 32 | ((num % tsc_per_ms) << 32) / tsc_per_ms;
}

/*
 * TSC ticks per millisecond: timed by PIT channel 2 (timer_tsc_per_ms), else
 * counted over USER_CALIBRATE_MS of IRQ0 ticks (needs IF on; late ticks
 * make this one too high).
 */
static void user_calibrate(void)
{
	uint64_t start, t0;

	user_ms0 = timer_ms();
	user_tsc0 = rdtsc();
	user_tsc_per_ms = timer_tsc_per_ms(USER_CALIBRATE_MS);
	if (user_tsc_per_ms || !(read_rflags() & RFLAGS_IF))
		goto out_scale;
	for (start = timer_ms(); timer_ms() == start;)
		__asm__ volatile("pause");
	t0 = rdtsc();
	start = timer_ms();
	while (timer_ms() - start < USER_CALIBRATE_MS)
		__asm__ volatile("pause");
	user_tsc_per_ms = (rdtsc() - t0) / USER_CALIBRATE_MS;
	user_ms0 = timer_ms();
	user_tsc0 = rdtsc();
out_scale:
	user_ns_per_tick = user_ns_scale(user_tsc_per_ms);
}

/*
 * Programs use SSE (musl and gcc do) although the kernel never does: turn it
 * on for ring 3. The kernel leaves the registers alone, so no state needs
 * saving around interrupts.
 */
static void user_enable_sse(void)
{
	write_cr0((read_cr0() & ~CR0_EM) | CR0_MP);
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
}

void user_fpu_reset(void)
{
	uint32_t mxcsr = USER_MXCSR_DEFAULT;

	__asm__ volatile("fninit\n\t"
			 "ldmxcsr %0\n\t"
			 "pxor %%xmm0, %%xmm0\n\tpxor %%xmm1, %%xmm1\n\t"
			 "pxor %%xmm2, %%xmm2\n\tpxor %%xmm3, %%xmm3\n\t"
			 "pxor %%xmm4, %%xmm4\n\tpxor %%xmm5, %%xmm5\n\t"
			 "pxor %%xmm6, %%xmm6\n\tpxor %%xmm7, %%xmm7\n\t"
			 "pxor %%xmm8, %%xmm8\n\tpxor %%xmm9, %%xmm9\n\t"
			 "pxor %%xmm10, %%xmm10\n\tpxor %%xmm11, %%xmm11\n\t"
			 "pxor %%xmm12, %%xmm12\n\tpxor %%xmm13, %%xmm13\n\t"
			 "pxor %%xmm14, %%xmm14\n\tpxor %%xmm15, %%xmm15"
			 : : "m"(mxcsr) : "memory");
}

void user_fpu_save(void *buf)
{
	__asm__ volatile("fxsave64 (%0)" : : "r"(buf) : "memory");
}

void user_fpu_restore(void *buf)
{
	static uint8_t own[USER_FPU_SIZE] __attribute__((aligned(16)));
	uint32_t mask, mxcsr;

	user_fpu_save(own);
	memcpy(&mask, own + 28, sizeof(mask)); /* MXCSR_MASK; 0 means 0xffbf */
	memcpy(&mxcsr, (uint8_t *)buf + 24, sizeof(mxcsr));
	mxcsr &= mask ? mask : 0xffbf;
	memcpy((uint8_t *)buf + 24, &mxcsr, sizeof(mxcsr));
	__asm__ volatile("fxrstor64 (%0)" : : "r"(buf) : "memory");
}

void user_fpu_load(const void *buf)
{
	__asm__ volatile("fxrstor64 (%0)" : : "r"(buf) : "memory");
}

uint32_t user_pkru_get(void)
{
	return cpu_pkeys_on() ? rdpkru() : 0;
}

void user_pkru_set(uint32_t pkru)
{
	if (cpu_pkeys_on())
		wrpkru(pkru);
}

#define XSTATE_LEGACY_SIZE 512     /* the fxsave image */
#define XSTATE_HEADER_SIZE 64      /* XSTATE_BV, XCOMP_BV, reserved */
#define XSTATE_SW_RESERVED 464     /* struct _fpx_sw_bytes in the fxsave image */
#define XSTATE_PKRU_BIT 9
#define XSTATE_FP_SSE 0x3ULL
#define FP_XSTATE_MAGIC1 0x46505853u
#define FP_XSTATE_MAGIC2 0x46505845u
#define FP_XSTATE_MAGIC2_SIZE 4

/* Linux's struct _fpx_sw_bytes at the end of the fxsave image. */
struct user_fpx_sw {
	uint32_t magic1;
	uint32_t extended_size; /* xstate_size + FP_XSTATE_MAGIC2_SIZE */
	uint64_t xfeatures;
	uint32_t xstate_size;
	uint32_t padding[7];
};
_Static_assert(sizeof(struct user_fpx_sw) == 48, "struct _fpx_sw_bytes");

/* Offset of PKRU in the standard XSAVE layout (CPUID 0xd, 9: EBX); 0 without keys. */
static size_t user_pkru_offset(void)
{
	size_t off;

	if (!cpu_pkeys_on() || cpuid_max(0) < 0xd)
		return 0;
	off = cpuid(0xd, XSTATE_PKRU_BIT).ebx;
	if (off < XSTATE_LEGACY_SIZE + XSTATE_HEADER_SIZE ||
	    off + 8 + FP_XSTATE_MAGIC2_SIZE > USER_SIGFRAME_FPU_MAX)
		return 0;
	return off;
}

/* The xstate part's size: up to the end of PKRU (8 bytes), or 0 without keys. */
static size_t user_xstate_size(void)
{
	size_t off = user_pkru_offset();

	return off ? off + 8 : 0;
}

size_t user_sigframe_fpu_size(void)
{
	size_t x = user_xstate_size();

	return x ? x + FP_XSTATE_MAGIC2_SIZE : XSTATE_LEGACY_SIZE;
}

void user_sigframe_fpu_fill(uint8_t *buf, uint32_t pkru)
{
	size_t x = user_xstate_size();
	struct user_fpx_sw sw = {FP_XSTATE_MAGIC1, 0, XSTATE_FP_SSE | (1ULL << XSTATE_PKRU_BIT), 0,
				 {0}};
	uint64_t bv = sw.xfeatures;
	uint32_t magic2 = FP_XSTATE_MAGIC2;

	if (!x)
		return;
	sw.xstate_size = (uint32_t)x;
	sw.extended_size = (uint32_t)(x + FP_XSTATE_MAGIC2_SIZE);
	memcpy(buf + XSTATE_SW_RESERVED, &sw, sizeof(sw));
	memset(buf + XSTATE_LEGACY_SIZE, 0, x - XSTATE_LEGACY_SIZE);
	memcpy(buf + XSTATE_LEGACY_SIZE, &bv, sizeof(bv));
	memcpy(buf + user_pkru_offset(), &pkru, sizeof(pkru));
	memcpy(buf + x, &magic2, sizeof(magic2));
}

size_t user_sigframe_fpu_extent(const uint8_t *buf)
{
	struct user_fpx_sw sw;
	size_t x = user_xstate_size();

	memcpy(&sw, buf + XSTATE_SW_RESERVED, sizeof(sw));
	if (!x || sw.magic1 != FP_XSTATE_MAGIC1 || sw.xstate_size != x ||
	    sw.extended_size != x + FP_XSTATE_MAGIC2_SIZE)
		return XSTATE_LEGACY_SIZE;
	return x + FP_XSTATE_MAGIC2_SIZE;
}

uint32_t user_sigframe_pkru(const uint8_t *buf, size_t size)
{
	size_t x = user_xstate_size();
	uint32_t magic2, pkru;
	uint64_t bv;

	if (!x || size != x + FP_XSTATE_MAGIC2_SIZE)
		return USER_PKRU_INIT;
	memcpy(&magic2, buf + x, sizeof(magic2));
	if (magic2 != FP_XSTATE_MAGIC2)
		return USER_PKRU_INIT;
	memcpy(&bv, buf + XSTATE_LEGACY_SIZE, sizeof(bv));
	if (!(bv & (1ULL << XSTATE_PKRU_BIT)))
		return 0;
	memcpy(&pkru, buf + user_pkru_offset(), sizeof(pkru));
	return pkru;
}

void user_prepare_start(struct proc_kctx *ctx, struct uregs *regs)
{
	uint64_t *ret = (uint64_t *)regs - 1;

	*ret = (uint64_t)user_iret;
	memset(ctx, 0, sizeof(*ctx));
	ctx->rsp = (uint64_t)ret;
	ctx->rflags = USER_KERNEL_RFLAGS;
}

void user_arch_init(void)
{
	if (user_ready)
		return;
	user_enable_sse();
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, ((uint64_t)(GDT_USER_DS - 3 - 8) << 48) |
				((uint64_t)GDT_KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_FMASK, USER_FMASK);
	user_calibrate();
	user_epoch_s = user_rtc_seconds();
	user_rng = rdtsc() | 1;
	user_ready = true;
}

void user_set_kernel_stack(uint64_t top)
{
	syscall_kstack_top = top;
	gdt_set_kernel_stack(top);
}

uint64_t user_tsc_khz(void)
{
	return user_tsc_per_ms;
}

/*
 * Nanoseconds in d TSC ticks: one multiplication by the 0.64 fraction
 * user_ns_per_tick (high half of the 128-bit product; at most a nanosecond
 * below the exact quotient), where three 64-bit divisions cost a few
 * hundred cycles per clock read under TCG, twice per syscall for the
 * system-time account. Divides when there is no fraction.
 */
uint64_t user_ticks_ns(uint64_t d)
{
	if (user_ns_per_tick)
		return (uint64_t)(((unsigned __int128)d * user_ns_per_tick) >> 64);
	return d / user_tsc_per_ms * 1000000ULL +
	       d % user_tsc_per_ms * 1000000ULL / user_tsc_per_ms;
}

/* Nanoseconds since boot from the TSC (the PIT's milliseconds without one). */
uint64_t user_clock_mono_ns(void)
{
	if (!user_tsc_per_ms)
		return timer_ms() * 1000000ULL;
	return user_ms0 * 1000000ULL + user_ticks_ns(rdtsc() - user_tsc0);
}

uint64_t user_clock_real_ns(void)
{
	return user_epoch_s * 1000000000ULL + user_clock_mono_ns() -
	       user_ms0 * 1000000ULL;
}

uint64_t user_random(void)
{
	user_rng ^= user_rng << 13;
	user_rng ^= user_rng >> 7;
	user_rng ^= user_rng << 17;
	return user_rng;
}

uint64_t user_hwcap(void)
{
	return cpuid(1, 0).edx;
}

uint64_t user_get_fs(void)
{
	return rdmsr(MSR_FS_BASE);
}

void user_set_fs(uint64_t base)
{
	wrmsr(MSR_FS_BASE, base);
}

uint64_t user_get_gs(void)
{
	return rdmsr(MSR_GS_BASE);
}

void user_set_gs(uint64_t base)
{
	wrmsr(MSR_GS_BASE, base);
}

void user_idle(void)
{
	__asm__ volatile("sti\n\thlt\n\tcli" ::: "memory");
}
