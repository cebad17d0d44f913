/* faults.c: P8 (campaign runs/s against a loop of `run --scenario`) and P10 (a hook, a trace on a null
 * syscall). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "campaign/campaign.h"

#define COUNT_TEXT    32
#define P8_SEED       42  /* the campaign seed of P8; run i of the loop gets campaign_seed_of(P8_SEED, i) */
#define P8_JOBS       "2" /* PERFORMANCE.md: -j 2 */
#define TEMPLATE_NAME "zxvmm-bench-XXXXXX"

/* A directory of this run's own for the scenarios, the rows and the trace; removed by scratch_remove. */
struct scratch {
    char dir[PATH_MAX];
    char p8_lua[PATH_MAX + 16];
    char p10_lua[PATH_MAX + 16];
    char rows[PATH_MAX + 16];
    char trace[PATH_MAX + 16];
};

static int scratch_make(struct scratch *s)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(s->dir, sizeof(s->dir), "%s/%s", tmp && *tmp ? tmp : P_tmpdir, TEMPLATE_NAME);
    if (!mkdtemp(s->dir)) {
        fprintf(stderr, "zxvmm_bench: cannot make a scratch directory %s: %s\n", s->dir, strerror(errno));
        return -1;
    }
    snprintf(s->p8_lua, sizeof(s->p8_lua), "%s/p8.lua", s->dir);
    snprintf(s->p10_lua, sizeof(s->p10_lua), "%s/p10.lua", s->dir);
    snprintf(s->rows, sizeof(s->rows), "%s/rows.jsonl", s->dir);
    snprintf(s->trace, sizeof(s->trace), "%s/trace.jsonl", s->dir);
    return 0;
}

static void scratch_remove(const struct scratch *s)
{
    unlink(s->p8_lua);
    unlink(s->p10_lua);
    unlink(s->rows);
    unlink(s->trace);
    rmdir(s->dir);
}

