/* test_vmo.c: zx_vmo_create/read/write/get_size/set_cache_policy from a guest, out of memory included. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define GUEST_TIMEOUT "60"
#define SMALL_MEM     "32M"

/* Runs `vmos CASE` (with `mem` as --mem, or the default when NULL); returns stdout after checking exit 0. */
static char *run_vmos(const char *mem, const char *name)
{
    struct run_result r;
    if (mem)
        harness_zxvmm(&r, "run", "--timeout", GUEST_TIMEOUT, "--mem", mem, harness_guest("vmos"), name, NULL);
    else
        harness_zxvmm(&r, "run", "--timeout", GUEST_TIMEOUT, harness_guest("vmos"), name, NULL);
    cr_assert_eq(r.status, 0, "case %s: status %d\nstdout:\n%s\nstderr:\n%s", name, r.status, r.out, r.err);
    free(r.err);
    return r.out;
}

static void expect_lines(const char *mem, const char *name, const char *const lines[])
{
    char *out = run_vmos(mem, name);
    for (size_t i = 0; lines[i]; i++)
        harness_assert_line(out, lines[i]);
    free(out);
}

#define EXPECT(name, ...) expect_lines(NULL, name, (const char *const[]){__VA_ARGS__, NULL})

Test(vmo, create_rounds_the_size_up_to_pages)
{
    REQUIRE_KVM();
    EXPECT("create_sizes", "create_0=ZX_OK", "size_0=0", "size_1=4096", "size_4096=4096", "size_4097=8192",
           "size_12293=16384");
}

Test(vmo, new_vmo_handle_has_default_vmo_rights)
{
    REQUIRE_KVM();
    EXPECT("create_rights", "type=3", "rights=0xd0ef", "related=0");
}

Test(vmo, create_accepts_resizable_and_discardable)
{
    REQUIRE_KVM();
    EXPECT("create_options", "resizable_status=ZX_OK", "discardable_status=ZX_OK", "both_status=ZX_OK");
}

Test(vmo, create_with_unknown_options_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT("create_options", "bit0_status=ZX_ERR_INVALID_ARGS", "unknown_status=ZX_ERR_INVALID_ARGS");
}

Test(vmo, create_beyond_the_largest_vmo_is_out_of_range)
{
    REQUIRE_KVM();
    EXPECT("create_too_big", "max_u64_status=ZX_ERR_OUT_OF_RANGE", "above_max_status=ZX_ERR_OUT_OF_RANGE",
           "options_before_size_status=ZX_ERR_INVALID_ARGS");
}

Test(vmo, create_larger_than_guest_ram_is_no_memory)
{
    REQUIRE_KVM();
    EXPECT("create_too_big", "huge_status=ZX_ERR_NO_MEMORY", "small_after_status=ZX_OK");
}

Test(vmo, create_to_a_bad_out_pointer_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT("create_bad_out", "null_status=ZX_ERR_INVALID_ARGS", "unmapped_status=ZX_ERR_INVALID_ARGS",
           "readonly_status=ZX_ERR_INVALID_ARGS");
}

Test(vmo, new_vmo_reads_as_zeros)
{
    REQUIRE_KVM();
    EXPECT("zero_filled", "status=ZX_OK", "zero=1");
}

Test(vmo, write_then_read_across_a_page_boundary_round_trips)
{
    REQUIRE_KVM();
    EXPECT("write_read_roundtrip", "write_status=ZX_OK", "read_status=ZX_OK", "match=1", "neighbours_zero=1");
}

Test(vmo, access_ending_exactly_at_the_size_succeeds)
{
    REQUIRE_KVM();
    EXPECT("range_edges", "end_exact_status=ZX_OK", "len0_at_size_status=ZX_OK", "len0_null_status=ZX_OK");
}

Test(vmo, access_beyond_the_size_is_out_of_range)
{
    REQUIRE_KVM();
    EXPECT("range_edges", "read_beyond_status=ZX_ERR_OUT_OF_RANGE", "write_beyond_status=ZX_ERR_OUT_OF_RANGE",
           "len0_beyond_status=ZX_ERR_OUT_OF_RANGE");
}

Test(vmo, offset_plus_length_overflow_is_out_of_range)
{
    REQUIRE_KVM();
    EXPECT("range_edges", "overflow_status=ZX_ERR_OUT_OF_RANGE", "write_overflow_status=ZX_ERR_OUT_OF_RANGE");
}

Test(vmo, vmo_calls_on_unknown_handle_are_bad_handle)
{
    REQUIRE_KVM();
    EXPECT("handle_errors", "read_bad_handle_status=ZX_ERR_BAD_HANDLE",
           "write_bad_handle_status=ZX_ERR_BAD_HANDLE", "size_bad_handle_status=ZX_ERR_BAD_HANDLE");
}

