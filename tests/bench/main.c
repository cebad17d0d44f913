/* main.c: zxvmm_bench: the floors and figures of PERFORMANCE.md in one run, one line per target. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench.h"

#define DEFAULT_CALLS       2000   /* hypercalls per P1/P2 round; each is tens of µs under nested KVM */
#define DEFAULT_ROUNDS      5      /* P1/P2 rounds */
#define DEFAULT_RUNS        20     /* whole-process runs of hello and of kvm_minimal (P4, P5) */
#define DEFAULT_COPIES      5      /* P3: 64 MiB copies per round on each side */
#define DEFAULT_COPY_ROUNDS 3      /* P3 rounds: host floors and one zxvmm run alternate */
#define DEFAULT_BP_HITS     500    /* breakpoint round trips per round; each is several exits */
#define DEFAULT_MAP_SMALL   1000   /* P9: mappings present for the reference maps */
#define DEFAULT_MAP_LARGE   100000 /* P9: mappings present for the measured maps */
#define DEFAULT_MAP_TIMED   500    /* P9: maps timed on each side per round */
#define DEFAULT_MAP_CYCLES  1      /* P9: few/many cycles per run */
#define DEFAULT_MAP_ROUNDS  3      /* P9 rounds: one zxvmm run each, seconds under nested KVM */
#define DEFAULT_CAMP_RUNS   20     /* P8: faulted runs per side and round */
#define DEFAULT_CAMP_ROUNDS 3      /* P8 rounds */
#define MAX_MAP_CYCLES      64     /* what bench_map accepts */
#define MAX_COUNT           100000000L
#define MAX_COPIES          64 /* what bench_wbig accepts */
#define DECIMAL             10
#define NS_PER_US           1e3
#define NS_PER_MS           1e6
#define BYTES_PER_GB        1e9
#define NS_PER_S            1e9
#define KIB_PER_MIB         1024.0
#define P5_BUDGET_KIB       (8 * 1024) /* 8 MiB */
#define EXIT_MEASURE_BAD    1

/*
 * One line of PERFORMANCE.md's targets. `ratio` computes it from the
 * figures (NAN when one is missing); it is met when ratio <= limit, or
 * >= limit when `at_least`. `name` is the key printed before the ratio.
 */
struct bench_target {
    const char *id;
    const char *name;
    double limit;
    bool at_least;
    double (*ratio)(const struct bench_figures *fig);
};

static double ratio_p1(const struct bench_figures *fig)
{
    return fig->wmem_write_ns.med / fig->wmem_null_ns.med;
}

static double ratio_p2(const struct bench_figures *fig)
{
    return fig->null_syscall_ns.med / fig->bare_out_ns.med;
}

/* Bytes per second of the guest's copy over the host memcpy's: the inverse ratio of their times. */
static double ratio_p3_memcpy(const struct bench_figures *fig)
{
    return fig->memcpy_ns.med / fig->wbig_ns.med;
}

static double ratio_p3_pvw(const struct bench_figures *fig)
{
    return fig->pvw_ns.med / fig->wbig_ns.med;
}

static double ratio_p4(const struct bench_figures *fig)
{
    return fig->hello_wall_ns.med / fig->minimal_wall_ns.med;
}

static double ratio_p4_tree(const struct bench_figures *fig)
{
    return fig->hello_tree_ns.med / fig->minimal_tree_ns.med;
}

static double ratio_p5(const struct bench_figures *fig)
{
    return fig->hello_rss_kib / P5_BUDGET_KIB;
}

static double ratio_p9(const struct bench_figures *fig)
{
    return fig->map_large_ns.med / fig->map_small_ns.med;
}

/* Runs per second of the campaign over the loop's: the inverse ratio of their times for the same runs. */
static double ratio_p8(const struct bench_figures *fig)
{
    return fig->camp_seq_ns.med / fig->camp_ns.med;
}

static double ratio_p10_hook(const struct bench_figures *fig)
{
    return fig->p10_hook_ns.med / fig->p10_plain_ns.med;
}

static double ratio_p10_trace(const struct bench_figures *fig)
{
    return fig->p10_trace_ns.med / fig->p10_plain_ns.med;
}

