/* vmar.c: the root VMAR: mapping VMOs, unmapping and re-protecting, and keeping the guest's TLB honest. */
#include "object/vmar.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include <zircon/errors.h>
#include <zxvmm/abi.h>

#include "object/process.h"
#include "object/vmo.h"
#include "x86_64/paging.h"

/* A long map asks whether its process is stopping once per this many pages (16 MiB). */
#define VMAR_STOP_CHECK_PAGES 4096

static struct vmo vmar_internal_tag, vmar_vdso_tag;
struct vmo *const vmar_internal_vmo = &vmar_internal_tag;
struct vmo *const vmar_vdso_vmo = &vmar_vdso_tag;

static bool is_real_vmo(const struct vmo *v)
{
    return v != vmar_internal_vmo && v != vmar_vdso_vmo;
}

void vmar_init(struct vmar *v, struct objects *o, struct process *p)
{
    v->obj = (struct object){.type = ZX_OBJ_TYPE_VMAR, .koid = objects_new_koid(o)};
    v->proc = p;
    v->dead = false;
    vmar_space_init(&v->space, ZXVMM_USER_BASE, ZXVMM_USER_END - ZXVMM_USER_BASE);
}

int vmar_record(struct vmar *v, uint64_t base, uint64_t size, struct vmo *kind, uint32_t perms)
{
    const uint32_t all = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE;
    struct vmar_mapping m = {.base = base,
                             .size = size,
                             .vmo = kind,
                             .perms = perms,
                             .max_perms = kind == vmar_vdso_vmo ? perms : all};
    return vmar_space_insert(&v->space, &m);
}

uint64_t vmar_pte_flags(uint32_t perms, uint32_t cache_policy)
{
    uint64_t flags = PTE_US;
    if (perms & (ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE))
        flags |= PTE_P;
    else
        flags |= PTE_KEPT; /* not present, but the memory-access calls still find the frame */
    if (perms & ZX_VM_PERM_WRITE)
        flags |= PTE_RW;
    if (!(perms & ZX_VM_PERM_EXECUTE))
        flags |= PTE_NX;
    switch (cache_policy) {
    case ZX_CACHE_POLICY_UNCACHED:
    case ZX_CACHE_POLICY_UNCACHED_DEVICE:
        flags |= PTE_PCD | PTE_PWT; /* PAT index 3: UC */
        break;
    case ZX_CACHE_POLICY_WRITE_COMBINING:
        flags |= PTE_PAT_4K | PTE_PCD | PTE_PWT; /* PAT index 7: WC in Zircon's PAT */
        break;
    default:
        break; /* index 0: WB */
    }
    return flags;
}

static uint32_t cache_of(const struct vmo *vmo)
{
    return is_real_vmo(vmo) ? vmo->cache_policy : 0;
}

/* Batches contiguous frames whose translations must be forgotten; one mprotect round trip per batch. */
struct invalidation {
    const struct guest_ram *ram;
    gpa_t start;
    uint64_t len;
};

static void invalidate_flush(struct invalidation *inv)
{
    if (inv->len)
        mem_invalidate(inv->ram, inv->start, inv->len);
    inv->len = 0;
}

static void invalidate_add(struct invalidation *inv, gpa_t frame)
{
    if (inv->len && inv->start.raw + inv->len == frame.raw) {
        inv->len += MEM_PAGE_SIZE;
        return;
    }
    invalidate_flush(inv);
    inv->start = frame;
    inv->len = MEM_PAGE_SIZE;
}

/* True when a long operation for `v`'s process should give up (see objects.process_stopping). */
static bool stop_asked(struct objects *o, struct vmar *v)
{
    return o->process_stopping != NULL && o->process_stopping(o->host, v->proc);
}

/* Drops the VMO references of a piece (taken per page at map time). */
static void drop_refs(struct objects *o, const struct vmar_mapping *piece)
{
    struct vmo *vmo = piece->vmo;
    if (is_real_vmo(vmo)) {
        vmo->mapped_pages -= piece->size / MEM_PAGE_SIZE;
        object_unref_many(o, &vmo->obj, piece->size / MEM_PAGE_SIZE);
    }
}

