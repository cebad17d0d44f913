/* sys_object.c: object syscalls: zx_object_get_info, zx_object_get_child, zx_object_wait_one. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zircon/errors.h>
#include <zircon/rights.h>
#include <zircon/syscalls/object.h>
#include <zircon/types.h>

#include "object/thread.h"
#include "object/vmar.h"
#include "object/vmo.h"
#include "syscall/syscall.h"

/* What a topic needs and how its records are laid out. */
struct info_topic {
    zx_object_info_topic_t topic;
    zx_obj_type_t type; /* ZX_OBJ_TYPE_NONE: any */
    zx_rights_t right;
    size_t record_size;
    bool list;
};

static const struct info_topic info_topics[] = {
    {ZX_INFO_HANDLE_BASIC, ZX_OBJ_TYPE_NONE, ZX_RIGHT_NONE, sizeof(zx_info_handle_basic_t), false},
    {ZX_INFO_PROCESS, ZX_OBJ_TYPE_PROCESS, ZX_RIGHT_INSPECT, sizeof(zx_info_process_t), false},
    {ZX_INFO_JOB_PROCESSES, ZX_OBJ_TYPE_JOB, ZX_RIGHT_ENUMERATE, sizeof(zx_koid_t), true},
    {ZX_INFO_VMAR, ZX_OBJ_TYPE_VMAR, ZX_RIGHT_INSPECT, sizeof(zx_info_vmar_t), false},
    {ZX_INFO_PROCESS_THREADS, ZX_OBJ_TYPE_PROCESS, ZX_RIGHT_ENUMERATE, sizeof(zx_koid_t), true},
    {ZX_INFO_THREAD, ZX_OBJ_TYPE_THREAD, ZX_RIGHT_INSPECT, sizeof(zx_info_thread_t), false},
    {ZX_INFO_THREAD_EXCEPTION_REPORT, ZX_OBJ_TYPE_THREAD, ZX_RIGHT_INSPECT, sizeof(zx_exception_report_t),
     false},
    {ZX_INFO_PROCESS_MAPS, ZX_OBJ_TYPE_PROCESS, ZX_RIGHT_INSPECT, sizeof(zx_info_maps_t), true},
};

/* The largest single record. */
union info_record {
    zx_info_handle_basic_t basic;
    zx_info_process_t process;
    zx_info_vmar_t vmar;
    zx_info_thread_t thread;
    zx_exception_report_t report;
};

static const struct info_topic *find_topic(zx_object_info_topic_t topic)
{
    for (size_t i = 0; i < sizeof(info_topics) / sizeof(info_topics[0]); i++)
        if (info_topics[i].topic == topic)
            return &info_topics[i];
    return NULL;
}

/* Fills the single record of `topic` for `obj` into `rec`. */
static void single_record(const struct info_topic *t, struct object *obj, zx_rights_t rights, void *rec)
{
    memset(rec, 0, t->record_size);
    if (t->topic == ZX_INFO_HANDLE_BASIC) {
        zx_info_handle_basic_t *b = rec;
        b->koid = obj->koid;
        b->rights = rights;
        b->type = obj->type;
        b->related_koid = object_related_koid(obj);
    } else if (t->topic == ZX_INFO_PROCESS) {
        const struct process *p = (const struct process *)obj;
        zx_info_process_t *info = rec;
        process_get_info(p, info);
        if (p->debug_exceptionate.channel)
            info->flags |= ZX_INFO_PROCESS_FLAG_DEBUGGER_ATTACHED;
    } else if (t->topic == ZX_INFO_THREAD) {
        const struct thread *th = (const struct thread *)obj;
        zx_info_thread_t *info = rec;
        info->state = thread_info_state(th);
        if (th->in_exception && th->exception)
            info->wait_exception_channel_type = th->exception->channel_type;
        info->cpu_affinity_mask.mask[0] = 1;
    } else if (t->topic == ZX_INFO_THREAD_EXCEPTION_REPORT) {
        memcpy(rec, &((const struct thread *)obj)->report, sizeof(zx_exception_report_t));
    } else {
        const struct vmar *v = (const struct vmar *)obj;
        zx_info_vmar_t *info = rec;
        info->base = v->space.base;
        info->len = v->space.size;
    }
}

/* Fills entry `i` of a process's ZX_INFO_PROCESS_MAPS list: the address space, the root VMAR, its mappings
 * (`m`, the mapping for entries from 2 on).
 */
