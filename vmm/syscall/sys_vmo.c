/* sys_vmo.c: VMO syscalls: zx_vmo_create, zx_vmo_read, zx_vmo_write, zx_vmo_get_size,
 * zx_vmo_set_cache_policy. */
#include <zircon/errors.h>
#include <zircon/rights.h>
#include <zircon/types.h>

#include "object/vmo.h"
#include "syscall/syscall.h"
#include "syscall/uaccess.h"

#define VMO_COPY_CHUNK 65536

/* Looks up a VMO handle needing `right`: BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED in that order. */
static zx_status_t get_vmo(const struct syscall_call *c, zx_rights_t right, struct vmo **out)
{
    struct object *obj;
    zx_rights_t rights;
    zx_status_t st = syscall_handle(c, (zx_handle_t)c->arg[0], &obj, &rights);
    if (st != ZX_OK)
        return st;
    if (obj->type != ZX_OBJ_TYPE_VMO)
        return ZX_ERR_WRONG_TYPE;
    if ((rights & right) != right)
        return ZX_ERR_ACCESS_DENIED;
    *out = (struct vmo *)obj;
    return ZX_OK;
}

uint64_t sys_zx_vmo_create(struct syscall_call *c)
{
    uint64_t size = c->arg[0];
    uint32_t options = (uint32_t)c->arg[1];
    if (options & ~(ZX_VMO_RESIZABLE | ZX_VMO_DISCARDABLE))
        return syscall_status(ZX_ERR_INVALID_ARGS);
    struct vmo *vmo;
    zx_status_t st = vmo_create(c->env->objects, size, &vmo);
    if (st != ZX_OK)
        return syscall_status(st);
    vmo->resizable = options & ZX_VMO_RESIZABLE;
    vmo->discardable = options & ZX_VMO_DISCARDABLE;
    return syscall_status(syscall_give_handle(c, &vmo->obj, ZX_DEFAULT_VMO_RIGHTS, c->arg[2]));
}

/* The checks read and write share, in Zircon's order; the user buffer is checked last. */
static zx_status_t check_rw(const struct syscall_call *c, zx_rights_t right, struct vmo **vmo,
                            uint64_t *offset, size_t *len, uint64_t *buffer)
{
    *buffer = c->arg[1];
    *offset = c->arg[2];
    *len = (size_t)c->arg[3];
    zx_status_t st = get_vmo(c, right, vmo);
    if (st != ZX_OK)
        return st;
    uint64_t end;
    if (__builtin_add_overflow(*offset, (uint64_t)*len, &end))
        return ZX_ERR_OUT_OF_RANGE;
    if ((*vmo)->cache_policy != ZX_CACHE_POLICY_CACHED)
        return ZX_ERR_BAD_STATE;
    if (end > (*vmo)->size)
        return ZX_ERR_OUT_OF_RANGE;
    struct pt_walk_ctx w = syscall_caller_walk(c);
    return uaccess_check(&w, *buffer, *len, right == ZX_RIGHT_READ);
}

/* zx_vmo_read and zx_vmo_write: the checks, then the copy through a bounce buffer. */
static uint64_t vmo_transfer(struct syscall_call *c, bool to_vmo)
{
    struct vmo *vmo;
    uint64_t offset, buffer;
    size_t len;
    zx_status_t st = check_rw(c, to_vmo ? ZX_RIGHT_WRITE : ZX_RIGHT_READ, &vmo, &offset, &len, &buffer);
    if (st != ZX_OK)
        return syscall_status(st);
    struct pt_walk_ctx w = syscall_caller_walk(c);
    const struct guest_ram *ram = c->env->aspace->ram;
    uint8_t chunk[VMO_COPY_CHUNK];
    for (size_t done = 0; done < len;) {
        size_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
        if (to_vmo) {
            uaccess_copy_in(&w, chunk, buffer + done, n);
            vmo_write_bytes(vmo, ram, offset + done, chunk, n);
        } else {
            vmo_read_bytes(vmo, ram, offset + done, chunk, n);
            uaccess_copy_out(&w, buffer + done, chunk, n);
        }
        done += n;
    }
    if (to_vmo && len > 0)
        vmo->committed = true;
    return ZX_OK;
}

uint64_t sys_zx_vmo_read(struct syscall_call *c)
{
    return vmo_transfer(c, false);
}

uint64_t sys_zx_vmo_write(struct syscall_call *c)
{
    return vmo_transfer(c, true);
}

uint64_t sys_zx_vmo_get_size(struct syscall_call *c)
{
    struct vmo *vmo;
    zx_status_t st = get_vmo(c, ZX_RIGHT_NONE, &vmo);
    if (st != ZX_OK)
        return syscall_status(st);
    return syscall_status(syscall_store(c, c->arg[1], &vmo->size, sizeof(vmo->size)));
}

uint64_t sys_zx_vmo_set_cache_policy(struct syscall_call *c)
{
    uint32_t policy = (uint32_t)c->arg[1];
    if (policy & ~ZX_CACHE_POLICY_MASK)
        return syscall_status(ZX_ERR_INVALID_ARGS);
    struct vmo *vmo;
    zx_status_t st = get_vmo(c, ZX_RIGHT_MAP, &vmo);
    if (st != ZX_OK)
        return syscall_status(st);
    /* Leaving an uncached policy with committed pages could surface stale cache lines. */
    if (vmo->committed && vmo->cache_policy != ZX_CACHE_POLICY_CACHED)
        return syscall_status(ZX_ERR_BAD_STATE);
    if (vmo->mapped_pages > 0)
        return syscall_status(ZX_ERR_BAD_STATE);
    if (vmo->discardable && policy != ZX_CACHE_POLICY_CACHED)
        return syscall_status(ZX_ERR_BAD_STATE); /* Zircon: a discardable VMO stays cached */
    vmo->cache_policy = policy;
    return ZX_OK;
}
