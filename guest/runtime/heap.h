/* heap.h: libzxguest's allocator core: a first-fit, address-ordered free list over chunks from a grow hook.
 */
#ifndef ZXGUEST_HEAP_H
#define ZXGUEST_HEAP_H

#include <stddef.h>
#include <stdint.h>

/* Every block starts on this boundary, and so does every pointer the heap returns. */
#define ZXGUEST_HEAP_ALIGN 16u
/* The least a chunk from the grow hook holds; larger requests get a chunk of their own size. */
#define ZXGUEST_HEAP_CHUNK (1u << 20)

struct zxguest_free_block;

struct zxguest_heap {
    /* Returns `size` bytes (a multiple of 4 KiB, at least ZXGUEST_HEAP_CHUNK) aligned to 16, or NULL. */
    void *(*grow)(void *ctx, size_t size);
    void *ctx;
    struct zxguest_free_block *free; /* free blocks in address order */
};

/*
 * malloc, free, realloc and calloc over `h`, with ISO C's contracts: NULL on
 * exhaustion or overflow; malloc(0) returns a unique pointer; free(NULL) and
 * realloc(NULL, n) behave as usual; realloc(p, 0) frees p and returns NULL.
 * Pointers are ZXGUEST_HEAP_ALIGN-aligned. Freeing a pointer the heap did not
 * return (or freeing twice) calls abort(): the process dies of #UD.
 */
void *zxguest_heap_alloc(struct zxguest_heap *h, size_t n);
void zxguest_heap_free(struct zxguest_heap *h, void *p);
void *zxguest_heap_realloc(struct zxguest_heap *h, void *p, size_t n);
void *zxguest_heap_calloc(struct zxguest_heap *h, size_t count, size_t size);

/* Bytes in free blocks, for tests: after freeing everything, all that the grow hook gave. */
size_t zxguest_heap_free_bytes(const struct zxguest_heap *h);

#endif
