/* vcpu.h: one vCPU per process: its KVM fd, its thread and the run loop. */
#ifndef ZXVMM_VM_VCPU_H
#define ZXVMM_VM_VCPU_H

#include <signal.h>
#include <stddef.h>

#include <zircon/syscalls/debug.h>
#include <zxvmm/abi.h>

#include "vm/vm.h"

/* The signal that makes a vCPU thread leave KVM_RUN (immediate_exit set first); its handler does nothing. */
#define VCPU_KICK_SIGNAL SIGUSR1

/*
 * Creates vCPU `id` for `proc` and sets its registers so that it enters the
 * process at CPL3 in 64-bit mode (vcpu_arch_setup). Returns VM_OK or
 * VM_ERR_SETUP with one line naming the failing call.
 */
enum vm_status vcpu_create(struct vm *vm, struct process *proc, unsigned id, struct vcpu **out, char *err,
                           size_t errlen);

/* Starts the vCPU's thread; the process becomes PROCESS_RUNNING. Returns 0 or -errno. */
int vcpu_start(struct vcpu *v);

/*
 * Stops every started vCPU (immediate_exit plus a signal, repeated until the
 * thread answers) and joins the threads. Processes still running end as
 * killed. Safe to call more than once. From vm->ask_holder_ns on, it asks
 * the VM's holder (struct vm_holder) while it waits; once that gives up, it
 * returns at once with vm->abandoned set, and does nothing ever after.
 */
void vcpu_stop_all(struct vm *vm);

/* The object room's hook: stops the vCPU of a process being killed. Lock held; never blocks. */
void vcpu_stop_process(void *vm, struct process *p);

/* The object room's hook: makes a running process's vCPU leave KVM_RUN to look at its suspend count. Lock
 * held; never blocks. */
void vcpu_kick_process(void *vm, struct process *p);

/*
 * The object room's hook for long operations: true when `p`'s vCPU is being
 * stopped, or when the run's --timeout has passed (then the run is marked
 * timed out and `p`'s vCPU told to stop, as the timeout would once it had the
 * lock). Called on `p`'s own vCPU thread, lock held; never blocks.
 */
bool vcpu_process_stopping(void *vm, struct process *p);

/* Whether `v` has been told to stop (its process killed, or the run over); any thread, never blocks. Inline:
 * the trace writer, which asks it, is also built without the vCPU code (the fuzz targets). */
static inline bool vcpu_stop_requested(const struct vcpu *v)
{
    return __atomic_load_n(&v->stop, __ATOMIC_ACQUIRE);
}

/* The program as given on the command line (whole), for messages; the process name when none was recorded. */
const char *vcpu_program(const struct vcpu *v);

/* Releases a stopped vCPU's fd and run area. */
void vcpu_destroy(struct vcpu *v);

/* Architecture hooks (vcpu_x86_64.c). */
enum vm_status vcpu_arch_setup(struct vcpu *v, char *err, size_t errlen);
/* Reads the faulting address register for an exception report (rare path: one ioctl). */
uint64_t vcpu_arch_fault_address(struct vcpu *v);

/*
 * The process's user registers into `out` (fs_base and gs_base from the
 * segment registers). After an exception stub's `out` (frame not NULL) the
 * general registers are the interrupted code's and rip, rsp and rflags come
 * from the frame; otherwise the vCPU is stopped at CPL3 and its own
 * registers (or the ones a syscall result is about to set) are taken.
 * Returns 0 or -errno (an ioctl failed).
 */
int vcpu_arch_capture(struct vcpu *v, const struct zxvmm_exception_frame *frame,
                      zx_thread_state_general_regs_t *out);

/*
 * Resumes the process at CPL3 with `regs` through KVM_SET_SREGS and
 * KVM_SET_REGS (never iretq: PLATFORM.md), user code and stack segments
 * included, so that it also leaves an exception stub. Returns 0 or -errno.
 */
/* Reloads the synced register copy (run->s.regs) from the vCPU after the registers were set. */
int vcpu_arch_sync_regs(struct vcpu *v);

int vcpu_arch_resume(struct vcpu *v, const zx_thread_state_general_regs_t *regs);

/* Loads DR0-DR3 and DR7 (KVM_SET_DEBUGREGS), DR6 reset; the vCPU is stopped. Returns 0 or -errno. */
int vcpu_arch_load_debug_regs(struct vcpu *v, const zx_thread_state_debug_regs_t *dr);

/* The x87 state and XMM0-15/MXCSR of the stopped vCPU (KVM_GET_XSAVE). Returns 0 or -errno. */
int vcpu_arch_capture_fpu(struct vcpu *v, zx_thread_state_fp_regs_t *fp, zx_thread_state_vector_regs_t *vec);

/* Loads them back (KVM_GET_XSAVE, then KVM_SET_XSAVE); MXCSR already checked. Returns 0 or -errno. */
int vcpu_arch_load_fpu(struct vcpu *v, const zx_thread_state_fp_regs_t *fp,
                       const zx_thread_state_vector_regs_t *vec);

/* Reads DR6 after a #DB (KVM_GET_DEBUGREGS). Returns 0 or -errno. */
int vcpu_arch_read_dr6(struct vcpu *v, uint64_t *dr6);

/*
 * While the vCPU is stopped in an exception stub's report (before the
 * capture that parks it): replaces the general registers the capture will
 * take, all but rip, rsp and rflags (which come from the stub's frame), and
 * the fs and gs bases. Returns 0 or -errno.
 */
int vcpu_arch_set_report_regs(struct vcpu *v, const zx_thread_state_general_regs_t *regs);

/* The frame the shim saved for its report of an exception, at `rsp` on the process's shim stack (the stub's
 * rsp at the report); NULL when rsp is not there. */
const struct zxvmm_exception_frame *vcpu_report_frame(struct vcpu *v, uint64_t rsp);

/*
 * The address of the hypercall a vCPU stopped on, given its rip at the exit:
 * rip itself where KVM leaves rip on the instruction until the next entry
 * (hardware virtualization, the lab), the instruction before it where the
 * platform moved past it before the exit (kvm-pvm).
 */
uint64_t vcpu_arch_hypercall_at(struct vcpu *v, uint64_t rip);

/*
 * Raises CPU exception `vector` in the stopped process as the CPU delivers
 * one (SDM Vol. 3A 6.14): the 64-bit frame (error code 0 where the vector
 * has one) on the shim's stack, the vCPU at the vector's shim stub at CPL0,
 * so the next entry runs the stub and the shim reports it as any other. The
 * frame's rip is the vCPU's, or with `after_hypercall` the instruction after
 * the hypercall it stopped on. Returns 0 or -errno.
 */
int vcpu_arch_raise_exception(struct vcpu *v, unsigned vector, bool after_hypercall);

/*
 * The same for a process stopped in the shim's report of an exception (at
 * an exec trigger's breakpoint): the frame is the reported one's with rip
 * `rip`, the general registers are the process's (with any change made at
 * this stop), and the report is dropped. Returns 0 or -errno.
 */
int vcpu_arch_raise_exception_in_report(struct vcpu *v, unsigned vector, uint64_t rip);

#endif
