/* bench_wmem.c: benchmark guest: 8-byte zx_process_write_memory into its own .data vs null syscalls (P1). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <zircon/process.h>
#include <zircon/syscalls.h>

#define USAGE_RETCODE  2
#define FAILED_RETCODE 1
#define DECIMAL        10
#define BLOCK_CALLS    100 /* calls per alternating block: a burst of host load hits both kinds */
#define INITIAL_WORD   0x5a5a5a5a5a5a5a5aULL

/* The 8 bytes every write lands on: .data of this very process. */
static volatile uint64_t target_word = INITIAL_WORD;

/* `count` null syscalls; returns their elapsed ns, or -1 when one failed. */
static zx_time_t time_null(long long count)
{
    zx_status_t failed = ZX_OK;
    zx_time_t start = zx_clock_get_monotonic();
    for (long long i = 0; i < count; i++)
        failed |= zx_handle_close(ZX_HANDLE_INVALID);
    zx_time_t end = zx_clock_get_monotonic();
    return failed == ZX_OK ? end - start : -1;
}

/* `count` 8-byte writes of `first`, `first` + 1, ... into target_word; elapsed ns, or -1. */
static zx_time_t time_write(long long count, uint64_t first)
{
    zx_status_t failed = ZX_OK;
    size_t actual_sum = 0;
    zx_time_t start = zx_clock_get_monotonic();
    for (long long i = 0; i < count; i++) {
        uint64_t value = first + (uint64_t)i;
        size_t actual = 0;
        failed |= zx_process_write_memory(zx_process_self(), (zx_vaddr_t)(uintptr_t)&target_word, &value,
                                          sizeof(value), &actual);
        actual_sum += actual;
    }
    zx_time_t end = zx_clock_get_monotonic();
    if (failed != ZX_OK || actual_sum != (size_t)count * sizeof(uint64_t) ||
        target_word != first + (uint64_t)count - 1)
        return -1;
    return end - start;
}

/*
 * bench_wmem N: N zx_handle_close(ZX_HANDLE_INVALID) calls and N 8-byte
 * zx_process_write_memory calls into its own .data, in alternating blocks of
 * BLOCK_CALLS, each kind timed with zx_clock_get_monotonic; prints one line,
 * "bench_wmem calls=N null_ns=T write_ns=T", which the host benchmark parses.
 * Every call must succeed and every write must land, or the run fails.
 * Needs kernel.enable-debugging-syscalls=true.
 */
int main(int argc, char **argv)
{
    char *end = NULL;
    long long calls = argc == 2 ? strtoll(argv[1], &end, DECIMAL) : 0;
    if (argc != 2 || *end != '\0' || calls <= 0) {
        printf("usage: bench_wmem CALLS\n");
        return USAGE_RETCODE;
    }
    zx_time_t null_ns = 0, write_ns = 0;
    for (long long done = 0; done < calls; done += BLOCK_CALLS) {
        long long block = calls - done < BLOCK_CALLS ? calls - done : BLOCK_CALLS;
        zx_time_t n = time_null(block), w = time_write(block, (uint64_t)done);
        if (n < 0 || w < 0) {
            printf("bench_wmem: a %s call failed\n", n < 0 ? "null" : "write_memory");
            return FAILED_RETCODE;
        }
        null_ns += n;
        write_ns += w;
    }
    printf("bench_wmem calls=%lld null_ns=%lld write_ns=%lld\n", calls, (long long)null_ns,
           (long long)write_ns);
    return 0;
}
