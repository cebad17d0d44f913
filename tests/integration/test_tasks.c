/* test_tasks.c: zx_task_kill and zx_object_wait_one between processes of one VM, and kill's exit statuses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define GUEST_TIMEOUT  "60"
#define SPAWN_MAX      512
#define STATUS_KILLED  137
#define SIBLING_RETURN "7"

/* Runs `objects CASE` beside one spawned command line (NULL for none); the caller checks and frees `r`. */
static void run_case(struct run_result *r, const char *spawn, const char *name)
{
    if (spawn)
        harness_zxvmm(r, "run", "--timeout", GUEST_TIMEOUT, "--spawn", spawn, harness_guest("objects"), name,
                      NULL);
    else
        harness_zxvmm(r, "run", "--timeout", GUEST_TIMEOUT, harness_guest("objects"), name, NULL);
}

static const char *spin_spawn(void)
{
    static char spawn[SPAWN_MAX];
    snprintf(spawn, sizeof(spawn), "%s", harness_guest("spin"));
    return spawn;
}

static void expect_lines(const char *spawn, const char *name, const char *const lines[])
{
    struct run_result r;
    run_case(&r, spawn, name);
    cr_assert_eq(r.status, 0, "case %s: status %d\nstdout:\n%s\nstderr:\n%s", name, r.status, r.out, r.err);
    for (size_t i = 0; lines[i]; i++)
        harness_assert_line(r.out, lines[i]);
    harness_free(&r);
}

#define EXPECT(spawn, name, ...) expect_lines(spawn, name, (const char *const[]){__VA_ARGS__, NULL})

Test(tasks, killing_a_sibling_found_through_the_job_terminates_it)
{
    REQUIRE_KVM();
    EXPECT(spin_spawn(), "kill_sibling", "kill_status=ZX_OK", "wait_status=ZX_OK", "terminated_observed=1");
}

Test(tasks, killed_sibling_reports_syscall_kill_and_exited)
{
    REQUIRE_KVM();
    EXPECT(spin_spawn(), "kill_sibling", "info_status=ZX_OK", "return_code=-1024", "flags=3");
}

Test(tasks, killed_sibling_leaves_the_job)
{
    REQUIRE_KVM();
    EXPECT(spin_spawn(), "kill_sibling", "job_avail_after=1", "get_child_after_status=ZX_ERR_NOT_FOUND");
}

Test(tasks, killing_a_dead_process_succeeds_and_keeps_its_return_code)
{
    REQUIRE_KVM();
    EXPECT(spin_spawn(), "kill_sibling", "kill_again_status=ZX_OK", "return_code_after_second_kill=-1024");
}

Test(tasks, sibling_exit_code_is_its_return_code)
{
    REQUIRE_KVM();
    char spawn[SPAWN_MAX];
    snprintf(spawn, sizeof(spawn), "%s exit_later %s", harness_guest("objects"), SIBLING_RETURN);
    EXPECT(spawn, "sibling_exit_code", "wait_status=ZX_OK", "return_code=7", "flags=3");
}

Test(tasks, wait_on_a_terminated_process_succeeds_even_past_its_deadline)
{
    REQUIRE_KVM();
    char spawn[SPAWN_MAX];
    snprintf(spawn, sizeof(spawn), "%s exit_later %s", harness_guest("objects"), SIBLING_RETURN);
    EXPECT(spawn, "sibling_exit_code", "poll_after_status=ZX_OK", "observed=0x8");
}

Test(tasks, killing_itself_ends_the_main_process_with_status_137)
{
    REQUIRE_KVM();
    struct run_result r;
    run_case(&r, NULL, "kill_self");
    cr_assert_eq(r.status, STATUS_KILLED, "status %d, stderr: %s", r.status, r.err);
    harness_assert_line(r.out, "before_kill");
    cr_assert_null(strstr(r.out, "after_kill"), "zx_task_kill(self) returned: %s", r.out);
    harness_free(&r);
}

Test(tasks, killing_the_job_kills_every_process_and_exits_137)
{
    REQUIRE_KVM();
    struct run_result r;
    run_case(&r, spin_spawn(), "kill_job");
    cr_assert_eq(r.status, STATUS_KILLED, "status %d, stderr: %s", r.status, r.err);
    harness_assert_line(r.out, "before_kill");
    cr_assert_null(strstr(r.out, "after_kill"), "zx_task_kill(job) returned: %s", r.out);
    harness_free(&r);
}

Test(tasks, a_spawned_process_can_kill_the_spinning_main_process)
{
    REQUIRE_KVM();
    char spawn[SPAWN_MAX];
    snprintf(spawn, sizeof(spawn), "%s kill_main", harness_guest("objects"));
    struct run_result r;
    run_case(&r, spawn, "spin");
    cr_assert_eq(r.status, STATUS_KILLED, "status %d\nstdout:\n%s\nstderr:\n%s", r.status, r.out, r.err);
    assert_contains(r.out, "killing_main");
    harness_free(&r);
}

Test(tasks, kill_on_unknown_handle_is_bad_handle)
{
    REQUIRE_KVM();
    EXPECT(NULL, "kill_errors", "bad_handle_status=ZX_ERR_BAD_HANDLE", "still_running=1");
}

Test(tasks, kill_without_destroy_right_is_access_denied_before_the_type_check)
{
    REQUIRE_KVM();
    EXPECT(NULL, "kill_errors", "vmar_status=ZX_ERR_ACCESS_DENIED", "vmo_status=ZX_ERR_ACCESS_DENIED",
           "no_destroy_status=ZX_ERR_ACCESS_DENIED");
}

Test(tasks, wait_on_a_running_process_times_out_after_its_deadline)
{
    REQUIRE_KVM();
    EXPECT(spin_spawn(), "wait_timeout", "status=ZX_ERR_TIMED_OUT", "observed=0x0", "waited_enough=1");
}

Test(tasks, wait_with_a_past_deadline_times_out_at_once)
{
    REQUIRE_KVM();
    EXPECT(spin_spawn(), "wait_past_deadline", "status=ZX_ERR_TIMED_OUT", "observed=0x0",
           "infinite_past_status=ZX_ERR_TIMED_OUT");
}

Test(tasks, wait_for_no_signals_times_out)
{
    REQUIRE_KVM();
    EXPECT(NULL, "wait_no_signals", "status=ZX_ERR_TIMED_OUT");
}

Test(tasks, vmo_asserts_zero_children)
{
    REQUIRE_KVM();
    EXPECT(NULL, "wait_vmo_zero_children", "status=ZX_OK", "observed=0x8");
}

Test(tasks, job_asserts_no_jobs_but_not_no_processes)
{
    REQUIRE_KVM();
    EXPECT(NULL, "wait_job_no_jobs", "status=ZX_OK", "no_jobs_observed=1", "no_processes_observed=0");
}

Test(tasks, wait_on_unknown_handle_is_bad_handle)
{
    REQUIRE_KVM();
    EXPECT(NULL, "wait_errors", "bad_handle_status=ZX_ERR_BAD_HANDLE");
}

Test(tasks, wait_needs_the_wait_right)
{
    REQUIRE_KVM();
    EXPECT(NULL, "wait_errors", "vmar_status=ZX_ERR_ACCESS_DENIED", "no_wait_status=ZX_ERR_ACCESS_DENIED");
}

Test(tasks, wait_with_a_bad_observed_pointer_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT(NULL, "wait_errors", "bad_observed_status=ZX_ERR_INVALID_ARGS",
           "null_observed_status=ZX_ERR_TIMED_OUT");
}
