/* inject.c: matching events against a scenario's faults and applying their actions through the code the
 * syscalls use. */
#include "inject/inject.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zircon/errors.h>
#include <zircon/syscalls/exception.h>

#include "boot/elf.h"
#include "boot/symbols.h"
#include "debug/hostbp.h"
#include "object/handle.h"
#include "object/vmar.h"
#include "syscall/names.h"
#include "vm/seccomp.h"
#include "vm/vcpu.h"
#include "vm/vm.h"

#define INJECT_STR_(x) #x
#define INJECT_STR(x)  INJECT_STR_(x)

/* Syscall counts per process: one bucket per number, and one for numbers the ABI has not. */
#define INJECT_CALL_BUCKETS (ZXVMM_SYSCALL_COUNT + 1)

/* A data action with a lifespan, waiting to be undone. */
struct undo {
    bool pending;
    uint64_t left;           /* passing events until it is undone */
    struct process *process; /* the target */
    uint64_t addr;           /* the bytes it changed */
    unsigned bytes;
    uint64_t mask;                      /* the bits it changed */
    uint8_t before[SCENARIO_MAX_BYTES]; /* their values before the first firing */
};

struct inject {
    const struct scenario *s;
    struct vm *vm;
    struct rng rng;
    struct fault_counter counters[SCENARIO_MAX_FAULTS];
    struct undo undo[SCENARIO_MAX_FAULTS];
    struct inject_result *out;
    struct hooks *hooks;                                   /* NULL when the scenario has none */
    unsigned hook_slot[HOOK_COUNT];                        /* each hook's entry in out->faults */
    uint64_t calls[VM_MAX_PROCESSES][INJECT_CALL_BUCKETS]; /* hooks' ev.n */
    /* `time` triggers: a thread of their own from inject_start to inject_stop. */
    pthread_t timer;
    bool timer_running, stopping;
    pthread_mutex_t timer_lock;
    pthread_cond_t timer_cond; /* on CLOCK_MONOTONIC */
    pthread_mutex_t
        lock; /* counters, the generator, the hooks' state and the results, whichever vCPU reports */
    struct hostbp_table *bps; /* exec triggers' breakpoints (the VM's objects.host_bps); NULL: none */
};

int inject_check_supported(const struct scenario *s, const char *file, char *err, size_t errlen)
{
    for (unsigned i = 0; i < s->nfaults; i++) {
        const struct fault *f = &s->faults[i];
        const char *what = NULL;
        if (f->action.kind == ACTION_UNCACHE || f->action.kind == ACTION_REG ||
            f->action.kind == ACTION_EXCEPTION)
            what = scenario_action_name(f->action.kind);
        else if (f->action.lifespan && f->action.kind == ACTION_REG)
            what = "lifespan";
        if (what) {
            snprintf(err, errlen, "%s:%d: fault '%s': %s is not supported by this zxvmm yet", file, f->line,
                     f->id, what);
            return -1;
        }
    }
    return 0;
}

#define INJECT_PROGRAM_MAX (256ULL << 20) /* the largest program whose symbols an exec trigger reads */

/* The program of the process an exec fault names (basename of its argv[0]), or the main program; NULL. */
static const char *exec_program(const struct scenario *s, const struct fault *f)
{
    if (f->process[0] == '\0')
        return s->program.argv ? s->program.argv[0] : NULL;
    for (int i = -1; i < s->nspawn; i++) {
        const struct scenario_program *p = i < 0 ? &s->program : &s->spawn[i];
        if (!p->argv || !p->argv[0])
            continue;
        const char *slash = strrchr(p->argv[0], '/');
        if (strcmp(slash && slash[1] ? slash + 1 : p->argv[0], f->process) == 0)
            return p->argv[0];
    }
    return NULL;
}

