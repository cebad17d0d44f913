/* test_faults_systematic.c: campaign --systematic on a real guest: the space from the golden trace and the
 * docs pages, one row per (call, status), shards, --resume, --replay and --runs (docs/faults.md). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../syscall_docs.h"
#include "faults_support.h"
#include "harness.h"

#define DOCS_DIR      ZXVMM_SOURCE_DIR "/docs/syscalls"
#define DEBUG_CMDLINE "kernel.enable-debugging-syscalls=true"
#define MAX_RUNS      256

/* A scenario running inject_target `writes`, with `extra` keys; its path in `path`. */
static const char *scenario(char *path, size_t size, const char *extra)
{
    char text[512];
    snprintf(text, sizeof(text),
             "return { program = { '@P', 'writes' }, cmdline = '" DEBUG_CMDLINE "', timeout = 60,\n"
             "  faults = { { on = 'syscall', name = 'zx_debug_write', action = { fail = 'ZX_ERR_IO' } } },\n"
             "  %s }\n",
             extra ? extra : "");
    return faults_scenario(path, size, "inject_target", NULL, text);
}

/* The field `key` (a string value) of a JSON row, into out; false when absent or null. */
static bool string_field(const char *row, const char *key, char *out, size_t size)
{
    char pattern[64];
    snprintf(pattern, sizeof(pattern), "\"%s\":\"", key);
    const char *p = strstr(row, pattern);
    if (!p)
        return false;
    p += strlen(pattern);
    snprintf(out, size, "%.*s", (int)strcspn(p, "\""), p);
    return true;
}

/* The expected space: for each syscall row of the golden trace (with its k), one "systematic" field per
 * status its docs page lists, in trace order then docs order. Returns how many; the syscall rows with a
 * status in *calls. */
static int expected_space(const char *trace, char want[][320], const char *only_syscall, int *calls)
{
    struct {
        char process[64], syscall[48];
        int count;
    } seen[64];
    int nseen = 0, n = 0;
    *calls = 0;
    char *copy = strdup(trace);
    for (char *save, *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char process[64], syscall[48];
        if (!strstr(line, "\"event\":\"syscall\"") ||
            !string_field(line, "process", process, sizeof(process)) ||
            !string_field(line, "syscall", syscall, sizeof(syscall)))
            continue;
        int i = 0;
        while (i < nseen && (strcmp(seen[i].process, process) != 0 || strcmp(seen[i].syscall, syscall) != 0))
            i++;
        if (i == nseen) {
            cr_assert_lt(nseen, 64);
            snprintf(seen[i].process, sizeof(seen[i].process), "%s", process);
            snprintf(seen[i].syscall, sizeof(seen[i].syscall), "%s", syscall);
            seen[i].count = 0;
            nseen++;
        }
        int k = ++seen[i].count;
        if (only_syscall && strcmp(only_syscall, syscall) != 0)
            continue;
        char statuses[SYSCALL_DOCS_MAX_ERRORS][SYSCALL_DOCS_NAME_MAX];
        int ns = syscall_docs_errors(DOCS_DIR, syscall, statuses);
        cr_assert_geq(ns, 0, "no docs page for %s", syscall);
        *calls += ns > 0;
        for (int j = 0; j < ns; j++) {
            cr_assert_lt(n, MAX_RUNS);
            snprintf(want[n++], 320,
                     "\"systematic\":{\"process\":\"%s\",\"syscall\":\"%s\",\"n\":%d,\"status\":\"%.47s\"}",
                     process, syscall, k, statuses[j]);
        }
    }
    free(copy);
    return n;
}

