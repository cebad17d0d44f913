/* sys_debug.c: debugging syscalls: exception channels and exceptions, channel reads, properties, thread
 * state and suspension (SEMANTICS.md section 7). The debug core does the stopping and resuming. */
#include <stdlib.h>
#include <string.h>

#include <zircon/errors.h>
#include <zircon/rights.h>
#include <zircon/syscalls/debug.h>
#include <zircon/syscalls/exception.h>
#include <zircon/syscalls/object.h>
#include <zircon/types.h>

#include "debug/debug.h"
#include "object/thread.h"
#include "syscall/syscall.h"
#include "syscall/uaccess.h"

#define EXCEPTION_TASK_RIGHTS                                                                                \
    (ZX_RIGHT_INSPECT | ZX_RIGHT_DUPLICATE | ZX_RIGHT_TRANSFER | ZX_RIGHT_MANAGE_THREAD)
#define EXCEPTION_CHANNEL_RIGHTS (ZX_RIGHT_TRANSFER | ZX_RIGHT_WAIT | ZX_RIGHT_READ)
#define CHANNEL_READ_MAY_DISCARD ((uint32_t)1u) /* ZX_CHANNEL_READ_MAY_DISCARD */

/* Room for any thread state zxvmm serves. */
union thread_state_buffer {
    zx_thread_state_general_regs_t general;
    zx_thread_state_fp_regs_t fp;
    zx_thread_state_vector_regs_t vector;
    zx_thread_state_debug_regs_t debug;
    zx_thread_state_single_step_t step;
};

/* Looks a handle up and checks its type, then its rights (Zircon's typed lookup). */
static zx_status_t typed_handle(const struct syscall_call *c, zx_handle_t value, zx_obj_type_t type,
                                zx_rights_t need, struct object **obj, zx_rights_t *rights)
{
    zx_rights_t have;
    zx_status_t st = syscall_handle(c, value, obj, &have);
    if (st != ZX_OK)
        return st;
    if ((*obj)->type != type)
        return ZX_ERR_WRONG_TYPE;
    if ((have & need) != need)
        return ZX_ERR_ACCESS_DENIED;
    if (rights)
        *rights = have;
    return ZX_OK;
}

/* Looks a handle up and checks its rights, type unchecked (Zircon's generic lookup). */
static zx_status_t rights_handle(const struct syscall_call *c, zx_handle_t value, zx_rights_t need,
                                 struct object **obj, zx_rights_t *rights)
{
    zx_status_t st = syscall_handle(c, value, obj, rights);
    if (st != ZX_OK)
        return st;
    return (*rights & need) == need ? ZX_OK : ZX_ERR_ACCESS_DENIED;
}

/* The exceptionate `options` names on a task object, with the process rights its exceptions grant. */
static zx_status_t task_exceptionate(struct object *obj, bool debugger, zx_rights_t task_rights,
                                     struct exceptionate **out, zx_rights_t *process_rights)
{
    *process_rights = task_rights;
    switch (obj->type) {
    case ZX_OBJ_TYPE_JOB: {
        struct job *j = (struct job *)obj;
        *out = debugger ? &j->debug_exceptionate : &j->exceptionate;
        break;
    }
    case ZX_OBJ_TYPE_PROCESS: {
        struct process *p = (struct process *)obj;
        *out = debugger ? &p->debug_exceptionate : &p->exceptionate;
        break;
    }
    case ZX_OBJ_TYPE_THREAD:
        if (debugger)
            return ZX_ERR_INVALID_ARGS;
        *process_rights = 0; /* a thread handler gets no way up the task tree */
        *out = &((struct thread *)obj)->exceptionate;
        return ZX_OK;
    default:
        return ZX_ERR_WRONG_TYPE;
    }
    /* Jobs and processes: ENUMERATE proves the caller may reach the thread. */
    return (task_rights & ZX_RIGHT_ENUMERATE) ? ZX_OK : ZX_ERR_ACCESS_DENIED;
}

uint64_t sys_zx_task_create_exception_channel(struct syscall_call *c)
{
    uint32_t options = (uint32_t)c->arg[1];
    if (options & ~ZX_EXCEPTION_CHANNEL_DEBUGGER)
        return syscall_status(ZX_ERR_INVALID_ARGS);
    struct object *obj;
    zx_rights_t task_rights, process_rights;
    zx_status_t st = rights_handle(c, (zx_handle_t)c->arg[0], EXCEPTION_TASK_RIGHTS, &obj, &task_rights);
    if (st != ZX_OK)
        return syscall_status(st);
    struct exceptionate *e;
    st = task_exceptionate(obj, options & ZX_EXCEPTION_CHANNEL_DEBUGGER, task_rights, &e, &process_rights);
    if (st != ZX_OK)
        return syscall_status(st);
    struct channel *ch;
    st = exceptionate_bind(c->env->objects, e, task_rights, process_rights, &ch);
    if (st != ZX_OK)
        return syscall_status(st);
    return syscall_status(syscall_give_handle(c, &ch->obj, EXCEPTION_CHANNEL_RIGHTS, c->arg[2]));
}

