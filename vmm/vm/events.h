/* events.h: the event dispatcher: the run loop reports hypercalls, exceptions and process starts and ends
 * to the observers attached to the VM (the trace writer, a fault-injection scenario). */
#ifndef ZXVMM_VM_EVENTS_H
#define ZXVMM_VM_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "syscall/syscall.h"
#include "vm/vm.h"

#define VM_EVENT_MAX_SINKS 4

enum vm_event_kind {
    VM_EVENT_START,          /* a process is about to run its first instruction */
    VM_EVENT_EXIT,           /* a process ended (`end`, `code`) */
    VM_EVENT_SYSCALL_BEFORE, /* a hypercall from the vDSO, before any check */
    VM_EVENT_SYSCALL_AFTER,  /* the same call, done (`ret`, `dur_ns`) */
    VM_EVENT_EXCEPTION,      /* a CPU exception the shim reported, before its handler chain */
    VM_EVENT_FAULT,          /* a scenario's fault fired (`fault_id`, `fault_action`) */
    VM_EVENT_TIME,           /* a scenario's `time` trigger came due (made and seen by the scenario only) */
    VM_EVENT_EXEC,           /* a process reached a breakpoint the VMM planted for an exec trigger (`rip`) */
};

/*
 * One event, built on the reporting vCPU's thread (never under the object
 * lock) and handed to every sink in the order they were attached. A sink of
 * VM_EVENT_SYSCALL_BEFORE may set `replaced` and `ret` to make the call
 * return `ret` without running; one of VM_EVENT_SYSCALL_AFTER may change
 * `ret`; one of VM_EVENT_EXEC sets `replaced` when it sent the process into
 * an exception instead of the instruction at `rip`. Later sinks see what
 * earlier ones decided.
 */
struct vm_event {
    enum vm_event_kind kind;
    struct vcpu *vcpu;
    struct process *proc;
    const char *name; /* the process name scenarios and traces use: the basename of its program */
    uint64_t t_ns; /* nanoseconds since the VM was created; for a syscall, when it returned (0 in BEFORE) */
    /* Syscalls. */
    struct syscall_call *call;
    uint32_t number;
    bool replaced;   /* BEFORE: a sink made the call return `ret` without running it (exec: see above) */
    uint64_t ret;    /* AFTER: rax as the guest will see it */
    uint64_t dur_ns; /* AFTER: host time the call took (the call alone, not the sinks) */
    /* Exceptions; exec: `rip` is the breakpoint's address. */
    unsigned vector;
    uint64_t rip, cr2, error_code;
    /* Exits. */
    enum process_end end;
    int64_t code;
    /* Faults. */
    const char *fault_id, *fault_action;
    /* Time triggers: the `ms` that came due. */
    uint64_t ms;
};

struct vm_event_sink {
    void (*on_event)(void *ctx, struct vm_event *ev);
    void *ctx;
};

/*
 * The observers of one VM. vm->events is NULL while none is attached, so the
 * run loop pays one branch. The host clock is read only when a sink added
 * with vm_events_add_timed needs `t_ns` and `dur_ns` (the trace): then each
 * event reads it once and a syscall twice (around the call, for `dur_ns`; its
 * AFTER's `t_ns` is the second read, its BEFORE has none). Otherwise both
 * fields are 0 and a syscall reads no clock at all.
 */
struct vm_events {
    struct vm_event_sink sinks[VM_EVENT_MAX_SINKS];
    unsigned n;
    bool timed; /* a sink reads t_ns and dur_ns */
    /* Each vCPU's process name, by vCPU id, worked out at its first event. */
    const char *names[VM_MAX_PROCESSES];
};

/* Adds a sink that reads neither `t_ns` nor `dur_ns`; returns 0 or -ENOSPC. Call before vm_run. */
int vm_events_add(struct vm_events *e, void (*on_event)(void *ctx, struct vm_event *ev), void *ctx);

/* Adds a sink that reads `t_ns` and `dur_ns`: from then on the dispatcher reads the host clock. */
int vm_events_add_timed(struct vm_events *e, void (*on_event)(void *ctx, struct vm_event *ev), void *ctx);

/* True when someone observes the VM: the run loop's one branch per event site. */
#define VM_EVENTS_ATTACHED(vm) __builtin_expect((vm)->events != NULL, 0)

/*
 * Runs a hypercall with observers attached: BEFORE to every sink, the call
 * itself unless a sink replaced it, AFTER to every sink. Returns rax.
 */
uint64_t vm_events_syscall(struct vcpu *v, struct syscall_call *call, uint32_t number);

/* The `actual` an AFTER event's call stored (read back through its page tables); false when it has none. */
static inline bool vm_event_actual(const struct vm_event *ev, uint64_t *actual)
{
    return ev->kind == VM_EVENT_SYSCALL_AFTER && syscall_stored_actual(ev->call, ev->number, ev->ret, actual);
}

/* Reports a process start, a CPU exception, a process end. */
void vm_events_start(struct vcpu *v);
void vm_events_exception(struct vcpu *v, unsigned vector, uint64_t rip, uint64_t cr2, uint64_t error_code);
void vm_events_exit(struct vcpu *v);

/* Reports that the process reached `addr`, where an exec trigger's breakpoint is planted (hidden from the
 * guest). True when a sink raised an exception there instead (the instruction has not run). */
bool vm_events_exec(struct vcpu *v, uint64_t addr);

/* Reports a fault that fired (for sinks other than the one that fired it, such as the trace). */
void vm_events_fault(struct vcpu *v, const char *id, const char *action);

#endif
