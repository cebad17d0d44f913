/* campaign.c: a campaign on one machine: the golden run, seeded runs in child processes, rows, classes. */
#include "campaign/campaign.h"

#include <errno.h>
#include <inttypes.h>
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
        if (!x->fired)
            continue;
        fprintf(f, "%s{\"id\":", n++ ? "," : "");
        trace_json_string(f, x->id);
        fprintf(f, ",\"fired\":%" PRIu64 ",\"first\":{\"process\":", x->fired);
        trace_json_string(f, x->first_process);
        fputs(",\"event\":", f);
        trace_json_string(f, x->first_event);
        fprintf(f, ",\"n\":%" PRIu64 "}", x->first_n);
        if (!x->applied) {
            fputs(",\"applied\":false,\"why\":", f);
            trace_json_string(f, x->why);
        }
        putc('}', f);
    }
    fputs("],", f);
}

/* One row (docs/faults.md); index -1 is the golden run. */
static void write_row(const struct campaign_config *c, int64_t index, const struct campaign_run *r,
                      const char *class, double ms)
{
    FILE *f = c->out;
    char sha[65];
    sha256_hex(r->out, r->out_len, sha);
    fputs("{\"scenario\":", f);
    trace_json_string(f, c->name);
    fprintf(f, ",\"campaign_seed\":%" PRIu64 ",", c->seed);
    if (index < 0)
        fputs("\"run\":\"golden\",\"seed\":null,", f);
    else
        fprintf(f, "\"run\":%" PRId64 ",\"seed\":\"0x%016" PRIx64 "\",", index, r->seed);
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
            campaign_end_name(r), class, sha, index >= 0 && scenario_timed(c->scenario) ? "false" : "true",
            ms, ZXVMM_VERSION);
    fflush(f);
}

static double ms_since(uint64_t start_ns)
{
    return (double)(syscall_host_now_ns() - start_ns) / 1e6;
}

struct slot {
    struct campaign_child child;
    uint64_t index;
    uint64_t start_ns;
    bool busy;
};

/* Finished runs not yet written, kept until every lower index is written. */
struct pending {
    struct campaign_run run;
    double ms;
    bool done;
};

static int start_run(const struct campaign_config *c, struct slot *s, uint64_t index)
{
    s->index = index;
    s->start_ns = syscall_host_now_ns();
    int rc = campaign_spawn(c->body, c->arg, true, false, campaign_seed_of(c->seed, index), &s->child);
    s->busy = rc == 0;
    return rc;
}

/* Writes the rows of finished runs from `*next` on, in index order. */
static void flush_rows(const struct campaign_config *c, const struct campaign_run *golden, struct pending *p,
                       uint64_t *next, uint64_t counts[CAMPAIGN_CLASSES])
{
    while (*next < c->runs && p[*next].done) {
        struct campaign_run *r = &p[*next].run;
        const char *class = campaign_class_of(c->scenario, golden, r, campaign_class_names, CAMPAIGN_CLASSES);
        counts[campaign_class_index(class)]++;
        write_row(c, (int64_t)*next, r, class, p[*next].ms);
        campaign_run_free(r);
        ++*next;
    }
}

int campaign_run(const struct campaign_config *c, uint64_t counts[CAMPAIGN_CLASSES])
{
    memset(counts, 0, sizeof(uint64_t) * CAMPAIGN_CLASSES);
    struct campaign_run golden;
    uint64_t start = syscall_host_now_ns();
    int rc = campaign_fork_run(c->body, c->arg, true, true, 0, &golden);
    if (rc != 0)
        return rc;
    if (!golden.ran) {
        campaign_run_free(&golden);
        return -ECHILD;
    }
    write_row(c, -1, &golden, "golden", ms_since(start));
    struct pending *p = calloc(c->runs ? c->runs : 1, sizeof(*p));
    struct slot slots[CAMPAIGN_MAX_JOBS] = {0};
    if (!p) {
        campaign_run_free(&golden);
        return -ENOMEM;
    }
    uint64_t next_start = 0, next_write = 0, busy = 0;
    while (next_write < c->runs) {
        for (unsigned j = 0; j < c->jobs && next_start < c->runs; j++)
            if (!slots[j].busy) {
                if (start_run(c, &slots[j], next_start) != 0) {
                    p[next_start].run =
                        (struct campaign_run){.status = 125, .seed = campaign_seed_of(c->seed, next_start)};
                    p[next_start].done = true; /* its row says vmm_error */
                } else {
                    busy++;
                }
                next_start++;
            }
        if (busy) {
            int wstatus;
            pid_t pid = wait(&wstatus);
            for (unsigned j = 0; pid > 0 && j < c->jobs; j++)
                if (slots[j].busy && slots[j].child.pid == pid) {
                    struct pending *q = &p[slots[j].index];
                    campaign_reap(&slots[j].child, wstatus, &q->run);
                    q->ms = ms_since(slots[j].start_ns);
                    q->done = true;
                    slots[j].busy = false;
                    busy--;
                }
        }
        flush_rows(c, &golden, p, &next_write, counts);
    }
    free(p);
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
