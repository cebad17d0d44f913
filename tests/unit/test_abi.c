/* test_abi.c: the Zircon headers coexist with the host libc and carry Zircon's exact values and layouts. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <zircon/errors.h>
#include <zircon/process.h>
#include <zircon/rights.h>
#include <zircon/syscalls.h>
#include <zircon/syscalls/debug.h>
#include <zircon/syscalls/exception.h>
#include <zircon/syscalls/object.h>
#include <zircon/types.h>
#include <zxvmm/abi.h>

/* Expected values below are Zircon's numbers written out by hand, not recomputed from the macros. */
struct abi_expected_status {
    const char *name;
    zx_status_t actual;
    int32_t zircon;
};

#define ABI_STATUS(name, value)                                                                              \
    {                                                                                                        \
#name, name, value                                                                                   \
    }

static const struct abi_expected_status abi_statuses[] = {
    ABI_STATUS(ZX_OK, 0),
    ABI_STATUS(ZX_ERR_INTERNAL, -1),
    ABI_STATUS(ZX_ERR_NOT_SUPPORTED, -2),
    ABI_STATUS(ZX_ERR_NO_RESOURCES, -3),
    ABI_STATUS(ZX_ERR_NO_MEMORY, -4),
    ABI_STATUS(ZX_ERR_INTERNAL_INTR_RETRY, -6),
    ABI_STATUS(ZX_ERR_INVALID_ARGS, -10),
    ABI_STATUS(ZX_ERR_BAD_HANDLE, -11),
    ABI_STATUS(ZX_ERR_WRONG_TYPE, -12),
    ABI_STATUS(ZX_ERR_BAD_SYSCALL, -13),
    ABI_STATUS(ZX_ERR_OUT_OF_RANGE, -14),
    ABI_STATUS(ZX_ERR_BUFFER_TOO_SMALL, -15),
    ABI_STATUS(ZX_ERR_BAD_STATE, -20),
    ABI_STATUS(ZX_ERR_TIMED_OUT, -21),
    ABI_STATUS(ZX_ERR_SHOULD_WAIT, -22),
    ABI_STATUS(ZX_ERR_CANCELED, -23),
    ABI_STATUS(ZX_ERR_PEER_CLOSED, -24),
    ABI_STATUS(ZX_ERR_NOT_FOUND, -25),
    ABI_STATUS(ZX_ERR_ALREADY_EXISTS, -26),
    ABI_STATUS(ZX_ERR_ALREADY_BOUND, -27),
    ABI_STATUS(ZX_ERR_UNAVAILABLE, -28),
    ABI_STATUS(ZX_ERR_ACCESS_DENIED, -30),
    ABI_STATUS(ZX_ERR_IO, -40),
    ABI_STATUS(ZX_ERR_IO_REFUSED, -41),
    ABI_STATUS(ZX_ERR_IO_DATA_INTEGRITY, -42),
    ABI_STATUS(ZX_ERR_IO_DATA_LOSS, -43),
    ABI_STATUS(ZX_ERR_IO_NOT_PRESENT, -44),
    ABI_STATUS(ZX_ERR_IO_OVERRUN, -45),
    ABI_STATUS(ZX_ERR_IO_MISSED_DEADLINE, -46),
    ABI_STATUS(ZX_ERR_IO_INVALID, -47),
    ABI_STATUS(ZX_ERR_BAD_PATH, -50),
    ABI_STATUS(ZX_ERR_NOT_DIR, -51),
    ABI_STATUS(ZX_ERR_NOT_FILE, -52),
    ABI_STATUS(ZX_ERR_FILE_BIG, -53),
    ABI_STATUS(ZX_ERR_NO_SPACE, -54),
    ABI_STATUS(ZX_ERR_NOT_EMPTY, -55),
    ABI_STATUS(ZX_ERR_STOP, -60),
    ABI_STATUS(ZX_ERR_NEXT, -61),
    ABI_STATUS(ZX_ERR_ASYNC, -62),
    ABI_STATUS(ZX_ERR_PROTOCOL_NOT_SUPPORTED, -70),
    ABI_STATUS(ZX_ERR_ADDRESS_UNREACHABLE, -71),
    ABI_STATUS(ZX_ERR_ADDRESS_IN_USE, -72),
    ABI_STATUS(ZX_ERR_NOT_CONNECTED, -73),
    ABI_STATUS(ZX_ERR_CONNECTION_REFUSED, -74),
    ABI_STATUS(ZX_ERR_CONNECTION_RESET, -75),
    ABI_STATUS(ZX_ERR_CONNECTION_ABORTED, -76),
    ABI_STATUS(ZX_ERR_INTERNAL_INTR_KILLED, -502),
};

