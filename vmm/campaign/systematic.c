/* systematic.c: the space of a systematic campaign: the golden trace's calls times their documented errors.
 */
#include "campaign/systematic.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "syscall/errors.h"
#include "syscall/names.h"
#include "trace/trace.h"

/* The fields of a trace row the space needs. */
struct row {
    char event[16];
    char process[SCENARIO_NAME_MAX];
    bool process_fits; /* the name fit in `process` */
    bool have_number;
    uint64_t number;
};

static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    return p;
}

/* One \u escape's four hex digits at p into *v; false when they are not. */
static bool hex4(const char *p, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char ch = p[i];
        unsigned d = ch >= '0' && ch <= '9'   ? (unsigned)(ch - '0')
                     : ch >= 'a' && ch <= 'f' ? (unsigned)(ch - 'a' + 10)
                     : ch >= 'A' && ch <= 'F' ? (unsigned)(ch - 'A' + 10)
                                              : 16;
        if (d == 16)
            return false;
        *v = *v * 16 + d;
    }
    return true;
}

/*
 * A JSON string at p (its opening quote) decoded into out (size bytes; *fits
 * false when it did not fit: out then holds a prefix). Returns the position
 * after its closing quote, or NULL when it is not a string trace rows write.
 */
static const char *read_string(const char *p, char *out, size_t size, bool *fits)
{
    size_t len = 0;
    *fits = true;
    if (*p++ != '"')
        return NULL;
    while (*p != '"') {
        unsigned ch = (unsigned char)*p++;
        if (ch == '\0')
            return NULL;
        if (ch == '\\') {
            char e = *p++;
            if (e == 'u') {
                if (!hex4(p, &ch) || ch > 0xff)
                    return NULL;
                p += 4;
            } else {
                const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
                const char *at = e ? strchr(from, e) : NULL;
                if (!at)
                    return NULL;
                ch = (unsigned char)to[at - from];
            }
        }
        if (len + 1 < size)
            out[len++] = (char)ch;
        else
            *fits = false;
    }
    if (size)
        out[len] = '\0';
    return p + 1;
}

/* Skips one JSON value (number, string, null, true, false, array, object); NULL when malformed. */
static const char *skip_value(const char *p)
{
    char scratch[8];
    bool fits;
    p = skip_space(p);
    if (*p == '"')
        return read_string(p, scratch, sizeof(scratch), &fits);
    if (*p == '[' || *p == '{') {
        char close = *p == '[' ? ']' : '}';
        p = skip_space(p + 1);
        while (p && *p != close) {
            if (close == '}') {
                p = read_string(p, scratch, sizeof(scratch), &fits);
                if (!p || *(p = skip_space(p)) != ':')
                    return NULL;
                p++;
            }
            if (!(p = skip_value(p)))
                return NULL;
            p = skip_space(p);
            if (*p == ',')
                p = skip_space(p + 1);
            else if (*p != close)
                return NULL;
        }
        return p ? p + 1 : NULL;
    }
    const char *start = p;
    while (*p && strchr("-+.0123456789eEtrufalsn", *p))
        p++;
    return p > start ? p : NULL;
}

/* One trace row's fields into *r; false when the line is not a JSON object. */
static bool read_row(const char *line, struct row *r)
{
    memset(r, 0, sizeof(*r));
    bool fits;
    const char *p = skip_space(line);
    if (*p++ != '{')
        return false;
    p = skip_space(p);
    while (*p != '}') {
        char key[16];
        if (!(p = read_string(p, key, sizeof(key), &fits)) || *(p = skip_space(p)) != ':')
            return false;
        p = skip_space(p + 1);
        const char *value = p;
        if (!(p = skip_value(p)))
            return false;
        if (fits && strcmp(key, "event") == 0 && *value == '"') {
            if (!read_string(value, r->event, sizeof(r->event), &fits))
                return false;
        } else if (fits && strcmp(key, "process") == 0 && *value == '"') {
            if (!read_string(value, r->process, sizeof(r->process), &r->process_fits))
                return false;
        } else if (fits && strcmp(key, "number") == 0) {
            char *end;
            r->number = strtoull(value, &end, 10);
            r->have_number = end == p && *value != '-';
        }
        p = skip_space(p);
        if (*p == ',')
            p = skip_space(p + 1);
        else if (*p != '}')
            return false;
    }
    return *skip_space(p + 1) == '\0';
}

/* The k of a call: how many calls of `number` by `process` there were, this one included. */
struct tally {
    char process[SCENARIO_NAME_MAX];
    uint32_t number;
    uint64_t count;
};

static int count_call(struct tally **t, size_t *n, size_t *cap, const char *process, uint32_t number,
                      uint64_t *k)
{
    for (size_t i = 0; i < *n; i++)
        if ((*t)[i].number == number && strcmp((*t)[i].process, process) == 0) {
            *k = ++(*t)[i].count;
            return 0;
        }
    if (*n == *cap) {
        size_t grown = *cap ? *cap * 2 : 64;
        struct tally *m = realloc(*t, grown * sizeof(**t));
        if (!m)
            return -ENOMEM;
        *t = m;
        *cap = grown;
    }
    struct tally *e = &(*t)[(*n)++];
    snprintf(e->process, sizeof(e->process), "%s", process);
    e->number = number;
    *k = e->count = 1;
    return 0;
}

