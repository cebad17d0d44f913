/* options.c: parses kernel command-line boot options (`key[=value]` words) into struct boot_options. */
#include "boot/options.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define OPTIONS_SEPARATORS " \t\n"

/* A known boolean option: its key and where its value lives in struct boot_options. */
struct options_bool_key {
    const char *key;
    size_t offset;
};

static const struct options_bool_key options_bool_keys[] = {
    {"kernel.enable-debugging-syscalls", offsetof(struct boot_options, enable_debugging_syscalls)},
    {"kernel.enable-serial-syscalls", offsetof(struct boot_options, enable_serial_syscalls)},
};

const char *const boot_options_keys[] = {
    "kernel.enable-debugging-syscalls",
    "kernel.enable-serial-syscalls",
    NULL,
};

/* Spellings accepted for each truth value (compared without regard to case). */
static const char *const options_true_words[] = {"true", "1", "on"};
static const char *const options_false_words[] = {"false", "0", "off"};

static bool options_word_in(const char *val, size_t len, const char *const *words, size_t nwords)
{
    for (size_t i = 0; i < nwords; i++) {
        if (strlen(words[i]) == len && strncasecmp(val, words[i], len) == 0)
            return true;
    }
    return false;
}

static const struct options_bool_key *options_find_key(const char *key, size_t len)
{
    for (size_t i = 0; i < sizeof(options_bool_keys) / sizeof(options_bool_keys[0]); i++) {
        if (strlen(options_bool_keys[i].key) == len && memcmp(key, options_bool_keys[i].key, len) == 0)
            return &options_bool_keys[i];
    }
    return NULL;
}

/* Applies one word (`len` bytes, not NUL-terminated) to `opts`. */
static int options_apply_word(const char *word, size_t len, struct boot_options *opts, char *err,
                              size_t errlen)
{
    const char *eq = memchr(word, '=', len);
    size_t key_len = eq != NULL ? (size_t)(eq - word) : len;
    const struct options_bool_key *k = options_find_key(word, key_len);
    bool *field;

    if (k == NULL)
        return 0;
    field = (bool *)((char *)opts + k->offset);
    if (eq == NULL) {
        *field = true;
        return 0;
    }
    const char *val = eq + 1;
    size_t val_len = len - key_len - 1;

    if (options_word_in(val, val_len, options_true_words, sizeof(options_true_words) / sizeof(char *))) {
        *field = true;
    } else if (options_word_in(val, val_len, options_false_words,
                               sizeof(options_false_words) / sizeof(char *))) {
        *field = false;
    } else {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "boot option \"%.*s\": the value must be true/1/on or false/0/off",
                     (int)len, word);
        return -EINVAL;
    }
    return 0;
}

int boot_options_parse(const char *cmdline, struct boot_options *out, char *err, size_t errlen)
{
    struct boot_options opts = {.enable_serial_syscalls = true};
    const char *p = cmdline != NULL ? cmdline : "";

    for (;;) {
        p += strspn(p, OPTIONS_SEPARATORS);
        if (*p == '\0')
            break;
        size_t len = strcspn(p, OPTIONS_SEPARATORS);
        int rc = options_apply_word(p, len, &opts, err, errlen);

        if (rc < 0)
            return rc;
        p += len;
    }
    *out = opts;
    return 0;
}

bool boot_options_next_unknown(const char **pos, const char **word, size_t *len)
{
    const char *p = *pos != NULL ? *pos : "";

    for (;;) {
        p += strspn(p, OPTIONS_SEPARATORS);
        if (*p == '\0') {
            *pos = p;
            return false;
        }
        size_t n = strcspn(p, OPTIONS_SEPARATORS);
        const char *eq = memchr(p, '=', n);
        size_t key_len = eq != NULL ? (size_t)(eq - p) : n;

        if (options_find_key(p, key_len) == NULL) {
            *word = p;
            *len = n;
            *pos = p + n;
            return true;
        }
        p += n;
    }
}

size_t boot_edit_distance(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t row[BOOT_DISTANCE_MAX + 1];

    if (alen > BOOT_DISTANCE_MAX || blen > BOOT_DISTANCE_MAX)
        return BOOT_DISTANCE_MAX;
    for (size_t j = 0; j <= blen; j++)
        row[j] = j;
    for (size_t i = 1; i <= alen; i++) {
        size_t diag = row[0];

        row[0] = i;
        for (size_t j = 1; j <= blen; j++) {
            size_t above = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);

            if (above + 1 < best)
                best = above + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = above;
        }
    }
    return row[blen];
}

const char *boot_options_nearest_key(const char *word, size_t len)
{
    const char *eq = memchr(word, '=', len);
    size_t key_len = eq != NULL ? (size_t)(eq - word) : len;
    const char *best = NULL;
    size_t best_distance = key_len / 3 + 1;

    for (size_t i = 0; boot_options_keys[i] != NULL; i++) {
        size_t d = boot_edit_distance(word, key_len, boot_options_keys[i], strlen(boot_options_keys[i]));

        if (d < best_distance) {
            best = boot_options_keys[i];
            best_distance = d;
        }
    }
    return best;
}
