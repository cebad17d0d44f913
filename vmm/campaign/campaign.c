/* campaign.c: a campaign on one machine: the golden run, seeded runs in child processes, rows, classes. */
#include "campaign/campaign.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "campaign/sha256.h"
#include "inject/rng.h"
#include "syscall/syscall.h"
#include "trace/trace.h"

const char *const campaign_class_names[CAMPAIGN_CLASSES] = {"not_activated", "vmm_error", "hang",  "crash",
                                                            "detected",      "sdc",       "masked"};

uint64_t campaign_seed_of(uint64_t campaign_seed, uint64_t index)
{
    return rng_mix(campaign_seed + (index + 1) * 0x9e3779b97f4a7c15ULL);
}

int campaign_class_index(const char *name)
{
    for (int i = 0; i < CAMPAIGN_CLASSES; i++)
        if (strcmp(campaign_class_names[i], name) == 0)
            return i;
    return -1;
}

int campaign_class_index_prefix(const char *text)
{
    for (int i = 0; i < CAMPAIGN_CLASSES; i++) {
        size_t len = strlen(campaign_class_names[i]);
        if (strncmp(campaign_class_names[i], text, len) == 0 && text[len] == '"')
            return i;
    }
    return -1;
}

static void write_faults(FILE *f, const struct campaign_run *r)
{
    fputs("\"faults\":[", f);
    for (unsigned i = 0, n = 0; i < r->faults.nfaults; i++) {
        const struct inject_fault_result *x = &r->faults.faults[i];
        if (!x->fired && x->applied)
            continue; /* one that never fired is listed only when it could not be armed (an exec address) */
        fprintf(f, "%s{\"id\":", n++ ? "," : "");
        trace_json_string(f, x->id);
        fprintf(f, ",\"fired\":%" PRIu64, x->fired);
        if (x->have_first) {
            fputs(",\"first\":{\"process\":", f);
            trace_json_string(f, x->first_process);
            fputs(",\"event\":", f);
            trace_json_string(f, x->first_event);
            fprintf(f, ",\"n\":%" PRIu64 "}", x->first_n);
        }
        if (!x->applied) {
            fputs(",\"applied\":false,\"why\":", f);
            trace_json_string(f, x->why);
        }
        putc('}', f);
    }
    fputs("],", f);
}

int campaign_write_row(FILE *f, const char *name, const struct scenario *sc, uint64_t campaign_seed,
                       int64_t index, const struct campaign_run *r, const char *class, double ms,
                       const struct systematic_run *sys)
{
    char sha[65];
    sha256_hex(r->out, r->out_len, sha);
    fputs("{\"scenario\":", f);
    trace_json_string(f, name);
    fprintf(f, ",\"campaign_seed\":%" PRIu64 ",", campaign_seed);
    if (index < 0)
        fputs("\"run\":\"golden\",\"seed\":null,", f);
    else
        fprintf(f, "\"run\":%" PRId64 ",\"seed\":\"0x%016" PRIx64 "\",", index, r->seed);
    if (sys)
        systematic_write_row_field(f, sys);
    write_faults(f, r);
    if (r->faults.failed) {
        fputs("\"error\":", f);
        trace_json_string(f, r->faults.failure);
        putc(',', f);
    }
    if (r->faults.log_len) {
        fputs("\"log\":", f);
        trace_json_string(f, r->faults.log);
        putc(',', f);
    }
    if (r->ran && r->outcome == VM_MAIN_EXITED)
        fprintf(f, "\"exit\":%" PRId64 ",", r->code);
    else
        fputs("\"exit\":null,", f);
    fprintf(f,
            "\"end\":\"%s\",\"class\":\"%s\",\"stdout_sha256\":\"%s\",\"reproducible\":%s,"
            "\"duration_ms\":%.1f,\"zxvmm\":\"%s\"}\n",
            campaign_end_name(r), class, sha, index >= 0 && scenario_timed(sc) ? "false" : "true", ms,
            ZXVMM_VERSION);
    if (fflush(f) != 0)
        return -errno;
    return ferror(f) ? -EIO : 0;
}

