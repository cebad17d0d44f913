/* test_crash_report.c: what follows a CPU exception's report line: symbol+offset, registers, the stack-guard
 * hint, and with -v a backtrace by frame pointers. */
#include <stdbool.h>
#include <string.h>

#include "harness.h"

static void run_fault(struct run_result *r, const char *kind, bool verbose)
{
    if (verbose)
        harness_zxvmm(r, "run", "-v", harness_guest("fault"), kind, NULL);
    else
        harness_zxvmm(r, "run", harness_guest("fault"), kind, NULL);
    cr_assert_eq(r->status, 139, "status %d, stderr: %s", r->status, r->err);
}

Test(crash_report, report_names_the_symbol_and_the_registers)
{
    REQUIRE_KVM();
    struct run_result r;
    run_fault(&r, "ud", false);
    assert_contains(r.err, "invalid opcode (#UD) at rip 0x");
    assert_contains(r.err, "\nzxvmm:   at main+0x");
    assert_contains(r.err, " rax 0x");
    assert_contains(r.err, " rbx 0x");
    assert_contains(r.err, " r15 0x");
    assert_contains(r.err, "zxvmm:   rip 0x");
    cr_assert_null(strstr(r.err, "backtrace"), "no backtrace without -v: %s", r.err);
    cr_assert_null(strstr(r.err, "hint"), "%s", r.err);
    harness_free(&r);
}

Test(crash_report, stack_overflow_gets_the_guard_page_hint)
{
    REQUIRE_KVM();
    struct run_result r;
    run_fault(&r, "stack_overflow", false);
    assert_contains(r.err, "is in the guard page below the stack: the stack (256 KiB) overflowed");
    assert_contains(r.err, "zxvmm:   at recurse+0x");
    harness_free(&r);
}

Test(crash_report, verbose_adds_a_backtrace_by_frame_pointers)
{
    REQUIRE_KVM();
    struct run_result r;
    run_fault(&r, "ud", true);
    assert_contains(r.err, "zxvmm:   backtrace (frame pointers):\n");
    assert_contains(r.err, "zxvmm:     #0 0x");
    assert_contains(r.err, " main+0x");
    assert_contains(r.err, "zxvmm:     #1 0x");
    assert_contains(r.err, " zxguest_start+0x");
    assert_contains(r.err, ") died of a CPU exception: invalid opcode (#UD)");
    harness_free(&r);
}
