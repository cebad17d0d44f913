/* test_faults_inject.c: --trace rows from real runs, and the CLI's refusals (docs/faults.md). */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "faults_support.h"
#include "harness.h"

#define GUEST_TIMEOUT "60"
#define DEBUG_CMDLINE "kernel.enable-debugging-syscalls=true"

/* A fresh path for a trace file; the next call reuses it. */
static const char *trace_path(void)
{
    static char path[64];
    return faults_temp_path(path, sizeof(path), ".jsonl");
}

/*
 * The whole file, checked to be JSON Lines (every line one JSON object) by
 * Python's json module; the file is then removed.
 */
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
    return faults_take_file(path);
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

/*
 * Lets the files this test's children write grow to `bytes` at most, as a
 * full disk would stop them (the soft limit), or sets the limit back to
 * *restore. SIGXFSZ is ignored, so a write past it fails with EFBIG instead
 * of killing zxvmm. Returns the limit before.
 */
static struct rlimit limit_file_size(rlim_t bytes, const struct rlimit *restore)
{
    struct rlimit before, now;
    cr_assert_eq(getrlimit(RLIMIT_FSIZE, &before), 0);
    now = restore ? *restore : (struct rlimit){bytes, before.rlim_max};
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &now), 0);
    signal(SIGXFSZ, SIG_IGN);
    return before;
}

