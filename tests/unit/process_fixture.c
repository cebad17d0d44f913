/* process_fixture.c: a process built without KVM, for unit tests that call its syscall handlers directly. */
#include "process_fixture.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <zircon/rights.h>

#include "object/handle.h"
#include "object/vmar.h"
#include "object/vmo.h"
#include "x86_64/paging.h"

#define RAM_SIZE     (32ULL << 20)
#define MAXPHYADDR   46
#define HANDLE_SLOTS 16

void process_fixture_setup(struct process_fixture *f, const struct boot_options *boot)
{
    memset(f, 0, sizeof(*f));
    cr_assert_eq(pthread_mutex_init(&f->lock, NULL), 0);
    cr_assert_eq(pthread_cond_init(&f->changed, NULL), 0);
    cr_assert_eq(mem_ram_map(&f->ram, RAM_SIZE), 0);
    cr_assert_eq(mem_frames_init(&f->frames, RAM_SIZE), 0);
    f->env = (struct aspace_env){.ram = &f->ram, .frames = &f->frames, .maxphyaddr = MAXPHYADDR};
    objects_init(&f->objects, &f->lock, &f->changed, &f->env);
    f->sys = (struct syscall_env){.objects = &f->objects, .aspace = &f->env, .options = boot};
    f->proc.obj = (struct object){.type = ZX_OBJ_TYPE_PROCESS, .koid = objects_new_koid(&f->objects)};
    f->proc.pat = PT_PAT_ZIRCON;
    f->proc.state = PROCESS_RUNNING;
    cr_assert_eq(mem_frames_alloc(&f->frames, 1, 1, &f->proc.root), 0);
    vmar_init(&f->proc.vmar, &f->objects, &f->proc);
    cr_assert_eq(handle_table_init(&f->proc.handles, HANDLE_SLOTS, 0x5a5a5a5c), 0);
    cr_assert_eq(handle_table_add(&f->proc.handles, &f->proc.obj, ZX_DEFAULT_PROCESS_RIGHTS, &f->self),
                 ZX_OK);
}

void process_fixture_teardown(struct process_fixture *f)
{
    vmar_teardown(&f->objects, &f->proc.vmar);
    struct object *obj;
    while (handle_table_pop(&f->proc.handles, &obj))
        if (obj->type == ZX_OBJ_TYPE_VMO)
            object_unref(&f->objects, obj);
    handle_table_destroy(&f->proc.handles);
    vmar_space_destroy(&f->proc.vmar.space);
    free(f->proc.runs);
    objects_destroy(&f->objects);
    mem_frames_destroy(&f->frames);
    mem_ram_unmap(&f->ram);
    pthread_cond_destroy(&f->changed);
    pthread_mutex_destroy(&f->lock);
}
