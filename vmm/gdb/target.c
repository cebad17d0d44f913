/* target.c: the gdb target over a VM: holds, stops, breakpoints, memory and registers through the debug core.
 */
#include "gdb/target.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zircon/errors.h>
#include <zircon/syscalls/debug.h>

#include "syscall/syscall.h"
#include "vm/vcpu.h"
#include "x86_64/cpu.h"

static struct thread *thread_at(struct gdb_vm_target *t, unsigned i)
{
    return &t->vm->vcpus[i]->proc->thread;
}

static bool is_live(const struct process *p)
{
    return p->state != PROCESS_DEAD && !process_is_dying(p);
}

/* The vCPU index of the live process with `koid`, or -1. */
static int index_of(struct gdb_vm_target *t, uint64_t koid)
{
    for (unsigned i = 0; i < t->vm->nvcpus; i++) {
        struct process *p = t->vm->vcpus[i]->proc;
        if (p->obj.koid == koid && is_live(p))
            return (int)i;
    }
    return -1;
}

static struct process *process_of(struct gdb_vm_target *t, uint64_t koid)
{
    int i = index_of(t, koid);
    return i < 0 ? NULL : t->vm->vcpus[i]->proc;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* The program process p runs (its path as given). */
static const char *program_of(const struct gdb_vm_target *t, const struct process *p)
{
    return t->programs[((const struct vcpu *)p->host)->id];
}

static bool same_program(const struct gdb_vm_target *t, const struct process *a, const struct process *b)
{
    return strcmp(program_of(t, a), program_of(t, b)) == 0;
}

static void hold(struct gdb_vm_target *t, unsigned i)
{
    struct gdb_thread_state *ts = &t->threads[i];
    if (!ts->held && debug_hold(&t->vm->objects, thread_at(t, i)))
        ts->held = true;
}

static void release(struct gdb_vm_target *t, unsigned i)
{
    struct gdb_thread_state *ts = &t->threads[i];
    if (ts->held) {
        ts->held = false;
        debug_release(&t->vm->objects, thread_at(t, i));
    }
}

void gdb_target_stop_all(struct gdb_vm_target *t)
{
    for (unsigned i = 0; i < t->vm->nvcpus; i++)
        hold(t, i);
}

static bool all_stopped(struct gdb_vm_target *t)
{
    for (unsigned i = 0; i < t->vm->nvcpus; i++)
        if (!debug_thread_stopped(thread_at(t, i)))
            return false;
    return true;
}

bool gdb_target_wait_stopped(struct gdb_vm_target *t, uint64_t timeout_ns)
{
    uint64_t deadline = syscall_host_now_ns() + timeout_ns;
    while (!all_stopped(t)) {
        if (syscall_host_now_ns() >= deadline)
            return false;
        struct timespec ts = {.tv_sec = (time_t)(deadline / 1000000000ULL),
                              .tv_nsec = (long)(deadline % 1000000000ULL)};
        pthread_cond_timedwait(&t->vm->cond, &t->vm->lock, &ts);
    }
    return true;
}

static void fill_regs(struct gdb_stop *st, const struct thread *th)
{
    st->rip = th->regs.rip;
    st->rsp = th->regs.rsp;
    st->rbp = th->regs.rbp;
}

/* The exception hook (debug core): gdb sees the exception first; the thread waits until gdb resumes it. */
static enum debug_verdict on_exception(void *ctx, struct thread *th, uint32_t type,
                                       const struct debug_host *h)
{
    struct gdb_vm_target *t = ctx;
    if (!t->attached)
        return DEBUG_KILL;
    unsigned i = ((struct vcpu *)th->process->host)->id;
    struct gdb_thread_state *ts = &t->threads[i];
    struct gdb_stop st = {.koid = th->process->obj.koid, .signal = gdb_signal_of(type)};
    if (type == ZX_EXCP_GENERAL && th->report.context.arch.u.x86_64.vector == X86_VEC_DE)
        st.signal = GDB_SIGFPE;
    bool ours = false;
    if (type == ZX_EXCP_SW_BREAKPOINT && hostbp_find(t->bps, th->process, th->regs.rip - 1, HOSTBP_GDB)) {
        th->regs.rip--; /* onto the breakpoint, as gdb expects with swbreak */
        st.swbreak = true;
        ours = true;
    } else if (type == ZX_EXCP_HW_BREAKPOINT && ts->stepping) {
        ours = true;
    }
    if (ts->stepping) {
        th->regs.rflags &= ~X86_RFLAGS_TF;
        ts->stepping = false;
    }
    fill_regs(&st, th);
    if (th->process == t->main->proc)
        t->main_signal = st.signal;
    *ts = (struct gdb_thread_state){
        .held = ts->held, .resumed = ts->resumed, .event = true, .ours = ours, .stop = st};
    gdb_target_stop_all(t);
    uint8_t b = 1;
    if (write(t->wake_fd, &b, 1) < 0) {
        /* the pipe is full: the server is already awake */
    }
    while (ts->held) {
        if (h->wait(h->host) != 0)
            return DEBUG_STOPPED;
    }
    bool pass = !ts->ours && ts->pass_signal != 0;
    return pass ? DEBUG_KILL : DEBUG_RESUME;
}

/* All-stop: after a stop nothing counts as resumed until gdb resumes it again. */
static void forget_resumed(struct gdb_vm_target *t)
{
    for (unsigned i = 0; i < t->vm->nvcpus; i++)
        t->threads[i].resumed = false;
}

bool gdb_target_take_event(struct gdb_vm_target *t, struct gdb_stop *out)
{
    for (unsigned i = 0; i < t->vm->nvcpus; i++) {
        struct gdb_thread_state *ts = &t->threads[i];
        if (ts->event && ts->resumed && !ts->reported && is_live(thread_at(t, i)->process)) {
            ts->reported = true;
            *out = ts->stop;
            forget_resumed(t);
            return true;
        }
    }
    return false;
}

void gdb_target_stop_reply(struct gdb_vm_target *t, int signal, struct gdb_stop *out)
{
    *out = (struct gdb_stop){.signal = signal};
    forget_resumed(t);
    struct process *p = is_live(t->main->proc) ? t->main->proc : NULL;
    for (unsigned i = 0; !p && i < t->vm->nvcpus; i++)
        if (is_live(t->vm->vcpus[i]->proc))
            p = t->vm->vcpus[i]->proc;
    if (!p)
        return;
    out->koid = p->obj.koid;
    fill_regs(out, &p->thread);
}

/* --- the gdb_target operations --- */

static size_t op_threads(void *ctx, struct gdb_thread_entry *out, size_t max)
{
    struct gdb_vm_target *t = ctx;
    size_t n = 0;
    struct process *main = t->main->proc;
    if (is_live(main) && n < max) {
        out[n].koid = main->obj.koid;
        snprintf(out[n++].name, GDB_NAME_MAX, "%s", base_name(program_of(t, main)));
    }
    for (unsigned i = 0; i < t->vm->nvcpus && n < max; i++) {
        struct process *p = t->vm->vcpus[i]->proc;
        if (p == main || !is_live(p))
            continue;
        out[n].koid = p->obj.koid;
        snprintf(out[n++].name, GDB_NAME_MAX, "%s", base_name(program_of(t, p)));
    }
    return n;
}

static int op_get_regs(void *ctx, uint64_t koid, struct gdb_regs *out)
{
    struct process *p = process_of(ctx, koid);
    if (!p)
        return -ESRCH;
    debug_read_state(&p->thread, ZX_THREAD_STATE_GENERAL_REGS, &out->general);
    debug_read_state(&p->thread, ZX_THREAD_STATE_FP_REGS, &out->fp);
    debug_read_state(&p->thread, ZX_THREAD_STATE_VECTOR_REGS, &out->vector);
    return 0;
}

/* Writes each register set gdb changed (the FPU state is loaded on resume only when one of its sets changed).
 */
static int op_set_regs(void *ctx, uint64_t koid, const struct gdb_regs *in)
{
    struct process *p = process_of(ctx, koid);
    if (!p)
        return -ESRCH;
    struct gdb_regs now;
    op_get_regs(ctx, koid, &now);
    if (in->vector.mxcsr & ~X86_MXCSR_WRITABLE)
        return -EINVAL; /* the only check of the FPU sets, made first: a refused write changes nothing */
    if (debug_write_state(&p->thread, ZX_THREAD_STATE_GENERAL_REGS, &in->general) != ZX_OK)
        return -EINVAL;
    if (memcmp(&in->fp, &now.fp, sizeof(now.fp)) != 0)
        debug_write_state(&p->thread, ZX_THREAD_STATE_FP_REGS, &in->fp);
    if (memcmp(&in->vector, &now.vector, sizeof(now.vector)) != 0)
        debug_write_state(&p->thread, ZX_THREAD_STATE_VECTOR_REGS, &in->vector);
    return 0;
}

static size_t op_read_mem(void *ctx, uint64_t koid, uint64_t addr, uint8_t *buf, size_t len)
{
    struct gdb_vm_target *t = ctx;
    struct process *p = process_of(t, koid);
    if (!p)
        return 0;
    size_t n = debug_access_memory(&t->vm->objects, p, addr, buf, len, false, false);
    hostbp_hide(t->bps, p, addr, buf, n, HOSTBP_ANY); /* gdb's and the exec triggers' read as the originals */
    return n;
}

static size_t op_write_mem(void *ctx, uint64_t koid, uint64_t addr, const uint8_t *buf, size_t len)
{
    struct gdb_vm_target *t = ctx;
    struct process *p = process_of(t, koid);
    if (!p)
        return 0;
    size_t n = debug_access_memory(&t->vm->objects, p, addr, (void *)buf, len, true, false);
    /* A write over a breakpoint changes what it will restore, and it stays planted. */
    hostbp_note_write(&t->vm->objects, t->bps, p, addr, n, HOSTBP_ANY);
    return n;
}

/* hostbp's status as the stub's -errno. */
static int plant_status(zx_status_t st)
{
    if (st == ZX_OK)
        return 0;
    return st == ZX_ERR_NO_RESOURCES ? -ENOMEM : -EFAULT;
}

/* Drops gdb's claim on `b`; a byte no other owner keeps goes back through `via` for a shared one. */
static void unplant(struct gdb_vm_target *t, struct hostbp *b, struct process *via)
{
    struct process *target = b->proc ? b->proc : via;
    hostbp_remove(&t->vm->objects, t->bps, b, HOSTBP_GDB, target && is_live(target) ? target : NULL);
}

/* The debug core asks whether a #BP at a host breakpoint (exec trigger) is also gdb's. */
static bool has_breakpoint(void *ctx, const struct process *p, uint64_t addr)
{
    struct gdb_vm_target *t = ctx;
    return t->attached && hostbp_find(t->bps, p, addr, HOSTBP_GDB) != NULL;
}

/* Z0/z0: in every live process running the same program as `koid`'s (same addresses), or once in the vDSO. */
static int op_breakpoint(void *ctx, uint64_t koid, uint64_t addr, bool insert)
{
    struct gdb_vm_target *t = ctx;
    struct process *sel = process_of(t, koid);
    if (!sel)
        return -EFAULT;
    bool shared = addr >= sel->vdso_lo && addr < sel->vdso_hi;
    if (!insert) {
        for (unsigned i = t->bps->n; i-- > 0;) { /* from the end: a removal moves the last entry */
            struct hostbp *b = &t->bps->bp[i];
            if (b->addr == addr && (b->owners & HOSTBP_GDB) &&
                (b->proc == NULL || same_program(t, b->proc, sel)))
                unplant(t, b, sel);
        }
        return 0;
    }
    struct objects *o = &t->vm->objects;
    if (shared)
        return plant_status(hostbp_plant_shared(o, t->bps, sel, addr));
    zx_status_t st = hostbp_plant(o, t->bps, sel, addr, HOSTBP_GDB);
    for (unsigned i = 0; st == ZX_OK && i < t->vm->nvcpus; i++) {
        struct process *p = t->vm->vcpus[i]->proc;
        if (p != sel && is_live(p) && same_program(t, p, sel))
            st = hostbp_plant(o, t->bps, p, addr, HOSTBP_GDB);
    }
    return plant_status(st);
}

/* The action gdb named for thread i, or the default one; NULL: the thread stays stopped. */
static const struct gdb_action *action_for(struct gdb_vm_target *t, unsigned i, const struct gdb_action *a,
                                           size_t n)
{
    uint64_t koid = t->vm->vcpus[i]->proc->obj.koid;
    for (size_t k = 0; k < n; k++)
        if (a[k].koid == koid)
            return &a[k];
    for (size_t k = 0; k < n; k++)
        if (a[k].koid == 0)
            return &a[k];
    return NULL;
}

static void op_resume(void *ctx, const struct gdb_action *actions, size_t n)
{
    struct gdb_vm_target *t = ctx;
    for (unsigned i = 0; i < t->vm->nvcpus; i++) {
        struct gdb_thread_state *ts = &t->threads[i];
        struct thread *th = thread_at(t, i);
        const struct gdb_action *a = action_for(t, i, actions, n);
        if (!a || !is_live(th->process))
            continue;
        ts->resumed = true;
        /* A breakpoint event gdb has not seen and whose breakpoint is gone: the thread re-runs the
         * instruction. */
        if (ts->event && !ts->reported &&
            !(ts->stop.swbreak && !hostbp_find(t->bps, th->process, ts->stop.rip, HOSTBP_GDB)))
            continue;
        ts->stepping = a->step;
        zx_thread_state_single_step_t step = a->step ? 1 : 0;
        debug_write_state(th, ZX_THREAD_STATE_SINGLE_STEP, &step);
        ts->pass_signal = a->signal;
        ts->reported = false;
        ts->event = false;
        release(t, i);
    }
}

static void op_kill(void *ctx)
{
    struct gdb_vm_target *t = ctx;
    t->killed = true;
    t->attached = false;
    for (unsigned i = 0; i < t->vm->nvcpus; i++) {
        struct process *p = t->vm->vcpus[i]->proc;
        if (is_live(p))
            process_kill(&t->vm->objects, p);
    }
}

void gdb_target_detach(struct gdb_vm_target *t)
{
    struct process *via = NULL;
    for (unsigned i = 0; i < t->vm->nvcpus && !via; i++)
        if (is_live(t->vm->vcpus[i]->proc))
            via = t->vm->vcpus[i]->proc;
    for (unsigned i = t->bps->n; i-- > 0;)
        if (t->bps->bp[i].owners & HOSTBP_GDB)
            unplant(t, &t->bps->bp[i], via);
    t->attached = false;
    for (unsigned i = 0; i < t->vm->nvcpus; i++) {
        struct gdb_thread_state *ts = &t->threads[i];
        if (ts->stepping) {
            zx_thread_state_single_step_t off = 0;
            debug_write_state(thread_at(t, i), ZX_THREAD_STATE_SINGLE_STEP, &off);
            ts->stepping = false;
        }
        ts->pass_signal = ts->event && !ts->ours ? ts->stop.signal : 0; /* pending guest exceptions go on */
        ts->event = false;
        release(t, i);
    }
}

static void op_detach(void *ctx)
{
    gdb_target_detach(ctx);
}

static const char *state_name(const struct process *p, const struct gdb_thread_state *ts)
{
    if (!is_live(p))
        return "dead";
    if (ts->event)
        return "stopped (exception)";
    return p->thread.suspended || ts->held ? "stopped" : "running";
}

static size_t op_describe(void *ctx, char *out, size_t cap)
{
    struct gdb_vm_target *t = ctx;
    size_t len = (size_t)snprintf(out, cap, "%-8s %-24s %s\n", "koid", "name", "state");
    for (unsigned i = 0; i < t->vm->nvcpus && len < cap; i++) {
        const struct process *p = t->vm->vcpus[i]->proc;
        len += (size_t)snprintf(out + len, cap - len, "%-8llu %-24s %s%s\n", (unsigned long long)p->obj.koid,
                                base_name(program_of(t, p)), state_name(p, &t->threads[i]),
                                t->vm->vcpus[i] == t->main ? " (main)" : "");
    }
    return len < cap ? len : cap - 1;
}

void gdb_target_init(struct gdb_vm_target *t, struct vm *vm, struct vcpu *main, const char *const programs[],
                     int wake_fd)
{
    memset(t, 0, sizeof(*t));
    for (unsigned i = 0; i < vm->nvcpus; i++)
        t->programs[i] = programs[i];
    t->vm = vm;
    t->main = main;
    t->wake_fd = wake_fd;
    t->bps = vm->objects.host_bps ? vm->objects.host_bps : &t->own_bps;
    t->hook =
        (struct debug_host_debugger){.exception = on_exception, .ctx = t, .has_breakpoint = has_breakpoint};
    t->ops = (struct gdb_target){
        .ctx = t,
        .threads = op_threads,
        .get_regs = op_get_regs,
        .set_regs = op_set_regs,
        .read_mem = op_read_mem,
        .write_mem = op_write_mem,
        .breakpoint = op_breakpoint,
        .resume = op_resume,
        .kill = op_kill,
        .detach = op_detach,
        .describe = op_describe,
    };
}
