/* object.h: kernel objects (process, job, VMO, VMAR), their koids and signals, and the VM-wide object lock.
 */
#ifndef ZXVMM_OBJECT_OBJECT_H
#define ZXVMM_OBJECT_OBJECT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zircon/types.h>

struct aspace_env;
struct channel;
struct debug_host_debugger;
struct hostbp_table;
struct process;

/*
 * The header every object starts with. Processes, jobs and root VMARs live as
 * long as the VM (the VM owns them), and so do threads (one per process);
 * VMOs are reference-counted: each handle and each mapped page holds one
 * reference, and the last one frees the frames. Channels, exceptions and
 * suspend tokens are reference-counted too (handles, and a channel message
 * for an exception); the last reference releases them (thread.h).
 */
struct object {
    zx_obj_type_t type;
    zx_koid_t koid;
    zx_signals_t signals;
    uint64_t refs; /* the reference-counted types only */
};

/*
 * Where a task's exceptions of one kind go: the kernel end of an exception
 * channel. Unbound while `channel` is NULL; shut down for good when its task
 * dies (binding then fails with ZX_ERR_BAD_STATE).
 */
struct exceptionate {
    struct channel *channel;
    uint32_t type;             /* ZX_EXCEPTION_CHANNEL_TYPE_* */
    zx_rights_t thread_rights; /* rights of the handles zx_exception_get_thread/process make */
    zx_rights_t process_rights;
    bool shutdown;
};

/* The one job of ABI v1: every process of the VM is its child. */
struct job {
    struct object obj;
    struct exceptionate exceptionate;       /* ZX_EXCEPTION_CHANNEL_TYPE_JOB */
    struct exceptionate debug_exceptionate; /* ZX_EXCEPTION_CHANNEL_TYPE_JOB_DEBUGGER */
    struct process **children;              /* live processes, in creation order */
    size_t nchildren;
    size_t cap;
};

/*
 * Everything objects share in one VM. `lock` serialises every syscall that
 * touches objects, page tables or guest memory, so a kill, unmap or protect
 * never interleaves with a walk or a copy; `changed` is broadcast whenever a
 * signal rises or a process ends.
 */
struct objects {
    pthread_mutex_t *lock;
    pthread_cond_t *changed;
    const struct aspace_env *env;
    zx_koid_t next_koid;
    struct job root_job;
    /* Stops the vCPU of a process that is being killed (the VM provides it; never blocks). */
    void (*stop_process)(void *host, struct process *p);
    /* Makes the vCPU of a running process look at its suspend count soon (never blocks). */
    void (*kick_process)(void *host, struct process *p);
    /*
     * Asked by long operations on behalf of `p` (lock held, every few
     * thousand pages): true when `p` is being killed or the whole run is
     * stopping (--timeout), so the operation should give up now. NULL: never.
     */
    bool (*process_stopping)(void *host, struct process *p);
    void *host;
    /* Syscalls waiting for `lock`, and how many got it after waiting (atomics; objects_lock, objects_yield).
     */
    unsigned lock_waiting;
    unsigned lock_handoffs;
    /* A debugger outside the guest (the gdb stub) that sees every exception first (debug.h); NULL: none. */
    const struct debug_host_debugger *host_debugger;
    /* Breakpoints the VMM planted for itself (debug/hostbp.h), hidden from the guest; NULL: none. */
    struct hostbp_table *host_bps;
};

void objects_init(struct objects *o, pthread_mutex_t *lock, pthread_cond_t *changed,
                  const struct aspace_env *env);
void objects_destroy(struct objects *o);

/* Takes `lock` for a syscall; one that had to wait counts a handoff once it has it (objects_yield). */
void objects_lock(struct objects *o);

/*
 * For long operations, every so often, lock held: lets the lock go for a
 * moment (20 us), and when a syscall is waiting for it, until that syscall
 * has it (or a few milliseconds passed), then takes it back, so that a
 * zx_task_kill, or a thread woken from a wait, is not held up. The
 * caller must leave its objects consistent first and look again at anything
 * another syscall may have changed.
 */
void objects_yield(struct objects *o);

/* A fresh koid; never reused. Call with the lock held. */
zx_koid_t objects_new_koid(struct objects *o);

/* Raises signals on an object and wakes waiters. Call with the lock held. */
void object_signal(struct objects *o, struct object *obj, zx_signals_t signals);

/* Lowers signals on an object. Call with the lock held. */
void object_clear_signals(struct objects *o, struct object *obj, zx_signals_t signals);

/* Takes and drops references (no-ops for the VM-owned types). Call with the lock held. */
void object_ref(struct object *obj);
void object_unref(struct objects *o, struct object *obj);
void object_ref_many(struct object *obj, uint64_t n);
void object_unref_many(struct objects *o, struct object *obj, uint64_t n);

/* The koid of the object related to this one, as ZX_INFO_HANDLE_BASIC reports it (process → job, thread →
 * process). */
zx_koid_t object_related_koid(const struct object *obj);

/* Job membership. Call with the lock held. */
int job_add_process(struct job *j, struct process *p);
void job_remove_process(struct job *j, struct process *p);

#endif
