/* debug.c: exceptions and their handler chain, suspension and thread state, for every debugger. */
#include "debug/debug.h"

#include <string.h>

#include <zircon/errors.h>
#include <zircon/syscalls/debug.h>
#include <zircon/syscalls/object.h>
#include <zxvmm/abi.h>

#include "object/vmar.h"
#include "object/vmar_space.h"
#include "x86_64/cpu.h"

uint32_t debug_exception_type(unsigned vector)
{
    switch (vector) {
    case X86_VEC_BP:
        return ZX_EXCP_SW_BREAKPOINT;
    case X86_VEC_DB:
        return ZX_EXCP_HW_BREAKPOINT;
    case X86_VEC_UD:
        return ZX_EXCP_UNDEFINED_INSTRUCTION;
    case X86_VEC_PF:
        return ZX_EXCP_FATAL_PAGE_FAULT;
    default:
        return ZX_EXCP_GENERAL;
    }
}

zx_status_t debug_page_fault_status(const struct process *p, uint64_t addr)
{
    return vmar_space_find(&p->vmar.space, addr) ? ZX_ERR_ACCESS_DENIED : ZX_ERR_NOT_FOUND;
}

/* Sends to one exceptionate and waits for the exception to be closed; false when nothing was sent. */
static bool offer(struct objects *o, struct thread *t, struct exceptionate *e, uint32_t type,
                  const struct debug_host *h, enum debug_verdict *stopped)
{
    if (!exceptionate_send(o, e, t, type))
        return false;
    while (t->exception != NULL) {
        if (h->wait(h->host) != 0) {
            thread_abandon_exception(t);
            *stopped = DEBUG_STOPPED;
            return true;
        }
    }
    return true;
}

/* The verdict of a closed exception in the handler chain; TRY_NEXT is DEBUG_KILL (go on). */
static enum debug_verdict verdict_of(const struct thread *t)
{
    switch (t->exception_result) {
    case ZX_EXCEPTION_STATE_HANDLED:
        return DEBUG_RESUME;
    case ZX_EXCEPTION_STATE_THREAD_EXIT:
        return DEBUG_EXIT_THREAD;
    default:
        return DEBUG_KILL;
    }
}

enum debug_verdict debug_exception(struct objects *o, struct thread *t, uint32_t type,
                                   const zx_exception_report_t *report, const struct debug_host *h)
{
    struct process *p = t->process;
    struct exceptionate *chain[] = {&p->debug_exceptionate, &t->exceptionate, &p->exceptionate,
                                    &p->debug_exceptionate, &p->job->exceptionate};
    const size_t second_chance_slot = 3;
    t->report = *report;
    t->has_report = true;
    t->in_exception = true;
    t->second_chance = false;
    enum debug_verdict v = DEBUG_KILL;
    if (o->host_debugger)
        v = o->host_debugger->exception(o->host_debugger->ctx, t, type, h);
    if (v != DEBUG_KILL) {
        t->in_exception = false;
        t->has_report = false;
        return v;
    }
    for (size_t i = 0; i < sizeof(chain) / sizeof(chain[0]) && v == DEBUG_KILL; i++) {
        if (i == second_chance_slot && !t->second_chance)
            continue;
        enum debug_verdict stopped = DEBUG_KILL;
        if (!offer(o, t, chain[i], type, h, &stopped))
            continue;
        v = stopped == DEBUG_STOPPED ? DEBUG_STOPPED : verdict_of(t);
    }
    t->in_exception = false;
    t->has_report = false;
    return v;
}

enum debug_verdict debug_synthetic(struct objects *o, struct thread *t, struct exceptionate *e, uint32_t type,
                                   const struct debug_host *h)
{
    zx_exception_report_t report = {.header = {.size = sizeof(report), .type = type}};
    t->report = report;
    t->has_report = true;
    t->in_exception = true;
    enum debug_verdict stopped = DEBUG_RESUME;
    offer(o, t, e, type, h, &stopped);
    t->in_exception = false;
    t->has_report = false;
    return stopped;
}

