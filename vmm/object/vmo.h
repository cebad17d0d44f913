/* vmo.h: virtual memory objects: page-rounded sizes, frames committed at creation, a cache policy. */
#ifndef ZXVMM_OBJECT_VMO_H
#define ZXVMM_OBJECT_VMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zircon/types.h>

#include "mem/mem.h"
#include "object/object.h"

/* A physically contiguous piece of a VMO: pages [first_page, first_page + count) at `base`. */
struct vmo_run {
    uint64_t first_page;
    gpa_t base;
    uint64_t count;
};

struct vmo {
    struct object obj;
    uint64_t size; /* bytes, a multiple of the page size */
    uint32_t cache_policy;
    uint64_t mapped_pages; /* pages of mappings that show it, each holding a reference */
    bool resizable;        /* created with ZX_VMO_RESIZABLE */
    bool discardable;      /* created with ZX_VMO_DISCARDABLE: maps only with ZX_VM_ALLOW_FAULTS */
    bool committed; /* written or mapped: Zircon would hold committed pages (zx_vmo_set_cache_policy) */
    struct vmo_run *runs;
    size_t nruns;
};

/*
 * Creates a VMO of `size` bytes rounded up to pages, every page committed and
 * zero (frames physically contiguous where guest RAM allows), with one
 * reference for the caller's handle. ZX_ERR_OUT_OF_RANGE when the size can't
 * be rounded, ZX_ERR_NO_MEMORY when guest RAM runs out (nothing is left
 * allocated). Call with the lock held.
 */
zx_status_t vmo_create(struct objects *o, uint64_t size, struct vmo **out);

/* Zircon's largest VMO: 2^64 - 128 KiB. */
#define VMO_MAX_SIZE 0xfffffffffffe0000ULL

/* Frees the frames and the VMO (object_unref calls it when the last reference goes). */
void vmo_free(struct objects *o, struct vmo *v);

/* The frame of page `index` (< size / page size). */
gpa_t vmo_page(const struct vmo *v, uint64_t index);

/* Copies between the VMO's bytes [offset, offset + len) and host memory; the range is checked by the caller.
 */
void vmo_read_bytes(const struct vmo *v, const struct guest_ram *ram, uint64_t offset, void *dst, size_t len);
void vmo_write_bytes(const struct vmo *v, const struct guest_ram *ram, uint64_t offset, const void *src,
                     size_t len);

#endif
