/* thread.h: a process's one thread, the exception ports of tasks (exceptionates), exception channels,
 * exceptions and suspend tokens. */
#ifndef ZXVMM_OBJECT_THREAD_H
#define ZXVMM_OBJECT_THREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zircon/syscalls/debug.h>
#include <zircon/syscalls/exception.h>
#include <zircon/types.h>

#include "object/object.h"

struct process;
struct channel;

/* One message of an exception channel: the info bytes and the exception it carries. */
struct channel_message {
    struct channel_message *next;
    zx_exception_info_t info;
    struct exception *exception; /* holds one reference */
};

/*
 * The user end of an exception channel (ZX_OBJ_TYPE_CHANNEL). Reference-
 * counted by its handles; the last close unbinds the exceptionate and passes
 * every unread exception on (TRY_NEXT).
 */
struct channel {
    struct object obj;
    struct exceptionate *owner; /* NULL once the task side is gone: ZX_CHANNEL_PEER_CLOSED */
    struct channel_message *head, *tail;
};

/*
 * An exception in flight (ZX_OBJ_TYPE_EXCEPTION), reference-counted by its
 * handles and the channel message that carries it. When the last reference
 * goes, the waiting thread learns `state` and goes on.
 */
struct exception {
    struct object obj;
    struct thread *thread; /* the thread waiting on it; NULL once it no longer waits */
    struct thread *task;   /* the thread that raised it (threads live as long as the VM) */
    zx_rights_t thread_rights;
    zx_rights_t process_rights; /* 0: not available (a thread channel) */
    uint32_t state;             /* ZX_EXCEPTION_STATE_* */
    uint32_t strategy;          /* ZX_EXCEPTION_STRATEGY_* */
    uint32_t channel_type;      /* the ZX_EXCEPTION_CHANNEL_TYPE_* it was sent to */
};

/* A suspension of a thread (ZX_OBJ_TYPE_SUSPEND_TOKEN); closing its last handle lifts it. */
struct suspend_token {
    struct object obj;
    struct thread *thread;
};

enum thread_state {
    THREAD_NEW,     /* not started */
    THREAD_RUNNING, /* running guest code or in a syscall */
    THREAD_DEAD,
};

/*
 * The one thread of a process (ZX_OBJ_TYPE_THREAD), owned by it. While it is
 * parked (in an exception or suspended) `regs` hold its user registers, which
 * a debugger reads and writes; the vCPU applies them when it resumes.
 */
struct thread {
    struct object obj;
    struct process *process;
    char name[ZX_MAX_NAME_LEN];
    enum thread_state state;
    uint32_t suspend_count;       /* live suspend tokens */
    bool suspended;               /* parked because of suspend_count */
    struct exception *exception;  /* the exception it waits on, or NULL */
    bool in_exception;            /* parked in the handler chain */
    bool second_chance;           /* a debugger asked to see this exception again */
    uint32_t exception_result;    /* ZX_EXCEPTION_STATE_* of the last closed exception */
    bool has_report;              /* `report` describes the exception being handled */
    zx_exception_report_t report; /* ZX_INFO_THREAD_EXCEPTION_REPORT */
    zx_thread_state_general_regs_t regs;
    zx_thread_state_debug_regs_t debug_regs;   /* as the debugger set them; dr6 as of the last #DB */
    bool debug_regs_dirty;                     /* load debug_regs into the vCPU at the next resume */
    zx_thread_state_fp_regs_t fp_regs;         /* x87 state while parked */
    zx_thread_state_vector_regs_t vector_regs; /* XMM0-15 and MXCSR while parked */
    bool fpu_dirty;                            /* load both into the vCPU at the next resume */
    struct exceptionate exceptionate;          /* ZX_EXCEPTION_CHANNEL_TYPE_THREAD */
};

/* Sets up the thread of `p` (state NEW). Lock held. */
void thread_init(struct thread *t, struct objects *o, struct process *p);

/* True while the thread is parked where a debugger may read and write its registers. */
bool thread_is_parked(const struct thread *t);

/* ZX_INFO_THREAD's state value. */
uint32_t thread_info_state(const struct thread *t);

/* Initialises an exceptionate of `type`, unbound. */
void exceptionate_init(struct exceptionate *e, uint32_t type);

/*
 * Binds a new channel to `e` and returns it with one reference (for the
 * caller's handle): ZX_ERR_BAD_STATE when `e` is shut down,
 * ZX_ERR_ALREADY_BOUND when a channel is bound, ZX_ERR_NO_MEMORY. Lock held.
 */
zx_status_t exceptionate_bind(struct objects *o, struct exceptionate *e, zx_rights_t thread_rights,
                              zx_rights_t process_rights, struct channel **out);

/* The task of `e` died: its channel sees ZX_CHANNEL_PEER_CLOSED; nothing binds again. Lock held. */
void exceptionate_shutdown(struct objects *o, struct exceptionate *e);

/*
 * Queues an exception of `t` on `e`'s channel and makes `t` wait on it
 * (t->exception). Returns false when `e` has no channel (nothing sent) or
 * host memory ran out. Lock held.
 */
bool exceptionate_send(struct objects *o, struct exceptionate *e, struct thread *t, uint32_t type);

/* Takes the first message of a channel (NULL when empty); the caller owns it and its reference. */
struct channel_message *channel_take(struct objects *o, struct channel *c);

/* The thread no longer waits on its exception (killed): the exception stays, detached. Lock held. */
void thread_abandon_exception(struct thread *t);

/* A new suspend token for `t` (suspend_count + 1), or NULL when host memory ran out. Lock held. */
struct suspend_token *suspend_token_create(struct objects *o, struct thread *t);

/* Frees one of the objects above when its last reference goes (called by object_unref). Lock held. */
void channel_release(struct objects *o, struct channel *c);
void exception_release(struct objects *o, struct exception *e);
void suspend_token_release(struct objects *o, struct suspend_token *s);

#endif
