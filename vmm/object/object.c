/* object.c: koids, signals, references and the root job. */
#include "object/object.h"

#include <assert.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "object/process.h"
#include "object/thread.h"
#include "object/vmo.h"

/* How many times objects_yield lets other threads run while it waits for a syscall to take the lock. */
#define OBJECTS_YIELD_SPINS    1000
/* How long objects_yield leaves the lock free in any case, for threads that do not count as waiting. */
#define OBJECTS_YIELD_PAUSE_NS 20000

void objects_init(struct objects *o, pthread_mutex_t *lock, pthread_cond_t *changed,
                  const struct aspace_env *env)
{
    memset(o, 0, sizeof(*o));
    o->lock = lock;
    o->changed = changed;
    o->env = env;
    o->next_koid = ZX_KOID_FIRST;
    /* As Zircon's: a job without child jobs asserts ZX_JOB_NO_JOBS (ABI v1 has none, ever). */
    o->root_job.obj = (struct object){.type = ZX_OBJ_TYPE_JOB,
                                      .koid = objects_new_koid(o),
                                      .signals = ZX_JOB_NO_JOBS | ZX_JOB_NO_PROCESSES};
    exceptionate_init(&o->root_job.exceptionate, ZX_EXCEPTION_CHANNEL_TYPE_JOB);
    exceptionate_init(&o->root_job.debug_exceptionate, ZX_EXCEPTION_CHANNEL_TYPE_JOB_DEBUGGER);
}

void objects_destroy(struct objects *o)
{
    free(o->root_job.children);
    o->root_job.children = NULL;
    o->root_job.nchildren = o->root_job.cap = 0;
}

void objects_lock(struct objects *o)
{
    if (pthread_mutex_trylock(o->lock) == 0)
        return;
    __atomic_add_fetch(&o->lock_waiting, 1, __ATOMIC_ACQ_REL);
    pthread_mutex_lock(o->lock);
    __atomic_sub_fetch(&o->lock_waiting, 1, __ATOMIC_ACQ_REL);
    __atomic_add_fetch(&o->lock_handoffs, 1, __ATOMIC_RELEASE);
}

void objects_yield(struct objects *o)
{
    unsigned before = __atomic_load_n(&o->lock_handoffs, __ATOMIC_ACQUIRE);
    pthread_mutex_unlock(o->lock);
    /*
     * A thread woken from a condition wait takes the lock back inside
     * pthread_cond_wait, uncounted: a short sleep lets it (or any waiter)
     * in. A counted waiter is waited for until it has the lock.
     */
    struct timespec pause = {.tv_sec = 0, .tv_nsec = OBJECTS_YIELD_PAUSE_NS};
    nanosleep(&pause, NULL);
    for (int i = 0; i < OBJECTS_YIELD_SPINS && __atomic_load_n(&o->lock_waiting, __ATOMIC_ACQUIRE) > 0 &&
                    __atomic_load_n(&o->lock_handoffs, __ATOMIC_ACQUIRE) == before;
         i++)
        sched_yield();
    pthread_mutex_lock(o->lock);
}

zx_koid_t objects_new_koid(struct objects *o)
{
    return o->next_koid++;
}

void object_signal(struct objects *o, struct object *obj, zx_signals_t signals)
{
    obj->signals |= signals;
    pthread_cond_broadcast(o->changed);
}

void object_clear_signals(struct objects *o, struct object *obj, zx_signals_t signals)
{
    (void)o;
    obj->signals &= ~signals;
}

static bool object_is_counted(const struct object *obj)
{
    switch (obj->type) {
    case ZX_OBJ_TYPE_VMO:
    case ZX_OBJ_TYPE_CHANNEL:
    case ZX_OBJ_TYPE_EXCEPTION:
    case ZX_OBJ_TYPE_SUSPEND_TOKEN:
        return true;
    default:
        return false;
    }
}

void object_ref_many(struct object *obj, uint64_t n)
{
    if (object_is_counted(obj))
        obj->refs += n;
}

static void object_release(struct objects *o, struct object *obj)
{
    switch (obj->type) {
    case ZX_OBJ_TYPE_VMO:
        vmo_free(o, (struct vmo *)obj);
        break;
    case ZX_OBJ_TYPE_CHANNEL:
        channel_release(o, (struct channel *)obj);
        break;
    case ZX_OBJ_TYPE_EXCEPTION:
        exception_release(o, (struct exception *)obj);
        break;
    case ZX_OBJ_TYPE_SUSPEND_TOKEN:
        suspend_token_release(o, (struct suspend_token *)obj);
        break;
    default:
        break;
    }
}

void object_unref_many(struct objects *o, struct object *obj, uint64_t n)
{
    if (!object_is_counted(obj) || n == 0)
        return;
    assert(obj->refs >= n);
    obj->refs -= n;
    if (obj->refs == 0)
        object_release(o, obj);
}

void object_ref(struct object *obj)
{
    object_ref_many(obj, 1);
}

void object_unref(struct objects *o, struct object *obj)
{
    object_unref_many(o, obj, 1);
}

zx_koid_t object_related_koid(const struct object *obj)
{
    if (obj->type == ZX_OBJ_TYPE_PROCESS)
        return ((const struct process *)obj)->job->obj.koid;
    if (obj->type == ZX_OBJ_TYPE_THREAD)
        return ((const struct thread *)obj)->process->obj.koid;
    return ZX_KOID_INVALID;
}

int job_add_process(struct job *j, struct process *p)
{
    if (j->nchildren == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 8;
        struct process **children = realloc(j->children, cap * sizeof(*children));
        if (!children)
            return -ENOMEM;
        j->children = children;
        j->cap = cap;
    }
    j->children[j->nchildren++] = p;
    j->obj.signals &= ~ZX_JOB_NO_PROCESSES;
    return 0;
}

void job_remove_process(struct job *j, struct process *p)
{
    for (size_t i = 0; i < j->nchildren; i++) {
        if (j->children[i] == p) {
            memmove(&j->children[i], &j->children[i + 1], (j->nchildren - i - 1) * sizeof(j->children[0]));
            j->nchildren--;
            if (j->nchildren == 0)
                j->obj.signals |= ZX_JOB_NO_PROCESSES; /* the caller broadcasts (process_finish) */
            return;
        }
    }
}