int inject_resolve_exec(struct scenario *s, const char *file, char *err, size_t errlen)
{
    for (unsigned i = 0; i < s->nfaults; i++) {
        struct fault *f = &s->faults[i];
        if (f->on != FAULT_ON_EXEC || f->symbol[0] == '\0')
            continue;
        const char *program = exec_program(s, f);
        if (!program) {
            snprintf(err, errlen, "%s:%d: fault '%s': symbol '%s': no program of the scenario is named '%s'",
                     file, f->line, f->id, f->symbol, f->process);
            return -1;
        }
        uint8_t *elf = NULL;
        size_t size = 0;
        char why[256];
        if (elf_read_file(program, INJECT_PROGRAM_MAX, &elf, &size, why, sizeof(why)) != 0) {
            snprintf(err, errlen, "%s:%d: fault '%s': symbol '%s': %s", file, f->line, f->id, f->symbol, why);
            return -1;
        }
        bool found = symbols_find(elf, size, f->symbol, &f->addr);
        free(elf);
        if (!found) {
            snprintf(err, errlen, "%s:%d: fault '%s': symbol '%s' is not in the symbol table of %s", file,
                     f->line, f->id, f->symbol, program);
            return -1;
        }
    }
    return 0;
}

/* zx.log's sink: appends a line to the run's log, cut at its size. */
static void append_log(void *ctx, const char *text, size_t len)
{
    struct inject_result *out = ctx;
    size_t room = sizeof(out->log) - 1 - out->log_len;
    if (len > room)
        len = room;
    memcpy(out->log + out->log_len, text, len);
    out->log_len += len;
    if (out->log_len < sizeof(out->log) - 1)
        out->log[out->log_len++] = '\n';
    out->log[out->log_len] = '\0';
}

struct inject *inject_new(const struct scenario *s, struct vm *vm, uint64_t seed, struct inject_result *out)
{
    memset(out, 0, sizeof(*out));
    struct inject *in = calloc(1, sizeof(*in));
    if (!in) {
        out->failed = true;
        snprintf(out->failure, sizeof(out->failure), "out of host memory for the scenario");
        return NULL;
    }
    in->s = s;
    in->vm = vm;
    in->rng = rng_seeded(seed);
    in->out = out;
    out->nfaults = s->nfaults;
    for (unsigned i = 0; i < s->nfaults; i++) {
        in->counters[i] = s->faults[i].counter;
        out->faults[i].applied = true;
        snprintf(out->faults[i].id, sizeof(out->faults[i].id), "%s", s->faults[i].id);
    }
    if (s->on_syscall || s->on_exception || s->on_exit) {
        char err[sizeof(out->failure)];
        if (!(in->hooks = hooks_new(s, &in->rng, append_log, out, err, sizeof(err)))) {
            out->failed = true;
            snprintf(out->failure, sizeof(out->failure), "%s", err);
            free(in);
            return NULL;
        }
        for (int k = 0; k < HOOK_COUNT; k++) {
            if (!hooks_has(in->hooks, (enum hook_kind)k))
                continue;
            in->hook_slot[k] = out->nfaults;
            out->faults[out->nfaults].applied = true;
            snprintf(out->faults[out->nfaults++].id, SCENARIO_NAME_MAX, "%s", hook_name((enum hook_kind)k));
        }
    }
    for (unsigned i = 0; i < s->nfaults && !in->bps; i++) {
        if (s->faults[i].on != FAULT_ON_EXEC)
            continue;
        if (!(in->bps = calloc(1, sizeof(*in->bps)))) {
            out->failed = true;
            snprintf(out->failure, sizeof(out->failure), "out of host memory for the exec triggers");
            hooks_free(in->hooks);
            free(in);
            return NULL;
        }
        vm->objects.host_bps = in->bps; /* before any vCPU runs */
    }
    pthread_mutex_init(&in->lock, NULL);
    pthread_mutex_init(&in->timer_lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&in->timer_cond, &attr);
    pthread_condattr_destroy(&attr);
    return in;
}

void inject_free(struct inject *in)
{
    if (!in)
        return;
    inject_stop(in);
    hooks_free(in->hooks);
    free(in->bps);
    pthread_cond_destroy(&in->timer_cond);
    pthread_mutex_destroy(&in->timer_lock);
    pthread_mutex_destroy(&in->lock);
    free(in);
}

/* The vCPU of the process named `name` (the basename of its program), or NULL. */
static struct vcpu *find_process(struct vm *vm, const char *name)
{
    for (unsigned i = 0; i < vm->nvcpus; i++) {
        const char *program = vcpu_program(vm->vcpus[i]);
        const char *slash = strrchr(program, '/');
        if (strcmp(slash && slash[1] ? slash + 1 : program, name) == 0)
            return vm->vcpus[i];
    }
    return NULL;
}

