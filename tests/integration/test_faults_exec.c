/* test_faults_exec.c: exec triggers (docs/faults.md): breakpoints the VMM plants that the guest can neither
 * see nor remove, counted and acted on like every other trigger. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faults_support.h"
#include "harness.h"

#define GUEST "exec_target"

/* The address of symbol `name` in the exec_target guest, as 0x hex. */
static const char *guest_symbol(const char *name)
{
    return faults_guest_symbol(GUEST, name);
}

/* A fresh file name in the lab's own /tmp with `suffix`; the last two stay valid. */
static const char *temp_path(const char *suffix)
{
    static char path[2][64];
    static int which;
    which ^= 1;
    return faults_temp_path(path[which], sizeof(path[which]), suffix);
}

/*
 * Writes a scenario file: `text` with the guest's path for "@P", the address
 * of exec_tick for "@E" and of exec_value for "@V". Returns its path.
 */
static const char *scenario(const char *text)
{
    static const struct faults_mark marks[] = {{'E', "exec_tick"}, {'V', "exec_value"}, {0, NULL}};
    static char path[64];
    return faults_scenario(path, sizeof(path), GUEST, marks, text);
}

/* The shorter names this file's tests call the shared helpers by. */
static char *read_file(const char *path)
{
    return faults_take_file(path);
}

static unsigned count(const char *text, const char *needle)
{
    return faults_count(text, needle);
}

static void run_scenario(struct run_result *r, const char *path, int status, const char *class_line,
                         const char *trace)
{
    faults_run_scenario(r, path, status, class_line, trace);
}

/* The faults part of a campaign's one faulted row (`--runs 1`). */
static char *campaign_faults(const char *path, const char *seed)
{
    const char *out = temp_path(".jsonl");
    struct run_result r;
    harness_zxvmm(&r, "campaign", path, "--runs", "1", "--seed", seed, "--out", out, NULL);
    cr_assert_eq(r.status, 0, "stderr:\n%s", r.err);
    harness_free(&r);
    char *text = read_file(out);
    char *row = strstr(text, "\"run\":0");
    cr_assert_not_null(row, "no faulted row:\n%s", text);
    char *faults = strstr(row, "\"faults\":[");
    cr_assert_not_null(faults, "%s", row);
    char *end = strstr(faults, "],");
    cr_assert_not_null(end);
    end[1] = '\0';
    return faults;
}

#define SCENARIO(args, fault)                                                                                \
    "return { program = { '@P', " args " }, timeout = 120, faults = { " fault " } }\n"

Test(faults_exec, by_symbol_fires_at_the_nth_call_only_and_the_program_runs_as_without_it)
{
    REQUIRE_KVM();
    struct run_result r;
    const char *trace = temp_path(".jsonl");
    const char *path = scenario(SCENARIO("'calls', '5'", "{ id = 'tick', on = 'exec', symbol = 'exec_tick',"
                                                         " nth = 3, action = { debugging = false } }"));
    run_scenario(&r, path, 0, "zxvmm: class masked: tick x1", trace);
    /* Every call ran its first instruction once: neither skipped nor run twice by the step over it. */
    harness_assert_line(r.out, "ticks=5 value=0x1234");
    cr_assert_null(strstr(r.err, "not armed"), "%s", r.err);
    harness_free(&r);
    char *text = read_file(trace);
    char want[96];
    snprintf(want, sizeof(want), "\"event\":\"exec\",\"process\":\"exec_target\",\"koid\":");
    cr_assert_eq(count(text, want), 5, "one exec row per call:\n%s", text);
    snprintf(want, sizeof(want), ",\"addr\":%llu}", strtoull(guest_symbol("exec_tick"), NULL, 16));
    cr_assert_eq(count(text, want), 5, "each at exec_tick:\n%s", text);
    cr_assert_eq(count(text, "\"event\":\"fault\""), 1, "%s", text);
    assert_contains(text, "\"id\":\"tick\",\"action\":\"debugging\"}");
    cr_assert_null(strstr(text, "\"event\":\"exception\""), "the guest saw no #BP or #DB:\n%s", text);
    /* The row names the event and its index among those counted. */
    assert_contains(
        campaign_faults(path, "1"),
        "{\"id\":\"tick\",\"fired\":1,\"first\":{\"process\":\"exec_target\",\"event\":\"exec\",\"n\":3}}");
}

