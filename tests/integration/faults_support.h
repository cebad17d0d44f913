/* faults_support.h: what the fault-injection suites share: temp and scenario files, symbols, runs, rows. */
#ifndef ZXVMM_TESTS_FAULTS_SUPPORT_H
#define ZXVMM_TESTS_FAULTS_SUPPORT_H

#include <stddef.h>

#include "harness.h"

/* A fresh, empty file in /tmp (the lab's own: a test writes and reads it there) whose name ends in `suffix`;
 * its name goes into `path`, which is returned. */
const char *faults_temp_path(char *path, size_t size, const char *suffix);

/* The address of symbol `name` in the test guest `guest` as `nm` gives it (so layouts may change), as 0x hex.
 * The text stays valid until the second call after this one. */
const char *faults_guest_symbol(const char *guest, const char *name);

/* In a scenario's text, "@" and `letter` stand for the address of the guest's `symbol`. */
struct faults_mark {
    char letter;
    const char *symbol;
};

/*
 * Writes a scenario file at a fresh path (into `path`, which is returned): `text` with the path of the test
 * guest `guest` for each "@P" and, for each of `marks` (a list ended by letter 0; NULL for none), the
 * address of its symbol for "@" and its letter. Any other "@" stays as it is.
 */
const char *faults_scenario(char *path, size_t size, const char *guest, const struct faults_mark *marks,
                            const char *text);

/* Runs `zxvmm run --seed 1 --scenario PATH [--trace TRACE]`; asserts the exit status and the class line. */
void faults_run_scenario(struct run_result *r, const char *path, int status, const char *class_line,
                         const char *trace);

/* The whole of the file at `path`, malloc'd; asserts that it can be read. */
char *faults_read_file(const char *path);

/* The whole of the file at `path` (asserting that it can be read), which is then removed. The text stays
 * valid until the next call. */
char *faults_take_file(const char *path);

/* How many times `needle` occurs in `text`. */
unsigned faults_count(const char *text, const char *needle);

/* `text` with every "duration_ms":X removed (the one field of a campaign row that may differ between two
 * runs), malloc'd. */
char *faults_without_durations(const char *text);

#endif