static const struct bench_target targets[] = {
    {"P1", "ratio", 1.10, false, ratio_p1},
    {"P2", "ratio", 1.10, false, ratio_p2},
    {"P3", "ratio", 0.90, true, ratio_p3_memcpy},
    {"P3", "ratio_vs_process_vm_writev", 1.20, true, ratio_p3_pvw},
    {"P4", "ratio", 1.30, false, ratio_p4},
    {"P4", "ratio_from_build_tree", 1.30, false, ratio_p4_tree},
    {"P5", "ratio", 1.00, false, ratio_p5},
    {"P8", "ratio", 3.00, true, ratio_p8},
    {"P9", "ratio", 2.00, false, ratio_p9},
    {"P10", "hook_ratio", 1.10, false, ratio_p10_hook},
    {"P10", "trace_ratio", 1.10, false, ratio_p10_trace},
};

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

static long env_count(const char *name, long fallback, long max)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return fallback;
    char *end = NULL;
    long n = strtol(v, &end, DECIMAL);
    if (*end != '\0' || n <= 0 || n > max) {
        fprintf(stderr, "zxvmm_bench: ignoring %s=%s (want 1..%ld)\n", name, v, max);
        return fallback;
    }
    return n;
}

static void config_load(struct bench_config *c)
{
    c->calls = env_count("ZXVMM_BENCH_CALLS", DEFAULT_CALLS, MAX_COUNT);
    c->rounds = env_count("ZXVMM_BENCH_ROUNDS", DEFAULT_ROUNDS, MAX_COUNT);
    c->runs = env_count("ZXVMM_BENCH_RUNS", DEFAULT_RUNS, MAX_COUNT);
    c->copies = env_count("ZXVMM_BENCH_COPIES", DEFAULT_COPIES, MAX_COPIES);
    c->copy_rounds = env_count("ZXVMM_BENCH_COPY_ROUNDS", DEFAULT_COPY_ROUNDS, MAX_COUNT);
    c->bp_hits = env_count("ZXVMM_BENCH_BP_HITS", DEFAULT_BP_HITS, MAX_COUNT);
    c->map_small = env_count("ZXVMM_BENCH_MAP_SMALL", DEFAULT_MAP_SMALL, MAX_COUNT);
    c->map_large = env_count("ZXVMM_BENCH_MAP_LARGE", DEFAULT_MAP_LARGE, MAX_COUNT);
    c->map_timed = env_count("ZXVMM_BENCH_MAP_TIMED", DEFAULT_MAP_TIMED, MAX_COUNT);
    c->map_cycles = env_count("ZXVMM_BENCH_MAP_CYCLES", DEFAULT_MAP_CYCLES, MAX_MAP_CYCLES);
    c->map_rounds = env_count("ZXVMM_BENCH_MAP_ROUNDS", DEFAULT_MAP_ROUNDS, MAX_COUNT);
    c->camp_runs = env_count("ZXVMM_BENCH_CAMPAIGN_RUNS", DEFAULT_CAMP_RUNS, MAX_COUNT);
    c->camp_rounds = env_count("ZXVMM_BENCH_CAMPAIGN_ROUNDS", DEFAULT_CAMP_ROUNDS, MAX_COUNT);
    struct bench_paths *p = &c->paths;
    const char *guests = env_or("ZXVMM_GUESTS", ZXVMM_GUESTS);
    snprintf(p->zxvmm, sizeof(p->zxvmm), "%s", env_or("ZXVMM_BIN", ZXVMM_BIN));
    snprintf(p->hello, sizeof(p->hello), "%s/hello", env_or("ZXVMM_EXAMPLES", ZXVMM_EXAMPLES));
    snprintf(p->bench_null, sizeof(p->bench_null), "%s/bench_null", guests);
    snprintf(p->bench_wmem, sizeof(p->bench_wmem), "%s/bench_wmem", guests);
    snprintf(p->bench_wbig, sizeof(p->bench_wbig), "%s/bench_wbig", guests);
    snprintf(p->bench_bp, sizeof(p->bench_bp), "%s/bench_bp", guests);
    snprintf(p->bench_map, sizeof(p->bench_map), "%s/bench_map", guests);
    snprintf(p->kvm_minimal, sizeof(p->kvm_minimal), "%s/kvm_minimal",
             env_or("ZXVMM_BENCH_DIR", ZXVMM_BENCH_DIR));
}

