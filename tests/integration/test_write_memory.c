/* test_write_memory.c: zx_process_write_memory, one test per behaviour: each step of the check order, the
 * errors that compete, truncation, and the promises around the copy (SEMANTICS.md section 3). */
#include "memory_host.h"

Test(write_memory, option_off_is_not_supported)
{
    REQUIRE_KVM();
    memh_case_cmdline(NULL, "write", "basic", MEMH_FAILED(ZX_ERR_NOT_SUPPORTED));
}

Test(write_memory, option_false_is_not_supported)
{
    REQUIRE_KVM();
    memh_case_cmdline("kernel.enable-debugging-syscalls=false", "write", "basic",
                      MEMH_FAILED(ZX_ERR_NOT_SUPPORTED));
}

Test(write_memory, option_as_bare_key_enables_the_call)
{
    REQUIRE_KVM();
    memh_case_cmdline("kernel.enable-debugging-syscalls", "write", "basic", MEMH_COPIED(16));
}

Test(write_memory, option_off_beats_null_buffer)
{
    REQUIRE_KVM();
    memh_case_cmdline(NULL, "write", "null_buffer", MEMH_FAILED(ZX_ERR_NOT_SUPPORTED));
}

Test(write_memory, option_off_beats_zero_size)
{
    REQUIRE_KVM();
    memh_case_cmdline(NULL, "write", "size_zero", MEMH_FAILED(ZX_ERR_NOT_SUPPORTED));
}

Test(write_memory, option_off_beats_bad_handle)
{
    REQUIRE_KVM();
    memh_case_cmdline(NULL, "write", "bad_handle", MEMH_FAILED(ZX_ERR_NOT_SUPPORTED));
}

Test(write_memory, option_off_beats_unmapped_vaddr)
{
    REQUIRE_KVM();
    memh_case_cmdline(NULL, "write", "vaddr_unmapped", MEMH_FAILED(ZX_ERR_NOT_SUPPORTED));
}

Test(write_memory, copies_and_reports_actual)
{
    REQUIRE_KVM();
    memh_case("write", "basic", MEMH_COPIED(16));
}

