/* shard.c: which runs a campaign makes: shards, the rows --resume keeps, the progress line's text. */
#include "campaign/shard.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "campaign/campaign.h"

/* A decimal number that is all of text[0, len); 0 or -EINVAL. */
static int parse_decimal(const char *text, size_t len, uint64_t *out)
{
    if (len == 0 || len > 19)
        return -EINVAL;
    uint64_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return -EINVAL;
        n = n * 10 + (uint64_t)(text[i] - '0');
    }
    *out = n;
    return 0;
}

int campaign_shard_parse(const char *text, struct campaign_shard *s, char *err, size_t errlen)
{
    const char *slash = strchr(text, '/');
    if (!slash) {
        snprintf(err, errlen, "--shard %s: expected K/M (shard K of M, 0 <= K < M), e.g. 0/4", text);
        return -EINVAL;
    }
    uint64_t k, m;
    if (parse_decimal(text, (size_t)(slash - text), &k) != 0) {
        snprintf(err, errlen, "--shard %s: K '%.*s' is not a decimal number", text, (int)(slash - text),
                 text);
        return -EINVAL;
    }
    if (parse_decimal(slash + 1, strlen(slash + 1), &m) != 0) {
        snprintf(err, errlen, "--shard %s: M '%s' is not a decimal number", text, slash + 1);
        return -EINVAL;
    }
    if (m == 0) {
        snprintf(err, errlen, "--shard %s: M is 0; there must be at least one shard", text);
        return -EINVAL;
    }
    if (k >= m) {
        snprintf(err, errlen,
                 "--shard %s: K is %" PRIu64 ", not below M (shards are numbered 0 to %" PRIu64 ")", text, k,
                 m - 1);
        return -EINVAL;
    }
    s->k = k;
    s->m = m;
    return 0;
}

bool campaign_shard_has(const struct campaign_shard *s, uint64_t index)
{
    return index % s->m == s->k;
}

int64_t campaign_select(uint64_t runs, const struct campaign_shard *s, const bool *done, uint64_t **list)
{
    *list = NULL;
    uint64_t n = 0;
    for (uint64_t i = s->k; i < runs; i += s->m)
        n += !(done && done[i]);
    if (n == 0)
        return 0;
    if (!(*list = malloc(n * sizeof(**list))))
        return -1;
    n = 0;
    for (uint64_t i = s->k; i < runs; i += s->m)
        if (!(done && done[i]))
            (*list)[n++] = i;
    return (int64_t)n;
}

/* The text after `"key":` in `line`, or NULL. */
static const char *field(const char *line, const char *key)
{
    char want[32];
    snprintf(want, sizeof(want), "\"%s\":", key);
    const char *p = strstr(line, want);
    return p ? p + strlen(want) : NULL;
}

/* One whole row: its seed, and the run it records (golden or an index) with its class. */
static int read_row(const char *line, struct campaign_resume *r, uint64_t runs,
                    const struct campaign_shard *s, const char **why)
{
    const char *seed = field(line, "campaign_seed"), *run = field(line, "run"), *class = field(line, "class");
    char *end;
    if (!seed || !run || !class || *class != '"') {
        *why = "not a result row (no \"campaign_seed\", \"run\" or \"class\")";
        return -EINVAL;
    }
    errno = 0;
    uint64_t n = strtoull(seed, &end, 10);
    if (errno != 0 || end == seed) {
        *why = "its \"campaign_seed\" is not a number";
        return -EINVAL;
    }
    if (r->seed_known && n != r->seed) {
        *why = "its \"campaign_seed\" differs from the rows before it";
        return -EINVAL;
    }
    r->seed_known = true;
    r->seed = n;
    if (strncmp(run, "\"golden\"", 8) == 0) {
        r->golden = true;
        return 0;
    }
    int k = campaign_class_index_prefix(class + 1);
    errno = 0;
    uint64_t index = strtoull(run, &end, 10);
    if (errno != 0 || end == run || *run == '-' || k < 0) {
        *why = "its \"run\" is not a run number or its \"class\" is unknown";
        return -EINVAL;
    }
    if (index < runs && campaign_shard_has(s, index) && !r->done[index]) {
        r->done[index] = true;
        r->ndone++;
        r->counts[k]++;
    }
    return 0;
}

int campaign_resume_read(FILE *f, uint64_t runs, const struct campaign_shard *s, struct campaign_resume *r,
                         char *err, size_t errlen)
{
    memset(r, 0, sizeof(*r));
    if (!(r->done = calloc(runs ? runs : 1, sizeof(bool))))
        return -ENOMEM;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = 0;
    for (unsigned n = 1; rc == 0 && (len = getline(&line, &cap, f)) > 0; n++) {
        const char *why;
        if (line[len - 1] != '\n') {
            r->cut = true; /* the last line, cut off mid-row: dropped, its run redone */
        } else if (read_row(line, r, runs, s, &why) != 0) {
            snprintf(err, errlen, "%u: %s", n, why);
            rc = -EINVAL;
        } else {
            r->keep += len;
        }
    }
    free(line);
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "reading failed: %s", strerror(errno));
        rc = -EIO;
    }
    if (rc != 0)
        campaign_resume_free(r);
    return rc;
}

void campaign_resume_free(struct campaign_resume *r)
{
    free(r->done);
    r->done = NULL;
}

void campaign_progress_text(char *buf, size_t len, uint64_t done, uint64_t total, double elapsed_s,
                            const uint64_t counts[CAMPAIGN_CLASSES])
{
    size_t at = 0;
#define APPEND(...)                                                                                          \
    do {                                                                                                     \
        int k = snprintf(buf + at, len - at, __VA_ARGS__);                                                   \
        at = (k < 0 || (size_t)k >= len - at) ? len - 1 : at + (size_t)k;                                    \
    } while (0)
    buf[0] = '\0';
    APPEND("zxvmm: %" PRIu64 "/%" PRIu64 " runs", done, total);
    if (done > 0 && elapsed_s > 0) {
        double rate = (double)done / elapsed_s;
        APPEND(", %.1f runs/s", rate);
    }
    for (int i = 0; i < CAMPAIGN_CLASSES; i++)
        if (counts[i])
            APPEND(", %s %" PRIu64, campaign_class_names[i], counts[i]);
    if (done > 0 && elapsed_s > 0) {
        double eta = (double)(total - done) * elapsed_s / (double)done;
        APPEND(", ETA %.0fs", eta);
    }
#undef APPEND
}
