/* sys_vmar.c: VMAR syscalls: zx_vmar_map, zx_vmar_unmap, zx_vmar_protect. */
#include <errno.h>
#include <zircon/errors.h>
#include <zircon/rights.h>
#include <zircon/types.h>

#include "object/vmar.h"
#include "object/vmo.h"
#include "syscall/syscall.h"

#define PAGE_MASK        (MEM_PAGE_SIZE - 1)
#define VM_PERMS         (ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE)
#define VM_ALIGN_MASK    (0xffu << ZX_VM_ALIGN_BASE)
#define VM_ALIGN_MIN_LOG 10
#define VM_ALIGN_MAX_LOG 32
#define VM_MAP_KNOWN                                                                                         \
    (VM_PERMS | ZX_VM_COMPACT | ZX_VM_SPECIFIC | ZX_VM_SPECIFIC_OVERWRITE | ZX_VM_CAN_MAP_SPECIFIC |         \
     ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_EXECUTE | ZX_VM_MAP_RANGE |                    \
     ZX_VM_REQUIRE_NON_RESIZABLE | ZX_VM_ALLOW_FAULTS)

/* Looks up a VMAR handle: BAD_HANDLE, then WRONG_TYPE. */
static zx_status_t get_vmar(const struct syscall_call *c, zx_handle_t value, struct vmar **out,
                            zx_rights_t *rights)
{
    struct object *obj;
    zx_status_t st = syscall_handle(c, value, &obj, rights);
    if (st != ZX_OK)
        return st;
    if (obj->type != ZX_OBJ_TYPE_VMAR)
        return ZX_ERR_WRONG_TYPE;
    *out = (struct vmar *)obj;
    /* A map into this VMAR by another thread is writing entries with the lock let go: wait for its end. */
    while ((*out)->mapping)
        if (c->env->block(c->env->host, UINT64_MAX) == -EINTR)
            return ZX_ERR_CANCELED; /* the caller is being stopped and never sees this */
    return ZX_OK;
}

/* The rights each permission needs (READ, WRITE, EXECUTE in that order). */
static zx_status_t check_perm_rights(uint32_t perms, zx_rights_t rights)
{
    static const struct {
        uint32_t perm;
        zx_rights_t right;
    } need[] = {{ZX_VM_PERM_READ, ZX_RIGHT_READ},
                {ZX_VM_PERM_WRITE, ZX_RIGHT_WRITE},
                {ZX_VM_PERM_EXECUTE, ZX_RIGHT_EXECUTE}};
    for (int i = 0; i < 3; i++)
        if ((perms & need[i].perm) && !(rights & need[i].right))
            return ZX_ERR_ACCESS_DENIED;
    return ZX_OK;
}

static uint32_t perms_of_rights(zx_rights_t rights)
{
    return ((rights & ZX_RIGHT_READ) ? ZX_VM_PERM_READ : 0) |
           ((rights & ZX_RIGHT_WRITE) ? ZX_VM_PERM_WRITE : 0) |
           ((rights & ZX_RIGHT_EXECUTE) ? ZX_VM_PERM_EXECUTE : 0);
}

static bool perms_valid(uint32_t perms)
{
    return !((perms & (ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE)) && !(perms & ZX_VM_PERM_READ));
}

/* Map steps 6-13 of zx_vmar_map.md: the options and the rights they need. */
static zx_status_t check_map_options(zx_vm_option_t options, zx_rights_t vmar_rights, zx_rights_t vmo_rights,
                                     const struct vmo *vmo)
{
    if (!perms_valid(options & VM_PERMS))
        return ZX_ERR_INVALID_ARGS;
    if ((options & ZX_VM_MAP_RANGE) && (options & ZX_VM_SPECIFIC_OVERWRITE))
        return ZX_ERR_INVALID_ARGS;
    if (options & (ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_EXECUTE))
        return ZX_ERR_INVALID_ARGS;
    if (check_perm_rights(options, vmo_rights) != ZX_OK || check_perm_rights(options, vmar_rights) != ZX_OK)
        return ZX_ERR_ACCESS_DENIED;
    uint32_t align = (options & VM_ALIGN_MASK) >> ZX_VM_ALIGN_BASE;
    if ((options & ~(VM_MAP_KNOWN | VM_ALIGN_MASK)) ||
        (align && (align < VM_ALIGN_MIN_LOG || align > VM_ALIGN_MAX_LOG)))
        return ZX_ERR_INVALID_ARGS;
    if ((options & ZX_VM_REQUIRE_NON_RESIZABLE) && vmo->resizable)
        return ZX_ERR_NOT_SUPPORTED;
    if (!(options & ZX_VM_ALLOW_FAULTS) && vmo->discardable)
        return ZX_ERR_NOT_SUPPORTED; /* Zircon: a discardable VMO's mappings must allow faults */
    if (options & (ZX_VM_COMPACT | ZX_VM_CAN_MAP_SPECIFIC))
        return ZX_ERR_INVALID_ARGS;
    return ZX_OK;
}

