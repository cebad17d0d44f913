/* vcpu.h: one vCPU per process: its KVM fd, its thread and the run loop. */
#ifndef ZXVMM_VM_VCPU_H
#define ZXVMM_VM_VCPU_H

#include <stddef.h>

#include "vm/vm.h"

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
 * killed. Safe to call more than once.
 */
void vcpu_stop_all(struct vm *vm);

/* The object room's hook: stops the vCPU of a process being killed. Lock held; never blocks. */
void vcpu_stop_process(void *vm, struct process *p);

/* The program as given on the command line (whole), for messages; the process name when none was recorded. */
const char *vcpu_program(const struct vcpu *v);

/* Releases a stopped vCPU's fd and run area. */
void vcpu_destroy(struct vcpu *v);

/* Architecture hooks (vcpu_x86_64.c). */
enum vm_status vcpu_arch_setup(struct vcpu *v, char *err, size_t errlen);
/* Reads the faulting address register for an exception report (rare path: one ioctl). */
uint64_t vcpu_arch_fault_address(struct vcpu *v);

#endif
