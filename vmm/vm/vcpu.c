/* vcpu.c: vCPU threads, the run loop and the handling of each kind of exit. */
#include "vm/vcpu.h"

#include <errno.h>
#include <linux/kvm.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <zircon/errors.h>
#include <zircon/syscalls/exception.h>
#include <zircon/syscalls/object.h>
#include <zircon/types.h>
#include <zxvmm/abi.h>

#include "debug/debug.h"
#include "debug/hostbp.h"
#include "vm/crash_report.h"
#include "vm/events.h"
#include "x86_64/cpu.h"

#define VCPU_KICK_RETRY_NS   2000000ULL /* re-kick a vCPU that has not left KVM_RUN after 2 ms */
#define VCPU_CONSOLE_POLL_MS 10         /* a console write waiting for stdout looks for a stop this often */

/* Ends the process once (first cause wins), and wakes whoever waits on the VM. */
static void end_process(struct vcpu *v, enum process_end end, int64_t code)
{
    pthread_mutex_lock(&v->vm->lock);
    process_finish(&v->vm->objects, v->proc, end, code);
    pthread_cond_broadcast(&v->vm->cond);
    pthread_mutex_unlock(&v->vm->lock);
}

const char *vcpu_program(const struct vcpu *v)
{
    return v->program ? v->program : v->proc->name;
}

/* Reports a fault or error that ends the process; the text is kept for the -v end line. */
static void report(struct vcpu *v, const char *what)
{
    fprintf(stderr, "zxvmm: process %s: %s\n", vcpu_program(v), what);
    snprintf(v->end_report, sizeof(v->end_report), "%s", what);
}

/*
 * An exception nobody handles: the report line (and, for a CPU exception,
 * the crash report: symbol, registers, hints), then the process dies with
 * ZX_TASK_RETCODE_EXCEPTION_KILL. The one place where CPU exceptions and
 * policy errors end a process, once no exception channel handled them.
 */
static void exception_kill(struct vcpu *v, const char *what, const struct zxvmm_exception_frame *frame)
{
    report(v, what);
    if (frame)
        crash_report_print(v, frame, (unsigned)frame->vector);
    end_process(v, PROCESS_END_EXCEPTION, ZX_TASK_RETCODE_EXCEPTION_KILL);
}

/*
 * Waits until stdout takes bytes; true when it may be written. Once `v` is
 * being stopped, only a stdout that takes bytes at once is written. The wait
 * is cut into slices so that a stop whose kick came just before poll() is
 * still seen within one slice.
 */
static bool console_wait_writable(struct vcpu *v)
{
    struct pollfd pfd = {.fd = STDOUT_FILENO, .events = POLLOUT};
    for (;;) {
        bool stopping = vcpu_stop_requested(v);
        int n = poll(&pfd, 1, stopping ? 0 : VCPU_CONSOLE_POLL_MS);
        if (n > 0 || (n < 0 && errno != EINTR))
            return true; /* writable, or an error write() will report */
        if (stopping)
            return false;
    }
}

/*
 * Writes all of buf to stdout; console_lock held. Gives up (dropping the
 * rest) once `v` is being stopped: a stdout that nobody reads never holds up
 * a timeout or a kill. The guest's output is also dropped when stdout is gone.
 */
static void console_put(struct vcpu *v, const char *p, size_t len)
{
    while (len > 0) {
        if (!console_wait_writable(v))
            return;
        ssize_t n = write(STDOUT_FILENO, p, len);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue; /* a kick: the loop looks at the stop flag again */
        if (n <= 0)
            return;
        p += n;
        len -= (size_t)n;
    }
}

/* --label-output: writes the assembled line with its [name:koid] label, ending it with a newline; lock held.
 */
static void console_flush_line(struct vcpu *v)
{
    if (v->line_len == 0)
        return;
    char koid[32];
    int n = snprintf(koid, sizeof(koid), ":%llu] ", (unsigned long long)v->proc->obj.koid);
    console_put(v, "[", 1);
    console_put(v, vcpu_program(v), strlen(vcpu_program(v)));
    console_put(v, koid, (size_t)n);
    console_put(v, v->line, v->line_len);
    if (v->line[v->line_len - 1] != '\n')
        console_put(v, "\n", 1);
    v->line_len = 0;
}

/* --label-output: collects output into whole lines, each written at once with its label. */
static void console_write_labelled(struct vcpu *v, const char *p, size_t len)
{
    while (len > 0) {
        const char *nl = memchr(p, '\n', len);
        size_t take = nl ? (size_t)(nl - p) + 1 : len;
        if (take > VCPU_LINE_MAX - v->line_len)
            take = VCPU_LINE_MAX - v->line_len;
        memcpy(v->line + v->line_len, p, take);
        v->line_len += take;
        p += take;
        len -= take;
        if (v->line[v->line_len - 1] == '\n' || v->line_len == VCPU_LINE_MAX)
            console_flush_line(v);
    }
}

