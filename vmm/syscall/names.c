/* names.c: syscall and status names, from the ABI's syscall list and Zircon's errors.h. */
#include "syscall/names.h"

#include <string.h>

#include <zircon/errors.h>
#include <zxvmm/abi.h>

#define NAMES_ENTRY(num, name, nargs) [num] = {#name, nargs},
static const struct {
    const char *name;
    unsigned nargs;
} syscall_names[] = {ZXVMM_SYSCALLS(NAMES_ENTRY)};
#undef NAMES_ENTRY

#define NAMES_NUMBER(num, name, nargs) NAMES_SYS_##name = num,
enum { ZXVMM_SYSCALLS(NAMES_NUMBER) };
#undef NAMES_NUMBER

#define NAMES_COUNT (sizeof(syscall_names) / sizeof(syscall_names[0]))

const char *syscall_name(uint64_t number)
{
    return number < NAMES_COUNT ? syscall_names[number].name : NULL;
}

uint32_t syscall_number(const char *name)
{
    for (uint32_t i = 1; i < NAMES_COUNT; i++)
        if (syscall_names[i].name && strcmp(syscall_names[i].name, name) == 0)
            return i;
    return 0;
}

unsigned syscall_nargs(uint64_t number)
{
    return number < NAMES_COUNT ? syscall_names[number].nargs : 0;
}

enum syscall_return syscall_return_kind(uint64_t number)
{
    switch (number) {
    case NAMES_SYS_zx_clock_get_monotonic:
    case NAMES_SYS_zx_deadline_after:
    case NAMES_SYS_zx_system_get_page_size:
        return SYSCALL_RETURNS_VALUE;
    case NAMES_SYS_zx_process_exit:
        return SYSCALL_RETURNS_NOTHING;
    default:
        return SYSCALL_RETURNS_STATUS;
    }
}

bool syscall_actual_arg(uint64_t number, unsigned *index, size_t *size)
{
    switch (number) {
    case NAMES_SYS_zx_process_read_memory:
    case NAMES_SYS_zx_process_write_memory:
    case NAMES_SYS_zx_object_get_info: /* (handle, topic, buffer, buffer_size, actual, avail) */
        *index = 4;
        *size = sizeof(size_t);
        return true;
    case NAMES_SYS_zx_channel_read: /* (..., actual_bytes, actual_handles) */
        *index = 6;
        *size = sizeof(uint32_t);
        return true;
    default:
        return false;
    }
}

bool syscall_size_arg(uint64_t number, unsigned *index)
{
    switch (number) {
    case NAMES_SYS_zx_debug_write: /* (buffer, size) */
        *index = 1;
        return true;
    case NAMES_SYS_zx_vmo_create: /* (size, options, out) */
        *index = 0;
        return true;
    case NAMES_SYS_zx_vmar_unmap: /* (handle, addr, len) */
        *index = 2;
        return true;
    case NAMES_SYS_zx_process_read_memory: /* (handle, vaddr, buffer, buffer_size, actual) */
    case NAMES_SYS_zx_process_write_memory:
    case NAMES_SYS_zx_object_get_info: /* (handle, topic, buffer, buffer_size, actual, avail) */
    case NAMES_SYS_zx_vmo_read:        /* (handle, buffer, offset, length) */
    case NAMES_SYS_zx_vmo_write:
    case NAMES_SYS_zx_vmar_protect: /* (handle, options, addr, len) */
        *index = 3;
        return true;
    case NAMES_SYS_zx_channel_read: /* (handle, options, bytes, handles, num_bytes, ...) */
        *index = 4;
        return true;
    case NAMES_SYS_zx_vmar_map: /* (handle, options, vmar_offset, vmo, vmo_offset, len, mapped_addr) */
        *index = 5;
        return true;
    default:
        return false;
    }
}

#define NAMES_STATUS(s)                                                                                      \
    {                                                                                                        \
#s, s                                                                                                \
    }
