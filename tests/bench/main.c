/* main.c: zxvmm_bench: the floors and figures of PERFORMANCE.md in one run, one line per target. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench.h"

#define DEFAULT_CALLS    2000 /* hypercalls per P2 round; each is tens of µs under nested KVM */
#define DEFAULT_ROUNDS   5    /* P2 rounds: bare floor and null syscall alternate */
#define DEFAULT_RUNS     20   /* whole-process runs of hello and of kvm_minimal (P4, P5) */
#define MAX_COUNT        100000000L
#define DECIMAL          10
#define NS_PER_US        1e3
#define NS_PER_MS        1e6
#define KIB_PER_MIB      1024.0
#define P5_BUDGET_KIB    (8 * 1024) /* 8 MiB */
#define EXIT_MEASURE_BAD 1

/* Where the programs under measurement are: build-tree defaults, overridable from the environment. */
struct bench_paths {
    char zxvmm[PATH_MAX];
    char hello[PATH_MAX];
    char bench_null[PATH_MAX];
    char kvm_minimal[PATH_MAX];
};

struct bench_config {
    long calls, rounds, runs;
    struct bench_paths paths;
};

/* Every floor and figure; NAN until measured. The *_lo/_hi pairs are the fastest and slowest sample. */
struct bench_figures {
    double bare_out_ns;     /* P2 floor: one CPL3 `out` round trip of the minimal VM */
    double null_syscall_ns; /* P2: one zx_handle_close(ZX_HANDLE_INVALID) under zxvmm */
    double minimal_wall_ns; /* P4 floor: kvm_minimal as a whole process */
    double hello_wall_ns;   /* P4: `zxvmm run hello` as a whole process */
    double hello_rss_kib;   /* P5: the largest ru_maxrss of those runs */
    double bare_lo, bare_hi, null_lo, null_hi, minimal_lo, minimal_hi, hello_lo, hello_hi;
};

/*
 * One target of PERFORMANCE.md. `pending` names what is missing before it
 * can be measured; otherwise `ratio` computes it from the figures and it is
 * met when ratio <= limit (or >= limit when `at_least`).
 */
struct bench_target {
    const char *id;
    const char *pending;
    double limit;
    bool at_least;
    double (*ratio)(const struct bench_figures *fig);
};

static double ratio_p2(const struct bench_figures *fig)
{
    return fig->null_syscall_ns / fig->bare_out_ns;
}

static double ratio_p4(const struct bench_figures *fig)
{
    return fig->hello_wall_ns / fig->minimal_wall_ns;
}

static double ratio_p5(const struct bench_figures *fig)
{
    return fig->hello_rss_kib / P5_BUDGET_KIB;
}

static const struct bench_target targets[] = {
    {"P1", "needs zx_process_write_memory", 1.10, false, NULL},
    {"P2", NULL, 1.10, false, ratio_p2},
    {"P3", "needs zx_process_write_memory", 0.80, true, NULL},
    {"P4", NULL, 1.50, false, ratio_p4},
    {"P5", NULL, 1.00, false, ratio_p5},
};

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

static long env_count(const char *name, long fallback)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return fallback;
    char *end = NULL;
    long n = strtol(v, &end, DECIMAL);
    if (*end != '\0' || n <= 0 || n > MAX_COUNT) {
        fprintf(stderr, "zxvmm_bench: ignoring %s=%s (want 1..%ld)\n", name, v, MAX_COUNT);
        return fallback;
    }
    return n;
}

static void config_load(struct bench_config *c)
{
    c->calls = env_count("ZXVMM_BENCH_CALLS", DEFAULT_CALLS);
    c->rounds = env_count("ZXVMM_BENCH_ROUNDS", DEFAULT_ROUNDS);
    c->runs = env_count("ZXVMM_BENCH_RUNS", DEFAULT_RUNS);
    struct bench_paths *p = &c->paths;
    snprintf(p->zxvmm, sizeof(p->zxvmm), "%s", env_or("ZXVMM_BIN", ZXVMM_BIN));
    snprintf(p->hello, sizeof(p->hello), "%s/hello", env_or("ZXVMM_EXAMPLES", ZXVMM_EXAMPLES));
    snprintf(p->bench_null, sizeof(p->bench_null), "%s/bench_null", env_or("ZXVMM_GUESTS", ZXVMM_GUESTS));
    snprintf(p->kvm_minimal, sizeof(p->kvm_minimal), "%s/kvm_minimal",
             env_or("ZXVMM_BENCH_DIR", ZXVMM_BENCH_DIR));
}

