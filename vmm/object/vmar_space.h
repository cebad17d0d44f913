/* vmar_space.h: the mappings of a VMAR as a sorted list of non-overlapping ranges (pure logic, no locking).
 */
#ifndef ZXVMM_OBJECT_VMAR_SPACE_H
#define ZXVMM_OBJECT_VMAR_SPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One mapping: [base, base + size) shows vmo bytes from vmo_offset on, with perms (ZX_VM_PERM_* bits). */
struct vmar_mapping {
    uint64_t base;
    uint64_t size;
    void *vmo; /* opaque to this file */
    uint64_t vmo_offset;
    uint32_t perms;
};

struct vmar_space {
    uint64_t base; /* the VMAR's range [base, base + size), page-aligned */
    uint64_t size;
    struct vmar_mapping *maps; /* sorted by base, never overlapping */
    size_t count;
    size_t cap;
};

int vmar_space_init(struct vmar_space *s, uint64_t base, uint64_t size);
void vmar_space_destroy(struct vmar_space *s);

/* True when [base, base + size) lies inside the VMAR and touches no mapping (overflow-safe). */
bool vmar_space_range_free(const struct vmar_space *s, uint64_t base, uint64_t size);

/*
 * Finds the lowest free, page-aligned range of `size` bytes at or above
 * `hint` (clamped to the VMAR). Returns 0 and its base, or -ENOMEM.
 */
int vmar_space_find_free(const struct vmar_space *s, uint64_t size, uint64_t hint, uint64_t *out);

/* Inserts a mapping that must lie in a free range; 0, -EEXIST on overlap, -EINVAL out of the VMAR, -ENOMEM.
 */
int vmar_space_insert(struct vmar_space *s, const struct vmar_mapping *m);

/* The mapping containing `addr`, or NULL. */
const struct vmar_mapping *vmar_space_find(const struct vmar_space *s, uint64_t addr);

/* True when every byte of [base, base + size) lies in some mapping (mappings may be adjacent). */
bool vmar_space_fully_mapped(const struct vmar_space *s, uint64_t base, uint64_t size);

/*
 * Cuts [base, base + size) out of every mapping it touches. A mapping partly
 * inside is trimmed; one that straddles the range on both sides is split in
 * two (vmo_offset of the upper part adjusted). For each piece removed, calls
 * `removed(arg, piece)` with the piece's own base/size/vmo/vmo_offset/perms;
 * for each split (a mapping that becomes two), calls `split(arg, &upper)`
 * once so the caller can take another reference on the VMO (split may be
 * NULL). Returns the number of bytes removed (0 when nothing was mapped), or
 * -ENOMEM if a split could not grow the list (then nothing changed).
 */
int64_t vmar_space_remove(struct vmar_space *s, uint64_t base, uint64_t size,
                          void (*removed)(void *arg, const struct vmar_mapping *piece),
                          void (*split)(void *arg, const struct vmar_mapping *upper), void *arg);

/*
 * Sets perms on [base, base + size), splitting mappings at the range's ends
 * as needed (calling `split` as above for each new mapping), and calls
 * `changed(arg, piece)` for each piece whose perms were set. The caller has
 * checked vmar_space_fully_mapped. Returns 0 or -ENOMEM (nothing changed).
 */
int vmar_space_protect(struct vmar_space *s, uint64_t base, uint64_t size, uint32_t perms,
                       void (*changed)(void *arg, const struct vmar_mapping *piece),
                       void (*split)(void *arg, const struct vmar_mapping *upper), void *arg);

#endif
