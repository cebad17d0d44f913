/* test_faults.c: CPU exceptions in a guest kill it with a report on stderr and exit status 139. */
#include <string.h>

#include "harness.h"

static void expect_fault(const char *kind, const char *report)
{
    struct run_result r;
    harness_zxvmm(&r, "run", harness_guest("fault"), kind, NULL);
    cr_assert_eq(r.status, 139, "fault %s: status %d, stderr: %s", kind, r.status, r.err);
    assert_contains(r.out, "about to fault");
    assert_contains(r.err, "zxvmm: process ");
    assert_contains(r.err, report);
    assert_contains(r.err, " at rip 0x");
    harness_free(&r);
}

Test(faults, null_read_is_a_page_fault_with_cr2)
{
    REQUIRE_KVM();
    expect_fault("pf", "page fault (#PF)");
    struct run_result r;
    harness_zxvmm(&r, "run", harness_guest("fault"), "pf", NULL);
    assert_contains(r.err, "cr2 0x10");
    harness_free(&r);
}

Test(faults, write_to_rodata_is_a_page_fault)
{
    REQUIRE_KVM();
    expect_fault("pf_write_rodata", "page fault (#PF)");
}
Test(faults, ud2_is_invalid_opcode)
{
    REQUIRE_KVM();
    expect_fault("ud", "invalid opcode (#UD)");
}
Test(faults, noncanonical_load_is_general_protection)
{
    REQUIRE_KVM();
    expect_fault("gp", "general protection (#GP)");
}
Test(faults, int3_is_breakpoint)
{
    REQUIRE_KVM();
    expect_fault("bp", "breakpoint (#BP)");
}
Test(faults, divide_by_zero_is_divide_error)
{
    REQUIRE_KVM();
    expect_fault("de", "divide error (#DE)");
}
Test(faults, stack_overflow_hits_the_guard_page)
{
    REQUIRE_KVM();
    expect_fault("stack_overflow", "page fault (#PF)");
}
Test(faults, out_to_a_closed_port_is_general_protection)
{
    REQUIRE_KVM();
    expect_fault("badport", "general protection (#GP)");
}
Test(faults, executing_the_stack_is_a_page_fault)
{
    REQUIRE_KVM();
    expect_fault("nx", "page fault (#PF)");
}
Test(faults, reading_kernel_memory_is_a_page_fault)
{
    REQUIRE_KVM();
    expect_fault("kernel_read", "page fault (#PF)");
}