Test(faults_inject, a_trace_that_cannot_be_written_is_named_and_the_exit_status_stays_the_programs)
{
    REQUIRE_KVM();
    const char *path = trace_path();
    struct rlimit before = limit_file_size(100, NULL);
    struct run_result r;
    harness_zxvmm(&r, "run", "--timeout", GUEST_TIMEOUT, "--trace", path, harness_guest("exit_code"), "3",
                  NULL);
    limit_file_size(0, &before);
    cr_assert_eq(r.status, 3, "stderr: %s", r.err);
    char want[160];
    snprintf(want, sizeof(want),
             "zxvmm: --trace %s: writing the trace failed: File too large (it is incomplete)", path);
    harness_assert_line(r.err, want);
    harness_free(&r);
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

/* Runs `zxvmm campaign PATH --runs RUNS --seed SEED --out FILE`, which must succeed; returns its rows
 * (checked to be JSON Lines; valid until the next read_trace). */
static char *campaign_rows(const char *path, const char *runs, const char *seed)
{
    const char *out = trace_path();
    struct run_result r;
    harness_zxvmm(&r, "campaign", path, "--runs", runs, "--seed", seed, "--out", out, NULL);
    cr_assert_eq(r.status, 0, "stderr:\n%s", r.err);
    harness_free(&r);
    return read_trace(out);
}

/*
 * Writes a scenario file: `text` with the inject_target guest's path for each
 * "@P", the address of its `inject_word` for "@W" and of its `target` page
 * for "@T". Returns its path.
 */
static const char *scenario(const char *text)
{
    static const struct faults_mark marks[] = {{'W', "inject_word"}, {'T', "target"}, {0, NULL}};
    static char path[64];
    return faults_scenario(path, sizeof(path), "inject_target", marks, text);
}

#define WRITES_SCENARIO(fault)                                                                               \
    "return { program = { '@P', 'writes' }, cmdline = 'kernel.enable-debugging-syscalls=true',\n"            \
    "  timeout = 60, faults = { " fault " } }\n"

Test(faults_inject, fail_nth_returns_the_status_without_making_the_call)
{
    REQUIRE_KVM();
    struct run_result r;
    faults_run_scenario(
        &r,
        scenario(WRITES_SCENARIO("{ id = 'wm', on = 'syscall', name = 'zx_process_write_memory', nth = 2,"
                                 " action = { fail = 'ZX_ERR_NO_MEMORY' } }")),
        1, "zxvmm: class detected: wm x1", NULL);
    harness_assert_line(r.out, "write1=ZX_OK actual=3 target=xyz");
    harness_assert_line(r.out, "write2=ZX_ERR_NO_MEMORY actual=0 target=abc");
    harness_assert_line(r.out, "write3=ZX_OK actual=3 target=xyz");
    harness_free(&r);
}

Test(faults_inject, fail_after_keeps_the_call_effects_and_replaces_its_status)
{
    REQUIRE_KVM();
    struct run_result r;
    faults_run_scenario(
        &r,
        scenario(WRITES_SCENARIO("{ id = 'io', on = 'syscall', name = 'zx_process_write_memory', nth = 1,"
                                 " when = 'after', action = { fail = 'ZX_ERR_IO' } }")),
        1, "zxvmm: class detected: io x1", NULL);
    harness_assert_line(r.out, "write1=ZX_ERR_IO actual=3 target=xyz");
    harness_free(&r);
}

Test(faults_inject, short_moves_at_most_n_bytes_and_actual_says_so)
{
    REQUIRE_KVM();
    struct run_result r;
    faults_run_scenario(
        &r,
        scenario(WRITES_SCENARIO("{ id = 's', on = 'syscall', name = 'zx_process_write_memory', nth = 3,"
                                 " action = { short = 1 } }")),
        0, "zxvmm: class sdc: s x1", NULL);
    harness_assert_line(r.out, "write3=ZX_OK actual=1 target=xbc");
    harness_free(&r);
}

Test(faults_inject, unmap_lets_the_real_check_fail_and_the_trace_shows_it)
{
    REQUIRE_KVM();
    struct run_result r;
    const char *trace = trace_path();
    faults_run_scenario(
        &r,
        scenario(WRITES_SCENARIO("{ id = 'um', on = 'syscall', name = 'zx_process_write_memory', nth = 2,"
                                 " action = { unmap = { process = 'inject_target', addr = @T,"
                                 " len = 4096 } } }")),
        139, "zxvmm: class crash: um x1", trace);
    harness_assert_line(r.out, "write1=ZX_OK actual=3 target=xyz");
    harness_free(&r);
    char *text = read_trace(trace);
    char *fault = strstr(text, "\"event\":\"fault\",\"process\":\"inject_target\"");
    cr_assert_not_null(fault, "trace:\n%s", text);
    assert_contains(fault, "\"id\":\"um\",\"action\":\"unmap\"}");
    /* After the unmap, the call itself ran and its own check refused the target. */
    assert_contains(fault, "\"syscall\":\"zx_process_write_memory\"");
    char *call = strstr(fault, "\"syscall\":\"zx_process_write_memory\"");
    assert_contains(call, "\"status\":\"ZX_ERR_NO_MEMORY\"");
    assert_contains(call, "\"event\":\"exception\"");
}

Test(faults_inject, revoke_removes_rights_so_the_real_check_denies)
{
    REQUIRE_KVM();
    struct run_result r;
    faults_run_scenario(
        &r,
        scenario(WRITES_SCENARIO("{ id = 'rv', on = 'syscall', name = 'zx_process_write_memory', nth = 1,"
                                 " action = { revoke = 'ZX_RIGHT_WRITE' } }")),
        3, "zxvmm: class detected: rv x1", NULL);
    harness_assert_line(r.out, "write1=ZX_ERR_ACCESS_DENIED actual=0 target=abc");
    harness_assert_line(r.out, "write3=ZX_ERR_ACCESS_DENIED actual=0 target=abc");
    harness_free(&r);
}

Test(faults_inject, debugging_false_switches_the_boot_option_off)
{
    REQUIRE_KVM();
    struct run_result r;
    faults_run_scenario(
        &r,
        scenario(WRITES_SCENARIO("{ id = 'dbg', on = 'syscall', name = 'zx_debug_write', nth = 1,"
                                 " action = { debugging = false } }")),
        2, "zxvmm: class detected: dbg x1", NULL);
    harness_assert_line(r.out, "write1=ZX_OK actual=3 target=xyz");
    harness_assert_line(r.out, "write2=ZX_ERR_NOT_SUPPORTED actual=0 target=abc");
    harness_free(&r);
}

Test(faults_inject, kill_ends_the_process_as_zx_task_kill_does)
{
    REQUIRE_KVM();
    struct run_result r;
    faults_run_scenario(
        &r,
        scenario(WRITES_SCENARIO("{ id = 'k', on = 'syscall', name = 'zx_process_write_memory', nth = 2,"
                                 " action = { kill = 'inject_target' } }")),
        137, "zxvmm: class crash: k x1", NULL);
    harness_assert_line(r.out, "write1=ZX_OK actual=3 target=xyz");
    cr_assert_null(strstr(r.out, "write2="), "the killed process went on:\n%s", r.out);
    harness_free(&r);
}

Test(faults_inject, flip_at_start_changes_memory_and_is_sdc)
{
    REQUIRE_KVM();
    struct run_result r;
    faults_run_scenario(
        &r,
        scenario("return { program = { '@P', 'word' }, timeout = 60, faults = {\n"
                 "  { id = 'bit', on = 'start', action = { flip = { process = 'inject_target',"
                 " addr = @W, mask = 0x0101 } } } } }\n"),
        0, "zxvmm: class sdc: bit x1", NULL);
    harness_assert_line(r.out, "word=0x1335");
    harness_free(&r);
}

/* A flip with a lifespan is undone when that many more events passed the fault's filters. */
Test(faults_inject, a_flip_with_a_lifespan_is_undone_after_that_many_events)
{
    REQUIRE_KVM();
    struct run_result r;
    const char *trace = trace_path();
    faults_run_scenario(
        &r,
        scenario("return { program = { '@P', 'words' }, timeout = 60, faults = {\n"
                 "  { id = 'bit', on = 'syscall', name = 'zx_debug_write', nth = 1,\n"
                 "    action = { flip = { process = 'inject_target', addr = @W, mask = 0x0101 },"
                 " lifespan = 2 } } } }\n"),
        0, "zxvmm: class sdc: bit x1", trace);
    harness_assert_line(r.out, "word1=0x1335");
    harness_assert_line(r.out, "word2=0x1335");
    harness_assert_line(r.out, "word3=0x1234");
    harness_free(&r);
    char *text = read_trace(trace);
    char *flip = strstr(text, "\"event\":\"fault\",\"process\":\"inject_target\"");
    cr_assert_not_null(flip, "%s", text);
    assert_contains(flip, "\"id\":\"bit\",\"action\":\"flip\"");
    assert_contains(flip, "\"id\":\"bit\",\"action\":\"undo\"");
    faults_run_scenario(
        &r,
        scenario("return { program = { '@P', 'words' }, timeout = 60, faults = {\n"
                 "  { id = 'bit', on = 'syscall', name = 'zx_debug_write', nth = 1,\n"
                 "    action = { flip = { process = 'inject_target', addr = @W, mask = 0x0101 },"
                 " lifespan = 0 } } } }\n"),
        0, "zxvmm: class sdc: bit x1", NULL);
    harness_assert_line(r.out, "word3=0x1335");
    harness_free(&r);
}

/* A time trigger fires once its milliseconds have passed, on its own clock; its rows are not reproducible. */
Test(faults_inject, a_time_trigger_fires_after_its_ms_and_marks_rows_unreproducible)
{
    REQUIRE_KVM();
    struct run_result r;
    const char *path =
        scenario("return { program = { '@P', 'sleep', '3000' }, timeout = 60, faults = {\n"
                 "  { id = 'late', on = 'time', ms = 300, action = { kill = 'inject_target' } },\n"
                 "  { id = 'never', on = 'time', ms = 50000, action = { kill = 'inject_target' } },\n"
                 "  { id = 'nodelay', on = 'time', ms = 300, action = { delay = 5 } } } }\n");
    faults_run_scenario(&r, path, 137, "zxvmm: class crash: late x1, nodelay x1", NULL);
    cr_assert_null(strstr(r.out, "slept"), "%s", r.out);
    harness_assert_line(r.err, "zxvmm: fault 'nodelay' fired but its action did not apply: delay stalls the "
                               "calling vCPU, and a time trigger has none");
    harness_free(&r);
    char *rows = campaign_rows(path, "1", "5");
    char *golden = strstr(rows, "\"run\":\"golden\"");
    char *run0 = strstr(rows, "\"run\":0,");
    cr_assert(golden && run0, "%s", rows);
    assert_contains(golden, "\"reproducible\":true");
    assert_contains(run0, "\"first\":{\"process\":\"inject_target\",\"event\":\"time\",\"n\":1}");
    assert_contains(run0, "\"class\":\"crash\"");
    assert_contains(run0, "\"reproducible\":false");
}

Test(faults_inject, a_fault_that_never_fires_is_not_activated)
{
    REQUIRE_KVM();
    struct run_result r;
    faults_run_scenario(
        &r,
        scenario(WRITES_SCENARIO("{ id = 'never', on = 'syscall', name = 'zx_process_write_memory',"
                                 " nth = 100, action = { fail = 'ZX_ERR_IO' } }")),
        0, "zxvmm: class not_activated", NULL);
    harness_assert_line(r.out, "write3=ZX_OK actual=3 target=xyz");
    harness_free(&r);
}

Test(faults_inject, an_ignored_failure_is_masked)
{
    REQUIRE_KVM();
    struct run_result r;
    faults_run_scenario(&r,
                        scenario("return { program = { '@P', 'ignore' }, timeout = 60, faults = {\n"
                                 "  { id = 'c', on = 'syscall', name = 'zx_handle_close', action = { fail = "
                                 "'ZX_ERR_IO' } } } }\n"),
                        0, "zxvmm: class masked: c x1", NULL);
    harness_assert_line(r.out, "done");
    harness_free(&r);
}

Test(faults_inject, a_delay_past_the_timeout_is_a_hang)
{
    REQUIRE_KVM();
    struct run_result r;
    faults_run_scenario(&r,
                        scenario("return { program = { '@P', 'writes' }, timeout = 2,\n"
                                 "  cmdline = 'kernel.enable-debugging-syscalls=true', faults = {\n"
                                 "  { id = 'slow', on = 'syscall', name = 'zx_process_write_memory', nth = 1,"
                                 " action = { delay = 30000 } } } }\n"),
                        124, "zxvmm: class hang: slow x1", NULL);
    harness_free(&r);
}

Test(faults_inject, an_action_that_cannot_apply_is_reported_not_fatal)
{
    REQUIRE_KVM();
    struct run_result r;
    faults_run_scenario(
        &r, scenario(WRITES_SCENARIO("{ id = 'ghost', on = 'start', action = { kill = 'nobody' } }")), 0,
        "zxvmm: class masked: ghost x1", NULL);
    harness_assert_line(r.err,
                        "zxvmm: fault 'ghost' fired but its action did not apply: no process named nobody");
    harness_free(&r);
}

Test(faults_inject, the_same_seed_gives_the_same_run)
{
    REQUIRE_KVM();
    const char *path =
        scenario(WRITES_SCENARIO("{ id = 'p', on = 'syscall', name = 'zx_process_write_memory',"
                                 " probability = 50, action = { fail = 'ZX_ERR_IO' } }"));
    struct run_result a, b;
    harness_zxvmm(&a, "run", "--seed", "0x2a", "--scenario", path, NULL);
    harness_zxvmm(&b, "run", "--seed", "42", "--scenario", path, NULL);
    cr_assert_eq(a.status, b.status);
    cr_assert_str_eq(a.out, b.out);
    cr_assert_str_eq(a.err, b.err);
    assert_contains(a.err, "zxvmm: class ");
    harness_free(&a);
    harness_free(&b);
}

Test(faults_inject, without_seed_one_is_chosen_and_printed)
{
    REQUIRE_KVM();
    struct run_result r;
    harness_zxvmm(&r, "run", "--scenario",
                  scenario(WRITES_SCENARIO("{ on = 'start', action = { delay = 0 } }")), NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strncmp(r.err, "zxvmm: seed 0x", 14) == 0, "%s", r.err);
    harness_free(&r);
}

Test(faults_inject, a_malformed_scenario_is_refused_with_file_and_line_before_any_run)
{
    const char *path = scenario("return { program = { '@P' },\n faults = {\n"
                                "  { id = 'x', on = 'syscall', name = 'zx_debug_write', nht = 1,\n"
                                "    action = { fail = 'ZX_ERR_IO' } } } }\n");
    struct run_result r;
    harness_zxvmm(&r, "run", "--scenario", path, NULL);
    cr_assert_eq(r.status, 2);
    char want[160];
    snprintf(want, sizeof(want), "zxvmm: %s:3: fault 'x': key 'nht': unknown key (did you mean 'nth'?)",
             path);
    harness_assert_line(r.err, want);
    cr_assert_eq(r.out[0], '\0');
    harness_free(&r);
}

Test(faults_inject, a_lua_error_in_the_scenario_is_refused_with_its_line)
{
    const char *path = scenario("-- @P\nlocal t = nil\nreturn t.program\n");
    struct run_result r;
    harness_zxvmm(&r, "run", "--scenario", path, NULL);
    cr_assert_eq(r.status, 2);
    char want[160];
    snprintf(want, sizeof(want), "zxvmm: %s:3: attempt to index a nil value (local 't')", path);
    harness_assert_line(r.err, want);
    harness_free(&r);
}

#define HOOK_SCENARIO(hooks)                                                                                 \
    "return { program = { '@P', 'writes' }, cmdline = 'kernel.enable-debugging-syscalls=true',\n"            \
    "  timeout = 60,\n" hooks " }\n"

Test(faults_inject, on_syscall_sees_each_call_and_its_action_fires_as_a_fault)
{
    REQUIRE_KVM();
    struct run_result r;
    faults_run_scenario(
        &r,
        scenario(HOOK_SCENARIO(
            "  on_syscall = function(ev)\n"
            "    if ev.syscall ~= 'zx_process_write_memory' then return nil end\n"
            "    if ev.when == 'after' and ev.n == 1 then zx.log('after', ev.status, ev.actual) end\n"
            "    if ev.when == 'before' and ev.n == 2 then\n"
            "      zx.log('hit', ev.process, ev.n, #ev.args, ev.args[4] == 3)\n"
            "      return { fail = zx.ZX_ERR_NO_MEMORY }\n"
            "    end\n"
            "  end,\n"
            "  on_exit = function(ev) zx.log('exit', ev.process, ev.code, ev['end']) end,")),
        1, "zxvmm: class detected: on_syscall x1", NULL);
    harness_assert_line(r.out, "write1=ZX_OK actual=3 target=xyz");
    harness_assert_line(r.out, "write2=ZX_ERR_NO_MEMORY actual=0 target=abc");
    harness_assert_line(r.out, "write3=ZX_OK actual=3 target=xyz");
    harness_assert_line(r.err, "zxvmm: scenario log: after\t0\t3");
    harness_assert_line(r.err, "zxvmm: scenario log: hit\tinject_target\t2\t8\ttrue");
    harness_assert_line(r.err, "zxvmm: scenario log: exit\tinject_target\t1\texit");
    harness_free(&r);
}

Test(faults_inject, on_exception_sees_the_vector_rip_and_cr2)
{
    REQUIRE_KVM();
    char text[512];
    snprintf(text, sizeof(text),
             "return { program = { '%s', 'pf' }, timeout = 60,\n"
             "  on_exception = function(ev)\n"
             "    zx.log('exc', ev.process, ev.vector, ev.rip > 0x20000000, string.format('0x%%x', ev.cr2))\n"
             "  end }\n",
             harness_guest("fault"));
    struct run_result r;
    faults_run_scenario(&r, scenario(text), 139, "zxvmm: class not_activated", NULL);
    harness_assert_line(r.err, "zxvmm: scenario log: exc\tfault\t14\ttrue\t0x10");
    harness_free(&r);
}

Test(faults_inject, a_hook_error_or_budget_ends_the_run_as_vmm_error_with_the_reason)
{
    REQUIRE_KVM();
    struct run_result r;
    const char *path = scenario(HOOK_SCENARIO("  on_syscall = function(ev) error('boom') end,"));
    faults_run_scenario(&r, path, 125, "zxvmm: class vmm_error", NULL);
    char want[200];
    snprintf(want, sizeof(want), "zxvmm: scenario: on_syscall: %s:3: boom", path);
    harness_assert_line(r.err, want);
    harness_free(&r);
    faults_run_scenario(&r, scenario(HOOK_SCENARIO("  on_syscall = function(ev) while true do end end,")),
                        125, "zxvmm: class vmm_error", NULL);
    assert_contains(r.err, "zxvmm: scenario: on_syscall: ");
    assert_contains(r.err, "instruction budget of 1000000 exceeded");
    harness_free(&r);
    faults_run_scenario(&r, scenario(HOOK_SCENARIO("  on_syscall = function(ev) return { fial = 1 } end,")),
                        125, "zxvmm: class vmm_error", NULL);
    assert_contains(r.err, "hook on_syscall: key 'fial': unknown key (did you mean 'fail'?)");
    harness_free(&r);
}

/*
 * A string pattern that backtracks for billions of years on a subject that
 * never matches. Lua's own string.find ran it in C, where the instruction
 * budget did not reach; the sandbox's counts every step.
 */
#define ENDLESS_PATTERN_CALL "string.find(string.rep('a', 60), string.rep('a-', 20) .. 'b')"

Test(faults_inject, a_pathological_pattern_in_a_hook_hits_the_instruction_budget)
{
    REQUIRE_KVM();
    struct run_result r;
    const char *path =
        scenario("return { program = { '@P', 'writes' }, cmdline = '" DEBUG_CMDLINE "',\n"
                 "  timeout = 5,\n"
                 "  on_syscall = function(ev)\n"
                 "    if ev.syscall == 'zx_process_write_memory' then " ENDLESS_PATTERN_CALL " end\n"
                 "  end }\n");
    /* Without the count, the hook never returns: the run is given up 50 ms after its timeout. */
    faults_run_scenario(&r, path, 125, "zxvmm: class vmm_error", NULL);
    assert_contains(r.err, "zxvmm: scenario: on_syscall: ");
    assert_contains(r.err, ".lua:4: instruction budget of 1000000 exceeded\n");
    harness_free(&r);
}

Test(faults_inject, a_pathological_pattern_at_the_top_level_or_in_classify_hits_the_instruction_budget)
{
    REQUIRE_KVM();
    /* Both held zxvmm for good: the top level as the scenario is validated, classify after the run. */
    const char *path = scenario("local found = " ENDLESS_PATTERN_CALL "\n"
                                "return { program = { '@P', 'writes' }, cmdline = '" DEBUG_CMDLINE "' }\n");
    struct run_result r;
    harness_zxvmm(&r, "run", "--scenario", path, NULL);
    cr_assert_eq(r.status, 2, "%s", r.err);
    char want[200];
    snprintf(want, sizeof(want), "zxvmm: %s:1: instruction budget of 1000000 exceeded", path);
    harness_assert_line(r.err, want);
    harness_free(&r);
    path = scenario("return { program = { '@P', 'writes' }, cmdline = '" DEBUG_CMDLINE "',\n"
                    "  classify = function(r)\n"
                    "    return " ENDLESS_PATTERN_CALL " and 'masked'\n"
                    "  end }\n");
    /* classify runs after the run: its status stays the program's, its class is vmm_error. */
    faults_run_scenario(&r, path, 0, "zxvmm: class vmm_error", NULL);
    snprintf(want, sizeof(want), "zxvmm: scenario: classify: %s:3: instruction budget of 1000000 exceeded",
             path);
    harness_assert_line(r.err, want);
    harness_free(&r);
}

/* A budget that lasts for centuries: only the end of the run stops the hook. */
#define ENDLESS_BUDGET "  limits = { instructions = math.maxinteger },\n"

Test(faults_inject, a_hook_with_an_endless_budget_is_stopped_50_ms_after_the_timeout)
{
    REQUIRE_KVM();
    struct run_result r;
    const char *path =
        scenario("return { program = { '@P', 'writes' }, cmdline = '" DEBUG_CMDLINE "',\n"
                 "  timeout = 1,\n" ENDLESS_BUDGET "  on_syscall = function(ev)\n"
                 "    if ev.syscall == 'zx_process_write_memory' then " ENDLESS_PATTERN_CALL " end\n"
                 "  end }\n");
    const char *trace = trace_path();
    /* Without the stop this run never ends, and the harness kills it after 120 s. */
    faults_run_scenario(&r, path, 125, "zxvmm: class vmm_error", trace);
    assert_contains(r.err, "zxvmm: scenario: on_syscall: ");
    assert_contains(r.err, ".lua:5: still running 50 ms after the run ended; stopped\n");
    harness_free(&r);
    /* The trace holds the rows up to the stopped call, whole. */
    char *rows = read_trace(trace);
    assert_contains(rows, "\"event\":\"start\"");
}

Test(faults_inject, an_on_exit_hook_in_an_endless_loop_cannot_hold_a_run_without_timeout)
{
    REQUIRE_KVM();
    /* No timeout: the run ends with its main process, whose on_exit hook then loops in Lua code. */
    const char *path =
        scenario("return { program = { '@P', 'writes' }, cmdline = '" DEBUG_CMDLINE "',\n" ENDLESS_BUDGET
                 "  on_exit = function(ev) zx.log('exit', ev.code) while true do end end }\n");
    struct run_result r;
    faults_run_scenario(&r, path, 125, "zxvmm: class vmm_error", NULL);
    harness_assert_line(r.err, "zxvmm: scenario log: exit\t0");
    assert_contains(r.err, "zxvmm: scenario: on_exit: ");
    assert_contains(r.err, ".lua:3: still running 50 ms after the run ended; stopped\n");
    harness_free(&r);
    /* In a campaign, the run's row says so and the campaign goes on. */
    char *rows = campaign_rows(path, "2", "3");
    cr_assert_eq(faults_count(rows, ".lua:3: still running 50 ms after the run ended; stopped\""), 2, "%s",
                 rows);
    cr_assert_eq(faults_count(rows, "\"class\":\"vmm_error\""), 2, "%s", rows);
}

Test(faults_inject, a_hook_inside_a_long_library_call_is_given_up_50_ms_after_the_run_ended)
{
    REQUIRE_KVM();
    /* Compiling 16 MiB of source: a second or so in Lua's compiler, where nothing counts or stops it. */
    const char *path =
        scenario("return { program = { '@P', 'writes' }, cmdline = '" DEBUG_CMDLINE "',\n"
                 "  limits = { memory = 1 << 28 },\n"
                 "  on_exit = function(ev) zx.log('exit', ev.code) load(string.rep('a=1 ', 1 << 22)) "
                 "end }\n");
    struct run_result r;
    faults_run_scenario(&r, path, 125, "zxvmm: class vmm_error", NULL);
    harness_assert_line(r.err, "zxvmm: scenario log: exit\t0");
    harness_assert_line(r.err,
                        "zxvmm: scenario: on_exit: still inside a library call 50 ms after the run ended, "
                        "counting nothing; the run was given up");
    harness_free(&r);
    char *rows = campaign_rows(path, "2", "3");
    cr_assert_eq(faults_count(rows, "\"error\":\"on_exit: still inside a library call 50 ms after the run "
                                    "ended"),
                 2, "%s", rows);
}

Test(faults_inject, classify_overrides_the_class_and_sees_the_golden_run)
{
    REQUIRE_KVM();
    struct run_result r;
    faults_run_scenario(
        &r,
        scenario(HOOK_SCENARIO(
            "  faults = { { id = 'wm', on = 'syscall', name = 'zx_process_write_memory', nth = 2,\n"
            "               action = { fail = 'ZX_ERR_NO_MEMORY' } } },\n"
            "  classify = function(r)\n"
            "    if r.golden.exit == 0 and r.exit == 1 and r.faults[1].id == 'wm' and\n"
            "       r.stdout:find('write2=ZX_ERR_NO_MEMORY', 1, true) then return 'masked' end\n"
            "  end,")),
        1, "zxvmm: class masked: wm x1", NULL);
    harness_free(&r);
    faults_run_scenario(
        &r,
        scenario(HOOK_SCENARIO(
            "  faults = { { id = 'wm', on = 'syscall', name = 'zx_process_write_memory', nth = 2,\n"
            "               action = { fail = 'ZX_ERR_NO_MEMORY' } } },\n"
            "  classify = function(r) return 'weird' end,")),
        1, "zxvmm: class vmm_error: wm x1", NULL);
    harness_assert_line(r.err, "zxvmm: scenario: classify returned 'weird', not a class name");
    harness_free(&r);
}

Test(faults_inject, campaign_rows_carry_a_hook_failure_and_the_log)
{
    REQUIRE_KVM();
    const char *path = scenario(HOOK_SCENARIO("  on_syscall = function(ev)\n"
                                              "    if ev.syscall == 'zx_process_write_memory' then\n"
                                              "      zx.log('n=' .. ev.n) error('stop here') end\n"
                                              "  end,"));
    char *rows = campaign_rows(path, "1", "3");
    char *run0 = strstr(rows, "\"run\":0,");
    cr_assert_not_null(run0, "%s", rows);
    assert_contains(run0, "\"error\":\"on_syscall: ");
    assert_contains(run0, "stop here\",\"log\":\"n=1\\u000a\",");
    assert_contains(run0, "\"end\":\"vmm_error\",\"class\":\"vmm_error\"");
}

Test(faults_inject, scenario_usage_errors_name_the_cause)
{
    struct run_result r;
    harness_zxvmm(&r, "run", "--scenario", "/nonexistent/s.lua", NULL);
    cr_assert_eq(r.status, 2);
    harness_assert_line(r.err, "zxvmm: /nonexistent/s.lua: cannot read: No such file or directory");
    harness_free(&r);
    harness_zxvmm(&r, "run", "--seed", "x1", "--scenario", "s.lua", NULL);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, "zxvmm: --seed x1: expected an unsigned 64-bit number, decimal or 0x hex");
    harness_free(&r);
    harness_zxvmm(&r, "run", "--seed", "5", harness_example("hello"), NULL);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, "zxvmm: --seed needs --scenario");
    harness_free(&r);
    harness_zxvmm(&r, "run", "--scenario", "s.lua", harness_example("hello"), NULL);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, "--scenario takes its programs from the scenario; remove '");
    harness_free(&r);
    harness_zxvmm(&r, "run", "--gdb", "tcp:127.0.0.1:1", "--scenario", "s.lua", NULL);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, "zxvmm: --gdb cannot be used with --scenario");
    harness_free(&r);
}

