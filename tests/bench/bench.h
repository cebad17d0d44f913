/* bench.h: the pieces of zxvmm_bench: the bare `out` floor, running child processes, medians. */
#ifndef ZXVMM_BENCH_H
#define ZXVMM_BENCH_H

#include <stddef.h>
#include <stdint.h>

/* Exit status of the benchmark when /dev/kvm is missing (the "skipped" convention of automake/ctest). */
#define BENCH_EXIT_NO_KVM 77

/* Bytes of a child's stdout that bench_spawn keeps (the rest is read and dropped). */
#define BENCH_CAPTURE_MAX 4096

/* What one child process run cost, as seen by its parent. */
struct bench_run {
    double wall_ns;              /* fork to wait4 returning, on CLOCK_MONOTONIC */
    long maxrss_kib;             /* ru_maxrss from wait4: the child's peak resident set */
    int status;                  /* wait4 status */
    char out[BENCH_CAPTURE_MAX]; /* its stdout, NUL-terminated, when asked for */
};

/*
 * Runs argv[0] (a path) with argv, stdin from /dev/null, stderr inherited,
 * stdout captured into run->out when `capture` is true and sent to /dev/null
 * otherwise. Times it from just before fork to wait4 returning. Returns 0 when
 * the child exited with status 0, -1 otherwise (a message on stderr says why).
 */
int bench_spawn(char *const argv[], int capture, struct bench_run *run);

/*
 * The floor of P2: a minimal long-mode VM whose CPL3 code loops on
 * `out %eax, $ZXVMM_PORT_SYSCALL` (IOPL 0, the TSS I/O bitmap opening the four
 * ports it touches), with KVM_CAP_SYNC_REGS on and one KVM_RUN per exit.
 */
struct bench_floor;

/* Creates the VM and runs its first exit. Returns NULL (message on stderr) on failure. */
struct bench_floor *bench_floor_create(int kvm_fd);

/* Times `count` round trips; returns nanoseconds per round trip, or a negative value on failure. */
double bench_floor_measure(struct bench_floor *f, uint64_t count);

void bench_floor_destroy(struct bench_floor *f);

/* The median of v[0..n); sorts v in place, so v[0] and v[n - 1] are then the extremes. n > 0. */
double bench_median(double *v, size_t n);

/* Nanoseconds on CLOCK_MONOTONIC. */
double bench_now_ns(void);

#endif
