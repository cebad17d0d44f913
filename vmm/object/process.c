/* process.c: building and tearing down a process's address space: page tables, images, stack, boot info. */
#include "object/process.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/random.h>

#include <zircon/errors.h>
#include <zircon/rights.h>
#include <zircon/syscalls/object.h>
#include <zircon/types.h>
#include <zxvmm/abi.h>

#include "object/image.h"
#include "x86_64/cpu.h"

#define PROGRAM_MAX_FILE_SIZE (256ULL << 20)
#define STACK_GUARD_SIZE      ZXVMM_PAGE_SIZE
#define BOOT_AREA_MAX         (ZXVMM_STACK_SIZE / 4) /* argv, strings and the fdt at the stack top */
#define KERNEL_TSS_PAGES      3

static int track_run(struct process *p, gpa_t base, uint64_t count)
{
    if (p->nruns == p->runs_cap) {
        size_t cap = p->runs_cap ? p->runs_cap * 2 : 32;
        struct frame_run *runs = realloc(p->runs, cap * sizeof(*runs));
        if (!runs)
            return -ENOMEM;
        p->runs = runs;
        p->runs_cap = cap;
    }
    p->runs[p->nruns++] = (struct frame_run){base, count};
    return 0;
}

/* Allocates `count` contiguous frames owned by the process (zero, as every free frame is). */
static int alloc_owned(struct process *p, const struct aspace_env *env, uint64_t count, gpa_t *out)
{
    int rc = mem_frames_alloc(env->frames, count, 1, out);
    if (rc)
        return rc;
    rc = track_run(p, *out, count);
    if (rc) {
        mem_frames_free(env->frames, *out, count);
        return rc;
    }
    return 0;
}

struct table_source {
    struct process *p;
    const struct aspace_env *env;
};

static int alloc_table(void *ctx, gpa_t *out)
{
    struct table_source *src = ctx;
    return alloc_owned(src->p, src->env, 1, out);
}

/* Maps [va, va + size) to the contiguous frames at pa with `flags`. */
static int map_run(struct process *p, const struct aspace_env *env, uint64_t va, gpa_t pa, uint64_t size,
                   uint64_t flags)
{
    struct table_source src = {p, env};
    struct pt_alloc alloc = {alloc_table, &src};
    for (uint64_t off = 0; off < size; off += MEM_PAGE_SIZE) {
        int rc = pt_map_page(env->ram, p->root, gva(va + off), gpa(pa.raw + off), flags, &alloc);
        if (rc)
            return rc;
    }
    return 0;
}

int process_map_page(struct process *p, const struct aspace_env *env, uint64_t va, gpa_t pa, uint64_t flags)
{
    return map_run(p, env, va, pa, MEM_PAGE_SIZE, flags);
}