Test(write_memory, null_buffer_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("write", "null_buffer", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(write_memory, null_buffer_beats_bad_handle)
{
    REQUIRE_KVM();
    memh_case("write", "null_buffer_bad_handle", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(write_memory, zero_size_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("write", "size_zero", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(write_memory, zero_size_beats_bad_handle)
{
    REQUIRE_KVM();
    memh_case("write", "size_zero_bad_handle", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(write_memory, zero_size_beats_unmapped_vaddr)
{
    REQUIRE_KVM();
    memh_case("write", "size_zero_unmapped_vaddr", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(write_memory, size_over_64mib_is_invalid_args_before_the_buffer_is_looked_at)
{
    REQUIRE_KVM();
    memh_case("write", "size_over_max_small_buffer", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(write_memory, size_max_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("write", "size_max_value", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(write_memory, exactly_64mib_is_allowed)
{
    REQUIRE_KVM();
    memh_case_big("write", "size_64mib",
                  "status=ZX_OK\nactual=67108864\npages_arrived=16384\npage_after_untouched=1\n");
}

Test(write_memory, one_byte_over_64mib_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case_big(
        "write", "size_64mib_plus_one",
        "status=ZX_ERR_INVALID_ARGS\nactual_untouched=1\npages_arrived=0\npage_after_untouched=1\n");
}

Test(write_memory, bad_handle_is_bad_handle)
{
    REQUIRE_KVM();
    memh_case("write", "bad_handle", MEMH_FAILED(ZX_ERR_BAD_HANDLE));
}

Test(write_memory, invalid_handle_is_bad_handle)
{
    REQUIRE_KVM();
    memh_case("write", "invalid_handle", MEMH_FAILED(ZX_ERR_BAD_HANDLE));
}

Test(write_memory, closed_handle_is_bad_handle)
{
    REQUIRE_KVM();
    memh_case("write", "closed_handle", MEMH_FAILED(ZX_ERR_BAD_HANDLE));
}

Test(write_memory, bad_handle_beats_unmapped_vaddr)
{
    REQUIRE_KVM();
    memh_case("write", "bad_handle_unmapped_vaddr", MEMH_FAILED(ZX_ERR_BAD_HANDLE));
}

Test(write_memory, bad_handle_beats_null_actual)
{
    REQUIRE_KVM();
    memh_case("write", "bad_handle_null_actual", MEMH_FAILED(ZX_ERR_BAD_HANDLE));
}

Test(write_memory, vmo_handle_is_wrong_type)
{
    REQUIRE_KVM();
    memh_case("write", "vmo_handle", MEMH_FAILED(ZX_ERR_WRONG_TYPE));
}

Test(write_memory, vmo_handle_without_rights_is_wrong_type)
{
    REQUIRE_KVM();
    memh_case("write", "vmo_handle_without_rights", MEMH_FAILED(ZX_ERR_WRONG_TYPE));
}

Test(write_memory, job_handle_is_wrong_type)
{
    REQUIRE_KVM();
    memh_case("write", "job_handle", MEMH_FAILED(ZX_ERR_WRONG_TYPE));
}

Test(write_memory, vmar_handle_is_wrong_type)
{
    REQUIRE_KVM();
    memh_case("write", "vmar_handle", MEMH_FAILED(ZX_ERR_WRONG_TYPE));
}

Test(write_memory, handle_without_write_right_is_access_denied)
{
    REQUIRE_KVM();
    memh_case("write", "without_write_right", MEMH_FAILED(ZX_ERR_ACCESS_DENIED));
}

Test(write_memory, missing_right_beats_unmapped_vaddr)
{
    REQUIRE_KVM();
    memh_case("write", "without_write_right_unmapped_vaddr", MEMH_FAILED(ZX_ERR_ACCESS_DENIED));
}

Test(write_memory, missing_right_beats_dead_target)
{
    REQUIRE_KVM();
    memh_cross(MEMH_DEBUGGING_ON, "exit", "write", "dead_without_write_right",
               "go_status=ZX_OK\nreturn_code=7\nstatus=ZX_ERR_ACCESS_DENIED\nactual_untouched=1\nbuffer_"
               "untouched=1\n");
}

Test(write_memory, write_right_alone_is_enough)
{
    REQUIRE_KVM();
    memh_case("write", "only_write_right", MEMH_COPIED(16));
}

Test(write_memory, handle_without_read_right_can_write)
{
    REQUIRE_KVM();
    memh_case("write", "without_read_right", MEMH_COPIED(16));
}

Test(write_memory, killed_target_is_bad_state)
{
    REQUIRE_KVM();
    memh_cross(MEMH_DEBUGGING_ON, "spin", "write", "killed",
               "kill_status=ZX_OK\nreturn_code=-1024\n"
               "status=ZX_ERR_BAD_STATE\nactual_untouched=1\nbuffer_untouched=1\n");
}

Test(write_memory, exited_target_is_bad_state)
{
    REQUIRE_KVM();
    memh_cross(MEMH_DEBUGGING_ON, "exit", "write", "ended",
               "go_status=ZX_OK\nreturn_code=7\n"
               "status=ZX_ERR_BAD_STATE\nactual_untouched=1\nbuffer_untouched=1\n");
}

Test(write_memory, crashed_target_is_bad_state)
{
    REQUIRE_KVM();
    memh_cross(MEMH_DEBUGGING_ON, "crash", "write", "ended",
               "go_status=ZX_OK\nreturn_code=-1028\n"
               "status=ZX_ERR_BAD_STATE\nactual_untouched=1\nbuffer_untouched=1\n");
}

Test(write_memory, dead_target_beats_unmapped_vaddr)
{
    REQUIRE_KVM();
    memh_cross(MEMH_DEBUGGING_ON, "exit", "write", "dead_unmapped_vaddr",
               "go_status=ZX_OK\nreturn_code=7\n"
               "status=ZX_ERR_BAD_STATE\nactual_untouched=1\nbuffer_untouched=1\n");
}

Test(write_memory, dead_target_beats_bad_buffer)
{
    REQUIRE_KVM();
    memh_cross(MEMH_DEBUGGING_ON, "exit", "write", "dead_bad_buffer",
               "go_status=ZX_OK\nreturn_code=7\n"
               "status=ZX_ERR_BAD_STATE\nactual_untouched=1\nbuffer_untouched=1\n");
}

Test(write_memory, unmapped_vaddr_is_no_memory)
{
    REQUIRE_KVM();
    memh_case("write", "vaddr_unmapped", MEMH_FAILED(ZX_ERR_NO_MEMORY));
}

Test(write_memory, noncanonical_vaddr_is_no_memory)
{
    REQUIRE_KVM();
    memh_case("write", "vaddr_noncanonical", MEMH_FAILED(ZX_ERR_NO_MEMORY));
}

Test(write_memory, vaddr_just_above_the_lower_half_is_no_memory)
{
    REQUIRE_KVM();
    memh_case("write", "vaddr_low_noncanonical", MEMH_FAILED(ZX_ERR_NO_MEMORY));
}

Test(write_memory, unmapped_kernel_half_vaddr_is_no_memory)
{
    REQUIRE_KVM();
    memh_case("write", "vaddr_kernel_unmapped", MEMH_FAILED(ZX_ERR_NO_MEMORY));
}

Test(write_memory, vaddr_at_the_end_of_the_user_range_is_no_memory)
{
    REQUIRE_KVM();
    memh_case("write", "vaddr_user_end", MEMH_FAILED(ZX_ERR_NO_MEMORY));
}

Test(write_memory, stack_guard_page_is_no_memory)
{
    REQUIRE_KVM();
    memh_case("write", "vaddr_stack_guard", MEMH_FAILED(ZX_ERR_NO_MEMORY));
}

Test(write_memory, reaches_a_mapping_without_permissions)
{
    REQUIRE_KVM();
    memh_case("write", "vaddr_no_perms_mapping", MEMH_COPIED(8192));
}

Test(write_memory, reaches_a_mapping_protected_to_nothing)
{
    REQUIRE_KVM();
    memh_case("write", "vaddr_protected_none", "protect=ZX_OK\n" MEMH_COPIED(8192));
}

Test(write_memory, unmapped_vaddr_beats_bad_buffer)
{
    REQUIRE_KVM();
    memh_case("write", "vaddr_unmapped_bad_buffer", MEMH_FAILED(ZX_ERR_NO_MEMORY));
}

Test(write_memory, unmapped_vaddr_beats_null_actual)
{
    REQUIRE_KVM();
    memh_case("write", "vaddr_unmapped_null_actual", MEMH_FAILED(ZX_ERR_NO_MEMORY));
}

Test(write_memory, supervisor_page_is_access_denied)
{
    REQUIRE_KVM();
    memh_case("write", "vaddr_shim", MEMH_FAILED(ZX_ERR_ACCESS_DENIED));
}

Test(write_memory, supervisor_page_beats_bad_buffer)
{
    REQUIRE_KVM();
    memh_case("write", "vaddr_shim_bad_buffer", MEMH_FAILED(ZX_ERR_ACCESS_DENIED));
}

Test(write_memory, vdso_base_is_access_denied)
{
    REQUIRE_KVM();
    memh_case("write", "vaddr_vdso_base", MEMH_FAILED(ZX_ERR_ACCESS_DENIED) "vdso_intact=1\n");
}

Test(write_memory, vdso_function_is_access_denied)
{
    REQUIRE_KVM();
    memh_case("write", "vaddr_vdso_function", MEMH_FAILED(ZX_ERR_ACCESS_DENIED) "vdso_intact=1\n");
}

Test(write_memory, vdso_beats_bad_buffer)
{
    REQUIRE_KVM();
    memh_case("write", "vaddr_vdso_bad_buffer", MEMH_FAILED(ZX_ERR_ACCESS_DENIED) "vdso_intact=1\n");
}

Test(write_memory, stops_at_the_end_of_the_mapping_before_an_adjacent_one)
{
    REQUIRE_KVM();
    memh_case("write", "adjacent_mappings", MEMH_COPIED(100) "watch_intact=1\n");
}

Test(write_memory, stops_between_two_adjacent_mappings_of_one_vmo)
{
    REQUIRE_KVM();
    memh_case("write", "adjacent_mappings_of_one_vmo", "second_map=ZX_OK\n" MEMH_COPIED(100));
}

Test(write_memory, goes_on_over_a_page_protected_to_nothing)
{
    REQUIRE_KVM();
    memh_case("write", "protected_none_after", "protect=ZX_OK\n" MEMH_COPIED(8192));
}

Test(write_memory, goes_on_over_a_protection_boundary_inside_a_mapping)
{
    REQUIRE_KVM();
    memh_case("write", "protected_read_only_first", "protect=ZX_OK\n" MEMH_COPIED(8192));
}

Test(write_memory, a_protect_that_changes_nothing_does_not_cut_an_access)
{
    REQUIRE_KVM();
    memh_case("write", "protected_unchanged", "protect=ZX_OK\n" MEMH_COPIED(8192));
}

Test(write_memory, copies_a_whole_mapping)
{
    REQUIRE_KVM();
    memh_case("write", "whole_mapping", MEMH_COPIED(8192));
}

Test(write_memory, uncached_vmo_is_bad_state)
{
    REQUIRE_KVM();
    memh_case("write", "uncached", MEMH_FAILED(ZX_ERR_BAD_STATE));
}

Test(write_memory, uncached_device_vmo_is_bad_state)
{
    REQUIRE_KVM();
    memh_case("write", "uncached_device", MEMH_FAILED(ZX_ERR_BAD_STATE));
}

Test(write_memory, write_combining_vmo_is_bad_state)
{
    REQUIRE_KVM();
    memh_case("write", "write_combining", MEMH_FAILED(ZX_ERR_BAD_STATE));
}

Test(write_memory, bad_memory_type_beats_bad_buffer)
{
    REQUIRE_KVM();
    memh_case("write", "uncached_bad_buffer", MEMH_FAILED(ZX_ERR_BAD_STATE));
}

Test(write_memory, bad_memory_type_beats_null_actual)
{
    REQUIRE_KVM();
    memh_case("write", "uncached_null_actual", MEMH_FAILED(ZX_ERR_BAD_STATE));
}

Test(write_memory, uncached_mapping_after_the_cut_is_not_looked_at)
{
    REQUIRE_KVM();
    memh_case("write", "uncached_next_mapping_not_entered", MEMH_COPIED(100) "watch_intact=1\n");
}

Test(write_memory, null_actual_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("write", "null_actual", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(write_memory, unmapped_actual_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("write", "actual_unmapped", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(write_memory, kernel_half_actual_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("write", "actual_kernel", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(write_memory, noncanonical_actual_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("write", "actual_noncanonical", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(write_memory, read_only_actual_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("write", "actual_readonly", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(write_memory, actual_in_the_vdso_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("write", "actual_in_vdso", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(write_memory, actual_straddling_into_a_hole_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("write", "actual_straddles_hole", MEMH_FAILED(ZX_ERR_INVALID_ARGS) "page_intact=1\n");
}

Test(write_memory, unaligned_actual_is_fine)
{
    REQUIRE_KVM();
    memh_case("write", "actual_unaligned", MEMH_COPIED(16));
}

Test(write_memory, unmapped_buffer_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("write", "buffer_unmapped", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(write_memory, kernel_half_buffer_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("write", "buffer_kernel", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(write_memory, noncanonical_buffer_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("write", "buffer_noncanonical", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(write_memory, buffer_wrapping_around_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("write", "buffer_wraps", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(write_memory, buffer_straddling_into_a_hole_is_invalid_args)
{
    REQUIRE_KVM();
    memh_case("write", "buffer_straddles_hole", MEMH_FAILED(ZX_ERR_INVALID_ARGS));
}

Test(write_memory, whole_buffer_is_checked_even_past_the_cut)
{
    REQUIRE_KVM();
    memh_case("write", "buffer_tail_beyond_truncation", MEMH_FAILED(ZX_ERR_INVALID_ARGS) "target_intact=1\n");
}

Test(write_memory, unaligned_addresses_and_sizes_work)
{
    REQUIRE_KVM();
    memh_case("write", "unaligned", MEMH_COPIED(4097));
}

Test(write_memory, read_only_buffer_is_fine)
{
    REQUIRE_KVM();
    memh_case("write", "buffer_readonly", MEMH_COPIED(16) "rodata_intact=1\n");
}

Test(write_memory, buffer_in_the_vdso_is_fine)
{
    REQUIRE_KVM();
    memh_case("write", "buffer_in_vdso", MEMH_COPIED(16));
}

Test(write_memory, own_read_execute_text_is_writable_and_runs_changed)
{
    REQUIRE_KVM();
    memh_case("write", "own_text",
              "status=ZX_OK\nactual=1\ncall_returns=0x5eed1235\nrestore_status=ZX_OK\nrestore_actual=1\ncall_"
              "returns=0x5eed1234\n");
}

Test(write_memory, own_read_only_data_is_writable_and_seen)
{
    REQUIRE_KVM();
    memh_case("write", "own_rodata", MEMH_COPIED(16) "first_byte=0x7e\n");
}

Test(write_memory, write_lands_in_a_sibling_which_sees_it)
{
    REQUIRE_KVM();
    memh_cross(MEMH_DEBUGGING_ON, "wait", "write", "write_seen",
               "status=ZX_OK\nactual=64\nown_mailbox_untouched=1\ngo_status=ZX_OK\nsibling_return_code=43\n");
}

Test(write_memory, breakpoint_planted_in_a_sibling_is_not_in_the_caller)
{
    REQUIRE_KVM();
    memh_cross(
        MEMH_DEBUGGING_ON, "wait", "write", "breakpoint_isolated",
        "sibling_byte_matches=1\nplant_status=ZX_OK\nplant_actual=1\nsibling_sees=0xcc\n"
        "own_byte_intact=1\nown_read_intact=1\nown_call=0x5eed1234\nrestore_status=ZX_OK\ngo_status=ZX_OK\n"
        "sibling_return_code=42\n");
}

Test(write_memory, breakpoint_planted_in_the_caller_is_not_in_a_sibling)
{
    REQUIRE_KVM();
    memh_cross(
        MEMH_DEBUGGING_ON, "wait", "write", "own_breakpoint_isolated",
        "plant_status=ZX_OK\nown_byte=0xcc\nsibling_byte_intact=1\nrestore_status=ZX_OK\ngo_status=ZX_OK\n"
        "sibling_return_code=42\n");
}

Test(write_memory, sibling_runs_its_patched_text)
{
    REQUIRE_KVM();
    memh_cross(MEMH_DEBUGGING_ON, "wait", "write", "sibling_text_patched",
               "status=ZX_OK\nactual=1\nown_call=0x5eed1234\ngo_status=ZX_OK\nsibling_return_code=44\n");
}

Test(write_memory, vdso_tail_is_access_denied_and_the_next_mapping_is_writable)
{
    REQUIRE_KVM();
    memh_case("write", "vdso_boundary",
              "mapped_after_vdso=1\n" MEMH_FAILED(ZX_ERR_ACCESS_DENIED) MEMH_COPIED(16));
}
