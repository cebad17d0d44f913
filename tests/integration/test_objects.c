/* test_objects.c: zx_object_get_info and zx_object_get_child from guests, with spawned siblings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define GUEST_TIMEOUT "60"
#define SPAWN_MAX     512

/* Runs `objects CASE` with `spawns` copies of the spin guest beside it; returns stdout after checking exit 0.
 */
static char *run_objects(int spawns, const char *name)
{
    char spin[SPAWN_MAX];
    snprintf(spin, sizeof(spin), "%s", harness_guest("spin"));
    struct run_result r;
    if (spawns == 0)
        harness_zxvmm(&r, "run", "--timeout", GUEST_TIMEOUT, harness_guest("objects"), name, NULL);
    else if (spawns == 1)
        harness_zxvmm(&r, "run", "--timeout", GUEST_TIMEOUT, "--spawn", spin, harness_guest("objects"), name,
                      NULL);
    else
        harness_zxvmm(&r, "run", "--timeout", GUEST_TIMEOUT, "--spawn", spin, "--spawn", spin,
                      harness_guest("objects"), name, NULL);
    cr_assert_eq(r.status, 0, "case %s: status %d\nstdout:\n%s\nstderr:\n%s", name, r.status, r.out, r.err);
    free(r.err);
    return r.out;
}

static void expect_lines(int spawns, const char *name, const char *const lines[])
{
    char *out = run_objects(spawns, name);
    for (size_t i = 0; lines[i]; i++)
        harness_assert_line(out, lines[i]);
    free(out);
}

#define EXPECT(spawns, name, ...) expect_lines(spawns, name, (const char *const[]){__VA_ARGS__, NULL})

Test(objects, a_process_is_named_after_its_program_basename)
{
    REQUIRE_KVM();
    EXPECT(1, "process_name", "self_status=ZX_OK", "self=objects", "sibling_status=ZX_OK", "sibling=spin");
}

Test(objects, handle_basic_reports_one_record)
{
    REQUIRE_KVM();
    EXPECT(0, "info_actual_avail", "status=ZX_OK", "actual=1", "avail=1");
}

Test(objects, handle_basic_into_a_small_buffer_is_buffer_too_small_with_avail_1)
{
    REQUIRE_KVM();
    EXPECT(0, "info_small_buffer", "status=ZX_ERR_BUFFER_TOO_SMALL", "actual=0", "avail=1");
}

Test(objects, get_info_into_bad_buffers_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT(0, "info_bad_buffers", "null_status=ZX_ERR_INVALID_ARGS", "unmapped_status=ZX_ERR_INVALID_ARGS",
           "readonly_status=ZX_ERR_INVALID_ARGS");
}

Test(objects, get_info_with_bad_actual_or_avail_pointer_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT(0, "info_bad_buffers", "actual_status=ZX_ERR_INVALID_ARGS", "avail_status=ZX_ERR_INVALID_ARGS");
}

Test(objects, get_info_checks_the_handle_before_the_topic)
{
    REQUIRE_KVM();
    EXPECT(0, "info_unknown_topic", "status=ZX_ERR_NOT_SUPPORTED", "bad_handle_status=ZX_ERR_BAD_HANDLE");
}

Test(objects, handle_valid_topic_tells_live_handles_from_others)
{
    REQUIRE_KVM();
    EXPECT(0, "info_handle_valid", "self_status=ZX_OK", "no_rights_status=ZX_OK",
           "closed_status=ZX_ERR_BAD_HANDLE", "bad_status=ZX_ERR_BAD_HANDLE");
}

Test(objects, old_process_topic_version_0_is_not_supported)
{
    REQUIRE_KVM();
    EXPECT(0, "info_unknown_topic", "process_v0_status=ZX_ERR_NOT_SUPPORTED");
}

Test(objects, get_info_on_unknown_handle_is_bad_handle)
{
    REQUIRE_KVM();
    EXPECT(0, "info_bad_handle", "status=ZX_ERR_BAD_HANDLE");
}

Test(objects, get_info_topic_on_the_wrong_object_type_is_wrong_type)
{
    REQUIRE_KVM();
    EXPECT(0, "info_wrong_type", "process_on_vmar_status=ZX_ERR_WRONG_TYPE",
           "process_on_job_status=ZX_ERR_WRONG_TYPE", "vmar_on_process_status=ZX_ERR_WRONG_TYPE",
           "job_processes_on_process_status=ZX_ERR_WRONG_TYPE");
}

