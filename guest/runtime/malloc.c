/* malloc.c: <stdlib.h>'s malloc family: the heap core (heap.c) growing through VMOs mapped into the root
 * VMAR. */
#include <stdlib.h>
#include <zircon/process.h>
#include <zircon/syscalls.h>

#include "heap.h"

/* A fresh VMO of `size` bytes mapped read-write anywhere in the root VMAR; its handle is closed at once (the
 * mapping keeps the VMO alive). NULL when the VMO or the mapping cannot be had. */
static void *heap_grow(void *ctx, size_t size)
{
    (void)ctx;
    zx_handle_t vmo;
    zx_vaddr_t addr;
    if (zx_vmo_create(size, 0, &vmo) != ZX_OK)
        return NULL;
    zx_status_t st =
        zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, size, &addr);
    zx_handle_close(vmo);
    return st == ZX_OK ? (void *)(uintptr_t)addr : NULL;
}

static struct zxguest_heap zxguest_heap = {.grow = heap_grow};

void *malloc(size_t size)
{
    return zxguest_heap_alloc(&zxguest_heap, size);
}

void free(void *ptr)
{
    zxguest_heap_free(&zxguest_heap, ptr);
}

void *realloc(void *ptr, size_t size)
{
    return zxguest_heap_realloc(&zxguest_heap, ptr, size);
}

void *calloc(size_t count, size_t size)
{
    return zxguest_heap_calloc(&zxguest_heap, count, size);
}
