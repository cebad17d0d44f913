/* test_exceptions.c: in-guest debugging (SEMANTICS.md section 7): exception channels, the handler chain,
 * thread state, single step, suspension, --spawn-stopped and the example debugger. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define GUEST_TIMEOUT "60"
#define SPAWN_MAX     512
#define DEBUG_CMDLINE "kernel.enable-debugging-syscalls=true"
#define RACE_ROUNDS   20

/* "exceptions victim KIND" as a command line for --spawn. */
static const char *victim(const char *kind)
{
    static char spawn[SPAWN_MAX];
    snprintf(spawn, sizeof(spawn), "%s victim %s", harness_guest("exceptions"), kind);
    return spawn;
}

/* Runs `exceptions ROLE [ARG]` as main beside a victim; asserts status 0 and each line. */
static void expect_role(const char *spawn_opt, const char *kind, const char *role, const char *arg,
                        const char *const lines[])
{
    struct run_result r;
    harness_zxvmm(&r, "run", "--timeout", GUEST_TIMEOUT, "--cmdline", DEBUG_CMDLINE, spawn_opt, victim(kind),
                  harness_guest("exceptions"), role, arg, NULL);
    cr_assert_eq(r.status, 0, "%s %s: status %d\nstdout:\n%s\nstderr:\n%s", role, kind, r.status, r.out,
                 r.err);
    for (size_t i = 0; lines[i]; i++)
        harness_assert_line(r.out, lines[i]);
    harness_free(&r);
}

#define EXPECT(kind, role, arg, ...)                                                                         \
    expect_role("--spawn", kind, role, arg, (const char *const[]){__VA_ARGS__, NULL})

Test(exceptions, breakpoint_reaches_the_debugger_and_handled_resumes_past_it)
{
    REQUIRE_KVM();
    EXPECT("bp", "catch", "handled", "bind=ZX_OK", "read=ZX_OK", "type=0x308", "pid_matches=1",
           "get_thread=ZX_OK", "tid_matches=1", "thread_state=0x103 channel_type=1", "report=ZX_OK",
           "vector=3 cr2=0x0", "synth_code=0 synth_data=0", "read_regs=ZX_OK", "rip_user=1",
           "default_state=0", "victim_resumed=1", "retcode=7");
}

Test(exceptions, try_next_with_no_other_handler_kills_with_exception_kill)
{
    REQUIRE_KVM();
    EXPECT("bp", "catch", "try_next", "type=0x308", "retcode=-1028");
}

Test(exceptions, invalid_opcode_is_undefined_instruction)
{
    REQUIRE_KVM();
    EXPECT("ud", "catch", "try_next", "type=0x208", "vector=6 cr2=0x0", "retcode=-1028");
}

Test(exceptions, page_fault_is_fatal_page_fault_with_cr2)
{
    REQUIRE_KVM();
    EXPECT("pf", "catch", "try_next", "type=0x108", "vector=14 cr2=0x10", "synth_code=-25 synth_data=0",
           "retcode=-1028");
}

Test(exceptions, page_fault_on_a_mapping_that_forbids_it_has_synth_code_access_denied)
{
    REQUIRE_KVM();
    EXPECT("pf_ro", "catch", "try_next", "type=0x108", "synth_code=-30 synth_data=0", "retcode=-1028");
}

Test(exceptions, general_protection_is_general)
{
    REQUIRE_KVM();
    EXPECT("gp", "catch", "try_next", "type=0x8", "retcode=-1028");
}

Test(exceptions, syscall_from_outside_the_vdso_is_a_policy_error)
{
    REQUIRE_KVM();
    EXPECT("policy", "catch", "handled", "type=0x8208", "synth_code=18 synth_data=1", "victim_resumed=1",
           "retcode=7");
}

Test(exceptions, single_step_reports_hw_breakpoint_one_instruction_later)
{
    REQUIRE_KVM();
    EXPECT("step", "step", NULL, "step_on=ZX_OK", "second_type=0x408", "advanced=1", "dr6_single_step=1",
           "victim_resumed=1", "retcode=7");
}

Test(exceptions, handler_order_is_debugger_then_process_then_job)
{
    REQUIRE_KVM();
    EXPECT("bp", "order", NULL, "round0=debugger", "round1=process", "round2=job", "victim_resumed=1",
           "retcode=7");
}

