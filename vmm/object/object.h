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
struct process;

/*
 * The header every object starts with. Processes, jobs and root VMARs live as
 * long as the VM (the VM owns them); VMOs are reference-counted: each handle
 * and each mapped page holds one reference, and the last one frees the frames.
 */
struct object {
    zx_obj_type_t type;
    zx_koid_t koid;
    zx_signals_t signals;
    uint64_t refs; /* VMOs only */
};

/* The one job of ABI v1: every process of the VM is its child. */
struct job {
    struct object obj;
    struct process **children; /* live processes, in creation order */
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
    void *host;
};

void objects_init(struct objects *o, pthread_mutex_t *lock, pthread_cond_t *changed,
                  const struct aspace_env *env);
void objects_destroy(struct objects *o);

/* A fresh koid; never reused. Call with the lock held. */
zx_koid_t objects_new_koid(struct objects *o);

/* Raises signals on an object and wakes waiters. Call with the lock held. */
void object_signal(struct objects *o, struct object *obj, zx_signals_t signals);

/* Takes and drops references (VMOs; no-ops for the VM-owned types). Call with the lock held. */
void object_ref(struct object *obj);
void object_unref(struct objects *o, struct object *obj);
void object_ref_many(struct object *obj, uint64_t n);
void object_unref_many(struct objects *o, struct object *obj, uint64_t n);

/* The koid of the object related to this one, as ZX_INFO_HANDLE_BASIC reports it (process → job). */
zx_koid_t object_related_koid(const struct object *obj);

/* Job membership. Call with the lock held. */
int job_add_process(struct job *j, struct process *p);
void job_remove_process(struct job *j, struct process *p);

#endif