static int append_call(struct systematic_call **calls, size_t *n, size_t *cap,
                       const struct systematic_call *c)
{
    if (*n == *cap) {
        size_t grown = *cap ? *cap * 2 : 256;
        struct systematic_call *m = realloc(*calls, grown * sizeof(**calls));
        if (!m)
            return -ENOMEM;
        *calls = m;
        *cap = grown;
    }
    (*calls)[(*n)++] = *c;
    return 0;
}

/* One line: a call appended when it is a syscall row of a known number; -EINVAL when not a row. */
static int take_line(const char *line, struct systematic_call **calls, size_t *n, size_t *cap,
                     struct tally **tallies, size_t *ntallies, size_t *tcap)
{
    struct row r;
    if (!read_row(line, &r) || !r.event[0])
        return -EINVAL;
    if (strcmp(r.event, "syscall") != 0 || !r.have_number || !syscall_name(r.number) || !r.process_fits)
        return 0;
    struct systematic_call c = {.number = (uint32_t)r.number};
    snprintf(c.process, sizeof(c.process), "%s", r.process);
    int rc = count_call(tallies, ntallies, tcap, c.process, c.number, &c.k);
    return rc ? rc : append_call(calls, n, cap, &c);
}

int systematic_read_trace(FILE *f, struct systematic_call **calls, size_t *n, char *err, size_t errlen)
{
    *calls = NULL;
    *n = 0;
    size_t cap = 0, ntallies = 0, tcap = 0, linecap = 0;
    struct tally *tallies = NULL;
    char *line = NULL;
    int rc = 0;
    for (unsigned lineno = 1; rc == 0 && getline(&line, &linecap, f) >= 0; lineno++) {
        rc = take_line(line, calls, n, &cap, &tallies, &ntallies, &tcap);
        if (rc == -EINVAL)
            snprintf(err, errlen, "%u: not a trace row", lineno);
    }
    free(line);
    free(tallies);
    if (rc != 0) {
        free(*calls);
        *calls = NULL;
        *n = 0;
    }
    return rc;
}

/* Whether `narrow` lets call `c` fail. */
static bool in_narrowing(const struct scenario_systematic *narrow, const struct systematic_call *c)
{
    if (!narrow)
        return true;
    if (narrow->process[0] && strcmp(narrow->process, c->process) != 0)
        return false;
    bool listed = narrow->nsyscalls == 0;
    for (unsigned i = 0; i < narrow->nsyscalls && !listed; i++)
        listed = narrow->syscalls[i] == c->number;
    return listed;
}

int systematic_space_make(const struct systematic_call *calls, size_t ncalls,
                          const struct scenario_systematic *narrow, uint64_t cap,
                          struct systematic_space *space)
{
    memset(space, 0, sizeof(*space));
    for (size_t i = 0; i < ncalls; i++) {
        const zx_status_t *list;
        if (in_narrowing(narrow, &calls[i]))
            space->total += syscall_documented_errors(calls[i].number, &list);
    }
    uint64_t n = cap && cap < space->total ? cap : space->total;
    if (n && !(space->runs = calloc(n, sizeof(*space->runs))))
        return -ENOMEM;
    for (size_t i = 0; i < ncalls && space->n < n; i++) {
        const zx_status_t *list;
        size_t nlist =
            in_narrowing(narrow, &calls[i]) ? syscall_documented_errors(calls[i].number, &list) : 0;
        if (nlist)
            space->ncalls++;
        for (size_t j = 0; j < nlist && space->n < n; j++)
            space->runs[space->n++] = (struct systematic_run){calls[i], list[j]};
    }
    return 0;
}

void systematic_space_free(struct systematic_space *space)
{
    free(space->runs);
    space->runs = NULL;
    space->n = space->ncalls = space->total = 0;
}

void systematic_fault(const struct systematic_run *r, struct fault *f)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->id, sizeof(f->id), "systematic");
    f->on = FAULT_ON_SYSCALL;
    f->number = r->call.number;
    f->after = false;
    snprintf(f->process, sizeof(f->process), "%s", r->call.process);
    f->vector = -1;
    f->counter = (struct fault_counter){.nth = r->call.k, .times = 1, .probability = 100};
    f->action = (struct fault_action){.kind = ACTION_FAIL, .status = r->status};
}

void systematic_scenarios_init(struct systematic_scenarios *ss, const struct scenario *sc,
                               const struct systematic_space *space)
{
    ss->space = space;
    ss->base = *sc;
    ss->base.nfaults = 0;
    ss->base.on_syscall = ss->base.on_exception = ss->base.on_exit = false;
    ss->run = ss->base;
}

void systematic_prepare_run(void *arg, uint64_t index)
{
    struct systematic_scenarios *ss = arg;
    ss->run = ss->base;
    if (index < ss->space->n) {
        systematic_fault(&ss->space->runs[index], &ss->run.faults[0]);
        ss->run.nfaults = 1;
    }
}

void systematic_write_row_field(FILE *f, const struct systematic_run *r)
{
    const char *status = syscall_status_name(r->status);
    fputs("\"systematic\":{\"process\":", f);
    trace_json_string(f, r->call.process);
    fprintf(f, ",\"syscall\":\"%s\",\"n\":%" PRIu64 ",\"status\":", syscall_name(r->call.number), r->call.k);
    if (status)
        fprintf(f, "\"%s\"},", status);
    else
        fprintf(f, "%d},", (int)r->status);
}
