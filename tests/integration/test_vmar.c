/* test_vmar.c: zx_vmar_map/unmap/protect from a guest that touches its pages, faults checked from outside. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define GUEST_TIMEOUT   "60"
#define STATUS_FAULT    139
#define FAULT_KEY       "fault_addr="
#define CR2_TEXT_MAX    64
#define PAGE_FAULT_TEXT "page fault (#PF)"

static void run_vmars(struct run_result *r, const char *const args[])
{
    const char *a[8] = {NULL};
    size_t n = 0;
    while (args[n] && n + 1 < sizeof(a) / sizeof(a[0])) {
        a[n] = args[n];
        n++;
    }
    harness_zxvmm(r, "run", "--timeout", GUEST_TIMEOUT, harness_guest("vmars"), a[0], a[1], a[2], a[3], a[4],
                  a[5], a[6], NULL);
}

/* Runs `vmars ARGS...` expecting exit 0 and every line of `lines`. */
static void expect_ok(const char *const args[], const char *const lines[])
{
    struct run_result r;
    run_vmars(&r, args);
    cr_assert_eq(r.status, 0, "vmars %s: status %d\nstdout:\n%s\nstderr:\n%s", args[0], r.status, r.out,
                 r.err);
    for (size_t i = 0; lines[i]; i++)
        harness_assert_line(r.out, lines[i]);
    harness_free(&r);
}

/* Runs `vmars CASE` expecting the lines, then a page fault at the printed fault_addr (status 139, cr2). */
static void expect_fault(const char *name, const char *const lines[])
{
    struct run_result r;
    run_vmars(&r, (const char *const[]){name, NULL});
    cr_assert_eq(r.status, STATUS_FAULT, "vmars %s: status %d\nstdout:\n%s\nstderr:\n%s", name, r.status,
                 r.out, r.err);
    for (size_t i = 0; lines[i]; i++)
        harness_assert_line(r.out, lines[i]);
    const char *at = strstr(r.out, FAULT_KEY);
    cr_assert_not_null(at, "no %s in:\n%s", FAULT_KEY, r.out);
    unsigned long addr = strtoul(at + strlen(FAULT_KEY), NULL, 16);
    char cr2[CR2_TEXT_MAX];
    snprintf(cr2, sizeof(cr2), "cr2 0x%lx", addr);
    assert_contains(r.err, PAGE_FAULT_TEXT);
    assert_contains(r.err, cr2);
    cr_assert_null(strstr(r.out, "survived="), "the access did not fault:\n%s", r.out);
    harness_free(&r);
}

#define ARGS(...)               ((const char *const[]){__VA_ARGS__, NULL})
#define EXPECT(name, ...)       expect_ok(ARGS(name), ARGS(__VA_ARGS__))
#define EXPECT_MAP(st, ...)     expect_ok(ARGS("map", __VA_ARGS__), ARGS("status=" st))
#define EXPECT_FAULT(name, ...) expect_fault(name, ARGS(__VA_ARGS__))

/* Mapping and touching pages. */

Test(vmar, mapped_pages_are_zero_filled_and_read_back_what_was_written)
{
    REQUIRE_KVM();
    EXPECT("map_touch", "in_root=1", "aligned=1", "zero_filled=1", "read_back=1");
}

Test(vmar, mapping_and_vmo_read_write_see_the_same_bytes)
{
    REQUIRE_KVM();
    EXPECT("map_touch", "vmo_sees_writes=1", "mapping_sees_vmo_write=1");
}

Test(vmar, mapping_keeps_the_vmo_alive_after_its_handle_is_closed)
{
    REQUIRE_KVM();
    EXPECT("map_keeps_vmo_alive", "close_status=ZX_OK", "still_mapped=1");
}

Test(vmar, two_mappings_of_one_vmo_share_its_pages)
{
    REQUIRE_KVM();
    EXPECT("map_twice_shares_frames", "distinct=1", "shared=1");
}