Test(objects, get_info_without_the_topic_right_is_access_denied)
{
    REQUIRE_KVM();
    EXPECT(0, "info_missing_rights", "process_status=ZX_ERR_ACCESS_DENIED",
           "vmar_status=ZX_ERR_ACCESS_DENIED", "job_processes_status=ZX_ERR_ACCESS_DENIED");
}

Test(objects, handle_basic_needs_no_right)
{
    REQUIRE_KVM();
    EXPECT(0, "info_missing_rights", "basic_no_rights_status=ZX_OK");
}

Test(objects, process_info_of_a_running_process_is_started_not_exited)
{
    REQUIRE_KVM();
    EXPECT(0, "info_process_self", "status=ZX_OK", "flags=1", "start_time_valid=1");
}

Test(objects, job_lists_spawned_processes_before_the_main_one)
{
    REQUIRE_KVM();
    EXPECT(2, "info_job_processes", "status=ZX_OK", "actual=3", "avail=3", "main_is_last=1", "distinct=1");
}

Test(objects, job_processes_into_a_small_buffer_reports_actual_below_avail)
{
    REQUIRE_KVM();
    EXPECT(2, "info_job_processes_small", "status=ZX_OK", "actual=1", "avail=3");
}

Test(objects, job_processes_with_no_buffer_counts_them)
{
    REQUIRE_KVM();
    EXPECT(2, "info_job_processes_small", "count_status=ZX_OK", "count_actual=0", "count_avail=3");
}

Test(objects, job_processes_into_an_unmapped_buffer_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT(1, "info_job_processes_small", "bad_buffer_status=ZX_ERR_INVALID_ARGS");
}

Test(objects, root_vmar_info_covers_the_user_range)
{
    REQUIRE_KVM();
    EXPECT(0, "info_vmar", "status=ZX_OK", "base=0x1000000", "len=0x7ffffdfff000", "actual=1", "avail=1");
}

Test(objects, vmar_info_into_a_small_buffer_is_buffer_too_small)
{
    REQUIRE_KVM();
    EXPECT(0, "info_vmar", "small_status=ZX_ERR_BUFFER_TOO_SMALL");
}

Test(objects, get_child_with_same_rights_gives_the_job_handle_rights)
{
    REQUIRE_KVM();
    EXPECT(1, "child_same_rights", "status=ZX_OK", "type=1", "rights=0x7dfcf", "koid_matches=1",
           "related_is_job=1");
}

Test(objects, get_child_reduces_rights_on_request)
{
    REQUIRE_KVM();
    EXPECT(1, "child_reduced_rights", "status=ZX_OK", "rights=0xc000");
}

Test(objects, get_child_finds_the_caller_itself)
{
    REQUIRE_KVM();
    EXPECT(0, "child_self", "status=ZX_OK", "koid_matches=1");
}

Test(objects, get_child_with_rights_beyond_the_job_handle_is_access_denied)
{
    REQUIRE_KVM();
    EXPECT(1, "child_errors", "wider_status=ZX_ERR_ACCESS_DENIED");
}

Test(objects, get_child_needs_the_enumerate_right)
{
    REQUIRE_KVM();
    EXPECT(1, "child_errors", "no_enumerate_status=ZX_ERR_ACCESS_DENIED", "vmar_status=ZX_ERR_ACCESS_DENIED");
}

Test(objects, get_child_of_a_process_is_not_found)
{
    REQUIRE_KVM();
    EXPECT(1, "child_errors", "process_status=ZX_ERR_NOT_FOUND");
}

Test(objects, get_child_with_unknown_koid_is_not_found)
{
    REQUIRE_KVM();
    EXPECT(1, "child_errors", "unknown_koid_status=ZX_ERR_NOT_FOUND", "job_koid_status=ZX_ERR_NOT_FOUND");
}

Test(objects, get_child_on_unknown_handle_is_bad_handle)
{
    REQUIRE_KVM();
    EXPECT(1, "child_errors", "bad_handle_status=ZX_ERR_BAD_HANDLE");
}

Test(objects, get_child_to_a_null_out_pointer_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT(1, "child_errors", "null_out_status=ZX_ERR_INVALID_ARGS");
}
