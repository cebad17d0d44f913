/* vmar_space.h: the mappings of a VMAR as a balanced tree of non-overlapping ranges (pure logic, no locking).
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
    uint32_t max_perms; /* what zx_vmar_protect may grant: the rights the handles had at map time */
    uint64_t id;        /* the mapping as inserted, set by vmar_space_insert; pieces cut from it keep it */
};

struct vmar_node;

/*
 * Lookups, inserts and gap searches cost O(log n) for n mappings (expected;
 * a treap, see vmar_space.c); removing or re-protecting k mappings costs
 * O(k log n). A mapping's address stays valid until it is removed or cut.
 */
struct vmar_space {
    uint64_t base; /* the VMAR's range [base, base + size), page-aligned */
    uint64_t size;
    struct vmar_node *root; /* ordered by base, never overlapping */
    size_t count;           /* mappings (pieces) in the tree */
    uint64_t last_id;       /* the id the latest insert gave */
    uint32_t prio_state;    /* the tree's pseudo-random priorities */
};

/* An empty space for [base, base + size): page-aligned, non-empty, not wrapping; 0 or -EINVAL. */
int vmar_space_init(struct vmar_space *s, uint64_t base, uint64_t size);

/* Frees the tree; the caller has released the mappings' VMOs first. */
void vmar_space_destroy(struct vmar_space *s);

/* The lowest mapping, or NULL when there is none. */
const struct vmar_mapping *vmar_space_first(const struct vmar_space *s);

/* The mapping after `m` (an entry of `s`) in address order, or NULL. */
const struct vmar_mapping *vmar_space_next(const struct vmar_space *s, const struct vmar_mapping *m);

/* The lowest mapping that ends at or after `addr` (holds it or lies above it), or NULL. */
const struct vmar_mapping *vmar_space_from(const struct vmar_space *s, uint64_t addr);

/*
 * True when [base, base + size) lies inside the VMAR and touches no mapping
 * (overflow-safe; false for size 0 or a range wrapping past 2^64).
 */
bool vmar_space_range_free(const struct vmar_space *s, uint64_t base, uint64_t size);

/*
 * Finds the lowest free, page-aligned range of `size` bytes at or above
 * `hint` (clamped to the VMAR, rounded up to a page). Returns 0 and its
 * base, -EINVAL for size 0, or -ENOMEM.
 */
int vmar_space_find_free(const struct vmar_space *s, uint64_t size, uint64_t hint, uint64_t *out);

/*
 * Inserts a mapping that must lie in a free range, with a new id (m->id is
 * ignored); 0, -EEXIST on overlap, -EINVAL when empty, wrapping, not
 * page-aligned (base or size) or out of the VMAR, or -ENOMEM.
 */
int vmar_space_insert(struct vmar_space *s, const struct vmar_mapping *m);

/* The mapping containing `addr`, or NULL. */
const struct vmar_mapping *vmar_space_find(const struct vmar_space *s, uint64_t addr);

/*
 * The last byte of the whole mapping `m` (an entry of `s`) belongs to: `m`
 * and the pieces that follow it without a gap and with its id, which
 * vmar_space_protect cut from the same inserted mapping. So a protect never
 * shortens what counts as one mapping (Zircon keeps one VmMapping with
 * protection ranges); an unmap does (the two sides are separated by a gap).
 */
uint64_t vmar_space_whole_last(const struct vmar_space *s, const struct vmar_mapping *m);

/*
 * True when every byte of [base, base + size) lies in some mapping (mappings
 * may be adjacent); false for size 0 or a wrapping range.
 */
bool vmar_space_fully_mapped(const struct vmar_space *s, uint64_t base, uint64_t size);

/*
 * A callback given one mapping or piece of one. Callbacks run while the
 * space is being changed: they must not call into this space.
 */
typedef void (*vmar_space_piece_fn)(void *arg, const struct vmar_mapping *piece);

/*
 * Cuts [base, base + size) out of every mapping it touches. A mapping partly
 * inside is trimmed; one that straddles the range on both sides is split in
 * two (vmo_offset of the upper part adjusted). For each piece removed, calls
 * `removed(arg, piece)` with the piece's own base/size/vmo/vmo_offset/perms,
 * in address order; for each split (a mapping that becomes two), calls
 * `split(arg, &upper)` once, before `removed` for the cut piece, so the
 * caller can take another reference on the VMO before dropping the piece's
 * (either callback may be NULL). Returns the number of bytes removed (0 when
 * nothing was mapped or size is 0), -EINVAL when the range wraps past 2^64
 * or is larger than INT64_MAX, or -ENOMEM if a split could not get a node
 * (then nothing changed).
 */
int64_t vmar_space_remove(struct vmar_space *s, uint64_t base, uint64_t size, vmar_space_piece_fn removed,
                          vmar_space_piece_fn split, void *arg);

/*
 * Sets perms on [base, base + size), splitting a mapping at the range's ends
 * only where its perms change (calling `split` as above for each new
 * mapping, with the old perms, before any `changed`), and calls
 * `changed(arg, piece)` for each piece whose perms changed, in address
 * order. Then neighbours cut from one inserted mapping (same id) whose perms
 * are equal again are joined, so a protect that changes nothing leaves the
 * tree as it was, and protecting a piece back restores one mapping. The
 * caller has checked vmar_space_fully_mapped (holes are skipped). Returns 0,
 * -EINVAL for an empty or wrapping range, or -ENOMEM (nothing changed).
 */
int vmar_space_protect(struct vmar_space *s, uint64_t base, uint64_t size, uint32_t perms,
                       vmar_space_piece_fn changed, vmar_space_piece_fn split, void *arg);

#endif
