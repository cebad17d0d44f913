/* syscall.c: the table from syscall number to handler. */
#include "syscall/syscall.h"

#include <pthread.h>
#include <time.h>

#include <zircon/errors.h>
#include <zircon/rights.h>

#include "syscall/names.h"
#include "syscall/uaccess.h"
#include <zxvmm/abi.h>

typedef uint64_t (*syscall_handler)(struct syscall_call *c);

#define SYSCALL_ENTRY(num, name, nargs) [num] = sys_##name,
static const syscall_handler syscall_table[ZXVMM_SYSCALL_COUNT] = {ZXVMM_SYSCALLS(SYSCALL_ENTRY)};
#undef SYSCALL_ENTRY

uint64_t syscall_dispatch(struct syscall_call *call, uint64_t number)
{
    if (number >= ZXVMM_SYSCALL_COUNT || syscall_table[number] == NULL)
        return (uint64_t)(int64_t)ZX_ERR_BAD_SYSCALL;
    objects_lock(call->env->objects);
    uint64_t ret = syscall_table[number](call);
    pthread_mutex_unlock(call->env->objects->lock);
    return ret;
}

uint64_t syscall_host_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

struct pt_walk_ctx syscall_caller_walk(const struct syscall_call *c)
{
    return process_walk_ctx(c->caller, c->env->aspace);
}

zx_status_t syscall_handle(const struct syscall_call *c, zx_handle_t value, struct object **obj,
                           zx_rights_t *rights)
{
    return handle_table_get(&c->caller->handles, value, obj, rights);
}

zx_status_t syscall_store(const struct syscall_call *c, uint64_t ptr, const void *value, size_t size)
{
    struct pt_walk_ctx w = syscall_caller_walk(c);
    return uaccess_copy_out(&w, ptr, value, size);
}

zx_status_t syscall_give_handle(struct syscall_call *c, struct object *obj, zx_rights_t rights, uint64_t out)
{
    zx_handle_t value;
    zx_status_t st = handle_table_add(&c->caller->handles, obj, rights, &value);
    if (st != ZX_OK) {
        object_unref(c->env->objects, obj);
        return st;
    }
    if (syscall_store(c, out, &value, sizeof(value)) != ZX_OK) {
        handle_table_remove(&c->caller->handles, value, &obj, &rights);
        object_unref(c->env->objects, obj);
        return ZX_ERR_INVALID_ARGS;
    }
    return ZX_OK;
}

bool syscall_derive_rights(zx_rights_t have, zx_rights_t want, zx_rights_t *out)
{
    *out = want == ZX_RIGHT_SAME_RIGHTS ? have : want;
    return (have & *out) == *out;
}

bool syscall_stored_actual(const struct syscall_call *c, uint32_t number, uint64_t ret, uint64_t *actual)
{
    unsigned index;
    size_t size;
    if ((int64_t)ret != ZX_OK || !syscall_actual_arg(number, &index, &size) || c->arg[index] == 0)
        return false;
    struct pt_walk_ctx w = syscall_caller_walk(c);
    uint64_t value = 0; /* little-endian: a 4-byte count fills the low half */
    pthread_mutex_lock(c->env->objects->lock);
    zx_status_t st = uaccess_copy_in(&w, &value, c->arg[index], size);
    pthread_mutex_unlock(c->env->objects->lock);
    *actual = value;
    return st == ZX_OK;
}
