/* test_handles.c: handle tables from guests: starting handles, duplicate/replace/close, limits, isolation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define GUEST_TIMEOUT "60"
#define SPAWN_MAX     512

/* Runs `objects CASE`, optionally with one --spawn; returns stdout (caller frees) after checking exit 0. */
static char *run_objects(const char *spawn, const char *name)
{
    struct run_result r;
    if (spawn)
        harness_zxvmm(&r, "run", "--timeout", GUEST_TIMEOUT, "--spawn", spawn, harness_guest("objects"), name,
                      NULL);
    else
        harness_zxvmm(&r, "run", "--timeout", GUEST_TIMEOUT, harness_guest("objects"), name, NULL);
    cr_assert_eq(r.status, 0, "case %s: status %d\nstdout:\n%s\nstderr:\n%s", name, r.status, r.out, r.err);
    free(r.err);
    return r.out;
}

static void expect_lines(const char *spawn, const char *name, const char *const lines[])
{
    char *out = run_objects(spawn, name);
    for (size_t i = 0; lines[i]; i++)
        harness_assert_line(out, lines[i]);
    free(out);
}

#define EXPECT(name, ...) expect_lines(NULL, name, (const char *const[]){__VA_ARGS__, NULL})

Test(handles, process_starts_with_self_vmar_and_job_handles)
{
    REQUIRE_KVM();
    EXPECT("starting_handles", "self_status=ZX_OK", "self_type=1", "vmar_type=18", "job_type=17",
           "self_koid_valid=1", "vmar_koid_valid=1", "job_koid_valid=1", "koids_distinct=1",
           "values_distinct=1");
}

Test(handles, starting_handles_have_zircon_default_rights)
{
    REQUIRE_KVM();
    EXPECT("starting_handles", "self_rights=0x6d3cf", "vmar_rights=0x801f", "job_rights=0x7dfcf");
}

Test(handles, handle_values_have_the_fixed_bits_set)
{
    REQUIRE_KVM();
    EXPECT("starting_handles", "self_fixed_bits=1", "vmar_fixed_bits=1", "job_fixed_bits=1");
}

Test(handles, process_related_koid_is_its_job)
{
    REQUIRE_KVM();
    EXPECT("starting_handles", "self_related_is_job=1", "vmar_related=0");
}

Test(handles, duplicate_with_same_rights_names_the_same_object)
{
    REQUIRE_KVM();
    EXPECT("dup_same_rights", "status=ZX_OK", "new_value_differs=1", "same_koid=1", "rights=0x6d3cf",
           "fixed_bits=1");
}

Test(handles, duplicate_reduces_rights_on_request)
{
    REQUIRE_KVM();
    EXPECT("dup_reduced_rights", "status=ZX_OK", "rights=0x8001", "original_rights=0x7dfcf");
}

Test(handles, duplicate_cannot_add_rights)
{
    REQUIRE_KVM();
    EXPECT("dup_wider_rights", "status=ZX_ERR_INVALID_ARGS");
}

Test(handles, duplicate_same_rights_with_another_bit_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT("dup_same_rights_plus_bit", "status=ZX_ERR_INVALID_ARGS");
}

Test(handles, duplicate_needs_the_duplicate_right)
{
    REQUIRE_KVM();
    EXPECT("dup_without_duplicate_right", "status=ZX_ERR_ACCESS_DENIED");
}

Test(handles, duplicate_of_unknown_or_invalid_handle_is_bad_handle)
{
    REQUIRE_KVM();
    EXPECT("dup_bad_handle", "bad_status=ZX_ERR_BAD_HANDLE", "invalid_status=ZX_ERR_BAD_HANDLE");
}

Test(handles, duplicate_to_a_bad_out_pointer_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT("dup_bad_out", "null_status=ZX_ERR_INVALID_ARGS", "unmapped_status=ZX_ERR_INVALID_ARGS",
           "readonly_status=ZX_ERR_INVALID_ARGS");
}

Test(handles, failed_duplicate_to_a_bad_out_pointer_leaves_no_handle, .timeout = 120)
{
    REQUIRE_KVM();
    EXPECT("dup_bad_out_creates_no_handle", "capacity_unchanged=1");
}

