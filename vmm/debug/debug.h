/* debug.h: the one core that stops, inspects and resumes a process: exceptions and their handler chain,
 * suspension, thread state, debugger memory access. The in-guest syscalls and the gdb stub use it. */
#ifndef ZXVMM_DEBUG_DEBUG_H
#define ZXVMM_DEBUG_DEBUG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zircon/syscalls/exception.h>
#include <zircon/types.h>

#include "object/process.h"

/* How the vCPU running a thread lets the core wait: releases the object lock until something changes. */
struct debug_host {
    int (*wait)(void *host); /* 0: look again; -EINTR: the vCPU must stop */
    void *host;
};

enum debug_verdict {
    DEBUG_RESUME,      /* run on with the thread's registers (t->regs) */
    DEBUG_KILL,        /* nobody handled the exception: kill with ZX_TASK_RETCODE_EXCEPTION_KILL */
    DEBUG_EXIT_THREAD, /* a handler chose ZX_EXCEPTION_STATE_THREAD_EXIT: the process ends */
    DEBUG_STOPPED,     /* the process was killed (or the VM stops) while it waited */
};

/*
 * The ZX_EXCP_* type of an x86-64 vector raised at CPL3 (SEMANTICS.md
 * section 7): #BP SW_BREAKPOINT, #DB HW_BREAKPOINT, #UD UNDEFINED_INSTRUCTION,
 * #PF FATAL_PAGE_FAULT, everything else GENERAL.
 */
uint32_t debug_exception_type(unsigned vector);

/*
 * The zx_status_t Zircon's page-fault handler gives for an unresolvable
 * fault at `addr`, which its report carries as synth_code: ZX_ERR_NOT_FOUND
 * where nothing is mapped, ZX_ERR_ACCESS_DENIED where a mapping forbids the
 * access. Lock held.
 */
zx_status_t debug_page_fault_status(const struct process *p, uint64_t addr);

/*
 * Offers an architectural exception (or ZX_EXCP_POLICY_ERROR) of `t`, whose
 * user registers are in t->regs, to its handlers in Zircon's order: process
 * debugger channel, thread, process, the debugger again if it asked for a
 * second chance, job. Each bound channel gets one message and the thread waits
 * (no CPU) until its exception handle is closed: HANDLED resumes, TRY_NEXT
 * moves on. Lock held (released while waiting).
 */
enum debug_verdict debug_exception(struct objects *o, struct thread *t, uint32_t type,
                                   const zx_exception_report_t *report, const struct debug_host *h);

/*
 * Sends a synthetic exception (THREAD_STARTING, THREAD_EXITING,
 * PROCESS_STARTING) to `e` alone and waits until it is closed, whatever its
 * state. DEBUG_RESUME when nothing is bound. Lock held.
 */
enum debug_verdict debug_synthetic(struct objects *o, struct thread *t, struct exceptionate *e, uint32_t type,
                                   const struct debug_host *h);

/*
 * Parks a suspended thread (t->suspend_count > 0; t->regs already captured):
 * ZX_THREAD_SUSPENDED until the last token goes, then ZX_THREAD_RUNNING.
 * Returns DEBUG_RESUME at once when nothing suspends it. Lock held.
 */
enum debug_verdict debug_park_suspended(struct objects *o, struct thread *t, const struct debug_host *h);

/*
 * For --spawn-stopped: waits until a process debugger channel is bound to
 * t's process; then reports ZX_EXCP_THREAD_STARTING on it. Lock held.
 */
enum debug_verdict debug_hold_until_attached(struct objects *o, struct thread *t, const struct debug_host *h);

/* The thread's start: PROCESS_STARTING to a job debugger, THREAD_STARTING to a process debugger. */
enum debug_verdict debug_thread_starting(struct objects *o, struct thread *t, const struct debug_host *h);

/*
 * Suspends `t` with a new token: ZX_ERR_BAD_STATE when its process is dying
 * or dead, ZX_ERR_NO_MEMORY. The thread stops asynchronously (the VM's
 * kick_process hook); ZX_THREAD_SUSPENDED rises once it has. Lock held.
 */
zx_status_t debug_suspend(struct objects *o, struct thread *t, struct suspend_token **out);

/* Size of a thread state `kind` (ZX_THREAD_STATE_*) zxvmm serves, or 0 (INVALID_ARGS). */
size_t debug_state_size(uint32_t kind);

/* Copies state `kind` of a parked thread into `out` (debug_state_size bytes). */
void debug_read_state(const struct thread *t, uint32_t kind, void *out);

/*
 * Writes state `kind` of a parked thread from `in` after validating it:
 * ZX_ERR_INVALID_ARGS for a rip or fs/gs base that is non-canonical or in
 * the kernel half, a single-step value other than 0 and 1, or an MXCSR
 * with reserved bits set; debug registers as debug_set_debug_regs. Only
 * X86_RFLAGS_USER bits of rflags are taken; of the vector registers only
 * XMM0-15 (zmm[i].v[0-1]) and MXCSR exist (the guest has SSE, no AVX), the
 * rest is ignored. FP and vector writes are loaded at the next resume
 * (fpu_dirty).
 */
zx_status_t debug_write_state(struct thread *t, uint32_t kind, const void *in);

