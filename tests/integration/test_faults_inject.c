/* test_faults_inject.c: --trace rows from real runs, and the CLI's refusals (docs/faults.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define GUEST_TIMEOUT "60"
#define DEBUG_CMDLINE "kernel.enable-debugging-syscalls=true"

/* A fresh path for a trace file (the lab's /tmp is its own: the test writes and reads it there). */
static const char *trace_path(void)
{
    static char path[64];
    snprintf(path, sizeof(path), "/tmp/zxvmm-trace-XXXXXX.jsonl");
    int fd = mkstemps(path, 6);
    cr_assert_geq(fd, 0);
    close(fd);
    return path;
}

/* The whole file, checked to be JSON Lines (every line one JSON object) by Python's json module. */
static char *read_trace(const char *path)
{
    struct run_result r;
    const char *check[] = {"/usr/bin/python3", "-c",
                           "import json,sys\n"
                           "for line in open(sys.argv[1]):\n"
                           "    assert isinstance(json.loads(line), dict), line\n",
                           path, NULL};
    cr_assert_eq(harness_run(check, &r), 0);
    cr_assert_eq(r.status, 0, "not JSON Lines: %s", r.err);
    harness_free(&r);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "no trace at %s", path);
    static char text[1 << 20];
    size_t len = fread(text, 1, sizeof(text) - 1, f);
    text[len] = '\0';
    fclose(f);
    unlink(path);
    return text;
}

Test(faults_inject, trace_of_hello_has_start_its_writes_and_exit_in_order)
{
    REQUIRE_KVM();
    const char *path = trace_path();
    struct run_result r;
    harness_zxvmm(&r, "run", "--timeout", GUEST_TIMEOUT, "--trace", path, harness_example("hello"), NULL);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    harness_free(&r);
    char *text = read_trace(path);
    cr_assert(strncmp(text, "{\"t_ns\":", 8) == 0, "%s", text);
    char *start = strstr(text, "\"event\":\"start\",\"process\":\"hello\"");
    char *write = strstr(text, "\"syscall\":\"zx_debug_write\",\"number\":19,\"args\":[");
    char *exit_call = strstr(text, "\"syscall\":\"zx_process_exit\",\"number\":7,\"args\":[0]");
    char *end = strstr(text, "\"event\":\"exit\",\"process\":\"hello\"");
    cr_assert(start && write && exit_call && end, "trace:\n%s", text);
    cr_assert(start < write && write < exit_call && exit_call < end, "out of order:\n%s", text);
    assert_contains(write, "\"status\":\"ZX_OK\",\"dur_ns\":");
    assert_contains(end, "\"end\":\"exit\",\"code\":0}\n");
}

Test(faults_inject, trace_shows_statuses_values_and_actual)
{
    REQUIRE_KVM();
    const char *path = trace_path();
    struct run_result r;
    harness_zxvmm(&r, "run", "--timeout", GUEST_TIMEOUT, "--cmdline", DEBUG_CMDLINE, "--trace", path,
                  harness_guest("syscalls"), "write_memory_twice", NULL);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    harness_free(&r);
    char *text = read_trace(path);
    assert_contains(text, "\"syscall\":\"zx_process_write_memory\"");
    assert_contains(text, "\"status\":\"ZX_OK\",\"actual\":3,\"dur_ns\":");
    path = trace_path();
    harness_zxvmm(&r, "run", "--timeout", GUEST_TIMEOUT, "--trace", path, harness_guest("syscalls"),
                  "page_size", NULL);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    harness_free(&r);
    text = read_trace(path);
    assert_contains(text, "\"syscall\":\"zx_system_get_page_size\",\"number\":23,\"args\":[],\"ret\":4096,");
}

Test(faults_inject, trace_records_a_cpu_exception_and_the_end_it_caused)
{
    REQUIRE_KVM();
    const char *path = trace_path();
    struct run_result r;
    harness_zxvmm(&r, "run", "--timeout", GUEST_TIMEOUT, "--trace", path, harness_guest("fault"), "pf", NULL);
    cr_assert_eq(r.status, 139, "stderr: %s", r.err);
    harness_free(&r);
    char *text = read_trace(path);
    char *exc = strstr(text, "\"event\":\"exception\",\"process\":\"fault\"");
    cr_assert_not_null(exc, "trace:\n%s", text);
    assert_contains(exc, "\"vector\":14,\"name\":\"page fault (#PF)\",\"rip\":");
    assert_contains(exc, "\"event\":\"exit\",\"process\":\"fault\"");
    assert_contains(exc, "\"end\":\"exception\",\"code\":-1028}");
}

Test(faults_inject, trace_exit_row_carries_the_return_code)
{
    REQUIRE_KVM();
    const char *path = trace_path();
    struct run_result r;
    harness_zxvmm(&r, "run", "--timeout", GUEST_TIMEOUT, "--trace", path, harness_guest("exit_code"), "3",
                  NULL);
    cr_assert_eq(r.status, 3, "stderr: %s", r.err);
    harness_free(&r);
    assert_contains(read_trace(path), "\"event\":\"exit\",\"process\":\"exit_code\"");
}

Test(faults_inject, trace_into_a_missing_directory_is_a_usage_error_before_the_vm_starts)
{
    struct run_result r;
    harness_zxvmm(&r, "run", "--trace", "/nonexistent-dir/t.jsonl", harness_example("hello"), NULL);
    cr_assert_eq(r.status, 2);
    assert_contains(
        r.err, "zxvmm: --trace /nonexistent-dir/t.jsonl: cannot create the file: No such file or directory");
    cr_assert_eq(r.out[0], '\0');
    harness_free(&r);
}

Test(faults_inject, trace_with_an_empty_name_is_refused)
{
    struct run_result r;
    harness_zxvmm(&r, "run", "--trace", "", harness_example("hello"), NULL);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, "zxvmm: --trace: the file name is empty");
    harness_free(&r);
}
