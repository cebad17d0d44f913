/* errors.c: the statuses each syscall's docs page lists under "Errors, in check order" (systematic
 * campaigns). */
#include "syscall/errors.h"

#include <zircon/errors.h>
#include <zxvmm/abi.h>

/*
 * One list per docs/syscalls/NAME.md: the distinct ZX_ERR_* names of its
 * numbered "Errors, in check order" items, in the order they first appear.
 * tests/unit/test_syscall_errors.c parses the pages and checks these lists
 * against them. zx_task_suspend is documented as the older name of
 * zx_task_suspend_token ("same behaviour and errors") and shares its list.
 * Calls whose page lists no error (zx_process_exit, zx_nanosleep,
 * zx_clock_get_monotonic, zx_deadline_after, zx_system_get_page_size) have none.
 */
static const zx_status_t errors_handle_close[] = {ZX_ERR_BAD_HANDLE};
static const zx_status_t errors_handle_duplicate[] = {
    ZX_ERR_BAD_HANDLE, ZX_ERR_ACCESS_DENIED, ZX_ERR_INVALID_ARGS, ZX_ERR_NO_RESOURCES, ZX_ERR_NO_MEMORY};
static const zx_status_t errors_handle_replace[] = {ZX_ERR_BAD_HANDLE, ZX_ERR_INVALID_ARGS};
static const zx_status_t errors_object_get_info[] = {
    ZX_ERR_BAD_HANDLE, ZX_ERR_NOT_SUPPORTED, ZX_ERR_WRONG_TYPE,      ZX_ERR_ACCESS_DENIED,
    ZX_ERR_BAD_STATE,  ZX_ERR_INVALID_ARGS,  ZX_ERR_BUFFER_TOO_SMALL};
static const zx_status_t errors_object_get_child[] = {ZX_ERR_BAD_HANDLE,   ZX_ERR_ACCESS_DENIED,
                                                      ZX_ERR_NOT_FOUND,    ZX_ERR_WRONG_TYPE,
                                                      ZX_ERR_NO_RESOURCES, ZX_ERR_INVALID_ARGS};
static const zx_status_t errors_object_wait_one[] = {ZX_ERR_BAD_HANDLE, ZX_ERR_ACCESS_DENIED,
                                                     ZX_ERR_INVALID_ARGS, ZX_ERR_TIMED_OUT};
static const zx_status_t errors_task_kill[] = {ZX_ERR_BAD_HANDLE, ZX_ERR_ACCESS_DENIED, ZX_ERR_WRONG_TYPE};
static const zx_status_t errors_process_read_memory[] = {ZX_ERR_INVALID_ARGS, ZX_ERR_BAD_HANDLE,
                                                         ZX_ERR_WRONG_TYPE,   ZX_ERR_ACCESS_DENIED,
                                                         ZX_ERR_BAD_STATE,    ZX_ERR_NO_MEMORY};
static const zx_status_t errors_process_write_memory[] = {
    ZX_ERR_NOT_SUPPORTED, ZX_ERR_INVALID_ARGS, ZX_ERR_BAD_HANDLE, ZX_ERR_WRONG_TYPE,
    ZX_ERR_ACCESS_DENIED, ZX_ERR_BAD_STATE,    ZX_ERR_NO_MEMORY};
static const zx_status_t errors_vmo_create[] = {ZX_ERR_INVALID_ARGS, ZX_ERR_OUT_OF_RANGE, ZX_ERR_NO_MEMORY,
                                                ZX_ERR_NO_RESOURCES};
static const zx_status_t errors_vmo_read[] = {ZX_ERR_BAD_HANDLE,   ZX_ERR_WRONG_TYPE, ZX_ERR_ACCESS_DENIED,
                                              ZX_ERR_OUT_OF_RANGE, ZX_ERR_BAD_STATE,  ZX_ERR_INVALID_ARGS};
static const zx_status_t errors_vmo_write[] = {ZX_ERR_BAD_HANDLE,   ZX_ERR_WRONG_TYPE, ZX_ERR_ACCESS_DENIED,
                                               ZX_ERR_OUT_OF_RANGE, ZX_ERR_BAD_STATE,  ZX_ERR_INVALID_ARGS};