Test(abi, status_codes_have_zircon_values)
{
    for (size_t i = 0; i < sizeof(abi_statuses) / sizeof(abi_statuses[0]); i++)
        cr_expect_eq(abi_statuses[i].actual, abi_statuses[i].zircon, "%s is %d, Zircon has %d",
                     abi_statuses[i].name, abi_statuses[i].actual, abi_statuses[i].zircon);
}

Test(abi, status_type_is_signed_32_bit)
{
    zx_status_t status = ZX_ERR_INTERNAL;
    cr_assert_eq(sizeof(zx_status_t), sizeof(int32_t));
    cr_assert_lt(status, 0);
}

Test(abi, right_bits_have_zircon_positions)
{
    cr_expect_eq(ZX_RIGHT_NONE, 0u);
    cr_expect_eq(ZX_RIGHT_DUPLICATE, 0x1u);
    cr_expect_eq(ZX_RIGHT_TRANSFER, 0x2u);
    cr_expect_eq(ZX_RIGHT_READ, 0x4u);
    cr_expect_eq(ZX_RIGHT_WRITE, 0x8u);
    cr_expect_eq(ZX_RIGHT_EXECUTE, 0x10u);
    cr_expect_eq(ZX_RIGHT_MAP, 0x20u);
    cr_expect_eq(ZX_RIGHT_GET_PROPERTY, 0x40u);
    cr_expect_eq(ZX_RIGHT_SET_PROPERTY, 0x80u);
    cr_expect_eq(ZX_RIGHT_ENUMERATE, 0x100u);
    cr_expect_eq(ZX_RIGHT_DESTROY, 0x200u);
    cr_expect_eq(ZX_RIGHT_SET_POLICY, 0x400u);
    cr_expect_eq(ZX_RIGHT_GET_POLICY, 0x800u);
    cr_expect_eq(ZX_RIGHT_SIGNAL, 0x1000u);
    cr_expect_eq(ZX_RIGHT_SIGNAL_PEER, 0x2000u);
    cr_expect_eq(ZX_RIGHT_WAIT, 0x4000u);
    cr_expect_eq(ZX_RIGHT_INSPECT, 0x8000u);
    cr_expect_eq(ZX_RIGHT_MANAGE_JOB, 0x10000u);
    cr_expect_eq(ZX_RIGHT_MANAGE_PROCESS, 0x20000u);
    cr_expect_eq(ZX_RIGHT_MANAGE_THREAD, 0x40000u);
    cr_expect_eq(ZX_RIGHT_APPLY_PROFILE, 0x80000u);
    cr_expect_eq(ZX_RIGHT_SAME_RIGHTS, 0x80000000u);
}

Test(abi, right_groups_expand_to_zircon_values)
{
    cr_expect_eq(ZX_RIGHTS_BASIC, 0xc003u);
    cr_expect_eq(ZX_RIGHTS_IO, 0xcu);
    cr_expect_eq(ZX_RIGHTS_PROPERTY, 0xc0u);
    cr_expect_eq(ZX_RIGHTS_POLICY, 0xc00u);
}