#define CAMPAIGN_SCENARIO                                                                                    \
    WRITES_SCENARIO("{ id = 'p', on = 'syscall', name = 'zx_process_write_memory', probability = 50,"        \
                    " action = { fail = 'ZX_ERR_IO' } }")

Test(faults_inject, campaign_writes_a_golden_row_then_one_row_per_run_in_order)
{
    REQUIRE_KVM();
    const char *path = scenario(CAMPAIGN_SCENARIO);
    const char *out = trace_path();
    struct run_result r;
    harness_zxvmm(&r, "campaign", path, "--runs", "4", "-j", "2", "--seed", "7", "--out", out, NULL);
    cr_assert_eq(r.status, 0, "stderr:\n%s", r.err);
    assert_contains(r.err, "class              runs   share\n");
    assert_contains(r.err, "total                 4\n");
    harness_free(&r);
    char *rows = read_trace(out);
    char *golden =
        strstr(rows, "\"campaign_seed\":7,\"run\":\"golden\",\"seed\":null,\"faults\":[],\"exit\":0,");
    cr_assert_not_null(golden, "%s", rows);
    const char *at = golden;
    for (int i = 0; i < 4; i++) {
        char want[64];
        snprintf(want, sizeof(want), "\"run\":%d,\"seed\":\"0x", i);
        char *row = strstr(at, want);
        cr_assert_not_null(row, "run %d missing or out of order:\n%s", i, rows);
        at = row;
    }
    cr_assert_null(strstr(at + 1, "\"run\":"), "more than 4 runs:\n%s", rows);
    /* Run 0's seed is the first splitmix64 output from the campaign seed 7. */
    uint64_t x = 7 + 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    x ^= x >> 31;
    char seed0[64];
    snprintf(seed0, sizeof(seed0), "\"run\":0,\"seed\":\"0x%016llx\"", (unsigned long long)x);
    assert_contains(rows, seed0);
    assert_contains(rows, "\"stdout_sha256\":\"");
    assert_contains(rows, "\"reproducible\":true,\"duration_ms\":");
}

