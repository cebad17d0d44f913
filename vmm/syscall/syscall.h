/* syscall.h: the hypercall dispatch table and what handlers may ask of the VM. */
#ifndef ZXVMM_SYSCALL_SYSCALL_H
#define ZXVMM_SYSCALL_SYSCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/options.h"
#include "object/process.h"

#define SYSCALL_MAX_ARGS 8

/*
 * Services of the VM a handler may use, one instance per vCPU. Handlers never
 * call KVM; they reach the rest of the VM only through these.
 */
struct syscall_env {
    const struct aspace_env *aspace;
    const struct boot_options *options;
    uint64_t boot_ns; /* host CLOCK_MONOTONIC at VM creation: zx time 0 */
    /* Writes guest console output to stdout, whole and unmixed with other writers. */
    void (*console_write)(void *host, const void *buf, size_t len);
    /* Blocks until the host monotonic clock reaches `deadline_ns` or the caller is being stopped. */
    void (*sleep_until)(void *host, uint64_t deadline_ns);
    void *host;
};

/* One trapped call: the caller, its arguments, and what the handler decided. */
struct syscall_call {
    const struct syscall_env *env;
    struct process *caller;
    uint64_t arg[SYSCALL_MAX_ARGS]; /* rdi, rsi, rdx, r10, r8, r9, r12, r13 */
    bool exit;                      /* the caller exited: do not resume it */
    int64_t exit_code;              /* its return code when `exit` */
};

/*
 * Runs syscall `number` for `call`; returns the value for rax. An unknown
 * number returns ZX_ERR_BAD_SYSCALL. Never exits, aborts or asserts on guest
 * input.
 */
uint64_t syscall_dispatch(struct syscall_call *call, uint64_t number);

/* Host CLOCK_MONOTONIC in nanoseconds. */
uint64_t syscall_host_now_ns(void);

/* Handlers, one file per family. */
uint64_t sys_zx_handle_close(struct syscall_call *c);
uint64_t sys_zx_process_exit(struct syscall_call *c);
uint64_t sys_zx_debug_write(struct syscall_call *c);
uint64_t sys_zx_nanosleep(struct syscall_call *c);
uint64_t sys_zx_clock_get_monotonic(struct syscall_call *c);
uint64_t sys_zx_deadline_after(struct syscall_call *c);
uint64_t sys_zx_system_get_page_size(struct syscall_call *c);

#endif
