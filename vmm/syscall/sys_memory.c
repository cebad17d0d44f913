/* sys_memory.c: zx_process_write_memory and zx_process_read_memory, in the check order of SEMANTICS.md
 * sections 3-4. */
#include <stdlib.h>
#include <string.h>

#include <zircon/errors.h>
#include <zircon/rights.h>
#include <zircon/types.h>

#include "debug/hostbp.h"
#include "object/vmar.h"
#include "syscall/syscall.h"
#include "syscall/uaccess.h"

#define MEMORY_ACCESS_MAX (64ULL << 20) /* 64 MiB; exactly this much is allowed */

/* A physically contiguous piece of guest memory. */
struct phys_run {
    gpa_t base;
    uint64_t len;
};

#define RUN_LIST_INLINE 8 /* a small access needs no allocation */

struct run_list {
    struct phys_run *runs; /* `inline_runs` until it outgrows them */
    size_t count, cap;
    struct phys_run inline_runs[RUN_LIST_INLINE];
};

static void run_list_init(struct run_list *l)
{
    l->runs = l->inline_runs;
    l->count = 0;
    l->cap = RUN_LIST_INLINE;
}

static void run_list_free(struct run_list *l)
{
    if (l->runs != l->inline_runs)
        free(l->runs);
}

static bool run_add(struct run_list *l, gpa_t base, uint64_t len)
{
    if (l->count && l->runs[l->count - 1].base.raw + l->runs[l->count - 1].len == base.raw) {
        l->runs[l->count - 1].len += len;
        return true;
    }
    if (l->count == l->cap) {
        size_t cap = l->cap * 2;
        struct phys_run *runs = malloc(cap * sizeof(*runs));
        if (!runs)
            return false;
        memcpy(runs, l->runs, l->count * sizeof(*runs));
        run_list_free(l);
        l->runs = runs;
        l->cap = cap;
    }
    l->runs[l->count++] = (struct phys_run){base, len};
    return true;
}

/*
 * Steps 8-11 for the target: resolves [vaddr, vaddr + size) into physical
 * runs, cut at the end of the mapping holding vaddr (the whole mapping as
 * zx_vmar_map made it, whatever protects did inside it) and at the first
 * page without a user translation. `w` also finds the pages kept not present
 * for mappings without permissions. Returns the status and the length n.
 * One page-table walk per physically contiguous extent (pt_walk_extent).
 */
static zx_status_t resolve_target(const struct pt_walk_ctx *w, const struct process *t, uint64_t vaddr,
                                  uint64_t size, bool writing, struct run_list *runs, uint64_t *n)
{
    struct pt_walk_result r;
    uint64_t len;
    if (pt_walk_extent(w, gva(vaddr), size, &r, &len) != 0)
        return ZX_ERR_NO_MEMORY;
    if (!r.user)
        return ZX_ERR_ACCESS_DENIED;
    const struct vmar_mapping *m = vmar_space_find(&t->vmar.space, vaddr);
    if (m && m->vmo == vmar_vdso_vmo && writing)
        return ZX_ERR_ACCESS_DENIED;
    if (!m)
        return ZX_ERR_NO_MEMORY;
    uint64_t last = vmar_space_whole_last(&t->vmar.space, m);
    uint64_t limit = last - vaddr < size ? last - vaddr + 1 : size;
    uint64_t done = 0;
    for (;;) {
        if (r.mem_type != PT_MEM_WB)
            return ZX_ERR_BAD_STATE;
        if (len > limit - done)
            len = limit - done;
        if (!mem_range_ok(w->ram, r.pa, len) || !run_add(runs, r.pa, len))
            return ZX_ERR_NO_MEMORY;
        done += len;
        /* The length is cut at the first page without a present user translation. */
        if (done == limit || pt_walk_extent(w, gva(vaddr + done), limit - done, &r, &len) != 0 || !r.user)
            break;
    }
    *n = done;
    return ZX_OK;
}

/* Step 12 for the caller: its whole buffer must be valid; returns the runs of its first n bytes. */
static zx_status_t resolve_caller(const struct pt_walk_ctx *w, uint64_t buffer, uint64_t size, uint64_t n,
                                  bool caller_writes, struct run_list *runs)
{
    if (uaccess_check(w, buffer, size, caller_writes) != ZX_OK)
        return ZX_ERR_INVALID_ARGS;
    for (uint64_t done = 0, len = 0; done < n; done += len) {
        struct pt_walk_result r;
        /* Cannot fail after uaccess_check: nothing else edits the caller's tables meanwhile. */
        if (pt_walk_extent(w, gva(buffer + done), n - done, &r, &len) != 0)
            return ZX_ERR_INVALID_ARGS;
        if (!run_add(runs, r.pa, len))
            return ZX_ERR_NO_MEMORY;
    }
    return ZX_OK;
}

