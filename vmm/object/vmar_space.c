/* vmar_space.c: a VMAR's mappings as a sorted array: lookup, gap search, insert, unmap and protect. */
#include "object/vmar_space.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zircon/limits.h>

#define VMAR_PAGE_SIZE   ((uint64_t)ZX_PAGE_SIZE)
#define VMAR_PAGE_MASK   (VMAR_PAGE_SIZE - 1)
#define VMAR_INITIAL_CAP 8

/*
 * Ranges are handled by their last byte, not their end, so a range that
 * ends exactly at 2^64 needs no special case. A range is well-formed when
 * it is non-empty and its last byte does not wrap.
 */
static bool range_ok(uint64_t base, uint64_t size)
{
    return size != 0 && size - 1 <= UINT64_MAX - base;
}

static uint64_t range_last(uint64_t base, uint64_t size)
{
    return base + (size - 1);
}

static uint64_t map_last(const struct vmar_mapping *m)
{
    return range_last(m->base, m->size);
}

/* The lowest index whose mapping ends at or after `addr` (count if none). */
static size_t first_ending_at_or_after(const struct vmar_space *s, uint64_t addr)
{
    size_t lo = 0, hi = s->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (map_last(&s->maps[mid]) < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The lowest index whose mapping starts after `addr` (count if none). */
static size_t first_starting_after(const struct vmar_space *s, uint64_t addr)
{
    size_t lo = 0, hi = s->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->maps[mid].base <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Makes room for `extra` more mappings without changing anything else; 0 or -ENOMEM. */
static int reserve(struct vmar_space *s, size_t extra)
{
    if (s->count + extra <= s->cap)
        return 0;
    size_t cap = s->cap ? s->cap * 2 : VMAR_INITIAL_CAP;
    if (cap < s->count + extra)
        cap = s->count + extra;
    struct vmar_mapping *maps = realloc(s->maps, cap * sizeof(*maps));
    if (maps == NULL)
        return -ENOMEM;
    s->maps = maps;
    s->cap = cap;
    return 0;
}

/* Inserts `m` at index `i` (room already reserved). */
static void insert_at(struct vmar_space *s, size_t i, const struct vmar_mapping *m)
{
    memmove(&s->maps[i + 1], &s->maps[i], (s->count - i) * sizeof(*m));
    s->maps[i] = *m;
    s->count++;
}

int vmar_space_init(struct vmar_space *s, uint64_t base, uint64_t size)
{
    if (!range_ok(base, size) || (base & VMAR_PAGE_MASK) || (size & VMAR_PAGE_MASK))
        return -EINVAL;
    s->base = base;
    s->size = size;
    s->maps = NULL;
    s->count = 0;
    s->cap = 0;
    s->last_id = 0;
    return 0;
}

void vmar_space_destroy(struct vmar_space *s)
{
    free(s->maps);
    s->maps = NULL;
    s->count = 0;
    s->cap = 0;
}

/* True when the well-formed range [base, last] lies inside the VMAR. */
static bool inside(const struct vmar_space *s, uint64_t base, uint64_t last)
{
    return base >= s->base && last <= range_last(s->base, s->size);
}

bool vmar_space_range_free(const struct vmar_space *s, uint64_t base, uint64_t size)
{
    if (!range_ok(base, size))
        return false;
    uint64_t last = range_last(base, size);
    if (!inside(s, base, last))
        return false;
    size_t i = first_ending_at_or_after(s, base);
    return i == s->count || s->maps[i].base > last;
}

/* Rounds `addr` up to a page; false when that would pass 2^64. */
static bool page_align_up(uint64_t addr, uint64_t *out)
{
    if (addr > UINT64_MAX - VMAR_PAGE_MASK)
        return false;
    *out = (addr + VMAR_PAGE_MASK) & ~VMAR_PAGE_MASK;
    return true;
}

int vmar_space_find_free(const struct vmar_space *s, uint64_t size, uint64_t hint, uint64_t *out)
{
    uint64_t vmar_last = range_last(s->base, s->size);
    uint64_t cand;
    if (size == 0)
        return -EINVAL;
    if (!page_align_up(hint < s->base ? s->base : hint, &cand))
        return -ENOMEM;
    for (size_t i = first_ending_at_or_after(s, cand);; i++) {
        if (cand > vmar_last)
            return -ENOMEM;
        /* The gap before mapping i (or before the VMAR's end) starts at or after cand. */
        if (i == s->count) {
            if (vmar_last - cand >= size - 1)
                break;
            return -ENOMEM;
        }
        const struct vmar_mapping *m = &s->maps[i];
        if (cand < m->base && m->base - cand >= size)
            break;
        uint64_t last = map_last(m);
        if (last == UINT64_MAX || !page_align_up(last + 1, &cand))
            return -ENOMEM;
    }
    *out = cand;
    return 0;
}

int vmar_space_insert(struct vmar_space *s, const struct vmar_mapping *m)
{
    if (!range_ok(m->base, m->size))
        return -EINVAL;
    uint64_t last = map_last(m);
    if (!inside(s, m->base, last))
        return -EINVAL;
    size_t i = first_ending_at_or_after(s, m->base);
    if (i < s->count && s->maps[i].base <= last)
        return -EEXIST;
    if (reserve(s, 1) != 0)
        return -ENOMEM;
    insert_at(s, i, m);
    s->maps[i].id = ++s->last_id;
    return 0;
}

const struct vmar_mapping *vmar_space_find(const struct vmar_space *s, uint64_t addr)
{
    size_t i = first_ending_at_or_after(s, addr);
    if (i < s->count && s->maps[i].base <= addr)
        return &s->maps[i];
    return NULL;
}

/* True when `b` continues `a`: cut from the same inserted mapping, no gap between them. */
static bool continues(const struct vmar_mapping *a, const struct vmar_mapping *b)
{
    return a->id == b->id && map_last(a) + 1 == b->base;
}

uint64_t vmar_space_whole_last(const struct vmar_space *s, const struct vmar_mapping *m)
{
    size_t i = (size_t)(m - s->maps);
    while (i + 1 < s->count && map_last(&s->maps[i]) != UINT64_MAX && continues(&s->maps[i], &s->maps[i + 1]))
        i++;
    return map_last(&s->maps[i]);
}

bool vmar_space_fully_mapped(const struct vmar_space *s, uint64_t base, uint64_t size)
{
    if (!range_ok(base, size))
        return false;
    uint64_t last = range_last(base, size);
    uint64_t cursor = base;
    for (size_t i = first_ending_at_or_after(s, base); i < s->count; i++) {
        if (s->maps[i].base > cursor)
            return false;
        uint64_t m_last = map_last(&s->maps[i]);
        if (m_last >= last)
            return true;
        cursor = m_last + 1;
    }
    return false;
}

/* The part of `m` from `from` on, with vmo_offset moved along (from lies in m). */
static struct vmar_mapping tail_from(const struct vmar_mapping *m, uint64_t from)
{
    struct vmar_mapping t = *m;
    uint64_t skip = from - m->base;
    t.base = from;
    t.size = m->size - skip;
    t.vmo_offset = m->vmo_offset + skip;
    return t;
}

/* The part of `m` in [from, last] (both inside m). */
static struct vmar_mapping piece_of(const struct vmar_mapping *m, uint64_t from, uint64_t last)
{
    struct vmar_mapping p = tail_from(m, from);
    p.size = last - from + 1;
    return p;
}

/* Cuts [base, last] out of the middle of mapping i (room reserved): split() sees the upper part first. */
static void remove_middle(struct vmar_space *s, size_t i, uint64_t base, uint64_t last,
                          vmar_space_piece_fn removed, vmar_space_piece_fn split, void *arg)
{
    struct vmar_mapping *m = &s->maps[i];
    struct vmar_mapping upper = tail_from(m, last + 1);
    struct vmar_mapping piece = piece_of(m, base, last);
    m->size = base - m->base;
    insert_at(s, i + 1, &upper);
    if (split != NULL)
        split(arg, &upper);
    if (removed != NULL)
        removed(arg, &piece);
}

/* Removes [base, last] from mappings lo .. hi-1, none of which straddles both ends; returns bytes removed. */
static int64_t remove_span(struct vmar_space *s, size_t lo, size_t hi, uint64_t base, uint64_t last,
                           vmar_space_piece_fn removed, void *arg)
{
    size_t del_lo = lo, del_hi = hi; /* the mappings removed whole */
    uint64_t bytes = 0;
    for (size_t i = lo; i < hi; i++) {
        struct vmar_mapping *m = &s->maps[i];
        uint64_t from = m->base < base ? base : m->base;
        uint64_t to = map_last(m) > last ? last : map_last(m);
        struct vmar_mapping piece = piece_of(m, from, to);
        if (m->base < base) {
            m->size = base - m->base;
            del_lo = i + 1;
        } else if (map_last(m) > last) {
            *m = tail_from(m, last + 1);
            del_hi = i;
        }
        bytes += piece.size;
        if (removed != NULL)
            removed(arg, &piece);
    }
    memmove(&s->maps[del_lo], &s->maps[del_hi], (s->count - del_hi) * sizeof(s->maps[0]));
    s->count -= del_hi - del_lo;
    return (int64_t)bytes;
}

int64_t vmar_space_remove(struct vmar_space *s, uint64_t base, uint64_t size, vmar_space_piece_fn removed,
                          vmar_space_piece_fn split, void *arg)
{
    if (size == 0)
        return 0;
    if (!range_ok(base, size) || size > (uint64_t)INT64_MAX)
        return -EINVAL;
    uint64_t last = range_last(base, size);
    size_t lo = first_ending_at_or_after(s, base);
    size_t hi = first_starting_after(s, last);
    if (lo >= hi)
        return 0;
    const struct vmar_mapping *m = &s->maps[lo];
    if (hi - lo == 1 && m->base < base && map_last(m) > last) {
        if (reserve(s, 1) != 0)
            return -ENOMEM;
        remove_middle(s, lo, base, last, removed, split, arg);
        return (int64_t)size;
    }
    return remove_span(s, lo, hi, base, last, removed, arg);
}

/*
 * True when a mapping holds `addr` and starts below it, so that a cut at addr
 * splits it, and its perms are not already `perms` (then no cut is needed).
 */
static bool straddles(const struct vmar_space *s, uint64_t addr, uint32_t perms)
{
    size_t i = first_ending_at_or_after(s, addr);
    return i < s->count && s->maps[i].base < addr && s->maps[i].perms != perms;
}

/* Makes a mapping boundary at `addr` (room reserved), telling split() about the new upper mapping. */
static void split_at(struct vmar_space *s, uint64_t addr, uint32_t perms, vmar_space_piece_fn split,
                     void *arg)
{
    if (!straddles(s, addr, perms))
        return;
    size_t i = first_ending_at_or_after(s, addr);
    struct vmar_mapping upper = tail_from(&s->maps[i], addr);
    s->maps[i].size = addr - s->maps[i].base;
    insert_at(s, i + 1, &upper);
    if (split != NULL)
        split(arg, &upper);
}

/* Joins neighbours touching [base, last] that continue one another and have the same perms again. */
static void join_around(struct vmar_space *s, uint64_t base, uint64_t last)
{
    size_t i = first_ending_at_or_after(s, base);
    if (i > 0)
        i--; /* the piece just below the range may be the lower part of a cut */
    while (i + 1 < s->count && s->maps[i].base <= last) {
        struct vmar_mapping *a = &s->maps[i], *b = &s->maps[i + 1];
        if (!continues(a, b) || a->perms != b->perms) {
            i++;
            continue;
        }
        a->size += b->size;
        memmove(b, b + 1, (s->count - i - 2) * sizeof(*b));
        s->count--;
    }
}

int vmar_space_protect(struct vmar_space *s, uint64_t base, uint64_t size, uint32_t perms,
                       vmar_space_piece_fn changed, vmar_space_piece_fn split, void *arg)
{
    if (!range_ok(base, size))
        return -EINVAL;
    uint64_t last = range_last(base, size);
    bool cut_high = last != UINT64_MAX && straddles(s, last + 1, perms);
    if (reserve(s, (size_t)straddles(s, base, perms) + (size_t)cut_high) != 0)
        return -ENOMEM;
    split_at(s, base, perms, split, arg);
    if (cut_high)
        split_at(s, last + 1, perms, split, arg);
    for (size_t i = first_ending_at_or_after(s, base); i < s->count && s->maps[i].base <= last; i++) {
        if (s->maps[i].perms == perms)
            continue;
        s->maps[i].perms = perms;
        if (changed != NULL)
            changed(arg, &s->maps[i]);
    }
    join_around(s, base, last);
    return 0;
}
