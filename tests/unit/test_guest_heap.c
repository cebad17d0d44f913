/* test_guest_heap.c: the guest runtime's allocator core (guest/runtime/heap.c) on host memory, and
 * zx_status_get_string (guest/runtime/status.c) against every status in <zircon/errors.h>. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../guest/runtime/heap.c"
#include "../../guest/runtime/status.c"

#define T_CHUNKS 64

/* A grow hook on aligned host memory, remembering every chunk. */
struct t_host {
    void *chunks[T_CHUNKS];
    size_t sizes[T_CHUNKS];
    int n;
    size_t total;
    int fail; /* refuse to grow */
};

static void *t_grow(void *ctx, size_t size)
{
    struct t_host *h = ctx;
    cr_assert_eq(size % 4096, 0);
    cr_assert_geq(size, ZXGUEST_HEAP_CHUNK);
    if (h->fail || h->n == T_CHUNKS)
        return NULL;
    void *p = aligned_alloc(4096, size);
    memset(p, 0xa5, size); /* not zero: calloc must clear */
    h->chunks[h->n] = p;
    h->sizes[h->n++] = size;
    h->total += size;
    return p;
}

static void t_release(struct t_host *h)
{
    for (int i = 0; i < h->n; i++)
        free(h->chunks[i]);
}

Test(guest_heap, allocations_are_aligned_distinct_and_writable)
{
    struct t_host host = {0};
    struct zxguest_heap heap = {.grow = t_grow, .ctx = &host};
    char *p[100];
    for (int i = 0; i < 100; i++) {
        p[i] = zxguest_heap_alloc(&heap, (size_t)i * 7);
        cr_assert_not_null(p[i]);
        cr_assert_eq((uintptr_t)p[i] % 16, 0);
        memset(p[i], i, (size_t)i * 7);
    }
    for (int i = 0; i < 100; i++)
        for (size_t j = 0; j < (size_t)i * 7; j++)
            cr_assert_eq((unsigned char)p[i][j], (unsigned char)i, "block %d overwritten", i);
    for (int i = 0; i < 100; i++)
        zxguest_heap_free(&heap, p[i]);
    cr_assert_eq(host.n, 1);
    cr_assert_eq(zxguest_heap_free_bytes(&heap), host.total, "freeing everything coalesces back");
    t_release(&host);
}

Test(guest_heap, freed_memory_is_reused)
{
    struct t_host host = {0};
    struct zxguest_heap heap = {.grow = t_grow, .ctx = &host};
    for (int round = 0; round < 1000; round++) {
        void *p = zxguest_heap_alloc(&heap, 100000);
        cr_assert_not_null(p);
        zxguest_heap_free(&heap, p);
    }
    cr_assert_eq(host.n, 1);
    t_release(&host);
}

Test(guest_heap, large_requests_get_a_chunk_of_their_own)
{
    struct t_host host = {0};
    struct zxguest_heap heap = {.grow = t_grow, .ctx = &host};
    char *p = zxguest_heap_alloc(&heap, 3u << 20);
    cr_assert_not_null(p);
    memset(p, 1, 3u << 20);
    cr_assert_eq(host.n, 1);
    cr_assert_geq(host.sizes[0], (3u << 20) + 16);
    zxguest_heap_free(&heap, p);
    t_release(&host);
}

Test(guest_heap, exhaustion_and_overflow_give_null)
{
    struct t_host host = {.fail = 1};
    struct zxguest_heap heap = {.grow = t_grow, .ctx = &host};
    cr_assert_null(zxguest_heap_alloc(&heap, 10));
    host.fail = 0;
    cr_assert_null(zxguest_heap_alloc(&heap, SIZE_MAX - 8));
    cr_assert_null(zxguest_heap_calloc(&heap, SIZE_MAX / 2, 3));
    t_release(&host);
}

Test(guest_heap, malloc_zero_gives_unique_pointers)
{
    struct t_host host = {0};
    struct zxguest_heap heap = {.grow = t_grow, .ctx = &host};
    void *a = zxguest_heap_alloc(&heap, 0), *b = zxguest_heap_alloc(&heap, 0);
    cr_assert_not_null(a);
    cr_assert_not_null(b);
    cr_assert_neq(a, b);
    t_release(&host);
}

Test(guest_heap, calloc_zeroes)
{
    struct t_host host = {0};
    struct zxguest_heap heap = {.grow = t_grow, .ctx = &host};
    unsigned char *p = zxguest_heap_alloc(&heap, 256);
    memset(p, 0xff, 256);
    zxguest_heap_free(&heap, p);
    unsigned char *q = zxguest_heap_calloc(&heap, 64, 4);
    for (int i = 0; i < 256; i++)
        cr_assert_eq(q[i], 0);
    t_release(&host);
}

Test(guest_heap, realloc_keeps_the_contents)
{
    struct t_host host = {0};
    struct zxguest_heap heap = {.grow = t_grow, .ctx = &host};
    cr_assert_null(zxguest_heap_realloc(&heap, zxguest_heap_alloc(&heap, 8), 0));
    char *p = zxguest_heap_realloc(&heap, NULL, 10);
    memcpy(p, "abcdefghi", 10);
    char *blocker = zxguest_heap_alloc(&heap, 16);
    char *q = zxguest_heap_realloc(&heap, p, 5000);
    cr_assert_str_eq(q, "abcdefghi");
    cr_assert_eq(zxguest_heap_realloc(&heap, q, 100), q, "shrinking stays in place");
    zxguest_heap_free(&heap, q);
    zxguest_heap_free(&heap, blocker);
    cr_assert_eq(zxguest_heap_free_bytes(&heap), host.total);
    t_release(&host);
}

Test(guest_heap, double_free_aborts, .signal = SIGABRT)
{
    struct t_host host = {0};
    struct zxguest_heap heap = {.grow = t_grow, .ctx = &host};
    void *p = zxguest_heap_alloc(&heap, 40);
    zxguest_heap_free(&heap, p);
    zxguest_heap_free(&heap, p);
}

/* Every ZX_OK / ZX_ERR_* line of errors.h names its own value. */
Test(guest_status, every_status_has_its_name)
{
    FILE *f = fopen(ZXVMM_SOURCE_DIR "/abi/include/zircon/errors.h", "r");
    cr_assert_not_null(f);
    char line[256], name[64];
    int value, n = 0;
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "#define %63s (%d)", name, &value) != 2 || strncmp(name, "ZX_", 3) != 0)
            continue;
        cr_assert_str_eq(zx_status_get_string(value), name);
        n++;
    }
    fclose(f);
    cr_assert_geq(n, 40, "errors.h parsed (%d statuses)", n);
    cr_assert_str_eq(zx_status_get_string(-12345), "(UNKNOWN)");
    cr_assert_str_eq(zx_status_get_string(1), "(UNKNOWN)");
}