Test(faults_inject, campaign_rows_are_reproducible_except_durations)
{
    REQUIRE_KVM();
    const char *path = scenario(CAMPAIGN_SCENARIO);
    struct run_result a, b;
    harness_zxvmm(&a, "campaign", path, "--runs", "3", "-j", "2", "--seed", "0x99", NULL);
    harness_zxvmm(&b, "campaign", path, "--runs", "3", "--seed", "153", NULL);
    cr_assert_eq(a.status, 0, "%s", a.err);
    cr_assert_eq(b.status, 0, "%s", b.err);
    char *x = faults_without_durations(a.out), *y = faults_without_durations(b.out);
    cr_assert_str_eq(x, y);
    assert_contains(x, "\"faults\":[{\"id\":\"p\",\"fired\":");
    free(x);
    free(y);
    harness_free(&a);
    harness_free(&b);
}

Test(faults_inject, campaign_without_seed_prints_the_one_it_chose)
{
    REQUIRE_KVM();
    struct run_result r;
    harness_zxvmm(&r, "campaign", scenario(CAMPAIGN_SCENARIO), "--runs", "1", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strncmp(r.err, "zxvmm: campaign seed 0x", 23) == 0, "%s", r.err);
    char want[64];
    snprintf(want, sizeof(want), "\"campaign_seed\":%llu,",
             (unsigned long long)strtoull(r.err + strlen("zxvmm: campaign seed "), NULL, 16));
    assert_contains(r.out, want);
    harness_free(&r);
}

Test(faults_inject, report_counts_classes_and_one_golden_row_across_shards)
{
    char a[] = "/tmp/zxvmm-rows-XXXXXX", b[] = "/tmp/zxvmm-rows-XXXXXX";
    int fa = mkstemp(a), fb = mkstemp(b);
    cr_assert(fa >= 0 && fb >= 0);
    const char *golden = "{\"run\":\"golden\",\"class\":\"golden\"}\n";
    dprintf(fa, "%s{\"run\":0,\"class\":\"sdc\"}\n{\"run\":2,\"class\":\"masked\"}\n{\"run\":4,\"cla",
            golden);
    dprintf(fb, "%s{\"run\":1,\"class\":\"sdc\"}\n{\"run\":3,\"class\":\"crash\"}\n", golden);
    close(fa);
    close(fb);
    struct run_result r;
    harness_zxvmm(&r, "report", a, b, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    harness_assert_line(r.out, "sdc                   2   50.0%");
    harness_assert_line(r.out, "crash                 1   25.0%");
    harness_assert_line(r.out, "masked                1   25.0%");
    harness_assert_line(r.out, "total                 4");
    char want[96];
    snprintf(want, sizeof(want), "zxvmm: report: %s:4: not a whole result row; skipped", a);
    harness_assert_line(r.err, want);
    harness_free(&r);
    harness_zxvmm(&r, "report", "/nonexistent/rows.jsonl", NULL);
    cr_assert_eq(r.status, 2);
    harness_assert_line(r.err,
                        "zxvmm: report: cannot read /nonexistent/rows.jsonl: No such file or directory");
    harness_free(&r);
    unlink(a);
    unlink(b);
}

Test(faults_inject, report_reads_rows_of_any_length_and_refuses_what_it_cannot_read)
{
    char a[] = "/tmp/zxvmm-rows-XXXXXX", dir[] = "/tmp/zxvmm-rows-dir-XXXXXX";
    int fa = mkstemp(a);
    cr_assert(fa >= 0 && mkdtemp(dir));
    /* A whole row longer than any line buffer, its class before the padding: counted once, no warning. */
    dprintf(fa, "{\"run\":0,\"class\":\"sdc\",\"log\":\"");
    for (int i = 0; i < 100000; i++)
        dprintf(fa, "x");
    dprintf(fa, "\"}\n{\"run\":1,\"class\":\"masked\"}\n");
    close(fa);
    struct run_result r;
    harness_zxvmm(&r, "report", a, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    harness_assert_line(r.out, "sdc                   1   50.0%");
    harness_assert_line(r.out, "masked                1   50.0%");
    harness_assert_line(r.out, "total                 2");
    cr_assert_str_empty(r.err);
    harness_free(&r);
    /* A directory opens but cannot be read: an error naming it, no table. */
    harness_zxvmm(&r, "report", a, dir, NULL);
    cr_assert_eq(r.status, 2);
    char want[96];
    snprintf(want, sizeof(want), "zxvmm: report: cannot read %s: Is a directory", dir);
    harness_assert_line(r.err, want);
    cr_assert_str_empty(r.out);
    harness_free(&r);
    /* A table that cannot be written (a full device) is an error too, not silence. */
    const char *full[] = {"/bin/sh", "-c", "exec \"$0\" report \"$1\" > /dev/full", harness_zxvmm_path(),
                          a,         NULL};
    harness_run(full, &r);
    cr_assert_eq(r.status, 2, "stderr: %s", r.err);
    harness_assert_line(r.err, "zxvmm: report: writing the table failed: No space left on device");
    harness_free(&r);
    unlink(a);
    rmdir(dir);
}

Test(faults_inject, campaign_usage_errors_name_the_cause)
{
    struct run_result r;
    harness_zxvmm(&r, "campaign", "s.lua", NULL);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, "zxvmm: campaign needs --runs N");
    harness_free(&r);
    harness_zxvmm(&r, "campaign", "s.lua", "--runs", "2", "-j", "0", NULL);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, "zxvmm: -j 0: expected a number from 1 to 64 (decimal or 0x hex)");
    harness_free(&r);
    harness_zxvmm(&r, "campaign", "s.lua", "--runz", "2", NULL);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, "unknown option '--runz' for 'campaign'; did you mean '--runs'?");
    harness_free(&r);
    harness_zxvmm(&r, "campaign", "/nonexistent/s.lua", "--runs", "2", NULL);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, "zxvmm: /nonexistent/s.lua: cannot read: No such file or directory");
    harness_free(&r);
}