Test(faults_exec, by_address_a_flip_fires_once_and_takes_effect)
{
    REQUIRE_KVM();
    struct run_result r;
    run_scenario(
        &r,
        scenario(SCENARIO("'calls', '5'",
                          "{ id = 'bit', on = 'exec', addr = @E, nth = 3,"
                          " action = { flip = { process = 'exec_target', addr = @V, mask = 0x1 } } }")),
        0, "zxvmm: class sdc: bit x1", NULL);
    harness_assert_line(r.out, "ticks=5 value=0x1235");
    harness_free(&r);
}

Test(faults_exec, without_nth_it_fires_at_every_call)
{
    REQUIRE_KVM();
    struct run_result r;
    run_scenario(&r,
                 scenario(SCENARIO("'calls', '7'", "{ id = 'each', on = 'exec', symbol = 'exec_tick',"
                                                   " action = { delay = 0 } }")),
                 0, "zxvmm: class masked: each x7", NULL);
    harness_assert_line(r.out, "ticks=7 value=0x1234");
    harness_free(&r);
}

Test(faults_exec, a_kill_at_the_second_call_ends_the_process_there)
{
    REQUIRE_KVM();
    struct run_result r;
    run_scenario(&r,
                 scenario(SCENARIO("'calls', '5'", "{ id = 'k', on = 'exec', symbol = 'exec_tick', nth = 2,"
                                                   " action = { kill = 'exec_target' } }")),
                 137, "zxvmm: class crash: k x1", NULL);
    cr_assert_null(strstr(r.out, "ticks="), "the killed process went on:\n%s", r.out);
    harness_free(&r);
}

Test(faults_exec, a_syscall_action_fired_by_exec_is_recorded_as_not_applied)
{
    REQUIRE_KVM();
    struct run_result r;
    run_scenario(&r,
                 scenario(SCENARIO("'calls', '3'", "{ id = 'f', on = 'exec', symbol = 'exec_tick', nth = 1,"
                                                   " action = { fail = 'ZX_ERR_IO' } }")),
                 0, "zxvmm: class masked: f x1", NULL);
    harness_assert_line(r.err, "zxvmm: fault 'f' fired but its action did not apply: fail applies to syscall "
                               "triggers only");
    harness_assert_line(r.out, "ticks=3 value=0x1234");
    harness_free(&r);
}

Test(faults_exec, zx_process_read_memory_sees_the_original_bytes)
{
    REQUIRE_KVM();
    struct run_result r;
    run_scenario(&r,
                 scenario(SCENARIO("'read', '4'", "{ id = 'tick', on = 'exec', symbol = 'exec_tick',"
                                                  " action = { delay = 0 } }")),
                 0, "zxvmm: class masked: tick x4", NULL);
    harness_assert_line(r.out, "code=f0ff05"); /* lock incl: not the int3 (cc) planted there */
    harness_assert_line(r.out, "ticks=4 value=0x1234");
    harness_free(&r);
}

Test(faults_exec, zx_process_write_memory_over_it_leaves_the_trigger_working)
{
    REQUIRE_KVM();
    struct run_result r;
    run_scenario(
        &r,
        scenario("return { program = { '@P', 'write', '5' }, timeout = 120,\n"
                 "  cmdline = 'kernel.enable-debugging-syscalls=true', faults = {\n"
                 "  { id = 'tick', on = 'exec', symbol = 'exec_tick', nth = 3,"
                 " action = { flip = { process = 'exec_target', addr = @V, mask = 0x100 } } } } }\n"),
        0, "zxvmm: class sdc: tick x1", NULL);
    harness_assert_line(r.out, "write=ZX_OK code=f0ff05");
    harness_assert_line(r.out, "ticks=5 value=0x1334");
    harness_free(&r);
}

Test(faults_exec, the_same_seed_fires_at_the_same_calls)
{
    REQUIRE_KVM();
    const char *path = scenario(SCENARIO("'calls', '40'", "{ id = 'p', on = 'exec', symbol = 'exec_tick',"
                                                          " probability = 50, action = { delay = 0 } }"));
    char first[512];
    snprintf(first, sizeof(first), "%s", campaign_faults(path, "7"));
    assert_contains(first, "\"event\":\"exec\"");
    cr_assert_str_eq(campaign_faults(path, "7"), first);
}

