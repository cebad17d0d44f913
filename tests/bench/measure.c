/* measure.c: each target's floors and figures, samples of the two sides taken alternately. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define COUNT_TEXT 32
#define DEBUG_ON   "kernel.enable-debugging-syscalls=true"

struct bench_stat bench_stat_of(double *v, size_t n)
{
    if (n == 0)
        return (struct bench_stat){NAN, NAN, NAN};
    double med = bench_median(v, n);
    return (struct bench_stat){med, v[0], v[n - 1]};
}

double bench_field(const char *out, const char *key)
{
    const char *at = strstr(out, key);
    if (!at)
        return NAN;
    char *end = NULL;
    double v = strtod(at + strlen(key), &end);
    return end != at + strlen(key) && v > 0 ? v : NAN;
}

/* Runs argv capturing stdout; returns the stdout or NULL (message on stderr) when it failed. */
static const char *run_guest(char *const argv[], struct bench_run *run)
{
    if (bench_spawn(argv, BENCH_SPAWN_CAPTURE, run) != 0) {
        fprintf(stderr, "zxvmm_bench: output of the failed run: %s\n", run->out);
        return NULL;
    }
    return run->out;
}

/* P1: bench_wmem times its null syscalls and its 8-byte writes in alternating blocks; one run per round. */
void bench_measure_p1(const struct bench_config *c, struct bench_figures *fig)
{
    double *null = calloc((size_t)c->rounds, sizeof(double)),
           *write = calloc((size_t)c->rounds, sizeof(double));
    char count[COUNT_TEXT];
    snprintf(count, sizeof(count), "%ld", c->calls);
    char *argv[] = {(char *)c->paths.zxvmm,      "run", "--cmdline", DEBUG_ON,
                    (char *)c->paths.bench_wmem, count, NULL};
    struct bench_run run;
    long r = 0;
    for (; null && write && r < c->rounds; r++) {
        const char *out = run_guest(argv, &run);
        if (!out)
            break;
        null[r] = bench_field(out, "null_ns=") / (double)c->calls;
        write[r] = bench_field(out, "write_ns=") / (double)c->calls;
        if (isnan(null[r]) || isnan(write[r])) {
            fprintf(stderr, "zxvmm_bench: unexpected bench_wmem output: %s\n", out);
            break;
        }
    }
    if (r == c->rounds) {
        fig->wmem_null_ns = bench_stat_of(null, (size_t)r);
        fig->wmem_write_ns = bench_stat_of(write, (size_t)r);
    }
    free(null);
    free(write);
}

/* P2: the bare floor and the null syscall, alternating round by round; medians of the rounds. */
void bench_measure_p2(const struct bench_config *c, int kvm_fd, struct bench_figures *fig)
{
    struct bench_floor *floor_vm = bench_floor_create(kvm_fd);
    double *bare = calloc((size_t)c->rounds, sizeof(double)),
           *null = calloc((size_t)c->rounds, sizeof(double));
    char count[COUNT_TEXT];
    snprintf(count, sizeof(count), "%ld", c->calls);
    char *argv[] = {(char *)c->paths.zxvmm, "run", (char *)c->paths.bench_null, count, NULL};
    struct bench_run run;
    long r = 0;
    for (; floor_vm && bare && null && r < c->rounds; r++) {
        bare[r] = bench_floor_measure(floor_vm, (uint64_t)c->calls);
        const char *out = bare[r] > 0 ? run_guest(argv, &run) : NULL;
        if (!out)
            break;
        null[r] = bench_field(out, "total_ns=") / bench_field(out, "calls=");
        if (isnan(null[r])) {
            fprintf(stderr, "zxvmm_bench: unexpected bench_null output: %s\n", out);
            break;
        }
    }
    if (r == c->rounds) {
        fig->bare_out_ns = bench_stat_of(bare, (size_t)r);
        fig->null_syscall_ns = bench_stat_of(null, (size_t)r);
    }
    free(bare);
    free(null);
    bench_floor_destroy(floor_vm);
}

/* One P3 round of the host floors: the median of `copies` memcpys and of as many process_vm_writevs. */
static int host_copies(struct bench_copy *copy, long copies, double *memcpy_ns, double *pvw_ns)
{
    double *m = calloc((size_t)copies, sizeof(double)), *p = calloc((size_t)copies, sizeof(double));
    long i = 0;
    for (; m && p && i < copies; i++) {
        m[i] = bench_copy_memcpy_ns(copy);
        p[i] = bench_copy_pvw_ns(copy);
        if (p[i] < 0)
            break;
    }
    if (i == copies) {
        *memcpy_ns = bench_median(m, (size_t)i);
        *pvw_ns = bench_median(p, (size_t)i);
    }
    free(m);
    free(p);
    return i == copies ? 0 : -1;
}

/*
 * P3: per round, the host floors (median of `copies` each), then one zxvmm
 * run in which bench_wbig writes 64 MiB into its sibling `copies` times and
 * reports the median; the figures are medians of the rounds.
 */