static const zx_status_t errors_vmo_get_size[] = {ZX_ERR_BAD_HANDLE, ZX_ERR_WRONG_TYPE, ZX_ERR_INVALID_ARGS};
static const zx_status_t errors_vmo_set_cache_policy[] = {
    ZX_ERR_INVALID_ARGS, ZX_ERR_BAD_HANDLE, ZX_ERR_WRONG_TYPE, ZX_ERR_ACCESS_DENIED, ZX_ERR_BAD_STATE};
static const zx_status_t errors_vmar_map[] = {
    ZX_ERR_BAD_HANDLE,    ZX_ERR_WRONG_TYPE,   ZX_ERR_ACCESS_DENIED,    ZX_ERR_INVALID_ARGS,
    ZX_ERR_NOT_SUPPORTED, ZX_ERR_OUT_OF_RANGE, ZX_ERR_BUFFER_TOO_SMALL, ZX_ERR_NO_MEMORY};
static const zx_status_t errors_vmar_unmap[] = {ZX_ERR_BAD_HANDLE, ZX_ERR_WRONG_TYPE, ZX_ERR_INVALID_ARGS,
                                                ZX_ERR_ACCESS_DENIED};
static const zx_status_t errors_vmar_protect[] = {ZX_ERR_BAD_HANDLE,    ZX_ERR_WRONG_TYPE,
                                                  ZX_ERR_ACCESS_DENIED, ZX_ERR_INVALID_ARGS,
                                                  ZX_ERR_NOT_FOUND,     ZX_ERR_NO_MEMORY};
static const zx_status_t errors_debug_write[] = {ZX_ERR_NOT_SUPPORTED, ZX_ERR_INVALID_ARGS};
static const zx_status_t errors_task_create_exception_channel[] = {
    ZX_ERR_INVALID_ARGS, ZX_ERR_BAD_HANDLE,    ZX_ERR_ACCESS_DENIED, ZX_ERR_WRONG_TYPE,
    ZX_ERR_BAD_STATE,    ZX_ERR_ALREADY_BOUND, ZX_ERR_NO_RESOURCES};
static const zx_status_t errors_channel_read[] = {
    ZX_ERR_BAD_HANDLE,       ZX_ERR_WRONG_TYPE,   ZX_ERR_ACCESS_DENIED,
    ZX_ERR_NOT_SUPPORTED,    ZX_ERR_PEER_CLOSED,  ZX_ERR_SHOULD_WAIT,
    ZX_ERR_BUFFER_TOO_SMALL, ZX_ERR_INVALID_ARGS, ZX_ERR_NO_RESOURCES};
static const zx_status_t errors_exception_get_thread[] = {ZX_ERR_BAD_HANDLE, ZX_ERR_WRONG_TYPE,
                                                          ZX_ERR_NO_RESOURCES, ZX_ERR_INVALID_ARGS};
static const zx_status_t errors_exception_get_process[] = {
    ZX_ERR_BAD_HANDLE, ZX_ERR_WRONG_TYPE, ZX_ERR_ACCESS_DENIED, ZX_ERR_NO_RESOURCES, ZX_ERR_INVALID_ARGS};
static const zx_status_t errors_object_get_property[] = {
    ZX_ERR_INVALID_ARGS, ZX_ERR_BAD_HANDLE, ZX_ERR_ACCESS_DENIED, ZX_ERR_BUFFER_TOO_SMALL, ZX_ERR_WRONG_TYPE};
static const zx_status_t errors_object_set_property[] = {
    ZX_ERR_INVALID_ARGS,     ZX_ERR_BAD_HANDLE, ZX_ERR_ACCESS_DENIED, ZX_ERR_NOT_SUPPORTED,
    ZX_ERR_BUFFER_TOO_SMALL, ZX_ERR_WRONG_TYPE, ZX_ERR_BAD_STATE};
static const zx_status_t errors_thread_read_state[] = {ZX_ERR_BAD_HANDLE,       ZX_ERR_WRONG_TYPE,
                                                       ZX_ERR_ACCESS_DENIED,    ZX_ERR_INVALID_ARGS,
                                                       ZX_ERR_BUFFER_TOO_SMALL, ZX_ERR_BAD_STATE};