Test(vmar, read_after_unmap_is_a_page_fault_with_cr2)
{
    REQUIRE_KVM();
    EXPECT_FAULT("unmap_then_read_faults", "touched=1", "unmap_status=ZX_OK");
}

Test(vmar, write_after_protect_to_read_only_is_a_page_fault_with_cr2)
{
    REQUIRE_KVM();
    EXPECT_FAULT("protect_read_only_write_faults", "protect_status=ZX_OK", "read_after_protect=0x5a");
}

Test(vmar, unmapping_the_middle_page_keeps_the_outer_pages)
{
    REQUIRE_KVM();
    EXPECT_FAULT("partial_unmap_splits", "unmap_status=ZX_OK", "first=0x5a", "last=0x5c", "last_writable=1");
}

Test(vmar, protecting_the_middle_page_keeps_the_outer_pages_writable)
{
    REQUIRE_KVM();
    EXPECT_FAULT("partial_protect_splits", "protect_status=ZX_OK", "outer_writable=1", "middle=0x5b");
}

Test(vmar, protect_to_no_permissions_makes_reads_fault)
{
    REQUIRE_KVM();
    EXPECT_FAULT("protect_none_then_read_faults", "protect_status=ZX_OK");
}

Test(vmar, mapping_without_permissions_reserves_inaccessible_pages)
{
    REQUIRE_KVM();
    EXPECT_FAULT("map_no_permissions", "status=ZX_OK");
}

Test(vmar, unmap_rounds_the_length_up_to_a_page)
{
    REQUIRE_KVM();
    EXPECT_FAULT("unmap_len_rounded", "status=ZX_OK", "second_page=0x5a");
}

Test(vmar, protect_can_add_write_to_a_read_only_mapping_of_a_writable_vmo)
{
    REQUIRE_KVM();
    EXPECT("protect_upgrade", "map_status=ZX_OK", "protect_status=ZX_OK", "written=1");
}

/* Placement. */

Test(vmar, specific_mapping_lands_at_the_requested_address)
{
    REQUIRE_KVM();
    EXPECT("map_specific", "status=ZX_OK", "at_requested=1");
}

Test(vmar, specific_mapping_over_an_existing_one_is_no_memory)
{
    REQUIRE_KVM();
    EXPECT("map_specific", "overlap_status=ZX_ERR_NO_MEMORY", "overlap_inside_status=ZX_ERR_NO_MEMORY");
}

Test(vmar, unmapped_range_can_be_mapped_again)
{
    REQUIRE_KVM();
    EXPECT("map_specific", "unmap_status=ZX_OK", "remap_status=ZX_OK");
}

Test(vmar, specific_overwrite_replaces_the_mapping)
{
    REQUIRE_KVM();
    EXPECT("map_specific_overwrite", "status=ZX_OK", "sees=B");
}

Test(vmar, specific_overwrite_of_the_vdso_is_access_denied)
{
    REQUIRE_KVM();
    EXPECT("map_specific_overwrite", "vdso_status=ZX_ERR_ACCESS_DENIED", "alive=1");
}

Test(vmar, alignment_option_aligns_the_chosen_address)
{
    REQUIRE_KVM();
    EXPECT("map_align", "status=ZX_OK", "aligned_1mb=1", "specific_misaligned_status=ZX_ERR_INVALID_ARGS");
}

Test(vmar, map_length_is_rounded_up_to_pages)
{
    REQUIRE_KVM();
    EXPECT("map_len_rounded", "status=ZX_OK", "second_page_mapped=1", "unmap_status=ZX_OK");
}

Test(vmar, vmo_offset_selects_the_first_mapped_page)
{
    REQUIRE_KVM();
    EXPECT("map_vmo_offset", "status=ZX_OK", "sees=C");
}

/* zx_vmar_map option and range rows. */

Test(vmar, map_read_write_succeeds)
{
    REQUIRE_KVM();
    expect_ok(ARGS("map", "3", "0", "4096", "0", "4096"), ARGS("status=ZX_OK", "page_aligned=1"));
}