/* Stores a channel read's sizes where the caller asked for them. */
static zx_status_t store_actuals(struct syscall_call *c, uint32_t nbytes, uint32_t nhandles)
{
    if (c->arg[6] && syscall_store(c, c->arg[6], &nbytes, sizeof(nbytes)) != ZX_OK)
        return ZX_ERR_INVALID_ARGS;
    if (c->arg[7] && syscall_store(c, c->arg[7], &nhandles, sizeof(nhandles)) != ZX_OK)
        return ZX_ERR_INVALID_ARGS;
    return ZX_OK;
}

/* Drops a message taken off a channel: its exception handle closes (the exception moves on). */
static void drop_message(struct syscall_call *c, struct channel_message *m)
{
    object_unref(c->env->objects, &m->exception->obj);
    free(m);
}

uint64_t sys_zx_channel_read(struct syscall_call *c)
{
    uint32_t options = (uint32_t)c->arg[1];
    uint64_t bytes = c->arg[2], handles = c->arg[3];
    uint32_t num_bytes = (uint32_t)c->arg[4], num_handles = (uint32_t)c->arg[5];
    struct object *obj;
    zx_status_t st = typed_handle(c, (zx_handle_t)c->arg[0], ZX_OBJ_TYPE_CHANNEL, ZX_RIGHT_READ, &obj, NULL);
    if (st != ZX_OK)
        return syscall_status(st);
    if (options & ~CHANNEL_READ_MAY_DISCARD)
        return syscall_status(ZX_ERR_NOT_SUPPORTED);
    struct channel *ch = (struct channel *)obj;
    if (!ch->head)
        return syscall_status(ch->owner ? ZX_ERR_SHOULD_WAIT : ZX_ERR_PEER_CLOSED);
    const uint32_t msg_bytes = sizeof(zx_exception_info_t), msg_handles = 1;
    bool too_small = num_bytes < msg_bytes || num_handles < msg_handles;
    if (too_small && !(options & CHANNEL_READ_MAY_DISCARD)) {
        st = store_actuals(c, msg_bytes, msg_handles);
        return syscall_status(st != ZX_OK ? st : ZX_ERR_BUFFER_TOO_SMALL);
    }
    struct channel_message *m = channel_take(c->env->objects, ch);
    st = store_actuals(c, msg_bytes, msg_handles);
    if (st != ZX_OK || too_small) {
        drop_message(c, m);
        return syscall_status(st != ZX_OK ? st : ZX_ERR_BUFFER_TOO_SMALL);
    }
    if (syscall_store(c, bytes, &m->info, sizeof(m->info)) != ZX_OK) {
        drop_message(c, m);
        return syscall_status(ZX_ERR_INVALID_ARGS);
    }
    /* The message's reference passes to the new handle (or is dropped if that fails). */
    st = syscall_give_handle(c, &m->exception->obj, ZX_DEFAULT_EXCEPTION_RIGHTS, handles);
    free(m);
    return syscall_status(st);
}

/* zx_exception_get_thread and _process: a new handle to the exception's task. */
static uint64_t exception_task(struct syscall_call *c, bool process)
{
    struct object *obj;
    zx_status_t st =
        typed_handle(c, (zx_handle_t)c->arg[0], ZX_OBJ_TYPE_EXCEPTION, ZX_RIGHT_NONE, &obj, NULL);
    if (st != ZX_OK)
        return syscall_status(st);
    struct exception *x = (struct exception *)obj;
    zx_rights_t rights = process ? x->process_rights : x->thread_rights;
    if (rights == 0)
        return syscall_status(ZX_ERR_ACCESS_DENIED); /* from a thread channel: no process handle */
    struct thread *t = x->task;
    struct object *task = process ? &t->process->obj : &t->obj;
    return syscall_status(syscall_give_handle(c, task, rights, c->arg[1]));
}

uint64_t sys_zx_exception_get_thread(struct syscall_call *c)
{
    return exception_task(c, false);
}

uint64_t sys_zx_exception_get_process(struct syscall_call *c)
{
    return exception_task(c, true);
}

/* The name of a process or thread (others have an empty one); NULL when the object cannot be named. */
static char *object_name(struct object *obj)
{
    if (obj->type == ZX_OBJ_TYPE_PROCESS)
        return ((struct process *)obj)->name;
    if (obj->type == ZX_OBJ_TYPE_THREAD)
        return ((struct thread *)obj)->name;
    return NULL;
}

