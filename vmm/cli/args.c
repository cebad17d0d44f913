/* args.c: pure parsers for zxvmm's command line: sizes, durations and shell-style word splitting. */
#include "cli/args.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CLI_DECIMAL_BASE  10u
#define CLI_NS_PER_SEC    1000000000ULL
#define CLI_NS_DIGITS     9u
#define CLI_BLANKS        " \t\n"
#define CLI_DQ_ESCAPABLE  "\\\"$`\n" /* what a backslash escapes inside double quotes (POSIX 2.2.3) */
#define CLI_INITIAL_WORDS 8u
#define CLI_INITIAL_CHARS 32u

/* Binary multipliers accepted after a size. */
static const struct {
    char letter;
    uint64_t multiplier;
} cli_size_units[] = {
    {'k', 1ULL << 10},
    {'m', 1ULL << 20},
    {'g', 1ULL << 30},
};

static bool cli_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The multiplier named by what follows the digits: "", or a unit letter then "", "B" or "iB". */
static int cli_size_multiplier(const char *suffix, uint64_t *multiplier)
{
    if (*suffix == '\0') {
        *multiplier = 1;
        return 0;
    }
    for (size_t i = 0; i < sizeof(cli_size_units) / sizeof(cli_size_units[0]); i++) {
        const char *rest = suffix + 1;

        if (tolower((unsigned char)*suffix) != cli_size_units[i].letter)
            continue;
        if (*rest != '\0' && strcasecmp(rest, "b") != 0 && strcasecmp(rest, "ib") != 0)
            return -EINVAL;
        *multiplier = cli_size_units[i].multiplier;
        return 0;
    }
    return -EINVAL;
}

int cli_parse_size(const char *s, uint64_t *out)
{
    uint64_t value = 0, multiplier;
    bool overflow = false;
    const char *p = s;

    if (!cli_is_digit(*p))
        return -EINVAL;
    for (; cli_is_digit(*p); p++) {
        unsigned digit = (unsigned)(*p - '0');

        if (value > (UINT64_MAX - digit) / CLI_DECIMAL_BASE)
            overflow = true;
        else
            value = value * CLI_DECIMAL_BASE + digit;
    }
    if (cli_size_multiplier(p, &multiplier) < 0)
        return -EINVAL;
    if (overflow || value > UINT64_MAX / multiplier)
        return -ERANGE;
    if (value == 0)
        return -EINVAL;
    *out = value * multiplier;
    return 0;
}

/* Fraction digits after the '.', as nanoseconds; digits past the ninth are dropped. */
static int cli_parse_fraction(const char **pp, uint64_t *ns)
{
    const char *p = *pp;
    uint64_t scale = CLI_NS_PER_SEC;
    unsigned ndigits = 0;

    if (!cli_is_digit(*p))
        return -EINVAL;
    *ns = 0;
    for (; cli_is_digit(*p); p++) {
        if (ndigits++ < CLI_NS_DIGITS) {
            scale /= CLI_DECIMAL_BASE;
            *ns += (uint64_t)(*p - '0') * scale;
        }
    }
    *pp = p;
    return 0;
}

int cli_parse_seconds(const char *s, uint64_t *out_ns)
{
    uint64_t whole = 0, frac = 0, ns;
    const char *p = s;

    if (!cli_is_digit(*p))
        return -EINVAL;
    for (; cli_is_digit(*p); p++) {
        whole = whole * CLI_DECIMAL_BASE + (uint64_t)(*p - '0');
        if (whole > CLI_SECONDS_MAX)
            return -EINVAL; /* stops long before uint64_t could overflow */
    }
    if (*p == '.') {
        p++;
        if (cli_parse_fraction(&p, &frac) < 0)
            return -EINVAL;
    }
    if (*p != '\0')
        return -EINVAL;
    ns = whole * CLI_NS_PER_SEC + frac;
    if (ns == 0 || ns > CLI_SECONDS_MAX * CLI_NS_PER_SEC)
        return -EINVAL;
    *out_ns = ns;
    return 0;
}

/* Words collected so far and the word being built. argv is always NULL-terminated. */
struct cli_words {
    char **argv;
    size_t argc;
    size_t argv_cap; /* entries, the NULL terminator included */
    char *word;
    size_t len;
    size_t word_cap;
    bool in_word; /* a word has started, even if it is still empty ('') */
};

static int cli_push_char(struct cli_words *w, char ch)
{
    if (w->len + 1 >= w->word_cap) {
        size_t cap = w->word_cap > 0 ? w->word_cap * 2 : CLI_INITIAL_CHARS;
        char *word = realloc(w->word, cap);

        if (word == NULL)
            return -ENOMEM;
        w->word = word;
        w->word_cap = cap;
    }
    w->word[w->len++] = ch;
    w->in_word = true;
    return 0;
}

