/* systematic.h: campaign --systematic: the fault space from the golden run's trace, one fail per (call,
 * status). */
#ifndef ZXVMM_CAMPAIGN_SYSTEMATIC_H
#define ZXVMM_CAMPAIGN_SYSTEMATIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <zircon/types.h>

#include "inject/scenario.h"

/* A syscall the golden run made: the k-th call of `number` by the process named `process`. */
struct systematic_call {
    char process[SCENARIO_NAME_MAX];
    uint32_t number;
    uint64_t k; /* from 1, among that process's calls of that syscall */
};

/* One run of a systematic campaign: that call fails with `status` before it runs. */
struct systematic_run {
    struct systematic_call call;
    zx_status_t status;
};

/* The runs of a systematic campaign, index i at runs[i]. */
struct systematic_space {
    struct systematic_run *runs; /* malloc'd; NULL when empty */
    uint64_t n;                  /* runs (at most the cap) */
    uint64_t ncalls;             /* calls with at least one of the n runs */
    uint64_t total;              /* runs before the cap */
};

/*
 * Reads the syscall rows of a trace (docs/faults.md, Traces) in file order
 * into a malloc'd list of calls, each with its k. Rows of other events, of
 * numbers the ABI has not, and of processes whose name is longer than a
 * fault's `process` can be are skipped (they still count for nothing).
 * Returns 0 with *calls (NULL when none) and *n, -EINVAL with "LINE: cause"
 * in `err` for a line that is not a trace row, or -ENOMEM.
 */
int systematic_read_trace(FILE *f, struct systematic_call **calls, size_t *n, char *err, size_t errlen);

/*
 * The space of `calls` (in their order) narrowed by `narrow` (its process,
 * its syscalls; NULL or empty: every call): for each call, one run per
 * status syscall_documented_errors lists for it, in that order; the first
 * `cap` of them (0: all). Pure. Returns 0 or -ENOMEM.
 */
int systematic_space_make(const struct systematic_call *calls, size_t ncalls,
                          const struct scenario_systematic *narrow, uint64_t cap,
                          struct systematic_space *space);

/* Frees space->runs. */
void systematic_space_free(struct systematic_space *space);

/* The one fault of run `r`: {id = "systematic", on = "syscall", name, process, nth = k, action = {fail =
 * STATUS}}. */
void systematic_fault(const struct systematic_run *r, struct fault *f);

/* What the child of a systematic run runs: `base` (no faults, no hooks) with that run's fault. */
struct systematic_scenarios {
    const struct systematic_space *space;
    struct scenario base; /* the scenario without its faults and hooks (classify and the oracle stay) */
    struct scenario run;  /* base with the fault of the run being started */
};

/*
 * Makes ss->base from `sc` (sharing its strings: free only `sc`) for the runs
 * of `space`. The scenario's faults and its on_syscall, on_exception and
 * on_exit hooks are not used; its classify hook and oracle are.
 */
void systematic_scenarios_init(struct systematic_scenarios *ss, const struct scenario *sc,
                               const struct systematic_space *space);

/* Sets ss->run to run `index`'s scenario (a campaign_config prepare callback; `arg` is the
 * systematic_scenarios). */
void systematic_prepare_run(void *arg, uint64_t index);

/* Writes `"systematic":{"process":...,"syscall":...,"n":K,"status":"ZX_ERR_..."},` for a row. */
void systematic_write_row_field(FILE *f, const struct systematic_run *r);

#endif