/* Takes console_lock; once `v` is being stopped, only if it is free (its holder may wait on stdout). */
static bool console_acquire(struct vcpu *v)
{
    for (;;) {
        if (vcpu_stop_requested(v))
            return pthread_mutex_trylock(&v->vm->console_lock) == 0;
        uint64_t at = syscall_host_now_ns() + VCPU_CONSOLE_POLL_MS * 1000000ULL;
        struct timespec ts = {.tv_sec = (time_t)(at / 1000000000ULL), .tv_nsec = (long)(at % 1000000000ULL)};
        if (pthread_mutex_clocklock(&v->vm->console_lock, CLOCK_MONOTONIC, &ts) == 0)
            return true;
    }
}

/*
 * Called by zx_debug_write with the object lock held. Writing may wait for
 * stdout as long as nobody reads it, so the object lock is let go meanwhile:
 * the timeout, kills and every other process's syscalls go on. The handler
 * touches nothing guest-visible after this call.
 */
static void console_write(void *host, const void *buf, size_t len)
{
    struct vcpu *v = host;
    pthread_mutex_unlock(&v->vm->lock);
    if (console_acquire(v)) {
        if (v->vm->label_output)
            console_write_labelled(v, buf, len);
        else
            console_put(v, buf, len);
        pthread_mutex_unlock(&v->vm->console_lock);
    }
    pthread_mutex_lock(&v->vm->lock);
}

/* Waits (lock held) until something changes, the deadline passes or the vCPU must stop. */
static int wait_change(struct vcpu *v, uint64_t deadline_ns)
{
    if (__atomic_load_n(&v->stop, __ATOMIC_ACQUIRE))
        return -EINTR;
    if (syscall_host_now_ns() >= deadline_ns)
        return -ETIMEDOUT;
    if (deadline_ns == UINT64_MAX) {
        pthread_cond_wait(&v->vm->cond, &v->vm->lock);
    } else {
        struct timespec ts = {.tv_sec = (time_t)(deadline_ns / 1000000000ULL),
                              .tv_nsec = (long)(deadline_ns % 1000000000ULL)};
        pthread_cond_timedwait(&v->vm->cond, &v->vm->lock, &ts);
    }
    return 0;
}

/* A syscall's wait: as wait_change, but a suspension ends it (the call restarts after; see handle_syscall).
 */
static int block(void *host, uint64_t deadline_ns)
{
    struct vcpu *v = host;
    if (!__atomic_load_n(&v->stop, __ATOMIC_ACQUIRE) &&
        __atomic_load_n(&v->proc->thread.suspend_count, __ATOMIC_ACQUIRE) > 0)
        return SYSCALL_BLOCK_SUSPENDED;
    return wait_change(v, deadline_ns);
}

static int debug_wait(void *host)
{
    return wait_change(host, UINT64_MAX);
}

static struct debug_host debug_host_of(struct vcpu *v)
{
    return (struct debug_host){debug_wait, v};
}

/* What a resume loads into the vCPU, copied from the thread under the lock. */
struct resume_state {
    zx_thread_state_general_regs_t regs;
    zx_thread_state_debug_regs_t dr;
    zx_thread_state_fp_regs_t fp;
    zx_thread_state_vector_regs_t vec;
    bool load_dr, load_fpu;
};

/* Captures the stopped thread's registers, general and FPU, into `t`. Lock held. */
static int capture_thread(struct vcpu *v, const struct zxvmm_exception_frame *frame, struct thread *t)
{
    zx_thread_state_general_regs_t regs = t->regs;
    int rc = vcpu_arch_capture(v, frame, &regs);
    t->regs = regs;
    if (rc == 0)
        rc = vcpu_arch_capture_fpu(v, &t->fp_regs, &t->vector_regs);
    t->fpu_dirty = false;
    return rc;
}

/* Takes what the resume must load (and clears the dirty marks). Lock held. */
static void take_resume_state(struct thread *t, struct resume_state *r)
{
    r->regs = t->regs;
    r->dr = t->debug_regs;
    r->load_dr = t->debug_regs_dirty;
    r->fp = t->fp_regs;
    r->vec = t->vector_regs;
    r->load_fpu = t->fpu_dirty;
    t->debug_regs_dirty = t->fpu_dirty = false;
}

/* Loads it: registers and segments always, debug and FPU state when a debugger changed them. */
static int apply_resume_state(struct vcpu *v, const struct resume_state *r)
{
    int rc = vcpu_arch_resume(v, &r->regs);
    if (rc == 0 && r->load_dr)
        rc = vcpu_arch_load_debug_regs(v, &r->dr);
    if (rc == 0 && r->load_fpu)
        rc = vcpu_arch_load_fpu(v, &r->fp, &r->vec);
    return rc;
}

/* KVM refused a register access (`what`, -errno `rc`): reported, the process ends as the VMM's failure. */
static void fail_regs(struct vcpu *v, const char *what, int rc)
{
    char line[96];
    snprintf(line, sizeof(line), "%s: %s", what, strerror(-rc));
    report(v, line);
    end_process(v, PROCESS_END_VMM_ERROR, ZX_TASK_RETCODE_EXCEPTION_KILL);
}