static bool paths_ok(const struct bench_paths *p)
{
    const char *need[] = {p->zxvmm,      p->hello,    p->bench_null, p->bench_wmem,
                          p->bench_wbig, p->bench_bp, p->bench_map,  p->kvm_minimal};
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

/* "name=M  (L..H; what)" with the times of `s` divided by `unit`. */
static void print_time(const char *kind, const char *name, struct bench_stat s, double unit, const char *what)
{
    printf("%-6s %s=%.2f  (%.2f..%.2f; %s)\n", kind, name, s.med / unit, s.lo / unit, s.hi / unit, what);
}

/* The same for a copy of BENCH_COPY_SIZE bytes, as GB/s: the fastest sample is the highest rate. */
static void print_rate(const char *kind, const char *name, struct bench_stat s, const char *what)
{
    const double bytes = (double)BENCH_COPY_SIZE * NS_PER_S / BYTES_PER_GB;
    printf("%-6s %s=%.2f  (%.2f..%.2f; %s)\n", kind, name, bytes / s.med, bytes / s.hi, bytes / s.lo, what);
}

static void print_figures(const struct bench_config *c, const struct bench_figures *fig)
{
    char what[256];
    snprintf(what, sizeof(what), "zxvmm run bench_wmem %ld: null syscall, guest clock; median of %ld rounds",
             c->calls, c->rounds);
    print_time("floor", "wmem_null_syscall_us", fig->wmem_null_ns, NS_PER_US, what);
    snprintf(what, sizeof(what), "same runs: 8-byte zx_process_write_memory to its own .data, interleaved");
    print_time("figure", "write_memory_8b_us", fig->wmem_write_ns, NS_PER_US, what);
    snprintf(what, sizeof(what),
             "minimal long-mode VM, CPL3 `out` via I/O bitmap, sync regs; median of %ld "
             "rounds of %ld",
             c->rounds, c->calls);
    print_time("floor", "bare_out_cpl3_us", fig->bare_out_ns, NS_PER_US, what);
    snprintf(what, sizeof(what),
             "zxvmm run bench_null %ld: zx_handle_close(ZX_HANDLE_INVALID), guest clock; "
             "median of %ld rounds",
             c->calls, c->rounds);
    print_time("figure", "null_syscall_us", fig->null_syscall_ns, NS_PER_US, what);
    snprintf(what, sizeof(what), "host memcpy of 64 MiB, pages faulted in; median of %ld rounds of %ld",
             c->copy_rounds, c->copies);
    print_rate("floor", "host_memcpy_gbps", fig->memcpy_ns, what);
    print_rate("floor", "host_process_vm_writev_gbps", fig->pvw_ns,
               "64 MiB into a forked child; same rounds");
    snprintf(what, sizeof(what),
             "zxvmm run bench_wbig write %ld: 64 MiB into a sibling, guest clock; median "
             "of %ld runs",
             c->copies, c->copy_rounds);
    print_rate("figure", "write_memory_64m_gbps", fig->wbig_ns, what);
    snprintf(what, sizeof(what),
             "whole process: real mode `out` + `hlt`; a copy in TMPDIR; median of %ld runs", c->runs);
    print_time("floor", "kvm_minimal_ms", fig->minimal_wall_ns, NS_PER_MS, what);
    snprintf(what, sizeof(what), "whole process, fork to wait4; copies in TMPDIR; median of %ld runs",
             c->runs);
    print_time("figure", "zxvmm_run_hello_ms", fig->hello_wall_ns, NS_PER_MS, what);
    print_time("floor", "kvm_minimal_build_tree_ms", fig->minimal_tree_ns, NS_PER_MS,
               "the same runs of the programs where they are");
    print_time("figure", "zxvmm_run_hello_build_tree_ms", fig->hello_tree_ns, NS_PER_MS,
               "the same runs of the programs where they are");
    struct rusage self;
    getrusage(RUSAGE_SELF, &self);
    printf("floor  rss_budget_mib=%.2f\n", P5_BUDGET_KIB / KIB_PER_MIB);
    printf("figure zxvmm_run_hello_maxrss_mib=%.2f  (largest ru_maxrss of %ld runs; this benchmark's own: "
           "%.2f)\n",
           fig->hello_rss_kib / KIB_PER_MIB, c->runs, (double)self.ru_maxrss / KIB_PER_MIB);
    snprintf(what, sizeof(what),
             "zxvmm run bench_bp debugger %ld: null syscall, guest clock; median of %ld rounds", c->bp_hits,
             c->rounds);
    print_time("floor", "bp_null_syscall_us", fig->bp_null_ns, NS_PER_US, what);
    print_time("figure", "breakpoint_round_trip_us", fig->bp_round_trip_ns, NS_PER_US,
               "same runs: int3 hit, exception read, byte restored, rip rewound, resumed");
    snprintf(
        what, sizeof(what),
        "zxvmm run bench_map: one-page zx_vmar_map with %ld mappings present, guest clock; median of %ld "
        "rounds, each the median of %ld cycles of %ld",
        c->map_small, c->map_rounds, c->map_cycles, c->map_timed);
    print_time("floor", "map_few_us", fig->map_small_ns, NS_PER_US, what);
    snprintf(what, sizeof(what), "same runs: with %ld mappings present", c->map_large);
    print_time("figure", "map_many_us", fig->map_large_ns, NS_PER_US, what);
    snprintf(what, sizeof(what),
             "%ld x `zxvmm run --scenario` of hello (golden + faulted run each), one after another; median "
             "of %ld rounds",
             c->camp_runs, c->camp_rounds);
    print_time("floor", "run_scenario_loop_ms", fig->camp_seq_ns, NS_PER_MS, what);
    snprintf(what, sizeof(what), "`zxvmm campaign --runs %ld -j 2`, same scenario and seeds, whole process",
             c->camp_runs);
    print_time("figure", "campaign_ms", fig->camp_ns, NS_PER_MS, what);
    snprintf(what, sizeof(what), "zxvmm run bench_null %ld, nothing attached; median of %ld rounds", c->calls,
             c->rounds);
    print_time("floor", "p10_null_syscall_us", fig->p10_plain_ns, NS_PER_US, what);
    print_time("figure", "hooked_null_syscall_us", fig->p10_hook_ns, NS_PER_US,
               "same rounds: run --scenario with a Lua on_syscall hook (faulted run)");
    print_time("figure", "traced_null_syscall_us", fig->p10_trace_ns, NS_PER_US,
               "same rounds: run --trace FILE");
}

/* The breakpoint round trip as a multiple of the null syscall: reported, no target (PERFORMANCE.md has none).
 */
static bool print_breakpoint(const struct bench_figures *fig)
{
    double ratio = fig->bp_round_trip_ns.med / fig->bp_null_ns.med;
    if (!isfinite(ratio)) {
        printf("BP breakpoint_vs_null_syscall=nan not measured\n");
        return false;
    }
    printf("BP breakpoint_vs_null_syscall=%.2f no target\n", ratio);
    return true;
}

/* One line per target; returns false when a target could not be measured. */
static bool print_targets(const struct bench_figures *fig)
{
    bool all_measured = true;
    for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        const struct bench_target *t = &targets[i];
        double ratio = t->ratio(fig);
        const char *op = t->at_least ? ">=" : "<=";
        if (!isfinite(ratio)) {
            printf("%s %s=nan target%s%.2f not measured\n", t->id, t->name, op, t->limit);
            all_measured = false;
            continue;
        }
        bool met = t->at_least ? ratio >= t->limit : ratio <= t->limit;
        printf("%s %s=%.2f target%s%.2f %s\n", t->id, t->name, ratio, op, t->limit, met ? "ok" : "short");
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
    printf(
        "zxvmm_bench: %s; P1/P2 %ld rounds of %ld calls; P3 %ld rounds of %ld copies; P4/P5 %ld runs; "
        "BP %ld rounds of %ld hits; P9 %ld rounds of %ld cycles of %ld maps at %ld and %ld mappings; P8 %ld "
        "rounds of %ld runs; P10 %ld rounds of %ld calls\n",
        c.paths.zxvmm, c.rounds, c.calls, c.copy_rounds, c.copies, c.runs, c.rounds, c.bp_hits, c.map_rounds,
        c.map_cycles, c.map_timed, c.map_small, c.map_large, c.camp_rounds, c.camp_runs, c.rounds, c.calls);
    fflush(stdout);
    const struct bench_stat none = {NAN, NAN, NAN};
    struct bench_figures fig = {none, none, none, none, none, none, none, none, none, none, none,
                                NAN,  none, none, none, none, none, none, none, none, none};
    bench_measure_p1(&c, &fig);
    bench_measure_p2(&c, kvm_fd, &fig);
    close(kvm_fd);
    bench_measure_p3(&c, &fig);
    bench_measure_startup(&c, &fig);
    bench_measure_breakpoint(&c, &fig);
    bench_measure_p9(&c, &fig);
    bench_measure_p8(&c, &fig);
    bench_measure_p10(&c, &fig);
    print_figures(&c, &fig);
    bool measured = print_targets(&fig);
    return print_breakpoint(&fig) && measured ? 0 : EXIT_MEASURE_BAD;
}
