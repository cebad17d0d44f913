/* sys_handle.c: handle syscalls: zx_handle_close, zx_handle_duplicate, zx_handle_replace. */
#include <zircon/errors.h>
#include <zircon/rights.h>
#include <zircon/types.h>

#include "syscall/syscall.h"

uint64_t sys_zx_handle_close(struct syscall_call *c)
{
    zx_handle_t handle = (zx_handle_t)c->arg[0];
    /* Closing ZX_HANDLE_INVALID is a no-op that succeeds. */
    if (handle == ZX_HANDLE_INVALID)
        return ZX_OK;
    struct object *obj;
    zx_rights_t rights;
    zx_status_t st = handle_table_remove(&c->caller->handles, handle, &obj, &rights);
    if (st != ZX_OK)
        return syscall_status(st);
    object_unref(c->env->objects, obj);
    return ZX_OK;
}

uint64_t sys_zx_handle_duplicate(struct syscall_call *c)
{
    zx_handle_t handle = (zx_handle_t)c->arg[0];
    zx_rights_t want = (zx_rights_t)c->arg[1], rights;
    struct object *obj;
    zx_rights_t have;
    zx_status_t st = syscall_handle(c, handle, &obj, &have);
    if (st != ZX_OK)
        return syscall_status(st);
    if (!(have & ZX_RIGHT_DUPLICATE))
        return syscall_status(ZX_ERR_ACCESS_DENIED);
    if (!syscall_derive_rights(have, want, &rights))
        return syscall_status(ZX_ERR_INVALID_ARGS);
    object_ref(obj);
    return syscall_status(syscall_give_handle(c, obj, rights, c->arg[2]));
}

uint64_t sys_zx_handle_replace(struct syscall_call *c)
{
    zx_handle_t handle = (zx_handle_t)c->arg[0];
    zx_rights_t want = (zx_rights_t)c->arg[1], rights;
    struct object *obj;
    zx_rights_t have;
    /* The source goes whatever happens next: its reference passes to the new handle or is dropped. */
    zx_status_t st = handle_table_remove(&c->caller->handles, handle, &obj, &have);
    if (st != ZX_OK)
        return syscall_status(st);
    if (!syscall_derive_rights(have, want, &rights)) {
        object_unref(c->env->objects, obj);
        return syscall_status(ZX_ERR_INVALID_ARGS);
    }
    return syscall_status(syscall_give_handle(c, obj, rights, c->arg[2]));
}
