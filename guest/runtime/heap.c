/* heap.c: libzxguest's allocator core: a first-fit, address-ordered free list with coalescing. */
#include "heap.h"

#include <stdlib.h>
#include <string.h>

/*
 * A block is a 16-byte header then the caller's bytes. A used block's header
 * holds its size (header included, a multiple of ZXGUEST_HEAP_ALIGN) and
 * ZXGUEST_HEAP_USED; a free block's holds its size and the next free block.
 * Chunks from the grow hook never merge with each other unless adjacent.
 */
#define ZXGUEST_HEAP_USED   0x5a58475553454421ull /* "!DESUGXZ": marks a block handed out */
#define ZXGUEST_HEAP_HEADER 16u
#define ZXGUEST_HEAP_MIN    32u /* the smallest block: a header and one aligned unit */
#define ZXGUEST_HEAP_PAGE   4096u

struct zxguest_free_block {
    size_t size;
    struct zxguest_free_block *next;
};

struct zxguest_used_block {
    size_t size;
    uint64_t magic;
};

_Static_assert(sizeof(struct zxguest_free_block) == ZXGUEST_HEAP_HEADER, "free header");
_Static_assert(sizeof(struct zxguest_used_block) == ZXGUEST_HEAP_HEADER, "used header");

static size_t round_up(size_t n, size_t to)
{
    return (n + to - 1) & ~(to - 1);
}

/* The block size for n caller bytes, or 0 when it would overflow. */
static size_t block_size(size_t n)
{
    if (n > SIZE_MAX / 2)
        return 0;
    size_t size = round_up(n + ZXGUEST_HEAP_HEADER, ZXGUEST_HEAP_ALIGN);
    return size < ZXGUEST_HEAP_MIN ? ZXGUEST_HEAP_MIN : size;
}

static char *block_end(const struct zxguest_free_block *b)
{
    return (char *)b + b->size;
}

/* Puts b into the address-ordered free list, merging it with the neighbours it touches. */
static void insert_free(struct zxguest_heap *h, struct zxguest_free_block *b)
{
    struct zxguest_free_block **link = &h->free, *prev = NULL;
    while (*link && *link < b) {
        prev = *link;
        link = &(*link)->next;
    }
    b->next = *link;
    *link = b;
    if (b->next && block_end(b) == (char *)b->next) {
        b->size += b->next->size;
        b->next = b->next->next;
    }
    if (prev && block_end(prev) == (char *)b) {
        prev->size += b->size;
        prev->next = b->next;
    }
}

/* Takes the first free block of at least `size` bytes, splitting off the rest; NULL when none fits. */
static void *take_first_fit(struct zxguest_heap *h, size_t size)
{
    for (struct zxguest_free_block **link = &h->free; *link; link = &(*link)->next) {
        struct zxguest_free_block *b = *link;
        if (b->size < size)
            continue;
        if (b->size - size >= ZXGUEST_HEAP_MIN) {
            struct zxguest_free_block *rest = (struct zxguest_free_block *)((char *)b + size);
            rest->size = b->size - size;
            rest->next = b->next;
            *link = rest;
        } else {
            size = b->size;
            *link = b->next;
        }
        struct zxguest_used_block *u = (struct zxguest_used_block *)b;
        u->size = size;
        u->magic = ZXGUEST_HEAP_USED;
        return (char *)u + ZXGUEST_HEAP_HEADER;
    }
    return NULL;
}

void *zxguest_heap_alloc(struct zxguest_heap *h, size_t n)
{
    size_t size = block_size(n);
    if (size == 0)
        return NULL;
    void *p = take_first_fit(h, size);
    if (p)
        return p;
    size_t chunk = size < ZXGUEST_HEAP_CHUNK ? ZXGUEST_HEAP_CHUNK : round_up(size, ZXGUEST_HEAP_PAGE);
    struct zxguest_free_block *b = h->grow(h->ctx, chunk);
    if (!b)
        return NULL;
    b->size = chunk;
    insert_free(h, b);
    return take_first_fit(h, size);
}

/* The used header of p, after checking that the heap handed p out and has not taken it back. */
static struct zxguest_used_block *used_header(void *p)
{
    struct zxguest_used_block *u = (struct zxguest_used_block *)((char *)p - ZXGUEST_HEAP_HEADER);
    if (((uintptr_t)p % ZXGUEST_HEAP_ALIGN) != 0 || u->magic != ZXGUEST_HEAP_USED)
        abort();
    return u;
}

void zxguest_heap_free(struct zxguest_heap *h, void *p)
{
    if (!p)
        return;
    struct zxguest_used_block *u = used_header(p);
    size_t size = u->size;
    u->magic = 0;
    struct zxguest_free_block *b = (struct zxguest_free_block *)u;
    b->size = size;
    insert_free(h, b);
}

void *zxguest_heap_realloc(struct zxguest_heap *h, void *p, size_t n)
{
    if (!p)
        return zxguest_heap_alloc(h, n);
    if (n == 0) {
        zxguest_heap_free(h, p);
        return NULL;
    }
    struct zxguest_used_block *u = used_header(p);
    size_t have = u->size - ZXGUEST_HEAP_HEADER;
    if (n <= have)
        return p;
    void *q = zxguest_heap_alloc(h, n);
    if (!q)
        return NULL;
    memcpy(q, p, have);
    zxguest_heap_free(h, p);
    return q;
}

void *zxguest_heap_calloc(struct zxguest_heap *h, size_t count, size_t size)
{
    size_t n;
    if (__builtin_mul_overflow(count, size, &n))
        return NULL;
    void *p = zxguest_heap_alloc(h, n);
    if (p)
        memset(p, 0, n);
    return p;
}

size_t zxguest_heap_free_bytes(const struct zxguest_heap *h)
{
    size_t n = 0;
    for (const struct zxguest_free_block *b = h->free; b; b = b->next)
        n += b->size;
    return n;
}