static const struct {
    const char *name;
    zx_status_t st;
} status_names[] = {
    NAMES_STATUS(ZX_OK),
    NAMES_STATUS(ZX_ERR_INTERNAL),
    NAMES_STATUS(ZX_ERR_NOT_SUPPORTED),
    NAMES_STATUS(ZX_ERR_NO_RESOURCES),
    NAMES_STATUS(ZX_ERR_NO_MEMORY),
    NAMES_STATUS(ZX_ERR_INTERNAL_INTR_RETRY),
    NAMES_STATUS(ZX_ERR_INVALID_ARGS),
    NAMES_STATUS(ZX_ERR_BAD_HANDLE),
    NAMES_STATUS(ZX_ERR_WRONG_TYPE),
    NAMES_STATUS(ZX_ERR_BAD_SYSCALL),
    NAMES_STATUS(ZX_ERR_OUT_OF_RANGE),
    NAMES_STATUS(ZX_ERR_BUFFER_TOO_SMALL),
    NAMES_STATUS(ZX_ERR_BAD_STATE),
    NAMES_STATUS(ZX_ERR_TIMED_OUT),
    NAMES_STATUS(ZX_ERR_SHOULD_WAIT),
    NAMES_STATUS(ZX_ERR_CANCELED),
    NAMES_STATUS(ZX_ERR_PEER_CLOSED),
    NAMES_STATUS(ZX_ERR_NOT_FOUND),
    NAMES_STATUS(ZX_ERR_ALREADY_EXISTS),
    NAMES_STATUS(ZX_ERR_ALREADY_BOUND),
    NAMES_STATUS(ZX_ERR_UNAVAILABLE),
    NAMES_STATUS(ZX_ERR_ACCESS_DENIED),
    NAMES_STATUS(ZX_ERR_IO),
    NAMES_STATUS(ZX_ERR_IO_REFUSED),
    NAMES_STATUS(ZX_ERR_IO_DATA_INTEGRITY),
    NAMES_STATUS(ZX_ERR_IO_DATA_LOSS),
    NAMES_STATUS(ZX_ERR_IO_NOT_PRESENT),
    NAMES_STATUS(ZX_ERR_IO_OVERRUN),
    NAMES_STATUS(ZX_ERR_IO_MISSED_DEADLINE),
    NAMES_STATUS(ZX_ERR_IO_INVALID),
    NAMES_STATUS(ZX_ERR_BAD_PATH),
    NAMES_STATUS(ZX_ERR_NOT_DIR),
    NAMES_STATUS(ZX_ERR_NOT_FILE),
    NAMES_STATUS(ZX_ERR_FILE_BIG),
    NAMES_STATUS(ZX_ERR_NO_SPACE),
    NAMES_STATUS(ZX_ERR_NOT_EMPTY),
    NAMES_STATUS(ZX_ERR_STOP),
    NAMES_STATUS(ZX_ERR_NEXT),
    NAMES_STATUS(ZX_ERR_ASYNC),
    NAMES_STATUS(ZX_ERR_PROTOCOL_NOT_SUPPORTED),
    NAMES_STATUS(ZX_ERR_ADDRESS_UNREACHABLE),
    NAMES_STATUS(ZX_ERR_ADDRESS_IN_USE),
    NAMES_STATUS(ZX_ERR_NOT_CONNECTED),
    NAMES_STATUS(ZX_ERR_CONNECTION_REFUSED),
    NAMES_STATUS(ZX_ERR_CONNECTION_RESET),
    NAMES_STATUS(ZX_ERR_CONNECTION_ABORTED),
    NAMES_STATUS(ZX_ERR_INTERNAL_INTR_KILLED),
};
#undef NAMES_STATUS

#define STATUS_COUNT (sizeof(status_names) / sizeof(status_names[0]))

const char *syscall_status_name(zx_status_t st)
{
    for (size_t i = 0; i < STATUS_COUNT; i++)
        if (status_names[i].st == st)
            return status_names[i].name;
    return NULL;
}

bool syscall_status_from_name(const char *name, zx_status_t *st)
{
    for (size_t i = 0; i < STATUS_COUNT; i++)
        if (strcmp(status_names[i].name, name) == 0) {
            *st = status_names[i].st;
            return true;
        }
    return false;
}

bool syscall_status_at(size_t i, const char **name, zx_status_t *st)
{
    if (i >= STATUS_COUNT)
        return false;
    *name = status_names[i].name;
    *st = status_names[i].st;
    return true;
}