static void piece_dropped(void *arg, const struct vmar_mapping *piece)
{
    drop_refs(arg, piece);
}

/*
 * Between two batches of a long map: lets a waiting syscall (a kill) run,
 * then says whether to give up. True to go on.
 */
static bool map_checkpoint(struct objects *o, struct vmar *v)
{
    objects_yield(o);
    return !stop_asked(o, v);
}

/* Writes the entries of [addr, addr + len); 0, -ENOMEM (no page table) or -ECANCELED (stopping). */
static int map_entries(struct objects *o, struct vmar *v, uint64_t addr, uint64_t len, struct vmo *vmo,
                       uint64_t vmo_offset, uint64_t flags, uint64_t *done)
{
    for (*done = 0; *done < len; *done += MEM_PAGE_SIZE) {
        uint64_t page = *done / MEM_PAGE_SIZE;
        if (page % VMAR_STOP_CHECK_PAGES == VMAR_STOP_CHECK_PAGES - 1 && !map_checkpoint(o, v))
            return -ECANCELED;
        gpa_t frame = vmo_page(vmo, (vmo_offset + *done) / MEM_PAGE_SIZE);
        if (process_map_page(v->proc, o->env, addr + *done, frame, flags) != 0)
            return -ENOMEM;
    }
    return 0;
}

zx_status_t vmar_map(struct objects *o, struct vmar *v, uint64_t addr, uint64_t len, struct vmo *vmo,
                     uint64_t vmo_offset, uint32_t perms, uint32_t max_perms)
{
    struct vmar_mapping m = {.base = addr,
                             .size = len,
                             .vmo = vmo,
                             .vmo_offset = vmo_offset,
                             .perms = perms,
                             .max_perms = max_perms};
    if (vmar_space_insert(&v->space, &m) != 0)
        return ZX_ERR_NO_MEMORY;
    /* Recorded with its references before any entry: consistent whenever the lock is let go. */
    vmo->mapped_pages += len / MEM_PAGE_SIZE;
    object_ref_many(&vmo->obj, len / MEM_PAGE_SIZE);
    v->mapping = true;
    uint64_t done;
    int rc = map_entries(o, v, addr, len, vmo, vmo_offset, vmar_pte_flags(perms, vmo->cache_policy), &done);
    v->mapping = false;
    pthread_cond_broadcast(o->changed);
    if (rc == 0) {
        vmo->committed = true;
        return ZX_OK;
    }
    /*
     * Undo: nothing of this mapping may stay (the entries were never used).
     * A process that is stopping is torn down next, which needs no
     * page-table work: its entries are left for that.
     */
    for (uint64_t undo = 0; rc == -ENOMEM && undo < done; undo += MEM_PAGE_SIZE) {
        gpa_t old;
        pt_unmap_page(o->env->ram, v->proc->root, gva(addr + undo), &old);
    }
    vmar_space_remove(&v->space, addr, len, piece_dropped, NULL, o);
    return rc == -ECANCELED ? ZX_ERR_CANCELED : ZX_ERR_NO_MEMORY;
}

bool vmar_touches_vdso(const struct vmar *v, uint64_t base, uint64_t len)
{
    if (len == 0)
        return false;
    uint64_t last = len - 1 > UINT64_MAX - base ? UINT64_MAX : base + (len - 1);
    for (const struct vmar_mapping *m = vmar_space_from(&v->space, base); m && m->base <= last;
         m = vmar_space_next(&v->space, m))
        if (m->vmo == vmar_vdso_vmo)
            return true;
    return false;
}

/*
 * One piece an unmap or protect took out of (or changed in) the list, whose
 * entries are still to change: the list is edited first, in one step, and
 * the entries after it, page by page with stop checks between batches.
 */
struct piece_work {
    uint64_t base, size;
    struct vmo *vmo; /* unmap: the references to drop once its entries are gone */
    uint64_t flags;  /* protect: the new leaf flags */
};

struct edit {
    struct objects *o;
    struct vmar *v;
    struct invalidation inv;
    bool protect;
    struct piece_work *work; /* the pieces left for edit_entries, in address order */
    size_t nwork, cap;
    bool stopped; /* the process is stopping: the entries still to change are left for its teardown */
    uint64_t pages;
};

