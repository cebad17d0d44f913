/* test_speed.c: what the speed work must not change: whole trace rows through buffering, output at exit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faults_support.h"

#define GUEST_TIMEOUT "60"

/*
 * Checks with Python's json module that every line of the trace at `path` is
 * one whole JSON object ending in a newline; prints "others=N calls>=5000:B
 * last=EVENT:END" (N: rows that are not syscalls, B: True when there are at
 * least 5000 syscall rows; the last row's event and end, or "none").
 */
static char *check_trace(const char *path, struct run_result *r)
{
    const char *check[] = {
        "/usr/bin/python3", "-c",
        "import json,sys\n"
        "text = open(sys.argv[1]).read()\n"
        "assert text == '' or text.endswith('\\n'), 'last row cut: ' + text[-200:]\n"
        "rows = [json.loads(l) for l in text.splitlines()]\n"
        "assert all(isinstance(x, dict) for x in rows)\n"
        "calls = sum(1 for x in rows if x['event'] == 'syscall')\n"
        "last = rows[-1]['event'] + ':' + rows[-1].get('end', '') if rows else 'none'\n"
        "print('others=%d calls>=5000:%s last=%s' % (len(rows) - calls, calls >= 5000, last))\n",
        path, NULL};
    cr_assert_eq(harness_run(check, r), 0);
    cr_assert_eq(r->status, 0, "not whole JSON Lines: %s", r->err);
    return r->out;
}

Test(speed, a_long_trace_is_whole_rows_through_many_buffer_flushes)
{
    REQUIRE_KVM();
    char path[64];
    faults_temp_path(path, sizeof(path), ".jsonl");
    struct run_result r;
    /* 5000 null calls: some 600 KiB of rows, many times what the writer holds back. */
    harness_zxvmm(&r, "run", "--timeout", GUEST_TIMEOUT, "--trace", path, harness_guest("bench_null"), "5000",
                  NULL);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    harness_free(&r);
    check_trace(path, &r);
    /* start, every call (the 5000 closes among them), exit */
    assert_contains(r.out, "others=2 calls>=5000:True last=exit:exit");
    harness_free(&r);
    unlink(path);
}

Test(speed, a_trace_ended_by_timeout_is_whole_rows_and_ends_with_the_stop)
{
    REQUIRE_KVM();
    char path[64];
    faults_temp_path(path, sizeof(path), ".jsonl");
    struct run_result r;
    harness_zxvmm(&r, "run", "--timeout", "1", "--trace", path, harness_guest("spin"), NULL);
    cr_assert_eq(r.status, 124, "stderr: %s", r.err);
    harness_free(&r);
    check_trace(path, &r);
    assert_contains(r.out, "last=exit:kill");
    harness_free(&r);
    unlink(path);
}

Test(speed, a_vmm_killed_mid_run_leaves_only_whole_trace_rows)
{
    REQUIRE_KVM();
    char path[64], script[512];
    faults_temp_path(path, sizeof(path), ".jsonl");
    /* However far the run got when the kill came, the file holds whole rows only. */
    snprintf(script, sizeof(script),
             "'%s' run --trace '%s' '%s' 100000000 >/dev/null & pid=$!; sleep 3; "
             "kill -9 $pid; wait $pid; exit 0",
             harness_zxvmm_path(), path, harness_guest("bench_null"));
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    struct run_result r;
    cr_assert_eq(harness_run(argv, &r), 0);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    harness_free(&r);
    check_trace(path, &r);
    harness_free(&r);
    unlink(path);
}

Test(speed, stdout_is_whole_when_the_vmm_exits_after_a_run)
{
    REQUIRE_KVM();
    struct run_result r;
    harness_zxvmm(&r, "run", "--timeout", GUEST_TIMEOUT, harness_guest("printf_check"), NULL);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    char x[5001];
    memset(x, 'x', 5000);
    x[5000] = '\0';
    harness_assert_line(r.out, x);
    size_t len = strlen(r.out);
    cr_assert(len >= 5 && strcmp(r.out + len - 5, "done\n") == 0, "stdout ends: %s", r.out + len - 20);
    harness_free(&r);
}

Test(speed, stdout_of_a_faulted_run_is_whole_when_its_child_exits)
{
    REQUIRE_KVM();
    char lua[64];
    faults_temp_path(lua, sizeof(lua), ".lua");
    FILE *f = fopen(lua, "w");
    cr_assert_not_null(f);
    fprintf(f, "return { program = { [==[%s]==] } }\n", harness_guest("printf_check"));
    fclose(f);
    struct run_result r;
    harness_zxvmm(&r, "run", "--scenario", lua, "--seed", "1", NULL);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    size_t len = strlen(r.out);
    cr_assert(len >= 5 && strcmp(r.out + len - 5, "done\n") == 0, "stdout ends: %s", r.out + len - 20);
    assert_contains(r.err, "zxvmm: class not_activated");
    harness_free(&r);
    unlink(lua);
}