Test(exceptions, every_error_in_check_order)
{
    REQUIRE_KVM();
    EXPECT("spin", "errors", NULL, "threads=ZX_OK", "nthreads=1", "get_child_thread=ZX_OK",
           "get_child_unknown=ZX_ERR_NOT_FOUND", "self_thread_type_ok=1",
           "create_bad_options=ZX_ERR_INVALID_ARGS", "create_bad_handle=ZX_ERR_BAD_HANDLE",
           "create_no_manage_thread=ZX_ERR_ACCESS_DENIED", "create_no_enumerate=ZX_ERR_ACCESS_DENIED",
           "create_thread_debugger=ZX_ERR_INVALID_ARGS", "create_thread=ZX_OK", "create_debugger=ZX_OK",
           "create_again=ZX_ERR_ALREADY_BOUND", "channel_rights=0x4006", "debugger_attached=1",
           "read_wrong_type=ZX_ERR_WRONG_TYPE", "read_bad_options=ZX_ERR_NOT_SUPPORTED",
           "read_empty=ZX_ERR_SHOULD_WAIT", "dup_channel=0", "read_state_running=ZX_ERR_BAD_STATE",
           "read_state_kind=ZX_ERR_INVALID_ARGS", "read_state_small=ZX_ERR_BUFFER_TOO_SMALL",
           "read_state_wrong_type=ZX_ERR_WRONG_TYPE", "read_state_self=ZX_ERR_BAD_STATE",
           "write_debug_regs=ZX_ERR_BAD_STATE", "suspend_self=ZX_ERR_NOT_SUPPORTED",
           "suspend_self_thread=ZX_ERR_NOT_SUPPORTED", "suspend_wrong_type=ZX_ERR_WRONG_TYPE",
           "set_name=ZX_OK", "get_name=ZX_OK", "name=renamed", "get_name_small=ZX_ERR_BUFFER_TOO_SMALL",
           "get_property_null_first=ZX_ERR_INVALID_ARGS", "set_property_null_first=ZX_ERR_INVALID_ARGS",
           "exc_state_wrong_type=ZX_ERR_WRONG_TYPE", "get_thread_wrong_type=ZX_ERR_WRONG_TYPE",
           "create_after_close=ZX_OK", "read_after_death=ZX_ERR_PEER_CLOSED", "create_dead=ZX_ERR_BAD_STATE",
           "suspend_dead=ZX_ERR_BAD_STATE");
}

Test(exceptions, debug_regs_writes_need_debugging_syscalls_first)
{
    REQUIRE_KVM();
    struct run_result r;
    harness_zxvmm(&r, "run", "--timeout", GUEST_TIMEOUT, "--spawn", victim("spin"),
                  harness_guest("exceptions"), "errors", NULL);
    harness_assert_line(r.out, "write_debug_regs=ZX_ERR_NOT_SUPPORTED");
    harness_free(&r);
}

Test(exceptions, suspend_tokens_nest_and_the_last_close_resumes)
{
    REQUIRE_KVM();
    EXPECT("spin", "suspend", NULL, "suspend=ZX_OK", "wait_suspended=ZX_OK", "read_suspended=ZX_OK",
           "suspend_process=ZX_OK", "state_after_one_close=0x2", "wait_running=ZX_OK",
           "read_running=ZX_ERR_BAD_STATE", "suspend_again=ZX_OK", "retcode=-1024");
}

/* A thread blocked in a syscall parks when suspended (at the vDSO entry it called), and the call restarts. */
Test(exceptions, suspend_parks_a_thread_blocked_in_nanosleep_and_the_call_restarts)
{
    REQUIRE_KVM();
    EXPECT("sleep", "suspend_blocked", NULL, "wait_suspended=ZX_OK", "rip_in_call=1", "write_suspended=ZX_OK",
           "wait_running=ZX_OK", "victim_exited=0", "kill=ZX_OK", "retcode=-1024");
}

Test(exceptions, suspend_parks_a_thread_blocked_in_wait_one_and_the_call_restarts)
{
    REQUIRE_KVM();
    EXPECT("wait", "suspend_blocked", NULL, "wait_suspended=ZX_OK", "rip_in_call=1", "write_suspended=ZX_OK",
           "wait_running=ZX_OK", "victim_exited=0", "kill=ZX_OK", "retcode=-1024");
}

Test(exceptions, spawn_stopped_reports_thread_starting_then_exiting)
{
    REQUIRE_KVM();
    expect_role("--spawn-stopped", "start", "starting", NULL,
                (const char *const[]){"read=ZX_OK", "first_type=0x8008", "second_type=0x8108",
                                      "victim_resumed=1", "retcode=7", NULL});
}

Test(exceptions, debugger_exiting_with_an_exception_handle_passes_it_on)
{
    REQUIRE_KVM();
    for (int i = 0; i < RACE_ROUNDS; i++) {
        struct run_result r;
        harness_zxvmm(&r, "run", "--timeout", GUEST_TIMEOUT, "--spawn", victim("bp"),
                      harness_guest("exceptions"), "exit_holding", NULL);
        cr_assert_eq(r.status, 0, "round %d: status %d\nstderr:\n%s", i, r.status, r.err);
        harness_assert_line(r.out, "holding=0x308");
        harness_free(&r);
    }
}