/* Kernel region: the shared shim, then this process's GDT, IDT, TSS and CPL0 stack. */
static int build_kernel_region(struct process *p, const struct aspace_env *env)
{
    int rc = image_map_shared(env->shim, env->shim_pa, false, &(struct image_mapper){map_run, p, env});
    if (rc)
        return rc;

    gpa_t gdt, idt, tss;
    const uint64_t data = PTE_RW | PTE_NX;
    if ((rc = alloc_owned(p, env, 1, &gdt)) ||
        (rc = map_run(p, env, PROCESS_KERNEL_GDT, gdt, MEM_PAGE_SIZE, data)))
        return rc;
    if ((rc = alloc_owned(p, env, 1, &idt)) ||
        (rc = map_run(p, env, PROCESS_KERNEL_IDT, idt, MEM_PAGE_SIZE, data)))
        return rc;
    if ((rc = alloc_owned(p, env, KERNEL_TSS_PAGES, &tss)) ||
        (rc = map_run(p, env, PROCESS_KERNEL_TSS, tss, KERNEL_TSS_PAGES * MEM_PAGE_SIZE, data)))
        return rc;
    if ((rc = alloc_owned(p, env, PROCESS_KSTACK_SIZE / MEM_PAGE_SIZE, &p->kstack_pa)) ||
        (rc = map_run(p, env, PROCESS_KSTACK_BASE, p->kstack_pa, PROCESS_KSTACK_SIZE, data)))
        return rc;

    _Static_assert(X86_GDT_ENTRIES * 8 <= ZXVMM_PAGE_SIZE, "GDT fits a page");
    x86_build_gdt(mem_ptr(env->ram, gdt, MEM_PAGE_SIZE), PROCESS_KERNEL_TSS, (uint32_t)(x86_tss_size() - 1));
    x86_build_idt(mem_ptr(env->ram, idt, MEM_PAGE_SIZE), MEM_PAGE_SIZE, ZXVMM_SHIM_BASE,
                  ZXVMM_SHIM_VECTOR_STRIDE, ZXVMM_SHIM_VECTORS);
    uint16_t open_ports[ZXVMM_PORT_SYSCALL_WIDTH];
    for (unsigned i = 0; i < ZXVMM_PORT_SYSCALL_WIDTH; i++)
        open_ports[i] = (uint16_t)(ZXVMM_PORT_SYSCALL + i);
    x86_build_tss(mem_ptr(env->ram, tss, KERNEL_TSS_PAGES * MEM_PAGE_SIZE),
                  PROCESS_KSTACK_BASE + PROCESS_KSTACK_SIZE, open_ports, ZXVMM_PORT_SYSCALL_WIDTH);
    return 0;
}

/* Checks that a program's segments keep clear of the vDSO and the stack (guard page included). */
static int check_layout(const struct elf_image *img, const char *path, char *err, size_t errlen)
{
    const uint64_t stack_lo = ZXVMM_STACK_TOP - ZXVMM_STACK_SIZE - STACK_GUARD_SIZE;
    for (unsigned i = 0; i < img->nsegments; i++) {
        const struct elf_segment *s = &img->segments[i];
        uint64_t lo = s->vaddr & ~(ZXVMM_PAGE_SIZE - 1), hi = s->vaddr + s->memsz;
        if (lo < ZXVMM_VDSO_BASE + ZXVMM_VDSO_MAX_SIZE && hi > ZXVMM_VDSO_BASE) {
            snprintf(err, errlen, "%s: segment %u at 0x%llx overlaps the vDSO at 0x%llx", path, i,
                     (unsigned long long)s->vaddr, (unsigned long long)ZXVMM_VDSO_BASE);
            return -EINVAL;
        }
        if (lo < ZXVMM_STACK_TOP && hi > stack_lo) {
            snprintf(err, errlen, "%s: segment %u at 0x%llx overlaps the stack at 0x%llx", path, i,
                     (unsigned long long)s->vaddr, (unsigned long long)stack_lo);
            return -EINVAL;
        }
    }
    return 0;
}

/* Reads and validates a program; on success the caller frees *file. */
static int read_program(const char *path, uint8_t **file, struct elf_image *img, char *err, size_t errlen)
{
    size_t size = 0;
    int rc = elf_read_file(path, PROGRAM_MAX_FILE_SIZE, file, &size, err, errlen);
    if (rc)
        return rc;
    char why[160];
    rc = elf_parse(*file, size, ZXVMM_USER_BASE, ZXVMM_USER_END, img, why, sizeof(why));
    if (rc)
        snprintf(err, errlen, "%s: %s", path, why);
    else
        rc = check_layout(img, path, err, errlen);
    if (rc) {
        free(*file);
        *file = NULL;
    }
    return rc;
}

int process_check_program(const char *path, char *err, size_t errlen)
{
    uint8_t *file = NULL;
    struct elf_image img;
    int rc = read_program(path, &file, &img, err, errlen);
    free(file);
    return rc;
}