void bench_measure_p3(const struct bench_config *c, struct bench_figures *fig)
{
    size_t n = (size_t)c->copy_rounds;
    double *m = calloc(n, sizeof(double)), *p = calloc(n, sizeof(double)), *g = calloc(n, sizeof(double));
    char reps[COUNT_TEXT], sink[PATH_MAX + COUNT_TEXT];
    snprintf(reps, sizeof(reps), "%ld", c->copies);
    snprintf(sink, sizeof(sink), "'%s' sink", c->paths.bench_wbig);
    char *argv[] = {(char *)c->paths.zxvmm,
                    "run",
                    "--cmdline",
                    DEBUG_ON,
                    "--mem",
                    BENCH_COPY_GUEST_MEM,
                    "--spawn",
                    sink,
                    (char *)c->paths.bench_wbig,
                    "write",
                    reps,
                    NULL};
    struct bench_copy *copy = bench_copy_create(BENCH_COPY_SIZE);
    struct bench_run run;
    size_t r = 0;
    for (; copy && m && p && g && r < n; r++) {
        const char *out = host_copies(copy, c->copies, &m[r], &p[r]) == 0 ? run_guest(argv, &run) : NULL;
        if (!out)
            break;
        g[r] = bench_field(out, "median_ns=");
        if (isnan(g[r]) || bench_field(out, "bytes=") != (double)BENCH_COPY_SIZE) {
            fprintf(stderr, "zxvmm_bench: unexpected bench_wbig output: %s\n", out);
            break;
        }
    }
    bench_copy_destroy(copy);
    if (r == n) {
        fig->memcpy_ns = bench_stat_of(m, r);
        fig->pvw_ns = bench_stat_of(p, r);
        fig->wbig_ns = bench_stat_of(g, r);
    }
    free(m);
    free(p);
    free(g);
}

