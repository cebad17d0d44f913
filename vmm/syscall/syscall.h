/* syscall.h: the hypercall dispatch table and what handlers may ask of the VM. */
#ifndef ZXVMM_SYSCALL_SYSCALL_H
#define ZXVMM_SYSCALL_SYSCALL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/options.h"
#include "object/object.h"
#include "object/process.h"

#define SYSCALL_MAX_ARGS 8

/*
 * Services of the VM a handler may use, one instance per vCPU. Handlers never
 * call KVM; they reach the rest of the VM only through these.
 */
struct syscall_env {
    struct objects *objects; /* its lock is held while a handler runs */
    const struct aspace_env *aspace;
    const struct boot_options *options;
    uint64_t boot_ns; /* host CLOCK_MONOTONIC at VM creation: zx time 0 */
    /*
     * Writes guest console output to stdout, whole and unmixed with other
     * writers. Called with the object lock held, it lets the lock go while it
     * waits for stdout (a handler must not rely on anything it looked at
     * before), and gives the write up once the caller is being stopped.
     */
    void (*console_write)(void *host, const void *buf, size_t len);
    /*
     * Waits, releasing the object lock, until something changes (a signal
     * rises, a process ends), `deadline_ns` (host monotonic) passes, or the
     * caller is being stopped. Returns 0 (look again), -ETIMEDOUT, -EINTR, or
     * SYSCALL_BLOCK_SUSPENDED: the caller's thread is being suspended, and the
     * handler must return syscall_restart(call) with nothing changed, so that
     * the thread parks at the syscall boundary and the call starts over when
     * it resumes (as in Zircon).
     */
    int (*block)(void *host, uint64_t deadline_ns);
    void *host;
};

/* What `block` returns when the caller is being suspended (see above). */
#define SYSCALL_BLOCK_SUSPENDED (-EAGAIN)

/* One trapped call: the caller, its arguments, and what the handler decided. */
struct syscall_call {
    const struct syscall_env *env;
    struct process *caller;
    uint64_t arg[SYSCALL_MAX_ARGS]; /* rdi, rsi, rdx, r10, r8, r9, r12, r13 */
    bool exit;                      /* the caller exited: do not resume it */
    bool restart;                   /* park the caller (being suspended), then run the call again */
    int64_t exit_code;              /* its return code when `exit` */
};

/*
 * Runs syscall `number` for `call` under the object lock; returns the value
 * for rax. An unknown number returns ZX_ERR_BAD_SYSCALL. Never exits, aborts
 * or asserts on guest input.
 */
uint64_t syscall_dispatch(struct syscall_call *call, uint64_t number);

/* The host monotonic time of a zx deadline (saturating; ZX_TIME_INFINITE is UINT64_MAX). */
uint64_t syscall_host_deadline(const struct syscall_env *env, zx_time_t deadline);

/* Host CLOCK_MONOTONIC in nanoseconds. */
uint64_t syscall_host_now_ns(void);

/* A status as rax carries it. */
static inline uint64_t syscall_status(zx_status_t st)
{
    return (uint64_t)(int64_t)st;
}

/* A blocking call interrupted by a suspension (see `block`): it runs again once the thread resumes. */
static inline uint64_t syscall_restart(struct syscall_call *c)
{
    c->restart = true;
    return syscall_status(ZX_ERR_INTERNAL_INTR_RETRY);
}

/* The caller's own page tables. */
struct pt_walk_ctx syscall_caller_walk(const struct syscall_call *c);

/*
 * The `actual` count syscall `number` stored for `c` when it returned `ret`,
 * read back through the caller's page tables (taking the object lock); false
 * when the call has none, failed, or was given no pointer for it.
 */
bool syscall_stored_actual(const struct syscall_call *c, uint32_t number, uint64_t ret, uint64_t *actual);

/* Looks up a handle of the caller: ZX_OK, or ZX_ERR_BAD_HANDLE. */
zx_status_t syscall_handle(const struct syscall_call *c, zx_handle_t value, struct object **obj,
                           zx_rights_t *rights);

/*
 * Gives the caller a new handle to `obj` (whose reference for it the caller
 * of this function already took) and stores its value at the caller's `out`
 * (4 bytes, user-writable). On failure the reference is dropped and no handle
 * remains: ZX_ERR_NO_RESOURCES (table full) or ZX_ERR_INVALID_ARGS (bad `out`).
 */
zx_status_t syscall_give_handle(struct syscall_call *c, struct object *obj, zx_rights_t rights, uint64_t out);

/*
 * The rights a new handle gets from one with `have`: all of them for
 * ZX_RIGHT_SAME_RIGHTS, else `want`, which must ask for no more (false).
 */
bool syscall_derive_rights(zx_rights_t have, zx_rights_t want, zx_rights_t *out);

/* Stores a value at a caller pointer (all or nothing): ZX_OK or ZX_ERR_INVALID_ARGS. */
zx_status_t syscall_store(const struct syscall_call *c, uint64_t ptr, const void *value, size_t size);

/* Handlers, one file per family. */
uint64_t sys_zx_handle_close(struct syscall_call *c);
uint64_t sys_zx_handle_duplicate(struct syscall_call *c);
uint64_t sys_zx_handle_replace(struct syscall_call *c);
uint64_t sys_zx_object_get_info(struct syscall_call *c);
uint64_t sys_zx_object_get_child(struct syscall_call *c);
uint64_t sys_zx_object_wait_one(struct syscall_call *c);
uint64_t sys_zx_task_kill(struct syscall_call *c);
uint64_t sys_zx_vmo_create(struct syscall_call *c);
uint64_t sys_zx_vmo_read(struct syscall_call *c);
uint64_t sys_zx_vmo_write(struct syscall_call *c);
uint64_t sys_zx_vmo_get_size(struct syscall_call *c);
uint64_t sys_zx_vmo_set_cache_policy(struct syscall_call *c);
uint64_t sys_zx_vmar_map(struct syscall_call *c);
uint64_t sys_zx_vmar_unmap(struct syscall_call *c);
uint64_t sys_zx_vmar_protect(struct syscall_call *c);
uint64_t sys_zx_process_write_memory(struct syscall_call *c);
uint64_t sys_zx_process_read_memory(struct syscall_call *c);
uint64_t sys_zx_process_exit(struct syscall_call *c);
uint64_t sys_zx_debug_write(struct syscall_call *c);
uint64_t sys_zx_nanosleep(struct syscall_call *c);
uint64_t sys_zx_clock_get_monotonic(struct syscall_call *c);
uint64_t sys_zx_deadline_after(struct syscall_call *c);
uint64_t sys_zx_system_get_page_size(struct syscall_call *c);
uint64_t sys_zx_task_create_exception_channel(struct syscall_call *c);
uint64_t sys_zx_channel_read(struct syscall_call *c);
uint64_t sys_zx_exception_get_thread(struct syscall_call *c);
uint64_t sys_zx_exception_get_process(struct syscall_call *c);
uint64_t sys_zx_object_get_property(struct syscall_call *c);
uint64_t sys_zx_object_set_property(struct syscall_call *c);
uint64_t sys_zx_thread_read_state(struct syscall_call *c);
uint64_t sys_zx_thread_write_state(struct syscall_call *c);
uint64_t sys_zx_task_suspend(struct syscall_call *c);
uint64_t sys_zx_task_suspend_token(struct syscall_call *c);

#endif
