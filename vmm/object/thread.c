/* thread.c: threads, exceptionates, exception channels, exceptions and suspend tokens. */
#include "object/thread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zircon/errors.h>
#include <zircon/syscalls/object.h>

#include "object/process.h"
#include "x86_64/cpu.h"

void thread_init(struct thread *t, struct objects *o, struct process *p)
{
    memset(t, 0, sizeof(*t));
    t->obj = (struct object){.type = ZX_OBJ_TYPE_THREAD, .koid = objects_new_koid(o)};
    t->process = p;
    t->state = THREAD_NEW;
    snprintf(t->name, sizeof(t->name), "initial-thread");
    t->debug_regs.dr6 = X86_DR6_INIT;
    t->debug_regs.dr7 = X86_DR7_INIT;
    exceptionate_init(&t->exceptionate, ZX_EXCEPTION_CHANNEL_TYPE_THREAD);
}

bool thread_is_parked(const struct thread *t)
{
    return t->state == THREAD_RUNNING && (t->in_exception || t->suspended);
}

uint32_t thread_info_state(const struct thread *t)
{
    switch (t->state) {
    case THREAD_NEW:
        return ZX_THREAD_STATE_NEW;
    case THREAD_DEAD:
        return ZX_THREAD_STATE_DEAD;
    default:
        break;
    }
    if (process_is_dying(t->process))
        return ZX_THREAD_STATE_DYING;
    if (t->in_exception)
        return ZX_THREAD_STATE_BLOCKED_EXCEPTION;
    if (t->suspended)
        return ZX_THREAD_STATE_SUSPENDED;
    return ZX_THREAD_STATE_RUNNING;
}

void exceptionate_init(struct exceptionate *e, uint32_t type)
{
    memset(e, 0, sizeof(*e));
    e->type = type;
}

zx_status_t exceptionate_bind(struct objects *o, struct exceptionate *e, zx_rights_t thread_rights,
                              zx_rights_t process_rights, struct channel **out)
{
    if (e->shutdown)
        return ZX_ERR_BAD_STATE;
    if (e->channel)
        return ZX_ERR_ALREADY_BOUND;
    struct channel *c = calloc(1, sizeof(*c));
    if (!c)
        return ZX_ERR_NO_MEMORY;
    c->obj = (struct object){.type = ZX_OBJ_TYPE_CHANNEL, .koid = objects_new_koid(o), .refs = 1};
    /* A channel's endpoints take two koids; the kernel end's is never seen in zxvmm. */
    (void)objects_new_koid(o);
    c->owner = e;
    e->channel = c;
    e->thread_rights = thread_rights;
    e->process_rights = process_rights;
    pthread_cond_broadcast(o->changed); /* a --spawn-stopped process may wait for this */
    *out = c;
    return ZX_OK;
}

void exceptionate_shutdown(struct objects *o, struct exceptionate *e)
{
    e->shutdown = true;
    if (!e->channel)
        return;
    e->channel->owner = NULL;
    object_signal(o, &e->channel->obj, ZX_CHANNEL_PEER_CLOSED);
    e->channel = NULL;
}

bool exceptionate_send(struct objects *o, struct exceptionate *e, struct thread *t, uint32_t type)
{
    struct channel *c = e->channel;
    if (!c)
        return false;
    struct exception *x = calloc(1, sizeof(*x));
    struct channel_message *m = calloc(1, sizeof(*m));
    if (!x || !m) {
        free(x);
        free(m);
        return false;
    }
    x->obj = (struct object){.type = ZX_OBJ_TYPE_EXCEPTION, .koid = objects_new_koid(o), .refs = 1};
    x->thread = t;
    x->task = t;
    x->thread_rights = e->thread_rights;
    x->process_rights = e->process_rights;
    x->state = ZX_EXCEPTION_STATE_TRY_NEXT;
    x->strategy = ZX_EXCEPTION_STRATEGY_FIRST_CHANCE;
    x->channel_type = e->type;
    m->info = (zx_exception_info_t){.pid = t->process->obj.koid, .tid = t->obj.koid, .type = type};
    m->exception = x;
    if (c->tail)
        c->tail->next = m;
    else
        c->head = m;
    c->tail = m;
    t->exception = x;
    object_signal(o, &c->obj, ZX_CHANNEL_READABLE);
    return true;
}

struct channel_message *channel_take(struct objects *o, struct channel *c)
{
    struct channel_message *m = c->head;
    if (!m)
        return NULL;
    c->head = m->next;
    if (!c->head) {
        c->tail = NULL;
        object_clear_signals(o, &c->obj, ZX_CHANNEL_READABLE);
    }
    m->next = NULL;
    return m;
}

void thread_abandon_exception(struct thread *t)
{
    if (t->exception) {
        t->exception->thread = NULL;
        t->exception = NULL;
    }
}

void channel_release(struct objects *o, struct channel *c)
{
    if (c->owner)
        c->owner->channel = NULL; /* unbound: the next exception skips this handler */
    struct channel_message *m;
    while ((m = channel_take(o, c)) != NULL) {
        object_unref(o, &m->exception->obj); /* unread: passed on (TRY_NEXT) */
        free(m);
    }
    free(c);
}

void exception_release(struct objects *o, struct exception *e)
{
    struct thread *t = e->thread;
    if (t && t->exception == e) {
        t->exception_result = e->state;
        if (e->channel_type == ZX_EXCEPTION_CHANNEL_TYPE_DEBUGGER &&
            e->strategy == ZX_EXCEPTION_STRATEGY_SECOND_CHANCE)
            t->second_chance = true;
        t->exception = NULL;
        pthread_cond_broadcast(o->changed);
    }
    free(e);
}

struct suspend_token *suspend_token_create(struct objects *o, struct thread *t)
{
    struct suspend_token *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->obj = (struct object){.type = ZX_OBJ_TYPE_SUSPEND_TOKEN, .koid = objects_new_koid(o), .refs = 1};
    s->thread = t;
    __atomic_add_fetch(&t->suspend_count, 1, __ATOMIC_RELEASE); /* the vCPU peeks at it without the lock */
    return s;
}

void suspend_token_release(struct objects *o, struct suspend_token *s)
{
    struct thread *t = s->thread;
    if (t->suspend_count > 0 && __atomic_sub_fetch(&t->suspend_count, 1, __ATOMIC_RELEASE) == 0)
        pthread_cond_broadcast(o->changed);
    free(s);
}