/* Copies the program at `src` into `dir` under its own name, executable; the copy's path in `out`. */
static int copy_program(const char *src, const char *dir, char *out, size_t outlen)
{
    const char *base = strrchr(src, '/');
    snprintf(out, outlen, "%s/%s", dir, base ? base + 1 : src);
    int in = open(src, O_RDONLY | O_CLOEXEC), to = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    char buf[65536];
    ssize_t n = 0;
    while (in >= 0 && to >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
        if (write(to, buf, (size_t)n) != n)
            n = -1;
    int ok = in >= 0 && to >= 0 && n == 0;
    if (!ok)
        fprintf(stderr, "zxvmm_bench: cannot copy %s to %s: %s\n", src, out, strerror(errno));
    if (in >= 0)
        close(in);
    if (to >= 0 && close(to) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

/*
 * P4 and P5: kvm_minimal and `zxvmm run hello` alternate run by run, each
 * pair run twice: from copies of the three programs in a scratch directory
 * under TMPDIR (the figures of the targets: both sides start from the same
 * local file system, as an installed zxvmm would), and from where they
 * were built (a shared or network file system there charges a program's
 * size at every start). Median wall times, peak RSS (of all hello runs).
 */
void bench_measure_startup(const struct bench_config *c, struct bench_figures *fig)
{
    double *minimal = calloc((size_t)c->runs, sizeof(double)),
           *hello = calloc((size_t)c->runs, sizeof(double)),
           *minimal_tree = calloc((size_t)c->runs, sizeof(double)),
           *hello_tree = calloc((size_t)c->runs, sizeof(double));
    const char *tmp = getenv("TMPDIR");
    char dir[PATH_MAX], zxvmm[2 * PATH_MAX], hello_elf[2 * PATH_MAX], kvm_minimal[2 * PATH_MAX];
    snprintf(dir, sizeof(dir), "%s/zxvmm-bench-XXXXXX", tmp && *tmp ? tmp : P_tmpdir);
    int ok = mkdtemp(dir) != NULL;
    if (!ok)
        fprintf(stderr, "zxvmm_bench: cannot make a scratch directory %s: %s\n", dir, strerror(errno));
    ok = ok && copy_program(c->paths.zxvmm, dir, zxvmm, sizeof(zxvmm)) == 0 &&
         copy_program(c->paths.hello, dir, hello_elf, sizeof(hello_elf)) == 0 &&
         copy_program(c->paths.kvm_minimal, dir, kvm_minimal, sizeof(kvm_minimal)) == 0;
    char *minimal_argv[] = {kvm_minimal, NULL};
    char *hello_argv[] = {zxvmm, "run", hello_elf, NULL};
    char *minimal_tree_argv[] = {(char *)c->paths.kvm_minimal, NULL};
    char *hello_tree_argv[] = {(char *)c->paths.zxvmm, "run", (char *)c->paths.hello, NULL};
    struct bench_run run;
    long peak_kib = 0, i = 0;
    for (; ok && minimal && hello && minimal_tree && hello_tree && i < c->runs; i++) {
        if (bench_spawn(minimal_argv, BENCH_SPAWN_DROP, &run) != 0)
            break;
        minimal[i] = run.wall_ns;
        if (bench_spawn(hello_argv, BENCH_SPAWN_DROP, &run) != 0)
            break;
        hello[i] = run.wall_ns;
        peak_kib = run.maxrss_kib > peak_kib ? run.maxrss_kib : peak_kib;
        if (bench_spawn(minimal_tree_argv, BENCH_SPAWN_DROP, &run) != 0)
            break;
        minimal_tree[i] = run.wall_ns;
        if (bench_spawn(hello_tree_argv, BENCH_SPAWN_DROP, &run) != 0)
            break;
        hello_tree[i] = run.wall_ns;
        peak_kib = run.maxrss_kib > peak_kib ? run.maxrss_kib : peak_kib;
    }
    if (i == c->runs) {
        fig->minimal_wall_ns = bench_stat_of(minimal, (size_t)i);
        fig->hello_wall_ns = bench_stat_of(hello, (size_t)i);
        fig->minimal_tree_ns = bench_stat_of(minimal_tree, (size_t)i);
        fig->hello_tree_ns = bench_stat_of(hello_tree, (size_t)i);
        fig->hello_rss_kib = (double)peak_kib;
    }
    unlink(zxvmm);
    unlink(hello_elf);
    unlink(kvm_minimal);
    rmdir(dir);
    free(minimal);
    free(hello);
    free(minimal_tree);
    free(hello_tree);
}

/*
 * The breakpoint round trip: per round one zxvmm run in which bench_bp times
 * `calls` null syscalls, then `calls` breakpoint round trips on its
 * --spawn-stopped sibling; medians of the rounds.
 */
void bench_measure_breakpoint(const struct bench_config *c, struct bench_figures *fig)
{
    double *null = calloc((size_t)c->rounds, sizeof(double)), *bp = calloc((size_t)c->rounds, sizeof(double));
    char count[COUNT_TEXT], debuggee[PATH_MAX + 2 * COUNT_TEXT];
    snprintf(count, sizeof(count), "%ld", c->bp_hits);
    snprintf(debuggee, sizeof(debuggee), "'%s' debuggee %ld", c->paths.bench_bp, c->bp_hits);
    char *argv[] = {(char *)c->paths.zxvmm,    "run",      "--cmdline", DEBUG_ON, "--spawn-stopped", debuggee,
                    (char *)c->paths.bench_bp, "debugger", count,       NULL};
    struct bench_run run;
    long r = 0;
    for (; null && bp && r < c->rounds; r++) {
        const char *out = run_guest(argv, &run);
        if (!out)
            break;
        null[r] = bench_field(out, "null_ns=") / (double)c->bp_hits;
        bp[r] = bench_field(out, "bp_ns=") / (double)c->bp_hits;
        if (isnan(null[r]) || isnan(bp[r])) {
            fprintf(stderr, "zxvmm_bench: unexpected bench_bp output: %s\n", out);
            break;
        }
    }
    if (r == c->rounds) {
        fig->bp_null_ns = bench_stat_of(null, (size_t)r);
        fig->bp_round_trip_ns = bench_stat_of(bp, (size_t)r);
    }
    free(null);
    free(bp);
}

/* Guest RAM for P9: the page tables of LARGE one-page mappings, and room to spare. */
#define MAP_GUEST_MEM "1G"

/* P9: bench_map times one-page maps with few mappings present, then with many; one run per round. */
void bench_measure_p9(const struct bench_config *c, struct bench_figures *fig)
{
    double *small = calloc((size_t)c->map_rounds, sizeof(double)),
           *large = calloc((size_t)c->map_rounds, sizeof(double));
    char n_small[COUNT_TEXT], n_large[COUNT_TEXT], n_timed[COUNT_TEXT], n_cycles[COUNT_TEXT];
    snprintf(n_small, sizeof(n_small), "%ld", c->map_small);
    snprintf(n_large, sizeof(n_large), "%ld", c->map_large);
    snprintf(n_timed, sizeof(n_timed), "%ld", c->map_timed);
    snprintf(n_cycles, sizeof(n_cycles), "%ld", c->map_cycles);
    char *argv[] = {(char *)c->paths.zxvmm,
                    "run",
                    "--mem",
                    MAP_GUEST_MEM,
                    (char *)c->paths.bench_map,
                    n_small,
                    n_large,
                    n_timed,
                    n_cycles,
                    NULL};
    struct bench_run run;
    long r = 0;
    for (; small && large && r < c->map_rounds; r++) {
        const char *out = run_guest(argv, &run);
        if (!out)
            break;
        small[r] = bench_field(out, "small_ns=") / (double)c->map_timed;
        large[r] = bench_field(out, "large_ns=") / (double)c->map_timed;
        if (isnan(small[r]) || isnan(large[r])) {
            fprintf(stderr, "zxvmm_bench: unexpected bench_map output: %s\n", out);
            break;
        }
    }
    if (r == c->map_rounds) {
        fig->map_small_ns = bench_stat_of(small, (size_t)r);
        fig->map_large_ns = bench_stat_of(large, (size_t)r);
    }
    free(small);
    free(large);
}