/* Whether the event is of the fault's kind and passes its filters. */
static bool passes_filters(const struct fault *f, const struct vm_event *ev)
{
    switch (f->on) {
    case FAULT_ON_SYSCALL:
        if ((ev->kind != VM_EVENT_SYSCALL_BEFORE && ev->kind != VM_EVENT_SYSCALL_AFTER) ||
            (ev->kind == VM_EVENT_SYSCALL_AFTER) != f->after || ev->number != f->number)
            return false;
        for (unsigned i = 0; i < SCENARIO_MAX_ARGS; i++)
            if (f->arg[i].set && (ev->call->arg[i] < f->arg[i].lo || ev->call->arg[i] > f->arg[i].hi))
                return false;
        break;
    case FAULT_ON_EXCEPTION:
        if (ev->kind != VM_EVENT_EXCEPTION || (f->vector >= 0 && (unsigned)f->vector != ev->vector))
            return false;
        break;
    case FAULT_ON_EXEC:
        if (ev->kind != VM_EVENT_EXEC || ev->rip != f->addr)
            return false;
        break;
    case FAULT_ON_START:
        if (ev->kind != VM_EVENT_START)
            return false;
        break;
    case FAULT_ON_EXIT:
        if (ev->kind != VM_EVENT_EXIT)
            return false;
        break;
    case FAULT_ON_TIME: /* no process of its own: `process` does not filter it */
        return ev->kind == VM_EVENT_TIME && ev->ms == f->ms;
    default:
        return false;
    }
    return f->process[0] == '\0' || strcmp(f->process, ev->name) == 0;
}

/* The event's size for `space`: the call's size argument, 0 for other events. */
static uint64_t event_size(const struct vm_event *ev)
{
    unsigned index;
    if ((ev->kind == VM_EVENT_SYSCALL_BEFORE || ev->kind == VM_EVENT_SYSCALL_AFTER) &&
        syscall_size_arg(ev->number, &index))
        return ev->call->arg[index];
    return 0;
}

static const char *event_label(const struct vm_event *ev)
{
    switch (ev->kind) {
    case VM_EVENT_START:
        return "start";
    case VM_EVENT_EXIT:
        return "exit";
    case VM_EVENT_EXCEPTION:
        return "exception";
    case VM_EVENT_TIME:
        return "time";
    case VM_EVENT_EXEC:
        return "exec";
    default: {
        const char *name = syscall_name(ev->number);
        return name ? name : "syscall";
    }
    }
}

/* The host bytes of [addr, addr + n) in `p`, through its own page tables (user pages only); false when one is
 * not mapped. vm lock held. */
static bool user_bytes(struct vm *vm, struct process *p, uint64_t addr, unsigned n,
                       uint8_t *bytes[SCENARIO_MAX_BYTES])
{
    struct pt_walk_ctx w = process_walk_ctx(p, &vm->env);
    for (unsigned i = 0; i < n; i++) {
        struct pt_walk_result r;
        if (pt_walk(&w, gva(addr + i), &r) != 0 || !r.user || !(bytes[i] = mem_ptr(&vm->ram, r.pa, 1)))
            return false;
    }
    return true;
}

/*
 * flip, set0, set1 on `bytes` bytes at addr in the target (vm lock held). With
 * `undo`, the changed bits' first values are kept so that they can be put back
 * after the action's lifespan.
 */
static bool change_bits(struct vm *vm, struct process *p, const struct fault_action *a, struct undo *undo,
                        char *why, size_t len)
{
    uint8_t *bytes[SCENARIO_MAX_BYTES];
    if (!user_bytes(vm, p, a->addr, a->bytes, bytes)) {
        snprintf(why, len, "[0x%llx, +%u) is not mapped in %s", (unsigned long long)a->addr, a->bytes,
                 p->name);
        return false;
    }
    if (undo) { /* fired again before it was undone: the first values stay, the lifespan starts over */
        if (!undo->pending) {
            for (unsigned i = 0; i < a->bytes; i++)
                undo->before[i] = *bytes[i];
            undo->mask = 0;
        }
        undo->pending = true;
        undo->left = a->lifespan;
        undo->process = p;
        undo->addr = a->addr;
        undo->bytes = a->bytes;
        undo->mask |= a->mask;
    }
    for (unsigned i = 0; i < a->bytes; i++) {
        uint8_t m = (uint8_t)(a->mask >> (8 * i));
        *bytes[i] = a->kind == ACTION_FLIP   ? *bytes[i] ^ m
                    : a->kind == ACTION_SET0 ? *bytes[i] & ~m
                                             : *bytes[i] | m;
    }
    return true;
}

