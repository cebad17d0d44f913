/* sys_task.c: task syscalls: zx_process_exit, zx_task_kill. */
#include <errno.h>

#include <zircon/errors.h>
#include <zircon/rights.h>
#include <zircon/types.h>

#include "syscall/syscall.h"

uint64_t sys_zx_process_exit(struct syscall_call *c)
{
    c->exit = true;
    c->exit_code = (int64_t)c->arg[0];
    return 0;
}

/*
 * Waits until `p` has stopped running (or the caller itself is being stopped);
 * the call restarts when the caller is being suspended (killing again is
 * harmless).
 */
static uint64_t wait_dead(struct syscall_call *c, const struct process *p)
{
    int rc = 0;
    while (p->state != PROCESS_DEAD && (rc = c->env->block(c->env->host, UINT64_MAX)) == 0)
        ;
    return rc == SYSCALL_BLOCK_SUSPENDED ? syscall_restart(c) : ZX_OK;
}

static uint64_t kill_job(struct syscall_call *c, struct job *j)
{
    struct objects *o = c->env->objects;
    /* Killing marks and kicks; the list changes only as processes finish, which needs this lock. */
    for (size_t i = 0; i < j->nchildren; i++)
        process_kill(o, j->children[i]);
    int rc = 0;
    while (j->nchildren > 0 && !(j->nchildren == 1 && j->children[0] == c->caller) &&
           (rc = c->env->block(c->env->host, UINT64_MAX)) == 0)
        ;
    return rc == SYSCALL_BLOCK_SUSPENDED ? syscall_restart(c) : ZX_OK;
}

uint64_t sys_zx_task_kill(struct syscall_call *c)
{
    struct object *obj;
    zx_rights_t rights;
    zx_status_t st = syscall_handle(c, (zx_handle_t)c->arg[0], &obj, &rights);
    if (st != ZX_OK)
        return syscall_status(st);
    if (!(rights & ZX_RIGHT_DESTROY))
        return syscall_status(ZX_ERR_ACCESS_DENIED);
    if (obj->type == ZX_OBJ_TYPE_JOB)
        return kill_job(c, (struct job *)obj);
    if (obj->type != ZX_OBJ_TYPE_PROCESS)
        return syscall_status(ZX_ERR_WRONG_TYPE);
    struct process *target = (struct process *)obj;
    process_kill(c->env->objects, target);
    if (target != c->caller)
        return wait_dead(c, target);
    return ZX_OK;
}
