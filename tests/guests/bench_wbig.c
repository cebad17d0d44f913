/* bench_wbig.c: benchmark guest: 64 MiB zx_process_write_memory into a sibling running the same program (P3).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/syscalls.h>

#include "guest_common.h"

#define FAILED_RETCODE 1
#define DECIMAL        10
#define AREA_SIZE      (64ULL << 20) /* the largest single zx_process_write_memory */
#define PAGE           4096u
#define MAX_REPS       64
#define STAMP_BASE     0x6b63656862ULL /* any value a fresh .bss cannot hold */
#define CHECK_POINTS   4               /* pages read back from the sibling after the writes */

/* Same program, same link address: the caller's source and the sibling's destination. */
static uint8_t area[AREA_SIZE] __attribute__((aligned(PAGE)));

static void sort(zx_time_t *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            zx_time_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

/* Puts one distinct word at the start of every page, so a read-back can tell pages apart. */
static void stamp(void)
{
    for (uint64_t off = 0; off < AREA_SIZE; off += PAGE) {
        uint64_t word = STAMP_BASE + off;
        memcpy(&area[off], &word, sizeof(word));
    }
}

/* Reads a few pages' words back from the sibling; 0 when they match what was written. */
static int check(zx_handle_t sibling)
{
    for (uint64_t i = 0; i < CHECK_POINTS; i++) {
        uint64_t off = (AREA_SIZE - PAGE) / (CHECK_POINTS - 1) * i & ~(uint64_t)(PAGE - 1), word = 0;
        size_t actual = 0;
        zx_status_t s =
            zx_process_read_memory(sibling, (zx_vaddr_t)(uintptr_t)&area[off], &word, sizeof(word), &actual);
        if (s != ZX_OK || word != STAMP_BASE + off) {
            guest_put_status("bench_wbig_readback", s);
            return -1;
        }
    }
    return 0;
}

/* `reps` timed writes of the whole area into the sibling; fills ns[] or returns -1. */
static int time_writes(zx_handle_t sibling, int reps, zx_time_t *ns)
{
    for (int r = 0; r < reps; r++) {
        size_t actual = 0;
        zx_time_t start = zx_clock_get_monotonic();
        zx_status_t s =
            zx_process_write_memory(sibling, (zx_vaddr_t)(uintptr_t)area, area, AREA_SIZE, &actual);
        ns[r] = zx_clock_get_monotonic() - start;
        if (s != ZX_OK || actual != AREA_SIZE) {
            guest_put_status("bench_wbig_write", s);
            return -1;
        }
    }
    return 0;
}

/*
 * bench_wbig sink: sleeps until killed (the destination).
 * bench_wbig write REPS: writes its 64 MiB .bss array into the same array of
 * the first sibling REPS times, each timed with zx_clock_get_monotonic, checks
 * a few pages by reading them back, and prints one line,
 * "bench_wbig bytes=B reps=R median_ns=M min_ns=L max_ns=H bytes_per_s=S",
 * which the host benchmark parses. Run as
 * `zxvmm run --cmdline kernel.enable-debugging-syscalls=true --spawn "bench_wbig sink" bench_wbig write R`.
 */
int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "sink") == 0)
        return (int)zx_nanosleep(ZX_TIME_INFINITE);
    char *end = NULL;
    long reps = argc == 3 && strcmp(argv[1], "write") == 0 ? strtol(argv[2], &end, DECIMAL) : 0;
    if (reps <= 0 || reps > MAX_REPS || *end != '\0') {
        printf("usage: bench_wbig sink | bench_wbig write REPS (1..%d)\n", MAX_REPS);
        return GUEST_USAGE_RETCODE;
    }
    zx_handle_t sibling = guest_sibling();
    if (sibling == ZX_HANDLE_INVALID) {
        printf("bench_wbig: no sibling (run with --spawn \"bench_wbig sink\")\n");
        return FAILED_RETCODE;
    }
    stamp();
    zx_time_t ns[MAX_REPS];
    if (time_writes(sibling, (int)reps, ns) != 0 || check(sibling) != 0)
        return FAILED_RETCODE;
    sort(ns, (int)reps);
    zx_time_t median = ns[reps / 2];
    unsigned long long per_s =
        median > 0 ? (unsigned long long)(AREA_SIZE * 1000000000ULL / (uint64_t)median) : 0;
    printf("bench_wbig bytes=%llu reps=%ld median_ns=%lld min_ns=%lld max_ns=%lld bytes_per_s=%llu\n",
           (unsigned long long)AREA_SIZE, reps, (long long)median, (long long)ns[0], (long long)ns[reps - 1],
           per_s);
    zx_task_kill(sibling);
    return 0;
}
