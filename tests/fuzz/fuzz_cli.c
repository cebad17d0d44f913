/* fuzz_cli.c: the command-line parsers (cli_parse and its size, duration and word-splitting helpers). */
/*
 * Built by tests/fuzz/CMakeLists.txt (-DZXVMM_FUZZ=ON, clang); run by scripts/fuzz.sh.
 * Input: NUL-separated words, given to cli_parse as argv[1..] after "zxvmm"
 * (nothing runs: parsing only). Each word also goes to the helpers. Checked:
 * - cli_parse_size: a value > 0 that, printed in decimal, parses back the same;
 * - cli_parse_seconds: 0 < value <= CLI_SECONDS_MAX s, and printed as
 *   S.NNNNNNNNN it parses back the same;
 * - cli_split_words: a NULL-terminated list of argc words that, each quoted
 *   in '...' and joined by spaces, splits back to the same words; a refusal
 *   has its line, argc 0 and no list;
 * - cli_parse: 0, or -EINVAL with one line; accepted options keep their
 *   limits (--mem range and alignment, --cmdline length, spawn count, a
 *   program in each process); written back as a canonical command line
 *   (--opt=value, spawn words quoted, "--" before PROGRAM) they parse to the
 *   same options.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CLI_MAX_WORDS 64

static void broken(const char *what, const char *word)
{
    fprintf(stderr, "fuzz invariant broken: %s: \"%s\"\n", what, word ? word : "(null)");
    abort();
}

/* "NAME=VALUE" in a new string. */
static char *join_option(const char *name, const char *value)
{
    size_t n = strlen(name) + 1 + strlen(value) + 1;
    char *s = malloc(n);
    if (!s)
        abort();
    snprintf(s, n, "%s=%s", name, value);
    return s;
}

/* The words quoted for a POSIX shell ('...' with ' as '\''), joined by spaces; the caller frees it. */
static char *quote_words(char *const *words, int n)
{
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += 3 + 4 * strlen(words[i]);
    char *s = malloc(len), *p = s;
    if (!s)
        abort();
    for (int i = 0; i < n; i++) {
        if (i > 0)
            *p++ = ' ';
        *p++ = '\'';
        for (const char *c = words[i]; *c; c++) {
            if (*c == '\'') {
                memcpy(p, "'\\''", 4);
                p += 4;
            } else {
                *p++ = *c;
            }
        }
        *p++ = '\'';
    }
    *p = '\0';
    return s;
}

/* Two word lists; a list of no words may be NULL (a run with --scenario has no PROGRAM). */
static bool same_words(char *const *a, int na, char *const *b, int nb)
{
    if (na == 0 && nb == 0)
        return (a == NULL || a[0] == NULL) && (b == NULL || b[0] == NULL);
    if (na != nb || !a || !b || a[na] != NULL || b[nb] != NULL)
        return false;
    for (int i = 0; i < na; i++)
        if (strcmp(a[i], b[i]) != 0)
            return false;
    return true;
}

static void check_size(const char *word)
{
    uint64_t v = 0, back = 0;
    char text[32];
    int rc = cli_parse_size(word, &v);
    if (rc == 0) {
        snprintf(text, sizeof(text), "%" PRIu64, v);
        if (v == 0 || cli_parse_size(text, &back) != 0 || back != v)
            broken("a size that does not print and parse back", word);
    } else if (rc != -EINVAL && rc != -ERANGE) {
        broken("cli_parse_size status", word);
    }
}

static void check_seconds(const char *word)
{
    uint64_t ns = 0, back = 0;
    char text[48];
    int rc = cli_parse_seconds(word, &ns);
    if (rc == 0) {
        snprintf(text, sizeof(text), "%" PRIu64 ".%09" PRIu64, ns / 1000000000u, ns % 1000000000u);
        if (ns == 0 || ns > CLI_SECONDS_MAX * 1000000000u || cli_parse_seconds(text, &back) != 0 ||
            back != ns)
            broken("a duration out of range or that does not print and parse back", word);
    } else if (rc != -EINVAL) {
        broken("cli_parse_seconds status", word);
    }
}

static void check_split(const char *word)
{
    int argc = -1, again_argc = -1;
    char **argv = (char **)1, **again = NULL, err[160] = "";
    int rc = cli_split_words(word, &argc, &argv, err, sizeof(err));
    if (rc == -EINVAL || rc == -ENOMEM) {
        if (argc != 0 || argv != NULL || (rc == -EINVAL && (err[0] == '\0' || strchr(err, '\n'))))
            broken("a refused split with words or without its line", word);
        return;
    }
    if (rc != 0 || argc < 0 || !argv)
        broken("cli_split_words status", word);
    char *quoted = quote_words(argv, argc);
    if (cli_split_words(quoted, &again_argc, &again, err, sizeof(err)) != 0 ||
        !same_words(argv, argc, again, again_argc))
        broken("quoted words do not split back the same", word);
    free(quoted);
    cli_free_words(again);
    cli_free_words(argv);
}

/* A growing argv of owned strings. */
struct words {
    char *w[FUZZ_CLI_MAX_WORDS * 2 + 16];
    int n;
};

static void push(struct words *a, char *s)
{
    if (a->n + 1 >= (int)(sizeof(a->w) / sizeof(a->w[0])))
        abort();
    a->w[a->n++] = s;
    a->w[a->n] = NULL;
}

static void push_opt(struct words *a, const char *name, const char *value)
{
    push(a, join_option(name, value));
}