/* Puts the bits a data action changed back to their first values (where the page is still mapped). */
static void undo_bits(struct inject *in, struct undo *u)
{
    uint8_t *bytes[SCENARIO_MAX_BYTES];
    pthread_mutex_lock(&in->vm->lock);
    if (!process_is_dying(u->process) && user_bytes(in->vm, u->process, u->addr, u->bytes, bytes))
        for (unsigned i = 0; i < u->bytes; i++) {
            uint8_t m = (uint8_t)(u->mask >> (8 * i));
            *bytes[i] = (uint8_t)((*bytes[i] & ~m) | (u->before[i] & m));
        }
    pthread_mutex_unlock(&in->vm->lock);
    u->pending = false;
}

/* The state actions and data actions on another process, under the VM lock. */
static bool apply_to_process(struct inject *in, const struct fault_action *a, struct undo *undo, char *why,
                             size_t len)
{
    struct vcpu *target = find_process(in->vm, a->process);
    if (!target) {
        snprintf(why, len, "no process named %s", a->process);
        return false;
    }
    struct process *p = target->proc;
    bool ok = true;
    pthread_mutex_lock(&in->vm->lock);
    if (process_is_dying(p)) {
        snprintf(why, len, "process %s has already ended", a->process);
        ok = false;
    } else if (a->kind == ACTION_KILL) {
        process_kill(&in->vm->objects, p); /* as zx_task_kill does */
    } else if (a->kind == ACTION_UNMAP) {
        if (vmar_unmap(&in->vm->objects, &p->vmar, a->addr, a->len) < 0) { /* as zx_vmar_unmap does */
            snprintf(why, len, "zx_vmar_unmap of [0x%llx, +0x%llx) in %s refused",
                     (unsigned long long)a->addr, (unsigned long long)a->len, a->process);
            ok = false;
        }
    } else {
        ok = change_bits(in->vm, p, a, undo, why, len);
    }
    pthread_mutex_unlock(&in->vm->lock);
    return ok;
}

/* Actions on the call being made: fail, short, revoke. */
static bool apply_to_call(struct inject *in, const struct fault_action *a, struct vm_event *ev, char *why,
                          size_t len)
{
    unsigned index, actual;
    size_t actual_size;
    if (ev->kind != VM_EVENT_SYSCALL_BEFORE && ev->kind != VM_EVENT_SYSCALL_AFTER) {
        snprintf(why, len, "%s applies to syscall triggers only", scenario_action_name(a->kind));
        return false;
    }
    if (a->kind == ACTION_FAIL) {
        ev->replaced = ev->kind == VM_EVENT_SYSCALL_BEFORE;
        ev->ret = (uint64_t)(int64_t)a->status;
        return true;
    }
    if (ev->kind != VM_EVENT_SYSCALL_BEFORE) {
        snprintf(why, len, "%s needs when = \"before\"", scenario_action_name(a->kind));
        return false;
    }
    if (a->kind == ACTION_SHORT) {
        if (!syscall_actual_arg(ev->number, &actual, &actual_size) || !syscall_size_arg(ev->number, &index)) {
            snprintf(why, len, "%s reports no count", event_label(ev));
            return false;
        }
        if (ev->call->arg[index] > a->count)
            ev->call->arg[index] = a->count;
        return true;
    }
    /* revoke: the handle in the first argument loses the rights, as after zx_handle_replace. */
    pthread_mutex_lock(&in->vm->lock);
    zx_status_t st = handle_table_restrict(&ev->proc->handles, (zx_handle_t)ev->call->arg[0], a->rights);
    pthread_mutex_unlock(&in->vm->lock);
    if (st != ZX_OK)
        snprintf(why, len, "the first argument 0x%llx is not a handle of %s",
                 (unsigned long long)ev->call->arg[0], ev->name);
    return st == ZX_OK;
}