/*
 * Runs `park` (a debug-core call that may leave the thread parked) with the
 * thread's user registers captured first and applied afterwards, so that a
 * debugger's writes take effect; then parks again while suspended. Takes
 * and releases the lock. Returns the verdict; DEBUG_RESUME means the vCPU
 * may run on.
 */
static enum debug_verdict park_and_resume(struct vcpu *v, const struct zxvmm_exception_frame *frame,
                                          enum debug_verdict (*park)(struct vcpu *v, void *arg), void *arg)
{
    struct thread *t = &v->proc->thread;
    struct debug_host h = debug_host_of(v);
    struct resume_state r;
    pthread_mutex_lock(&v->vm->lock);
    int rc = capture_thread(v, frame, t);
    zx_thread_state_general_regs_t captured = t->regs;
    enum debug_verdict verdict = rc ? DEBUG_STOPPED : park(v, arg);
    if (verdict == DEBUG_RESUME)
        verdict = debug_park_suspended(&v->vm->objects, t, &h);
    take_resume_state(t, &r);
    pthread_mutex_unlock(&v->vm->lock);
    /*
     * Stopped outside an exception report with nothing changed: the vCPU is
     * left as it is. Loading the same registers is not harmless: kvm-pvm
     * drops an exception it has taken but not delivered yet (an int3 the
     * thread ran just as a stop kicked it out: rip past the int3) when
     * registers are set, and the thread would go on past its breakpoint.
     */
    bool unchanged = !frame && !r.load_dr && !r.load_fpu && memcmp(&captured, &r.regs, sizeof(captured)) == 0;
    if (rc == 0 && verdict == DEBUG_RESUME && !unchanged)
        rc = apply_resume_state(v, &r);
    if (rc) {
        fail_regs(v, "KVM_GET/SET_REGS while resuming", rc);
        return DEBUG_STOPPED;
    }
    return verdict;
}

static enum debug_verdict park_suspended(struct vcpu *v, void *arg)
{
    (void)v;
    (void)arg;
    return DEBUG_RESUME; /* park_and_resume parks while suspended */
}

static enum debug_verdict park_starting(struct vcpu *v, void *arg)
{
    struct debug_host h = debug_host_of(v);
    (void)arg;
    return debug_thread_starting(&v->vm->objects, &v->proc->thread, &h);
}

static enum debug_verdict park_exiting(struct vcpu *v, void *arg)
{
    struct debug_host h = debug_host_of(v);
    (void)arg;
    return debug_synthetic(&v->vm->objects, &v->proc->thread, &v->proc->debug_exceptionate,
                           ZX_EXCP_THREAD_EXITING, &h);
}

struct exception_args {
    uint32_t type;
    zx_exception_report_t report;
    bool has_dr6; /* a #DB: dr6 is its status */
    uint64_t dr6;
};

static enum debug_verdict park_exception(struct vcpu *v, void *arg)
{
    struct exception_args *a = arg;
    struct debug_host h = debug_host_of(v);
    if (a->has_dr6)
        debug_note_dr6(&v->proc->thread, a->dr6);
    if (a->type == ZX_EXCP_FATAL_PAGE_FAULT)
        a->report.context.synth_code =
            (uint32_t)debug_page_fault_status(v->proc, a->report.context.arch.u.x86_64.cr2);
    return debug_exception(&v->vm->objects, &v->proc->thread, a->type, &a->report, &h);
}

/* Ends the process after a verdict other than DEBUG_RESUME; `line` (and `frame`) report a DEBUG_KILL. */
static void end_after(struct vcpu *v, enum debug_verdict verdict, const char *line,
                      const struct zxvmm_exception_frame *frame)
{
    if (verdict == DEBUG_KILL)
        exception_kill(v, line, frame);
    else if (verdict == DEBUG_EXIT_THREAD) {
        end_process(v, PROCESS_END_EXIT, 0); /* its only thread exited */
    }
}

/* A syscall from outside the vDSO: ZX_EXCP_POLICY_ERROR; if handled it returns ZX_ERR_BAD_SYSCALL. */
static bool policy_error(struct vcpu *v)
{
    struct kvm_regs *r = &v->run->s.regs.regs;
    char line[128];
    uint32_t number = (uint32_t)r->rax;
    snprintf(line, sizeof(line), "policy error: syscall %u from outside the vDSO at rip 0x%llx", number,
             (unsigned long long)r->rip);
    r->rax = (uint64_t)(int64_t)ZX_ERR_BAD_SYSCALL;
    v->run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
    /* Zircon's sys_invalid_syscall: code BAD_SYSCALL, data the syscall number. */
    struct exception_args a = {
        .type = ZX_EXCP_POLICY_ERROR,
        .report = {.header = {.size = sizeof(zx_exception_report_t), .type = ZX_EXCP_POLICY_ERROR},
                   .context = {.synth_code = ZX_EXCP_POLICY_CODE_BAD_SYSCALL, .synth_data = number}}};
    enum debug_verdict verdict = park_and_resume(v, NULL, park_exception, &a);
    end_after(v, verdict, line, NULL);
    return verdict == DEBUG_RESUME;
}

