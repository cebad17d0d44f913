/* inject.c: matching events against a scenario's faults and applying their actions through the code the
 * syscalls use. */
#include "inject/inject.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zircon/errors.h>
#include <zircon/syscalls/exception.h>
#include <zircon/types.h>
#include <zxvmm/abi.h>

#include "boot/elf.h"
#include "boot/symbols.h"
#include "debug/debug.h"
#include "debug/hostbp.h"
#include "object/handle.h"
#include "object/vmar.h"
#include "syscall/names.h"
#include "vm/seccomp.h"
#include "vm/vcpu.h"
#include "vm/vm.h"
#include "x86_64/cpu.h"

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
    struct vm_event *current;                              /* the event a hook is called for, else NULL */
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
    /* The hooks as the VM's holder (struct vm_holder): a hook stuck in a library call when the run ends. */
    struct vm_holder holder;
    uint64_t hook_turn;     /* odd while a hook runs; INJECT_HOOK_LEFT once the run gave up on it (atomic) */
    int hook_kind;          /* the hook of the current turn (atomic) */
    uint64_t seen_progress; /* hooks_progress as the main thread last saw it... */
    uint64_t seen_at_ns;    /* ...and since when it has been that */
};

#define INJECT_HOOK_LEFT (1ULL << 63)

/* The vectors an exception action may raise: those an instruction at CPL3 can raise (SDM Vol. 3 6.15), so
 * not NMI, #DF, #MC nor the reserved and virtualization vectors. */
static bool raisable(unsigned vector)
{
    switch (vector) {
    case X86_VEC_DE:
    case X86_VEC_DB:
    case X86_VEC_BP:
    case X86_VEC_OF:
    case X86_VEC_BR:
    case X86_VEC_UD:
    case X86_VEC_NM:
    case X86_VEC_TS:
    case X86_VEC_NP:
    case X86_VEC_SS:
    case X86_VEC_GP:
    case X86_VEC_PF:
    case X86_VEC_MF:
    case X86_VEC_AC:
    case X86_VEC_XM:
        return true;
    default:
        return false;
    }
}

int inject_check_supported(const struct scenario *s, const char *file, char *err, size_t errlen)
{
    for (unsigned i = 0; i < s->nfaults; i++) {
        const struct fault *f = &s->faults[i];
        const char *what = NULL;
        if (f->action.kind == ACTION_EXCEPTION && !raisable(f->action.vector)) {
            snprintf(err, errlen,
                     "%s:%d: fault '%s': exception = %u (%s) is not an exception a process can raise", file,
                     f->line, f->id, f->action.vector, x86_exception_name(f->action.vector));
            return -1;
        }
        if (f->action.lifespan && f->action.kind == ACTION_REG)
            what = "lifespan beside reg";
        if (what) {
            snprintf(err, errlen, "%s:%d: fault '%s': %s is not supported by this zxvmm yet", file, f->line,
                     f->id, what);
            return -1;
        }
    }
    return 0;
}

/* What the hooks' zx.read, zx.write and zx.reg reach (defined with the actions below). */
static int hook_read(void *ctx, const char *process, uint64_t addr, void *buf, size_t len, char *why,
                     size_t whylen);
static int hook_write(void *ctx, const char *process, uint64_t addr, const void *buf, size_t len, char *why,
                      size_t whylen);
static int hook_reg(void *ctx, const char *process, const char *name, uint64_t *value, char *why,
                    size_t whylen);

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

/* vm_holder.ending: the run is over; hooks must show progress from now on, and a hook call that runs on for
 * VM_HOLDER_GRACE_NS is stopped. Main thread. */
static void hooks_ending(void *ctx)
{
    struct inject *in = ctx;
    hooks_stop_after(in->hooks, VM_HOLDER_GRACE_NS);
    in->seen_progress = hooks_progress(in->hooks);
    in->seen_at_ns = syscall_host_now_ns();
}

/*
 * vm_holder.abandon: gives up on the hook running now when its Lua state has
 * shown no progress for VM_HOLDER_GRACE_NS (it is inside a library call),
 * and records why as the run's failure. Main thread.
 */
