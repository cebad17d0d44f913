/* sys_misc.c: zx_debug_write, time (zx_clock_get_monotonic, zx_deadline_after, zx_nanosleep),
 * zx_system_get_page_size. */
#include <stdint.h>

#include <zircon/errors.h>
#include <zircon/types.h>
#include <zxvmm/abi.h>

#include "syscall/syscall.h"
#include "syscall/uaccess.h"

#define DEBUG_WRITE_MAX 256

static zx_time_t now_zx(const struct syscall_env *env)
{
    return (zx_time_t)(syscall_host_now_ns() - env->boot_ns);
}

/* a + b, saturating at the ends of zx_time_t. */
static zx_time_t time_add_saturating(zx_time_t a, zx_duration_t b)
{
    zx_time_t sum;
    if (__builtin_add_overflow(a, b, &sum))
        return b > 0 ? ZX_TIME_INFINITE : ZX_TIME_INFINITE_PAST;
    return sum;
}

uint64_t sys_zx_debug_write(struct syscall_call *c)
{
    uint64_t buffer = c->arg[0];
    size_t size = (size_t)c->arg[1];
    struct pt_walk_ctx w = process_walk_ctx(c->caller, c->env->aspace);

    if (!c->env->options->enable_serial_syscalls)
        return (uint64_t)(int64_t)ZX_ERR_NOT_SUPPORTED;
    /* As Zircon, longer writes are cut to the first DEBUG_WRITE_MAX bytes without an error. */
    if (size > DEBUG_WRITE_MAX)
        size = DEBUG_WRITE_MAX;
    /* The whole range must be readable user memory before a byte is written. */
    if (size > 0 && buffer == 0)
        return (uint64_t)(int64_t)ZX_ERR_INVALID_ARGS;
    zx_status_t st;
    char bytes[DEBUG_WRITE_MAX];
    st = uaccess_copy_in(&w, bytes, buffer, size);
    if (st != ZX_OK)
        return (uint64_t)(int64_t)st;
    c->env->console_write(c->env->host, bytes, size);
    return ZX_OK;
}

uint64_t sys_zx_clock_get_monotonic(struct syscall_call *c)
{
    return (uint64_t)now_zx(c->env);
}

uint64_t sys_zx_deadline_after(struct syscall_call *c)
{
    return (uint64_t)time_add_saturating(now_zx(c->env), (zx_duration_t)c->arg[0]);
}

uint64_t syscall_host_deadline(const struct syscall_env *env, zx_time_t deadline)
{
    if (deadline == ZX_TIME_INFINITE)
        return UINT64_MAX;
    if (deadline <= 0)
        return env->boot_ns;
    uint64_t host;
    if (__builtin_add_overflow(env->boot_ns, (uint64_t)deadline, &host))
        return UINT64_MAX;
    return host;
}

uint64_t sys_zx_nanosleep(struct syscall_call *c)
{
    zx_time_t deadline = (zx_time_t)c->arg[0];
    if (deadline <= now_zx(c->env))
        return ZX_OK;
    int rc;
    while ((rc = c->env->block(c->env->host, syscall_host_deadline(c->env, deadline))) == 0)
        ;
    return rc == SYSCALL_BLOCK_SUSPENDED ? syscall_restart(c) : ZX_OK;
}

uint64_t sys_zx_system_get_page_size(struct syscall_call *c)
{
    return ZXVMM_PAGE_SIZE;
}
