/* events.c: the event dispatcher: builds each event and hands it to the VM's sinks in order. */
#include "vm/events.h"

#include <errno.h>
#include <string.h>

#include "vm/vcpu.h"
#include "vm/vm.h"

int vm_events_add(struct vm_events *e, void (*on_event)(void *ctx, struct vm_event *ev), void *ctx)
{
    if (e->n == VM_EVENT_MAX_SINKS)
        return -ENOSPC;
    e->sinks[e->n++] = (struct vm_event_sink){on_event, ctx};
    return 0;
}

int vm_events_add_timed(struct vm_events *e, void (*on_event)(void *ctx, struct vm_event *ev), void *ctx)
{
    int rc = vm_events_add(e, on_event, ctx);
    if (rc == 0)
        e->timed = true;
    return rc;
}

/* The basename of the program as given (a process's kernel name is its whole path, cut at 31 bytes). */
static const char *program_basename(const struct vcpu *v)
{
    const char *program = vcpu_program(v);
    const char *slash = strrchr(program, '/');
    return slash && slash[1] ? slash + 1 : program;
}

/*
 * The process name, worked out once per vCPU: its program does not change.
 * Events of one vCPU may come from two threads (its own, a scenario's
 * clock), which at worst both store the same pointer.
 */
static const char *process_name(struct vm_events *e, const struct vcpu *v)
{
    if (v->id >= VM_MAX_PROCESSES)
        return program_basename(v);
    const char *name = __atomic_load_n(&e->names[v->id], __ATOMIC_RELAXED);
    if (!name) {
        name = program_basename(v);
        __atomic_store_n(&e->names[v->id], name, __ATOMIC_RELAXED);
    }
    return name;
}

/* Nanoseconds since the VM was created, when a sink needs them; 0 otherwise. */
static uint64_t event_time(const struct vcpu *v)
{
    return v->vm->events->timed ? syscall_host_now_ns() - v->vm->boot_ns : 0;
}

static struct vm_event event_at(struct vcpu *v, enum vm_event_kind kind, uint64_t t_ns)
{
    return (struct vm_event){
        .kind = kind, .vcpu = v, .proc = v->proc, .name = process_name(v->vm->events, v), .t_ns = t_ns};
}

static struct vm_event event_of(struct vcpu *v, enum vm_event_kind kind)
{
    return event_at(v, kind, event_time(v));
}

static void dispatch(struct vm *vm, struct vm_event *ev)
{
    for (unsigned i = 0; i < vm->events->n; i++)
        vm->events->sinks[i].on_event(vm->events->sinks[i].ctx, ev);
}

/* The BEFORE event has no time: no sink reads it, and the clock read that starts `dur_ns` has to come after
 * the BEFORE sinks ran (it times the call, not them). */
uint64_t vm_events_syscall(struct vcpu *v, struct syscall_call *call, uint32_t number)
{
    struct vm_event ev = event_at(v, VM_EVENT_SYSCALL_BEFORE, 0);
    ev.call = call;
    ev.number = number;
    dispatch(v->vm, &ev);
    bool timed = v->vm->events->timed;
    uint64_t start = timed ? syscall_host_now_ns() : 0;
    if (!ev.replaced)
        ev.ret = syscall_dispatch(call, number);
    ev.kind = VM_EVENT_SYSCALL_AFTER;
    if (timed) {
        uint64_t end = syscall_host_now_ns();
        ev.dur_ns = end - start;
        ev.t_ns = end - v->vm->boot_ns;
    }
    dispatch(v->vm, &ev);
    return ev.ret;
}

void vm_events_start(struct vcpu *v)
{
    struct vm_event ev = event_of(v, VM_EVENT_START);
    dispatch(v->vm, &ev);
}

void vm_events_exception(struct vcpu *v, unsigned vector, uint64_t rip, uint64_t cr2, uint64_t error_code)
{
    struct vm_event ev = event_of(v, VM_EVENT_EXCEPTION);
    ev.vector = vector;
    ev.rip = rip;
    ev.cr2 = cr2;
    ev.error_code = error_code;
    dispatch(v->vm, &ev);
}

bool vm_events_exec(struct vcpu *v, uint64_t addr)
{
    struct vm_event ev = event_of(v, VM_EVENT_EXEC);
    ev.rip = addr;
    dispatch(v->vm, &ev);
    return ev.replaced;
}

void vm_events_exit(struct vcpu *v)
{
    struct vm_event ev = event_of(v, VM_EVENT_EXIT);
    pthread_mutex_lock(&v->vm->lock);
    ev.end = v->proc->end;
    ev.code = v->proc->return_code;
    pthread_mutex_unlock(&v->vm->lock);
    dispatch(v->vm, &ev);
}

void vm_events_fault(struct vcpu *v, const char *id, const char *action)
{
    struct vm_event ev = event_of(v, VM_EVENT_FAULT);
    ev.fault_id = id;
    ev.fault_action = action;
    dispatch(v->vm, &ev);
}