/* Syscall numbers by name, from the contract's list. */
#define VCPU_SYSCALL_NUMBER(num, name, nargs) VCPU_SYS_##name = num,
enum { ZXVMM_SYSCALLS(VCPU_SYSCALL_NUMBER) };
#undef VCPU_SYSCALL_NUMBER

/*
 * A debugging syscall refused because kernel.enable-debugging-syscalls is off
 * returns ZX_ERR_NOT_SUPPORTED to the guest; say so on stderr once per run, so
 * a forgotten or misspelled option is not silent. Off the hot path: only a
 * refused call gets past the first comparison.
 */
static void note_debugging_refusal(struct vcpu *v, uint32_t number, uint64_t ret)
{
    if ((int64_t)ret != ZX_ERR_NOT_SUPPORTED || number != VCPU_SYS_zx_process_write_memory ||
        v->vm->options.enable_debugging_syscalls)
        return;
    if (__atomic_exchange_n(&v->vm->debugging_refusal_noted, true, __ATOMIC_ACQ_REL))
        return;
    fprintf(
        stderr,
        "zxvmm: process %s: zx_process_write_memory refused with ZX_ERR_NOT_SUPPORTED: debugging syscalls "
        "are off (pass --cmdline kernel.enable-debugging-syscalls=true)\n",
        vcpu_program(v));
}

/*
 * A blocking call was interrupted because the thread is being suspended
 * (call.restart): park it at the syscall boundary, where a
 * debugger sees and may change its registers, then reload them. Returns
 * false when the thread ends instead; *restart says whether to run the call
 * again (false: the debugger moved rip, and the thread goes on from there).
 */
static bool park_in_syscall(struct vcpu *v, bool *restart)
{
    struct kvm_regs *r = &v->run->s.regs.regs;
    uint64_t rip = r->rip, at = vcpu_arch_hypercall_at(v, rip);
    if (at != rip) { /* debuggers see the thread at its hypercall whichever way the platform left rip */
        r->rip = at;
        v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
    }
    if (park_and_resume(v, NULL, park_suspended, NULL) != DEBUG_RESUME)
        return false;
    int rc = vcpu_arch_sync_regs(v);
    if (rc) {
        fail_regs(v, "KVM_GET_REGS after a suspension", rc);
        return false;
    }
    *restart = r->rip == at || r->rip == rip; /* rip: nothing was loaded (park_and_resume) */
    if (*restart && at != rip) { /* the call runs again here, and the process goes on after it as before */
        r->rip = rip;
        v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
    }
    return true;
}

/* The hot path: arguments from the synced registers, the result back through them. */
static bool handle_syscall(struct vcpu *v)
{
    struct kvm_regs *r = &v->run->s.regs.regs;
    /* Only the vDSO may enter the VMM (Zircon raises a policy exception for anything else). */
    if (r->rip < v->proc->vdso_lo || r->rip >= v->proc->vdso_hi)
        return policy_error(v);
    for (;;) {
        struct syscall_call call = {
            .env = &v->sys,
            .caller = v->proc,
            .arg = {r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9, r->r12, r->r13},
        };
        /* Event site: observers (trace, scenario) see the call, and may replace it, through the dispatcher.
         */
        uint64_t ret = VM_EVENTS_ATTACHED(v->vm) ? vm_events_syscall(v, &call, (uint32_t)r->rax)
                                                 : syscall_dispatch(&call, (uint32_t)r->rax);
        note_debugging_refusal(v, (uint32_t)r->rax, ret);
        if (call.exit) {
            if (__atomic_load_n(&v->proc->debug_exceptionate.channel, __ATOMIC_ACQUIRE) != NULL)
                park_and_resume(v, NULL, park_exiting, NULL);
            end_process(v, PROCESS_END_EXIT, call.exit_code);
            return false;
        }
        if (__builtin_expect(call.restart, 0)) {
            bool restart;
            if (!park_in_syscall(v, &restart))
                return false;
            if (restart)
                continue;
            return true; /* the registers the debugger wrote are loaded */
        }
        r->rax = ret;
        v->run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
        return true;
    }
}

/* Resumes user code after an exception stub with the frame's registers, rip and rflags replaced; false when
 * KVM refused (the process then ends). */
static bool resume_at(struct vcpu *v, const struct zxvmm_exception_frame *frame, uint64_t rip,
                      uint64_t rflags)
{
    zx_thread_state_general_regs_t regs;
    int rc = vcpu_arch_capture(v, frame, &regs);
    regs.rip = rip;
    regs.rflags = rflags;
    if (rc == 0)
        rc = vcpu_arch_resume(v, &regs);
    if (rc)
        fail_regs(v, "KVM_GET/SET_REGS at a host breakpoint", rc);
    return rc == 0;
}