enum debug_verdict debug_park_suspended(struct objects *o, struct thread *t, const struct debug_host *h)
{
    if (t->suspend_count == 0)
        return DEBUG_RESUME;
    t->suspended = true;
    object_clear_signals(o, &t->obj, ZX_THREAD_RUNNING);
    object_signal(o, &t->obj, ZX_THREAD_SUSPENDED);
    while (t->suspend_count > 0) {
        if (h->wait(h->host) != 0)
            return DEBUG_STOPPED;
    }
    t->suspended = false;
    object_clear_signals(o, &t->obj, ZX_THREAD_SUSPENDED);
    object_signal(o, &t->obj, ZX_THREAD_RUNNING);
    return DEBUG_RESUME;
}

enum debug_verdict debug_hold_until_attached(struct objects *o, struct thread *t, const struct debug_host *h)
{
    struct process *p = t->process;
    while (p->debug_exceptionate.channel == NULL) {
        if (h->wait(h->host) != 0)
            return DEBUG_STOPPED;
    }
    return debug_synthetic(o, t, &p->debug_exceptionate, ZX_EXCP_THREAD_STARTING, h);
}

enum debug_verdict debug_thread_starting(struct objects *o, struct thread *t, const struct debug_host *h)
{
    struct process *p = t->process;
    enum debug_verdict v = debug_synthetic(o, t, &p->job->debug_exceptionate, ZX_EXCP_PROCESS_STARTING, h);
    if (v != DEBUG_RESUME)
        return v;
    if (p->spawn_stopped)
        return debug_hold_until_attached(o, t, h);
    return debug_synthetic(o, t, &p->debug_exceptionate, ZX_EXCP_THREAD_STARTING, h);
}

zx_status_t debug_suspend(struct objects *o, struct thread *t, struct suspend_token **out)
{
    if (process_is_dying(t->process) || t->state == THREAD_DEAD)
        return ZX_ERR_BAD_STATE;
    struct suspend_token *s = suspend_token_create(o, t);
    if (!s)
        return ZX_ERR_NO_MEMORY;
    if (t->suspend_count == 1 && t->state == THREAD_RUNNING)
        o->kick_process(o->host, t->process);
    *out = s;
    return ZX_OK;
}

size_t debug_state_size(uint32_t kind)
{
    switch (kind) {
    case ZX_THREAD_STATE_GENERAL_REGS:
        return sizeof(zx_thread_state_general_regs_t);
    case ZX_THREAD_STATE_DEBUG_REGS:
        return sizeof(zx_thread_state_debug_regs_t);
    case ZX_THREAD_STATE_SINGLE_STEP:
        return sizeof(zx_thread_state_single_step_t);
    case ZX_THREAD_STATE_FP_REGS:
        return sizeof(zx_thread_state_fp_regs_t);
    case ZX_THREAD_STATE_VECTOR_REGS:
        return sizeof(zx_thread_state_vector_regs_t);
    default:
        return 0;
    }
}

void debug_read_state(const struct thread *t, uint32_t kind, void *out)
{
    switch (kind) {
    case ZX_THREAD_STATE_GENERAL_REGS:
        memcpy(out, &t->regs, sizeof(t->regs));
        break;
    case ZX_THREAD_STATE_DEBUG_REGS:
        memcpy(out, &t->debug_regs, sizeof(t->debug_regs));
        break;
    case ZX_THREAD_STATE_FP_REGS:
        memcpy(out, &t->fp_regs, sizeof(t->fp_regs));
        break;
    case ZX_THREAD_STATE_VECTOR_REGS:
        memcpy(out, &t->vector_regs, sizeof(t->vector_regs));
        break;
    case ZX_THREAD_STATE_SINGLE_STEP: {
        zx_thread_state_single_step_t step = (t->regs.rflags & X86_RFLAGS_TF) ? 1 : 0;
        memcpy(out, &step, sizeof(step));
        break;
    }
    default:
        break;
    }
}