/*
 * A debugger outside the guest (the gdb stub, GDB.md). It sees each
 * exception of every thread before the guest's handler chain
 * (SEMANTICS.md section 7, last paragraph).
 */
struct debug_host_debugger {
    /*
     * Called with the lock held when `t` raises `type` (t->regs captured,
     * t->report filled, t->in_exception set). May wait with `h`. Returns
     * DEBUG_RESUME when the host debugger consumed the exception (the thread
     * runs on with t->regs), DEBUG_KILL to pass it on to the guest's handler
     * chain, DEBUG_STOPPED when the thread must stop.
     */
    enum debug_verdict (*exception)(void *ctx, struct thread *t, uint32_t type, const struct debug_host *h);
    void *ctx;
    /*
     * Whether it has a breakpoint of its own at `addr` in `p` (NULL: never).
     * A host breakpoint there (hostbp.h) passes its #BP on to it. Lock held.
     */
    bool (*has_breakpoint)(void *ctx, const struct process *p, uint64_t addr);
};

/* Attaches (or, with NULL, detaches) the VM's host debugger. Lock held. */
void debug_set_host_debugger(struct objects *o, const struct debug_host_debugger *d);

/*
 * Holds `t` for a host debugger: a suspension without a token object (its
 * vCPU parks with its registers in t->regs, as for zx_task_suspend_token).
 * Returns false (nothing held) for a thread that is dying or dead. Lock held.
 */
bool debug_hold(struct objects *o, struct thread *t);

/* Lifts one debug_hold; the thread runs on once nothing else holds it. Lock held. */
void debug_release(struct objects *o, struct thread *t);

/*
 * True when `t` no longer runs guest code: parked (suspended or in an
 * exception, so t->regs are current), dying or dead. A thread not started
 * yet is not stopped: its registers are captured when it parks. Lock held.
 */
bool debug_thread_stopped(const struct thread *t);

/*
 * Copies up to `len` bytes between `buf` and the user memory of `p` at `va`
 * with debugger privileges: page protections are ignored, supervisor pages
 * and unmapped addresses end the copy. Writes to the shared vDSO are refused
 * unless `shared_code` (a breakpoint the host debugger plants for every
 * process). Returns the bytes copied from the start. Lock held.
 */
size_t debug_access_memory(struct objects *o, struct process *p, uint64_t va, void *buf, size_t len,
                           bool write, bool shared_code);

/*
 * Hardware breakpoints and watchpoints (DR0-DR3, DR7), for every debugger:
 * the in-guest ZX_THREAD_STATE_DEBUG_REGS and the gdb stub's Z1-Z4. The
 * thread's vCPU loads them (KVM_SET_DEBUGREGS) when it next resumes; a hit
 * is a #DB at CPL3, ZX_EXCP_HW_BREAKPOINT, with DR6 saying which slot.
 * Lock held; the thread parked.
 */

/*
 * Whether DR0-DR3 hits at CPL3 reach the guest's #DB vector on this
 * platform. Measured false in the nested-KVM lab (docs/debugging.md): the
 * setters below validate their arguments, then return ZX_ERR_NOT_SUPPORTED
 * and arm nothing. Set it true where a probe shows delivery works.
 */
#define DEBUG_HW_BREAKPOINTS_DELIVERED false

/*
 * Sets DR0-DR3 and DR7 as Zircon's x86_validate_debug_state does: every
 * non-zero address must lie in the user range [ZXVMM_USER_BASE,
 * ZXVMM_USER_END), else ZX_ERR_INVALID_ARGS (nothing changed); DR7 keeps
 * only X86_DR7_USER_MASK bits, with X86_DR7_FIXED set; DR6 is not writable
 * (the value given is ignored). Then ZX_ERR_NOT_SUPPORTED unless
 * DEBUG_HW_BREAKPOINTS_DELIVERED.
 */
zx_status_t debug_set_debug_regs(struct thread *t, const zx_thread_state_debug_regs_t *in);

/* What a hardware slot watches (DR7 R/W encodings). */
enum debug_hw_kind {
    DEBUG_HW_EXECUTE = 0, /* an instruction fetch at the address (length 1) */
    DEBUG_HW_WRITE = 1,   /* a data write touching [addr, addr + len) */
    DEBUG_HW_ACCESS = 3,  /* a data read or write touching it (x86 has no read-only watch) */
};

/*
 * Arms slot `slot` (0-3): ZX_ERR_INVALID_ARGS for a slot out of range, an
 * address outside the user range, a length other than 1, 2, 4 or 8, an
 * address not aligned to it, or an execute slot with a length other than 1;
 * then ZX_ERR_NOT_SUPPORTED unless DEBUG_HW_BREAKPOINTS_DELIVERED.
 */
zx_status_t debug_hw_slot_set(struct thread *t, unsigned slot, uint64_t addr, enum debug_hw_kind kind,
                              unsigned len);

/* Disarms slot `slot` (its address is cleared too); slots out of range are ignored. */
void debug_hw_slot_clear(struct thread *t, unsigned slot);

/* Records DR6 as read after a #DB (for ZX_THREAD_STATE_DEBUG_REGS); the resume clears the hardware's. */
void debug_note_dr6(struct thread *t, uint64_t dr6);

#endif
