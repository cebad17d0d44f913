/* sys_handle.c: handle syscalls (zx_handle_close). */
#include <zircon/errors.h>
#include <zircon/types.h>

#include "syscall/syscall.h"

uint64_t sys_zx_handle_close(struct syscall_call *c)
{
    zx_handle_t handle = (zx_handle_t)c->arg[0];
    /* Closing ZX_HANDLE_INVALID is a no-op that succeeds. */
    if (handle == ZX_HANDLE_INVALID)
        return ZX_OK;
    /* ABI v1 processes hold no handles yet (the object model comes later): any other value is not live. */
    return (uint64_t)(int64_t)ZX_ERR_BAD_HANDLE;
}
