/*
 * Exceptions during a test: expect_fault catches the one it waits for;
 * any other is reported as KTAP diagnostics and fails the test.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "internal.h"
#include "kernel/trap.h"

uint64_t *ktest_fault_arm(unsigned vector)
{
	ktest_state.fault_vector = vector;
	ktest_state.fault_armed = true;
	return ktest_state.fault_jb;
}

void ktest_fault_missed(const char *file, int line)
{
	ktest_state.fault_armed = false;
	ktest_diag("%s:%d: expected exception %s (vector %u) did not happen", file,
		   line, trap_name(ktest_state.fault_vector), ktest_state.fault_vector);
	ktest_state.failed = true;
}

void ktest_fault_disarm(void)
{
	ktest_state.fault_armed = false;
}

const struct ktest_fault *ktest_last_fault(void)
{
	return &ktest_state.last_fault;
}

/* The awaited exception: record it and resume after the statements. */
__attribute__((noreturn)) static void ktest_fault_caught(unsigned vector,
							  const struct uregs *f)
{
	ktest_state.last_fault = (struct ktest_fault){
		.vector = vector,
		.error_code = f->orig_rax,
		.rip = f->rip,
		.cr2 = read_cr2(),
	};
	ktest_state.fault_armed = false;
	trap_unwind();
	if (f->rflags & RFLAGS_IF)
		irq_enable();
	ktest_longjmp(ktest_state.fault_jb, 1);
}

void ktest_exception(unsigned vector, const struct uregs *f)
{
	if (ktest_state.fault_armed && vector == ktest_state.fault_vector)
		ktest_fault_caught(vector, f);
	ktest_state.running = false;
	ktest_state.fault_armed = false;
	ktest_diag("unexpected exception %s in %s.%s", trap_name(vector),
		   ktest_state.cur->suite, ktest_state.cur->name);
	trap_report(vector, f, KTEST_INDENT "# ");
	ktest_state.failed = true;
	trap_unwind();
	ktest_end(KTEST_JMP_FAIL);
}