/* The examples of docs/faults.md ("Examples: recovery and bit flips"), as written there. */
Test(faults_inject, example_scenarios_show_recovery_and_sdc_versus_masked_as_documented)
{
    REQUIRE_KVM();
    char path[600];
    struct run_result r;
    snprintf(path, sizeof(path), "%s", harness_example("retry.lua"));
    harness_zxvmm(&r, "run", "--scenario", path, "--seed", "3", NULL);
    cr_assert_eq(r.status, 0, "stdout:\n%s\nstderr:\n%s", r.out, r.err);
    harness_assert_line(r.out, "zx_vmo_write: ZX_ERR_NO_MEMORY, attempt 1 of 3");
    harness_assert_line(r.out, "stored and read back the record (1 retries)");
    harness_assert_line(r.err, "zxvmm: class masked: nomem x1");
    harness_free(&r);
    snprintf(path, sizeof(path), "%s", harness_example("flip.lua"));
    harness_zxvmm(&r, "run", "--scenario", path, "--seed", "3", NULL);
    cr_assert_eq(r.status, 0, "stderr:\n%s", r.err);
    harness_assert_line(r.err, "zxvmm: scenario log: flip at +0xfed");
    harness_assert_line(r.err, "zxvmm: class sdc: on_syscall x1");
    harness_free(&r);
    harness_zxvmm(&r, "run", "--scenario", path, "--seed", "1", NULL);
    cr_assert_eq(r.status, 0, "stderr:\n%s", r.err);
    harness_assert_line(r.err, "zxvmm: scenario log: flip at +0x1cc1");
    harness_assert_line(r.err, "zxvmm: class masked: on_syscall x1");
    harness_free(&r);
    /* The verifying copy the docs suggest: the same data flip is detected. */
    char text[2048];
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    size_t len = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[len] = '\0';
    char *prog = strstr(text, "program = { \"checksum\" }");
    cr_assert_not_null(prog, "%s", text);
    char verify[2200];
    snprintf(verify, sizeof(verify), "%.*sprogram = { \"%s\", \"verify\" }%s", (int)(prog - text), text,
             harness_example("checksum"), prog + strlen("program = { \"checksum\" }"));
    const char *copy = scenario(verify);
    harness_zxvmm(&r, "run", "--scenario", copy, "--seed", "3", NULL);
    cr_assert_eq(r.status, 1, "stdout:\n%s\nstderr:\n%s", r.out, r.err);
    assert_contains(r.out, "CHECKSUM MISMATCH");
    harness_assert_line(r.err, "zxvmm: class detected: on_syscall x1");
    harness_free(&r);
}

/* Strings a test made, freed together at its end (LeakSanitizer checks the workers). */
static char *kept[64];
static int nkept;

static char *keep(char *p)
{
    cr_assert_not_null(p);
    cr_assert_lt(nkept, 64);
    return kept[nkept++] = p;
}

static void free_kept(void)
{
    while (nkept > 0)
        free(kept[--nkept]);
}

/* The whole of a file, freed by free_kept. */
static char *slurp(const char *path)
{
    return keep(faults_read_file(path));
}

static int compare_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The rows of `text` without durations, sorted, the golden row once: what a merge of shards must equal. */
static char *merged_rows(const char *text)
{
    char *rows = faults_without_durations(text), *lines[4096];
    int n = 0;
    bool golden = false;
    for (char *save, *line = strtok_r(rows, "\n", &save); line && n < 4096;
         line = strtok_r(NULL, "\n", &save)) {
        bool is_golden = strstr(line, "\"run\":\"golden\"") != NULL;
        if (!is_golden || !golden)
            lines[n++] = line;
        golden = golden || is_golden;
    }
    qsort(lines, (size_t)n, sizeof(lines[0]), compare_lines);
    char *out = calloc(strlen(text) + 2, 1);
    for (int i = 0; i < n; i++) {
        strcat(out, lines[i]);
        strcat(out, "\n");
    }
    free(rows);
    return keep(out);
}