static zx_status_t write_general_regs(struct thread *t, const zx_thread_state_general_regs_t *in)
{
    if (!x86_is_user_address(in->rip) || !x86_is_user_address(in->fs_base) ||
        !x86_is_user_address(in->gs_base))
        return ZX_ERR_INVALID_ARGS;
    uint64_t rflags = (t->regs.rflags & ~X86_RFLAGS_USER) | (in->rflags & X86_RFLAGS_USER);
    t->regs = *in;
    t->regs.rflags = rflags;
    return ZX_OK;
}

/* XMM0-15 and MXCSR; MXCSR's reserved bits must be 0 (FXRSTOR faults on them). Nothing else exists here. */
static zx_status_t write_vector_regs(struct thread *t, const void *in)
{
    zx_thread_state_vector_regs_t v;
    memcpy(&v, in, sizeof(v));
    if (v.mxcsr & ~X86_MXCSR_WRITABLE)
        return ZX_ERR_INVALID_ARGS;
    for (unsigned i = 0; i < X86_XMM_REGS; i++)
        memcpy(t->vector_regs.zmm[i].v, v.zmm[i].v, 2 * sizeof(uint64_t));
    t->vector_regs.mxcsr = v.mxcsr;
    t->fpu_dirty = true;
    return ZX_OK;
}

zx_status_t debug_write_state(struct thread *t, uint32_t kind, const void *in)
{
    switch (kind) {
    case ZX_THREAD_STATE_GENERAL_REGS: {
        zx_thread_state_general_regs_t regs;
        memcpy(&regs, in, sizeof(regs));
        return write_general_regs(t, &regs);
    }
    case ZX_THREAD_STATE_SINGLE_STEP: {
        zx_thread_state_single_step_t step;
        memcpy(&step, in, sizeof(step));
        if (step > 1)
            return ZX_ERR_INVALID_ARGS;
        t->regs.rflags = step ? (t->regs.rflags | X86_RFLAGS_TF) : (t->regs.rflags & ~X86_RFLAGS_TF);
        return ZX_OK;
    }
    case ZX_THREAD_STATE_DEBUG_REGS: {
        zx_thread_state_debug_regs_t dr;
        memcpy(&dr, in, sizeof(dr));
        return debug_set_debug_regs(t, &dr);
    }
    case ZX_THREAD_STATE_FP_REGS:
        memcpy(&t->fp_regs, in, sizeof(t->fp_regs));
        t->fpu_dirty = true;
        return ZX_OK;
    case ZX_THREAD_STATE_VECTOR_REGS:
        return write_vector_regs(t, in);
    default:
        return ZX_ERR_INVALID_ARGS;
    }
}

void debug_set_host_debugger(struct objects *o, const struct debug_host_debugger *d)
{
    o->host_debugger = d;
    pthread_cond_broadcast(o->changed);
}

bool debug_hold(struct objects *o, struct thread *t)
{
    if (process_is_dying(t->process) || t->state == THREAD_DEAD)
        return false;
    if (__atomic_add_fetch(&t->suspend_count, 1, __ATOMIC_RELEASE) == 1 && t->state == THREAD_RUNNING)
        o->kick_process(o->host, t->process);
    return true;
}

void debug_release(struct objects *o, struct thread *t)
{
    if (t->suspend_count > 0 && __atomic_sub_fetch(&t->suspend_count, 1, __ATOMIC_RELEASE) == 0)
        pthread_cond_broadcast(o->changed);
}

bool debug_thread_stopped(const struct thread *t)
{
    return t->state == THREAD_DEAD || t->suspended || t->in_exception || process_is_dying(t->process);
}

/* The host bytes of [va, va + len) up to the first run the debugger may not touch; *n the usable length. */
static uint8_t *debugger_span(struct objects *o, struct process *p, const struct pt_walk_ctx *w, uint64_t va,
                              size_t len, bool write, bool shared_code, uint64_t *n)
{
    struct pt_walk_result r;
    if (pt_walk_extent(w, gva(va), len, &r, n) != 0 || !r.user)
        return NULL;
    const struct vmar_mapping *m = vmar_space_find(&p->vmar.space, va);
    if (!m || (write && m->vmo == vmar_vdso_vmo && !shared_code))
        return NULL;
    return mem_ptr(o->env->ram, r.pa, *n);
}