/* Loads each program segment into private frames and maps it with the segment's permissions. */
static int load_program(struct process *p, const struct aspace_env *env, const char *path, char *err,
                        size_t errlen)
{
    uint8_t *file = NULL;
    struct elf_image img;
    int rc = read_program(path, &file, &img, err, errlen);
    for (unsigned i = 0; rc == 0 && i < img.nsegments; i++) {
        const struct elf_segment *s = &img.segments[i];
        uint64_t pages = image_segment_pages(s);
        gpa_t pa;
        rc = alloc_owned(p, env, pages, &pa);
        if (rc == 0) {
            image_copy_segment(env->ram, pa, s, file);
            rc = map_run(p, env, s->vaddr & ~(ZXVMM_PAGE_SIZE - 1), pa, pages * MEM_PAGE_SIZE,
                         image_segment_pte_flags(s, true));
        }
        if (rc == 0)
            rc = vmar_record(&p->vmar, s->vaddr & ~(ZXVMM_PAGE_SIZE - 1), pages * MEM_PAGE_SIZE,
                             vmar_internal_vmo, image_segment_perms(s));
        if (rc == -ENOMEM)
            snprintf(err, errlen, "%s: guest memory exhausted while loading segment %u", path, i);
    }
    if (rc == 0)
        p->entry = img.entry;
    free(file);
    return rc;
}

/* Copies `len` bytes to the top of the boot area growing down; returns the guest address. */
static uint64_t push_bytes(uint8_t *host_top, uint64_t *va_top, uint64_t *used, const void *src, size_t len,
                           size_t align)
{
    uint64_t va = (*va_top - len) & ~(uint64_t)(align - 1);
    *used += *va_top - va;
    memcpy(host_top - (ZXVMM_STACK_TOP - va), src, len);
    *va_top = va;
    return va;
}

/* Stack with a guard page below; fdt, argument strings, argv[] and boot info at its top. */
static int build_stack(struct process *p, const struct aspace_env *env, int argc, char *const argv[],
                       char *err, size_t errlen)
{
    gpa_t stack;
    int rc = alloc_owned(p, env, ZXVMM_STACK_SIZE / MEM_PAGE_SIZE, &stack);
    if (rc == 0)
        rc = map_run(p, env, ZXVMM_STACK_TOP - ZXVMM_STACK_SIZE, stack, ZXVMM_STACK_SIZE,
                     PTE_RW | PTE_US | PTE_NX);
    if (rc == 0)
        rc = vmar_record(&p->vmar, ZXVMM_STACK_TOP - ZXVMM_STACK_SIZE, ZXVMM_STACK_SIZE, vmar_internal_vmo,
                         ZX_VM_PERM_READ | ZX_VM_PERM_WRITE);
    if (rc)
        return rc;

    size_t need = env->fdt_size + sizeof(struct zxvmm_boot_info) + (size_t)(argc + 1) * 8 + 64;
    for (int i = 0; i < argc; i++)
        need += strlen(argv[i]) + 1;
    if (need > BOOT_AREA_MAX) {
        snprintf(err, errlen, "%s: arguments too long (%zu bytes, at most %llu)", argv[0], need,
                 (unsigned long long)BOOT_AREA_MAX);
        return -E2BIG;
    }

    uint8_t *top = (uint8_t *)mem_ptr(env->ram, stack, ZXVMM_STACK_SIZE) + ZXVMM_STACK_SIZE;
    uint64_t va = ZXVMM_STACK_TOP, used = 0;
    uint64_t fdt_va = push_bytes(top, &va, &used, env->fdt, env->fdt_size, 8);
    uint64_t *arg_va = calloc((size_t)argc + 1, sizeof(*arg_va));
    if (!arg_va)
        return -ENOMEM;
    for (int i = argc - 1; i >= 0; i--)
        arg_va[i] = push_bytes(top, &va, &used, argv[i], strlen(argv[i]) + 1, 1);
    arg_va[argc] = 0;
    uint64_t argv_va = push_bytes(top, &va, &used, arg_va, (size_t)(argc + 1) * sizeof(uint64_t), 16);
    free(arg_va);
    struct zxvmm_boot_info info = {
        .magic = ZXVMM_BOOT_MAGIC,
        .abi_version = ZXVMM_ABI_VERSION,
        .argc = (uint32_t)argc,
        .argv = argv_va,
        .fdt = fdt_va,
        .fdt_size = env->fdt_size,
        .process_self = p->start_handles[0],
        .vmar_root_self = p->start_handles[1],
        .job_default = p->start_handles[2],
        .thread_self = p->start_handles[3],
        .stack_base = ZXVMM_STACK_TOP - ZXVMM_STACK_SIZE,
        .stack_size = ZXVMM_STACK_SIZE,
    };
    p->boot_info = push_bytes(top, &va, &used, &info, sizeof(info), 16);
    return 0;
}