Test(abi, default_rights_expand_to_zircon_values)
{
    cr_expect_eq(ZX_DEFAULT_PROCESS_RIGHTS, 0x6d3cfu);
    cr_expect_eq(ZX_DEFAULT_JOB_RIGHTS, 0x7dfcfu);
    cr_expect_eq(ZX_DEFAULT_THREAD_RIGHTS, 0x4d2cfu);
    cr_expect_eq(ZX_DEFAULT_VMO_RIGHTS, 0xd0efu);
    cr_expect_eq(ZX_DEFAULT_VMAR_RIGHTS, 0x8003u);
}

Test(abi, default_rights_never_include_same_rights)
{
    const zx_rights_t defaults[] = {ZX_DEFAULT_PROCESS_RIGHTS, ZX_DEFAULT_JOB_RIGHTS,
                                    ZX_DEFAULT_THREAD_RIGHTS, ZX_DEFAULT_VMO_RIGHTS, ZX_DEFAULT_VMAR_RIGHTS};
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
        cr_expect_eq(defaults[i] & ZX_RIGHT_SAME_RIGHTS, 0u, "default set %zu", i);
}

Test(abi, handle_and_koid_constants_have_zircon_values)
{
    cr_expect_eq(sizeof(zx_handle_t), 4u);
    cr_expect_eq(ZX_HANDLE_INVALID, 0u);
    cr_expect_eq(ZX_HANDLE_FIXED_BITS_MASK, 3u);
    cr_expect_eq(sizeof(zx_koid_t), 8u);
    cr_expect_eq(ZX_KOID_INVALID, 0u);
    cr_expect_eq(ZX_KOID_KERNEL, 1u);
    cr_expect_eq(ZX_KOID_FIRST, 1024u);
    cr_expect_eq(ZX_MAX_NAME_LEN, 32u);
}

Test(abi, task_signals_share_the_signaled_bit)
{
    cr_expect_eq(ZX_SIGNAL_NONE, 0u);
    cr_expect_eq(ZX_TASK_TERMINATED, 0x8u);
    cr_expect_eq(ZX_PROCESS_TERMINATED, 0x8u);
    cr_expect_eq(ZX_JOB_TERMINATED, 0x8u);
    cr_expect_eq(ZX_THREAD_TERMINATED, 0x8u);
    cr_expect_eq(ZX_JOB_NO_PROCESSES, 0x20u);
    cr_expect_eq(ZX_SIGNAL_HANDLE_CLOSED, 0x800000u);
    cr_expect_eq(ZX_USER_SIGNAL_ALL, 0xff000000u);
}

Test(abi, object_types_have_zircon_values)
{
    cr_expect_eq(ZX_OBJ_TYPE_NONE, 0u);
    cr_expect_eq(ZX_OBJ_TYPE_PROCESS, 1u);
    cr_expect_eq(ZX_OBJ_TYPE_THREAD, 2u);
    cr_expect_eq(ZX_OBJ_TYPE_VMO, 3u);
    cr_expect_eq(ZX_OBJ_TYPE_CHANNEL, 4u);
    cr_expect_eq(ZX_OBJ_TYPE_JOB, 17u);
    cr_expect_eq(ZX_OBJ_TYPE_VMAR, 18u);
    cr_expect_eq(ZX_OBJ_TYPE_MSI, 32u);
    cr_expect_eq(ZX_OBJ_TYPE_UPPER_BOUND, 64u);
}