/*
 * Applies a fault's action; false with `why` when it cannot. *delay_ms gets a
 * stall to make unlocked. `undo` (NULL: none) keeps what a data action with a
 * lifespan must put back.
 */
static bool apply_action(struct inject *in, const struct fault_action *a, struct vm_event *ev,
                         struct undo *undo, uint64_t *delay_ms, char *why, size_t len)
{
    switch (a->kind) {
    case ACTION_FAIL:
    case ACTION_SHORT:
    case ACTION_REVOKE:
        return apply_to_call(in, a, ev, why, len);
    case ACTION_KILL:
    case ACTION_UNMAP:
    case ACTION_FLIP:
    case ACTION_SET0:
    case ACTION_SET1:
        return apply_to_process(in, a, undo, why, len);
    case ACTION_DEBUGGING:
        pthread_mutex_lock(&in->vm->lock);
        in->vm->options.enable_debugging_syscalls = false; /* the boot option every debugging syscall reads */
        pthread_mutex_unlock(&in->vm->lock);
        return true;
    case ACTION_DELAY:
        if (ev->kind == VM_EVENT_TIME) {
            snprintf(why, len, "delay stalls the calling vCPU, and a time trigger has none");
            return false;
        }
        *delay_ms += a->count;
        return true;
    default:
        snprintf(why, len, "%s is not supported yet", scenario_action_name(a->kind));
        return false;
    }
}

/* Records a firing of results entry i at the event's index n in the results. */
static void record(struct inject *in, unsigned i, const struct vm_event *ev, uint64_t n, bool applied,
                   const char *why)
{
    struct inject_fault_result *r = &in->out->faults[i];
    if (r->fired++ == 0) {
        r->have_first = true;
        snprintf(r->first_process, sizeof(r->first_process), "%s", ev->name);
        snprintf(r->first_event, sizeof(r->first_event), "%s", event_label(ev));
        r->first_n = n;
    }
    if (!applied && r->applied) {
        r->applied = false;
        snprintf(r->why, sizeof(r->why), "%s", why);
    }
}

/* A stall of `ms`, cut short when the vCPU is being stopped (so a timeout or the run's end still stops it).
 */
static void stall(struct vcpu *v, uint64_t ms)
{
    for (uint64_t done = 0; done < ms && !__atomic_load_n(&v->stop, __ATOMIC_ACQUIRE); done += 10) {
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)(ms - done < 10 ? ms - done : 10) * 1000000};
        nanosleep(&ts, NULL);
    }
}

/* A hook failed: the run ends as a vmm_error, every process killed, the reason kept. Both locks order: ours,
 * then the VM's. */
static void fail_run(struct inject *in, const char *why)
{
    in->out->failed = true;
    snprintf(in->out->failure, sizeof(in->out->failure), "%s", why);
    pthread_mutex_lock(&in->vm->lock);
    for (unsigned i = 0; i < in->vm->nvcpus; i++)
        if (!process_is_dying(in->vm->vcpus[i]->proc))
            process_kill(&in->vm->objects, in->vm->vcpus[i]->proc);
    pthread_mutex_unlock(&in->vm->lock);
}

/* The hook that sees `ev`, or HOOK_COUNT. */
static enum hook_kind hook_of(const struct vm_event *ev)
{
    switch (ev->kind) {
    case VM_EVENT_SYSCALL_BEFORE:
    case VM_EVENT_SYSCALL_AFTER:
        return HOOK_ON_SYSCALL;
    case VM_EVENT_EXCEPTION:
        return HOOK_ON_EXCEPTION;
    case VM_EVENT_EXIT:
        return HOOK_ON_EXIT;
    default:
        return HOOK_COUNT;
    }
}

/* ev.n of a syscall event: its count in its process, from 1 (counted at BEFORE). */
static uint64_t call_count(struct inject *in, const struct vm_event *ev)
{
    unsigned p = 0;
    while (p < in->vm->nvcpus && in->vm->vcpus[p] != ev->vcpu)
        p++;
    if (p >= VM_MAX_PROCESSES || (ev->kind != VM_EVENT_SYSCALL_BEFORE && ev->kind != VM_EVENT_SYSCALL_AFTER))
        return 0;
    uint64_t *count = &in->calls[p][ev->number < ZXVMM_SYSCALL_COUNT ? ev->number : ZXVMM_SYSCALL_COUNT];
    return ev->kind == VM_EVENT_SYSCALL_BEFORE ? ++*count : *count;
}