/* The handles every process starts with (SEMANTICS.md sections 1 and 7). */
static int add_start_handles(struct process *p, struct objects *o)
{
    const struct {
        struct object *obj;
        zx_rights_t rights;
    } start[4] = {
        {&p->obj, ZX_DEFAULT_PROCESS_RIGHTS},
        {&p->vmar.obj, ZX_DEFAULT_VMAR_RIGHTS | ZX_RIGHT_READ | ZX_RIGHT_WRITE | ZX_RIGHT_EXECUTE},
        {&o->root_job.obj, ZX_DEFAULT_JOB_RIGHTS},
        {&p->thread.obj, ZX_DEFAULT_THREAD_RIGHTS},
    };
    for (int i = 0; i < 4; i++)
        if (handle_table_add(&p->handles, start[i].obj, start[i].rights, &p->start_handles[i]) != ZX_OK)
            return -ENOMEM;
    return 0;
}

/* A per-process random value that mixes handle values (SEMANTICS.md section 1). */
static uint32_t random_secret(const struct process *p)
{
    uint32_t secret;
    if (getrandom(&secret, sizeof(secret), 0) != (ssize_t)sizeof(secret))
        secret = (uint32_t)p->obj.koid * 0x9e3779b9u;
    return secret & ~(uint32_t)ZX_HANDLE_FIXED_BITS_MASK;
}

static int build_address_space(struct process *p, const struct aspace_env *env, int argc, char *const argv[],
                               char *err, size_t errlen)
{
    int rc = alloc_owned(p, env, 1, &p->root);
    if (rc == 0)
        rc = build_kernel_region(p, env);
    if (rc == 0)
        rc = image_map_shared(env->vdso, env->vdso_pa, true, &(struct image_mapper){map_run, p, env});
    if (rc == 0)
        rc = vmar_record(&p->vmar, p->vdso_lo, p->vdso_hi - p->vdso_lo, vmar_vdso_vmo,
                         ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE);
    if (rc == 0)
        rc = load_program(p, env, argv[0], err, errlen);
    if (rc == 0)
        rc = build_stack(p, env, argc, argv, err, errlen);
    return rc;
}

int process_create(struct process *p, struct objects *o, int argc, char *const argv[], char *err,
                   size_t errlen)
{
    const struct aspace_env *env = o->env;
    memset(p, 0, sizeof(*p));
    p->obj = (struct object){.type = ZX_OBJ_TYPE_PROCESS, .koid = objects_new_koid(o)};
    const char *slash = strrchr(argv[0], '/');
    /* As a Fuchsia launcher names a process: its program's basename (cut at 31 bytes). */
    snprintf(p->name, sizeof(p->name), "%s", slash && slash[1] ? slash + 1 : argv[0]);
    p->pat = PT_PAT_ZIRCON;
    p->vdso_lo = ZXVMM_VDSO_BASE;
    p->vdso_hi = ZXVMM_VDSO_BASE + image_span(env->vdso);
    p->job = &o->root_job;
    thread_init(&p->thread, o, p);
    exceptionate_init(&p->exceptionate, ZX_EXCEPTION_CHANNEL_TYPE_PROCESS);
    exceptionate_init(&p->debug_exceptionate, ZX_EXCEPTION_CHANNEL_TYPE_DEBUGGER);
    vmar_init(&p->vmar, o, p);
    int rc = handle_table_init(&p->handles, HANDLE_TABLE_CAPACITY, random_secret(p));
    if (rc == 0)
        rc = add_start_handles(p, o);
    if (rc == 0)
        rc = build_address_space(p, env, argc, argv, err, errlen);
    if (rc == 0)
        rc = job_add_process(p->job, p);
    if (rc == -ENOMEM && err[0] == '\0')
        snprintf(err, errlen, "%s: guest memory exhausted (try a larger --mem)", argv[0]);
    if (rc) {
        process_destroy(p, o);
        return rc;
    }
    return 0;
}