/*
 * A #BP at a breakpoint the VMM planted for an exec trigger (debug/hostbp.h):
 * the exec event goes to the sinks with the breakpoint's address, then the
 * original instruction runs once with the original byte back and the trap
 * flag set, and the #DB that follows plants the breakpoint again
 * (host_exception). Neither the #BP nor that #DB reaches the guest. When a
 * host debugger (gdb) has a breakpoint at the same address, the #BP goes on
 * to it once counted, and the #BP it comes back with is not counted again.
 * Returns 1 (resumed), 0 (the process ends), -1 (not ours: the usual path).
 */
static int host_breakpoint(struct vcpu *v, struct hostbp_table *tab, struct zxvmm_exception_frame *frame)
{
    struct objects *o = &v->vm->objects;
    uint64_t addr = frame->rip - 1;
    pthread_mutex_lock(&v->vm->lock);
    struct hostbp *bp = hostbp_stepping(tab, v->proc);
    if (bp) {
        /* The original instruction is an int3 itself (a guest debugger's): the #BP is the guest's. */
        if (!bp->guest_tf)
            frame->rflags &= ~X86_RFLAGS_TF;
        hostbp_step_end(o, bp, v->proc);
        bp->passed = bp->addr == addr;
        pthread_mutex_unlock(&v->vm->lock);
        return -1;
    }
    bp = hostbp_find(tab, v->proc, addr, HOSTBP_EXEC);
    if (!bp) {
        pthread_mutex_unlock(&v->vm->lock);
        return -1;
    }
    bool count = !bp->passed;
    bp->passed = false;
    const struct debug_host_debugger *d = o->host_debugger;
    bool debugger_too = count && d && d->has_breakpoint && d->has_breakpoint(d->ctx, v->proc, addr);
    pthread_mutex_unlock(&v->vm->lock);
    /* Event site: the process reached an exec trigger's address. */
    bool raised = count && VM_EVENTS_ATTACHED(v->vm) && vm_events_exec(v, addr);
    if (vcpu_stop_requested(v))
        return 0; /* an action killed it */
    if (raised)
        return 1; /* an action sent it into an exception's stub instead: the instruction has not run */
    pthread_mutex_lock(&v->vm->lock); /* found again: the table may have changed meanwhile */
    bp = hostbp_find(tab, v->proc, addr, HOSTBP_EXEC);
    if (bp && debugger_too)
        bp->passed = true;
    else if (bp)
        hostbp_step_begin(o, bp, v->proc, (frame->rflags & X86_RFLAGS_TF) != 0);
    bool step = bp && !debugger_too;
    pthread_mutex_unlock(&v->vm->lock);
    if (!step)
        return -1;
    return resume_at(v, frame, addr, frame->rflags | X86_RFLAGS_TF) ? 1 : 0;
}

/*
 * Host breakpoints first (before the exception event and the handler chain):
 * a #BP at one, and the exception that ends a step over one. A #DB of that
 * step resumes unseen unless the thread was single-stepping itself; any other
 * exception the original instruction raises goes on as without the
 * breakpoint. Returns as host_breakpoint.
 */
static int host_exception(struct vcpu *v, struct zxvmm_exception_frame *frame)
{
    struct hostbp_table *tab = v->vm->objects.host_bps; /* set before any vCPU runs */
    if (!tab)
        return -1;
    if (frame->vector == X86_VEC_BP)
        return host_breakpoint(v, tab, frame);
    pthread_mutex_lock(&v->vm->lock);
    struct hostbp *bp = hostbp_stepping(tab, v->proc);
    bool guest_tf = bp && bp->guest_tf;
    if (bp)
        hostbp_step_end(&v->vm->objects, bp, v->proc);
    pthread_mutex_unlock(&v->vm->lock);
    if (!bp || guest_tf)
        return -1;
    frame->rflags &= ~X86_RFLAGS_TF;
    if (frame->vector != X86_VEC_DB)
        return -1;
    return resume_at(v, frame, frame->rip, frame->rflags) ? 1 : 0;
}

/* The report line of an exception nobody handled. */
static void format_report(const struct zxvmm_exception_frame *f, uint64_t cr2, char *line, size_t size)
{
    unsigned vector = (unsigned)f->vector;
    int n = snprintf(line, size, "%s at rip 0x%llx", x86_exception_name(vector), (unsigned long long)f->rip);
    if (vector == X86_VEC_PF)
        n += snprintf(line + n, size - (size_t)n, ", cr2 0x%llx", (unsigned long long)cr2);
    if (x86_exception_has_error_code(vector))
        snprintf(line + n, size - (size_t)n, " (error code 0x%llx)", (unsigned long long)f->error_code);
}

const struct zxvmm_exception_frame *vcpu_report_frame(struct vcpu *v, uint64_t rsp)
{
    uint64_t off = rsp - PROCESS_KSTACK_BASE;
    if (rsp < PROCESS_KSTACK_BASE || off + sizeof(struct zxvmm_exception_frame) > PROCESS_KSTACK_SIZE)
        return NULL;
    return mem_ptr(&v->vm->ram, gpa(v->proc->kstack_pa.raw + off), sizeof(struct zxvmm_exception_frame));
}

/*
 * The shim reported a CPU exception: it goes through the handler chain
 * (debug core); unhandled, the process dies with one report line. Returns
 * true when the process runs on.
 */