/* Calls the event's hook, if any, and applies the action it returns; returns the results entry that fired or
 * -1. */
static int run_hook(struct inject *in, struct vm_event *ev, struct fault_action *a, uint64_t *delay_ms)
{
    enum hook_kind kind = hook_of(ev);
    if (!hooks_has(in->hooks, kind) || in->out->failed)
        return -1;
    uint64_t n = call_count(in, ev);
    char err[sizeof(in->out->failure)];
    int rc = hooks_call(in->hooks, kind, ev, n, a, err, sizeof(err));
    if (rc < 0)
        fail_run(in, err);
    if (rc <= 0)
        return -1;
    char why[128] = "a hook's action cannot have a lifespan yet";
    bool applied = !a->lifespan && apply_action(in, a, ev, NULL, delay_ms, why, sizeof(why));
    record(in, in->hook_slot[kind], ev, n, applied, why);
    return (int)in->hook_slot[kind];
}

static void handle_event(struct inject *in, struct vm_event *ev)
{
    unsigned fired[2 * SCENARIO_MAX_FAULTS + 1], nfired = 0;
    const char *fired_action[2 * SCENARIO_MAX_FAULTS + 1];
    uint64_t delay_ms = 0;
    pthread_mutex_lock(&in->lock);
    for (unsigned i = 0; i < in->s->nfaults; i++) {
        const struct fault *f = &in->s->faults[i];
        if (!passes_filters(f, ev))
            continue;
        struct undo *u = &in->undo[i];
        if (u->pending && --u->left == 0) { /* its lifespan is over: this event sees the bits as they were */
            undo_bits(in, u);
            fired_action[nfired] = "undo";
            fired[nfired++] = i;
        }
        if (!counter_should_fire(&in->counters[i], event_size(ev), &in->rng))
            continue;
        char why[128] = "";
        bool applied =
            apply_action(in, &f->action, ev, f->action.lifespan ? u : NULL, &delay_ms, why, sizeof(why));
        record(in, i, ev, in->counters[i].passed, applied, why);
        fired_action[nfired] = scenario_action_name(f->action.kind);
        fired[nfired++] = i;
    }
    struct fault_action hook_action;
    int slot = run_hook(in, ev, &hook_action, &delay_ms);
    if (slot >= 0) {
        fired_action[nfired] = scenario_action_name(hook_action.kind);
        fired[nfired++] = (unsigned)slot;
    }
    pthread_mutex_unlock(&in->lock);
    for (unsigned k = 0; k < nfired; k++)
        vm_events_fault(ev->vcpu, in->out->faults[fired[k]].id, fired_action[k]);
    if (delay_ms)
        stall(ev->vcpu, delay_ms);
}

/* Why an exec trigger's breakpoint could not be planted (hostbp_plant's status). */
static const char *plant_failure(zx_status_t st)
{
    switch (st) {
    case ZX_ERR_NOT_FOUND:
        return "is not mapped";
    case ZX_ERR_ACCESS_DENIED:
        return "is not executable";
    case ZX_ERR_NOT_SUPPORTED:
        return "is in the vDSO, which every process shares";
    default:
        return "is one breakpoint too many (at most " INJECT_STR(HOSTBP_MAX) ")";
    }
}

/*
 * A process starts (before its first instruction): the breakpoints of the
 * exec faults whose `process` filter it passes. One that cannot be planted
 * leaves its fault not applied, with why (it never fires in that process).
 */