Test(faults_exec, an_unknown_symbol_is_refused_before_any_run)
{
    const char *path = scenario("return { program = { '@P', 'calls', '1' }, faults = {\n"
                                "  { id = 'nope', on = 'exec', symbol = 'no_such_function',"
                                " action = { kill = 'exec_target' } } } }\n");
    struct run_result r;
    harness_zxvmm(&r, "run", "--scenario", path, NULL);
    cr_assert_eq(r.status, 2, "stderr:\n%s", r.err);
    char want[512];
    snprintf(want, sizeof(want),
             "zxvmm: %s:2: fault 'nope': symbol 'no_such_function' is not in the symbol table of %s", path,
             harness_guest(GUEST));
    harness_assert_line(r.err, want);
    cr_assert_eq(r.out[0], '\0');
    harness_free(&r);
}

Test(faults_exec, a_symbol_of_a_process_the_scenario_does_not_run_is_refused)
{
    const char *path = scenario("return { program = { '@P', 'calls', '1' }, faults = {\n"
                                "  { id = 'other', on = 'exec', process = 'nobody', symbol = 'exec_tick',"
                                " action = { kill = 'exec_target' } } } }\n");
    struct run_result r;
    harness_zxvmm(&r, "campaign", path, "--runs", "1", NULL);
    cr_assert_eq(r.status, 2, "stderr:\n%s", r.err);
    char want[512];
    snprintf(want, sizeof(want),
             "zxvmm: %s:2: fault 'other': symbol 'exec_tick': no program of the scenario is named 'nobody'",
             path);
    harness_assert_line(r.err, want);
    harness_free(&r);
}

Test(faults_exec, an_unmapped_or_data_address_is_not_armed_and_says_why)
{
    REQUIRE_KVM();
    struct run_result r;
    const char *path = scenario(SCENARIO("'calls', '2'", "{ id = 'low', on = 'exec', addr = 0x10,"
                                                         " action = { kill = 'exec_target' } },\n"
                                                         "  { id = 'data', on = 'exec', addr = @V,"
                                                         " action = { kill = 'exec_target' } }"));
    run_scenario(&r, path, 0, "zxvmm: class not_activated", NULL);
    harness_assert_line(r.out, "ticks=2 value=0x1234");
    harness_assert_line(r.err,
                        "zxvmm: fault 'low' was not armed: exec address 0x10 is not mapped in exec_target");
    char want[160];
    snprintf(want, sizeof(want),
             "zxvmm: fault 'data' was not armed: exec address %s is not executable in exec_target",
             guest_symbol("exec_value"));
    harness_assert_line(r.err, want);
    harness_free(&r);
    char *faults = campaign_faults(path, "1");
    assert_contains(faults,
                    "{\"id\":\"low\",\"fired\":0,\"applied\":false,\"why\":\"exec address 0x10 is not "
                    "mapped in exec_target\"}");
}

/* An in-guest debugger single-stepping through the address sees one #DB per instruction, never the #BP. */
Test(faults_exec, a_guest_debugger_single_stepping_over_it_sees_only_its_own_steps)
{
    REQUIRE_KVM();
    struct run_result r;
    run_scenario(
        &r,
        scenario("return { program = { '@P', 'stepper' }, spawn = { { '@P', 'victim', '3' } },\n"
                 "  cmdline = 'kernel.enable-debugging-syscalls=true', timeout = 300, faults = {\n"
                 "  { id = 'tick', on = 'exec', symbol = 'exec_tick', action = { delay = 0 } } } }\n"),
        0, "zxvmm: class masked: tick x3", NULL);
    /*
     * 0x308: the victim's own int3; its code read from the debugger's process shows the original bytes; then
     * single steps only, the one at exec_tick over its 7-byte lock incl.
     */
    harness_assert_line(r.out, "first=0x308 victim_code=f0ff05 reached_tick=1 advanced=7 other=0");
    harness_assert_line(r.out, "ticks=3 value=0x1234");
    harness_free(&r);
}