/* Writes a scenario: `head`, the program's path as a Lua long string, `tail`; 0 or -1 with a message. */
static int write_scenario(const char *path, const char *head, const char *program, const char *tail)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "zxvmm_bench: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(f, "%s[==[%s]==]%s", head, program, tail);
    if (fclose(f) != 0) {
        fprintf(stderr, "zxvmm_bench: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/*
 * P8's scenario: `hello` (one zx_debug_write, then exit), whose write fails
 * with probability 1/2, so that the runs' classes differ as in a real
 * campaign.
 */
#define P8_HEAD "return {\n  program = { "
#define P8_TAIL                                                                                              \
    " },\n  faults = { { id = \"w\", on = \"syscall\", name = \"zx_debug_write\", probability = 0.5,\n"      \
    "               action = { fail = \"ZX_ERR_IO\" } } },\n}\n"

/* P10's scenario: bench_null with an on_syscall hook, called on every call (before and after). */
#define P10_HEAD "local calls = 0\nreturn {\n  program = { "
#define P10_TAIL "\", },\n  on_syscall = function(ev) calls = calls + 1 end,\n}\n"

/*
 * P8: per round, `zxvmm campaign --runs N -j 2` as one process, then N
 * `zxvmm run --scenario --seed S_i` one after the other with the seeds of
 * the campaign's runs; each side's figure is its wall time for the N runs.
 */
void bench_measure_p8(const struct bench_config *c, struct bench_figures *fig)
{
    struct scratch s;
    if (scratch_make(&s) != 0)
        return;
    size_t n = (size_t)c->camp_rounds;
    double *camp = calloc(n, sizeof(double)), *seq = calloc(n, sizeof(double));
    char runs[COUNT_TEXT], seed[COUNT_TEXT], run_seed[COUNT_TEXT];
    snprintf(runs, sizeof(runs), "%ld", c->camp_runs);
    snprintf(seed, sizeof(seed), "%d", P8_SEED);
    char *camp_argv[] = {(char *)c->paths.zxvmm,
                         "campaign",
                         s.p8_lua,
                         "--runs",
                         runs,
                         "-j",
                         P8_JOBS,
                         "--seed",
                         seed,
                         "--out",
                         s.rows,
                         NULL};
    char *seq_argv[] = {(char *)c->paths.zxvmm, "run", "--scenario", s.p8_lua, "--seed", run_seed, NULL};
    struct bench_run run;
    size_t r = 0;
    bool ok = camp && seq && write_scenario(s.p8_lua, P8_HEAD, c->paths.hello, P8_TAIL) == 0;
    for (; ok && r < n; r++) {
        if (bench_spawn(camp_argv, BENCH_SPAWN_QUIET, &run) != 0)
            break;
        camp[r] = run.wall_ns;
        seq[r] = 0;
        long i = 0;
        for (; i < c->camp_runs; i++) {
            snprintf(run_seed, sizeof(run_seed), "0x%016" PRIx64, campaign_seed_of(P8_SEED, (uint64_t)i));
            /* A faulted run's status is the guest's (hello fails when its write does): only the wall time
             * counts, and a run that zxvmm could not make shows as status 125. */
            if (bench_spawn(seq_argv, BENCH_SPAWN_QUIET, &run) != 0 &&
                (!WIFEXITED(run.status) || WEXITSTATUS(run.status) == 125))
                break;
            seq[r] += run.wall_ns;
        }
        if (i < c->camp_runs)
            break;
    }
    if (r == n) {
        fig->camp_ns = bench_stat_of(camp, r);
        fig->camp_seq_ns = bench_stat_of(seq, r);
    }
    free(camp);
    free(seq);
    scratch_remove(&s);
}

/* One bench_null run; its ns per call, or NAN (message on stderr). `how`: bench_spawn's. */
static double null_run(char *const argv[], int how)
{
    struct bench_run run;
    if (bench_spawn(argv, how, &run) != 0) {
        fprintf(stderr, "zxvmm_bench: output of the failed run: %s\n", run.out);
        return NAN;
    }
    double total = bench_field(run.out, "total_ns="), calls = bench_field(run.out, "calls=");
    if (isnan(total) || isnan(calls))
        fprintf(stderr, "zxvmm_bench: unexpected bench_null output: %s\n", run.out);
    return total / calls;
}

/*
 * P10: per round, bench_null N three ways, one after the other: plain,
 * under `run --scenario` with an on_syscall hook (the faulted run's output
 * is the one printed), and with --trace to a file.
 */
void bench_measure_p10(const struct bench_config *c, struct bench_figures *fig)
{
    struct scratch s;
    if (scratch_make(&s) != 0)
        return;
    size_t n = (size_t)c->rounds;
    double *plain = calloc(n, sizeof(double)), *hook = calloc(n, sizeof(double)),
           *trace = calloc(n, sizeof(double));
    char count[COUNT_TEXT];
    snprintf(count, sizeof(count), "%ld", c->calls);
    char tail[sizeof(P10_TAIL) + 2 * COUNT_TEXT];
    snprintf(tail, sizeof(tail), ", \"%s%s", count, P10_TAIL);
    char *plain_argv[] = {(char *)c->paths.zxvmm, "run", (char *)c->paths.bench_null, count, NULL};
    char *hook_argv[] = {(char *)c->paths.zxvmm, "run", "--scenario", s.p10_lua, "--seed", "1", NULL};
    char *trace_argv[] = {(char *)c->paths.zxvmm,      "run", "--trace", s.trace,
                          (char *)c->paths.bench_null, count, NULL};
    size_t r = 0;
    bool ok = plain && hook && trace && write_scenario(s.p10_lua, P10_HEAD, c->paths.bench_null, tail) == 0;
    for (; ok && r < n; r++) {
        plain[r] = null_run(plain_argv, BENCH_SPAWN_CAPTURE);
        hook[r] = null_run(hook_argv, BENCH_SPAWN_CAPTURE | BENCH_SPAWN_QUIET); /* no class lines */
        trace[r] = null_run(trace_argv, BENCH_SPAWN_CAPTURE);
        if (isnan(plain[r]) || isnan(hook[r]) || isnan(trace[r]))
            break;
    }
    if (r == n) {
        fig->p10_plain_ns = bench_stat_of(plain, r);
        fig->p10_hook_ns = bench_stat_of(hook, r);
        fig->p10_trace_ns = bench_stat_of(trace, r);
    }
    free(plain);
    free(hook);
    free(trace);
    scratch_remove(&s);
}