Test(abi, vm_options_have_zircon_bits)
{
    cr_expect_eq(ZX_VM_PERM_READ, 0x1u);
    cr_expect_eq(ZX_VM_PERM_WRITE, 0x2u);
    cr_expect_eq(ZX_VM_PERM_EXECUTE, 0x4u);
    cr_expect_eq(ZX_VM_COMPACT, 0x8u);
    cr_expect_eq(ZX_VM_SPECIFIC, 0x10u);
    cr_expect_eq(ZX_VM_SPECIFIC_OVERWRITE, 0x20u);
    cr_expect_eq(ZX_VM_CAN_MAP_SPECIFIC, 0x40u);
    cr_expect_eq(ZX_VM_CAN_MAP_READ, 0x80u);
    cr_expect_eq(ZX_VM_CAN_MAP_WRITE, 0x100u);
    cr_expect_eq(ZX_VM_CAN_MAP_EXECUTE, 0x200u);
    cr_expect_eq(ZX_VM_MAP_RANGE, 0x400u);
    cr_expect_eq(ZX_VM_REQUIRE_NON_RESIZABLE, 0x800u);
    cr_expect_eq(ZX_VM_ALLOW_FAULTS, 0x1000u);
    cr_expect_eq(ZX_VM_OFFSET_IS_UPPER_LIMIT, 0x2000u);
    cr_expect_eq(ZX_VM_ALIGN_4KB, 0x0c000000u);
    cr_expect_eq(ZX_VM_ALIGN_4GB, 0x20000000u);
}

Test(abi, vmo_options_and_cache_policies_have_zircon_values)
{
    cr_expect_eq(ZX_VMO_RESIZABLE, 0x2u);
    cr_expect_eq(ZX_VMO_DISCARDABLE, 0x4u);
    cr_expect_eq(ZX_CACHE_POLICY_CACHED, 0u);
    cr_expect_eq(ZX_CACHE_POLICY_UNCACHED, 1u);
    cr_expect_eq(ZX_CACHE_POLICY_UNCACHED_DEVICE, 2u);
    cr_expect_eq(ZX_CACHE_POLICY_WRITE_COMBINING, 3u);
    cr_expect_eq(ZX_CACHE_POLICY_MASK, 3u);
}

Test(abi, page_size_constants_have_zircon_values)
{
    cr_expect_eq(ZX_PAGE_SIZE, 4096u);
    cr_expect_eq(ZX_PAGE_SHIFT, 12u);
    cr_expect_eq(ZX_PAGE_SIZE, ZXVMM_PAGE_SIZE, "the VMM contract must agree with Zircon");
    cr_expect_eq(ZX_PAGE_MASK, 0xfffu);
    cr_expect_eq(ZX_MIN_PAGE_SIZE, 4096u);
    cr_expect_eq(ZX_MAX_PAGE_SIZE, 0x200000u);
}

Test(abi, info_topics_have_zircon_values)
{
    cr_expect_eq(ZX_INFO_NONE, 0u);
    cr_expect_eq(ZX_INFO_HANDLE_VALID, 1u);
    cr_expect_eq(ZX_INFO_HANDLE_BASIC, 2u);
    cr_expect_eq(ZX_INFO_PROCESS, 0x10000003u);
    cr_expect_eq(ZX_INFO_PROCESS_THREADS, 4u);
    cr_expect_eq(ZX_INFO_VMAR, 7u);
    cr_expect_eq(ZX_INFO_JOB_CHILDREN, 8u);
    cr_expect_eq(ZX_INFO_JOB_PROCESSES, 9u);
    cr_expect_eq(ZX_INFO_THREAD, 10u);
    cr_expect_eq(ZX_INFO_THREAD_EXCEPTION_REPORT, 11u);
    cr_expect_eq(ZX_INFO_PROCESS_MAPS, 13u);
}

Test(abi, kill_return_codes_have_zircon_values)
{
    cr_expect_eq(ZX_TASK_RETCODE_SYSCALL_KILL, -1024);
    cr_expect_eq(ZX_TASK_RETCODE_OOM_KILL, -1025);
    cr_expect_eq(ZX_TASK_RETCODE_POLICY_KILL, -1026);
    cr_expect_eq(ZX_TASK_RETCODE_VDSO_KILL, -1027);
    cr_expect_eq(ZX_TASK_RETCODE_EXCEPTION_KILL, -1028);
    cr_expect_eq(ZX_TASK_RETCODE_CRITICAL_PROCESS_KILL, -1029);
}