static const zx_status_t errors_thread_write_state[] = {
    ZX_ERR_NOT_SUPPORTED, ZX_ERR_BAD_HANDLE,       ZX_ERR_WRONG_TYPE, ZX_ERR_ACCESS_DENIED,
    ZX_ERR_INVALID_ARGS,  ZX_ERR_BUFFER_TOO_SMALL, ZX_ERR_BAD_STATE};
static const zx_status_t errors_task_suspend_token[] = {
    ZX_ERR_BAD_HANDLE, ZX_ERR_ACCESS_DENIED, ZX_ERR_NOT_SUPPORTED, ZX_ERR_WRONG_TYPE,
    ZX_ERR_BAD_STATE,  ZX_ERR_NO_RESOURCES,  ZX_ERR_INVALID_ARGS};

static const struct {
    const zx_status_t *list;
    size_t n;
} errors_table[ZXVMM_SYSCALL_COUNT] = {
    [1] = {errors_handle_close, sizeof(errors_handle_close) / sizeof(zx_status_t)},
    [2] = {errors_handle_duplicate, sizeof(errors_handle_duplicate) / sizeof(zx_status_t)},
    [3] = {errors_handle_replace, sizeof(errors_handle_replace) / sizeof(zx_status_t)},
    [4] = {errors_object_get_info, sizeof(errors_object_get_info) / sizeof(zx_status_t)},
    [5] = {errors_object_get_child, sizeof(errors_object_get_child) / sizeof(zx_status_t)},
    [6] = {errors_object_wait_one, sizeof(errors_object_wait_one) / sizeof(zx_status_t)},
    [8] = {errors_task_kill, sizeof(errors_task_kill) / sizeof(zx_status_t)},
    [9] = {errors_process_read_memory, sizeof(errors_process_read_memory) / sizeof(zx_status_t)},
    [10] = {errors_process_write_memory, sizeof(errors_process_write_memory) / sizeof(zx_status_t)},
    [11] = {errors_vmo_create, sizeof(errors_vmo_create) / sizeof(zx_status_t)},
    [12] = {errors_vmo_read, sizeof(errors_vmo_read) / sizeof(zx_status_t)},
    [13] = {errors_vmo_write, sizeof(errors_vmo_write) / sizeof(zx_status_t)},
    [14] = {errors_vmo_get_size, sizeof(errors_vmo_get_size) / sizeof(zx_status_t)},
    [15] = {errors_vmo_set_cache_policy, sizeof(errors_vmo_set_cache_policy) / sizeof(zx_status_t)},
    [16] = {errors_vmar_map, sizeof(errors_vmar_map) / sizeof(zx_status_t)},
    [17] = {errors_vmar_unmap, sizeof(errors_vmar_unmap) / sizeof(zx_status_t)},
    [18] = {errors_vmar_protect, sizeof(errors_vmar_protect) / sizeof(zx_status_t)},
    [19] = {errors_debug_write, sizeof(errors_debug_write) / sizeof(zx_status_t)},
    [24] = {errors_task_create_exception_channel,
            sizeof(errors_task_create_exception_channel) / sizeof(zx_status_t)},
    [25] = {errors_channel_read, sizeof(errors_channel_read) / sizeof(zx_status_t)},
    [26] = {errors_exception_get_thread, sizeof(errors_exception_get_thread) / sizeof(zx_status_t)},
    [27] = {errors_exception_get_process, sizeof(errors_exception_get_process) / sizeof(zx_status_t)},
    [28] = {errors_object_get_property, sizeof(errors_object_get_property) / sizeof(zx_status_t)},
    [29] = {errors_object_set_property, sizeof(errors_object_set_property) / sizeof(zx_status_t)},
    [30] = {errors_thread_read_state, sizeof(errors_thread_read_state) / sizeof(zx_status_t)},
    [31] = {errors_thread_write_state, sizeof(errors_thread_write_state) / sizeof(zx_status_t)},
    [32] = {errors_task_suspend_token,
            sizeof(errors_task_suspend_token) / sizeof(zx_status_t)}, /* the same call */
    [33] = {errors_task_suspend_token, sizeof(errors_task_suspend_token) / sizeof(zx_status_t)},
};

size_t syscall_documented_errors(uint64_t number, const zx_status_t **list)
{
    if (number >= ZXVMM_SYSCALL_COUNT || !errors_table[number].list) {
        *list = NULL;
        return 0;
    }
    *list = errors_table[number].list;
    return errors_table[number].n;
}
