/* shard.h: which runs a campaign makes: shards (--shard K/M), rows already written (--resume), progress text.
 */
#ifndef ZXVMM_CAMPAIGN_SHARD_H
#define ZXVMM_CAMPAIGN_SHARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CAMPAIGN_CLASSES 7

/* Shard K of M: the run indices i with i mod M == K. The whole campaign is 0/1. */
struct campaign_shard {
    uint64_t k, m;
};

/*
 * Parses "K/M" (decimal, 0 <= K < M, M >= 1) into *s. Returns 0, or -EINVAL
 * with the cause in `err` (no '/', K or M not a number, M zero, K not below M).
 */
int campaign_shard_parse(const char *text, struct campaign_shard *s, char *err, size_t errlen);

/* True when run `index` belongs to shard `s`. */
bool campaign_shard_has(const struct campaign_shard *s, uint64_t index);

/*
 * The indices a campaign of `runs` runs makes in shard `s`, ascending, less
 * those with done[i] set (`done` may be NULL; else it has `runs` entries).
 * Returns how many, with the malloc'd list in *list (NULL when none), or -1
 * when out of memory.
 */
int64_t campaign_select(uint64_t runs, const struct campaign_shard *s, const bool *done, uint64_t **list);

/* What --resume found in an output file. */
struct campaign_resume {
    bool golden;                       /* a golden row is there (none is written again) */
    bool seed_known;                   /* some row gave the campaign seed */
    uint64_t seed;                     /* that seed */
    bool *done;                        /* done[i], i < runs: run i's row is there (malloc'd) */
    uint64_t ndone;                    /* how many of those are in the shard */
    uint64_t counts[CAMPAIGN_CLASSES]; /* their classes (campaign_class_names order) */
    long keep; /* bytes of whole rows: the file is to be cut there (a cut-off last line dropped) */
    bool cut;  /* the last line was cut off mid-row, and is dropped */
};

/*
 * Reads the rows of a campaign file for --resume: every line ending in '\n'
 * must be a row (with "campaign_seed", "run" and "class"), all of one
 * campaign seed; a last line without '\n' was cut off mid-row and is dropped
 * (r->cut, r->keep before it). Rows of runs outside [0, runs) or outside
 * shard `s` are kept in the file but not counted. Returns 0, or -EINVAL with
 * "LINE: cause" in `err` (the caller names the file), or -ENOMEM.
 */
int campaign_resume_read(FILE *f, uint64_t runs, const struct campaign_shard *s, struct campaign_resume *r,
                         char *err, size_t errlen);

/* Frees r->done. */
void campaign_resume_free(struct campaign_resume *r);

/*
 * The progress line's text: "zxvmm: DONE/TOTAL runs, R runs/s, CLASS N ...,
 * ETA T" (only the classes seen so far; no rate or ETA before a run is done).
 */
void campaign_progress_text(char *buf, size_t len, uint64_t done, uint64_t total, double elapsed_s,
                            const uint64_t counts[CAMPAIGN_CLASSES]);

#endif
