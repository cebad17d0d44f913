/* test_read_memory.c: zx_process_read_memory, one test per behaviour: each step of the check order, the
 * errors that compete, truncation, and where reading differs from writing (SEMANTICS.md section 4). */
#include "memory_host.h"

Test(read_memory, works_with_the_debugging_option_off)
{
    REQUIRE_KVM();
    memh_case_cmdline(NULL, "read", "basic", MEMH_COPIED(16));
}

Test(read_memory, reads_a_sibling_with_the_debugging_option_off)
{
    REQUIRE_KVM();
    memh_cross(NULL, "wait", "read", "read_sibling",
               "status=ZX_OK\nactual=32\nread=sibling-was-here\nown=main-keeps-this\n");
}

Test(read_memory, copies_and_reports_actual)
{
    REQUIRE_KVM();
    memh_case("read", "basic", MEMH_COPIED(16));
}

Test(read_memory, null_buffer_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("read", "null_buffer", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(read_memory, null_buffer_beats_bad_handle)
{
    REQUIRE_KVM();
    memh_case("read", "null_buffer_bad_handle", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(read_memory, zero_size_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("read", "size_zero", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(read_memory, zero_size_beats_bad_handle)
{
    REQUIRE_KVM();
    memh_case("read", "size_zero_bad_handle", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(read_memory, zero_size_beats_unmapped_vaddr)
{
    REQUIRE_KVM();
    memh_case("read", "size_zero_unmapped_vaddr", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(read_memory, size_over_64mib_is_invalid_args_before_the_buffer_is_looked_at)
{
    REQUIRE_KVM();
    memh_case("read", "size_over_max_small_buffer", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(read_memory, size_max_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("read", "size_max_value", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(read_memory, exactly_64mib_is_allowed)
{
    REQUIRE_KVM();
    memh_case_big("read", "size_64mib",
                  "status=ZX_OK\nactual=67108864\npages_arrived=16384\npage_after_untouched=1\n");
}

Test(read_memory, one_byte_over_64mib_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case_big(
        "read", "size_64mib_plus_one",
        "status=ZX_ERR_INVALID_ARGS\nactual_untouched=1\npages_arrived=0\npage_after_untouched=1\n");
}

Test(read_memory, bad_handle_is_bad_handle)
{
    REQUIRE_KVM();
    memh_case("read", "bad_handle", MEMH_FAILED(ZX_ERR_BAD_HANDLE));
}

Test(read_memory, invalid_handle_is_bad_handle)
{
    REQUIRE_KVM();
    memh_case("read", "invalid_handle", MEMH_FAILED(ZX_ERR_BAD_HANDLE));
}

Test(read_memory, closed_handle_is_bad_handle)
{
    REQUIRE_KVM();
    memh_case("read", "closed_handle", MEMH_FAILED(ZX_ERR_BAD_HANDLE));
}

Test(read_memory, bad_handle_beats_unmapped_vaddr)
{
    REQUIRE_KVM();
    memh_case("read", "bad_handle_unmapped_vaddr", MEMH_FAILED(ZX_ERR_BAD_HANDLE));
}

Test(read_memory, bad_handle_beats_null_actual)
{
    REQUIRE_KVM();
    memh_case("read", "bad_handle_null_actual", MEMH_FAILED(ZX_ERR_BAD_HANDLE));
}

Test(read_memory, vmo_handle_is_wrong_type)
{
    REQUIRE_KVM();
    memh_case("read", "vmo_handle", MEMH_FAILED(ZX_ERR_WRONG_TYPE));
}

Test(read_memory, vmo_handle_without_rights_is_wrong_type)
{
    REQUIRE_KVM();
    memh_case("read", "vmo_handle_without_rights", MEMH_FAILED(ZX_ERR_WRONG_TYPE));
}

Test(read_memory, job_handle_is_wrong_type)
{
    REQUIRE_KVM();
    memh_case("read", "job_handle", MEMH_FAILED(ZX_ERR_WRONG_TYPE));
}

Test(read_memory, vmar_handle_is_wrong_type)
{
    REQUIRE_KVM();
    memh_case("read", "vmar_handle", MEMH_FAILED(ZX_ERR_WRONG_TYPE));
}

Test(read_memory, handle_without_write_right_is_access_denied)
{
    REQUIRE_KVM();
    memh_case("read", "without_write_right", MEMH_FAILED(ZX_ERR_ACCESS_DENIED));
}

Test(read_memory, missing_right_beats_unmapped_vaddr)
{
    REQUIRE_KVM();
    memh_case("read", "without_write_right_unmapped_vaddr", MEMH_FAILED(ZX_ERR_ACCESS_DENIED));
}

Test(read_memory, missing_right_beats_dead_target)
{
    REQUIRE_KVM();
    memh_cross(MEMH_DEBUGGING_ON, "exit", "read", "dead_without_write_right",
               "go_status=ZX_OK\nreturn_code=7\nstatus=ZX_ERR_ACCESS_DENIED\nactual_untouched=1\nbuffer_"
               "untouched=1\n");
}

Test(read_memory, handle_without_read_right_is_access_denied)
{
    REQUIRE_KVM();
    memh_case("read", "without_read_right", MEMH_FAILED(ZX_ERR_ACCESS_DENIED));
}

Test(read_memory, write_right_alone_is_access_denied)
{
    REQUIRE_KVM();
    memh_case("read", "only_write_right", MEMH_FAILED(ZX_ERR_ACCESS_DENIED));
}

Test(read_memory, read_and_write_rights_are_enough)
{
    REQUIRE_KVM();
    memh_case("read", "only_read_write_rights", MEMH_COPIED(16));
}

Test(read_memory, killed_target_is_bad_state)
{
    REQUIRE_KVM();
    memh_cross(MEMH_DEBUGGING_ON, "spin", "read", "killed",
               "kill_status=ZX_OK\nreturn_code=-1024\n"
               "status=ZX_ERR_BAD_STATE\nactual_untouched=1\nbuffer_untouched=1\n");
}

Test(read_memory, exited_target_is_bad_state)
{
    REQUIRE_KVM();
    memh_cross(MEMH_DEBUGGING_ON, "exit", "read", "ended",
               "go_status=ZX_OK\nreturn_code=7\n"
               "status=ZX_ERR_BAD_STATE\nactual_untouched=1\nbuffer_untouched=1\n");
}

Test(read_memory, crashed_target_is_bad_state)
{
    REQUIRE_KVM();
    memh_cross(MEMH_DEBUGGING_ON, "crash", "read", "ended",
               "go_status=ZX_OK\nreturn_code=-1028\n"
               "status=ZX_ERR_BAD_STATE\nactual_untouched=1\nbuffer_untouched=1\n");
}

Test(read_memory, dead_target_beats_unmapped_vaddr)
{
    REQUIRE_KVM();
    memh_cross(MEMH_DEBUGGING_ON, "exit", "read", "dead_unmapped_vaddr",
               "go_status=ZX_OK\nreturn_code=7\n"
               "status=ZX_ERR_BAD_STATE\nactual_untouched=1\nbuffer_untouched=1\n");
}

Test(read_memory, dead_target_beats_bad_buffer)
{
    REQUIRE_KVM();
    memh_cross(MEMH_DEBUGGING_ON, "exit", "read", "dead_bad_buffer",
               "go_status=ZX_OK\nreturn_code=7\n"
               "status=ZX_ERR_BAD_STATE\nactual_untouched=1\nbuffer_untouched=1\n");
}

Test(read_memory, unmapped_vaddr_is_no_memory)
{
    REQUIRE_KVM();
    memh_case("read", "vaddr_unmapped", MEMH_FAILED(ZX_ERR_NO_MEMORY));
}

Test(read_memory, noncanonical_vaddr_is_no_memory)
{
    REQUIRE_KVM();
    memh_case("read", "vaddr_noncanonical", MEMH_FAILED(ZX_ERR_NO_MEMORY));
}

Test(read_memory, vaddr_just_above_the_lower_half_is_no_memory)
{
    REQUIRE_KVM();
    memh_case("read", "vaddr_low_noncanonical", MEMH_FAILED(ZX_ERR_NO_MEMORY));
}

Test(read_memory, unmapped_kernel_half_vaddr_is_no_memory)
{
    REQUIRE_KVM();
    memh_case("read", "vaddr_kernel_unmapped", MEMH_FAILED(ZX_ERR_NO_MEMORY));
}

Test(read_memory, vaddr_at_the_end_of_the_user_range_is_no_memory)
{
    REQUIRE_KVM();
    memh_case("read", "vaddr_user_end", MEMH_FAILED(ZX_ERR_NO_MEMORY));
}

Test(read_memory, stack_guard_page_is_no_memory)
{
    REQUIRE_KVM();
    memh_case("read", "vaddr_stack_guard", MEMH_FAILED(ZX_ERR_NO_MEMORY));
}

Test(read_memory, reaches_a_mapping_without_permissions)
{
    REQUIRE_KVM();
    memh_case("read", "vaddr_no_perms_mapping", MEMH_COPIED(8192));
}

Test(read_memory, reaches_a_mapping_protected_to_nothing)
{
    REQUIRE_KVM();
    memh_case("read", "vaddr_protected_none", "protect=ZX_OK\n" MEMH_COPIED(8192));
}

Test(read_memory, unmapped_vaddr_beats_bad_buffer)
{
    REQUIRE_KVM();
    memh_case("read", "vaddr_unmapped_bad_buffer", MEMH_FAILED(ZX_ERR_NO_MEMORY));
}

Test(read_memory, unmapped_vaddr_beats_null_actual)
{
    REQUIRE_KVM();
    memh_case("read", "vaddr_unmapped_null_actual", MEMH_FAILED(ZX_ERR_NO_MEMORY));
}

Test(read_memory, supervisor_page_is_access_denied)
{
    REQUIRE_KVM();
    memh_case("read", "vaddr_shim", MEMH_FAILED(ZX_ERR_ACCESS_DENIED));
}

Test(read_memory, supervisor_page_beats_bad_buffer)
{
    REQUIRE_KVM();
    memh_case("read", "vaddr_shim_bad_buffer", MEMH_FAILED(ZX_ERR_ACCESS_DENIED));
}

Test(read_memory, vdso_base_is_readable)
{
    REQUIRE_KVM();
    memh_case("read", "vaddr_vdso_base", MEMH_COPIED(16) "vdso_intact=1\n");
}

Test(read_memory, vdso_function_is_readable)
{
    REQUIRE_KVM();
    memh_case("read", "vaddr_vdso_function", MEMH_COPIED(16) "vdso_intact=1\n");
}

Test(read_memory, vdso_with_bad_buffer_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("read", "vaddr_vdso_bad_buffer", MEMH_FAILED(ZX_ERR_INVALID_ARGS) "vdso_intact=1\n");
}

Test(read_memory, stops_at_the_end_of_the_mapping_before_an_adjacent_one)
{
    REQUIRE_KVM();
    memh_case("read", "adjacent_mappings", MEMH_COPIED(100) "watch_intact=1\n");
}

Test(read_memory, stops_between_two_adjacent_mappings_of_one_vmo)
{
    REQUIRE_KVM();
    memh_case("read", "adjacent_mappings_of_one_vmo", "second_map=ZX_OK\n" MEMH_COPIED(100));
}

Test(read_memory, goes_on_over_a_page_protected_to_nothing)
{
    REQUIRE_KVM();
    memh_case("read", "protected_none_after", "protect=ZX_OK\n" MEMH_COPIED(8192));
}

Test(read_memory, goes_on_over_a_protection_boundary_inside_a_mapping)
{
    REQUIRE_KVM();
    memh_case("read", "protected_read_only_first", "protect=ZX_OK\n" MEMH_COPIED(8192));
}

Test(read_memory, a_protect_that_changes_nothing_does_not_cut_an_access)
{
    REQUIRE_KVM();
    memh_case("read", "protected_unchanged", "protect=ZX_OK\n" MEMH_COPIED(8192));
}

Test(read_memory, copies_a_whole_mapping)
{
    REQUIRE_KVM();
    memh_case("read", "whole_mapping", MEMH_COPIED(8192));
}

Test(read_memory, uncached_vmo_is_bad_state)
{
    REQUIRE_KVM();
    memh_case("read", "uncached", MEMH_FAILED(ZX_ERR_BAD_STATE));
}

Test(read_memory, uncached_device_vmo_is_bad_state)
{
    REQUIRE_KVM();
    memh_case("read", "uncached_device", MEMH_FAILED(ZX_ERR_BAD_STATE));
}

Test(read_memory, write_combining_vmo_is_bad_state)
{
    REQUIRE_KVM();
    memh_case("read", "write_combining", MEMH_FAILED(ZX_ERR_BAD_STATE));
}

Test(read_memory, bad_memory_type_beats_bad_buffer)
{
    REQUIRE_KVM();
    memh_case("read", "uncached_bad_buffer", MEMH_FAILED(ZX_ERR_BAD_STATE));
}

Test(read_memory, bad_memory_type_beats_null_actual)
{
    REQUIRE_KVM();
    memh_case("read", "uncached_null_actual", MEMH_FAILED(ZX_ERR_BAD_STATE));
}

Test(read_memory, uncached_mapping_after_the_cut_is_not_looked_at)
{
    REQUIRE_KVM();
    memh_case("read", "uncached_next_mapping_not_entered", MEMH_COPIED(100) "watch_intact=1\n");
}

Test(read_memory, null_actual_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("read", "null_actual", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(read_memory, unmapped_actual_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("read", "actual_unmapped", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(read_memory, kernel_half_actual_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("read", "actual_kernel", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(read_memory, noncanonical_actual_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("read", "actual_noncanonical", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(read_memory, read_only_actual_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("read", "actual_readonly", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(read_memory, actual_in_the_vdso_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("read", "actual_in_vdso", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(read_memory, actual_straddling_into_a_hole_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("read", "actual_straddles_hole", MEMH_FAILED(ZX_ERR_INVALID_ARGS) "page_intact=1\n");
}

Test(read_memory, unaligned_actual_is_fine)
{
    REQUIRE_KVM();
    memh_case("read", "actual_unaligned", MEMH_COPIED(16));
}

Test(read_memory, unmapped_buffer_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("read", "buffer_unmapped", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(read_memory, kernel_half_buffer_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("read", "buffer_kernel", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(read_memory, noncanonical_buffer_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("read", "buffer_noncanonical", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(read_memory, buffer_wrapping_around_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("read", "buffer_wraps", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(read_memory, buffer_straddling_into_a_hole_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("read", "buffer_straddles_hole", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(read_memory, whole_buffer_is_checked_even_past_the_cut)
{
    REQUIRE_KVM();
    memh_case("read", "buffer_tail_beyond_truncation", MEMH_FAILED(ZX_ERR_INVALID_ARGS) "target_intact=1\n");
}

Test(read_memory, unaligned_addresses_and_sizes_work)
{
    REQUIRE_KVM();
    memh_case("read", "unaligned", MEMH_COPIED(4097));
}

Test(read_memory, read_only_buffer_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("read", "buffer_readonly", MEMH_FAILED(ZX_ERR_INVALID_ARGS) "rodata_intact=1\n");
}

Test(read_memory, buffer_in_the_vdso_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("read", "buffer_in_vdso", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(read_memory, own_read_execute_text_is_readable)
{
    REQUIRE_KVM();
    memh_case("read", "own_text", "status=ZX_OK\nactual=4\nread_imm=0x5eed1234\n");
}

Test(read_memory, own_read_only_data_is_readable)
{
    REQUIRE_KVM();
    memh_case("read", "own_rodata", MEMH_COPIED(16) "first_byte=0x1\n");
}

Test(read_memory, read_from_the_vdso_tail_stops_at_its_end)
{
    REQUIRE_KVM();
    memh_case("read", "vdso_boundary",
              "mapped_after_vdso=1\n" MEMH_COPIED(8) "watch_intact=1\n" MEMH_COPIED(16));
}