static bool paths_ok(const struct bench_paths *p)
{
    const char *need[] = {p->zxvmm, p->hello, p->bench_null, p->kvm_minimal};
    bool ok = true;
    for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
        if (access(need[i], R_OK) != 0) {
            fprintf(stderr,
                    "zxvmm_bench: %s: %s (see ZXVMM_BIN, ZXVMM_EXAMPLES, ZXVMM_GUESTS, ZXVMM_BENCH_DIR)\n",
                    need[i], strerror(errno));
            ok = false;
        }
    }
    return ok;
}

/* Nanoseconds per call from bench_null's "calls=N total_ns=T" line, or NAN. */
static double parse_null_ns(const char *out)
{
    const char *calls = strstr(out, "calls="), *total = strstr(out, "total_ns=");
    if (!calls || !total)
        return NAN;
    double n = strtod(calls + strlen("calls="), NULL), t = strtod(total + strlen("total_ns="), NULL);
    return n > 0 && t > 0 ? t / n : NAN;
}

/* P2: the bare floor and the null syscall, alternating round by round; medians of the rounds. */
static void measure_p2(const struct bench_config *c, int kvm_fd, struct bench_figures *fig)
{
    struct bench_floor *floor_vm = bench_floor_create(kvm_fd);
    double *bare = calloc((size_t)c->rounds, sizeof(double)),
           *null = calloc((size_t)c->rounds, sizeof(double));
    char count[32];
    snprintf(count, sizeof(count), "%ld", c->calls);
    char *argv[] = {(char *)c->paths.zxvmm, "run", (char *)c->paths.bench_null, count, NULL};
    struct bench_run run;
    long r = 0;
    for (; floor_vm && bare && null && r < c->rounds; r++) {
        bare[r] = bench_floor_measure(floor_vm, (uint64_t)c->calls);
        if (bare[r] <= 0 || bench_spawn(argv, true, &run) != 0)
            break;
        null[r] = parse_null_ns(run.out);
        if (isnan(null[r])) {
            fprintf(stderr, "zxvmm_bench: unexpected bench_null output: %s\n", run.out);
            break;
        }
    }
    if (r == c->rounds) {
        fig->bare_out_ns = bench_median(bare, (size_t)r);
        fig->null_syscall_ns = bench_median(null, (size_t)r);
        fig->bare_lo = bare[0], fig->bare_hi = bare[r - 1];
        fig->null_lo = null[0], fig->null_hi = null[r - 1];
    }
    free(bare);
    free(null);
    bench_floor_destroy(floor_vm);
}

/* P4 and P5: kvm_minimal and `zxvmm run hello` alternate run by run; median wall times, peak RSS. */
static void measure_startup(const struct bench_config *c, struct bench_figures *fig)
{
    double *minimal = calloc((size_t)c->runs, sizeof(double)),
           *hello = calloc((size_t)c->runs, sizeof(double));
    char *minimal_argv[] = {(char *)c->paths.kvm_minimal, NULL};
    char *hello_argv[] = {(char *)c->paths.zxvmm, "run", (char *)c->paths.hello, NULL};
    struct bench_run run;
    long peak_kib = 0, i = 0;
    for (; minimal && hello && i < c->runs; i++) {
        if (bench_spawn(minimal_argv, false, &run) != 0)
            break;
        minimal[i] = run.wall_ns;
        if (bench_spawn(hello_argv, false, &run) != 0)
            break;
        hello[i] = run.wall_ns;
        if (run.maxrss_kib > peak_kib)
            peak_kib = run.maxrss_kib;
    }
    if (i == c->runs) {
        fig->minimal_wall_ns = bench_median(minimal, (size_t)i);
        fig->hello_wall_ns = bench_median(hello, (size_t)i);
        fig->minimal_lo = minimal[0], fig->minimal_hi = minimal[i - 1];
        fig->hello_lo = hello[0], fig->hello_hi = hello[i - 1];
        fig->hello_rss_kib = (double)peak_kib;
    }
    free(minimal);
    free(hello);
}