/* Changes one page's entry for `w`; the frame it pointed at joins the invalidation batch. */
static void edit_page(struct edit *e, const struct piece_work *w, uint64_t va)
{
    gpa_t frame;
    int rc = e->protect ? pt_protect_page(e->o->env->ram, e->v->proc->root, gva(va), w->flags, &frame)
                        : pt_unmap_page(e->o->env->ram, e->v->proc->root, gva(va), &frame);
    if (rc == 0)
        invalidate_add(&e->inv, frame);
}

/*
 * The entries of one piece, then (unmap) its references. Between batches of
 * VMAR_STOP_CHECK_PAGES pages, when `may_yield`, it lets a waiting syscall in
 * and stops changing entries once the process is stopping.
 */
static void edit_piece(struct edit *e, const struct piece_work *w, bool may_yield)
{
    for (uint64_t off = 0; off < w->size && !e->stopped; off += MEM_PAGE_SIZE) {
        if (may_yield && ++e->pages % VMAR_STOP_CHECK_PAGES == 0 && !map_checkpoint(e->o, e->v)) {
            e->stopped = true;
            break;
        }
        edit_page(e, w, w->base + off);
    }
    if (!e->protect) {
        if (is_real_vmo(w->vmo))
            invalidate_flush(&e->inv); /* before the frames can be freed */
        drop_refs(e->o, &(struct vmar_mapping){.size = w->size, .vmo = w->vmo});
    }
}

/* A piece the list gave up: kept for edit_entries, or edited at once (without stop checks) when the host is
 * out of memory. */
static void piece_edited(void *arg, const struct vmar_mapping *piece)
{
    struct edit *e = arg;
    struct piece_work w = {piece->base, piece->size, piece->vmo,
                           e->protect ? vmar_pte_flags(piece->perms, cache_of(piece->vmo)) : 0};
    if (e->nwork == e->cap) {
        size_t cap = e->cap ? 2 * e->cap : 16;
        struct piece_work *grown = realloc(e->work, cap * sizeof(*grown));
        if (!grown) {
            edit_piece(e, &w, false);
            return;
        }
        e->work = grown;
        e->cap = cap;
    }
    e->work[e->nwork++] = w;
}

/*
 * The entries of every kept piece, once the list is edited. `v->mapping` is
 * set meanwhile, so that the VMAR's other syscalls wait while the lock is let
 * go; the pieces' VMOs are held by their references until their entries are
 * gone.
 */
static void edit_entries(struct edit *e)
{
    bool was_mapping = e->v->mapping;
    e->v->mapping = true;
    for (size_t i = 0; i < e->nwork; i++)
        edit_piece(e, &e->work[i], true);
    invalidate_flush(&e->inv);
    e->v->mapping = was_mapping;
    if (!was_mapping)
        pthread_cond_broadcast(e->o->changed);
    free(e->work);
}

int64_t vmar_unmap(struct objects *o, struct vmar *v, uint64_t base, uint64_t len)
{
    struct edit e = {.o = o, .v = v, .inv = {o->env->ram, gpa(0), 0}};
    int64_t removed = vmar_space_remove(&v->space, base, len, piece_edited, NULL, &e);
    edit_entries(&e);
    return removed < 0 ? ZX_ERR_NO_MEMORY : removed;
}

zx_status_t vmar_protect(struct objects *o, struct vmar *v, uint64_t base, uint64_t len, uint32_t perms)
{
    struct edit e = {.o = o, .v = v, .inv = {o->env->ram, gpa(0), 0}, .protect = true};
    int rc = vmar_space_protect(&v->space, base, len, perms, piece_edited, NULL, &e);
    edit_entries(&e);
    return rc < 0 ? ZX_ERR_NO_MEMORY : ZX_OK;
}

/* Teardown: only the VMO references go; the page tables are freed whole with the process. */
static void piece_released(void *arg, const struct vmar_mapping *piece)
{
    struct edit *e = arg;
    drop_refs(e->o, piece);
}

void vmar_teardown(struct objects *o, struct vmar *v)
{
    struct edit e = {.o = o, .v = v};
    vmar_space_remove(&v->space, v->space.base, v->space.size, piece_released, NULL, &e);
    v->dead = true;
}