Test(vmo, vmo_calls_on_other_objects_are_wrong_type)
{
    REQUIRE_KVM();
    EXPECT("handle_errors", "read_wrong_type_status=ZX_ERR_WRONG_TYPE",
           "write_wrong_type_status=ZX_ERR_WRONG_TYPE", "size_wrong_type_status=ZX_ERR_WRONG_TYPE");
}

Test(vmo, read_and_write_need_their_rights)
{
    REQUIRE_KVM();
    EXPECT("handle_errors", "read_no_right_status=ZX_ERR_ACCESS_DENIED",
           "write_no_right_status=ZX_ERR_ACCESS_DENIED", "read_with_right_status=ZX_OK");
}

Test(vmo, rights_are_checked_before_the_range)
{
    REQUIRE_KVM();
    EXPECT("handle_errors", "no_read_beyond_status=ZX_ERR_ACCESS_DENIED");
}

Test(vmo, get_size_needs_no_right)
{
    REQUIRE_KVM();
    EXPECT("handle_errors", "size_no_rights_status=ZX_OK", "size_no_rights=4096");
}

Test(vmo, get_size_to_a_bad_pointer_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT("handle_errors", "size_null_status=ZX_ERR_INVALID_ARGS",
           "size_readonly_status=ZX_ERR_INVALID_ARGS");
}

Test(vmo, read_into_a_bad_buffer_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT("bad_buffers", "read_null_status=ZX_ERR_INVALID_ARGS", "read_unmapped_status=ZX_ERR_INVALID_ARGS",
           "read_into_rodata_status=ZX_ERR_INVALID_ARGS", "read_into_kernel_status=ZX_ERR_INVALID_ARGS");
}

Test(vmo, write_from_a_bad_buffer_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT("bad_buffers", "write_null_status=ZX_ERR_INVALID_ARGS",
           "write_unmapped_status=ZX_ERR_INVALID_ARGS", "write_from_rodata_status=ZX_OK");
}

Test(vmo, partly_bad_buffer_moves_no_byte)
{
    REQUIRE_KVM();
    EXPECT("bad_buffer_moves_nothing", "read_status=ZX_ERR_INVALID_ARGS", "tail_unchanged=1",
           "write_status=ZX_ERR_INVALID_ARGS", "vmo_unchanged=1");
}

Test(vmo, creating_until_guest_ram_runs_out_gives_no_memory_and_the_process_lives_on)
{
    REQUIRE_KVM();
    expect_lines(SMALL_MEM, "out_of_memory",
                 (const char *const[]){"status=ZX_ERR_NO_MEMORY", "created_some=1", "alive=1", NULL});
}

Test(vmo, closing_vmos_after_running_out_frees_their_memory)
{
    REQUIRE_KVM();
    expect_lines(SMALL_MEM, "out_of_memory",
                 (const char *const[]){"after_free_status=ZX_OK", "refill_no_leak=1", NULL});
}

Test(vmo, cache_policy_of_an_untouched_vmo_can_go_back_and_forth)
{
    REQUIRE_KVM();
    EXPECT("cache_fresh_roundtrip", "uncached_status=ZX_OK", "cached_status=ZX_OK",
           "read_after_status=ZX_OK");
}

Test(vmo, every_cache_policy_is_accepted_on_a_new_vmo)
{
    REQUIRE_KVM();
    EXPECT("cache_all_policies", "policy_0=ZX_OK", "policy_1=ZX_OK", "policy_2=ZX_OK", "policy_3=ZX_OK");
}

Test(vmo, uncached_vmo_refuses_read_and_write_with_bad_state)
{
    REQUIRE_KVM();
    EXPECT("cache_uncached_blocks_copies", "read_status=ZX_ERR_BAD_STATE", "write_status=ZX_ERR_BAD_STATE",
           "get_size_status=ZX_OK");
}

Test(vmo, written_vmo_can_leave_cached_but_not_return)
{
    REQUIRE_KVM();
    EXPECT("cache_committed_pages", "write_status=ZX_OK", "uncached_status=ZX_OK",
           "back_to_cached_status=ZX_ERR_BAD_STATE", "write_combining_status=ZX_ERR_BAD_STATE");
}

Test(vmo, unknown_cache_policy_is_invalid_args_before_the_handle_check)
{
    REQUIRE_KVM();
    EXPECT("cache_errors", "bad_policy_status=ZX_ERR_INVALID_ARGS",
           "bad_policy_bad_handle_status=ZX_ERR_INVALID_ARGS");
}

Test(vmo, set_cache_policy_checks_handle_type_and_map_right)
{
    REQUIRE_KVM();
    EXPECT("cache_errors", "bad_handle_status=ZX_ERR_BAD_HANDLE", "wrong_type_status=ZX_ERR_WRONG_TYPE",
           "no_map_status=ZX_ERR_ACCESS_DENIED");
}