static void release_frames(struct process *p, const struct aspace_env *env)
{
    for (size_t i = 0; i < p->nruns; i++) {
        mem_discard(env->ram, p->runs[i].base, p->runs[i].count * MEM_PAGE_SIZE);
        mem_frames_free(env->frames, p->runs[i].base, p->runs[i].count);
    }
    free(p->runs);
    p->runs = NULL;
    p->nruns = p->runs_cap = 0;
    p->root = gpa(0);
}

bool process_is_dying(const struct process *p)
{
    return p->state == PROCESS_DYING || p->state == PROCESS_DEAD;
}

void process_get_info(const struct process *p, zx_info_process_t *info)
{
    memset(info, 0, sizeof(*info)); /* padding included: the record goes to a guest */
    info->start_time = p->start_time;
    if (p->state != PROCESS_NEW)
        info->flags |= ZX_INFO_PROCESS_FLAG_STARTED;
    if (process_is_dying(p)) {
        info->flags |= ZX_INFO_PROCESS_FLAG_EXITED;
        info->return_code = p->return_code;
    }
}

void process_kill(struct objects *o, struct process *p)
{
    if (process_is_dying(p))
        return;
    p->state = PROCESS_DYING;
    p->end = PROCESS_END_KILL;
    p->return_code = ZX_TASK_RETCODE_SYSCALL_KILL;
    o->stop_process(o->host, p);
}

void process_finish(struct objects *o, struct process *p, enum process_end end, int64_t code)
{
    if (p->state == PROCESS_DEAD)
        return;
    if (p->state != PROCESS_DYING) {
        p->end = end;
        p->return_code = code;
    }
    p->state = PROCESS_DEAD;
    struct thread *t = &p->thread;
    t->state = THREAD_DEAD;
    t->in_exception = t->suspended = false;
    thread_abandon_exception(t);
    exceptionate_shutdown(o, &t->exceptionate);
    exceptionate_shutdown(o, &p->exceptionate);
    exceptionate_shutdown(o, &p->debug_exceptionate);
    object_clear_signals(o, &t->obj, ZX_THREAD_RUNNING | ZX_THREAD_SUSPENDED);
    object_signal(o, &t->obj, ZX_THREAD_TERMINATED);
    struct object *obj;
    while (handle_table_pop(&p->handles, &obj))
        object_unref(o, obj);
    vmar_teardown(o, &p->vmar);
    job_remove_process(p->job, p);
    release_frames(p, o->env);
    object_signal(o, &p->obj, ZX_PROCESS_TERMINATED);
}

void process_destroy(struct process *p, struct objects *o)
{
    process_finish(o, p, PROCESS_END_KILL, ZX_TASK_RETCODE_SYSCALL_KILL);
    handle_table_destroy(&p->handles);
    vmar_space_destroy(&p->vmar.space);
}

struct pt_walk_ctx process_walk_ctx(const struct process *p, const struct aspace_env *env)
{
    return (struct pt_walk_ctx){
        .ram = env->ram,
        .root = p->root,
        .la57 = false,
        .pat = p->pat,
        .maxphyaddr = env->maxphyaddr,
    };
}