Test(vmar, map_write_without_read_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT_MAP("ZX_ERR_INVALID_ARGS", "2", "0", "4096", "0", "4096");
}

Test(vmar, map_execute_without_read_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT_MAP("ZX_ERR_INVALID_ARGS", "4", "0", "4096", "0", "4096");
}

Test(vmar, map_with_can_map_bits_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT_MAP("ZX_ERR_INVALID_ARGS", "0x81", "0", "4096", "0", "4096");
}

Test(vmar, map_with_unknown_option_bits_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT_MAP("ZX_ERR_INVALID_ARGS", "0x8001", "0", "4096", "0", "4096");
}

Test(vmar, map_with_offset_is_upper_limit_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT_MAP("ZX_ERR_INVALID_ARGS", "0x2001", "0", "4096", "0", "4096");
}

Test(vmar, map_with_a_bad_alignment_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT_MAP("ZX_ERR_INVALID_ARGS", "0x5000001", "0", "4096", "0", "4096");
    EXPECT_MAP("ZX_ERR_INVALID_ARGS", "0x21000001", "0", "4096", "0", "4096");
}

Test(vmar, map_with_a_valid_alignment_succeeds)
{
    REQUIRE_KVM();
    EXPECT_MAP("ZX_OK", "0x0c000001", "0", "4096", "0", "4096");
}

Test(vmar, map_with_vmar_only_options_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT_MAP("ZX_ERR_INVALID_ARGS", "0x9", "0", "4096", "0", "4096");
    EXPECT_MAP("ZX_ERR_INVALID_ARGS", "0x41", "0", "4096", "0", "4096");
}

Test(vmar, map_range_with_specific_overwrite_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT_MAP("ZX_ERR_INVALID_ARGS", "0x421", "0", "4096", "0", "4096");
}

Test(vmar, map_range_and_allow_faults_are_accepted)
{
    REQUIRE_KVM();
    EXPECT_MAP("ZX_OK", "0x401", "0", "4096", "0", "4096");
    EXPECT_MAP("ZX_OK", "0x1001", "0", "4096", "0", "4096");
}

Test(vmar, map_offset_without_specific_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT_MAP("ZX_ERR_INVALID_ARGS", "1", "0x1000", "4096", "0", "4096");
}

Test(vmar, map_of_length_zero_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT_MAP("ZX_ERR_INVALID_ARGS", "1", "0", "4096", "0", "0");
}

Test(vmar, map_with_unaligned_vmo_offset_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT_MAP("ZX_ERR_INVALID_ARGS", "1", "0", "8192", "100", "4096");
}

Test(vmar, map_with_overflowing_vmo_offset_is_out_of_range)
{
    REQUIRE_KVM();
    EXPECT_MAP("ZX_ERR_OUT_OF_RANGE", "1", "0", "4096", "0xfffffffffffff000", "8192");
}

Test(vmar, map_with_a_length_that_rounds_up_to_zero_is_out_of_range)
{
    REQUIRE_KVM();
    EXPECT_MAP("ZX_ERR_OUT_OF_RANGE", "1", "0", "4096", "0", "0xffffffffffffff01");
    EXPECT_MAP("ZX_ERR_OUT_OF_RANGE", "1", "0", "4096", "0", "0xffffffffffffffff");
}

Test(vmar, discardable_vmo_maps_only_with_allow_faults)
{
    REQUIRE_KVM();
    EXPECT("map_discardable", "create_status=ZX_OK", "plain_status=ZX_ERR_NOT_SUPPORTED",
           "allow_faults_status=ZX_OK", "usable=1");
}

Test(vmar, map_past_the_end_of_the_vmo_is_buffer_too_small)
{
    REQUIRE_KVM();
    EXPECT_MAP("ZX_ERR_BUFFER_TOO_SMALL", "1", "0", "4096", "0", "8192");
    EXPECT_MAP("ZX_ERR_BUFFER_TOO_SMALL", "1", "0", "4096", "4096", "4096");
}

