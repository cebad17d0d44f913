/* target.h: the gdb target over a VM: all-stop holds, stops gdb sees first, breakpoints (debug/hostbp.h),
 * memory and registers, all through the debug core. Shared by the server (server.c) and its target
 * (target.c). */
#ifndef ZXVMM_GDB_TARGET_H
#define ZXVMM_GDB_TARGET_H

#include <stdbool.h>
#include <stdint.h>

#include "debug/debug.h"
#include "debug/hostbp.h"
#include "gdb/stub.h"
#include "vm/vm.h"

/* What the stub knows of one process's thread (indexed by vCPU id). Under the VM lock. */
struct gdb_thread_state {
    bool held;       /* one debug_hold of ours is on it */
    bool stepping;   /* resumed with the trap flag by gdb */
    bool event;      /* parked in the exception hook with `stop` to report */
    bool reported;   /* gdb has been told of `stop` */
    bool resumed;    /* gdb resumed it since the last stop: only such threads' events are reported */
    bool ours;       /* the event is a breakpoint or step gdb caused: never reaches the guest */
    int pass_signal; /* resumed with this signal: the exception goes on to the guest's handlers */
    struct gdb_stop stop;
};

struct gdb_vm_target {
    struct vm *vm;
    const char
        *programs[VM_MAX_PROCESSES]; /* each vCPU's program path (argv[0]), for names and "same program" */
    struct vcpu *main;
    struct debug_host_debugger hook;
    struct gdb_target ops;
    int wake_fd;     /* written (one byte) when a thread stops for gdb */
    bool attached;   /* a gdb session controls the VM: exceptions stop for it */
    bool killed;     /* gdb asked to kill the VM */
    int main_signal; /* the signal of the main process's last stop, for an X reply */
    struct gdb_thread_state threads[VM_MAX_PROCESSES];
    /* gdb's breakpoints (HOSTBP_GDB): in the VM's table beside the exec triggers' when a scenario made one
     * (objects.host_bps), else in `own_bps`. */
    struct hostbp_table *bps;
    struct hostbp_table own_bps;
};

/* Sets up `t` for `vm` (ops, hook); holds nothing yet. */
void gdb_target_init(struct gdb_vm_target *t, struct vm *vm, struct vcpu *main, const char *const programs[],
                     int wake_fd);

/* Holds every live thread not held yet (all-stop). Lock held. */
void gdb_target_stop_all(struct gdb_vm_target *t);

/* Waits (lock held, released meanwhile) until every live thread is parked or `timeout_ns` passes. */
bool gdb_target_wait_stopped(struct gdb_vm_target *t, uint64_t timeout_ns);

/* The next stop gdb has not heard of, marked reported; false when none. Lock held. */
bool gdb_target_take_event(struct gdb_vm_target *t, struct gdb_stop *out);

/* A stop of the whole VM gdb did not ask for (attach, Ctrl-C): on the main process if alive. Lock held. */
void gdb_target_stop_reply(struct gdb_vm_target *t, int signal, struct gdb_stop *out);

/* Removes every breakpoint and lets every thread go (pending guest exceptions go on). Lock held. */
void gdb_target_detach(struct gdb_vm_target *t);

#endif
