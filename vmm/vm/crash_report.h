/* crash_report.h: the lines after a CPU exception's report: symbol+offset, registers, guard-page hint,
 * backtrace. */
#ifndef ZXVMM_VM_CRASH_REPORT_H
#define ZXVMM_VM_CRASH_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zxvmm/abi.h>

#define CRASH_GPRS          16 /* rax rbx rcx rdx rsi rdi rbp rsp r8..r15, in this order */
#define CRASH_BACKTRACE_MAX 16 /* frames printed by -v */

/* What the VMM knows of a process at its exception. */
struct crash_info {
    unsigned vector;
    uint64_t rip, rflags;
    uint64_t gprs[CRASH_GPRS]; /* user values */
    bool has_cr2;
    uint64_t cr2;
};

/* Reads `len` bytes of the crashed process's memory at `va`; false when not mapped user-readable. */
typedef bool (*crash_read_fn)(void *ctx, uint64_t va, void *buf, size_t len);

/*
 * Formats the detail lines that follow the one-line report, each starting
 * with "zxvmm:   " and ending in a newline, into `out`:
 * - "at SYMBOL+0xOFF" when the program's ELF (elf, elf_size; NULL for none)
 *   has a symbol containing rip;
 * - for a page fault whose cr2 lies in the guard page below the stack, a
 *   hint that the stack overflowed;
 * - the general registers, four per line;
 * - with `backtrace` and `read`, up to CRASH_BACKTRACE_MAX frames found by
 *   following saved frame pointers (rbp) while they climb the stack and the
 *   return addresses have a symbol; code built without frame pointers gives
 *   a short or empty list.
 * Returns the length written (cut to fit `outlen`).
 */
size_t crash_report_format(char *out, size_t outlen, const struct crash_info *c, const uint8_t *elf,
                           size_t elf_size, bool backtrace, crash_read_fn read, void *read_ctx);

struct vcpu;

/*
 * Prints the detail lines for vcpu `v` stopped in the shim with exception
 * frame `f`: registers from its synced state, the symbol from its program's
 * file (read again: the rare path), the backtrace when the run is verbose.
 * Call it before the process's memory is released.
 */
void crash_report_print(struct vcpu *v, const struct zxvmm_exception_frame *f, unsigned vector);

#endif