/* The uint32_t an exception property names. */
static uint32_t *exception_property(struct exception *x, uint32_t property)
{
    return property == ZX_PROP_EXCEPTION_STATE ? &x->state : &x->strategy;
}

uint64_t sys_zx_object_get_property(struct syscall_call *c)
{
    uint32_t property = (uint32_t)c->arg[1];
    uint64_t value = c->arg[2];
    size_t size = (size_t)c->arg[3];
    if (value == 0)
        return syscall_status(ZX_ERR_INVALID_ARGS); /* Zircon checks it before the handle */
    struct object *obj;
    zx_rights_t rights;
    zx_status_t st = rights_handle(c, (zx_handle_t)c->arg[0], ZX_RIGHT_GET_PROPERTY, &obj, &rights);
    if (st != ZX_OK)
        return syscall_status(st);
    switch (property) {
    case ZX_PROP_NAME: {
        if (size < ZX_MAX_NAME_LEN)
            return syscall_status(ZX_ERR_BUFFER_TOO_SMALL);
        char name[ZX_MAX_NAME_LEN] = {0};
        const char *have = object_name(obj);
        if (have)
            memcpy(name, have, strnlen(have, sizeof(name) - 1));
        return syscall_status(syscall_store(c, value, name, sizeof(name)));
    }
    case ZX_PROP_EXCEPTION_STATE:
    case ZX_PROP_EXCEPTION_STRATEGY:
        if (size < sizeof(uint32_t))
            return syscall_status(ZX_ERR_BUFFER_TOO_SMALL);
        if (obj->type != ZX_OBJ_TYPE_EXCEPTION)
            return syscall_status(ZX_ERR_WRONG_TYPE);
        return syscall_status(
            syscall_store(c, value, exception_property((struct exception *)obj, property), sizeof(uint32_t)));
    default:
        return syscall_status(ZX_ERR_INVALID_ARGS);
    }
}

/* Checks and applies a new exception state or strategy (the value already read). */
static zx_status_t set_exception_property(struct exception *x, uint32_t property, uint32_t v)
{
    if (property == ZX_PROP_EXCEPTION_STATE) {
        if (v != ZX_EXCEPTION_STATE_TRY_NEXT && v != ZX_EXCEPTION_STATE_HANDLED &&
            v != ZX_EXCEPTION_STATE_THREAD_EXIT)
            return ZX_ERR_INVALID_ARGS;
    } else if (v != ZX_EXCEPTION_STRATEGY_FIRST_CHANCE && v != ZX_EXCEPTION_STRATEGY_SECOND_CHANCE) {
        return ZX_ERR_INVALID_ARGS;
    }
    *exception_property(x, property) = v;
    return ZX_OK;
}

/*
 * Zircon's test for a new strategy, made before the value is read: the
 * exception's thread must be waiting on a process debugger channel now
 * (ZX_INFO_THREAD's wait_exception_channel_type), else ZX_ERR_BAD_STATE.
 */
static bool held_by_debugger(const struct exception *x)
{
    const struct thread *t = x->task;
    return t->state != THREAD_DEAD && t->in_exception && t->exception &&
           t->exception->channel_type == ZX_EXCEPTION_CHANNEL_TYPE_DEBUGGER;
}

uint64_t sys_zx_object_set_property(struct syscall_call *c)
{
    uint32_t property = (uint32_t)c->arg[1];
    uint64_t value = c->arg[2];
    size_t size = (size_t)c->arg[3];
    if (value == 0)
        return syscall_status(ZX_ERR_INVALID_ARGS); /* Zircon checks it before the handle */
    struct object *obj;
    zx_rights_t rights;
    zx_status_t st = rights_handle(c, (zx_handle_t)c->arg[0], ZX_RIGHT_SET_PROPERTY, &obj, &rights);
    if (st != ZX_OK)
        return syscall_status(st);
    struct pt_walk_ctx w = syscall_caller_walk(c);
    switch (property) {
    case ZX_PROP_NAME: {
        char name[ZX_MAX_NAME_LEN] = {0};
        if (size >= ZX_MAX_NAME_LEN)
            size = ZX_MAX_NAME_LEN - 1; /* silently truncated, as Zircon does */
        if (uaccess_copy_in(&w, name, value, size) != ZX_OK)
            return syscall_status(ZX_ERR_INVALID_ARGS);
        char *have = object_name(obj);
        if (!have)
            return syscall_status(ZX_ERR_NOT_SUPPORTED);
        memcpy(have, name, sizeof(name));
        return ZX_OK;
    }
    case ZX_PROP_EXCEPTION_STATE:
    case ZX_PROP_EXCEPTION_STRATEGY: {
        if (size < sizeof(uint32_t))
            return syscall_status(ZX_ERR_BUFFER_TOO_SMALL);
        if (obj->type != ZX_OBJ_TYPE_EXCEPTION)
            return syscall_status(ZX_ERR_WRONG_TYPE);
        if (property == ZX_PROP_EXCEPTION_STRATEGY && !held_by_debugger((struct exception *)obj))
            return syscall_status(ZX_ERR_BAD_STATE); /* only a process debugger gets a second chance */
        uint32_t v;
        if (uaccess_copy_in(&w, &v, value, sizeof(v)) != ZX_OK)
            return syscall_status(ZX_ERR_INVALID_ARGS);
        return syscall_status(set_exception_property((struct exception *)obj, property, v));
    }
    default:
        return syscall_status(ZX_ERR_INVALID_ARGS);
    }
}