Test(exceptions, timeout_stops_a_process_parked_for_ever)
{
    REQUIRE_KVM();
    struct run_result r;
    harness_zxvmm(&r, "run", "--timeout", "1", "--spawn-stopped", victim("start"), harness_guest("spin"),
                  NULL);
    cr_assert_eq(r.status, 124, "status %d\nstderr:\n%s", r.status, r.err);
    harness_free(&r);
}

Test(exceptions, example_debugger_breaks_steps_and_resumes)
{
    REQUIRE_KVM();
    struct run_result r;
    char spawn[SPAWN_MAX];
    snprintf(spawn, sizeof(spawn), "%s target", harness_example("debugger"));
    harness_zxvmm(&r, "run", "--timeout", GUEST_TIMEOUT, "--cmdline", DEBUG_CMDLINE, "--spawn-stopped", spawn,
                  harness_example("debugger"), "break", "target_work", NULL);
    cr_assert_eq(r.status, 0, "status %d\nstdout:\n%s\nstderr:\n%s", r.status, r.out, r.err);
    assert_contains(r.out, "debugger: attached, breakpoint at 0x");
    assert_contains(r.out, "debugger: thread ");
    assert_contains(r.out, "debugger: breakpoint hit at 0x");
    assert_contains(r.out, "debugger: stepped to 0x");
    harness_assert_line(r.out, "target: done");
    harness_assert_line(r.out, "debugger: debuggee exited with 3");
    harness_free(&r);
}

Test(exceptions, process_maps_lists_aspace_root_vmar_and_each_protection_range)
{
    REQUIRE_KVM();
    EXPECT("spin", "maps", NULL, "count=ZX_OK", "count_actual=0 count_avail_ok=1", "all=ZX_OK",
           "all_complete=1", "aspace type=1 depth=0 name_ok=1 base=0x1000000",
           "root type=2 depth=1 name=root same_range=1", "sorted=1",
           "vmo_rw depth=2 flags=3 koid_ok=1 offset_ok=1 committed=1",
           "vmo_r depth=2 flags=1 koid_ok=1 offset_ok=1 committed=1", "stack flags=3", "one=ZX_OK",
           "one_actual=1 one_avail_ok=1", "sibling=ZX_OK", "sibling_name_ok=1 sibling_has_mappings=1",
           "bad_handle=ZX_ERR_BAD_HANDLE", "wrong_type=ZX_ERR_WRONG_TYPE", "no_inspect=ZX_ERR_ACCESS_DENIED",
           "bad_buffer=ZX_ERR_INVALID_ARGS", "dead=ZX_ERR_BAD_STATE", "dead_actual=0 dead_avail=0");
}

Test(exceptions, breakpoint_benchmark_guest_round_trips_between_two_sites)
{
    REQUIRE_KVM();
    struct run_result r;
    char spawn[SPAWN_MAX];
    snprintf(spawn, sizeof(spawn), "%s debuggee 20", harness_guest("bench_bp"));
    harness_zxvmm(&r, "run", "--timeout", GUEST_TIMEOUT, "--cmdline", DEBUG_CMDLINE, "--spawn-stopped", spawn,
                  harness_guest("bench_bp"), "debugger", "20", NULL);
    cr_assert_eq(r.status, 0, "status %d\nstdout:\n%s\nstderr:\n%s", r.status, r.out, r.err);
    assert_contains(r.out, "bench_bp hits=20 null_ns=");
    harness_free(&r);
}

Test(exceptions, debug_regs_writes_check_addresses_then_are_not_supported_on_this_platform)
{
    REQUIRE_KVM();
    EXPECT("hw", "hw", NULL, "first=0x308", "kernel_addr=ZX_ERR_INVALID_ARGS",
           "below_user=ZX_ERR_INVALID_ARGS", "arm=ZX_ERR_NOT_SUPPORTED", "dr7=0x400 dr0_ok=0",
           "victim_resumed=1", "retcode=7");
}

Test(exceptions, two_debuggers_racing_for_the_channel_one_wins_one_is_already_bound)
{
    REQUIRE_KVM();
    char racer[SPAWN_MAX];
    snprintf(racer, sizeof(racer), "%s racer", harness_guest("exceptions"));
    for (int i = 0; i < RACE_ROUNDS; i++) {
        struct run_result r;
        harness_zxvmm(&r, "run", "--timeout", GUEST_TIMEOUT, "--cmdline", DEBUG_CMDLINE, "--spawn",
                      victim("spin"), "--spawn", racer, harness_guest("exceptions"), "race", NULL);
        cr_assert_eq(r.status, 0, "round %d: status %d\nstdout:\n%s\nstderr:\n%s", i, r.status, r.out, r.err);
        harness_assert_line(r.out, "race winners=1 loser_already_bound=1");
        harness_free(&r);
    }
}