static void plant_exec(struct inject *in, const struct vm_event *ev)
{
    for (unsigned i = 0; i < in->s->nfaults; i++) {
        const struct fault *f = &in->s->faults[i];
        if (f->on != FAULT_ON_EXEC || (f->process[0] != '\0' && strcmp(f->process, ev->name) != 0))
            continue;
        pthread_mutex_lock(&in->vm->lock);
        zx_status_t st = hostbp_plant(&in->vm->objects, in->bps, ev->proc, f->addr);
        pthread_mutex_unlock(&in->vm->lock);
        if (st == ZX_OK)
            continue;
        pthread_mutex_lock(&in->lock);
        struct inject_fault_result *r = &in->out->faults[i];
        if (r->applied) {
            r->applied = false;
            snprintf(r->why, sizeof(r->why), "exec address 0x%llx %s in %s", (unsigned long long)f->addr,
                     plant_failure(st), ev->name);
        }
        pthread_mutex_unlock(&in->lock);
    }
}

void inject_on_event(void *ctx, struct vm_event *ev)
{
    struct inject *in = ctx;
    if (ev->kind == VM_EVENT_START && in->bps)
        plant_exec(in, ev);
    if (ev->kind != VM_EVENT_FAULT)
        handle_event(in, ev);
    if (ev->kind == VM_EVENT_EXIT && in->bps) {
        pthread_mutex_lock(&in->vm->lock);
        hostbp_forget(in->bps, ev->proc);
        pthread_mutex_unlock(&in->vm->lock);
    }
}

/* The time triggers, earliest first, each once: a VM_EVENT_TIME on behalf of the main process when due. */
static void *timer_main(void *arg)
{
    struct inject *in = arg;
    bool done[SCENARIO_MAX_FAULTS] = {false};
    struct vcpu *main = in->vm->vcpus[in->vm->nvcpus - 1]; /* added last */
    if (in->vm->seccomp && vm_seccomp_install(VM_SECCOMP_CLOCK, in->vm->seccomp) != 0) {
        fprintf(stderr,
                "zxvmm: seccomp: cannot install the scenario clock's filter; its time faults do not fire\n");
        return NULL;
    }
    pthread_mutex_lock(&in->timer_lock);
    while (!in->stopping) {
        int next = -1;
        for (unsigned i = 0; i < in->s->nfaults; i++)
            if (in->s->faults[i].on == FAULT_ON_TIME && !done[i] &&
                (next < 0 || in->s->faults[i].ms < in->s->faults[next].ms))
                next = (int)i;
        if (next < 0)
            break;
        uint64_t due = in->vm->boot_ns + in->s->faults[next].ms * 1000000ULL;
        if (syscall_host_now_ns() < due) {
            struct timespec ts = {.tv_sec = (time_t)(due / 1000000000ULL),
                                  .tv_nsec = (long)(due % 1000000000ULL)};
            pthread_cond_timedwait(&in->timer_cond, &in->timer_lock, &ts);
            continue;
        }
        for (unsigned i = 0; i < in->s->nfaults; i++) /* every time fault now due, in the order written */
            if (in->s->faults[i].on == FAULT_ON_TIME && in->s->faults[i].ms <= in->s->faults[next].ms)
                done[i] = true;
        pthread_mutex_unlock(&in->timer_lock);
        struct vm_event ev = {.kind = VM_EVENT_TIME,
                              .vcpu = main,
                              .proc = main->proc,
                              .name = vcpu_program(main),
                              .t_ns = syscall_host_now_ns() - in->vm->boot_ns,
                              .ms = in->s->faults[next].ms};
        const char *slash = strrchr(ev.name, '/');
        if (slash && slash[1])
            ev.name = slash + 1;
        handle_event(in, &ev);
        pthread_mutex_lock(&in->timer_lock);
    }
    pthread_mutex_unlock(&in->timer_lock);
    return NULL;
}

int inject_start(struct inject *in)
{
    bool timed = false;
    for (unsigned i = 0; i < in->s->nfaults; i++)
        timed = timed || in->s->faults[i].on == FAULT_ON_TIME;
    if (!timed || in->vm->nvcpus == 0)
        return 0;
    int rc = pthread_create(&in->timer, NULL, timer_main, in);
    in->timer_running = rc == 0;
    return -rc;
}

void inject_stop(struct inject *in)
{
    if (!in || !in->timer_running)
        return;
    pthread_mutex_lock(&in->timer_lock);
    in->stopping = true;
    pthread_cond_broadcast(&in->timer_cond);
    pthread_mutex_unlock(&in->timer_lock);
    pthread_join(in->timer, NULL);
    in->timer_running = false;
}
