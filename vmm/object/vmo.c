/* vmo.c: virtual memory objects and their frames. */
#include "object/vmo.h"

#include <stdlib.h>
#include <string.h>

#include <zircon/errors.h>

#include "object/process.h"

/* Grows the run list and allocates `count` frames, halving the piece size when RAM is fragmented. */
static zx_status_t alloc_runs(struct objects *o, struct vmo *v, uint64_t pages)
{
    uint64_t done = 0, piece = pages;
    size_t cap = 0;
    while (done < pages) {
        if (piece > pages - done)
            piece = pages - done;
        gpa_t base;
        if (mem_frames_alloc(o->env->frames, piece, 1, &base) != 0) {
            if (piece == 1)
                return ZX_ERR_NO_MEMORY;
            piece /= 2;
            continue;
        }
        if (v->nruns == cap) {
            cap = cap ? cap * 2 : 4;
            struct vmo_run *runs = realloc(v->runs, cap * sizeof(*runs));
            if (!runs) {
                mem_frames_free(o->env->frames, base, piece);
                return ZX_ERR_NO_MEMORY;
            }
            v->runs = runs;
        }
        v->runs[v->nruns++] = (struct vmo_run){done, base, piece};
        done += piece;
    }
    return ZX_OK;
}

zx_status_t vmo_create(struct objects *o, uint64_t size, struct vmo **out)
{
    uint64_t rounded;
    if (__builtin_add_overflow(size, MEM_PAGE_SIZE - 1, &rounded))
        return ZX_ERR_OUT_OF_RANGE;
    rounded &= ~(MEM_PAGE_SIZE - 1);
    if (rounded > VMO_MAX_SIZE)
        return ZX_ERR_OUT_OF_RANGE;
    if (rounded > o->env->ram->size)
        return ZX_ERR_NO_MEMORY;
    struct vmo *v = calloc(1, sizeof(*v));
    if (!v)
        return ZX_ERR_NO_MEMORY;
    /* As Zircon's: a VMO without child VMOs asserts ZX_VMO_ZERO_CHILDREN (ABI v1 has none, ever). */
    v->obj = (struct object){
        .type = ZX_OBJ_TYPE_VMO, .koid = objects_new_koid(o), .signals = ZX_VMO_ZERO_CHILDREN, .refs = 1};
    v->size = rounded;
    v->cache_policy = ZX_CACHE_POLICY_CACHED;
    if (alloc_runs(o, v, rounded / MEM_PAGE_SIZE) != ZX_OK) {
        vmo_free(o, v);
        return ZX_ERR_NO_MEMORY;
    }
    *out = v;
    return ZX_OK;
}

void vmo_free(struct objects *o, struct vmo *v)
{
    /* Free frames are always zero: discarding them keeps that promise for the next owner. */
    for (size_t i = 0; i < v->nruns; i++) {
        mem_discard(o->env->ram, v->runs[i].base, v->runs[i].count * MEM_PAGE_SIZE);
        mem_frames_free(o->env->frames, v->runs[i].base, v->runs[i].count);
    }
    free(v->runs);
    free(v);
}

gpa_t vmo_page(const struct vmo *v, uint64_t index)
{
    size_t lo = 0, hi = v->nruns;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (v->runs[mid].first_page <= index)
            lo = mid;
        else
            hi = mid;
    }
    return gpa(v->runs[lo].base.raw + (index - v->runs[lo].first_page) * MEM_PAGE_SIZE);
}

/* Calls `fn` for each page-bounded piece of [offset, offset + len). */
static void for_each_piece(const struct vmo *v, const struct guest_ram *ram, uint64_t offset, size_t len,
                           void (*fn)(void *vmo_bytes, void *host, size_t n), uint8_t *host)
{
    while (len > 0) {
        uint64_t in_page = offset & (MEM_PAGE_SIZE - 1);
        size_t n = MEM_PAGE_SIZE - in_page < len ? (size_t)(MEM_PAGE_SIZE - in_page) : len;
        gpa_t page = vmo_page(v, offset / MEM_PAGE_SIZE);
        fn(mem_ptr(ram, gpa(page.raw + in_page), n), host, n);
        offset += n;
        host += n;
        len -= n;
    }
}

static void copy_out_of_vmo(void *vmo_bytes, void *host, size_t n)
{
    memcpy(host, vmo_bytes, n);
}
static void copy_into_vmo(void *vmo_bytes, void *host, size_t n)
{
    memcpy(vmo_bytes, host, n);
}

void vmo_read_bytes(const struct vmo *v, const struct guest_ram *ram, uint64_t offset, void *dst, size_t len)
{
    for_each_piece(v, ram, offset, len, copy_out_of_vmo, dst);
}

void vmo_write_bytes(const struct vmo *v, const struct guest_ram *ram, uint64_t offset, const void *src,
                     size_t len)
{
    for_each_piece(v, ram, offset, len, copy_into_vmo, (uint8_t *)src);
}