Test(exceptions, debuggee_killed_while_parked_in_an_exception_dies_cleanly)
{
    REQUIRE_KVM();
    for (int i = 0; i < RACE_ROUNDS; i++)
        EXPECT("bp", "kill_parked", NULL, "kill=ZX_OK", "retcode=-1024", "thread_state=0x5",
               "read_regs_dead=ZX_ERR_BAD_STATE", "strategy_dead=ZX_ERR_BAD_STATE", "set_state_dead=ZX_OK",
               "close_exception=ZX_OK", "read_after=ZX_ERR_PEER_CLOSED");
}

Test(exceptions, second_chance_debugger_sees_the_exception_again_after_the_process_channel)
{
    REQUIRE_KVM();
    EXPECT("bp", "second_chance", NULL, "first=0x308", "default_strategy=0",
           "bad_strategy=ZX_ERR_INVALID_ARGS", "second_chance=ZX_OK", "get_process=ZX_OK", "process_saw_it=1",
           "strategy_on_process_channel=ZX_ERR_BAD_STATE", "again=0x308", "victim_resumed=1", "retcode=7");
}

Test(exceptions, kill_while_suspended_ends_the_process_and_the_token_closes_after)
{
    REQUIRE_KVM();
    for (int i = 0; i < RACE_ROUNDS / 4; i++)
        EXPECT("spin", "kill_suspended", NULL, "wait_suspended=ZX_OK", "kill=ZX_OK", "retcode=-1024",
               "close_token=ZX_OK");
}

Test(exceptions, timeout_stops_a_run_with_a_suspended_process)
{
    REQUIRE_KVM();
    struct run_result r;
    harness_zxvmm(&r, "run", "--timeout", "3", "--cmdline", DEBUG_CMDLINE, "--spawn", victim("spin"),
                  harness_guest("exceptions"), "suspend_hold", NULL);
    cr_assert_eq(r.status, 124, "status %d\nstdout:\n%s\nstderr:\n%s", r.status, r.out, r.err);
    harness_assert_line(r.out, "suspended=1");
    harness_free(&r);
}

Test(exceptions, fp_and_vector_registers_are_read_and_written_at_a_breakpoint)
{
    REQUIRE_KVM();
    EXPECT("fpu", "fpu", NULL, "read_vector=ZX_OK", "read_fp=ZX_OK", "fcw=0x37f",
           "read_vector_small=ZX_ERR_BUFFER_TOO_SMALL", "write_bad_mxcsr=ZX_ERR_INVALID_ARGS",
           "write_vector=ZX_OK", "write_fp=ZX_OK", "xmm3_after=0xcafef00dcafef00d", "victim_resumed=1",
           "retcode=7");
    struct run_result r;
    harness_zxvmm(&r, "run", "--timeout", GUEST_TIMEOUT, "--cmdline", DEBUG_CMDLINE, "--spawn", victim("fpu"),
                  harness_guest("exceptions"), "fpu", NULL);
    /* MXCSR as the victim holds it (its reset value), and the debugger's rounding mode in force after. */
    harness_assert_line(r.out, "xmm3_seen=0x1122334455667788 mxcsr=0x1f80");
    harness_assert_line(r.out, "victim_mxcsr before=0x1f80 after=0x5f80");
    harness_assert_line(r.out, "third_low_byte=0x56");
    harness_free(&r);
}

Test(exceptions, thread_channel_comes_after_the_debugger_and_gives_no_process_handle)
{
    REQUIRE_KVM();
    EXPECT("bp", "thread_channel", NULL, "bind_thread=ZX_OK", "thread_got=0x308", "waiting_on=2",
           "get_thread=ZX_OK", "same_thread=1", "get_process=ZX_ERR_ACCESS_DENIED",
           "process_got=0x308 waiting_on=3", "victim_resumed=1", "retcode=7");
}

Test(exceptions, suspended_while_in_an_exception_it_stays_stopped_until_the_token_closes)
{
    REQUIRE_KVM();
    EXPECT("bp", "suspend_in_exception", NULL, "suspend=ZX_OK", "state_in_exception=0x103",
           "wait_suspended=ZX_OK", "state_after_handled=0x2", "read_suspended=ZX_OK", "victim_resumed=1",
           "retcode=7");
}