Test(vmar, specific_map_beyond_the_vmar_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT_MAP("ZX_ERR_INVALID_ARGS", "0x11", "0x7ffffdfff000", "4096", "0", "4096");
    EXPECT_MAP("ZX_ERR_INVALID_ARGS", "0x11", "0x7ffffdffe000", "8192", "0", "8192");
}

Test(vmar, specific_map_of_the_last_page_of_the_vmar_succeeds)
{
    REQUIRE_KVM();
    EXPECT_MAP("ZX_OK", "0x11", "0x7ffffdffe000", "4096", "0", "4096");
}

Test(vmar, specific_map_at_an_unaligned_offset_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT_MAP("ZX_ERR_INVALID_ARGS", "0x11", "0xff000001", "4096", "0", "4096");
}

Test(vmar, map_needs_the_map_right_and_matching_rights_on_both_handles)
{
    REQUIRE_KVM();
    EXPECT("map_rights", "no_map_status=ZX_ERR_ACCESS_DENIED", "vmo_no_write_status=ZX_ERR_ACCESS_DENIED",
           "vmo_read_only_ok_status=ZX_OK", "vmar_no_write_status=ZX_ERR_ACCESS_DENIED",
           "vmar_read_ok_status=ZX_OK");
}

Test(vmar, executable_mapping_of_a_new_vmo_is_access_denied)
{
    REQUIRE_KVM();
    EXPECT("map_rights", "execute_status=ZX_ERR_ACCESS_DENIED");
}

Test(vmar, map_checks_handles_before_anything_else)
{
    REQUIRE_KVM();
    EXPECT("map_handle_errors", "bad_vmar_status=ZX_ERR_BAD_HANDLE", "bad_vmo_status=ZX_ERR_BAD_HANDLE",
           "vmar_wrong_type_status=ZX_ERR_WRONG_TYPE", "vmo_wrong_type_status=ZX_ERR_WRONG_TYPE",
           "bad_vmar_before_bad_vmo_status=ZX_ERR_WRONG_TYPE");
}

Test(vmar, require_non_resizable_refuses_a_resizable_vmo)
{
    REQUIRE_KVM();
    EXPECT("map_require_non_resizable", "resizable_status=ZX_ERR_NOT_SUPPORTED", "plain_status=ZX_OK",
           "resizable_plain_map_status=ZX_OK");
}

Test(vmar, map_to_a_bad_mapped_addr_pointer_is_invalid_args_and_maps_nothing)
{
    REQUIRE_KVM();
    EXPECT("map_bad_mapped_addr", "null_status=ZX_ERR_INVALID_ARGS", "unmapped_status=ZX_ERR_INVALID_ARGS",
           "retry_status=ZX_OK");
}

/* zx_vmar_unmap rows. */

Test(vmar, unmap_of_unaligned_address_or_zero_length_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT("unmap_errors", "unaligned_status=ZX_ERR_INVALID_ARGS", "len0_status=ZX_ERR_INVALID_ARGS");
}

Test(vmar, unmap_outside_the_vmar_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT("unmap_errors", "below_base_status=ZX_ERR_INVALID_ARGS", "beyond_end_status=ZX_ERR_INVALID_ARGS",
           "wrapping_status=ZX_ERR_INVALID_ARGS");
}

Test(vmar, unmap_of_the_vdso_is_access_denied)
{
    REQUIRE_KVM();
    EXPECT("unmap_errors", "vdso_status=ZX_ERR_ACCESS_DENIED", "vdso_still_works=4096");
}

Test(vmar, unmap_of_an_empty_range_succeeds)
{
    REQUIRE_KVM();
    EXPECT("unmap_errors", "nothing_mapped_status=ZX_OK");
}

