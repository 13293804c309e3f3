/*
 * The one call from the kernel up into the test harness (src/harness): kmain
 * ends by handing the machine over. The harness installs its hooks (kernel
 * faults, timer tick, panic, program diagnostics) itself; nothing else
 * below it calls up.
 */
#ifndef KERNEL_HARNESS_H
#define KERNEL_HARNESS_H

/*
 * Install the harness's hooks, print the KTAP header, parse the bootmm.*
 * options of `cmdline`, run (or list) the selected tests, and end the
 * machine with the verdict.
 */
__attribute__((noreturn)) void harness_run(const char *cmdline);

#endif