uint64_t sys_zx_thread_read_state(struct syscall_call *c)
{
    uint32_t kind = (uint32_t)c->arg[1];
    uint64_t buffer = c->arg[2];
    size_t size = (size_t)c->arg[3];
    struct object *obj;
    zx_status_t st = typed_handle(c, (zx_handle_t)c->arg[0], ZX_OBJ_TYPE_THREAD, ZX_RIGHT_READ, &obj, NULL);
    if (st != ZX_OK)
        return syscall_status(st);
    size_t need = debug_state_size(kind);
    if (need == 0)
        return syscall_status(ZX_ERR_INVALID_ARGS);
    if (size < need)
        return syscall_status(ZX_ERR_BUFFER_TOO_SMALL);
    struct thread *t = (struct thread *)obj;
    if (!thread_is_parked(t) || process_is_dying(t->process))
        return syscall_status(ZX_ERR_BAD_STATE);
    union thread_state_buffer state;
    debug_read_state(t, kind, &state);
    return syscall_status(syscall_store(c, buffer, &state, need));
}

uint64_t sys_zx_thread_write_state(struct syscall_call *c)
{
    uint32_t kind = (uint32_t)c->arg[1];
    uint64_t buffer = c->arg[2];
    size_t size = (size_t)c->arg[3];
    if (kind == ZX_THREAD_STATE_DEBUG_REGS && !c->env->options->enable_debugging_syscalls)
        return syscall_status(ZX_ERR_NOT_SUPPORTED);
    struct object *obj;
    zx_status_t st = typed_handle(c, (zx_handle_t)c->arg[0], ZX_OBJ_TYPE_THREAD, ZX_RIGHT_WRITE, &obj, NULL);
    if (st != ZX_OK)
        return syscall_status(st);
    size_t need = debug_state_size(kind);
    if (need == 0)
        return syscall_status(ZX_ERR_INVALID_ARGS);
    if (size < need)
        return syscall_status(ZX_ERR_BUFFER_TOO_SMALL);
    union thread_state_buffer state;
    struct pt_walk_ctx w = syscall_caller_walk(c);
    if (uaccess_copy_in(&w, &state, buffer, need) != ZX_OK)
        return syscall_status(ZX_ERR_INVALID_ARGS);
    struct thread *t = (struct thread *)obj;
    if (!thread_is_parked(t) || process_is_dying(t->process))
        return syscall_status(ZX_ERR_BAD_STATE);
    return syscall_status(debug_write_state(t, kind, &state));
}

uint64_t sys_zx_task_suspend_token(struct syscall_call *c)
{
    struct object *obj;
    zx_rights_t rights;
    zx_status_t st = rights_handle(c, (zx_handle_t)c->arg[0], ZX_RIGHT_WRITE, &obj, &rights);
    if (st != ZX_OK)
        return syscall_status(st);
    if (obj == &c->caller->obj || obj == &c->caller->thread.obj)
        return syscall_status(ZX_ERR_NOT_SUPPORTED); /* suspending oneself */
    struct thread *t;
    if (obj->type == ZX_OBJ_TYPE_THREAD)
        t = (struct thread *)obj;
    else if (obj->type == ZX_OBJ_TYPE_PROCESS)
        t = &((struct process *)obj)->thread;
    else
        return syscall_status(ZX_ERR_WRONG_TYPE);
    struct suspend_token *token;
    st = debug_suspend(c->env->objects, t, &token);
    if (st != ZX_OK)
        return syscall_status(st);
    return syscall_status(syscall_give_handle(c, &token->obj, ZX_DEFAULT_SUSPEND_TOKEN_RIGHTS, c->arg[1]));
}

uint64_t sys_zx_task_suspend(struct syscall_call *c)
{
    return sys_zx_task_suspend_token(c);
}