static void print_figures(const struct bench_config *c, const struct bench_figures *fig)
{
    struct rusage self;
    getrusage(RUSAGE_SELF, &self);
    printf("floor  bare_out_cpl3_us=%.2f  (%.2f..%.2f; minimal long-mode VM, CPL3 `out` via I/O bitmap, "
           "sync regs; median of %ld rounds of %ld)\n",
           fig->bare_out_ns / NS_PER_US, fig->bare_lo / NS_PER_US, fig->bare_hi / NS_PER_US, c->rounds,
           c->calls);
    printf("figure null_syscall_us=%.2f  (%.2f..%.2f; zxvmm run bench_null %ld: "
           "zx_handle_close(ZX_HANDLE_INVALID), guest clock; median of %ld rounds)\n",
           fig->null_syscall_ns / NS_PER_US, fig->null_lo / NS_PER_US, fig->null_hi / NS_PER_US, c->calls,
           c->rounds);
    printf("floor  kvm_minimal_ms=%.2f  (%.2f..%.2f; whole process: real mode `out` + `hlt`; median of %ld "
           "runs)\n",
           fig->minimal_wall_ns / NS_PER_MS, fig->minimal_lo / NS_PER_MS, fig->minimal_hi / NS_PER_MS,
           c->runs);
    printf("figure zxvmm_run_hello_ms=%.2f  (%.2f..%.2f; whole process, fork to wait4; median of %ld runs)\n",
           fig->hello_wall_ns / NS_PER_MS, fig->hello_lo / NS_PER_MS, fig->hello_hi / NS_PER_MS, c->runs);
    printf("floor  rss_budget_mib=%.2f\n", P5_BUDGET_KIB / KIB_PER_MIB);
    printf("figure zxvmm_run_hello_maxrss_mib=%.2f  (largest ru_maxrss of %ld runs; this benchmark's own: "
           "%.2f)\n",
           fig->hello_rss_kib / KIB_PER_MIB, c->runs, (double)self.ru_maxrss / KIB_PER_MIB);
}

/* One line per target; returns false when a target that should have been measured was not. */
static bool print_targets(const struct bench_figures *fig)
{
    bool all_measured = true;
    for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        const struct bench_target *t = &targets[i];
        if (t->pending) {
            printf("%s pending: %s\n", t->id, t->pending);
            continue;
        }
        double ratio = t->ratio(fig);
        const char *op = t->at_least ? ">=" : "<=";
        if (!isfinite(ratio)) {
            printf("%s ratio=nan target%s%.2f not measured\n", t->id, op, t->limit);
            all_measured = false;
            continue;
        }
        bool met = t->at_least ? ratio >= t->limit : ratio <= t->limit;
        printf("%s ratio=%.2f target%s%.2f %s\n", t->id, ratio, op, t->limit, met ? "ok" : "short");
    }
    return all_measured;
}

int main(void)
{
    int kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm_fd < 0) {
        printf("zxvmm_bench: /dev/kvm not available (%s): nothing measured\n", strerror(errno));
        return BENCH_EXIT_NO_KVM;
    }
    struct bench_config c;
    config_load(&c);
    if (!paths_ok(&c.paths))
        return EXIT_MEASURE_BAD;
    printf("zxvmm_bench: %s; P2 %ld rounds of %ld calls; P4/P5 %ld runs\n", c.paths.zxvmm, c.rounds, c.calls,
           c.runs);
    fflush(stdout);
    struct bench_figures fig = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    measure_p2(&c, kvm_fd, &fig);
    close(kvm_fd);
    measure_startup(&c, &fig);
    print_figures(&c, &fig);
    return print_targets(&fig) ? 0 : EXIT_MEASURE_BAD;
}
