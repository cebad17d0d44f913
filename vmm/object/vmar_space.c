/* vmar_space.c: a VMAR's mappings as a balanced search tree: lookup, gap search, insert, unmap and protect.
 */
#include "object/vmar_space.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zircon/limits.h>

#define VMAR_PAGE_SIZE ((uint64_t)ZX_PAGE_SIZE)
#define VMAR_PAGE_MASK (VMAR_PAGE_SIZE - 1)

/*
 * The tree is a treap: a binary search tree by base whose nodes also carry a
 * pseudo-random priority, kept in heap order by rotations, which makes its
 * expected depth logarithmic whatever order mappings come in. Each node also
 * keeps three facts about its subtree, so that the lowest gap of a given size
 * is found without visiting every mapping: the lowest base, the highest last
 * byte, and the largest gap between two neighbouring mappings inside it.
 * Nodes are never copied or moved, so a mapping's address stays valid until
 * that mapping is removed.
 */
struct vmar_node {
    struct vmar_mapping m; /* first: a mapping pointer is its node's */
    struct vmar_node *left, *right, *parent;
    uint32_t priority;
    uint64_t min_base; /* of the subtree */
    uint64_t max_last;
    uint64_t max_gap; /* the most free bytes between two neighbours of the subtree (0: none) */
};

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

static struct vmar_node *node_of(const struct vmar_mapping *m)
{
    return (struct vmar_node *)m;
}