/* Lowest free range of `len` bytes aligned to `align` (a power of two >= page size). */
static zx_status_t find_aligned(const struct vmar *v, uint64_t len, uint64_t align, uint64_t *out)
{
    uint64_t hint = v->space.base;
    for (;;) {
        uint64_t at;
        if (vmar_space_find_free(&v->space, len, hint, &at) != 0)
            return ZX_ERR_NO_MEMORY;
        uint64_t aligned = (at + align - 1) & ~(align - 1);
        if (aligned == at)
            return (*out = at, ZX_OK);
        if (aligned < at)
            return ZX_ERR_NO_MEMORY;
        hint = aligned;
    }
}

/* Map steps 16-20: where the mapping goes. */
static zx_status_t place(struct syscall_call *c, struct vmar *v, zx_vm_option_t options, uint64_t offset,
                         uint64_t len, uint64_t *addr)
{
    uint32_t align_log = (options & VM_ALIGN_MASK) >> ZX_VM_ALIGN_BASE;
    uint64_t align = align_log ? 1ULL << align_log : MEM_PAGE_SIZE;
    if (align < MEM_PAGE_SIZE)
        align = MEM_PAGE_SIZE;
    bool specific = options & (ZX_VM_SPECIFIC | ZX_VM_SPECIFIC_OVERWRITE);
    if (len == 0 || (offset != 0 && !specific))
        return ZX_ERR_INVALID_ARGS;
    if (offset >= v->space.size || len > v->space.size - offset)
        return ZX_ERR_INVALID_ARGS;
    if (!specific)
        return find_aligned(v, len, align, addr);
    *addr = v->space.base + offset;
    if ((*addr & PAGE_MASK) || (*addr & (align - 1)))
        return ZX_ERR_INVALID_ARGS;
    if (vmar_space_range_free(&v->space, *addr, len))
        return ZX_OK;
    if (!(options & ZX_VM_SPECIFIC_OVERWRITE))
        return ZX_ERR_NO_MEMORY;
    if (vmar_touches_vdso(v, *addr, len))
        return ZX_ERR_ACCESS_DENIED;
    return vmar_unmap(c->env->objects, v, *addr, len) < 0 ? ZX_ERR_NO_MEMORY : ZX_OK;
}

uint64_t sys_zx_vmar_map(struct syscall_call *c)
{
    zx_vm_option_t options = (zx_vm_option_t)c->arg[1];
    uint64_t vmar_offset = c->arg[2], vmo_offset = c->arg[4], len = c->arg[5], end;
    struct vmar *v;
    struct object *obj;
    zx_rights_t vmar_rights, vmo_rights;
    zx_status_t st = get_vmar(c, (zx_handle_t)c->arg[0], &v, &vmar_rights);
    if (st != ZX_OK)
        return syscall_status(st);
    if ((st = syscall_handle(c, (zx_handle_t)c->arg[3], &obj, &vmo_rights)) != ZX_OK)
        return syscall_status(st);
    if (obj->type != ZX_OBJ_TYPE_VMO)
        return syscall_status(ZX_ERR_WRONG_TYPE);
    struct vmo *vmo = (struct vmo *)obj;
    if (!(vmo_rights & ZX_RIGHT_MAP))
        return syscall_status(ZX_ERR_ACCESS_DENIED);
    if ((st = check_map_options(options, vmar_rights, vmo_rights, vmo)) != ZX_OK)
        return syscall_status(st);
    uint64_t rounded = (len + PAGE_MASK) & ~PAGE_MASK; /* wraps to 0 for the largest lengths */
    if (vmo_offset & PAGE_MASK)
        return syscall_status(ZX_ERR_INVALID_ARGS);
    if (rounded < len || __builtin_add_overflow(vmo_offset, rounded, &end))
        return syscall_status(ZX_ERR_OUT_OF_RANGE);
    if (end > vmo->size)
        return syscall_status(ZX_ERR_BUFFER_TOO_SMALL);
    if (v->dead)
        return syscall_status(ZX_ERR_BAD_STATE);
    uint64_t addr;
    if ((st = place(c, v, options, vmar_offset, rounded, &addr)) != ZX_OK)
        return syscall_status(st);
    uint32_t max_perms = perms_of_rights(vmar_rights & vmo_rights);
    if ((st = vmar_map(c->env->objects, v, addr, rounded, vmo, vmo_offset, options & VM_PERMS, max_perms)) !=
        ZX_OK)
        return syscall_status(st);
    if (syscall_store(c, c->arg[6], &addr, sizeof(addr)) != ZX_OK) {
        vmar_unmap(c->env->objects, v, addr, rounded);
        return syscall_status(ZX_ERR_INVALID_ARGS);
    }
    return ZX_OK;
}