Test(vmar, unmap_checks_the_handle_but_needs_no_right)
{
    REQUIRE_KVM();
    EXPECT("unmap_errors", "wrong_type_status=ZX_ERR_WRONG_TYPE", "bad_handle_status=ZX_ERR_BAD_HANDLE",
           "no_rights_ok_status=ZX_OK");
}

/* zx_vmar_protect rows. */

Test(vmar, protect_of_unaligned_address_or_zero_length_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT("protect_errors", "map_status=ZX_OK", "unaligned_status=ZX_ERR_INVALID_ARGS",
           "len0_status=ZX_ERR_INVALID_ARGS");
}

Test(vmar, protect_to_write_or_execute_without_read_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT("protect_errors", "write_only_status=ZX_ERR_INVALID_ARGS",
           "execute_only_status=ZX_ERR_INVALID_ARGS");
}

Test(vmar, protect_with_non_permission_options_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT("protect_errors", "specific_bit_status=ZX_ERR_INVALID_ARGS",
           "align_bits_status=ZX_ERR_INVALID_ARGS");
}

Test(vmar, protect_of_unmapped_pages_is_not_found)
{
    REQUIRE_KVM();
    EXPECT("protect_errors", "unmapped_status=ZX_ERR_NOT_FOUND", "past_mapping_status=ZX_ERR_NOT_FOUND",
           "gap_status=ZX_ERR_NOT_FOUND");
}

Test(vmar, protect_outside_the_vmar_is_invalid_args)
{
    REQUIRE_KVM();
    EXPECT("protect_errors", "below_base_status=ZX_ERR_INVALID_ARGS");
}

Test(vmar, protect_beyond_what_the_mapping_allows_is_access_denied)
{
    REQUIRE_KVM();
    EXPECT("protect_errors", "execute_status=ZX_ERR_ACCESS_DENIED", "vdso_status=ZX_ERR_ACCESS_DENIED");
    EXPECT("protect_beyond_vmo_rights", "map_status=ZX_OK", "status=ZX_ERR_ACCESS_DENIED");
}

/* W+X at run time: a process may make its own start-up mappings writable and executable, as Zircon lets it
 * (the loader refuses only W+X segments in the file; docs/security.md). */
Test(vmar, a_process_may_make_its_own_data_writable_and_executable_and_run_it)
{
    REQUIRE_KVM();
    EXPECT("protect_own_data_writable_and_executable", "protect_status=ZX_OK", "returned=42");
}

Test(vmar, protect_needs_the_vmar_rights_of_the_permissions)
{
    REQUIRE_KVM();
    EXPECT("protect_errors", "vmar_no_write_status=ZX_ERR_ACCESS_DENIED", "vmar_read_ok_status=ZX_OK");
}

Test(vmar, protect_checks_the_handle)
{
    REQUIRE_KVM();
    EXPECT("protect_errors", "bad_handle_status=ZX_ERR_BAD_HANDLE", "wrong_type_status=ZX_ERR_WRONG_TYPE");
}

Test(vmar, failed_protect_changes_nothing)
{
    REQUIRE_KVM();
    EXPECT("protect_failure_changes_nothing", "status=ZX_ERR_NOT_FOUND", "still_writable=1");
}

/* Cache policy and mappings. */

Test(vmar, cache_policy_cannot_change_while_mapped)
{
    REQUIRE_KVM();
    EXPECT("cache_policy_while_mapped", "mapped_status=ZX_ERR_BAD_STATE",
           "mapped_cached_status=ZX_ERR_BAD_STATE");
}

Test(vmar, cache_policy_can_leave_cached_after_unmap)
{
    REQUIRE_KVM();
    EXPECT("cache_policy_while_mapped", "unmapped_status=ZX_OK", "back_status=ZX_ERR_BAD_STATE");
}

Test(vmar, vmo_with_a_cache_policy_set_before_mapping_can_be_mapped_and_touched)
{
    REQUIRE_KVM();
    EXPECT("cache_policy_before_map", "set_status=ZX_OK", "touched=1");
}