static int write_row(const struct campaign_config *c, int64_t index, const struct campaign_run *r,
                     const char *class, double ms)
{
    const struct systematic_run *sys =
        c->space && index >= 0 && (uint64_t)index < c->space->n ? &c->space->runs[index] : NULL;
    return campaign_write_row(c->out, c->name, c->scenario, c->seed, index, r, class, ms, sys);
}

static double ms_since(uint64_t start_ns)
{
    return (double)(syscall_host_now_ns() - start_ns) / 1e6;
}

struct slot {
    struct campaign_child child;
    uint64_t pos; /* the run's place in the schedule's list */
    uint64_t start_ns;
    bool busy;
};

/* Finished runs not yet written, kept until every earlier selected run is written. */
struct pending {
    struct campaign_run run;
    double ms;
    bool done;
};

/* The selected runs (their indices in `list`), how far they are started and written, the progress line. */
struct schedule {
    uint64_t *list;
    uint64_t n, next_start, next_write;
    struct pending *p;
    uint64_t start_ns, drawn_ns; /* the campaign's start, the progress line's last redraw */
};

#define PROGRESS_PERIOD_NS 100000000ULL /* at most 10 redraws a second */

/* Redraws the progress line on stderr, at most every PROGRESS_PERIOD_NS (and always for the last run). */
static void draw_progress(const struct campaign_config *c, struct schedule *s,
                          const uint64_t counts[CAMPAIGN_CLASSES])
{
    uint64_t now = syscall_host_now_ns();
    if (!c->progress || (s->drawn_ns && now - s->drawn_ns < PROGRESS_PERIOD_NS && s->next_write < s->n))
        return;
    s->drawn_ns = now;
    char text[512];
    campaign_progress_text(text, sizeof(text), s->next_write, s->n, (double)(now - s->start_ns) / 1e9,
                           counts);
    fprintf(stderr, "\r%s\033[K", text);
    fflush(stderr);
}

static int start_run(const struct campaign_config *c, struct slot *s, uint64_t pos, uint64_t index)
{
    s->pos = pos;
    s->start_ns = syscall_host_now_ns();
    if (c->prepare)
        c->prepare(c->prepare_arg, index);
    int rc = campaign_spawn(c->body, c->arg, true, false, campaign_seed_of(c->seed, index), &s->child);
    s->busy = rc == 0;
    return rc;
}

/*
 * Writes the rows of finished runs from s->next_write on, in index order;
 * 0, or -errno of the first row that could not be written (a row counts
 * only once written, and none is written after it).
 */
static int flush_rows(const struct campaign_config *c, const struct campaign_run *golden, struct schedule *s,
                      uint64_t counts[CAMPAIGN_CLASSES])
{
    int rc = 0;
    while (rc == 0 && s->next_write < s->n && s->p[s->next_write].done) {
        struct campaign_run *r = &s->p[s->next_write].run;
        const char *class = campaign_class_of(c->scenario, golden, r, campaign_class_names, CAMPAIGN_CLASSES);
        rc = write_row(c, (int64_t)s->list[s->next_write], r, class, s->p[s->next_write].ms);
        if (rc == 0)
            counts[campaign_class_index(class)]++;
        campaign_run_free(r);
        s->next_write++;
        draw_progress(c, s, counts);
    }
    return rc;
}

/* Starts selected runs in the free slots; a run that cannot start is done at once (its row: vmm_error). */
static uint64_t fill_slots(const struct campaign_config *c, struct slot *slots, struct schedule *s)
{
    uint64_t started = 0;
    for (unsigned j = 0; j < c->jobs && s->next_start < s->n; j++)
        if (!slots[j].busy) {
            uint64_t pos = s->next_start++, index = s->list[pos];
            if (start_run(c, &slots[j], pos, index) != 0) {
                s->p[pos].run =
                    (struct campaign_run){.status = 125, .seed = campaign_seed_of(c->seed, index)};
                s->p[pos].done = true;
            } else {
                started++;
            }
        }
    return started;
}