static void maps_entry(const struct process *p, size_t i, const struct vmar_mapping *m, zx_info_maps_t *e)
{
    const struct vmar_space *s = &p->vmar.space;
    memset(e, 0, sizeof(*e));
    e->base = s->base;
    e->size = s->size;
    e->depth = i < 2 ? i : 2;
    if (i == 0) {
        /* Zircon names a process's address space after its koid. */
        snprintf(e->name, sizeof(e->name), "proc:%" PRIu64, p->obj.koid);
        e->type = ZX_INFO_MAPS_TYPE_ASPACE;
        return;
    }
    if (i == 1) {
        snprintf(e->name, sizeof(e->name), "root");
        e->type = ZX_INFO_MAPS_TYPE_VMAR;
        return;
    }
    /* Each piece of the list is one protection range, as Zircon reports them. */
    const struct vmo *vmo = m->vmo;
    bool real = vmo != vmar_internal_vmo && vmo != vmar_vdso_vmo;
    e->base = m->base;
    e->size = m->size;
    e->type = ZX_INFO_MAPS_TYPE_MAPPING;
    e->u.mapping.mmu_flags = m->perms & (ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE);
    e->u.mapping.vmo_koid = real ? vmo->obj.koid : ZX_KOID_INVALID;
    e->u.mapping.vmo_offset = m->vmo_offset;
    e->u.mapping.committed_pages = m->size / ZX_PAGE_SIZE; /* zxvmm commits every page at map time */
}

/* ZX_INFO_PROCESS_MAPS: as many entries as fit; avail counts them all. A dead process: BAD_STATE. */
static zx_status_t write_maps(struct syscall_call *c, const struct process *p, size_t *actual, size_t *avail)
{
    uint64_t buffer = c->arg[2];
    size_t fit = (size_t)c->arg[3] / sizeof(zx_info_maps_t);
    *actual = *avail = 0;
    if (p->state == PROCESS_DEAD)
        return ZX_ERR_BAD_STATE;
    *avail = 2 + p->vmar.space.count;
    *actual = fit < *avail ? fit : *avail;
    const struct vmar_mapping *m = vmar_space_first(&p->vmar.space);
    for (size_t i = 0; i < *actual; i++) {
        zx_info_maps_t e;
        maps_entry(p, i, m, &e);
        if (i >= 2)
            m = vmar_space_next(&p->vmar.space, m);
        zx_status_t st = syscall_store(c, buffer + i * sizeof(e), &e, sizeof(e));
        if (st != ZX_OK)
            return st;
    }
    return ZX_OK;
}

/* Writes the records; returns the status of the copy and the actual/avail counts. */
static zx_status_t write_records(struct syscall_call *c, const struct info_topic *t, struct object *obj,
                                 zx_rights_t rights, size_t *actual, size_t *avail)
{
    uint64_t buffer = c->arg[2];
    size_t buffer_size = (size_t)c->arg[3];
    if (!t->list) {
        union info_record rec;
        *avail = 1;
        *actual = buffer_size >= t->record_size ? 1 : 0;
        if (*actual == 0)
            return ZX_OK;
        single_record(t, obj, rights, &rec);
        return syscall_store(c, buffer, &rec, t->record_size);
    }
    if (t->topic == ZX_INFO_PROCESS_MAPS)
        return write_maps(c, (const struct process *)obj, actual, avail);
    if (t->topic == ZX_INFO_PROCESS_THREADS) {
        const struct process *p = (const struct process *)obj;
        zx_koid_t tid = p->thread.obj.koid;
        bool live = p->thread.state != THREAD_DEAD;
        *avail = live ? 1 : 0;
        *actual = live && buffer_size >= sizeof(tid) ? 1 : 0;
        return *actual ? syscall_store(c, buffer, &tid, sizeof(tid)) : ZX_OK;
    }
    const struct job *j = (const struct job *)obj;
    size_t fit = buffer_size / sizeof(zx_koid_t);
    *avail = j->nchildren;
    *actual = fit < j->nchildren ? fit : j->nchildren;
    if (*actual == 0)
        return ZX_OK;
    zx_koid_t *koids = calloc(*actual, sizeof(*koids));
    if (!koids)
        return ZX_ERR_NO_MEMORY;
    for (size_t i = 0; i < *actual; i++)
        koids[i] = j->children[i]->obj.koid;
    zx_status_t st = syscall_store(c, buffer, koids, *actual * sizeof(*koids));
    free(koids);
    return st;
}