static bool handle_exception(struct vcpu *v)
{
    const struct kvm_regs *r = &v->run->s.regs.regs;
    const struct zxvmm_exception_frame *f = vcpu_report_frame(v, r->rsp);
    if (!f || f->vector >= ZXVMM_SHIM_VECTORS || (f->cs & 3) != 3) {
        /* Not a frame the shim could have built for user code: nothing to resume. */
        report(v, "killed: exception report without a user frame");
        end_process(v, PROCESS_END_EXCEPTION, ZX_TASK_RETCODE_EXCEPTION_KILL);
        return false;
    }
    struct zxvmm_exception_frame frame = *f;
    int host = host_exception(v, &frame);
    if (host >= 0)
        return host == 1;
    uint64_t cr2 = frame.vector == X86_VEC_PF ? vcpu_arch_fault_address(v) : 0;
    struct exception_args a = {.type = debug_exception_type((unsigned)frame.vector)};
    a.report.header = (zx_exception_header_t){.size = sizeof(a.report), .type = a.type};
    a.report.context.arch.u.x86_64 =
        (zx_x86_64_exc_data_t){.vector = frame.vector, .err_code = frame.error_code, .cr2 = cr2};
    a.has_dr6 = frame.vector == X86_VEC_DB && vcpu_arch_read_dr6(v, &a.dr6) == 0;
    /* Event site: the exception, before its handler chain. */
    if (VM_EVENTS_ATTACHED(v->vm))
        vm_events_exception(v, (unsigned)frame.vector, frame.rip, cr2, frame.error_code);
    char line[256];
    format_report(&frame, cr2, line, sizeof(line));
    enum debug_verdict verdict = park_and_resume(v, &frame, park_exception, &a);
    end_after(v, verdict, line, &frame);
    return verdict == DEBUG_RESUME;
}

static bool handle_io(struct vcpu *v)
{
    const struct kvm_run *run = v->run;
    if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 4 && run->io.count == 1) {
        if (run->io.port == ZXVMM_PORT_SYSCALL)
            return handle_syscall(v);
        if (run->io.port == ZXVMM_PORT_EXCEPTION)
            return handle_exception(v);
    }
    char line[128];
    snprintf(line, sizeof(line), "killed: unexpected I/O (%s port 0x%x, size %u) at rip 0x%llx",
             run->io.direction == KVM_EXIT_IO_OUT ? "out to" : "in from", run->io.port, run->io.size,
             (unsigned long long)run->s.regs.regs.rip);
    exception_kill(v, line, NULL);
    return false;
}