Test(handles, table_holds_exactly_4096_handles, .timeout = 120)
{
    REQUIRE_KVM();
    EXPECT("handle_table_exhaustion", "created=4092", "total=4096", "full_status=ZX_ERR_NO_RESOURCES");
}

Test(handles, full_table_refuses_vmo_create_and_get_child, .timeout = 120)
{
    REQUIRE_KVM();
    EXPECT("handle_table_exhaustion", "vmo_create_full_status=ZX_ERR_NO_RESOURCES",
           "get_child_full_status=ZX_ERR_NO_RESOURCES");
}

Test(handles, replace_succeeds_in_a_full_table, .timeout = 120)
{
    REQUIRE_KVM();
    EXPECT("handle_table_exhaustion", "replace_full_status=ZX_OK");
}

Test(handles, closing_one_handle_of_a_full_table_makes_room_for_one, .timeout = 120)
{
    REQUIRE_KVM();
    EXPECT("handle_table_exhaustion", "close_status=ZX_OK", "after_close_status=ZX_OK",
           "full_again_status=ZX_ERR_NO_RESOURCES");
}

Test(handles, replace_gives_reduced_rights_and_consumes_the_source)
{
    REQUIRE_KVM();
    EXPECT("replace_reduces_rights", "status=ZX_OK", "rights=0xc000", "same_koid=1",
           "old_close_status=ZX_ERR_BAD_HANDLE");
}

Test(handles, replace_with_wider_rights_fails_and_still_consumes_the_source)
{
    REQUIRE_KVM();
    EXPECT("replace_wider_rights_consumes", "status=ZX_ERR_INVALID_ARGS",
           "old_close_status=ZX_ERR_BAD_HANDLE");
}

Test(handles, replace_to_a_bad_out_pointer_fails_and_consumes_the_source)
{
    REQUIRE_KVM();
    EXPECT("replace_bad_out_consumes", "status=ZX_ERR_INVALID_ARGS", "old_close_status=ZX_ERR_BAD_HANDLE");
}

Test(handles, replace_needs_no_duplicate_right)
{
    REQUIRE_KVM();
    EXPECT("replace_needs_no_right", "status=ZX_OK", "rights=0x8000");
}

Test(handles, replace_of_unknown_handle_is_bad_handle)
{
    REQUIRE_KVM();
    EXPECT("replace_bad_handle", "status=ZX_ERR_BAD_HANDLE");
}

Test(handles, closing_twice_is_bad_handle_the_second_time)
{
    REQUIRE_KVM();
    EXPECT("close_twice", "first_status=ZX_OK", "second_status=ZX_ERR_BAD_HANDLE");
}

Test(handles, closing_the_own_process_handle_does_not_end_the_process)
{
    REQUIRE_KVM();
    EXPECT("close_self_keeps_running", "status=ZX_OK", "still_running=1");
}

Test(handles, handle_value_of_another_process_is_bad_handle)
{
    REQUIRE_KVM();
    char spawn[SPAWN_MAX];
    snprintf(spawn, sizeof(spawn), "%s publish_handle", harness_guest("objects"));
    char *out = run_objects(spawn, "foreign_handle");
    harness_assert_line(out, "wait_status=ZX_OK");
    harness_assert_line(out, "differs=1");
    harness_assert_line(out, "info_status=ZX_ERR_BAD_HANDLE");
    harness_assert_line(out, "close_status=ZX_ERR_BAD_HANDLE");
    /* The value the main process tried is the one the sibling printed. */
    const char *published = strstr(out, "published=");
    const char *foreign = strstr(out, "foreign=");
    cr_assert(published && foreign, "%s", out);
    unsigned long a = strtoul(published + strlen("published="), NULL, 16);
    unsigned long b = strtoul(foreign + strlen("foreign="), NULL, 16);
    cr_assert_eq(a, b, "published 0x%lx, tried 0x%lx", a, b);
    cr_assert_neq(a, 0ul);
    free(out);
}