/* Step 13: memmove per pair of physically contiguous pieces. */
static void copy_runs(const struct guest_ram *ram, const struct run_list *dst, const struct run_list *src)
{
    size_t i = 0, j = 0;
    uint64_t di = 0, sj = 0;
    while (i < dst->count && j < src->count) {
        uint64_t len =
            dst->runs[i].len - di < src->runs[j].len - sj ? dst->runs[i].len - di : src->runs[j].len - sj;
        memmove(mem_ptr(ram, gpa(dst->runs[i].base.raw + di), len),
                mem_ptr(ram, gpa(src->runs[j].base.raw + sj), len), len);
        di += len;
        sj += len;
        if (di == dst->runs[i].len)
            i++, di = 0;
        if (sj == src->runs[j].len)
            j++, sj = 0;
    }
}

/*
 * The VMM's own breakpoints in the target (exec triggers, debug/hostbp.h)
 * stay hidden: a read gives the caller the original bytes, a write over one
 * becomes its original and the breakpoint stays planted.
 */
static void hide_host_breakpoints(struct syscall_call *c, const struct pt_walk_ctx *cw,
                                  struct process *target, uint64_t vaddr, uint64_t buffer, uint64_t n,
                                  bool writing)
{
    struct hostbp_table *tab = c->env->objects->host_bps;
    if (writing) {
        hostbp_note_write(c->env->objects, tab, target, vaddr, n, HOSTBP_EXEC);
        return;
    }
    for (unsigned i = 0; i < tab->n; i++) {
        const struct hostbp *b = &tab->bp[i];
        if (b->proc == target && (b->owners & HOSTBP_EXEC) && b->addr >= vaddr && b->addr - vaddr < n)
            uaccess_copy_out(cw, buffer + (b->addr - vaddr), &b->orig, 1);
    }
}

/* Steps 4-13, shared by both directions. */
static zx_status_t access_memory(struct syscall_call *c, zx_rights_t need, bool writing)
{
    uint64_t vaddr = c->arg[1], buffer = c->arg[2], size = c->arg[3], actual = c->arg[4];
    struct object *obj;
    zx_rights_t rights;
    zx_status_t st = syscall_handle(c, (zx_handle_t)c->arg[0], &obj, &rights);
    if (st != ZX_OK)
        return st;
    if (obj->type != ZX_OBJ_TYPE_PROCESS)
        return ZX_ERR_WRONG_TYPE;
    if ((rights & need) != need)
        return ZX_ERR_ACCESS_DENIED;
    struct process *target = (struct process *)obj;
    if (process_is_dying(target))
        return ZX_ERR_BAD_STATE;
    struct pt_walk_ctx tw = process_walk_ctx(target, c->env->aspace), cw = syscall_caller_walk(c);
    tw.kept = true; /* protections are ignored: pages of mappings without permissions count */
    struct run_list trun, crun;
    run_list_init(&trun);
    run_list_init(&crun);
    uint64_t n = 0;
    st = resolve_target(&tw, target, vaddr, size, writing, &trun, &n);
    if (st == ZX_OK)
        st = resolve_caller(&cw, buffer, size, n, !writing, &crun);
    if (st == ZX_OK && uaccess_check(&cw, actual, sizeof(uint64_t), true) != ZX_OK)
        st = ZX_ERR_INVALID_ARGS;
    if (st == ZX_OK) {
        copy_runs(c->env->aspace->ram, writing ? &trun : &crun, writing ? &crun : &trun);
        if (__builtin_expect(c->env->objects->host_bps != NULL, 0))
            hide_host_breakpoints(c, &cw, target, vaddr, buffer, n, writing);
        uaccess_copy_out(&cw, actual, &n, sizeof(n));
    }
    run_list_free(&trun);
    run_list_free(&crun);
    return st;
}

uint64_t sys_zx_process_write_memory(struct syscall_call *c)
{
    if (!c->env->options->enable_debugging_syscalls)
        return syscall_status(ZX_ERR_NOT_SUPPORTED);
    if (c->arg[2] == 0 || c->arg[3] == 0 || c->arg[3] > MEMORY_ACCESS_MAX)
        return syscall_status(ZX_ERR_INVALID_ARGS);
    return syscall_status(access_memory(c, ZX_RIGHT_WRITE, true));
}

uint64_t sys_zx_process_read_memory(struct syscall_call *c)
{
    if (c->arg[2] == 0 || c->arg[3] == 0 || c->arg[3] > MEMORY_ACCESS_MAX)
        return syscall_status(ZX_ERR_INVALID_ARGS);
    return syscall_status(access_memory(c, ZX_RIGHT_READ | ZX_RIGHT_WRITE, false));
}
