/* vcpu.c: vCPU threads, the run loop and the handling of each kind of exit. */
#include "vm/vcpu.h"

#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <zircon/errors.h>
#include <zircon/syscalls/object.h>
#include <zircon/types.h>
#include <zxvmm/abi.h>

#include "vm/crash_report.h"
#include "x86_64/cpu.h"

#define VCPU_KICK_SIGNAL   SIGUSR1
#define VCPU_KICK_RETRY_NS 2000000ULL /* re-kick a vCPU that has not left KVM_RUN after 2 ms */

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

/* Writes all of buf to stdout; console_lock held. */
static void console_put(const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDOUT_FILENO, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* stdout is gone: the guest's output is dropped, the guest goes on */
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
    console_put("[", 1);
    console_put(vcpu_program(v), strlen(vcpu_program(v)));
    console_put(koid, (size_t)n);
    console_put(v->line, v->line_len);
    if (v->line[v->line_len - 1] != '\n')
        console_put("\n", 1);
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

static void console_write(void *host, const void *buf, size_t len)
{
    struct vcpu *v = host;
    pthread_mutex_lock(&v->vm->console_lock);
    if (v->vm->label_output)
        console_write_labelled(v, buf, len);
    else
        console_put(buf, len);
    pthread_mutex_unlock(&v->vm->console_lock);
}

static int block(void *host, uint64_t deadline_ns)
{
    struct vcpu *v = host;
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

/* The hot path: arguments from the synced registers, the result back through them. */
static bool handle_syscall(struct vcpu *v)
{
    struct kvm_regs *r = &v->run->s.regs.regs;
    struct syscall_call call = {
        .env = &v->sys,
        .caller = v->proc,
        .arg = {r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9, r->r12, r->r13},
    };
    uint64_t ret;
    /* Only the vDSO may enter the VMM: anything else gets BAD_SYSCALL, as an unknown number does. */
    if (r->rip < v->proc->vdso_lo || r->rip >= v->proc->vdso_hi)
        ret = (uint64_t)(int64_t)ZX_ERR_BAD_SYSCALL;
    else
        ret = syscall_dispatch(&call, (uint32_t)r->rax);
    note_debugging_refusal(v, (uint32_t)r->rax, ret);
    if (call.exit) {
        end_process(v, PROCESS_END_EXIT, call.exit_code);
        return false;
    }
    r->rax = ret;
    v->run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
    return true;
}

/* The shim reported a CPU exception: one report line, then the process dies. */
static void handle_exception(struct vcpu *v)
{
    const struct kvm_regs *r = &v->run->s.regs.regs;
    unsigned vector = (uint32_t)r->rax;
    const struct zxvmm_exception_frame *f = NULL;
    uint64_t off = r->rsp - PROCESS_KSTACK_BASE;
    if (r->rsp >= PROCESS_KSTACK_BASE && off + sizeof(*f) <= PROCESS_KSTACK_SIZE)
        f = mem_ptr(&v->vm->ram, gpa(v->proc->kstack_pa.raw + off), sizeof(*f));

    char line[256];
    int n = snprintf(line, sizeof(line), "%s", x86_exception_name(vector));
    if (f)
        n += snprintf(line + n, sizeof(line) - (size_t)n, " at rip 0x%llx", (unsigned long long)f->rip);
    if (vector == X86_VEC_PF)
        n += snprintf(line + n, sizeof(line) - (size_t)n, ", cr2 0x%llx",
                      (unsigned long long)vcpu_arch_fault_address(v));
    if (f && x86_exception_has_error_code(vector))
        snprintf(line + n, sizeof(line) - (size_t)n, " (error code 0x%llx)",
                 (unsigned long long)f->error_code);
    report(v, line);
    if (f)
        crash_report_print(v, f, vector); /* symbol, registers, hints (and -v backtrace) */
    end_process(v, PROCESS_END_EXCEPTION, ZX_TASK_RETCODE_EXCEPTION_KILL);
}

static bool handle_io(struct vcpu *v)
{
    const struct kvm_run *run = v->run;
    if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 4 && run->io.count == 1) {
        if (run->io.port == ZXVMM_PORT_SYSCALL)
            return handle_syscall(v);
        if (run->io.port == ZXVMM_PORT_EXCEPTION) {
            handle_exception(v);
            return false;
        }
    }
    char line[128];
    snprintf(line, sizeof(line), "killed: unexpected I/O (%s port 0x%x, size %u) at rip 0x%llx",
             run->io.direction == KVM_EXIT_IO_OUT ? "out to" : "in from", run->io.port, run->io.size,
             (unsigned long long)run->s.regs.regs.rip);
    report(v, line);
    end_process(v, PROCESS_END_EXCEPTION, ZX_TASK_RETCODE_EXCEPTION_KILL);
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

static bool stop_requested(struct vcpu *v)
{
    return __atomic_load_n(&v->stop, __ATOMIC_ACQUIRE);
}

static void *vcpu_thread(void *arg)
{
    struct vcpu *v = arg;
    while (!stop_requested(v)) {
        if (ioctl(v->fd, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            char line[128];
            snprintf(line, sizeof(line), "KVM_RUN: %s", strerror(errno));
            report(v, line);
            end_process(v, PROCESS_END_VMM_ERROR, ZX_TASK_RETCODE_EXCEPTION_KILL);
            break;
        }
        bool resume = v->run->exit_reason == KVM_EXIT_IO ? handle_io(v) : handle_other_exit(v);
        if (!resume)
            break;
    }
    /* A last line without its newline still comes out, labelled, when the process ends. */
    pthread_mutex_lock(&v->vm->console_lock);
    console_flush_line(v);
    pthread_mutex_unlock(&v->vm->console_lock);
    end_process(v, PROCESS_END_KILL, ZX_TASK_RETCODE_SYSCALL_KILL);
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

/* Kicks one vCPU until its thread has left the run loop, then joins it. */
static void stop_one(struct vcpu *v)
{
    struct vm *vm = v->vm;
    pthread_mutex_lock(&vm->lock);
    while (!v->finished) {
        pthread_kill(v->thread, VCPU_KICK_SIGNAL);
        uint64_t at = syscall_host_now_ns() + VCPU_KICK_RETRY_NS;
        struct timespec ts = {.tv_sec = (time_t)(at / 1000000000ULL), .tv_nsec = (long)(at % 1000000000ULL)};
        pthread_cond_timedwait(&vm->cond, &vm->lock, &ts);
    }
    pthread_mutex_unlock(&vm->lock);
    pthread_join(v->thread, NULL);
    v->started = false;
}

void vcpu_stop_all(struct vm *vm)
{
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
        if (vm->vcpus[i]->started)
            stop_one(vm->vcpus[i]);
}

void vcpu_destroy(struct vcpu *v)
{
    if (v->run)
        munmap(v->run, v->vm->run_size);
    if (v->fd >= 0)
        close(v->fd);
    free(v);
}