/* At an exec trigger the process is stopped before the instruction: a general register changed there is the
 * one the instruction reads. */
Test(faults_exec, reg_changes_the_register_the_instruction_there_reads)
{
    REQUIRE_KVM();
    struct run_result r;
    run_scenario(
        &r,
        scenario(SCENARIO("'double', '5'", "{ id = 'arg', on = 'exec', symbol = 'exec_double',"
                                           " action = { reg = { process = 'exec_target', name = 'rdi',"
                                           " value = 21 } } }")),
        0, "zxvmm: class sdc: arg x1", NULL);
    harness_assert_line(r.out, "double=42");
    cr_assert_null(strstr(r.err, "did not apply"), "%s", r.err);
    harness_free(&r);
}

Test(faults_exec, reg_of_what_the_shim_frame_holds_is_refused_and_the_program_runs_as_without_it)
{
    REQUIRE_KVM();
    struct run_result r;
    run_scenario(
        &r,
        scenario(SCENARIO("'double', '5'", "{ id = 'pc', on = 'exec', symbol = 'exec_double',"
                                           " action = { reg = { process = 'exec_target', name = 'rip',"
                                           " flip = 1 } } }")),
        0, "zxvmm: class masked: pc x1", NULL);
    harness_assert_line(r.err,
                        "zxvmm: fault 'pc' fired but its action did not apply: at an exec trigger rip is "
                        "in the frame the shim saved and cannot be changed");
    harness_assert_line(r.out, "double=10");
    harness_free(&r);
}

/* An exception raised at an exec trigger comes at the breakpoint's address, in place of the instruction. */
Test(faults_exec, exception_comes_at_the_address_in_place_of_the_instruction)
{
    REQUIRE_KVM();
    struct run_result r;
    const char *trace = temp_path(".jsonl");
    run_scenario(&r,
                 scenario(SCENARIO("'calls', '5'", "{ id = 'ud', on = 'exec', symbol = 'exec_tick', nth = 2,"
                                                   " action = { exception = 'UD' } }")),
                 139, "zxvmm: class crash: ud x1", trace);
    char want[96];
    snprintf(want, sizeof(want), "invalid opcode (#UD) at rip %s", guest_symbol("exec_tick"));
    assert_contains(r.err, want);
    cr_assert_null(strstr(r.out, "ticks="), "the process went on:\n%s", r.out);
    harness_free(&r);
    char *text = read_file(trace);
    cr_assert_eq(count(text, "\"event\":\"exec\""), 2, "%s", text);
    char *fault = strstr(text, "\"id\":\"ud\",\"action\":\"exception\"");
    cr_assert_not_null(fault, "trace:\n%s", text);
    snprintf(want, sizeof(want), "\"event\":\"exception\",\"process\":\"exec_target\"");
    assert_contains(fault, want);
    snprintf(want, sizeof(want), "\"vector\":6,\"name\":\"invalid opcode (#UD)\",\"rip\":%llu,",
             strtoull(guest_symbol("exec_tick"), NULL, 16));
    assert_contains(fault, want);
    /* A second exception at the same event is refused: the process is already in the first one's stub. */
    run_scenario(
        &r,
        scenario(SCENARIO("'calls', '5'",
                          "{ id = 'ud', on = 'exec', symbol = 'exec_tick', nth = 1,"
                          " action = { exception = 'UD' } },"
                          " { id = 'gp', on = 'exec', symbol = 'exec_tick', nth = 1,"
                          " action = { exception = 'GP' } },"
                          " { id = 'r', on = 'exec', symbol = 'exec_tick', nth = 1,"
                          " action = { reg = { process = 'exec_target', name = 'rax', value = 1 } } }")),
        139, "zxvmm: class crash: ud x1, gp x1, r x1", NULL);
    harness_assert_line(r.err,
                        "zxvmm: fault 'gp' fired but its action did not apply: an exception was already "
                        "raised at this exec event");
    harness_assert_line(r.err,
                        "zxvmm: fault 'r' fired but its action did not apply: process exec_target entered "
                        "an exception raised at this exec event: its registers are that exception's now");
    assert_contains(r.err, "invalid opcode (#UD) at rip ");
    harness_free(&r);
}