static bool hooks_abandon(void *ctx)
{
    struct inject *in = ctx;
    uint64_t turn = __atomic_load_n(&in->hook_turn, __ATOMIC_ACQUIRE);
    uint64_t progress = hooks_progress(in->hooks), now = syscall_host_now_ns();
    if (!(turn & 1) || progress != in->seen_progress) {
        in->seen_progress = progress;
        in->seen_at_ns = now;
        return false;
    }
    int kind = __atomic_load_n(&in->hook_kind, __ATOMIC_RELAXED);
    if (now - in->seen_at_ns < VM_HOLDER_GRACE_NS ||
        !__atomic_compare_exchange_n(&in->hook_turn, &turn, turn | INJECT_HOOK_LEFT, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        return false;
    in->out->failed = true;
    snprintf(in->out->failure, sizeof(in->out->failure),
             "%s: still inside a library call %llu ms after the run ended, counting nothing; the run was "
             "given up",
             hook_name((enum hook_kind)kind), (unsigned long long)(VM_HOLDER_GRACE_NS / 1000000));
    return true;
}

const struct vm_holder *inject_holder(struct inject *in)
{
    return in && in->hooks ? &in->holder : NULL;
}

/* The thread of a hook call the run gave up on: it never touches the run again, and ends with the process. */
static _Noreturn void park(void)
{
    for (;;)
        sleep(60);
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
        hooks_set_vm(in->hooks, &(struct sandbox_vm){hook_read, hook_write, hook_reg, in});
        in->holder = (struct vm_holder){hooks_ending, hooks_abandon, in};
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

/*
 * uncache: every page of [addr, addr + len) gets the leaf bits of
 * ZX_CACHE_POLICY_UNCACHED (vmar_pte_flags, as when a VMO with that policy is
 * mapped) with its mapping's permissions, so the memory calls' own memory-type
 * check refuses it; nothing changes unless every page is mapped. VM lock held.
 */
static bool uncache_range(struct vm *vm, struct process *p, const struct fault_action *a, char *why,
                          size_t len)
{
    uint64_t start = a->addr & ~(MEM_PAGE_SIZE - 1), last = a->addr + (a->len - 1);
    struct pt_walk_ctx w = process_walk_ctx(p, &vm->env);
    w.kept = true; /* pages of mappings without permissions count */
    if (last < a->addr) {
        snprintf(why, len, "[0x%llx, +0x%llx) wraps around", (unsigned long long)a->addr,
                 (unsigned long long)a->len);
        return false;
    }
    for (uint64_t va = start; va <= last && va >= start; va += MEM_PAGE_SIZE) {
        const struct vmar_mapping *m = vmar_space_find(&p->vmar.space, va);
        struct pt_walk_result r;
        if (!m || pt_walk(&w, gva(va), &r) != 0 || !r.user || r.page_size != MEM_PAGE_SIZE) {
            snprintf(why, len, "[0x%llx, +0x%llx) is not mapped in %s (0x%llx)", (unsigned long long)a->addr,
                     (unsigned long long)a->len, a->process, (unsigned long long)va);
            return false;
        }
        if (m->vmo == vmar_vdso_vmo) {
            snprintf(why, len, "[0x%llx, +0x%llx) touches the vDSO of %s", (unsigned long long)a->addr,
                     (unsigned long long)a->len, a->process);
            return false;
        }
    }
    for (uint64_t va = start; va <= last && va >= start; va += MEM_PAGE_SIZE) {
        const struct vmar_mapping *m = vmar_space_find(&p->vmar.space, va);
        gpa_t frame;
        if (pt_protect_page(&vm->ram, p->root, gva(va), vmar_pte_flags(m->perms, ZX_CACHE_POLICY_UNCACHED),
                            &frame) == 0)
            mem_invalidate(&vm->ram, frame, MEM_PAGE_SIZE); /* the guest forgets the old memory type */
    }
    return true;
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
    } else if (a->kind == ACTION_UNCACHE) {
        ok = uncache_range(in->vm, p, a, why, len);
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

/* Registers by the names reg actions and zx.reg use (scenario.c checks them), in the debug core's layout. */
#define INJECT_REG(r)                                                                                        \
    {                                                                                                        \
#r, offsetof(zx_thread_state_general_regs_t, r)                                                      \
    }
static const struct {
    const char *name;
    size_t offset;
} inject_regs[] = {
    INJECT_REG(rax), INJECT_REG(rbx), INJECT_REG(rcx),    INJECT_REG(rdx),     INJECT_REG(rsi),
    INJECT_REG(rdi), INJECT_REG(rbp), INJECT_REG(rsp),    INJECT_REG(r8),      INJECT_REG(r9),
    INJECT_REG(r10), INJECT_REG(r11), INJECT_REG(r12),    INJECT_REG(r13),     INJECT_REG(r14),
    INJECT_REG(r15), INJECT_REG(rip), INJECT_REG(rflags), INJECT_REG(fs_base), INJECT_REG(gs_base),
};
#undef INJECT_REG

/* The register `name` in `regs`, or NULL for a name that is none. */
static uint64_t *reg_slot(zx_thread_state_general_regs_t *regs, const char *name)
{
    for (size_t i = 0; i < sizeof(inject_regs) / sizeof(inject_regs[0]); i++)
        if (strcmp(inject_regs[i].name, name) == 0)
            return (uint64_t *)((char *)regs + inject_regs[i].offset);
    return NULL;
}

/* The process's name as scenarios write it: the basename of its program. */
static const char *vcpu_name(const struct vcpu *v)
{
    const char *program = vcpu_program(v), *slash = strrchr(program, '/');
    return slash && slash[1] ? slash + 1 : program;
}

/* Whether the process of `ev` is stopped in the shim's report of an exception: its rip, rsp and rflags are in
 * the frame the shim saved. */
static bool in_report(const struct vm_event *ev)
{
    return ev->kind == VM_EVENT_EXCEPTION || ev->kind == VM_EVENT_EXEC;
}

/*
 * Whether `v`'s registers are held by the VMM at `ev`: `v` reports the event
 * (a syscall, an exception, an exec trigger, its start) on its own thread. A time event comes
 * from the scenario's clock thread while the process runs: never.
 */
static bool trapping(const struct vm_event *ev, const struct vcpu *v)
{
    return ev && ev->vcpu == v &&
           (ev->kind == VM_EVENT_SYSCALL_BEFORE || ev->kind == VM_EVENT_SYSCALL_AFTER ||
            ev->kind == VM_EVENT_EXCEPTION || ev->kind == VM_EVENT_EXEC || ev->kind == VM_EVENT_START);
}

/*
 * The user registers of the process trapping at `ev`: at an exception report
 * (an exec trigger's breakpoint is one) rip, rsp and rflags come from the
 * frame the shim saved, and at an exec trigger rip is the breakpoint's
 * address; after a syscall rax is the result the process will see. VM lock
 * held. Returns 0 or -errno.
 */
static int trapped_regs(struct vm *vm, struct vcpu *v, const struct vm_event *ev,
                        zx_thread_state_general_regs_t *regs)
{
    int rc = vcpu_arch_capture(v, NULL, regs);
    if (rc != 0)
        return rc;
    if (ev->kind == VM_EVENT_SYSCALL_AFTER)
        regs->rax = ev->ret;
    if (!in_report(ev))
        return 0;
    const struct zxvmm_exception_frame *f = vcpu_report_frame(v, regs->rsp);
    if (!f)
        return -EFAULT;
    regs->rip = ev->kind == VM_EVENT_EXEC ? ev->rip : f->rip;
    regs->rsp = f->rsp;
    regs->rflags = f->rflags;
    return 0;
}

/*
 * Loads `regs` (as the debug core took them) into the process trapping at
 * `ev`. Before a call, the call's arguments follow their registers; after it,
 * rax is its result. VM lock held. Returns 0 or -errno.
 */
static int set_trapped_regs(struct vcpu *v, struct vm_event *ev, const zx_thread_state_general_regs_t *regs)
{
    if (in_report(ev))
        return vcpu_arch_set_report_regs(v, regs);
    if (ev->kind == VM_EVENT_SYSCALL_BEFORE) {
        const uint64_t args[SCENARIO_MAX_ARGS] = {regs->rdi, regs->rsi, regs->rdx, regs->r10,
                                                  regs->r8,  regs->r9,  regs->r12, regs->r13};
        memcpy(ev->call->arg, args, sizeof(args));
    }
    if (ev->kind == VM_EVENT_SYSCALL_AFTER)
        ev->ret = regs->rax;
    int rc = vcpu_arch_resume(v, regs);
    return rc ? rc : vcpu_arch_sync_regs(v); /* the run loop writes its synced copy back */
}

/* Whether a process's registers can be read or changed at `ev`, else why not. VM lock held. */
static bool regs_reachable(const struct vm_event *ev, struct vcpu *v, char *why, size_t len)
{
    const struct thread *t = &v->proc->thread;
    if (process_is_dying(v->proc)) {
        snprintf(why, len, "process %s has already ended", vcpu_name(v));
        return false;
    }
    if (!trapping(ev, v) && !t->suspended && !t->in_exception) {
        snprintf(why, len,
                 "process %s is running: its registers are reachable only at its own event or while it is "
                 "stopped",
                 vcpu_name(v));
        return false;
    }
    return true;
}

static uint64_t reg_op(enum fault_reg_op op, uint64_t old, uint64_t operand)
{
    switch (op) {
    case REG_FLIP:
        return old ^ operand;
    case REG_SET0:
        return old & ~operand;
    case REG_SET1:
        return old | operand;
    default:
        return operand;
    }
}

/*
 * reg: through the debug core (ZX_THREAD_STATE_GENERAL_REGS, so its checks
 * apply: no kernel or non-canonical rip, user rflags bits only); a parked
 * thread takes the change when it resumes, a trapping one at once. VM lock
 * held.
 */
static bool change_reg(struct vm *vm, struct vcpu *v, const struct fault_action *a, struct vm_event *ev,
                       char *why, size_t len)
{
    struct thread *t = &v->proc->thread;
    bool held = trapping(ev, v);
    zx_thread_state_general_regs_t regs, saved = t->regs;
    if (held && trapped_regs(vm, v, ev, &regs) != 0) {
        snprintf(why, len, "cannot read the registers of %s", vcpu_name(v));
        return false;
    }
    if (!held)
        debug_read_state(t, ZX_THREAD_STATE_GENERAL_REGS, &regs);
    uint64_t *slot = reg_slot(&regs, a->reg);
    *slot = reg_op(a->reg_op, *slot, a->mask);
    if (debug_write_state(t, ZX_THREAD_STATE_GENERAL_REGS, &regs) != ZX_OK) {
        snprintf(why, len, "%s = 0x%llx refused: not a canonical user address", a->reg,
                 (unsigned long long)*slot);
        return false;
    }
    if (!held)
        return true;
    debug_read_state(t, ZX_THREAD_STATE_GENERAL_REGS, &regs);
    t->regs = saved; /* a running thread's copy is not its state: only the vCPU's is */
    if (set_trapped_regs(v, ev, &regs) != 0) {
        snprintf(why, len, "cannot load the registers of %s", vcpu_name(v));
        return false;
    }
    return true;
}

static bool apply_reg(struct inject *in, const struct fault_action *a, struct vm_event *ev, char *why,
                      size_t len)
{
    struct vcpu *v = find_process(in->vm, a->process);
    if (!v) {
        snprintf(why, len, "no process named %s", a->process);
        return false;
    }
    bool held = trapping(ev, v);
    if (held && in_report(ev) &&
        (!strcmp(a->reg, "rip") || !strcmp(a->reg, "rsp") || !strcmp(a->reg, "rflags"))) {
        snprintf(why, len, "at an %s trigger %s is in the frame the shim saved and cannot be changed",
                 ev->kind == VM_EVENT_EXEC ? "exec" : "exception", a->reg);
        return false;
    }
    if (held && ev->kind == VM_EVENT_EXEC && ev->replaced) {
        snprintf(why, len,
                 "process %s entered an exception raised at this exec event: its registers are that "
                 "exception's now",
                 vcpu_name(v));
        return false;
    }
    if (held && ev->kind == VM_EVENT_SYSCALL_BEFORE && !strcmp(a->reg, "rax")) {
        snprintf(why, len, "rax gets the call's result: change it with when = \"after\"");
        return false;
    }
    pthread_mutex_lock(&in->vm->lock);
    bool ok = regs_reachable(ev, v, why, len) && change_reg(in->vm, v, a, ev, why, len);
    pthread_mutex_unlock(&in->vm->lock);
    return ok;
}

/*
 * exception: delivered to the calling process's shim stub as the CPU would,
 * so the shim reports it as any other (handlers, debuggers, or death): at its
 * first instruction for a start trigger; at a syscall trigger the call still
 * runs, and the exception comes at the instruction after the hypercall; at an
 * exec trigger it comes at the breakpoint's address, in place of the
 * instruction there (the event is marked replaced so that it is not run).
 */
static bool apply_exception(const struct fault_action *a, struct vm_event *ev, char *why, size_t len)
{
    if (!raisable(a->vector)) {
        snprintf(why, len, "vector %u (%s) is not an exception a process can raise", a->vector,
                 x86_exception_name(a->vector));
        return false;
    }
    if (ev->kind == VM_EVENT_EXEC && ev->replaced) {
        snprintf(why, len, "an exception was already raised at this exec event");
        return false;
    }
    if (ev->kind == VM_EVENT_EXEC) {
        int rc = vcpu_arch_raise_exception_in_report(ev->vcpu, a->vector, ev->rip);
        if (rc != 0)
            snprintf(why, len, "cannot queue the exception: %s", strerror(-rc));
        ev->replaced |= rc == 0;
        return rc == 0;
    }
    if (ev->kind != VM_EVENT_SYSCALL_BEFORE && ev->kind != VM_EVENT_SYSCALL_AFTER &&
        ev->kind != VM_EVENT_START) {
        snprintf(why, len, "exception needs a process about to run on, and at a %s trigger there is none",
                 ev->kind == VM_EVENT_EXCEPTION ? "exception"
                 : ev->kind == VM_EVENT_EXIT    ? "exit"
                                                : "time");
        return false;
    }
    int rc = vcpu_arch_raise_exception(ev->vcpu, a->vector, ev->kind != VM_EVENT_START);
    if (rc != 0)
        snprintf(why, len, "cannot queue the exception: %s", strerror(-rc));
    return rc == 0;
}

/* zx.read and zx.write: through the debug core's memory access (user pages, protections ignored). */
static int hook_access(struct inject *in, const char *process, uint64_t addr, void *buf, size_t len,
                       bool write, char *why, size_t whylen)
{
    struct vcpu *v = find_process(in->vm, process);
    if (!v) {
        snprintf(why, whylen, "no process named %s", process);
        return -1;
    }
    pthread_mutex_lock(&in->vm->lock);
    bool dying = process_is_dying(v->proc);
    size_t done = dying ? 0 : debug_access_memory(&in->vm->objects, v->proc, addr, buf, len, write, false);
    pthread_mutex_unlock(&in->vm->lock);
    if (dying)
        snprintf(why, whylen, "process %s has already ended", process);
    else if (done < len)
        snprintf(why, whylen, "0x%llx is not mapped in %s%s", (unsigned long long)(addr + done), process,
                 write ? " (or is its shared vDSO)" : "");
    return dying || done < len ? -1 : 0;
}

static int hook_read(void *ctx, const char *process, uint64_t addr, void *buf, size_t len, char *why,
                     size_t whylen)
{
    return hook_access(ctx, process, addr, buf, len, false, why, whylen);
}

static int hook_write(void *ctx, const char *process, uint64_t addr, const void *buf, size_t len, char *why,
                      size_t whylen)
{
    return hook_access(ctx, process, addr, (void *)buf, len, true, why, whylen);
}

/* zx.reg: a register of the process the hook's event is about, or of a stopped one. */
static int hook_reg(void *ctx, const char *process, const char *name, uint64_t *value, char *why,
                    size_t whylen)
{
    struct inject *in = ctx;
    zx_thread_state_general_regs_t regs;
    if (!reg_slot(&regs, name)) {
        snprintf(why, whylen, "unknown register '%s' (rax ... r15, rip, rflags, fs_base, gs_base)", name);
        return -1;
    }
    struct vcpu *v = find_process(in->vm, process);
    if (!v) {
        snprintf(why, whylen, "no process named %s", process);
        return -1;
    }
    pthread_mutex_lock(&in->vm->lock);
    bool ok = regs_reachable(in->current, v, why, whylen);
    if (ok && trapping(in->current, v))
        ok = trapped_regs(in->vm, v, in->current, &regs) == 0 ||
             (snprintf(why, whylen, "cannot read the registers of %s", process), false);
    else if (ok)
        debug_read_state(&v->proc->thread, ZX_THREAD_STATE_GENERAL_REGS, &regs);
    pthread_mutex_unlock(&in->vm->lock);
    if (ok)
        *value = *reg_slot(&regs, name);
    return ok ? 0 : -1;
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
    case ACTION_UNCACHE:
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
    case ACTION_REG:
        return apply_reg(in, a, ev, why, len);
    case ACTION_EXCEPTION:
        return apply_exception(a, ev, why, len);
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
    in->current = ev;
    __atomic_store_n(&in->hook_kind, (int)kind, __ATOMIC_RELAXED);
    uint64_t turn = __atomic_load_n(&in->hook_turn, __ATOMIC_RELAXED) + 1; /* odd: this hook's */
    __atomic_store_n(&in->hook_turn, turn, __ATOMIC_RELEASE);
    int rc = hooks_call(in->hooks, kind, ev, n, a, err, sizeof(err));
    if (!__atomic_compare_exchange_n(&in->hook_turn, &turn, turn + 1, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        park(); /* hooks_abandon gave up on this call */
    in->current = NULL;
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
        zx_status_t st = hostbp_plant(&in->vm->objects, in->bps, ev->proc, f->addr, HOSTBP_EXEC);
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