Test(abi, handle_basic_record_has_zircon_layout)
{
    cr_expect_eq(sizeof(zx_info_handle_basic_t), 32u);
    cr_expect_eq(offsetof(zx_info_handle_basic_t, koid), 0u);
    cr_expect_eq(offsetof(zx_info_handle_basic_t, rights), 8u);
    cr_expect_eq(offsetof(zx_info_handle_basic_t, type), 12u);
    cr_expect_eq(offsetof(zx_info_handle_basic_t, related_koid), 16u);
    cr_expect_eq(offsetof(zx_info_handle_basic_t, reserved), 24u);
}

Test(abi, process_record_has_zircon_layout)
{
    cr_expect_eq(sizeof(zx_info_process_t), 24u);
    cr_expect_eq(offsetof(zx_info_process_t, return_code), 0u);
    cr_expect_eq(offsetof(zx_info_process_t, start_time), 8u);
    cr_expect_eq(offsetof(zx_info_process_t, flags), 16u);
    cr_expect_eq(ZX_INFO_PROCESS_FLAG_STARTED, 0x1u);
    cr_expect_eq(ZX_INFO_PROCESS_FLAG_EXITED, 0x2u);
    cr_expect_eq(ZX_INFO_PROCESS_FLAG_DEBUGGER_ATTACHED, 0x4u);
}

Test(abi, vmar_record_has_zircon_layout)
{
    cr_expect_eq(sizeof(zx_info_vmar_t), 16u);
    cr_expect_eq(offsetof(zx_info_vmar_t, base), 0u);
    cr_expect_eq(offsetof(zx_info_vmar_t, len), 8u);
}

Test(abi, maps_record_has_zircon_layout)
{
    cr_expect_eq(sizeof(zx_info_maps_t), 96u);
    cr_expect_eq(offsetof(zx_info_maps_t, name), 0u);
    cr_expect_eq(offsetof(zx_info_maps_t, base), 32u);
    cr_expect_eq(offsetof(zx_info_maps_t, size), 40u);
    cr_expect_eq(offsetof(zx_info_maps_t, depth), 48u);
    cr_expect_eq(offsetof(zx_info_maps_t, type), 56u);
    cr_expect_eq(offsetof(zx_info_maps_t, u.mapping.mmu_flags), 64u);
    cr_expect_eq(offsetof(zx_info_maps_t, u.mapping.vmo_koid), 72u);
    cr_expect_eq(offsetof(zx_info_maps_t, u.mapping.vmo_offset), 80u);
    cr_expect_eq(offsetof(zx_info_maps_t, u.mapping.committed_pages), 88u);
    cr_expect_eq(ZX_INFO_MAPS_TYPE_NONE, 0u);
    cr_expect_eq(ZX_INFO_MAPS_TYPE_ASPACE, 1u);
    cr_expect_eq(ZX_INFO_MAPS_TYPE_VMAR, 2u);
    cr_expect_eq(ZX_INFO_MAPS_TYPE_MAPPING, 3u);
}

Test(abi, time_constants_and_unit_macros_have_zircon_values)
{
    cr_expect_eq(ZX_TIME_INFINITE, INT64_MAX);
    cr_expect_eq(ZX_TIME_INFINITE_PAST, INT64_MIN);
    cr_expect_eq(ZX_NSEC(7), 7);
    cr_expect_eq(ZX_USEC(7), 7000);
    cr_expect_eq(ZX_MSEC(7), 7000000);
    cr_expect_eq(ZX_SEC(7), 7000000000LL);
    cr_expect_eq(ZX_MIN(2), 120000000000LL);
    cr_expect_eq(ZX_HOUR(1), 3600000000000LL);
}

Test(abi, unit_macros_saturate_on_runtime_overflow)
{
    volatile int64_t huge = INT64_MAX / 2;
    volatile int64_t small = 3;
    cr_expect_eq(ZX_SEC(huge), ZX_TIME_INFINITE);
    cr_expect_eq(ZX_MSEC(-huge), ZX_TIME_INFINITE_PAST);
    cr_expect_eq(ZX_SEC(small), 3000000000LL);
}