/* The golden run's trace, made by `zxvmm run --trace` as a user would. */
static char *golden_trace(void)
{
    char path[64];
    faults_temp_path(path, sizeof(path), ".jsonl");
    struct run_result r;
    harness_zxvmm(&r, "run", "--cmdline", DEBUG_CMDLINE, "--trace", path, harness_guest("inject_target"),
                  "writes", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    harness_free(&r);
    char *text = faults_read_file(path);
    unlink(path);
    return text;
}

/* The rows of a campaign file: lines[0] the golden row. Returns how many lines (the text is cut in place). */
static int split_rows(char *text, char *lines[], int max)
{
    int n = 0;
    for (char *save, *line = strtok_r(text, "\n", &save); line && n < max; line = strtok_r(NULL, "\n", &save))
        lines[n++] = line;
    return n;
}

/* Runs `zxvmm campaign S --systematic --seed 5 --out OUT [EXTRA...]`, asserting it ran. */
#define SYSTEMATIC(r, path, out, ...)                                                                        \
    do {                                                                                                     \
        harness_zxvmm((r), "campaign", (path), "--systematic", "--seed", "5", "--out", (out), ##__VA_ARGS__, \
                      NULL);                                                                                 \
        cr_assert_eq((r)->status, 0, "stderr:\n%s", (r)->err);                                               \
    } while (0)

static char want[MAX_RUNS][320];

Test(systematic, one_row_per_call_and_documented_status_in_trace_then_docs_order)
{
    REQUIRE_KVM();
    char *trace = golden_trace();
    int calls, n = expected_space(trace, want, NULL, &calls);
    cr_assert_gt(n, 3 * 7, "the three zx_process_write_memory calls alone give 21 runs");
    char path[64], out[64];
    scenario(path, sizeof(path), NULL);
    faults_temp_path(out, sizeof(out), ".jsonl");
    struct run_result r;
    SYSTEMATIC(&r, path, out, "-j", "2");
    char line[128];
    snprintf(line, sizeof(line), "zxvmm: systematic: %d runs (%d syscall occurrences)", n, calls);
    harness_assert_line(r.err, line);
    snprintf(line, sizeof(line), "%-14s %8d\n", "total", n);
    assert_contains(r.err, line);
    harness_free(&r);
    char *text = faults_read_file(out), *lines[MAX_RUNS + 2];
    for (int i = 0; i < n; i++)
        cr_assert_eq(faults_count(text, want[i]), 1, "%s is not in exactly one row", want[i]);
    cr_assert_eq(split_rows(text, lines, MAX_RUNS + 2), n + 1, "a golden row and %d runs", n);
    assert_contains(lines[0], "\"run\":\"golden\"");
    cr_assert_null(strstr(lines[0], "\"systematic\""));
    for (int i = 0; i < n; i++) {
        const char *row = lines[i + 1];
        char index[32], syscall[48], fault[160];
        snprintf(index, sizeof(index), "\"run\":%d,", i);
        assert_contains(row, index);
        assert_contains(row, want[i]);
        /* The fault fired on that call: its event is the syscall, its n the call's k. */
        const char *k = strstr(want[i], "\"n\":") + 4;
        cr_assert(string_field(want[i], "syscall", syscall, sizeof(syscall)));
        snprintf(fault, sizeof(fault),
                 "\"faults\":[{\"id\":\"systematic\",\"fired\":1,\"first\":{\"process\":\"inject_target\","
                 "\"event\":\"%s\",\"n\":%d}}]",
                 syscall, atoi(k));
        assert_contains(row, fault);
    }
    /* A failed write is noticed (the exit status counts it); a failed print loses a line of output only. */
    for (int i = 0; i < n; i++) {
        const char *row = lines[i + 1];
        if (strstr(row, "\"syscall\":\"zx_process_write_memory\""))
            assert_contains(row, "\"class\":\"detected\"");
        if (strstr(row, "\"syscall\":\"zx_debug_write\""))
            assert_contains(row, "\"class\":\"sdc\"");
    }
    free(text);
    free(trace);
    unlink(path);
    unlink(out);
}

Test(systematic, the_scenario_narrows_and_runs_n_caps)
{
    REQUIRE_KVM();
    char *trace = golden_trace();
    int calls, n = expected_space(trace, want, "zx_process_write_memory", &calls);
    cr_assert_eq(calls, 3);
    cr_assert_eq(n, 21);
    char path[64], out[64];
    scenario(path, sizeof(path),
             "systematic = { process = 'inject_target', syscalls = { 'zx_process_write_memory' } }");
    faults_temp_path(out, sizeof(out), ".jsonl");
    struct run_result r;
    SYSTEMATIC(&r, path, out, "--runs", "9");
    harness_assert_line(r.err,
                        "zxvmm: systematic: 9 runs (2 syscall occurrences), the first 9 of 21 (--runs)");
    assert_contains(r.err, "total                 9\n");
    harness_free(&r);
    char *text = faults_read_file(out), *lines[16];
    cr_assert_eq(split_rows(text, lines, 16), 10);
    for (int i = 0; i < 9; i++)
        assert_contains(lines[i + 1], want[i]);
    free(text);
    free(trace);
    unlink(path);
    unlink(out);
}

/* The rows of `text` but the golden one, without durations, in order, as one string. */
static char *runs_only(const char *text)
{
    char *rows = faults_without_durations(text), *out = calloc(strlen(text) + 1, 1);
    for (char *save, *line = strtok_r(rows, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        if (!strstr(line, "\"run\":\"golden\""))
            strcat(strcat(out, line), "\n");
    free(rows);
    return out;
}

Test(systematic, shards_concatenate_and_resume_completes_to_the_unsharded_rows)
{
    REQUIRE_KVM();
    char path[64], all[64], s0[64], s1[64];
    scenario(path, sizeof(path), NULL);
    faults_temp_path(all, sizeof(all), ".jsonl");
    faults_temp_path(s0, sizeof(s0), ".jsonl");
    faults_temp_path(s1, sizeof(s1), ".jsonl");
    struct run_result r;
    SYSTEMATIC(&r, path, all, "--runs", "6");
    harness_free(&r);
    SYSTEMATIC(&r, path, s0, "--runs", "6", "--shard", "0/2");
    assert_contains(r.err, "total                 3\n");
    harness_free(&r);
    SYSTEMATIC(&r, path, s1, "--runs", "6", "--shard", "1/2", "-j", "2");
    assert_contains(r.err, "total                 3\n");
    harness_free(&r);
    char *whole = faults_read_file(all), *t0 = faults_read_file(s0), *t1 = faults_read_file(s1);
    /* Shard 1 has runs 1, 3, 5; put the shards' runs back in index order and they are the whole campaign's.
     */
    char *r0 = runs_only(t0), *r1 = runs_only(t1), *w = runs_only(whole);
    char *a[3], *b[3], *merged = calloc(strlen(w) + 1, 1);
    cr_assert_eq(split_rows(r0, a, 3), 3);
    cr_assert_eq(split_rows(r1, b, 3), 3);
    for (int i = 0; i < 3; i++)
        strcat(strcat(strcat(strcat(merged, a[i]), "\n"), b[i]), "\n");
    cr_assert_str_eq(merged, w);
    /* --resume: a file with the golden row, run 0 and half of run 1 is completed to the whole campaign. */
    const char *cut = strchr(strchr(whole, '\n') + 1, '\n') + 1;
    FILE *f = fopen(s0, "w");
    fwrite(whole, 1, (size_t)(cut - whole) + 30, f);
    fclose(f);
    harness_zxvmm(&r, "campaign", path, "--systematic", "--runs", "6", "--resume", "--out", s0, NULL);
    cr_assert_eq(r.status, 0, "stderr:\n%s", r.err);
    assert_contains(r.err, "1 of this shard's runs already there; a last line cut off mid-row was dropped");
    harness_free(&r);
    char *resumed = faults_read_file(s0), *x = faults_without_durations(resumed),
         *y = faults_without_durations(whole);
    cr_assert_str_eq(x, y);
    free(x);
    free(y);
    free(resumed);
    free(merged);
    free(r0);
    free(r1);
    free(w);
    free(whole);
    free(t0);
    free(t1);
    unlink(path);
    unlink(all);
    unlink(s0);
    unlink(s1);
}

Test(systematic, replay_i_makes_the_same_fail_and_the_same_row)
{
    REQUIRE_KVM();
    char path[64], all[64], row[64], trace[64];
    scenario(path, sizeof(path), NULL);
    faults_temp_path(all, sizeof(all), ".jsonl");
    faults_temp_path(row, sizeof(row), ".jsonl");
    faults_temp_path(trace, sizeof(trace), ".jsonl");
    struct run_result r;
    SYSTEMATIC(&r, path, all, "--runs", "8");
    harness_free(&r);
    char *whole = faults_read_file(all), *lines[10];
    cr_assert_eq(split_rows(whole, lines, 10), 9);
    const int picks[] = {0, 7};
    for (int p = 0; p < 2; p++) {
        char index[8];
        snprintf(index, sizeof(index), "%d", picks[p]);
        harness_zxvmm(&r, "campaign", path, "--systematic", "--seed", "5", "--replay", index, "--out", row,
                      "--trace", trace, NULL);
        char *replayed = faults_read_file(row);
        replayed[strcspn(replayed, "\n")] = '\0';
        char *x = faults_without_durations(replayed), *y = faults_without_durations(lines[picks[p] + 1]);
        cr_assert_str_eq(x, y, "run %d", picks[p]);
        assert_contains(r.err, "zxvmm: class ");
        assert_contains(r.err, ": systematic x1\n");
        char *t = faults_read_file(trace);
        assert_contains(t, "\"event\":\"fault\"");
        assert_contains(t, "\"replaced\":true");
        free(t);
        free(x);
        free(y);
        free(replayed);
        harness_free(&r);
    }
    /* An index past the space is refused. */
    harness_zxvmm(&r, "campaign", path, "--systematic", "--seed", "5", "--replay", "5000", NULL);
    cr_assert_eq(r.status, 2, "%s", r.err);
    assert_contains(r.err, "zxvmm: --replay 5000: not a run of this systematic campaign (");
    harness_free(&r);
    free(whole);
    unlink(path);
    unlink(all);
    unlink(row);
    unlink(trace);
}

Test(systematic, a_bad_systematic_table_is_refused_before_any_run)
{
    char path[64];
    scenario(path, sizeof(path), "systematic = { syscalls = { 'zx_vmo_wrte' } }");
    struct run_result r;
    harness_zxvmm(&r, "campaign", path, "--systematic", NULL);
    cr_assert_eq(r.status, 2, "%s", r.err);
    assert_contains(r.err, ":3: key 'syscalls': unknown syscall 'zx_vmo_wrte'");
    cr_assert_null(strstr(r.err, "zxvmm: systematic:"), "%s", r.err);
    harness_free(&r);
    unlink(path);
}
