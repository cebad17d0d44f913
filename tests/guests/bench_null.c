/* bench_null.c: benchmark guest: times N null syscalls (zx_handle_close(ZX_HANDLE_INVALID)). */
#include <stdio.h>
#include <stdlib.h>
#include <zircon/syscalls.h>

#define USAGE_RETCODE  2
#define FAILED_RETCODE 1
#define DECIMAL        10

/*
 * bench_null N: calls zx_handle_close(ZX_HANDLE_INVALID) N times between two
 * zx_clock_get_monotonic readings and prints one line,
 * "bench_null calls=N total_ns=T ns_per_call=P" (P rounded down), which the
 * host benchmark parses. Every call must return ZX_OK, or the run fails.
 */
int main(int argc, char **argv)
{
    char *end = NULL;
    long long calls = argc == 2 ? strtoll(argv[1], &end, DECIMAL) : 0;
    if (argc != 2 || *end != '\0' || calls <= 0) {
        printf("usage: bench_null CALLS\n");
        return USAGE_RETCODE;
    }
    zx_status_t failed = ZX_OK;
    zx_time_t start = zx_clock_get_monotonic();
    for (long long i = 0; i < calls; i++)
        failed |= zx_handle_close(ZX_HANDLE_INVALID);
    zx_time_t end_time = zx_clock_get_monotonic();
    if (failed != ZX_OK) {
        printf("bench_null: zx_handle_close(ZX_HANDLE_INVALID) failed\n");
        return FAILED_RETCODE;
    }
    long long total = (long long)(end_time - start);
    printf("bench_null calls=%lld total_ns=%lld ns_per_call=%lld\n", calls, total, total / calls);
    return 0;
}