Test(abi, time_arithmetic_saturates_in_both_directions)
{
    cr_expect_eq(zx_time_add_duration(ZX_TIME_INFINITE - 5, 10), ZX_TIME_INFINITE);
    cr_expect_eq(zx_time_add_duration(ZX_TIME_INFINITE_PAST + 5, -10), ZX_TIME_INFINITE_PAST);
    cr_expect_eq(zx_time_add_duration(100, -30), 70);
    cr_expect_eq(zx_time_sub_duration(ZX_TIME_INFINITE_PAST + 1, 2), ZX_TIME_INFINITE_PAST);
    cr_expect_eq(zx_time_sub_duration(ZX_TIME_INFINITE - 1, -2), ZX_TIME_INFINITE);
    cr_expect_eq(zx_time_sub_time(ZX_TIME_INFINITE, -1), ZX_TIME_INFINITE);
    cr_expect_eq(zx_time_sub_time(ZX_TIME_INFINITE_PAST, 1), ZX_TIME_INFINITE_PAST);
    cr_expect_eq(zx_duration_mul_int64(-ZX_SEC(1), INT64_MAX), ZX_TIME_INFINITE_PAST);
    cr_expect_eq(zx_duration_mul_int64(-ZX_SEC(1), INT64_MIN), ZX_TIME_INFINITE);
}

/* Compile-time type comparison: no definitions are needed, so the vDSO functions stay unreferenced. */
#define ABI_SAME_TYPE(fn, type) __builtin_types_compatible_p(__typeof__(&fn), type)

/* zx_process_exit's type includes noreturn, so the expected type must too. */
typedef void (*abi_process_exit_ptr)(int64_t) __NO_RETURN;

Test(abi, syscall_prototypes_match_zircon)
{
    cr_expect(ABI_SAME_TYPE(zx_handle_close, zx_status_t(*)(zx_handle_t)));
    cr_expect(ABI_SAME_TYPE(zx_handle_duplicate, zx_status_t(*)(zx_handle_t, zx_rights_t, zx_handle_t *)));
    cr_expect(ABI_SAME_TYPE(zx_handle_replace, zx_status_t(*)(zx_handle_t, zx_rights_t, zx_handle_t *)));
    cr_expect(ABI_SAME_TYPE(zx_object_wait_one,
                            zx_status_t(*)(zx_handle_t, zx_signals_t, zx_time_t, zx_signals_t *)));
    cr_expect(ABI_SAME_TYPE(zx_object_get_info,
                            zx_status_t(*)(zx_handle_t, uint32_t, void *, size_t, size_t *, size_t *)));
    cr_expect(ABI_SAME_TYPE(zx_object_get_child,
                            zx_status_t(*)(zx_handle_t, uint64_t, zx_rights_t, zx_handle_t *)));
    cr_expect(ABI_SAME_TYPE(zx_process_exit, abi_process_exit_ptr));
    cr_expect(ABI_SAME_TYPE(zx_task_kill, zx_status_t(*)(zx_handle_t)));
    cr_expect(ABI_SAME_TYPE(zx_process_read_memory,
                            zx_status_t(*)(zx_handle_t, zx_vaddr_t, void *, size_t, size_t *)));
    cr_expect(ABI_SAME_TYPE(zx_process_write_memory,
                            zx_status_t(*)(zx_handle_t, zx_vaddr_t, const void *, size_t, size_t *)));
}