size_t debug_access_memory(struct objects *o, struct process *p, uint64_t va, void *buf, size_t len,
                           bool write, bool shared_code)
{
    if (process_is_dying(p) || p->state == PROCESS_DEAD)
        return 0;
    struct pt_walk_ctx w = process_walk_ctx(p, o->env);
    size_t done = 0;
    while (done < len) {
        uint64_t n = 0;
        uint8_t *host = debugger_span(o, p, &w, va + done, len - done, write, shared_code, &n);
        if (!host)
            break;
        if (write)
            memcpy(host, (const uint8_t *)buf + done, n);
        else
            memcpy((uint8_t *)buf + done, host, n);
        done += n;
    }
    return done;
}

/* True for an address a debug register may hold (Zircon: is_user_accessible and canonical). */
static bool debug_reg_address_ok(uint64_t addr)
{
    return addr >= ZXVMM_USER_BASE && addr < ZXVMM_USER_END;
}

zx_status_t debug_set_debug_regs(struct thread *t, const zx_thread_state_debug_regs_t *in)
{
    for (unsigned i = 0; i < X86_DR_SLOTS; i++)
        if (in->dr[i] != 0 && !debug_reg_address_ok(in->dr[i]))
            return ZX_ERR_INVALID_ARGS;
    if (!DEBUG_HW_BREAKPOINTS_DELIVERED)
        return ZX_ERR_NOT_SUPPORTED;
    memcpy(t->debug_regs.dr, in->dr, sizeof(t->debug_regs.dr));
    t->debug_regs.dr7 = X86_DR7_FIXED | (in->dr7 & X86_DR7_USER_MASK);
    t->debug_regs_dirty = true;
    return ZX_OK;
}

/* DR7's LEN encoding of a watch length (SDM Vol. 3B §18.2.5), or -1. */
static int dr7_len_bits(unsigned len)
{
    switch (len) {
    case 1:
        return 0;
    case 2:
        return 1;
    case 8:
        return 2;
    case 4:
        return 3;
    default:
        return -1;
    }
}

zx_status_t debug_hw_slot_set(struct thread *t, unsigned slot, uint64_t addr, enum debug_hw_kind kind,
                              unsigned len)
{
    int len_bits = dr7_len_bits(len);
    if (slot >= X86_DR_SLOTS || !debug_reg_address_ok(addr) || len_bits < 0 || (addr & (len - 1)) != 0 ||
        (kind == DEBUG_HW_EXECUTE && len != 1))
        return ZX_ERR_INVALID_ARGS;
    if (!DEBUG_HW_BREAKPOINTS_DELIVERED)
        return ZX_ERR_NOT_SUPPORTED;
    uint64_t shift = X86_DR7_RW_SHIFT(slot);
    uint64_t dr7 = t->debug_regs.dr7 & ~(0xfULL << shift);
    dr7 |= ((uint64_t)kind | ((uint64_t)len_bits << 2)) << shift;
    t->debug_regs.dr[slot] = addr;
    t->debug_regs.dr7 = dr7 | X86_DR7_ENABLE(slot);
    t->debug_regs_dirty = true;
    return ZX_OK;
}

void debug_hw_slot_clear(struct thread *t, unsigned slot)
{
    if (slot >= X86_DR_SLOTS)
        return;
    t->debug_regs.dr[slot] = 0;
    t->debug_regs.dr7 &= ~(X86_DR7_ENABLE(slot) | (0xfULL << X86_DR7_RW_SHIFT(slot)));
    t->debug_regs_dirty = true;
}

void debug_note_dr6(struct thread *t, uint64_t dr6)
{
    t->debug_regs.dr6 = dr6;
    t->debug_regs_dirty = true;
}