/* Every exit other than I/O ends the process with a report; returns false. */
static bool handle_other_exit(struct vcpu *v)
{
    const struct kvm_run *run = v->run;
    char line[160];
    enum process_end end = PROCESS_END_EXCEPTION;
    switch (run->exit_reason) {
    case KVM_EXIT_SHUTDOWN:
        snprintf(line, sizeof(line), "killed: triple fault");
        break;
    case KVM_EXIT_HLT:
        snprintf(line, sizeof(line), "killed: halted at rip 0x%llx",
                 (unsigned long long)run->s.regs.regs.rip);
        break;
    case KVM_EXIT_MMIO:
        snprintf(line, sizeof(line), "killed: access to unbacked guest-physical address 0x%llx",
                 (unsigned long long)run->mmio.phys_addr);
        break;
    case KVM_EXIT_FAIL_ENTRY:
        snprintf(line, sizeof(line), "KVM_RUN: entry failed (hardware reason 0x%llx)",
                 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        end = PROCESS_END_VMM_ERROR;
        break;
    case KVM_EXIT_INTERNAL_ERROR:
        snprintf(line, sizeof(line), "KVM_RUN: internal error (suberror %u)", run->internal.suberror);
        end = PROCESS_END_VMM_ERROR;
        break;
    default:
        snprintf(line, sizeof(line), "KVM_RUN: unexpected exit reason %u", run->exit_reason);
        end = PROCESS_END_VMM_ERROR;
        break;
    }
    report(v, line);
    end_process(v, end, ZX_TASK_RETCODE_EXCEPTION_KILL);
    return false;
}

/* True when the thread has a debugger or is held at start, so its start goes through the debug core. */
static bool start_is_watched(struct vcpu *v)
{
    const struct process *p = v->proc;
    return p->spawn_stopped || p->debug_exceptionate.channel || p->job->debug_exceptionate.channel;
}

/* The thread starts: ZX_THREAD_RUNNING, then the start reports a debugger may be waiting for. */
static bool thread_start(struct vcpu *v)
{
    struct thread *t = &v->proc->thread;
    /* Event site: the process starts. */
    if (VM_EVENTS_ATTACHED(v->vm))
        vm_events_start(v);
    pthread_mutex_lock(&v->vm->lock);
    object_signal(&v->vm->objects, &t->obj, ZX_THREAD_RUNNING);
    bool watched = start_is_watched(v);
    pthread_mutex_unlock(&v->vm->lock);
    return !watched || park_and_resume(v, NULL, park_starting, NULL) == DEBUG_RESUME;
}

/*
 * After KVM_RUN was interrupted: re-arms KVM_RUN unless the vCPU must stop
 * (both under the lock, so a stop is never lost), then parks while a suspend
 * token is held, unless the vCPU is inside an exception stub (its report
 * comes first, at the next exit). Returns false when the thread ends.
 */
static bool after_interrupt(struct vcpu *v)
{
    pthread_mutex_lock(&v->vm->lock);
    if (!vcpu_stop_requested(v))
        v->run->immediate_exit = 0;
    pthread_mutex_unlock(&v->vm->lock);
    return true;
}

/* Parks the thread while it is suspended (checked without the lock first: this runs before every KVM_RUN). */
static bool check_suspend(struct vcpu *v)
{
    if (__atomic_load_n(&v->proc->thread.suspend_count, __ATOMIC_ACQUIRE) == 0)
        return true;
    if (v->run->s.regs.regs.rip >= ZXVMM_SHIM_BASE && !(v->run->kvm_dirty_regs & KVM_SYNC_X86_REGS))
        return true; /* inside a stub: its exception exit comes next */
    return park_and_resume(v, NULL, park_suspended, NULL) == DEBUG_RESUME;
}

/* Names the thread, then installs the vCPU role's seccomp filter before the guest runs; a failure ends the
 * process. */
static bool install_filter(struct vcpu *v)
{
    char name[16]; /* the thread's name in /proc (and top, gdb on zxvmm): its role */
    snprintf(name, sizeof(name), "zxvmm-vcpu%u", v->id);
    pthread_setname_np(pthread_self(), name);
    if (!v->vm->seccomp)
        return true;
    struct vm_seccomp_config cfg = *v->vm->seccomp;
    cfg.vcpu_fd = v->fd;
    cfg.program_fd = v->program_fd;
    int rc = vm_seccomp_install(VM_SECCOMP_VCPU, &cfg);
    if (rc == 0)
        return true;
    char line[128];
    snprintf(line, sizeof(line), "seccomp: cannot install the vCPU thread's filter: %s", strerror(-rc));
    report(v, line);
    end_process(v, PROCESS_END_VMM_ERROR, ZX_TASK_RETCODE_EXCEPTION_KILL);
    return false;
}

static void *vcpu_thread(void *arg)
{
    struct vcpu *v = arg;
    bool resume = install_filter(v) && thread_start(v);
    while (resume && !vcpu_stop_requested(v)) {
        if (!check_suspend(v))
            break;
        if (ioctl(v->fd, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                resume = after_interrupt(v);
                continue;
            }
            char line[128];
            snprintf(line, sizeof(line), "KVM_RUN: %s", strerror(errno));
            report(v, line);
            end_process(v, PROCESS_END_VMM_ERROR, ZX_TASK_RETCODE_EXCEPTION_KILL);
            break;
        }
        resume = v->run->exit_reason == KVM_EXIT_IO ? handle_io(v) : handle_other_exit(v);
    }
    /* A last line without its newline still comes out, labelled, when the process ends. */
    if (console_acquire(v)) {
        console_flush_line(v);
        pthread_mutex_unlock(&v->vm->console_lock);
    }
    end_process(v, PROCESS_END_KILL, ZX_TASK_RETCODE_SYSCALL_KILL);
    /* Event site: the process has ended (its end and return code are final). */
    if (VM_EVENTS_ATTACHED(v->vm))
        vm_events_exit(v);
    pthread_mutex_lock(&v->vm->lock);
    v->finished = true;
    pthread_cond_broadcast(&v->vm->cond);
    pthread_mutex_unlock(&v->vm->lock);
    return NULL;
}

enum vm_status vcpu_create(struct vm *vm, struct process *proc, unsigned id, struct vcpu **out, char *err,
                           size_t errlen)
{
    struct vcpu *v = calloc(1, sizeof(*v));
    if (!v) {
        snprintf(err, errlen, "out of host memory");
        return VM_ERR_SETUP;
    }
    v->vm = vm;
    v->proc = proc;
    v->id = id;
    v->program_fd = -1;
    v->sys = (struct syscall_env){&vm->objects, &vm->env, &vm->options, vm->boot_ns, console_write, block, v};
    v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
    if (v->fd < 0) {
        snprintf(err, errlen, "KVM_CREATE_VCPU: %s", strerror(errno));
        free(v);
        return VM_ERR_SETUP;
    }
    v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
    if (v->run == MAP_FAILED) {
        snprintf(err, errlen, "mmap of the vCPU run area: %s", strerror(errno));
        v->run = NULL;
        vcpu_destroy(v);
        return VM_ERR_SETUP;
    }
    v->run->kvm_valid_regs = KVM_SYNC_X86_REGS;
    enum vm_status st = vcpu_arch_setup(v, err, errlen);
    if (st != VM_OK) {
        vcpu_destroy(v);
        return st;
    }
    *out = v;
    return VM_OK;
}

static void kick_handler(int sig)
{
    (void)sig;
}

static void install_kick_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = kick_handler; /* no SA_RESTART: KVM_RUN returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(VCPU_KICK_SIGNAL, &sa, NULL);
}

int vcpu_start(struct vcpu *v)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, install_kick_handler);
    pthread_mutex_lock(&v->vm->lock);
    if (process_is_dying(v->proc)) {
        /* Killed by a sibling before it ever ran. */
        process_finish(&v->vm->objects, v->proc, PROCESS_END_KILL, ZX_TASK_RETCODE_SYSCALL_KILL);
        pthread_mutex_unlock(&v->vm->lock);
        return 0;
    }
    v->proc->state = PROCESS_RUNNING;
    v->proc->thread.state = THREAD_RUNNING;
    v->proc->start_time = (zx_time_t)(syscall_host_now_ns() - v->vm->boot_ns);
    int rc = pthread_create(&v->thread, NULL, vcpu_thread, v);
    if (rc) {
        process_finish(&v->vm->objects, v->proc, PROCESS_END_VMM_ERROR, ZX_TASK_RETCODE_SYSCALL_KILL);
        pthread_mutex_unlock(&v->vm->lock);
        return -rc;
    }
    v->started = true;
    pthread_mutex_unlock(&v->vm->lock);
    return 0;
}