/* Makes room in argv for one more word and the terminator. */
static int cli_grow_argv(struct cli_words *w)
{
    if (w->argc + 2 <= w->argv_cap)
        return 0;
    if (w->argc >= INT_MAX - 1)
        return -E2BIG;
    size_t cap = w->argv_cap > 0 ? w->argv_cap * 2 : CLI_INITIAL_WORDS;
    char **argv = realloc(w->argv, cap * sizeof(*argv));

    if (argv == NULL)
        return -ENOMEM;
    w->argv = argv;
    w->argv_cap = cap;
    return 0;
}

/* Ends the current word, if one has started, and appends it to argv. */
static int cli_end_word(struct cli_words *w)
{
    int rc;

    if (!w->in_word)
        return 0;
    rc = cli_grow_argv(w);
    if (rc == 0)
        rc = cli_push_char(w, '\0');
    if (rc < 0)
        return rc;
    w->argv[w->argc++] = w->word;
    w->argv[w->argc] = NULL;
    w->word = NULL;
    w->len = w->word_cap = 0;
    w->in_word = false;
    return 0;
}

/* '...' starting at s[*i]: everything up to the next quote is literal. */
static int cli_scan_single(struct cli_words *w, const char *s, size_t *i, char *err, size_t errlen)
{
    size_t start = *i;
    const char *close = strchr(s + start + 1, '\'');
    int rc = 0;

    if (close == NULL) {
        snprintf(err, errlen, "unterminated single quote at offset %zu", start);
        return -EINVAL;
    }
    w->in_word = true;
    for (const char *p = s + start + 1; rc == 0 && p < close; p++)
        rc = cli_push_char(w, *p);
    *i = (size_t)(close - s) + 1;
    return rc;
}

/* "..." starting at s[*i]: a backslash escapes only CLI_DQ_ESCAPABLE; backslash-newline vanishes. */
static int cli_scan_double(struct cli_words *w, const char *s, size_t *i, char *err, size_t errlen)
{
    size_t start = *i, j = start + 1;
    int rc = 0;

    w->in_word = true;
    while (rc == 0 && s[j] != '"') {
        if (s[j] == '\0') {
            snprintf(err, errlen, "unterminated double quote at offset %zu", start);
            return -EINVAL;
        }
        if (s[j] == '\\' && s[j + 1] != '\0' && strchr(CLI_DQ_ESCAPABLE, s[j + 1]) != NULL) {
            if (s[j + 1] != '\n')
                rc = cli_push_char(w, s[j + 1]);
            j += 2;
        } else {
            rc = cli_push_char(w, s[j++]);
        }
    }
    *i = j + 1;
    return rc;
}

/* A backslash outside quotes at s[*i]. */
static int cli_scan_backslash(struct cli_words *w, const char *s, size_t *i, char *err, size_t errlen)
{
    char next = s[*i + 1];

    if (next == '\0') {
        snprintf(err, errlen, "trailing backslash at offset %zu escapes nothing", *i);
        return -EINVAL;
    }
    *i += 2;
    return next == '\n' ? 0 : cli_push_char(w, next);
}

static int cli_scan(struct cli_words *w, const char *s, char *err, size_t errlen)
{
    size_t i = 0;
    int rc = 0;

    while (rc == 0 && s[i] != '\0') {
        char ch = s[i];

        if (strchr(CLI_BLANKS, ch) != NULL) {
            rc = cli_end_word(w);
            i++;
        } else if (ch == '\\') {
            rc = cli_scan_backslash(w, s, &i, err, errlen);
        } else if (ch == '\'') {
            rc = cli_scan_single(w, s, &i, err, errlen);
        } else if (ch == '"') {
            rc = cli_scan_double(w, s, &i, err, errlen);
        } else {
            rc = cli_push_char(w, ch);
            i++;
        }
    }
    if (rc == 0)
        rc = cli_end_word(w);
    return rc;
}

int cli_split_words(const char *s, int *argc_out, char ***argv_out, char *err, size_t errlen)
{
    struct cli_words w = {0};
    char dummy_err[1];
    int rc;

    if (err == NULL || errlen == 0) {
        err = dummy_err;
        errlen = sizeof(dummy_err);
    }
    *argc_out = 0;
    *argv_out = NULL;
    rc = cli_grow_argv(&w);
    if (rc == 0) {
        w.argv[0] = NULL;
        rc = cli_scan(&w, s != NULL ? s : "", err, errlen);
    }
    free(w.word);
    if (rc < 0) {
        if (rc == -ENOMEM)
            snprintf(err, errlen, "out of memory splitting words");
        cli_free_words(w.argv);
        return rc;
    }
    *argc_out = (int)w.argc;
    *argv_out = w.argv;
    return 0;
}

void cli_free_words(char **argv)
{
    if (argv == NULL)
        return;
    for (char **p = argv; *p != NULL; p++)
        free(*p);
    free(argv);
}