Test(abi, memory_syscall_prototypes_match_zircon)
{
    cr_expect(ABI_SAME_TYPE(zx_vmo_create, zx_status_t(*)(uint64_t, uint32_t, zx_handle_t *)));
    cr_expect(ABI_SAME_TYPE(zx_vmo_read, zx_status_t(*)(zx_handle_t, void *, uint64_t, size_t)));
    cr_expect(ABI_SAME_TYPE(zx_vmo_write, zx_status_t(*)(zx_handle_t, const void *, uint64_t, size_t)));
    cr_expect(ABI_SAME_TYPE(zx_vmo_get_size, zx_status_t(*)(zx_handle_t, uint64_t *)));
    cr_expect(ABI_SAME_TYPE(zx_vmo_set_cache_policy, zx_status_t(*)(zx_handle_t, uint32_t)));
    cr_expect(ABI_SAME_TYPE(zx_vmar_map, zx_status_t(*)(zx_handle_t, zx_vm_option_t, size_t, zx_handle_t,
                                                        uint64_t, size_t, zx_vaddr_t *)));
    cr_expect(ABI_SAME_TYPE(zx_vmar_unmap, zx_status_t(*)(zx_handle_t, zx_vaddr_t, size_t)));
    cr_expect(
        ABI_SAME_TYPE(zx_vmar_protect, zx_status_t(*)(zx_handle_t, zx_vm_option_t, zx_vaddr_t, size_t)));
}

Test(abi, misc_syscall_prototypes_match_zircon)
{
    cr_expect(ABI_SAME_TYPE(zx_debug_write, zx_status_t(*)(const char *, size_t)));
    cr_expect(ABI_SAME_TYPE(zx_nanosleep, zx_status_t(*)(zx_time_t)));
    cr_expect(ABI_SAME_TYPE(zx_clock_get_monotonic, zx_time_t(*)(void)));
    cr_expect(ABI_SAME_TYPE(zx_deadline_after, zx_time_t(*)(zx_duration_t)));
    cr_expect(ABI_SAME_TYPE(zx_system_get_page_size, uint32_t(*)(void)));
    cr_expect(ABI_SAME_TYPE(zx_process_self, zx_handle_t(*)(void)));
    cr_expect(ABI_SAME_TYPE(zx_vmar_root_self, zx_handle_t(*)(void)));
    cr_expect(ABI_SAME_TYPE(zx_job_default, zx_handle_t(*)(void)));
}

Test(abi, exception_report_has_zircon_layout_and_policy_codes)
{
    cr_expect_eq(sizeof(zx_exception_report_t), 40u);
    cr_expect_eq(offsetof(zx_exception_report_t, context.synth_code), 32u);
    cr_expect_eq(offsetof(zx_exception_report_t, context.synth_data), 36u);
    cr_expect_eq(ZX_EXCP_POLICY_CODE_BAD_HANDLE, 0u);
    cr_expect_eq(ZX_EXCP_POLICY_CODE_NEW_PAGER, 14u);
    cr_expect_eq(ZX_EXCP_POLICY_CODE_BAD_SYSCALL, 18u);
    cr_expect_eq(ZX_EXCP_POLICY_CODE_PORT_TOO_MANY_OBSERVERS, 19u);
}

Test(abi, fp_and_vector_state_have_zircon_layout)
{
    cr_expect_eq(sizeof(zx_thread_state_fp_regs_t), 160u);
    cr_expect_eq(offsetof(zx_thread_state_fp_regs_t, ftw), 4u);
    cr_expect_eq(offsetof(zx_thread_state_fp_regs_t, fop), 6u);
    cr_expect_eq(offsetof(zx_thread_state_fp_regs_t, fip), 8u);
    cr_expect_eq(offsetof(zx_thread_state_fp_regs_t, fdp), 16u);
    cr_expect_eq(offsetof(zx_thread_state_fp_regs_t, st), 32u);
    cr_expect_eq(sizeof(zx_thread_state_vector_regs_t), 2120u);
    cr_expect_eq(offsetof(zx_thread_state_vector_regs_t, opmask), 2048u);
    cr_expect_eq(offsetof(zx_thread_state_vector_regs_t, mxcsr), 2112u);
    cr_expect_eq(ZX_THREAD_STATE_FP_REGS, 1u);
    cr_expect_eq(ZX_THREAD_STATE_VECTOR_REGS, 2u);
}