void vcpu_kick_process(void *vm_host, struct process *p)
{
    struct vcpu *v = p->host;
    (void)vm_host;
    if (v->started && !v->finished) {
        v->run->immediate_exit = 1;
        pthread_kill(v->thread, VCPU_KICK_SIGNAL);
    }
    pthread_cond_broadcast(&v->vm->cond); /* a thread blocked in a syscall looks again */
}

void vcpu_stop_process(void *vm_host, struct process *p)
{
    struct vcpu *v = p->host;
    (void)vm_host;
    __atomic_store_n(&v->stop, true, __ATOMIC_RELEASE);
    if (v->started) {
        v->run->immediate_exit = 1;
        pthread_kill(v->thread, VCPU_KICK_SIGNAL);
    }
    pthread_cond_broadcast(&v->vm->cond);
}

bool vcpu_process_stopping(void *vm_host, struct process *p)
{
    struct vm *vm = vm_host;
    struct vcpu *v = p->host;
    if (vcpu_stop_requested(v))
        return true;
    if (vm->deadline_ns == 0 || syscall_host_now_ns() < vm->deadline_ns)
        return false;
    __atomic_store_n(&vm->timed_out, true, __ATOMIC_RELEASE);
    v->stopped_by = VCPU_STOPPED_AT_TIMEOUT;
    __atomic_store_n(&v->stop, true, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&vm->cond);
    return true;
}

/* Whether the VM's holder gives up on the code it runs on a vCPU thread (struct vm_holder). Lock held. */
static bool holder_abandons(struct vm *vm)
{
    if (!vm->holder || vm->ask_holder_ns == 0 || syscall_host_now_ns() < vm->ask_holder_ns)
        return false;
    if (vm->holder->abandon(vm->holder->ctx))
        vm->abandoned = true;
    return vm->abandoned;
}

/* Kicks one vCPU until its thread has left the run loop, then joins it; false when the VM's holder gave up on
 * it first (the thread is left as it is). */
static bool stop_one(struct vcpu *v)
{
    struct vm *vm = v->vm;
    pthread_mutex_lock(&vm->lock);
    while (!v->finished && !holder_abandons(vm)) {
        pthread_kill(v->thread, VCPU_KICK_SIGNAL);
        uint64_t at = syscall_host_now_ns() + VCPU_KICK_RETRY_NS;
        struct timespec ts = {.tv_sec = (time_t)(at / 1000000000ULL), .tv_nsec = (long)(at % 1000000000ULL)};
        pthread_cond_timedwait(&vm->cond, &vm->lock, &ts);
    }
    bool finished = v->finished;
    pthread_mutex_unlock(&vm->lock);
    if (!finished)
        return false;
    pthread_join(v->thread, NULL);
    v->started = false;
    return true;
}

void vcpu_stop_all(struct vm *vm)
{
    if (vm->abandoned)
        return;
    pthread_mutex_lock(&vm->lock);
    for (unsigned i = 0; i < vm->nvcpus; i++) {
        struct vcpu *v = vm->vcpus[i];
        if (!v->started)
            continue;
        __atomic_store_n(&v->stop, true, __ATOMIC_RELEASE);
        v->run->immediate_exit = 1;
    }
    pthread_cond_broadcast(&vm->cond);
    pthread_mutex_unlock(&vm->lock);
    for (unsigned i = 0; i < vm->nvcpus; i++)
        if (vm->vcpus[i]->started && !stop_one(vm->vcpus[i]))
            return; /* abandoned: every other vCPU may wait on the code left behind */
}

void vcpu_destroy(struct vcpu *v)
{
    if (v->run)
        munmap(v->run, v->vm->run_size);
    if (v->fd >= 0)
        close(v->fd);
    if (v->program_fd >= 0)
        close(v->program_fd);
    free(v);
}
