/* bench_map.c: benchmark guest: times zx_vmar_map with few and with many mappings present (P9). */
#include <stdio.h>
#include <stdlib.h>
#include <zircon/process.h>
#include <zircon/syscalls.h>

#define USAGE_RETCODE  2
#define FAILED_RETCODE 1
#define DECIMAL        10
#define MAX_TIMED      100000

static zx_vaddr_t timed_addrs[MAX_TIMED];

/* Maps one page of `vmo` wherever the root VMAR has room (the lowest free page); ZX_OK or the error. */
static zx_status_t map_one(zx_handle_t vmo, zx_vaddr_t *addr)
{
    return zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ, 0, vmo, 0, ZX_PAGE_SIZE, addr);
}

/* Adds mappings until `present` of them exist (counting from `*have`). */
static zx_status_t fill_to(zx_handle_t vmo, long long present, long long *have)
{
    for (; *have < present; ++*have) {
        zx_vaddr_t addr;
        zx_status_t s = map_one(vmo, &addr);
        if (s != ZX_OK)
            return s;
    }
    return ZX_OK;
}

/* Times `timed` maps, then unmaps them again (untimed); nanoseconds for all, or -1. */
static long long time_maps(zx_handle_t vmo, long long timed)
{
    zx_status_t failed = ZX_OK;
    zx_time_t start = zx_clock_get_monotonic();
    for (long long i = 0; i < timed; i++)
        failed |= map_one(vmo, &timed_addrs[i]);
    zx_time_t end = zx_clock_get_monotonic();
    for (long long i = 0; i < timed; i++)
        failed |= zx_vmar_unmap(zx_vmar_root_self(), timed_addrs[i], ZX_PAGE_SIZE);
    return failed == ZX_OK ? (long long)(end - start) : -1;
}

static long long arg(const char *s)
{
    char *end = NULL;
    long long v = strtoll(s, &end, DECIMAL);
    return *end == '\0' ? v : -1;
}

/*
 * bench_map SMALL LARGE TIMED: one-page mappings of one VMO, each placed by
 * zx_vmar_map at the lowest free address. With SMALL mappings present, times
 * TIMED more maps; then with LARGE present, the same. Prints
 * "bench_map small=S small_ns=T large=L large_ns=U timed=N" (T and U totals).
 */
int main(int argc, char **argv)
{
    long long small = argc == 4 ? arg(argv[1]) : -1, large = argc == 4 ? arg(argv[2]) : -1,
              timed = argc == 4 ? arg(argv[3]) : -1;
    if (small < 0 || large < small || timed <= 0 || timed > MAX_TIMED) {
        printf("usage: bench_map SMALL LARGE TIMED (SMALL <= LARGE, 1 <= TIMED <= %d)\n", MAX_TIMED);
        return USAGE_RETCODE;
    }
    zx_handle_t vmo;
    long long have = 0;
    if (zx_vmo_create(ZX_PAGE_SIZE, 0, &vmo) != ZX_OK || fill_to(vmo, small, &have) != ZX_OK) {
        printf("bench_map: setting up %lld mappings failed\n", small);
        return FAILED_RETCODE;
    }
    long long small_ns = time_maps(vmo, timed);
    if (small_ns < 0 || fill_to(vmo, large, &have) != ZX_OK) {
        printf("bench_map: mapping failed with %lld mappings present\n", have);
        return FAILED_RETCODE;
    }
    long long large_ns = time_maps(vmo, timed);
    if (large_ns < 0) {
        printf("bench_map: mapping failed with %lld mappings present\n", have);
        return FAILED_RETCODE;
    }
    printf("bench_map small=%lld small_ns=%lld large=%lld large_ns=%lld timed=%lld\n", small, small_ns, large,
           large_ns, timed);
    return 0;
}