/* Runs `zxvmm campaign S --seed SEED --runs RUNS --out OUT [EXTRA...]` and asserts it ran. */
#define CAMPAIGN(r, path, seed, runs, out, ...)                                                              \
    do {                                                                                                     \
        harness_zxvmm((r), "campaign", (path), "--seed", (seed), "--runs", (runs), "--out", (out),           \
                      ##__VA_ARGS__, NULL);                                                                  \
        cr_assert_eq((r)->status, 0, "stderr:\n%s", (r)->err);                                               \
    } while (0)

/* The first line of `text`, without its duration (a fresh string). */
static char *first_row(const char *text)
{
    char *copy = strdup(text);
    copy[strcspn(copy, "\n")] = '\0';
    char *row = faults_without_durations(copy);
    free(copy);
    return keep(row);
}

Test(faults_inject, shards_concatenate_to_the_unsharded_rows_and_table)
{
    REQUIRE_KVM();
    const char *path = scenario(CAMPAIGN_SCENARIO);
    char all[64], s0[64], s1[64], s2[64];
    faults_temp_path(all, sizeof(all), ".jsonl");
    faults_temp_path(s0, sizeof(s0), ".jsonl");
    faults_temp_path(s1, sizeof(s1), ".jsonl");
    faults_temp_path(s2, sizeof(s2), ".jsonl");
    struct run_result r;
    CAMPAIGN(&r, path, "11", "5", all);
    harness_free(&r);
    CAMPAIGN(&r, path, "11", "5", s0, "--shard", "0/3");
    assert_contains(r.err, "total                 2\n"); /* runs 0 and 3 */
    harness_free(&r);
    CAMPAIGN(&r, path, "11", "5", s1, "--shard", "1/3", "-j", "2");
    assert_contains(r.err, "total                 2\n"); /* runs 1 and 4 */
    harness_free(&r);
    CAMPAIGN(&r, path, "11", "5", s2, "--shard", "2/3");
    assert_contains(r.err, "total                 1\n"); /* run 2 */
    harness_free(&r);
    char *whole = slurp(all), *t0 = slurp(s0), *t1 = slurp(s1), *t2 = slurp(s2);
    /* Every shard begins with the same golden row as the unsharded campaign. */
    char *golden = first_row(whole);
    assert_contains(golden, "\"run\":\"golden\"");
    char *g0 = first_row(t0), *g1 = first_row(t1), *g2 = first_row(t2);
    cr_assert_str_eq(g0, golden);
    cr_assert_str_eq(g1, golden);
    cr_assert_str_eq(g2, golden);
    /* Shard 1's rows are runs 1 and 4 only. */
    assert_contains(t1, "\"run\":1,");
    assert_contains(t1, "\"run\":4,");
    cr_assert_null(strstr(t1, "\"run\":0,"), "%s", t1);
    cr_assert_null(strstr(t1, "\"run\":2,"), "%s", t1);
    cr_assert_null(strstr(t1, "\"run\":3,"), "%s", t1);
    /* Concatenated, they are the unsharded rows. */
    char *cat = keep(calloc(strlen(t0) + strlen(t1) + strlen(t2) + 1, 1));
    strcat(strcat(strcat(cat, t0), t1), t2);
    char *a = merged_rows(whole), *b = merged_rows(cat);
    cr_assert_str_eq(b, a);
    /* And zxvmm report gives the same table for the shards as for the whole. */
    struct run_result ra, rb;
    harness_zxvmm(&ra, "report", all, NULL);
    harness_zxvmm(&rb, "report", s0, s1, s2, NULL);
    cr_assert_eq(ra.status, 0, "%s", ra.err);
    cr_assert_eq(rb.status, 0, "%s", rb.err);
    assert_contains(ra.out, "total                 5\n");
    cr_assert_str_eq(rb.out, ra.out);
    harness_free(&ra);
    harness_free(&rb);
    free_kept();
    unlink(all);
    unlink(s0);
    unlink(s1);
    unlink(s2);
}

/* Writes `text` to `path`. */
static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* The start of line `n` (from 0) of `text`. */
static const char *line_at(const char *text, int n)
{
    for (; n > 0 && text; n--)
        if ((text = strchr(text, '\n')) != NULL)
            text++;
    cr_assert_not_null(text);
    return text;
}

/*
 * The campaign of CAMPAIGN_SCENARIO with seed 21 and `runs` runs, made in one go into `all`; `part` gets a
 * path of its own. Returns the rows (freed by free_kept).
 */
static char *whole_campaign(const char *runs, const char **path, char all[64], char part[64])
{
    *path = scenario(CAMPAIGN_SCENARIO);
    faults_temp_path(all, 64, ".jsonl");
    faults_temp_path(part, 64, ".jsonl");
    struct run_result r;
    CAMPAIGN(&r, *path, "21", runs, all);
    harness_free(&r);
    return slurp(all);
}

/*
 * campaign --resume over `part`, which holds the golden row, runs 0 and 1 and
 * run 2 cut off mid-row: it must say so, and end with the rows of `whole`
 * (the same campaign made in one go), in order, with one golden row.
 * Returns the file's text (freed by free_kept).
 */
static char *resume_cut_file(const char *path, const char *runs, const char *part, const char *whole)
{
    struct run_result r;
    harness_zxvmm(&r, "campaign", path, "--runs", runs, "--resume", "--out", part, NULL);
    cr_assert_eq(r.status, 0, "stderr:\n%s", r.err);
    char want[160];
    snprintf(
        want, sizeof(want),
        "zxvmm: --resume %s: 2 of this shard's runs already there; a last line cut off mid-row was dropped",
        part);
    harness_assert_line(r.err, want);
    harness_free(&r);
    char *after = slurp(part);
    cr_assert_str_eq(merged_rows(after), merged_rows(whole));
    cr_assert_str_eq(keep(faults_without_durations(after)), keep(faults_without_durations(whole)));
    return after;
}

Test(faults_inject, resume_runs_only_the_missing_rows_and_redoes_a_cut_last_line)
{
    REQUIRE_KVM();
    const char *path;
    char all[64], part[64];
    char *whole = whole_campaign("4", &path, all, part);
    struct run_result r;
    /* The golden row and runs 0 and 1, their durations marked (a run redone would lose the mark), then run 2
     * cut off mid-row. */
    size_t first_three = (size_t)(line_at(whole, 3) - whole);
    char *text = keep(calloc(strlen(whole) + 64, 1));
    memcpy(text, whole, first_three);
    for (char *d = text; (d = strstr(d, "\"duration_ms\":")) != NULL; d++)
        memcpy(d + 14, "9", 1); /* 9... is a duration the runs here never take first */
    char *marked = keep(strdup(text));
    strncat(text, line_at(whole, 3), 40);
    write_file(part, text);
    char *after = resume_cut_file(path, "4", part, whole);
    cr_assert(strncmp(after, marked, strlen(marked)) == 0, "the kept rows changed:\n%s", after);
    /* A whole file: nothing runs, nothing is added. */
    harness_zxvmm(&r, "campaign", path, "--runs", "4", "--seed", "21", "--resume", "--out", part, NULL);
    cr_assert_eq(r.status, 0, "stderr:\n%s", r.err);
    assert_contains(r.err, "4 of this shard's runs already there\n");
    assert_contains(r.err, "total                 4\n");
    harness_free(&r);
    char *again = slurp(part);
    cr_assert_str_eq(again, after);
    free_kept();
    unlink(all);
    unlink(part);
}

Test(faults_inject, a_row_that_cannot_be_written_stops_the_campaign_and_resume_completes_it)
{
    REQUIRE_KVM();
    const char *path;
    char all[64], part[64];
    char *whole = whole_campaign("6", &path, all, part);
    struct run_result r;
    /* The file may not grow past the middle of run 2's row. */
    size_t limit = (size_t)(line_at(whole, 3) - whole) + 100;
    cr_assert_lt(limit, (size_t)(line_at(whole, 4) - whole));
    struct rlimit before = limit_file_size(limit, NULL);
    harness_zxvmm(&r, "campaign", path, "--seed", "21", "--runs", "6", "--out", part, NULL);
    cr_assert_eq(r.status, 125, "stderr:\n%s", r.err);
    char want[256];
    snprintf(
        want, sizeof(want),
        "zxvmm: --out %s: writing a row failed: File too large; the campaign stopped (its whole rows are "
        "kept: --resume goes on from them once the file can be written)",
        part);
    harness_assert_line(r.err, want);
    cr_assert_null(strstr(r.err, "total "), "no class table for a campaign that stopped:\n%s", r.err);
    harness_free(&r);
    /* Whole rows up to the one that failed, which is cut off at the limit (durations aside, as in `whole`).
     */
    char *cut = slurp(part);
    cr_assert_eq(strlen(cut), limit, "the file stopped at the limit");
    char *cut_rows = keep(strndup(cut, (size_t)(line_at(cut, 3) - cut)));
    char *whole_rows = keep(strndup(whole, (size_t)(line_at(whole, 3) - whole)));
    cr_assert_str_eq(keep(faults_without_durations(cut_rows)), keep(faults_without_durations(whole_rows)));
    cr_assert_null(strchr(line_at(cut, 3), '\n'), "nothing after the cut row:\n%s", cut);
    /* A replayed run's row likewise: the run is made, its row's failure named, exit 125. */
    char one[64];
    faults_temp_path(one, sizeof(one), ".jsonl");
    limit_file_size(100, NULL);
    harness_zxvmm(&r, "campaign", path, "--seed", "21", "--replay", "1", "--out", one, NULL);
    cr_assert_eq(r.status, 125, "stderr:\n%s", r.err);
    snprintf(want, sizeof(want), "zxvmm: --out %s: writing the row failed: File too large", one);
    harness_assert_line(r.err, want);
    harness_free(&r);
    unlink(one);
    /* Room again: --resume keeps the whole rows, drops the cut one and runs the rest. */
    limit_file_size(0, &before);
    resume_cut_file(path, "6", part, whole);
    free_kept();
    unlink(all);
    unlink(part);
}

Test(faults_inject, replay_reproduces_the_campaign_row_with_output_class_and_trace)
{
    REQUIRE_KVM();
    const char *path = scenario(CAMPAIGN_SCENARIO);
    char all[64], row[64], trace[64];
    faults_temp_path(all, sizeof(all), ".jsonl");
    faults_temp_path(row, sizeof(row), ".jsonl");
    faults_temp_path(trace, sizeof(trace), ".jsonl");
    struct run_result r;
    CAMPAIGN(&r, path, "33", "4", all);
    harness_free(&r);
    char *whole = slurp(all);
    for (int i = 0; i < 4; i++) {
        char index[8];
        snprintf(index, sizeof(index), "%d", i);
        harness_zxvmm(&r, "campaign", path, "--seed", "33", "--replay", index, "--out", row, "--trace", trace,
                      NULL);
        char *replayed = first_row(slurp(row)), *original = first_row(line_at(whole, i + 1));
        cr_assert_str_eq(replayed, original, "run %d", i);
        /* The guest's output on stdout, the class line on stderr, the status of its exit. */
        assert_contains(r.out, "write1=");
        char class_line[64];
        const char *class = strstr(original, "\"class\":\"") + 9;
        snprintf(class_line, sizeof(class_line), "zxvmm: class %.*s", (int)strcspn(class, "\""), class);
        assert_contains(r.err, class_line);
        const char *exit_field = strstr(original, "\"exit\":") + 7;
        cr_assert_eq(r.status, atoi(exit_field), "run %d: status %d, row %s", i, r.status, original);
        assert_contains(read_trace(trace), "\"event\":\"start\",\"process\":\"inject_target\"");
        harness_free(&r);
    }
    free_kept();
    unlink(all);
    unlink(row);
    unlink(trace);
}

Test(faults_inject, progress_line_is_drawn_on_a_terminal_and_cleared)
{
    REQUIRE_KVM();
    const char *path = scenario(CAMPAIGN_SCENARIO);
    char out[64], command[512];
    faults_temp_path(out, sizeof(out), ".jsonl");
    snprintf(command, sizeof(command), "%s campaign %s --runs 3 --seed 5 --out %s", harness_zxvmm_path(),
             path, out);
    const char *argv[] = {"/usr/bin/script", "-qec", command, "/dev/null", NULL};
    struct run_result r;
    cr_assert_eq(harness_run(argv, &r), 0);
    cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
    /* stderr is the pty: script copies it to its stdout. */
    assert_contains(r.out, "\rzxvmm: 0/3 runs\033[K");
    assert_contains(r.out, "\rzxvmm: 3/3 runs, ");
    assert_contains(r.out, " runs/s, ");
    assert_contains(r.out, ", ETA 0s\033[K");
    assert_contains(r.out, "\r\033[Kclass              runs   share");
    harness_free(&r);
    unlink(out);
}

Test(faults_inject, no_progress_line_when_stderr_is_not_a_terminal)
{
    REQUIRE_KVM();
    struct run_result r;
    harness_zxvmm(&r, "campaign", scenario(CAMPAIGN_SCENARIO), "--runs", "2", "--seed", "5", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_null(strchr(r.err, '\r'), "%s", r.err);
    cr_assert_null(strstr(r.err, "runs/s"), "%s", r.err);
    cr_assert(strncmp(r.err, "class              runs   share\n", 32) == 0, "%s", r.err);
    harness_free(&r);
}

/* Asserts that `zxvmm campaign ARGS...` is a usage error whose message has `cause`. */
#define USAGE_ERROR(cause, ...)                                                                              \
    do {                                                                                                     \
        struct run_result r_;                                                                                \
        harness_zxvmm(&r_, "campaign", __VA_ARGS__, NULL);                                                   \
        cr_assert_eq(r_.status, 2, "%s", r_.err);                                                            \
        assert_contains(r_.err, (cause));                                                                    \
        harness_free(&r_);                                                                                   \
    } while (0)

Test(faults_inject, shard_resume_replay_and_trace_usage_errors_name_the_cause)
{
    USAGE_ERROR("zxvmm: --shard 2: expected K/M (shard K of M, 0 <= K < M), e.g. 0/4\n", "s.lua", "--runs",
                "4", "--shard", "2");
    USAGE_ERROR("zxvmm: --shard x/4: K 'x' is not a decimal number\n", "s.lua", "--runs", "4", "--shard",
                "x/4");
    USAGE_ERROR("zxvmm: --shard 1/y: M 'y' is not a decimal number\n", "s.lua", "--runs", "4", "--shard=1/y");
    USAGE_ERROR("zxvmm: --shard 0/0: M is 0; there must be at least one shard\n", "s.lua", "--runs", "4",
                "--shard", "0/0");
    USAGE_ERROR("zxvmm: --shard 3/3: K is 3, not below M (shards are numbered 0 to 2)\n", "s.lua", "--runs",
                "4", "--shard", "3/3");
    USAGE_ERROR("zxvmm: option --shard needs a value\n", "s.lua", "--runs", "4", "--shard");
    USAGE_ERROR("zxvmm: --resume needs --out FILE.jsonl (the file whose rows it keeps and appends to)\n",
                "s.lua", "--runs", "4", "--resume");
    USAGE_ERROR("zxvmm: --replay needs --seed N (the campaign seed of the run to replay)\n", "s.lua",
                "--replay", "1");
    USAGE_ERROR("zxvmm: --replay runs one run; it cannot be used with --shard\n", "s.lua", "--seed", "1",
                "--replay", "1", "--shard", "0/2");
    USAGE_ERROR("zxvmm: --replay runs one run; it cannot be used with --resume\n", "s.lua", "--seed", "1",
                "--replay", "1", "--resume", "--out", "x.jsonl");
    USAGE_ERROR("zxvmm: --replay 4: not a run of --runs 4 (runs are numbered from 0)\n", "s.lua", "--seed",
                "1", "--runs", "4", "--replay", "4");
    USAGE_ERROR("zxvmm: --replay x: expected a number from 0 to 99999999 (decimal or 0x hex)\n", "s.lua",
                "--seed", "1", "--replay", "x");
    USAGE_ERROR(
        "zxvmm: --trace needs --replay I (a campaign does not trace its runs; replay the one to trace)\n",
        "s.lua", "--runs", "2", "--trace", "t.jsonl");
    USAGE_ERROR("zxvmm: --trace: the file name is empty\n", "s.lua", "--seed", "1", "--replay", "0",
                "--trace", "");
    USAGE_ERROR("unknown option '--shards' for 'campaign'; did you mean '--shard'?", "s.lua", "--runs", "2",
                "--shards", "0/2");
}

Test(faults_inject, resume_refuses_a_file_it_cannot_continue_before_any_run)
{
    const char *path = scenario(CAMPAIGN_SCENARIO);
    char part[64], want[160];
    faults_temp_path(part, sizeof(part), ".jsonl");
    write_file(part, "{\"campaign_seed\":7,\"run\":\"golden\",\"class\":\"golden\"}\nnot a row\n");
    snprintf(want, sizeof(want),
             "zxvmm: --resume %s: line 2: not a result row (no \"campaign_seed\", \"run\" or \"class\")\n",
             part);
    USAGE_ERROR(want, path, "--runs", "2", "--resume", "--out", part);
    write_file(part, "{\"campaign_seed\":7,\"run\":\"golden\",\"class\":\"golden\"}\n");
    snprintf(want, sizeof(want), "zxvmm: --resume %s: its rows are of campaign seed 7, not 8 (--seed)\n",
             part);
    USAGE_ERROR(want, path, "--runs", "2", "--seed", "8", "--resume", "--out", part);
    char *text = slurp(part);
    cr_assert_str_eq(text, "{\"campaign_seed\":7,\"run\":\"golden\",\"class\":\"golden\"}\n"); /* untouched */
    free_kept();
    USAGE_ERROR("zxvmm: --out /nonexistent/rows.jsonl: cannot open the file: No such file or directory\n",
                path, "--runs", "2", "--resume", "--out", "/nonexistent/rows.jsonl");
    unlink(part);
}

Test(faults_inject, replay_refuses_an_out_or_trace_it_cannot_create_before_any_run)
{
    const char *path = scenario(CAMPAIGN_SCENARIO);
    USAGE_ERROR("zxvmm: --out /nonexistent/row.jsonl: cannot create the file: No such file or directory\n",
                path, "--seed", "1", "--replay", "0", "--out", "/nonexistent/row.jsonl");
    USAGE_ERROR("zxvmm: --trace /nonexistent/t.jsonl: cannot create the file: No such file or directory\n",
                path, "--seed", "1", "--replay", "0", "--trace", "/nonexistent/t.jsonl");
}

/* A fault that fired without applying: the class line names it and a second line says why. */
static void assert_not_applied(const struct run_result *r, const char *id, const char *why)
{
    char want[320];
    snprintf(want, sizeof(want), "zxvmm: fault '%s' fired but its action did not apply: %s", id, why);
    harness_assert_line(r->err, want);
}

Test(faults_inject, uncache_makes_the_real_memory_type_check_refuse_with_bad_state)
{
    REQUIRE_KVM();
    struct run_result r;
    faults_run_scenario(
        &r,
        scenario(WRITES_SCENARIO("{ id = 'uc', on = 'syscall', name = 'zx_process_write_memory', nth = 2,"
                                 " action = { uncache = { process = 'inject_target', addr = @T,"
                                 " len = 4096 } } }")),
        2, "zxvmm: class detected: uc x1", NULL);
    harness_assert_line(r.out, "write1=ZX_OK actual=3 target=xyz");
    harness_assert_line(r.out, "write2=ZX_ERR_BAD_STATE actual=0 target=abc");
    harness_assert_line(r.out, "write3=ZX_ERR_BAD_STATE actual=0 target=abc");
    harness_free(&r);
}

Test(faults_inject, uncache_of_an_unmapped_range_is_recorded_as_not_applied)
{
    REQUIRE_KVM();
    struct run_result r;
    faults_run_scenario(
        &r,
        scenario(WRITES_SCENARIO("{ id = 'uc', on = 'start', action = { uncache = {"
                                 " process = 'inject_target', addr = 0x1000, len = 8192 } } }")),
        0, "zxvmm: class masked: uc x1", NULL);
    assert_not_applied(&r, "uc", "[0x1000, +0x2000) is not mapped in inject_target (0x1000)");
    harness_assert_line(r.out, "write2=ZX_OK actual=3 target=xyz");
    harness_free(&r);
}

Test(faults_inject, reg_after_a_call_changes_the_result_the_process_sees)
{
    REQUIRE_KVM();
    struct run_result r;
    faults_run_scenario(
        &r,
        scenario(WRITES_SCENARIO(
            "{ id = 'r', on = 'syscall', name = 'zx_process_write_memory', nth = 1, when = 'after',"
            " action = { reg = { process = 'inject_target', name = 'rax', value = -40 } } }")),
        1, "zxvmm: class detected: r x1", NULL);
    harness_assert_line(r.out, "write1=ZX_ERR_IO actual=3 target=xyz");
    harness_assert_line(r.out, "write2=ZX_OK actual=3 target=xyz");
    harness_free(&r);
}

Test(faults_inject, reg_before_a_call_changes_the_argument_register_the_call_reads)
{
    REQUIRE_KVM();
    struct run_result r;
    /* The size argument is the fourth, in r10: set0 of its bits 1 turns 3 into 1. */
    faults_run_scenario(&r,
                        scenario(WRITES_SCENARIO(
                            "{ id = 'r', on = 'syscall', name = 'zx_process_write_memory', nth = 3,"
                            " action = { reg = { process = 'inject_target', name = 'r10', set0 = 2 } } }")),
                        0, "zxvmm: class sdc: r x1", NULL);
    harness_assert_line(r.out, "write3=ZX_OK actual=1 target=xbc");
    harness_free(&r);
}

Test(faults_inject, reg_that_cannot_apply_says_why)
{
    REQUIRE_KVM();
    struct run_result r;
    faults_run_scenario(
        &r,
        scenario(WRITES_SCENARIO("{ id = 'nobody', on = 'start',"
                                 " action = { reg = { process = 'ghost', name = 'rax', value = 0 } } },"
                                 "{ id = 'early', on = 'syscall', name = 'zx_process_write_memory',"
                                 " nth = 1, action = { reg = { process = 'inject_target',"
                                 " name = 'rax', value = 0 } } },"
                                 "{ id = 'kernel', on = 'syscall', name = 'zx_process_write_memory',"
                                 " nth = 2, action = { reg = { process = 'inject_target',"
                                 " name = 'rip', value = -4096 } } }")),
        0, "zxvmm: class masked: nobody x1, early x1, kernel x1", NULL);
    assert_not_applied(&r, "nobody", "no process named ghost");
    assert_not_applied(&r, "early", "rax gets the call's result: change it with when = \"after\"");
    assert_not_applied(&r, "kernel", "rip = 0xfffffffffffff000 refused: not a canonical user address");
    harness_free(&r);
    /* A time trigger comes while the process runs (here: sleeps in a call): its registers are not held. */
    faults_run_scenario(
        &r,
        scenario("return { program = { '@P', 'sleep', '2000' }, timeout = 60, faults = {\n"
                 "  { id = 'late', on = 'time', ms = 300,"
                 " action = { reg = { process = 'inject_target', name = 'rbx', flip = 1 } } } } }\n"),
        0, "zxvmm: class masked: late x1", NULL);
    assert_not_applied(&r, "late",
                       "process inject_target is running: its registers are reachable only at its own event "
                       "or while it is stopped");
    harness_free(&r);
}

Test(faults_inject, reg_at_an_exception_trigger_refuses_what_the_shim_frame_holds)
{
    REQUIRE_KVM();
    char text[512];
    snprintf(text, sizeof(text),
             "return { program = { '%s', 'pf' }, timeout = 60, faults = {\n"
             "  { id = 'ip', on = 'exception', vector = 'PF',"
             " action = { reg = { process = 'fault', name = 'rip', flip = 1 } } } } }\n",
             harness_guest("fault"));
    struct run_result r;
    faults_run_scenario(&r, scenario(text), 139, "zxvmm: class crash: ip x1", NULL);
    assert_not_applied(&r, "ip",
                       "at an exception trigger rip is in the frame the shim saved and cannot be changed");
    harness_free(&r);
}

Test(faults_inject, exception_action_is_raised_in_the_calling_process_and_kills_it_unhandled)
{
    REQUIRE_KVM();
    struct run_result r;
    const char *trace = trace_path();
    faults_run_scenario(
        &r,
        scenario("return { program = { '@P', 'word' }, timeout = 60, faults = {\n"
                 "  { id = 'ud', on = 'syscall', name = 'zx_debug_write', nth = 1,"
                 " action = { exception = 6 } } },\n"
                 "  on_exception = function(ev) zx.log('exc', ev.process, ev.vector) end }\n"),
        139, "zxvmm: class crash: ud x1", trace);
    /* The call ran first; the exception came before the process's next instruction. */
    assert_contains(r.out, "word at ");
    cr_assert_null(strstr(r.out, "word=0x"), "the process went on:\n%s", r.out);
    harness_assert_line(r.err, "zxvmm: scenario log: exc\tinject_target\t6");
    assert_contains(r.err, "invalid opcode (#UD) at rip 0x");
    harness_free(&r);
    char *text = read_trace(trace);
    char *fault = strstr(text, "\"id\":\"ud\",\"action\":\"exception\"");
    cr_assert_not_null(fault, "trace:\n%s", text);
    assert_contains(fault, "\"event\":\"exception\",\"process\":\"inject_target\"");
    assert_contains(fault, "\"vector\":6,");
    assert_contains(fault, "\"end\":\"exception\"");
}

Test(faults_inject, exception_breakpoint_reaches_the_process_and_a_time_trigger_has_no_caller)
{
    REQUIRE_KVM();
    struct run_result r;
    faults_run_scenario(&r,
                        scenario("return { program = { '@P', 'word' }, timeout = 60, faults = {\n"
                                 "  { id = 'bp', on = 'start', action = { exception = 'BP' } } } }\n"),
                        139, "zxvmm: class crash: bp x1", NULL);
    assert_contains(r.err, "(#BP) at rip 0x");
    cr_assert_null(strstr(r.out, "word"), "the process ran:\n%s", r.out);
    harness_free(&r);
    faults_run_scenario(&r,
                        scenario("return { program = { '@P', 'sleep', '1000' }, timeout = 60, faults = {\n"
                                 "  { id = 't', on = 'time', ms = 100, action = { exception = 13 } } } }\n"),
                        0, "zxvmm: class masked: t x1", NULL);
    assert_not_applied(&r, "t",
                       "exception needs a process about to run on, and at a time trigger there is none");
    harness_free(&r);
}

Test(faults_inject, an_exception_a_process_cannot_raise_is_refused_before_any_run)
{
    const char *path = scenario("return { program = { '@P' }, faults = {\n"
                                "  { id = 'nmi', on = 'start', action = { exception = 2 } } } }\n");
    struct run_result r;
    harness_zxvmm(&r, "run", "--scenario", path, NULL);
    cr_assert_eq(r.status, 2);
    char want[200];
    snprintf(want, sizeof(want),
             "zxvmm: %s:2: fault 'nmi': exception = 2 (non-maskable interrupt (NMI)) is not an exception a "
             "process can raise",
             path);
    harness_assert_line(r.err, want);
    harness_free(&r);
}

Test(faults_inject, lifespan_beside_reg_is_refused_by_name)
{
    const char *path = scenario("return { program = { '@P' }, faults = {\n"
                                "  { id = 'rl', on = 'start', action = { reg = { process = 'x', name = 'rax',"
                                " flip = 1 }, lifespan = 2 } } } }\n");
    struct run_result r;
    harness_zxvmm(&r, "run", "--scenario", path, NULL);
    cr_assert_eq(r.status, 2);
    char want[200];
    snprintf(want, sizeof(want),
             "zxvmm: %s:2: fault 'rl': lifespan beside reg is not supported by this zxvmm yet", path);
    harness_assert_line(r.err, want);
    harness_free(&r);
}

#define WORD_HOOK_SCENARIO(body)                                                                             \
    "return { program = { '@P', 'word' }, timeout = 60,\n"                                                   \
    "  on_syscall = function(ev)\n"                                                                          \
    "    if ev.syscall ~= 'zx_debug_write' or ev.n ~= 1 then return end\n" body "  end }\n"

Test(faults_inject, zx_read_write_and_reg_reach_the_process_from_a_hook)
{
    REQUIRE_KVM();
    struct run_result r;
    faults_run_scenario(&r,
                        scenario(WORD_HOOK_SCENARIO(
                            "    if ev.when == 'before' then\n"
                            "      zx.log('rdi', zx.reg('inject_target', 'rdi') == ev.args[1],"
                            " 'rax', zx.reg('inject_target', 'rax') == ev.number,"
                            " 'rip', zx.reg('inject_target', 'rip') > 0)\n"
                            "      return\n"
                            "    end\n"
                            "    local b = zx.read('inject_target', @W, 4)\n"
                            "    zx.log('read', #b, string.format('%02x%02x%02x%02x', b:byte(1, 4)))\n"
                            "    zx.log('status', zx.reg('inject_target', 'rax'))\n"
                            "    zx.write('inject_target', @W, '\\x78\\x56')\n")),
                        0, "zxvmm: class not_activated", NULL);
    harness_assert_line(r.err, "zxvmm: scenario log: rdi\ttrue\trax\ttrue\trip\ttrue");
    harness_assert_line(r.err, "zxvmm: scenario log: read\t4\t34120000");
    harness_assert_line(r.err, "zxvmm: scenario log: status\t0");
    harness_assert_line(r.out, "word=0x5678");
    harness_free(&r);
}

Test(faults_inject, zx_read_write_and_reg_errors_end_the_run_with_the_cause)
{
    REQUIRE_KVM();
    static const struct {
        const char *body, *error;
    } cases[] = {
        {"    zx.read('nobody', @W, 4)\n", "zx.read: no process named nobody"},
        {"    zx.read('inject_target', 0x10, 4)\n", "zx.read: 0x10 is not mapped in inject_target"},
        {"    zx.read('inject_target', @W, 4097)\n", "zx.read: length 4097 is outside 0..4096"},
        {"    zx.write('inject_target', 0x10, 'x')\n",
         "zx.write: 0x10 is not mapped in inject_target (or is its shared vDSO)"},
        {"    zx.reg('inject_target', 'rxa')\n",
         "zx.reg: unknown register 'rxa' (rax ... r15, rip, rflags, fs_base, gs_base)"},
        {"    zx.reg('nobody', 'rax')\n", "zx.reg: no process named nobody"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct run_result r;
        char text[1024];
        snprintf(text, sizeof(text), WORD_HOOK_SCENARIO("%s"), cases[i].body);
        const char *path = scenario(text);
        faults_run_scenario(&r, path, 125, "zxvmm: class vmm_error", NULL);
        char want[320];
        snprintf(want, sizeof(want), "zxvmm: scenario: on_syscall: %s:4: %s", path, cases[i].error);
        harness_assert_line(r.err, want);
        harness_free(&r);
    }
}

Test(faults_inject, zx_read_at_validation_time_is_an_error_naming_the_cause)
{
    const char *path = scenario("local b = zx.read('inject_target', 0x1000, 4)\n"
                                "return { program = { '@P' } }\n");
    struct run_result r;
    harness_zxvmm(&r, "run", "--scenario", path, NULL);
    cr_assert_eq(r.status, 2);
    char want[300];
    snprintf(want, sizeof(want),
             "zxvmm: %s:1: zx.read: no VM here: call it from a hook (on_syscall, on_exception, on_exit) of a "
             "run",
             path);
    harness_assert_line(r.err, want);
    harness_free(&r);
}

Test(faults_inject, zx_reg_at_an_exception_reads_the_interrupted_rip)
{
    REQUIRE_KVM();
    char text[512];
    snprintf(text, sizeof(text),
             "return { program = { '%s', 'pf' }, timeout = 60,\n"
             "  on_exception = function(ev)\n"
             "    zx.log('rip', zx.reg('fault', 'rip') == ev.rip, zx.reg('fault', 'rsp') < 0x800000000000)\n"
             "  end }\n",
             harness_guest("fault"));
    struct run_result r;
    faults_run_scenario(&r, scenario(text), 139, "zxvmm: class not_activated", NULL);
    harness_assert_line(r.err, "zxvmm: scenario log: rip\ttrue\ttrue");
    harness_free(&r);
}

/*
 * The exception action goes through the process's handler chain: a debugger
 * (the `exceptions` guest, catching on the victim's debugger channel) gets
 * the #BP raised after the victim's first zx_debug_write, resumes it, and the
 * victim runs on past the call. The victim runs under a name of its own (a
 * link to the same program) so that the fault can single it out.
 */
/* A link named `victim` to the `exceptions` guest, in a fresh directory `dir` (so its process has a name of
 * its own); returns the link's path. */
static const char *victim_link(char dir[static 32])
{
    static char link[64];
    snprintf(dir, 32, "/tmp/zxvmm-victim-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(link, sizeof(link), "%s/victim", dir);
    cr_assert_eq(symlink(harness_guest("exceptions"), link), 0);
    return link;
}

Test(faults_inject, exception_action_reaches_a_debugger_that_resumes_the_process)
{
    REQUIRE_KVM();
    char dir[32], text[1024];
    const char *link = victim_link(dir);
    snprintf(text, sizeof(text),
             "return { program = { '%s', 'catch', 'handled' }, spawn = { { '%s', 'victim', 'none' } },\n"
             "  cmdline = 'kernel.enable-debugging-syscalls=true', timeout = 20, faults = {\n"
             "  { id = 'bp', on = 'syscall', name = 'zx_debug_write', process = 'victim', nth = 1,"
             " action = { exception = 'BP' } } } }\n",
             harness_guest("exceptions"), link);
    struct run_result r;
    harness_zxvmm(&r, "run", "--seed", "1", "--scenario", scenario(text), NULL);
    cr_assert_eq(r.status, 0, "stdout:\n%s\nstderr:\n%s", r.out, r.err);
    assert_contains(r.err, ": bp x1\n"); /* the class depends on how the golden run's debugger ends */
    harness_assert_line(r.out, "victim_resumed=1");
    harness_assert_line(r.out, "type=0x308");
    harness_assert_line(r.out, "vector=3 cr2=0x0");
    harness_assert_line(r.out, "rip_user=1");
    harness_assert_line(r.out, "retcode=7");
    harness_free(&r);
    unlink(link);
    rmdir(dir);
}

/*
 * reg on a process parked in an exception (not the caller): the debugger's
 * zx_thread_read_state fires it, the debugger reads the new rip, and the
 * victim, resumed there, faults with no debugger left and dies.
 */
Test(faults_inject, reg_on_a_parked_process_takes_effect_when_it_resumes)
{
    REQUIRE_KVM();
    char dir[32], text[1024];
    const char *link = victim_link(dir);
    snprintf(text, sizeof(text),
             "return { program = { '%s', 'catch', 'handled' }, spawn = { { '%s', 'victim', 'bp' } },\n"
             "  cmdline = 'kernel.enable-debugging-syscalls=true', timeout = 20, faults = {\n"
             "  { id = 'ip', on = 'syscall', name = 'zx_thread_read_state', process = 'exceptions', nth = 1,"
             " action = { reg = { process = 'victim', name = 'rip', value = 0x10 } } } } }\n",
             harness_guest("exceptions"), link);
    struct run_result r;
    faults_run_scenario(&r, scenario(text), 0, "zxvmm: class sdc: ip x1", NULL);
    harness_assert_line(r.out, "type=0x308");
    harness_assert_line(r.out, "rip_user=1");
    harness_assert_line(r.out, "retcode=-1028");
    cr_assert_null(strstr(r.out, "victim_resumed=1"), "the victim went on where it was:\n%s", r.out);
    assert_contains(r.err, "page fault (#PF) at rip 0x10");
    harness_free(&r);
    unlink(link);
    rmdir(dir);
}