/* Unmap/protect steps: an aligned, non-empty range inside the VMAR; the rounded length in *len. */
static zx_status_t check_range(const struct vmar *v, uint64_t addr, uint64_t *len)
{
    if (addr & PAGE_MASK)
        return ZX_ERR_INVALID_ARGS;
    *len = (*len + PAGE_MASK) & ~PAGE_MASK;
    uint64_t end;
    if (*len == 0)
        return ZX_ERR_INVALID_ARGS;
    if (addr < v->space.base || __builtin_add_overflow(addr, *len, &end) ||
        end > v->space.base + v->space.size)
        return ZX_ERR_INVALID_ARGS;
    return ZX_OK;
}

uint64_t sys_zx_vmar_unmap(struct syscall_call *c)
{
    uint64_t addr = c->arg[1], len = c->arg[2];
    struct vmar *v;
    zx_rights_t rights;
    zx_status_t st = get_vmar(c, (zx_handle_t)c->arg[0], &v, &rights);
    if (st != ZX_OK)
        return syscall_status(st);
    if ((st = check_range(v, addr, &len)) != ZX_OK)
        return syscall_status(st);
    if (v->dead)
        return syscall_status(ZX_ERR_BAD_STATE);
    if (vmar_touches_vdso(v, addr, len))
        return syscall_status(ZX_ERR_ACCESS_DENIED);
    return vmar_unmap(c->env->objects, v, addr, len) < 0 ? syscall_status(ZX_ERR_NO_MEMORY) : ZX_OK;
}

/* Protect steps 9-11: every byte mapped, each mapping allowing `perms`, none the vDSO. */
static zx_status_t check_protectable(const struct vmar *v, uint64_t addr, uint64_t len, uint32_t perms)
{
    const struct vmar_mapping *m = vmar_space_find(&v->space, addr);
    if (!m)
        return ZX_ERR_NOT_FOUND;
    uint64_t at = addr, end = addr + len;
    while (at < end) {
        m = vmar_space_find(&v->space, at);
        if (!m)
            return ZX_ERR_NOT_FOUND;
        if ((perms & ~m->max_perms) || m->vmo == vmar_vdso_vmo)
            return ZX_ERR_ACCESS_DENIED;
        at = m->base + m->size;
    }
    return ZX_OK;
}

uint64_t sys_zx_vmar_protect(struct syscall_call *c)
{
    zx_vm_option_t options = (zx_vm_option_t)c->arg[1];
    uint64_t addr = c->arg[2], len = c->arg[3];
    struct vmar *v;
    zx_rights_t rights;
    zx_status_t st = get_vmar(c, (zx_handle_t)c->arg[0], &v, &rights);
    if (st != ZX_OK)
        return syscall_status(st);
    if (check_perm_rights(options, rights) != ZX_OK)
        return syscall_status(ZX_ERR_ACCESS_DENIED);
    if (!perms_valid(options & VM_PERMS) || (addr & PAGE_MASK) || (options & ~VM_PERMS))
        return syscall_status(ZX_ERR_INVALID_ARGS);
    if ((st = check_range(v, addr, &len)) != ZX_OK)
        return syscall_status(st);
    if (v->dead)
        return syscall_status(ZX_ERR_BAD_STATE);
    if ((st = check_protectable(v, addr, len, options)) != ZX_OK)
        return syscall_status(st);
    return syscall_status(vmar_protect(c->env->objects, v, addr, len, options));
}