/* The options as a canonical command line. */
static void write_back(const struct cli_options *o, struct words *a)
{
    char num[48];
    push(a, strdup("zxvmm"));
    push(a, strdup(o->command == CLI_RUN ? "run" : "dtb"));
    if (o->ncmdline > 0)
        push_opt(a, "--cmdline", o->cmdline);
    if (o->mem_given) {
        snprintf(num, sizeof(num), "%" PRIu64, o->mem_size);
        push_opt(a, "--mem", num);
    }
    if (o->command == CLI_DTB) {
        push_opt(a, "--output", o->output);
        return;
    }
    if (o->timeout_ns) {
        snprintf(num, sizeof(num), "%" PRIu64 ".%09" PRIu64, o->timeout_ns / 1000000000u,
                 o->timeout_ns % 1000000000u);
        push_opt(a, "--timeout", num);
    }
    if (o->verbose)
        push(a, strdup("-v"));
    if (o->label_output)
        push(a, strdup("--label-output"));
    if (o->wait_all)
        push(a, strdup("--wait-all"));
    if (o->gdb)
        push_opt(a, "--gdb", o->gdb);
    if (o->trace)
        push_opt(a, "--trace", o->trace);
    if (o->no_seccomp)
        push(a, strdup("--no-seccomp"));
    if (o->scenario)
        push_opt(a, "--scenario", o->scenario);
    if (o->seed_given) {
        snprintf(num, sizeof(num), "%" PRIu64, o->seed);
        push_opt(a, "--seed", num);
    }
    for (int i = 0; i < o->nspawn; i++) {
        char *q = quote_words(o->spawn[i].argv, o->spawn[i].argc);
        push_opt(a, o->spawn[i].stopped ? "--spawn-stopped" : "--spawn", q);
        free(q);
    }
    if (o->main.argc > 0)
        push(a, strdup("--"));
    for (int i = 0; i < o->main.argc; i++)
        push(a, strdup(o->main.argv[i]));
}

static bool same_string(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool same_options(const struct cli_options *a, const struct cli_options *b)
{
    if (a->command != b->command || !same_string(a->cmdline, b->cmdline) || a->mem_size != b->mem_size ||
        a->mem_given != b->mem_given || !same_string(a->output, b->output) ||
        (a->ncmdline > 0) != (b->ncmdline > 0))
        return false;
    if (a->command == CLI_DTB)
        return true;
    if (a->timeout_ns != b->timeout_ns || a->verbose != b->verbose || a->label_output != b->label_output ||
        a->wait_all != b->wait_all || a->no_seccomp != b->no_seccomp || !same_string(a->gdb, b->gdb) ||
        !same_string(a->trace, b->trace) || !same_string(a->scenario, b->scenario) ||
        a->seed_given != b->seed_given || (a->seed_given && a->seed != b->seed) || a->nspawn != b->nspawn ||
        !same_words(a->main.argv, a->main.argc, b->main.argv, b->main.argc))
        return false;
    for (int i = 0; i < a->nspawn; i++)
        if (a->spawn[i].stopped != b->spawn[i].stopped ||
            !same_words(a->spawn[i].argv, a->spawn[i].argc, b->spawn[i].argv, b->spawn[i].argc))
            return false;
    return true;
}

static void check_limits(const struct cli_options *o, const char *first)
{
    if (o->mem_size < CLI_MIN_MEM || o->mem_size > CLI_MAX_MEM || o->mem_size % 4096 != 0 ||
        strlen(o->cmdline) > CLI_MAX_CMDLINE || o->nspawn < 0 || o->nspawn > CLI_MAX_SPAWN ||
        (o->command == CLI_RUN && o->main.argc < 1 && o->scenario == NULL) ||
        (o->command == CLI_DTB && o->output == NULL))
        broken("accepted options outside their limits", first);
    for (int i = 0; i < o->nspawn; i++)
        if (o->spawn[i].argc < 1 || o->spawn[i].argc > CLI_MAX_ARGS || o->spawn[i].argv[o->spawn[i].argc])
            broken("a spawned process without a program", first);
}

static void check_parse(int argc, char **argv)
{
    struct cli_options o, back;
    char err[512] = "";
    int rc = cli_parse(argc, argv, &o, err, sizeof(err));
    bool newline = false; /* an error line quotes the word at fault, which may hold a newline */
    for (int i = 1; i < argc; i++)
        newline |= strchr(argv[i], '\n') != NULL;
    if (rc == -EINVAL && (err[0] == '\0' || (!newline && strchr(err, '\n'))))
        broken("a usage error without its line", argc > 1 ? argv[1] : NULL);
    if (rc != 0 && rc != -EINVAL)
        broken("cli_parse status", argc > 1 ? argv[1] : NULL);
    if (rc == 0 && (o.command == CLI_RUN || o.command == CLI_DTB)) {
        check_limits(&o, argv[1]);
        struct words a = {.n = 0};
        write_back(&o, &a);
        if (cli_parse(a.n, a.w, &back, err, sizeof(err)) != 0)
            broken("the options written back are refused", err);
        if (!same_options(&o, &back))
            broken("the options written back parse to other options", argv[1]);
        cli_options_free(&back);
        for (int i = 0; i < a.n; i++)
            free(a.w[i]);
    }
    cli_options_free(&o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *argv[FUZZ_CLI_MAX_WORDS + 2];
    int argc = 0;
    argv[argc++] = "zxvmm";
    for (char *p = text; p <= text + size && argc <= FUZZ_CLI_MAX_WORDS; p += strlen(p) + 1) {
        argv[argc++] = p;
        check_size(p);
        check_seconds(p);
        check_split(p);
    }
    argv[argc] = NULL;
    check_parse(argc, argv);
    free(text);
    return 0;
}
