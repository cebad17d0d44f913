/* bench_map.c: benchmark guest: times zx_vmar_map with few and with many mappings present (P9). */
#include <stdio.h>
#include <stdlib.h>
#include <zircon/process.h>
#include <zircon/syscalls.h>

#define USAGE_RETCODE  2
#define FAILED_RETCODE 1
#define DECIMAL        10
#define MAX_TIMED      100000
#define MAX_MAPPINGS   1000000
#define MAX_CYCLES     64

static zx_vaddr_t timed_addrs[MAX_TIMED];
static zx_vaddr_t fill_addrs[MAX_MAPPINGS]; /* the mappings made to reach a count, newest last */

/* Maps one page of `vmo` wherever the root VMAR has room (the lowest free page); ZX_OK or the error. */
static zx_status_t map_one(zx_handle_t vmo, zx_vaddr_t *addr)
{
    return zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ, 0, vmo, 0, ZX_PAGE_SIZE, addr);
}

/* Adds mappings until `present` of them exist (counting from `*have`). */
static zx_status_t fill_to(zx_handle_t vmo, long long present, long long *have)
{
    for (; *have < present; ++*have) {
        zx_status_t s = map_one(vmo, &fill_addrs[*have]);
        if (s != ZX_OK)
            return s;
    }
    return ZX_OK;
}

/* Removes the newest mappings until `present` are left. */
static zx_status_t unmap_to(long long present, long long *have)
{
    for (; *have > present; --*have) {
        zx_status_t s = zx_vmar_unmap(zx_vmar_root_self(), fill_addrs[*have - 1], ZX_PAGE_SIZE);
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

/* The median of v[0..n) (n > 0); sorts v in place (insertion sort: n is small). */
static long long median(long long *v, long long n)
{
    for (long long i = 1; i < n; i++)
        for (long long j = i; j > 0 && v[j - 1] > v[j]; j--) {
            long long t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[n / 2];
}

/*
 * bench_map SMALL LARGE TIMED CYCLES: one-page mappings of one VMO, each
 * placed by zx_vmar_map at the lowest free address. Each cycle: with SMALL
 * mappings present, times TIMED more maps; fills up to LARGE and times the
 * same; unmaps back down to SMALL (untimed) unless it was the last. Each
 * unmap costs a host mprotect round trip (far more than a map under nested
 * emulation), so more than one cycle is for machines with KVM. Prints
 * "bench_map small=S small_ns=T large=L large_ns=U timed=N cycles=C", T and
 * U the medians over the cycles of the totals of N maps.
 */
int main(int argc, char **argv)
{
    long long small = argc == 5 ? arg(argv[1]) : -1, large = argc == 5 ? arg(argv[2]) : -1,
              timed = argc == 5 ? arg(argv[3]) : -1, cycles = argc == 5 ? arg(argv[4]) : -1;
    if (small < 0 || large < small || large > MAX_MAPPINGS || timed <= 0 || timed > MAX_TIMED ||
        cycles <= 0 || cycles > MAX_CYCLES) {
        printf(
            "usage: bench_map SMALL LARGE TIMED CYCLES (SMALL <= LARGE <= %d, 1 <= TIMED <= %d, 1 <= CYCLES "
            "<= %d)\n",
            MAX_MAPPINGS, MAX_TIMED, MAX_CYCLES);
        return USAGE_RETCODE;
    }
    zx_handle_t vmo;
    long long have = 0, small_ns[MAX_CYCLES], large_ns[MAX_CYCLES];
    if (zx_vmo_create(ZX_PAGE_SIZE, 0, &vmo) != ZX_OK) {
        printf("bench_map: zx_vmo_create failed\n");
        return FAILED_RETCODE;
    }
    for (long long c = 0; c < cycles; c++) {
        if (fill_to(vmo, small, &have) != ZX_OK || (small_ns[c] = time_maps(vmo, timed)) < 0 ||
            fill_to(vmo, large, &have) != ZX_OK || (large_ns[c] = time_maps(vmo, timed)) < 0 ||
            (c + 1 < cycles && unmap_to(small, &have) != ZX_OK)) {
            printf("bench_map: a map or unmap failed with %lld mappings present\n", have);
            return FAILED_RETCODE;
        }
    }
    printf("bench_map small=%lld small_ns=%lld large=%lld large_ns=%lld timed=%lld cycles=%lld\n", small,
           median(small_ns, cycles), large, median(large_ns, cycles), timed, cycles);
    return 0;
}
