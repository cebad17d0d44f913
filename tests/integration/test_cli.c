/* test_cli.c: the command line: usage errors, bad programs and `zxvmm dtb`, none of which needs KVM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static char *temp_path(const char *stem)
{
    static char path[256];
    snprintf(path, sizeof(path), "/tmp/zxvmm-test-%s-%d", stem, (int)getpid());
    return path;
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

Test(cli, help_prints_usage_and_succeeds)
{
    struct run_result r;
    cr_assert_eq(harness_zxvmm(&r, "--help", NULL), 0);
    cr_assert_eq(r.status, 0);
    assert_contains(r.out, "zxvmm run [--cmdline TEXT]");
    assert_contains(r.out, "zxvmm dtb");
    harness_free(&r);
}

Test(cli, version_names_the_abi)
{
    struct run_result r;
    harness_zxvmm(&r, "--version", NULL);
    cr_assert_eq(r.status, 0);
    assert_contains(r.out, "zxvmm ");
    assert_contains(r.out, "guest ABI 2");
    harness_free(&r);
}

Test(cli, no_command_is_a_usage_error)
{
    struct run_result r;
    harness_zxvmm(&r, NULL);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, "missing command");
    harness_free(&r);
}

Test(cli, unknown_command_is_named)
{
    struct run_result r;
    harness_zxvmm(&r, "launch", NULL);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, "unknown command 'launch'");
    harness_free(&r);
}

Test(cli, unknown_option_is_named)
{
    struct run_result r;
    harness_zxvmm(&r, "run", "--turbo", "x", NULL);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, "unknown option '--turbo'");
    harness_free(&r);
}

Test(cli, run_without_program_is_a_usage_error)
{
    struct run_result r;
    harness_zxvmm(&r, "run", "--mem", "64M", NULL);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, "run needs a PROGRAM");
    harness_free(&r);
}

Test(cli, option_without_value_is_named)
{
    struct run_result r;
    harness_zxvmm(&r, "run", "--mem", NULL);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, "--mem needs a value");
    harness_free(&r);
}

Test(cli, bad_mem_sizes_are_rejected)
{
    const char *bad[] = {"lots", "0", "1K", "12Q", "-5M", "99999999999G", "4097"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct run_result r;
        harness_zxvmm(&r, "run", "--mem", bad[i], harness_example("hello"), NULL);
        cr_assert_eq(r.status, 2, "--mem %s gave %d", bad[i], r.status);
        assert_contains(r.err, "--mem");
        harness_free(&r);
    }
}

Test(cli, bad_timeouts_are_rejected)
{
    const char *bad[] = {"soon", "0", "-1", "1e3", "1.2.3", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct run_result r;
        harness_zxvmm(&r, "run", "--timeout", bad[i], harness_example("hello"), NULL);
        cr_assert_eq(r.status, 2, "--timeout '%s' gave %d", bad[i], r.status);
        assert_contains(r.err, "--timeout");
        harness_free(&r);
    }
}

Test(cli, spawn_with_unterminated_quote_is_rejected)
{
    struct run_result r;
    harness_zxvmm(&r, "run", "--spawn", "prog 'oops", harness_example("hello"), NULL);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, "--spawn");
    harness_free(&r);
}

Test(cli, missing_program_file_is_named)
{
    struct run_result r;
    harness_zxvmm(&r, "run", "/nonexistent/prog", NULL);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, "/nonexistent/prog");
    harness_free(&r);
}

Test(cli, host_binary_is_refused_with_exit_2)
{
    struct run_result r;
    harness_zxvmm(&r, "run", "/bin/true", NULL);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, "/bin/true");
    cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "one line expected: %s", r.err);
    harness_free(&r);
}

Test(cli, text_file_is_refused_as_not_elf)
{
    const char *path = temp_path("text");
    write_file(path, "#!/bin/sh\necho hi\n", 18);
    struct run_result r;
    harness_zxvmm(&r, "run", path, NULL);
    unlink(path);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, path);
    assert_contains(r.err, "ELF");
    harness_free(&r);
}

Test(cli, truncated_guest_is_refused)
{
    FILE *f = fopen(harness_example("hello"), "rb");
    cr_assert_not_null(f, "the hello example is built");
    char head[100];
    size_t n = fread(head, 1, sizeof(head), f);
    fclose(f);
    cr_assert_eq(n, sizeof(head));
    const char *path = temp_path("trunc");
    write_file(path, head, sizeof(head));
    struct run_result r;
    harness_zxvmm(&r, "run", path, NULL);
    unlink(path);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, path);
    harness_free(&r);
}

Test(cli, directory_is_refused)
{
    struct run_result r;
    harness_zxvmm(&r, "run", "/tmp", NULL);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, "/tmp");
    harness_free(&r);
}

Test(cli, dtb_needs_an_output_file)
{
    struct run_result r;
    harness_zxvmm(&r, "dtb", NULL);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, "-o FILE");
    harness_free(&r);
}

Test(cli, dtb_to_unwritable_path_names_it)
{
    struct run_result r;
    harness_zxvmm(&r, "dtb", "-o", "/nonexistent/dir/x.dtb", NULL);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, "/nonexistent/dir/x.dtb");
    harness_free(&r);
}

Test(cli, dtb_decodes_with_dtc_and_carries_bootargs)
{
    if (access("/usr/bin/dtc", X_OK) != 0)
        cr_skip_test("dtc (device-tree-compiler) is not installed");
    const char *path = temp_path("dtb");
    struct run_result r;
    harness_zxvmm(&r, "dtb", "--cmdline", "kernel.enable-debugging-syscalls=true foo=\"bar\"", "--mem", "64M",
                  "-o", path, NULL);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    harness_free(&r);
    const char *dtc[] = {"/usr/bin/dtc", "-I", "dtb", "-O", "dts", path, NULL};
    cr_assert_eq(harness_run(dtc, &r), 0);
    unlink(path);
    cr_assert_eq(r.status, 0, "dtc failed: %s", r.err);
    assert_contains(r.out, "bootargs = \"kernel.enable-debugging-syscalls=true foo=\\\"bar\\\"\"");
    assert_contains(r.out, "memory@0");
    assert_contains(r.out, "reg = <0x00 0x00 0x00 0x4000000>");
    harness_free(&r);
}
