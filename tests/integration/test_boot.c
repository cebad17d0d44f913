/* test_boot.c: running guest programs: hello, arguments, exit codes, console output, timeout. */
#include <stdio.h>
#include <string.h>

#include "harness.h"

Test(boot, hello_prints_greeting_and_arguments)
{
    REQUIRE_KVM();
    struct run_result r;
    harness_zxvmm(&r, "run", harness_example("hello"), "one", "two words", NULL);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    assert_contains(r.out, "Hello from a zxvmm guest!");
    assert_contains(r.out, "argv[1] = one");
    assert_contains(r.out, "argv[2] = two words");
    cr_assert_str_empty(r.err);
    harness_free(&r);
}

Test(boot, argv0_is_the_program_as_given)
{
    REQUIRE_KVM();
    struct run_result r;
    const char *prog = harness_guest("args");
    harness_zxvmm(&r, "run", prog, "a b", "", "c", NULL);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    char expect[1200];
    snprintf(expect, sizeof(expect), "argc=4\n[%s][a b][][c]\n", prog);
    cr_assert_str_eq(r.out, expect);
    harness_free(&r);
}

static void expect_exit(const char *code, int status)
{
    struct run_result r;
    harness_zxvmm(&r, "run", harness_guest("exit_code"), code, NULL);
    cr_assert_eq(r.status, status, "main returning %s: exit status %d, stderr: %s", code, r.status, r.err);
    harness_free(&r);
}

Test(boot, exit_status_is_main_return_code)
{
    REQUIRE_KVM();
    expect_exit("0", 0);
    expect_exit("1", 1);
    expect_exit("255", 255);
}

Test(boot, exit_status_keeps_low_8_bits)
{
    REQUIRE_KVM();
    expect_exit("256", 0);
    expect_exit("-1", 255);
    expect_exit("258", 2);
}

/* The lines printf_check prints, as glibc's printf prints them for the same calls. */
static const char printf_expected[] =
    "[   42][42   ][00042][beef][BEEF][10][Z][str][abc][0x1000][%][-5][7][-3][4000000000]\n"
    "[+7][ 7][0x1f][017][    9][9    ][ab][200][ffffffffffffffff]\n"
    "[-2147483648][4294967295][-9223372036854775808][18446744073709551615]\n"
    "[  -0042][-42    ][  0x0a][(null)][    ][x   ][   c]\n"
    "snprintf=11 [hell]\n"
    "snprintf_empty=3\n"
    "0123456789 printf_ret=10\n";

Test(boot, printf_conversions_match)
{
    REQUIRE_KVM();
    struct run_result r;
    harness_zxvmm(&r, "run", harness_guest("printf_check"), NULL);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert_eq(strncmp(r.out, printf_expected, strlen(printf_expected)), 0, "got:\n%s", r.out);
    harness_free(&r);
}

Test(boot, long_console_line_arrives_whole)
{
    REQUIRE_KVM();
    struct run_result r;
    harness_zxvmm(&r, "run", harness_guest("printf_check"), NULL);
    cr_assert_eq(r.status, 0);
    char line[5002];
    memset(line, 'x', 5000);
    line[5000] = '\n';
    line[5001] = '\0';
    assert_contains(r.out, line);
    harness_free(&r);
}

Test(boot, timeout_stops_a_spinning_guest_with_124)
{
    REQUIRE_KVM();
    struct run_result r;
    harness_zxvmm(&r, "run", "--timeout", "0.5", harness_guest("spin"), NULL);
    cr_assert_eq(r.status, 124, "stderr: %s", r.err);
    assert_contains(r.out, "spinning");
    assert_contains(r.err, "--timeout expired");
    harness_free(&r);
}

Test(boot, timeout_not_reached_keeps_exit_status)
{
    REQUIRE_KVM();
    struct run_result r;
    harness_zxvmm(&r, "run", "--timeout", "60", harness_guest("exit_code"), "7", NULL);
    cr_assert_eq(r.status, 7);
    harness_free(&r);
}

Test(boot, large_lazy_memory_is_accepted)
{
    REQUIRE_KVM();
    struct run_result r;
    harness_zxvmm(&r, "run", "--mem", "64G", harness_guest("exit_code"), "3", NULL);
    cr_assert_eq(r.status, 3, "stderr: %s", r.err);
    harness_free(&r);
}

Test(boot, spawned_process_runs_beside_main)
{
    REQUIRE_KVM();
    struct run_result r;
    char spawn[1200];
    snprintf(spawn, sizeof(spawn), "%s 'from spawn'", harness_example("hello"));
    harness_zxvmm(&r, "run", "--spawn", spawn, harness_guest("syscalls"), "sleep", NULL);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    assert_contains(r.out, "argv[1] = from spawn");
    harness_free(&r);
}