uint64_t sys_zx_object_get_info(struct syscall_call *c)
{
    zx_object_info_topic_t topic = (zx_object_info_topic_t)c->arg[1];
    struct object *obj;
    zx_rights_t rights;
    /* The handle first: Zircon looks it up before it serves any topic it knows. */
    zx_status_t st = syscall_handle(c, (zx_handle_t)c->arg[0], &obj, &rights);
    if (st != ZX_OK)
        return syscall_status(st);
    if (topic == ZX_INFO_HANDLE_VALID)
        return ZX_OK; /* no record, no right needed; the buffer is not looked at */
    const struct info_topic *t = find_topic(topic);
    if (!t)
        return syscall_status(ZX_ERR_NOT_SUPPORTED);
    if (t->type != ZX_OBJ_TYPE_NONE && obj->type != t->type)
        return syscall_status(ZX_ERR_WRONG_TYPE);
    if ((rights & t->right) != t->right)
        return syscall_status(ZX_ERR_ACCESS_DENIED);
    if (t->topic == ZX_INFO_THREAD_EXCEPTION_REPORT && !((const struct thread *)obj)->has_report)
        return syscall_status(ZX_ERR_BAD_STATE); /* not in an exception */
    size_t actual, avail;
    st = write_records(c, t, obj, rights, &actual, &avail);
    /* A dead process's maps: Zircon still reports the counts (0) before BAD_STATE. */
    bool counts_anyway = t->topic == ZX_INFO_PROCESS_MAPS && st == ZX_ERR_BAD_STATE;
    if (st != ZX_OK && !counts_anyway)
        return syscall_status(st);
    if (c->arg[4] && syscall_store(c, c->arg[4], &actual, sizeof(actual)) != ZX_OK)
        return syscall_status(ZX_ERR_INVALID_ARGS);
    if (c->arg[5] && syscall_store(c, c->arg[5], &avail, sizeof(avail)) != ZX_OK)
        return syscall_status(ZX_ERR_INVALID_ARGS);
    if (counts_anyway)
        return syscall_status(st);
    if (!t->list && actual == 0)
        return syscall_status(ZX_ERR_BUFFER_TOO_SMALL);
    return ZX_OK;
}

uint64_t sys_zx_object_get_child(struct syscall_call *c)
{
    struct object *obj;
    zx_rights_t have, rights;
    zx_koid_t koid = c->arg[1];
    zx_rights_t want = (zx_rights_t)c->arg[2];
    zx_status_t st = syscall_handle(c, (zx_handle_t)c->arg[0], &obj, &have);
    if (st != ZX_OK)
        return syscall_status(st);
    if (!(have & ZX_RIGHT_ENUMERATE))
        return syscall_status(ZX_ERR_ACCESS_DENIED);
    if (!syscall_derive_rights(have, want, &rights))
        return syscall_status(ZX_ERR_ACCESS_DENIED);
    if (obj->type == ZX_OBJ_TYPE_PROCESS) {
        struct thread *th = &((struct process *)obj)->thread;
        if (th->obj.koid != koid || th->state == THREAD_DEAD)
            return syscall_status(ZX_ERR_NOT_FOUND);
        return syscall_status(syscall_give_handle(c, &th->obj, rights, c->arg[3]));
    }
    if (obj->type != ZX_OBJ_TYPE_JOB)
        return syscall_status(ZX_ERR_WRONG_TYPE);
    const struct job *j = (const struct job *)obj;
    for (size_t i = 0; i < j->nchildren; i++) {
        if (j->children[i]->obj.koid == koid) {
            return syscall_status(syscall_give_handle(c, &j->children[i]->obj, rights, c->arg[3]));
        }
    }
    return syscall_status(ZX_ERR_NOT_FOUND);
}

uint64_t sys_zx_object_wait_one(struct syscall_call *c)
{
    struct object *obj;
    zx_rights_t rights;
    zx_signals_t signals = (zx_signals_t)c->arg[1];
    zx_time_t deadline = (zx_time_t)c->arg[2];
    zx_status_t st = syscall_handle(c, (zx_handle_t)c->arg[0], &obj, &rights);
    if (st != ZX_OK)
        return syscall_status(st);
    if (!(rights & ZX_RIGHT_WAIT))
        return syscall_status(ZX_ERR_ACCESS_DENIED);
    uint64_t host_deadline = syscall_host_deadline(c->env, deadline);
    int rc = 0;
    while (!(obj->signals & signals) && (rc = c->env->block(c->env->host, host_deadline)) == 0)
        ;
    if (rc == SYSCALL_BLOCK_SUSPENDED)
        return syscall_restart(c);
    zx_signals_t observed = obj->signals;
    if (c->arg[3] && syscall_store(c, c->arg[3], &observed, sizeof(observed)) != ZX_OK)
        return syscall_status(ZX_ERR_INVALID_ARGS);
    return (observed & signals) ? ZX_OK : syscall_status(ZX_ERR_TIMED_OUT);
}