/* Waits for one child and records its run. */
static void reap_one(const struct campaign_config *c, struct slot *slots, struct schedule *s, uint64_t *busy)
{
    int wstatus;
    pid_t pid = wait(&wstatus);
    for (unsigned j = 0; pid > 0 && j < c->jobs; j++)
        if (slots[j].busy && slots[j].child.pid == pid) {
            struct pending *q = &s->p[slots[j].pos];
            campaign_reap(&slots[j].child, wstatus, &q->run);
            q->ms = ms_since(slots[j].start_ns);
            q->done = true;
            slots[j].busy = false;
            --*busy;
        }
}

/* After a row could not be written: the runs in flight are killed and reaped, the finished ones freed. */
static void abandon_runs(const struct campaign_config *c, struct slot *slots, struct schedule *s,
                         uint64_t busy)
{
    for (unsigned j = 0; j < c->jobs; j++)
        if (slots[j].busy)
            kill(slots[j].child.pid, SIGKILL);
    while (busy)
        reap_one(c, slots, s, &busy);
    for (uint64_t pos = s->next_write; pos < s->n; pos++)
        if (s->p[pos].done)
            campaign_run_free(&s->p[pos].run);
}

int campaign_run(const struct campaign_config *c, uint64_t counts[CAMPAIGN_CLASSES], int *row_error)
{
    *row_error = 0;
    struct campaign_run golden = {0}; /* stays empty when c->golden gives it */
    uint64_t start = syscall_host_now_ns();
    int rc = c->golden ? 0 : campaign_fork_run(c->body, c->arg, true, true, 0, &golden);
    if (rc != 0)
        return rc;
    const struct campaign_run *g = c->golden ? c->golden : &golden;
    if (!g->ran) {
        campaign_run_free(&golden);
        return -ECHILD;
    }
    if (!c->golden_written &&
        (*row_error = write_row(c, -1, g, "golden", c->golden ? c->golden_ms : ms_since(start)))) {
        campaign_run_free(&golden);
        return 0;
    }
    struct schedule s = {.start_ns = syscall_host_now_ns()};
    int64_t n = campaign_select(c->runs, &c->shard, c->done, &s.list);
    s.n = n > 0 ? (uint64_t)n : 0;
    s.p = calloc(s.n ? s.n : 1, sizeof(*s.p));
    struct slot slots[CAMPAIGN_MAX_JOBS] = {0};
    if (n < 0 || !s.p) {
        free(s.list);
        free(s.p);
        campaign_run_free(&golden);
        return -ENOMEM;
    }
    uint64_t busy = 0;
    draw_progress(c, &s, counts);
    while (s.next_write < s.n && *row_error == 0) {
        busy += fill_slots(c, slots, &s);
        if (busy)
            reap_one(c, slots, &s, &busy);
        *row_error = flush_rows(c, g, &s, counts);
    }
    if (*row_error)
        abandon_runs(c, slots, &s, busy);
    if (c->progress) {
        fputs("\r\033[K", stderr); /* the progress line is cleared before the table */
        fflush(stderr);
    }
    free(s.list);
    free(s.p);
    campaign_run_free(&golden);
    return 0;
}

void campaign_print_table(FILE *f, const uint64_t counts[CAMPAIGN_CLASSES])
{
    uint64_t total = 0;
    for (int i = 0; i < CAMPAIGN_CLASSES; i++)
        total += counts[i];
    fprintf(f, "%-14s %8s %7s\n", "class", "runs", "share");
    for (int i = 0; i < CAMPAIGN_CLASSES; i++)
        fprintf(f, "%-14s %8" PRIu64 " %6.1f%%\n", campaign_class_names[i], counts[i],
                total ? 100.0 * (double)counts[i] / (double)total : 0.0);
    fprintf(f, "%-14s %8" PRIu64 "\n", "total", total);
}