/* The free bytes between `lo` and the higher, disjoint `hi`. */
static uint64_t gap_between(uint64_t lo_last, uint64_t hi_base)
{
    return hi_base - lo_last - 1;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

/* Recomputes n's subtree facts from its children's. */
static void node_update(struct vmar_node *n)
{
    uint64_t gap = 0;
    n->min_base = n->m.base;
    n->max_last = map_last(&n->m);
    if (n->left) {
        n->min_base = n->left->min_base;
        gap = max_u64(n->left->max_gap, gap_between(n->left->max_last, n->m.base));
    }
    if (n->right) {
        n->max_last = n->right->max_last;
        gap = max_u64(gap, max_u64(n->right->max_gap, gap_between(map_last(&n->m), n->right->min_base)));
    }
    n->max_gap = gap;
}

/* Recomputes the facts of n and every ancestor (after n's mapping or children changed). */
static void update_path(struct vmar_node *n)
{
    for (; n != NULL; n = n->parent)
        node_update(n);
}

/* The link that points at n: the root or a child field of its parent. */
static struct vmar_node **link_of(struct vmar_space *s, struct vmar_node *n)
{
    if (n->parent == NULL)
        return &s->root;
    return n->parent->left == n ? &n->parent->left : &n->parent->right;
}

/* Rotates child x above its parent, keeping the order; updates both nodes' facts. */
static void rotate_up(struct vmar_space *s, struct vmar_node *x)
{
    struct vmar_node *p = x->parent;
    struct vmar_node **link = link_of(s, p);
    if (p->left == x) {
        p->left = x->right;
        if (x->right)
            x->right->parent = p;
        x->right = p;
    } else {
        p->right = x->left;
        if (x->left)
            x->left->parent = p;
        x->left = p;
    }
    x->parent = p->parent;
    p->parent = x;
    *link = x;
    node_update(p);
    node_update(x);
}

/* The next priority: a xorshift sequence (any fixed sequence keeps the expected depth logarithmic). */
static uint32_t next_priority(struct vmar_space *s)
{
    uint32_t x = s->prio_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s->prio_state = x;
    return x;
}

static struct vmar_node *leftmost(struct vmar_node *n)
{
    while (n && n->left)
        n = n->left;
    return n;
}

static struct vmar_node *successor(const struct vmar_node *n)
{
    if (n->right)
        return leftmost(n->right);
    while (n->parent && n->parent->right == n)
        n = n->parent;
    return n->parent;
}

static struct vmar_node *predecessor(const struct vmar_node *n)
{
    if (n->left) {
        n = n->left;
        while (n->right)
            n = n->right;
        return (struct vmar_node *)n;
    }
    while (n->parent && n->parent->left == n)
        n = n->parent;
    return n->parent;
}

/* The lowest mapping that ends at or after `addr` (NULL if none). */
static struct vmar_node *first_ending_at_or_after(const struct vmar_space *s, uint64_t addr)
{
    struct vmar_node *n = s->root, *best = NULL;
    while (n) {
        if (map_last(&n->m) >= addr) {
            best = n;
            n = n->left;
        } else {
            n = n->right;
        }
    }
    return best;
}

/* Links the fresh node `n` (whose range is free) in by base, then restores heap order. */
static void link_node(struct vmar_space *s, struct vmar_node *n)
{
    struct vmar_node **link = &s->root, *parent = NULL;
    while (*link) {
        parent = *link;
        link = n->m.base < parent->m.base ? &parent->left : &parent->right;
    }
    n->left = n->right = NULL;
    n->parent = parent;
    n->priority = next_priority(s);
    *link = n;
    update_path(n);
    while (n->parent && n->parent->priority < n->priority)
        rotate_up(s, n);
    update_path(n->parent);
    s->count++;
}

/* Unlinks n (rotating it down to a leaf first) and frees it. */
static void unlink_node(struct vmar_space *s, struct vmar_node *n)
{
    while (n->left && n->right)
        rotate_up(s, n->left->priority > n->right->priority ? n->left : n->right);
    struct vmar_node *child = n->left ? n->left : n->right;
    *link_of(s, n) = child;
    if (child)
        child->parent = n->parent;
    update_path(n->parent);
    free(n);
    s->count--;
}

static struct vmar_node *new_node(const struct vmar_mapping *m)
{
    struct vmar_node *n = calloc(1, sizeof(*n));
    if (n)
        n->m = *m;
    return n;
}

int vmar_space_init(struct vmar_space *s, uint64_t base, uint64_t size)
{
    if (!range_ok(base, size) || (base & VMAR_PAGE_MASK) || (size & VMAR_PAGE_MASK))
        return -EINVAL;
    s->base = base;
    s->size = size;
    s->root = NULL;
    s->count = 0;
    s->last_id = 0;
    s->prio_state = 0x9e3779b9u;
    return 0;
}

static void free_subtree(struct vmar_node *n)
{
    while (n) {
        free_subtree(n->left);
        struct vmar_node *right = n->right;
        free(n);
        n = right;
    }
}

void vmar_space_destroy(struct vmar_space *s)
{
    free_subtree(s->root);
    s->root = NULL;
    s->count = 0;
}

const struct vmar_mapping *vmar_space_first(const struct vmar_space *s)
{
    struct vmar_node *n = leftmost(s->root);
    return n ? &n->m : NULL;
}

const struct vmar_mapping *vmar_space_next(const struct vmar_space *s, const struct vmar_mapping *m)
{
    (void)s;
    struct vmar_node *n = successor(node_of(m));
    return n ? &n->m : NULL;
}

const struct vmar_mapping *vmar_space_from(const struct vmar_space *s, uint64_t addr)
{
    struct vmar_node *n = first_ending_at_or_after(s, addr);
    return n ? &n->m : NULL;
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
    struct vmar_node *n = first_ending_at_or_after(s, base);
    return n == NULL || n->m.base > last;
}

/* Rounds `addr` up to a page; false when that would pass 2^64. */
static bool page_align_up(uint64_t addr, uint64_t *out)
{
    if (addr > UINT64_MAX - VMAR_PAGE_MASK)
        return false;
    *out = (addr + VMAR_PAGE_MASK) & ~VMAR_PAGE_MASK;
    return true;
}

/* In subtree t, whose max_gap is at least `size`: the start of its lowest gap of `size` bytes or more. */
static uint64_t lowest_gap_in(const struct vmar_node *t, uint64_t size)
{
    for (;;) {
        if (t->left && t->left->max_gap >= size) {
            t = t->left;
            continue;
        }
        if (t->left && gap_between(t->left->max_last, t->m.base) >= size)
            return t->left->max_last + 1;
        if (t->right && gap_between(map_last(&t->m), t->right->min_base) >= size)
            return map_last(&t->m) + 1;
        t = t->right;
    }
}

/*
 * The start of the lowest gap of `size` bytes or more that follows mapping
 * n or a later one and ends at a mapping; false when there is none (the gap
 * after the last mapping is the caller's). Climbs from n once and descends
 * once: O(depth).
 */
static bool gap_after(const struct vmar_node *n, uint64_t size, uint64_t *start)
{
    for (;;) {
        uint64_t last = map_last(&n->m);
        if (n->right) {
            if (gap_between(last, n->right->min_base) >= size) {
                *start = last + 1;
                return true;
            }
            if (n->right->max_gap >= size) {
                *start = lowest_gap_in(n->right, size);
                return true;
            }
            last = n->right->max_last;
        }
        while (n->parent && n->parent->right == n)
            n = n->parent;
        if (n->parent == NULL)
            return false;
        n = n->parent; /* the first mapping above everything seen so far */
        if (gap_between(last, n->m.base) >= size) {
            *start = last + 1;
            return true;
        }
    }
}

int vmar_space_find_free(const struct vmar_space *s, uint64_t size, uint64_t hint, uint64_t *out)
{
    uint64_t vmar_last = range_last(s->base, s->size);
    uint64_t cand;
    if (size == 0)
        return -EINVAL;
    if (!page_align_up(hint < s->base ? s->base : hint, &cand) || cand > vmar_last)
        return -ENOMEM;
    const struct vmar_node *n = first_ending_at_or_after(s, cand);
    if (n == NULL || (cand < n->m.base && n->m.base - cand >= size)) {
        /* cand is free and so is what follows it, up to n or the VMAR's end. */
        if (n == NULL && vmar_last - cand < size - 1)
            return -ENOMEM;
        *out = cand;
        return 0;
    }
    /* Mappings are page-aligned, so each gap after one starts on a page. */
    if (gap_after(n, size, &cand)) {
        *out = cand;
        return 0;
    }
    uint64_t top = s->root->max_last;
    if (top >= vmar_last || vmar_last - (top + 1) < size - 1)
        return -ENOMEM;
    *out = top + 1;
    return 0;
}

int vmar_space_insert(struct vmar_space *s, const struct vmar_mapping *m)
{
    if (!range_ok(m->base, m->size) || (m->base & VMAR_PAGE_MASK) || (m->size & VMAR_PAGE_MASK))
        return -EINVAL;
    uint64_t last = map_last(m);
    if (!inside(s, m->base, last))
        return -EINVAL;
    struct vmar_node *next = first_ending_at_or_after(s, m->base);
    if (next && next->m.base <= last)
        return -EEXIST;
    struct vmar_node *n = new_node(m);
    if (n == NULL)
        return -ENOMEM;
    n->m.id = ++s->last_id;
    link_node(s, n);
    return 0;
}

const struct vmar_mapping *vmar_space_find(const struct vmar_space *s, uint64_t addr)
{
    struct vmar_node *n = first_ending_at_or_after(s, addr);
    if (n && n->m.base <= addr)
        return &n->m;
    return NULL;
}

/* True when `b` continues `a`: cut from the same inserted mapping, no gap between them. */
static bool continues(const struct vmar_mapping *a, const struct vmar_mapping *b)
{
    return a->id == b->id && map_last(a) != UINT64_MAX && map_last(a) + 1 == b->base;
}

uint64_t vmar_space_whole_last(const struct vmar_space *s, const struct vmar_mapping *m)
{
    (void)s;
    const struct vmar_node *n = node_of(m), *next;
    while ((next = successor(n)) != NULL && continues(&n->m, &next->m))
        n = next;
    return map_last(&n->m);
}

bool vmar_space_fully_mapped(const struct vmar_space *s, uint64_t base, uint64_t size)
{
    if (!range_ok(base, size))
        return false;
    uint64_t last = range_last(base, size);
    uint64_t cursor = base;
    for (const struct vmar_node *n = first_ending_at_or_after(s, base); n; n = successor(n)) {
        if (n->m.base > cursor)
            return false;
        uint64_t m_last = map_last(&n->m);
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

/* Cuts n at `addr` (inside it, above its base): n keeps the lower part, `upper` (fresh) gets the rest. */
static void cut_at(struct vmar_space *s, struct vmar_node *n, uint64_t addr, struct vmar_node *upper)
{
    upper->m = tail_from(&n->m, addr);
    n->m.size = addr - n->m.base;
    update_path(n);
    link_node(s, upper);
}

/* Cuts [base, last] out of the middle of n: split() sees the upper part first. */
static int64_t remove_middle(struct vmar_space *s, struct vmar_node *n, uint64_t base, uint64_t last,
                             vmar_space_piece_fn removed, vmar_space_piece_fn split, void *arg)
{
    struct vmar_node *upper = new_node(&n->m);
    if (upper == NULL)
        return -ENOMEM;
    struct vmar_mapping piece = piece_of(&n->m, base, last);
    cut_at(s, n, last + 1, upper);
    n->m.size = base - n->m.base;
    update_path(n);
    if (split != NULL)
        split(arg, &upper->m);
    if (removed != NULL)
        removed(arg, &piece);
    return (int64_t)piece.size;
}

int64_t vmar_space_remove(struct vmar_space *s, uint64_t base, uint64_t size, vmar_space_piece_fn removed,
                          vmar_space_piece_fn split, void *arg)
{
    if (size == 0)
        return 0;
    if (!range_ok(base, size) || size > (uint64_t)INT64_MAX)
        return -EINVAL;
    uint64_t last = range_last(base, size);
    struct vmar_node *n = first_ending_at_or_after(s, base);
    if (n && n->m.base < base && map_last(&n->m) > last)
        return remove_middle(s, n, base, last, removed, split, arg);
    uint64_t bytes = 0;
    while (n && n->m.base <= last) {
        struct vmar_node *next = successor(n);
        uint64_t from = n->m.base < base ? base : n->m.base;
        uint64_t to = map_last(&n->m) > last ? last : map_last(&n->m);
        struct vmar_mapping piece = piece_of(&n->m, from, to);
        if (n->m.base < base) {
            n->m.size = base - n->m.base;
            update_path(n);
        } else if (map_last(&n->m) > last) {
            n->m = tail_from(&n->m, last + 1);
            update_path(n);
        } else {
            unlink_node(s, n);
        }
        bytes += piece.size;
        if (removed != NULL)
            removed(arg, &piece);
        n = next;
    }
    return (int64_t)bytes;
}

/*
 * The mapping that holds `addr` and starts below it, so that a cut at addr
 * splits it, when its perms are not already `perms` (then no cut is needed);
 * NULL otherwise.
 */
static struct vmar_node *straddler(const struct vmar_space *s, uint64_t addr, uint32_t perms)
{
    struct vmar_node *n = first_ending_at_or_after(s, addr);
    return n && n->m.base < addr && n->m.perms != perms ? n : NULL;
}

/* Makes a mapping boundary at `addr` with the fresh node `upper`, telling split() about it. */
static void split_at(struct vmar_space *s, struct vmar_node *n, uint64_t addr, struct vmar_node *upper,
                     vmar_space_piece_fn split, void *arg)
{
    cut_at(s, n, addr, upper);
    if (split != NULL)
        split(arg, &upper->m);
}

/* Joins neighbours touching [base, last] that continue one another and have the same perms again. */
static void join_around(struct vmar_space *s, uint64_t base, uint64_t last)
{
    struct vmar_node *a = first_ending_at_or_after(s, base);
    if (a == NULL)
        return;
    struct vmar_node *below = predecessor(a);
    if (below)
        a = below; /* the piece just below the range may be the lower part of a cut */
    while (a->m.base <= last) {
        struct vmar_node *b = successor(a);
        if (b == NULL)
            return;
        if (!continues(&a->m, &b->m) || a->m.perms != b->m.perms) {
            a = b;
            continue;
        }
        uint64_t more = b->m.size;
        unlink_node(s, b);
        a->m.size += more;
        update_path(a);
    }
}

int vmar_space_protect(struct vmar_space *s, uint64_t base, uint64_t size, uint32_t perms,
                       vmar_space_piece_fn changed, vmar_space_piece_fn split, void *arg)
{
    if (!range_ok(base, size))
        return -EINVAL;
    uint64_t last = range_last(base, size);
    struct vmar_node *low = straddler(s, base, perms);
    struct vmar_node *high = last != UINT64_MAX ? straddler(s, last + 1, perms) : NULL;
    struct vmar_mapping blank = {0};
    struct vmar_node *low_upper = low ? new_node(&blank) : NULL;
    struct vmar_node *high_upper = high ? new_node(&blank) : NULL;
    if ((low && !low_upper) || (high && !high_upper)) {
        free(low_upper);
        free(high_upper);
        return -ENOMEM;
    }
    if (low)
        split_at(s, low, base, low_upper, split, arg);
    if (high) /* after the low cut, the piece holding last + 1 may be the new upper node */
        split_at(s, first_ending_at_or_after(s, last + 1), last + 1, high_upper, split, arg);
    for (struct vmar_node *n = first_ending_at_or_after(s, base); n && n->m.base <= last; n = successor(n)) {
        if (n->m.perms == perms)
            continue;
        n->m.perms = perms;
        if (changed != NULL)
            changed(arg, &n->m);
    }
    join_around(s, base, last);
    return 0;
}
