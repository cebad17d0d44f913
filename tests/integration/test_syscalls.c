/* test_syscalls.c: the syscalls of the boot ABI, each from a guest, including bad pointers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Runs the `syscalls` guest on one case; returns its stdout (caller frees) after checking it exited 0. */
static char *run_case(const char *name)
{
    struct run_result r;
    harness_zxvmm(&r, "run", harness_guest("syscalls"), name, NULL);
    cr_assert_eq(r.status, 0, "case %s: status %d, stderr: %s", name, r.status, r.err);
    free(r.err);
    return r.out;
}

static void expect_status(const char *name, const char *status)
{
    char *out = run_case(name);
    char want[64];
    snprintf(want, sizeof(want), "status=%s\n", status);
    assert_contains(out, want);
    free(out);
}

Test(syscalls, page_size_is_4096)
{
    REQUIRE_KVM();
    char *out = run_case("page_size");
    assert_contains(out, "page_size=4096");
    free(out);
}

Test(syscalls, monotonic_clock_increases)
{
    REQUIRE_KVM();
    char *out = run_case("clock");
    assert_contains(out, "monotonic_increases=1");
    free(out);
}

Test(syscalls, deadline_after_adds_and_saturates)
{
    REQUIRE_KVM();
    char *out = run_case("deadline");
    assert_contains(out, "deadline_after_zero_ok=1");
    assert_contains(out, "infinite_saturates=1");
    free(out);
}

Test(syscalls, nanosleep_waits_for_its_deadline)
{
    REQUIRE_KVM();
    char *out = run_case("sleep");
    assert_contains(out, "status=0");
    const char *at = strstr(out, "slept_ms=");
    cr_assert_not_null(at, "%s", out);
    long ms = strtol(at + 9, NULL, 10);
    cr_assert_geq(ms, 50, "slept only %ld ms", ms);
    free(out);
}

Test(syscalls, nanosleep_in_the_past_returns_at_once)
{
    REQUIRE_KVM();
    char *out = run_case("sleep_past");
    assert_contains(out, "sleep_zero_status=0");
    assert_contains(out, "sleep_negative_status=0");
    free(out);
}

Test(syscalls, debug_write_reaches_stdout)
{
    REQUIRE_KVM();
    char *out = run_case("debug_write");
    assert_contains(out, "abc\nstatus=0\n");
    free(out);
}

Test(syscalls, debug_write_null_buffer_is_invalid_args)
{
    REQUIRE_KVM();
    expect_status("debug_write_null", "-10");
}
Test(syscalls, debug_write_unmapped_buffer_is_invalid_args)
{
    REQUIRE_KVM();
    expect_status("debug_write_unmapped", "-10");
}
Test(syscalls, debug_write_kernel_buffer_is_invalid_args)
{
    REQUIRE_KVM();
    expect_status("debug_write_kernel", "-10");
}
Test(syscalls, debug_write_noncanonical_buffer_is_invalid_args)
{
    REQUIRE_KVM();
    expect_status("debug_write_noncanonical", "-10");
}
Test(syscalls, debug_write_of_nothing_succeeds)
{
    REQUIRE_KVM();
    expect_status("debug_write_zero", "0");
}
Test(syscalls, handle_close_invalid_is_ok)
{
    REQUIRE_KVM();
    expect_status("close_invalid", "0");
}
Test(syscalls, handle_close_unknown_is_bad_handle)
{
    REQUIRE_KVM();
    expect_status("close_bad", "-11");
}
Test(syscalls, unknown_number_is_bad_syscall)
{
    REQUIRE_KVM();
    expect_status("unknown_syscall", "-13");
}

Test(syscalls, hypercall_from_outside_vdso_is_a_policy_error_that_kills)
{
    REQUIRE_KVM();
    struct run_result r;
    harness_zxvmm(&r, "run", harness_guest("syscalls"), "rogue_out", NULL);
    cr_assert_eq(r.status, 139, "status %d, stderr: %s", r.status, r.err);
    cr_assert_null(strstr(r.out, "rogue\n"), "the rogue call must not have written: %s", r.out);
    cr_assert_null(strstr(r.out, "status="), "the process must not go on: %s", r.out);
    assert_contains(r.err, "zxvmm: process ");
    assert_contains(r.err, "policy error: syscall ");
    assert_contains(r.err, " from outside the vDSO at rip 0x");
    harness_free(&r);
}

Test(syscalls, vdso_entry_points_lie_in_the_vdso)
{
    REQUIRE_KVM();
    char *out = run_case("vdso_addr");
    assert_contains(out, "in_vdso=1");
    free(out);
}

Test(syscalls, debug_write_is_cut_at_256_bytes)
{
    REQUIRE_KVM();
    char *out = run_case("debug_write_long");
    char want[300];
    memset(want, 'y', 256);
    strcpy(want + 256, "\nstatus=0\n");
    cr_assert_str_eq(out, want);
    free(out);
}

Test(syscalls, debug_write_straddling_the_stack_end_writes_nothing)
{
    REQUIRE_KVM();
    char *out = run_case("debug_write_straddle");
    cr_assert_str_eq(out, "status=-10\n");
    free(out);
}

Test(syscalls, debug_write_is_not_supported_with_serial_syscalls_off)
{
    REQUIRE_KVM();
    struct run_result r;
    harness_zxvmm(&r, "run", "--cmdline", "kernel.enable-serial-syscalls=false", harness_guest("syscalls"),
                  "debug_write_exit", NULL);
    cr_assert_eq(r.status, 254, "ZX_ERR_NOT_SUPPORTED (-2) as the return code; got %d, stderr: %s", r.status,
                 r.err);
    cr_assert_str_empty(r.out);
    harness_free(&r);
}

Test(syscalls, debug_write_works_with_serial_syscalls_on)
{
    REQUIRE_KVM();
    struct run_result r;
    harness_zxvmm(&r, "run", "--cmdline", "kernel.enable-serial-syscalls=true", harness_guest("syscalls"),
                  "debug_write_exit", NULL);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert_str_eq(r.out, "abc\n");
    harness_free(&r);
}

Test(cli, bad_boot_option_value_is_a_usage_error)
{
    struct run_result r;
    harness_zxvmm(&r, "run", "--cmdline", "kernel.enable-serial-syscalls=maybe", harness_guest("syscalls"),
                  "debug_write_exit", NULL);
    cr_assert_eq(r.status, 2, "stderr: %s", r.err);
    assert_contains(r.err, "kernel.enable-serial-syscalls=maybe");
    harness_free(&r);
}
