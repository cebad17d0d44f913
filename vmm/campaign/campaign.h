/* campaign.h: many seeded runs of one scenario: per-run seeds, -j workers, result rows, the class table. */
#ifndef ZXVMM_CAMPAIGN_CAMPAIGN_H
#define ZXVMM_CAMPAIGN_CAMPAIGN_H

#include <stdint.h>
#include <stdio.h>

#include "campaign/outcome.h"
#include "campaign/shard.h"
#include "campaign/systematic.h"
#include "inject/scenario.h"

#define CAMPAIGN_MAX_JOBS 64

/* The class names, in the order of the class table. */
extern const char *const campaign_class_names[CAMPAIGN_CLASSES];

/*
 * Run `index`'s seed: the (index + 1)-th output of splitmix64 started at the
 * campaign seed, i.e. rng_mix(campaign_seed + (index + 1) * 0x9e3779b97f4a7c15).
 */
uint64_t campaign_seed_of(uint64_t campaign_seed, uint64_t index);

struct campaign_config {
    const char *name; /* the scenario as given, for the rows' "scenario" */
    const struct scenario *scenario;
    uint64_t seed; /* the campaign seed */
    uint64_t runs;
    unsigned jobs;      /* runs at once, 1 to CAMPAIGN_MAX_JOBS */
    FILE *out;          /* where the rows go */
    campaign_body body; /* one run, in a child process */
    void *arg;
    struct campaign_shard shard; /* the indices to run (0/1: all) */
    const bool *done;            /* --resume: done[i] set for runs already written (NULL: none) */
    bool golden_written;         /* --resume: the file has the golden row already */
    bool progress;               /* redraw a progress line on stderr (a terminal) */
    /* --systematic (all NULL for a sampled campaign): */
    const struct campaign_run *golden;          /* the golden run, made already (its row is still written) */
    double golden_ms;                           /* how long it took */
    const struct systematic_space *space;       /* run i fails space->runs[i]; rows say which */
    void (*prepare)(void *arg, uint64_t index); /* called before run `index`'s child is made, which sees what
                                                   it set */
    void *prepare_arg;
};

/*
 * The golden run (its row unless c->golden_written; made here unless
 * c->golden gives it), then the runs of
 * 0 .. runs-1 in c->shard and not c->done, up to `jobs` at once, one row each
 * written in index order; one run's failure is its row (vmm_error), never the
 * campaign's end. Adds each written row's class to `counts`
 * (campaign_class_names order). A row that cannot be written ends the
 * campaign: *row_error gets its -errno, the runs in flight are killed and no
 * later row is written, so the file holds whole rows up to that one (which
 * may be cut off, as --resume expects). Returns 0 (with *row_error 0 or not),
 * or -errno when the golden run could not be made or failed.
 */
int campaign_run(const struct campaign_config *c, uint64_t counts[CAMPAIGN_CLASSES], int *row_error);

/*
 * Writes run `index`'s row (docs/faults.md; index -1 is the golden run) to
 * `f` and flushes it: the same bytes for a campaign's run and its --replay,
 * duration_ms aside. `sys` (NULL for a sampled campaign and the golden row)
 * adds the run's "systematic" field. Returns 0, or -errno when the row could
 * not be written whole (EIO when the stream had failed before).
 */
int campaign_write_row(FILE *f, const char *name, const struct scenario *sc, uint64_t campaign_seed,
                       int64_t index, const struct campaign_run *r, const char *class, double ms,
                       const struct systematic_run *sys);

/* The index of class `name` in campaign_class_names, or -1. */
int campaign_class_index(const char *name);

/* The index of the class whose name starts `text` and is followed by '"', or -1 (for reading rows). */
int campaign_class_index_prefix(const char *text);

/* Prints the class table: one line per class with its count and share, then the total. */
void campaign_print_table(FILE *f, const uint64_t counts[CAMPAIGN_CLASSES]);

#endif
